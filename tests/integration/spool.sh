#!/usr/bin/env bash
# Integration test of the block-event spool (core/events/evspool.h) with a real `ispshield dns`,
# a real Unbound upstream, dig, dnsperf and sqlite3, all on loopback:
#  1. the store is unreachable (its folder's path goes through a regular file): the node
#     answers dnsperf load (20 k queries/s: unpaced, a loaded 2-core machine overflows
#     the UDP socket buffer whatever the store does) with zero lost queries and blocked
#     dig queries fast, and its
#     metrics count every block event as spooled;
#  2. the store becomes reachable (the file is removed): the spool drains, and the store
#     holds exactly as many block events as the node blocked (sqlite3 count);
#  3. a spool left by a stopped node is drained when a node starts on a reachable store;
#  4. with a tiny core.spool-max, drops are counted, spooled + dropped = blocked, and
#     queries are still all answered.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound dig dnsperf sqlite3 python3 curl; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport); MET=$(freeport)

# ---- lists and snapshot (in a store of their own: the nodes' store is another one)
printf 'cc1.botnet.example\n*.dga.example\n' >c2.txt
"$bin" --store "$work/lists/l.db" -q lists import --list c2 --kind domain c2.txt || bad "import"
"$bin" --store "$work/lists/l.db" -q lists compile || bad "compile"
snap="$work/lists/ispshield.snap"

{ unbound_conf "$UP"; cat <<U
  local-zone: "test." static
  local-data: "www.good.test. 300 IN A 192.0.2.10"
  local-zone: "example." static
  local-data: "cc1.botnet.example. 300 IN A 192.0.2.66"
  local-zone: "." refuse
U
} >up.conf
unbound -c up.conf >up.out 2>&1 &
pids+=($!)
until_ok dig +tries=1 +time=1 -p "$UP" @127.0.0.1 www.good.test A || bad "unbound did not start"

# 1 in 10 names listed (distinct names under *.dga.example, so no cache hides a block)
python3 - <<'PY'
with open("queries.txt", "w") as f:
    for i in range(500):
        f.write(("x%d.dga.example A\n" % i) if i % 10 == 0 else "www.good.test A\n")
PY

metric() { curl -s "127.0.0.1:$1/metrics" | awk -v n="ispshield_dns_$2" '$1 == n { print $2 }'; }
start_node() { # $1 store, $2 spool dir, $3 spool-max, $4 log
	"$bin" -o "core.spool=$2" -o "core.spool-max=$3" --store "$1" dns --snapshot "$snap" \
		--listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" --metrics "127.0.0.1:$MET" \
		>"$4" 2>&1 &
	node=$!
	pids+=($node)
	until_ok dig +tries=1 +time=1 -p "$DNS" @127.0.0.1 www.good.test A || bad "node did not start ($4)"
}
stop_node() {
	kill -TERM "$node"
	wait "$node"
	check "node stops cleanly on SIGTERM" test $? -eq 0
}
blocked_total() { echo $(( $(metric "$MET" blocked_total) + $(metric "$MET" blocked_cname_total) + $(metric "$MET" blocked_address_total) )); }

# ---- 1. store unreachable: answers at full speed, events spooled
touch "$work/nostore"
store="$work/nostore/sub/events.db"
start_node "$store" "$work/spool" 268435456 dns1.out
# paced at 5 k/s with a 5 s time-out: on a machine busy with other work a faster pace
# overflows the socket buffer, which says nothing about the spool
dnsperf -s 127.0.0.1 -p "$DNS" -d queries.txt -n 20 -c 4 -q 200 -t 5 -Q 5000 >perf1.out 2>&1
sent=$(awk '/Queries sent:/ {print $3}' perf1.out); lost=$(awk '/Queries lost:/ {print $3}' perf1.out)
qps=$(awk '/Queries per second:/ {print $4}' perf1.out)
echo "store unreachable: dnsperf sent $sent, lost $lost, $qps qps"
check "store down: dnsperf sent every query ($sent)" test "${sent:-0}" -eq 10000
check "store down: zero queries lost ($lost)" test "${lost:-1}" -eq 0
out=$(dig +tries=1 +time=2 -p "$DNS" @127.0.0.1 x9999.dga.example A)
check "store down: a listed name is still blocked" grep -q 'status: NXDOMAIN' <<<"$out"
check "store down: 1001 blocks counted" until_eq 1001 blocked_total
blk=$(blocked_total)
# the writer spools what the rings hold about ten times a second: wait for it
check "store down: every block spooled (events_spooled_total)" until_eq "$blk" metric "$MET" events_spooled_total
check "store down: spool bytes > 0" test "$(metric "$MET" events_spool_bytes)" -gt 0
check "store down: store failures counted" test "$(metric "$MET" events_store_failures_total)" -gt 0
eq "$(metric "$MET" events_written_total)" 0 "events_written_total while down"
eq "$(metric "$MET" events_spool_dropped_total)" 0 "events_spool_dropped_total"
check "spool file named after the node" test -s "$work/spool/dns-127.0.0.1_$DNS.spool"
has dns1.out "store unreachable"

# a second node with the same service and address on this host cannot share the spool
"$bin" -o "core.spool=$work/spool" --store "$store" dns --snapshot "$snap" \
	--listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" >dup.out 2>&1
rc=$?
check "second node on the same spool refused (exit $rc)" test "$rc" -ne 0
has dup.out "held by another process"

# ---- 2. the store comes back: every event arrives, exactly once
rm "$work/nostore"
check "spool drained (events_spool_bytes)" until_eq 0 metric "$MET" events_spool_bytes
eq "$(metric "$MET" events_written_total)" "$blk" "events_written_total after drain"
eq "$(sqlite3 "$store" 'select count(*) from block_events')" "$blk" "block events in the store"
# each of the 50 listed names was asked 20 times: no duplicate, no loss per name
eq "$(sqlite3 "$store" "select count(*) from (select qname, count(*) c from block_events where qname != 'x9999.dga.example' group by qname having c = 20)")" 50 "each listed name stored 20 times"
has dns1.out "store reachable again"
# events after the recovery go straight to the store
dig +tries=1 +time=2 -p "$DNS" @127.0.0.1 cc1.botnet.example A >/dev/null
check "written after recovery" until_eq $((blk + 1)) metric "$MET" events_written_total
eq "$(stat -c %s "$work/spool/dns-127.0.0.1_$DNS.spool")" 32 "spool truncated to its header"
stop_node
eq "$(sqlite3 "$store" 'select count(*) from block_events')" $((blk + 1)) "block events in the store after stop"

# ---- 3. a spool left by a stopped node is drained at the next start
touch "$work/nostore2"
store2="$work/nostore2/events.db"
start_node "$store2" "$work/spool2" 268435456 dns2.out
dnsperf -s 127.0.0.1 -p "$DNS" -d queries.txt -n 2 -c 2 -q 100 -t 5 -Q 5000 >perf2.out 2>&1
check "second node blocked 100" until_eq 100 blocked_total
blk2=$(blocked_total)
stop_node
check "spool kept after stop" test "$(stat -c %s "$work/spool2/dns-127.0.0.1_$DNS.spool")" -gt 32
rm "$work/nostore2"
start_node "$store2" "$work/spool2" 268435456 dns3.out
until_eq 0 metric "$MET" events_spool_bytes
eq "$(sqlite3 "$store2" 'select count(*) from block_events')" "$blk2" "left spool drained at start"
has dns3.out "draining them first"
stop_node

# ---- 4. a tiny spool: drops counted, queries still answered
touch "$work/nostore3"
start_node "$work/nostore3/events.db" "$work/spool3" 4096 dns4.out
dnsperf -s 127.0.0.1 -p "$DNS" -d queries.txt -n 4 -c 2 -q 100 -t 5 -Q 5000 >perf4.out 2>&1
lost=$(awk '/Queries lost:/ {print $3}' perf4.out)
check "tiny spool: zero queries lost ($lost)" test "${lost:-1}" -eq 0
check "tiny spool: 200 blocks counted" until_eq 200 blocked_total
blk4=$(blocked_total)
decided() { echo $(($(metric "$MET" events_spooled_total) + $(metric "$MET" events_spool_dropped_total))); }
check "tiny spool: every block spooled or dropped" until_eq "$blk4" decided
sp4=$(metric "$MET" events_spooled_total); dr4=$(metric "$MET" events_spool_dropped_total)
echo "tiny spool: blocked $blk4, spooled $sp4, dropped $dr4"
check "tiny spool: drops counted ($dr4)" test "$dr4" -gt 0
check "tiny spool: some spooled ($sp4)" test "$sp4" -gt 0
eq $((sp4 + dr4)) "$blk4" "spooled + dropped"
check "tiny spool: file within spool-max" test "$(stat -c %s "$work/spool3/dns-127.0.0.1_$DNS.spool")" -le 4096
stop_node

finish spool
