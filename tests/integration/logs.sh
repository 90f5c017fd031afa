#!/usr/bin/env bash
# logs.sh -- the services' log lines in each core.log format (issue 25), through a real
# `ispshield dns` answering dig: stderr (time severity component: message), json (parsed
# line by line), syslog (RFC 5424 datagrams, checked by a parser, to a socket the test
# listens on), journald-json (the journal's native fields, same way, and into a real
# systemd-journald read back with `journalctl -o json` where one can run); core.log-blocks
# each and summary; an unreachable log socket falls back to stderr.
set -uo pipefail
# As root, the test runs in a private mount namespace of its own, so that the real journald
# below writes to tmpfs mounted there and the machine's journal is never touched.
if [ -z "${LOGS_MNTNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	LOGS_MNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
pids=()
on_exit() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
command -v dig >/dev/null || { echo "missing dig (scripts/deps.sh installs it)" >&2; exit 1; }
store=$work/var/t.db
printf '*.cc.example\n' >c2.txt
"$bin" -q --store "$store" lists import --list c2 --kind domain c2.txt || bad "import"
"$bin" -q --store "$store" lists compile || bad "compile"

# dnsrun NAME OPTS...: a DNS service with OPTS; blocks two names from 127.0.0.9, stops it
# (SIGTERM) and waits for its exit; its stderr in NAME.err
dnsrun() {
	local name=$1 port up met pid
	shift
	port=$(freeport); up=$(freeport); met=$(freeport)
	"$bin" --store "$store" -o dns.metrics="127.0.0.1:$met" "$@" dns --listen "127.0.0.1:$port" \
		--upstream "127.0.0.1:$up" --subscribers 127.0.0.0/8 2>"$name.err" &
	pid=$!
	pids+=($pid)
	q() { dig +time=1 +tries=1 -b 127.0.0.9 @127.0.0.1 -p "$port" "$1" 2>/dev/null | grep -q NXDOMAIN; }
	until_ok q probe.cc.example || bad "$name: dns did not answer"
	q bot.cc.example || bad "$name: not blocked"
	kill -TERM "$pid"
	wait "$pid"
	eq "$?" "0" "$name: exits 0 on SIGTERM"
	echo "$met" >"$name.met"
}

# --- json: every line one object with time, severity, component, message
dnsrun json -o core.log=json -o core.log-blocks=each
cat >checkjson.py <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]          # every line parses, or this fails
assert objs, "no lines"
for o in objs:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]), o
    assert o["severity"] in ("error", "warning", "notice", "info"), o
    assert o["component"] == "dns", o
    assert o["pid"] > 0 and o["message"], o
msgs = [o["message"] for o in objs]
print(sum(m.startswith("blocked client=127.0.0.9 ") and "list=c2" in m for m in msgs),
      sum("serving on" in m and "metrics on http://127.0.0.1:" + sys.argv[2] in m for m in msgs),
      sum(m == "stopping" for m in msgs))
PY
eq "$(python3 checkjson.py json.err "$(cat json.met)")" "2 1 1" \
	"json: two block lines, the serving line with the metrics address, the stop"

# --- stderr (the default): time severity component: message
dnsrun plain -o core.log-blocks=each
check "stderr format" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z notice dns: serving on 127\.0\.0\.1:' plain.err
check "a block line" grep -qE 'Z info dns: blocked client=127\.0\.0\.9 port=[0-9]+ qname=bot\.cc\.example ' plain.err

# --- summary (the default): no line per block; the count per list when the minute ends
# (or at exit)
dnsrun summary
check "summary: no line per block" test "$(grep -c 'blocked client=' summary.err)" -eq 0
check "summary: the count per list at exit" grep -q 'dns: blocked in the last minute: list=c2 count=2' summary.err
dnsrun off -o core.log-blocks=off
check "off: no block lines" test "$(grep -c 'blocked' off.err)" -eq 0

# --- syslog and journald-json to sockets the test listens on
cat >listen.py <<'PY'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".ready", "w").close()
with open(out, "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(len(d).to_bytes(4, "big") + d)
PY
python3 listen.py "$work/sys.sock" sys.bin & pids+=($!)
python3 listen.py "$work/jrn.sock" jrn.bin & pids+=($!)
until_ok test -e "$work/sys.sock.ready" -a -e "$work/jrn.sock.ready" || bad "listeners"
dnsrun syslog -o core.log=syslog -o core.syslog-socket="$work/sys.sock" -o core.log-blocks=each
dnsrun journal -o core.log=journald-json -o core.journal-socket="$work/jrn.sock" -o core.log-blocks=each
cat >parse.py <<'PY'
import re, sys
def frames(p):
    b = open(p, "rb").read(); i = 0
    while i < len(b):
        n = int.from_bytes(b[i:i+4], "big"); yield b[i+4:i+4+n].decode(); i += 4 + n
# RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
r5424 = re.compile(r'<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) '
                   r'([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) '
                   r'(-|(?:\[[!-~]+(?: [!-~]+="(?:[^"\\\]]|\\.)*")*\])+)(?: (.*))?$', re.S)
sys_msgs = []
for m in frames("sys.bin"):
    x = r5424.fullmatch(m); assert x, m
    pri = int(x.group(1)); assert pri // 8 == 3 and pri % 8 in (3, 4, 5, 6), m   # daemon
    assert x.group(4) == "ispshield" and x.group(6) == "dns", m
    assert x.group(7) == '[ispshield@32473 component="dns"]', m
    sys_msgs.append(x.group(8))
j = []
for m in frames("jrn.bin"):
    kv = dict(l.split("=", 1) for l in m.rstrip("\n").split("\n"))
    assert kv["SYSLOG_IDENTIFIER"] == "ispshield" and kv["ISPSHIELD_COMPONENT"] == "dns", kv
    assert kv["PRIORITY"] in "3456", kv
    j.append(kv["MESSAGE"])
blk = lambda ms: sum(x.startswith("blocked client=127.0.0.9") for x in ms)
print(blk(sys_msgs), blk(j), sum("serving on" in x for x in sys_msgs + j))
PY
eq "$(python3 parse.py)" "2 2 2" "syslog (RFC 5424) and journald fields: blocks and the serving line"
check "syslog: nothing on stderr" test ! -s syslog.err

# --- the real systemd-journald, where it can run (root, in the private mount namespace
# above, with tmpfs over the journal's sockets and files): journalctl -o json shows the
# component field, the priorities and every block line
jd=/lib/systemd/systemd-journald
if [ -n "${LOGS_MNTNS:-}" ] && [ -x "$jd" ] && command -v journalctl >/dev/null; then
	for d in /run/systemd /run/log /var/log/journal; do
		mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d" || die "tmpfs over $d"
	done
	mkdir -p /run/systemd/journal
	"$jd" 2>journald.err & pids+=($!)
	until_ok test -S /run/systemd/journal/socket || die "journald did not start: $(cat journald.err)"
	dnsrun realj -o core.log=journald-json -o core.log-blocks=each
	check "journald: nothing on stderr" test ! -s realj.err
	jq_() { journalctl -o json --no-pager SYSLOG_IDENTIFIER=ispshield >realj.json 2>&1 &&
		[ "$(grep -c 'blocked client=127.0.0.9' realj.json)" -ge 2 ]; }
	until_ok jq_ || bad "journald: the block lines did not reach the journal"
	cat >realj.py <<'PY'
import json
es = [json.loads(l) for l in open("realj.json")]
assert all(e["ISPSHIELD_COMPONENT"] == "dns" and e["PRIORITY"] in "3456" for e in es), es
ms = [e["MESSAGE"] for e in es]
print(sum(m.startswith("blocked client=127.0.0.9") for m in ms), sum("serving on" in m for m in ms),
      sum(m == "stopping" for m in ms))
PY
	eq "$(python3 realj.py)" "2 1 1" "journalctl -o json: two blocks, the serving line, the stop"
else
	echo "(real journald not run here: needs root, unshare and systemd-journald)"
fi

# --- an unreachable socket: the lines come on stderr, none lost
dnsrun nosock -o core.log=syslog -o core.syslog-socket="$work/nobody.sock" -o core.log-blocks=each
check "no socket: stderr instead" grep -q 'info dns: blocked client=127.0.0.9' nosock.err
"$bin" -q -o core.log=xml lists stats >bad.out 2>&1
check "an unknown format refused" test $? -eq 2
check "... naming the choices" grep -q 'stderr|json|syslog|journald-json' bad.out
finish logs
