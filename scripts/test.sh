#!/usr/bin/env bash
# Everything `make test` runs, all through ctest:
#   1. BUILD (gcc, -Werror): unit tests and integration tests with real peers;
#   2. BUILD-asan (clang, -Werror, ASan+UBSan): unit and integration tests again;
#   3. BUILD-fuzz (clang, libFuzzer): each fuzz target for a short smoke run from its
#      seed corpus (FUZZ_SECONDS each, default 20).
# Exits non-zero if any stage fails.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
jobs=$(nproc)
fail=0

echo "== ctest: unit + integration ($build)"
ctest --test-dir "$build" --no-tests=error --output-on-failure -j "$jobs" || fail=1

echo "== ctest: unit + integration under ASan+UBSan (clang)"
CC=clang cmake -S . -B "$build-asan" -DISP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
  cmake --build "$build-asan" -j "$jobs" >/dev/null &&
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$build-asan" --no-tests=error --output-on-failure -j "$jobs" || fail=1

echo "== ctest: libFuzzer smoke runs (${FUZZ_SECONDS:-20}s each)"
CC=clang cmake -S . -B "$build-fuzz" -DISP_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DFUZZ_SECONDS="${FUZZ_SECONDS:-20}" >/dev/null &&
  cmake --build "$build-fuzz" -j "$jobs" >/dev/null &&
  ctest --test-dir "$build-fuzz" --no-tests=error --output-on-failure || fail=1

exit $fail
