#!/usr/bin/env bash
# Integration test of the modes of the files ispshield makes and reads (issue 15 item 6),
# through the real binary: a fresh SQLite store with its -wal and -shm (held open by a
# running `ispshield dns`, so that the service itself made them) is 0600, or 0640 with
# core.store-group; a store an older version left 0644 is tightened; the sessions index
# is private; the spool file is 0600; a proxy secret, a status password, an SMTP password
# file and a signing key that group or others can read are refused with the file, its
# mode and the fix, and accepted once chmod 600.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
for tool in dig python3 sqlite3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh installs it)" >&2; exit 1; }
done
umask 022 # what a shell or a unit without UMask= gives: files 0644 unless made private
mode() { stat -c %a "$1"; }
grp() { stat -c %G "$1"; }

# ---- a fresh store, and its -wal/-shm made by a running service (background processes
# run the binary itself, not a function, so that cleanup kills the service)
echo cc1.botnet.example >c2.txt
isp() { "$bin" -q --store "$work/a/t.db" "$@"; }
isp lists import --list c2 --kind domain c2.txt || bad "import"
isp lists compile || bad "compile"
eq "$(mode a/t.db)" 600 "fresh store"
DNS=$(freeport)
"$bin" -q --store "$work/a/t.db" dns --listen "127.0.0.1:$DNS" --upstream 127.0.0.1:9 --subscribers 127.0.0.0/8 2>dns.log & pids+=($!)
until_ok test -e a/t.db-shm || bad "the dns service did not open the store"
until_ok dig +short +tries=1 +time=1 @127.0.0.1 -p "$DNS" cc1.botnet.example || bad "dns not answering"
eq "$(mode a/t.db-wal)" 600 "store -wal made by the service"
eq "$(mode a/t.db-shm)" 600 "store -shm made by the service"
eq "$(mode a/t.db)" 600 "store after the service opened it"

# ---- the sessions index and the spool file
shared=$src/tests/data/sessions
isp sessions import "$shared/detail-20261122" || bad "sessions import"
eq "$(mode a/sessions.idx)" 600 "sessions index"
# the spool (block events while the store is unreachable): a store that cannot be opened
mkdir ro && echo x >ro/t.db
SP=$(freeport)
"$bin" -q --store "$work/ro/t.db" --snapshot "$work/a/ispshield.snap" -o core.spool="$work/sp" \
	dns --listen "127.0.0.1:$SP" --upstream 127.0.0.1:9 --subscribers 127.0.0.0/8 2>sp.log & pids+=($!)
until_ok dig +short +tries=1 +time=1 @127.0.0.1 -p "$SP" cc1.botnet.example || bad "dns (spool) not answering"
until_ok sh -c 'ls sp/*.spool' || bad "no spool file"
for f in sp/*.spool; do eq "$(mode "$f")" 600 "spool file $f"; done

# ---- core.store-group: 0640, that group
g=$(getent group nogroup >/dev/null && echo nogroup || id -gn)
"$bin" -q --store "$work/b/t.db" -o core.store-group="$g" lists import --list c2 --kind domain c2.txt ||
	bad "import with store-group"
eq "$(mode b/t.db)" 640 "store with core.store-group"
eq "$(grp b/t.db)" "$g" "store group"
"$bin" -q --store "$work/b/t.db" -o core.store-group="$g" sessions import "$shared/detail-20261122" ||
	bad "sessions import with store-group"
eq "$(mode b/sessions.idx)" 640 "sessions index with core.store-group"
eq "$(grp b/sessions.idx)" "$g" "sessions index group"
expect 2 "an unknown store-group" -- "$bin" --store "$work/b/t.db" -o core.store-group=no-such-group-x lists stats
has err.txt "core.store-group: no group 'no-such-group-x'"

# ---- a store an older version made 0644 is tightened when opened
mkdir c && cp a/t.db c/t.db && chmod 644 c/t.db
"$bin" -q --store "$work/c/t.db" lists stats >/dev/null || bad "stats on the old store"
eq "$(mode c/t.db)" 600 "old 0644 store tightened"

# ---- secrets that group or others can read are refused
head -c 32 /dev/urandom >secret && chmod 644 secret
PX=$(freeport)
expect 2 "proxy with a world-readable secret" -- timeout 20 "$bin" -q --store "$work/a/t.db" proxy --listen "127.0.0.1:$PX" --secret-file secret \
	--subscribers 127.0.0.0/8
has err.txt "proxy.secret-file secret: readable by group or others (mode 0644): chmod 600 it"
chmod 640 secret
expect 2 "proxy with a group-readable secret" -- timeout 20 "$bin" -q --store "$work/a/t.db" proxy --listen "127.0.0.1:$PX" --secret-file secret \
	--subscribers 127.0.0.0/8
has err.txt "(mode 0640)"
chmod 600 secret
"$bin" -q --store "$work/a/t.db" proxy --listen "127.0.0.1:$PX" --secret-file secret --subscribers 127.0.0.0/8 2>px.log & pids+=($!)
until_ok bash -c "exec 3<>/dev/tcp/127.0.0.1/$PX" || bad "proxy with a 0600 secret did not start"

printf 'correct horse\n' >pw && chmod 644 pw
ST=$(freeport)
expect 2 "status with a world-readable password" -- timeout 20 "$bin" -q --store "$work/a/t.db" status --listen "127.0.0.1:$ST" --user admin \
	--password-file pw
has err.txt "status.password-file pw: readable by group or others (mode 0644)"
chmod 600 pw
"$bin" -q --store "$work/a/t.db" status --listen "127.0.0.1:$ST" --user admin --password-file pw 2>st.log & pids+=($!)
until_ok curl -sf -u 'admin:correct horse' "http://127.0.0.1:$ST/api/status" || bad "status with a 0600 password"

printf 'mail-secret\n' >smtp.pw && chmod 604 smtp.pw
printf 'ip,timestamp\n198.51.100.23,2026-11-22T10:45:00Z\n' >ev.csv
isp events import --source jpcert ev.csv || bad "events import"
expect 4 "notify with a world-readable smtp password" -- "$bin" -q --store "$work/a/t.db" \
	-o notify.smtp-user=ops -o notify.smtp-password-file="$work/smtp.pw" notify run --smtp smtps://127.0.0.1:9
has err.txt "notify.smtp-password-file $work/smtp.pw: readable by group or others (mode 0604)"

"$bin" lists keygen --secret k.sec --public k.pub >/dev/null 2>&1 || bad "keygen"
eq "$(mode k.sec)" 600 "keygen secret key"
chmod 660 k.sec
echo doc >doc.txt
expect 4 "a group-writable signing key" -- "$bin" lists sign --key k.sec doc.txt
has err.txt "secret key k.sec: readable by group or others (mode 0660)"
finish files
