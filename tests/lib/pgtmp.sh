#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests: Debian's postgresql binaries, a private
# cluster in DIR (trust authentication, listening on 127.0.0.1 only, a free port),
# run as the `postgres` user when started by root.
#   tests/lib/pgtmp.sh start DIR   prints the store spec (postgresql://...) on stdout;
#                                  exit 77 when PostgreSQL is not installed
#   tests/lib/pgtmp.sh stop DIR    stops it (fast shutdown); DIR is left for the caller
# pg_ctl starts the server detached and waits until it accepts connections, so no
# background job of the calling shell holds ctest's pipe; callers stop it in their trap.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?DIR}
here=$(cd "$(dirname "$0")/../.." && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || { echo "pgtmp: PostgreSQL not installed" >&2; exit 77; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  port=$(python3 "$here/scripts/freeport.py")
  as_pg "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
  as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
    "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" \
    start >"$dir/pg_ctl.log" 2>&1
  as_pg "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -X -q -c "CREATE DATABASE isp" >/dev/null
  echo "$port" >"$dir/port"
  echo "postgresql://postgres@127.0.0.1:$port/isp"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1
  exit 0
  ;;
esac
