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

for tool in named kdig dig python3; do
	command -v "$tool" >/dev/null || { echo "skip: $tool not found (Debian: bind9, knot-dnsutils, bind9-dnsutils)"; exit 77; }
done

isp() { "$bin" --store "$work/s.db" --snapshot "$work/s.snap" "$@"; }
on_exit() { [ -z "${RPZ_KEEP:-}" ] || cp -r "$work" "$RPZ_KEEP"; [ "$failed" -eq 0 ] || { echo "--- rpz.log"; cat rpz.log; echo "--- named.log"; tail -30 named.log; } >&2; }

# ---- 1. lists, the service ----------------------------------------------------------------
printf 'evil.example\n*.bad.example\ngone.example\n' >dom.txt
printf '192.0.2.0/24\n2001:db8::1\n' >ips.txt
isp lists import --list dom --kind domain --format plain dom.txt 2>/dev/null || die "import dom"
isp lists import --list ips --kind ip --format plain ips.txt 2>/dev/null || die "import ips"
isp lists allow add good.bad.example --reason test 2>/dev/null || die "allow add"
isp lists compile 2>/dev/null || die "compile"

K1=$(cat "$src/tests/data/rpz/k1.secret")
install -m 600 "$src/tests/data/rpz/k1.secret" k1.key
head -c 32 /dev/urandom | base64 >other.key
chmod 600 other.key
RP=$(freeport)
NP=$(freeport)
isp rpz --listen "127.0.0.1:$RP" --zone rpz.test:dom+ips --tsig k1:hmac-sha256:k1.key \
	--tsig k2:hmac-sha512:other.key --allow key:k1 --notify "127.0.0.1:$NP" >rpz.log 2>&1 &
pids+=($!)
wait_tcp "$RP"

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
cat >named/example.db <<Z
\$TTL 60
@ IN SOA ns.example. h.example. 1 3600 600 86400 60
  IN NS ns.example.
ns IN A 192.0.2.53
evil IN A 198.51.100.1
gone IN A 198.51.100.2
new IN A 198.51.100.3
keep IN A 198.51.100.4
x.bad IN A 198.51.100.5
good.bad IN A 198.51.100.6
inlisted IN A 192.0.2.7
Z
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
q() { dig +tries=1 +time=2 -p "$NP" @127.0.0.1 "$1" A | awk '/status:/ { sub(",", "", $6); print $6 }'; }
until_eq NXDOMAIN q evil.example || bad "BIND never blocked evil.example: $(q evil.example)"
eq "$(q x.bad.example)" NXDOMAIN "x.bad.example through BIND (wildcard)"
eq "$(q good.bad.example)" NOERROR "good.bad.example through BIND (allowlist: passthru)"
eq "$(q keep.example)" NOERROR "keep.example through BIND"
eq "$(q inlisted.example)" NXDOMAIN "inlisted.example through BIND (its address in 192.0.2.0/24: rpz-ip)"
eq "$(q gone.example)" NXDOMAIN "gone.example through BIND"
check "BIND's first transfer is an AXFR" wait_log named.log "requesting AXFR of initial version"

# ---- 4. a change: NOTIFY, IXFR ----------------------------------------------------------
printf 'evil.example\n*.bad.example\nnew.example\n' >dom.txt
isp lists import --list dom --format plain dom.txt 2>/dev/null || die "import dom (changed)"
isp lists compile 2>/dev/null || die "compile (changed)"
until_eq NXDOMAIN q new.example || bad "BIND never blocked new.example"
until_eq NOERROR q gone.example || bad "BIND still blocks gone.example"
check "NOTIFY acknowledged by BIND" wait_log rpz.log "acknowledged by 127.0.0.1"
has rpz.log "(incremental)"
check "BIND's log says IXFR" wait_log named.log "IXFR"
eq "$(q evil.example)" NXDOMAIN "evil.example still blocked after the change"

finish rpz
