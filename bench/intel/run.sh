#!/usr/bin/env bash
# STIX import benchmark (issue 22): `lists import` of N indicators as a STIX 2.1 bundle
# side by side with the same N names as plain text -- what an operator would otherwise
# convert the bundle to. The issue's goal: the bundle within 2x of plain text. Each run
# imports into a fresh store; medians of BENCH_RUNS (3) runs: wall seconds, CPU seconds
# (user + system: steadier than wall time on a machine that other jobs load) and peak RSS.
#
# usage: bench/intel/run.sh [path-to-ispshield]       (default build/ispshield)
# Environment: BENCH_N (1000000) indicators, BENCH_RUNS (3); BENCH_BEFORE=path of another
# build (say, of the commit before a change): its imports run interleaved with these, in
# the same run, and get their own rows -- on a loaded machine only a comparison made in
# one run means anything. Output: bench/out/intel/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
n=${BENCH_N:-1000000}
runs=${BENCH_RUNS:-3}
out=$root/bench/out/intel
unset ISPSHIELD_CONFIG
[ -x "$isp" ] || { echo "run.sh: $isp not found (build first)" >&2; exit 2; }
before=${BENCH_BEFORE:+$(realpath "$BENCH_BEFORE")}
[ -z "$before" ] || [ -x "$before" ] || { echo "run.sh: $before not found" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "run.sh: /usr/bin/time missing" >&2; exit 2; }
mkdir -p "$out"
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$n" ]; then
  python3 "$root/bench/intel/gen_bundle.py" "$n" "$out"
  echo "$n" >"$out/.stamp"
fi
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
one() { # BINARY TAG FORMAT FILE -> appends "wall_s maxrss_kb cpu_s" to $out/TAG-FORMAT.times
  rm -f "$out/t.db"
  /usr/bin/time -f '%e %M %U %S' -o "$out/.time" "$1" -q --store "$out/t.db" lists import \
    --list c2 --kind domain --format "$3" --source bench "$4" >/dev/null 2>"$out/$3.log" ||
    { echo "run.sh: import $3 ($1) failed" >&2; tail -3 "$out/$3.log" >&2; exit 1; }
  awk '{print $1, $2, $3 + $4}' "$out/.time" >>"$out/$2-$3.times"
}
rm -f "$out"/*.times
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$runs"); do
  if [ -n "$before" ]; then
    one "$before" before plain "$out/plain.txt"; one "$before" before stix "$out/bundle.json"
  fi
  one "$isp" this plain "$out/plain.txt"; one "$isp" this stix "$out/bundle.json"
done
bs=$(stat -c %s "$out/bundle.json"); tsz=$(stat -c %s "$out/plain.txt")
rows() { # TAG LABEL
  local ps ss pm sm pc sc
  ps=$(awk '{print $1}' "$out/$1-plain.times" | median); ss=$(awk '{print $1}' "$out/$1-stix.times" | median)
  pm=$(awk '{print $2}' "$out/$1-plain.times" | median); sm=$(awk '{print $2}' "$out/$1-stix.times" | median)
  pc=$(awk '{print $3}' "$out/$1-plain.times" | median); sc=$(awk '{print $3}' "$out/$1-stix.times" | median)
  awk -v b="$tsz" -v s="$ps" -v c="$pc" -v m="$pm" -v l="$2" 'BEGIN {printf "| plain text%s | %.0f | %.2f | %.2f | %.0f |\n", l, b/1e6, s, c, m/1024}'
  awk -v b="$bs" -v s="$ss" -v c="$sc" -v m="$sm" -v l="$2" 'BEGIN {printf "| STIX 2.1 bundle%s | %.0f | %.2f | %.2f | %.0f |\n", l, b/1e6, s, c, m/1024}'
  awk -v a="$ss" -v b="$ps" -v x="$sc" -v y="$pc" -v l="$2" 'BEGIN {printf "| STIX / plain%s | | %.2fx | %.2fx | |\n", l, a/b, x/y}'
}
{
  echo "load average before the run: $load0"
  echo
  echo "| input ($n entries) | file MB | import s (median of $runs) | CPU s | peak RSS MB |"
  echo "|---|---|---|---|---|"
  [ -z "$before" ] || rows before " (before)"
  rows this ""
  echo
  echo "goal: STIX within 2x of plain text; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/results.md"
