#!/usr/bin/env bash
# Integration test of `ispshield survey` with real programs in network namespaces that
# this test creates (and removes on exit): a bridge in the scanner's namespace and one
# namespace per test host, on TEST-NET-1 (192.0.2.0/24), reachable from nowhere else.
#   .11 Unbound, open resolver (stub zone probe.test -> the survey's own zone server)
#   .12 Unbound, closed (REFUSED for everyone)
#   .13 Unbound forwarding everything to .11 (a "router" that forwards)
#   .14 nginx serving a router admin page matching data/survey/fingerprints.txt
#   .15 Privoxy, open to everyone, on 8909/tcp
#   .16 the operator's test web server (python3 http.server) the proxy probe asks for
#   .20 another address of .11's namespace, listed in the exclusion file
# Checks: every finding (tags, answers, forwarder, fingerprint, proxy), store events,
# CSV/JSON columns, the exclusion file, and zero packets (tcpdump on the bridge) to a
# target outside --authorised given on the command line.
# Needs root (ip netns); skipped (exit 77: ctest reports it as skipped) otherwise.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
bin=${ISPSHIELD:?set ISPSHIELD to the ispshield binary}
src=${SRCDIR:?set SRCDIR to the source tree}
for t in ip unbound nginx privoxy tcpdump python3 sqlite3; do
  command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "SKIP: $t missing"; exit 77; }
done
if [ "$(id -u)" -ne 0 ] || ! ip netns add "svchk$$" 2>/dev/null; then
  echo "SKIP: needs root and ip netns"; exit 77
fi
ip netns del "svchk$$"
export PATH=$PATH:/usr/sbin
work=$(mktemp -d)
chmod 755 "$work"
P=sv$$           # namespace prefix, unique per run
NS="${P}s ${P}h1 ${P}h2 ${P}h3 ${P}h4 ${P}h5 ${P}h6"
cleanup() {
  for n in $NS; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
  done
  sleep 0.3
  for n in $NS; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$n" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
. "$src/tests/integration/lib/testlib.sh"
same() { eq "$@"; }
X() { local n=$1; shift; ip netns exec "${P}$n" "$@"; }
# cap_start NAME FILTER: tcpdump on the bridge into NAME.pcap (FILTER, and the marker:
# udp to port 9); returns once it captures
cap_start() {
  X s tcpdump -i br0 -n -U -w "$1.pcap" "($2) or (udp and dst port 9)" >/dev/null 2>"$1.tcpd" &
  tcpd=$!
  until_ok grep -q 'listening on' "$1.tcpd" || bad "tcpdump did not start: $(cat "$1.tcpd")"
}
# cap_stop NAME: send a marker packet and wait until tcpdump has written it: every packet
# sent before it is then in the file; stop tcpdump
cap_stop() {
  local m="ispshield-marker-$RANDOM$RANDOM"
  marked() {
    X s python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[1].encode(), ("192.0.2.12", 9))' "$m"
    tcpdump -nr "$1.pcap" -A 'udp and dst port 9' 2>/dev/null | grep -q "$m"
  }
  until_ok marked "$1" || bad "the capture's marker never arrived"
  kill "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
}

# --- the network: bridge in the scanner namespace, one veth per host
ip netns add "${P}s"
X s ip link set lo up
X s ip link add br0 type bridge
X s ip addr add 192.0.2.1/24 dev br0
X s ip link set br0 up
# a route to TEST-NET-2 through the bridge: a packet to it *could* leave; none may
X s ip route add 198.51.100.0/24 dev br0
i=0
for h in h1 h2 h3 h4 h5 h6; do
  i=$((i + 1))
  ip netns add "${P}$h"
  ip link add "${P}v$i" type veth peer name eth0 netns "${P}$h"
  ip link set "${P}v$i" netns "${P}s"
  X s ip link set "${P}v$i" master br0 up
  X $h ip link set lo up
  X $h ip addr add "192.0.2.1$i/24" dev eth0
  X $h ip link set eth0 up
done
X h1 ip addr add 192.0.2.20/24 dev eth0

# --- the hosts
ub() { # name addr(s) extra-config
  local n=$1 addrs=$2 extra=$3 a
  {
    echo "server:"
    for a in $addrs; do echo "  interface: $a"; done
    cat <<EOF
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$work"
  pidfile: "$work/$n.pid"
  use-syslog: no
  logfile: "$work/$n.log"
  verbosity: 1
  qname-minimisation: no
  module-config: "iterator"
  do-not-query-localhost: no
  num-threads: 1
$extra
EOF
  } > "$n.conf"
}
ub open "192.0.2.11 192.0.2.20" "  access-control: 0.0.0.0/0 allow
  local-zone: \"test.\" nodefault
stub-zone:
  name: \"probe.test\"
  stub-addr: 192.0.2.1"
ub closed 192.0.2.12 "  access-control: 0.0.0.0/0 refuse"
ub fwd 192.0.2.13 "  access-control: 0.0.0.0/0 allow
  local-zone: \"test.\" nodefault
forward-zone:
  name: \".\"
  forward-addr: 192.0.2.11"
X h1 unbound -d -c open.conf >/dev/null 2>&1 &
X h2 unbound -d -c closed.conf >/dev/null 2>&1 &
X h3 unbound -d -c fwd.conf >/dev/null 2>&1 &

mkdir -p www proxytest
cat > www/index.html <<'EOF'
<html><head><title>BR-500 Setup - Status</title></head>
<body><h1>ExampleNet BR-500</h1><p>Firmware 1.0.3</p>
<p>PPPoE user ID: sub0001@isp.example<br>PPPoE password: ********</p></body></html>
EOF
cat > nginx.conf <<EOF
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/nb; proxy_temp_path $work/np; fastcgi_temp_path $work/nf;
  uwsgi_temp_path $work/nu; scgi_temp_path $work/ns;
  server { listen 192.0.2.14:80; root $work/www; server_tokens off; }
}
EOF
X h4 nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
cat > privoxy.conf <<EOF
confdir $work
logdir $work
logfile privoxy.log
listen-address 192.0.2.15:8909
toggle 0
enable-remote-toggle 0
accept-intercepted-requests 0
EOF
X h5 privoxy --no-daemon "$work/privoxy.conf" >/dev/null 2>&1 &
token="ispshield-proxy-test-$$"
echo "<html><body>$token</body></html>" > proxytest/index.html
(cd proxytest && exec ip netns exec "${P}h6" python3 -m http.server 80 --bind 192.0.2.16) >/dev/null 2>&1 &

# wait for every service
listens() { X "$1" ss -Hln"$2" "sport = :$3" | grep -q .; }
up() { until_ok listens "$@" || bad "$1: nothing listens on $2/$3"; }
up h1 u 53; up h2 u 53; up h3 u 53; up h4 t 80; up h5 t 8909; up h6 t 80

echo "192.0.2.20/32   # the exclusion file: a subscriber who asked not to be scanned" > exclude.txt
AUTH=192.0.2.0/24
sv() { X s "$bin" -q survey --authorised "$AUTH" --exclude exclude.txt "$@"; }

# --- usage and scope checks before any packet
sv --help >out.txt 2>&1; has out.txt "usage: ispshield survey"
X s "$bin" survey --probe dns 192.0.2.0/24 >out.txt 2>err.txt; same $? 2 "no authorised"
has err.txt "no authorised prefixes"

# --- the DNS scan; tcpdump on the bridge watches for packets to TEST-NET-2 and .20
cap_start dns 'udp port 53'
X s "$bin" survey --authorised "$AUTH" --exclude exclude.txt --probe dns \
  --probe-zone probe.test --expect-a 192.0.2.53 --serve-zone 192.0.2.1:53 \
  --rate 1000 --retries 1 --cooldown-ms 1500 --contact "https://survey.isp.example/" \
  --out dns.json --store "$work/store.db" 192.0.2.0/27 198.51.100.0/24 >out.txt 2>err.txt
rc=$?
same $rc 3 "exit status with a refused target"
has err.txt "refused: target 198.51.100.0/24 is outside the authorised prefixes"
has err.txt "dns: 32 targets"
cap_stop dns
n_out=$(tcpdump -nr dns.pcap dst net 198.51.100.0/24 2>/dev/null | wc -l)
same "$n_out" 0 "packets to the refused target"
n_ex=$(tcpdump -nr dns.pcap dst host 192.0.2.20 2>/dev/null | wc -l)
same "$n_ex" 0 "packets to the excluded address"
n_in=$(tcpdump -nr dns.pcap src host 192.0.2.1 and dst host 192.0.2.11 and dst port 53 2>/dev/null | wc -l)
[ "$n_in" -ge 1 ] && ok || bad "tcpdump saw no probe to 192.0.2.11 (capture broken?)"
tcpdump -nr dns.pcap -A dst host 192.0.2.12 2>/dev/null | grep -q 'ispshield-survey' && ok || bad "probe names lack the contact label"

python3 - dns.json <<'PY' >check.txt 2>&1 && ok || { bad "dns findings"; cat check.txt err.txt >&2; tcpdump -nr dns.pcap 2>/dev/null | head -20 >&2; }
import json, sys
f = {x["ip"]: x for x in json.load(open(sys.argv[1]))}
assert set(f) == {"192.0.2.11", "192.0.2.13"}, f.keys()
o = f["192.0.2.11"]
assert o["tag"] == "open-resolver", o
assert o["answer"] == "192.0.2.53" and o["rcode"] == 0 and "ra" in o["flags"].split(), o
assert o["cause"] == "open-resolver" and o["edns_size"] > 0, o
assert o["response_size"] > 0 and o["query_size"] > 0 and o["min_amplification"] > 0.9, o
w = f["192.0.2.13"]
assert w["tag"] == "open-resolver;forwarder", w
assert w["resolver"] == "192.0.2.11", w
print("ok")
PY
# closed resolver (.12, REFUSED), nginx and proxy hosts: no DNS finding; excluded .20 none
hasnt dns.json '"192.0.2.12"'
hasnt dns.json '"192.0.2.20"'
same "$(sqlite3 store.db "select count(*) from events where cause='open-resolver'")" 2 "open-resolver events"
same "$(sqlite3 store.db "select family from events where ip='192.0.2.13'")" "open-resolver;forwarder" "forwarder event"

# --- a bogus answer: the zone answers another address than --expect-a
X s "$bin" -q survey --authorised "$AUTH" --exclude exclude.txt --probe dns \
  --probe-zone probe.test --expect-a 192.0.2.99 --rate 1000 --retries 0 --cooldown-ms 1500 \
  --out bogus.csv 192.0.2.11 >out.txt 2>err.txt
same $? 0 "bogus scan"
# the resolver answers from the zone the probe asked in; with no zone server running now
# it fails (SERVFAIL) or answers from its cache (another address than expected)
head -1 bogus.csv > hdr.txt
has hdr.txt "timestamp,ip,protocol,port,hostname,tag,min_amplification"
if grep -q '192.0.2.11' bogus.csv; then has bogus.csv "open-resolver;bogus"; else ok; fi

# --- HTTP admin page and open proxy
X s "$bin" -q survey --authorised "$AUTH" --exclude exclude.txt --probe http,proxy \
  --fingerprints "$src/data/survey/fingerprints.txt" --http-ports 80 --proxy-ports 8909 \
  --proxy-test 192.0.2.16:80 --proxy-expect "$token" --timeout-ms 1500 \
  --contact "https://survey.isp.example/" --out tcp.csv --store "$work/store.db" \
  192.0.2.8/29 192.0.2.16/30 >out.txt 2>err.txt
same $? 0 "http/proxy survey"
python3 - tcp.csv <<'PY' >check.txt 2>&1 && ok || { bad "tcp findings"; cat check.txt >&2; }
import csv, sys
rows = {(r["ip"], r["port"]): r for r in csv.DictReader(open(sys.argv[1]))}
r = rows.pop(("192.0.2.14", "80"))
assert r["tag"] == "vulnerable-router" and r["vendor"] == "ExampleNet" and r["model"] == "BR-500", r
assert r["vulnerable"] == "yes" and r["cause"] == "vulnerable-router", r
assert r["advice"] == "update-firmware-change-pppoe-password", r
p = rows.pop(("192.0.2.15", "8909"))
assert p["tag"] == "open-proxy" and p["cause"] == "open-proxy" and "get" in p["detail"], p
# the test server itself answers GET / but is not a proxy; nothing else is a finding
assert not rows, rows
print("ok")
PY
has nginx-access.log "ispshield-survey/"
has nginx-access.log "https://survey.isp.example/"
same "$(sqlite3 store.db "select count(*) from events where cause='vulnerable-router' and ip='192.0.2.14'")" 1 "router event"
same "$(sqlite3 store.db "select count(*) from events where cause='open-proxy' and ip='192.0.2.15'")" 1 "proxy event"

# --- TCP probes refuse outside targets too: nothing reaches 198.51.100.0/24
cap_start tcp 'net 198.51.100.0/24'
X s "$bin" -q survey --authorised "$AUTH" --probe http --timeout-ms 300 \
  --fingerprints "$src/data/survey/fingerprints.txt" 198.51.100.0/29 >out.txt 2>err.txt
same $? 3 "http probe of an outside target"
cap_stop tcp
same "$(tcpdump -nr tcp.pcap net 198.51.100.0/24 2>/dev/null | wc -l)" 0 "tcp packets to the refused target"

# --- a broken fingerprint file is refused with FILE:LINE
printf '[x]\nvendor = A\nbogus = 1\n' > bad.fp
X s "$bin" -q survey --authorised "$AUTH" --probe http --fingerprints bad.fp 192.0.2.14 >out.txt 2>err.txt
same $? 2 "bad fingerprint file"
has err.txt "bad.fp:3: unknown key: bogus"

finish survey
