#!/usr/bin/env bash
# sites benchmark (issue 19; bench/README.md): `ispshield sites find` over BENCH_URLS listed
# URLs (5 per site) with every look-up served on loopback in a network namespace made
# here: Unbound answers every name, nginx serves a security.txt for every host (https, a
# private CA) and RDAP answers, and the delegated file makes 127.0.0.0/24 domestic, so
# every site is domestic and asks security.txt, RDAP for its domain and for its address.
# Runs: cold (empty cache, sites.rate=0: loopback servers need no protection; against
# real registries a cold run is bounded by sites.rate per server instead), then warm
# (sites.cache-ttl: every answer from the store). Beside it, what an abuse desk's script
# does instead: per site, a dig and a curl of security.txt (BENCH_SHELL sites, scaled).
# Medians of BENCH_RUNS runs. Needs root (ip netns).
# Usage: bench/sites/run.sh BUILD_DIR     Env: BENCH_URLS (100000), BENCH_RUNS (3),
# BENCH_SHELL (500). Output: bench/out/sites/ (results.md, run.log).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/ispshield
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/sites
N=${BENCH_URLS:-100000} RUNS=${BENCH_RUNS:-3} SH=${BENCH_SHELL:-500}
S=$((N / 5))
mkdir -p "$out"
work=$(mktemp -d)
ns=sitesbench$$
cleanup() { ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; sleep 0.2; ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
src=$here
. "$here/tests/integration/lib/testlib.sh"
ip netns add "$ns"
X() { ip netns exec "$ns" "$@"; }
X ip link set lo up
runlog=$out/run.log
: >"$runlog"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

awk -v s="$S" 'BEGIN { for (i = 0; i < s; i++) for (j = 0; j < 5; j++) printf "http://s%d.com.au/wp-content/p%d.php\n", i, j }' > urls.txt
{ unbound_conf 53; cat <<U
  local-zone: "com.au." redirect
  local-data: "com.au. 300 IN A 127.0.0.10"
  local-zone: "test." static
  local-data: "rdap.test. 300 IN A 127.0.0.30"
U
} > up.conf
X unbound -c up.conf >/dev/null 2>&1 &
# sN.com.au: a registrable domain per site (com.au is a public suffix), all covered by
# one wildcard certificate, and not under .jp, so the delegated range decides and RDAP
# (bootstrap "au") is asked for every domain
test_cert srv "DNS:*.com.au"
mkdir -p www/.well-known rdap/ip
printf 'Contact: mailto:security@site.com.au\nExpires: 2099-01-01T00:00:00Z\n' > www/.well-known/security.txt
printf '{"objectClassName": "ip network", "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@hosting.com.au"]]]}]}\n' > rdap/ip/127.0.0.10
{ nginx_head; cat <<EOF
  server { listen 443 ssl default_server; root $work/www; ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key; }
  server { listen 127.0.0.30:80; root $work/rdap; default_type application/rdap+json; }
}
EOF
} > nginx.conf
sed -i "s|access_log $work/access.log;|access_log off;|" nginx.conf
X nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
printf 'apnic|JP|ipv4|127.0.0.0|256|20110412|allocated\n' > deleg.txt
mkdir boot
printf '{"services": [[["au"], ["http://rdap.test/"]]]}\n' > boot/dns.json
printf '{"services": [[["127.0.0.0/8"], ["http://rdap.test/"]]]}\n' > boot/ipv4.json
until_ok X dig +tries=1 +time=1 @127.0.0.1 s1.com.au A || { echo "unbound did not start"; exit 1; }
until_ok X curl -s -o /dev/null --cacert ca.pem --resolve s1.com.au:443:127.0.0.10 https://s1.com.au/.well-known/security.txt || { echo "nginx did not start"; exit 1; }

# find_ STORE: one run; its CPU time (user + system seconds) appended to cpu.txt
find_() { X /usr/bin/time -a -o "$work/cpu.txt" -f '%U %S' "$bin" -q --store "$1" -o sites.ca-file="$work/ca.pem" -o sites.rate=0 sites find \
  --resolver 127.0.0.1:53 --delegated deleg.txt --rdap-bootstrap boot --whois-jp "" \
  --allow-destinations 127.0.0.0/8; }
cold=() warm=() wcpu=()
for r in $(seq "$RUNS"); do
  rm -f s.db*
  "$bin" -q --store s.db lists import --list bench --kind url urls.txt
  t0=$(date +%s.%N); find_ s.db 2>>"$runlog"; t1=$(date +%s.%N)
  find_ s.db 2>>"$runlog"; t2=$(date +%s.%N)
  cold+=("$(echo "$S / ($t1 - $t0)" | bc -l)"); warm+=("$(echo "$S / ($t2 - $t1)" | bc -l)")
  # the warm run's CPU time per site: what a quiet machine's core would bound it by
  wcpu+=("$(tail -1 cpu.txt | awk -v s="$S" '{ printf "%.1f", ($1 + $2) * 1e6 / s }')")
  echo "run $r: cold $(echo "$t1 - $t0" | bc) s, warm $(echo "$t2 - $t1" | bc) s for $S sites" >>"$runlog"
done
# what a script does by hand: per site, resolve the host and fetch its security.txt
shell=()
for r in $(seq "$RUNS"); do
  t0=$(date +%s.%N)
  for i in $(seq 0 $((SH - 1))); do
    X dig +short @127.0.0.1 "s$i.com.au" A >/dev/null
    X curl -s --cacert ca.pem --resolve "s$i.com.au:443:127.0.0.10" \
      "https://s$i.com.au/.well-known/security.txt" >/dev/null
  done
  t1=$(date +%s.%N)
  shell+=("$(echo "$SH / ($t1 - $t0)" | bc -l)")
done
c=$(printf '%s\n' "${cold[@]}" | median) w=$(printf '%s\n' "${warm[@]}" | median)
h=$(printf '%s\n' "${shell[@]}" | median)
u=$(printf '%s\n' "${wcpu[@]}" | median)
{
  echo "# sites find: $N listed URLs, $S sites, all domestic, look-ups on loopback"
  echo
  echo "$(date -u +%F), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the end; medians of $RUNS runs"
  echo
  echo "| run | sites/s | ratio to the dig+curl script |"
  echo "|---|---|---|"
  printf '| ispshield sites find, cold (sites.rate=0) | %.0f | %.1f |\n' "$c" "$(echo "$c / $h" | bc -l)"
  printf '| ispshield sites find, warm (cache) | %.0f | %.1f |\n' "$w" "$(echo "$w / $h" | bc -l)"
  printf '| dig + curl security.txt per site (%d sites) | %.0f | 1 |\n' "$SH" "$h"
  echo
  printf 'Warm run CPU time: %s µs per site (user + system), so %.0f sites/s where one core is\n' "$u" "$(echo "1000000 / $u" | bc -l)"
  echo "free for it; the wall-clock figures above are bounded by the machine's load as well."
} | tee "$out/results.md"
