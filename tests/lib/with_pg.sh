#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server (tests/lib/pgtmp.sh: private cluster,
# 127.0.0.1, trust auth) whose URI is in ISP_TEST_PG; the server is stopped and removed
# afterwards whatever the command does. Exit: the command's status; 77 (skipped) when
# PostgreSQL is not installed; 1 when it does not start.
#   tests/lib/with_pg.sh COMMAND [ARGS...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pgdir=$(mktemp -d)
chmod 755 "$pgdir"
trap '"$here/pgtmp.sh" stop "$pgdir/pg"; rm -rf "$pgdir"' EXIT
url=$("$here/pgtmp.sh" start "$pgdir/pg")
rc=$?
[ $rc -eq 77 ] && { echo "PostgreSQL not installed: skipped"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: PostgreSQL did not start" >&2; cat "$pgdir"/pg/*.log >&2; exit 1; }
ISP_TEST_PG=$url "$@"
