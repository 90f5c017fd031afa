#!/usr/bin/env bash
# The whole notify integration test (notify.sh: sessions, subscribers, partner lists,
# block events of a real `ispshield dns`, SMTP and Maildir delivery, kill -9, the relay)
# run again on a PostgreSQL store: a real server (Debian's postgresql, tests/lib/with_pg.sh)
# on 127.0.0.1, migrated with `ispshield store migrate`. Skipped (77) without PostgreSQL.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
: "${ISPSHIELD:?set ISPSHIELD to the ispshield binary}" "${SRCDIR:?set SRCDIR to the source tree}"
# shellcheck disable=SC2016 # expanded by the inner shell, once ISP_TEST_PG is set
exec "$SRCDIR/tests/lib/with_pg.sh" bash -c '
  "$ISPSHIELD" -q --store "$ISP_TEST_PG" store migrate >/dev/null || { echo "FAIL: store migrate" >&2; exit 1; }
  ISP_TEST_STORE=$ISP_TEST_PG exec bash "$SRCDIR/tests/integration/notify.sh"'
