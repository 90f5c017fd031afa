#!/usr/bin/env python3
# Helpers of bench/dns/run.sh.
#   stats.py verbose FILE      per-query latencies of a `dnsperf -v` output ("> RCODE name
#                              type seconds", "> T name type" for a lost query): prints
#                              "RESULT key value" lines (count, lost, avg, p50, p99, p999, max
#                              in ms, and dnsperf's own summary of that run)
#   stats.py report SAMPLES QUERIES WHEN UNBOUND_VER DNSDIST_VER DNSPERF_VER RUNS SECS WARM
#                   LATSECS NAMES
#                              the results table (markdown) from run.sh's samples.tsv
import os
import re
import statistics
import sys


def dnsperf_summary(text):
    r = {}
    pats = {
        'sent': r'Queries sent:\s+(\d+)',
        'completed': r'Queries completed:\s+(\d+)',
        'lost': r'Queries lost:\s+(\d+)',
        'qps': r'Queries per second:\s+([\d.]+)',
        'avg_ms': r'Average Latency \(s\):\s+([\d.]+)',
        'max_ms': r'Average Latency \(s\):.*max ([\d.]+)',
        'sd_ms': r'Latency StdDev \(s\):\s+([\d.]+)',
    }
    for k, p in pats.items():
        m = re.search(p, text)
        if m:
            v = float(m.group(1))
            r[k] = v * 1000 if k.endswith('_ms') else v
    m = re.search(r'Response codes:\s+(.*)', text)
    codes = {}
    if m:
        for name, n in re.findall(r'([A-Z]+) (\d+) \(', m.group(1)):
            codes[name] = int(n)
    r['codes'] = codes
    return r


def pct(sorted_vals, p):
    if not sorted_vals:
        return float('nan')
    k = max(0, min(len(sorted_vals) - 1, int(-(-p * len(sorted_vals) // 100)) - 1))  # nearest rank
    return sorted_vals[k]


def verbose(path):
    lat = []
    lost = 0
    with open(path, errors='replace') as f:
        text = []
        for line in f:
            if line.startswith('> '):
                p = line.split()
                if p[1] == 'T':
                    lost += 1
                else:
                    lat.append(float(p[-1]))
            else:
                text.append(line)
    lat.sort()
    s = dnsperf_summary(''.join(text))
    ms = lambda v: f'{v * 1000:.4f}'
    print('RESULT count', len(lat))
    print('RESULT lost', lost)
    print('RESULT avg_ms', ms(sum(lat) / len(lat)) if lat else 'nan')
    for name, p in (('p50_ms', 50), ('p90_ms', 90), ('p99_ms', 99), ('p999_ms', 99.9)):
        print('RESULT', name, ms(pct(lat, p)))
    print('RESULT max_ms', ms(lat[-1]) if lat else 'nan')
    print('RESULT qps', s.get('qps', 'nan'))
    print('RESULT codes', ','.join(f'{k}:{v}' for k, v in s['codes'].items()))


def results(path):
    r = {}
    for line in open(path):
        p = line.split()
        if len(p) >= 3 and p[0] == 'RESULT':
            r[p[1]] = p[2]
    return r


def med(v):
    v = [x for x in v if x == x]
    return statistics.median(v) if v else float('nan')


def metrics(path):
    m = {}
    if os.path.exists(path):
        for line in open(path):
            if line.startswith('ispshield_dns_') and '{' not in line:
                k, v = line.split()[:2]
                m[k[len('ispshield_dns_'):]] = float(v)
    return m


def report(a):
    samples, queries, when, ubver, ddver, dpver, runs, secs, warm, latsecs, names = a
    qlines = [l.split()[0] for l in open(queries) if l.strip()]
    share_nx = sum(1 for n in qlines if not n.endswith('.allowed.test')) / len(qlines)
    rows = [l.rstrip('\n').split('\t') for l in open(samples)][1:]
    order = ['ispshield', 'unbound', 'dnsdist']
    label = {'ispshield': '`ispshield dns`', 'unbound': f'Unbound {ubver} (RPZ)',
             'dnsdist': f'dnsdist {ddver} (SuffixMatchNode)'}
    S = {s: {'qps': [], 'avg': [], 'vavg': [], 'p50': [], 'p99': [], 'p999': [], 'vqps': [],
             'rss': [], 'hwm': [], 'start': [], 'lost': [], 'sent': [], 'codes': {}, 'rcvbuf': [],
             'vlost': [], 'flags': [], 'metrics': [], 'cpu': [], 'ccpu': [], 'uspq': []}
         for s in order}
    for server, run, startup, rss, hwm, rcvbuf, perf, lat, cpu, ccpu in rows:
        d = S[server]
        p = dnsperf_summary(open(perf).read())
        d['cpu'].append(100 * float(cpu) / float(secs))
        d['ccpu'].append(100 * float(ccpu) / float(secs))
        d['uspq'].append(1e6 * float(cpu) / max(1, p.get('completed', 1)))
        v = results(lat)
        d['qps'].append(p.get('qps', float('nan')))
        d['avg'].append(p.get('avg_ms', float('nan')))
        d['lost'].append(int(p.get('lost', 0)))
        d['sent'].append(int(p.get('sent', 0)))
        for k, n in p['codes'].items():
            d['codes'][k] = d['codes'].get(k, 0) + n
        d['vavg'].append(float(v.get('avg_ms', 'nan')))
        d['p50'].append(float(v.get('p50_ms', 'nan')))
        d['p99'].append(float(v.get('p99_ms', 'nan')))
        d['p999'].append(float(v.get('p999_ms', 'nan')))
        d['vqps'].append(float(v.get('qps', 'nan')))
        d['vlost'].append(int(v.get('lost', 0)))
        d['rss'].append(int(rss) / 1024)
        d['hwm'].append(int(hwm) / 1024)
        d['start'].append(float(startup))
        d['rcvbuf'].append(int(rcvbuf))
        comp = sum(p['codes'].values())
        odd = {k: n for k, n in p['codes'].items() if k not in ('NOERROR', 'NXDOMAIN')}
        nx = p['codes'].get('NXDOMAIN', 0) / comp if comp else 0
        if p.get('lost', 0) > 0:
            d['flags'].append(f'run {run}: {int(p["lost"])} of {int(p["sent"])} queries lost '
                              f'({rcvbuf} UDP receive-buffer drops on the machine meanwhile)')
        if odd:
            d['flags'].append(f'run {run}: unexpected response codes {odd}')
        if abs(nx - share_nx) > 0.005:
            d['flags'].append(f'run {run}: NXDOMAIN {nx:.2%} of answers, the query file has '
                              f'{share_nx:.2%} listed names')
        if server == 'ispshield':
            d['metrics'].append(metrics(perf[:-len('.txt')] + '.metrics'))

    def m(s, k):
        return med(S[s][k])

    def f(x, fmt='{:.1f}'):
        return 'n/a' if x != x else fmt.format(x)

    def ratio(k, other, fmt='{:.2f}x'):
        a, b = m('ispshield', k), m(other, k)
        return f(a / b, fmt) if b else 'n/a'

    def goal(ok):
        return 'met' if ok else 'MISSED'

    out = []
    w = out.append
    w('# ispshield DNS service benchmark')
    w('')
    w(f'{when}. dnsperf {dpver}, `-c 4 -q 200`, {runs} runs per server (each a fresh start: '
      f'start-up, {warm} s warm-up, {secs} s timed load, {latsecs} s per-query latency run with '
      f'`-v`), servers one after another; {names} listed names; medians of the runs. Ratios: '
      f'ispshield ÷ the other.')
    w('')
    w(f'| metric | {label["ispshield"]} | {label["unbound"]} | {label["dnsdist"]} | '
      f'ispshield vs Unbound | ispshield vs dnsdist | goal |')
    w('|---|---:|---:|---:|---:|---:|---|')
    qi, qu, qd = m('ispshield', 'qps'), m('unbound', 'qps'), m('dnsdist', 'qps')
    w(f'| QPS (median) | {f(qi, "{:,.0f}")} | {f(qu, "{:,.0f}")} | {f(qd, "{:,.0f}")} | '
      f'{ratio("qps", "unbound")} | {ratio("qps", "dnsdist")} | ≥ 1.5x Unbound: '
      f'{goal(qi >= 1.5 * qu)}; ahead of dnsdist: {goal(qi > qd)} |')
    w('| QPS, each run | ' + ' | '.join(' / '.join(f'{x / 1000:.1f}k' for x in S[s]['qps'])
                                        for s in order) + ' | | | |')
    w(f'| average latency (ms), timed runs | {f(m("ispshield", "avg"), "{:.3f}")} | '
      f'{f(m("unbound", "avg"), "{:.3f}")} | {f(m("dnsdist", "avg"), "{:.3f}")} | '
      f'{ratio("avg", "unbound")} | {ratio("avg", "dnsdist")} | |')
    pi, pu, pd = m('ispshield', 'p99'), m('unbound', 'p99'), m('dnsdist', 'p99')
    for k, name in (('vavg', 'average'), ('p50', 'p50'), ('p99', 'p99'), ('p999', 'p99.9')):
        g = f'no worse than either: {goal(pi <= pu and pi <= pd)}' if k == 'p99' else ''
        w(f'| {name} latency (ms), `-v` runs | {f(m("ispshield", k), "{:.3f}")} | '
          f'{f(m("unbound", k), "{:.3f}")} | {f(m("dnsdist", k), "{:.3f}")} | '
          f'{ratio(k, "unbound")} | {ratio(k, "dnsdist")} | {g} |')
    w(f'| QPS during the `-v` runs | {f(m("ispshield", "vqps"), "{:,.0f}")} | '
      f'{f(m("unbound", "vqps"), "{:,.0f}")} | {f(m("dnsdist", "vqps"), "{:,.0f}")} | | | |')
    w(f'| server CPU during the timed load (% of one core) | {f(m("ispshield", "cpu"), "{:.0f}")} | '
      f'{f(m("unbound", "cpu"), "{:.0f}")} | {f(m("dnsdist", "cpu"), "{:.0f}")} | | | |')
    w(f'| server CPU per answered query (µs) | {f(m("ispshield", "uspq"), "{:.2f}")} | '
      f'{f(m("unbound", "uspq"), "{:.2f}")} | {f(m("dnsdist", "uspq"), "{:.2f}")} | '
      f'{ratio("uspq", "unbound")} | {ratio("uspq", "dnsdist")} | |')
    w(f'| dnsperf CPU during the timed load (% of one core) | {f(m("ispshield", "ccpu"), "{:.0f}")} | '
      f'{f(m("unbound", "ccpu"), "{:.0f}")} | {f(m("dnsdist", "ccpu"), "{:.0f}")} | | | |')
    ri = m('ispshield', 'rss')
    w(f'| RSS after the load (MB) | {f(ri)} | {f(m("unbound", "rss"))} | {f(m("dnsdist", "rss"))} | '
      f'{ratio("rss", "unbound")} | {ratio("rss", "dnsdist")} | < 100 MB: {goal(ri < 100)} |')
    w(f'| peak RSS (MB) | {f(m("ispshield", "hwm"))} | {f(m("unbound", "hwm"))} | '
      f'{f(m("dnsdist", "hwm"))} | | | |')
    si = m('ispshield', 'start')
    w(f'| start-up with {int(names) // 1000000 if int(names) >= 1000000 else names}'
      f'{" M" if int(names) >= 1000000 else ""} names (s) | {f(si, "{:.3f}")} | '
      f'{f(m("unbound", "start"), "{:.2f}")} | {f(m("dnsdist", "start"), "{:.2f}")} | '
      f'{ratio("start", "unbound", "{:.3f}x")} | {ratio("start", "dnsdist", "{:.3f}x")} | '
      f'< 1 s: {goal(si < 1)} |')
    w('| lost queries, timed runs (each run) | ' + ' | '.join(
        ' / '.join(str(x) for x in S[s]['lost']) for s in order) + ' | | | none |')
    w('| lost queries, `-v` runs (each run) | ' + ' | '.join(
        ' / '.join(str(x) for x in S[s]['vlost']) for s in order) + ' | | | |')

    def codes(s):
        c = S[s]['codes']
        t = sum(c.values()) or 1
        return ', '.join(f'{k} {v / t:.2%}' for k, v in sorted(c.items(), key=lambda kv: -kv[1]))
    w('| response codes, timed runs | ' + ' | '.join(codes(s) for s in order) +
      f' | | | {share_nx:.2%} NXDOMAIN expected |')
    w('')
    flags = [(s, x) for s in order for x in S[s]['flags']]
    if flags:
        w('Flagged:')
        w('')
        for s, x in flags:
            w(f'- {label[s]}: {x}')
    else:
        w('Flagged: nothing (no lost queries, only NOERROR and NXDOMAIN in the expected shares).')
    ms = [x for x in S['ispshield']['metrics'] if x]
    if ms:
        keys = ['queries_total', 'blocked_total', 'cache_hits_total', 'cache_misses_total',
                'upstream_queries_total', 'upstream_timeouts_total', 'servfail_total',
                'events_dropped_total', 'dropped_total', 'random_subdomain_refused_total']
        w('')
        w('`ispshield dns` metrics after each run\'s warm-up and timed load (`/metrics`): ' + '; '.join(
            f'{k} ' + ' / '.join(f'{x.get(k, float("nan")):.0f}' for x in ms) for k in keys) + '.')
    return out


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'verbose':
        verbose(sys.argv[2])
    elif len(sys.argv) == 13 and sys.argv[1] == 'report':
        print('\n'.join(report(sys.argv[2:])))
    else:
        sys.exit('usage: stats.py verbose FILE | report SAMPLES QUERIES WHEN UBVER DDVER DPVER '
                 'RUNS SECS WARM LATSECS NAMES')
