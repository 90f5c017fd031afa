#!/usr/bin/env bash
# events_repeat.sh (a partner file imported twice: refused as a repeat, --again stores
# each event once, the notice lists it once) on a PostgreSQL store: a real server
# (tests/lib/with_pg.sh) on 127.0.0.1, migrated with `ispshield store migrate`, so the
# unique (source, ip, time, cause) of schema version 4 is checked on both back ends.
# Skipped (77) without PostgreSQL. Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
: "${ISPSHIELD:?set ISPSHIELD to the ispshield binary}" "${SRCDIR:?set SRCDIR to the source tree}"
# shellcheck disable=SC2016 # expanded by the inner shell, once ISP_TEST_PG is set
exec "$SRCDIR/tests/lib/with_pg.sh" bash -c '
  "$ISPSHIELD" -q --store "$ISP_TEST_PG" store migrate >/dev/null || { echo "FAIL: store migrate" >&2; exit 1; }
  ISP_TEST_STORE=$ISP_TEST_PG exec bash "$SRCDIR/tests/integration/events_repeat.sh"'
