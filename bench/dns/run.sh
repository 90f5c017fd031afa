#!/usr/bin/env bash
# DNS service benchmark (bench/README.md, "DNS service"): `ispshield dns`, Unbound 1.17 with
# the same 1 M names as an RPZ zone and dnsdist with them in a SuffixMatchNode, side by side
# in one run, one after another (never two at once), same upstream (an Unbound serving the
# 10 k names hostI.allowed.test from local-data), same dnsperf query file (90% of the
# queries for those names, 10% for listed names), one worker thread each. Reproduces
# shared/anchors (unbound-rpz.conf, dnsdist.conf, dnsperf -c 4 -q 200 -l 15 after 5 s of
# warm-up), ports and paths adjusted. Everything binds 127.0.0.1 only.
#
# usage: bench/dns/run.sh [path-to-ispshield]           (default build/ispshield)
# Output: bench/out/dns/ (git-ignored), the table on stdout and in bench/out/dns/results.md.
# Environment: BENCH_RUNS (3) runs per server (a fresh start each: start-up, warm-up,
# timed load, latency run), medians reported; BENCH_SECONDS (15) timed load;
# BENCH_WARMUP (5); BENCH_LAT_SECONDS (5) the per-query latency run (dnsperf -v);
# BENCH_UPSTREAM_PORT (5301, the anchor's; a free port is taken when it is in use).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
isp=$(realpath "${1:-$root/build/ispshield}")
here=$root/bench/dns
out=$root/bench/out/dns
wdir=$root/bench/out/w1m # the 1 M workload, shared with bench/lists/run.sh
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECONDS:-15}
warm=${BENCH_WARMUP:-5}
latsecs=${BENCH_LAT_SECONDS:-5}
upport=${BENCH_UPSTREAM_PORT:-5301}
unset ISPSHIELD_CONFIG

[ -x "$isp" ] || { echo "run.sh: $isp not found (build first: make build)" >&2; exit 2; }
for c in python3 /usr/bin/time unbound unbound-checkconf dnsdist dnsperf dig; do
  command -v "$c" >/dev/null || { echo "run.sh: $c missing (apt-get install unbound dnsdist dnsperf bind9-dnsutils)" >&2; exit 2; }
done
mkdir -p "$out"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
log=$out/run.log
: >"$log"
say() { echo "== $*" >&2; echo "== $(date -u +%T) $*" >>"$log"; }
die() { echo "run.sh: $*" >&2; echo "run.sh: $*" >>"$log"; exit 1; }

# ---- daemons: every one started here is killed on exit, whatever happens ----
uppid=
srvpid=
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
cleanup() { stop srvpid; stop uppid; }
trap cleanup EXIT
trap 'exit 130' INT TERM

awk '{exit !($1 > 1.5)}' /proc/loadavg && say "warning: load average $load0 at the start: other work on the machine will lower every figure"

# ---- workload: the anchor's (shared/anchors/dns_workload.py) or the same files rebuilt ----
anchor=$root/../shared/anchors/dns_workload.py
if [ -f "$anchor" ]; then stamp="anchor 1000000"; else stamp="gen 1000000"; fi
if [ -f "$wdir/c2.txt" ] && [ -f "$wdir/c2.rpz" ] && [ "$(cat "$wdir/.stamp" 2>/dev/null)" = "$stamp" ]; then
  say "workload $wdir: reusing ($stamp)"
else
  say "workload $wdir: generating 1000000 names ($stamp)"
  rm -rf "$wdir"; mkdir -p "$wdir"
  if [ -f "$anchor" ]; then python3 "$anchor" 1000000 "$wdir" >>"$log"
  else python3 "$root/bench/lists/gen_names.py" 1000000 "$wdir" >>"$log"; fi
  echo "$stamp" >"$wdir/.stamp"
fi
# bench/lists/gen_names.py writes only the list: add the upstream and the queries
if [ ! -f "$wdir/queries.txt" ] || [ ! -f "$wdir/upstream.conf" ]; then
  say "workload: writing upstream.conf and queries.txt (gen_queries.py)"
  python3 "$here/gen_queries.py" "$wdir" >>"$log"
fi
Q=$wdir/queries.txt
nlist=$(wc -l <"$wdir/c2.txt")

freeport() { python3 "$root/scripts/freeport.py"; }
portfree() { # PORT: nothing bound on 127.0.0.1:PORT, UDP or TCP
  python3 - "$1" <<'EOF'
import socket, sys
p = int(sys.argv[1])
for k in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, k)
    try:
        s.bind(('127.0.0.1', p))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}
if ! portfree "$upport"; then
  np=$(freeport)
  say "127.0.0.1:$upport is in use (not by this script): the upstream takes $np"
  upport=$np
fi
p_isp=$(freeport); p_metrics=$(freeport); p_ub=$(freeport); p_dd=$(freeport)

# probes: listed names the query file never asks for; the upstream answers them (192.0.2.N),
# so an NXDOMAIN for them can only come from the server's own list, never from upstream
mapfile -t probes < <(python3 - "$wdir/c2.txt" "$Q" <<'EOF'
import sys
asked = {l.split()[0] for l in open(sys.argv[2])}
n = 0
for l in open(sys.argv[1]):
    d = l.strip()
    if d and d not in asked:
        print(d); n += 1
        if n == 3: break
EOF
)
allowed=(host0.allowed.test host4242.allowed.test host9999.allowed.test)
allowed_a=(10.0.0.0 10.0.16.146 10.0.39.15)
listed_asked=$(awk '$1 !~ /\.allowed\.test$/ {print $1; exit}' "$Q")

# ---- configurations: the anchors', ports and paths adjusted ----
upconf=$out/upstream.conf
{
  sed "s/5301/$upport/g" "$wdir/upstream.conf"
  for k in 0 1 2; do echo "  local-data: \"${probes[$k]}. 3600 IN A 192.0.2.$((k + 1))\""; done
} >"$upconf"
ubconf=$out/unbound-rpz.conf
bash "$root/bench/unbound_rpz_conf.sh" "$p_ub" "$wdir/c2.rpz" "$upport" "$out" >"$ubconf"
grep -q "port: $p_ub" "$ubconf" && grep -q "@$upport" "$ubconf" || die "could not adapt unbound-rpz.conf ($ubconf)"
ddconf=$out/dnsdist.conf
bash "$here/dnsdist_conf.sh" "$p_dd" "$upport" "$wdir/c2.txt" >"$ddconf"
unbound-checkconf "$upconf" >>"$log" 2>&1 || die "unbound-checkconf $upconf failed, see $log"
unbound-checkconf "$ubconf" >>"$log" 2>&1 || die "unbound-checkconf $ubconf failed, see $log"
dnsdist --check-config -C "$ddconf" >>"$log" 2>&1 || die "dnsdist --check-config failed, see $log"

# ispshield: the same list, imported and compiled once (bench/lists times these steps)
say "ispshield: import and compile the $nlist names"
idb=$out/isp.db
rm -f "$idb" "$idb"-* "$out/isp.snap"
"$isp" -q --store "$idb" --snapshot "$out/isp.snap" lists import --list c2 --kind domain --format plain "$wdir/c2.txt" >>"$log" 2>&1 \
  || die "ispshield lists import failed, see $log"
"$isp" -q --store "$idb" --snapshot "$out/isp.snap" lists compile >>"$log" 2>&1 || die "ispshield lists compile failed, see $log"

# ---- helpers ----
# ask PORT NAME -> "STATUS ADDR" (ADDR: the first A record, or -)
ask() {
  dig @127.0.0.1 -p "$1" "$2" A +tries=2 +time=2 +noall +comments +answer 2>/dev/null | awk '
    /status:/ {s = $0; sub(/.*status: /, "", s); sub(/,.*/, "", s)}
    $4 == "A" && a == "" {a = $5}
    END {print (s == "" ? "NOANSWER" : s), (a == "" ? "-" : a)}'
}
expect() { # PORT NAME "STATUS ADDR" WHO
  local got
  got=$(ask "$1" "$2")
  echo "check $4: $2 -> $got (want $3)" >>"$log"
  [ "$got" = "$3" ] || die "$4 answered $2 with \"$got\", want \"$3\": not benchmarking a wrong server"
}
verify() { # PORT WHO
  local k
  for k in 0 1 2; do
    expect "$1" "${probes[$k]}" "NXDOMAIN -" "$2"
    expect "$1" "${allowed[$k]}" "NOERROR ${allowed_a[$k]}" "$2"
  done
  expect "$1" "$listed_asked" "NXDOMAIN -" "$2"
}
rcvbuf_errors() { awk '/^Udp:/ {n++; if (n == 2) print $6}' /proc/net/snmp; }
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$srvpid/stat"; } # server user+sys
kb() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$srvpid/status"; }

# ---- the shared upstream ----
say "upstream Unbound on 127.0.0.1:$upport (10 k local-data names + 3 probes)"
unbound -d -c "$upconf" >>"$log" 2>&1 &
uppid=$!
for _ in $(seq 200); do
  [ "$(ask "$upport" "${allowed[0]}")" = "NOERROR ${allowed_a[0]}" ] && break
  kill -0 "$uppid" 2>/dev/null || die "the upstream Unbound exited, see $log"
  sleep 0.05
done
for k in 0 1 2; do
  expect "$upport" "${allowed[$k]}" "NOERROR ${allowed_a[$k]}" upstream
  expect "$upport" "${probes[$k]}" "NOERROR 192.0.2.$((k + 1))" upstream
done

start_server() { # NAME RUN -> sets srvpid, port
  case $1 in
  ispshield)
    port=$p_isp
    cp "$idb" "$out/isp-run.db" # a fresh store each run: block events are recorded there
    "$isp" --store "$out/isp-run.db" --snapshot "$out/isp.snap" -o dns.subscribers=127.0.0.0/8 \
      dns --listen "127.0.0.1:$port" --upstream "127.0.0.1:$upport" --threads 1 \
      --metrics "127.0.0.1:$p_metrics" 2>"$out/ispshield-run$2.err" &
    ;;
  unbound)
    port=$p_ub
    unbound -d -c "$ubconf" >>"$log" 2>&1 &
    ;;
  dnsdist)
    port=$p_dd
    dnsdist --supervised --disable-syslog -C "$ddconf" >>"$log" 2>&1 &
    ;;
  esac
  srvpid=$!
}

perf() { dnsperf -s 127.0.0.1 -p "$port" -d "$Q" -c 4 -q 200 "$@"; }

samples=$out/samples.tsv
printf 'server\trun\tstartup_s\trss_kb\thwm_kb\trcvbuf_errors\tperf\tlat\tcpu_s\tclient_cpu_s\n' >"$samples"
servers=(ispshield unbound dnsdist)
for i in $(seq "$runs"); do
  for s in "${servers[@]}"; do
    kill -0 "$uppid" 2>/dev/null || die "the upstream Unbound died"
    # start-up: launch -> first NXDOMAIN for a listed name (polled every 50 ms)
    say "$s run $i: start"
    t0=$EPOCHREALTIME
    start_server "$s" "$i"
    ok=
    while :; do
      if [ "$(ask "$port" "${probes[0]}")" = "NXDOMAIN -" ]; then ok=1; break; fi
      kill -0 "$srvpid" 2>/dev/null || break
      awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {exit !(b - a > 300)}' && break
      sleep 0.05
    done
    t1=$EPOCHREALTIME
    [ -n "$ok" ] || die "$s did not answer NXDOMAIN for ${probes[0]} (exited or 300 s), see $log"
    startup=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    verify "$port" "$s"
    say "$s run $i: up in $startup s, answers checked; warm-up ${warm} s"
    perf -l "$warm" >"$out/$s-run$i-warmup.txt" 2>&1 || die "dnsperf (warm-up) failed against $s"
    say "$s run $i: load ${secs} s"
    e0=$(rcvbuf_errors); c0=$(cpu_s)
    /usr/bin/time -f '%U %S' -o "$out/.time" dnsperf -s 127.0.0.1 -p "$port" -d "$Q" -c 4 -q 200 -l "$secs" \
      >"$out/$s-run$i.txt" 2>&1 || die "dnsperf failed against $s"
    e1=$(rcvbuf_errors); c1=$(cpu_s)
    cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b - a}')
    ccpu=$(awk '{printf "%.2f", $1 + $2}' "$out/.time")
    kill -0 "$srvpid" 2>/dev/null || die "$s died under load, see $log"
    rss=$(kb VmRSS); hwm=$(kb VmHWM)
    if [ "$s" = ispshield ]; then
      python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
        "http://127.0.0.1:$p_metrics/metrics" >"$out/ispshield-run$i.metrics" 2>>"$log" || echo "metrics scrape failed" >>"$log"
    fi
    say "$s run $i: per-query latencies, ${latsecs} s (dnsperf -v)"
    perf -l "$latsecs" -v >"$out/$s-run$i-v.raw" 2>&1 || die "dnsperf -v failed against $s"
    python3 "$here/stats.py" verbose "$out/$s-run$i-v.raw" >"$out/$s-run$i-lat.txt"
    rm -f "$out/$s-run$i-v.raw"
    verify "$port" "$s" # still right after the load
    stop srvpid
    if [ "$s" = ispshield ]; then # keep what is not a block line; count the block lines
      f=$out/ispshield-run$i.err
      { echo "# $(grep -c ' blocked client=' "$f" || true) block lines (not kept)"; grep -v ' blocked client=' "$f" || true; } >"$f.kept"
      mv "$f.kept" "$f"
      rm -f "$out/isp-run.db" "$out/isp-run.db"-*
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$i" "$startup" "$rss" "$hwm" "$((e1 - e0))" \
      "$out/$s-run$i.txt" "$out/$s-run$i-lat.txt" "$cpu" "$ccpu" >>"$samples"
  done
done
stop uppid

ubver=$(unbound -V 2>/dev/null | awk '/^Version/ {print $2}')
ddver=$(dnsdist --version 2>/dev/null | awk 'NR == 1 {print $2}')
dpver=$(dnsperf -h 2>&1 | awk '/^Version/ {print $2}')
python3 "$here/stats.py" report "$samples" "$Q" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo); load average at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg)" \
  "$ubver" "$ddver" "$dpver" "$runs" "$secs" "$warm" "$latsecs" "$nlist" >"$out/results.md"
cat "$out/results.md"
