#!/usr/bin/env bash
# Everything `make test` runs, all through ctest:
#   1. BUILD (gcc, -Werror): unit tests, integration tests with real peers, style checks;
#   2. BUILD-asan (clang, -Werror, ASan+UBSan): unit and integration tests again;
#   3. BUILD-fuzz (clang, libFuzzer): each fuzz target for a short smoke run from its
#      committed corpus (FUZZ_SECONDS each, default 10), two at a time. (The corpus grows
#      through scripts/fuzz-grow.sh, whose minimised new inputs are committed.)
# Stage 1 includes the Debian package test (integration.deb: build the package, lintian,
# apt-get install, upgrade, purge), started first because it compiles everything again;
# stage 2 leaves it out (label package: it builds its own package, nothing to sanitize).
# At the end: the time each stage took, and every test ctest skipped (exit 77: a real
# peer that cannot run here), so that a skip is never mistaken for a pass.
# Exits non-zero if any stage fails.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
jobs=$(nproc)
# ctest runs twice as many tests as there are cores: most integration tests spend their
# time waiting on a peer (a server starting, a transfer, a browser), and the CPU-bound
# ones (clang-tidy, unit tests) fill that time. The tests wait for states, never for
# durations, so a busier machine makes them slower, not red (scripts/flake.sh checks that).
tjobs=$((jobs * 2))
fail=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
stages=()
t_all=$SECONDS

# stage NAME CMD...: run CMD, note how long it took and whether it failed
stage() {
	local name=$1 t=$SECONDS rc
	shift
	echo "== $name"
	"$@"
	rc=$?
	stages+=("$(printf '%-44s %5d s%s' "$name" $((SECONDS - t)) "$([ $rc -eq 0 ] || echo '  FAILED')")")
	[ $rc -eq 0 ] || fail=1
	return $rc
}
# ctest_log LOG ARGS...: ctest with its output also kept in LOG (for the skip summary)
ctest_log() {
	local log=$1
	shift
	ctest "$@" 2>&1 | tee "$logs/$log"
	return "${PIPESTATUS[0]}"
}

stage "build (gcc)" sh -c "cmake -S . -B '$build' -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build '$build' -j '$jobs' >/dev/null"
stage "ctest: unit + integration + style" \
	ctest_log gcc --test-dir "$build" --no-tests=error --output-on-failure -j "$tjobs"

stage "build (clang, ASan+UBSan)" sh -c "CC=clang cmake -S . -B '$build-asan' -DISP_SANITIZE=ON \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null && cmake --build '$build-asan' -j '$jobs' >/dev/null" &&
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		stage "ctest: under ASan+UBSan" \
		ctest_log asan --test-dir "$build-asan" --no-tests=error --output-on-failure -j "$tjobs" -LE package

stage "build (clang, libFuzzer)" sh -c "CC=clang cmake -S . -B '$build-fuzz' -DISP_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=Debug -DFUZZ_SECONDS='${FUZZ_SECONDS:-10}' >/dev/null &&
	cmake --build '$build-fuzz' -j '$jobs' >/dev/null" &&
	stage "ctest: libFuzzer, ${FUZZ_SECONDS:-10} s each, 2 at a time" \
		ctest_log fuzz --test-dir "$build-fuzz" --no-tests=error --output-on-failure -j 2

echo
echo "== stage times"
printf '  %s\n' "${stages[@]}"
printf '  %-44s %5d s\n' "total" $((SECONDS - t_all))
echo "== skipped tests (their real peer cannot run here: not passes)"
skipped=$(for f in gcc asan fuzz; do
	[ -f "$logs/$f" ] || continue
	grep -- '\*\*\*Skipped\|\*\*\*Not Run' "$logs/$f" |
		sed -n "s/.*Test *#[0-9]*: \([^ ]*\) .*/  \1 ($f)/p"
done)
echo "${skipped:-  none}"
[ $fail -eq 0 ] && echo "== make test: all stages passed" || echo "== make test: FAILED (see above)"
exit $fail
