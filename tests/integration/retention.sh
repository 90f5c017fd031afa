#!/usr/bin/env bash
# Integration test: retention and masking with the real binary. Block events and partner
# events at known ages (times counted from `store prune --now`): `store prune --dry-run
# --json` counts what the real run then deletes and masks, and changes nothing; the real
# run deletes block events and decided events older than core.retention, never undecided
# ones nor notified ones whose notice is not sent, removes the batch left empty and a
# stale spool file (a fresh one stays), and cuts addresses older than core.mask-after to
# exactly their /24 or /56, once (a second run changes nothing). The subscribers'
# consent and opt-out history (`subscribers history --csv`, parsed back with Python's
# csv module) is written by import and by opt-out, filtered by --subscriber and --since,
# and survives the prune. The rows' states and ages are set with sqlite3/psql: notify's
# own decisions are tested in notify.sh.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree); ISP_TEST_STORE: run it on that
# store instead of a new SQLite file (retention_pg.sh: a PostgreSQL database).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
store=${ISP_TEST_STORE:-$work/var/t.db}
mkdir -p var spool
isp() { "$bin" --store "$store" -o core.spool="$work/spool" "$@"; }
if [ -n "${ISP_TEST_STORE:-}" ]; then
  sql() { psql "$store" -X -A -t -q -c "$1"; }
else
  sql() { sqlite3 "$store" "$1"; }
fi
D=86400
NOW=$(( $(date +%s) / D * D )) # a whole day: the test's clock
ago() { echo $((NOW - $1 * D)); }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# --- consent and opt-out history
printf 'id,email,language,consent,opt_out_filtering,opt_out_notices\n' > subs.csv
printf 'alice,alice@example.com,en,2026-01-10T09:00:00Z,,\n' >> subs.csv
printf '"bob, jr.",bob@example.com,ja,2026-02-01T00:00:00Z,,2026-03-01T00:00:00Z\n' >> subs.csv
expect 0 "subscribers import" -- isp subscribers import subs.csv
expect 0 "the same file again changes nothing" -- isp subscribers import subs.csv
expect 0 "opt-out" -- isp subscribers opt-out --scope filtering alice
expect 0 "history --csv" -- isp subscribers history --csv
cp out.txt history1.csv
cat > readcsv.py <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["subscriber", "time", "change", "via"], rows[0]
for r in rows[1:]:
    print("|".join(r))
PY
check "history parses as CSV" python3 readcsv.py history1.csv
python3 readcsv.py history1.csv > hist.txt
has hist.txt "alice|2026-01-10 09:00:00|consent|import"
has hist.txt "bob, jr.|2026-02-01 00:00:00|consent|import"
has hist.txt "bob, jr.|2026-03-01 00:00:00|opt-out notices|import"
has hist.txt "|opt-out filtering|command"
eq "$(wc -l < hist.txt)" 4 "four changes (the second import added none)"
expect 0 "history of one subscriber since a time" -- \
  isp subscribers history --csv --subscriber "bob, jr." --since 2026-02-15T00:00:00Z
python3 readcsv.py out.txt > hist2.txt
eq "$(cat hist2.txt)" "bob, jr.|2026-03-01 00:00:00|opt-out notices|import" "filtered history"
expect 0 "history for people" -- isp subscribers history
has out.txt "opt-out filtering via command"

# --- events: batch 1 (old) and batch 2 (gone) 100 days old, batch 3 (recent) 50 days
{ echo "ip,timestamp,port,family"
  for i in 10 11 12 13; do echo "203.0.113.$i,$(iso "$(ago 100)"),1,F"; done; } > old.csv
{ echo "ip,timestamp,port,family"; echo "198.51.100.1,$(iso "$(ago 100)"),1,F"; } > gone.csv
{ echo "ip,timestamp,port,family"
  echo "2001:db8:aaaa:bbcc::1,$(iso "$(ago 50)"),1,F"
  echo "203.0.113.200,$(iso "$(ago 50)"),1,F"
  echo "203.0.113.201,$(iso "$(ago 1)"),1,F"; } > recent.csv
expect 0 "import old" -- isp events import --source old old.csv
expect 0 "import gone" -- isp events import --source gone gone.csv
expect 0 "import recent" -- isp events import --source recent recent.csv
sql "UPDATE batches SET received = $(ago 100) WHERE source <> 'recent'"
sql "UPDATE batches SET received = $(ago 50) WHERE source = 'recent'"
sql "INSERT INTO notices(key, subscriber, email, language, causes, created, state, message)
     VALUES('k-sent', 'alice', 'a@example.com', 'en', 'cc', $(ago 100), 2, 'x'),
           ('k-pending', 'alice', 'a@example.com', 'en', 'cc', $(ago 100), 0, 'x')"
# old: .10 new, .11 returned, .12 notified+sent, .13 notified+pending; gone: repeat;
# recent: the IPv6 one skipped, .200 new, .201 (yesterday) returned
sql "UPDATE events SET state = 5 WHERE ip IN ('203.0.113.11', '203.0.113.201')"
sql "UPDATE events SET state = 2, notice_id = (SELECT id FROM notices WHERE key = 'k-sent')
     WHERE ip = '203.0.113.12'"
sql "UPDATE events SET state = 2, notice_id = (SELECT id FROM notices WHERE key = 'k-pending')
     WHERE ip = '203.0.113.13'"
sql "UPDATE events SET state = 3 WHERE ip = '198.51.100.1'"
sql "UPDATE events SET state = 4 WHERE ip = '2001:db8:aaaa:bbcc::1'"

# --- block events at 100, 50, 31, 29 days and yesterday
for row in "100 192.0.2.1 a" "50 192.0.2.77 b" "31 2001:db8:1234:56ab:1::7 c" \
  "29 198.51.100.99 d" "1 2001:db8::9 e"; do
  set -- $row
  sql "INSERT INTO block_events(time_ms, client, port, qname, qtype, list, entry, reason)
       VALUES($(ago "$1")000, '$2', 5353, '$3.example', 1, 'c2', '$3.example', 'block')"
done

# --- spool files: one stale, one written lately
printf 'x' > spool/dns-10.0.0.1_53.spool
touch -d "@$(ago 120)" spool/dns-10.0.0.1_53.spool
printf 'x' > spool/dns-127.0.0.1_53.spool

snap() { sql "SELECT count(*) || ':' || coalesce(sum(length(client)), 0) FROM block_events"
         sql "SELECT count(*) FROM events"; ls spool; }
snap > before.txt
expect 0 "prune --dry-run --json" -- isp store prune --dry-run --json --now "$NOW"
cat > readjson.py <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(j["dry_run"], j["block_events"]["deleted"], j["block_events"]["masked"],
      j["events"]["deleted"], j["events"]["masked"], j["events"]["kept"],
      j["batches"]["deleted"], j["spool_files"]["deleted"], j["retention"], j["mask_after"])
PY
eq "$(python3 readjson.py out.txt)" "True 1 2 3 2 2 1 1 7776000 2592000" "dry-run counts"
snap > after.txt
check "the dry run changed nothing" cmp -s before.txt after.txt

expect 0 "prune" -- isp store prune --now "$NOW"
has out.txt "block_events: 1 deleted, 2 masked"
has out.txt "events: 3 deleted, 2 masked, 2 older kept"
has out.txt "batches: 1 deleted"
has out.txt "spool files: 1 deleted"
eq "$(sql "SELECT client FROM block_events ORDER BY qname" | tr '\n' ' ')" \
  "192.0.2.0/24 2001:db8:1234:5600::/56 198.51.100.99 2001:db8::9 " "block events masked /24, /56"
eq "$(sql "SELECT count(*) FROM block_events WHERE masked = $NOW")" 2 "marked as masked"
eq "$(sql "SELECT ip || ':' || state FROM events ORDER BY id" | tr '\n' ' ')" \
  "203.0.113.10:0 203.0.113.0/24:2 2001:db8:aaaa:bb00::/56:4 203.0.113.200:0 203.0.113.201:5 " \
  "events: undecided and notice-pending kept, decided ones masked"
eq "$(sql "SELECT count(*) FROM events WHERE masked IS NOT NULL AND raw IS NOT NULL")" 0 \
  "the raw rows of masked events are gone"
eq "$(sql "SELECT source FROM batches ORDER BY id" | tr '\n' ' ')" "old recent " "the empty batch went"
eq "$(ls spool)" "dns-127.0.0.1_53.spool" "the stale spool file went"
eq "$(sql "SELECT count(*) FROM notices")" 2 "notices are not pruned"

expect 0 "prune again" -- isp store prune --now "$NOW" --json
eq "$(python3 readjson.py out.txt)" "False 0 0 0 0 2 0 0 7776000 2592000" "nothing left to do"
expect 0 "prune with retention and masking off" -- \
  isp -o core.retention=0 -o core.mask-after=0 store prune --now "$((NOW + 400 * D))"
has out.txt "block_events: 0 deleted, 0 masked"

expect 0 "history after the prune" -- isp subscribers history --csv
check "the history survives retention" cmp -s out.txt history1.csv
expect 2 "bad --now" -- isp store prune --now yesterday-ish
expect 2 "stray argument" -- isp store prune extra
expect 0 "--help" -- isp store prune --help
has out.txt "--dry-run"
finish retention
