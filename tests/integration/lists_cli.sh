#!/usr/bin/env bash
# Integration test of `ispshield lists` through the real binary, as an operator uses it:
# every format and auto-detection, standard input, rejected lines reported as FILE:LINE
# with the rest imported, binary garbage and a huge line with bounded memory, re-import
# change tracking, check/stats JSON, exit codes, a corrupt snapshot, config errors and
# entry expiry. Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
# expect CODE DESCRIPTION -- CMD...: run CMD (stdout+stderr to out.txt), check exit code
isp() { "$bin" --store "$work/var/t.db" "$@"; }
data=$src/data/lists

# --- a store is created only by what puts data in (store migrate, imports, sync, the
# services): reading commands on a missing store say so, exit 4, and create nothing
for cmd in "lists stats" "lists history" "lists compile" "lists export --list c2 --format domains" \
           "notify report" "store version" "subscribers show x"; do
  expect 4 "$cmd on a missing store" -- "$bin" --store "$work/nonexistent-dir/x/y.db" $cmd
  has err.txt "does not exist"
  check "$cmd: no folder created" [ ! -e "$work/nonexistent-dir" ]
done
expect 0 "store migrate creates it" -- "$bin" --store "$work/nonexistent-dir/x/y.db" store migrate
check "store migrate: the file exists" [ -s "$work/nonexistent-dir/x/y.db" ]
expect 0 "lists stats on the migrated store" -- "$bin" --store "$work/nonexistent-dir/x/y.db" lists stats

# --- help, version, usage errors
expect 0 "--help" -- "$bin" --help; has out.txt "usage: ispshield"
expect 0 "--version" -- "$bin" --version; has out.txt "ispshield "
expect 0 "lists --help" -- "$bin" lists --help
for c in import compile check export stats history allow; do
  expect 0 "lists $c --help" -- "$bin" lists "$c" --help; has out.txt "usage: ispshield lists $c"
done
expect 2 "unknown command" -- "$bin" frobnicate; has err.txt "unknown command"
expect 2 "unknown lists command" -- "$bin" lists frob
expect 2 "import without --list" -- isp lists import x.txt
expect 2 "new list without --kind" -- isp lists import --list fresh "$data/c2-domains.txt"
has err.txt "--kind"
expect 2 "bad kind" -- isp lists import --list x --kind host "$data/c2-domains.txt"
expect 2 "bad format" -- isp lists import --list x --kind domain --format xml "$data/c2-domains.txt"
expect 4 "missing file" -- isp lists import --list x --kind domain /nonexistent/list.txt
has err.txt "/nonexistent/list.txt"

# --- every format, auto-detected, into lists of the right kind
expect 0 "plain" -- isp lists import --list c2 --kind domain "$data/c2-domains.txt"
has err.txt "format plain"
# the zone's rpz-ip trigger does not fit a domain list: named (FILE:LINE), skipped, exit 3
expect 3 "rpz" -- isp lists import --list c2 "$data/c2-partner.rpz"
has err.txt "format rpz"; has err.txt "1 entries of another kind skipped"
has err.txt "c2-partner.rpz:15: 198.51.100.7/32: skipped: kind ip, list c2 takes domain"
expect 0 "urlhaus" -- isp lists import --list urls --kind url "$data/malware-urls.csv"
has err.txt "format urlhaus"; has err.txt "3 accepted"
expect 0 "feodo" -- isp lists import --list ips --kind ip "$data/c2-ips.csv"
has err.txt "format feodo"
printf '0.0.0.0 hosts-a.example hosts-b.example\n127.0.0.1 localhost\n# c\n0.0.0.0 hosts-c.example # trailing\n' > hosts.txt
expect 0 "hosts" -- isp lists import --list c2 --kind domain hosts.txt
has err.txt "format hosts"; has err.txt "3 accepted"
printf 'domain,category,reference\ncsv-a.example,botnet,REF-1\n"csv-b.example","spam, bots","REF-2"\n' > generic.csv
expect 0 "generic csv" -- isp lists import --list c2 --kind domain generic.csv
has err.txt "format csv"; has err.txt "2 accepted"
# a URL feed imported into a domain list: nothing of its kind, every line named; nothing
# accepted, so the import guard refuses it (exit 4); --allow-shrink: skipped lines, exit 3
expect 4 "URL feed into a domain list" -- isp lists import --list c2 "$data/malware-urls.csv"
has err.txt "malware-urls.csv:7: http://malware-dist.example/invoice.exe: skipped: kind url"
has err.txt "malware-urls.csv:8:"; has err.txt "malware-urls.csv:9:"
has err.txt "entries were of another kind"
expect 3 "URL feed into a domain list, --allow-shrink" -- isp lists import --list c2 \
  --allow-shrink "$data/malware-urls.csv"
has err.txt "0 accepted"; has err.txt "3 entries of another kind skipped"; has err.txt "malware-urls.csv:7:"
# standard input needs a source name: two pipes would both be "stdin", the second
# replacing what the first listed
printf 'p1.example\n' | isp lists import --list c2 - >out.txt 2>err.txt
eq "$?" 2 "stdin without --source: exit"
has err.txt "standard input needs --source"
printf 'p1.example\n' | isp lists import --list c2 --source pipe-a - >out.txt 2>err.txt \
  && printf 'p2.example\n' | isp lists import --list c2 --source pipe-b - >out.txt 2>err.txt \
  && ok || bad "two stdin imports with their own --source"
eq "$(sqlite3 var/t.db "SELECT count(*) FROM entries e JOIN sources s ON s.id = e.source_id
  WHERE s.name IN ('pipe-a', 'pipe-b')")" 2 "two stdin sources keep their entries"
# standard input, with an explicit source name
printf 'stdin-a.example\nstdin-b.example\n' | isp lists import --list c2 --source pipe - >out.txt 2>err.txt
[ $? -eq 0 ] && ok || bad "stdin import"
has err.txt "source pipe"; has err.txt "2 accepted"
# files from the format samples, if present (tests/data/lists)
for f in "$src"/tests/data/lists/*; do
  case $f in *bad-lines*|*README*) continue;; esac
  [ -f "$f" ] || continue
  n=$(basename "$f")
  "$bin" --store "$work/var/samples.db" lists import --list "s-$n" --kind \
    "$(case $n in *urlhaus*) echo url;; *feodo*) echo ip;; *) echo domain;; esac)" "$f" >out.txt 2>err.txt
  rc=$?  # samples may hold a deliberately bad line (exit 3); something must be imported
  if { [ $rc -eq 0 ] || [ $rc -eq 3 ]; } && ! grep -q ' 0 accepted' err.txt; then ok
  else bad "sample $n: exit $rc"; cat err.txt >&2; fi
done

# --- rejected lines: FILE:LINE: reason, the rest imported, exit 3
printf 'good1.example\nbad..name\n%s.example\nhas space.example\ngood2.example\ngood3.example\ngood4.example\n' \
  "$(head -c 64 /dev/zero | tr '\0' a)" > mixed.txt
expect 3 "rejects" -- isp lists import --list mix --kind domain mixed.txt
has err.txt "mixed.txt:2:"; has err.txt "mixed.txt:3:"; has err.txt "mixed.txt:4:"
hasnt err.txt "mixed.txt:1:"; hasnt err.txt "mixed.txt:5:"
has err.txt "4 accepted"; has err.txt "3 rejected"
# duplicates are merged and counted, never fatal
printf 'dup.example\nDUP.example.\ndup.example\n' > dups.txt
expect 0 "duplicates" -- isp lists import --list dups --kind domain dups.txt
has err.txt "1 accepted, 2 duplicate"

# --- binary garbage, a huge line, an empty file: no crash, bounded memory (garbage may
# be refused whole: 4, more rejected lines than accepted)
head -c 2000000 /dev/urandom > garbage.bin
"$bin" --store "$work/var/g.db" lists import --list g --kind domain --format plain garbage.bin >out.txt 2>err.txt
rc=$?; { [ $rc -eq 0 ] || [ $rc -eq 3 ] || [ $rc -eq 4 ]; } && ok || bad "garbage: exit $rc"
head -c 2000000 /dev/urandom > garbage.bin
"$bin" --store "$work/var/g.db" lists import --list g --format auto garbage.bin >out.txt 2>err.txt
rc=$?; { [ $rc -eq 0 ] || [ $rc -eq 3 ] || [ $rc -eq 4 ]; } && ok || bad "garbage auto: exit $rc"
{ echo first.example; head -c 50000000 /dev/zero | tr '\0' x; echo; echo last.example; } > huge.txt
/usr/bin/time -f '%M' -o rss.txt "$bin" --store "$work/var/h.db" lists import --list h --kind domain huge.txt >out.txt 2>err.txt
rc=$?
[ $rc -eq 3 ] && ok || bad "huge line: exit $rc, want 3"
has err.txt "huge.txt:2:"; has err.txt "2 accepted"
rss=$(tail -1 rss.txt)
[ "$rss" -lt 65536 ] && ok || bad "huge line: peak RSS ${rss} KiB, want < 64 MiB"
: > empty.txt
expect 4 "empty file (nothing accepted: refused)" -- isp lists import --list c2 empty.txt
has err.txt "0 accepted"; has err.txt "nothing changed"

# --- re-import of a source replaces its entries and records the change
printf 'a.example\nb.example\nc.example\n' > feed.txt
expect 0 "feed 1" -- isp lists import --list feed --kind domain feed.txt
printf 'b.example\nc.example\nd.example\n' > feed.txt
expect 0 "feed 2" -- isp lists import --list feed feed.txt
has err.txt "1 added, 1 removed, 2 unchanged"
expect 0 "history" -- isp lists history --list feed
has out.txt "feed.txt"
id=$(isp lists history --list feed --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect 0 "history --changes" -- isp lists history --changes "$id"
has out.txt "added	d.example"; has out.txt "removed	a.example"

# --- compile, check (text and JSON), exit codes
expect 4 "check before compile" -- isp lists check a.example
has err.txt "lists compile"
expect 0 "compile" -- isp lists compile
has err.txt "keys"
expect 0 "check hit" -- isp lists check cc1.botnet.example
has out.txt "BLOCKED by list c2 (domain), entry cc1.botnet.example"
has out.txt "source c2-domains.txt"; has out.txt "source c2-partner.rpz"
expect 1 "check miss" -- isp lists check www.example.org
has out.txt "no match"
expect 0 "check wildcard" -- isp lists check deep.sub.dga-family.example
has out.txt "entry *.dga-family.example"
expect 0 "check IDN" -- isp lists check 'ボット.example'
# an allow (rpz-passthru) entry: not blocked, so exit 1, as for no match ("is it blocked?")
expect 1 "check passthru: allowed, exit 1" -- isp lists check cdn.zeus-p2p.example
has out.txt "ALLOWED"; has out.txt "allowed by"
expect 0 "check passthru and a blocked name: exit 0" -- isp lists check cdn.zeus-p2p.example cc1.botnet.example
isp lists check --json cdn.zeus-p2p.example > allow.json; rc=$?
eq "$rc" 1 "check --json passthru: exit"
python3 - allow.json <<'PY' && ok || bad "check --json passthru: blocked false, action allow"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["matched"] and not r["blocked"] and r["matches"][0]["action"] == "allow", r
PY
expect 0 "check url" -- isp lists check 'HTTP://Malware-Dist.example:80/a/../invoice.exe#frag'
has out.txt "entry http://malware-dist.example/invoice.exe"
has out.txt "reference https://urlhaus.abuse.ch/url/1000001/"
expect 0 "check ip" -- isp lists check 198.51.100.7
has out.txt "category Dridex"
expect 2 "check invalid" -- isp lists check 'bad..name'
isp lists check --json cc1.botnet.example nothing.example > check.json; rc=$?
[ $rc -eq 0 ] && ok || bad "check --json exit $rc"
python3 - check.json <<'PY' && ok || bad "check --json content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r[0]["matched"] and r[0]["blocked"] and r[0]["matches"][0]["list"] == "c2", r
assert r[0]["matches"][0]["entry"] == "cc1.botnet.example"
assert {s["source"] for s in r[0]["matches"][0]["sources"]} == {"c2-domains.txt", "c2-partner.rpz"}
assert not r[1]["matched"] and not r[1]["blocked"] and r[1]["matches"] == []
PY
isp lists stats --json > stats.json && ok || bad "stats --json"
python3 - stats.json <<'PY' && ok || bad "stats --json content"
import json, sys
s = json.load(open(sys.argv[1]))
l = {x["list"]: x for x in s["lists"]}
assert l["c2"]["kind"] == "domain" and l["c2"]["sources"] >= 4, l["c2"]
assert l["feed"]["distinct"] == 3 and l["feed"]["snapshot_keys"] == 3, l["feed"]
assert l["urls"]["snapshot_bytes"] > 0 and s["snapshot_bytes"] > 0
PY

# --- a corrupt or truncated snapshot is refused with a clear error
cp var/ispshield.snap good.snap
head -c 100 good.snap > var/ispshield.snap
expect 4 "truncated snapshot" -- isp lists check cc1.botnet.example
has err.txt "truncated"
cp good.snap var/ispshield.snap
printf 'X' | dd of=var/ispshield.snap bs=1 seek=300 conv=notrunc status=none
expect 4 "corrupt snapshot" -- isp lists check cc1.botnet.example
has err.txt "checksum"
expect 0 "recompile" -- isp lists compile
expect 0 "check after recompile" -- isp lists check cc1.botnet.example

# --- a bad download never empties a source: an empty body, a 502 error page, the wrong
# --format each change nothing and exit 4 (lists.max-shrink guard); --allow-shrink takes it
printf 'g1.example\ng2.example\ng3.example\ng4.example\n' > guard.txt
expect 0 "guarded source" -- isp lists import --list guard --kind domain --source feed guard.txt
gstate() {  # the source's entries and what `lists check` answers, after a compile
  isp lists compile 2>/dev/null
  sqlite3 "$work/var/t.db" "SELECT e.value FROM entries e JOIN sources s ON s.id = e.source_id
    WHERE s.name = 'feed' ORDER BY 1" | tr '\n' ' '
  for v in g1.example g2.example g3.example g4.example; do
    isp lists check "$v" 2>&1 | head -1; echo "exit ${PIPESTATUS[0]}"
  done
}
gbefore=$(gstate)
case $gbefore in *"g4.example exit"*|*"BLOCKED by list guard"*) ok;; *) bad "guard: baseline $gbefore";; esac
expect 4 "empty stdin" -- isp lists import --list guard --source feed - </dev/null
has err.txt "refused, nothing changed"; has err.txt "--allow-shrink"
eq "$(gstate)" "$gbefore" "empty stdin: entries and check answers"
# a 502 Bad Gateway with nginx's HTML body, fetched with curl -s as the README shows
cat > bad_gateway.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                b"</body>\r\n</html>\r\n")
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
gport=$(freeport)
python3 bad_gateway.py "$gport" & gpid=$!
until_ok sh -c "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$gport/feed.txt | grep -qx 502" \
  || bad "502 server did not come up"
curl -s "http://127.0.0.1:$gport/feed.txt" | isp lists import --list guard --source feed - >out.txt 2>err.txt
eq "${PIPESTATUS[1]}" 4 "502 error page piped in: exit"
has err.txt "<stdin>:1:"; has err.txt "refused, nothing changed"
eq "$(gstate)" "$gbefore" "502 page: entries and check answers"
kill "$gpid"; wait "$gpid" 2>/dev/null
expect 4 "wrong --format" -- isp lists import --list guard --source feed --format feodo guard.txt
has err.txt "refused, nothing changed"
eq "$(gstate)" "$gbefore" "wrong --format: entries and check answers"
printf 'g1.example\n' > guard-short.txt
expect 4 "a shrink past lists.max-shrink (75 %)" -- isp lists import --list guard --source feed guard-short.txt
has err.txt "lists.max-shrink"
eq "$(gstate)" "$gbefore" "shrink: entries and check answers"
expect 0 "lists.max-shrink=80 lets 75 % through" -- isp -o lists.max-shrink=80 lists import \
  --list guard --source feed guard-short.txt
has err.txt "3 removed"
expect 0 "grow back" -- isp lists import --list guard --source feed guard.txt
expect 4 "more rejected than accepted" -- isp lists import --list guard --source feed - \
  < <(printf 'g1.example\ng2.example\ng3.example\ng4.example\n<a>\n<b>\n<c>\n<d>\n<e>\n')
eq "$(gstate)" "$gbefore" "rejects > accepted: entries and check answers"
expect 0 "empty stdin with --allow-shrink" -- isp lists import --list guard --source feed \
  --allow-shrink - </dev/null
has err.txt "4 removed"
isp lists compile 2>/dev/null
expect 1 "after --allow-shrink: g1 no longer listed" -- isp lists check g1.example

# --- configuration: file, overrides, errors with file and line
printf '[core]\nstore = %s/var/conf.db\n[lists]\nexpiry = 1s\n' "$work" > good.conf
expect 0 "config" -- "$bin" -c good.conf config
has out.txt "store = $work/var/conf.db"; has out.txt "expiry = 1"
printf '[core]\nstore = x.db\n[lists]\nexpiry = soon\n' > bad.conf
expect 2 "bad config" -- "$bin" -c bad.conf lists stats
has err.txt "bad.conf:4:"; has err.txt "lists.expiry"
expect 0 "config --help" -- "$bin" config --help; has out.txt "usage: ispshield [GLOBAL OPTIONS] config"
expect 2 "config with an argument" -- "$bin" config extra
expect 0 "subscribers show --help" -- "$bin" subscribers show --help; has out.txt "usage: ispshield subscribers show"
expect 2 "bad -o" -- "$bin" -o lists.nokey=1 config
expect 0 "-o override" -- "$bin" -o lists.rpz-ttl=1h config
has out.txt "rpz-ttl = 3600"
# expiry: entries imported with a 1 s lifetime are gone from the next snapshot
printf 'short-lived.example\n' > short.txt
expect 0 "import with expiry" -- "$bin" -c good.conf lists import --list exp --kind domain short.txt
# (wait for the state, a snapshot without it, rather than for its lifetime)
expired() { "$bin" -q -c good.conf lists compile && ! "$bin" -c good.conf lists check short-lived.example; }
check "expired entry no longer matches a snapshot compiled after its lifetime" until_ok expired
expect 0 "compile after expiry" -- "$bin" -c good.conf lists compile
expect 1 "expired entry still gone" -- "$bin" -c good.conf lists check short-lived.example

finish lists_cli
