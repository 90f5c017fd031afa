#!/usr/bin/env bash
# STIX import benchmark (issue 22): `lists import` of N indicators as a STIX 2.1 bundle
# side by side with the same N names as plain text -- what an operator would otherwise
# convert the bundle to. The issue's goal: the bundle within 2x of plain text. Each run
# imports into a fresh store; medians of BENCH_RUNS (3) runs, wall seconds and peak RSS.
#
# usage: bench/intel/run.sh [path-to-ispshield]       (default build/ispshield)
# Environment: BENCH_N (1000000) indicators, BENCH_RUNS (3). Output: bench/out/intel/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
n=${BENCH_N:-1000000}
runs=${BENCH_RUNS:-3}
out=$root/bench/out/intel
unset ISPSHIELD_CONFIG
[ -x "$isp" ] || { echo "run.sh: $isp not found (build first)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "run.sh: /usr/bin/time missing" >&2; exit 2; }
mkdir -p "$out"
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$n" ]; then
  python3 "$root/bench/intel/gen_bundle.py" "$n" "$out"
  echo "$n" >"$out/.stamp"
fi
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
one() { # FORMAT FILE -> appends "seconds maxrss_kb" to $out/FORMAT.times
  rm -f "$out/t.db"
  /usr/bin/time -f '%e %M' -o "$out/.time" "$isp" -q --store "$out/t.db" lists import \
    --list c2 --kind domain --format "$1" --source bench "$2" >/dev/null 2>"$out/$1.log" ||
    { echo "run.sh: import $1 failed" >&2; tail -3 "$out/$1.log" >&2; exit 1; }
  cat "$out/.time" >>"$out/$1.times"
}
rm -f "$out"/*.times
for _ in $(seq "$runs"); do one plain "$out/plain.txt"; one stix "$out/bundle.json"; done
ps=$(awk '{print $1}' "$out/plain.times" | median); ss=$(awk '{print $1}' "$out/stix.times" | median)
pm=$(awk '{print $2}' "$out/plain.times" | median); sm=$(awk '{print $2}' "$out/stix.times" | median)
bs=$(stat -c %s "$out/bundle.json"); tsz=$(stat -c %s "$out/plain.txt")
{
  echo "| input ($n entries) | file MB | import s (median of $runs) | peak RSS MB |"
  echo "|---|---|---|---|"
  awk -v b="$tsz" -v s="$ps" -v m="$pm" 'BEGIN {printf "| plain text | %.0f | %.2f | %.0f |\n", b/1e6, s, m/1024}'
  awk -v b="$bs" -v s="$ss" -v m="$sm" 'BEGIN {printf "| STIX 2.1 bundle | %.0f | %.2f | %.0f |\n", b/1e6, s, m/1024}'
  awk -v a="$ss" -v b="$ps" 'BEGIN {printf "\nSTIX / plain: %.2fx (goal: within 2x)\n", a/b}'
} | tee "$out/results.md"
