#!/usr/bin/env bash
# Integration test of the allowlist (`ispshield lists allow`, issue 16) with real programs on
# loopback: a real Unbound as upstream and resolver, `ispshield dns` asked with dig,
# `ispshield proxy` asked with curl, a python3 web site.
# Covers: a name listed by two lists is blocked by dns and proxy until it is allowed and
# compiled, then answered from the upstream and served; a *.suffix allow wins over a
# list's more specific exact and wildcard entries; an allowed prefix stops answer-address
# blocking; an allowed URL stops the proxy's URL block; `lists check` says "allowed by
# allowlist (reason, by, expires)"; `lists export --format rpz` writes the allows and the
# entries they cover as rpz-passthru (a domains export leaves those out); a time-boxed
# allow (--expires 3s) shows as expired in `lists allow show --json` and no longer
# applies at the next compile; remove; who and why are recorded; bad values are refused
# like imports refuse them, and so is a wildcard over a top-level domain.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in dig curl python3 unbound jq; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport); PX=$(freeport); PXM=$(freeport); WWW=$(freeport)

# ---- the upstream: Unbound answers the test names from local data
{ unbound_conf "$UP"; cat <<U
  local-zone: "test." static
  local-data: "fp.site.test. 300 IN A 127.0.0.1"
  local-data: "other.site.test. 300 IN A 127.0.0.1"
  local-data: "deep.cdn.test. 300 IN A 127.0.0.1"
  local-data: "a.x.cdn.test. 300 IN A 127.0.0.1"
  local-data: "cdn.test. 300 IN A 127.0.0.1"
  local-data: "tmp.site.test. 300 IN A 127.0.0.1"
  local-data: "ipsite.test. 300 IN A 192.0.2.77"
  local-data: "ipother.test. 300 IN A 198.51.100.9"
  local-zone: "." refuse
U
} >up.conf
unbound -c up.conf >up.out 2>&1 & pids+=($!)
mkdir www
echo hello-site >www/ok.html
echo URL-PAGE >www/bad.html
(cd www && exec python3 -m http.server --bind 127.0.0.1 "$WWW" >/dev/null 2>&1) & pids+=($!)

# ---- lists: the false positive is in two lists (a feed and a partner's)
printf 'fp.site.test\ndeep.cdn.test\n*.x.cdn.test\ncdn.test\ntmp.site.test\n' >feed.txt
printf 'fp.site.test\nother.site.test\n' >partner.txt
printf '192.0.2.77\n198.51.100.9\n' >ips.txt
printf 'http://127.0.0.1:%s/bad.html\n' "$WWW" >urls.txt
isp() { "$bin" --store "$work/var/t.db" "$@"; }
isp -q lists import --list feed --kind domain feed.txt || die "import feed"
isp -q lists import --list partner --kind domain partner.txt || die "import partner"
isp -q lists import --list bad-ips --kind ip ips.txt || die "import ips"
isp -q lists import --list urls --kind url urls.txt || die "import urls"
isp -q lists compile || die "compile"

"$bin" --store "$work/var/t.db" dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" --subscribers 127.0.0.1/32 \
	>dns.out 2>&1 & pids+=($!)
"$bin" --store "$work/var/t.db" proxy --listen "127.0.0.1:$PX" --metrics "127.0.0.1:$PXM" --subscribers 127.0.0.1/32 \
	--resolver "127.0.0.1:$UP" --allow-destinations 127.0.0.0/8 >px.out 2>&1 & pids+=($!)
q() { dig +tries=1 +time=3 -p "$DNS" @127.0.0.1 "$@"; }
qis() { local want=$1; shift; q "$@" 2>/dev/null | grep -q "status: $want"; }
# code URL: the proxy's HTTP status for URL
code() { curl -s -m 10 -x "127.0.0.1:$PX" -o /dev/null -w '%{http_code}' "$1"; }
until_ok sh -c "dig +tries=1 +time=1 -p $UP @127.0.0.1 other.site.test | grep -q NOERROR" ||
	die "unbound did not start"
until_ok qis NXDOMAIN fp.site.test A || die "dns did not come up: $(cat dns.out)"
wait_http "http://127.0.0.1:$PXM/metrics" || die "proxy did not come up: $(cat px.out)"
wait_http "http://127.0.0.1:$WWW/ok.html" || die "site did not come up"

# ---- before: everything blocked
check "fp.site.test blocked by dns" qis NXDOMAIN fp.site.test A
eq "$(code "http://fp.site.test:$WWW/ok.html")" 403 "proxy blocks fp.site.test"
check "deep.cdn.test blocked" qis NXDOMAIN deep.cdn.test A
check "a.x.cdn.test blocked (*.x.cdn.test)" qis NXDOMAIN a.x.cdn.test A
check "ipsite.test blocked by its answer address" qis NXDOMAIN ipsite.test A
eq "$(code "http://127.0.0.1:$WWW/bad.html")" 403 "proxy blocks the listed URL"

# ---- bad values are refused like imports refuse them
expect 2 "a value that is no domain is refused" -- isp lists allow add 'bad name!'
expect 2 "a /0 prefix is refused" -- isp lists allow add 0.0.0.0/0
has err.txt "0.0.0.0/0: "
expect 2 "a wildcard over a top-level domain is refused" -- isp lists allow add '*.test'
has err.txt "would allow every name under a top-level domain"
expect 2 "a URL with a free-text host is refused" -- isp lists allow add 'http://not a host/x'
expect 2 "removing what is not allowed: usage" -- isp lists allow remove nothere.test
expect 2 "a stored list may not take the allowlist's name" -- isp lists import --list allowlist --kind domain feed.txt

# ---- allow, compile: served again, whatever list names it
check "allow an exact name" isp -q lists allow add fp.site.test --reason "false positive, ticket 42" --by alice
check "allow a *.suffix" isp -q lists allow add '*.cdn.test' --reason "CDN"
check "allow a prefix" isp -q lists allow add 192.0.2.0/24 --reason "our customer's range"
check "allow a URL" isp -q lists allow add "http://127.0.0.1:$WWW/bad.html" --reason "fixed"
check "compile" isp -q lists compile
check "dns answers fp.site.test from the upstream" until_ok qis NOERROR fp.site.test A
check "... with the upstream's address" bash -c "dig +short -p $DNS @127.0.0.1 fp.site.test A | grep -qx 127.0.0.1"
check "proxy serves fp.site.test" until_eq 200 code "http://fp.site.test:$WWW/ok.html"
check "*.cdn.test wins over the more specific exact entry" qis NOERROR deep.cdn.test A
check "*.cdn.test wins over the more specific wildcard" qis NOERROR a.x.cdn.test A
check "*.cdn.test does not cover cdn.test itself" qis NXDOMAIN cdn.test A
check "the prefix allow stops answer-address blocking" qis NOERROR ipsite.test A
check "an address outside it is still blocked" qis NXDOMAIN ipother.test A
check "other entries of the partner list still blocked" qis NXDOMAIN other.site.test A
eq "$(code "http://127.0.0.1:$WWW/bad.html")" 200 "the allowed URL passes the proxy"

# ---- lists check says why
expect 1 "lists check: not blocked" -- isp lists check fp.site.test
has out.txt "fp.site.test: allowed by allowlist fp.site.test (reason false positive, ticket 42, by alice, expires never)"
has out.txt "fp.site.test: listed (not blocked) by list feed (domain)"
has out.txt "fp.site.test: listed (not blocked) by list partner (domain)"
expect 1 "lists check: covered by the wildcard" -- isp lists check deep.cdn.test
has out.txt "allowed by allowlist *.cdn.test (reason CDN, by "
expect 1 "lists check: an address in the allowed prefix" -- isp lists check 192.0.2.77
has out.txt "allowed by allowlist 192.0.2.0/24"
expect 0 "lists check: a listed name outside the allowlist is blocked" -- isp lists check other.site.test
isp lists check --json fp.site.test >check.json
eq "$(jq -r '.[0].blocked' check.json)" false "check --json: not blocked"
eq "$(jq -r '.[0].matches[] | select(.list == "allowlist") | .by' check.json)" alice "check --json: by"

# ---- who, when, why; the invoking user by default
isp lists allow show --json >show.json
eq "$(jq -r '.active[] | select(.value == "fp.site.test") | .by' show.json)" alice "show: by"
eq "$(jq -r '.active[] | select(.value == "*.cdn.test") | .by' show.json)" "$(id -un)" "show: invoking user"
eq "$(jq -r '.active[] | select(.value == "192.0.2.0/24") | .reason' show.json)" "our customer's range" "show: reason"
eq "$(jq -r '.active | length' show.json)" 4 "show: four active"

# ---- RPZ export: allows and what they cover as rpz-passthru
isp -q lists export --list feed --format rpz --origin rpz.test >feed.rpz
has feed.rpz "fp.site.test CNAME rpz-passthru."
has feed.rpz "*.cdn.test CNAME rpz-passthru."
has feed.rpz "deep.cdn.test CNAME rpz-passthru."
has feed.rpz "*.x.cdn.test CNAME rpz-passthru."
has feed.rpz "cdn.test CNAME ."
hasnt feed.rpz "fp.site.test CNAME ."
isp -q lists export --list bad-ips --format rpz >ips.rpz
has ips.rpz "24.0.2.0.192.rpz-ip CNAME rpz-passthru."
has ips.rpz "32.77.2.0.192.rpz-ip CNAME rpz-passthru."
has ips.rpz "32.9.100.51.198.rpz-ip CNAME ."
isp -q lists export --list feed --format domains >feed.domains
eq "$(sort feed.domains | tr '\n' ' ')" "cdn.test tmp.site.test " "domains export leaves covered entries out"
if command -v named-checkzone >/dev/null; then
	check "the exported zone loads (named-checkzone)" named-checkzone -k fail rpz.test feed.rpz
fi

# ---- a time-boxed allow expires by itself
check "allow tmp.site.test for 3 s" isp -q lists allow add tmp.site.test --expires 3s --reason trial
check "compile" isp -q lists compile
check "tmp.site.test served while allowed" until_ok qis NOERROR tmp.site.test A
expired() { isp lists allow show --json | jq -r '.expired[].value'; }
check "show --json lists it as expired once its time passed" until_eq tmp.site.test expired
isp lists allow show >show.txt
check "show (text) lists it under expired" bash -c "sed -n '/^expired:/,\$p' show.txt | grep -q tmp.site.test"
check "compile after expiry" isp -q lists compile
check "tmp.site.test blocked again" until_ok qis NXDOMAIN tmp.site.test A
check "the others still allowed" qis NOERROR fp.site.test A

# ---- remove
check "remove fp.site.test" isp -q lists allow remove fp.site.test
check "compile" isp -q lists compile
check "fp.site.test blocked again by dns" until_ok qis NXDOMAIN fp.site.test A
check "... and by the proxy" until_eq 403 code "http://fp.site.test:$WWW/ok.html"
check "the wildcard allow still applies" qis NOERROR deep.cdn.test A

finish allowlist
