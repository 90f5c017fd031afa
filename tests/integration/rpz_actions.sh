#!/usr/bin/env bash
# rpz_actions.sh -- an RPZ feed's per-entry actions survive `lists import --format rpz` and
# `lists export --format rpz`, and `ispshield dns` applies each (issue 16, "RPZ actions
# kept"), checked with dig against a real Unbound upstream, all on loopback.
#
# The zones are shaped like BIND's own RPZ system tests (bin/tests/system/rpz): a SOA/NS
# apex, relative owners, "CNAME ." / "CNAME *." / rpz-drop / rpz-tcp-only / rpz-passthru,
# local data (A + AAAA + TXT at one owner), wildcard local data and a wildcard CNAME to a
# walled garden ("*.credirect CNAME google.com." in ns3/base.db), and rpz-ip triggers with
# "zz" for IPv6. Every name is also in the upstream, so an answer that is not the
# upstream's can only come from the entry's action.
#
# drop is a state, not a duration: dig with +tries=1 +timeout=1 must say that no server
# could be reached, while the same server answers the next query at once.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound unbound-checkconf dig; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport)
while [ "$DNS" = "$UP" ]; do DNS=$(freeport); done

# ---- the feed: names, and answer addresses (rpz-ip), as two zones
cat >names.rpz <<'Z'
$TTL 120
$ORIGIN rpz.test.
@	SOA	blx.  hostmaster.ns.blx. ( 1 3600 1200 604800 60 )
	NS	ns.tld.
a0-1.tld2	CNAME	.		; the list's block: NXDOMAIN
a3-1.tld2	CNAME	*.		; NODATA
a4-1.tld2	CNAME	rpz-drop.
a5-1.tld2	CNAME	rpz-tcp-only.
a6-1.tld2	CNAME	rpz-passthru.
*.a6-1.tld2	CNAME	.
a7-1.tld2	A	12.12.12.12
		AAAA	2001:db8::12
		TXT	"a7-1 local data"
redirect.tld2	IN	A	127.0.0.1
*.redirect.tld2	IN	A	127.0.0.1
*.credirect.tld2 IN	CNAME	walled.example.
Z
cat >ips.rpz <<'Z'
$TTL 120
$ORIGIN ip.rpz.test.
@	SOA	blx.  hostmaster.ns.blx. ( 1 3600 1200 604800 60 )
	NS	ns.tld.
32.1.2.0.192.rpz-ip		CNAME	.
32.2.2.0.192.rpz-ip		CNAME	*.
32.3.2.0.192.rpz-ip		A	127.0.0.3
128.zz.3333.4444.0.0.8888.rpz-ip	CNAME	rpz-drop.
Z
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list feed --kind domain --format rpz names.rpz 2>import.err ||
	bad "import names.rpz: $(cat import.err)"
isp -q lists import --list feed-ip --kind ip --format rpz ips.rpz 2>import.err ||
	bad "import ips.rpz: $(cat import.err)"
isp -q lists compile || bad "compile"

# ---- lists check names each action
out=$(isp lists check a3-1.tld2 a4-1.tld2 a5-1.tld2 a7-1.tld2 x.credirect.tld2 192.0.2.3 2>&1)
check "check: nodata" grep -q 'a3-1.tld2: BLOCKED by list feed (domain), entry a3-1.tld2, action nodata' <<<"$out"
check "check: drop" grep -q 'a4-1.tld2: BLOCKED .*, action drop' <<<"$out"
check "check: tcp-only" grep -q 'a5-1.tld2: BLOCKED .*, action tcp-only' <<<"$out"
check "check: local data" grep -q 'a7-1.tld2: BLOCKED .*, action local' <<<"$out"
check "check: wildcard CNAME rewrite" grep -q 'x.credirect.tld2: BLOCKED .*entry \*.credirect.tld2, action local' <<<"$out"
check "check: rpz-ip local data" grep -q '192.0.2.3: BLOCKED by list feed-ip (ip), entry 192.0.2.3, action local' <<<"$out"

# ---- export writes the actions back, and BIND loads it
isp lists export --list feed --format rpz --origin rpz.test --out names.out 2>/dev/null || bad "export names"
isp lists export --list feed-ip --format rpz --origin ip.rpz.test --out ips.out 2>/dev/null || bad "export ips"
for l in 'a0-1.tld2 CNAME .' 'a3-1.tld2 CNAME *.' 'a4-1.tld2 CNAME rpz-drop.' \
	'a5-1.tld2 CNAME rpz-tcp-only.' 'a6-1.tld2 CNAME rpz-passthru.' '*.a6-1.tld2 CNAME .' \
	'a7-1.tld2 A 12.12.12.12' 'a7-1.tld2 AAAA 2001:db8::12' 'a7-1.tld2 TXT "a7-1 local data"' \
	'*.redirect.tld2 A 127.0.0.1' '*.credirect.tld2 CNAME walled.example.'; do
	check "export: $l" grep -qxF -- "$l" names.out
done
for l in '32.1.2.0.192.rpz-ip CNAME .' '32.2.2.0.192.rpz-ip CNAME *.' \
	'32.3.2.0.192.rpz-ip A 127.0.0.3' '128.zz.3333.4444.0.0.8888.rpz-ip CNAME rpz-drop.'; do
	check "export: $l" grep -qxF -- "$l" ips.out
done
if command -v named-checkzone >/dev/null; then
	check "named-checkzone loads the exported names zone" named-checkzone -k fail rpz.test names.out
	check "named-checkzone loads the exported ip zone" named-checkzone -k fail ip.rpz.test ips.out
fi
# round trip: the export imported again gives the same export
isp -q lists import --list again --kind domain --format rpz names.out 2>/dev/null || bad "re-import"
isp lists export --list again --format rpz --origin rpz.test --out again.out 2>/dev/null || bad "export again"
check "export -> import -> export is stable" diff <(grep -v '^;\|SOA' names.out | sort) <(grep -v '^;\|SOA' again.out | sort)

# ---- the upstream: a real Unbound that has every name (so RPZ, not it, decides)
{ unbound_conf "$UP"; cat <<U
  local-zone: "tld2." static
  local-data: "a0-1.tld2. 300 IN A 10.0.0.1"
  local-data: "a3-1.tld2. 300 IN A 10.0.0.3"
  local-data: "a4-1.tld2. 300 IN A 10.0.0.4"
  local-data: "a5-1.tld2. 300 IN A 10.0.0.5"
  local-data: "a6-1.tld2. 300 IN A 10.0.0.6"
  local-data: "x.a6-1.tld2. 300 IN A 10.0.0.66"
  local-data: "a7-1.tld2. 300 IN A 10.0.0.7"
  local-data: "a7-1.tld2. 300 IN TXT \"upstream\""
  local-data: "redirect.tld2. 300 IN A 10.0.0.8"
  local-data: "w.redirect.tld2. 300 IN A 10.0.0.9"
  local-data: "x.credirect.tld2. 300 IN A 10.0.0.10"
  local-data: "ipn.tld2. 300 IN A 192.0.2.1"
  local-data: "ipnd.tld2. 300 IN A 192.0.2.2"
  local-data: "ipl.tld2. 300 IN A 192.0.2.3"
  local-data: "v6drop.tld2. 300 IN AAAA 8888:0:0:4444:3333::"
  local-data: "clean.tld2. 300 IN A 10.0.0.99"
  local-zone: "." refuse
U
} >up.conf
unbound-checkconf up.conf >/dev/null || { echo "bad unbound config" >&2; exit 1; }
unbound -c up.conf >up.out 2>&1 &
pids+=($!)
"$bin" --store "$work/var/t.db" dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" \
	--subscribers "127.0.0.1/32" >dns.out 2>&1 &
pids+=($!)
q() { dig +tries=1 +time=3 -p "$DNS" @127.0.0.1 "$@"; }
qis() { local want=$1; shift; q "$@" 2>/dev/null | grep -q "status: $want"; }
until_ok qis NOERROR clean.tld2 A || bad "dns did not come up: $(cat dns.out)"
ans() { q +short "$@" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }

# ---- each action, with dig
check "no action: the upstream's answer" eq "$(ans clean.tld2 A)" "10.0.0.99" "clean"
out=$(q a0-1.tld2 A)
check "CNAME . -> NXDOMAIN with EDE" grep -q 'status: NXDOMAIN' <<<"$out"
check "CNAME . -> EDE names the list" grep -q 'EDE: 17 (Filtered): (blocked by ispshield list feed: a0-1.tld2)' <<<"$out"
out=$(q a3-1.tld2 A)
check "CNAME *. -> NODATA (NOERROR)" grep -q 'status: NOERROR' <<<"$out"
check "CNAME *. -> no answer record" grep -q 'ANSWER: 0,' <<<"$out"
out=$(dig +tries=1 +timeout=1 -p "$DNS" @127.0.0.1 a4-1.tld2 A 2>&1)
check "rpz-drop -> no answer at all" grep -q 'no servers could be reached' <<<"$out"
check "rpz-drop: the server still answers" qis NOERROR clean.tld2 A
out=$(dig +tries=1 +timeout=1 +tcp -p "$DNS" @127.0.0.1 a4-1.tld2 A 2>&1)
check "rpz-drop over TCP -> no answer either" grep -qE 'timed out|no servers could be reached|end of file' <<<"$out"
check "rpz-drop over TCP -> no status line" eval '! grep -q "status:" <<<"$out"'
out=$(q +ignore a5-1.tld2 A)
check "rpz-tcp-only over UDP -> truncated" grep -qE 'flags: qr[a-z ]* tc' <<<"$out"
check "rpz-tcp-only over UDP -> no answer record" grep -q 'ANSWER: 0,' <<<"$out"
check "rpz-tcp-only over TCP -> the real answer" eq "$(ans +tcp a5-1.tld2 A)" "10.0.0.5" "tcp"
check "rpz-tcp-only: dig retries over TCP by itself" eq "$(ans a5-1.tld2 A)" "10.0.0.5" "udp->tcp"
out=$(q +ignore a5-1.tld2 A)
check "rpz-tcp-only: UDP still truncated after the TCP answer (not cached for UDP)" grep -qE 'flags: qr[a-z ]* tc' <<<"$out"
check "rpz-passthru -> the upstream's answer" eq "$(ans a6-1.tld2 A)" "10.0.0.6" "passthru"
check "*.name CNAME . under a passthru name -> NXDOMAIN" qis NXDOMAIN x.a6-1.tld2 A
check "local data A" eq "$(ans a7-1.tld2 A)" "12.12.12.12" "local A"
check "local data AAAA" eq "$(ans a7-1.tld2 AAAA)" "2001:db8::12" "local AAAA"
check "local data TXT" eq "$(ans a7-1.tld2 TXT)" '"a7-1 local data"' "local TXT"
out=$(q a7-1.tld2 MX)
check "local data, other type -> NODATA" grep -q 'status: NOERROR' <<<"$out"
check "local data, other type -> no answer record" grep -q 'ANSWER: 0,' <<<"$out"
check "local data over TCP too" eq "$(ans +tcp a7-1.tld2 A)" "12.12.12.12" "local tcp"
check "local data: exact owner" eq "$(ans redirect.tld2 A)" "127.0.0.1" "redirect"
check "local data: wildcard owner" eq "$(ans w.redirect.tld2 A)" "127.0.0.1" "*.redirect"
out=$(q x.credirect.tld2 A)
check "wildcard CNAME rewrite -> CNAME to the walled garden" grep -qE '^x\.credirect\.tld2\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+walled\.example\.' <<<"$out"
check "rpz-ip CNAME . -> NXDOMAIN" qis NXDOMAIN ipn.tld2 A
out=$(q ipnd.tld2 A)
check "rpz-ip CNAME *. -> NODATA" grep -q 'ANSWER: 0,' <<<"$out"
check "rpz-ip CNAME *. -> NOERROR" grep -q 'status: NOERROR' <<<"$out"
check "rpz-ip local data replaces the answer" eq "$(ans ipl.tld2 A)" "127.0.0.3" "rpz-ip local"
out=$(dig +tries=1 +timeout=1 -p "$DNS" @127.0.0.1 v6drop.tld2 AAAA 2>&1)
check "rpz-ip (zz) rpz-drop -> no answer" grep -q 'no servers could be reached' <<<"$out"
check "the server answers after all that" eq "$(ans clean.tld2 A)" "10.0.0.99" "clean again"

finish rpz_actions
