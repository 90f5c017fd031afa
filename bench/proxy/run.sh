#!/usr/bin/env bash
# Proxy benchmark (bench/README.md, "Proxy"): wrk through `ispshield proxy`, Squid 5 with
# squidGuard, and Privoxy, to the same local nginx, each with the same 1 M-URL list loaded
# the way its users would load it (ispshield: lists import --kind url + compile; Squid: a
# squidGuard urllist db built with squidGuard -C, as url_rewrite_program; Privoxy: an action
# file of {+block} patterns), one worker each; nginx direct as the reference. Reproduces the
# anchor (shared/anchors/README.md: nginx serving a 2.8 kB page, wrk -t1 -c32 -d10s with a
# Lua script sending absolute-form requests; Squid 1 worker, `cache deny all`).
#
# usage: bench/proxy/run.sh [path-to-ispshield]           (default build/ispshield)
# Output: bench/out/proxy/ (git-ignored): results.md (the table, also on stdout),
# samples.tsv, each wrk output (<server>-<load>-runN.txt), the configurations, run.log.
# Environment: BENCH_RUNS (3, medians reported), BENCH_SECONDS (10 per wrk run),
# BENCH_CONNS (32), BENCH_URLS (1000000 list entries), BENCH_LISTED_PCT (10: share of
# listed URLs in the "mixed" load), BENCH_HELPERS (8 squidGuard children).
#
# Everything binds 127.0.0.1. As root, the whole run moves into a private network namespace
# (unshare -n) whose only interface is loopback, so nothing can leave the machine (an
# unlisted random host would otherwise make Squid or Privoxy ask the system's resolver).
# CPU: with 2+ cores, wrk and nginx are pinned to CPU 0 and the proxy under test (with its
# helpers and threads) to CPU 1 (taskset); for "nginx direct" nginx moves to CPU 1 during its
# runs, so each server under test has one core of its own and the client the other.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${BENCH_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
  unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
  exec unshare -n env BENCH_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
isp=$(realpath "${1:-$root/build/ispshield}")
here=$root/bench/proxy
out=$root/bench/out/proxy
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNS:-32}
nurls=${BENCH_URLS:-1000000}
pct=${BENCH_LISTED_PCT:-10}
helpers=${BENCH_HELPERS:-8}
unset ISPSHIELD_CONFIG

[ -x "$isp" ] || { echo "run.sh: $isp not found (build first: make build)" >&2; exit 2; }
for c in python3 curl wrk nginx squid squidGuard privoxy taskset /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "run.sh: $c missing (scripts/deps.sh bench)" >&2; exit 2; }
done
mkdir -p "$out"
log=$out/run.log
: >"$log"
say() { echo "== $*" >&2; echo "== $(date -u +%T) $*" >>"$log"; }
die() { echo "run.sh: $*" >&2; echo "run.sh: $*" >>"$log"; exit 1; }
[ -n "${BENCH_NETNS:-}" ] && say "in a private network namespace (loopback only)" ||
  say "warning: no private network namespace (not root?): relying on every request being local"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
awk '{exit !($1 > 1.5)}' /proc/loadavg && say "warning: load average $load0 at the start"

if [ "$(nproc)" -ge 2 ]; then CL=0 SV=1; else CL=0 SV=0; fi
# (taskset execs the command, so $! of `taskset ... &` is the daemon itself)

# ---- daemons: every one started here is killed on exit, whatever happens ----
declare -A pid=()
stop() { # NAME
  local p=${pid[$1]:-}
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  pid[$1]=
}
cleanup() { for n in privoxy squid isp nginx; do stop $n; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the list, in each proxy's format ----
L=$out/list
if [ "$(cat "$L/.stamp" 2>/dev/null)" = "$nurls" ] && [ -f "$L/urls.txt" ]; then
  say "list $L: reusing ($nurls URLs)"
else
  say "list $L: generating $nurls URLs (gen_urls.py)"
  rm -rf "$L"
  python3 "$here/gen_urls.py" "$nurls" "$L" >>"$log"
  echo "$nurls" >"$L/.stamp"
fi
freeport() { python3 "$root/scripts/freeport.py"; }
NGX=$(freeport); PISP=$(freeport); PSQ=$(freeport); PPV=$(freeport)

# ---- nginx: the one upstream, a 2.8 kB page; /blocked.html is squidGuard's redirect target ----
N=$out/nginx
rm -rf "$N"; mkdir -p "$N/www" "$N/tmp"
python3 -c "
import random; random.seed(1)
w=' '.join(''.join(random.choice('abcdefghij') for _ in range(7)) for _ in range(330))
print('<!DOCTYPE html><html><head><title>bench page</title></head><body><p>'+w+'</p></body></html>')" |
  head -c 2800 >"$N/www/index.html"
echo 'BLOCKED-BY-SQUIDGUARD' >"$N/www/blocked.html"
chmod -R a+rX "$N"
cat >"$N/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $N/tmp; proxy_temp_path $N/tmp; fastcgi_temp_path $N/tmp;
  uwsgi_temp_path $N/tmp; scgi_temp_path $N/tmp;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$NGX;
    root $N/www;
    location / { try_files /index.html =404; }
    location = /blocked.html { access_log $N/blocked.log; }
  }
}
EOF
taskset -c $CL nginx -p "$N/" -c "$N/nginx.conf" -e "$N/error.log" & pid[nginx]=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NGX/" && break; sleep 0.05; done
page=$(wc -c <"$N/www/index.html")

# ---- request files: unlisted URLs on nginx (the common case), and a share of listed ones ----
python3 - "$NGX" "$L/urls.txt" "$pct" "$out" <<'PY'
import random, sys
port, lst, pct, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
random.seed(7)
a = 'abcdefghijklmnopqrstuvwxyz0123456789'
w = lambda lo, hi: ''.join(random.choice(a) for _ in range(random.randint(lo, hi)))
allowed = ['http://127.0.0.1:%s/%s/%s.%s' % (port, w(3, 10), w(5, 12), random.choice(['html', 'js', 'png', 'css']))
           for _ in range(10000)]
listed = open(lst).read().split()
listed = random.sample(listed, 10000 * pct // 100)
mixed = allowed[:10000 - len(listed)] + listed
random.shuffle(mixed)
open(out + '/allowed.urls', 'w').write('\n'.join(allowed) + '\n')
open(out + '/mixed.urls', 'w').write('\n'.join(mixed) + '\n')
open(out + '/probe.urls', 'w').write(allowed[0] + '\n' + listed[0] + '\n')
PY
ok_url=$(sed -n 1p "$out/probe.urls"); bad_url=$(sed -n 2p "$out/probe.urls")

startup() { # NAME PORT CODE: seconds until a listed URL gets its block answer (status CODE)
  local t0 c=; t0=$(date +%s.%N)
  for _ in $(seq 1200); do
    c=$(curl -s -m 5 -o "$out/$1.probe" -w '%{http_code}' -x "127.0.0.1:$2" "$bad_url" || true)
    if [ "$c" = "$3" ]; then python3 -c "import time; print('%.2f' % (time.time() - $t0))"; return 0; fi
    kill -0 "${pid[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  die "$1: no block answer for $bad_url (last status '$c'; see $out)"
}

# ---- ispshield proxy: list imported and compiled, one worker thread ----
I=$out/ispshield
rm -rf "$I"; mkdir -p "$I"
say "ispshield: import + compile $nurls URLs"
/usr/bin/time -f '%e %M' -o "$I/import.time" "$isp" --store "$I/isp.db" -q lists import \
  --list urlhaus-bench --kind url "$L/urls.txt" >>"$log" 2>&1 || die "ispshield import failed"
/usr/bin/time -f '%e %M' -o "$I/compile.time" "$isp" --store "$I/isp.db" -q lists compile \
  >>"$log" 2>&1 || die "ispshield compile failed"
head -c 32 /dev/urandom >"$I/secret"
start_isp() {
  taskset -c $SV "$isp" --store "$I/isp.db" proxy --listen "127.0.0.1:$PISP" --threads 1 \
    --resolver-threads 1 --secret-file "$I/secret" --max-connections 4096 \
    --allow-destinations 127.0.0.1/32 2>"$I/proxy.log" &
  pid[isp]=$!
  st[isp]=$(startup isp "$PISP" 403)
}

# ---- Squid 5 + squidGuard: one worker, no cache, no access log ----
S=$out/squid
rm -rf "$S"; mkdir -p "$S/sglog"
cat >"$S/squidGuard.conf" <<EOF
dbhome $L/sg
logdir $S/sglog
dest listed {
	urllist listed/urls
}
acl {
	default {
		pass !listed all
		redirect http://127.0.0.1:$NGX/blocked.html
	}
}
EOF
say "squidGuard: building the db (squidGuard -C)"
rm -f "$L/sg/listed/urls.db"
/usr/bin/time -f '%e %M' -o "$S/sgdb.time" squidGuard -c "$S/squidGuard.conf" -C all >>"$log" 2>&1 ||
  die "squidGuard -C failed"
# the helpers run as Squid's user, and Berkeley DB opens the db read-write: squidGuard
# silently passes everything when it cannot (the db must belong to that user)
squser=$(id -un proxy 2>/dev/null || echo nobody)
chown -R "$squser:" "$L/sg" "$S"; chmod -R a+rX "$L"
cat >"$S/squid.conf" <<EOF
http_port 127.0.0.1:$PSQ
workers 1
cache deny all
cache_mem 0 MB
access_log none
cache_log $S/cache.log
pid_filename $S/squid.pid
coredump_dir $S
cache_effective_user $squser
pinger_enable off
dns_nameservers 127.0.0.1
http_access allow localhost
http_access deny all
url_rewrite_program /usr/bin/squidGuard -c $S/squidGuard.conf
url_rewrite_children $helpers startup=$helpers idle=1 concurrency=0
url_rewrite_bypass off
shutdown_lifetime 1 seconds
EOF
squid -k parse -f "$S/squid.conf" >>"$log" 2>&1 || die "squid -k parse failed (see $S/squid.conf)"
start_squid() {
  taskset -c $SV squid -N -f "$S/squid.conf" >>"$log" 2>&1 &
  pid[squid]=$!
  st[squid]=$(startup squid "$PSQ" 200)
  grep -q BLOCKED-BY-SQUIDGUARD "$out/squid.probe" || die "squid: listed URL not rewritten to the block page"
}

# ---- Privoxy: the list as an action file, nothing else loaded ----
P=$out/privoxy
rm -rf "$P"; mkdir -p "$P"
cp -r /etc/privoxy/templates "$P/"
cat >"$P/config" <<EOF
confdir $P
logdir $P
actionsfile $L/listed.action
listen-address 127.0.0.1:$PPV
toggle 1
enable-remote-toggle 0
enable-edit-actions 0
keep-alive-timeout 300
socket-timeout 30
max-client-connections 4096
EOF
start_privoxy() {
  taskset -c $SV privoxy --no-daemon "$P/config" >>"$log" 2>&1 &
  pid[privoxy]=$!
  st[privoxy]=$(startup privoxy "$PPV" 403)
}
start_nginx() { st[nginx]=-; } # running since the start: the upstream of all
declare -A st=()

tree() { # PID: it and all its descendants
  local p=$1 c
  echo "$p"
  for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do tree "$c"; done
}
ticks() { # PIDs: user+system clock ticks summed
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
port_of() { case $1 in isp) echo "$PISP" ;; squid) echo "$PSQ" ;; privoxy) echo "$PPV" ;; nginx) echo "$NGX" ;; esac; }

hz=$(getconf CLK_TCK)
S_TSV=$out/samples.tsv
printf 'server\tload\trun\treq_s\tavg_ms\tp99_ms\trequests\tnon2xx\tblocked\tcpu_pct\n' >"$S_TSV"
one() { # SERVER LOAD RUN
  local s=$1 load=$2 r=$3 port f b0 b1 t0 t1 pids
  port=$(port_of "$s")
  f=$out/$s-$load-run$r.txt
  if [ "$s" = nginx ]; then taskset -a -p -c $SV "${pid[nginx]}" >/dev/null; fi
  pids=$(tree "${pid[$s]}")
  b0=$(wc -l <"$N/blocked.log" 2>/dev/null || echo 0)
  t0=$(ticks $pids)
  WRK_URLS=$out/$load.urls timeout $((secs + 30)) taskset -c $CL wrk -t1 -c"$conns" -d"${secs}s" \
    --timeout 5s --latency -s "$here/proxy.lua" "http://127.0.0.1:$port/" >"$f" 2>&1 ||
    die "wrk failed for $s ($f)"
  t1=$(ticks $pids)
  b1=$(wc -l <"$N/blocked.log" 2>/dev/null || echo 0)
  if [ "$s" = nginx ]; then taskset -a -p -c $CL "${pid[nginx]}" >/dev/null; fi
  python3 - "$f" "$s" "$load" "$r" $((b1 - b0)) $((t1 - t0)) "$hz" "$secs" >>"$S_TSV" <<'PY'
import re, sys
f, s, load, r, sgb, ticks, hz, secs = sys.argv[1:]
t = open(f).read()
def ms(v, u):
    return float(v) * {'us': 0.001, 'ms': 1, 's': 1000}[u]
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', t).group(1))
m = re.search(r'Latency\s+([\d.]+)(us|ms|s)\s', t); avg = ms(*m.groups())
m = re.search(r'\s99%\s+([\d.]+)(us|ms|s)', t); p99 = ms(*m.groups())
req = int(re.search(r'(\d+) requests in', t).group(1))
m = re.search(r'Non-2xx or 3xx responses: (\d+)', t); non2xx = int(m.group(1)) if m else 0
blocked = int(sgb) if s == 'squid' else non2xx
cpu = 100.0 * int(ticks) / int(hz) / float(secs)
print('%s\t%s\t%s\t%.0f\t%.3f\t%.3f\t%d\t%d\t%d\t%.0f' % (s, load, r, rps, avg, p99, req, non2xx, blocked, cpu))
PY
  tail -1 "$S_TSV" >>"$log"
  grep -q 'Socket errors' "$f" && say "note: $s $load run $r: $(grep 'Socket errors' "$f")"
  return 0
}

# ---- memory after the load ----
rss() { # PIDs: VmRSS, VmHWM (MB) summed; RssAnon (MB) summed
  local p a=0 h=0 n=0
  for p in "$@"; do
    [ -r "/proc/$p/status" ] || continue
    a=$((a + $(awk '/^VmRSS/{print $2}' "/proc/$p/status")))
    h=$((h + $(awk '/^VmHWM/{print $2}' "/proc/$p/status")))
    n=$((n + $(awk '/^RssAnon/{print $2}' "/proc/$p/status")))
  done
  awk -v a="$a" -v h="$h" -v n="$n" 'BEGIN{printf "%.1f %.1f %.1f", a/1024, h/1024, n/1024}'
}
check_page() { # NAME: an unlisted URL gets the very page through it
  local got
  if [ "$1" = nginx ]; then got=$(curl -s -m 5 "$ok_url" | wc -c)
  else got=$(curl -s -m 5 -x "127.0.0.1:$(port_of "$1")" "$ok_url" | wc -c); fi
  [ "$got" = "$page" ] || die "$1: unlisted URL gave $got bytes, not the $page-byte page"
}

# ---- one server at a time: start, check, warm up, the runs, memory, stop. Never two at
# once: a proxy still busy with an earlier load (Privoxy is, long after wrk has gone) would
# take the CPU of the next one. ----
: >"$out/memory.txt"
for s in nginx isp squid privoxy; do
  say "$s: start"
  start_$s
  check_page "$s"
  # one request alone (nothing else queued): curl's total time, the median of 3
  single=$(for _ in 1 2 3; do curl -s -m 120 -o /dev/null -w '%{time_total}\n' \
    -x "127.0.0.1:$(port_of "$s")" "$ok_url"; done | sort -n | sed -n 2p)
  [ "$s" = nginx ] || echo "single-$s $single" >>"$out/memory.txt"
  loads=allowed; [ "$s" = nginx ] || loads="allowed mixed"
  say "$s: warm-up (2 s of each load), start-up ${st[$s]} s"
  for load in $loads; do
    if [ "$s" = nginx ]; then taskset -a -p -c $SV "${pid[nginx]}" >/dev/null; fi
    WRK_URLS=$out/$load.urls timeout 30 taskset -c $CL wrk -t1 -c"$conns" -d2s --timeout 5s \
      -s "$here/proxy.lua" "http://127.0.0.1:$(port_of "$s")/" >/dev/null 2>&1 || true
    if [ "$s" = nginx ]; then taskset -a -p -c $CL "${pid[nginx]}" >/dev/null; fi
  done
  for r in $(seq "$runs"); do
    for load in $loads; do
      say "$s: $load, run $r"
      one "$s" "$load" "$r"
    done
  done
  if [ "$s" = squid ]; then
    echo "squid-main $(rss "${pid[squid]}")" >>"$out/memory.txt"
    echo "squid-helpers $(rss $(tree "${pid[squid]}" | tail -n +2))" >>"$out/memory.txt"
  fi
  echo "$s $(rss $(tree "${pid[$s]}"))" >>"$out/memory.txt"
  if [ "$s" != nginx ]; then stop "$s"; fi
done
{
  echo "startup isp ${st[isp]} squid ${st[squid]} privoxy ${st[privoxy]}"
  echo "import $(cat "$I/import.time")"
  echo "compile $(cat "$I/compile.time")"
  echo "sgdb $(cat "$S/sgdb.time")"
  echo "snapshot $(stat -c %s "$I/ispshield.snap") sgdb_bytes $(stat -c %s "$L/sg/listed/urls.db")"
} >>"$out/memory.txt"
cat "$out/memory.txt" >>"$log"

python3 "$here/report.py" "$out" "$runs" "$secs" "$conns" "$nurls" "$pct" "$helpers" "$load0" \
  "$(nproc)" "${BENCH_NETNS:+netns}" | tee "$out/results.md"
