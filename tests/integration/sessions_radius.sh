#!/usr/bin/env bash
# Integration test of `ispshield sessions import` / `sessions who` on FreeRADIUS detail
# files shaped like the real ones (../shared/formats/freeradius, FreeRADIUS 3.2), as they
# arrive behind a RADIUS proxy: the Start carries NAS-IP-Address, the Interim-Update and
# the Stop do not (NAS-Identifier only, or no NAS attribute at all), and
# Acct-Unique-Session-Id changes after the Start. Checks that such a session pairs and
# closes (in one file and across two imports), that `who` names nobody after the Stop,
# that sessions of two NASes reusing one Acct-Session-Id stay apart, and that importing
# the same files again changes nothing. Env: ISPSHIELD (the binary), SRCDIR (the tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
isp() { "$bin" --store "$work/var/t.db" "$@"; }
data=$src/tests/data/sessions
# who IP TIME: the subscriber `sessions who --json` names, or "-" for nobody
who() {
  "$bin" --store "$work/var/t.db" sessions who --json "$1" "$2" >who.json 2>/dev/null
  python3 -c 'import json,sys; o=json.load(open("who.json")); print(o["subscriber"] if o["found"] else "-")'
}

# --- one file: Start with NAS-IP-Address, Interim and Stop without it
expect 0 "import proxied detail" -- isp sessions import "$data/detail-proxied"
has err.txt "format detail"; has err.txt "0 rejected"
has err.txt "1 open)"
# sub0001: Start 10:41:24 (NAS-IP + NAS-Identifier), Interim/Stop NAS-Identifier only,
# Stop 11:01:24
eq "$(who 198.51.100.23 2026-11-22T10:50:00Z)" "sub0001@isp.example" "sub0001 during"
eq "$(who 198.51.100.23 2026-11-22T11:01:23Z)" "sub0001@isp.example" "sub0001 last second"
eq "$(who 198.51.100.23 2026-11-22T11:01:24Z)" "-" "sub0001 at its Stop"
eq "$(who 198.51.100.23 2026-11-22T11:10:00Z)" "-" "sub0001 after its Stop"
# sub0002: Start with NAS-IP-Address, Interim and Stop with no NAS attribute at all
eq "$(who 198.51.100.24 2026-11-22T10:45:00Z)" "sub0002@isp.example" "sub0002 during"
eq "$(who 198.51.100.24 2026-11-22T10:58:00Z)" "-" "sub0002 after its Stop"
# two NASes reuse Acct-Session-Id 00000001: the Stop from 192.0.2.2 (bob) must not close
# the session of 192.0.2.1 (carol), nor a Stop without NAS naming bob's user and address
eq "$(who 198.51.100.30 2026-11-22T12:30:00Z)" "carol@isp.example" "carol still open"
eq "$(who 198.51.100.31 2026-11-22T12:30:00Z)" "-" "bob closed"
eq "$(who 198.51.100.32 2026-11-22T12:30:00Z)" "-" "dave closed by a Stop without NAS"
eq "$(who 198.51.100.30 2026-11-22T12:05:00Z)" "carol@isp.example" "carol during"

# --- the same file again changes nothing
expect 0 "re-import" -- isp sessions import "$data/detail-proxied"
has err.txt "(0 new, 0 closed by this import, 1 open)"
eq "$(who 198.51.100.23 2026-11-22T11:10:00Z)" "-" "sub0001 after its Stop, re-imported"
eq "$(who 198.51.100.30 2026-11-22T12:30:00Z)" "carol@isp.example" "carol after re-import"

# --- across two imports: the Start in one file, the Interim and Stop in the next
rm -rf var
expect 0 "import Start" -- isp sessions import "$data/detail-proxied-1"
has err.txt "1 open"
eq "$(who 198.51.100.40 2026-11-22T13:30:00Z)" "erin@isp.example" "erin open after file 1"
expect 0 "import Stop" -- isp sessions import "$data/detail-proxied-2"
has err.txt "(0 new, 1 closed by this import, 0 open)"
eq "$(who 198.51.100.40 2026-11-22T13:10:00Z)" "erin@isp.example" "erin during"
eq "$(who 198.51.100.40 2026-11-22T13:30:00Z)" "-" "erin after her Stop"
expect 0 "import both again" -- isp sessions import "$data/detail-proxied-1" "$data/detail-proxied-2"
has err.txt "(0 new, 0 closed by this import, 0 open)"
eq "$(who 198.51.100.40 2026-11-22T13:30:00Z)" "-" "erin after her Stop, re-imported"

# --- the real FreeRADIUS sample still pairs
rm -rf var
expect 0 "real sample" -- isp sessions import "$data/detail-20261122"
has err.txt "(2 new, 0 closed by this import, 0 open)"
eq "$(who 198.51.100.23 2026-11-22T11:00:00Z)" "sub0001@isp.example" "real sample during"
eq "$(who 198.51.100.23 2026-11-22T11:10:00Z)" "-" "real sample after Stop"
finish sessions_radius
