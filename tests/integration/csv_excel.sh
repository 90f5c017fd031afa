#!/usr/bin/env bash
# Integration test: CSV files as Excel saves them ("CSV UTF-8": a byte-order mark, CRLF
# line ends, a cell with a line break written as a quoted field over two lines) through
# every CSV input of the real binary: the subscriber directory, the relay's members file,
# a partner event list and a generic CSV list. Each is read by the one CSV record reader
# (core/base/csv.h); before it, the subscriber and member files were refused ("the header
# names no 'id' column") and a quoted line break was a rejected line.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
isp() { "$bin" --store "$work/var/t.db" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
bom=$'\xef\xbb\xbf'

# --- the subscriber directory: a note column with a line break in one cell
printf '%sid,email,language,consent,opt_out_filtering,opt_out_notices,note\r\n' "$bom" > subs.csv
printf 'sub1@isp.example,taro@example.jp,ja,2026-01-01,,,"moved in April\r\nnew router"\r\n' >> subs.csv
printf 'sub2@isp.example,alice@example.com,en,,,,plain\r\n' >> subs.csv
expect 0 "subscribers import (Excel CSV)" -- isp subscribers import subs.csv
has err.txt "2 subscribers imported"; hasnt err.txt "subs.csv:2:"; hasnt err.txt "subs.csv:3:"
expect 0 "show sub2" -- isp subscribers show --json sub2@isp.example
eq "$(jq_ out.txt 'd["email"], d["language"]')" "alice@example.com en" "sub2: no CR left in the last field"
expect 0 "show sub1 (the row after the id header, the BOM gone)" -- isp subscribers show --json sub1@isp.example
eq "$(jq_ out.txt 'd["email"]')" "taro@example.jp" "sub1"

# --- the relay's members file: a contact cell over two lines
printf '%smember,prefix,contact\r\n' "$bom" > members.csv
printf 'isp-a,198.51.100.0/25,"NOC\r\n+81 3 0000 0000"\r\n' >> members.csv
printf 'isp-b,203.0.113.0/24 2001:db8::/32,noc@isp-b.example\r\n' >> members.csv
cat > partner.csv <<'EOF'
ip,timestamp,port,family,reference
198.51.100.23,2026-11-22T10:45:00Z,49152,GameOverZeus,JP-1
198.51.100.24,2026-11-22T10:50:00Z,,GameOverZeus,JP-2
203.0.113.10,2026-11-22T10:00:00Z,,GameOverZeus,JP-3
192.0.2.200,2026-11-22T09:30:00Z,,GameOverZeus,JP-4
EOF
expect 0 "relay split (Excel members CSV)" -- isp relay split --members members.csv --source jpcert \
  --out split partner.csv
eq "$(($(wc -l < split/isp-a.csv) - 1))" "2" "isp-a rows"
eq "$(($(wc -l < split/isp-b.csv) - 1))" "1" "isp-b rows"
eq "$(($(wc -l < split/unassigned.csv) - 1))" "1" "rows of no member"

# --- a partner event list saved by Excel: a family cell over two lines
printf '%sip,timestamp,port,family,reference\r\n' "$bom" > events.csv
printf '198.51.100.23,2026-11-22T10:45:00Z,49152,"Game\r\nOverZeus",JP-1\r\n' >> events.csv
printf '198.51.100.24,2026-11-22T10:50:00Z,,GameOverZeus,JP-2\r\n' >> events.csv
expect 0 "events import (Excel CSV)" -- isp events import --source excel events.csv
has err.txt "2 rows imported"; hasnt err.txt "events.csv:2:"; hasnt err.txt "events.csv:3:"

# --- a generic CSV list: a category over two lines, the last field without CR
printf '%sdomain,category,reference\r\n' "$bom" > list.csv
printf 'excel-a.example,"botnet\r\nC2",REF-1\r\nexcel-b.example,spam,REF-2\r\n' >> list.csv
expect 0 "lists import (Excel CSV)" -- isp lists import --list xl --kind domain list.csv
has err.txt "format csv"; has err.txt "2 accepted"; has err.txt "0 rejected"
expect 0 "compile" -- isp lists compile
isp lists check --json excel-a.example excel-b.example > check.json 2>/dev/null
eq "$(jq_ check.json 'd[0]["matches"][0]["sources"][0]["category"] == "botnet\nC2", d[1]["matches"][0]["sources"][0]["reference"]')" \
  "True REF-2" "categories and references as written"

# --- a quote that never closes is that line's mistake only; the lines after it count
printf 'id,email,language\r\nsub3@isp.example,"x@example.com,ja\r\nsub4@isp.example,bob@example.com,en\r\n' > open.csv
expect 3 "subscribers: an unterminated quote" -- isp subscribers import open.csv
has err.txt "open.csv:2:"; has err.txt "unterminated quote"; has err.txt "1 subscribers imported"
expect 0 "the row after it imported" -- isp subscribers show sub4@isp.example

finish csv_excel
