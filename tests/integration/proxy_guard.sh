#!/usr/bin/env bash
# Integration test of what `ispshield proxy` refuses (issues 15 and 24), with real programs
# on loopback only: python3 sites (http.server and raw sockets), curl and python raw-socket
# clients, a local Unbound as the proxy's resolver (proxy.resolver).
# Covers: destinations checked on the resolved address (loopback literal, 0.0.0.0, mapped
# IPv6, ::1, "localhost", a name an Unbound answers with 127.0.0.1 = DNS rebinding, the
# proxy itself, proxy.deny-destinations) with a 403 naming the reason and a metric;
# CONNECT only to proxy.connect-ports; proxy.allow-destinations as the only way in;
# smuggling through `Connection: Content-Length` (a POST body carrying a listed URL);
# framing rewritten from parsed values on responses (TE + CL, Connection: Content-Length);
# the access list checked at accept (a non-subscriber is closed before sending a byte);
# domain lists checked on plain HTTP (a C&C host gets the walled-garden page, recorded).
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in python3 curl sqlite3 unbound; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
WWW=$(freeport); WWW2=$(freeport); RAW=$(freeport); ECHO=$(freeport); UP=$(freeport)
PXA=$(freeport); PXB=$(freeport); MA=$(freeport); MB=$(freeport); DEAD=$(freeport)

# ---- sites: a static + echo server that logs every request line, the same on
# 127.0.0.2 (for deny-destinations), a raw upstream with odd framing, a TCP echo
mkdir www
echo hello-allowed >www/ok.html
echo REAL-MALWARE-PAGE >www/bad.html
cat >site.py <<'PY'
import http.server, os, socket, sys, threading
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "www":
    class H(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, fmt, *a):
            with open("../requests.log", "a") as f:
                f.write(self.requestline + "\n")
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.log_message("")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    os.chdir("www")
    http.server.ThreadingHTTPServer((addr, port), H).serve_forever()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(16)
def raw(c):
    # keep-alive: one canned response per request head, by path
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            d = c.recv(65536)
            if not d:
                return
            buf += d
        head, buf = buf.split(b"\r\n\r\n", 1)
        path = head.split(b" ")[1]
        if path == b"/tecl":
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n"
                      b"5\r\nhello\r\n0\r\n\r\n")
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\nhello")
def echo(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
while True:
    c, _ = s.accept()
    threading.Thread(target=raw if mode == "raw" else echo, args=(c,), daemon=True).start()
PY
python3 site.py www 127.0.0.1 "$WWW" & pids+=($!)
python3 site.py www 127.0.0.2 "$WWW2" & pids+=($!)
python3 site.py raw 127.0.0.1 "$RAW" & pids+=($!)
python3 site.py echo 127.0.0.1 "$ECHO" & pids+=($!)

# ---- the proxy's resolver: a local Unbound that answers only from local data
{ unbound_conf "$UP"; cat <<U
  local-zone: "test." static
  local-data: "rebind.test. 300 IN A 127.0.0.1"
  local-data: "www.site.test. 300 IN A 127.0.0.1"
  local-data: "other.site.test. 300 IN A 127.0.0.2"
  rrset-roundrobin: no
  local-data: "big.site.test. 300 IN A 127.0.0.1"
$(for i in $(seq 39); do echo "  local-data: \"big.site.test. 300 IN A 127.0.9.$i\""; done)
  local-zone: "example." static
  local-data: "x7f3.dga-family.example. 300 IN A 127.0.0.1"
  local-data: "k9.dga2.example. 300 IN A 127.0.0.1"
U
} >up.conf
unbound -c up.conf >up.out 2>&1 & pids+=($!)
until_ok dig +tries=1 +time=1 -p "$UP" @127.0.0.1 www.site.test || bad "unbound did not start"
until_ok curl -s -o /dev/null "http://127.0.0.1:$WWW/ok.html" || bad "site did not start"

# ---- lists, snapshot, two proxies: A strict (defaults), B with loopback allowed
printf 'http://127.0.0.1:%s/bad.html\n' "$WWW" >urls.txt
printf 'x7f3.dga-family.example\n*.dga2.example\n' >cc.txt
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list malware-urls --kind url urls.txt || bad "import urls"
isp -q lists import --list cc-names --kind domain cc.txt || bad "import domains"
isp -q lists compile || bad "compile"
common=(--resolver "127.0.0.1:$UP" --connect-timeout 3 --upstream-timeout 3 --idle-timeout 60)
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$PXA" --metrics "127.0.0.1:$MA" \
	--subscribers 127.0.0.1/32 "${common[@]}" 2>pxa.log & pids+=($!)
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$PXB" --metrics "127.0.0.1:$MB" \
	--allow-destinations 127.0.0.0/8 --deny-destinations "127.0.0.2/32, 127.0.9.0/24" \
	--connect-ports "443, $ECHO" "${common[@]}" 2>pxb.log & pxb=$!
pids+=($pxb)
until_ok curl -s -o /dev/null "http://127.0.0.1:$MA/metrics" || bad "proxy A did not start"
until_ok curl -s -o /dev/null "http://127.0.0.1:$MB/metrics" || bad "proxy B did not start"
A=(curl -s -m 10 -x "127.0.0.1:$PXA")
B=(curl -s -m 10 -x "127.0.0.1:$PXB")
code() { "$@" -o /dev/null -w '%{http_code}'; }
# connect_via PORT TARGET [PAYLOAD]: a raw CONNECT; prints the status code and what the
# tunnel echoed (or the refusal's text)
connect_via() { timeout 10 python3 - "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = sys.argv[2].encode()
s.sendall(b"CONNECT " + t + b" HTTP/1.1\r\nHost: " + t + b"\r\n\r\n")
d = b""
while b"\r\n\r\n" not in d:
    x = s.recv(4096)
    if not x:
        break
    d += x
status = d.split(b" ")[1].decode() if d else "closed"
if status == "200" and len(sys.argv) > 3:
    s.sendall(sys.argv[3].encode()); r = b""
    while len(r) < len(sys.argv[3]):
        r += s.recv(4096)
    print(status, r.decode())
else:
    while True:
        x = s.recv(4096)
        if not x:
            break
        d += x
    print(status, d.split(b"\r\n\r\n", 1)[-1].decode().replace("\n", " "))
PY
}

# ---- 1. destinations (issue 15 item 1)
check "loopback literal refused (403)" test "$(code "${A[@]}" "http://127.0.0.1:$WWW/ok.html")" = 403
check "... with a page naming the reason" grep -q "loopback" <("${A[@]}" "http://127.0.0.1:$WWW/ok.html")
check "0.0.0.0 refused" test "$(code "${A[@]}" "http://0.0.0.0:$WWW/ok.html")" = 403
check "IPv4-mapped ::ffff:127.0.0.1 refused" test "$(code "${A[@]}" "http://[::ffff:127.0.0.1]:$WWW/ok.html")" = 403
check "::1 refused" test "$(code "${A[@]}" "http://[::1]:$WWW/ok.html")" = 403
check "localhost (resolves to loopback) refused" test "$(code "${A[@]}" "http://localhost:$WWW/ok.html")" = 403
check "rebinding: a name resolving to 127.0.0.1 refused" test "$(code "${A[@]}" "http://rebind.test:$WWW/ok.html")" = 403
check "... the page names the resolved address" grep -q "rebind.test (127.0.0.1) is a loopback address" <("${A[@]}" "http://rebind.test:$WWW/ok.html")
r=$(connect_via "$PXA" "127.0.0.1:443")
check "CONNECT 127.0.0.1:443 refused (loopback)" bash -c '[[ "$1" == "403 "*loopback* ]]' _ "$r"
r=$(connect_via "$PXA" "127.0.0.1:$ECHO" ping)
check "CONNECT to a port not in connect-ports refused" bash -c '[[ "$1" == "403 "*connect-ports* ]]' _ "$r"
r=$(connect_via "$PXB" "127.0.0.1:$WWW" ping)
check "CONNECT to a non-443 port refused even where the address is allowed" bash -c '[[ "$1" == "403 "*connect-ports* ]]' _ "$r"
r=$(connect_via "$PXB" "127.0.0.1:$ECHO" ping-through-tunnel)
check "CONNECT to an allowed address and listed port tunnels" test "$r" = "200 ping-through-tunnel"
r=$(connect_via "$PXB" "rebind.test:$ECHO" ping-by-name)
check "CONNECT by name to an allowed address tunnels" test "$r" = "200 ping-by-name"
check "allow-destinations lets loopback through" test "$("${B[@]}" "http://127.0.0.1:$WWW/ok.html")" = hello-allowed
check "... and a name resolving there (through proxy.resolver)" test "$("${B[@]}" "http://www.site.test:$WWW/ok.html")" = hello-allowed
check "deny-destinations wins inside an allowed prefix" test "$(code "${B[@]}" "http://127.0.0.2:$WWW2/ok.html")" = 403
check "... also by name" grep -q "denied destinations" <("${B[@]}" "http://other.site.test:$WWW2/ok.html")
check "the proxy itself is refused (no loop)" grep -q "this proxy itself" <("${B[@]}" "http://127.0.0.1:$PXB/")
m=$(curl -s "http://127.0.0.1:$MA/metrics")
check "metric: destinations refused counted" grep -qE '^ispshield_proxy_destinations_refused_total ([7-9]|[1-9][0-9])' <<<"$m"
check "metric: connect ports refused counted" grep -qE '^ispshield_proxy_connect_ports_refused_total [1-9]' <<<"$m"

# ---- proxy.resolver (issue 24 item 6): names go to the configured server
check "a name only the test Unbound knows resolves" test "$("${B[@]}" "http://www.site.test:$WWW/ok.html")" = hello-allowed
check "an answer too long for UDP (40 A records: TC, then TCP)" test "$("${B[@]}" "http://big.site.test:$WWW/ok.html")" = hello-allowed
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$DEAD" --resolver "127.0.0.1:$(freeport)" \
	--allow-destinations 127.0.0.0/8 --connect-timeout 2 2>pxdead.log & pids+=($!)
until_ok curl -s -o /dev/null -m 1 -x "127.0.0.1:$DEAD" "http://127.0.0.1:$WWW/ok.html" || bad "proxy C did not start"
check "a resolver that does not answer: 502" test "$(code curl -s -m 10 -x "127.0.0.1:$DEAD" "http://www.site.test:$WWW/ok.html")" = 502
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$(freeport)" --resolver "not-an-address" >bad.out 2>&1
check "a bad proxy.resolver refuses to start (exit 2)" test $? = 2
check "... naming the key" grep -q "proxy.resolver" bad.out
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$(freeport)" --connect-ports "443,70000" >bad.out 2>&1
check "a bad proxy.connect-ports refuses to start" grep -q "proxy.connect-ports" bad.out
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$(freeport)" --allow-destinations "10.0.0.0/33" >bad.out 2>&1
check "a bad proxy.allow-destinations refuses to start" grep -q "proxy.allow-destinations" bad.out

# ---- 5. smuggling through Connection: Content-Length (issue 15 item 5)
check "the listed URL is refused when asked for" test "$(code "${B[@]}" "http://127.0.0.1:$WWW/bad.html")" = 403
smuggled="GET /bad.html HTTP/1.1\r\nHost: 127.0.0.1:$WWW\r\n\r\n"
out=$(timeout 10 python3 - "$PXB" "$WWW" "$smuggled" <<'PY'
import socket, sys
px, www, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode().decode("unicode_escape").encode()
s = socket.create_connection(("127.0.0.1", px))
s.sendall(b"POST http://127.0.0.1:%s/echo HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
          b"Connection: close, Content-Length\r\nContent-Length: %d\r\n\r\n" % (www.encode(), www.encode(), len(body)) + body)
d = b""
while True:
    x = s.recv(65536)
    if not x:
        break
    d += x
sys.stdout.write(d.decode("latin-1"))
PY
)
printf '%s' "$out" >smuggle.out
check "smuggle: the POST is answered 200" bash -c 'head -1 smuggle.out | grep -q "^HTTP/1.1 200"'
check "smuggle: the upstream got the smuggled bytes as the POST's body" grep -q "^GET /bad.html HTTP/1.1" smuggle.out
check "smuggle: the listed page did not come back" bash -c '! grep -q REAL-MALWARE-PAGE smuggle.out'
check "smuggle: the upstream never saw GET /bad.html as a request" bash -c '! grep -q "^GET /bad.html" requests.log'
hdrs=$("${B[@]}" -D - -o body.out "http://127.0.0.1:$RAW/tecl")
check "response with TE and CL: CL dropped" bash -c '! grep -qi "^Content-Length" <<<"$1"' _ "$hdrs"
check "... TE kept, body intact" test "$(cat body.out)" = hello
hdrs=$("${B[@]}" -D - -o body.out "http://127.0.0.1:$RAW/cl")
check "response with Connection: Content-Length keeps its Content-Length" grep -qi "^Content-Length: 5" <<<"$hdrs"
check "... and two such responses on one connection arrive whole" \
	test "$("${B[@]}" "http://127.0.0.1:$RAW/cl" "http://127.0.0.1:$RAW/cl")" = hellohello

# ---- 7. access list at accept (issue 15 item 7): closed before a byte is sent
r=$(timeout 20 python3 - "$PXA" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.2", 0))
s.settimeout(10)  # a bound well below the proxy's idle timeout (60 s)
s.connect(("127.0.0.1", int(sys.argv[1])))
try:
    print("closed" if s.recv(1) == b"" else "data")
except socket.timeout:
    print("held open")
except ConnectionResetError:
    print("closed")
PY
)
check "a non-subscriber is closed at accept, before sending anything" test "$r" = closed
check "a subscriber is still served" test "$(code "${A[@]}" "http://127.0.0.1:$WWW/bad.html")" = 403
check "metric: refused connections counted" grep -qE '^ispshield_proxy_refused_total [1-9]' <(curl -s "http://127.0.0.1:$MA/metrics")

# ---- issue 24 item 6: domain lists on plain HTTP
check "lists check says the C&C name is blocked" isp -q lists check x7f3.dga-family.example >/dev/null
wg=$("${B[@]}" -w '\n%{http_code}' "http://x7f3.dga-family.example:$WWW/ok.html")
check "plain HTTP to a listed C&C host: 403" test "$(tail -1 <<<"$wg")" = 403
check "... with the walled-garden page" grep -q "C&amp;C" <<<"$wg"
check "... not the site" bash -c '! grep -q hello-allowed <<<"$1"' _ "$wg"
check "... also with upper case and a trailing dot" test "$(code "${B[@]}" "http://X7F3.DGA-family.example.:$WWW/ok.html")" = 403
check "... and a name under a listed *.suffix" grep -q "C&amp;C" <("${B[@]}" "http://k9.dga2.example:$WWW/ok.html")
check "metric: domain hits counted" grep -qE '^ispshield_proxy_domain_hits_total [1-9]' <(curl -s "http://127.0.0.1:$MB/metrics")
kill -TERM "$pxb"; wait "$pxb" # the writer drains on stop
check "the domain hit is recorded in the store" test "$(sqlite3 var/t.db "select count(*) from block_events where qname='x7f3.dga-family.example'")" -ge 1

finish proxy_guard
