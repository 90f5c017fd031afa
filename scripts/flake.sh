#!/usr/bin/env bash
# flake.sh N [BUILD] [CTEST-REGEX] -- run the integration tests N times while stress-ng
# keeps every core busy, and print each test's pass count. A test that passes only on a
# quiet machine will one day keep good work from landing; this is how to find it first.
#   N            rounds (default 5)
#   BUILD        build tree (default build; build-asan runs the sanitizer build)
#   CTEST-REGEX  only the tests matching it (default: every integration test)
# The hog is `stress-ng --cpu NPROC` (one busy worker per core, the same number as ctest's
# -j), stopped on exit. Logs of failed rounds stay in BUILD/flake/. Exit 0 only when every
# test passed every round (a skip counts as neither).
set -uo pipefail
n=${1:-5}
build=${2:-build}
regex=${3:-^integration\.}
cd "$(dirname "$0")/.."
case $n in '' | *[!0-9]*) echo "usage: scripts/flake.sh [N] [BUILD] [CTEST-REGEX]" >&2; exit 2 ;; esac
[ -d "$build" ] || { echo "flake.sh: no build tree $build (make build first)" >&2; exit 2; }
command -v stress-ng >/dev/null || { echo "flake.sh: stress-ng missing (scripts/deps.sh test installs it)" >&2; exit 2; }
jobs=$(nproc)
out=$build/flake
rm -rf "$out" && mkdir -p "$out"

stress-ng --cpu "$jobs" --cpu-method all --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null' EXIT

declare -A passes fails skips
t0=$SECONDS
for r in $(seq 1 "$n"); do
	log=$out/round-$r.log
	ctest --test-dir "$build" -R "$regex" --output-on-failure -j "$jobs" >"$log" 2>&1
	while read -r name result; do
		case $result in
		Passed) passes[$name]=$((${passes[$name]:-0} + 1)) ;;
		Skipped) skips[$name]=$((${skips[$name]:-0} + 1)) ;;
		*) fails[$name]=$((${fails[$name]:-0} + 1)) ;;
		esac
		passes[$name]=${passes[$name]:-0}
	done < <(sed -n 's/.*Test *#[0-9]*: \([^ ]*\) \.*[ *]*\(Passed\|Failed\|Skipped\|Timeout\|Not Run\|Exception\).*/\1 \2/p' "$log" |
		sed 's/Not Run/NotRun/')
	echo "round $r/$n done ($((SECONDS - t0)) s)" >&2
done

bad=0
printf '%-40s %s\n' "test (under stress-ng --cpu $jobs)" "passed"
for name in $(printf '%s\n' "${!passes[@]}" | sort); do
	note=""
	[ -n "${skips[$name]:-}" ] && note=" (skipped ${skips[$name]})"
	printf '%-40s %d/%d%s\n' "$name" "${passes[$name]}" "$n" "$note"
	[ -n "${fails[$name]:-}" ] && bad=1
done
[ ${#passes[@]} -gt 0 ] || { echo "flake.sh: no test matched $regex" >&2; exit 2; }
[ $bad -eq 0 ] && echo "flake.sh: every test passed every round" || echo "flake.sh: some tests failed: logs in $out/"
exit $bad
