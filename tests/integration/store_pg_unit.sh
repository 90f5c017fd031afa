#!/usr/bin/env bash
# The store's unit tests (unit.store, unit.store_notify) run again on a real PostgreSQL
# (Debian's, a private server on 127.0.0.1 started by tests/lib/pgtmp.sh): the same
# programs with ISP_TEST_PG set, each test on a freshly migrated database. Includes the
# out-of-order commit of two writers that an id cursor would lose, and the advisory lock
# across connections. Skipped (77) without PostgreSQL.
# Env: ISPSHIELD (the binary; the unit tests are built in its folder's tests/), SRCDIR.
set -uo pipefail
bin=${ISPSHIELD:?set ISPSHIELD to the ispshield binary}
src=${SRCDIR:?set SRCDIR to the source tree}
tests=$(dirname "$bin")/tests
pgdir=$(mktemp -d)
chmod 755 "$pgdir"
cleanup() {
  "$src/tests/lib/pgtmp.sh" stop "$pgdir/pg"
  rm -rf "$pgdir"
}
trap cleanup EXIT
url=$("$src/tests/lib/pgtmp.sh" start "$pgdir/pg")
rc=$?
[ $rc -eq 77 ] && { echo "store_pg_unit: PostgreSQL not installed: skipped"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: PostgreSQL did not start" >&2; cat "$pgdir"/pg/*.log >&2; exit 1; }
failed=0
for t in test_store test_store_notify; do
  [ -x "$tests/$t" ] || { echo "FAIL: $tests/$t not built" >&2; failed=1; continue; }
  ISP_TEST_PG=$url "$tests/$t" >"$pgdir/$t.out" 2>&1 || { failed=1; cat "$pgdir/$t.out" >&2; }
  grep -E 'PASSED|SKIPPED|FAILED' "$pgdir/$t.out" | sed "s/^/$t on PostgreSQL: /"
  grep -q SKIPPED "$pgdir/$t.out" && { echo "FAIL: $t skipped a test on PostgreSQL" >&2; failed=1; }
done
exit $failed
