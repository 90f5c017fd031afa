#!/usr/bin/env bash
# dns_dnstap.sh -- block events as dnstap (issue 21): `ispshield dns` with dns.dnstap =
# unix:PATH sends to a real fstrm_capture (fstrm-bin); dnstap-read (bind9-dnsutils)
# decodes the capture (and a second one, through tcp:ADDR:PORT), and protoc (protobuf-compiler) decodes every frame against the
# committed dnstap.proto, policy included: a name blocked over UDP and TCP (NXDOMAIN,
# QNAME), a listed answer address (RESPONSE_IP), a log-only hit (PASS, no response), the
# list in `value` and the entry in `rule`. The allowed name and the list with events =
# off never appear. The capture is read after both programs stopped (the service writes
# what it queued on SIGTERM; fstrm_capture closes its file on SIGINT).
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound dig dnstap-read python3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
for tool in fstrm_capture protoc; do
	command -v "$tool" >/dev/null || { echo "skip: no $tool (scripts/deps.sh test installs it)"; exit 77; }
done
UP=$(freeport); DNS=$(freeport)
cat >conf <<C
[core]
store = $work/var/t.db
[dns]
dnstap = unix:$work/tap.sock
[list.trial]
action = log-only
[list.secret]
events = off
C
isp() { "$bin" -q -c "$work/conf" "$@"; }
imp() { local list=$1 kind=$2; shift 2; printf '%s\n' "$@" >"$list.txt"; isp lists import --list "$list" --kind "$kind" "$list.txt" || bad "import $list"; }
imp c2 domain bad.example
imp c2ip ip 192.0.2.66
imp trial domain trial.example
imp secret domain secret.example
isp lists compile || die "compile"
{ unbound_conf "$UP"; cat <<U
  local-zone: "example." static
  local-data: "clean.example. 300 IN A 10.0.0.1"
  local-data: "trial.example. 300 IN A 10.0.0.2"
  local-data: "ipbad.example. 300 IN A 192.0.2.66"
U
} >up.conf
unbound -c up.conf >up.out 2>&1 &
pids+=($!)
fstrm_capture -t protobuf:dnstap.Dnstap -u "$work/tap.sock" -w tap.fstrm >cap.out 2>&1 &
cap=$!
pids+=($cap)
until_ok test -S tap.sock || die "fstrm_capture did not start: $(cat cap.out)"
"$bin" -c "$work/conf" dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" \
	--subscribers 127.0.0.0/8 >dns.out 2>&1 &
dns=$!
pids+=($dns)
wait_udp "$UP" || die "unbound did not start"
wait_tcp "$DNS" || die "dns did not start: $(cat dns.out)"
q() { dig +tries=1 +time=3 -p "$DNS" @127.0.0.1 "$@"; }
check "clean name answered" sh -c "dig +short -p $DNS @127.0.0.1 clean.example A | grep -qx 10.0.0.1"
check "listed name blocked (UDP)" sh -c "dig -p $DNS @127.0.0.1 bad.example A | grep -q NXDOMAIN"
check "listed name blocked (TCP)" sh -c "dig +tcp -p $DNS @127.0.0.1 bad.example AAAA | grep -q NXDOMAIN"
check "listed address blocked" sh -c "dig -p $DNS @127.0.0.1 ipbad.example A | grep -q NXDOMAIN"
check "log-only answered" sh -c "dig +short -p $DNS @127.0.0.1 trial.example A | grep -qx 10.0.0.2"
check "events=off list blocked" sh -c "dig -p $DNS @127.0.0.1 secret.example A | grep -q NXDOMAIN"
# the store has the four events: the service has recorded them all
check "four events stored" until_eq 4 sqlite3 var/t.db "select count(*) from block_events"
kill "$dns"
check "dns stopped cleanly (writes what it queued)" wait "$dns"
kill -INT "$cap"; wait "$cap"
# START, the four events, STOP
grep -q 'wrote 6 frames' cap.out || bad "fstrm_capture: $(tail -1 cap.out)"

dnstap-read tap.fstrm >read.txt 2>&1 || bad "dnstap-read: $(cat read.txt)"
has read.txt "CR 127.0.0.1"
has read.txt "UDP"
has read.txt "TCP"
has read.txt "bad.example/IN/A"
has read.txt "bad.example/IN/AAAA"
has read.txt "ipbad.example/IN/A"
eq "$(grep -c ' CR ' read.txt)" 4 "dnstap-read: four CLIENT_RESPONSE messages"
python3 "$SRCDIR/tests/integration/lib/fstrm_frames.py" tap.fstrm "$SRCDIR/third_party/dnstap" >frames.txt ||
	bad "protoc could not decode the frames"
has frames.txt 'socket_protocol: UDP'
has frames.txt 'socket_protocol: TCP'
has frames.txt 'policy { type: "ispshield" rule: "bad.example" action: NXDOMAIN match: QNAME value: "c2" }'
has frames.txt 'policy { type: "ispshield" rule: "192.0.2.66" action: NXDOMAIN match: RESPONSE_IP value: "c2ip" }'
has frames.txt 'policy { type: "ispshield" rule: "trial.example" action: PASS match: QNAME value: "trial" }'
eq "$(grep -c 'type: CLIENT_RESPONSE' frames.txt)" 4 "four messages decoded"
for allowed in clean secret; do
	for f in read.txt frames.txt; do
		hasnt "$f" "$allowed"
	done
done

# ---- tcp:ADDR:PORT: the same through a TCP collector
TAP=$(freeport); DNS2=$(freeport)
fstrm_capture -t protobuf:dnstap.Dnstap -a 127.0.0.1 -p "$TAP" -w tcp.fstrm >cap2.out 2>&1 &
cap2=$!
pids+=($cap2)
wait_tcp "$TAP" || die "fstrm_capture (tcp) did not start: $(cat cap2.out)"
"$bin" -c "$work/conf" dns --dnstap "tcp:127.0.0.1:$TAP" --listen "127.0.0.1:$DNS2" \
	--upstream "127.0.0.1:$UP" --subscribers 127.0.0.0/8 >dns2.out 2>&1 &
dns2=$!
pids+=($dns2)
wait_tcp "$DNS2" || die "dns (tcp dnstap) did not start: $(cat dns2.out)"
check "blocked (tcp collector)" sh -c "dig -p $DNS2 @127.0.0.1 bad.example A | grep -q NXDOMAIN"
check "clean name answered (tcp collector)" sh -c "dig +short -p $DNS2 @127.0.0.1 clean.example A | grep -qx 10.0.0.1"
check "five events stored" until_eq 5 sqlite3 var/t.db "select count(*) from block_events"
kill "$dns2"
check "dns (tcp dnstap) stopped cleanly" wait "$dns2"
kill -INT "$cap2"; wait "$cap2"
dnstap-read tcp.fstrm >read2.txt 2>&1 || bad "dnstap-read (tcp): $(cat read2.txt)"
eq "$(grep -c ' CR .*bad.example/IN/A' read2.txt)" 1 "tcp collector: the one block"
hasnt read2.txt clean
finish dns_dnstap
