#!/usr/bin/env bash
# Integration test of the threat-intel exchange formats through `ispshield lists import`:
# a STIX 2.1 bundle into domain, url and ip lists (each indicator's values to the list of
# their kind, the unsupported pattern named FILE:LINE: indicator--ID), a bundle of
# unsupported patterns refused by the import guard, a MISP feed directory (manifest.json
# and its event files: attributes with to_ids, tags and info as category and reference,
# a bad manifest member and a missing event file named), auto-detection, and re-import.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
on_exit() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
isp() { "$bin" --store "$work/t.db" "$@"; }
lf=$src/tests/data/listfmt
feed=$src/tests/data/intel/misp-feed

# --- STIX: one bundle, three lists; the snort indicator rejected with its line and id
expect 3 "stix into a domain list" -- isp lists import --list c2 --kind domain --format stix "$lf/stix_bundle.in"
has err.txt "stix_bundle.in:85: indicator--e860a8a4-1d5d-4a3f-b3a8-8a2f4b0c8e71: pattern_type 'snort' is not supported"
has err.txt "2 accepted"
expect 0 "export c2" -- isp lists export --list c2 --format csv
has out.txt "evil.example.com,block"
has out.txt "c2.evil.example,block"
has out.txt "malicious-activity attribution emotet,indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
hasnt out.txt "shared.example" # revoked
expect 3 "stix into a url list" -- isp lists import --list urls --kind url "$lf/stix_bundle.in"
has err.txt "format stix"; has err.txt "2 accepted"
expect 0 "export urls" -- isp lists export --list urls --format domains
has out.txt "http://x4z9arb.cn/4712/"
expect 3 "stix into an ip list" -- isp lists import --list ips --kind ip "$lf/stix_bundle.in"
has err.txt "2 accepted"
expect 0 "export ips" -- isp lists export --list ips --format domains
has out.txt "198.51.100.0/24"; has out.txt "2001:db8::66"

# --- a bundle of unsupported patterns: each named, and the guard refuses the import
expect 4 "unsupported patterns" -- isp lists import --list c2 --source partner --format stix "$lf/stix_unsupported.in"
has err.txt "stix_unsupported.in:5: indicator--00000000-0000-4000-8000-000000000000: pattern 'AND' is not supported"
has err.txt "stix_unsupported.in:27: indicator--00000000-0000-4000-8000-000000000002: pattern qualifier 'REPEATS' is not supported"
has err.txt "stix_unsupported.in:238: objects[23]: invalid JSON: duplicate object key"
has err.txt "refused, nothing changed"

# --- a cut download: what came before the cut is named as read, the cut as a reject
expect 3 "truncated bundle" -- isp lists import --list cut --kind domain --allow-shrink "$lf/stix_truncated.in"
has err.txt "stix_truncated.in:21: JSON ends early"

# --- MISP feed directory
expect 3 "misp feed" -- isp lists import --list c2 --source circl --format misp "$feed"
has err.txt "manifest.json:24: '../../../etc/passwd' is not an event UUID, skipped"
has err.txt "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0.json: event listed in the manifest"
has err.txt "5b3e9f1a-6f4c-4d2e-9a61-0c2b8e7f4a11.json:92: domain|ip value 'only-a-domain.example' is not two parts"
has err.txt "format misp"
has err.txt "4 accepted"
expect 0 "export after the feed" -- isp lists export --list c2 --format csv
has out.txt "loader.evil.example,block"
has out.txt "login-bank.phish.example,block"
has out.txt "panel.evil.example,block"
has out.txt 'OSINT - Emotet epoch 5 C2 and loader URLs'
has out.txt 'circl:incident-classification=""phishing""'
hasnt out.txt "www.google.com" # to_ids false
expect 3 "misp feed into an ip list" -- isp lists import --list mispips --kind ip "$feed"
has err.txt "3 accepted" # ip-dst|port, the ip of domain|ip, the object's ip-dst
expect 0 "export misp ips" -- isp lists export --list mispips --format domains
has out.txt "203.0.113.15"; has out.txt "2001:db8:bad::1"; hasnt out.txt "192.0.2.99" # deleted
hasnt out.txt "198.51.100.23" # decayed

# --- re-import of the same feed changes nothing
expect 3 "misp feed again" -- isp lists import --list c2 --source circl "$feed"
has err.txt "0 added"

# --- the same feed by URL (a web server on loopback): mirrored, then only the events
# whose manifest timestamp changed are fetched again
mkdir www && cp -r "$feed" www/feed
port=$(freeport)
python3 -m http.server --bind 127.0.0.1 --directory www $port 2>web.log >/dev/null & pids+=($!)
wait_tcp $port || bad "web server"
murl=http://127.0.0.1:$port/feed/manifest.json
expect 2 "a URL needs --format misp" -- isp lists import --list c2url --kind domain "$murl"
expect 3 "misp feed by URL" -- isp lists import --list c2url --kind domain --format misp "$murl"
has err.txt "2 events fetched, 0 unchanged, 1 failed"
has err.txt "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0.json: HTTP status 404"
has err.txt "4 accepted"
eq "$(grep -c 'GET /feed/' web.log)" "4" "manifest and three events asked"
sed -i 's/"timestamp": 1707951600/"timestamp": 1707951601/' www/feed/manifest.json
sed -i 's/panel.evil.example/panel2.evil.example/' www/feed/5b3e9f1a-6f4c-4d2e-9a61-0c2b8e7f4a11.json
: > web.log
expect 3 "misp feed by URL again" -- isp lists import --list c2url --format misp "$murl"
has err.txt "1 events fetched, 1 unchanged, 1 failed"
hasnt web.log "a6ef17d6"   # unchanged: not fetched
has web.log "GET /feed/5b3e9f1a-6f4c-4d2e-9a61-0c2b8e7f4a11.json"
expect 0 "the changed event applied" -- isp lists export --list c2url --format domains
has out.txt "panel2.evil.example"; hasnt out.txt "panel.evil.example"

# --- a directory is only a MISP feed
expect 4 "directory as csv" -- isp lists import --list c2 --format csv "$feed"
has err.txt "only a MISP feed"

# --- export as a STIX 2.1 bundle, checked for the properties STIX 2.1 requires, read
# back by the STIX reader into fresh lists: the same values; ids stable across exports
for l in c2 urls ips; do
  expect 0 "export $l as stix" -- isp lists export --list $l --format stix --out $l.json
  has err.txt "written as stix"
  expect 0 "stix shape $l" -- python3 - $l.json <<'PY'
import json, re, sys
b = json.load(open(sys.argv[1]))
uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
ts = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"
assert b["type"] == "bundle" and re.match("bundle--" + uuid, b["id"])
for o in b["objects"]:
    assert o["type"] == "indicator" and o["spec_version"] == "2.1"
    assert re.match("indicator--" + uuid, o["id"]), o["id"]
    for k in ("created", "modified", "valid_from"):
        assert re.match(ts, o[k]), (k, o[k])
    assert o["pattern_type"] == "stix" and o["pattern"].startswith("[")
    assert o["modified"] >= o["created"]
print(len(b["objects"]))
PY
  expect 0 "re-import $l" -- isp lists import --list back-$l --kind $(case $l in c2) echo domain;; urls) echo url;; ips) echo ip;; esac) --format stix $l.json
  isp lists export --list $l --format domains 2>/dev/null | sort > a.txt
  isp lists export --list back-$l --format domains 2>/dev/null | sort > b.txt
  check "$l: the same values after the round trip" cmp -s a.txt b.txt
done
has urls.json "it\\\\'s\\\\\\\\here" # the quote and backslash escaped in the pattern, then in JSON
isp lists export --list c2 --format stix 2>/dev/null | grep -o 'indicator--[0-9a-f-]*' | sort > ids1.txt
grep -o 'indicator--[0-9a-f-]*' c2.json | sort > ids0.txt
check "ids stable across exports" cmp -s ids0.txt ids1.txt
expect 0 "allow one" -- isp lists allow add c2.evil.example --reason test
expect 0 "export after the allow" -- isp lists export --list c2 --format stix
hasnt out.txt "'c2.evil.example'"; has err.txt "left out by the allowlist"

# --- one event file, detected
expect 3 "misp event detected" -- isp lists import --list one --kind domain "$lf/misp_feed_event.in"
has err.txt "format misp"
finish lists_intel
