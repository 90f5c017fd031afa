#!/usr/bin/env bash
# authwatch against a real FreeRADIUS (Debian freeradius 3.2, radclient from
# freeradius-utils): the test starts its own server from a private copy of
# /etc/freeradius/3.0 (logdir in the temp folder, auth = yes, users in
# mods-config/files/authorize, one loopback listener on a free port), sends good and bad
# Access-Requests with radclient, runs authwatch on the radius.log the server wrote
# (brute force detected), then puts the suspend list (users-file form) in front of the
# authorize file and checks that the suspended account now gets Access-Reject with the
# right password while another account still gets Access-Accept.
# Skipped (exit 77, says so) when freeradius is not installed or the test is not root.
set -euo pipefail
: "${ISPSHIELD:?path to the ispshield binary}" "${SRCDIR:?source tree}"
if ! command -v freeradius >/dev/null || ! command -v radclient >/dev/null; then
	echo "SKIP: freeradius / radclient not installed (scripts/deps.sh test)"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: FreeRADIUS test needs root (the server drops to freerad)"
	exit 77
fi
T=$(mktemp -d /tmp/aw-radius.XXXXXX)
chmod 755 "$T"
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
src=$SRCDIR
. "$src/tests/integration/lib/testlib.sh"
fail() {
	cat "$T/server.out" "$T/ask.out" >&2 || true
	die "$*"
}

PORT=$(freeport); PORT2=$(freeport)
R=$T/raddb
cp -a /etc/freeradius/3.0 "$R"
sed -i "s|^raddbdir = .*|raddbdir = $R|; s|^logdir = .*|logdir = $T/log|; s|^\(\s*\)auth = no|\1auth = yes|" "$R/radiusd.conf"
mkdir -p "$T/log"
# one auth listener on loopback; the inner tunnel on another free port
python3 - "$R/sites-enabled/default" "$PORT" <<'EOF'
import re, sys
path, port = sys.argv[1], sys.argv[2]
s = open(path).read()
out, i = [], 0
for m in re.finditer(r'(?m)^listen \{', s):
    if m.start() < i:
        continue
    out.append(s[i:m.start()])
    depth, j = 0, m.end() - 1
    while True:
        if s[j] == '{': depth += 1
        elif s[j] == '}':
            depth -= 1
            if depth == 0: break
        j += 1
    i = j + 1
out.append(s[i:])
s = ''.join(out)
s = s.replace('server default {', 'server default {\nlisten {\n\ttype = auth\n\tipaddr = 127.0.0.1\n\tport = %s\n}\n' % port, 1)
open(path, 'w').write(s)
EOF
sed -i "s/port = 18120/port = $PORT2/" "$R/sites-enabled/inner-tunnel"
USERS='"alice@isp.example" Cleartext-Password := "right-horse"
"bob@isp.example" Cleartext-Password := "battery-staple"
'
{ printf '%s\n' "$USERS"; cat /etc/freeradius/3.0/mods-config/files/authorize; } >"$R/mods-config/files/authorize"
chown -R freerad:freerad "$T/log" "$R" 2>/dev/null || true
chmod -R go-w "$R"

start() {
	freeradius -f -d "$R" >"$T/server.out" 2>&1 &
	SRV=$!
	until_ok ask bob@isp.example battery-staple && return 0
	fail "FreeRADIUS did not start"
}
stop() {
	kill "$SRV" 2>/dev/null || true
	wait "$SRV" 2>/dev/null || true
	SRV=
}
# ask USER PASSWORD [CALLING-STATION-ID]: prints Access-Accept / Access-Reject
ask() {
	echo "User-Name=$1,User-Password=$2,Calling-Station-Id=${3:-00-16-3e-aa-bb-01},NAS-IP-Address=192.0.2.1" |
		timeout 10 radclient -r 1 -t 3 -x "127.0.0.1:$PORT" auth testing123 2>&1 | tee -a "$T/ask.out" |
		sed -n 's/^Received \(Access-[A-Za-z]*\).*/\1/p' | head -1
}

start
[ "$(ask alice@isp.example right-horse)" = Access-Accept ] || fail "good password rejected"
for i in $(seq 1 12); do
	[ "$(ask alice@isp.example "guess$i" "00-16-3e-ee-00-$(printf %02d "$i")")" = Access-Reject ] ||
		fail "bad password accepted"
done
stop
LOG=$T/log/radius.log
[ "$(grep -c 'Login incorrect' "$LOG")" -ge 12 ] || fail "radius.log: $(cat "$LOG")"
"$ISPSHIELD" --store "$T/store.db" authwatch --json "$LOG" >"$T/out" 2>"$T/err" || fail "authwatch: $(cat "$T/err")"
grep -q '"type":"brute-force","account":"alice@isp.example"' "$T/out" || fail "no brute force: $(cat "$T/out" "$T/err")"
grep -q ' 0 rejected' "$T/err" || fail "real radius.log lines rejected: $(cat "$T/err")"
echo "ok: brute force detected in FreeRADIUS's own radius.log"

# the suspend list (users-file form) loaded by FreeRADIUS: alice is suspended
sqlite3 "$T/store.db" "INSERT INTO authwatch_suspended VALUES('alice@isp.example', 'outside', 'test', strftime('%s','now'), 0, NULL)"
"$ISPSHIELD" -q --store "$T/store.db" authwatch suspend-list --out "$T/suspended.users"
{ cat "$T/suspended.users"; printf '%s\n' "$USERS"; cat /etc/freeradius/3.0/mods-config/files/authorize; } >"$R/mods-config/files/authorize"
chmod go-w "$R/mods-config/files/authorize"
freeradius -C -d "$R" >"$T/check.out" 2>&1 || fail "freeradius -C: $(tail "$T/check.out")"
start
[ "$(ask alice@isp.example right-horse)" = Access-Reject ] || fail "suspended account accepted"
[ "$(ask bob@isp.example battery-staple)" = Access-Accept ] || fail "other account rejected"
stop
# released: the list is empty again and alice logs in
"$ISPSHIELD" -q --store "$T/store.db" authwatch release alice@isp.example
"$ISPSHIELD" -q --store "$T/store.db" authwatch suspend-list --out "$T/suspended.users"
{ cat "$T/suspended.users"; printf '%s\n' "$USERS"; cat /etc/freeradius/3.0/mods-config/files/authorize; } >"$R/mods-config/files/authorize"
chmod go-w "$R/mods-config/files/authorize"
start
[ "$(ask alice@isp.example right-horse)" = Access-Accept ] || fail "released account rejected"
stop
echo "ok: suspend list loaded by FreeRADIUS (Access-Reject), release"
echo "PASS authwatch_freeradius"
