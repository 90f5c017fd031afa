#!/usr/bin/env bash
# rpz_pull.sh -- `ispshield lists pull` (issue 20) against BIND 9 as the primary of an RPZ
# zone written here, transfers allowed with TSIG key k1 only, ixfr-from-differences on:
#
#   1. the first pull is an AXFR: the policies become entries (exact, wildcard, NODATA,
#      passthru, local data), the rpz-nsdname trigger is reported as unsupported and the
#      rpz-ip one as skipped (a domain list), each with the zone copy's FILE:LINE;
#   2. a pull with the serial unchanged does nothing ("current");
#   3. the zone file changes (one name removed, one added, serial 2) and BIND reloads it
#      (SIGHUP): the next pull is an IXFR (our output says so, and BIND's log), and the
#      list shows both changes; the history has the two imports;
#   4. a wrong secret is refused by BIND (BADSIG, named in our error), no key at all is
#      REFUSED, and neither changes the list;
#   5. `lists pull --watch` with the pull configured ([list.feed] pull, pull-tsig) and
#      pull.notify-listen: BIND's NOTIFY after the next change brings the IXFR at once
#      (the SOA refresh is an hour).
# RPZPULL_SEEDS=DIR: the pulls go through tests/data/rpzpull/relay.py, which writes each
# TCP conversation into DIR (the seeds of fuzz/fuzz_rpzpull.c).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test

for tool in named dig python3; do
	command -v "$tool" >/dev/null || { echo "skip: $tool not found (Debian: bind9, bind9-dnsutils)"; exit 77; }
done

isp() { "$bin" --store "$work/s.db" --snapshot "$work/s.snap" "$@"; }
on_exit() { [ "$failed" -eq 0 ] || { echo "--- named.log"; tail -30 named.log; } >&2; }

K1=$(cat "$src/tests/data/rpz/k1.secret")
install -m 600 "$src/tests/data/rpz/k1.secret" k1.key
head -c 32 /dev/urandom | base64 >wrong.key
chmod 600 wrong.key
NP=$(freeport)
WP=$(freeport)
mkdir named
zone() { # SERIAL RECORDS...
	printf '$TTL 60\n@ IN SOA ns.feed.test. h.feed.test. %s 3600 600 86400 60\n  IN NS ns.feed.test.\nns IN A 192.0.2.53\n' "$1"
	shift
	printf '%s\n' "$@"
}
base=('evil.example CNAME .' '*.bad.example CNAME .' 'ok.bad.example CNAME rpz-passthru.'
	'quiet.example CNAME *.' 'garden.example A 192.0.2.80' 'ns1.evil.rpz-nsdname CNAME .'
	'32.7.2.0.192.rpz-ip CNAME .')
zone 1 "${base[@]}" 'gone.example CNAME .' >named/feed.db
{
named_conf "$NP"
cat <<C
key "k1" { algorithm hmac-sha256; secret "$K1"; };
zone "feed.test" {
	type primary;
	file "feed.db";
	allow-transfer { key k1; };
	ixfr-from-differences yes;
	notify explicit;
	notify-delay 0;
	also-notify { 127.0.0.1 port $WP; };
};
C
} >named.conf
named -c "$work/named.conf" -f -n 1 >named.out 2>&1 &
pids+=($!)
wait_dns "$NP" "feed.test SOA"

PP=$NP
if [ -n "${RPZPULL_SEEDS:-}" ]; then
	PP=$(freeport)
	mkdir -p "$RPZPULL_SEEDS"
	python3 "$src/tests/data/rpzpull/relay.py" "$PP" "$NP" "$RPZPULL_SEEDS" &
	pids+=($!)
	wait_tcp "$PP"
fi
pull() { isp lists pull --list feed "$@" "127.0.0.1:$PP" feed.test; }

# ---- 1. AXFR ------------------------------------------------------------------------------
pull --kind domain --tsig k1:hmac-sha256:k1.key >p1.out 2>&1
eq "$?" 3 "first pull: exit 3 (records rejected or skipped)"
has p1.out "AXFR serial 0 -> 1"
line=$(grep -o 'pull/feed.zone:[0-9]*: RPZ trigger rpz-nsdname is not supported' p1.out | cut -d: -f2)
eq "$(sed -n "${line:-1}p" pull/feed.zone)" "ns1.evil.rpz-nsdname.feed.test. IN CNAME ." "the rpz-nsdname trigger's reported line"
line=$(grep -o 'pull/feed.zone:[0-9]*: 192.0.2.7/32: skipped: kind ip' p1.out | cut -d: -f2)
eq "$(sed -n "${line:-1}p" pull/feed.zone)" "32.7.2.0.192.rpz-ip.feed.test. IN CNAME ." "the rpz-ip trigger's reported line"
chk() { isp lists check "$1" >/dev/null 2>&1; echo $?; }
eq "$(chk evil.example)" 0 "evil.example blocked"
eq "$(chk x.bad.example)" 0 "x.bad.example blocked (wildcard)"
eq "$(chk ok.bad.example)" 1 "ok.bad.example allowed (rpz-passthru)"
eq "$(chk gone.example)" 0 "gone.example blocked"
isp lists check quiet.example garden.example >check1.out 2>&1
has check1.out "nodata"
has check1.out "entry garden.example, action local"

# ---- 2. current ---------------------------------------------------------------------------
pull --tsig k1:hmac-sha256:k1.key >p2.out 2>&1
eq "$?" 0 "second pull: exit 0"
has p2.out "serial 1, current"

# ---- 3. IXFR ------------------------------------------------------------------------------
zone 2 "${base[@]}" 'new.example CNAME .' >named/feed.db
kill -HUP "${pids[0]}"
soa() { dig +tries=1 +time=2 -p "$NP" @127.0.0.1 feed.test SOA +short | awk '{print $3}'; }
until_eq 2 soa || bad "BIND never loaded serial 2"
pull --tsig k1:hmac-sha256:k1.key >p3.out 2>&1
eq "$?" 3 "third pull: exit 3 (the same unsupported records)"
has p3.out "IXFR serial 1 -> 2"
has p3.out "1 added, 1 removed"
check "BIND's log says IXFR" grep -q "IXFR" named.log
eq "$(chk new.example)" 0 "new.example blocked after the IXFR"
eq "$(chk gone.example)" 1 "gone.example no longer blocked after the IXFR"
eq "$(chk evil.example)" 0 "evil.example still blocked"
isp lists history --list feed >hist.out 2>&1
eq "$(grep -c 'pull:feed.test' hist.out)" 2 "two imports of pull:feed.test in the history"

# ---- 4. refused ---------------------------------------------------------------------------
pull --full --tsig k1:hmac-sha256:wrong.key >p4.out 2>&1
eq "$?" 4 "wrong secret: exit 4"
has p4.out "BADSIG"
has p4.out "nothing changed"
pull --full >p5.out 2>&1
eq "$?" 4 "no key: exit 4"
has p5.out "REFUSED"
eq "$(chk new.example)" 0 "new.example still blocked after the refused pulls"

# ---- 5. --watch and NOTIFY ----------------------------------------------------------------
"$bin" --store "$work/s.db" --snapshot "$work/s.snap" -o "list.feed.pull=127.0.0.1:$PP feed.test" -o list.feed.pull-tsig=k1:hmac-sha256:k1.key \
	-o "pull.notify-listen=127.0.0.1:$WP" lists pull --watch >watch.log 2>&1 &
pids+=($!)
check "--watch: the first pull at once" wait_log watch.log "serial 2, current"
# a NOTIFY for the zone from anyone but its primary is REFUSED and pulls nothing
python3 - "$WP" >notify_other.txt 2>&1 <<'PY'
import socket, sys
q = bytes([0x4e, 0x01, 0x20, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\x04feed\x04test\x00" + bytes([0, 6, 0, 1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.5", 0))
s.settimeout(10)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
a = s.recv(512)
print("rcode", a[3] & 15)
PY
eq "$(cat notify_other.txt)" "rcode 5" "NOTIFY from another address than the primary: REFUSED"
hasnt watch.log "NOTIFY for feed.test"
zone 3 "${base[@]}" 'new.example CNAME .' 'notified.example CNAME .' >named/feed.db
kill -HUP "${pids[0]}"
until_eq 0 chk notified.example || bad "the NOTIFY never brought notified.example"
has watch.log "NOTIFY for feed.test"
has watch.log "IXFR serial 2 -> 3"

finish rpz_pull
