#!/usr/bin/env bash
# layering.sh SRCDIR -- the include rules of src/ (docs/architecture.md, "Layers"), checked
# on every #include "dir/.../file.h" line:
#   - src/core/ includes only core/ (the library knows no component);
#   - the core is sub-libraries, one folder each (src/core/base, ...), in the order of
#     CORE_ORDER below, bottom first: a sub-library includes only itself and the ones
#     before it (never one above), and every folder of src/core is in CORE_ORDER;
#   - a component (src/dns, src/proxy, ...) includes only core/ and its own folder;
#   - src/cli/ may include any component's public headers, never a *_int.h of another;
#   - nothing includes another folder's *_int.h.
# A violation that is known and has an issue to remove it is listed in KNOWN below with
# its reason; anything else fails, so a new violation cannot land unnoticed. A KNOWN entry
# that no longer occurs fails too (remove it).
set -uo pipefail
src=${1:?usage: layering.sh SRCDIR}/src
# The core's sub-libraries, bottom first (the same order as ISP_CORE_LAYERS in
# CMakeLists.txt, which links each to the ones before it).
CORE_ORDER=(base net store lists sessions events service)
KNOWN=(
)
# layer NAME: the index of core sub-library NAME in CORE_ORDER, or -1.
layer() {
	local i
	for i in "${!CORE_ORDER[@]}"; do
		[ "${CORE_ORDER[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}
found=()
while IFS= read -r -d '' f; do
	rel=${f#"$src"/}
	comp=${rel%%/*}
	sub="" mine=-1
	if [ "$comp" = core ]; then
		sub=${rel#core/}
		sub=${sub%%/*}
		case $rel in core/*/*) mine=$(layer "$sub") ;; esac
		[ "$mine" -ge 0 ] || found+=("$rel -> (none)|a core file outside the sub-libraries of CORE_ORDER")
	fi
	while IFS= read -r inc; do
		dir=${inc%%/*}
		v=""
		if [ "$comp" = core ]; then
			if [ "$dir" != core ]; then
				v="core includes a component"
			elif [ "$mine" -ge 0 ]; then
				isub=${inc#core/}
				isub=${isub%%/*}
				theirs=-1
				case $inc in core/*/*) theirs=$(layer "$isub") ;; esac
				if [ "$theirs" -lt 0 ]; then
					v="a core header outside the sub-libraries"
				elif [ "$theirs" -gt "$mine" ]; then
					v="sub-library $sub includes $isub, which is above it"
				fi
			fi
		elif [ "$comp" = cli ]; then
			case $inc in *_int.h) [ "$dir" = cli ] || v="cli includes a component's internals" ;; esac
		else
			[ "$dir" = core ] || [ "$dir" = "$comp" ] || v="a component includes another component"
		fi
		case $inc in *_int.h) [ "${inc%/*}" = "$(dirname "$rel")" ] || v="another folder's internals" ;; esac
		[ -n "$v" ] && found+=("$rel -> $inc|$v")
	done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([a-z0-9_]*\/[a-z0-9_./]*\)".*/\1/p' "$f")
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
