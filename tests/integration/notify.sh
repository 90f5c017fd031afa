#!/usr/bin/env bash
# Integration test of the abuse desk's pipeline through the real binary: sessions from
# real FreeRADIUS detail and Kea lease files (and an ISC dhcpd.leases), the subscriber
# directory, partner lists (generic CSV, Shadowserver scan_dns and event4_sinkhole), block
# events of a real `ispshield dns` queried with dig, notices delivered by SMTP to a real
# Postfix smtp-sink and into a Maildir, de-duplication, rate limit, opt-out, report,
# returned rows, the ISAC relay, and kill -9 during delivery.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree); ISP_TEST_STORE: run it all on
# that store instead of a new SQLite file (notify_pg.sh: a PostgreSQL database).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
chmod 755 "$work"
on_exit() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
store=${ISP_TEST_STORE:-$work/var/t.db}
isp() { "$bin" -q --store "$store" "$@"; }
ispv() { "$bin" --store "$store" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
shared=$src/tests/data/sessions

# --- help
for c in sessions subscribers events notify relay; do
  expect 0 "$c --help" -- "$bin" "$c" --help; has out.txt "usage: ispshield $c"
done
for c in "sessions import" "sessions who" "events import" "notify run" "notify report" \
         "notify returned" "relay split" "relay returns"; do
  expect 0 "$c --help" -- "$bin" $c --help; has out.txt "usage: ispshield $c"
done
expect 2 "who without args" -- isp sessions who
expect 4 "who without an index" -- isp sessions who 192.0.2.1 2026-11-22T10:00:00Z
has err.txt "sessions.idx"

# --- sessions: the real FreeRADIUS detail sample (Start, Interim, Stop of sub0001)
expect 0 "import detail" -- ispv sessions import "$shared/detail-20261122"
has err.txt "format detail"
expect 0 "who inside" -- isp sessions who 198.51.100.23 2026-11-22T10:45:00Z
has out.txt "sub0001@isp.example"; has out.txt "81a2c3d4"
expect 0 "who json" -- isp sessions who --json 198.51.100.23 1795344500
eq "$(jq_ out.txt 'd["subscriber"], d["start"], d["end"]')" "sub0001@isp.example 1795344084 1795345284" "who json"
expect 1 "who after the Stop" -- isp sessions who 198.51.100.23 2026-11-22T11:05:00Z
expect 1 "who before the Start" -- isp sessions who 198.51.100.23 2026-11-22T10:30:00Z
expect 0 "who by delegated IPv6 prefix" -- isp sessions who 2001:db8:1200:34ff::1 2026-11-22T10:50:00Z
has out.txt "sub0001@isp.example"
expect 1 "IPv6 outside the /56" -- isp sessions who 2001:db8:1200:3500::1 2026-11-22T10:50:00Z
expect 2 "bad address" -- isp sessions who 198.51.100.300 2026-11-22T10:50:00Z
expect 2 "bad time" -- isp sessions who 198.51.100.23 yesterday
# importing the eq file again changes nothing
cp var/sessions.idx before.idx
expect 0 "re-import" -- ispv sessions import "$shared/detail-20261122"
has err.txt "0 new"

# the real Kea lease journal: 203.0.113.150 leased to circuit-id sub0101
expect 0 "import kea" -- isp sessions import --format kea "$src/tests/data/sessions/kea-leases4.csv"
expect 0 "who kea" -- isp sessions who 203.0.113.150 2026-11-22T12:00:00Z
has out.txt "sub0101"

# more subscribers in FreeRADIUS detail format, split over two files and out of order:
# sub0002 (198.51.100.24), sub0003 (198.51.100.25, opted out of notices later), and a
# hand-over: 198.51.100.26 belonged to sub0004, then to sub0005.
rec() { # rec DATE TYPE SESSION USER IP EVENT-TIME
  printf '%s\n\tUser-Name = "%s"\n\tAcct-Status-Type = %s\n\tAcct-Session-Id = "%s"\n\tFramed-IP-Address = %s\n\tNAS-IP-Address = 192.0.2.1\n\tEvent-Timestamp = "%s"\n\tTimestamp = %s\n\n' \
    "$1" "$4" "$2" "$3" "$5" "$(date -u -d "@$6" '+%b %e %Y %H:%M:%S UTC')" "$6"
}
t0=1795334400 # 2026-11-22T08:00:00Z
{
  rec "Sun Nov 22 08:00:00 2026" Stop s2 sub0002@isp.example 198.51.100.24 $((t0 + 7200))
  rec "Sun Nov 22 08:00:00 2026" Start s3 sub0003@isp.example 198.51.100.25 $t0
  rec "Sun Nov 22 08:00:00 2026" Start s4 sub0004@isp.example 198.51.100.26 $t0
} > detail-a
{
  rec "Sun Nov 22 08:00:00 2026" Start s2 sub0002@isp.example 198.51.100.24 $t0
  rec "Sun Nov 22 08:00:00 2026" Stop s3 sub0003@isp.example 198.51.100.25 $((t0 + 7200))
  rec "Sun Nov 22 08:00:00 2026" Start s5 sub0005@isp.example 198.51.100.26 $((t0 + 3600))
  printf 'Sun Nov 22 09:00:00 2026\n\tUser-Name = "cut@isp.example"\n\tAcct-Status-Type = Start\n'
} > detail-b
expect 3 "detail files, one cut mid-record" -- ispv sessions import --format detail detail-a detail-b
has err.txt "detail-b:"
expect 0 "stop in an earlier file" -- isp sessions who 198.51.100.24 2026-11-22T09:00:00Z
has out.txt "sub0002@isp.example"
expect 0 "open session until hand-over" -- isp sessions who 198.51.100.26 2026-11-22T08:30:00Z
has out.txt "sub0004@isp.example"
expect 0 "after hand-over" -- isp sessions who 198.51.100.26 2026-11-22T09:30:00Z
has out.txt "sub0005@isp.example"
# an ISC dhcpd.leases file with a circuit-id
cat > dhcpd.leases <<'EOF'
# The format of this file is documented in the dhcpd.leases(5) manual page.
authoring-byte-order little-endian;
lease 203.0.113.10 {
  starts 0 2026/11/22 06:00:00;
  ends 0 2026/11/22 18:00:00;
  cltt 0 2026/11/22 06:00:00;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 00:16:3e:aa:bb:10;
  option agent.circuit-id "sub0010";
  client-hostname "pc10";
}
EOF
expect 0 "dhcpd.leases" -- isp sessions import dhcpd.leases
expect 0 "who dhcpd" -- isp sessions who 203.0.113.10 2026-11-22T10:00:00Z
has out.txt "sub0010"

# --- subscribers
cat > subs.csv <<'EOF'
id,email,language,consent,opt_out_filtering,opt_out_notices,plan
sub0001@isp.example,taro@example.jp,ja,2026-01-01,,,home
sub0002@isp.example,alice@example.com,en,,,,home
sub0003@isp.example,hanako@example.jp,ja,,,,home
sub0004@isp.example,bob@example.com,en,,,,biz
sub0005@isp.example,carol@example.com,en,,,,biz
sub0101,dhcp-user@example.jp,ja,,,,home
sub0010,,ja,,,,home
bad-mail,not-an-address,en,,,,home
bad-lang,x@example.com,fr,,,,home
EOF
expect 3 "subscribers import" -- ispv subscribers import subs.csv
has err.txt "subs.csv:9:"; has err.txt "subs.csv:10:"; has err.txt "7 subscribers imported"
expect 0 "show" -- isp subscribers show --json sub0002@isp.example
eq "$(jq_ out.txt 'd["email"], d["language"]')" "alice@example.com en" "subscriber"
expect 1 "show unknown" -- isp subscribers show nobody
expect 0 "opt-out notices" -- isp subscribers opt-out --scope notices sub0003@isp.example
expect 4 "opt-out unknown" -- isp subscribers opt-out nobody
expect 2 "opt-out bad scope" -- isp subscribers opt-out --scope everything sub0001@isp.example

# --- events: partner lists
cat > jpcert.csv <<'EOF'
ip,timestamp,port,family,reference
198.51.100.23,2026-11-22T10:45:00Z,49152,GameOverZeus,JP-1
198.51.100.23,2026-11-22T10:50:00Z,49153,GameOverZeus,JP-2
198.51.100.24,2026-11-22 08:30:00,,GameOverZeus,JP-3
198.51.100.25,1795338000,,GameOverZeus,JP-4
198.51.100.26,2026-11-22T09:30:00Z,,GameOverZeus,JP-5
192.0.2.200,2026-11-22T09:30:00Z,,GameOverZeus,JP-6
203.0.113.10,2026-11-22T10:00:00Z,,GameOverZeus,JP-7
198.51.100.300,2026-11-22T09:30:00Z,,GameOverZeus,JP-bad
198.51.100.23,2026-02-30T09:30:00Z,,GameOverZeus,JP-bad2
EOF
expect 3 "events import csv" -- ispv events import --source jpcert jpcert.csv
has err.txt "jpcert.csv:9:"; has err.txt "jpcert.csv:10:"; has err.txt "7 rows imported"
cat > scan_dns.csv <<'EOF'
"timestamp","severity","ip","protocol","port","hostname","tag","asn","geo","region","city","naics","hostname_source","sector","dns_version","min_amplification"
"2026-11-22 10:55:00","high","198.51.100.23","udp",53,,"openresolver",64500,"JP","TOKYO","TOKYO",0,,,"dnsmasq-2.45","28.5"
"2026-11-22 09:40:00","high","198.51.100.26","udp",53,,"openresolver",64500,"JP","TOKYO","TOKYO",0,,,,"3.1"
EOF
expect 0 "events import scan_dns" -- ispv events import --source shadowserver scan_dns.csv
has err.txt "format shadowserver scan_dns"

# --- block events from a real `ispshield dns`, queried by a subscriber on 127.0.0.1
now=$(date +%s)
rec "$(date -u '+%a %b %e %H:%M:%S %Y')" Start lo1 sub0002@isp.example 127.0.0.1 $((now - 600)) > detail-lo
expect 0 "loopback session" -- isp sessions import detail-lo
printf 'c2-blocked.example\n' > c2.txt
expect 0 "list" -- isp lists import --list c2 --kind domain c2.txt
expect 0 "compile" -- isp lists compile
dport=$(freeport)
"$bin" -q --store "$store" dns --listen 127.0.0.1:$dport --upstream 127.0.0.1:9 --subscribers 127.0.0.0/8 \
  2>dns.err & pids+=($!)
wait_dns $dport c2-blocked.example || bad "dns did not come up"
dig +time=2 +tries=1 @127.0.0.1 -p $dport c2-blocked.example > dig.txt 2>&1
has dig.txt "NXDOMAIN"
# SIGTERM: the event writer drains its rings into the store before the process exits
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null

# --- notify: dry run changes nothing
expect 0 "dry run" -- "$bin" --store "$store" notify run --dry-run
has out.txt "taro@example.jp"; has err.txt "dry run"
expect 0 "report after dry run" -- isp notify report --json
eq "$(jq_ out.txt 'sum(b["pending"] for b in d)')" "9" "nothing decided by the dry run"

# --- notify by SMTP into a real Postfix smtp-sink
sport=$(freeport)
mkdir -p sink && chmod 777 sink
/usr/sbin/smtp-sink -u nobody -d "$work/sink/%M." 127.0.0.1:$sport 64 2>sink.err & pids+=($!)
wait_tcp $sport || bad "smtp-sink did not listen"
# credentials never go in clear (issue 15 item 12): smtp-sink offers AUTH and no STARTTLS,
# so with smtp-tls=try the password went in clear and the notices were sent
printf 'mail-secret\n' > smtp.pw && chmod 600 smtp.pw
expect 4 "smtp-user without smtp-tls=require" -- "$bin" --store "$store" -o notify.smtp-user=ops \
  -o notify.smtp-password-file="$work/smtp.pw" notify run --smtp smtp://127.0.0.1:$sport
has err.txt "notify.smtp-user is set but notify.smtp-tls is 'try': the password would go in clear"
eq "$(ls sink | wc -l)" "0" "nothing sent with credentials in clear"
expect 0 "notify run" -- "$bin" --store "$store" notify run --smtp smtp://127.0.0.1:$sport
has err.txt "notices made"
cat err.txt >&2
msgs() { ls sink | wc -l; }
eq "$(msgs)" "3" "notices delivered (sub0001 ja, sub0002 en, sub0005 en)"
cat > mails.py <<'EOF'
import email, email.policy, os, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    raw = open(os.path.join(d, f), 'rb').read()
    # smtp-sink writes its envelope lines first; the message starts at the first header
    i = raw.find(b'From: ')
    m = email.message_from_bytes(raw[i:], policy=email.policy.default)
    body = m.get_body(('plain',)).get_content()
    print('TO', m['To'], '|', m['Subject'], '|', m['Message-ID'])
    print(body)
EOF
python3 mails.py "$work/sink" > mails.txt
has mails.txt "TO taro@example.jp |"; has mails.txt "TO alice@example.com |"
has mails.txt "TO carol@example.com |"
hasnt mails.txt "hanako@example.jp"      # opted out of notices
hasnt mails.txt "bob@example.com"        # 198.51.100.26 was sub0005's at 09:30
has mails.txt "セキュリティのお知らせ"        # Japanese subject, RFC 2047 decoded
has mails.txt "Security notice"
has mails.txt "2026-11-22 19:45:00  198.51.100.23 port 49152  GameOverZeus" # taro (ja): in JST
has mails.txt "時刻は日本時間"
has mails.txt "オープンリゾルバ"                 # sub0001 also had an open resolver: one notice
has mails.txt "dnsmasq-2.45"
has mails.txt "c2-blocked.example"        # the DNS block of sub0002 on 127.0.0.1
has mails.txt "reply with the word STOP"
eq "$(grep -c '^TO taro@example.jp |' mails.txt)" "1" "one notice for two causes"

expect 0 "report" -- isp notify report --json
python3 - out.txt > rep.txt <<'EOF'
import json, sys
for b in json.load(open(sys.argv[1])):
    print(b['source'], b['received'], b['matched'], b['notified'], b['skipped'], b['returned'], b['pending'])
EOF
has rep.txt "jpcert 7 6 4 2 1 0"      # JP-4 opted out, JP-7 no e-mail: skipped; JP-6 returned
has rep.txt "shadowserver 2 2 2 0 0 0"
has rep.txt "dns 2 2 2 0 0 0"          # two digs, eq subscriber as JP-3: one notice
expect 0 "returned" -- isp notify returned --source jpcert
has out.txt "ip,timestamp,port,family,reference,reason"
has out.txt "192.0.2.200,2026-11-22T09:30:00Z,,GameOverZeus,JP-6,\"no session\""
eq "$(wc -l < out.txt)" "2" "header + 1 returned row"

# a second run sends nothing new; a new event of the eq cause is a repeat
expect 0 "second run" -- isp notify run --smtp smtp://127.0.0.1:$sport
eq "$(msgs)" "3" "nothing sent twice"
printf 'ip,timestamp\n198.51.100.23,2026-11-22T10:59:00Z\n' > again.csv
expect 0 "repeat event" -- isp events import --source jpcert again.csv
expect 0 "third run" -- ispv notify run --smtp smtp://127.0.0.1:$sport
has err.txt "1 repeats"; eq "$(msgs)" "3" "a repeat sends nothing"
# a new cause for sub0002 within the rate window waits (held)
printf 'ip,timestamp,cause\n198.51.100.24,2026-11-22T09:00:00Z,vulnerable-router\n' > router.csv
expect 0 "new cause" -- isp events import --source survey router.csv
expect 0 "fourth run" -- ispv notify run --smtp smtp://127.0.0.1:$sport
has err.txt "1 held"; eq "$(msgs)" "3" "held by the rate limit"
expect 0 "later, past the rate window" -- ispv notify run --smtp smtp://127.0.0.1:$sport --now "$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)"
eq "$(msgs)" "4" "held event delivered after the window"

# SMTP down: the notice waits and is retried, nothing lost
printf 'ip,timestamp\n203.0.113.150,2026-11-22T12:00:00Z\n198.51.100.26,2026-11-22T12:00:00Z\n' > late.csv
isp events import --source jpcert late.csv >/dev/null 2>&1
dead=$(freeport)
expect 3 "smtp down" -- ispv notify run --smtp smtp://127.0.0.1:$dead --now "$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)"
has err.txt "to retry"
expect 0 "notices list" -- isp notify notices --json
eq "$(jq_ out.txt 'sum(1 for n in d if n["state"] == "retrying" and n["next_attempt"] > n["created"])')" "1" \
  "one notice retrying, with its next attempt (not 'failed' while attempts remain)"
expect 0 "notices table" -- isp notify notices
has out.txt "retrying"
expect 0 "retry later" -- isp notify run --smtp smtp://127.0.0.1:$sport --now "$(date -u -d '+4 days' +%Y-%m-%dT%H:%M:%SZ)"
eq "$(msgs)" "5" "retried notice delivered (sub0101; sub0005's event is a repeat)"
python3 mails.py "$work/sink" > mails.txt
has mails.txt "TO dhcp-user@example.jp |"; has mails.txt "203.0.113.150"

# --- one notifier at a time per store
# the lock holder takes the lock, says so (a file), and holds it until its input closes
mkfifo lockfifo
if [ -n "${ISP_TEST_STORE:-}" ]; then # PostgreSQL: the lock is the database's
  psql "$store" -X -q <lockfifo >/dev/null & lockpid=$!
  exec 9>lockfifo
  printf "SELECT pg_advisory_lock(hashtext('ispshield:notify'));\n\\! touch locked\n" >&9
else
  flock "$work/var/t.db.notify-lock" sh -c 'touch locked; cat >/dev/null' <lockfifo & lockpid=$!
  exec 9>lockfifo
fi
until_ok test -e locked || bad "the lock holder did not take the lock"
expect 4 "second notifier refused" -- isp notify run --no-deliver
has err.txt "another notify run holds this store's lock"
exec 9>&-
wait $lockpid

# --- Maildir delivery is idempotent
expect 0 "maildir" -- isp -o notify.maildir="$work/md" notify run --no-deliver
ls md/new 2>/dev/null | wc -l > n.txt; eq "$(cat n.txt)" "0" "no-deliver delivers nothing"

# --- two stores delivering into one Maildir: both notices arrive (the delivery key carries
# the store's id, so both first notices ispshield-n1 get their own file); a store restored
# from a backup next to the Maildir makes another message under a name already taken:
# an error and the notice stays to be retried, never "1 delivered" over the old file
printf 'id,email,language\nm1,m1@example.com,en\n' > msubs.csv
printf 'Acct-Status-Type,Acct-Session-Id,User-Name,Framed-IP-Address,Event-Timestamp\nStart,ms1,m1,10.9.0.1,1795334400\n' > msess.csv
printf 'ip,timestamp\n10.9.0.1,2026-11-22T09:00:00Z\n' > mev-a.csv
printf 'ip,timestamp\n10.9.0.1,2026-11-22T09:30:00Z\n' > mev-b.csv
mstore() { "$bin" -q --store "$work/$1/store.db" "${@:2}"; }
for s in m1 m2; do
  mstore $s subscribers import msubs.csv && mstore $s sessions import --format radcsv msess.csv || bad "$s: setup"
  [ $s = m1 ] && cp "$work/m1/store.db" "$work/m1-backup.db"
  mstore $s events import --source shared mev-a.csv || bad "$s: events"
  expect 0 "$s: notify into the shared Maildir" -- "$bin" --store "$work/$s/store.db" notify run --maildir "$work/smd"
  has err.txt "1 notices made, 1 delivered"
done
eq "$(ls smd/new | wc -l)" "2" "two stores, one Maildir: both notices present"
eq "$(ls smd/new | sed 's/[.].*//' | sort -u)" "ispshield-n1" "both are their store's first notice"
eq "$(grep -l '^Message-ID: <ispshield-n1[.][0-9a-f]\{16\}@' smd/new/* | wc -l)" "2" "Message-IDs carry the store id"
cat smd/new/* > md-before.txt
cp "$work/m1-backup.db" "$work/m1/store.db"
mstore m1 events import --source shared mev-b.csv || bad "m1 restored: events"
expect 3 "restored store: name taken by another message" -- "$bin" --store "$work/m1/store.db" notify run --maildir "$work/smd"
has err.txt "exists with another message"
has err.txt "0 delivered, 1 to retry"
cat smd/new/* > md-after.txt
cmp -s md-before.txt md-after.txt && ok || bad "the old notice in the Maildir was changed"
expect 0 "notices of the restored store" -- mstore m1 notify notices --json
eq "$(jq_ out.txt 'd[0]["key"], d[0]["state"]')" "ispshield-n1 retrying" "the notice stays to be retried"

# --- kill -9 during delivery, then run again. SMTP: nothing lost; a copy is resent only
# when the kill fell between the server taking the message and its reply reaching us (RFC
# 1047), with the eq Message-ID. Maildir: exactly once.
kn=2000
{
  echo 'id,email,language'
  for i in $(seq 1 $kn); do echo "k$i,k$i@example.com,en"; done
} > ksubs.csv
{
  echo 'Acct-Status-Type,Acct-Session-Id,User-Name,Framed-IP-Address,Event-Timestamp'
  for i in $(seq 1 $kn); do echo "Start,ks$i,k$i,10.0.$((i / 256)).$((i % 256)),1795334400"; done
} > ksess.csv
{
  echo 'ip,timestamp'
  for i in $(seq 1 $kn); do echo "10.0.$((i / 256)).$((i % 256)),2026-11-22T09:00:00Z"; done
} > kev.csv
for mode in smtp maildir; do
  kstore=$work/var/k-$mode.db
  kisp() { "$bin" -q --store "$kstore" "$@"; }
  kisp subscribers import ksubs.csv
  kisp sessions import --format radcsv ksess.csv
  kisp events import --source kill kev.csv
  if [ $mode = smtp ]; then to=(--smtp smtp://127.0.0.1:$sport); rm -rf sink/*
  else to=(--maildir "$work/kmd"); fi
  kills=0
  for i in $(seq 1 20); do
    timeout -s KILL "0.0$((RANDOM % 10))$((RANDOM % 10))" "$bin" -q --store "$kstore" notify run "${to[@]}" >/dev/null 2>&1
    [ $? -eq 137 ] && kills=$((kills + 1))
  done
  expect 0 "final run ($mode)" -- kisp notify run "${to[@]}"
  if [ $mode = smtp ]; then
    grep -h '^Message-ID:' sink/* | sort > ids.txt
  else
    ls kmd/new > ids.txt; ls kmd/tmp | wc -l > tmpleft.txt
    eq "$(cat tmpleft.txt)" "0" "no file left in the Maildir's tmp/"
  fi
  eq "$(sort -u ids.txt | wc -l)" "$kn" "$mode: every notice arrived"
  dups=$(($(wc -l < ids.txt) - kn))
  if [ "$kills" -gt 0 ]; then ok; else bad "$mode: no run was killed: the kill test tested nothing"; fi
  if [ $mode = smtp ]; then
    if [ "$dups" -le "$kills" ]; then ok; else bad "smtp: $dups copies after $kills kills"; fi
  else
    eq "$dups" "0" "maildir: no notice delivered twice"
  fi
  echo "kill -9 test ($mode): $kills of 20 runs killed; $(wc -l < ids.txt) messages for $kn notices" >&2
  expect 0 "kill report ($mode)" -- kisp notify report --source kill --json
  eq "$(jq_ out.txt 'd[0]["notified"]')" "$kn" "$mode: all notified"
done

# --- relay: the ISAC splits a partner list among members
cat > members.csv <<'EOF'
member,prefix
isp-a,198.51.100.0/25
isp-b,203.0.113.0/24 2001:db8::/32
EOF
expect 3 "relay split (two bad rows reported)" -- ispv relay split --members members.csv --source jpcert --out split jpcert.csv
has split/isp-a.csv "ip,timestamp,port,family,reference"
eq "$(($(wc -l < split/isp-a.csv) - 1))" "5" "isp-a rows"
eq "$(($(wc -l < split/isp-b.csv) - 1))" "1" "isp-b rows"
eq "$(($(wc -l < split/unassigned.csv) - 1))" "1" "rows of no member"
printf 'ip,timestamp,port,family,reference\n198.51.100.26,2026-11-22T09:30:00Z,,GameOverZeus,JP-5\n' > ret-a.csv
expect 0 "relay returns" -- isp relay returns --member isp-a ret-a.csv
expect 2 "returns of an unknown member" -- isp relay returns --member isp-z ret-a.csv
expect 0 "relay report" -- isp relay report --json
eq "$(jq_ out.txt 'd[0]["received"], d[0]["sent"], d[0]["returned"], d[0]["handled"]')" "7 6 1 5" "relay figures"
expect 0 "relay report text" -- isp relay report
has out.txt "isp-a"; has out.txt "handled 5 (71.4% of received)"

finish notify
