#!/usr/bin/env bash
# Build the Debian package (debian/: debhelper over the CMake build and cmake --install)
# from a copy of the source tree, so that the tree itself stays clean.
# Usage: scripts/deb.sh OUTDIR      -> OUTDIR/ispshield_VERSION_ARCH.deb (+ .buildinfo,
#                                      .changes); the copy is OUTDIR/src
# Run `dpkg-buildpackage -b -uc -us -nc` again in OUTDIR/src to rebuild without
# recompiling (make deb does not; integration.deb does, for its upgrade).
# Needs debhelper and the build packages (scripts/deps.sh build; lintian to check).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/deb.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src" "$out"/ispshield_* && mkdir "$out/src"
# the files git knows (tracked, or new and not ignored): no build trees, no var/
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$src" ls-files -z --cached --others --exclude-standard |
    tar -C "$src" --null --ignore-failed-read -T - -cf - | tar -xf - -C "$out/src"
else
  tar -C "$src" --exclude='./build*' --exclude=./var -cf - . | tar -xf - -C "$out/src"
fi
cd "$out/src"
dpkg-buildpackage -b -uc -us -j"$(nproc)" >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  echo "scripts/deb.sh: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
  exit 1
}
ls "$out"/ispshield_*.deb
