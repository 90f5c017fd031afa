#!/usr/bin/env bash
# Integration test of the Debian package (make deb, debian/): scripts/deb.sh builds it
# from a copy of the source tree with debhelper; lintian finds no error; `apt-get install
# ./ispshield_*.deb` installs it on this machine (as root, only where ispshield is not
# installed already); the binary, man pages, templates, units and user are there, nothing
# is enabled or started, the configuration is a conffile the services' group can read,
# the units pass systemd-analyze verify; an upgrade to a rebuilt package whose
# configuration changed keeps the operator's edit (the new one beside it as .dpkg-dist);
# purge removes /etc/ispshield and /var/lib/ispshield and keeps the user (Debian policy).
# Slow: building the package compiles the project once more.
# Env: ISPSHIELD (unused but for begin_test), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skip: installs a package into this system, needs root"; exit 77; }
pkgstate() { dpkg-query -W -f='${db:Status-Status}' ispshield 2>/dev/null; }
st=$(pkgstate)
if [ -n "$st" ] && [ "$st" != not-installed ]; then
  echo "skip: ispshield is $st on this machine already; the test would replace it"
  exit 77
fi
for t in dpkg-buildpackage dh lintian apt-get systemd-analyze; do
  command -v "$t" >/dev/null || { echo "skip: $t missing (scripts/deps.sh test)"; exit 77; }
done
begin_test
installed=0
on_exit() { [ "$installed" = 1 ] && apt-get purge -y -qq ispshield >/dev/null 2>&1; }
export DEBIAN_FRONTEND=noninteractive
apt() { apt-get -y -qq -o DPkg::Lock::Timeout=120 "$@"; }
# step WHAT LOG CMD...: CMD must succeed; its output goes to LOG, shown when it fails
step() {
  local what=$1 log=$2; shift 2
  if "$@" >"$log" 2>&1; then ok "$what"; else bad "$what"; tail -30 "$log" >&2; fi
}

# ---- build, lintian (no -dbgsym package: nothing here reads it)
export DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}"
t0=$SECONDS
"$SRCDIR/scripts/deb.sh" "$work/deb" >build.txt 2>&1 || { cat build.txt >&2; die "scripts/deb.sh"; }
v1=$(dpkg-parsechangelog -l "$SRCDIR/debian/changelog" -S Version)
deb1=$(ls "$work"/deb/ispshield_"$v1"_*.deb) || die "no ispshield_${v1}_*.deb"
echo "(package built in $((SECONDS - t0)) s)"
lintian --fail-on error "$deb1" >lintian.txt 2>&1
check "lintian: no error" test $? = 0
if grep '^E:' lintian.txt; then bad "lintian errors"; fi
grep '^W:' lintian.txt | sed 's/^/  lintian | /'

# ---- install
installed=1
step "apt-get install ./ispshield_${v1}_*.deb" install.log apt install "$deb1"
ver=$(/usr/bin/ispshield --version 2>&1)
check "ispshield --version says $v1 ($ver)" grep -q "${v1%%-*}" <<<"$ver"
check "the ispshield user" eval "getent passwd ispshield >/dev/null"
eq "$(stat -c '%U:%G %a' /var/lib/ispshield 2>&1)" "ispshield:ispshield 750" "state folder"
eq "$(stat -c '%U:%G %a' /etc/ispshield/ispshield.conf 2>&1)" "root:ispshield 640" "configuration"
check "configuration is a conffile" grep -q ' /etc/ispshield/ispshield.conf ' \
  <<<"$(dpkg-query -W -f='${Conffiles}\n' ispshield)"
check "the services' user reads it" eval "runuser -u ispshield -- /usr/bin/ispshield -c /etc/ispshield/ispshield.conf config >/dev/null"
check "man page" test -f /usr/share/man/man1/ispshield-dns.1.gz
check "man -w finds it" eval "man -w ispshield.conf >/dev/null"
check "notice templates" test -f /usr/share/ispshield/notify/cc.ja.txt
check "sysusers.d" test -f /usr/lib/sysusers.d/ispshield.conf
units=(/lib/systemd/system/ispshield*.service /lib/systemd/system/ispshield*.timer)
shipped=("$SRCDIR"/etc/systemd/*.service "$SRCDIR"/etc/systemd/*.timer)
eq "${#units[@]}" "${#shipped[@]}" "every unit of etc/systemd installed"
check "nothing enabled" test -z "$(find /etc/systemd/system -name 'ispshield*' 2>/dev/null)"
running=$(for e in /proc/[0-9]*/exe; do readlink "$e" 2>/dev/null; done | grep -cx /usr/bin/ispshield)
eq "$running" 0 "nothing started"
systemd-analyze verify "${units[@]}" >verify.txt 2>&1
check "systemd-analyze verify exits 0" test $? = 0
if grep -q ispshield verify.txt; then bad "systemd-analyze verify complains"; sed 's/^/  | /' verify.txt >&2; else ok; fi

# ---- upgrade to a rebuilt package whose configuration changed; the edit stays
echo "; edited by the operator" >>/etc/ispshield/ispshield.conf
cd "$work/deb/src" || die "no deb/src"
v2="$v1+test1"
{ printf 'ispshield (%s) unstable; urgency=medium\n\n  * Test upgrade.\n\n' "$v2"
  printf ' -- Test <test@ispshield.invalid>  %s\n\n' "$(date -R)"; cat debian/changelog; } >cl.new
mv cl.new debian/changelog
echo "; changed in $v2" >>etc/ispshield-production.conf
t0=$SECONDS
step "rebuild (dpkg-buildpackage -nc)" "$work/build2.txt" dpkg-buildpackage -b -uc -us -nc
echo "(rebuilt in $((SECONDS - t0)) s)"
cd "$work" || exit 1
step "upgrade with apt-get" upgrade.log apt install -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold "$work"/deb/ispshield_"$v2"_*.deb
eq "$(dpkg-query -W -f='${Version}' ispshield)" "$v2" "installed version"
check "operator's edit kept" grep -q "edited by the operator" /etc/ispshield/ispshield.conf
check "new configuration beside it" grep -q "changed in $v2" /etc/ispshield/ispshield.conf.dpkg-dist
eq "$(stat -c '%U:%G %a' /etc/ispshield/ispshield.conf 2>&1)" "root:ispshield 640" "configuration after upgrade"

# ---- purge
echo x >/var/lib/ispshield/ispshield.db
step "apt-get purge" purge.log apt purge ispshield
installed=0
st=$(pkgstate)
eq "${st:-not-installed}" not-installed "package state after purge"
check "/etc/ispshield gone" test ! -e /etc/ispshield
check "/var/lib/ispshield gone" test ! -e /var/lib/ispshield
check "/usr/bin/ispshield gone" test ! -e /usr/bin/ispshield
check "the user stays (Debian policy: system users are not removed)" eval "getent passwd ispshield >/dev/null"
finish deb
