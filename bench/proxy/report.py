#!/usr/bin/env python3
# Turns bench/out/proxy/samples.tsv and memory.txt (written by bench/proxy/run.sh) into the
# results table (markdown on stdout): medians over the runs of each server and load, RSS
# after the load, and the goals (>= 2x Squid's req/s with the list loaded, RSS for
# the 1 M list under 100 MB).
# usage: report.py OUTDIR RUNS SECONDS CONNS NURLS LISTED_PCT HELPERS LOAD0 NPROC NETNS
import csv
import platform
import statistics
import sys
import time

out, runs, secs, conns, nurls, pct, helpers, load0, nproc, netns = sys.argv[1:11]
rows = list(csv.DictReader(open(out + '/samples.tsv'), delimiter='\t'))
mem = {}
for line in open(out + '/memory.txt'):
    k, *v = line.split()
    mem[k] = v


def med(server, load, key):
    v = [float(r[key]) for r in rows if r['server'] == server and r['load'] == load]
    return statistics.median(v) if v else float('nan')


def spread(server, load):
    v = [float(r['req_s']) for r in rows if r['server'] == server and r['load'] == load]
    return '%.0f–%.0f' % (min(v), max(v)) if v else ''


names = {'isp': 'ispshield proxy', 'squid': 'Squid 5.7 + squidGuard 1.6',
         'privoxy': 'Privoxy 3.0.34', 'nginx': 'nginx direct (reference)'}
cpu = ''
for line in open('/proc/cpuinfo'):
    if line.startswith('model name'):
        cpu = line.split(':', 1)[1].strip()
        break
print('# Proxy benchmark (bench/proxy/run.sh)\n')
print('%s UTC, %s cores, CPU "%s", %s; load average at the start %s; %s.' % (
    time.strftime('%Y-%m-%d %H:%M', time.gmtime()), nproc, cpu, platform.platform(), load0,
    'private network namespace' if netns else 'host network'))
print('List: %s URLs (bench/proxy/gen_urls.py). wrk -t1 -c%s -d%ss --latency, absolute-form '
      'requests (proxy.lua); medians of %s runs; "mixed": %s%% of the requests for listed '
      'URLs. squidGuard: %s url_rewrite children. wrk + nginx on CPU 0, the server under test '
      'on CPU 1.\n' % (nurls, conns, secs, runs, pct, helpers))
print('| server | load | req/s (median) | req/s (min–max) | avg latency (ms) | p99 latency (ms) '
      '| blocked / requests | server CPU (% of a core) |')
print('|---|---|---:|---:|---:|---:|---:|---:|')
for s in ('isp', 'squid', 'privoxy', 'nginx'):
    for load in ('allowed', 'mixed'):
        rs = [r for r in rows if r['server'] == s and r['load'] == load]
        if not rs:
            continue
        blocked = statistics.median(int(r['blocked']) / max(1, int(r['requests'])) for r in rs)
        few = statistics.median(int(r['requests']) for r in rs) < 100
        # a server that answers (almost) nothing within wrk's 5 s timeout: its latency and
        # blocked share are not measured by wrk (see the single-request line below)
        print('| %s | %s | %.0f | %s | %s | %s | %s | %.0f |' % (
            names[s], 'unlisted URLs' if load == 'allowed' else 'mixed (%s%% listed)' % pct,
            med(s, load, 'req_s'), spread(s, load),
            '> 5000 (timeouts)' if few else '%.2f' % med(s, load, 'avg_ms'),
            '> 5000 (timeouts)' if few else '%.2f' % med(s, load, 'p99_ms'),
            '–' if few else '%.1f%%' % (100 * blocked), med(s, load, 'cpu_pct')))
print()
print('| memory after the load (MB) | VmRSS | VmHWM (peak) | RssAnon |')
print('|---|---:|---:|---:|')
for k, label in (('isp', 'ispshield proxy (snapshot mapped: file pages count in RSS)'),
                 ('squid', 'Squid + squidGuard, all processes'),
                 ('squid-main', '  Squid alone'),
                 ('squid-helpers', '  the %s squidGuard helpers' % helpers),
                 ('privoxy', 'Privoxy'), ('nginx', 'nginx (master + worker)')):
    v = mem.get(k, ['?', '?', '?'])
    print('| %s | %s | %s | %s |' % (label, v[0], v[1], v[2]))
st = mem.get('startup', [])
st = dict(zip(st[0::2], st[1::2]))
print()
print('Start-up until a listed URL is blocked: ispshield %s s, Squid + squidGuard %s s, '
      'Privoxy %s s. ispshield import %s s (peak %.0f MB), compile %s s (peak %.0f MB), '
      'snapshot %.1f MB; squidGuard -C %s s, db %.1f MB.' % (
          st.get('isp'), st.get('squid'), st.get('privoxy'), mem['import'][0],
          int(mem['import'][1]) / 1024, mem['compile'][0], int(mem['compile'][1]) / 1024,
          int(mem['snapshot'][0]) / 1e6, mem['sgdb'][0], int(mem['snapshot'][2]) / 1e6))
print('One unlisted request alone, nothing else queued (curl, median of 3): ispshield %s ms, '
      'Squid %s ms, Privoxy %s ms.' % tuple(
          '%.1f' % (1000 * float(mem.get('single-' + k, ['nan'])[0])) for k in ('isp', 'squid', 'privoxy')))
pv1 = float(mem.get('single-privoxy', ['nan'])[0])
print('Privoxy matches a URL against its patterns one after another, so with 1 M patterns one '
      'request costs a core %.0f ms: about %.1f req/s at best; %s clients at once each wait '
      'about %.0f s, past wrk\'s 5 s timeout, hence the zeros.' % (
          1000 * pv1, 1 / pv1, conns, int(conns) * pv1))
print()
isp, sq = med('isp', 'allowed', 'req_s'), med('squid', 'allowed', 'req_s')
ispm, sqm = med('isp', 'mixed', 'req_s'), med('squid', 'mixed', 'req_s')
rss = float(mem['isp'][0])
print('| goal | measured | |')
print('|---|---:|---|')
print('| req/s >= 2x Squid (list loaded, unlisted URLs) | %.2fx | %s |' % (
    isp / sq, 'met' if isp >= 2 * sq else 'MISSED'))
print('| req/s >= 2x Squid (list loaded, mixed) | %.2fx | %s |' % (
    ispm / sqm, 'met' if ispm >= 2 * sqm else 'MISSED'))
print('| RSS with the 1 M list < 100 MB | %.1f MB | %s |' % (rss, 'met' if rss < 100 else 'MISSED'))
pv = med('privoxy', 'allowed', 'req_s')
print('| reference: ispshield / Privoxy, unlisted | %s | |' % (
    '%.0fx' % (isp / pv) if pv > 0 else 'Privoxy completed no request'))
print('| reference: ispshield / nginx direct | %.2f | |' % (isp / med('nginx', 'allowed', 'req_s')))
