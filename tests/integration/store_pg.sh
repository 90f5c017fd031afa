#!/usr/bin/env bash
# Several nodes on one PostgreSQL store: a real server (Debian's postgresql, private
# cluster on 127.0.0.1, tests/lib/pgtmp.sh), `ispshield store migrate`, TWO `ispshield dns`
# nodes on different loopback ports with the same upstream Unbound, both sent blocked
# queries at the same time while `ispshield notify run` (Maildir delivery) runs, in
# rounds. Then every block event must have become exactly one event in exactly one
# notice: counted in PostgreSQL with psql and in the Maildir. Also: a second notifier is
# refused by the advisory lock (held from another connection), store version/migrate, a
# SQLite file of schema 1 (the first release) migrates to the current schema and keeps
# its ingested/not-ingested split, and a node whose database is down keeps answering.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
chmod 755 "$work"
on_exit() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  "$src/tests/lib/pgtmp.sh" stop "$work/pg"
}
for tool in unbound dig psql sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done

url=$("$src/tests/lib/pgtmp.sh" start "$work/pg")
rc=$?
[ $rc -eq 77 ] && { echo "store_pg: PostgreSQL not installed: skipped"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: PostgreSQL did not start" >&2; cat "$work"/pg/*.log >&2; exit 1; }
sql() { psql "$url" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
isp() { "$bin" -q --store "$url" -o notify.maildir="$work/md" -o notify.dedup-window=0 \
  -o notify.max-per-window=1000 "$@"; }

# --- schema: an empty database is refused until migrated (V: the version this source builds)
V=$(sed -n 's/^#define STORE_SCHEMA_VERSION //p' "$src/src/core/store/store_int.h")
"$bin" -q --store "$url" lists stats >out.txt 2>err.txt; eq "$?" "4" "empty database refused"
has err.txt "run ispshield store migrate"
"$bin" --store "$url" store version >out.txt; eq "$?" "1" "version before migrate"
has out.txt "schema 0, binary $V"
"$bin" -q --store "$url" store migrate >out.txt; eq "$?" "0" "migrate"
eq "$(cat out.txt)" "0 -> $V" "migrate from -> to"
"$bin" -q --store "$url" store migrate >out.txt; eq "$(cat out.txt)" "$V -> $V" "migrate again: nothing"
"$bin" --store "$url" store version --json >out.txt; eq "$?" "0" "version after migrate"
has out.txt '"backend": "postgresql"'
eq "$(sql "SELECT value FROM meta WHERE key = 'schema_version'")" "$V" "version in meta"
sql "SELECT value FROM meta WHERE key = 'store_id'" | grep -qx '[0-9a-f]\{16\}' && ok || bad "store id in meta"

# --- lists, snapshot (node-local: var/ under the working directory with a PostgreSQL store)
printf '*.cc.example\n' >c2.txt
isp lists import --list c2 --kind domain c2.txt || bad "import"
isp lists compile || bad "compile"
[ -s var/ispshield.snap ] && ok || bad "snapshot in var/"

# --- subscribers and sessions: one subscriber per (round, node, client address)
rounds=3 nodes=2 clients=4 per=40 # queries per client per round
now=$(date +%s)
{
  echo 'id,email,language'
  for r in $(seq 1 $rounds); do for n in 1 2; do for c in $(seq 1 $clients); do
    echo "s$r-$n-$c,s$r-$n-$c@example.com,en"
  done; done; done
} >subs.csv
{
  echo 'Acct-Status-Type,Acct-Session-Id,User-Name,Framed-IP-Address,Event-Timestamp'
  for r in $(seq 1 $rounds); do for n in 1 2; do for c in $(seq 1 $clients); do
    echo "Start,x$r-$n-$c,s$r-$n-$c,127.$((10 + r)).$n.$c,$((now - 600))"
  done; done; done
} >sess.csv
isp subscribers import subs.csv || bad "subscribers"
isp sessions import --format radcsv sess.csv || bad "sessions"

# --- the upstream (a real Unbound) and two DNS nodes writing to the same database
UP=$(freeport); D1=$(freeport); D2=$(freeport)
{ unbound_conf "$UP"; cat <<U
  local-zone: "test." static
  local-data: "www.good.test. 300 IN A 192.0.2.10"
  local-zone: "." refuse
U
} >up.conf
unbound -c up.conf >up.out 2>&1 & pids+=($!)
"$bin" -q --store "$url" dns --listen "127.0.0.1:$D1" --upstream "127.0.0.1:$UP" \
  --subscribers 127.0.0.0/8 2>dns1.err & pids+=($!)
"$bin" -q --store "$url" dns --listen "127.0.0.1:$D2" --upstream "127.0.0.1:$UP" \
  --subscribers 127.0.0.0/8 2>dns2.err & pids+=($!)
up() { dig +short +time=1 +tries=1 @127.0.0.1 -p "$1" www.good.test 2>/dev/null | grep -q 192.0.2.10; }
for port in $D1 $D2; do until_ok up "$port" || bad "dns on $port did not come up"; done
dig +time=2 +tries=1 @127.0.0.1 -p "$D1" www.good.test >dig.txt 2>&1; has dig.txt "192.0.2.10"
dig +time=2 +tries=1 @127.0.0.1 -p "$D2" q.cc.example >dig.txt 2>&1; has dig.txt "NXDOMAIN"
until_eq 1 sql "SELECT count(*) FROM block_events" || bad "the probe's block event was not written"
isp notify run >/dev/null 2>&1 # takes the probe's event before the counted rounds
base=$(sql "SELECT count(*) FROM block_events")
eq "$base" "1" "one probe event (the allowed queries are not recorded)"

# --- rounds: both nodes blocked at once, a notifier running while they write
for r in $(seq 1 $rounds); do
  for n in 1 2; do
    port=$D1; [ $n = 2 ] && port=$D2
    for c in $(seq 1 $clients); do
      for i in $(seq 1 $per); do echo "-b 127.$((10 + r)).$n.$c q$r-$n-$c-$i.cc.example A"; done
    done >q$r-$n.txt
    dig +time=3 +tries=2 @127.0.0.1 -p "$port" -f q$r-$n.txt >d$r-$n.txt 2>&1 & qp[$n]=$!
  done
  sleep 0.3 # (not a wait for a state: lets the notifier overlap the nodes' writing)
  isp notify run 2>>notify.err || bad "notify run during round $r"
  wait "${qp[1]}" "${qp[2]}"
  isp notify run 2>>notify.err || bad "notify run after round $r"
done
want=$((rounds * nodes * clients * per))
# the event writers flush every 100 ms: wait until every block event is in
until_eq "$want" sql "SELECT count(*) FROM block_events WHERE qname LIKE 'q%-%'" ||
  bad "not every block event was written"
isp notify run 2>>notify.err || bad "last notify run"
eq "$(cat d*-*.txt | grep -c 'status: NXDOMAIN')" "$want" "every query answered NXDOMAIN"

# --- PostgreSQL: every block event is one event, in one delivered notice
eq "$(sql "SELECT count(*) FROM block_events WHERE qname LIKE 'q%-%'")" "$want" "block events"
eq "$(sql "SELECT count(*) FROM block_events WHERE ingest_batch IS NULL")" "0" "none left unclaimed"
eq "$(sql "SELECT count(*) FROM events WHERE detail LIKE 'name q%-%'")" "$want" "events"
eq "$(sql "SELECT count(DISTINCT detail) FROM events WHERE detail LIKE 'name q%-%'")" "$want" \
  "no block event twice"
eq "$(sql "SELECT count(*) FROM events WHERE detail LIKE 'name q%-%' AND state = 2
  AND notice_id IS NOT NULL")" "$want" "every event notified"
subs=$((rounds * nodes * clients))
# (a notifier that ran while a node was still writing one subscriber's events sends them
# a second notice for the rest: notify.dedup-window=0 here, so that no event is a repeat)
eq "$(sql "SELECT count(DISTINCT subscriber) FROM notices WHERE subscriber LIKE 's%-%-%'
  AND state = 2")" "$subs" "every subscriber has a delivered notice"
nnot=$(sql "SELECT count(*) FROM notices WHERE subscriber LIKE 's%-%-%' AND state = 2")
eq "$(sql "SELECT count(*) FROM (SELECT notice_id FROM events WHERE detail LIKE 'name q%-%'
  GROUP BY notice_id HAVING count(DISTINCT subscriber) <> 1) x")" "0" "a notice is one subscriber's"
nb=$(sql "SELECT count(*) FROM batches WHERE source = 'dns'")
[ "$nb" -ge $((rounds + 1)) ] && ok || bad "ingested in several batches while writing: $nb"
echo "store_pg: $want block events from 2 nodes in $nb batches"

# --- the Maildir: one message per subscriber; the counts in them add up to every event
eq "$(ls md/new | wc -l)" "$nnot" "a message per notice (none for the probe: 127.0.0.1 has no session)"
cat >count.py <<'EOF'
import email, os, re, sys
d = sys.argv[1]
total = 0
for f in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, f), 'rb'))
    body = m.get_payload(decode=True).decode('utf-8', 'replace')
    for n in re.findall(r'What we saw \((\d+) times?', body):
        total += int(n)
print(total)
EOF
eq "$(python3 count.py md/new)" "$want" "events counted in the Maildir: every event once"

# --- one notifier at a time, across connections: the advisory lock
# a psql session takes the lock and holds it until its input is closed
mkfifo lockfifo
psql "$url" -X -q <lockfifo >/dev/null 2>&1 & lockpid=$!
exec 9>lockfifo
printf "SELECT pg_advisory_lock(hashtext('ispshield:notify'));\n\\! touch locked\n" >&9
check "psql holds the notify lock" until_ok test -e locked
isp notify run >out.txt 2>err.txt; eq "$?" "4" "second notifier refused"
has err.txt "another notify run holds this store's lock"
exec 9>&-
wait $lockpid
isp notify run >out.txt 2>err.txt; eq "$?" "0" "notifier runs once the lock is free"

# --- PostgreSQL down: the nodes keep answering and spool their block events (each node
# its own file in var/spool); back up, every spooled event arrives once
"$src/tests/lib/pgtmp.sh" stop "$work/pg"
dig +time=2 +tries=1 @127.0.0.1 -p "$D1" down.cc.example >dig.txt 2>&1; has dig.txt "NXDOMAIN"
dig +time=2 +tries=1 @127.0.0.1 -p "$D2" www.good.test >dig.txt 2>&1; has dig.txt "192.0.2.10"
# each dig waits 2 s at most: a query held up by the dead store fails its check
for i in $(seq 40); do
  dig +time=2 +tries=1 @127.0.0.1 -p "$D1" "down-$i.cc.example" >dig1.txt 2>&1
  dig +time=2 +tries=1 @127.0.0.1 -p "$D2" "down-$i.cc.example" >dig2.txt 2>&1
  grep -q NXDOMAIN dig1.txt && grep -q NXDOMAIN dig2.txt || { bad "query $i while the database is down"; break; }
done
ok "80 blocked queries answered with the database down"
spooled() { cat var/spool/dns-127.0.0.1_"$1".spool 2>/dev/null | wc -c; }
check "node 1 spooled while the database was down" until_num -gt 32 spooled "$D1"
check "node 2 spooled while the database was down" until_num -gt 32 spooled "$D2"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgport=$(cat "$work/pg/port")
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -o \
  "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
dig +time=2 +tries=1 @127.0.0.1 -p "$D1" back.cc.example >dig.txt 2>&1; has dig.txt "NXDOMAIN"
check "node writes again after the database came back" \
  until_eq 1 sql "SELECT count(*) FROM block_events WHERE qname = 'back.cc.example'"
down_events() { sql "SELECT count(*) || '/' || count(DISTINCT qname || '|' || port) FROM block_events WHERE qname LIKE 'down-%'"; }
until_eq 80/80 down_events
eq "$(down_events)" "80/80" "the 80 spooled events arrived, each once"
check "node 1's spool drained to its header" until_num -le 32 spooled "$D1"
check "node 2's spool drained to its header" until_num -le 32 spooled "$D2"
isp notify run >out.txt 2>err.txt; eq "$?" "0" "notify after the outage"
eq "$(sql "SELECT count(*) FROM block_events WHERE ingest_batch IS NULL")" "0" "every block event claimed"
eq "$(sql "SELECT count(*) FROM events WHERE detail LIKE '%down-%' AND state <> 0")" "80" \
  "the outage's events were decided"

# --- a SQLite store made by the first release (schema 1, tests/data/store/schema-v1.sql:
# 3 block events ingested under the old id cursor, 2 not yet) migrates to the current one
sqlite3 old.db <"$src/tests/data/store/schema-v1.sql"
"$bin" -q --store old.db lists stats >out.txt 2>err.txt; eq "$?" "4" "old SQLite store refused"
has err.txt "schema version 1, this binary needs $V: run ispshield store migrate"
"$bin" -q --store old.db store migrate >out.txt 2>err.txt; eq "$?" "0" "old SQLite store migrates"
eq "$(cat out.txt)" "1 -> $V" "SQLite from -> to"
sqlite3 old.db "SELECT value FROM meta WHERE key = 'store_id'" | grep -qx '[0-9a-f]\{16\}' && ok || bad "SQLite store id"
eq "$(sqlite3 old.db "SELECT group_concat(id || ':' || coalesce(ingest_batch, '-'), ' ') FROM block_events")" \
  "1:0 2:0 3:0 4:- 5:-" "rows up to the old cursor count as ingested"
eq "$(sqlite3 old.db "SELECT count(*) FROM meta WHERE key = 'block_cursor'")" "0" "cursor gone"
"$bin" -q --store old.db lists stats >out.txt 2>err.txt; eq "$?" "0" "migrated store opens"
has out.txt "c2"
"$bin" -q --store old.db notify run --no-deliver >out.txt 2>err.txt
eq "$(sqlite3 old.db "SELECT group_concat(detail, ' ') FROM events WHERE id > 3")" \
  "name d.cc.example (name) name e.cc.example (name)" "only the rows after the cursor ingested, once"

# --- the lists import guard on PostgreSQL: a refused import (an empty body) rolls back
# inside the import's own transaction, and the next import in the session works
printf 'g1.example\ng2.example\n' | isp lists import --list pgguard --kind domain --source s - 2>/dev/null
isp lists import --list pgguard --source s - </dev/null >out.txt 2>err.txt; eq "$?" 4 "pg: empty import refused"
has err.txt "refused, nothing changed"
printf 'g1.example\ng2.example\ng3.example\n' | isp lists import --list pgguard --source s - 2>/dev/null
eq "$(sql "SELECT count(*) FROM entries e JOIN sources s ON s.id = e.source_id JOIN lists l ON l.id = s.list_id WHERE l.name = 'pgguard'")" \
  3 "pg: entries kept through the refusal, then the next import"

# --- RPZ actions and local data on PostgreSQL (schema 5: entries.data), and a source that
# disagrees: passthru wins, otherwise the earliest source's action (docs/lists.md)
printf '$ORIGIN rpz.test.\nloc.tld2 A 192.0.2.1\n\tTXT "pg"\nnd.tld2 CNAME *.\nboth.tld2 CNAME rpz-drop.\n' >a.rpz
printf '$ORIGIN rpz.test.\nboth.tld2 CNAME rpz-passthru.\n' >b.rpz
isp lists import --list pgrpz --kind domain --format rpz a.rpz 2>/dev/null; eq "$?" 0 "pg: rpz import"
isp lists import --list pgrpz --format rpz b.rpz 2>/dev/null; eq "$?" 0 "pg: second rpz source"
eq "$(sql "SELECT action || ':' || replace(coalesce(data, '-'), chr(10), '|') FROM entries WHERE value = 'loc.tld2'")" \
  '6:A 192.0.2.1|TXT "pg"' "pg: local data stored"
isp lists export --list pgrpz --format rpz --origin rpz.test >exp.txt 2>/dev/null
has exp.txt 'loc.tld2 TXT "pg"'
has exp.txt 'nd.tld2 CNAME *.'
has exp.txt 'both.tld2 CNAME rpz-passthru.'

# --- sites on PostgreSQL (schema 11): a site on two lists counts in both; after a recheck
# verdict (written here), one site is handled and the other still online gets a follow-up
printf 'http://a-site.jp/x.php\nhttp://b-site.jp/y.php\n' >su.txt
printf 'http://b-site.jp/y.php\n' >su2.txt
isp lists import --list sm --kind url su.txt 2>/dev/null && isp lists import --list sm2 --kind url su2.txt 2>/dev/null
isp sites find --list sm --list sm2 --whois-jp "" --resolver 127.0.0.1:9 2>/dev/null; eq "$?" 0 "pg: sites find"
"$bin" --store "$url" sites notify --maildir smd --now 2026-12-07T10:00:00+09:00 >/dev/null 2>err.txt
has err.txt "2 notices made, 2 delivered"
sql "INSERT INTO url_status(list_id, value, status, checked, last_online, fails, next_check, offline_since)
  SELECT id, 'http://a-site.jp/x.php', 'offline', 1796700000, 0, 1, 0, 1796700000 FROM lists WHERE name = 'sm';
  INSERT INTO url_status(list_id, value, status, checked, last_online, fails, next_check)
  SELECT id, 'http://b-site.jp/y.php', 'online', 1797300000, 1797300000, 0, 0 FROM lists WHERE name = 'sm'"
"$bin" --store "$url" sites notify --maildir smd --now 1797300000 >/dev/null 2>err.txt
has err.txt "1 notices made, 1 delivered, 0 to retry, 0 given up; 1 with follow-ups; 1 sites handled"
"$bin" --store "$url" sites report --json >rep.json
eq "$(python3 -c "import json; print([(r['list'], r['sites'], r['notified'], r['handled'], r['median_seconds_to_offline']) for r in json.load(open('rep.json'))])")" \
  "[('sm', 2, 2, 1, 94800), ('sm2', 1, 1, 0, None)]" "pg: sites report per list"

finish store_pg
