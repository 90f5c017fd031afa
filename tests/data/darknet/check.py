#!/usr/bin/env python3
"""Compare `ispshield darknet --json --top 64 --sources 0` output with expected.json
(written by gen.py). Usage: check.py expected.json out.json [raw-only-records]. Prints
each mismatch; exit 1 if any."""
import json, sys

exp = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
bad = []

def eq(what, a, b):
    if a != b:
        bad.append('%s: got %r, want %r' % (what, a, b))

eq('records', got['records'], exp['records'])
eq('packets', got['packets'], exp['packets'])
eq('outside', got['outside_sensors'], exp['outside'])
eq('fragments', got['bad']['fragment'], exp['fragments'])
eq('estimated', got['estimated'], False)
days = {d['day']: d for d in got['days']}
eq('days', sorted(days), sorted(exp['days']))
for d, e in exp['days'].items():
    g = days.get(d, {})
    for k in ('packets', 'sources', 'scan', 'backscatter', 'other'):
        eq('%s %s' % (d, k), g.get(k), e[k])
    gs = {s['sensor']: s for s in g.get('sensors', [])}
    for sn, es in e['sensors'].items():
        for k in ('packets', 'sources', 'source_ports'):
            eq('%s %s %s' % (d, sn, k), gs.get(sn, {}).get(k), es[k])
# per-day ports: every listed port's figures; the top list is ranked by packets
for pd in got['ports']['days']:
    for p in pd['top']:
        key = '%s %s %d' % (pd['day'], p['proto'], p['port'])
        e = exp['ports'].get(key)
        if e is None:
            bad.append('port %s not expected' % key); continue
        eq(key + ' packets', p['packets'], e['packets'])
        eq(key + ' sources', p['sources'], e['sources'])
    want = sorted((v['packets'] for k, v in exp['ports'].items() if k.startswith(pd['day'])),
                  reverse=True)[:len(pd['top'])]
    eq(pd['day'] + ' top packets', [p['packets'] for p in pd['top']], want)
# the whole period (issue 16): each listed port's distinct sources and the sum over days;
# every sensor's
for p in got['ports']['top']:
    key = '%s %d' % (p['proto'], p['port'])
    e = exp['port_totals'].get(key)
    if e is None:
        bad.append('period port %s not expected' % key); continue
    for k in ('packets', 'sources', 'source_days'):
        eq('period %s %s' % (key, k), p.get(k), e[k])
gt = {s['sensor']: s for s in got.get('sensor_totals', [])}
eq('sensor_totals sensors', sorted(gt), sorted(exp['sensor_totals']))
for sn, e in exp['sensor_totals'].items():
    for k in ('packets', 'sources', 'source_days', 'source_ports'):
        eq('period %s %s' % (sn, k), gt.get(sn, {}).get(k), e[k])
srcs = {s['ip']: s for s in got['source_list']}
eq('sources', sorted(srcs), sorted(exp['sources']))
for a, e in exp['sources'].items():
    g = srcs.get(a, {})
    eq(a + ' packets', g.get('packets'), e['packets'])
    eq(a + ' ports', g.get('ports'), e['ports'])
    eq(a + ' sensors', g.get('sensors'), e['sensors'])
    eq(a + ' fingerprints', sorted(g.get('fingerprints', [])), e['fp'])
    eq(a + ' own', g.get('own'), a in exp['own'])
eq('attacks', sorted([a['victim'], a['packets']] for a in got['attacks']), sorted(exp['attacks']))
eq('campaigns', [[c['day'], c['proto'], c['port']] for c in got['campaigns']], exp['campaigns'])
eq('own sources', got['own_sources'], len(exp['own']))
for b in bad:
    print('MISMATCH', b)
sys.exit(1 if bad else 0)
