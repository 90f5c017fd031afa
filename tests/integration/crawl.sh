#!/usr/bin/env bash
# Integration test of `ispshield crawl` against a real nginx (private config, 127.0.0.1
# and 127.0.0.2, a free port) serving the fixture site tests/data/crawl/site (README
# there): the chain entry -302-> r1 -301-> (other host) relay -Refresh-> meta refresh in
# <noscript> -> location.href in a script -> a PE payload that nginx serves only with the
# chain's cookie and Referer. Checks: every hop found, in order, with its kind and role
# (entry, relay, distribution); the hidden iframe crawled as a chain of its own; the
# payload stored once under bodies/ by its SHA-256 and listed in found.txt; a redirect
# loop, a Location to file://, a slow-trickle page (low-speed limit) and a gzip bomb
# (max-body) each end their chain with the reason; --max-hops stops a chain; without
# --allow-destinations 127.0.0.1 is refused before connecting (nginx's access log stays
# empty), also when a name (localhost) resolves to it; file:// and gopher:// start URLs
# are refused; --list --import puts the payload URL into a url list (lists check finds it)
# and --relay-list the relay host with a name into a domain list; hops.jsonl has one line
# per hop; --host-concurrency and --fetch-interval-ms hold hops back (the crawler's counts
# in its summary, not the clock); the status line only on a terminal (script(1)); the
# visit log keeps a second run from the same exit off nginx; a run killed with SIGKILL
# goes on with --resume without fetching what it completed.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
for t in nginx python3 sha256sum gzip sqlite3; do
  command -v "$t" >/dev/null || { echo "crawl.sh: $t missing (scripts/deps.sh test)" >&2; exit 1; }
done
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
. "$SRCDIR/tests/integration/lib/crawl_site.sh"
begin_test
isp() { "$bin" --store "$work/var/t.db" "$@"; }
# hops OUT START FIELD: FIELD of each hop of the chain that starts at START, comma-joined
# (FIELD end, referer, depth: the chain's own); "(no chain)" when there is none. One
# python3 run per output folder flattens chains.jsonl into OUT/flat (START<TAB>FIELD<TAB>v).
hops() {
  [ -s "$1/flat" ] || python3 - "$1/chains.jsonl" > "$1/flat" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    c = json.loads(l)
    for f in ("end", "referer", "depth"):
        print("%s\t%s\t%s" % (c["start"], f, c[f]))
    for f in ("url", "kind", "role", "status", "ip", "sha256", "error", "refused", "truncated", "yara"):
        print("%s\t%s\t%s" % (c["start"], f,
              ",".join("" if h.get(f) in (None, []) else str(h.get(f)) for h in c["hops"])))
PY
  local v
  v=$(awk -F'\t' -v s="$2" -v f="$3" '$1 == s && $2 == f { print $3; exit }' "$1/flat")
  [ -n "$v" ] || { grep -q "^$2	" "$1/flat" || v="(no chain)"; }
  echo "$v"
}

cp -r "$src/tests/data/crawl/site" site
mkdir -p site/dl
crawl_pe_payload site/dl/invoice.exe
mkdir -p site/pay && cp site/dl/invoice.exe site/pay/tool.exe
mkdir -p site/hold && head -c 4000 /dev/zero | tr '\0' x > site/hold/x.html
# the EICAR test file (harmless; every scanner flags it), put together here only
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > site/eicar.txt
head -c 20000000 /dev/zero | gzip -9 > site/bomb.html
port=$(freeport)
pport=$(freeport)
nginx_conf <<EOF
  types { text/html html; application/javascript js; }
  default_type text/html;
  map \$http_user_agent \$browser { ~*mozilla 1; default 0; }
  server {
    listen 127.0.0.1:$port; listen 127.0.0.2:$port; root $work/site; server_tokens off;
    location = /entry { return 302 /r1; }
    location = /r1 { return 301 http://127.0.0.2:$port/relay; }
    location = /relay { add_header Set-Cookie "kit=1; Path=/"; add_header Refresh "0; url=/meta.html"; return 200 "relay\n"; }
    location /dl/ {
      if (\$cookie_kit != "1") { return 403; }
      if (\$http_referer !~ "/js\.html\$") { return 403; }
      types { } default_type application/octet-stream;
    }
    location = /loop { return 302 /loop2; }
    location = /loop2 { return 302 /loop; }
    location = /evil { return 302 file:///etc/passwd; }
    location = /slow.html { limit_rate 10; }
    location /hold/ { limit_rate_after 1000; limit_rate 1; }
    location = /bomb.html { add_header Content-Encoding gzip; }
    location = /gone { return 410; }
    location = /err { return 500; }
    location = /cloak { if (\$browser) { return 302 /pay/tool.exe; } return 200 "nothing here\n"; }
    location = /prof {
      if (\$http_accept_language != "ja-JP") { return 403; }
      if (\$http_referer !~ "^http://search\.example/") { return 403; }
      if (\$http_user_agent != "Mozilla/5.0 (ispshield test profile)") { return 403; }
      return 302 /pay/tool.exe;
    }
  }
  # the egress proxy of a profile: a forward proxy (absolute-URI requests) to the site
  server {
    listen 127.0.0.1:$pport; server_tokens off;
    location / { proxy_pass http://\$http_host; }
  }
EOF
nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/meta.html" || die "nginx did not come up"
wait_http "http://127.0.0.2:$port/meta.html" || die "nginx did not come up on 127.0.0.2"
b=http://127.0.0.1:$port
b2=http://127.0.0.2:$port
# nginx logs a request after answering it: wait for both lines, then start afresh
until_num -ge 2 sh -c "wc -l < access.log" || die "nginx wrote no access log"
: > access.log

# --- refused without --allow-destinations: nothing reaches nginx
expect 0 "crawl without --allow-destinations" -- "$bin" crawl --out o0 "$b/entry" \
  "http://localhost:$port/entry" file:///etc/passwd "gopher://127.0.0.1:$port/"
eq "$(hops o0 "$b/entry" error)" "refused destination 127.0.0.1: a loopback address" "127.0.0.1 refused"
eq "$(hops o0 "http://localhost:$port/entry" refused)" "True" "a name resolving to loopback refused"
eq "$(hops o0 file:///etc/passwd error)" "refused: only http and https are fetched" "file:// refused"
eq "$(hops o0 "gopher://127.0.0.1:$port/" error)" "refused: only http and https are fetched" "gopher:// refused"
check "nothing reached nginx" [ ! -s access.log ]
has err.txt "4 chains, 4 hops (4 refused"

# --- the chain, with loopback allowed (start URLs from a file)
printf '# start URLs\n%s\n' "$b/entry" "$b/loop" "$b/evil" "$b/bomb.html" \
  "$b/attack.html" "$b/eicar.txt" > starts.txt
expect 0 "crawl" -- "$bin" crawl --out o1 \
  --allow-destinations 127.0.0.0/8 --max-body 1000000 --rules "$src/data/yara/crawl.yar" starts.txt
# the slow trickle alone, with a 1 s low-speed window (with the others, a loaded machine's
# stall of a second would cut a small body too)
expect 0 "crawl (slow trickle)" -- "$bin" -o crawl.low-speed-time=1 crawl --out o1s \
  --allow-destinations 127.0.0.0/8 "$b/slow.html"
eq "$(hops o1 "$b/entry" url)" "$b/entry,$b/r1,$b2/relay,$b2/meta.html,$b2/js.html,$b2/dl/invoice.exe" "every hop, in order"
eq "$(hops o1 "$b/entry" kind)" "start,http-3xx,http-3xx,refresh-header,meta-refresh,js-location" "how each hop was reached"
eq "$(hops o1 "$b/entry" role)" "entry,relay,hop,hop,hop,distribution" "roles"
eq "$(hops o1 "$b/entry" status)" "302,301,200,200,200,200" "statuses (cookie and Referer carried: the payload is 200)"
eq "$(hops o1 "$b/entry" ip)" "127.0.0.1,127.0.0.1,127.0.0.2,127.0.0.2,127.0.0.2,127.0.0.2" "addresses"
check "payload typed by libmagic" grep -q '"file_type":"application/vnd.microsoft.portable-executable"' o1/chains.jsonl
sha=$(sha256sum site/dl/invoice.exe | cut -d' ' -f1)
eq "$(hops o1 "$b/entry" sha256 | awk -F, '{print $6}')" "$sha" "payload SHA-256"
check "payload stored once under bodies/" cmp -s "o1/bodies/$sha" site/dl/invoice.exe
check "bodies are private" [ "$(stat -c %a "o1/bodies/$sha")" = 600 ]
eq "$(hops o1 "$b/attack.html" role)" "attack" "YARA: packed eval is an attack page"
eq "$(hops o1 "$b/attack.html" yara)" "['js_decode_and_eval']" "the rule name is the evidence"
eq "$(hops o1 "$b/eicar.txt" yara)" "['eicar_test_string']" "YARA: EICAR test file"
eq "$(hops o1 "$b/entry" yara)" ",,,,," "no rule matches the chain's pages"
eq "$(sort o1/found.txt | tr '\n' ' ')" "$b/attack.html $b/eicar.txt $b2/dl/invoice.exe " "found.txt: distribution and attack URLs"
printf 'rule broken {\n  strings: $a = "x"\n  condition: $b\n}\n' > bad.yar
expect 2 "a rule file that does not compile" -- "$bin" crawl --out o9 --rules bad.yar "$b/entry"
has err.txt "crawl.rules: bad.yar:"; has err.txt "undefined string"
eq "$(hops o1 "$b2/frame.html" referer)" "$b2/js.html" "hidden iframe crawled, Referer the page"
eq "$(hops o1 "$b2/frame.html" depth)" "1" "iframe at depth 1"
eq "$(hops o1 "$b2/kit.js" depth)" "(no chain)" "depth 1: the frame's script not followed"
eq "$(hops o1 "$b/loop" end)" "loop" "redirect loop ends the chain"
eq "$(hops o1 "$b/evil" end)" "refused" "Location to file:// refused"
eq "$(hops o1 "$b/evil" url | cut -d, -f2)" "file:///etc/passwd" "refused hop recorded"
eq "$(hops o1s "$b/slow.html" end)" "too-slow" "slow trickle abandoned (low-speed limit)"
eq "$(hops o1 "$b/bomb.html" truncated)" "True" "gzip bomb stopped at max-body"
has o1/chains.jsonl "body over crawl.max-body (1000000 bytes)"
har=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    c = json.loads(l)
    if c["start"] == sys.argv[2]: print(c["har"])' o1/chains.jsonl "$b/entry")
check "HAR 1.2 of the chain: hops, statuses, redirects, headers sent and received; hops.jsonl: one line per hop, with its chain's id, start and profile" python3 - "o1/$har" "$b2" "$b/entry" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))["log"]
e = log["entries"]
assert log["version"] == "1.2" and len(e) == 6, (log["version"], len(e))
assert [x["response"]["status"] for x in e] == [302, 301, 200, 200, 200, 200]
assert e[1]["response"]["redirectURL"] == sys.argv[2] + "/relay"
h = {x["name"].lower(): x["value"] for x in e[5]["request"]["headers"]}
assert h["referer"].endswith("/js.html") and "kit=1" in h["cookie"], h
r = {x["name"].lower(): x["value"] for x in e[2]["response"]["headers"]}
assert r["refresh"] == "0; url=/meta.html", r
assert e[5]["response"]["content"]["mimeType"] == "application/octet-stream"
assert e[5]["serverIPAddress"] == "127.0.0.2"
chains = [json.loads(l) for l in open("o1/chains.jsonl")]
hops = [json.loads(l) for l in open("o1/hops.jsonl")]
assert len(hops) == sum(len(c["hops"]) for c in chains), len(hops)
c = next(c for c in chains if c["start"] == sys.argv[3])
h = [x for x in hops if x["chain"] == c["id"]]
assert [x["hop"] for x in h] == list(range(6)), h
assert [x["role"] for x in h] == ["entry", "relay", "hop", "hop", "hop", "distribution"], h
assert [x["kind"] for x in h] == [x["kind"] for x in c["hops"]]
assert all(x["start"] == sys.argv[3] and x["profile"] == "browser" for x in h)
assert h[5]["sha256"] == c["hops"][5]["sha256"] and h[5]["status"] == 200 and h[1]["ip"] == "127.0.0.1"
assert c["har"] == "har/%06d.har" % c["id"] and len({x["id"] for x in chains}) == len(chains)
PY
check "nginx saw the chain's Referer" grep -q "GET /dl/invoice.exe HTTP/1.1\" 200 .*\"$b2/js.html\"" access.log

# --- cloaking: the payload only for a browser's User-Agent (nginx map)
expect 0 "crawl --cloaking" -- "$bin" crawl --out oc --allow-destinations 127.0.0.0/8 --cloaking "$b/cloak"
python3 - oc/chains.jsonl > cloak.txt <<'PY'
import json, sys
for l in open(sys.argv[1]):
    c = json.loads(l)
    print(c["profile"], c.get("cloaked"), " ".join("%s:%s" % (h["url"].rsplit("/", 1)[1], h.get("cloaked")) for h in c["hops"]))
PY
has cloak.txt "browser True cloak:False tool.exe:True"
has cloak.txt "bare None cloak:None"
check "the hop line of the cloaked payload says so" grep -q '"url":"[^"]*/pay/tool.exe".*"cloaked":true' oc/hops.jsonl
eq "$(cat oc/found.txt)" "$b/pay/tool.exe" "found.txt: the browser's payload, once"

# --- profiles: [crawl.profile.NAME] (set with -o here) sends its User-Agent,
# Accept-Language and Referer; nginx answers the payload only to all three
prof=(-o "crawl.profile.jp.user-agent=Mozilla/5.0 (ispshield test profile)"
  -o crawl.profile.jp.accept-language=ja-JP -o "crawl.profile.jp.referer=http://search.example/?q=invoice")
expect 2 "--profile that is not configured" -- "$bin" crawl --out op --profile nosuch "$b/prof"
has err.txt "no [crawl.profile.nosuch] section"
expect 0 "crawl --profile jp" -- "$bin" "${prof[@]}" crawl --out op --allow-destinations 127.0.0.0/8 --profile jp "$b/prof"
eq "$(hops op "$b/prof" status)" "302,200" "the profile's visitor gets the payload"
eq "$(hops op "$b/prof" referer)" "http://search.example/?q=invoice" "the start URL's Referer is the profile's"
check "the record names the profile" grep -q '"profile":"jp"' op/chains.jsonl
expect 0 "crawl as the default profile" -- "$bin" crawl --out op2 --allow-destinations 127.0.0.0/8 "$b/prof"
eq "$(hops op2 "$b/prof" status)" "403" "another visitor does not"
expect 0 "cloaking with a profile" -- "$bin" "${prof[@]}" crawl --out opc --allow-destinations 127.0.0.0/8 --profile jp --cloaking "$b/prof"
eq "$(cat opc/found.txt)" "$b/pay/tool.exe" "cloaked payload found with the profile"
check "the profile's chain is cloaked" grep -q '"profile":"jp".*"cloaked":true' opc/chains.jsonl
# a profile's egress proxy: every request goes through it (nginx as a forward proxy);
# an address literal is still checked before the transfer
: > access.log
expect 0 "crawl through the profile's proxy" -- "$bin" -o "crawl.profile.px.proxy=http://127.0.0.1:$pport" \
  crawl --out ox --allow-destinations 127.0.0.0/8 --profile px "$b/entry"
eq "$(hops ox "$b/entry" status)" "302,301,200,200,200,200" "the whole chain through the proxy"
eq "$(hops ox "$b/entry" ip)" "127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1" "every connection to the proxy"
check "the proxy got absolute URLs" grep -q "\"GET $b2/dl/invoice.exe HTTP/1.1\" 200" access.log
expect 0 "through the proxy, without --allow-destinations" -- "$bin" -o "crawl.proxy=http://127.0.0.1:$pport" crawl --out ox2 "$b/entry"
eq "$(hops ox2 "$b/entry" error)" "refused destination 127.0.0.1: a loopback address" "an address literal refused before the proxy sees it"

# --- the second tier: only running the scripts reveals this chain (atob, a timer,
# onload, computed strings); document.write and createElement add a frame and a script
expect 0 "crawl, scripts run" -- "$bin" crawl --out oj --allow-destinations 127.0.0.0/8 "$b/js2/a.html" "$b/js2/loop.html"
eq "$(hops oj "$b/js2/a.html" url)" "$b/js2/a.html,$b/js2/b.html,$b/js2/c.html,$b/js2/d.html" "the script-only chain"
eq "$(hops oj "$b/js2/a.html" kind)" "start,js-run,js-run,js-run" "found by running the scripts"
eq "$(hops oj "$b/js2/f.html" depth)" "1" "document.write's computed iframe fetched"
eq "$(hops oj "$b/js2/k.js" depth)" "1" "the script element a script added fetched"
eq "$(hops oj "$b/js2/loop.html" url)" "$b/js2/loop.html,$b/js2/after-loop.html" "a navigation before an endless loop kept"
check "the endless loop stopped by the limits" grep -q '"scripts":"time-limit"' oj/chains.jsonl
expect 0 "crawl --scripts off" -- "$bin" crawl --out oj0 --allow-destinations 127.0.0.0/8 --scripts off "$b/js2/a.html"
eq "$(hops oj0 "$b/js2/a.html" url)" "$b/js2/a.html" "patterns alone do not see it"

# --- max-hops
expect 0 "crawl --max-hops 2" -- "$bin" crawl --out o2 --allow-destinations 127.0.0.0/8 --max-hops 2 "$b/entry"
eq "$(hops o2 "$b/entry" end)" "max-hops" "max-hops ends the chain"
eq "$(hops o2 "$b/entry" url | tr ',' '\n' | wc -l)" "3" "start + 2 hops"

# --- --list --import: through the lists import path
expect 2 "--import without --list" -- isp crawl --out o3 --import "$b/entry"
expect 2 "--relay-list without --import" -- isp crawl --out o3 --relay-list relays "$b/entry"
# (localhost/r1 leads to 127.0.0.2: a relay with a name; 127.0.0.1/r1's address is no domain)
expect 0 "crawl --import" -- isp crawl --out o3 --allow-destinations 127.0.0.0/8 --list dist \
  --relay-list relays --import "http://localhost:$port/entry" "$b/entry"
has err.txt "list dist"; has err.txt "list relays"
eq "$(cat o3/relays.csv)" "value,category,reference
localhost,relay,$(cd o3 && pwd -P)/har/000001.har" "relays.csv: the relay host with a name, its chain's HAR"
expect 0 "compile" -- isp lists compile
expect 0 "lists check finds the payload URL" -- isp lists check "$b2/dl/invoice.exe"
has out.txt "crawl"; has out.txt "category distribution, reference $(cd o3 && pwd -P)/har/00000"
expect 0 "lists check finds the relay host" -- isp lists check localhost
has out.txt "BLOCKED by list relays (domain)"; has out.txt "category relay"
expect 0 "history records the import" -- isp lists history --list dist
has out.txt "crawl"

# --- politeness: at most --host-concurrency fetches at once to one host; --fetch-interval-ms
# between two starts (the counts are the crawler's own state, in its summary)
printf "$b/err?h%s\n" 1 2 3 4 5 6 > h6.txt
expect 0 "crawl --host-concurrency 2" -- "$bin" crawl --out oh --allow-destinations 127.0.0.0/8 --depth 0 --host-concurrency 2 h6.txt
has err.txt "4 hops waited for their host, at most 2 fetches at once to one host"
eq "$(grep -c '"end":"done"' oh/chains.jsonl)" 6 "every chain that waited was fetched"
expect 0 "crawl --host-concurrency 0" -- "$bin" crawl --out oh0 --allow-destinations 127.0.0.0/8 --depth 0 --host-concurrency 0 h6.txt
has err.txt "0 hops waited for their host, at most 6 fetches at once to one host"
expect 0 "crawl --fetch-interval-ms" -- "$bin" crawl --out oi --allow-destinations 127.0.0.0/8 --depth 0 --fetch-interval-ms 300 "$b/err?i1" "$b/err?i2" "$b2/err?i3"
has err.txt "1 hops waited for their host"
check "the one that waited was fetched" grep -q "\"start\":\"$b/err?i2\".*\"status\":500" oi/chains.jsonl

# --- the status line: on a terminal (script(1) gives the crawl one), never elsewhere
check "no status line when stderr is no terminal" [ "$(grep -c "chains done" err.txt)" = 0 ]
if command -v script >/dev/null; then
  script -qec "\"$bin\" crawl --out opg --allow-destinations 127.0.0.0/8 --depth 0 '$b/err?p1'" /dev/null > pty.txt 2>&1
  check "a status line on a terminal" grep -q "crawl: 0 chains done, 0 under way (0 wait for their host), 1 queued" pty.txt
fi

# --- the visit log: a URL fetched from the same exit by an earlier run is not fetched again
expect 0 "crawl (visit log)" -- "$bin" crawl --out ov --allow-destinations 127.0.0.0/8 --depth 0 "$b/entry"
check "the visits are logged" grep -q "	direct	browser	.*	$b2/dl/invoice.exe\$" ov/visits.log
printf 'not a visit\n' >> ov/visits.log
: > access.log
expect 0 "again from the same exit" -- "$bin" crawl --out ov --allow-destinations 127.0.0.0/8 --depth 0 "$b/entry" "$b/err?v1"
check "visited: the chain ends" grep -q "\"start\":\"$b/entry\".*\"end\":\"visited\"" ov/chains.jsonl
has ov/chains.jsonl "not fetched: visited from direct at"
has err.txt "visits.log:7: not 5 tab-separated fields"
has err.txt "1 hops not fetched (visited)"
until_ok grep -q "GET /err?v1" access.log || bad "nginx did not log /err?v1"
check "the visited URL did not reach nginx" [ "$(grep -c "GET /entry" access.log)" = 0 ]
expect 0 "through another exit (a proxy)" -- "$bin" -o "crawl.proxy=http://127.0.0.1:$pport" crawl --out ov2 --visit-log ov/visits.log --allow-destinations 127.0.0.0/8 --depth 0 "$b/entry"
eq "$(cat ov2/found.txt)" "$b2/dl/invoice.exe" "another exit fetches the chain, to its payload"
expect 0 "--revisit-after 0" -- "$bin" crawl --out ov --allow-destinations 127.0.0.0/8 --depth 0 --revisit-after 0 "$b/entry"
check "no visit log: fetched" grep -q "\"start\":\"$b/entry\".*\"end\":\"done\"" ov/chains.jsonl

# --- resumable: a run killed with SIGKILL goes on with --resume; what it completed is kept
printf '%s\n' "$b/err?r1" "$b/hold/x.html" "$b/missing?r2" "$b/gone?r3" > rs.txt
: > access.log
"$bin" -q crawl --out or --allow-destinations 127.0.0.0/8 --depth 0 rs.txt &
cpid=$!
until_eq 3 sh -c 'wc -l < or/chains.jsonl' || bad "the fast chains were not written"
kill -9 "$cpid"; wait "$cpid" 2>/dev/null
check "the held chain was not written" [ "$(grep -c hold or/chains.jsonl)" = 0 ]
printf '{"id": 99, "start": "%s/cut' "$b" >> or/chains.jsonl # a record cut by the kill
: > site/hold/x.html # served at once now
expect 0 "crawl --resume" -- "$bin" crawl --out or --allow-destinations 127.0.0.0/8 --depth 0 --resume rs.txt
has err.txt "3 chains kept from the run resumed"
check "each start URL once, the held one done" python3 - or "$b" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1] + "/chains.jsonl")]
h = [json.loads(l) for l in open(sys.argv[1] + "/hops.jsonl")]
s = sorted(x["start"].rsplit("/", 1)[1] for x in c)
assert s == ["err?r1", "gone?r3", "missing?r2", "x.html"], s
assert [x["end"] for x in c if x["start"].endswith("x.html")] == ["done"]
assert len({x["id"] for x in c}) == 4 and len(h) == 4 and len({x["run"] for x in c}) == 1, c
PY
until_ok grep -q "GET /hold/x.html HTTP/1.1\" 200" access.log || bad "nginx did not log the held page"
check "a completed chain was not fetched again" [ "$(grep -c "GET /err?r1" access.log)" = 1 ]

# --- lists recheck: online, offline after 2 signals (404, 410, refused connection, a
# changed payload), unknown (500), backoff, the destination check
closed=$(freeport)
printf '%s\n' "$b/pay/tool.exe" "$b/missing" "$b/gone" "$b/err" "http://127.0.0.1:$closed/x" > urls.txt
expect 0 "import urls" -- isp lists import --list urls --kind url urls.txt
st() { sqlite3 -separator ' ' "$work/var/t.db" "SELECT u.status, u.fails, u.detail FROM url_status u
  JOIN lists l ON l.id = u.list_id WHERE l.name = 'urls' AND u.value = '$1'"; }
# (one host here: no pause between its fetches; the pause is bench/crawl's)
rc() { isp lists recheck --list urls --offline-after 2 --host-interval-ms 0 "$@"; }
expect 2 "recheck without --list" -- isp lists recheck
expect 0 "recheck 1" -- rc --allow-destinations 127.0.0.0/8
has err.txt "5 URLs checked: 1 online, 0 offline, 4 unknown"
eq "$(st "$b/pay/tool.exe")" "online 0 206" "served: online (Range honoured)"
eq "$(st "$b/missing")" "unknown 1 404" "one 404: not offline yet"
expect 0 "recheck 2 (--all)" -- rc --allow-destinations 127.0.0.0/8 --all
has err.txt "5 URLs checked: 1 online, 3 offline, 1 unknown"
eq "$(st "$b/missing")" "offline 2 404" "404 twice: offline"
eq "$(st "$b/gone")" "offline 2 410" "410 twice: offline"
eq "$(st "$b/err")" "unknown 0 500" "500: unknown"
check "refused connection twice: offline" [ "$(st "http://127.0.0.1:$closed/x" | cut -d' ' -f1-2)" = "offline 2" ]
expect 0 "lists stats --json" -- isp lists stats --json
check "stats: 1 online, 3 offline in list urls" python3 -c '
import json, sys
l = {x["list"]: x for x in json.load(open("out.txt"))["lists"]}
sys.exit(not (l["urls"]["online"] == 1 and l["urls"]["offline"] == 3))'
check "not online: due again in 6 h" [ "$(sqlite3 "$work/var/t.db" "SELECT next_check - checked FROM url_status WHERE value = '$b/missing'")" = 21600 ]
expect 0 "recheck 3: nothing due" -- rc --allow-destinations 127.0.0.0/8
has err.txt "0 URLs checked"
printf 'another payload' >> site/pay/tool.exe
expect 0 "recheck 4: payload changed" -- rc --allow-destinations 127.0.0.0/8 --all
eq "$(st "$b/pay/tool.exe")" "unknown 1 206, payload changed" "a changed payload is an offline signal"
expect 0 "recheck 5: without --allow-destinations" -- rc --all
check "loopback refused, unknown" grep -q "refused destination 127.0.0.1" <(st "$b/err")
# lists.offline-expiry: an offline URL's entries expire once it has been offline that long
# (a bounded wait for the state: the clock must pass one second)
cp site/dl/invoice.exe site/pay/tool.exe # served as when online: stays online
expect 0 "compile before expiry" -- isp lists compile
expect 0 "check before expiry" -- isp lists check "$b/gone"
check "offline 1 s: entries expire" until_ok sh -c "\"$bin\" --store \"$work/var/t.db\" lists recheck \
  --list urls --offline-after 2 --offline-expiry 1 --all --host-interval-ms 0 --allow-destinations 127.0.0.0/8 2>&1 |
  grep -q '[1-9][0-9]* entries expired'"
expect 0 "compile" -- isp lists compile
expect 1 "an expired offline URL is no longer listed" -- isp lists check "$b/gone"
expect 0 "an online URL still is" -- isp lists check "$b/pay/tool.exe"

finish crawl
