#!/usr/bin/env bash
# Integration test of `ispshield proxy` with a real browser: headless Chromium (Debian's
# `chromium`, driven by `chromedriver` over the W3C WebDriver API from browser.py) uses the
# proxy (--proxy-server) to load a listed URL on a local site: the warning page in Japanese
# and in English (screenshots), "continue anyway", the real page (screenshots).
# Everything on loopback. Where a private network namespace can be made (unshare -rn), the
# whole test runs in one, whose only interface is loopback: nothing Chromium does in the
# background can leave the machine, even through the proxy.
# Screenshots are kept in ${ISP_TEST_OUT:-$PWD/test-output}/proxy_browser/ (ctest sets
# ISP_TEST_OUT to the build tree's test-output/).
# Chromium or chromedriver missing is a failure, not a skip (scripts/deps.sh test installs
# them). Env: ISPSHIELD (the binary), SRCDIR (the source tree); CHROMIUM, CHROMEDRIVER
# override /usr/bin/chromium and /usr/bin/chromedriver.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
out=${ISP_TEST_OUT:-$PWD/test-output}/proxy_browser
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)

private_netns "${out%/proxy_browser}"

chromium=${CHROMIUM:-/usr/bin/chromium}
driver=${CHROMEDRIVER:-/usr/bin/chromedriver}
for tool in python3 curl "$chromium" "$driver"; do
	command -v "$tool" >/dev/null || {
		echo "FAIL missing $tool (scripts/deps.sh test installs chromium and chromium-driver)" >&2
		exit 1
	}
done
begin_test
rm -f "$out"/*.png "$out"/*.log
WWW=$(freeport); PX=$(freeport); MET=$(freeport); CD=$(freeport)

# ---- the site: an allowed page and the real page behind a listed URL
mkdir -p www/download
cat >www/allowed.html <<'EOF'
<!DOCTYPE html><html><head><title>ispshield browser test: allowed</title></head>
<body><p>allowed page</p></body></html>
EOF
cat >www/download/payload.html <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8">
<title>ispshield browser test: the real page</title></head>
<body style="font:20px sans-serif;background:#ffd"><h1>The real page</h1>
<p>REAL-PAGE-BODY: reached after "continue anyway".</p></body></html>
EOF
python3 -m http.server --bind 127.0.0.1 --directory www "$WWW" >www.log 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$WWW/allowed.html" || { echo "FAIL web server did not come up" >&2; exit 1; }

# ---- list, snapshot, proxy
echo "http://127.0.0.1:$WWW/download/payload.html" >urls.txt
isp() { "$bin" --store "$work/t.db" "$@"; }
isp -q lists import --list browser-test-urls --kind url urls.txt || { echo "FAIL import" >&2; exit 1; }
isp -q lists compile || { echo "FAIL compile" >&2; exit 1; }
head -c 32 /dev/urandom >secret && chmod 600 secret # secrets others can read are refused
# what subscribers read for the list (its own name is internal: issue 25)
"$bin" --store "$work/t.db" -o "list.browser-test-urls.display-name=Test list of malware sites" \
	-o "list.browser-test-urls.display-name-ja=テスト用マルウェアサイトリスト" \
	proxy --listen "127.0.0.1:$PX" --secret-file secret --metrics "127.0.0.1:$MET" \
	--connect-timeout 5 --upstream-timeout 10 --allow-destinations 127.0.0.1/32 2>proxy.log & pids+=($!)
wait_http "http://127.0.0.1:$MET/metrics" && wait_tcp "$PX" || { echo "FAIL proxy did not come up" >&2; exit 1; }
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -x "127.0.0.1:$PX" \
	"http://127.0.0.1:$WWW/download/payload.html")
[ "$code" = 403 ] || { echo "FAIL proxy not warning for the listed URL (curl got $code)" >&2; exit 1; }

# ---- chromedriver, then the browser steps (each session starts its own Chromium)
"$driver" --port="$CD" --allowed-ips=127.0.0.1 --log-path="$work/chromedriver.log" >/dev/null 2>&1 &
pids+=($!)
cdready() { curl -s -m 2 "http://127.0.0.1:$CD/status" | grep -q '"ready": *true'; }
until_ok cdready || { echo "FAIL chromedriver not ready" >&2; exit 1; }
timeout 300 python3 "$src/tests/integration/browser.py" "$CD" "$PX" "http://127.0.0.1:$WWW" \
	/download/payload.html "$out" "$work/profile"
rc=$?
cp proxy.log "$out/proxy.log" 2>/dev/null
met=$(curl -s -m 30 "http://127.0.0.1:$MET/metrics")
hits=$(sed -n 's/^ispshield_proxy_hits_total //p' <<<"$met")
conts=$(sed -n 's/^ispshield_proxy_continues_total //p' <<<"$met")
fails=0
# a warning and a warning again per language, plus curl's; a continue per language
[ "${hits:-0}" -ge 5 ] && echo "ok   proxy counted the warnings ($hits)" ||
	{ echo "FAIL proxy hits $hits, expected >= 5" >&2; fails=1; }
[ "${conts:-0}" -ge 2 ] && echo "ok   proxy counted the continues ($conts)" ||
	{ echo "FAIL proxy continues $conts, expected >= 2" >&2; fails=1; }
if [ $rc -ne 0 ]; then
	echo "--- chromedriver.log (tail)" >&2; tail -20 chromedriver.log >&2
	echo "--- proxy.log (tail)" >&2; tail -20 proxy.log >&2
fi
echo "screenshots: $out"
ls "$out"
[ $rc -eq 0 ] && [ $fails -eq 0 ]
