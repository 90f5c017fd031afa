#!/usr/bin/env bash
# Integration test: a partner file that arrives twice. The same file (by SHA-256) for the
# same source is refused as a repeat, from a path or from standard input; with --again
# its events, already stored, are not stored again (the store's unique (source, ip, time,
# cause), schema version 4); the subscriber's notice, delivered into a Maildir by
# `notify run`, lists each event once. Another source may send the same file.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree); ISP_TEST_STORE: run it on that
# store instead of a new SQLite file (events_repeat_pg.sh: a PostgreSQL database).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
store=${ISP_TEST_STORE:-$work/var/t.db}
isp() { "$bin" --store "$store" -o notify.dedup-window=0 "$@"; }
if [ -n "${ISP_TEST_STORE:-}" ]; then
  events() { psql "$store" -X -A -t -q -c "SELECT count(*) FROM events"; }
else
  events() { sqlite3 "$store" "SELECT count(*) FROM events"; }
fi

printf 'id,email,language\nsub1@isp.example,alice@example.com,en\n' > subs.csv
printf '"Acct-Status-Type","Acct-Session-Id","User-Name","Framed-IP-Address","NAS-IP-Address","Event-Timestamp"\n"Start","s-1","sub1@isp.example","198.51.100.23","192.0.2.1","2026-11-22T10:00:00Z"\n' > sess.csv
cat > jpcert.csv <<'EOF'
ip,timestamp,port,family,reference
198.51.100.23,2026-11-22T10:45:00Z,49152,GameOverZeus,JP-1
198.51.100.23,2026-11-22T10:50:00Z,49153,GameOverZeus,JP-2
EOF
expect 0 "subscribers" -- isp subscribers import subs.csv
expect 0 "sessions" -- isp sessions import sess.csv

expect 0 "first import" -- isp events import --source jpcert jpcert.csv
has err.txt "2 rows imported"
eq "$(events)" 2 "events after the first import"
expect 4 "the same file again: refused as a repeat" -- isp events import --source jpcert jpcert.csv
has err.txt "refused as a repeat"; has err.txt "batch 1 of source jpcert"; has err.txt "--again"
eq "$(events)" 2 "nothing imported by the repeat"
isp events import --source jpcert - <jpcert.csv >out.txt 2>err.txt
eq "$?" 4 "the same bytes on standard input: refused"
has err.txt "refused as a repeat"
cp jpcert.csv renamed.csv
expect 4 "the same file under another name: refused" -- isp events import --source jpcert renamed.csv
expect 0 "--again: imported, each event kept once" -- isp events import --again --source jpcert jpcert.csv
has err.txt "0 rows imported"; has err.txt "2 duplicate"
eq "$(events)" 2 "no duplicate events after --again"
# a row repeated inside one file, and a file with one old and one new event
printf 'ip,timestamp,port,family,reference\n198.51.100.23,2026-11-22T10:45:00Z,49152,GameOverZeus,JP-1\n198.51.100.23,2026-11-22T11:00:00Z,,GameOverZeus,JP-3\n198.51.100.23,2026-11-22T11:00:00Z,,GameOverZeus,JP-3\n' > more.csv
expect 0 "one new event among old ones" -- isp events import --source jpcert more.csv
has err.txt "1 rows imported"; has err.txt "2 duplicate"
eq "$(events)" 3 "events: the new one only"
# --- the notice lists each event once
expect 0 "notify run into a Maildir" -- isp notify run --maildir "$work/md"
eq "$(ls md/new | wc -l)" 1 "one notice"
python3 - md/new/* > body.txt <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for part in m.walk():
    if part.get_content_type() == "text/plain":
        print(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
PY
for t in 10:45:00 10:50:00 11:00:00; do
  eq "$(grep -c "^  - 2026-11-22 $t " body.txt)" 1 "the notice lists the $t event once"
done
has body.txt "(3 times,"

# another partner reporting the same host is its own event (and the same file is not a
# repeat for it)
expect 0 "another source, same file" -- isp events import --source police jpcert.csv
eq "$(events)" 5 "events of two sources"

finish events_repeat
