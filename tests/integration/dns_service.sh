#!/usr/bin/env bash
# Integration test of `ispshield dns` with real programs, all on loopback: a real Unbound
# as the upstream (serving test zones from local-data), dig and kdig as clients, dnsperf
# as load while the snapshot is replaced. Covers: allowed, blocked, *.suffix-blocked,
# IDN, CNAME-to-blocked, listed address, EDE, opt-out (and its reload), outsider
# REFUSED, TCP, truncation with TCP retry, malformed packets, walled garden, reload
# under load with zero failed queries, a corrupt snapshot refused, a dead upstream
# answered SERVFAIL in bounded time, block events in the store, SIGTERM.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound dig kdig dnsperf sqlite3 python3 curl; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport); MET=$(freeport); DNS2=$(freeport); DNS3=$(freeport)

# ---- lists and snapshot
cat >c2.txt <<'L'
cc1.botnet.example
*.dga.example
ボット.example
L
printf '198.51.100.7\n203.0.113.0/24\n' >ips.txt
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list c2 --kind domain c2.txt || bad "import c2"
isp -q lists import --list c2-ips --kind ip ips.txt || bad "import ips"
isp -q lists compile || bad "compile"

# ---- the upstream: a real Unbound with test zones
big=$(python3 -c "print(' '.join('\"%s\"' % ('x%02d' % i * 30) for i in range(20)))")
{ unbound_conf "$UP"; cat <<U
  local-zone: "test." static
  local-data: "www.good.test. 300 IN A 192.0.2.10"
  local-data: "www.good.test. 300 IN AAAA 2001:db8::10"
  local-data: "alias.good.test. 300 IN CNAME cc1.botnet.example."
  local-data: "alias2.good.test. 300 IN CNAME cc1.botnet.example."
  local-data: "www2.good.test. 300 IN A 192.0.2.11"
  local-data: "bad-ip.good.test. 300 IN A 198.51.100.7"
  local-data: "bad-net.good.test. 300 IN A 203.0.113.9"
  local-data: 'big.good.test. 300 IN TXT $big'
  local-zone: "example." static
  local-data: "cc1.botnet.example. 300 IN A 192.0.2.66"
  local-data: "x1.dga.example. 300 IN A 192.0.2.67"
  local-data: "dga.example. 300 IN A 192.0.2.68"
  local-data: "xn--97ja8a8b.example. 300 IN A 192.0.2.69"
  local-zone: "." refuse
U
} >up.conf
unbound-checkconf up.conf >/dev/null || { echo "bad unbound config" >&2; exit 1; }
unbound -c up.conf >up.out 2>&1 &
pids+=($!)

: >optout.txt
"$bin" --store "$work/var/t.db" dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" \
	--subscribers "127.0.0.1/32, 127.0.0.3/32" --opt-out optout.txt \
	--metrics "127.0.0.1:$MET" >dns.out 2>&1 &
dnspid=$!
pids+=($dnspid)
q() { dig +tries=1 +time=3 -p "$DNS" @127.0.0.1 "$@"; }
# qis STATUS ARGS...: the query's answer has that status (for until_ok)
qis() { local want=$1; shift; q "$@" 2>/dev/null | grep -q "status: $want"; }
until_ok qis NOERROR www.good.test A || bad "dns did not come up: $(cat dns.out)"

# ---- answers
out=$(q www.good.test A)
check "allowed name resolves" grep -q '^www.good.test.*IN	A	192.0.2.10' <<<"$out"
out=$(q cc1.botnet.example A)
check "listed name: NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"
check "listed name: EDE 17 names the list and the entry" grep -q 'EDE: 17 (Filtered): (blocked by ispshield list c2: cc1.botnet.example)' <<<"$out"
out=$(q x1.dga.example A)
check "*.suffix entry blocks a child" grep -q 'status: NXDOMAIN' <<<"$out"
out=$(q dga.example A)
check "*.suffix entry does not block the suffix itself" grep -q 'status: NOERROR' <<<"$out"
out=$(q +idnin 'ボット.example' A 2>&1)
check "IDN: U-label query of a listed name is blocked" grep -q 'status: NXDOMAIN' <<<"$out"
out=$(q alias.good.test A)
check "CNAME to a listed name is blocked" grep -q 'status: NXDOMAIN' <<<"$out"
out=$(q bad-ip.good.test A)
check "answer with a listed address is blocked" grep -q 'blocked by ispshield list c2-ips' <<<"$out"
out=$(q bad-net.good.test A)
check "answer inside a listed prefix is blocked" grep -q 'status: NXDOMAIN' <<<"$out"
out=$(q -b 127.0.0.2 www.good.test A)
check "outsider gets REFUSED (no open resolver)" grep -q 'status: REFUSED' <<<"$out"
out=$(q +tcp www.good.test AAAA)
check "TCP" grep -q '2001:db8::10' <<<"$out"
out=$(q +tcp cc1.botnet.example A)
check "TCP: blocked with EDE" grep -q 'EDE: 17' <<<"$out"
out=$(q +noedns big.good.test TXT 2>&1)
check "large answer: truncated over UDP" grep -q 'Truncated, retrying in TCP mode' <<<"$out"
check "large answer: complete over TCP" grep -qE 'MSG SIZE  rcvd: 1[0-9]{3}' <<<"$out"
out=$(kdig +tcp -p "$DNS" @127.0.0.1 www.good.test cc1.botnet.example big.good.test TXT 2>&1)
check "kdig: three pipelined queries over one TCP connection" \
	test "$(grep -c 'status:' <<<"$out")" -eq 3

# ---- malformed packets: dropped or FORMERR/NOTIMP, the server keeps serving
python3 - "$DNS" <<'PY'
import socket, sys, os, random
p = int(sys.argv[1]); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.3)
pk = [b'', b'\x12', os.urandom(11), b'\x12\x34\x01\x00\x00\x02' + b'\x00' * 6 + b'\x01a\x00\x00\x01\x00\x01' * 2,
      b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01',  # pointer loop
      b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc',                    # label past end
      b'\x12\x34\x28\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01',  # opcode 5 UPDATE
      b'\x12\x34\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\x01a\x00\x00\x01\x00\x01']  # absurd counts
random.seed(7)
pk += [os.urandom(random.randint(12, 600)) for _ in range(500)]
for b in pk:
    s.sendto(b, ("127.0.0.1", p))
PY
check "still serving after 508 malformed packets" until_ok qis NOERROR www.good.test A
m=$(curl -s "127.0.0.1:$MET/metrics")
check "metrics: FORMERR counted" grep -qE '^ispshield_dns_formerr_total [1-9]' <<<"$m"
check "metrics: NOTIMP counted" grep -qE '^ispshield_dns_notimp_total [1-9]' <<<"$m"
check "metrics: blocked counted" grep -qE '^ispshield_dns_blocked_total [1-9]' <<<"$m"
check "metrics: refused counted" grep -qE '^ispshield_dns_refused_total [1-9]' <<<"$m"
check "metrics: upstream latency histogram" grep -q 'ispshield_dns_upstream_latency_seconds_bucket{le="+Inf"}' <<<"$m"

# ---- opt-out: takes effect without restart (the file is polled every second; how soon
# is a benchmark figure, not a test assertion)
out=$(q -b 127.0.0.3 cc1.botnet.example A)
check "subscriber 127.0.0.3 filtered before opting out" grep -q 'status: NXDOMAIN' <<<"$out"
echo "127.0.0.3/32  # subscriber 0003 opted out" >optout.txt
check "opt-out takes effect without a restart" until_ok qis NOERROR -b 127.0.0.3 cc1.botnet.example A
out=$(q cc1.botnet.example A)
check "other subscribers still filtered" grep -q 'status: NXDOMAIN' <<<"$out"

# ---- the cache never bypasses the lists
# An opted-out subscriber's answer is not checked; it must not reach others from the cache.
out=$(q -b 127.0.0.3 alias2.good.test A)
check "opted-out client gets the CNAME to a listed name" grep -q 'status: NOERROR' <<<"$out"
out=$(q alias2.good.test A)
check "the eq answer, from the cache, is blocked for other subscribers" grep -q 'status: NXDOMAIN' <<<"$out"
# An answer cached before a reload is checked against the new lists.
out=$(q www2.good.test A)
check "www2 resolves before its address is listed" grep -q '192.0.2.11' <<<"$out"
printf '198.51.100.7\n203.0.113.0/24\n192.0.2.11\n' >ips.txt
isp -q lists import --list c2-ips ips.txt && isp -q lists compile || bad "recompile ips"
check "a cached answer whose address became listed is blocked after the reload" \
	until_ok qis NXDOMAIN www2.good.test A

# ---- reload under dnsperf load: zero failed queries
for i in $(seq 1 3000); do echo "www.good.test A"; echo "cc1.botnet.example A"; echo "x$i.dga.example A"; done >queries.txt
# dnsperf runs until it is interrupted (at most 120 s); both reloads happen while it runs:
# the first once the server has answered 1000 of its queries, each awaited in the log.
queries() { curl -s "127.0.0.1:$MET/metrics" | awk '/^ispshield_dns_queries_total/ {print $2}'; }
q0=$(queries)
dnsperf -s 127.0.0.1 -p "$DNS" -d queries.txt -l 120 -c 4 -q 100 -t 2 >perf.out 2>&1 &
perf=$!
queries_over() { test "$(queries)" -gt "$1"; }
until_ok queries_over $((${q0:-0} + 1000)) || bad "dnsperf's queries never arrived"
reloads() { grep -c 'reloaded (snapshot changed)' dns.out; }
reloads_over() { test "$(reloads)" -gt "$1"; }
r0=$(reloads)
echo "new-c2.example" >>c2.txt
isp -q lists import --list c2 c2.txt && isp -q lists compile || bad "recompile under load"
until_ok reloads_over "$r0" || bad "first reload under load not logged"
isp -q lists compile || bad "second recompile under load"
until_ok reloads_over $((r0 + 1)) || bad "second reload under load not logged"
check "dnsperf still running during both reloads" kill -0 "$perf"
kill -INT "$perf"
wait "$perf"
lost=$(awk '/Queries lost:/ {print $3}' perf.out)
sent=$(awk '/Queries sent:/ {print $3}' perf.out)
check "dnsperf: queries sent during the reloads ($sent)" test "${sent:-0}" -gt 1000
check "dnsperf: zero queries lost during reloads (lost=$lost)" test "${lost:-1}" -eq 0
check "dnsperf: no SERVFAIL during reloads" bash -c "! grep -q SERVFAIL perf.out"
check "reloads logged" grep -q 'reloaded (snapshot changed)' dns.out
out=$(q new-c2.example A)
check "name added by the reload is blocked" grep -q 'status: NXDOMAIN' <<<"$out"

# ---- a corrupt snapshot is refused; the old one keeps serving
cp var/ispshield.snap good.snap
head -c 200 good.snap >var/ispshield.snap.tmp && mv var/ispshield.snap.tmp var/ispshield.snap
check "corrupt snapshot refused (logged)" wait_log dns.out 'reload (snapshot changed) failed, still serving the old data'
out=$(q cc1.botnet.example A)
check "old snapshot still blocks after a corrupt one" grep -q 'status: NXDOMAIN' <<<"$out"
cp good.snap var/ispshield.snap.tmp && mv var/ispshield.snap.tmp var/ispshield.snap

# ---- SIGHUP reload
kill -HUP "$dnspid"
check "SIGHUP reloads" wait_log dns.out 'reloaded (SIGHUP)'

# ---- block events: recorded, allowed names never
kill -TERM "$dnspid"
check "SIGTERM: stops" wait_gone "$dnspid"
wait "$dnspid"; rc=$?
check "SIGTERM: exit status 0 (got $rc)" test "$rc" -eq 0
nblk=$(sqlite3 var/t.db "select count(*) from block_events where qname='cc1.botnet.example' and list='c2' and reason='name'")
check "block events stored ($nblk for cc1.botnet.example)" test "${nblk:-0}" -gt 0
ncname=$(sqlite3 var/t.db "select count(*) from block_events where qname='alias.good.test' and reason='cname' and entry='cc1.botnet.example'")
check "CNAME block event names the target entry" test "${ncname:-0}" -ge 1
nallowed=$(sqlite3 var/t.db "select count(*) from block_events where qname in ('www.good.test','big.good.test','dga.example')")
check "allowed queries are never recorded" test "$nallowed" -eq 0

# ---- walled garden
# (two worker threads, and IPv6 when the machine has ::1)
v6=()
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	v6=(--listen "[::1]:$DNS2")
fi
"$bin" --store "$work/var/t.db" dns --listen "127.0.0.1:$DNS2" "${v6[@]}" --threads 2 \
	--upstream "127.0.0.1:$UP" --subscribers "127.0.0.0/8, ::1" \
	--block-action walled-garden --walled-garden-a 192.0.2.80 --walled-garden-aaaa 2001:db8::80 \
	>dns2.out 2>&1 &
pids+=($!)
wait_dns "$DNS2" || bad "dns2 did not come up"
check "two worker threads start" grep -q 'with 2 threads' dns2.out
if [ ${#v6[@]} -gt 0 ]; then
	out=$(dig +tries=1 +time=3 -p "$DNS2" @::1 www.good.test A)
	check "IPv6 listener answers" grep -q 'status: NOERROR' <<<"$out"
	out=$(dig +tcp +tries=1 +time=3 -p "$DNS2" @::1 www.good.test A)
	check "IPv6 over TCP answers" grep -q 'status: NOERROR' <<<"$out"
else
	echo "skip IPv6 listener: no ::1 on this machine"
fi
out=$(dig +tries=1 +time=3 -p "$DNS2" @127.0.0.1 cc1.botnet.example A)
check "walled garden: A of the warning page" grep -q 'IN	A	192.0.2.80' <<<"$out"
check "walled garden: EDE still present" grep -q 'EDE: 17' <<<"$out"
out=$(dig +tries=1 +time=3 -p "$DNS2" @127.0.0.1 cc1.botnet.example AAAA)
check "walled garden: AAAA of the warning page" grep -q '2001:db8::80' <<<"$out"
"$bin" --store "$work/var/t.db" dns --block-action walled-garden --listen "127.0.0.1:$DNS3" \
	--upstream "127.0.0.1:$UP" >dns3.out 2>&1
check "walled garden without addresses refuses to start (exit 2)" test $? -eq 2
check "  ... and says why" grep -q 'walled-garden-a' dns3.out

# ---- a dead upstream: SERVFAIL in bounded time
dead=$(freeport)
"$bin" --store "$work/var/t.db" -o dns.timeout-ms=300 -o dns.tries=2 dns \
	--listen "127.0.0.1:$DNS3" --upstream "127.0.0.1:$dead" >dns3.out 2>&1 &
pids+=($!)
wait_udp "$DNS3" || bad "dns3 did not come up"
# The server gives up after its tries and answers; the client would wait 10 s: an answer
# (not a client time-out) is the bound. (How fast is bench/dns's business.)
out=$(dig +tries=1 +time=10 -p "$DNS3" @127.0.0.1 www.good.test A)
check "dead upstream: answered SERVFAIL (not left to time out)" grep -q 'status: SERVFAIL' <<<"$out"

# ---- protections: per-client rate limit, random-subdomain ("water torture") defence
DNS4=$(freeport)
MET4=$(freeport)
"$bin" --store "$work/var/t.db" -o dns.client-qps=200 -o dns.client-burst=50 \
	-o dns.wt-min-names=30 -o dns.wt-qps=20 -o dns.wt-window=5 -o dns.wt-hold=30 dns \
	--listen "127.0.0.1:$DNS4" --upstream "127.0.0.1:$UP" --exempt 127.0.0.3/32 \
	--subscribers "127.0.0.1/32, 127.0.0.3/32" --metrics "127.0.0.1:$MET4" >dns4.out 2>&1 &
pids+=($!)
wait_dns "$DNS4" || bad "dns4 did not come up"
for i in $(seq 1 4000); do echo "www.good.test A"; done >same.txt
dnsperf -s 127.0.0.1 -p "$DNS4" -d same.txt -l 3 -c 2 -q 50 -t 1 >perf4.out 2>&1
m=$(curl -s "127.0.0.1:$MET4/metrics")
limited=$(awk '/^ispshield_dns_rate_limited_total/ {print $2}' <<<"$m")
check "per-client rate limit drops a flooding client (${limited:-0} dropped)" test "${limited:-0}" -gt 20
out=$(dig +tries=1 +time=3 -p "$DNS4" -b 127.0.0.3 @127.0.0.1 www.good.test A)
check "an exempt client is still answered" grep -q 'status: NOERROR' <<<"$out"
# random names under one zone, all NXDOMAIN upstream, from the exempt client (so that
# the per-client limit does not hide the defence)
python3 -c '
import random, string
random.seed(3)
for i in range(3000):
    print("".join(random.choice(string.ascii_lowercase) for _ in range(12)) + ".attack.test A")
' >random.txt
dnsperf -s 127.0.0.1 -p "$DNS4" -a 127.0.0.3 -d random.txt -l 4 -c 2 -q 50 -t 1 >perf5.out 2>&1
check "random-subdomain attack detected and logged" grep -q 'random-subdomain attack on one zone: [0-9]* NXDOMAIN' dns4.out
check "  ... without naming the zone" bash -c "! grep -q 'attack\.test' dns4.out"
out=$(dig +tries=1 +time=3 -p "$DNS4" -b 127.0.0.3 @127.0.0.1 fresh-name-42.attack.test A)
check "unseen names under the flagged zone are refused" grep -q 'status: REFUSED' <<<"$out"
out=$(dig +tries=1 +time=3 -p "$DNS4" -b 127.0.0.3 @127.0.0.1 www.good.test A)
check "other zones unaffected" grep -q 'status: NOERROR' <<<"$out"

# ---- response-rate limiting: identical answers to one /24 beyond rrl-rps are dropped,
# every rrl-slip-th one sent truncated (TC) so that a real client retries over TCP
DNS5=$(freeport)
MET5=$(freeport)
"$bin" --store "$work/var/t.db" -o dns.rrl-rps=20 -o dns.rrl-slip=2 dns \
	--listen "127.0.0.1:$DNS5" --upstream "127.0.0.1:$UP" --metrics "127.0.0.1:$MET5" \
	>dns5.out 2>&1 &
pids+=($!)
wait_dns "$DNS5" || bad "dns5 did not come up"
dnsperf -s 127.0.0.1 -p "$DNS5" -d same.txt -l 2 -c 2 -q 20 -t 1 >perf6.out 2>&1
m=$(curl -s "127.0.0.1:$MET5/metrics")
rrld=$(awk '/^ispshield_dns_rrl_dropped_total/ {print $2}' <<<"$m")
rrls=$(awk '/^ispshield_dns_rrl_slipped_total/ {print $2}' <<<"$m")
check "RRL drops identical answers over the rate (${rrld:-0})" test "${rrld:-0}" -gt 10
check "RRL sends some of them truncated (${rrls:-0})" test "${rrls:-0}" -gt 5
out=$(dig +tries=1 +time=3 -p "$DNS5" @127.0.0.1 www.good.test A 2>&1)
check "a client limited by RRL still gets its answer (over TCP after TC, or later)" \
	grep -q 'status: NOERROR' <<<"$out"

finish dns_service
