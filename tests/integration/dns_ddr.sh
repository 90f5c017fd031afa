#!/usr/bin/env bash
# dns_ddr.sh -- Discovery of Designated Resolvers (RFC 9462, issue 21): `dig
# _dns.resolver.arpa SVCB` against `ispshield dns` shows the configured DoT and DoH
# endpoints (target name, alpn, port, address hints, dohpath), one record per transport
# and port; other types get NODATA and other names under resolver.arpa NXDOMAIN. Without
# DDR configured the same names are still answered by the service itself, never
# forwarded: the upstream here is a port where nothing listens, so a forwarded query
# could only end in SERVFAIL.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in dig curl; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
DNS=$(freeport); DNS2=$(freeport); DEAD=$(freeport); MET=$(freeport)
printf 'bad.example\n' >list.txt
"$bin" --store var/t.db -q lists import --list c2 --kind domain list.txt 2>err.txt || die "import: $(cat err.txt)"
"$bin" --store var/t.db -q lists compile || die "compile"

"$bin" --store var/t.db -o dns.ddr-name=dns.isp.example \
	-o 'dns.ddr-dot=127.0.0.1:853, [::1]:853' -o 'dns.ddr-doh=0.0.0.0:443, 127.0.0.1:443' \
	-o dns.ddr-doh-path=/q dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$DEAD" \
	--metrics "127.0.0.1:$MET" --subscribers 127.0.0.0/8 >dns.out 2>&1 &
pids+=($!)
"$bin" --store var/t.db -o dns.timeout-ms=100 -o dns.tries=1 dns --listen "127.0.0.1:$DNS2" --upstream "127.0.0.1:$DEAD" \
	--subscribers 127.0.0.0/8 >dns2.out 2>&1 &
pids+=($!)
wait_tcp "$DNS" || die "dns did not start: $(cat dns.out)"
wait_tcp "$DNS2" || die "dns (no DDR) did not start: $(cat dns2.out)"
q() { dig +tries=1 +time=5 +norec -p "$1" @127.0.0.1 "${@:2}"; }

q "$DNS" _dns.resolver.arpa SVCB >svcb.txt
has svcb.txt "status: NOERROR"
has svcb.txt 'SVCB	1 dns.isp.example. alpn="dot" port=853 ipv4hint=127.0.0.1 ipv6hint=::1'
has svcb.txt 'SVCB	2 dns.isp.example. alpn="h2,http/1.1" port=443 ipv4hint=127.0.0.1 key7="/q{?dns}"'
eq "$(grep -c '^_dns.resolver.arpa.*IN	SVCB	' svcb.txt)" 2 "two SVCB records (DoT, DoH)"
check "DDR over TCP too" sh -c "dig +tcp +short -p $DNS @127.0.0.1 _dns.resolver.arpa SVCB | grep -q 'alpn=\"dot\"'"
check "another type: NODATA" sh -c "q() { dig +tries=1 +time=5 -p $DNS @127.0.0.1 \"\$@\"; }; q _dns.resolver.arpa A | grep -q 'status: NOERROR.*' && q _dns.resolver.arpa A | grep -q 'ANSWER: 0'"
check "another name under resolver.arpa: NXDOMAIN" sh -c "dig +tries=1 +time=5 -p $DNS @127.0.0.1 x.resolver.arpa A | grep -q 'status: NXDOMAIN'"
check "ddr_total counted" sh -c "curl -s http://127.0.0.1:$MET/metrics | grep -qE '^ispshield_dns_ddr_total [4-9]'"

q "$DNS2" _dns.resolver.arpa SVCB >off.txt
has off.txt "status: NOERROR"
has off.txt "ANSWER: 0"
check "a name the upstream would be asked for: SERVFAIL (it is dead)" sh -c "dig +tries=1 +time=8 -p $DNS2 @127.0.0.1 clean.example A | grep -q 'status: SERVFAIL'"
finish dns_ddr
