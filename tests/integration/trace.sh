#!/usr/bin/env bash
# trace.sh -- the abuse desk's questions through the real binary (issue 25): a store filled
# through the real paths (blocks of a real `ispshield dns` queried with dig, a partner list
# imported, `notify run` into a Maildir), then `events show` (by subscriber, client, name,
# source, time) and `notify show REF` (recipient, events, state, the decoded Japanese
# message), `notify notices --subscriber`.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
on_exit() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
pids=()
command -v dig >/dev/null || { echo "missing dig (scripts/deps.sh installs it)" >&2; exit 1; }
store=$work/var/t.db
isp() { "$bin" -q --store "$store" -o notify.maildir="$work/md" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
now=$(date +%s)

# --- a list, two subscribers (one Japanese, one English) holding loopback addresses
printf '*.cc.example\n' >c2.txt
isp lists import --list c2 --kind domain c2.txt || bad "import"
isp lists compile || bad "compile"
printf 'id,email,language\ntaro,taro@example.jp,ja\njane,jane@example.com,en\n' >subs.csv
isp subscribers import subs.csv || bad "subscribers"
{
	echo 'Acct-Status-Type,Acct-Session-Id,User-Name,Framed-IP-Address,Event-Timestamp'
	echo "Start,s1,taro,127.0.0.21,$((now - 600))"
	echo "Start,s2,jane,127.0.0.22,$((now - 600))"
} >sess.csv
isp sessions import --format radcsv sess.csv || bad "sessions"

# --- blocks by a real DNS service (the upstream is never asked: every name is blocked)
DNS=$(freeport); UP=$(freeport)
"$bin" -q --store "$store" dns --listen "127.0.0.1:$DNS" --upstream "127.0.0.1:$UP" \
	--subscribers 127.0.0.0/8 2>dns.err & pids+=($!)
blocked() { dig +time=1 +tries=1 -b 127.0.0.21 @127.0.0.1 -p "$DNS" probe.cc.example 2>/dev/null |
	grep -q NXDOMAIN; }
until_ok blocked || bad "dns did not come up"
dig +time=2 +tries=1 -b 127.0.0.21 @127.0.0.1 -p "$DNS" bot.cc.example >d1.txt 2>&1
dig +time=2 +tries=1 -b 127.0.0.22 @127.0.0.1 -p "$DNS" other.cc.example >d2.txt 2>&1
has d1.txt NXDOMAIN
# the event writer flushes every 100 ms: wait until the three blocks are in the store
# (one notify run takes them all in: a run between two blocks would make the later one a
# repeat of the earlier one's notice)
nblocks() { sqlite3 "$store" "SELECT count(*) FROM block_events"; }
until_eq 3 nblocks || bad "the blocks were not recorded"
# --- a partner list: one row for jane's address, one for an address nobody held
printf 'ip,timestamp\n127.0.0.22,%s\n192.0.2.99,%s\n' "$(date -u -d @$((now - 60)) +%FT%TZ)" \
	"$(date -u -d @$((now - 60)) +%FT%TZ)" >partner.csv
isp events import --source jpcert partner.csv || bad "events import"
expect 0 "notify run" -- isp notify run

# --- events show
expect 0 "events show" -- isp events show
has out.txt "bot.cc.example"; has out.txt "taro"; has out.txt "returned"
expect 0 "by subscriber" -- isp events show --subscriber taro --json
eq "$(jq_ out.txt 'sorted(e["detail"].split()[1] for e in d)')" "['bot.cc.example', 'probe.cc.example']" \
	"taro's blocks, and only his"
eq "$(jq_ out.txt 'set(e["state"] for e in d), set(e["source"] for e in d)')" "{'notified'} {'dns'}" \
	"taro's events notified, from dns"
nid=$(jq_ out.txt 'd[0]["notice_id"]')
expect 0 "by client" -- isp events show --client 127.0.0.22 --json
eq "$(jq_ out.txt 'sorted(e["source"] for e in d)')" "['dns', 'jpcert']" "jane's address: a block and a partner event"
expect 0 "by name" -- isp events show --name other.cc --json
eq "$(jq_ out.txt 'len(d), d[0]["subscriber"]')" "1 jane" "by name"
expect 0 "nobody held it" -- isp events show --client 192.0.2.99 --json
eq "$(jq_ out.txt 'd[0]["state"], d[0]["subscriber"], bool(d[0]["reason"])')" "returned None True" \
	"returned, with the reason"
expect 0 "since: none later" -- isp events show --since "$(date -u -d @$((now + 3600)) +%FT%TZ)"
has out.txt "no events"
expect 2 "a bad address" -- isp events show --client 127.0.0.300

# --- notify show: by id and by the reference the subscriber quotes
expect 0 "notices of taro" -- isp notify notices --subscriber taro --json
eq "$(jq_ out.txt 'len(d), d[0]["id"] == '"$nid"', d[0]["state"]')" "1 True sent" "taro's one notice"
ref=$(jq_ out.txt 'd[0]["key"]')
expect 0 "notify show REF" -- isp notify show "$ref"
has out.txt "to          taro <taro@example.jp>, in ja"
has out.txt "state       sent after 1 attempt,"
has out.txt "bot.cc.example"
has out.txt "Subject: 【" # the decoded subject, its encoded words joined
has out.txt "セキュリティのお知らせ"
grep -q "様" out.txt && ok || bad "the Japanese body decoded"
expect 0 "notify show id --json" -- isp notify show --json "$nid"
eq "$(jq_ out.txt 'd["key"], d["subscriber"], len(d["events"]), "C&C" in d["message"]')" \
	"$ref taro 2 True" "the notice as JSON, with its events and message"
expect 4 "no such notice" -- isp notify show ispshield-n999999
has err.txt "no notice ispshield-n999999"

# --- subscribers show: sessions, consent history, notices
isp subscribers opt-out --scope notices taro || bad "opt-out"
expect 0 "subscribers show" -- isp subscribers show taro
has out.txt "127.0.0.21"; has out.txt "opt-out notices via command"; has out.txt "$ref"
expect 0 "subscribers show --json" -- isp subscribers show --json taro
eq "$(jq_ out.txt 'd["sessions"][0]["address"], d["sessions"][0]["session_id"], d["notices"][0]["key"]')" \
	"127.0.0.21 s1 $ref" "the subscriber with sessions and notices"
expect 0 "no sessions after" -- isp subscribers show --since "$(date -u -d @$((now + 90000)) +%FT%TZ)" --json jane
eq "$(jq_ out.txt 'len(d["sessions"]), len(d["notices"])')" "0 1" "--since leaves the older session out"
# --- subscribers list and delete (the end of a contract)
expect 0 "subscribers list" -- isp subscribers list --json
eq "$(jq_ out.txt '[x["id"] for x in d]')" "['jane', 'taro']" "both subscribers listed"
expect 0 "delete --dry-run" -- isp subscribers delete --dry-run taro
has out.txt "taro would be removed: the directory entry, 1 consent and opt-out changes, 1 notices; 2 events"
expect 0 "still there after the dry run" -- isp subscribers show taro
expect 0 "delete" -- isp subscribers delete taro
has out.txt "taro removed"
expect 1 "gone" -- isp subscribers show taro
expect 1 "deleting again: no such subscriber" -- isp subscribers delete taro
expect 0 "his events stay, without his name" -- isp events show --client 127.0.0.21 --json
eq "$(jq_ out.txt 'len(d), set(e["subscriber"] for e in d), set(e["state"] for e in d)')" \
	"2 {None} {'notified'}" "events kept for the reports, not naming taro"
expect 4 "his notice is gone" -- isp notify show "$ref"
expect 0 "jane untouched" -- isp subscribers show --json jane
eq "$(jq_ out.txt 'd["id"], len(d["notices"])')" "jane 1" "jane untouched"
finish trace
