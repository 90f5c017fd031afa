#!/usr/bin/env bash
# layering.sh SRCDIR -- the include rules of src/ (docs/architecture.md, "Layers"), checked
# on every #include "dir/file.h" line:
#   - src/core/ includes only core/ (the library knows no component);
#   - a component (src/dns, src/proxy, ...) includes only core/ and its own folder;
#   - src/cli/ may include any component's public headers, never a *_int.h of another;
#   - nothing includes another folder's *_int.h.
# A violation that is known and has an issue to remove it is listed in KNOWN below with
# its reason; anything else fails, so a new violation cannot land unnoticed. A KNOWN entry
# that no longer occurs fails too (remove it).
set -uo pipefail
src=${1:?usage: layering.sh SRCDIR}/src
KNOWN=(
	# the DNS wire codec moves to core (issue 17); until then the survey's DNS probe uses it
	"survey/dnsprobe.c -> dns/wire.h"
)
found=()
while IFS= read -r -d '' f; do
	rel=${f#"$src"/}
	comp=${rel%%/*}
	while IFS= read -r inc; do
		dir=${inc%%/*}
		v=""
		if [ "$comp" = core ]; then
			[ "$dir" = core ] || v="core includes a component"
		elif [ "$comp" = cli ]; then
			case $inc in *_int.h) [ "$dir" = cli ] || v="cli includes a component's internals" ;; esac
		else
			[ "$dir" = core ] || [ "$dir" = "$comp" ] || v="a component includes another component"
		fi
		case $inc in *_int.h) [ "$dir" = "$comp" ] || v="another folder's internals" ;; esac
		[ -n "$v" ] && found+=("$rel -> $inc|$v")
	done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([a-z0-9_]*\/[a-z0-9_.]*\)".*/\1/p' "$f")
done < <(find "$src" -name '*.[ch]' -print0 | sort -z)

bad=0
for e in "${found[@]}"; do
	v=${e%%|*}
	known=0
	for k in "${KNOWN[@]}"; do [ "$k" = "$v" ] && known=1; done
	if [ $known = 1 ]; then echo "known: $v"; else echo "FAIL: $v (${e#*|})"; bad=1; fi
done
for k in "${KNOWN[@]}"; do
	hit=0
	for e in "${found[@]}"; do [ "${e%%|*}" = "$k" ] && hit=1; done
	[ $hit = 1 ] || { echo "FAIL: '$k' is listed as known but no longer occurs: remove it"; bad=1; }
done
[ $bad = 0 ] && echo "layering: ${#found[@]} known exception(s), no new violation"
exit $bad
