#!/usr/bin/env python3
# Writes the rest of the anchor DNS workload beside a c2.txt that bench/lists/gen_names.py
# wrote: upstream.conf (an Unbound on 127.0.0.1@5301 serving the 10 k names
# hostI.allowed.test from local-data) and queries.txt (200 k dnsperf queries, 90% allowed
# names, 10% listed names). The text and the random calls are those of
# shared/anchors/dns_workload.py (random.seed(1) after the list, choices from the sorted
# list), so with gen_names.py 1000000 the four files are byte-identical to the anchor's.
# Used by bench/dns/run.sh when the anchors are not checked out beside the repository.
# usage: gen_queries.py DIR
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else 'bench/out/w1m'
with open(f'{out}/c2.txt') as f:
    blocked = [line.rstrip('\n') for line in f if line.strip()]
if blocked != sorted(blocked):
    sys.exit('gen_queries.py: c2.txt is not sorted (not written by gen_names.py?)')
allowed = [f'host{i}.allowed.test' for i in range(10000)]
with open(f'{out}/upstream.conf', 'w') as f:
    f.write('server:\n  interface: 127.0.0.1@5301\n  port: 5301\n  do-daemonize: no\n  username: ""\n'
            '  chroot: ""\n  use-syslog: no\n  access-control: 127.0.0.0/8 allow\n  num-threads: 1\n'
            '  local-zone: "allowed.test." static\n')
    for i, a in enumerate(allowed):
        f.write(f'  local-data: "{a}. 3600 IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"\n')
    f.write('  local-zone: "." static\n')
random.seed(1)
with open(f'{out}/queries.txt', 'w') as f:
    for _ in range(200000):
        if random.random() < 0.9:
            f.write(random.choice(allowed) + ' A\n')
        else:
            f.write(random.choice(blocked) + ' A\n')
print('ok', len(blocked))
