#!/usr/bin/env bash
# Headless Chromium is the ground truth of `ispshield crawl`: both load the same fixture
# chains from a real nginx (lib/crawl_site.sh) -- the HTTP, Refresh, meta refresh and
# inline-script hops with a script and a hidden frame (/gt/a), and the chain only a script
# run reveals (/js2/a.html: atob, a timer, onload, document.write, createElement). The
# hops are what Chromium's own network log (--log-net-log) says it requested
# (crawl_browser.py); every one of them must be among the hops the crawler fetched
# (none of these chains needs more JavaScript than the script tier runs). Loopback only,
# in a private network namespace where one can be made.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree); CHROMIUM, CHROMEDRIVER.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
. "$SRCDIR/tests/integration/lib/crawl_site.sh"
private_netns "${ISP_TEST_OUT:-$PWD/test-output}"
driver=${CHROMEDRIVER:-/usr/bin/chromedriver}
for tool in python3 nginx curl "${CHROMIUM:-/usr/bin/chromium}" "$driver"; do
  command -v "$tool" >/dev/null || { echo "FAIL missing $tool (scripts/deps.sh test)" >&2; exit 1; }
done
begin_test
cp -r "$src/tests/data/crawl/site" site
port=$(freeport)
CD=$(freeport)
crawl_site_conf "$port" "$work/site" | nginx_conf
nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/gt/landing.html" || die "nginx did not come up"
b=http://127.0.0.1:$port
starts=("$b/gt/a" "$b/js2/a.html")

"$driver" --port="$CD" --allowed-ips=127.0.0.1 --log-path="$work/chromedriver.log" >/dev/null 2>&1 &
pids+=($!)
cdready() { curl -s -m 2 "http://127.0.0.1:$CD/status" | grep -q '"ready": *true'; }
until_ok cdready || die "chromedriver not ready"
timeout 300 python3 "$src/tests/integration/crawl_browser.py" "$CD" "$work/netlog.json" \
  "$work/profile" "${starts[@]}" > chromium.txt 2> browser.err
rc=$?
[ $rc -ne 2 ] || { cat browser.err >&2; die "the browser could not be driven"; }
eq "$rc" 0 "Chromium reached the landing page of every chain"
# the fixture site's requests (Chromium's own background requests to its vendors' hosts
# go nowhere in the namespace, and are no hops)
grep -E "^http://127\.0\.0\.[12]:$port/" chromium.txt | sort -u > chromium-hops.txt
check "Chromium's network log has the hops" grep -q "/js2/d.html" chromium-hops.txt

expect 0 "crawl the same start URLs" -- "$bin" crawl --out o --allow-destinations 127.0.0.0/8 "${starts[@]}"
python3 - o/chains.jsonl > crawler-hops.txt <<'PY'
import json, sys
for l in open(sys.argv[1]):
    for h in json.loads(l)["hops"]:
        if h.get("status"):
            print(h["url"])
PY
sort -u -o crawler-hops.txt crawler-hops.txt
missing=$(comm -23 chromium-hops.txt crawler-hops.txt | tr '\n' ' ')
eq "$missing" "" "every hop Chromium made, the crawler made"
echo "Chromium: $(wc -l < chromium-hops.txt) hops; crawler: $(wc -l < crawler-hops.txt) hops; only the crawler's: $(comm -13 chromium-hops.txt crawler-hops.txt | tr '\n' ' ')"
finish crawl_browser
