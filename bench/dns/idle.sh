#!/usr/bin/env bash
# Memory of idle encrypted connections (issue 21: RSS < 150 MB with 10,000 idle TLS
# connections). Starts `ispshield dns` with DoT and DoH on loopback, opens COUNT
# connections with bench/dns/idle_tls.py (TLS 1.3 handshake, one query answered, then
# idle, as a phone's Private DNS keeps its connection), and reads the service's VmRSS
# before and with them open; the same against dnsdist (what an operator would run
# instead) when it is installed. The query is _dns.resolver.arpa (what a DDR client asks
# first), answered here without an upstream and without a block event. Both servers load
# the same list, run.sh's 1 M names by default (the issue's goal is with that list):
# ispshield from its snapshot (mapped: the pages read count in VmRSS as RssFile), dnsdist
# into a SuffixMatchNode (dnsdist_conf.sh, as run.sh and encrypted.sh configure it).
#
# usage: bench/dns/idle.sh [path-to-ispshield]     (default build/ispshield)
# Environment: IDLE_COUNT (10000) connections per transport, IDLE_MODES ("dot doh"),
# BENCH_NAMES (1000000) names in the list (0: one name), IDLE_SERVERS ("ispshield dnsdist"),
# IDLE_BEFORE (a second ispshield binary, e.g. one built from main: measured first, in
# the same run, as "ispshield-before").
# Output: the table on stdout and in bench/out/dns-idle/results.md (git-ignored).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
count=${IDLE_COUNT:-10000}
modes=${IDLE_MODES:-dot doh}
names=${BENCH_NAMES:-1000000}
out=$root/bench/out/dns-idle
wdir=$root/bench/out/w$((names / 1000))k
[ "$names" = 1000000 ] && wdir=$root/bench/out/w1m # shared with run.sh
unset ISPSHIELD_CONFIG
mkdir -p "$out"
log=$out/run.log
: >"$log"
die() { echo "idle.sh: $*" >&2; exit 1; }
# each connection is a descriptor here and in the server
ulimit -n $((count + 1024)) 2>/dev/null || die "ulimit -n $((count + 1024)) refused (raise the hard limit)"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
freeport() { python3 "$root/scripts/freeport.py"; }
# VmRSS, RssAnon and RssFile of process $1 in KB: "rss anon file"
rss() { awk '$1 == "VmRSS:" {r = $2} $1 == "RssAnon:" {a = $2} $1 == "RssFile:" {f = $2}
	END {print r "/" a "/" f}' "/proc/$1/status"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$out/key.pem" -out "$out/cert.pem" 2>>"$log"
if [ "$names" = 0 ]; then
	list=$out/c2.txt
	echo blocked.example >"$list" # a list, as in service; the query is not in it
else
	list=$wdir/c2.txt
	[ -f "$list" ] || python3 "$root/bench/lists/gen_names.py" "$names" "$wdir" --no-rpz >>"$log"
fi
rm -f "$out/isp.db" "$out/isp.db"-* "$out/isp.snap"
I=("$isp" -q --store "$out/isp.db" --snapshot "$out/isp.snap")
"${I[@]}" lists import --list c2 --kind domain --format plain "$list" >>"$log" 2>&1 || die "import"
"${I[@]}" lists compile >>"$log" 2>&1 || die "compile"

# Open COUNT connections of MODE to PORT of process PID: "rss-before rss-open opened"
measure() {
	local pid=$1 mode=$2 port=$3 before fifo=$out/hold
	before=$(rss "$pid")
	rm -f "$fifo"
	mkfifo "$fifo"
	python3 "$root/bench/dns/idle_tls.py" 127.0.0.1 "$port" "$count" "$mode" _dns.resolver.arpa \
		<"$fifo" >"$out/client.txt" 2>>"$log" &
	local cpid=$!
	exec 9>"$fifo" # holds the client's stdin open until we are done
	while ! grep -q '^open' "$out/client.txt"; do
		kill -0 "$cpid" 2>/dev/null || die "client failed (see $log)"
		sleep 0.5
	done
	# settled: a server may give memory back a while after the last handshake (ispshield:
	# buffers of connections idle 1 s, malloc_trim at most every 10 s); read VmRSS each
	# second until twelve readings in a row (longer than that 10 s) agree within 1% (at
	# most 60 s), both servers alike
	local now last=0 same=0 i
	for i in $(seq 60); do
		now=$(rss "$pid")
		if [ "$last" != 0 ] && awk -v a="${now%%/*}" -v b="${last%%/*}" 'BEGIN {exit !(a <= b * 1.01 && a >= b * 0.99)}'; then
			same=$((same + 1))
			[ $same -ge 11 ] && break
		else
			same=0
		fi
		last=$now
		sleep 1
	done
	echo "$before $now $(awk '/^open/ {print $2}' "$out/client.txt")"
	exec 9>&-
	wait "$cpid" || true
}

# Start server $1 (ispshield or dnsdist) on fresh ports: sets spid, sdot, sdoh
start_server() {
	local p_udp
	p_udp=$(freeport); sdot=$(freeport); sdoh=$(freeport)
	if [ "$1" != dnsdist ]; then
		local bin=$isp
		[ "$1" = ispshield-before ] && bin=$before_bin
		"$bin" --store "$out/isp.db" --snapshot "$out/isp.snap" -o dns.subscribers=127.0.0.0/8 \
			dns --listen "127.0.0.1:$p_udp" --upstream 127.0.0.1:9 --threads 1 \
			--max-connections $((count + 100)) --idle-timeout 300 \
			--tls-listen "127.0.0.1:$sdot" --https-listen "127.0.0.1:$sdoh" \
			--tls-cert "$out/cert.pem" --tls-key "$out/key.pem" 2>>"$log" &
	else
		{
			bash "$root/bench/dns/dnsdist_conf.sh" "$p_udp" 9 "$list" | grep -v '^newServer'
			cat <<-EOF
			newServer({address="127.0.0.1:9", healthCheckMode="down"})
			addAction(QNameRule("_dns.resolver.arpa."), RCodeAction(DNSRCode.NOERROR))
			setMaxTCPClientThreads(1)
			setTCPRecvTimeout(300)
			addTLSLocal("127.0.0.1:$sdot", "$out/cert.pem", "$out/key.pem", {maxConcurrentTCPConnections=$((count + 100))})
			addDOHLocal("127.0.0.1:$sdoh", "$out/cert.pem", "$out/key.pem", "/dns-query", {idleTimeout=300})
			EOF
		} >"$out/dnsdist.conf"
		dnsdist --supervised --disable-syslog -C "$out/dnsdist.conf" >>"$log" 2>&1 &
	fi
	spid=$!
	pids+=($spid)
	for _ in $(seq 600); do
		kdig +tls +retry=0 +timeout=1 -p "$sdot" @127.0.0.1 _dns.resolver.arpa 2>/dev/null |
			grep -q NOERROR && return 0
		sleep 0.1
	done
	die "$1 did not answer over DoT (see $log)"
}

rows=()
servers=${IDLE_SERVERS:-ispshield dnsdist}
before_bin=${IDLE_BEFORE:+$(realpath "$IDLE_BEFORE")}
[ -n "$before_bin" ] && servers="ispshield-before $servers"
command -v dnsdist >/dev/null || servers=${servers/dnsdist/}
for s in $servers; do
	for m in $modes; do # a fresh server for each transport
		start_server "$s"
		port=$sdot
		[ "$m" = doh ] && port=$sdoh
		read -r b a n < <(measure "$spid" "$m" "$port")
		rows+=("$s $m $b $a $n")
		kill "$spid"
		wait "$spid" 2>/dev/null || true
	done
done

{
	echo "Idle encrypted connections: $count per transport, one query each then idle; VmRSS of"
	echo "a fresh server before and with them open (settled); list: $([ "$names" = 0 ] && echo one name || echo "$names names"); load average $load0 at"
	echo "the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (loaded machine)"
	echo
	echo "| server | transport | connections open | RSS before MB (anon + file) | RSS open MB (anon + file) | KB per connection |"
	echo "|---|---|---|---|---|---|"
	for r in "${rows[@]}"; do
		# shellcheck disable=SC2086
		set -- $r
		awk -v s="$1" -v m="$2" -v b="$3" -v a="$4" -v n="$5" 'BEGIN {
			split(b, B, "/"); split(a, A, "/")
			printf "| %s | %s | %d | %.0f (%.0f + %.0f) | %.0f (%.0f + %.0f) | %.1f |\n", s, m, n,
				B[1] / 1024, B[2] / 1024, B[3] / 1024, A[1] / 1024, A[2] / 1024, A[3] / 1024,
				n ? (A[1] - B[1]) / n : 0 }'
	done
} | tee "$out/results.md"
