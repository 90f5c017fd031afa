#!/usr/bin/env bash
# retention.sh (store prune: retention, masking to /24 and /56, the consent history) on
# a PostgreSQL store: a real server (tests/lib/with_pg.sh) on 127.0.0.1, migrated with
# `ispshield store migrate`, so the batched deletes and updates run on both back ends.
# Skipped (77) without PostgreSQL. Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
: "${ISPSHIELD:?set ISPSHIELD to the ispshield binary}" "${SRCDIR:?set SRCDIR to the source tree}"
# shellcheck disable=SC2016 # expanded by the inner shell, once ISP_TEST_PG is set
exec "$SRCDIR/tests/lib/with_pg.sh" bash -c '
  "$ISPSHIELD" -q --store "$ISP_TEST_PG" store migrate >/dev/null || { echo "FAIL: store migrate" >&2; exit 1; }
  ISP_TEST_STORE=$ISP_TEST_PG exec bash "$SRCDIR/tests/integration/retention.sh"'
