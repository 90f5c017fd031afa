#!/usr/bin/env bash
# The whole notify integration test (notify.sh: sessions, subscribers, partner lists,
# block events of a real `ispshield dns`, SMTP and Maildir delivery, kill -9, the relay)
# run again on a PostgreSQL store: a real server (Debian's postgresql, tests/lib/pgtmp.sh)
# on 127.0.0.1, migrated with `ispshield store migrate`. Skipped (77) without PostgreSQL.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
bin=${ISPSHIELD:?set ISPSHIELD to the ispshield binary}
src=${SRCDIR:?set SRCDIR to the source tree}
pgdir=$(mktemp -d)
chmod 755 "$pgdir"
cleanup() {
  "$src/tests/lib/pgtmp.sh" stop "$pgdir/pg"
  rm -rf "$pgdir"
}
trap cleanup EXIT
url=$("$src/tests/lib/pgtmp.sh" start "$pgdir/pg")
rc=$?
[ $rc -eq 77 ] && { echo "notify_pg: PostgreSQL not installed: skipped"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: PostgreSQL did not start" >&2; cat "$pgdir"/pg/*.log >&2; exit 1; }
"$bin" -q --store "$url" store migrate >/dev/null || { echo "FAIL: store migrate" >&2; exit 1; }
ISP_TEST_STORE=$url bash "$src/tests/integration/notify.sh"
