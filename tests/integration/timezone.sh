#!/usr/bin/env bash
# One rule for times, through the real binary (issue 24 item 10): a time written without a
# zone -- on the command line, or in a log line that carries none (syslog) -- is a civil
# time in core.timezone (default: the system's zone, TZ); a time with a zone is that
# instant whatever core.timezone says; times shown to people carry their UTC offset.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for z in Asia/Tokyo Europe/Berlin; do
  [ -e "/usr/share/zoneinfo/$z" ] || { echo "timezone: no tzdata ($z): skipped"; exit 77; }
done
isp() { "$bin" -q --store "$work/var/t.db" "$@"; }
awfirst() { # FILE: "first last" of the JSON detections in FILE, year left off
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l); print(o["type"], o["first"][4:], o["last"][4:])' "$1"
}

# --- sessions who: sub0001 held 198.51.100.23 from 10:41:24 to 11:01:24 UTC, that is
# 19:41:24 to 20:01:24 in Tokyo (tests/data/sessions/detail-20261122)
expect 0 "import detail" -- isp sessions import "$src/tests/data/sessions/detail-20261122"
expect 0 "TZ=Asia/Tokyo: a zone-less time is Tokyo time" -- \
  env TZ=Asia/Tokyo "$bin" -q --store "$work/var/t.db" sessions who 198.51.100.23 '2026-11-22 19:45'
has out.txt "198.51.100.23 at 2026-11-22 19:45:00 +0900: sub0001@isp.example"
has out.txt "from 2026-11-22 19:41:24 +0900 to 2026-11-22 20:01:24 +0900"
expect 0 "core.timezone wins over TZ" -- \
  env TZ=UTC "$bin" -q --store "$work/var/t.db" -o core.timezone=Asia/Tokyo sessions who 198.51.100.23 '2026-11-22 19:45'
has out.txt "at 2026-11-22 19:45:00 +0900: sub0001@isp.example"
expect 1 "core.timezone=UTC: 19:45 UTC is after the Stop" -- \
  env TZ=Asia/Tokyo "$bin" -q --store "$work/var/t.db" -o core.timezone=UTC sessions who 198.51.100.23 '2026-11-22 19:45'
has out.txt "at 2026-11-22 19:45:00 +0000: nobody held it"
expect 0 "a time with its zone is that instant" -- \
  env TZ=Asia/Tokyo "$bin" -q --store "$work/var/t.db" sessions who 198.51.100.23 2026-11-22T10:45:00Z
has out.txt "at 2026-11-22 19:45:00 +0900: sub0001@isp.example"
expect 0 "unix seconds too" -- \
  env TZ=Asia/Tokyo "$bin" -q --store "$work/var/t.db" sessions who 198.51.100.23 1795344300
has out.txt "at 2026-11-22 19:45:00 +0900"
expect 2 "an unknown zone is refused, not taken as UTC" -- \
  isp -o core.timezone=Asia/Atlantis sessions who 198.51.100.23 '2026-11-22 19:45'
has err.txt "core.timezone 'Asia/Atlantis': not a time zone"

# FreeRADIUS writes a detail record's date line in the server's local time: a record with
# neither Event-Timestamp nor Timestamp is dated by it, in core.timezone
printf 'Sun Nov 22 19:41:24 2026\n\tUser-Name = "tok1"\n\tAcct-Status-Type = Start\n\tAcct-Session-Id = "t1"\n\tFramed-IP-Address = 198.51.100.99\n\tNAS-IP-Address = 192.0.2.1\n\n' >detail-tokyo
expect 0 "import a detail file written in Tokyo" -- isp -o core.timezone=Asia/Tokyo sessions import detail-tokyo
expect 0 "its date line is Tokyo time" -- isp sessions who 198.51.100.99 2026-11-22T10:45:00Z
has out.txt "tok1"

# --- other commands print their times with the zone
printf 'c2.example\n' >c2.txt
expect 0 "lists import" -- isp lists import --list c2 --kind domain --source t c2.txt
expect 0 "lists stats in Tokyo" -- isp -o core.timezone=Asia/Tokyo lists stats
grep -q 'c2 .* [0-9:]\{8\} +0900 ' out.txt && ok || bad "lists stats: no +0900 time: $(cat out.txt)"
expect 0 "lists history in Berlin (winter)" -- isp -o core.timezone=Europe/Berlin lists history
grep -q ' +0[12]00 ' out.txt && ok || bad "lists history: no zone: $(cat out.txt)"

# --- authwatch: syslog lines carry no zone; they are read in core.timezone, by the zone's
# rules of the line's own date (a July log read in December is still summer time)
brute() { # MONTH-DAY HOUR: 10 Postfix SASL failures of alice within a minute
  for i in 0 1 2 3 4 5 6 7 8 9; do
    printf '%s %s:40:%02d mx postfix/submission/smtpd[%d]: warning: unknown[192.0.2.9]: SASL PLAIN authentication failed: authentication failure, sasl_username=alice@isp.example\n' \
      "$1" "$2" $((i * 5)) $((300 + i))
  done
}
brute "Nov 22" 19 >tokyo.log
expect 0 "authwatch, core.timezone=Asia/Tokyo" -- \
  env TZ=UTC "$bin" -q --store "$work/var/t.db" -o core.timezone=Asia/Tokyo authwatch --dry-run --json tokyo.log
eq "$(awfirst out.txt)" "brute-force -11-22T10:40:00Z -11-22T10:40:45Z" "syslog time in core.timezone"
expect 0 "authwatch, TZ=Asia/Tokyo (the system's zone)" -- \
  env TZ=Asia/Tokyo "$bin" -q --store "$work/var/t.db" authwatch --dry-run --json tokyo.log
eq "$(awfirst out.txt)" "brute-force -11-22T10:40:00Z -11-22T10:40:45Z" "syslog time in TZ"
brute "Jul 22" 10 >summer.log
touch -d '2026-12-06 12:00:00 UTC' summer.log # read in winter: the file's year
expect 0 "authwatch, TZ=Europe/Berlin, a summer log" -- \
  env TZ=Europe/Berlin "$bin" -q --store "$work/var/t.db" authwatch --dry-run --json summer.log
eq "$(awfirst out.txt)" "brute-force -07-22T08:40:00Z -07-22T08:40:45Z" "summer time (+0200), not today's +0100"
expect 0 "authwatch suspend-list header names its zone" -- isp -o core.timezone=Asia/Tokyo authwatch suspend-list
grep -q '^# ispshield authwatch suspend list, written .* +0900\.$' out.txt && ok || bad "suspend-list header: $(head -1 out.txt)"

finish timezone
