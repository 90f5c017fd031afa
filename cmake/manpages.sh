#!/bin/sh
# manpages.sh -- build the man pages from their one source, the Markdown pages under docs/
# and etc/ispshield.conf, so that the web/GitHub docs and `man` cannot drift apart.
# Called by the build (CMakeLists.txt, target manpages); needs go-md2man and awk.
#
# Usage: manpages.sh SRCDIR OUTDIR VERSION
#
# A docs page becomes a man page when its second line is a marker naming its pages:
#     # ispshield dns: blocking C&C lookups
#     <!-- man ispshield-dns(1) -->
# The first name is the page; further names (a page covering several commands) become
# `.so` pages pointing at it. The text after the title's first ": " is the NAME line's
# description. In the page, `## X` becomes section X (upper-cased), `###`/`####` a
# subsection; relative links lose their target (it means nothing in man); a paragraph
# before the first `##` goes under DESCRIPTION. etc/ispshield.conf becomes
# ispshield.conf(5): its header comment, then each [section] with every key, its default
# and its comment.
set -eu
src=$1
out=$2
version=$3
command -v go-md2man >/dev/null || { echo "manpages.sh: go-md2man not found (scripts/deps.sh build)" >&2; exit 1; }
rm -rf "$out.tmp"
mkdir -p "$out.tmp/man1" "$out.tmp/man5"

# Markdown of a docs page -> Markdown as go-md2man wants it (title block, NAME, sections).
md_for_man() { # FILE NAME SECTION ALLNAMES
  awk -v name="$2" -v sec="$3" -v names="$4" -v version="$version" '
    function delink(s,   m, p, t, u) {
      while (match(s, /\[[^]]*\]\([^)]*\)/)) {
        m = substr(s, RSTART, RLENGTH); p = index(m, "](")
        t = substr(m, 2, p - 2); u = substr(m, p + 2, length(m) - p - 2)
        if (u ~ /^https?:/) t = t " <" u ">"
        s = substr(s, 1, RSTART - 1) t substr(s, RSTART + RLENGTH)
      }
      return s
    }
    NR == 1 {
      desc = $0; sub(/^# [^:]*: */, "", desc)
      printf "%% %s %s \"\" \"ispshield %s\" \"ispshield manual\"\n\n# NAME\n%s \\- %s\n\n",
             toupper(name), sec, version, names, desc
      next
    }
    NR == 2 && /^<!-- man / { next }
    /^```/ { fence = !fence; print; next }
    fence { print; next }
    /^## / { insec = 1; print "# " toupper(substr($0, 4)); next }
    /^###+ / { sub(/^#+ /, "## "); print delink($0); next }
    !insec && NF && !desc_done { print "# DESCRIPTION"; desc_done = 1 }
    { print delink($0) }
  ' "$1"
}

# go-md2man writes tables as plain tbl rows that do not wrap; make every cell a text
# block (T{ ... T}), left-aligned (a narrow column cannot be justified), a column whose
# cells are all short as wide as its longest cell and the others sharing the rest (x), so
# a long cell wraps instead of overflowing. A text line that starts with ' would be read
# as a request: escape it.
fix_roff() {
  awk '
    function plain(t) { gsub(/\\f[BIRP]|\\fC|\\&|\\/, "", t); return t }
    # a row may span lines (T{ ... T}); go-md2man puts the cells after a T} on the next
    # line, where tbl would start a new row: join them
    function addrow(   n, c, i, l) {
      rows[++nrows] = row; n = split(row, c, "\t"); row = ""; pend = 0
      for (i = 1; i <= n; i++) {
        sub(/^T{\n/, "", c[i]); sub(/\nT}$/, "", c[i])
        l = length(plain(c[i])); if (l > w[i]) w[i] = l
      }
      if (n > ncol) ncol = n
    }
    function flush(   r, n, c, i, s, f) {
      if (pend) addrow()
      f = ""
      for (i = 1; i <= ncol; i++) f = f (i > 1 ? " " : "") (w[i] <= 24 ? "lw(" w[i] + 1 "n)" : "lx")
      print head; print f " ."
      for (r = 1; r <= nrows; r++) {
        n = split(rows[r], c, "\t"); s = ""
        for (i = 1; i <= n; i++)
          s = s (i > 1 ? "\t" : "") (c[i] ~ /^T{\n/ ? c[i] : "T{\n" c[i] "\nT}")
        print s
      }
      nrows = 0; ncol = 0; split("", w); split("", rows)
    }
    /^\.TS$/ { ts = 1; fmt = 1; print ".na"; print; next }
    /^\.TE$/ { flush(); ts = 0; print; print ".ad"; next }
    /^'"'"'/ && !/^'"'"'\\"/ { $0 = "\\&" $0 }
    ts && fmt && /;$/ { head = $0; next }
    ts && fmt { if ($0 ~ /\.$/) fmt = 0; next }
    ts { if (pend && $0 ~ /^\t/) row = row $0
         else { if (pend) addrow(); row = (row == "" ? $0 : row "\n" $0) }
         pend = 0
         if ($0 ~ /^T}/) tb = 0
         if ($0 ~ /T{$/) tb = 1
         if (tb) next
         if ($0 ~ /^T}$/ || $0 ~ /\tT}$/) { pend = 1; next }
         addrow(); next }
    { print }
  '
}

found=0
for f in "$src"/docs/*.md; do
  marker=$(sed -n '2{/^<!-- man /p}' "$f")
  [ -n "$marker" ] || continue
  found=$((found + 1))
  # shellcheck disable=SC2086
  set -- $(echo "$marker" | sed 's/^<!-- man //; s/ *-->$//; s/(\([0-9]\))/ \1/g')
  page=$1 sec=$2
  all=$(echo "$marker" | sed 's/^<!-- man //; s/ *-->$//; s/([0-9])//g; s/ /, /g')
  md_for_man "$f" "$page" "$sec" "$all" >"$out.tmp/$page.md"
  go-md2man -in "$out.tmp/$page.md" -out "$out.tmp/$page.raw"
  fix_roff <"$out.tmp/$page.raw" >"$out.tmp/man$sec/$page.$sec"
  rm -f "$out.tmp/$page.md" "$out.tmp/$page.raw"
  shift 2
  while [ $# -ge 2 ]; do
    echo ".so man$sec/$page.$sec" >"$out.tmp/man$2/$1.$2"
    shift 2
  done
done
[ "$found" -gt 0 ] || { echo "manpages.sh: no page with a '<!-- man' marker in $src/docs" >&2; exit 1; }

# ispshield.conf(5) from etc/ispshield.conf: comments are text, `key = value` an entry.
awk -v version="$version" '
  function esc(s) { gsub(/[\\*_<>\[\]]/, "\\\\&", s); return s }
  function flush() {
    if (ncode) { print "```"; for (i = 1; i <= ncode; i++) print code[i]; print "```\n"; ncode = 0 }
  }
  BEGIN {
    printf "%% ISPSHIELD.CONF 5 \"\" \"ispshield %s\" \"ispshield manual\"\n\n", version
    print "# NAME\nispshield.conf \\- the ispshield configuration file\n\n# DESCRIPTION"
  }
  /^\[/ { flush(); print "\n# " $0 "\n"; next }
  /^;/ { t = $0; sub(/^; ?/, "", t)
         if (t ~ /^  /) { code[++ncode] = t; next }
         flush(); print (t == "" ? "" : esc(t)); next }
  /^[a-z0-9-]+ *=/ { flush(); k = $0; sub(/ *=.*/, "", k); v = $0; sub(/^[^=]*= */, "", v)
                     print "\n**" k "** = " (v == "" ? "(empty)" : "`" v "`") "\n"; next }
  /^$/ { flush(); print ""; next }
  END { flush()
        print "# SEE ALSO\nispshield(1); every key with its default: `ispshield config`." }
' "$src/etc/ispshield.conf" >"$out.tmp/ispshield.conf.md"
go-md2man -in "$out.tmp/ispshield.conf.md" -out "$out.tmp/ispshield.conf.raw"
fix_roff <"$out.tmp/ispshield.conf.raw" >"$out.tmp/man5/ispshield.conf.5"
rm -f "$out.tmp/ispshield.conf.md" "$out.tmp/ispshield.conf.raw"

rm -rf "$out"
mv "$out.tmp" "$out"
