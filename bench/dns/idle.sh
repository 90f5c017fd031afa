#!/usr/bin/env bash
# Memory of idle encrypted connections (issue 21: RSS < 150 MB with 10,000 idle TLS
# connections). Starts `ispshield dns` with DoT and DoH on loopback, opens COUNT
# connections with bench/dns/idle_tls.py (TLS 1.3 handshake, one query answered, then
# idle, as a phone's Private DNS keeps its connection), and reads the service's VmRSS
# before and with them open; the same against dnsdist (what an operator would run
# instead) when it is installed. The query is _dns.resolver.arpa (what a DDR client asks
# first), answered here without an upstream and without a block event.
#
# usage: bench/dns/idle.sh [path-to-ispshield]     (default build/ispshield)
# Environment: IDLE_COUNT (10000) connections per transport, IDLE_MODES ("dot doh").
# Output: the table on stdout and in bench/out/dns-idle/results.md (git-ignored).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
count=${IDLE_COUNT:-10000}
modes=${IDLE_MODES:-dot doh}
out=$root/bench/out/dns-idle
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
rss() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$out/key.pem" -out "$out/cert.pem" 2>>"$log"
echo blocked.example >"$out/c2.txt" # a list, as in service; the query is not in it
rm -f "$out/isp.db" "$out/isp.db"-* "$out/isp.snap"
I=("$isp" -q --store "$out/isp.db" --snapshot "$out/isp.snap")
"${I[@]}" lists import --list c2 --kind domain --format plain "$out/c2.txt" >>"$log" 2>&1 || die "import"
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
	echo "$before $(rss "$pid") $(awk '/^open/ {print $2}' "$out/client.txt")"
	exec 9>&-
	wait "$cpid" || true
}

# Start server $1 (ispshield or dnsdist) on fresh ports: sets spid, sdot, sdoh
start_server() {
	local p_udp
	p_udp=$(freeport); sdot=$(freeport); sdoh=$(freeport)
	if [ "$1" = ispshield ]; then
		"$isp" --store "$out/isp.db" --snapshot "$out/isp.snap" -o dns.subscribers=127.0.0.0/8 \
			dns --listen "127.0.0.1:$p_udp" --upstream 127.0.0.1:9 --threads 1 \
			--max-connections $((count + 100)) --idle-timeout 300 \
			--tls-listen "127.0.0.1:$sdot" --https-listen "127.0.0.1:$sdoh" \
			--tls-cert "$out/cert.pem" --tls-key "$out/key.pem" 2>>"$log" &
	else
		cat >"$out/dnsdist.conf" <<-EOF
			setLocal("127.0.0.1:$p_udp")
			newServer({address="127.0.0.1:9", healthCheckMode="down"})
			addAction(QNameRule("_dns.resolver.arpa."), RCodeAction(DNSRCode.NOERROR))
			setMaxTCPClientThreads(1)
			setTCPRecvTimeout(300)
			addTLSLocal("127.0.0.1:$sdot", "$out/cert.pem", "$out/key.pem", {maxConcurrentTCPConnections=$((count + 100))})
			addDOHLocal("127.0.0.1:$sdoh", "$out/cert.pem", "$out/key.pem", "/dns-query", {idleTimeout=300})
		EOF
		dnsdist --supervised --disable-syslog -C "$out/dnsdist.conf" >>"$log" 2>&1 &
	fi
	spid=$!
	pids+=($spid)
	for _ in $(seq 100); do
		kdig +tls +retry=0 +timeout=1 -p "$sdot" @127.0.0.1 _dns.resolver.arpa 2>/dev/null |
			grep -q NOERROR && return 0
		sleep 0.1
	done
	die "$1 did not answer over DoT (see $log)"
}

rows=()
servers=ispshield
command -v dnsdist >/dev/null && servers="ispshield dnsdist"
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
	echo "a fresh server before and with them open; load average $load0 at the start (loaded machine)"
	echo
	echo "| server | transport | connections open | RSS before MB | RSS open MB | KB per connection |"
	echo "|---|---|---|---|---|---|"
	for r in "${rows[@]}"; do
		# shellcheck disable=SC2086
		set -- $r
		awk -v s="$1" -v m="$2" -v b="$3" -v a="$4" -v n="$5" 'BEGIN {
			printf "| %s | %s | %d | %.0f | %.0f | %.1f |\n", s, m, n, b / 1024, a / 1024, n ? (a - b) / n : 0 }'
	done
} | tee "$out/results.md"
