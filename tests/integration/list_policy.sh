#!/usr/bin/env bash
# Integration test of the per-list policy ([list.NAME]), profiles ([profile.NAME]), the
# EDE that names the rule, the SOA of negative block answers and the encrypted-DNS canary,
# with real programs on loopback: a real Unbound upstream, dig and kdig as clients, curl
# for /metrics and the proxy, sqlite3 for the store. Covers: nxdomain with the SOA in the
# authority section and TTL = dns.block-ttl; walled-garden; refused with an ede-text;
# log-only forwarded but recorded and counted; the EDE naming list and entry; per-list
# counters on /metrics; events = off recording nothing; notify = off skipped by notify
# run; a per-list page at the proxy, and its CONNECT (log-only passes, events = off and
# profiles apply); the canary for filtered and opted-out clients; a
# profile that selects one list, and a profile switch live within the reload bound.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in unbound dig kdig sqlite3 curl python3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
UP=$(freeport); DNS=$(freeport); MET=$(freeport); PX=$(freeport); PXM=$(freeport)

cat >conf <<C
[core]
store = $work/var/t.db
[dns]
listen = 127.0.0.1:$DNS
upstream = 127.0.0.1:$UP
subscribers = 127.0.0.0/8
opt-out = $work/optout.txt
metrics = 127.0.0.1:$MET
block-ttl = 120
walled-garden-a = 192.0.2.80
[proxy]
listen = 127.0.0.1:$PX
subscribers = 127.0.0.0/8
opt-out = $work/optout.txt
metrics = 127.0.0.1:$PXM
resolver = 127.0.0.1:$DNS
[notify]
maildir = $work/maildir
[list.wg]
action = walled-garden
[list.ref]
action = refused
ede-text = refused by the operator's policy
[list.trial]
action = log-only
[list.secret]
events = off
[list.quiet]
notify = off
[list.owner-urls]
display-name = the Owner list
page = $work/owner-page.html
[profile.cc-only]
lists = c2
C
isp() { "$bin" -q -c "$work/conf" "$@"; }
imp() { local list=$1 kind=$2; shift 2; printf '%s\n' "$@" >"$list.txt"; isp lists import --list "$list" --kind "$kind" "$list.txt" || bad "import $list"; }
imp c2 domain cc1.botnet.example
imp dga domain '*.dga-family.example'
imp wg domain wg.example
imp ref domain refused.example
imp trial domain trial.example
imp secret domain secret.example
imp quiet domain quiet.example
imp urls url http://malware.example/bad.exe
imp owner-urls url http://owner.example/listed.html
isp lists compile || bad "compile"
cat >owner-page.html <<'P'
<!doctype html><title>OWNER-FIXED-PAGE</title><p>{{url}} is on {{list}}; ask {{contact}}.</p>
P

# subscribers: demo (every list), kid (profile cc-only: only c2), opt (profile none)
printf 'id,email,language,profile\ndemo,demo@sub.example,en,\nkid,kid@sub.example,en,cc-only\nopt,opt@sub.example,en,none\n' >subs.csv
t0=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)
{
	echo '"Acct-Status-Type","Acct-Session-Id","User-Name","Framed-IP-Address","NAS-IP-Address","Event-Timestamp"'
	echo "\"Start\",\"s1\",\"demo\",\"127.0.0.1\",\"192.0.2.1\",\"$t0\""
	echo "\"Start\",\"s2\",\"kid\",\"127.0.0.5\",\"192.0.2.1\",\"$t0\""
	echo "\"Start\",\"s3\",\"opt\",\"127.0.0.3\",\"192.0.2.1\",\"$t0\""
} >sess.csv
isp subscribers import subs.csv && isp sessions import sess.csv || bad "subscribers and sessions"
check "opt-out file: version 2, kid's profile line" grep -q '^profile=cc-only	127.0.0.5' optout.txt
check "opt-out file: opt as an opt-out line" grep -q '^127.0.0.3	# opt' optout.txt

{ unbound_conf "$UP"; cat <<U
  local-zone: "example." static
  local-data: "www.good.example. 300 IN A 192.0.2.10"
  local-data: "cc1.botnet.example. 300 IN A 192.0.2.66"
  local-data: "x1.dga-family.example. 300 IN A 192.0.2.67"
  local-data: "x3.dga-family.example. 300 IN A 192.0.2.67"
  local-data: "x5.dga-family.example. 300 IN A 192.0.2.67"
  local-data: "trial.example. 300 IN A 192.0.2.68"
  local-zone: "net." static
  local-data: "use-application-dns.net. 300 IN A 192.0.2.99"
  local-zone: "." refuse
U
} >up.conf
unbound -c up.conf >up.out 2>&1 &
pids+=($!)
"$bin" -q -c "$work/conf" dns >dns.out 2>&1 &
pids+=($!)
"$bin" -q -c "$work/conf" proxy >proxy.out 2>&1 &
pids+=($!)
q() { dig +tries=1 +time=3 -p "$DNS" @127.0.0.1 "$@"; }
qis() { local want=$1; shift; q "$@" 2>/dev/null | grep -q "status: $want"; }
until_ok qis NOERROR www.good.example A || die "dns did not come up: $(cat dns.out)"
wait_http "http://127.0.0.1:$PXM/metrics" || die "proxy did not come up: $(cat proxy.out)"

# ---- nxdomain: the SOA in authority, TTL and MINIMUM = dns.block-ttl, EDE names list and entry
out=$(q x1.dga-family.example A)
check "nxdomain" grep -q 'status: NXDOMAIN' <<<"$out"
check "nxdomain: SOA in the authority section, TTL = block-ttl" \
	grep -qE '^x1\.dga-family\.example\.[[:space:]]+120[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ispshield\.invalid\. hostmaster\.ispshield\.invalid\. 1 3600 600 86400 120$' <<<"$out"
check "nxdomain: AUTHORITY: 1" grep -q 'AUTHORITY: 1' <<<"$out"
check "EDE names the list and the wildcard entry" \
	grep -qF 'EDE: 17 (Filtered): (blocked by ispshield list dga: *.dga-family.example)' <<<"$out"
out=$(kdig -p "$DNS" @127.0.0.1 +edns x2.dga-family.example A 2>&1)
check "kdig shows the same EDE" grep -qF 'blocked by ispshield list dga: *.dga-family.example' <<<"$out"
out=$(q cc1.botnet.example AAAA)
check "exact entry named" grep -qF '(blocked by ispshield list c2: cc1.botnet.example)' <<<"$out"

# ---- walled-garden, refused
out=$(q wg.example A)
check "walled-garden: the address, TTL = block-ttl" grep -qE '^wg\.example\.[[:space:]]+120[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80' <<<"$out"
out=$(q wg.example MX)
check "walled-garden, other type: NODATA with the SOA" grep -qE '^wg\.example\..*IN[[:space:]]+SOA' <<<"$out"
out=$(q refused.example A)
check "refused" grep -q 'status: REFUSED' <<<"$out"
check "refused: the list's ede-text" grep -qF "(refused by the operator's policy)" <<<"$out"

# ---- log-only: forwarded, recorded, counted
out=$(q trial.example A)
check "log-only: answered normally" grep -qE '^trial\.example\..*IN[[:space:]]+A[[:space:]]+192\.0\.2\.68' <<<"$out"
q trial.example A >/dev/null
ev() { sqlite3 var/t.db "select count(*) from block_events where list='$1'"; }
check "log-only: each query recorded (not hidden by the cache)" until_num -ge 2 ev trial
m() { curl -s "127.0.0.1:$MET/metrics"; }
check "metrics: log-only counted per list" until_ok sh -c "curl -s 127.0.0.1:$MET/metrics | grep -qE '^ispshield_dns_list_logged_total\{list=\"trial\"\} 2$'"

# ---- events = off: blocked and counted, nothing recorded about who
out=$(q secret.example A)
check "events=off list still blocks" grep -q 'status: NXDOMAIN' <<<"$out"
q cc1.botnet.example A >/dev/null # a recorded block after it: when it is in, so would be the other
check "barrier event stored" until_num -ge 2 ev c2
eq "$(ev secret)" 0 "events=off: no block event"
check "events=off: no log line names it" sh -c "! grep -q secret.example dns.out"
met=$(m)
check "metrics: per-list blocked counter" grep -qE '^ispshield_dns_list_blocked_total\{list="dga"\} 2$' <<<"$met"
check "metrics: events=off list still counted" grep -qE '^ispshield_dns_list_blocked_total\{list="secret"\} 1$' <<<"$met"
check "metrics: one label per list of the snapshot" test "$(grep -c '^ispshield_dns_list_blocked_total{' <<<"$met")" = 9
check "metrics: the help line" grep -q '^# TYPE ispshield_dns_list_blocked_total counter' <<<"$met"

# ---- notify = off: recorded, never notified
q quiet.example A >/dev/null
check "notify=off list: event recorded" until_num -ge 1 ev quiet
isp notify run >notify.out 2>&1 || bad "notify run: $(cat notify.out)"
reason=$(sqlite3 var/t.db "select group_concat(distinct reason) from events where family='quiet'")
eq "$reason" "list quiet: notify = off" "notify=off: skipped with the reason"
check "other lists still notified" test "$(sqlite3 var/t.db "select count(*) from events where family='c2' and reason is null and subscriber='demo'")" -ge 1
check "no notice mentions the quiet list" sh -c "! grep -rq quiet.example maildir"

# ---- the proxy: a list's own page; the built-in page for the others
code=$(curl -s -m 5 -o page.html -w '%{http_code}' -x "127.0.0.1:$PX" http://owner.example/listed.html)
eq "$code" 403 "per-list page: 403"
check "per-list page: the owner's template" grep -q OWNER-FIXED-PAGE page.html
check "per-list page: placeholders filled in (the list's display name)" grep -q 'http://owner.example/listed.html is on the Owner list; ask' page.html
curl -s -m 5 -o page2.html -x "127.0.0.1:$PX" http://malware.example/bad.exe
check "other lists: built-in page" sh -c "grep -q 'a threat list the ISP uses' page2.html && ! grep -q OWNER-FIXED-PAGE page2.html"
check "... without the list's internal name" sh -c "! grep -q 'urls' page2.html"
# CONNECT FROM HOST: the proxy's answer head and body (python3: a source address of our choice)
connect() {
	python3 - "$PX" "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10, source_address=(sys.argv[2], 0))
s.sendall(("CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (sys.argv[3], sys.argv[3])).encode())
out = b""
try:
    while len(out) < 4096:
        b = s.recv(4096)
        if not b:
            break
        out += b
except socket.timeout:
    pass
print(out.decode("utf-8", "replace"))
PY
}
connect 127.0.0.1 x1.dga-family.example >c1.txt
check "proxy CONNECT: a listed host refused, the list named" grep -q 'is listed (dga)' c1.txt
connect 127.0.0.5 x1.dga-family.example >c2.txt
check "proxy CONNECT, profile cc-only: other lists ignored" sh -c "grep -q '^HTTP/1.1 ' c2.txt && ! grep -q 'is listed' c2.txt"
connect 127.0.0.1 trial.example >c3.txt
check "proxy CONNECT to a log-only list: not refused for it" sh -c "grep -q '^HTTP/1.1 ' c3.txt && ! grep -q 'is listed' c3.txt"
check "proxy CONNECT to a log-only list: recorded" until_ok sh -c "test \$(sqlite3 var/t.db \"select count(*) from block_events where list='trial' and reason='connect'\") -ge 1"
connect 127.0.0.1 secret.example >c4.txt
check "proxy CONNECT to an events=off list: refused" grep -q 'is listed (secret)' c4.txt
connect 127.0.0.1 cc1.botnet.example >/dev/null
check "proxy barrier event stored" until_ok sh -c "test \$(sqlite3 var/t.db \"select count(*) from block_events where list='c2' and reason='connect'\") -ge 1"
eq "$(ev secret)" 0 "proxy, events=off: no block event"
check "proxy metrics: per-list counter" until_ok sh -c "curl -s 127.0.0.1:$PXM/metrics | grep -qE '^ispshield_proxy_list_blocked_total\{list=\"owner-urls\"\} 1$'"

# ---- the encrypted-DNS canary
out=$(q use-application-dns.net A)
check "canary: NXDOMAIN for a filtered client" grep -q 'status: NXDOMAIN' <<<"$out"
check "canary: with an SOA" grep -q 'AUTHORITY: 1' <<<"$out"
out=$(q -b 127.0.0.3 use-application-dns.net A)
check "canary: an opted-out client gets the real answer" grep -q '192.0.2.99' <<<"$out"
out=$(q -b 127.0.0.3 cc1.botnet.example A)
check "profile none (opt-out): nothing blocked" grep -q 'status: NOERROR' <<<"$out"

# ---- a profile that selects one list, then a switch, live
check "profile cc-only: its list blocks" qis NXDOMAIN -b 127.0.0.5 cc1.botnet.example A
out=$(q -b 127.0.0.5 x3.dga-family.example A)
check "profile cc-only: other lists do not" grep -q '192.0.2.67' <<<"$out"
check "profile cc-only: the canary still answers" qis NXDOMAIN -b 127.0.0.5 use-application-dns.net A
sed -i 's/^kid,kid@sub.example,en,cc-only$/kid,kid@sub.example,en,/' subs.csv
isp subscribers import subs.csv || bad "re-import"
check "profile switched: every list, live (opt-out file reloaded)" until_ok qis NXDOMAIN -b 127.0.0.5 x4.dga-family.example A
sed -i 's/^kid,kid@sub.example,en,$/kid,kid@sub.example,en,cc-only/' subs.csv
isp subscribers import subs.csv || bad "re-import 2"
check "profile switched back, live" until_ok sh -c "dig +tries=1 +time=3 -p $DNS @127.0.0.1 -b 127.0.0.5 x5.dga-family.example A | grep -q 192.0.2.67"

# ---- a bad key in a [list.*] section: FILE:LINE, the service refuses to start
printf '[list.c2]\naction = nxdomain\nacton = refused\n' >bad.conf
"$bin" -q -c bad.conf dns >bad.out 2>&1
check "unknown [list.*] key refused" test $? -ne 0
check "... with FILE:LINE" grep -q 'bad.conf:3' bad.out
finish list_policy
