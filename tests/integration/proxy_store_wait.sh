#!/usr/bin/env bash
# Integration test: the proxy's warning page reads its list metadata (source, reference,
# first seen) from the store off the event loop (issue 17). A real PostgreSQL store
# (tests/lib/pgtmp.sh) whose `lists` table another session holds locked: a request for a
# listed URL waits for its page, and meanwhile the same worker (one thread) goes on
# serving other requests; once the lock goes, the held request gets its page. A proxy
# whose connect-timeout passes first sends the page with the list name only. Before,
# the store read ran on the worker's epoll thread and every connection of that worker
# stood still for as long as the store did. Skipped (77) without PostgreSQL.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
chmod 755 "$work"
on_exit() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	"$src/tests/lib/pgtmp.sh" stop "$work/pg"
}
for tool in python3 curl psql; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
url=$("$src/tests/lib/pgtmp.sh" start "$work/pg")
rc=$?
[ $rc -eq 77 ] && { echo "proxy_store_wait: PostgreSQL not installed: skipped"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: PostgreSQL did not start" >&2; cat "$work"/pg/*.log >&2; exit 1; }
sql() { psql "$url" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
WWW=$(freeport); PX=$(freeport); MET=$(freeport); PX2=$(freeport)

mkdir www
echo hello-allowed >www/ok.html
echo REAL-MALWARE-PAGE >www/bad.html
python3 -m http.server --bind 127.0.0.1 --directory www "$WWW" >www.log 2>&1 & pids+=($!)
until_ok curl -s -o /dev/null "http://127.0.0.1:$WWW/ok.html" || bad "site did not start"

isp() { "$bin" -q --store "$url" -o core.snapshot="$work/t.snap" "$@"; }
isp store migrate >/dev/null || bad "migrate"
printf 'http://127.0.0.1:%s/bad.html\n' "$WWW" >urls.txt
isp lists import --list malware-urls --kind url --source feed-x urls.txt || bad "import"
listed=$(date -u +%F) # the entry's first_seen, which only the store knows
isp lists compile || bad "compile"
"$bin" --store "$url" -o core.snapshot="$work/t.snap" proxy --listen "127.0.0.1:$PX" \
	--threads 1 --metrics "127.0.0.1:$MET" --allow-destinations 127.0.0.1/32 \
	--connect-timeout 60 2>proxy.log & pids+=($!)
# a second proxy that waits at most 1 s for the store (connect-timeout)
"$bin" --store "$url" -o core.snapshot="$work/t.snap" proxy --listen "127.0.0.1:$PX2" \
	--allow-destinations 127.0.0.1/32 --connect-timeout 1 2>proxy2.log & pids+=($!)
until_ok curl -s -o /dev/null "http://127.0.0.1:$MET/metrics" || bad "proxy did not start"
until_ok curl -s -o /dev/null -x "127.0.0.1:$PX2" "http://127.0.0.1:$WWW/ok.html" || bad "proxy 2 did not start"
P=(curl -s -m 20 -x "127.0.0.1:$PX")
"${P[@]}" "http://127.0.0.1:$WWW/bad.html" >first.html
check "the warning page has the entry's listing date (store read)" grep -q "<td>Listed</td><td>$listed</td>" first.html
check "... and never the list's source, an internal name" bash -c '! grep -q feed-x first.html' 

# another session holds the lists table until release/ appears
python3 - "$url" <<'PY' & locker=$!
import os, subprocess, sys
p = subprocess.Popen(["psql", sys.argv[1], "-X", "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, text=True)
p.stdin.write("BEGIN;\nLOCK TABLE lists IN ACCESS EXCLUSIVE MODE;\n\\o locked\nSELECT 1;\n\\o\n")
p.stdin.flush()
import time
while not os.path.exists("release"):
    time.sleep(0.05)
p.stdin.write("ROLLBACK;\n")
p.stdin.close()
p.wait()
PY
pids+=($locker)
until_ok test -s locked || bad "the lists table was not locked"
"${P[@]}" "http://127.0.0.1:$WWW/bad.html" >held.html & hit=$!
hits2() { curl -s "http://127.0.0.1:$MET/metrics" | grep -qE '^ispshield_proxy_hits_total 2$'; }
check "the second hit reached the proxy" until_ok hits2
check "while that hit waits for the store, the same worker serves another request" \
	test "$(curl -s -m 30 -x "127.0.0.1:$PX" "http://127.0.0.1:$WWW/ok.html")" = hello-allowed
check "... and the hit is then still waiting" kill -0 "$hit"
curl -s -m 20 -x "127.0.0.1:$PX2" "http://127.0.0.1:$WWW/bad.html" >fallback.html
check "a store slower than connect-timeout: the page comes without the store's metadata" \
	grep -q "<td>Listed</td><td>-</td>" fallback.html
check "... while the store is still locked (the first hit still waits)" kill -0 "$hit"
touch release
wait "$hit"
check "the held hit gets its warning page, with the store's metadata once the lock is gone" \
	grep -q "<td>Listed</td><td>$listed</td>" held.html
check "the real page was not served" bash -c '! grep -q REAL-MALWARE held.html'

finish proxy_store_wait
