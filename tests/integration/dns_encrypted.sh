#!/usr/bin/env bash
# Integration test of DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484) with real
# clients on loopback: kdig +tls (DoT, ALPN dot), kdig +https (HTTP/2 POST) and
# +https-get, curl --doh-url (curl's own DoH resolver), curl --http1.1 (DoH GET over
# HTTP/1.1), a real Unbound upstream. Covers: a blocked name NXDOMAIN with its EDE over
# each transport; an allowed name answered; an opted-out client (127.0.0.3) answered over
# each; DoT queries pipelined on one connection; a TLS session resumed; Cache-Control max-age from the answer's TTL; 404 on another path; the certificate
# replaced and reloaded on SIGHUP while a DoT connection stays open and keeps being
# answered, and new connections get the new certificate; a DoT and an HTTP/2 DoH
# connection that went idle (their TLS buffers and HTTP/2 frame buffer given back, seen in
# connections_idle_total) answered again on the same connection; the TLS 1.3 records
# sealed and opened by the service after OpenSSL's handshake (tls_handovers_total), a TLS
# 1.2 client still answered through OpenSSL, 2,000 pipelined answers and a DoH one
# whole through sends cut short and refused (LD_PRELOAD tests/lib/short_send.c), a forged
# record refused and counted; a connection whose output never moves closed after
# dns.idle-timeout, half-closed or not; dns.tls-records = openssl leaving every record to
# OpenSSL.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound kdig curl openssl python3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport); DOT=$(freeport); DOH=$(freeport); MET=$(freeport)

cert() { # cert NAME CN: a self-signed certificate and key for 127.0.0.1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$2" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$1.key" -out "$1.pem" 2>/dev/null || die "openssl req"
	chmod 600 "$1.key"
}
cert first ispshield-first
cp first.pem tls.pem && cp first.key tls.key

cat >conf <<C
[core]
store = $work/var/t.db
[dns]
listen = 127.0.0.1:$DNS
tls-listen = 127.0.0.1:$DOT
https-listen = 127.0.0.1:$DOH
tls-cert = $work/tls.pem
tls-key = $work/tls.key
upstream = 127.0.0.1:$UP
subscribers = 127.0.0.0/8
opt-out = $work/optout.txt
metrics = 127.0.0.1:$MET
C
echo "127.0.0.3/32" >optout.txt
isp() { "$bin" -q -c "$work/conf" "$@"; }
printf 'cc1.botnet.example\n' >c2.txt
isp lists import --list c2 --kind domain c2.txt && isp lists compile || die "lists"

{ unbound_conf "$UP"; cat <<U
  local-zone: "example." static
  local-data: "www.good.example. 300 IN A 127.0.0.1"
  local-data: "cc1.botnet.example. 300 IN A 192.0.2.66"
  local-zone: "." refuse
U
} >up.conf
unbound -c up.conf >up.out 2>&1 &
pids+=($!)
"$bin" -q -c "$work/conf" dns >dns.out 2>&1 &
dns_pid=$!
pids+=("$dns_pid")
wait_dns "$DNS" "www.good.example A" || die "dns did not come up: $(cat dns.out)"
wait_tcp "$DOT" && wait_tcp "$DOH" || die "DoT/DoH not listening: $(cat dns.out)"

dot() { kdig +tls +tls-hostname=127.0.0.1 +tls-ca=first.pem -p "$DOT" @127.0.0.1 "$@" 2>&1; }
doh() { kdig +https=/dns-query +tls-ca=first.pem +tls-hostname=127.0.0.1 -p "$DOH" @127.0.0.1 "$@" 2>&1; }
EDE='blocked by ispshield list c2: cc1.botnet.example'

# ---- DoT
out=$(dot +edns www.good.example A)
check "DoT: allowed name answered" grep -qE '^www\.good\.example\..*A[[:space:]]+127\.0\.0\.1' <<<"$out"
check "DoT: ALPN dot, TLS" grep -qE 'TLS1\.[23]' <<<"$out"
out=$(dot +edns cc1.botnet.example A)
check "DoT: blocked name NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"
check "DoT: EDE names list and entry" grep -qF "$EDE" <<<"$out"
out=$(dot -b 127.0.0.3 +edns cc1.botnet.example A)
check "DoT: opted-out client answered" grep -qE '^cc1\.botnet\.example\..*192\.0\.2\.66' <<<"$out"

# ---- DoH over HTTP/2 (kdig: POST, and GET)
out=$(doh +edns www.good.example A)
check "DoH h2 POST: allowed name answered" grep -qE '^www\.good\.example\..*127\.0\.0\.1' <<<"$out"
out=$(doh +edns cc1.botnet.example A)
check "DoH h2 POST: blocked NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"
check "DoH h2 POST: EDE" grep -qF "$EDE" <<<"$out"
out=$(doh +https-get +edns cc1.botnet.example A)
check "DoH h2 GET: blocked NXDOMAIN with EDE" grep -qF "$EDE" <<<"$out"
out=$(doh -b 127.0.0.3 +edns cc1.botnet.example A)
check "DoH h2: opted-out client answered" grep -qE '^cc1\.botnet\.example\..*192\.0\.2\.66' <<<"$out"

# ---- curl's own DoH resolver (HTTP/2 POST): a blocked name does not resolve (exit 6);
# an allowed one resolves to 127.0.0.1 and curl goes on to connect (to a closed port: 7)
curl -s --doh-url "https://127.0.0.1:$DOH/dns-query" --doh-insecure --max-time 5 \
	"http://cc1.botnet.example:$UP/" >/dev/null 2>&1
eq "$?" 6 "curl --doh-url: blocked name does not resolve"
curl -s --doh-url "https://127.0.0.1:$DOH/dns-query" --doh-insecure --max-time 5 \
	"http://www.good.example:$(freeport)/" >/dev/null 2>&1
eq "$?" 7 "curl --doh-url: allowed name resolves (then the connection is refused)"

# ---- DoH over HTTP/1.1 (curl GET ?dns=): rcode from the header, Cache-Control from the TTL
# the two queries (A, ID 0) base64url for GET, and the blocked one raw for POST: one python
read -r good64 bad64 < <(python3 -c 'import base64,struct,sys
def q(name):
    n=b"".join(bytes([len(l)])+l.encode() for l in name.split("."))+b"\0"
    return struct.pack(">HHHHHH",0,0x0100,1,0,0,0)+n+struct.pack(">HH",1,1)
open("q.bin","wb").write(q("cc1.botnet.example"))
print(*(base64.urlsafe_b64encode(q(n)).decode().rstrip("=") for n in sys.argv[1:]))' \
	www.good.example cc1.botnet.example)
h1() { curl -s --http1.1 --cacert first.pem -D hdr -o body "$@"; }
rcode() { echo $(($(od -An -tu1 -j3 -N1 body) & 15)); }
h1 "https://127.0.0.1:$DOH/dns-query?dns=$good64"
check "DoH h1 GET: 200 application/dns-message" grep -qi '^content-type: application/dns-message' hdr
check "DoH h1 GET: max-age = the answer's TTL (300, or less once cached)" \
	grep -qiE '^cache-control: max-age=(300|29[0-9])' hdr
eq "$(rcode)" 0 "DoH h1 GET: allowed NOERROR"
h1 "https://127.0.0.1:$DOH/dns-query?dns=$bad64"
eq "$(rcode)" 3 "DoH h1 GET: blocked NXDOMAIN"
check "DoH h1 GET: blocked answer's max-age = block-ttl (60)" grep -qi '^cache-control: max-age=60' hdr
h1 --interface 127.0.0.3 "https://127.0.0.1:$DOH/dns-query?dns=$bad64"
eq "$(rcode)" 0 "DoH h1 GET: opted-out client answered"
h1 -H 'Content-Type: application/dns-message' --data-binary @q.bin "https://127.0.0.1:$DOH/dns-query"
eq "$(rcode)" 3 "DoH h1 POST: blocked NXDOMAIN"
h1 "https://127.0.0.1:$DOH/other?dns=$good64"
check "DoH: another path is 404" grep -q '^HTTP/1.1 404' hdr
h1 "https://127.0.0.1:$DOH/dns-query?dns=!!"
check "DoH: bad base64url is 400" grep -q '^HTTP/1.1 400' hdr

# ---- certificate reload on SIGHUP, a DoT connection open across it
cert second ispshield-second
python3 - "$DOT" first.pem go >reload.out 2>&1 <<'P' &
import os, socket, ssl, struct, sys, time
port, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca); ctx.set_alpn_protocols(["dot"])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                    server_hostname="127.0.0.1")
buf = b""
def read(n):
    global buf
    while len(buf) < n: buf += s.recv(4096)
    r, buf = buf[:n], buf[n:]
    return r
def ask(*names):  # pipelined: every query sent, then the answers read: "id:rcode" sorted
    for qid, name in enumerate(names, 1):
        n = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
        q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + n + struct.pack(">HH", 1, 1)
        s.sendall(struct.pack(">H", len(q)) + q)
    out = []
    for _ in names:
        m = read(struct.unpack(">H", read(2))[0])
        out.append("%d:%d" % (struct.unpack(">H", m[:2])[0], m[3] & 15))
    return " ".join(sorted(out))
print("before", s.selected_alpn_protocol(), ask("www.good.example", "cc1.botnet.example"), flush=True)
# session resumption: a second connection with the first one's session (its ticket came
# with the answers)
s2 = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                     server_hostname="127.0.0.1", session=s.session)
print("resumed", s2.session_reused, s2.version(), flush=True)
s2.close()
for _ in range(400):  # the test reloads, then creates the file go (at most 20 s)
    if os.path.exists(go): break
    time.sleep(0.05)
print("after", ask("cc1.botnet.example"), flush=True)
P
pids+=($!)
py=$!
wait_log reload.out "before dot 1:0 2:3" || bad "DoT connection before the reload: $(cat reload.out)"
wait_log reload.out "resumed True" || bad "DoT session not resumed: $(cat reload.out)"
cp second.pem tls.pem && cp second.key tls.key
kill -HUP "$dns_pid"
wait_log dns.out "TLS certificate reloaded" || bad "no reload: $(cat dns.out)"
subject_is() { openssl s_client -connect "127.0.0.1:$DOT" -alpn dot </dev/null 2>/dev/null | grep -q "^subject=CN = $1"; }
check "after SIGHUP new connections get the new certificate" until_ok subject_is ispshield-second
: >go
wait "$py"
check "the DoT connection opened before the reload is still answered" grep -q '^after 1:3$' reload.out
echo "bad" >tls.key
kill -HUP "$dns_pid"
wait_log dns.out "TLS certificate reload failed" || bad "a bad key was not refused"
out=$(kdig +tls +tls-ca=second.pem +tls-hostname=127.0.0.1 -p "$DOT" @127.0.0.1 www.good.example A 2>&1)
check "a failed reload keeps the old certificate serving" grep -q 'status: NOERROR' <<<"$out"

# ---- idle connections give their buffers back, then are answered again
idle_count() { curl -s "127.0.0.1:$MET/metrics" | awk '$1 == "ispshield_dns_connections_idle_total" {print $2}'; }
idle0=$(idle_count)
python3 - "$DOT" "$DOH" go2 >idle.out 2>&1 <<'P' &
import os, socket, ssl, struct, sys, time
dot, doh, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def tls(port, alpn):
    ctx = ssl.create_default_context(); ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE; ctx.set_alpn_protocols([alpn])
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
def query(name):
    n = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + n + struct.pack(">HH", 1, 1)
def read(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise EOFError("closed")
        b += c
    return b
def frame(t, fl, sid, p): return struct.pack(">I", len(p))[1:] + bytes([t, fl]) + struct.pack(">I", sid) + p
def lit(k, v): return b"\0" + bytes([len(k)]) + k.encode() + bytes([len(v)]) + v.encode()
def dot_ask(s, name):
    q = query(name); s.sendall(struct.pack(">H", len(q)) + q)
    return read(s, struct.unpack(">H", read(s, 2))[0])[3] & 15
def h2_ask(s, sid, name, upd):
    import base64
    path = "/dns-query?dns=" + base64.urlsafe_b64encode(query(name)).rstrip(b"=").decode()
    hb = upd + lit(":method", "GET") + lit(":scheme", "https") + lit(":authority", "x") + lit(":path", path)
    s.sendall(frame(1, 5, sid, hb))
    body, settings = b"", False
    while True:
        h = read(s, 9); n = int.from_bytes(h[:3], "big"); p = read(s, n)
        if h[3] == 4 and not h[4] & 1: settings = True
        if h[3] == 7: raise EOFError("GOAWAY")
        if int.from_bytes(h[5:9], "big") == sid and h[3] == 0: body += p
        if int.from_bytes(h[5:9], "big") == sid and h[3] in (0, 1) and h[4] & 1: break
    if settings: s.sendall(frame(4, 1, 0, b""))  # ack the server's SETTINGS
    return body[3] & 15
a = tls(dot, "dot"); b = tls(doh, "h2")
b.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
print("first", dot_ask(a, "cc1.botnet.example"), h2_ask(b, 1, "cc1.botnet.example", b""), flush=True)
for _ in range(600):  # the test creates the file go once both went idle (at most 30 s)
    if os.path.exists(go): break
    time.sleep(0.05)
# the table size we acked (SETTINGS_HEADER_TABLE_SIZE 1024) is said first (RFC 7541 4.2)
print("again", dot_ask(a, "www.good.example"), h2_ask(b, 3, "www.good.example", b"\x3f\xe1\x07"), flush=True)
P
py=$!
pids+=("$py")
wait_log idle.out "first 3 3" || bad "DoT/DoH before idle: $(cat idle.out)"
idle_grew() { [ "$(idle_count)" -ge $((idle0 + 2)) ]; }
check "idle DoT and DoH connections gave their buffers back (connections_idle_total)" until_ok idle_grew
: >go2
wait "$py"
check "DoT and DoH connections answered again after idle" grep -q '^again 0 0$' idle.out

# ---- TLS 1.3 records are the service's own after the handshake (tlsrec.h): every client
# above was taken over; a TLS 1.2 client stays with OpenSSL and is answered; a forged
# record after a TLS 1.3 handshake is refused and its connection closed
metric() { curl -s "127.0.0.1:$MET/metrics" | awk -v m="ispshield_dns_$1" '$1 == m {print $2}'; }
# a second service whose every send(2) on a stream is cut to 700 bytes or refused with
# EAGAIN (tests/lib/short_send.c): sealed records wait and go out in pieces
DNS2=$(freeport); DOT2=$(freeport); DOH2=$(freeport)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD="${ISP_SHORT_SEND:?}" \
	SHORT_SEND=700 SHORT_SEND_LOG="$work/short.log" "$bin" -q -c "$work/conf" \
	-o dns.listen=127.0.0.1:$DNS2 -o dns.tls-listen=127.0.0.1:$DOT2 \
	-o dns.https-listen=127.0.0.1:$DOH2 -o dns.metrics= -o dns.tls-cert="$work/first.pem" \
	-o dns.tls-key="$work/first.key" dns >dns2.out 2>&1 &
pids+=($!)
wait_dns "$DNS2" "www.good.example A" || die "second dns did not come up: $(cat dns2.out)"
wait_tcp "$DOT2" && wait_tcp "$DOH2" || die "second DoT/DoH not listening: $(cat dns2.out)"
python3 - "$DOT" "$DOT2" >tlsown.out 2>&1 <<'P'
import os, socket, ssl, struct, sys
port, port2 = int(sys.argv[1]), int(sys.argv[2])
def ctx(maxv=None):
    c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
    c.set_alpn_protocols(["dot"])
    if maxv: c.maximum_version = maxv
    return c
def query(name):
    n = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + n + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(q)) + q
s = ctx(ssl.TLSVersion.TLSv1_2).wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
def read(n):
    b = b""
    while len(b) < n: b += s.recv(n - len(b))
    return b
rc = []
for name in ("cc1.botnet.example", "www.good.example"):
    s.sendall(query(name)); rc.append(read(struct.unpack(">H", read(2))[0])[3] & 15)
print("tls12", s.version(), *rc, flush=True)
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
o = ctx().wrap_bio(inc, out)
def pump():  # what o wrote goes out; what came in goes to o
    raw.sendall(out.read()); d = raw.recv(65536)
    if not d: raise EOFError("closed")
    inc.write(d)
while True:
    try: o.do_handshake(); break
    except ssl.SSLWantReadError: pump()
o.write(query("www.good.example")); raw.sendall(out.read())
ans = b""
while len(ans) < 4:
    try: ans += o.read(4096)
    except ssl.SSLWantReadError: pump()
print("tls13", o.version(), ans[5] & 15, flush=True)
# 2,000 pipelined queries, nothing read until all are sent, to the service whose sends
# are cut short: every answer comes back whole, in order of the records
b = ctx().wrap_socket(socket.create_connection(("127.0.0.1", port2), timeout=20))
q1 = query("cc1.botnet.example")  # blocked: answered here, no upstream
qs = b"".join(q1[:2] + struct.pack(">H", i) + q1[4:] for i in range(2000))
b.sendall(qs)
got, buf = set(), b""
while len(got) < 2000:
    d = b.recv(65536)
    if not d: break
    buf += d
    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
        n = struct.unpack(">H", buf[:2])[0]; m = buf[2:2 + n]; buf = buf[2 + n:]
        if m[3] & 15 == 3: got.add(struct.unpack(">H", m[:2])[0])
print("backlog", len(got), flush=True)
raw.sendall(bytes([23, 3, 3, 0, 32]) + os.urandom(32))  # a record no key sealed
got = b""
while True:  # the server's alert, then the end
    try: d = raw.recv(4096)
    except ConnectionResetError: d = b""
    if not d: break
    got += d
inc.write(got); inc.write_eof()
try: o.read(4096); why = "no alert"
except ssl.SSLError as e: why = e.reason
print("forged record: closed,", why, flush=True)
P
check "a TLS 1.2 DoT client is answered (OpenSSL's records)" grep -q '^tls12 TLSv1.2 3 0$' tlsown.out
check "a TLS 1.3 DoT client is answered (our records)" grep -q '^tls13 TLSv1.3 0$' tlsown.out
check "2,000 pipelined answers come back whole through cut-short sends" grep -q '^backlog 2000$' tlsown.out
out=$(kdig +https=/dns-query +tls-ca=first.pem +tls-hostname=127.0.0.1 -p "$DOH2" @127.0.0.1 www.good.example A 2>&1)
check "DoH through cut-short sends answered" grep -qE '^www\.good\.example\..*127\.0\.0\.1' <<<"$out"
check "sends were cut short and refused (the injection took effect)" \
	bash -c "grep -q '^short\$' '$work/short.log' && grep -q '^again\$' '$work/short.log'"
check "a forged record closes its connection, with a bad_record_mac alert" \
	grep -q '^forged record: closed, SSLV3_ALERT_BAD_RECORD_MAC$' tlsown.out
handed() { [ "$(metric tls_handovers_total)" -ge 6 ]; }
check "TLS 1.3 connections were handed over from OpenSSL (tls_handovers_total)" until_ok handed
refused() { [ "$(metric tls_records_refused_total)" = 1 ]; }
check "the forged record was counted (tls_records_refused_total 1)" until_ok refused

# ---- a client that stops reading and ends its side while its answer waits: output that
# never moves (every send refused: SHORT_SEND=stall) closes the connection after
# dns.idle-timeout (1 s here), half-closed or not
DNS4=$(freeport); DOT4=$(freeport)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD="$ISP_SHORT_SEND" \
	SHORT_SEND=stall SHORT_SEND_LOG="$work/stall.log" "$bin" -q -c "$work/conf" \
	-o dns.listen=127.0.0.1:$DNS4 -o dns.tls-listen=127.0.0.1:$DOT4 -o dns.https-listen= \
	-o dns.metrics= -o dns.idle-timeout=1 -o dns.tls-cert="$work/first.pem" \
	-o dns.tls-key="$work/first.key" dns >dns4.out 2>&1 &
pids+=($!)
wait_dns "$DNS4" "www.good.example A" || die "fourth dns did not come up: $(cat dns4.out)"
wait_tcp "$DOT4" || die "fourth DoT not listening: $(cat dns4.out)"
python3 - "$DOT4" >stall.out 2>&1 <<'P'
import socket, ssl, struct, sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
n = b"\3cc1\6botnet\7example\0"
q = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + n + struct.pack(">HH", 1, 1)
for half in (False, True):
    s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30))
    s.sendall(struct.pack(">H", len(q)) + q)
    if half: socket.socket.shutdown(s, socket.SHUT_WR)  # TCP's FIN; TLS stays on
    try: end = "closed" if s.recv(4096) == b"" else "data"
    except socket.timeout: end = "still open"
    except (ssl.SSLError, OSError): end = "closed"
    print("half-closed" if half else "open", end, flush=True)
P
check "output that never moves: the connection is closed" grep -q '^open closed$' stall.out
check "the same after the client ended its side" grep -q '^half-closed closed$' stall.out
check "every send was refused (the injection took effect)" grep -q '^stall$' stall.log

# ---- dns.tls-records = openssl: every record left to OpenSSL (the switch back)
DNS3=$(freeport); DOT3=$(freeport); MET3=$(freeport)
"$bin" -q -c "$work/conf" -o dns.listen=127.0.0.1:$DNS3 -o dns.tls-listen=127.0.0.1:$DOT3 \
	-o dns.https-listen= -o dns.metrics=127.0.0.1:$MET3 -o dns.tls-records=openssl \
	-o dns.tls-cert="$work/first.pem" -o dns.tls-key="$work/first.key" dns >dns3.out 2>&1 &
pids+=($!)
wait_dns "$DNS3" "www.good.example A" || die "third dns did not come up: $(cat dns3.out)"
wait_tcp "$DOT3" || die "third DoT not listening: $(cat dns3.out)"
out=$(kdig +tls +tls-hostname=127.0.0.1 +tls-ca=first.pem -p "$DOT3" @127.0.0.1 cc1.botnet.example A 2>&1)
check "tls-records = openssl: DoT answered" grep -q 'status: NXDOMAIN' <<<"$out"
eq "$(curl -s "127.0.0.1:$MET3/metrics" | awk '$1 == "ispshield_dns_tls_handovers_total" {print $2}')" 0 \
	"tls-records = openssl: no connection handed over"

finish dns_encrypted
