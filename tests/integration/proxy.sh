#!/usr/bin/env bash
# Integration test of `ispshield proxy` with real programs, all on loopback: python3's
# http.server (and a small raw-socket upstream) as the sites, curl as the client.
# Covers: allowed URL, listed URL (warning page, both languages), encoded and case
# variants of a listed URL, the continue flow, tampered and expired tokens, CONNECT to a
# listed host (403) and a tunnel to a local echo server, walled garden, keep-alive,
# chunked bodies both ways, 400/431/505, slowloris (408), an upstream that never answers
# (504 in bounded time), outsiders closed at accept, block events in the store, metrics.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in python3 curl sqlite3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
WWW=$(freeport); PX=$(freeport); MET=$(freeport); SILENT=$(freeport); ECHO=$(freeport); PX2=$(freeport)

# ---- sites: a static server, a server that accepts and never answers, a TCP echo
mkdir www
echo hello-allowed >www/ok.html
echo REAL-MALWARE-PAGE >www/bad.html
echo listed-with-query >www/q.html
cat >upstream.py <<'PY'
import socket, sys, threading, http.server, os
mode, port = sys.argv[1], int(sys.argv[2])
if mode == "www":
    class H(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_POST(self):
            # echo the request body back, chunked when asked to
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""
                while True:
                    n = int(self.rfile.readline().split(b";")[0], 16)
                    if n == 0:
                        self.rfile.readline(); break
                    body += self.rfile.read(n); self.rfile.readline()
            else:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Got-Via", self.headers.get("Via", ""))
            self.send_header("X-Got-Host", self.headers.get("Host", ""))
            self.send_header("X-Got-Secret", self.headers.get("X-Secret", "none"))
            self.end_headers()
            for i in range(0, len(body), 1000):
                part = body[i:i + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
    os.chdir("www")
    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(16)
def serve(c):
    if mode == "silent":
        c.recv(65536); threading.Event().wait(60)
    else:
        while True:
            d = c.recv(65536)
            if not d: break
            c.sendall(d)
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 upstream.py www "$WWW" & pids+=($!)
python3 upstream.py silent "$SILENT" & pids+=($!)
python3 upstream.py echo "$ECHO" & pids+=($!)
wait_http "http://127.0.0.1:$WWW/ok.html" || bad "upstream www did not come up"
wait_tcp "$SILENT" && wait_tcp "$ECHO" || bad "upstreams silent/echo did not come up"

# ---- lists and snapshot
printf 'http://127.0.0.1:%s/bad.html\nhttp://127.0.0.1:%s/q.html?id=1\nhttp://localhost:%s/bad.html\n' \
	"$WWW" "$WWW" "$WWW" >urls.txt
printf 'evil.example\ncc.botnet.example\nlocalhost\n' >doms.txt
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list malware-urls --kind url urls.txt || bad "import urls"
isp -q lists import --list malware-hosts --kind domain doms.txt || bad "import domains"
isp -q lists compile || bad "compile"
head -c 32 /dev/urandom >secret && chmod 600 secret # secrets others can read are refused
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$PX" --secret-file secret \
	--metrics "127.0.0.1:$MET" --header-timeout 2 --connect-timeout 3 --upstream-timeout 3 \
	--idle-timeout 10 --max-header-bytes 4096 --max-headers 50 --continue-ttl 60 \
	--allow-destinations 127.0.0.0/8 --connect-ports "443, $ECHO" 2>proxy.log & pids+=($!)
wait_http "http://127.0.0.1:$MET/metrics" && wait_tcp "$PX" || bad "proxy did not come up"
C=(curl -s -m 10 -x "127.0.0.1:$PX")
code() { "${C[@]}" -o /dev/null -w '%{http_code}' "$@"; }
# code_is WANT CURL-ARGS...: the status is WANT (for until_ok)
code_is() { local want=$1; shift; [ "$(code "$@")" = "$want" ]; }
U="http://127.0.0.1:$WWW"

# ---- allowed, listed, variants
check "allowed URL passes" test "$("${C[@]}" "$U/ok.html")" = hello-allowed
check "listed URL gets 403" test "$(code "$U/bad.html")" = 403
"${C[@]}" "$U/bad.html" >page.en.html
check "warning page (en) names the URL" grep -q "bad.html" page.en.html
check "... and no internal list or file name (issue 25)" sh -c "! grep -qE 'malware-urls|urls.txt' page.en.html"
check "warning page has a continue link" grep -q 'id="continue"' page.en.html
check "real page not served" bash -c "! grep -q REAL-MALWARE page.en.html"
"${C[@]}" -H 'Accept-Language: ja,en;q=0.5' "$U/bad.html" >page.ja.html
check "warning page (ja) by Accept-Language" grep -q 'lang="ja"' page.ja.html
check "English when en is preferred" grep -q 'lang="en"' <("${C[@]}" -H 'Accept-Language: en-US,ja;q=0.3' "$U/bad.html")
check "variant %2e-encoded path" test "$(code "$U/bad%2ehtml")" = 403
check "variant %62 in path" test "$(code "$U/%62ad.html")" = 403
check "variant upper-case host" test "$(code "http://LOCALHOST:$WWW/bad.html")" = 403
check "variant /./ and // in path" test "$(code "$U/.//./bad.html")" = 403
check "variant fragment" test "$(code "$U/bad.html#frag")" = 403
check "variant hex IP host" test "$(code --path-as-is "http://0x7f000001:$WWW/bad.html")" = 403
check "variant dotted-decimal IP host (decimal)" test "$(code "http://2130706433:$WWW/bad.html")" = 403
check "plain HTTP to a listed domain: walled-garden page" grep -q "C&amp;C" <("${C[@]}" "http://evil.example:80/x")
printf 'http://site.example/mal.exe\n' >u2.txt
isp -q lists import --list malware-urls2 --kind url u2.txt && isp -q lists compile
# the proxy polls the snapshot every second: wait for the state, not for a second
check "variant explicit default port :80 (reloaded list)" until_ok code_is 403 "http://SITE.example:80/mal.exe"
check "listed URL with query" test "$(code "$U/q.html?id=1")" = 403
check "eq path, other query allowed" test "$(code "$U/q.html?id=2")" = 200

# ---- continue flow
href=$(grep -o 'href="[^"]*"' page.en.html | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
check "continue link fetches the real page" test "$("${C[@]}" "$href")" = REAL-MALWARE-PAGE
tampered="${href%?}$(if [ "${href: -1}" = 0 ]; then echo 1; else echo 0; fi)"
check "tampered token refused" test "$(code "$tampered")" = 403
check "tampered token page says so" grep -q "not valid" <("${C[@]}" "$tampered")
exp_href=$(echo "$href" | sed -E 's/continue=[0-9]+\./continue=1000000000./')
check "forged expiry refused" test "$(code "$exp_href")" = 403
# a genuinely expired token: made with the eq secret, for this client, in the past
python3 - "$U/bad.html" >expired.url <<'PY'
import hmac, hashlib, sys
url = sys.argv[1]
key = open("secret", "rb").read()
exp = 1000000000
mac = hmac.new(key, b"ispshield-continue-v1\n127.0.0.1\n" + url.encode() + b"\n%d" % exp, hashlib.sha256).hexdigest()
print(url + "?ispshield-continue=%d.%s" % (exp, mac))
PY
check "expired token refused" grep -q "expired" <("${C[@]}" "$(cat expired.url)")
other="$U/q.html?id=1&ispshield-continue=${href##*=}"
check "token for another URL refused" test "$(code "$other")" = 403

# ---- CONNECT
check "CONNECT to a listed host gets 403" test "$(code -p "https://evil.example:443/")" = 000
out=$(printf 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n' | timeout 30 python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1',$PX)); s.sendall(sys.stdin.buffer.read())
d=b''
while True:
    x=s.recv(4096)
    if not x: break
    d+=x
print(d.decode())")
check "CONNECT refusal is 403 with a text" bash -c "echo \"\$1\" | head -1 | grep -q '403' && echo \"\$1\" | grep -q 'malware'" _ "$out"
tun=$(timeout 30 python3 -c "
import socket; s=socket.create_connection(('127.0.0.1',$PX))
s.sendall(b'CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\nHost: 127.0.0.1:$ECHO\r\n\r\n')
d=b''
while b'\r\n\r\n' not in d: d+=s.recv(4096)
s.sendall(b'ping-through-tunnel'); r=b''
while len(r) < 19: r+=s.recv(4096)
print(d.split(b' ')[1].decode(), r.decode())")
check "CONNECT tunnel to a local echo server" test "$tun" = "200 ping-through-tunnel"

# ---- walled garden: a plain request (origin-form) for a listed C&C name
wg=$(curl -s -m 30 -H 'Host: cc.botnet.example' "http://127.0.0.1:$PX/")
check "walled-garden page for a C&C name" grep -q "C&amp;C" <<<"$wg"
check "walled garden: unlisted Host gets 400" test "$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Host: fine.example' "http://127.0.0.1:$PX/")" = 400

# ---- keep-alive, headers, bodies
n=$(curl -s -m 10 -x "127.0.0.1:$PX" -v "$U/ok.html" "$U/ok.html" "$U/ok.html" 2>&1 | grep -c "Re-using existing connection\|Reusing existing")
check "client keep-alive (3 requests, one connection)" test "$n" -ge 2
head -c 200000 /dev/urandom | base64 -w0 >big.txt
check "request body (Content-Length) and chunked response" cmp -s big.txt <("${C[@]}" --data-binary @big.txt "$U/echo")
check "chunked request body" cmp -s big.txt <("${C[@]}" -H 'Transfer-Encoding: chunked' --data-binary @big.txt "$U/echo")
hdrs=$("${C[@]}" -D - -o /dev/null -H 'Connection: X-Secret' -H 'X-Secret: s' -H 'Proxy-Connection: keep-alive' --data x "$U/echo")
check "Via added upstream" grep -qi "X-Got-Via: 1.1 ispshield" <<<"$hdrs"
check "Via added downstream" grep -qi "^Via: 1.1 ispshield" <<<"$hdrs"
check "header named in Connection removed" grep -qi "X-Got-Secret: none" <<<"$hdrs"
check "Host set from the absolute URI" grep -qi "X-Got-Host: 127.0.0.1:$WWW" <<<"$hdrs"

# ---- bad input
raw() { timeout 30 python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1',$PX)); s.sendall(sys.argv[1].encode().decode('unicode_escape').encode('latin-1'))
d=b''
while True:
    x=s.recv(4096)
    if not x: break
    d+=x
print(d.split(b'\r\n')[0].decode() if d else 'closed')" "$1"; }
check "malformed request line: 400" test "$(raw 'GET  http://x/ HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "obs-fold: 400" test "$(raw 'GET http://x/ HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "space before colon: 400" test "$(raw 'GET http://x/ HTTP/1.1\r\nHost : x\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "CL and TE together: 400" test "$(raw 'POST http://x/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "HTTP/2.0 request line: 505" test "$(raw 'GET http://x/ HTTP/2.0\r\nHost: x\r\n\r\n')" = "HTTP/1.1 505 HTTP Version Not Supported"
big=$(python3 -c "print('X-Big: ' + 'a'*5000)")
check "oversized head: 431" test "$(raw "GET http://x/ HTTP/1.1\\r\\nHost: x\\r\\n$big\\r\\n\\r\\n")" = "HTTP/1.1 431 Request Header Fields Too Large"
many=$(python3 -c "print(''.join('X-%d: 1\\\\r\\\\n' % i for i in range(60)))")
check "too many fields: 431" test "$(raw "GET http://x/ HTTP/1.1\\r\\nHost: x\\r\\n${many}\\r\\n")" = "HTTP/1.1 431 Request Header Fields Too Large"
# the client trickles header lines for 4 s; the proxy's 2 s header timeout answers 408 first
slow=$(timeout 60 python3 -c "
import socket,time; s=socket.create_connection(('127.0.0.1',$PX))
s.sendall(b'GET http://127.0.0.1/ HTTP/1.1\r\n')
try:
    for i in range(8):
        time.sleep(0.5); s.sendall(b'X-Slow: 1\r\n')
except OSError: pass
d=s.recv(4096); print(d.split(b'\r\n')[0].decode() if d else 'closed')")
check "slowloris: 408 from the header timeout" test "$slow" = "HTTP/1.1 408 Request Timeout"
# curl would wait 10 s: a 504 is the proxy's upstream timeout (3 s), not the client's
check "upstream that never answers: 504" test "$(code "http://127.0.0.1:$SILENT/")" = 504
check "upstream refusing connections: 502" test "$(code "http://127.0.0.1:1/")" = 502
check "unresolvable name: 502" test "$(code "http://no-such-host.invalid/")" = 502

# ---- outsiders, opt-out (second proxy with other prefixes)
echo "127.0.0.0/8" >optout.txt
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$PX2" --subscribers 127.0.0.1/32 \
	--opt-out optout.txt --allow-destinations 127.0.0.0/8 2>proxy2.log & pids+=($!)
wait_http "$U/ok.html" -x "127.0.0.1:$PX2" || bad "proxy 2 did not come up"
check "opted-out client is not warned" test "$(curl -s -m 30 -x "127.0.0.1:$PX2" "$U/bad.html")" = REAL-MALWARE-PAGE
: >optout.txt
check "opt-out file change reloads (warned again)" until_ok code_is 403 -x "127.0.0.1:$PX2" "$U/bad.html"
check "outsider closed at accept (no response)" test "$(curl -s -m 30 -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -x "127.0.0.1:$PX2" "$U/ok.html")" = 000

# ---- metrics, events, secrecy of allowed requests
m=$(curl -s "http://127.0.0.1:$MET/metrics")
check "metrics: hits counted" grep -qE '^ispshield_proxy_hits_total [1-9]' <<<"$m"
check "metrics: continues counted" grep -qE '^ispshield_proxy_continues_total [1-9]' <<<"$m"
check "metrics: latency histogram" grep -q 'ispshield_proxy_latency_seconds_bucket{le="+Inf"}' <<<"$m"
check "metrics: upstream errors" grep -qE '^ispshield_proxy_upstream_timeouts_total [1-9]' <<<"$m"
for p in "${pids[@]:3:1}"; do kill -TERM "$p"; wait "$p"; done # the writer drains on stop
ev=$(sqlite3 var/t.db "select count(*) from block_events where reason='url'")
check "url hits recorded in the store ($ev)" test "$ev" -ge 5
ev=$(sqlite3 var/t.db "select count(*) from block_events where reason='connect' and qname='evil.example'")
check "CONNECT hit recorded in the store" test "$ev" -ge 1
check "allowed requests are not logged" bash -c "! grep -q 'ok.html' proxy.log"
check "allowed requests are not stored" test "$(sqlite3 var/t.db "select count(*) from block_events where qname like '%ok.html%'")" = 0

finish proxy
