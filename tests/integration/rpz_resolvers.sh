#!/usr/bin/env bash
# rpz_resolvers.sh -- `ispshield rpz` (issue 20) with the other resolvers an ISP runs as its
# secondaries, side by side, on loopback (the lists and checks shared with rpz.sh through
# lib/rpzlib.sh):
#
#   - PowerDNS Recursor (pdns_recursor) with rpzPrimary and TSIG key k1 (our ACL lets k1 in,
#     from anywhere);
#   - Unbound with an `rpz:` clause and `primary:` (no TSIG in Unbound): our ACL lets its
#     address in (127.0.0.1/32; a signed request is the key's member, so Recursor's
#     transfers count for k1 and Unbound's for 127.0.0.1/32);
#   - both forward example. to an upstream Unbound that answers every test name, so that a
#     blocked answer can only come from the RPZ; nothing leaves loopback (Recursor forwards
#     "." there too, its security poll is off; both Unbounds refuse every other name).
#
# dig through each sees the listed names blocked (exact, wildcard, rpz-ip), the allowlisted
# one and an unlisted one answered. The list changes and is compiled: ispshield NOTIFYs both
# (Unbound acknowledges it and comes back for an IXFR at once; Recursor 4.8 ignores NOTIFY
# for RPZ, it was added in 5.1, and asks for the SOA every second: refresh=1), each comes
# back by IXFR, served from the journal ("incremental" in our log), and dig through each
# sees the change. Our per-member metrics then name k1 and 127.0.0.1/32 with their transfers.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
. "$src/tests/integration/lib/rpzlib.sh"
rpz_need pdns_recursor unbound unbound-checkconf dig curl
on_exit() { [ "$failed" -eq 0 ] || { cat metrics.txt;  for f in rpz.log pdns.log ub.log; do echo "--- $f"; tail -40 "$f"; done; } >&2; }

rpz_lists
# the lists' policies ([list.NAME] action) decide what their plain entries are served as:
# wg (walled-garden) a CNAME to rpz.walled-garden, watch (log-only) rpz-passthru. unless
# another list of the zone blocks the name (evil.example is in dom too)
printf 'wg1.example\n' >wg.txt
printf 'watched.example\nevil.example\n' >watch.txt
isp lists import --list wg --kind domain --format plain wg.txt 2>/dev/null || die "import wg"
isp lists import --list watch --kind domain --format plain watch.txt 2>/dev/null || die "import watch"
isp lists compile 2>/dev/null || die "compile"
printf '[rpz]\nwalled-garden = walled.example\n[list.wg]\naction = walled-garden\n[list.watch]\naction = log-only\n' >isp.conf
RP=$(freeport) UP=$(freeport) PP=$(freeport) UB=$(freeport) MP=$(freeport)
"$bin" -c isp.conf --store "$work/s.db" --snapshot "$work/s.snap" rpz --listen "127.0.0.1:$RP" --zone rpz.test:dom+ips+wg+watch --tsig k1:hmac-sha256:k1.key \
	--allow key:k1,127.0.0.1/32 --notify "127.0.0.1:$PP,127.0.0.1:$UB" \
	--metrics "127.0.0.1:$MP" >rpz.log 2>&1 &
pids+=($!)
wait_tcp "$RP"

# ---- the upstream: every name of example.
{ unbound_conf "$UP"; rpz_names_unbound; printf '  local-data: "%s.example. 60 IN A %s"\n' wg1 198.51.100.7 watched 198.51.100.8 walled 198.51.100.80; echo '  local-zone: "." refuse'; } >up.conf
unbound -c up.conf >up.out 2>&1 &
pids+=($!)

# ---- PowerDNS Recursor, TSIG
mkdir pdns
cat >pdns/recursor.conf <<C
local-address=127.0.0.1
local-port=$PP
socket-dir=$work/pdns
lua-config-file=$work/pdns/rpz.lua
forward-zones=.=127.0.0.1:$UP
security-poll-suffix=
allow-from=127.0.0.0/8
dnssec=off
disable-packetcache=yes
daemon=no
write-pid=no
loglevel=6
C
cat >pdns/rpz.lua <<L
rpzPrimary("127.0.0.1:$RP", "rpz.test", {tsigname="k1", tsigalgo="hmac-sha256", tsigsecret="$K1", refresh=1})
L
pdns_recursor --config-dir="$work/pdns" >pdns.log 2>&1 &
pids+=($!)

# ---- Unbound, an ACL by address
{ unbound_conf "$UB" | sed "s|$work/up.log|$work/ub.log|"; cat <<U
  module-config: "respip iterator"
  do-not-query-localhost: no
  verbosity: 2
  local-zone: "example." transparent
  local-zone: "." refuse
forward-zone:
  name: "example."
  forward-addr: 127.0.0.1@$UP
rpz:
  name: "rpz.test."
  primary: 127.0.0.1@$RP
  allow-notify: 127.0.0.1
U
} >ub.conf
unbound-checkconf ub.conf >/dev/null || die "unbound-checkconf ub.conf: $(unbound-checkconf ub.conf 2>&1)"
unbound -c ub.conf >ub.out 2>&1 &
pids+=($!)

wait_dns "$PP" "keep.example A"
wait_dns "$UB" "keep.example A"
rpz_check_blocks "PowerDNS Recursor" "$PP"
rpz_check_blocks Unbound "$UB"
for r in "PowerDNS Recursor:$PP" "Unbound:$UB"; do
	eq "$(dig +short -p "${r##*:}" @127.0.0.1 wg1.example A | tr '\n' ' ')" "walled.example. 198.51.100.80 " "${r%:*}: a walled-garden list's name goes to the walled garden"
	eq "$(dig +short -p "${r##*:}" @127.0.0.1 watched.example A)" 198.51.100.8 "${r%:*}: a log-only list's name is answered"
done
check "Recursor's transfer was signed with k1" wait_log rpz.log "to 127.0.0.1 key k1"
check "Unbound's transfer was not signed" grep -qE "XFR of rpz.test serial [0-9]+ to 127.0.0.1: " rpz.log

# ---- a change: NOTIFY, IXFR
rpz_change
rpz_check_change "PowerDNS Recursor" "$PP"
rpz_check_change Unbound "$UB"
check "NOTIFY acknowledged by Unbound" wait_log rpz.log "acknowledged by 127.0.0.1:$UB"
check "an IXFR to Recursor from the journal" grep -qE "IXFR of rpz.test serial .* to 127.0.0.1 key k1: .*\(incremental\)" rpz.log
check "an IXFR to Unbound from the journal" grep -qE "IXFR of rpz.test serial .* to 127.0.0.1: .*\(incremental\)" rpz.log

# ---- per-member metrics
curl -s "http://127.0.0.1:$MP/metrics" >metrics.txt
serial=$(awk '$1 == "ispshield_rpz_zone_serial{zone=\"rpz.test\"}" { print $2 }' metrics.txt)
check "metrics: k1's transfers" grep -qE '^ispshield_rpz_member_transfers_total\{member="k1"\} [1-9]' metrics.txt
check "metrics: 127.0.0.1/32's transfers" grep -qE '^ispshield_rpz_member_transfers_total\{member="127.0.0.1/32"\} [1-9]' metrics.txt
check "metrics: Unbound's last serial is the zone's ($serial)" grep -qx "ispshield_rpz_member_serial{member=\"127.0.0.1/32\"} $serial" metrics.txt
check "metrics: no failed transfer" eval '! grep -qE "^ispshield_rpz_member_failures_total\{.*\} [1-9]" metrics.txt'

finish rpz_resolvers
