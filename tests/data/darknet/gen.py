#!/usr/bin/env python3
"""Darknet test captures with known figures (tests/integration/darknet.sh).

Writes OUT/eth.pcap (Ethernet, some frames VLAN-tagged, IPv4 and IPv6), OUT/sll.pcap
(Linux cooked v1), OUT/sll2.pcap (cooked v2), OUT/raw.pcap (raw IP, nanosecond pcap,
big-endian) -- consecutive slices of one time-ordered stream -- and OUT/expected.json: the figures computed here, independently of the C
code, from the list of packets as generated. Deterministic (seeded).

Sensors: 198.51.100.0/24, 203.0.113.0/24, 2001:db8:dead::/48. Own range: 10.20.0.0/16.
"""
import json, random, struct, sys, os
from collections import defaultdict
from ipaddress import ip_address, ip_network

OUT = sys.argv[1]
rnd = random.Random(7)
SENSORS = [ip_network('198.51.100.0/24'), ip_network('203.0.113.0/24'),
           ip_network('2001:db8:dead::/48')]
OWN = ip_network('10.20.0.0/16')
DAY0 = 1700006400  # 2023-11-15 00:00:00 UTC

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip4(src, dst, proto, payload, ipid=1, frag=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ipid, frag, 64, proto, 0,
                    ip_address(src).packed, ip_address(dst).packed)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def ip6(src, dst, nh, payload):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nh, 64,
                       ip_address(src).packed, ip_address(dst).packed) + payload

def tcp(sport, dport, seq, flags):
    return struct.pack('!HHIIBBHHH', sport, dport, seq, 0, 0x50, flags, 1024, 0, 0)

def udp(sport, dport):
    return struct.pack('!HHHH', sport, dport, 8, 0)

def icmp(t, code=0):
    return struct.pack('!BBHI', t, code, 0, 0) + b'\0' * 28

pkts = []  # (ts, src, dst, l4 proto name, dport, klass, fp set, ip bytes, vlan)

def add(ts, src, dst, kind, dport=0, seq=None, ipid=None, flags=0x02, vlan=False, frag=0):
    v6 = ':' in dst
    fp = set()
    if kind == 'tcp':
        if seq is None: seq = rnd.getrandbits(32)
        if ipid is None: ipid = rnd.randrange(1, 54321)
        l4 = tcp(rnd.randrange(1024, 65535), dport, seq, flags)
        f = flags & 0x17
        klass = 'scan' if f == 0x02 else ('backscatter' if f == 0x12 or f & 4 else 'other')
        if klass == 'scan' and not v6:
            d = int(ip_address(dst))
            if seq == d: fp.add('mirai')
            if ipid == 54321: fp.add('zmap')
            if ipid == (d ^ dport ^ seq) & 0xffff: fp.add('masscan')
        proto = 6
    elif kind == 'udp':
        l4 = udp(rnd.randrange(1024, 65535), dport); klass = 'scan'; proto = 17
    else:  # icmp: dport = type
        l4 = icmp(dport); proto = 58 if v6 else 1
        klass = 'scan' if dport in (8, 128) else 'backscatter'
    if ipid is None: ipid = rnd.randrange(1, 54321)
    ipb = ip6(src, dst, proto, l4) if v6 else ip4(src, dst, proto, l4, ipid, frag)
    name = {6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp'}[proto]
    pkts.append(dict(ts=ts, src=src, dst=dst, proto=name, dport=dport, klass=klass, fp=fp,
                     ip=ipb, vlan=vlan, frag=frag != 0))

def s1(i): return '198.51.100.%d' % (i % 254 + 1)
def s2(i): return '203.0.113.%d' % (i % 254 + 1)

for day in range(3):
    base = DAY0 + day * 86400
    # Mirai-like: 23/tcp, seq == dst, from 30 sources, each hitting 5 addresses on both sensors
    for k in range(30):
        src = '100.64.%d.%d' % (day, k + 1)
        for j in range(5):
            dst = s1(k * 7 + j) if j % 2 else s2(k * 7 + j)
            add(base + 600 + k * 10 + j, src, dst, 'tcp', 23, seq=int(ip_address(dst)))
    # ZMap: 80/tcp, ip id 54321
    for k in range(10):
        add(base + 3600 + k, '100.65.0.%d' % (k + 1), s1(k), 'tcp', 80, ipid=54321, vlan=True)
    # masscan: 443/tcp, ip id = dst ^ dport ^ seq
    for k in range(8):
        dst = s2(k + 40); seq = rnd.getrandbits(32)
        add(base + 7200 + k, '100.66.0.%d' % (k + 1), dst, 'tcp', 443, seq=seq,
            ipid=(int(ip_address(dst)) ^ 443 ^ seq) & 0xffff)
    # UDP 53 and ICMP echo scans
    for k in range(12):
        add(base + 9000 + k, '100.67.%d.%d' % (day, k + 1), s1(k + 100), 'udp', 53)
        add(base + 9100 + k, '100.67.%d.%d' % (day, k + 1), s1(k + 120), 'icmp', 8)
    # campaign: 8909/tcp, 2 sources on days 0 and 1, 40 on day 2
    for k in range(40 if day == 2 else 2):
        add(base + 20000 + k, '100.68.%d.%d' % (day, k + 1), s2(k), 'tcp', 8909)
    # own-range infected hosts scanning 445/tcp (and one Mirai)
    for k in range(3):
        for j in range(4):
            add(base + 30000 + k * 50 + j, '10.20.%d.%d' % (k, 5), s1(j + 200), 'tcp', 445)
    add(base + 30500, '10.20.9.9', s1(77), 'tcp', 23, seq=int(ip_address(s1(77))))
    # IPv6 scans to the v6 sensor
    for k in range(5):
        add(base + 40000 + k, '2001:db8:beef::%x' % (k + 1), '2001:db8:dead::%x' % (k + 10),
            'tcp', 22)
    # outside the sensor: counted as outside
    for k in range(7):
        add(base + 41000 + k, '100.69.0.1', '192.0.2.%d' % (k + 1), 'tcp', 23)

# the same sources on two days (issue 16): 2323/tcp from 6 sources on day 0 and from the
# same 6 plus 4 more on day 1, two packets each, to both IPv4 sensors. Distinct sources
# over the period: 10; summed over days (延べ): 6 + 10 = 16.
for day, n in ((0, 6), (1, 10)):
    for k in range(n):
        add(DAY0 + day * 86400 + 45000 + k, '100.72.0.%d' % (k + 1), s1(k + 150), 'tcp', 2323)
        add(DAY0 + day * 86400 + 45100 + k, '100.72.0.%d' % (k + 1), s2(k + 150), 'tcp', 2323)

# backscatter: victim 100.70.0.1 SYN-ACKs for 10 minutes on day 0 (an attack: 120
# packets, 600 s); victim 100.70.0.2 RSTs: 10 packets (too few: no attack); ICMP errors
for k in range(120):
    add(DAY0 + 50000 + k * 5, '100.70.0.1', s1(k), 'tcp', 1024 + k, flags=0x12)
for k in range(10):
    add(DAY0 + 51000 + k, '100.70.0.2', s2(k), 'tcp', 2000 + k, flags=0x14)
for k in range(6):
    add(DAY0 + 52000 + k, '100.70.0.3', s1(k), 'icmp', 3)
# a second attack of victim 1 on day 1, after a gap: 30 packets over 90 s
for k in range(30):
    add(DAY0 + 86400 + 50000 + k * 3, '100.70.0.1', s1(k), 'tcp', 5000 + k, flags=0x12)

pkts.sort(key=lambda p: p['ts'])

# fragments (non-first): counted as bad, not analysed
frags = [ip4('100.71.0.1', s1(3), 17, b'\0' * 16, 9, 0x0010) for _ in range(3)]

def eth(ipb, vlan):
    et = 0x86dd if ipb[0] >> 4 == 6 else 0x0800
    h = b'\x00\x11\x22\x33\x44\x55' + b'\x66\x77\x88\x99\xaa\xbb'
    if vlan:
        h += struct.pack('!HH', 0x8100, 100)
    return h + struct.pack('!H', et) + ipb

def sll(ipb):
    et = 0x86dd if ipb[0] >> 4 == 6 else 0x0800
    return struct.pack('!HHH8sH', 0, 1, 6, b'\x00\x11\x22\x33\x44\x55\0\0', et) + ipb

def sll2(ipb):
    et = 0x86dd if ipb[0] >> 4 == 6 else 0x0800
    return struct.pack('!HHIHBB8s', et, 0, 2, 1, 0, 6, b'\x00\x11\x22\x33\x44\x55\0\0') + ipb

def write(path, link, frames, endian='<', nano=False):
    with open(path, 'wb') as f:
        f.write(struct.pack(endian + 'IHHiIII', 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0,
                            65535, link))
        for ts, fr in frames:
            f.write(struct.pack(endian + 'IIII', ts, 0, len(fr), len(fr)) + fr)

# split by time, as a sensor's rotated files are: the first 60 % of the packets into
# eth.pcap, then 15 % sll.pcap, 10 % sll2.pcap, 15 % raw.pcap
files = {'eth': [], 'sll': [], 'sll2': [], 'raw': []}
n = len(pkts)
for i, p in enumerate(pkts):
    if i < n * 60 // 100: files['eth'].append((p['ts'], eth(p['ip'], p['vlan'])))
    elif i < n * 75 // 100: files['sll'].append((p['ts'], sll(p['ip'])))
    elif i < n * 85 // 100: files['sll2'].append((p['ts'], sll2(p['ip'])))
    else: files['raw'].append((p['ts'], p['ip']))
files['eth'] += [(DAY0 + 60000, eth(fr, False)) for fr in frags]
files['eth'].sort(key=lambda x: x[0])
write(os.path.join(OUT, 'eth.pcap'), 1, files['eth'])
write(os.path.join(OUT, 'sll.pcap'), 113, files['sll'])
write(os.path.join(OUT, 'sll2.pcap'), 276, files['sll2'])
write(os.path.join(OUT, 'raw.pcap'), 101, files['raw'], endian='>', nano=True)

# ---- expected figures, computed from the packet list ----
def sensor_of(dst):
    a = ip_address(dst)
    for i, n in enumerate(SENSORS):
        if a.version == n.version and a in n: return str(n)
    return None

def day_of(ts):
    import time
    return time.strftime('%Y-%m-%d', time.gmtime(ts))

days = defaultdict(lambda: dict(packets=0, sources=set(), scan=0, backscatter=0, other=0,
                                sensors=defaultdict(lambda: dict(packets=0, sources=set(),
                                                                 sp=set()))))
ports = defaultdict(lambda: dict(packets=0, sources=set()))
# over the whole period: per (proto, port) and per sensor
ptot = defaultdict(lambda: dict(packets=0, sources=set()))
stot = defaultdict(lambda: dict(packets=0, sources=set()))
srcs = defaultdict(lambda: dict(packets=0, ports=set(), sensors=set(), first=None, last=None,
                                fp=set()))
outside = 0
for p in pkts:
    sn = sensor_of(p['dst'])
    if sn is None:
        outside += 1; continue
    d = day_of(p['ts']); D = days[d]
    D['packets'] += 1; D['sources'].add(p['src']); D[p['klass']] += 1
    S = D['sensors'][sn]; S['packets'] += 1; S['sources'].add(p['src'])
    # backscatter's destination ports are random (spoofed): packets per port only
    bs = p['klass'] == 'backscatter'
    if not bs: S['sp'].add((p['src'], p['proto'], p['dport']))
    P = ports[(d, p['proto'], p['dport'])]; P['packets'] += 1
    if not bs: P['sources'].add(p['src'])
    T = ptot[(p['proto'], p['dport'])]; T['packets'] += 1
    if not bs: T['sources'].add(p['src'])
    stot[sn]['packets'] += 1; stot[sn]['sources'].add(p['src'])
    s = srcs[p['src']]; s['packets'] += 1
    if not bs: s['ports'].add((p['proto'], p['dport']))
    s['sensors'].add(sn); s['fp'] |= p['fp']
    s['first'] = p['ts'] if s['first'] is None else min(s['first'], p['ts'])
    s['last'] = p['ts'] if s['last'] is None else max(s['last'], p['ts'])

exp = dict(records=len(pkts) + len(frags), packets=sum(D['packets'] for D in days.values()),
           outside=outside, fragments=len(frags), days={}, ports={}, sources={},
           own=sorted(a for a in srcs if ip_address(a) in OWN),
           attacks=[['100.70.0.1', 120], ['100.70.0.1', 30]],
           campaigns=[[day_of(DAY0 + 2 * 86400), 'tcp', 8909]])
for d, D in days.items():
    exp['days'][d] = dict(packets=D['packets'], sources=len(D['sources']), scan=D['scan'],
                          backscatter=D['backscatter'], other=D['other'],
                          sensors={k: dict(packets=v['packets'], sources=len(v['sources']),
                                           source_ports=len(v['sp']))
                                   for k, v in D['sensors'].items()})
for (d, pr, po), P in ports.items():
    exp['ports']['%s %s %d' % (d, pr, po)] = dict(packets=P['packets'], sources=len(P['sources']))
# distinct over the period, and the per-day distinct counts summed (延べ)
exp['port_totals'] = {'%s %d' % k: dict(packets=T['packets'], sources=len(T['sources']),
                                        source_days=sum(len(P['sources'])
                                                        for (d, pr, po), P in ports.items()
                                                        if (pr, po) == k))
                      for k, T in ptot.items()}
exp['sensor_totals'] = {sn: dict(packets=T['packets'], sources=len(T['sources']),
                                 source_days=sum(len(D['sensors'][sn]['sources'])
                                                 for D in days.values() if sn in D['sensors']),
                                 source_ports=sum(len(D['sensors'][sn]['sp'])
                                                  for D in days.values() if sn in D['sensors']))
                        for sn, T in stot.items()}
for a, s in srcs.items():
    exp['sources'][a] = dict(packets=s['packets'], ports=len(s['ports']),
                             sensors=len(s['sensors']), fp=sorted(s['fp']))
json.dump(exp, open(os.path.join(OUT, 'expected.json'), 'w'), indent=1, sort_keys=True)
