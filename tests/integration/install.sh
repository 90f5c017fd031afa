#!/usr/bin/env bash
# Integration test of `make install` (cmake --install with DESTDIR and a prefix): what
# lands where, the systemd units carry the real paths and pass `systemd-analyze verify`
# and `systemd-analyze security` (every service rated OK, exposure <= 4.9),
# every unit's command exists in the installed binary, the production configuration
# loads, the man pages are installed where `man -M PREFIX/share/man` finds them, and a
# second install keeps the operator's edited configuration.
# Env: ISPSHIELD (the binary, in its build tree), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
build=$(dirname "$bin")

# ---- staged install for a package: DESTDIR + /usr
DESTDIR=$work/stage cmake --install "$build" --prefix /usr >install.log 2>&1
check "install with DESTDIR succeeds" test $? = 0
s=$work/stage
check "binary" test -x "$s/usr/bin/ispshield"
check "production configuration in /etc" test -f "$s/etc/ispshield/ispshield.conf"
check "documented example configuration" test -f "$s/usr/share/doc/ispshield/ispshield.conf.example"
check "README" test -f "$s/usr/share/doc/ispshield/README.md"
check "notice templates" test -f "$s/usr/share/ispshield/notify/cc.ja.txt"
check "sysusers.d" grep -q "^u ispshield" "$s/usr/lib/sysusers.d/ispshield.conf"
# man pages (generated from docs/*.md and etc/ispshield.conf) under share/man, and man
# finds them there: the page of a command, one sharing another's page (.so), the conf page
check "man page ispshield-dns(1)" test -f "$s/usr/share/man/man1/ispshield-dns.1"
check "man page ispshield.conf(5)" test -f "$s/usr/share/man/man5/ispshield.conf.5"
check "command pages in docs/" test -f "$s/usr/share/doc/ispshield/docs/dns.md"
for pg in ispshield-dns ispshield-sessions ispshield ispshield.conf; do
  MANWIDTH=80 man -M "$s/usr/share/man" "$pg" >"man-$pg.txt" 2>"man-$pg.err"
  check "man -M PREFIX/share/man $pg exits 0" test $? = 0
  has "man-$pg.txt" "NAME"
done
has man-ispshield-dns.txt "ispshield-dns - "
has man-ispshield-sessions.txt "ispshield-sessions"
for u in ispshield.service ispshield-dns.service ispshield-proxy.service ispshield-status.service \
  ispshield-notify.service ispshield-notify.timer ispshield-sync.service ispshield-sync.timer; do
  check "unit $u" test -f "$s/usr/lib/systemd/system/$u"
done
check "all-in-one unit runs ispshield run with /etc's configuration" grep -qx \
  "ExecStart=/usr/bin/ispshield -c /etc/ispshield/ispshield.conf run" "$s/usr/lib/systemd/system/ispshield.service"
check "no placeholder left" test -z "$(grep -l '@[A-Z_]*@' "$s"/usr/lib/systemd/system/* "$s"/usr/lib/sysusers.d/*)"
check "the production configuration loads" "$s/usr/bin/ispshield" -c "$s/etc/ispshield/ispshield.conf" config >/dev/null

# ---- every unit's command exists: its ExecStart with --help succeeds
for u in "$s"/usr/lib/systemd/system/*.service; do
  cmd=$(sed -n 's/^ExecStart=//p' "$u" | sed "s#/usr/bin/ispshield#$s/usr/bin/ispshield#; s#/etc/ispshield/#$s/etc/ispshield/#")
  # shellcheck disable=SC2086
  check "$(basename "$u"): '$cmd --help'" eval "$cmd --help >/dev/null"
done

# ---- an upgrade keeps the operator's configuration
echo "; edited by the operator" >>"$s/etc/ispshield/ispshield.conf"
DESTDIR=$work/stage cmake --install "$build" --prefix /usr >install2.log 2>&1
check "second install succeeds" test $? = 0
check "edited configuration kept" grep -q "edited by the operator" "$s/etc/ispshield/ispshield.conf"
check "new sample beside it" test -f "$s/etc/ispshield/ispshield.conf.new"

# ---- the units pass systemd-analyze verify (installed for real under a private prefix,
# so that the binary in ExecStart exists)
cmake --install "$build" --prefix "$work/p/usr" >install3.log 2>&1
check "install to a prefix" test $? = 0
systemd-analyze verify "$work"/p/usr/lib/systemd/system/*.service "$work"/p/usr/lib/systemd/system/*.timer \
  >verify.txt 2>&1
check "systemd-analyze verify exits 0" test $? = 0
if grep -q "$work" verify.txt; then bad "systemd-analyze verify complains"; sed 's/^/  | /' verify.txt >&2; else ok; fi

# ---- hardening (issue 15 item 8): `systemd-analyze security --offline=true` (systemd >= 250
# reads the unit file, no running manager needed) rates every service unit OK or better,
# exposure <= 4.9; the store's files are private (UMask) and the state folder not
# world-readable
for u in "$work"/p/usr/lib/systemd/system/*.service; do
  n=$(basename "$u")
  systemd-analyze security --offline=true "$u" >"sec-$n.txt" 2>&1
  lvl=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "sec-$n.txt")
  if [ -n "$lvl" ] && awk -v l="$lvl" 'BEGIN { exit !(l <= 4.9) }'; then ok "$n exposure $lvl"
  else bad "$n: exposure '$lvl', want <= 4.9"; grep '✗' "sec-$n.txt" | sed 's/^/  | /' >&2; fi
  check "$n: UMask=0077" grep -qx "UMask=0077" "$u"
  check "$n: StateDirectoryMode=0750" grep -qx "StateDirectoryMode=0750" "$u"
  check "$n: no capability beyond binding port 53" test -z "$(sed -n 's/^CapabilityBoundingSet=//p' "$u" | tr ' ' '\n' | grep -vx 'CAP_NET_BIND_SERVICE' | grep .)"
done

finish install
