#!/usr/bin/env bash
# Integration test of Shadowserver reports through `ispshield events import`, read by the
# report schema (events.shadowserver-schema): several report types found by their
# header, by their file name and by name, each stored with its type's cause; a report
# type the shipped schema lacks read after pointing the key at a newer schema (no new
# code); a header no report type matches and a missing schema refused (fail closed).
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
isp() { "$bin" --store "$work/ev.db" "$@"; }
d=$src/tests/data/evfmt
q() { sqlite3 "$work/ev.db" "$1"; }

# --- the schema shipped with ispshield, found beside the binary (default key)
expect 0 "open resolvers" -- isp events import --source shadowserver "$d/scan_dns.in"
has err.txt "format shadowserver scan_dns"
expect 3 "cwmp, auto" -- isp events import --source shadowserver "$d/ss_scan_cwmp.in"
has err.txt "format shadowserver scan_cwmp"; has err.txt "ss_scan_cwmp.in:4: bad address '192.0.2.300'"
expect 0 "brute force" -- isp events import --source shadowserver "$d/ss_honeypot_brute_force.in"
cp "$d/2026-11-23-scan_ssdp-asn64496.in" .
expect 0 "ssdp by file name" -- isp events import --source shadowserver --format shadowserver 2026-11-23-scan_ssdp-asn64496.in
has err.txt "format shadowserver scan_ssdp"
expect 0 "proxy by name" -- isp events import --source shadowserver --format scan_http_proxy "$d/ss_http_proxy.in"
eq "$(q "select cause from events where ip = '192.0.2.10'")" open-resolver "scan_dns cause"
eq "$(q "select cause from events where ip = '192.0.2.44'")" vulnerable-router "cwmp cause"
eq "$(q "select cause || ' ' || family from events where ip = '2001:db8:44::7'")" "cc mirai" "brute-force cause"
eq "$(q "select cause from events where ip = '192.0.2.191'")" vulnerable-router "ssdp cause"
eq "$(q "select cause from events where ip = '192.0.2.80'")" open-proxy "proxy cause"
q "select detail from events where ip = '192.0.2.44'" > det.txt
has det.txt 'port=7547/tcp; http=HTTP/1.1; http_code=401'

# --- a report type the shipped schema lacks: a newer schema, not a newer ispshield
python3 - "$src/data/shadowserver/schema.json" > newer.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
new = json.loads(json.dumps(s["scan_ssdp"]))
new["file_name"] = "scan_ipp"
new["constant_fields"] = {"classification.identifier": "open-ipp",
                          "classification.taxonomy": "vulnerable",
                          "classification.type": "vulnerable-system"}
new["optional_fields"] = [f for f in new["optional_fields"] if f[0] != "extra." or f[1] in ("tag", "severity")]
new["optional_fields"] += [["extra.", "ipp_version"], ["extra.", "printer_make_and_model"]]
s["scan_ipp"] = new
s["bad_one"] = {"required_fields": "not a list"}
json.dump(s, sys.stdout)
PY
printf '"timestamp","ip","port","protocol","tag","ipp_version","printer_make_and_model"\n"2026-11-24 01:02:03","192.0.2.222","631","tcp","ipp","2.0","HP LaserJet"\n' > ipp.csv
expect 2 "unknown type with the shipped schema" -- isp events import --source shadowserver --format scan_ipp ipp.csv
has err.txt "--format scan_ipp: expected auto, csv, shadowserver or a report type"
expect 0 "newer schema" -- isp -o events.shadowserver-schema="$work/newer.json" events import --source shadowserver --format scan_ipp ipp.csv
has err.txt "format shadowserver scan_ipp"
has err.txt "newer.json: report bad_one: a field list is not a list"
eq "$(q "select cause || ' ' || detail from events where ip = '192.0.2.222'")" \
   "vulnerable-router port=631/tcp; ipp_version=2.0; printer_make_and_model=HP LaserJet" "ipp row"

# --- refused: a header no report type matches; no schema at all
printf 'ip,timestamp\n192.0.2.1,2026-11-22 10:00:00\n' > plain.csv
expect 4 "no report type" -- isp events import --source shadowserver --format shadowserver plain.csv
has err.txt "plain.csv:1: no usable shadowserver header: no report type of the schema matches it"
expect 4 "missing schema" -- isp -o events.shadowserver-schema="$work/none.json" events import --source x "$d/scan_dns.in"
has err.txt "needed to tell Shadowserver reports from other lists"
expect 0 "generic csv without a schema" -- isp -o events.shadowserver-schema= events import --source x plain.csv
has err.txt "format csv"
finish events_shadowserver
