#!/usr/bin/env bash
# Benchmark of `ispshield survey`'s DNS scan against zmap 2.1 (UDP module, a DNS query
# as payload), in two network namespaces this script creates and removes: the scanner,
# and a target namespace owning 10.200.0.0/16 (`ip route add local ... dev lo`, so every
# probed address is a test host's), joined by a veth pair. Nothing leaves them.
#   1. send rate, unlimited (--rate 0 / zmap -r 0), one sender thread each: medians of 3
#   2. validation: Unbound in the target namespace answers every address (REFUSED to
#      everyone: access-control refuse); every target must be validated exactly once
#   3. spoofing: during a scan, forged "open resolver" answers from every target address
#      with guessed IDs and ports are sent to the scanner: none may become a finding
# Results: bench/out/survey/results.md. Usage: bench/survey/run.sh [BUILD_DIR]; root.
set -uo pipefail
build=${1:-build}
bin=$(realpath "$build/ispshield")
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$src/bench/out/survey
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] || { echo "needs root (ip netns)"; exit 1; }
export PATH=$PATH:/usr/sbin
P=bsv$$
S=${P}s T=${P}t
work=$(mktemp -d); chmod 755 "$work"
cleanup() {
  for n in $S $T; do ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$n" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add $S; ip netns add $T
ip link add ${P}a type veth peer name ${P}b
ip link set ${P}a netns $S; ip link set ${P}b netns $T
ip netns exec $S sh -c "ip link set lo up; ip link set ${P}a up; ip addr add 10.199.0.1/24 dev ${P}a; ip route add 10.200.0.0/16 via 10.199.0.2"
ip netns exec $T sh -c "ip link set lo up; ip link set ${P}b up; ip addr add 10.199.0.2/24 dev ${P}b; ip route add local 10.200.0.0/16 dev lo"
gwmac=$(ip netns exec $T cat /sys/class/net/${P}b/address)
NET=10.200.0.0/16
N=65536
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# a DNS query as zmap's UDP payload (fixed name: zmap cannot vary it per target)
python3 - "$work/q.pkt" <<'PY'
import sys
q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01'
for l in [b'0123456789abcdef', b'ispshield-survey', b'probe', b'test']:
    q += bytes([len(l)]) + l
q += b'\x00\x00\x01\x00\x01' + b'\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00'
open(sys.argv[1], 'wb').write(q)
PY
: > "$work/empty.conf"

ours() { # rate -> probes/s
  ip netns exec $S taskset -c 0 "$bin" survey --authorised $NET --probe dns \
    --probe-zone probe.test --expect-a 192.0.2.53 --rate "$1" --retries 0 --cooldown-ms 300 \
    --out "$work/f.csv" $NET 2>&1 >/dev/null | sed -n 's/.*sent \([0-9]*\) in \([0-9.]*\)s (\([0-9]*\) probes\/s).*/\3 \1/p'
}
zm() { # rate -> probes/s
  ip netns exec $S taskset -c 0 zmap -M udp -p 53 --probe-args="file:$work/q.pkt" -r "$1" -T 1 \
    -i ${P}a -S 10.199.0.1 -G "$gwmac" -b "$work/empty.conf" -c 1 -o /dev/null -v 1 \
    --disable-syslog $NET 2>"$work/zmap.err" >/dev/null
  # zmap's summary: elapsed send time comes from its log; count sent / duration
  python3 - "$work/zmap.err" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.findall(r'send: (\d+) done \(([\d.]+) ([KM]?)p/s avg\)', t)
if m:
    n, r, u = m[-1]; r = float(r) * {'': 1, 'K': 1e3, 'M': 1e6}[u]; print(int(r), n)
PY
}

{
echo "# ispshield survey vs zmap 2.1: DNS probes into a veth pair"
echo
echo "Date: $(date -u +%F). CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), both pinned to core 0 (taskset), one sender thread each."
echo "Targets: $NET ($N addresses, all local to the target namespace). Medians of 3."
echo
echo "| run | ispshield survey probes/s | zmap probes/s | ratio |"
echo "|---|---|---|---|"
} > "$out/results.md"
for rate in 0 100000; do
  a=(); z=()
  for k in 1 2 3; do
    a+=("$(ours $rate | cut -d' ' -f1)")
    z+=("$(zm $rate | cut -d' ' -f1)")
  done
  ma=$(printf '%s\n' "${a[@]}" | median); mz=$(printf '%s\n' "${z[@]}" | median)
  ratio=$(python3 -c "print('%.2f' % ($ma / $mz))" 2>/dev/null || echo "?")
  label=$([ $rate = 0 ] && echo "unlimited" || echo "--rate $rate")
  echo "| $label (runs: ${a[*]} / ${z[*]}) | $ma | $mz | $ratio |" >> "$out/results.md"
  echo "rate $rate: ours ${a[*]} zmap ${z[*]}"
done

# --- validation with a real responder, and spoofed replies
cat > "$work/ub.conf" <<EOF
server:
  interface: 0.0.0.0
  interface-automatic: yes
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$work"
  pidfile: "$work/ub.pid"
  use-syslog: no
  logfile: "$work/ub.log"
  num-threads: 1
  so-rcvbuf: 8m
  so-sndbuf: 8m
  access-control: 0.0.0.0/0 refuse
EOF
ip netns exec $T unbound -d -c "$work/ub.conf" >/dev/null 2>&1 &
for k in $(seq 50); do ip netns exec $T ss -Hlnu 'sport = :53' | grep -q . && break; sleep 0.2; done
# the spoofer: forged answers (RA, an A record) from every target address, random ID
# and destination port, sent while the scan runs
cat > "$work/spoof.py" <<'PY'
import random, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
name = b''.join(bytes([len(l)]) + l for l in [b'0123456789abcdef', b'ispshield-survey', b'probe', b'test']) + b'\0'
n = int(sys.argv[1]); sent = 0
for i in range(n):
    a = 0x0ac80000 | random.randrange(65536)
    dns = struct.pack('>HHHHHH', random.randrange(65536), 0x8180, 1, 1, 0, 0) + name + b'\0\1\0\1' \
        + b'\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\x35'
    udp = struct.pack('>HHHH', 53, random.randrange(32768, 61184), 8 + len(dns), 0) + dns
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     struct.pack('>I', a), socket.inet_aton('10.199.0.1'))
    try:
        s.sendto(ip + udp, ('10.199.0.1', 0)); sent += 1
    except OSError:
        pass
print(sent)
PY
ip netns exec $T python3 "$work/spoof.py" 200000 > "$work/spoofed.txt" &
spid=$!
ip netns exec $S "$bin" survey --authorised $NET --probe dns --probe-zone probe.test \
  --expect-a 192.0.2.53 --rate 20000 --retries 0 --cooldown-ms 2000 --out "$work/v.csv" $NET \
  2> "$work/v.err" >/dev/null
wait $spid
cat "$work/v.err"
valid=$(sed -n 's/.*valid \([0-9]*\),.*/\1/p' "$work/v.err")
sent=$(sed -n 's/.*sent \([0-9]*\) in.*/\1/p' "$work/v.err")
rej=$(sed -n 's/.*\(rejected scope.*malformed [0-9]*\).*/\1/p' "$work/v.err")
findings=$(($(wc -l < "$work/v.csv") - 1))
{
echo
echo "## Validation (Unbound answering REFUSED for all $N addresses, --rate 20000)"
echo
echo "- probes sent: $sent; replies validated: $valid (lost: $((N - valid)))"
echo "- spoofed answers sent during the scan: $(cat "$work/spoofed.txt"); $rej"
echo "- findings: $findings (every target is closed; any finding would be a spoofed reply)"
} >> "$out/results.md"
cat "$out/results.md"
