#!/usr/bin/env bash
# Integration test of `ispshield lists import` on a URLhaus CSV dump whose url field is
# not always a URL (issue 16): free text, a defanged "hxxp://evil[.]example", a host with
# a space, a five-number "IPv4" and markup must each be rejected as FILE:LINE with a
# reason naming the host, while the good rows around them (an IPv4 with port, an IPv6
# literal, an underscore name, an A-label, "localhost") are imported and matched by
# `lists check`. Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
isp() { "$bin" --store "$work/var/t.db" "$@"; }
f=$src/tests/data/lists/urlhaus-freetext.csv
n=$(basename "$f")

expect 3 "import urlhaus with free-text url fields" -- isp lists import --list urls --kind url "$f"
has err.txt "format urlhaus"
has err.txt "6 accepted"; has err.txt "5 rejected"
for line in 11 13 14 16 20; do has err.txt "$n:$line:"; done
for line in 10 12 15 17 18 19; do hasnt err.txt "$n:$line:"; done
has err.txt "not a host name or IP address"
grep -F "$n:16:" err.txt | grep -qF '"10.0.0.1.2"' && ok || bad "line 16 names its host"
grep -F "$n:14:" err.txt | grep -qF '"files.example%20com"' && ok || bad "line 14 names its host"
hasnt err.txt "$n:9:"
# nothing of the rejected rows reached the list
expect 0 "export" -- isp lists export --list urls --format domains
hasnt out.txt "not%20a"; hasnt out.txt "evil-drop"; hasnt out.txt "example%20com"
hasnt out.txt "%3C"; hasnt out.txt "10.0.0.1.2"
has out.txt "http://198.51.100.69:49163/Mozi.m"
has out.txt "http://[2001:db8::7]:8080/bins/mips"
has out.txt "http://bad_host-1.duckdns.example/gate.php"
has out.txt "http://localhost/bins/x86"
eq "$(wc -l < out.txt | tr -d ' ')" 6 "exported entries"
expect 0 "compile" -- isp lists compile
expect 0 "check a good row" -- isp lists check "https://cdn-update.example/dl/setup.exe"
has out.txt "urls"
finish lists_urlhost
