#!/usr/bin/env bash
# The store's unit tests (unit.store, unit.store_notify) run again on a real PostgreSQL
# (Debian's, a private server on 127.0.0.1 started by tests/lib/with_pg.sh): the same
# programs with ISP_TEST_PG set, each test on a freshly migrated database. Includes the
# out-of-order commit of two writers that an id cursor would lose, and the advisory lock
# across connections. Skipped (77) without PostgreSQL; a test skipped on PostgreSQL fails.
# Env: ISPSHIELD (the binary; the unit tests are built in its folder's tests/), SRCDIR.
set -uo pipefail
: "${ISPSHIELD:?set ISPSHIELD to the ispshield binary}" "${SRCDIR:?set SRCDIR to the source tree}"
export UNIT_DIR=$(dirname "$ISPSHIELD")/tests
# shellcheck disable=SC2016 # expanded by the inner shell, once ISP_TEST_PG is set
exec "$SRCDIR/tests/lib/with_pg.sh" bash -c '
  failed=0
  for t in test_store test_store_notify test_store_prune; do
    [ -x "$UNIT_DIR/$t" ] || { echo "FAIL: $UNIT_DIR/$t not built" >&2; failed=1; continue; }
    out=$("$UNIT_DIR/$t" 2>&1) || { failed=1; echo "$out" >&2; }
    grep -E "PASSED|SKIPPED|FAILED" <<<"$out" | sed "s/^/$t on PostgreSQL: /"
    grep -q SKIPPED <<<"$out" && { echo "FAIL: $t skipped a test on PostgreSQL" >&2; failed=1; }
  done
  exit $failed'
