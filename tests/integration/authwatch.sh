#!/usr/bin/env bash
# authwatch end to end: every scenario file of tests/data/authwatch (log lines ->
# expected detections) through the real binary; events in the store and `notify report`;
# the suspend list, release; following files across rename and copytruncate rotation and
# restarts without losing or repeating a line; bad input counted, never a crash.
# FreeRADIUS itself (real radius.log lines, the suspend list loaded by the server) is in
# authwatch_freeradius.sh.
set -euo pipefail
: "${ISPSHIELD:?path to the ispshield binary}" "${SRCDIR:?source tree}"
DATA=$SRCDIR/tests/data/authwatch
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
isp() { "$ISPSHIELD" --store "$T/store.db" "$@"; }

# ---- scenarios: detections (type key), sorted, must equal the .expect file ----
n=0
for exp in "$DATA"/*.expect; do
	name=$(basename "$exp" .expect)
	args=()
	[ -f "$DATA/$name.args" ] && read -r -a args < <(sed "s|@DATA@|$DATA|g" "$DATA/$name.args")
	opts=() # global options (before the command): configuration keys
	[ -f "$DATA/$name.opts" ] && read -r -a opts <"$DATA/$name.opts"
	log=()
	[ -f "$DATA/$name.log" ] && log=("$DATA/$name.log")
	set +e
	"$ISPSHIELD" --store "$T/scen.db" "${opts[@]}" authwatch --dry-run --json "${args[@]}" "${log[@]}" \
		>"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	set -e
	[ "$rc" -le 3 ] || fail "$name: exit $rc: $(cat "$T/$name.err")"
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    key = o.get("account") or o.get("source") or o.get("network") or o.get("all")
    print(o["type"], key)' "$T/$name.out" | sort >"$T/$name.got"
	sort "$exp" | diff -u - "$T/$name.got" || fail "scenario $name"
	n=$((n + 1))
done
echo "ok: $n scenarios"

# ---- several files, named newest first (as `mail.log*` expands): merged by time, so
# carol's 10 failures over 27 minutes in mail.log.1 are no burst and alice's attack keeps
# its own time (10:40 in the zone the log was written in), not mail.log's 17:00 ----
R=$DATA/rotated
for order in "$R/mail.log $R/mail.log.1" "$R/mail.log.1 $R/mail.log"; do
	# shellcheck disable=SC2086
	TZ=UTC "$ISPSHIELD" --store "$T/scen.db" authwatch --dry-run --json $order \
		>"$T/rot.out" 2>"$T/rot.err" || fail "rotated: $(cat "$T/rot.err")"
	python3 -c '
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [("brute-force", "alice@isp.example", "-11-22T10:40:00", "-11-22T10:40:45")]
have = [(o["type"], o.get("account"), o["first"][4:19], o["last"][4:19]) for o in got]
sys.exit(0 if have == want else "rotated logs (%s): %s" % (sys.argv[2], have))' \
		"$T/rot.out" "$order" || fail "rotated logs merged by time"
	grep -q ' 0 backwards in time' "$T/rot.err" || fail "rotated: $(cat "$T/rot.err")"
done
# the same when following (-f): the backlog of both files is merged before the detector
mkdir -p "$T/rotf"
cp "$R/mail.log" "$R/mail.log.1" "$T/rotf/"
TZ=UTC "$ISPSHIELD" --store "$T/scen.db" authwatch -f --dry-run --json --idle-exit 1 \
	--state-file "$T/rotf/state" "$T/rotf/mail.log" "$T/rotf/mail.log.1" \
	>"$T/rotf.out" 2>"$T/rotf.err" || fail "rotated, -f: $(cat "$T/rotf.err")"
python3 -c '
import json, sys
have = [(o["type"], o.get("account"), o["first"][4:19]) for o in map(json.loads, open(sys.argv[1]))]
sys.exit(0 if have == [("brute-force", "alice@isp.example", "-11-22T10:40:00")] else "-f: %s" % have)' \
	"$T/rotf.out" || fail "rotated logs merged by time while following"
echo "ok: rotated logs merged by time"

# ---- bad input: counted and reported, exit 3, no crash ----
set +e
"$ISPSHIELD" authwatch --dry-run "$DATA/bad_input.log" >/dev/null 2>"$T/bad.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "bad input: exit $rc"
grep -q 'bad_input.log:4: binary data' "$T/bad.err" || fail "binary line not reported"
grep -q '3 rejected' "$T/bad.err" || fail "rejected count: $(cat "$T/bad.err")"
grep -q '1 backwards in time' "$T/bad.err" || fail "backwards count"
head -c 200000 /dev/urandom >"$T/random.log"
set +e
"$ISPSHIELD" authwatch --dry-run --format postfix "$T/random.log" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 3 ] || fail "random bytes: exit $rc"
echo "ok: bad input"

# ---- the store: events for notify, suspensions ----
isp authwatch "$DATA/brute_postfix.log" "$DATA/sources_dovecot.log" >"$T/rec.out" 2>"$T/rec.err"
grep -q '1 accounts suspended' "$T/rec.err" || fail "suspension count: $(cat "$T/rec.err")"
[ "$(sqlite3 "$T/store.db" "SELECT count(*) FROM events e JOIN batches b ON b.id = e.batch_id
	WHERE b.source = 'authwatch' AND e.cause = 'credential-abuse'")" = 2 ] || fail "events in the store"
[ "$(sqlite3 "$T/store.db" "SELECT reference FROM events WHERE family = 'many-sources'")" = \
	bob@isp.example ] || fail "event reference"
isp notify report >"$T/report.out"
grep -q authwatch "$T/report.out" || fail "notify report: $(cat "$T/report.out")"
isp authwatch suspended | grep -q '^bob@isp.example	many-sources' || fail "suspended"
[ "$(isp -q authwatch suspend-list --format list)" = bob@isp.example ] || fail "plain list"
isp -q authwatch suspend-list --out "$T/users"
grep -q '^"bob@isp.example"	Auth-Type := Reject' "$T/users" || fail "users file"
isp authwatch release bob@isp.example 2>/dev/null
[ -z "$(isp -q authwatch suspend-list --format list)" ] || fail "release"
isp authwatch suspended --all | grep -q 'released' || fail "release kept as history"
# the same logs again: detections from before the release do not undo it
isp authwatch "$DATA/brute_postfix.log" "$DATA/sources_dovecot.log" >/dev/null 2>"$T/rerun.err"
grep -q ' 0 accounts suspended' "$T/rerun.err" || fail "rerun: $(cat "$T/rerun.err")"
[ -z "$(isp -q authwatch suspend-list --format list)" ] || fail "rerun re-suspended a released account"
# a new attack, after the release: suspended again
now=$(date +%s)
for i in 0 1 2 3 4 5; do
	printf '%s mail dovecot: imap-login: Login: user=<bob@isp.example>, method=PLAIN, rip=198.18.%d.9, lip=10.0.0.1, mpid=%d, TLS, session=<n%d>\n' \
		"$(date -u -d "@$((now + 5 + i * 5))" +%Y-%m-%dT%H:%M:%S+00:00)" "$i" "$((200 + i))" "$i"
done >"$T/after.log"
isp authwatch "$T/after.log" >/dev/null 2>"$T/after.err"
grep -q ' 1 accounts suspended' "$T/after.err" || fail "new attack: $(cat "$T/after.err")"
[ "$(isp -q authwatch suspend-list --format list)" = bob@isp.example ] || fail "new attack not suspended"
isp authwatch release bob@isp.example 2>/dev/null
set +e
isp authwatch release nobody 2>/dev/null
rc=$?
set -e
[ "$rc" = 4 ] || fail "release of an unknown account: exit $rc"
# --dry-run records nothing
nev=$(sqlite3 "$T/store.db" "SELECT count(*) FROM events")
isp authwatch --dry-run "$DATA/smtp_postfix.log" >/dev/null 2>&1
[ "$(sqlite3 "$T/store.db" "SELECT count(*) FROM events")" = "$nev" ] || fail "dry run recorded"
echo "ok: store, notify report, suspend list, release"

# ---- follow: rotation and restarts, every line exactly once ----
line() { # N: one Postfix SASL failure line numbered N
	printf 'Nov 22 10:%02d:%02d mx postfix/smtpd[1]: warning: unknown[192.0.2.%d]: SASL LOGIN authentication failed: x, sasl_username=u%d\n' \
		$(($1 / 60 % 60)) $(($1 % 60)) $(($1 % 200 + 1)) "$1"
}
records() { sed -n 's/.* lines, \([0-9]*\) records.*/\1/p' "$1"; }
L=$T/follow/auth.log
mkdir -p "$T/follow"
for i in 1 2 3 4 5; do line $i; done >"$L"
fw() { isp authwatch -f --idle-exit "$1" --state-file "$T/follow/state" "$L"; }
fw 1 >/dev/null 2>"$T/f1.err"
[ "$(records "$T/f1.err")" = 5 ] || fail "follow 1: $(cat "$T/f1.err")"
# stopped: 3 more lines, rotated by rename, 4 lines in the new file
for i in 6 7 8; do line $i; done >>"$L"
mv "$L" "$L.1"
for i in 9 10 11 12; do line $i; done >"$L"
fw 1 >/dev/null 2>"$T/f2.err"
[ "$(records "$T/f2.err")" = 7 ] || fail "restart after rotation: $(cat "$T/f2.err")"
# stopped, nothing new: nothing read again
fw 1 >/dev/null 2>"$T/f3.err"
[ "$(records "$T/f3.err")" = 0 ] || fail "restart without news: $(cat "$T/f3.err")"
# running: append, rename rotation, then copytruncate, a partial line completed later.
# After each step the test waits until the follower has saved its position at the end of
# the current file (it saves after every read that brought new lines), then stops it
# with SIGTERM: no step depends on how fast the follower polls.
src=$SRCDIR
. "$src/tests/integration/lib/testlib.sh"
caught_up() { # the state names the current file's inode and its size as the position
	local ino size
	ino=$(stat -c %i "$L") size=$(stat -c %s "$L")
	grep -q "^$ino $size " "$T/follow/state"
}
"$ISPSHIELD" --store "$T/store.db" authwatch -f --state-file "$T/follow/state" "$L" >/dev/null 2>"$T/f4.err" &
pid=$!
for i in 13 14; do line $i; done >>"$L"
until_ok caught_up || fail "follower did not read the appended lines"
line 15 >>"$L"
mv "$L" "$L.1"
for i in 16 17; do line $i; done >"$L"
until_ok caught_up || fail "follower did not follow the rename rotation"
cp "$L" "$L.2"
: >"$L"
line 18 | head -c 30 >>"$L"
line 18 | tail -c +31 >>"$L"
until_ok caught_up || fail "follower did not follow the copytruncate"
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc = 0 ] || fail "follower stopped by SIGTERM: exit $rc: $(cat "$T/f4.err")"
[ "$(records "$T/f4.err")" = 6 ] || fail "rotation while following: $(cat "$T/f4.err")"
echo "ok: follow across rotation and restarts"

# ---- -f --dry-run changes nothing on disk: the real run after it still reads the lines
# and records their detection ----
mkdir -p "$T/dry"
cp "$DATA/brute_postfix.log" "$T/dry/mail.log"
echo '999 0 1 0 /somewhere/else.log' >"$T/dry/state"
cp "$T/dry/state" "$T/dry/state.before"
dryisp() { "$ISPSHIELD" --store "$T/dry/store.db" "$@"; }
dryisp authwatch -f --dry-run --idle-exit 1 --state-file "$T/dry/state" "$T/dry/mail.log" \
	>"$T/dry/1.out" 2>"$T/dry/1.err" || fail "dry follow: $(cat "$T/dry/1.err")"
grep -q 'brute-force account=alice@isp.example' "$T/dry/1.out" || fail "dry follow: no detection"
cmp -s "$T/dry/state" "$T/dry/state.before" || fail "dry follow wrote the state file: $(cat "$T/dry/state")"
[ ! -e "$T/dry/store.db" ] || fail "dry follow created the store"
dryisp authwatch -f --idle-exit 1 --state-file "$T/dry/state" "$T/dry/mail.log" \
	>"$T/dry/2.out" 2>"$T/dry/2.err" || fail "follow after dry run: $(cat "$T/dry/2.err")"
grep -q 'brute-force account=alice@isp.example' "$T/dry/2.out" ||
	fail "follow after a dry run lost the detection: $(cat "$T/dry/2.err")"
[ "$(sqlite3 "$T/dry/store.db" "SELECT count(*) FROM events WHERE family = 'brute-force'
	AND reference = 'alice@isp.example'")" = 1 ] || fail "follow after a dry run: event not recorded"
grep -q "mail.log\$" "$T/dry/state" || fail "the real run saved no position"
echo "ok: a dry run changes nothing on disk"
echo "PASS authwatch"
