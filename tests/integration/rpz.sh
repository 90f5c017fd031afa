#!/usr/bin/env bash
# rpz.sh -- `ispshield rpz` (issue 20) with real peers: kdig and BIND 9 as a TSIG secondary.
#
#   1. a domain list (exact, wildcard, an entry the allowlist covers) and an ip list,
#      compiled; `ispshield rpz` serves them as zone rpz.test with key k1 (the secret of
#      tests/data/rpz, so that kdig's captured requests there are ours);
#   2. kdig: SOA over UDP, a signed AXFR holding the exact trigger records (the allowed
#      name as rpz-passthru), a signed IXFR from the current serial (the SOA alone);
#      unsigned, wrongly-signed and unknown-key requests refused (REFUSED, BADSIG,
#      BADKEY), and a captured signed request replayed long after it was signed: BADTIME;
#   3. BIND 9 (named) as a secondary of the zone with key k1 and response-policy, and
#      primary of a local zone `example` holding every test name: dig through BIND sees
#      the listed names blocked (NXDOMAIN, also by answer address), the allowed one
#      answered;
#   4. the list changes (one name removed, one added), compile: ispshield NOTIFYs BIND,
#      BIND comes back for an IXFR, the incremental answer is served from the journal (our
#      log says so, BIND's says IXFR), and dig through BIND sees both changes.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test

. "$src/tests/integration/lib/rpzlib.sh"
rpz_need named kdig dig python3
on_exit() { [ -z "${RPZ_KEEP:-}" ] || cp -r "$work" "$RPZ_KEEP"; [ "$failed" -eq 0 ] || { echo "--- rpz.log"; cat rpz.log; echo "--- named.log"; tail -30 named.log; } >&2; }

# ---- 1. lists, the service ----------------------------------------------------------------
rpz_lists
head -c 32 /dev/urandom | base64 >other.key
chmod 600 other.key
RP=$(freeport)
NP=$(freeport)
FP=$(freeport)
# a hostile secondary: answers our signed NOTIFYs with its ID, but for another zone, then
# unsigned; neither may count as an acknowledgement
python3 - "$FP" >fake.out 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
for answer in ("other zone", "unsigned"):
    q, peer = s.recvfrom(4096)
    hdr = bytearray(q[:12])
    hdr[2] |= 0x80
    hdr[10:12] = b"\0\0"  # no TSIG
    body = q[12:12 + 4 + len(b"\x03rpz\x04test\x00")]
    if answer == "other zone":
        body = b"\x03rpz\x04tesu\x00" + body[-4:]
    s.sendto(bytes(hdr[:6]) + b"\0\0\0\0\0\0" + body, peer)
    print(answer, flush=True)
PY
pids+=($!)
"$bin" --store "$work/s.db" --snapshot "$work/s.snap" rpz --listen "127.0.0.1:$RP" --zone rpz.test:dom+ips --tsig k1:hmac-sha256:k1.key \
	--tsig k2:hmac-sha512:other.key --allow key:k1,127.0.0.3/32 --notify "key:k1@127.0.0.1:$NP,key:k1@127.0.0.1:$FP" \
	--member-rate 3 --idle-timeout 1 >rpz.log 2>&1 &
pids+=($!)
wait_tcp "$RP"

check "NOTIFY answer for another zone ignored" wait_log rpz.log "NOTIFY answer from 127.0.0.1:$FP ignored: another zone"
check "unsigned answer to a signed NOTIFY ignored" wait_log rpz.log "NOTIFY answer from 127.0.0.1:$FP ignored: TSIG missing or wrong"
hasnt rpz.log "acknowledged by 127.0.0.1:$FP"

# ---- 2. kdig ------------------------------------------------------------------------------
kd() { kdig +retry=0 +timeout=3 @127.0.0.1 -p "$RP" "$@"; }
serial=$(kd rpz.test SOA -y "hmac-sha256:k1:$K1" +short | awk 'NR == 1 {print $3}')
[[ "$serial" =~ ^[0-9]+$ ]] && ok "SOA over UDP, signed: serial $serial" || bad "no SOA over UDP"
kd rpz.test AXFR -y "hmac-sha256:k1:$K1" >axfr.txt 2>&1
expect_rr() { # FILE OWNER TYPE DATA
	if awk -v o="$2" -v t="$3" -v d="$4" '$1 == o && $4 == t && $5 == d { f = 1 } END { exit !f }' "$1"; then ok; else bad "$1 lacks $2 $3 $4"; fi
}
expect_rr axfr.txt evil.example.rpz.test. CNAME .
expect_rr axfr.txt '*.bad.example.rpz.test.' CNAME .
expect_rr axfr.txt good.bad.example.rpz.test. CNAME rpz-passthru.
expect_rr axfr.txt 24.0.2.0.192.rpz-ip.rpz.test. CNAME .
expect_rr axfr.txt 128.1.zz.db8.2001.rpz-ip.rpz.test. CNAME .
expect_rr axfr.txt rpz.test. NS localhost.
has axfr.txt "k1."
hasnt axfr.txt "WARNING"
eq "$(grep -c 'SOA' axfr.txt)" 2 "SOAs in the AXFR"
kd rpz.test IXFR="$serial" -y "hmac-sha256:k1:$K1" >ixfr0.txt 2>&1
eq "$(grep -c 'IN[[:space:]]*SOA' ixfr0.txt)" 1 "IXFR from the current serial: the SOA alone"
kd +notcp rpz.test IXFR=$((serial - 1)) -y "hmac-sha256:k1:$K1" >ixfrudp.txt 2>&1
eq "$(grep -c 'IN[[:space:]]*SOA' ixfrudp.txt)" 1 "IXFR over UDP: the SOA alone (come back over TCP)"
has ixfrudp.txt "UDP"
# the member 127.0.0.3/32 may start 3 transfers a minute (--member-rate 3): of a burst
# of 6 started at once, some are served and the rest refused (whatever the machine's
# speed: the bucket holds 3 and refills one each 20 s)
rp=()
for i in 1 2 3 4 5 6; do kd -b 127.0.0.3 rpz.test AXFR >"rate$i.txt" 2>&1 & rp+=($!); done
wait "${rp[@]}"
served=$(grep -l 'rpz.test.*SOA' rate?.txt | wc -l)
refused=$(grep -l REFUSED rate?.txt | wc -l)
check "member rate: served some of the burst ($served)" test "$served" -ge 1 -a "$served" -le 5
check "member rate: refused the rest ($refused)" test $((served + refused)) -eq 6
check "member rate: refusals logged" grep -q "AXFR of rpz.test from 127.0.0.3 refused: rate limit" rpz.log
# a connection that says nothing is closed after --idle-timeout
python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
print("closed" if s.recv(1) == b"" else "data")' "$RP" >idle.txt 2>&1
eq "$(cat idle.txt)" closed "an idle connection is closed"
check "idle: logged" wait_log rpz.log "idle, closed"
kd rpz.test AXFR >unsigned.txt 2>&1
has unsigned.txt "REFUSED"
kd rpz.test AXFR -y "hmac-sha256:k1:$(head -c 32 /dev/urandom | base64)" >badsig.txt 2>&1
has badsig.txt "BADSIG"
kd rpz.test AXFR -y "hmac-sha256:nokey:$K1" >badkey.txt 2>&1
has badkey.txt "BADKEY"
kd rpz.test AXFR -y "hmac-sha512:k2:$(cat other.key)" >notallowed.txt 2>&1
has notallowed.txt "REFUSED"
kd example A -y "hmac-sha256:k1:$K1" >other.txt 2>&1
has other.txt "REFUSED"
# a request kdig signed when the test data was made, replayed now: stale
python3 - "$RP" "$src/tests/data/rpz/axfr_k1.bin" >replay.txt <<'PY'
import socket, sys
q = open(sys.argv[2], "rb").read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(len(q).to_bytes(2, "big") + q)
n = int.from_bytes(s.recv(2), "big")
r = b""
while len(r) < n:
    r += s.recv(n - len(r))
print("rcode", r[3] & 15, "tsig-error", int.from_bytes(r[-10:-8], "big") if r[3] & 15 == 9 else 0)
PY
eq "$(cat replay.txt)" "rcode 9 tsig-error 18" "replayed request (NOTAUTH, BADTIME)"

# ---- 3. BIND 9 as a secondary with response-policy ---------------------------------------
mkdir named
rpz_names_zone >named/example.db
{
named_conf "$NP" 'recursion yes;' 'allow-recursion { 127.0.0.1; };' \
	'response-policy { zone "rpz.test" min-update-interval 0; };'
cat <<C
key "k1" { algorithm hmac-sha256; secret "$K1"; };
zone "rpz.test" {
	type secondary;
	primaries { 127.0.0.1 port $RP key k1; };
	file "rpz.test.db";
	request-ixfr yes;
};
zone "example" { type primary; file "example.db"; };
C
} >named.conf
named -c "$work/named.conf" -f -n 1 >named.out 2>&1 &
pids+=($!)
wait_dns "$NP" "keep.example A"
rpz_check_blocks BIND "$NP"
check "BIND's first transfer is an AXFR" wait_log named.log "requesting AXFR of initial version"

# ---- 4. a change: NOTIFY, IXFR ----------------------------------------------------------
rpz_change
rpz_check_change BIND "$NP"
check "signed NOTIFY acknowledged by BIND" wait_log rpz.log "acknowledged by 127.0.0.1:$NP (rcode 0, signed)"
has rpz.log "(incremental)"
check "BIND's log says IXFR" wait_log named.log "IXFR"

finish rpz
