#!/usr/bin/env bash
# urlcheck.sh -- `ispshield urlcheck` and the browser extension (issue 23) with real peers:
# nginx on loopback (TLS, a test CA's certificate) serves the test site and fronts the
# service (its access log is what "the server" saw); curl checks the answers, CORS and the
# policy; headless Chromium (new headless mode) with clients/webext loaded
# (--load-extension), driven by chromedriver from urlcheck_browser.py:
#   - a listed https URL gets the warning page (en, ja: screenshots), an unlisted page
#     loads, "continue anyway" opens the real page; a subdomain of a listed *.wild.test is
#     warned, the allowlisted ok.wild.test loads; a listed download (a link with
#     `download`) is cancelled and the warning opens in a new tab;
#   - after a list change and compile, the service serves a new version, the extension
#     updates by a difference, and the newly listed URL is warned;
#   - nginx's access log holds only /v1/prefixes and /v1/fullhashes?prefixes=8 hex digits:
#     no URL, no full hash, no path of the site; the service itself logged no request;
#   - the service's own HTTPS (--tls-cert/--tls-key) serves the same list; a key others
#     can read is refused.
# Chromium trusts the test certificate through --ignore-certificate-errors-spki-list (its
# key's SPKI hash): no NSS tools needed. Screenshots in
# ${ISP_TEST_OUT:-$PWD/test-output}/urlcheck/. Runs in a private network namespace where
# one can be made (loopback only).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
out=${ISP_TEST_OUT:-$PWD/test-output}/urlcheck
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
private_netns "${out%/urlcheck}"

chromium=${CHROMIUM:-/usr/bin/chromium}
driver=${CHROMEDRIVER:-/usr/bin/chromedriver}
for tool in python3 curl openssl nginx "$chromium" "$driver"; do
	command -v "$tool" >/dev/null || die "missing $tool (scripts/deps.sh test installs it)"
done
begin_test
rm -f "$out"/*.png
on_exit() { [ "$failed" -eq 0 ] || { echo "--- urlcheck.log"; tail -20 uc.log; echo "--- access.log"; tail -20 access.log; } >&2; }

W=$(freeport); U=$(freeport); UC=$(freeport); MET=$(freeport); CD=$(freeport)
SITE=https://127.0.0.1:$W

# ---- the site and the lists
mkdir -p www/download www/later
page() { printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head><body><p>%s</p></body></html>\n' "$1" "$2"; }
page "ispshield urlcheck test: allowed" "allowed page" >www/allowed.html
page "ispshield urlcheck test: the real page" "REAL-PAGE-BODY" >www/download/payload.html
page "ispshield urlcheck test: new" "new page" >www/later/new.html
page "ispshield urlcheck test: links" '<a id="dl" href="/download/tool.zip" download>tool</a>' >www/links.html
head -c 4096 /dev/zero >www/download/tool.zip
isp() { "$bin" --store "$work/t.db" "$@"; }
printf '%s\n' "$SITE/download/payload.html" "$SITE/download/tool.zip" >urls.txt
echo "$SITE/logged/only.html" >logged.txt
printf '*.wild.test\n' >doms.txt
isp -q lists import --list urls --kind url urls.txt || die "import urls"
isp -q lists import --list logged --kind url logged.txt || die "import logged"
isp -q lists import --list doms --kind domain doms.txt || die "import doms"
isp -q lists allow add ok.wild.test --reason test || die "allow add"
isp -q lists compile || die "compile"

# ---- the extension's origin (its ID comes from the key in manifest.json)
cp -r "$src/clients/webext" ext
ID=$(python3 -c '
import base64, hashlib, json, sys
k = base64.b64decode(json.load(open(sys.argv[1]))["key"])
print("".join(chr(ord("a") + int(c, 16)) for c in hashlib.sha256(k).hexdigest()[:32]))' ext/manifest.json)
printf '{"serviceUrl": "https://127.0.0.1:%s", "ispName": "Test ISP", "contact": "support@isp.test"}\n' "$U" >ext/config.json

# ---- the service, nginx in front (TLS)
"$bin" --store "$work/t.db" -o list.urls.display-name="Test list of malware sites" \
	-o list.urls.display-name-ja="テスト用マルウェアサイトリスト" -o list.logged.action=log-only \
	urlcheck --listen "127.0.0.1:$UC" --origin "chrome-extension://$ID" --update-interval 1 \
	--metrics "127.0.0.1:$MET" 2>uc.log &
pids+=($!)
wait_http "http://127.0.0.1:$MET/metrics" || die "urlcheck did not come up"
test_cert srv "IP:127.0.0.1,DNS:a.wild.test,DNS:ok.wild.test"
SPKI=$(openssl x509 -in srv.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
nginx_conf <<NGX
  server { listen 127.0.0.1:$W ssl; root $work/www; server_tokens off;
    ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key; access_log $work/site.log; }
  server { listen 127.0.0.1:$U ssl; server_tokens off;
    ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key;
    location /v1/ { proxy_pass http://127.0.0.1:$UC; } }
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
pids+=($!)
wait_tcp "$U" && wait_tcp "$W" || die "nginx did not come up"

# ---- curl: answers, policy, CORS
C() { curl -s --cacert ca.pem "$@"; }
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }
C "https://127.0.0.1:$U/v1/prefixes" >full.json
check "the whole list: a version and 4 prefixes (2 URLs, *.wild.test, the allowed ok.wild.test)" \
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["version"] and j["count"] == 4))' full.json
fh() { C "https://127.0.0.1:$U/v1/fullhashes?prefixes=$(sha "$1" | cut -c1-8)"; }
fh "127.0.0.1/download/payload.html" >a.json
has a.json "$(sha 127.0.0.1/download/payload.html)"
has a.json '"display":{"en":"Test list of malware sites","ja":"テスト用マルウェアサイトリスト"}'
has a.json '"match":["url"]'
fh "wild.test/" >b.json
has b.json '"match":["subdomains"]'
fh "ok.wild.test/" >c.json
has c.json '"match":["host","allow"]'
fh "127.0.0.1/logged/only.html" >d.json
has d.json '"matches":[]'
C -i -H "Origin: chrome-extension://$ID" "https://127.0.0.1:$U/v1/prefixes" >cors.txt
has cors.txt "Access-Control-Allow-Origin: chrome-extension://$ID"
C -i -H "Origin: https://evil.test" "https://127.0.0.1:$U/v1/prefixes" >nocors.txt
hasnt nocors.txt "Access-Control-Allow-Origin"
eq "$(C -o /dev/null -w '%{http_code}' "https://127.0.0.1:$U/v1/fullhashes?prefixes=http://x/")" 400 "a URL for a prefix"

# ---- the service's own TLS (no front end): the key must be the service's alone
UT=$(freeport)
cp srv.key tls.key && chmod 644 tls.key
expect 2 "a key others can read is refused" -- "$bin" --store "$work/t.db" urlcheck \
	--listen "127.0.0.1:$UT" --tls-cert srv.pem --tls-key tls.key
has err.txt "tls.key"
chmod 600 tls.key
"$bin" --store "$work/t.db" -o list.logged.action=log-only urlcheck --listen "127.0.0.1:$UT" \
	--update-interval 1 --tls-cert srv.pem \
	--tls-key tls.key 2>uct.log &
pids+=($!)
wait_http "https://127.0.0.1:$UT/v1/prefixes" --cacert ca.pem || bad "urlcheck over TLS did not come up"
C "https://127.0.0.1:$UT/v1/prefixes" >tls.json
if cmp -s full.json tls.json; then ok "the same list over the service's own TLS"; else
	bad "the list over the service's own TLS differs"; { head -c 300 full.json tls.json; cat uct.log; } >&2; fi
eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$UT/v1/prefixes")" 000 "plain HTTP to the TLS port"

# ---- the list change the browser step asks for: print the new version once it is served
cat >change.sh <<CHG
#!/usr/bin/env bash
echo "$SITE/later/new.html" >>"$work/urls.txt"
"$bin" --store "$work/t.db" -q lists import --list urls --kind url "$work/urls.txt" >&2
"$bin" --store "$work/t.db" -q lists compile >&2
met() { curl -s "http://127.0.0.1:$MET/metrics" | sed -n 's/^ispshield_urlcheck_reloads_total //p'; }
for i in \$(seq 300); do [ "\$(met)" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$U/v1/prefixes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])'
CHG
chmod +x change.sh

# ---- the browser (what nginx logs from here on is the extension's)
n0=$(wc -l <access.log)
"$driver" --port="$CD" --allowed-ips=127.0.0.1 --log-path="$work/chromedriver.log" >/dev/null 2>&1 &
pids+=($!)
cdready() { curl -s -m 2 "http://127.0.0.1:$CD/status" | grep -q '"ready": *true'; }
until_ok cdready || die "chromedriver not ready"
timeout 240 python3 "$src/tests/integration/urlcheck_browser.py" "$CD" "$ID" "$work/ext" "$SITE" \
	"https://wild.test:$W" "$out" "$work/profile" "$SPKI" "$work/change.sh" "$work/downloads"
rc=$?
[ $rc -eq 0 ] && ok || bad "browser steps (exit $rc)"

# ---- what the server saw
tail -n +$((n0 + 1)) access.log >ext-access.log
check "nginx's access log has the extension's full-hash requests" grep -qE '"GET /v1/fullhashes\?prefixes=[0-9a-f]{8}' ext-access.log
bad_lines=$(grep -vcE '"(GET|OPTIONS) /v1/(prefixes(\?since=[0-9]+)?|fullhashes\?prefixes=[0-9a-f]{8}(,[0-9a-f]{8})*) HTTP/' ext-access.log)
eq "$bad_lines" 0 "access log lines other than prefix requests"
hasnt ext-access.log "payload"
hasnt ext-access.log "$(sha 127.0.0.1/download/payload.html)"
check "differences were asked for" grep -qE '/v1/prefixes\?since=' ext-access.log
hasnt uc.log "fullhashes"
hasnt uc.log "127.0.0.1/"
cp ext-access.log uc.log "$out/" 2>/dev/null
echo "screenshots: $out"
finish urlcheck
