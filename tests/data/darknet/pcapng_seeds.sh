#!/usr/bin/env bash
# pcapng_seeds.sh -- remakes the pcapng seeds of fuzz/corpus/darknet/ (issue 15 item 11:
# the fuzz target had no pcapng input that reached simple packet blocks, nanosecond
# resolution, several interfaces or a big-endian section). Real files cut from the pcap
# seeds by editcap/mergecap; the simple-packet-block and big-endian forms are rewritten
# from editcap's output by the Python below, block by block; ng-spb-short.pcapng is the
# crafted 12-byte simple packet block that made capread.c's caplen wrap round.
# Usage: tests/data/darknet/pcapng_seeds.sh (from the source tree).
set -euo pipefail
c=fuzz/corpus/darknet
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
editcap -r "$c/eth-12.pcap" "$t/e4.pcap" 1-4
editcap -r "$c/raw-12.pcap" "$t/r4.pcap" 1-4
mergecap -F pcapng -w "$c/ng-two-ifs.pcapng" "$t/e4.pcap" "$t/r4.pcap"
editcap -F nsecpcap "$t/e4.pcap" "$t/e4ns.pcap"
editcap -F pcapng "$t/e4ns.pcap" "$c/ng-nsec.pcapng"
editcap -F pcapng "$t/e4.pcap" "$t/e4.pcapng"
python3 - "$t/e4.pcapng" "$c" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
raw = open(src, 'rb').read()
blocks, off = [], 0
while off < len(raw):
    typ, ln = struct.unpack_from('<II', raw, off)
    blocks.append((typ, raw[off + 8:off + ln - 4]))
    off += ln
def block(typ, body, e='<'):
    body += b'\0' * (-len(body) % 4)
    return struct.pack(e + 'II', typ, len(body) + 12) + body + struct.pack(e + 'I', len(body) + 12)
spb = b''
for typ, body in blocks:
    if typ == 6:  # enhanced -> simple: original length, then the packet
        caplen, origlen = struct.unpack_from('<II', body, 12)
        spb += block(3, struct.pack('<I', origlen) + body[20:20 + caplen])
    else:
        spb += block(typ, body)
open(out + '/ng-spb.pcapng', 'wb').write(spb)
# big-endian: section header, one interface (Ethernet, snap 0), the packets as EPBs
be = block(0x0A0D0D0A, struct.pack('>IHHq', 0x1A2B3C4D, 1, 0, -1), '>')
be += block(1, struct.pack('>HHI', 1, 0, 0), '>')
for typ, body in blocks:
    if typ == 6:
        ifid, hi, lo, caplen, origlen = struct.unpack_from('<IIIII', body, 0)
        be += block(6, struct.pack('>IIIII', ifid, hi, lo, caplen, origlen) + body[20:20 + caplen], '>')
open(out + '/ng-bigendian.pcapng', 'wb').write(be)
# the crafted one: a 12-byte simple packet block, then a good one
short = spb[:spb.index(struct.pack('<I', 3))]  # section and interface blocks
first = [b for b in blocks if b[0] == 6][0][1]
short += struct.pack('<III', 3, 12, 12)
short += block(3, struct.pack('<I', 54) + first[20:20 + 54])
open(out + '/ng-spb-short.pcapng', 'wb').write(short)
PY
