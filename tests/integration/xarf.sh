#!/usr/bin/env bash
# Integration test of the X-ARF v4 output (issue 22): `notify returned --format xarf` and
# `relay split --out-format xarf` write one report per row in a multipart/report mail
# (mbox); every report validates with Python's jsonschema against the published X-ARF v4
# schemas (tests/data/xarf/v4, from github.com/xarf/xarf-spec), each cause maps to its
# category/type with the fields that type requires, the row travels as evidence, the
# same row gives the same report id, and a report that lacks a required field is
# caught (the check can fail). `sites notify --format xarf` is checked in sites.sh.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
python3 -c "import jsonschema" 2>/dev/null || { echo "SKIP: python3-jsonschema missing"; exit 77; }
begin_test
store=$work/t.db
isp() { "$bin" -q --store "$store" "$@"; }
xcheck() { python3 "$src/tests/integration/lib/xarf_check.py" "$src/tests/data/xarf/v4" "$@"; }

# a partner list with one row of each cause (two credential rows: with and without a
# source port); nobody held these addresses, so all come back as returned
cat > ev.csv <<'E'
ip,timestamp,port,family,reference,cause
192.0.2.10,2026-11-22T09:30:00Z,49152,GameOverZeus,JP-1,cc
192.0.2.11,2026-11-22T09:31:00Z,,,JP-2,open-resolver
192.0.2.12,2026-11-22T09:32:00Z,,,JP-3,open-proxy
192.0.2.13,2026-11-22T09:33:00Z,,,JP-4,vulnerable-router
192.0.2.14,2026-11-22T09:34:00Z,2222,,JP-5,credential-abuse
192.0.2.15,2026-11-22T09:35:00Z,,,JP-6,credential-abuse
2001:db8::16,2026-11-22T09:36:00Z,,,JP-7,malware-site
E
expect 0 "import" -- isp events import --source jpcert ev.csv
expect 0 "sessions" -- isp sessions import "$src/tests/data/sessions/detail-20261122"
expect 0 "notify run" -- isp notify run --no-deliver
expect 2 "returned: unknown format" -- isp notify returned --source jpcert --format yaml
expect 0 "returned as X-ARF" -- "$bin" --store "$store" -o notify.isp-name="Example ISP" \
  notify returned --source jpcert --format xarf --to cert@partner.example --out r.mbox
has err.txt "7 returned rows of jpcert"
eq "$(grep -c '^From ' r.mbox)" "7" "one mail per row"
xcheck r.mbox > r.txt || bad "returned X-ARF invalid: $(cat r.txt)"
has r.txt "cert@partner.example | infrastructure/botnet | 192.0.2.10:49152 | tool:ispshield,malware:gameoverzeus,status:returned | contacted a command-and-control server"
has r.txt "| vulnerability/open_service | 192.0.2.11 | tool:ispshield,status:returned | dns"
has r.txt "| vulnerability/open_service | 192.0.2.12 | tool:ispshield,status:returned | proxy"
has r.txt "| vulnerability/misconfiguration | 192.0.2.13 | tool:ispshield,status:returned | router-admin"
has r.txt "| connection/login_attack | 192.0.2.14:2222 | tool:ispshield,status:returned | tcp"
has r.txt "| reputation/threat_intelligence | 192.0.2.15 | tool:ispshield,status:returned | credential-abuse"
has r.txt "| reputation/threat_intelligence | 2001:db8::16 | tool:ispshield,status:returned | malware-site-visit"
python3 - r.mbox > ev.txt <<'P' || bad "evidence"
import base64, email, email.policy, json, mailbox, sys
for m in mailbox.mbox(sys.argv[1]):
    m = email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
    r = json.loads(list(m.iter_parts())[1].get_content())
    print(r["report_id"], r["description"], base64.b64decode(r["evidence"][0]["payload"]).decode().splitlines()[1])
P
has ev.txt "returned by Example ISP: no session 192.0.2.10,2026-11-22T09:30:00Z,49152,GameOverZeus,JP-1,cc"
# the same rows give the same reports (a resend is recognisable)
expect 0 "returned again" -- isp notify returned --source jpcert --format xarf --out r2.mbox
eq "$(grep -o '"report_id": "[^"]*"' r2.mbox | sort | md5sum)" "$(grep -o '"report_id": "[^"]*"' r.mbox | sort | md5sum)" "stable report ids"
# the check can fail: a report without its type's required field is refused
sed 's/"service": "dns",\{0,1\}//' r.mbox > bad.mbox
if xcheck bad.mbox > bad.txt; then bad "a report without service passed"; else ok; fi
has bad.txt "'service' is a required property"

# relay split: one mbox per member, to the member's address
cat > members.csv <<'E'
member,prefix,email
isp-a,192.0.2.8/30,abuse@isp-a.example
isp-b,192.0.2.12/30 2001:db8::/32
E
expect 0 "relay split as X-ARF" -- isp relay split --members members.csv --source jpcert \
  --out split --out-format xarf ev.csv
expect 2 "relay split: unknown out-format" -- isp relay split --members members.csv \
  --source jpcert --out split2 --out-format yaml ev.csv
eq "$(grep -c '^From ' split/isp-a.mbox) $(grep -c '^From ' split/isp-b.mbox)" "2 5" "mails per member"
eq "$(($(wc -l < split/isp-a.csv) - 1))" "2" "the CSV is still written"
xcheck split/isp-a.mbox split/isp-b.mbox > s.txt || bad "relay X-ARF invalid: $(cat s.txt)"
has s.txt "abuse@isp-a.example | infrastructure/botnet | 192.0.2.10:49152 | tool:ispshield,malware:gameoverzeus,status:relayed"
has s.txt "undisclosed-recipients:; | vulnerability/open_service | 192.0.2.12 | tool:ispshield,status:relayed | proxy"
finish xarf
