#!/usr/bin/env bash
# fuzz-grow.sh [SECONDS] [TARGET...] -- grow the committed fuzz corpus instead of spending
# more seconds in every `make test`: each libFuzzer target runs SECONDS (default 120) from
# fuzz/corpus/TARGET, then `-merge=1` adds to fuzz/corpus/TARGET only the new inputs that
# reach coverage the corpus did not (minimised by libFuzzer). Two targets at a time.
# Commit what it adds (`git add fuzz/corpus`); a crash it finds is left as crash-* in
# build-fuzz/fuzz/ and reported. TARGET: a parser name (dnswire, http, ...); default all.
set -uo pipefail
secs=${1:-120}
shift || true
cd "$(dirname "$0")/.."
root=$(pwd)
bf=${BUILD_FUZZ:-build-fuzz}
CC=clang cmake -S . -B "$bf" -DISP_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
	cmake --build "$bf" -j "$(nproc)" >/dev/null || { echo "fuzz-grow: build failed" >&2; exit 1; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi

grow() { # TARGET
	local t=$1 bin="$root/$bf/fuzz/fuzz_$1" corpus="$root/fuzz/corpus/$1" scratch before after
	[ -x "$bin" ] || { echo "$t: no binary $bin"; return 1; }
	mkdir -p "$corpus"
	scratch=$(mktemp -d)
	before=$(ls "$corpus" | wc -l)
	(cd "$root/$bf/fuzz" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=512 \
		"$scratch" "$corpus" >"$scratch.log" 2>&1)
	local rc=$?
	"$bin" -merge=1 "$corpus" "$scratch" >>"$scratch.log" 2>&1
	after=$(ls "$corpus" | wc -l)
	if [ $rc -ne 0 ]; then
		echo "$t: the fuzzer stopped with $rc (a crash?): $(grep -m1 'ERROR\|SUMMARY' "$scratch.log")"
	fi
	printf '%-12s %4d -> %4d inputs (%s s)\n' "$t" "$before" "$after" "$secs"
	rm -rf "$scratch" "$scratch.log"
	return $rc
}
export -f grow
export root bf secs
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'grow "$@"' _ {}
