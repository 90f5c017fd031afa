#!/usr/bin/env bash
# `make run`: the main job on the embedded default. While `lists` is the only service,
# that is: import the bundled sample lists (data/lists/) into the SQLite store under
# var/, compile the snapshot, and show lookups and statistics against it.
set -euo pipefail
bin=${1:-build/ispshield}
cd "$(dirname "$0")/.."
data=data/lists
say() { printf '\n$ %s\n' "$*"; "$@" || true; }

say "$bin" lists import --list c2 --kind domain "$data/c2-domains.txt"
say "$bin" lists import --list c2 --kind domain --format rpz "$data/c2-partner.rpz"
say "$bin" lists import --list c2-ips --kind ip "$data/c2-ips.csv" "$data/c2-partner.rpz"
say "$bin" lists import --list malware-urls --kind url "$data/malware-urls.csv"
say "$bin" lists compile
say "$bin" lists check cc1.botnet.example x7f3.dga-family.example cdn.zeus-p2p.example \
    www.example.org 'http://MALWARE-dist.example:80/./invoice.exe#top' 198.51.100.7
say "$bin" lists stats
printf '\nStore: var/ispshield.db  Snapshot: var/ispshield.snap\n'
printf 'Try: %s lists check NAME|URL|IP   (see %s lists --help)\n' "$bin" "$bin"
printf 'DNS: %s dns --listen 127.0.0.1:5353 --upstream RESOLVER:53, then\n' "$bin"
printf '     dig @127.0.0.1 -p 5353 cc1.botnet.example   (see %s dns --help)\n' "$bin"
