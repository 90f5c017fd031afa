#!/usr/bin/env bash
# rpz benchmark (bench/README.md): a BENCH_NAMES-name domain list (1 M) served as an RPZ
# zone by `ispshield rpz` and, side by side, by BIND 9 (named) as a primary loading the
# same zone (`lists export --format rpz`): AXFR time to kdig (medians of BENCH_RUNS), and
# the resident memory of each server after the transfers; then a BIND 9 secondary of
# `ispshield rpz` (response-policy, min-update-interval 0) and a 1 % change (0.5 % of the
# names removed, as many new ones added, imported): the time from starting `lists compile`
# to the secondary answering a new name NXDOMAIN (compile, the service seeing the new
# snapshot, the zone rebuilt and diffed, NOTIFY, IXFR, BIND applying it), also counted
# from the end of the compile, medians of BENCH_RUNS changes; and the service's RSS with
# the journal of those changes. Loopback only.
# Usage: bench/rpz/run.sh BUILD_DIR      Env: BENCH_NAMES (1000000), BENCH_RUNS (3).
# Output: bench/out/rpz/ (results.md, run.log).
set -euo pipefail
build=${1:-build}
bin=$(cd "$build" && pwd)/ispshield
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/rpz
N=${BENCH_NAMES:-1000000} RUNS=${BENCH_RUNS:-3}
rm -rf "$out" && mkdir -p "$out/named" && cd "$out"
runlog=$out/run.log
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait' EXIT
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
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }
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

# ---- a BIND secondary of ispshield rpz, and 1 % changes
SP=$(freeport)
mkdir -p "$out/sec"
printf '$TTL 60\n@ SOA ns.bench.example. h.bench.example. 1 3600 600 86400 60\n NS ns\nns A 127.0.0.1\n* A 198.51.100.1\n' \
	>"$out/sec/bench.example.db"
cat >sec.conf <<C
options { directory "$out/sec"; pid-file "$out/sec.pid"; listen-on port $SP { 127.0.0.1; };
	listen-on-v6 { none; }; recursion yes; allow-recursion { 127.0.0.1; };
	dnssec-validation no; notify no;
	response-policy { zone "big.rpz" min-update-interval 0; } qname-wait-recurse no; };
controls { };
zone "big.rpz" { type secondary; primaries { 127.0.0.1 port $RP; }; file "big.rpz.db";
	request-ixfr yes; };
zone "bench.example" { type primary; file "bench.example.db"; };
C
# the service again, now with the secondary to NOTIFY
kill "$rpid"; wait "$rpid" 2>/dev/null || true
"$bin" --store "$out/s.db" --snapshot "$out/s.snap" rpz --listen "127.0.0.1:$RP" \
	--zone big.rpz:big --notify "127.0.0.1:$SP" >rpz2.log 2>&1 &
pids+=($!)
rpid=$!
until grep -q serving rpz2.log; do sleep 0.2; done
named -c "$out/sec.conf" -f -n 1 >sec.out 2>&1 &
pids+=($!)
status() { dig +tries=1 +time=1 -p "$SP" @127.0.0.1 "$1" A 2>/dev/null | awk '/status:/ { sub(",", "", $6); print $6 }'; }
until [ "$(status n00000000.bench.example)" = NXDOMAIN ]; do sleep 0.5; done
half=$((N / 200)) e2e=() after=() comp=() served=() applied=()
for r in $(seq "$RUNS"); do
	# remove the first $half names still there, add $half new ones
	python3 - "$r" "$half" "$N" <<'PY' >next.txt
import sys
r, h, n = (int(a) for a in sys.argv[1:])
names = open("names.txt").read().split()
print("\n".join(names[h:] + ["new%d-%08d.bench.example" % (r, i) for i in range(h)]))
PY
	mv next.txt names.txt
	isp lists import --list big --format plain names.txt 2>>"$runlog"
	probe=new$r-00000000.bench.example
	[ "$(status "$probe")" = NOERROR ] || echo "run $r: $probe answered before the change" >>"$runlog"
	t0=$(now)
	isp lists compile 2>>"$runlog"
	t1=$(now)
	until [ "$(grep -c "(incremental)" rpz2.log)" -ge "$r" ]; do sleep 0.01; done
	tx=$(now)
	until [ "$(status "$probe")" = NXDOMAIN ]; do sleep 0.01; done
	t2=$(now)
	served+=("$(awk -v a="$t1" -v b="$tx" 'BEGIN { printf "%.3f", b - a }')")
	applied+=("$(awk -v a="$tx" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')")
	e2e+=("$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')")
	after+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')")
	comp+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
	echo "change $r: compile ${comp[-1]} s, IXFR served ${served[-1]} s later, applied by BIND ${applied[-1]} s after that; end to end ${e2e[-1]} s" >>"$runlog"
done
grep -q "(incremental)" rpz2.log || echo "WARNING: no incremental transfer in rpz2.log" >>"$runlog"
ixfr=$(grep -c "(incremental)" rpz2.log || true)
isp_m2=$(rss "$rpid")
isp_h2=$(hwm "$rpid")
e2e_m=$(printf '%s\n' "${e2e[@]}" | median)
after_m=$(printf '%s\n' "${after[@]}" | median)
comp_m=$(printf '%s\n' "${comp[@]}" | median)
served_m=$(printf '%s\n' "${served[@]}" | median)
applied_m=$(printf '%s\n' "${applied[@]}" | median)
built=$(grep -o 'built in [0-9]* ms' rpz2.log | tail -n +2 | awk '{ print $3 }' | median)

{
	echo "# rpz: AXFR of a $N-name RPZ zone to kdig ($(nproc) cores, loaded machine: shared with other builds and tests; medians of $RUNS)"
	echo
	echo "| server | AXFR s | RSS MB |"
	echo "|---|---|---|"
	echo "| ispshield rpz | $isp_t | $((isp_m / 1024)) |"
	echo "| BIND 9 primary | $bind_t | $((bind_m / 1024)) |"
	echo
	echo "AXFR time ratio BIND / ispshield: $(awk -v a="$bind_t" -v b="$isp_t" 'BEGIN { printf "%.2f", a / b }')"
	echo
	echo "## a 1 % change ($((2 * half)) names: $half removed, $half added) to a BIND 9 secondary (medians of $RUNS)"
	echo
	echo "| step | s |"
	echo "|---|---|"
	echo "| lists compile | $comp_m |"
	echo "| end of compile -> ispshield has served the IXFR (sees the snapshot, rebuilds and diffs the zone: $built ms; NOTIFY; the secondary's SOA query and IXFR) | $served_m |"
	echo "| IXFR served -> the secondary answers the new name (BIND applying the RPZ update) | $applied_m |"
	echo "| end of compile -> the secondary answers the new name | $after_m |"
	echo "| end to end, from the start of lists compile | $e2e_m |"
	echo
	echo "Incremental transfers served: $ixfr. ispshield rpz with the journal of $RUNS changes: RSS $((isp_m2 / 1024)) MB, peak $((isp_h2 / 1024)) MB."
} | tee results.md
