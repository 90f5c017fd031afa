#!/usr/bin/env bash
# Store benchmark (bench/README.md, "Block events into the store"): one `ispshield dns`
# node (one worker thread) under dnsperf load where 10 % of the queries ask for listed
# names, four ways side by side, one after another: block events off (core.events=off,
# the baseline), written to a SQLite store, written to a PostgreSQL store (a private
# cluster started here), and spooled (the store unreachable: its path runs through a
# regular file, so every event goes to the local spool, core/events/evspool.h). The workload is bench/dns's (bench/out/w1m: the 1 M-name list,
# an Unbound upstream answering the 10 k allowed names from local-data, 200 k queries,
# 10 % listed), built the same way when missing. Everything binds 127.0.0.1 only.
#
# usage: bench/store/run.sh [path-to-ispshield]          (default build/ispshield)
# Output: bench/out/store/ (git-ignored), the table on stdout and in results.md.
# Environment: BENCH_RUNS (3) runs per mode (a fresh node and a fresh store each), medians
# reported; BENCH_SECONDS (15) timed load; BENCH_WARMUP (3).
# A build whose store_open rejects postgresql:// prints "PostgreSQL back end not in this
# build" for that row (the script is the same before and after that back end is merged).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
out=$root/bench/out/store
wdir=$root/bench/out/w1m
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECONDS:-15}
warm=${BENCH_WARMUP:-3}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
unset ISPSHIELD_CONFIG

[ -x "$isp" ] || { echo "run.sh: $isp not found (build first: make build)" >&2; exit 2; }
for c in python3 unbound dnsperf dig curl sqlite3 runuser; do
  command -v "$c" >/dev/null || { echo "run.sh: $c missing (scripts/deps.sh bench)" >&2; exit 2; }
done
mkdir -p "$out"
log=$out/run.log
: >"$log"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
say() { echo "== $*" >&2; echo "== $(date -u +%T) $*" >>"$log"; }
die() { echo "run.sh: $*" >&2; echo "run.sh: $*" >>"$log"; exit 1; }
freeport() { python3 "$root/scripts/freeport.py"; }

# ---- daemons: killed on exit, whatever happens ----
uppid=
nodepid=
pgdir=$out/pg
pg() { runuser -u postgres -- "$@"; }
stop() { # PIDVAR
  local p=${!1}
  if [ -n "$p" ]; then
    kill "$p" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  fi
  printf -v "$1" '%s' ''
}
cleanup() {
  stop nodepid; stop uppid
  [ -f "$pgdir/data/postmaster.pid" ] && pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >>"$log" 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- workload: bench/dns's, the same files (gen_names.py + gen_queries.py) ----
if [ ! -f "$wdir/c2.txt" ] || [ ! -f "$wdir/queries.txt" ] || [ ! -f "$wdir/upstream.conf" ]; then
  say "workload $wdir: generating (bench/lists/gen_names.py, bench/dns/gen_queries.py)"
  mkdir -p "$wdir"
  python3 "$root/bench/lists/gen_names.py" 1000000 "$wdir" --no-rpz >>"$log"
  python3 "$root/bench/dns/gen_queries.py" "$wdir" >>"$log"
fi
Q=$wdir/queries.txt
listed=$(awk '$1 !~ /\.allowed\.test$/' "$Q" | wc -l)
say "queries: $(wc -l <"$Q"), listed $listed"

upport=$(freeport); dns=$(freeport); met=$(freeport)
sed "s/5301/$upport/g" "$wdir/upstream.conf" >"$out/upstream.conf"
unbound -d -c "$out/upstream.conf" >>"$log" 2>&1 &
uppid=$!
ask() { dig @127.0.0.1 -p "$1" "$2" A +tries=2 +time=2 2>/dev/null | awk '/status:/ {s = $6; sub(/,/, "", s); print s}'; }
for _ in $(seq 200); do [ "$(ask "$upport" host0.allowed.test)" = NOERROR ] && break; sleep 0.05; done
[ "$(ask "$upport" host0.allowed.test)" = NOERROR ] || die "the upstream Unbound did not answer, see $log"

say "ispshield: import and compile the list"
"$isp" -q --store "$out/lists.db" --snapshot "$out/isp.snap" lists import --list c2 --kind domain \
  --format plain "$wdir/c2.txt" >>"$log" 2>&1 || die "import failed, see $log"
"$isp" -q --store "$out/lists.db" --snapshot "$out/isp.snap" lists compile >>"$log" 2>&1 || die "compile failed"
probe=$(awk '$1 !~ /\.allowed\.test$/ {print $1; exit}' "$Q")

# ---- PostgreSQL: a private cluster, loopback only, default durability ----
pguri=
pgnote=
if [ -x "$pgbin/initdb" ]; then
  pgport=$(freeport)
  rm -rf "$pgdir"; mkdir -p "$pgdir"; chown postgres "$pgdir"
  say "PostgreSQL initdb ($pgbin), port $pgport"
  pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres >>"$log" 2>&1
  pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1" start >>"$log" 2>&1
  pguri="postgresql://postgres@127.0.0.1:$pgport/postgres"
  # the back end may need its schema made first (`store migrate`, when the command exists)
  if "$isp" store --help >/dev/null 2>&1; then "$isp" --store "$pguri" store migrate >>"$log" 2>&1 || true; fi
  if ! "$isp" --store "$pguri" lists stats >>"$log" 2>&1; then
    pgnote="PostgreSQL back end not in this build"
    say "$pgnote (store_open rejects $pguri)"
    pguri=
  fi
else
  pgnote="PostgreSQL not installed"
fi

cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$nodepid/stat"; } # node user+sys
metric() { curl -s "127.0.0.1:$met/metrics" | awk -v n="ispshield_dns_$1" '$1 == n {print $2}'; }
start_node() { # MODE RUN
  local store=$out/events.db events=on
  case $1 in
  off) events=off ;;
  spool) : >"$out/nostore"; store=$out/nostore/events.db ;;
  sqlite) rm -f "$out/events.db" "$out/events.db"-* ;;
  postgresql)
    store=$pguri
    pg "$pgbin/psql" -h "$pgdir" -p "$pgport" -U postgres -X -q -c "TRUNCATE block_events" >>"$log" 2>&1 || true
    ;;
  esac
  rm -rf "$out/spool"
  "$isp" --store "$store" -o core.events=$events -o "core.spool=$out/spool" -o dns.subscribers=127.0.0.0/8 \
    dns --snapshot "$out/isp.snap" --listen "127.0.0.1:$dns" --upstream "127.0.0.1:$upport" \
    --threads 1 --metrics "127.0.0.1:$met" 2>"$out/$1-run$2.err" &
  nodepid=$!
  for _ in $(seq 200); do [ "$(ask "$dns" "$probe")" = NXDOMAIN ] && return 0; sleep 0.05; done
  die "the node ($1) did not block $probe, see $out/$1-run$2.err"
}

modes=(off sqlite postgresql spool)
samples=$out/samples.tsv
printf 'mode\trun\tqps\tlost\tevents_per_s\tspooled\tring_dropped\tstore_failures\tcpu_s\n' >"$samples"
for i in $(seq "$runs"); do
  for m in "${modes[@]}"; do
    [ "$m" = postgresql ] && [ -z "$pguri" ] && continue
    say "$m run $i"
    start_node "$m" "$i"
    dnsperf -s 127.0.0.1 -p "$dns" -d "$Q" -c 4 -q 200 -l "$warm" >"$out/$m-run$i-warmup.txt" 2>&1 || die "dnsperf (warm-up)"
    sleep 0.3 # the writer's last round of the warm-up
    w0=$(( $(metric events_written_total) + $(metric events_spooled_total) )); c0=$(cpu_s)
    dnsperf -s 127.0.0.1 -p "$dns" -d "$Q" -c 4 -q 200 -l "$secs" >"$out/$m-run$i.txt" 2>&1 || die "dnsperf failed ($m)"
    w1=$(( $(metric events_written_total) + $(metric events_spooled_total) )); c1=$(cpu_s)
    qps=$(awk '/Queries per second:/ {print $4}' "$out/$m-run$i.txt")
    lost=$(awk '/Queries lost:/ {print $3}' "$out/$m-run$i.txt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$i" "$qps" "$lost" \
      "$(awk -v a="$w0" -v b="$w1" -v s="$secs" 'BEGIN {printf "%.0f", (b - a) / s}')" \
      "$(metric events_spooled_total)" "$(metric events_dropped_total)" "$(metric events_store_failures_total)" \
      "$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b - a}')" >>"$samples"
    kill -0 "$nodepid" 2>/dev/null || die "the node died under load ($m)"
    stop nodepid
    if [ "$m" = sqlite ]; then
      echo "run $i: $(sqlite3 "$out/events.db" 'select count(*) from block_events') events in the SQLite store" >>"$log"
    fi
    f=$out/$m-run$i.err # keep what is not a block line
    { echo "# $(grep -c ' blocked client=' "$f" || true) block lines (not kept)"; grep -v ' blocked client=' "$f" || true; } >"$f.kept"
    mv "$f.kept" "$f"
  done
done

# ---- results ----
med() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v m="$1" -v c="$2" '$1 == m {print $c}' "$samples" | med; }
base=$(col off 3)
{
  echo "# ispshield block events into the store"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); load average at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "One \`ispshield dns\` node, one worker thread; dnsperf -c 4 -q 200 -l $secs after $warm s of warm-up; $(wc -l <"$Q") queries, $listed ($(awk -v a="$listed" -v b="$(wc -l <"$Q")" 'BEGIN {printf "%.1f", 100 * a / b}') %) for listed names; medians of $runs runs, a fresh node and store each."
  echo
  echo "| events | QPS | vs off | block events written (or spooled)/s | node CPU µs/query | lost queries | ring drops | spooled | store failures |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for m in "${modes[@]}"; do
    if [ "$m" = postgresql ] && [ -z "$pguri" ]; then
      echo "| postgresql | $pgnote | | | | | | | |"
      continue
    fi
    q=$(col "$m" 3)
    cpq=$(awk -F'\t' -v m="$m" '$1 == m {print 1e6 * $9 / ($3 * s)}' s="$secs" "$samples" | med)
    echo "| $m | $(printf %.0f "$q") | $(awk -v a="$q" -v b="$base" 'BEGIN {printf "%.3f", a / b}') | $(col "$m" 5) | $(printf %.2f "$cpq") | $(col "$m" 4) | $(col "$m" 7) | $(col "$m" 6) | $(col "$m" 8) |"
  done
  echo
  echo "Per run (QPS, node CPU s): $(awk -F'\t' 'NR > 1 {printf "%s%s %s %.0f %s", sep, $1, $2, $3, $9; sep = "; "}' "$samples")."
} >"$out/results.md"
cat "$out/results.md"
