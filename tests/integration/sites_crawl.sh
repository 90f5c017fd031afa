#!/usr/bin/env bash
# Integration test of the crawl evidence in `ispshield sites` notices (issue 19): a real
# nginx on loopback (a free port) serves a cloaked chain -- /entry redirects to the kit
# only for a search-engine Referer, the kit's meta refresh leads to a PE payload served
# only to the test's browser User-Agent -- and an RDAP answer naming the hosting abuse
# contact of 127.0.0.1. `ispshield crawl --cloaking --list dist --import` crawls it into
# a run folder; `sites find --crawl-dir` (a folder of runs: a broken earlier run is
# reported FILE:LINE and the later one read) stores each listed URL's chain; `sites
# notify --format xarf` into a Maildir must then carry, in the text and in the X-ARF
# evidence, the chain, the User-Agent and Referer to reproduce it, that it is cloaked,
# the payload's SHA-256 and the YARA rule name; the X-ARF report validates against the
# published schema. A second find without --crawl-dir keeps the evidence stored.
set -uo pipefail
for t in nginx python3 sha256sum sqlite3; do
  command -v "$t" >/dev/null || { echo "sites_crawl.sh: $t missing (scripts/deps.sh test)" >&2; exit 1; }
done
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
. "$SRCDIR/tests/integration/lib/crawl_site.sh"
begin_test
store=$work/var/t.db
isp() { "$bin" -q --store "$store" "$@"; }
UA='Mozilla/5.0 (ispshield-sites-test)'
REF='http://search.example/q?kit'

mkdir -p site/dl rdap/ip
crawl_pe_payload site/dl/invoice.exe
sha=$(sha256sum site/dl/invoice.exe | cut -d' ' -f1)
printf '<html><head><meta http-equiv="refresh" content="0; url=/dl/invoice.exe"></head></html>\n' > site/kit.html
printf 'rule sites_test_payload { strings: $a = "ispshield test payload" condition: $a }\n' > test.yar
printf '{"objectClassName": "ip network", "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["email", {}, "text", "abuse@hosting.test"]]]}]}\n' > rdap/ip/127.0.0.1
port=$(freeport)
nginx_conf <<EOF
  types { text/html html; }
  default_type text/html;
  server {
    listen 127.0.0.1:$port; root $work/site; server_tokens off;
    location = /entry { if (\$http_referer !~ "^http://search\\.example/") { return 200 "nothing here\\n"; } return 302 /kit.html; }
    location /dl/ {
      if (\$http_user_agent != "$UA") { return 404; }
      types { } default_type application/octet-stream;
    }
    location /rdap/ { alias $work/rdap/; default_type application/rdap+json; }
  }
EOF
nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/kit.html" || die "nginx did not come up"
b=http://127.0.0.1:$port

# ---- the crawl, imported into url list dist; an earlier broken run beside it
mkdir -p runs/2026-12-06
printf '{"start": "x", "hops": []}\nnot json\n' > runs/2026-12-06/chains.jsonl
expect 0 "crawl" -- "$bin" --store "$store" crawl --out runs/2026-12-07 --cloaking \
  --allow-destinations 127.0.0.0/8 --rules test.yar --user-agent "$UA" --referer "$REF" \
  --list dist --import "$b/entry"
has err.txt "1 distribution or attack URLs"
eq "$(sqlite3 "$store" "SELECT count(*) FROM entries WHERE value = '$b/dl/invoice.exe'")" 1 "the payload is listed"

# ---- find: 127.0.0.1 is domestic by the delegated file, its contact from RDAP
printf 'apnic|JP|ipv4|127.0.0.0|256|20110412|allocated\n' > deleg.txt
mkdir boot
printf '{"services": [[["127.0.0.0/8"], ["%s/rdap/"]]]}\n' "$b" > boot/ipv4.json
find_() { "$bin" --store "$store" sites find --delegated deleg.txt --rdap-bootstrap boot \
  --whois-jp "" --allow-destinations 127.0.0.0/8 "$@"; }
expect 0 "sites find --crawl-dir" -- find_ --json --crawl-dir runs
has err.txt "runs/2026-12-06/chains.jsonl:2:"
jq() { python3 -c "import json,sys; s=json.load(open('out.txt'))[0]; print($1)"; }
eq "$(jq 's["domestic"], s["crawled"], s["contacts"][0]["email"]')" "True 1 abuse@hosting.test" "site, crawled URLs, contact"
# a second find without the folder keeps what the first stored
expect 0 "sites find without --crawl-dir" -- find_

# ---- the notice: text and X-ARF evidence
expect 0 "sites notify" -- "$bin" --store "$store" sites notify --maildir md --format xarf
has err.txt "1 notices made, 1 delivered"
m=$(ls md/new/* | head -1)
python3 - "$m" > notice.txt <<'PY'
import base64, email, email.policy, json, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for part in msg.walk():
    if part.get_content_type() == "text/plain":
        print(part.get_content())
    elif part.get_content_type() == "application/json":
        r = json.loads(part.get_content())
        for ev in r.get("evidence", []):
            print("XARF-EVIDENCE " + base64.b64decode(ev["payload"]).decode())
PY
hp="hxxp://127[.]0[.]0[.]1:$port"
has notice.txt "      1. $hp/entry (start, 302)"
has notice.txt "      2. $hp/kit.html (http-3xx, 200)"
has notice.txt "      3. $hp/dl/invoice.exe (meta-refresh, 200)"
has notice.txt "    cloaked: a client without a browser's User-Agent and Referer was not served it"
has notice.txt "      User-Agent: $UA"
has notice.txt "      Referer: $REF"
has notice.txt "    SHA-256: $sha ("
has notice.txt "    rules: sites_test_payload"
has notice.txt "crawl $b/entry -> $b/kit.html -> $b/dl/invoice.exe	User-Agent: $UA	Referer: $REF	cloaked	sha256 $sha	rules sites_test_payload"
python3 "$src/tests/integration/lib/xarf_check.py" "$src/tests/data/xarf/v4" "$m" > xarf.txt || bad "X-ARF: $(cat xarf.txt)"
has xarf.txt "abuse@hosting.test | content/malware | 127.0.0.1"
finish sites_crawl
