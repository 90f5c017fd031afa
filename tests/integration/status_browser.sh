#!/usr/bin/env bash
# Integration test of `ispshield status`, the operator's status page, with a real browser.
# A store with real data: the sample lists of data/lists, block events of a real
# `ispshield dns` (upstream: a real Unbound) queried with dig, subscribers, sessions and a
# partner list notified by `ispshield notify run` into a Maildir, a list sync state, a
# darknet report of generated captures. Then `ispshield status` with basic auth: curl
# checks 401/200/404/405; headless Chromium (status_browser.py) loads the page and checks
# every figure against /api/status and against what this test did; under dnsperf load the
# current QPS and block rate; a malformed sync-state.json; SIGHUP and SIGTERM.
# Everything on loopback; in a private network namespace where one can be made. The
# screenshots go to ${ISP_TEST_OUT:-$PWD/test-output}/status_browser/.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree); CHROMIUM, CHROMEDRIVER.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
out=${ISP_TEST_OUT:-$PWD/test-output}/status_browser
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)

private_netns "${out%/status_browser}"

chromium=${CHROMIUM:-/usr/bin/chromium}
driver=${CHROMEDRIVER:-/usr/bin/chromedriver}
for tool in python3 curl dig dnsperf unbound "$chromium" "$driver"; do
	command -v "$tool" >/dev/null || { echo "FAIL missing $tool (scripts/deps.sh test)" >&2; exit 1; }
done
begin_test
rm -f "$out"/*.png "$out"/*.log
isp() { "$bin" -q --store "$work/var/t.db" "$@"; }
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[int(k)] if isinstance(d, list) else d.get(k)
print(d)' "$1"; }
UP=$(freeport); DNS=$(freeport); MET=$(freeport); DEAD=$(freeport); ST=$(freeport); CD=$(freeport)

# ---- lists: the bundled samples
isp lists import --list c2 --kind domain "$src/data/lists/c2-domains.txt" || bad "import c2"
isp lists import --list c2-ips --kind ip "$src/data/lists/c2-ips.csv" || bad "import c2-ips"
isp lists import --list malware-urls --kind url "$src/data/lists/malware-urls.csv" || bad "import urls"
"$bin" --store "$work/var/t.db" lists compile 2>compile.txt || bad "compile"
keys=$(sed -n 's/.* \([0-9]*\) keys .*/\1/p' compile.txt)

# ---- DNS: Unbound upstream, ispshield dns with the store and metrics, dig
{ unbound_conf "$UP"; cat <<U
  local-zone: "good.test." static
  local-data: "www.good.test. 300 IN A 192.0.2.10"
  local-zone: "." refuse
U
} >up.conf
unbound -c up.conf >up.out 2>&1 & pids+=($!)
"$bin" --store "$work/var/t.db" dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" \
	--subscribers 127.0.0.0/8 --metrics "127.0.0.1:$MET" 2>dns.log & pids+=($!)
q() { dig +tries=1 +time=2 -p "$DNS" @127.0.0.1 "$@"; }
qok() { q www.good.test 2>/dev/null | grep -q 'status: NOERROR'; }
until_ok qok || bad "dns did not come up"
blocked=0
for n in cc1.botnet.example cc1.botnet.example cc1.botnet.example update-check.malware.example \
	update-check.malware.example a.dga-family.example; do
	q "$n" | grep -q 'status: NXDOMAIN' && blocked=$((blocked + 1))
done
eq "$blocked" 6 "six listed names blocked by ispshield dns"
stored6() { [ "$(sqlite3 var/t.db 'SELECT count(*) FROM block_events')" = 6 ]; }
until_ok stored6 || bad "the six block events were not stored" # the event writer batches

# ---- notification: subscribers, sessions, a partner list, notify into a Maildir
now=$(date +%s)
cat >subs.csv <<'S'
id,email,language
sub0001,taro@example.jp,ja
sub0002,alice@example.com,en
S
cat >sess.csv <<S
Acct-Status-Type,Acct-Session-Id,User-Name,Framed-IP-Address,Event-Timestamp
Start,s1,sub0001,198.51.100.23,1795334400
Start,s2,sub0002,127.0.0.1,$((now - 600))
S
cat >jpcert.csv <<'E'
ip,timestamp,port,family,reference
198.51.100.23,2026-11-22T10:45:00Z,49152,GameOverZeus,JP-1
198.51.100.23,2026-11-22T10:50:00Z,49153,GameOverZeus,JP-2
192.0.2.200,2026-11-22T09:30:00Z,,GameOverZeus,JP-3
E
isp subscribers import subs.csv || bad "subscribers"
isp sessions import --format radcsv sess.csv || bad "sessions"
isp events import --source jpcert jpcert.csv || bad "events"
isp notify run --maildir "$work/md" 2>notify.err || { bad "notify run"; cat notify.err >&2; }
eq "$(ls md/new | wc -l)" 2 "two notices in the Maildir"
body_line=$(grep -h -m1 'reply with the word STOP' md/new/* | head -1)

# ---- list sync state and a darknet report
cat >var/sync-state.json <<J
{"syncs":[{"url":"https://isac.example/lists/c2","last_attempt":$now,"last_success":$now,
 "result":"ok","error":"","etag":"\"abc\"","last_modified":"","sequence":42,
 "lists":[{"name":"c2","entries":6,"sha256":"$(printf '%064d' 0)"}]},
 {"url":"https://isac.example/lists/<b>bad</b>","last_attempt":$now,"last_success":0,
 "result":"bad-signature","error":"signature does not verify","sequence":"x"}]}
J
mkdir cap && python3 "$src/tests/data/darknet/gen.py" cap >/dev/null || bad "darknet captures"
"$bin" darknet --sensor 198.51.100.0/24,203.0.113.0/24,2001:db8:dead::/48 --json cap/eth.pcap \
	>dn.json 2>/dev/null
records=$(jget records <dn.json)

# ---- an endpoint that accepts connections and never answers (a hung service)
HUNG=$(freeport)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(600)' "$HUNG" & pids+=($!)
wait_tcp "$HUNG" || bad "the hung endpoint did not listen"

# ---- the status page
printf 'correct horse battery staple\n' >pw && chmod 600 pw # secrets others can read are refused
"$bin" --store "$work/var/t.db" status --listen "127.0.0.1:$ST" --user admin --password-file pw \
	--scrape "127.0.0.1:$MET, 127.0.0.1:$DEAD, 127.0.0.1:$HUNG" --interval 1 --darknet "$work/dn.json" \
	2>status.log & stpid=$!; pids+=($stpid)
base=http://127.0.0.1:$ST
A=(-u 'admin:correct horse battery staple')
# api PATH: one figure of /api/status;  api_is PATH VALUE: it has that value (for until_ok)
api() { curl -s -m 30 "${A[@]}" "$base/api/status" | jget "$1" 2>/dev/null; }
api_is() { [ "$(api "$1")" = "$2" ]; }
until_ok api_is traffic.dns.state ok || bad "status never sampled dns"
code() { curl -s -m 30 -o /dev/null -w '%{http_code}' "$@"; }
eq "$(code "$base/")" 401 "no credentials: 401"
eq "$(code -u admin:wrong "$base/api/status")" 401 "wrong password: 401"
eq "$(code -u root:'correct horse battery staple' "$base/")" 401 "wrong user: 401"
eq "$(code "${A[@]}" "$base/")" 200 "credentials: 200"
eq "$(code "${A[@]}" "$base/api/status")" 200 "API with credentials: 200"
eq "$(code "${A[@]}" "$base/nothing")" 404 "unknown path: 404"
eq "$(code "${A[@]}" -X POST "$base/")" 405 "POST: 405"
curl -s -m 30 -D hdr.txt -o /dev/null "$base/"
grep -qi '^WWW-Authenticate: Basic' hdr.txt && ok "401 asks for basic auth" || bad "no WWW-Authenticate"
curl -s "${A[@]}" "$base/api/status" >api.json
eq "$(jget lists.sync.syncs.1.sequence <api.json)" None "a mistyped sync field is left out"
jget traffic.targets.2.error <api.json | grep -qi 'timed out' && ok "hung endpoint: timed out" ||
	bad "hung endpoint: $(jget traffic.targets.2.error <api.json)"
g1=$(jget generated <api.json)
newer() { [ "$(api generated)" -gt "$g1" ]; }
check "figures refresh with a hung endpoint (after $g1)" until_ok newer

cat >expect.json <<X
{"figs": {
  "blocks.total": ["==", 6], "blocks.in_window": ["==", 6],
  "blocks.top_names.0.key": ["==", "cc1.botnet.example"], "blocks.top_names.0.count": ["==", 3],
  "blocks.top_names.1.key": ["==", "update-check.malware.example"], "blocks.top_names.1.count": ["==", 2],
  "blocks.top_names.2.key": ["==", "a.dga-family.example"], "blocks.top_names.2.count": ["==", 1],
  "blocks.top_lists.0.key": ["==", "c2"], "blocks.top_lists.0.count": ["==", 6],
  "funnel.0.source": ["==", "jpcert"], "funnel.0.received": ["==", 3], "funnel.0.matched": ["==", 2],
  "funnel.0.notified": ["==", 2], "funnel.0.returned": ["==", 1], "funnel.0.handled_rate": ["==", "66.7"],
  "funnel.1.source": ["==", "dns"], "funnel.1.received": ["==", 6], "funnel.1.matched": ["==", 6],
  "funnel.1.notified": ["==", 6], "funnel.1.returned": ["==", 0], "funnel.1.handled_rate": ["==", "100.0"],
  "notices.0.state": ["==", "sent"], "notices.1.state": ["==", "sent"],
  "traffic.dns.state": ["==", "ok"], "traffic.dns.blocked_total": ["==", 6],
  "traffic.targets.0.state": ["==", "ok"], "traffic.targets.0.service": ["==", "dns"],
  "traffic.targets.1.state": ["==", "unreachable"], "traffic.targets.2.state": ["==", "unreachable"],
  "traffic.proxy.state": ["==", "not sampled"],
  "lists.snapshot.state": ["==", "ok"], "lists.snapshot.keys": ["==", ${keys:-0}],
  "lists.store.0.name": ["==", "c2"], "lists.store.0.entries": ["==", 6],
  "lists.sync.state": ["==", "ok"], "lists.sync.syncs.0.url": ["==", "https://isac.example/lists/c2"],
  "lists.sync.syncs.0.result": ["==", "ok"], "lists.sync.syncs.0.sequence": ["==", 42],
  "lists.sync.syncs.0.lists.0.entries": ["==", 6],
  "lists.sync.syncs.1.result": ["==", "bad-signature"],
  "lists.sync.syncs.1.url": ["==", "https://isac.example/lists/<b>bad</b>"],
  "darknet.state": ["==", "ok"], "darknet.records": ["==", ${records:-0}]},
 "absent": ["taro@example.jp", "alice@example.com", "<b>bad</b>", $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$body_line")],
 "present": ["sub0001", "sub0002", "cc1.botnet.example", "unreachable"]}
X

# ---- chromedriver; the page without load, then under dnsperf load
"$driver" --port="$CD" --allowed-ips=127.0.0.1 --log-path="$work/chromedriver.log" >/dev/null 2>&1 &
pids+=($!)
cdready() { curl -s -m 2 "http://127.0.0.1:$CD/status" | grep -q '"ready": *true'; }
until_ok cdready || bad "chromedriver not ready"
b() { timeout 300 python3 "$src/tests/integration/status_browser.py" "$CD" "$base" admin \
	'correct horse battery staple' "$1" "$out" "$2" "$work/profile-$2"; }
b expect.json status && ok "browser: the page" || bad "browser: the page"

for _ in $(seq 100); do printf 'cc1.botnet.example A\nwww.good.test A\n'; done >load.txt
# dnsperf runs until interrupted (at most 300 s) once the page has been checked under load
dnsperf -s 127.0.0.1 -p "$DNS" -d load.txt -l 300 -Q 400 >dnsperf.txt 2>&1 & perf=$!; pids+=($perf)
loaded() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 100 else 1)' "$(api traffic.dns.qps)"; }
until_ok loaded || bad "the status page never saw the load"
cat >expect-load.json <<X
{"figs": {"traffic.dns.qps": [">=", 100], "traffic.dns.block_rate": [">=", 40],
          "traffic.dns.block_rate": ["<=", 60]}}
X
b expect-load.json status-load && ok "browser: the page under load" || bad "browser: the page under load"
kill -INT "$perf"; wait "$perf"
grep -E 'Queries (sent|completed)' dnsperf.txt

# ---- a malformed sync-state.json: reported, the page keeps serving
printf '{"syncs": [\n  {"url": ' >var/sync-state.json
check "malformed sync state reported" until_ok api_is lists.sync.state malformed
curl -s "${A[@]}" "$base/api/status" >api.json
jget lists.sync.error <api.json | grep -q 'sync-state.json:2' && ok "with file and line" ||
	bad "error lacks file:line: $(jget lists.sync.error <api.json)"
eq "$(code "${A[@]}" "$base/")" 200 "page still served"

# ---- SIGHUP reloads, SIGTERM stops cleanly
printf 'a new password\n' >pw
kill -HUP "$stpid"
check "SIGHUP reloaded (logged after a refresh)" wait_log status.log 'status: reloaded'
eq "$(code "${A[@]}" "$base/")" 401 "after the reload the old password is refused"
eq "$(code -u 'admin:a new password' "$base/")" 200 "and the new one accepted"
A=(-u 'admin:a new password')
nbefore=$(curl -s -m 30 "${A[@]}" "$base/api/status" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["traffic"]["series"]))')
tstop=$(date +%s)
kill -TERM "$stpid"; wait "$stpid"; rc=$?
eq "$rc" 0 "SIGTERM: clean exit"
grep -q 'status: stopping' status.log && ok "stopping logged" || bad "no stop in the log"

# ---- a restart keeps the traffic history (issue 25): the charts are not empty after it
"$bin" --store "$work/var/t.db" status --listen "127.0.0.1:$ST" --user admin --password-file pw \
	--scrape "127.0.0.1:$MET" --interval 1 2>status2.log & stpid=$!; pids+=($stpid)
# the oldest point the restarted service shows was sampled before it started: only the
# kept history can hold it
first_t() { curl -s -m 30 "${A[@]}" "$base/api/status" |
	python3 -c 'import json,sys; s=json.load(sys.stdin)["traffic"]["series"]; print(s[0]["t"] if s else "")'; }
has_first() { [ -n "$(first_t)" ]; }
until_ok has_first || bad "the restarted status page shows no traffic"
check "after a restart the history is back ($nbefore points before)" test "$(first_t)" -lt "$tstop"
# and in the browser: the page of the restarted service, its charts drawn from the kept
# history (screenshot status-restart.png)
printf '{"figs": {}}\n' >expect-restart.json
timeout 300 python3 "$src/tests/integration/status_browser.py" "$CD" "$base" admin 'a new password' \
	expect-restart.json "$out" status-restart "$work/profile-restart" &&
	ok "browser: the restarted page" || bad "browser: the restarted page"
kill -TERM "$stpid"; wait "$stpid"

cp status.log "$out/status.log"
[ $failed -eq 0 ] || { echo "--- status.log" >&2; tail -20 status.log >&2; tail -5 chromedriver.log >&2; }
echo "screenshots: $out"; ls "$out"
finish status_browser.sh
