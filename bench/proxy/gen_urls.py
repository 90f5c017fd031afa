#!/usr/bin/env python3
# Generates the proxy benchmark's list of 1 M malware-download URLs, shaped like URLhaus
# entries (http only: an https URL cannot be matched by a proxy), and writes it the way
# each proxy's users load such a list:
#   DIR/urls.txt        one URL per line            (ispshield lists import --kind url)
#   DIR/sg/listed/urls  host/path, no scheme        (squidGuard urllist; squidGuard -C)
#   DIR/listed.action   {+block{...}} host/path     (a Privoxy action file)
# Hosts: 75% random names (the alphabet, label lengths and TLDs of bench/lists/gen_names.py,
# sometimes a subdomain), 25% IPv4 addresses outside 127/8, 10/8 and 192.168/16; several
# URLs per host, as on real lists. Paths: 1-3 random segments and a file name with a
# download-like extension. Deterministic (seed 5150).
# usage: gen_urls.py N DIR
import os
import random
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = sys.argv[2] if len(sys.argv) > 2 else 'bench/out/proxy/list'
random.seed(5150)
alpha = 'abcdefghijklmnopqrstuvwxyz0123456789'
tlds = ['com', 'net', 'org', 'ru', 'cn', 'info', 'top', 'xyz', 'biz', 'jp']
dirs = ['bins', 'wp-content/uploads', 'files', 'download', 'img', 'tmp', 'x', 'update']
exts = ['exe', 'zip', 'sh', 'apk', 'doc', 'bin', 'js', 'msi', 'arm7', 'mips']


def word(lo, hi):
    return ''.join(random.choice(alpha) for _ in range(random.randint(lo, hi)))


def host():
    if random.random() < 0.25:
        while True:
            a = random.randint(1, 223)
            if a not in (10, 127, 192):
                return '%d.%d.%d.%d' % (a, random.randint(0, 255), random.randint(0, 255),
                                        random.randint(1, 254))
    h = word(6, 14) + '.' + random.choice(tlds)
    return (word(3, 8) + '.' + h) if random.random() < 0.2 else h


def path():
    segs = [random.choice(dirs)] + [word(4, 10) for _ in range(random.randint(0, 2))]
    return '/' + '/'.join(segs) + '/' + word(5, 12) + '.' + random.choice(exts)


urls = set()
while len(urls) < N:
    h = host()
    for _ in range(random.randint(1, 8)):  # several files per host
        urls.add(h + path())
        if len(urls) >= N:
            break
urls = sorted(urls)
os.makedirs(out + '/sg/listed', exist_ok=True)
with open(out + '/urls.txt', 'w') as f:
    f.write(''.join('http://' + u + '\n' for u in urls))
with open(out + '/sg/listed/urls', 'w') as f:
    f.write(''.join(u + '\n' for u in urls))
with open(out + '/listed.action', 'w') as f:
    # Privoxy patterns: host part literal, path part a regex anchored at its start; escape
    # the dots and anchor the end so that an entry means exactly that URL
    f.write('{+block{listed as a malware download (benchmark list)}}\n')
    f.write(''.join(u.split('/', 1)[0] + '/' + u.split('/', 1)[1].replace('.', '\\.') + '$\n'
                    for u in urls))
print('ok', len(urls))
