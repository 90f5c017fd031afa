#!/usr/bin/env bash
# Integration test of `lists sync` from a TAXII 2.1 collection (issue 22): a TAXII server
# written to the specification in Python (tests/data/taxii/taxii_server.py, loopback,
# paging by next, added_after, X-TAXII-Date-Added-Last, the TAXII media type, basic and
# bearer authentication). Covers: a credentials file readable by others refused; three
# pages on the first sync, indicators into NAME-domain/-url/-ip with the unsupported
# pattern named; the next sync asks added_after = the last page's date and applies only
# what was added (a revoked version removes its entry, a new indicator is added); a sync
# with nothing new is not-modified; wrong credentials change nothing; state recorded.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
on_exit() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
port=$(freeport)
ind() { # id date pattern [revoked]
  printf '{"date_added":"%s","object":{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-11-01T00:00:00.000Z","modified":"%s","pattern":"%s","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","name":"taxii test"%s}}' \
    "$2" "$1" "$2" "$3" "${4:+,\"revoked\":true}"
}
a=00000000-0000-4000-8000-00000000000
cat > coll.json <<E
[$(ind ${a}1 2026-12-01T00:00:01.000Z "[domain-name:value = 'c2.taxii.example']"),
 $(ind ${a}2 2026-12-01T00:00:02.000Z "[url:value = 'http://dl.taxii.example/x.exe']"),
 $(ind ${a}3 2026-12-01T00:00:03.000Z "[ipv4-addr:value = '198.51.100.7']"),
 $(ind ${a}4 2026-12-01T00:00:04.000Z "[file:hashes.'SHA-256' = 'aa']"),
 {"date_added":"2026-12-01T00:00:05.000Z","object":{"type":"malware","spec_version":"2.1","id":"malware--${a}5","name":"x","is_family":true}}]
E
python3 "$src/tests/data/taxii/taxii_server.py" $port coll.json req.log "Basic $(printf 'isac:s3cret' | base64)|Bearer tok-3f9a" & pids+=($!)
wait_tcp $port || die "taxii server did not listen"
printf 'basic isac:s3cret\n' > auth && chmod 644 auth
url=taxii2+http://127.0.0.1:$port/api1/collections/c1/
isp() { "$bin" --store "$work/t.db" --snapshot "$work/snap.bin" -o sync.url=$url -o sync.taxii-auth-file="$work/auth" -o sync.taxii-list=isac "$@"; }
expect 4 "credentials readable by others" -- isp lists sync
has err.txt "readable by group or others"
chmod 600 auth

expect 0 "first sync" -- isp lists sync --json
has err.txt "ok, added up to 2026-12-01T00:00:05.000Z, 3 list(s), 3 entries"
has err.txt "indicator--${a}4: pattern object path 'file:hashes.'SHA-256'' is not supported"
eq "$(grep -c 'objects/' req.log)" "3" "three pages"
has req.log "/api1/collections/c1/objects/?next=p2"
has req.log "/api1/collections/c1/objects/?next=p4"
has out.txt '"added_last":"2026-12-01T00:00:05.000Z"'
expect 0 "domain list" -- isp lists export --list isac-domain --format domains
has out.txt "c2.taxii.example"
expect 0 "url list" -- isp lists export --list isac-url --format domains
has out.txt "http://dl.taxii.example/x.exe"
expect 0 "ip list" -- isp lists export --list isac-ip --format domains
has out.txt "198.51.100.7"
expect 0 "in the snapshot" -- isp lists check c2.taxii.example
has out.txt "isac-domain"

# the collection changes: the domain indicator revoked, a new domain added
python3 - coll.json <<'P'
import json, sys
c = json.load(open(sys.argv[1]))
for o in (dict(c[0]["object"], modified="2026-12-02T00:00:00.000Z", revoked=True),
          dict(c[0]["object"], id="indicator--00000000-0000-4000-8000-000000000009",
               pattern="[domain-name:value = 'new.taxii.example']")):
    c.append({"date_added": "2026-12-02T00:00:0%d.000Z" % len(c), "object": o})
json.dump(c, open(sys.argv[1], "w"))
P
: > req.log
expect 0 "second sync" -- isp lists sync
eq "$(cat req.log)" "/api1/collections/c1/objects/?added_after=2026-12-01T00%3A00%3A05.000Z" "only what was added since"
expect 0 "domain list after" -- isp lists export --list isac-domain --format domains
has out.txt "new.taxii.example"
hasnt out.txt "c2.taxii.example"   # revoked
expect 0 "ip list kept" -- isp lists export --list isac-ip --format domains
has out.txt "198.51.100.7"

expect 0 "nothing new" -- isp lists sync
has err.txt "not-modified"
printf 'bearer tok-3f9a\n' > auth
expect 0 "bearer token" -- isp lists sync
has err.txt "not-modified"
printf 'basic isac:wrong\n' > auth
expect 4 "wrong credentials" -- isp lists sync
has err.txt "HTTP status 401"
has err.txt "nothing changed"
expect 0 "still there" -- isp lists export --list isac-domain --format domains
has out.txt "new.taxii.example"

# a local copy cut short: the collection is asked again from the start, and the merge
# still keeps the later (revoked) version of the domain indicator
printf 'bearer tok-3f9a\n' > auth
copy=$(ls "$work"/taxii-*.json)
[ -f "$copy" ] || die "no local copy beside the snapshot"
head -c 200 "$copy" > cut.json && cp cut.json "$copy"
: > req.log
expect 0 "sync after a broken copy" -- isp lists sync
hasnt req.log "added_after"
eq "$(grep -c 'objects/' req.log)" "4" "all pages again"
expect 0 "domain list from the start" -- isp lists export --list isac-domain --format domains
has out.txt "new.taxii.example"
hasnt out.txt "c2.taxii.example"
has "$copy" '"revoked":true'
finish lists_taxii
