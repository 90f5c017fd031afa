#!/usr/bin/env bash
# Threat-list engine benchmark (bench/README.md): import, compile, snapshot size and
# lookups of 1 M and 10 M generated C&C domains, side by side with Unbound holding the same
# 1 M names as an RPZ zone. Everything stays on this machine (Unbound binds 127.0.0.1 only).
#
# usage: bench/lists/run.sh [path-to-ispshield]        (default build/ispshield)
# bench_lookup is taken from beside it (BUILD/bench/bench_lookup). Output: bench/out/
# (git-ignored), the table on stdout and in bench/out/results.md.
# Environment: BENCH_RUNS (3) repetitions of the cheap steps, medians reported;
# BENCH_BIG (10000000) size of the large list, 0 skips it; BENCH_LOOKUPS (1000000)
# lookups per batch; BENCH_BATCHES (7).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
bl=$(dirname "$isp")/bench/bench_lookup
out=$root/bench/out
runs=${BENCH_RUNS:-3}
big=${BENCH_BIG:-10000000}
lookups=${BENCH_LOOKUPS:-1000000}
batches=${BENCH_BATCHES:-7}
unset ISPSHIELD_CONFIG

for x in "$isp" "$bl"; do
  [ -x "$x" ] || { echo "run.sh: $x not found (build first: make build)" >&2; exit 2; }
done
for c in python3 unbound dig /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "run.sh: $c missing (scripts/deps.sh bench)" >&2; exit 2; }
done
mkdir -p "$out"
log=$out/run.log
: >"$log"
say() { echo "== $*" >&2; echo "== $*" >>"$log"; }

# median of the numbers on stdin (one per line)
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
# run a command under /usr/bin/time; appends "seconds maxrss_kb" to file $1
timed() { local f=$1; shift; /usr/bin/time -f '%e %M' -o "$out/.time" "$@" >>"$log" 2>&1 || { echo "run.sh: failed: $*" >&2; tail -5 "$log" >&2; exit 1; }; cat "$out/.time" >>"$f"; }
col() { awk -v c="$1" '{print $c}' "$2" | median; }
# value of "RESULT key value" in file $2
res() { awk -v k="$1" '$1=="RESULT" && $2==k {print $3}' "$2" | median; }
calc() { awk "BEGIN {printf \"$1\n\", $2}"; }

# ---- workloads ----
anchor=$root/../shared/anchors/dns_workload.py
gen=$root/bench/lists/gen_names.py
workload() { # N DIR [--no-rpz]
  local n=$1 dir=$2 stamp
  if [ "$n" = 1000000 ] && [ -f "$anchor" ]; then stamp="anchor $n"; else stamp="gen $n"; fi
  if [ -f "$dir/c2.txt" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    say "workload $dir: reusing ($stamp)"; return
  fi
  say "workload $dir: generating $n names ($stamp)"
  rm -rf "$dir"; mkdir -p "$dir"
  if [ "${stamp%% *}" = anchor ]; then python3 "$anchor" "$n" "$dir" >>"$log"
  else python3 "$gen" "$n" "$dir" "${@:3}" >>"$log"; fi
  echo "$stamp" >"$dir/.stamp"
}
workload 1000000 "$out/w1m"
[ "$big" -gt 0 ] && workload "$big" "$out/wbig" --no-rpz

isp_run() { local db=$1; shift; "$isp" -q --store "$db" --snapshot "${db%.db}.snap" "$@"; }

# ---- 1 M: import, compile, lookups ----
n1=$(wc -l <"$out/w1m/c2.txt")
db=$out/s1m.db
rm -f "$out"/t1m_*.txt
for i in $(seq "$runs"); do
  say "1M import run $i"
  rm -f "$db" "$db"-* "${db%.db}.snap"
  timed "$out/t1m_import.txt" "$isp" -q --store "$db" --snapshot "${db%.db}.snap" \
    lists import --list c2 --kind domain --format plain "$out/w1m/c2.txt"
done
for i in $(seq "$runs"); do
  say "1M compile run $i"
  timed "$out/t1m_compile.txt" "$isp" -q --store "$db" --snapshot "${db%.db}.snap" lists compile
done
snap1=${db%.db}.snap
bytes1=$(stat -c %s "$snap1")
dbbytes1=$(stat -c %s "$db")
say "1M lookups ($lookups x $batches)"
"$bl" "$snap1" "$out/w1m/c2.txt" "$lookups" "$batches" >"$out/lookup1m.txt" 2>>"$log" \
  || { echo "run.sh: bench_lookup failed (wrong results?), see $log" >&2; exit 1; }
# more start-up samples (open + first lookup, RSS after it)
cp "$out/lookup1m.txt" "$out/open1m.txt"
for i in $(seq 2 "$runs"); do
  "$bl" "$snap1" "$out/w1m/c2.txt" 1000 1 >>"$out/open1m.txt" 2>>"$log"
done

# ---- large list: import and compile once ----
if [ "$big" -gt 0 ]; then
  nb=$(wc -l <"$out/wbig/c2.txt")
  dbb=$out/sbig.db
  rm -f "$dbb" "$dbb"-* "${dbb%.db}.snap" "$out"/tbig_*.txt
  say "big ($nb) import"
  timed "$out/tbig_import.txt" "$isp" -q --store "$dbb" --snapshot "${dbb%.db}.snap" \
    lists import --list c2 --kind domain --format plain "$out/wbig/c2.txt"
  say "big compile"
  timed "$out/tbig_compile.txt" "$isp" -q --store "$dbb" --snapshot "${dbb%.db}.snap" lists compile
  snapb=${dbb%.db}.snap
  bytesb=$(stat -c %s "$snapb")
  say "big lookups ($lookups x 3)"
  "$bl" "$snapb" "$out/wbig/c2.txt" "$lookups" 3 >"$out/lookupbig.txt" 2>>"$log" \
    || { echo "run.sh: bench_lookup (big) failed, see $log" >&2; exit 1; }
fi

# ---- Unbound 1.17 with the same 1 M names as an RPZ zone ----
freeport() { python3 "$root/scripts/freeport.py"; }
port=$(freeport)
deadport=$(freeport)   # nothing listens there: the forwarder is never reached
ubconf=$out/unbound-rpz.conf
# nothing listens on deadport: the forwarder is never reached
bash "$root/bench/unbound_rpz_conf.sh" "$port" "$out/w1m/c2.rpz" "$deadport" "$out" >"$ubconf"
unbound-checkconf "$ubconf" >>"$log" 2>&1 || { echo "run.sh: unbound-checkconf failed, see $log" >&2; exit 1; }
probe=$(sed -n '1p' "$out/w1m/c2.txt")
ubpid=
cleanup() { [ -n "$ubpid" ] && kill "$ubpid" 2>/dev/null && wait "$ubpid" 2>/dev/null; ubpid=; }
trap cleanup EXIT
rm -f "$out/unbound.txt"
for i in $(seq "$runs"); do
  say "Unbound run $i (port $port, probe $probe)"
  t0=$EPOCHREALTIME
  unbound -d -c "$ubconf" >>"$log" 2>&1 &
  ubpid=$!
  ok=
  while :; do
    if dig @127.0.0.1 -p "$port" "$probe" A +tries=1 +time=1 +noall +comments 2>/dev/null \
      | grep -q 'status: NXDOMAIN'; then ok=1; break; fi
    kill -0 "$ubpid" 2>/dev/null || break
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {exit !(b - a > 300)}' && break
    sleep 0.05
  done
  t1=$EPOCHREALTIME
  [ -n "$ok" ] || { echo "run.sh: Unbound did not answer NXDOMAIN for $probe, see $log" >&2; exit 1; }
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$ubpid/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$ubpid/status")
  echo "$(calc %.3f "$t1 - $t0") $rss $hwm" >>"$out/unbound.txt"
  cleanup
done
ubver=$(unbound -V 2>/dev/null | awk '/^Version/ {print $2}')

# ---- results ----
i1_s=$(col 1 "$out/t1m_import.txt"); i1_rss=$(col 2 "$out/t1m_import.txt")
c1_s=$(col 1 "$out/t1m_compile.txt"); c1_rss=$(col 2 "$out/t1m_compile.txt")
L=$out/lookup1m.txt
hit=$(res lookup_hit_ns_median "$L"); miss=$(res lookup_miss_ns_median "$L")
nhit=$(res norm_lookup_hit_ns_median "$L"); nmiss=$(res norm_lookup_miss_ns_median "$L")
normo=$(res normalise_only_ns_median "$L"); mem=$(res mem_random_read_ns_median "$L")
open_ms=$(awk '$2=="open_ns" {print $3/1e6}' "$out/open1m.txt" | median)
open_rss=$(awk '$2=="rss_open_kb" {print $3}' "$out/open1m.txt" | median)
ub_s=$(col 1 "$out/unbound.txt"); ub_rss=$(col 2 "$out/unbound.txt"); ub_hwm=$(col 3 "$out/unbound.txt")
bpk1=$(calc %.1f "$bytes1 / $n1")
mb() { calc %.1f "$1 / 1048576"; }
kbmb() { calc %.1f "$1 / 1024"; }
yes_no() { awk "BEGIN {print ($1) ? \"met\" : \"MISSED\"}"; }

{
  echo "# ispshield threat-list benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo)."
  echo "Medians of $runs runs (lookups: of $batches batches of $lookups). Unbound $ubver."
  echo
  echo "| metric | 1 M domains | ${big:+$big domains} | target |"
  echo "|---|---:|---:|---|"
  if [ "$big" -gt 0 ]; then
    ib_s=$(col 1 "$out/tbig_import.txt"); ib_rss=$(col 2 "$out/tbig_import.txt")
    cb_s=$(col 1 "$out/tbig_compile.txt"); cb_rss=$(col 2 "$out/tbig_compile.txt")
    B=$out/lookupbig.txt
    bpkb=$(calc %.1f "$bytesb / $nb")
  else
    ib_s=-; ib_rss=0; cb_s=-; cb_rss=0; B=/dev/null; bpkb=-; bytesb=0
  fi
  echo "| import time (s) | $i1_s | $ib_s | |"
  echo "| import peak RSS (MB) | $(kbmb "$i1_rss") | $(kbmb "$ib_rss") | |"
  echo "| compile time (s) | $c1_s | $cb_s | 1 M < 2 s: $(yes_no "$c1_s < 2") |"
  echo "| compile peak RSS (MB) | $(kbmb "$c1_rss") | $(kbmb "$cb_rss") | 10 M < 1 GB: $( [ "$big" = 10000000 ] && yes_no "$cb_rss < 1048576" || echo n/a) |"
  echo "| snapshot size (MB) | $(mb "$bytes1") | $(mb "$bytesb") | |"
  echo "| snapshot bytes per domain | $bpk1 | $bpkb | <= 40: $(yes_no "$bpk1 <= 40") |"
  echo "| lookup, hit (ns, median) | $hit | $(res lookup_hit_ns_median "$B") | <= 100: $(yes_no "$hit <= 100") |"
  echo "| lookup, miss (ns, median) | $miss | $(res lookup_miss_ns_median "$B") | <= 100: $(yes_no "$miss <= 100") |"
  echo "| lookup, hit, one at a time (ns, latency) | $(res lookup_hit_serial_ns_median "$L") | $(res lookup_hit_serial_ns_median "$B") | |"
  echo "| lookup, miss, one at a time (ns, latency) | $(res lookup_miss_serial_ns_median "$L") | $(res lookup_miss_serial_ns_median "$B") | |"
  echo "| lookup, hit, batches of 32 (ns per name) | $(res lookup_hit_batch_ns_median "$L") | $(res lookup_hit_batch_ns_median "$B") | <= 100: $(yes_no "$(res lookup_hit_batch_ns_median "$L") <= 100") |"
  echo "| lookup, miss, batches of 32 (ns per name) | $(res lookup_miss_batch_ns_median "$L") | $(res lookup_miss_batch_ns_median "$B") | <= 100: $(yes_no "$(res lookup_miss_batch_ns_median "$L") <= 100") |"
  echo "| normalise + lookup, hit (ns) | $nhit | $(res norm_lookup_hit_ns_median "$B") | |"
  echo "| normalise + lookup, miss (ns) | $nmiss | $(res norm_lookup_miss_ns_median "$B") | |"
  echo "| normalise alone (ns) | $normo | $(res normalise_only_ns_median "$B") | |"
  echo "| normalise alone, lower-case input (ns) | $(res normalise_only_lower_ns_median "$L") | $(res normalise_only_lower_ns_median "$B") | |"
  echo "| reference: one random memory read (ns) | $mem | $(res mem_random_read_ns_median "$B") | |"
  echo "| reference: the same in 2 MB pages (ns) | $(res mem_random_read_hugepages_ns_median "$L") | $(res mem_random_read_hugepages_ns_median "$B") | |"
  echo
  echo "Side by side, the same 1 M names (ispshield: snap_open + first lookup; Unbound: launch"
  echo "until it answers NXDOMAIN for a listed name):"
  echo
  echo "| | ispshield | Unbound $ubver (RPZ) | Unbound / ispshield |"
  echo "|---|---:|---:|---:|"
  echo "| start-up | $(calc %.1f "$open_ms") ms | $(calc %.2f "$ub_s") s | $(calc %.0f "$ub_s * 1000 / $open_ms")x |"
  echo "| RSS after start-up | $(kbmb "$open_rss") MB | $(kbmb "$ub_rss") MB (peak $(kbmb "$ub_hwm")) | $(calc %.1f "$ub_rss / $open_rss")x |"
  echo "| memory per name | $bpk1 B (snapshot, mapped) | $(calc %.0f "$ub_rss * 1024 / $n1") B | $(calc %.1f "$ub_rss * 1024 / $bytes1")x |"
  echo
  echo "Store (SQLite) after the 1 M import: $(mb "$dbbytes1") MB. Load average at the end:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates every figure)."
} >"$out/results.md"
cat "$out/results.md"
