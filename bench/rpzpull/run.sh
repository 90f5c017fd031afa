#!/usr/bin/env bash
# lists pull benchmark (bench/README.md): an RPZ zone of BENCH_NAMES names served by BIND 9
# as a TSIG primary (ixfr-from-differences), taken into a list two ways, side by side:
#   pull     `ispshield lists pull`: AXFR the first time, then an IXFR of a 1 % change;
#   dig      what an operator does without it: `dig AXFR` (TSIG) into a file and
#            `lists import --format rpz` of that file (the whole zone each time).
# Each step is timed to the compiled snapshot; medians of BENCH_RUNS runs, peak RSS by
# /usr/bin/time. Loopback only; a loaded machine inflates both sides alike.
# Usage: bench/rpzpull/run.sh BUILD_DIR      Env: BENCH_NAMES (200000), BENCH_RUNS (3).
# Output: bench/out/rpzpull/ (results.md, run.log).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/ispshield
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/rpzpull
N=${BENCH_NAMES:-200000} RUNS=${BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'kill $named 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$out" "$work/named"
runlog=$out/run.log
: >"$runlog"
K1=$(cat "$here/tests/data/rpz/k1.secret")
install -m 600 "$here/tests/data/rpz/k1.secret" "$work/k1.key"
NP=$(python3 "$here/scripts/freeport.py")
zone() { # SERIAL SKIP: names 0..N-1 but every 100th from SKIP on changed
	awk -v n="$N" -v s="$1" -v skip="$2" 'BEGIN {
		print "$TTL 60\n@ IN SOA ns.bench.test. h.bench.test. " s " 3600 600 86400 60\n  IN NS ns.bench.test.\nns IN A 192.0.2.53"
		for (i = 0; i < n; i++)
			if (skip && i % 100 == 0) print "new" i ".example CNAME ."
			else print "name" i ".example CNAME ."
	}' >"$work/named/bench.db"
}
zone 1 0
cat >"$work/named.conf" <<C
options { directory "$work/named"; pid-file "$work/named.pid"; listen-on port $NP { 127.0.0.1; };
	listen-on-v6 { none; }; dnssec-validation no; notify no; };
controls { };
key "k1" { algorithm hmac-sha256; secret "$K1"; };
zone "bench.test" { type primary; file "bench.db"; allow-transfer { key k1; };
	ixfr-from-differences yes; };
C
named -c "$work/named.conf" -f -n 1 >"$work/named.out" 2>&1 &
named=$!
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
T=0 M=0
# tm CMD...: run the command under /usr/bin/time; its seconds add to T, its peak RSS
# (KB) raises M
tm() {
	/usr/bin/time -f '%e %M' -o "$work/t" "$@" >>"$runlog" 2>&1
	read -r t k <"$work/t"
	T=$(awk -v a="$T" -v b="$t" 'BEGIN {print a + b}')
	[ "$k" -gt "$M" ] && M=$k || true
}
pull() { tm "$bin" --store "$work/p.db" --snapshot "$work/p.snap" lists pull --list z --kind domain \
	--tsig k1:hmac-sha256:"$work/k1.key" "127.0.0.1:$NP" bench.test || [ $? = 3 ]; }
viadig() {
	tm sh -c "dig +tries=1 +time=30 -p $NP @127.0.0.1 bench.test AXFR -y hmac-sha256:k1:$K1 | grep -v TSIG >$work/zone.txt"
	tm "$bin" --store "$work/d.db" --snapshot "$work/d.snap" lists import --list z --kind domain \
		--format rpz --source bench --allow-shrink "$work/zone.txt" || [ $? = 3 ]
	tm "$bin" --store "$work/d.db" --snapshot "$work/d.snap" lists compile
}
serial() { until dig +tries=1 +time=1 -p "$NP" @127.0.0.1 bench.test SOA +short | grep -q " $1 "; do :; done; }
serial 1
declare -A s m
step() { # NAME FN
	T=0 M=0
	"$2"
	s[$1]+="$T "
	m[$1]+="$M "
}
for r in $(seq "$RUNS"); do
	zone 1 0
	kill -HUP $named
	serial 1
	rm -rf "$work"/p.* "$work"/d.* "$work"/pull "$work"/*.snap*
	step pull_axfr pull
	step dig_axfr viadig
	zone 2 1
	kill -HUP $named
	serial 2
	step pull_ixfr pull
	grep -q "IXFR serial 1 -> 2" "$runlog" || { echo "no IXFR: see $runlog" >&2; exit 1; }
	step dig_ixfr viadig
done
med() { printf '%s\n' ${1} | median; }
{
	echo "# lists pull, $N names, medians of $RUNS runs ($(date -u +%F), loaded machine)"
	echo
	echo "| step | lists pull (s, peak KB) | dig AXFR + lists import (s, peak KB) | ratio |"
	echo "|---|---|---|---|"
	for st in axfr ixfr; do
		a=$(med "${s[pull_$st]}") b=$(med "${s[dig_$st]}")
		echo "| first pull ($st) | $a, $(med "${m[pull_$st]}") | $b, $(med "${m[dig_$st]}") | $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b / (a > 0 ? a : 0.01)}') |"
	done | sed '2s/first pull (ixfr)/a 1 % change (IXFR)/; 1s/first pull (axfr)/first pull (AXFR)/'
} >"$out/results.md"
cat "$out/results.md"
