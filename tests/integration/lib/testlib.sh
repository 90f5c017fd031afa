# testlib.sh -- what the integration tests share. Source it with `src` set to the source
# tree, from the test's work folder:   . "$src/tests/integration/lib/testlib.sh"
# Every check counts one pass or one failure and never stops the test; `finish NAME` at
# the end prints the totals and fails when anything failed.
# The source tree: where this file is, three levels up (tests/integration/lib/).
src=${src:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
# begin_test: the prologue every integration test shares, called right after sourcing:
#   set -uo pipefail
#   . "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
#   begin_test
# sets bin (the binary, from ISPSHIELD), work (a fresh folder, the current directory from
# now on) and pids (background processes the test starts: pids+=($!)); on exit the test's
# own on_exit function runs if it defines one, then every process in pids is stopped and
# waited for, then work is removed. The exit status is the test's.
begin_test() {
  bin=${ISPSHIELD:?set ISPSHIELD to the ispshield binary}
  work=$(mktemp -d)
  pids=()
  trap _end_test EXIT
  cd "$work" || exit 1
}
_end_test() {
  local p
  declare -F on_exit >/dev/null && on_exit
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
pass=0 failed=0
ok() { pass=$((pass + 1)); [ $# -eq 0 ] || echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
# die WHAT: a failure after which the test cannot go on: say so and exit 1
die() { echo "FAIL: $*" >&2; exit 1; }
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
# until_ok CMD...: poll CMD (its output discarded) every 0.1 s until it succeeds; give up
# after UNTIL_S seconds (default 30: a bound for a busy machine, not a figure; a test never
# asserts how long the wait took). Every wait for a state goes through this.
until_ok() {
  local end=$((SECONDS + ${UNTIL_S:-30}))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}
# until_eq WANT CMD...: until CMD prints WANT (CMD runs anew each try: never write
# `until_ok test "$(cmd)" ...`, which evaluates cmd once)
until_eq() { local want=$1; shift; until_ok _out_is "$want" "$@"; }
_out_is() { local want=$1; shift; [ "$("$@" 2>/dev/null)" = "$want" ]; }
# until_num OP N CMD...: until CMD prints a number that compares OP (-gt -ge -eq -le -lt)
# with N
until_num() { local op=$1 n=$2; shift 2; until_ok _num_is "$op" "$n" "$@"; }
_num_is() { local op=$1 n=$2 v; shift 2; v=$("$@" 2>/dev/null); [ -n "$v" ] && [ "$v" "$op" "$n" ]; }
# wait_tcp PORT [HOST]: until something accepts a TCP connection there
wait_tcp() { until_ok bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$1"; }
# wait_udp PORT: until a UDP socket on this machine (this namespace) is bound to PORT
wait_udp() { until_ok sh -c "ss -Hlnu 'sport = :$1' | grep -q ."; }
# wait_dns PORT [NAME]: until the DNS server on 127.0.0.1:PORT answers a query for NAME
# (default ". SOA"; name one the server answers without its upstream where that is
# down), whatever the rcode
wait_dns() { until_ok sh -c "dig +tries=1 +time=2 -p $1 @127.0.0.1 ${2:-. SOA} | grep -q 'status:'"; }
# wait_http URL [CURL-ARGS...]: until an HTTP server answers there (any status)
wait_http() { local u=$1; shift; until_ok curl -s -o /dev/null --max-time 2 "$@" "$u"; }
# wait_log FILE TEXT: until FILE holds TEXT (a fixed string)
wait_log() { until_ok grep -qF -- "$2" "$1"; }
# wait_gone PID: until process PID has exited
wait_gone() { until_ok eval "! kill -0 $1"; }
finish() { echo "$1: $pass passed, $failed failed"; [ "$failed" -eq 0 ]; }
# named_conf PORT [LINE...]: the options, controls and logging of a loopback-only BIND 9
# (named) for a test: folder $work/named, log $work/named.log with the transfer, notify
# and rpz categories; each LINE goes inside options { }. The test appends its keys and
# zones:   { named_conf "$NP" 'recursion yes;'; cat <<C ... C } >named.conf
named_conf() {
  local port=$1 o
  shift
  printf 'options {\n\tdirectory "%s/named";\n\tpid-file "%s/named.pid";\n' "$work" "$work"
  printf '\tlisten-on port %s { 127.0.0.1; };\n\tlisten-on-v6 { none; };\n' "$port"
  printf '\tallow-query { 127.0.0.1; };\n\tdnssec-validation no;\n\tnotify no;\n'
  for o in "$@"; do printf '\t%s\n' "$o"; done
  printf '};\ncontrols { };\nlogging {\n'
  printf '\tchannel l { file "%s/named.log"; severity debug 1; print-category yes; };\n' "$work"
  printf '\tcategory %s { l; };\n' default xfer-in xfer-out notify rpz
  printf '};\n'
}
# unbound_conf PORT: the server: section of a loopback-only Unbound for a test's upstream
# (in the foreground, logging to $work/up.log); the test appends its local-zone and
# local-data lines:   { unbound_conf "$UP"; cat <<U ... U } >up.conf
unbound_conf() {
  printf 'server:\n  interface: 127.0.0.1@%s\n  port: %s\n  do-daemonize: no\n  username: ""\n' "$1" "$1"
  printf '  chroot: ""\n  use-syslog: no\n  logfile: "%s/up.log"\n' "$work"
  printf '  access-control: 127.0.0.0/8 allow\n  num-threads: 1\n'
}
# test_cert NAME SAN: a private CA (ca.pem, ca.key; made by the first call) and a server
# certificate NAME.pem / NAME.key it signs for subjectAltName SAN ("IP:127.0.0.1",
# "DNS:a.test,DNS:b.test"), in the current folder; clients trust ca.pem
test_cert() {
  local ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  [ -f ca.pem ] ||
    openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=ispshield-test-ca 2>/dev/null
  openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\n' "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
    -days 2 -extfile "$1.ext" 2>/dev/null
}
# nginx_head: the start of a test's nginx.conf, up to and including "http {" and its
# access log: pid, logs and temporary folders in $work, `user root` when run as root;
# the test appends its server blocks and the closing "}"
nginx_head() {
  [ "$(id -u)" -ne 0 ] || echo "user root;"
  printf 'worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log;\n' "$work" "$work"
  printf 'events { worker_connections 64; }\nhttp {\n  access_log %s/access.log;\n' "$work"
  printf '  client_body_temp_path %s/nb; proxy_temp_path %s/np; fastcgi_temp_path %s/nf;\n' \
    "$work" "$work" "$work"
  printf '  uwsgi_temp_path %s/nu; scgi_temp_path %s/ns;\n' "$work" "$work"
}
# nginx_conf: write $work/nginx.conf: nginx_head, then what comes on stdin (types, server
# blocks), then the closing "}" of the http block:   nginx_conf <<EOF ... EOF
nginx_conf() {
  { nginx_head; cat; echo "}"; } > "$work/nginx.conf"
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
