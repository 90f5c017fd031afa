#!/usr/bin/env bash
# Integration test of `ispshield darknet` through the real binary. Captures are written
# by tests/data/darknet/gen.py (which also computes the expected figures on its own);
# tcpdump and tshark count the records as a cross-check; editcap makes the pcapng
# copies, gzip the compressed ones; a tiny mmdb is built with MaxMind::DB::Writer. Checks:
# every figure against the expected ones (JSON), the CSV days table, pcapng and gzip
# input giving the same figures, file order, the report (valid SVG/XML, self-contained
# HTML), events in the store (and nothing with --dry-run), bad files reported with file
# and record number with the rest analysed, live capture on loopback.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
gen=$src/tests/data/darknet
S=198.51.100.0/24,203.0.113.0/24,2001:db8:dead::/48
dn() { "$bin" darknet --sensor "$S" --own 10.20.0.0/16 "$@"; }
# figures without the file list, for comparing runs over different encodings
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("files"); print(json.dumps(d, sort_keys=True))' "$1"; }

mkdir cap && python3 "$gen/gen.py" cap || { echo "generator failed"; exit 1; }
files="cap/eth.pcap cap/sll.pcap cap/sll2.pcap cap/raw.pcap"

# --- usage
expect 0 "darknet --help" -- "$bin" darknet --help; has out.txt "usage: ispshield darknet"
expect 2 "no --sensor" -- "$bin" darknet cap/eth.pcap; has err.txt "--sensor"
expect 2 "bad --sensor" -- "$bin" darknet --sensor 300.1.2.3/8 cap/eth.pcap
expect 2 "no files" -- "$bin" darknet --sensor "$S"
expect 2 "json and csv" -- dn --json --csv cap/eth.pcap

# --- figures, files given out of time order; records cross-checked with tcpdump
expect 3 "json (fragments make it partial)" -- dn --json --top 64 --sources 0 cap/raw.pcap cap/sll.pcap cap/eth.pcap cap/sll2.pcap
cp out.txt all.json
has err.txt "cap/eth.pcap: record "
has err.txt ": fragment"
if python3 "$gen/check.py" cap/expected.json all.json; then ok; else bad "figures differ from expected"; fi
# the same 6 sources hit 2323/tcp on day 0, those and 4 more on day 1 (gen.py): distinct
# over the period 10, summed over days 16; on each IPv4 sensor the same
period() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=[x for x in d["ports"]["top"] if x["proto"]=="tcp" and x["port"]==2323][0]; print(p["sources"], p["source_days"], p["packets"])' "$1"; }
eq "$(period all.json)" "10 16 32" "2323/tcp over the period: sources, source_days, packets"
n_tcpdump=0
for f in $files; do n_tcpdump=$((n_tcpdump + $(tcpdump -nr "$f" 2>/dev/null | wc -l))); done
eq "$(python3 -c 'import json; print(json.load(open("all.json"))["records"])')" "$n_tcpdump" "records vs tcpdump"
python3 -c 'import json; d=json.load(open("all.json")); print(" ".join(d["files"]))' > order.txt
has order.txt "cap/eth.pcap cap/sll.pcap cap/sll2.pcap cap/raw.pcap"

# --- CSV: the days table agrees with the JSON
expect 3 "csv" -- dn --csv --top 64 --sources 0 $files
python3 - out.txt all.json <<'PY' && ok || bad "csv days table differs from json"
import csv, json, sys
rows, table = {}, None
for line in open(sys.argv[1]):
    if line.startswith('# table '):
        table = line.split()[2]; hdr = None; continue
    if table == 'days' and line.strip():
        r = next(csv.reader([line]))
        if r[0] == 'day': hdr = r; continue
        rows[(r[0], r[1])] = dict(zip(hdr, r))
d = json.load(open(sys.argv[2]))
for day in d['days']:
    r = rows[(day['day'], 'all')]
    assert int(r['packets']) == day['packets'] and int(r['sources']) == day['sources'], day
    for s in day['sensors']:
        r = rows[(day['day'], s['sensor'])]
        assert int(r['source_ports']) == s['source_ports'], s
PY

# --- CSV and text: the period figures agree with the JSON
python3 - out.txt all.json <<'PY' && ok || bad "csv port_totals/sensor_totals differ from json"
import csv, json, sys
t, table = {}, None
for line in open(sys.argv[1]):
    if line.startswith('# table '):
        table = line.split()[2]; t[table] = []; hdr = None; continue
    if table and line.strip():
        r = next(csv.reader([line]))
        if hdr is None: hdr = r; continue
        t[table].append(dict(zip(hdr, r)))
d = json.load(open(sys.argv[2]))
ports = {(r['proto'], int(r['port'])): r for r in t['port_totals']}
assert len(ports) == len(d['ports']['top'])
for p in d['ports']['top']:
    r = ports[(p['proto'], p['port'])]
    assert (int(r['packets']), int(r['sources']), int(r['source_days'])) == \
        (p['packets'], p['sources'], p['source_days']), (r, p)
sens = {r['sensor']: r for r in t['sensor_totals']}
assert len(sens) == len(d['sensor_totals']) == 3
for s in d['sensor_totals']:
    r = sens[s['sensor']]
    for k in ('packets', 'sources', 'source_days', 'source_ports'):
        assert int(r[k]) == s[k], (k, r, s)
PY
expect 3 "text" -- dn --top 64 $files
has out.txt "port 2323/tcp  sources 10 over the period, 16 summed over days"
grep -q "^sensor 198.51.100.0/24  packets [0-9]*  sources [0-9]* over the period" out.txt && ok || bad "text sensor totals"

# --- pcapng (editcap) and gzip give the same figures; tshark agrees on the count
mkdir ng gz
for f in $files; do
  b=$(basename "$f" .pcap)
  editcap -F pcapng "$f" "ng/$b.pcapng" || bad "editcap $f"
  gzip -c "$f" > "gz/$b.pcap.gz"
done
gzip -c ng/eth.pcapng > ng/eth.pcapng.gz && rm ng/eth.pcapng
expect 3 "pcapng" -- dn --json --top 64 --sources 0 ng/*
cp out.txt ng.json
eq "$(strip ng.json)" "$(strip all.json)" "pcapng figures"
n_tshark=0
for f in ng/*; do n_tshark=$((n_tshark + $(tshark -r "$f" 2>/dev/null | wc -l))); done
eq "$n_tshark" "$n_tcpdump" "tshark vs tcpdump record count"
expect 3 "gzip" -- dn --json --top 64 --sources 0 gz/*
cp out.txt gz.json
eq "$(strip gz.json)" "$(strip all.json)" "gzip figures"

# --- country database
perl "$gen/mkmmdb.pl" t.mmdb && mmdblookup --file t.mmdb --ip 100.64.0.1 country iso_code | grep -q JP && ok || bad "mkmmdb"
expect 3 "geoip" -- dn --json --geoip t.mmdb $files
python3 - out.txt <<'PY' && ok || bad "countries"
import json, sys
c = {x['country']: x for x in json.load(open(sys.argv[1]))['countries']}
assert c['JP']['sources'] == 90 and c['US']['sources'] == 10 and c['DE']['sources'] == 5, c
assert 'unknown' in c
PY
expect 3 "no geoip: unknown" -- dn --json $files; has out.txt '"country": "unknown"'
hasnt out.txt '"country": "JP"'
expect 4 "missing mmdb" -- dn --geoip nosuch.mmdb $files

# --- report
expect 3 "report" -- dn --report rep $files
for f in index.html packets.svg sources.svg ports.svg countries.svg darknet.json darknet.csv; do
  [ -s "rep/$f" ] && ok || bad "report lacks $f"
done
python3 - rep <<'PY' && ok || bad "report SVG/HTML invalid"
import sys, os, re, xml.etree.ElementTree as ET
d = sys.argv[1]
for f in ('packets.svg', 'sources.svg', 'ports.svg', 'countries.svg'):
    root = ET.parse(os.path.join(d, f)).getroot()
    assert root.tag == '{http://www.w3.org/2000/svg}svg', f
    assert len(list(root.iter())) > 5, f
html = open(os.path.join(d, 'index.html')).read()
assert 'Ports over the period' in html and 'Sensors over the period' in html
assert '<td>2323/tcp</td><td>32</td><td>10</td><td>16</td>' in html, 'period row of 2323/tcp'

assert html.count('<svg') == 4
assert not re.search(r'(src|href)\s*=', html), 'external reference'
assert '<script' not in html
# the inline SVGs parse as XML too
for m in re.finditer(r'<svg.*?</svg>', html, re.S):
    ET.fromstring(m.group(0))
PY

# --- events into the store, and none with --dry-run
expect 3 "dry run" -- dn --store ev.db --dry-run $files
[ ! -e ev.db ] && ok || bad "--dry-run created the store"
expect 3 "store events" -- dn --store ev.db $files
has err.txt "4 infected-host events recorded"
eq "$(sqlite3 ev.db "select count(*) from events e join batches b on b.id = e.batch_id where b.source = 'darknet' and e.cause = 'cc'")" 4 "events"
eq "$(sqlite3 ev.db "select family from events where ip = '10.20.9.9'")" mirai "mirai family"
sqlite3 ev.db "select detail from events where ip = '10.20.0.5'" > det.txt
has det.txt "ports 445/tcp, packets 12"
has det.txt "first 2023-11-15"
eq "$(sqlite3 ev.db "select rows from batches where source = 'darknet'")" 4 "batch rows"
if "$bin" notify --help >/dev/null 2>&1; then
  expect 0 "notify report" -- "$bin" --store ev.db notify report; has out.txt darknet
fi

# --- bad files: reported with file and record number, the rest analysed
python3 - cap/eth.pcap <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
open('trunc.pcap', 'wb').write(b[:-10])
v = bytearray(b); v[4:6] = struct.pack('<H', 3); open('version.pcap', 'wb').write(v)
l = bytearray(b); l[20:24] = struct.pack('<I', 147); open('link.pcap', 'wb').write(l)
s = bytearray(b); s[16:20] = struct.pack('<I', 64); open('snap.pcap', 'wb').write(s)
# record 5's captured length made impossible
off = 24
for i in range(4):
    off += 16 + struct.unpack('<I', b[off + 8:off + 12])[0]
r = bytearray(b); r[off + 8:off + 12] = struct.pack('<I', 0x7fffffff); open('len.pcap', 'wb').write(r)
open('garbage.pcap', 'wb').write(b'this is not a capture at all, no sir' * 10)
PY
n_eth=$(tcpdump -nr cap/eth.pcap 2>/dev/null | wc -l)
expect 3 "truncated" -- dn --json trunc.pcap
has err.txt "trunc.pcap: record $n_eth: record needs"
eq "$(python3 -c 'import json,sys; print(json.load(open("out.txt"))["records"])')" $((n_eth - 1)) "truncated: rest analysed"
expect 4 "bad version only" -- dn version.pcap; has err.txt "version.pcap: pcap version 3"
expect 3 "bad version + good file" -- dn --json version.pcap cap/sll.pcap
has err.txt "version.pcap"
python3 -c 'import json,sys; assert json.load(open("out.txt"))["records"] > 0' && ok || bad "rest not analysed"
expect 3 "unknown link type" -- dn --json link.pcap; has err.txt "link type 147"
python3 -c 'import json,sys; d=json.load(open("out.txt")); assert d["bad"]["unknown link type"] == d["records"] > 0' && ok || bad "link records"
expect 3 "snap length" -- dn --json snap.pcap; has err.txt "past the snap length"
n_big=$(python3 -c '
import struct
b = open("cap/eth.pcap", "rb").read(); off = 24; n = 0
while off < len(b):
    c = struct.unpack("<I", b[off+8:off+12])[0]; n += c > 64; off += 16 + c
print(n)')
python3 -c "import json; d=json.load(open('out.txt')); assert d['records'] == $n_eth - $n_big and d['file_problems']['captured length past snap length'] == $n_big" && ok || bad "snap length counts"
expect 3 "impossible length" -- dn --json len.pcap; has err.txt "len.pcap: record 5: captured length 2147483647"
eq "$(python3 -c 'import json,sys; print(json.load(open("out.txt"))["records"])')" 4 "records before the bad one"
expect 3 "garbage + good file" -- dn --json garbage.pcap cap/sll.pcap; has err.txt "garbage.pcap: magic"
printf '\x1f\x8b\x08\x00garbage' > badgz.pcap.gz
expect 4 "corrupt gzip" -- dn badgz.pcap.gz
expect 4 "missing file" -- dn nosuch.pcap; has err.txt "nosuch.pcap"

# --- live capture on loopback (needs CAP_NET_RAW; skipped without it)
# only 127.0.0.222 is the sensor, an address no other test uses (tests running at the same
# time send to and from 127.0.0.1, .2, .3, .9, .10-.29 and .53: their packets are not counted)
# --count: it stops after 30 packets to the sensor (a kernel filter keeps the others out);
# the sender keeps sending until then (at most 2000 packets), once the capture runs
timeout 120 "$bin" darknet --sensor 127.0.0.222/32 --interface lo --count 30 --json > live.json 2> live.err &
lp=$!
until_ok grep -qE 'capturing on lo|permission|not permitted' live.err
python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):
    try:
        os.kill(int(sys.argv[1]), 0)
    except OSError:
        break
    s.sendto(b"x", ("127.0.0.222", 9999)); time.sleep(0.02)' $lp
wait $lp; lrc=$?
if [ $lrc -eq 4 ] && grep -qiE "permission|not permitted" live.err; then
  echo "live capture skipped (no permission)" >&2
else
  eq "$lrc" 0 "live exit"
  python3 -c '
import json
d = json.load(open("live.json"))
p = [x for x in d["ports"]["top"] if x["proto"] == "udp" and x["port"] == 9999]
assert p and p[0]["packets"] == 30, d["ports"]' && ok || bad "live capture figures"
fi

finish darknet
