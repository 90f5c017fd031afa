#!/usr/bin/env bash
# Integration test of `ispshield run`, the all-in-one service, through the real binary:
# it starts dns, proxy, the notify loop and store prune (run.prune-delay after the start)
# from one configuration file; a dig and a curl
# from 127.0.0.1 (subscriber "demo") are blocked and become a notice in a Maildir; a
# service killed with SIGKILL is started again; SIGHUP with a changed [dns] section
# restarts only the DNS service (and its new block action answers), SIGHUP with a broken
# file keeps the old configuration serving; SIGTERM stops everything with status 0;
# SIGKILL of the supervisor takes the services with it; a configuration a service refuses
# on its first start stops everything with status 2.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
sup=""
on_exit() {
  [ -n "$sup" ] && kill "$sup" 2>/dev/null
  wait 2>/dev/null
  pkill -f "$work/" 2>/dev/null
}
isp() { "$bin" -q -c "$work/run.conf" "$@"; }
children() { pgrep -f -- "-c $work/var/ispshield-run.conf $1" || true; }
status_of() { dig +time=1 +tries=1 @127.0.0.1 -p "$DNS" "$1" 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }

DNS=$(freeport); PX=$(freeport)
write_conf() { # write_conf BLOCK-ACTION
  cat >run.conf <<EOF
[core]
store = $work/var/isp.db
[dns]
listen = 127.0.0.1:$DNS
upstream = 127.0.0.1:9
subscribers = 127.0.0.0/8
block-action = $1
walled-garden-a = 192.0.2.80
[proxy]
listen = 127.0.0.1:$PX
subscribers = 127.0.0.0/8
[notify]
maildir = $work/maildir
dedup-window = 0
[run]
services = dns, proxy, notify, prune
notify-interval = 1
prune-delay = 1
stop-timeout = 5
EOF
}
write_conf nxdomain
printf 'c2-blocked.example\n' >c2.txt
printf 'http://malware.example/bad.exe\n' >urls.txt
printf 'id,email,language\ndemo,demo@subscriber.example,en\n' >subs.csv
printf '"Acct-Status-Type","Acct-Session-Id","User-Name","Framed-IP-Address","NAS-IP-Address","Event-Timestamp"\n"Start","lo-1","demo","127.0.0.1","192.0.2.1","%s"\n' \
  "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" >sess.csv
isp lists import --list c2 --kind domain c2.txt &&
  isp lists import --list urls --kind url urls.txt &&
  isp lists compile && isp subscribers import subs.csv && isp sessions import sess.csv ||
  bad "setup"

# ---- help and bad configuration
check "run --help" "$bin" run --help >/dev/null
"$bin" -c run.conf -o run.services=dns,bogus run >out.txt 2>&1
check "unknown service: exit 2" test $? = 2
check "unknown service named" grep -q "unknown service 'bogus'" out.txt
"$bin" -c run.conf -o dns.listen=not-an-address run >out.txt 2>&1
check "a service refusing its configuration: exit 2" test $? = 2
check "... and says so" grep -q "dns refused its configuration" out.txt
check "... leaving no service behind" test -z "$(children proxy)"

# ---- start
"$bin" -c run.conf run >run.log 2>&1 &
sup=$!
check "dns answers" until_ok dig +time=1 +tries=1 @127.0.0.1 -p "$DNS" c2-blocked.example
check "listed name: NXDOMAIN" test "$(status_of c2-blocked.example)" = NXDOMAIN
check "proxy answers" until_ok curl -s -m 2 -o /dev/null -x "127.0.0.1:$PX" http://malware.example/bad.exe
code=$(curl -s -m 30 -o page.html -w '%{http_code}' -x "127.0.0.1:$PX" http://malware.example/bad.exe)
check "listed URL: warning page (403)" test "$code" = 403
check "warning page: the generic list description, not the internal name" sh -c "grep -q 'a threat list the ISP uses' page.html && ! grep -q urls page.html"
check "store prune runs, prune-delay after the start" wait_log run.log "block_events: 0 deleted"
check "... as announced" grep -q "store prune runs every 86400 s, first in 1 s" run.log
check "printed the DNS address" grep -q "dns (pid [0-9]*) answers on 127.0.0.1:$DNS" run.log
check "notify loop delivers a notice" until_ok sh -c "ls $work/maildir/new/* 2>/dev/null | grep -q ."
n1=$(cat maildir/new/* 2>/dev/null | grep -c "^To: <demo@subscriber.example>")
check "the notice is demo's" test "$n1" -ge 1
body() { python3 -c 'import email,sys
for f in sys.argv[1:]:
    print(email.message_from_binary_file(open(f,"rb")).get_payload(decode=True).decode())' maildir/new/*; }
check "the notice names the blocked name" sh -c "$(declare -f body); body | grep -q c2-blocked.example"

# ---- a killed service is started again
old=$(children dns)
kill -9 $old
check "dns started again after SIGKILL" until_ok sh -c "pgrep -f -- '-c $work/var/ispshield-run.conf dns' | grep -vx '$old'"
check "... and answers" until_ok dig +time=1 +tries=1 @127.0.0.1 -p "$DNS" c2-blocked.example
check "restart logged" grep -q "dns exited (signal 9)" run.log

# ---- SIGHUP: a changed [dns] section restarts dns only; proxy keeps its pid
dns_pid=$(children dns); px_pid=$(children proxy)
write_conf walled-garden
kill -HUP $sup
check "new block action answers (walled garden A)" until_ok sh -c \
  "dig +short +time=1 +tries=1 @127.0.0.1 -p $DNS c2-blocked.example | grep -qx 192.0.2.80"
check "dns was restarted" test "$(children dns)" != "$dns_pid"
check "proxy was not" test "$(children proxy)" = "$px_pid"
check "reload logged" grep -q "dns: its configuration changed; restarting it" run.log

# ---- SIGHUP with a broken file: the old configuration keeps serving
echo "[dns]
no-such-key = 1" >>run.conf
dns_pid=$(children dns)
kill -HUP $sup
check "bad reload logged" until_ok grep -q "configuration not reloaded" run.log
check "... naming the key" grep -q "no-such-key" run.log
check "dns keeps serving" test "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$DNS" c2-blocked.example)" = 192.0.2.80
check "... the eq process" test "$(children dns)" = "$dns_pid"

# ---- SIGTERM stops everything, status 0
kill -TERM $sup
wait $sup
check "SIGTERM: exit 0" test $? = 0
sup=""
check "no service left" test -z "$(children dns)$(children proxy)"
check "stop logged" grep -q " run: stopped" run.log

# ---- SIGKILL of the supervisor takes the services with it
write_conf nxdomain
"$bin" -c run.conf run >run2.log 2>&1 &
sup=$!
check "second start answers" until_ok dig +time=1 +tries=1 @127.0.0.1 -p "$DNS" c2-blocked.example
{ kill -9 $sup; wait $sup; } 2>/dev/null
sup=""
none_left() { test -z "$(children dns)$(children proxy)"; }
check "services die with the supervisor" until_ok none_left

finish run
