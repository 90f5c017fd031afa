#!/usr/bin/env bash
# Darknet benchmark (bench/README.md): ispshield darknet's full analysis side by side with
# tcpdump reading the same file (-w /dev/null: reading only) and tshark's endpoint
# statistics. tshark is slow and memory hungry, so it runs on the first BENCH_PREFIX
# packets (editcap -r), and ispshield runs on that prefix too for a like-for-like ratio.
# Medians of BENCH_RUNS runs. Usage: bench/darknet/run.sh BUILD_DIR
# Env: BENCH_PACKETS (30000000), BENCH_SOURCES (400000), BENCH_DAYS (7), BENCH_PREFIX
# (1000000), BENCH_RUNS (3). Output: bench/out/darknet/ (results.md, run.log).
set -euo pipefail
build=${1:-build}
bin=$build/ispshield
gen=$build/bench/bench_darknet_gen
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/darknet
mkdir -p "$out"
P=${BENCH_PACKETS:-30000000} S=${BENCH_SOURCES:-400000} D=${BENCH_DAYS:-7}
PRE=${BENCH_PREFIX:-1000000} RUNS=${BENCH_RUNS:-3}
cap=$out/darknet-$P-$S-$D.pcap
pre=$out/prefix-$PRE.pcap
log=$out/run.log
: > "$log"
[ -s "$cap" ] || { echo "generating $cap" >&2; "$gen" "$cap" "$P" "$S" "$D"; }
[ -s "$pre" ] || editcap -r "$cap" "$pre" "1-$PRE"
# time CMD... -> "seconds maxrss_kb"
measure() { /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >/dev/null 2>>"$log"; cat "$out/time.txt"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { # name cmd... : prints "median_s median_rss_kb"
  local i s=() m=()
  for i in $(seq "$RUNS"); do
    read -r t r < <(measure "$@")
    echo "$1 run $i: $t s, $r KB" >> "$log"
    s+=("$t"); m+=("$r")
  done
  echo "$(printf '%s\n' "${s[@]}" | median) $(printf '%s\n' "${m[@]}" | median)"
}
sync
read -r dn_t dn_m < <(runs "$bin" -q darknet --json --sources 0 --sensor 198.51.0.0/16 "$cap")
read -r dd_t dd_m < <(runs "$bin" -q darknet --json --sensor 198.51.0.0/16 "$cap")
read -r td_t td_m < <(runs tcpdump -r "$cap" -w /dev/null)
read -r dp_t dp_m < <(runs "$bin" -q darknet --json --sources 0 --sensor 198.51.0.0/16 "$pre")
read -r dq_t dq_m < <(runs "$bin" -q darknet --json --sensor 198.51.0.0/16 "$pre")
read -r ts_t ts_m < <(runs tshark -q -z endpoints,ip -r "$pre")
nsrc=$("$bin" -q darknet --json --sources 1 --sensor 198.51.0.0/16 "$pre" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"])')
rate() { python3 -c "print(f'{$1 / $2 / 1e6:.2f}')"; }
{
  echo "# darknet benchmark ($(date -u +%Y-%m-%d), $(nproc) CPUs shared, medians of $RUNS runs)"
  echo
  echo "Capture: $P packets, $S source addresses drawn heavy-tailed, $D days, one /16 sensor,"
  echo "$(( $(stat -L -c %s "$cap") / 1000000 )) MB (bench/darknet/gen.c). Prefix for tshark: first $PRE packets ($nsrc sources)."
  echo
  echo "| run | packets | seconds | M packets/s | peak RSS MB |"
  echo "|---|---|---|---|---|"
  echo "| ispshield darknet, full analysis, JSON listing every source | $P | $dn_t | $(rate "$P" "$dn_t") | $((dn_m / 1024)) |"
  echo "| ispshield darknet, full analysis, JSON (top 1000 sources listed) | $P | $dd_t | $(rate "$P" "$dd_t") | $((dd_m / 1024)) |"
  echo "| tcpdump -r FILE -w /dev/null (reading only) | $P | $td_t | $(rate "$P" "$td_t") | $((td_m / 1024)) |"
  echo "| ispshield darknet on the prefix, every source listed | $PRE | $dp_t | $(rate "$PRE" "$dp_t") | $((dp_m / 1024)) |"
  echo "| ispshield darknet on the prefix, top 1000 sources listed | $PRE | $dq_t | $(rate "$PRE" "$dq_t") | $((dq_m / 1024)) |"
  echo "| tshark -q -z endpoints,ip on the prefix | $PRE | $ts_t | $(rate "$PRE" "$ts_t") | $((ts_m / 1024)) |"
  echo
  echo "Ratios: ispshield (top 1000 listed) / tcpdump reading rate = $(python3 -c "print(f'{$td_t / $dd_t:.2f}')");"
  echo "ispshield / tshark on the same prefix = $(python3 -c "print(f'{$ts_t / $dp_t:.0f}')")x listing every source"
  echo "(as tshark lists every endpoint), $(python3 -c "print(f'{$ts_t / $dq_t:.0f}')")x with the default listing."
} | tee "$out/results.md"
