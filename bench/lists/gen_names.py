#!/usr/bin/env python3
# Generates the benchmark's C&C domain list the way the anchor workload does
# (shared/anchors/dns_workload.py): the same alphabet, label lengths (6..14), TLDs,
# seed and sequence of random calls, so `gen_names.py 1000000 DIR` writes the very same
# c2.txt and c2.rpz as `dns_workload.py 1000000 DIR`, and a larger N extends the same
# stream (the 1 M names are a subset of the 10 M). Used by bench/lists/run.sh for the
# 10 M list, and for the 1 M list when the anchors are not checked out beside the repo.
# usage: gen_names.py N DIR [--no-rpz]     writes DIR/c2.txt (sorted) [and DIR/c2.rpz]
import os
import random
import sys

args = [a for a in sys.argv[1:] if not a.startswith('--')]
rpz = '--no-rpz' not in sys.argv
N = int(args[0]) if args else 1_000_000
out = args[1] if len(args) > 1 else 'bench/out/w1m'
os.makedirs(out, exist_ok=True)
random.seed(670983)
alpha = 'abcdefghijklmnopqrstuvwxyz0123456789'
tlds = ['com', 'net', 'org', 'ru', 'cn', 'info', 'top', 'xyz', 'biz', 'jp']


def name():
    return ''.join(random.choice(alpha) for _ in range(random.randint(6, 14))) + '.' + random.choice(tlds)


blocked = set()
while len(blocked) < N:
    blocked.add(name())
blocked = sorted(blocked)
with open(f'{out}/c2.txt', 'w') as f:
    f.write('\n'.join(blocked) + '\n')
if rpz:
    with open(f'{out}/c2.rpz', 'w') as f:
        f.write('$TTL 300\n@ IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300\n'
                '@ IN NS localhost.\n')
        for d in blocked:
            f.write(f'{d} CNAME .\n')
print('ok', len(blocked))
