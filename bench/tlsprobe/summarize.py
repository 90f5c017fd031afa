#!/usr/bin/env python3
import re, statistics as st, collections
rows = collections.OrderedDict()
for l in open('results.txt'):
    if not l.startswith('lib='): continue
    lib = l.split()[0][4:]
    kv = dict(re.findall(r'(\w+)=(\S+)', l))
    env = 'ARENA1' if 'MALLOC_ARENA_MAX=1' in l else '-'
    key = (lib, kv['tickets'], kv['buf'], kv['N'], env)
    rows.setdefault(key, []).append(kv)
print(f"{'lib':8} tk buf     N     env    | rss/conn anon/conn heap/conn rss_after_trim | base_rss cold_rss | load | runs")
for (lib, t, b, N, env), rs in rows.items():
    med = lambda k: st.median(float(r[k]) for r in rs)
    print(f"{lib:8} {t}  {b:7} {N:5} {env:6} | {med('per_conn_rss'):8.0f} {med('per_conn_anon'):9.0f} {med('per_conn_heap'):9.0f} {med('trim_per_conn_rss'):14.0f} | "
          f"{med('base_rss')/1024:6.0f}K {med('cold_rss')/1024:6.0f}K | {'/'.join(r['load'] for r in rs)} | {len(rs)} "
          f"[rss {'/'.join(r['per_conn_rss'] for r in rs)}]")
