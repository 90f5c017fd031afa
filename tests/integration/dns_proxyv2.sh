#!/usr/bin/env bash
# dns_proxyv2.sh -- `ispshield dns` behind a real dnsdist (Debian) that passes the
# subscriber's address in a PROXY v2 header (useProxyProtocol), over UDP and TCP
# (issue 21): the subscriber's own address (dig -b 127.0.0.7), not dnsdist's
# (127.0.0.1), is the one in the block event, the one the ACL refuses (127.0.0.9) and the
# one the opt-out file lets through (127.0.0.8). A header from an untrusted address (a
# subscriber, 127.0.0.7, straight to the service, claiming to be the opted-out 127.0.0.8)
# is refused over UDP and TCP, and a datagram from the terminator without one, or with a
# malformed one, is dropped: each counted on /metrics, none served.
# DoT: dnsdist with a DoT backend puts the header as the first bytes inside TLS; a TCP
# terminator (HAProxy send-proxy-v2) puts it before the TLS handshake (python here): both
# name the subscriber; an untrusted sender's header, before or inside TLS, is refused.
# DoH: the header before TLS (then an HTTP/1.1 GET) names the subscriber too.
# dnsdist's security poll is turned off (it would ask a resolver outside this machine).
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound dig sqlite3 curl python3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
command -v dnsdist >/dev/null || { echo "skip: no dnsdist (scripts/deps.sh test installs it)"; exit 77; }
UP=$(freeport); DNS=$(freeport); DD=$(freeport); MET=$(freeport); DOT=$(freeport); DD2=$(freeport)
DOH=$(freeport)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=t \
	-addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.pem 2>/dev/null || die "openssl req"
chmod 600 tls.key

printf '%s.example\n' bad t.bad u.bad z.bad forged.bad v6.bad d.bad h.bad f1.bad f2.bad hd.bad >list.txt
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list c2 --kind domain list.txt 2>err.txt || die "import: $(cat err.txt)"
isp -q lists compile || die "compile"
printf '127.0.0.8/32\n' >optout.txt

{ unbound_conf "$UP"; cat <<U
  local-zone: "example." static
  local-data: "bad.example. 300 IN A 10.0.0.66"
  local-data: "t.bad.example. 300 IN A 10.0.0.66"
  local-data: "u.bad.example. 300 IN A 10.0.0.66"
  local-data: "forged.bad.example. 300 IN A 10.0.0.66"
  local-data: "clean.example. 300 IN A 10.0.0.1"
U
} >up.conf
unbound -c up.conf >up.out 2>&1 &
pids+=($!)
"$bin" --store "$work/var/t.db" -o core.log-blocks=each dns --proxy-protocol-from 127.0.0.1/32 \
	--listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" --metrics "127.0.0.1:$MET" \
	--tls-listen "127.0.0.1:$DOT" --https-listen "127.0.0.1:$DOH" --tls-cert tls.pem --tls-key tls.key \
	--subscribers "127.0.0.7/32, 127.0.0.8/32, 2001:db8::7/128" --opt-out optout.txt >dns.out 2>&1 &
pids+=($!)
cat >dd.conf <<D
setSecurityPollSuffix("")
setLocal("127.0.0.1:$DD")
setACL({"127.0.0.0/8"})
newServer({address="127.0.0.1:$DNS", useProxyProtocol=true})
getServer(0):setUp()
addLocal("127.0.0.1:$DD2")
newServer({address="127.0.0.1:$DOT", tls="openssl", subjectName="127.0.0.1", validateCertificates=false, useProxyProtocol=true, pool="dot"})
getServer(1):setUp()
addAction(DSTPortRule($DD2), PoolAction("dot"))
D
dnsdist --supervised --disable-syslog -C dd.conf >dd.out 2>&1 &
pids+=($!)
wait_udp "$UP" || die "unbound did not start: $(cat up.out)"
wait_tcp "$DNS" || die "dns did not start: $(cat dns.out)"
wait_tcp "$DD" || die "dnsdist did not start: $(cat dd.out)"

q() { dig +tries=1 +time=3 -p "$DD" @127.0.0.1 "$@"; }
met() { curl -s "http://127.0.0.1:$MET/metrics" | sed -n "s/^ispshield_dns_$1 //p"; }
ev() { sqlite3 var/t.db "select client from block_events where qname='$1'"; }

# ---- through dnsdist: the subscriber behind the header is the client
out=$(q -b 127.0.0.7 bad.example A)
check "udp via dnsdist: listed name blocked" grep -q 'status: NXDOMAIN' <<<"$out"
check "udp via dnsdist: block event names the subscriber" until_eq 127.0.0.7 ev bad.example
out=$(q -b 127.0.0.7 clean.example A)
check "udp via dnsdist: clean name answered" grep -q '10.0.0.1' <<<"$out"
out=$(q +tcp -b 127.0.0.7 t.bad.example A)
check "tcp via dnsdist: listed name blocked" grep -q 'status: NXDOMAIN' <<<"$out"
check "tcp via dnsdist: block event names the subscriber" until_eq 127.0.0.7 ev t.bad.example
out=$(q -b 127.0.0.9 bad.example A)
check "ACL on the header's address: 127.0.0.9 refused" grep -q 'status: REFUSED' <<<"$out"
out=$(q -b 127.0.0.8 u.bad.example A)
check "opt-out on the header's address: 127.0.0.8 answered" grep -q '10.0.0.66' <<<"$out"
has dns.out "client=127.0.0.7 "
hasnt dns.out "client=127.0.0.1 "

# ---- an IPv6 subscriber behind an IPv4 terminator (a header of family INET6 from
# 127.0.0.1): answered to the terminator, recorded under the subscriber's address
python3 - "$DNS" <<'P' || bad "IPv6 header: no NXDOMAIN back to the terminator"
import socket, struct, sys
port = int(sys.argv[1])
q = struct.pack(">HHHHHH", 0x4343, 0x0100, 1, 0, 0, 0) + b"\2v6\3bad\7example\0\0\1\0\1"
hdr = b"\r\n\r\n\0\r\nQUIT\n\x21\x22" + struct.pack(">H", 36) \
    + socket.inet_pton(socket.AF_INET6, "2001:db8::7") + socket.inet_pton(socket.AF_INET6, "2001:db8::53") \
    + struct.pack(">HH", 40000, 53)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(10)  # a bound, not a wait: the answer comes at once
u.bind(("127.0.0.1", 0))
u.sendto(hdr + q, ("127.0.0.1", port))
a = u.recv(4096)
sys.exit(0 if a[:2] == b"\x43\x43" and a[3] & 0xf == 3 else 1)
P
check "IPv6 subscriber's block event" until_eq 2001:db8::7 ev v6.bad.example

# ---- a header from anyone else is refused; none from the terminator is dropped
python3 - "$DNS" <<'P' || bad "forged header: the service answered or kept the connection"
import socket, struct, sys
port = int(sys.argv[1])
def query(name):
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    for l in name.split("."):
        q += bytes([len(l)]) + l.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
sig = b"\r\n\r\n\0\r\nQUIT\n"
hdr = lambda t: sig + bytes([0x21, t]) + struct.pack(">H", 12) + socket.inet_aton("127.0.0.8") \
    + socket.inet_aton("127.0.0.1") + struct.pack(">HH", 5353, port)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.7", 0))
u.sendto(hdr(0x12) + query("forged.bad.example"), ("127.0.0.1", port))
t = socket.socket()
t.settimeout(10)  # a bound, not a wait: the service closes at once
t.bind(("127.0.0.7", 0))
t.connect(("127.0.0.1", port))
m = query("forged.bad.example")
t.sendall(hdr(0x11) + struct.pack(">H", len(m)) + m)
try:
    got = t.recv(100)
except ConnectionResetError:
    got = b""
sys.exit(0 if got == b"" else 1)  # closed, nothing answered
P
python3 - "$DNS" <<'P'
import socket, struct, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
q = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\3bad\7example\0\0\1\0\1"
u.sendto(q, ("127.0.0.1", int(sys.argv[1])))  # no header
# a header of version 1 (the v2 signature, then 0x11)
u.sendto(b"\r\n\r\n\0\r\nQUIT\n\x11\x12\x00\x00" + q, ("127.0.0.1", int(sys.argv[1])))
P
check "untrusted header refused over UDP and TCP (counted)" until_eq 2 met proxy_untrusted_total
check "terminator without a header dropped (counted)" until_eq 1 met proxy_missing_total
check "terminator with a malformed header dropped (counted)" until_eq 1 met proxy_malformed_total
# one worker, one ring: once a later event is stored, a forged one would be too
q -b 127.0.0.7 z.bad.example A >/dev/null
check "a later block is recorded" until_eq 127.0.0.7 ev z.bad.example
eq "$(ev forged.bad.example)" "" "no block event from a forged header"

# ---- DoT: dnsdist's DoT backend (the header inside TLS), a TCP terminator (before TLS)
out=$(dig +tries=1 +time=3 -p "$DD2" @127.0.0.1 -b 127.0.0.7 d.bad.example A)
check "dot via dnsdist: listed name blocked" grep -q 'status: NXDOMAIN' <<<"$out"
check "dot via dnsdist: block event names the subscriber" until_eq 127.0.0.7 ev d.bad.example
python3 - "$DOT" "$DOH" <<'P' || bad "header before TLS: the service did not answer NXDOMAIN"
import base64, socket, ssl, struct, sys
port, doh = int(sys.argv[1]), int(sys.argv[2])
def query(name):
    q = struct.pack(">HHHHHH", 0x4444, 0x0100, 1, 0, 0, 0)
    for l in name.split("."):
        q += bytes([len(l)]) + l.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(q)) + q
hdr = lambda src: b"\r\n\r\n\0\r\nQUIT\n\x21\x11" + struct.pack(">H", 12) + socket.inet_aton(src) \
    + socket.inet_aton("127.0.0.1") + struct.pack(">HH", 40000, port)
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
ctx.set_alpn_protocols(["dot"])
def dot(bind, before, name, inside=b""):
    t = socket.socket()
    t.settimeout(10)  # a bound, not a wait
    t.bind((bind, 0))
    t.connect(("127.0.0.1", port))
    t.sendall(before)
    try:
        s = ctx.wrap_socket(t)
        s.sendall(inside + query(name))
        a = s.recv(4096)
    except (ssl.SSLError, ConnectionError):
        return None  # refused
    return a[5] & 0xF if len(a) > 5 else None  # closed: refused
ok = dot("127.0.0.1", hdr("127.0.0.7"), "h.bad.example") == 3  # the terminator: NXDOMAIN
ok &= dot("127.0.0.7", hdr("127.0.0.8"), "f1.bad.example") is None  # untrusted, before TLS
ok &= dot("127.0.0.7", b"", "f2.bad.example", hdr("127.0.0.8")) is None  # untrusted, inside
# DoH: the header, TLS (ALPN http/1.1), one GET
t = socket.create_connection(("127.0.0.1", doh), timeout=10)  # a bound, not a wait
t.sendall(hdr("127.0.0.7"))
ctx.set_alpn_protocols(["http/1.1"])
s = ctx.wrap_socket(t)
q = base64.urlsafe_b64encode(query("hd.bad.example")[2:]).rstrip(b"=").decode()
s.sendall(f"GET /dns-query?dns={q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
r = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    r += b
body = r.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in r else b""
ok &= r.startswith(b"HTTP/1.1 200") and len(body) > 3 and body[3] & 0xF == 3
sys.exit(0 if ok else 1)
P
check "dot, header before TLS: block event names the subscriber" until_eq 127.0.0.7 ev h.bad.example
check "doh, header before TLS: block event names the subscriber" until_eq 127.0.0.7 ev hd.bad.example
check "dot: untrusted headers refused before and inside TLS (counted)" until_eq 4 met proxy_untrusted_total
q -b 127.0.0.7 z2.bad.example A >/dev/null
eq "$(ev f1.bad.example)$(ev f2.bad.example)" "" "no block event from a forged header over DoT"
finish dns_proxyv2
