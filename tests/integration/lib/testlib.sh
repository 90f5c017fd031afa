# testlib.sh -- what the integration tests share. Source it with `src` set to the source
# tree, from the test's work folder:   . "$src/tests/integration/lib/testlib.sh"
# Every check counts one pass or one failure and never stops the test; `finish NAME` at
# the end prints the totals and fails when anything failed.
pass=0 failed=0
ok() { pass=$((pass + 1)); [ $# -eq 0 ] || echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
# check WHAT CMD...: CMD must succeed
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# expect STATUS WHAT -- CMD...: CMD must exit STATUS; its stdout is left in out.txt and
# its stderr in err.txt for the checks that follow
expect() {
  local want=$1 what=$2; shift 3
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want"; cat out.txt err.txt >&2; fi
}
# has FILE TEXT / hasnt FILE TEXT: fixed-string search
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks '$2'"; sed 's/^/  | /' "$1" | head -40 >&2; fi; }
hasnt() { if grep -qF -- "$2" "$1"; then bad "$1 has '$2'"; else ok; fi; }
# eq GOT WANT WHAT
eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }
# a free TCP/UDP port on loopback
freeport() { python3 "$src/scripts/freeport.py"; }
# until_ok CMD...: wait up to 10 s for CMD to succeed
until_ok() { local i; for i in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
finish() { echo "$1: $pass passed, $failed failed"; [ "$failed" -eq 0 ]; }
# unbound_conf PORT: the server: section of a loopback-only Unbound for a test's upstream
# (in the foreground, logging to $work/up.log); the test appends its local-zone and
# local-data lines:   { unbound_conf "$UP"; cat <<U ... U } >up.conf
unbound_conf() {
  printf 'server:\n  interface: 127.0.0.1@%s\n  port: %s\n  do-daemonize: no\n  username: ""\n' "$1" "$1"
  printf '  chroot: ""\n  use-syslog: no\n  logfile: "%s/up.log"\n' "$work"
  printf '  access-control: 127.0.0.0/8 allow\n  num-threads: 1\n'
}
# private_netns OUT_ROOT: go on in a private network namespace with loopback only, where
# this machine can make one (re-executes the test under `unshare -rn` with ISP_NETNS=1 and
# ISP_TEST_OUT=OUT_ROOT); say which it is. Call it before starting anything.
private_netns() {
  if [ -z "${ISP_NETNS:-}" ] && command -v unshare >/dev/null &&
    unshare -rn sh -c 'ip link set lo up' 2>/dev/null; then
    export ISP_TEST_OUT=$1
    exec unshare -rn env ISP_NETNS=1 bash -c 'ip link set lo up && exec bash "$0"' "$0"
  fi
  if [ -n "${ISP_NETNS:-}" ]; then echo "(in a private network namespace: loopback only)"
  else echo "(no private network namespace: relying on Chromium's flags to stay quiet)"; fi
}
