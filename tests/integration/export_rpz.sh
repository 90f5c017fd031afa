#!/usr/bin/env bash
# export_rpz.sh -- `ispshield lists export` against the real consumers of its output.
#
# The requirement: the RPZ zone that `lists export --format rpz` writes loads in BIND 9
# (named-checkzone) and in Unbound (as an `rpz:` zonefile), and the domains / hosts / csv
# formats are what they say. This test proves it with the real programs:
#
#   1. build a domain list (exact names, *.wildcards, an IDN, underscores and hyphens, allow
#      entries imported from an RPZ file with CNAME rpz-passthru., CSV metadata) and an ip
#      list (IPv4 and IPv6 prefixes and single addresses);
#   2. export both as RPZ; named-checkzone -k fail (with and without -i local) must say OK,
#      and the files must hold the exact trigger lines;
#   3. start two Debian unbound daemons on 127.0.0.1: an "upstream" that serves fixed data
#      for every name the test asks (and refuses everything else), and a resolver that
#      forwards "." to it and loads the exported zones as rpz: -- so every NXDOMAIN seen
#      can only come from RPZ, unblocked names must come back with the upstream's address,
#      and no query leaves the loopback interface;
#   4. domains / hosts exports (allow entries and *.wildcards left out, said on stderr) and a
#      csv export -> import -> export round trip.
#
# Environment: ISPSHIELD (the built binary); SRCDIR is not needed (the data is written here).
# Exit status: 0 all checks passed, 1 a check failed (a missing program is a failure, not a skip).
set -euo pipefail

: "${ISPSHIELD:?set ISPSHIELD to the ispshield binary}"
ISPSHIELD=$(cd "$(dirname "$ISPSHIELD")" && pwd)/$(basename "$ISPSHIELD")
HERE=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$HERE/../.." && pwd)
# testlib: ok, die (a failed check ends this test: later steps build on earlier ones),
# freeport, until_ok, finish
. "$src/tests/integration/lib/testlib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ispshield-export-rpz.XXXXXX")
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in named-checkzone unbound unbound-checkconf dig python3; do
	command -v "$tool" >/dev/null || die "required program $tool not found (Debian: unbound, bind9-utils, bind9-dnsutils)"
done

cd "$WORK"
isp() { "$ISPSHIELD" --store "$WORK/store.db" --snapshot "$WORK/store.snap" "$@"; }

# ---- 1. the lists -------------------------------------------------------------------------

cat >domains.txt <<'EOF'
# exact names, wildcards, an IDN, underscores and hyphens
evil.example
*.wild.example
bücher.example
under_score.example
_dmarc.bad-host.example
hy-phen.example
EOF

# Allow entries come from an RPZ file, as a CERT would publish them.
cat >allow.rpz <<'EOF'
$TTL 300
$ORIGIN rpz.cert.example.
@ IN SOA ns.cert.example. hostmaster.cert.example. 1 3600 600 86400 300
  IN NS ns.cert.example.
ok.example         CNAME rpz-passthru.
ok.wild.example    CNAME rpz-passthru.
also-bad.example   CNAME .
EOF

# CSV metadata that the csv round trip must carry (a comma and quotes in the reference).
cat >meta.csv <<'EOF'
value,action,first_seen,last_seen,expires,category,reference
meta.example,block,2024-01-02 03:04:05,2024-02-03 04:05:06,2099-01-01 00:00:00,botnet C&C,"https://cert.example/t?a=1,2 ""wave 3"""
EOF

cat >ips.txt <<'EOF'
192.0.2.0/24
198.51.100.7
2001:db8:abcd::/48
2001:db8::1
EOF

isp lists import --list dom --kind domain --format plain domains.txt 2>import.err ||
	die "import of domains.txt failed: $(cat import.err)"
isp lists import --list dom --format rpz allow.rpz 2>import.err ||
	die "import of allow.rpz failed: $(cat import.err)"
isp lists import --list dom --format csv meta.csv 2>import.err ||
	die "import of meta.csv failed: $(cat import.err)"
isp lists import --list ips --kind ip --format plain ips.txt 2>import.err ||
	die "import of ips.txt failed: $(cat import.err)"
ok "lists imported (plain, rpz with passthru, csv, ip)"

# ---- 2. RPZ export and named-checkzone ---------------------------------------------------

isp lists export --list dom --format rpz --origin rpz.test --out dom.rpz 2>export.err ||
	die "export dom as rpz failed: $(cat export.err)"
isp lists export --list ips --format rpz --origin rpz.test --out ips.rpz 2>export.err ||
	die "export ips as rpz failed: $(cat export.err)"
if [ -e dom.rpz.tmp ] || [ -e ips.rpz.tmp ]; then
	die "export left its temporary file behind"
fi

# The exact trigger lines (draft-vixie-dnsop-dns-rpz: relative owners under $ORIGIN).
expect_line() { # FILE LINE
	grep -qxF -- "$2" "$1" || die "$1 lacks the line '$2'; it holds:
$(cat "$1")"
}
expect_line dom.rpz "\$ORIGIN rpz.test."
expect_line dom.rpz 'evil.example CNAME .'
expect_line dom.rpz '*.wild.example CNAME .'
expect_line dom.rpz 'xn--bcher-kva.example CNAME .'
expect_line dom.rpz 'under_score.example CNAME .'
expect_line dom.rpz '_dmarc.bad-host.example CNAME .'
expect_line dom.rpz 'hy-phen.example CNAME .'
expect_line dom.rpz 'also-bad.example CNAME .'
expect_line dom.rpz 'ok.example CNAME rpz-passthru.'
expect_line dom.rpz 'ok.wild.example CNAME rpz-passthru.'
expect_line ips.rpz '24.0.2.0.192.rpz-ip CNAME .'
expect_line ips.rpz '32.7.100.51.198.rpz-ip CNAME .'
expect_line ips.rpz '48.zz.abcd.db8.2001.rpz-ip CNAME .'
expect_line ips.rpz '128.1.zz.db8.2001.rpz-ip CNAME .'
n=$(grep -c ' CNAME ' dom.rpz || true)
[ "$n" -eq 10 ] || die "dom.rpz: $n CNAME records, expected 10"
n=$(grep -c ' CNAME ' ips.rpz || true)
[ "$n" -eq 4 ] || die "ips.rpz: $n CNAME records, expected 4"
grep -q 'bücher' dom.rpz && die "dom.rpz holds the IDN in UTF-8, not as its A-label"
ok "rpz exports hold the expected triggers (10 names, 4 addresses)"

for z in dom.rpz ips.rpz; do
	for mode in "-i local" "-i full" ""; do
		# shellcheck disable=SC2086 # $mode is a word list on purpose
		if ! out=$(named-checkzone -k fail $mode rpz.test "$z" 2>&1); then
			die "named-checkzone -k fail $mode rejects $z:
$out"
		fi
		[ "$(printf '%s\n' "$out" | tail -n 1)" = "OK" ] ||
			die "named-checkzone -k fail $mode on $z did not say OK:
$out"
		printf '%s\n' "$out" | grep -qi 'warning\|ignored\|error' &&
			die "named-checkzone $mode on $z warned:
$out"
	done
	ok "named-checkzone -k fail accepts $z (-i local, -i full, default)"
done

# ---- 3. Unbound with the exported zones ---------------------------------------------------

# Two free loopback ports, free for both UDP and TCP.
UPPORT=$(freeport)
RESPORT=$(freeport)
while [ "$RESPORT" = "$UPPORT" ]; do RESPORT=$(freeport); done

# Unbound checks the rpz: zone's origin against its SOA, so each zone gets its own origin.
isp lists export --list dom --format rpz --origin rpz.test --out dom-ub.rpz 2>/dev/null ||
	die "export dom as rpz (for unbound) failed"
isp lists export --list ips --format rpz --origin ip.rpz.test --out ips-ub.rpz 2>/dev/null ||
	die "export ips as rpz (for unbound) failed"

common() { # LOGFILE PORT
	cat <<EOF
server:
  interface: 127.0.0.1
  port: $2
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$WORK"
  pidfile: ""
  use-syslog: no
  logfile: "$1"
  log-time-ascii: yes
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  so-reuseport: no
  outgoing-range: 64
  msg-cache-size: 1m
  rrset-cache-size: 1m
  key-cache-size: 1m
  neg-cache-size: 1m
  infra-cache-numhosts: 100
  auto-trust-anchor-file: ""
  trust-anchor-file: ""
EOF
}

# The upstream: fixed data for every name the test asks, nothing recursed ("." refused), so
# an NXDOMAIN from the resolver can only be RPZ's and nothing leaves the machine.
{
	common "$WORK/upstream.log" "$UPPORT"
	cat <<'EOF'
  verbosity: 1
  module-config: "iterator"
  local-zone: "." refuse
  local-zone: "example." static
  local-data: "evil.example. 60 IN A 203.0.113.1"
  local-data: "wild.example. 60 IN A 203.0.113.2"
  local-data: "a.wild.example. 60 IN A 203.0.113.3"
  local-data: "b.c.wild.example. 60 IN A 203.0.113.4"
  local-data: "ok.wild.example. 60 IN A 203.0.113.5"
  local-data: "xn--bcher-kva.example. 60 IN A 203.0.113.6"
  local-data: "under_score.example. 60 IN A 203.0.113.7"
  local-data: "_dmarc.bad-host.example. 60 IN TXT \"v=DMARC1\""
  local-data: "bad-host.example. 60 IN A 203.0.113.8"
  local-data: "hy-phen.example. 60 IN A 203.0.113.9"
  local-data: "also-bad.example. 60 IN A 203.0.113.10"
  local-data: "meta.example. 60 IN A 203.0.113.11"
  local-data: "ok.example. 60 IN A 203.0.113.12"
  local-data: "clean.example. 60 IN A 203.0.113.13"
  local-data: "sub.evil.example. 60 IN A 203.0.113.14"
  local-data: "v4net.example. 60 IN A 192.0.2.55"
  local-data: "v4host.example. 60 IN A 198.51.100.7"
  local-data: "v4next.example. 60 IN A 198.51.100.8"
  local-data: "v6net.example. 60 IN AAAA 2001:db8:abcd:1::5"
  local-data: "v6host.example. 60 IN AAAA 2001:db8::1"
  local-data: "v6next.example. 60 IN AAAA 2001:db8::2"
  local-data: "v6out.example. 60 IN AAAA 2001:db8:abce::5"
remote-control:
  control-enable: no
EOF
} >upstream.conf

{
	common "$WORK/resolver.log" "$RESPORT"
	cat <<EOF
  verbosity: 1
  module-config: "respip iterator"
  qname-minimisation: no
  harden-referral-path: no
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$UPPORT
rpz:
  name: "rpz.test."
  zonefile: "$WORK/dom-ub.rpz"
  rpz-log: yes
  rpz-log-name: "domains"
rpz:
  name: "ip.rpz.test."
  zonefile: "$WORK/ips-ub.rpz"
  rpz-log: yes
  rpz-log-name: "addresses"
EOF
} >resolver.conf

for c in upstream.conf resolver.conf; do
	out=$(unbound-checkconf "$c" 2>&1) || die "unbound-checkconf rejects $c:
$out"
done
ok "unbound-checkconf accepts both configurations"

unbound -d -c upstream.conf >upstream.out 2>&1 &
PIDS+=($!)
unbound -d -c resolver.conf >resolver.out 2>&1 &
PIDS+=($!)

# "STATUS ANSWER... " of dig NAME TYPE at 127.0.0.1:PORT; a fourth argument "norec" asks
# without recursion (for the upstream, which serves only its local data).
query() { # PORT NAME TYPE [norec]
	local out status rd=+recurse
	[ "${4:-}" = norec ] && rd=+norecurse
	out=$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 "$rd" +noall +comments +answer "$2" "$3" 2>&1) ||
		true
	status=$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
	printf '%s %s\n' "${status:-NOANSWER}" \
		"$(printf '%s\n' "$out" | awk '!/^;/ && NF >= 5 { print $NF }' | tr '\n' ' ')"
}

answers() { # PORT NAME PID: it answers NOERROR, or the server is gone (exit 2)
	kill -0 "$3" 2>/dev/null || return 2
	case $(query "$1" "$2" A) in NOERROR*) return 0 ;; esac
	return 1
}
wait_up() { # PORT NAME WHAT PID
	until_ok answers "$1" "$2" "$4" && return 0
	kill -0 "$4" 2>/dev/null || die "$3 exited at start:
$(cat "$WORK"/*.out "$WORK"/*.log 2>/dev/null)"
	die "$3 on 127.0.0.1:$1 did not answer:
$(cat "$WORK"/*.out "$WORK"/*.log 2>/dev/null)"
}
wait_up "$UPPORT" clean.example upstream "${PIDS[0]}"
wait_up "$RESPORT" clean.example resolver "${PIDS[1]}"
ok "upstream unbound on 127.0.0.1:$UPPORT and RPZ resolver on 127.0.0.1:$RESPORT answer"

# The resolver log: both zones loaded, no error.
if grep -Ei 'error|fatal|failed|could not|cannot' resolver.log resolver.out >/dev/null; then
	die "unbound reported errors loading the RPZ zones:
$(cat resolver.out resolver.log)"
fi
ok "unbound loaded the zones without errors"

# The upstream really has data for the blocked names (so NXDOMAIN below is RPZ's).
r=$(query "$UPPORT" evil.example A norec)
[ "$r" = "NOERROR 203.0.113.1 " ] || die "upstream: evil.example A gave '$r'"

expect() { # NAME TYPE WANT-STATUS [WANT-ANSWER] -- WHY
	local name=$1 type=$2 want=$3 ans=${4:-} r
	r=$(query "$RESPORT" "$name" "$type")
	if [ "$want" = NXDOMAIN ]; then
		[ "${r%% *}" = NXDOMAIN ] || die "$name $type: expected NXDOMAIN from RPZ, got '$r'"
	else
		[ "$r" = "NOERROR $ans " ] ||
			die "$name $type: expected NOERROR $ans (not blocked), got '$r'"
	fi
	ok "$name $type -> ${r% }"
}
expect evil.example A NXDOMAIN                      # exact name
expect a.wild.example A NXDOMAIN                    # under a wildcard
expect b.c.wild.example A NXDOMAIN                  # two labels under a wildcard
expect wild.example A NOERROR 203.0.113.2           # *.name does not cover name itself
expect ok.wild.example A NOERROR 203.0.113.5        # passthru beats the wildcard
expect sub.evil.example A NOERROR 203.0.113.14      # exact name does not cover children
expect xn--bcher-kva.example A NXDOMAIN             # IDN as its A-label
expect under_score.example A NXDOMAIN
expect _dmarc.bad-host.example TXT NXDOMAIN
expect bad-host.example A NOERROR 203.0.113.8
expect hy-phen.example A NXDOMAIN
expect also-bad.example A NXDOMAIN                  # block entry from the RPZ import
expect meta.example A NXDOMAIN                      # block entry from the CSV import
expect ok.example A NOERROR 203.0.113.12            # passthru
expect clean.example A NOERROR 203.0.113.13         # not listed
expect v4net.example A NXDOMAIN                     # in 192.0.2.0/24
expect v4host.example A NXDOMAIN                    # 198.51.100.7
expect v4next.example A NOERROR 198.51.100.8        # the /32 is exact
expect v6net.example AAAA NXDOMAIN                  # in 2001:db8:abcd::/48
expect v6host.example AAAA NXDOMAIN                 # 2001:db8::1
expect v6next.example AAAA NOERROR 2001:db8::2      # the /128 is exact
expect v6out.example AAAA NOERROR 2001:db8:abce::5  # outside the /48

# rpz-log lines show the answers came from our zones.
grep -q 'rpz: applied \[domains\] evil.example' resolver.log ||
	die "resolver log has no rpz hit for evil.example:
$(cat resolver.log)"
grep -q 'rpz: applied \[addresses\]' resolver.log ||
	die "resolver log has no rpz-ip hit:
$(cat resolver.log)"
ok "unbound logged the RPZ hits from both zones"

# ---- 4. domains, hosts, csv ----------------------------------------------------------------

isp lists export --list dom --format domains --out dom.txt 2>domains.err ||
	die "export as domains failed: $(cat domains.err)"
sort dom.txt >got.txt
printf '%s\n' '*.wild.example' _dmarc.bad-host.example also-bad.example evil.example \
	hy-phen.example meta.example under_score.example xn--bcher-kva.example |
	sort >want.txt
diff -u want.txt got.txt >&2 || die "domains export differs (allow entries must be left out)"
grep -q '8 entries written as domains, 2 left out' domains.err ||
	die "domains export did not say that 2 allow entries were left out: $(cat domains.err)"
ok "domains export: block entries only, 2 allow entries reported left out"

isp lists export --list dom --format hosts --out dom.hosts 2>hosts.err ||
	die "export as hosts failed: $(cat hosts.err)"
grep -v '^\*' want.txt | sed 's/^/0.0.0.0 /' >want.hosts
sort dom.hosts >got.hosts
diff -u want.hosts got.hosts >&2 || die "hosts export differs (no *.name, no allow entries)"
grep -q '7 entries written as hosts, 3 left out' hosts.err ||
	die "hosts export did not say that 3 entries were left out: $(cat hosts.err)"
ok "hosts export: 0.0.0.0 lines, wildcard and allow entries reported left out"

isp lists export --list ips --format hosts --out ips.hosts 2>/dev/null &&
	die "hosts export of an ip list succeeded"
ok "hosts export of an ip list is refused"

isp lists export --list dom --format csv --out dom1.csv 2>/dev/null || die "export as csv failed"
grep -qxF 'meta.example,block,2024-01-02 03:04:05,2024-02-03 04:05:06,2099-01-01 00:00:00,botnet C&C,"https://cert.example/t?a=1,2 ""wave 3""",meta.csv' dom1.csv ||
	die "csv export lost meta.example's fields:
$(cat dom1.csv)"
isp lists import --list dom2 --kind domain --format csv dom1.csv 2>import.err ||
	die "import of the csv export failed: $(cat import.err)"
isp lists export --list dom2 --format csv --out dom2.csv 2>/dev/null || die "export dom2 as csv failed"
# Every column but the source (which is the name of the file imported) survives.
cut_src() { python3 -c 'import csv,sys
w=csv.writer(sys.stdout, lineterminator="\n")
for r in csv.reader(open(sys.argv[1], newline="")): w.writerow(r[:7])' "$1"; }
cut_src dom1.csv >rt1.csv
cut_src dom2.csv >rt2.csv
diff -u rt1.csv rt2.csv >&2 || die "csv round trip changed value/action/dates/category/reference"
n=$(($(wc -l <rt1.csv) - 1))
[ "$n" -eq 10 ] || die "csv export has $n rows, expected 10"
grep -q '^ok.example,allow,' rt2.csv || die "csv round trip lost the allow action"
ok "csv round trip keeps value, action, dates, category and reference of $n entries"

# ---- 5. a valid name too long under the zone origin is left out, not fatal ------------
# 250 octets is a valid name, but with ".rpz.test" appended it is not: one such feed entry
# would make BIND and Unbound refuse the whole zone (fail open for every subscriber).
long="$(printf 'a%.0s' {1..63}).$(printf 'a%.0s' {1..63}).$(printf 'a%.0s' {1..63}).$(printf 'b%.0s' {1..50}).example"
printf '%s\nshort.example\n' "$long" >long.txt
isp lists import --list long --kind domain long.txt 2>import.err || die "import of long.txt failed: $(cat import.err)"
isp lists export --list long --format rpz --origin rpz.test --out long.rpz 2>long.err ||
	die "rpz export of the long list failed: $(cat long.err)"
grep -q '1 entries written as rpz.*1 left out (longer than 253 octets under zone rpz.test)' long.err ||
	die "rpz export did not report the over-long name: $(cat long.err)"
grep -q '^short.example CNAME \.$' long.rpz || die "rpz export lost short.example"
out=$(named-checkzone -k fail rpz.test long.rpz 2>&1) || die "named-checkzone rejects long.rpz: $out"
ok "rpz export leaves out a name too long under the origin, and the zone still loads"

finish export_rpz
