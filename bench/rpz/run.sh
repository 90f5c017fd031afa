#!/usr/bin/env bash
# rpz benchmark (bench/README.md): a BENCH_NAMES-name domain list (1 M) served as an RPZ
# zone by `ispshield rpz` and, side by side, by BIND 9 (named) as a primary loading the
# same zone (`lists export --format rpz`): AXFR time to kdig (medians of BENCH_RUNS), and
# the resident memory of each server after the transfers. Loopback only.
# Usage: bench/rpz/run.sh BUILD_DIR      Env: BENCH_NAMES (1000000), BENCH_RUNS (3).
# Output: bench/out/rpz/ (results.md, run.log). Not measured yet: IXFR of a 1 % change
# end to end (compile -> NOTIFY -> BIND secondary answering).
set -euo pipefail
build=${1:-build}
bin=$(cd "$build" && pwd)/ispshield
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/rpz
N=${BENCH_NAMES:-1000000} RUNS=${BENCH_RUNS:-3}
rm -rf "$out" && mkdir -p "$out/named" && cd "$out"
runlog=$out/run.log
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait' EXIT
isp() { "$bin" --store "$out/s.db" --snapshot "$out/s.snap" "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
axfr() { # PORT: median seconds of RUNS kdig AXFRs of big.rpz
	local i t s=()
	for i in $(seq "$RUNS"); do
		t=$( { /usr/bin/time -f '%e' kdig @127.0.0.1 -p "$1" big.rpz AXFR +noall +stats >>"$runlog"; } 2>&1)
		echo "AXFR port $1 run $i: $t s" >>"$runlog"
		s+=("$t")
	done
	printf '%s\n' "${s[@]}" | median
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
freeport() { python3 "$here/scripts/freeport.py"; }

python3 -c "
for i in range($N): print('n%08d.bench.example' % i)" >names.txt
isp lists import --list big --kind domain --format plain names.txt 2>>"$runlog"
isp lists compile 2>>"$runlog"
isp lists export --list big --format rpz --origin big.rpz --out named/big.rpz.db 2>>"$runlog"

RP=$(freeport)
"$bin" --store "$out/s.db" --snapshot "$out/s.snap" rpz --listen "127.0.0.1:$RP" \
	--zone big.rpz:big >rpz.log 2>&1 &
pids+=($!)
rpid=$!
until grep -q serving rpz.log; do sleep 0.2; done
isp_t=$(axfr "$RP")
isp_m=$(rss "$rpid")

NP=$(freeport)
cat >named.conf <<C
options { directory "$out/named"; pid-file "$out/named.pid"; listen-on port $NP { 127.0.0.1; };
	listen-on-v6 { none; }; recursion no; allow-transfer { 127.0.0.1; }; };
controls { };
zone "big.rpz" { type primary; file "big.rpz.db"; };
C
named -c "$out/named.conf" -f -n 1 >named.out 2>&1 &
pids+=($!)
npid=$!
until dig +short -p "$NP" @127.0.0.1 big.rpz SOA | grep -q localhost; do sleep 0.5; done
bind_t=$(axfr "$NP")
bind_m=$(rss "$npid")

{
	echo "# rpz: AXFR of a $N-name RPZ zone to kdig ($(nproc) cores; medians of $RUNS)"
	echo
	echo "| server | AXFR s | RSS MB |"
	echo "|---|---|---|"
	echo "| ispshield rpz | $isp_t | $((isp_m / 1024)) |"
	echo "| BIND 9 primary | $bind_t | $((bind_m / 1024)) |"
	echo
	echo "AXFR time ratio BIND / ispshield: $(awk -v a="$bind_t" -v b="$isp_t" 'BEGIN { printf "%.2f", a / b }')"
} | tee results.md
