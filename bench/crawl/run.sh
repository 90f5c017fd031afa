#!/usr/bin/env bash
# crawl benchmark (issue 18; bench/README.md), everything on loopback in a private network
# namespace made here (unshare -rn: Chromium's own background requests go nowhere):
#  1. chains per second: `ispshield crawl` and headless Chromium (chromedriver, one
#     session, one chain after the other: what a Lookyloo-style honeyclient does) load the
#     fixture chains of tests/integration/lib/crawl_site.sh from one nginx -- the HTTP /
#     Refresh / meta refresh / script chain /gt/a (6 hops, a script and a hidden frame)
#     and the chain only a script run reveals, /js2/a.html (4 hops, a frame and a script
#     added by scripts, three pages run in the script tier). Distinct start URLs (?i=N).
#     One nginx stands for the many hosts of a real crawl, so the crawler runs without its
#     per-host limit (--host-concurrency 0; crawl.host-concurrency is politeness, not
#     speed).
#     Also the hops: every hop Chromium made must be one the crawler made.
#  2. `lists recheck` of BENCH_RECHECK URLs (10,000) on BENCH_HOSTS hosts (200: addresses
#     127.0.1.1 ...) at one request per second per host (crawl.host-interval-ms 1000);
#     every tenth URL is gone (404). The floor is (URLs per host - 1) seconds.
# Medians of BENCH_RUNS runs, the crawler and Chromium taking turns (recheck once: it takes
# a minute). Usage: bench/crawl/run.sh [BUILD_DIR]   Env: BENCH_CHAINS (1000, the crawler),
# BENCH_BROWSER (20, Chromium), BENCH_RUNS (3), BENCH_RECHECK (10000), BENCH_HOSTS (200).
# BENCH_TMP (the work folder's parent: /dev/shm). Output: bench/out/crawl/ (results.md,
# run.log).
set -euo pipefail
if [ -z "${ISP_NETNS:-}" ]; then
  exec unshare -rn env ISP_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
build=$(cd "${1:-build}" && pwd)
bin=$build/ispshield
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/crawl
NC=${BENCH_CHAINS:-1000} NB=${BENCH_BROWSER:-20} RUNS=${BENCH_RUNS:-3}
NR=${BENCH_RECHECK:-10000} NH=${BENCH_HOSTS:-200}
mkdir -p "$out"
# the work folder (fixtures, outputs, Chromium's profile, the store) on tmpfs where there
# is one: on this shared machine ext4 spends a crawl's time finding free inodes after
# other runs' deletions (BENCH_TMP to choose)
scratch=${BENCH_TMP:-/dev/shm}
[ -d "$scratch" ] && [ -w "$scratch" ] || scratch=${TMPDIR:-/tmp}
work=$(mktemp -d -p "$scratch")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
src=$here
. "$here/tests/integration/lib/testlib.sh"
. "$here/tests/integration/lib/crawl_site.sh"
runlog=$out/run.log
: >"$runlog"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

# ---- the fixture site, and 200 hosts for the recheck
cp -r "$here/tests/data/crawl/site" site
head -c 4096 /dev/urandom > site/payload.bin
port=$(freeport)
rport=$(freeport)
CD=$(freeport)
{
  crawl_site_conf "$port" "$work/site"
  echo "  server {"
  for h in $(seq 1 "$NH"); do echo "    listen 127.0.1.$h:$rport;"; done
  echo "    root $work/site; server_tokens off;"
  echo "    location /p/ { try_files /payload.bin =404; }"
  echo "  }"
} | nginx_conf
sed -i "s|access_log $work/access.log;|access_log off;|; s|worker_connections 64;|worker_connections 1024;|" nginx.conf
nginx -c "$work/nginx.conf" -g 'daemon off;' >>"$runlog" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/gt/landing.html" || { echo "nginx did not come up" >&2; exit 1; }
b=http://127.0.0.1:$port

# ---- 1. chains per second: the crawler and Chromium take turns (the load of this shared
# machine drifts; each gets its share of it)
for i in $(seq 1 $((NC / 2))); do echo "$b/gt/a?i=$i"; echo "$b/js2/a.html?i=$i"; done > starts.txt
for i in $(seq 1 $((NB / 2))); do echo "$b/gt/a?i=$i"; echo "$b/js2/a.html?i=$i"; done > bstarts.txt
mapfile -t bstarts < bstarts.txt
chromedriver --port="$CD" --allowed-ips=127.0.0.1 --log-path="$work/chromedriver.log" >/dev/null 2>&1 &
pids+=($!)
cdready() { curl -s -m 2 "http://127.0.0.1:$CD/status" | grep -q '"ready": *true'; }
until_ok cdready || { echo "chromedriver not ready" >&2; exit 1; }
: > crawl-rate.txt
: > chrome-rate.txt
for r in $(seq 1 "$RUNS"); do
  rm -rf o
  t0=$(now)
  "$bin" -q crawl --out o --allow-destinations 127.0.0.0/8 --host-concurrency 0 starts.txt >>"$runlog" 2>&1
  t1=$(now)
  echo "$t0 $t1" | awk -v n="$NC" '{ printf "%.1f\n", n / ($2 - $1) }' >> crawl-rate.txt
  rm -rf "$work/profile" "$work/netlog.json"
  python3 "$here/tests/integration/crawl_browser.py" "$CD" "$work/netlog.json" "$work/profile" \
    "${bstarts[@]}" > chromium.txt 2> browser.err || { cat browser.err >&2; exit 1; }
  sed -n 's/^visits: \([0-9]*\) in \([0-9.]*\) s$/\1 \2/p' browser.err |
    awk '{ printf "%.2f\n", $1 / $2 }' >> chrome-rate.txt
done
crawl_rate=$(median < crawl-rate.txt)
chrome_rate=$(median < chrome-rate.txt)
crawl_hops=$(python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) for h in json.loads(l)["hops"] if h.get("status")))' o/chains.jsonl)
grep -E "^http://127\.0\.0\.[12]:$port/" chromium.txt | sort -u > chromium-hops.txt
rm -rf ob
"$bin" -q crawl --out ob --allow-destinations 127.0.0.0/8 --host-concurrency 0 bstarts.txt >>"$runlog" 2>&1
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    for h in json.loads(l)["hops"]:
        if h.get("status"): print(h["url"])' ob/chains.jsonl | sort -u > crawler-hops.txt
missing=$(comm -23 chromium-hops.txt crawler-hops.txt | wc -l)

# ---- 2. lists recheck, 200 hosts at one request per second each
awk -v n="$NR" -v h="$NH" -v p="$rport" 'BEGIN { for (i = 0; i < n; i++)
  printf "http://127.0.1.%d:%d/%s/%d.bin\n", i % h + 1, p, (i % 10 == 9) ? "gone" : "p", i }' > urls.txt
"$bin" -q --store "$work/r.db" lists import --list urls --kind url urls.txt >>"$runlog" 2>&1
t0=$(now)
"$bin" --store "$work/r.db" lists recheck --list urls --all --concurrency 256 \
  --allow-destinations 127.0.0.0/8 --host-interval-ms 1000 >>"$runlog" 2>&1
t1=$(now)
recheck_s=$(echo "$t0 $t1" | awk '{ printf "%.1f\n", $2 - $1 }')
per_host=$(( (NR + NH - 1) / NH ))
states=$(sqlite3 "$work/r.db" "SELECT status, count(*) FROM url_status GROUP BY status" | tr '\n' ' ')

ratio=$(awk -v a="$crawl_rate" -v b="$chrome_rate" 'BEGIN { printf "%.0f", a / b }')
{
  echo "# crawl benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, loaded machine; work folder in $scratch)"
  echo
  echo "| metric | ispshield crawl | headless Chromium | ratio |"
  echo "|---|---|---|---|"
  echo "| chains per second (medians of $RUNS runs, taking turns) | $crawl_rate ($NC chains, concurrency 16) | $chrome_rate ($NB chains, one session) | ${ratio}x |"
  echo "| hops Chromium made that the crawler did not ($NB chains) | $missing | - | - |"
  echo
  echo "| lists recheck | seconds | floor |"
  echo "|---|---|---|"
  echo "| $NR URLs on $NH hosts, 1 request/s per host (statuses: $states) | $recheck_s | $((per_host - 1)) (URLs per host - 1) |"
  echo
  echo "crawler hops fetched in the last run: $crawl_hops; samples: crawler $(tr '\n' ' ' < crawl-rate.txt); Chromium $(tr '\n' ' ' < chrome-rate.txt)"
} | tee "$out/results.md"
