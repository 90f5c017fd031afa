#!/usr/bin/env bash
# Integration test of the man pages the build makes (BUILD/man, from docs/*.md and
# etc/ispshield.conf by cmake/manpages.sh): every command `ispshield --help` lists has a
# page that names it (man-db's lexgrog reads its NAME line, so whatis/apropos find it),
# every page renders with `man --warnings=w -l` (all of groff's warnings) without one
# (tables, requests, escapes),
# `man -M BUILD/man ispshield-CMD` finds each one (the .so pages of commands that share a
# page included), and every configuration key the binary knows (`ispshield config`) is
# described in ispshield.conf(5) or named SECTION.KEY in some page.
# Env: ISPSHIELD (the binary, in its build tree), SRCDIR (the source tree).
set -uo pipefail
bin=${ISPSHIELD:?set ISPSHIELD to the ispshield binary}
src=${SRCDIR:?set SRCDIR to the source tree}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
mandir=$(dirname "$bin")/man
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
. "$src/tests/integration/lib/testlib.sh"
command -v man >/dev/null && command -v lexgrog >/dev/null || die "man-db (man, lexgrog) is needed"
[ -d "$mandir/man1" ] || die "no man pages in $mandir (the build's target manpages makes them)"

# ---- the commands the binary lists (two-space indent under "Commands:")
"$bin" --help >help.txt 2>&1
sed -n '/^Commands:/,/^$/p' help.txt | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' >commands.txt
n=$(wc -l <commands.txt)
check "ispshield --help lists commands ($n)" test "$n" -ge 10
while read -r c; do
  p=$mandir/man1/ispshield-$c.1
  if [ ! -f "$p" ]; then bad "command '$c' has no page ispshield-$c.1"; continue; fi
  MANWIDTH=80 man -M "$mandir" "ispshield-$c" >"page-$c.txt" 2>"man-$c.err"
  check "man -M BUILD/man ispshield-$c" test -s "page-$c.txt"
  # the page (or the page a .so points to) names this command on its NAME line
  real=$p
  so=$(sed -n '1s/^\.so //p' "$p")
  [ -z "$so" ] || real=$mandir/$so
  if lexgrog "$real" 2>/dev/null | grep -q "ispshield-$c\b"; then ok "NAME line of $(basename "$real") names ispshield-$c"
  else bad "NAME line of $(basename "$real") does not name ispshield-$c: $(lexgrog "$real" 2>&1)"; fi
done <commands.txt
check "ispshield(1)" test -f "$mandir/man1/ispshield.1"
check "ispshield.conf(5)" test -f "$mandir/man5/ispshield.conf.5"

# ---- every page renders without a warning, and man-db can read its NAME section
for p in "$mandir"/man1/*.1 "$mandir"/man5/*.5; do
  grep -q '^\.so ' "$p" && continue
  b=$(basename "$p")
  MANWIDTH=80 man --warnings=w -l "$p" >"$b.txt" 2>"$b.err"
  if [ -s "$b.err" ]; then bad "$b: man --warnings=w"; sed 's/^/  | /' "$b.err" >&2
  else ok "$b renders without a warning"; fi
  check "$b has text" test "$(wc -l <"$b.txt")" -gt 10
  check "$b: lexgrog reads its NAME" eval "lexgrog \"\$p\" >/dev/null"
done

# ---- every configuration key is documented: described in ispshield.conf(5) under its
# [section], or named SECTION.KEY in some page
"$bin" config >config.txt 2>&1
awk '/^\[[a-z]+\]$/ { s = substr($0, 2, length($0) - 2) }
     /^[a-z0-9-]+ =/ { print s "." $1 }' config.txt | sort -u >keys.txt
nk=$(wc -l <keys.txt)
check "ispshield config prints keys ($nk)" test "$nk" -ge 100
MANWIDTH=250 man -l "$mandir/man5/ispshield.conf.5" 2>/dev/null |
  awk '/^\[[a-z]+\]$/ { s = substr($0, 2, length($0) - 2) }
       /^ +[a-z0-9-]+ = / { print s "." $1 }' >conf-keys.txt
for p in "$mandir"/man1/*.1; do grep -q '^\.so ' "$p" || MANWIDTH=250 man -l "$p" 2>/dev/null; done >all.txt
grep -oE '\b[a-z]+\.[a-z0-9-]+\b' all.txt >named.txt
sort -u conf-keys.txt named.txt >documented.txt
comm -23 keys.txt documented.txt >undocumented.txt
if [ -s undocumented.txt ]; then
  bad "configuration keys in no page: $(tr '\n' ' ' <undocumented.txt)"
else ok "all $nk configuration keys documented"; fi

finish manpages
