#!/usr/bin/env bash
# `make run`: `ispshield run` on the embedded default (etc/ispshield-demo.conf): the
# SQLite store and snapshot under var/, the bundled sample lists (data/lists/) and
# subscribers and sessions (data/demo/), DNS, proxy and status page on loopback, the
# notify loop delivering into var/maildir/. Stop it with Ctrl-C.
set -euo pipefail
bin=$(realpath "${1:-build/ispshield}")
cd "$(dirname "$0")/.."
conf=etc/ispshield-demo.conf
# The upstream resolver: this machine's own (the first nameserver of resolv.conf).
ns=$(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2; exit }' /etc/resolv.conf 2>/dev/null || true)
# The ISAC side of list sync, on this machine: a signed feed in var/feed/ (file:// URL),
# which the sync service fetches, verifies and imports every run.sync-interval.
feed=$(pwd)/var/feed
args=(-c "$conf" -o "dns.upstream=${ns:-127.0.0.1}:53" -o "sync.url=file://$feed/"
      -o sync.public-key=var/feed-key.pub)
isp() { "$bin" -q "${args[@]}" "$@"; }
say() { printf '$ ispshield %s\n' "$*"; "$bin" "${args[@]}" "$@"; }

# a store made by an older release is brought to this binary's schema (nothing to do on
# a new or current one)
say store migrate
data=data/lists
say lists import --list c2 --kind domain "$data/c2-domains.txt"
# the partner's RPZ holds domain and ip triggers: each list takes its kind, and the
# other kind's lines are named and skipped (exit 3)
say lists import --list c2 --kind domain --format rpz "$data/c2-partner.rpz" || [ $? -eq 3 ]
say lists import --list c2-ips --kind ip "$data/c2-ips.csv" "$data/c2-partner.rpz" || [ $? -eq 3 ]
say lists import --list malware-urls --kind url "$data/malware-urls.csv"
say lists compile
mkdir -p var
[ -f var/feed-key.sec ] || say lists keygen --public var/feed-key.pub --secret var/feed-key.sec
say lists publish --key var/feed-key.sec --feed isac-demo "$feed" \
  isac-c2:domain:plain="$data/c2-domains.txt" isac-urls:url="$data/malware-urls.csv"
say lists sync
say subscribers import data/demo/subscribers.csv
# this machine's lookups are subscriber `demo`'s from now on
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{ head -1 data/demo/sessions.csv
  printf '"Start","demo-lo4-%s","demo","127.0.0.1","192.0.2.1","%s"\n' "$(date +%s)" "$now"
} > var/demo-session.csv
say sessions import data/demo/sessions.csv var/demo-session.csv

get() { isp config | awk -v s="[$1]" -v k="$2" '$0 == s { in_s = 1; next } /^\[/ { in_s = 0 }
  in_s && $1 == k && !done { sub(/^[^=]*= */, ""); print; done = 1 }'; }
dns=$(get dns listen); dns=${dns%%,*}; proxy=$(get proxy listen); proxy=${proxy%%,*}
cat <<EOF

Starting ispshield run (Ctrl-C stops it). Try, from another terminal:
  dig @${dns%:*} -p ${dns##*:} cc1.botnet.example      # listed C&C name: NXDOMAIN
  dig @${dns%:*} -p ${dns##*:} x7f3.dga-family.example # under a listed *.name
  curl -x http://$proxy 'http://malware-dist.example/invoice.exe'   # warning page
  ls var/maildir/new/        # a notice for subscriber demo within a notify interval
  $bin -c $conf notify report
  $bin -c $conf lists check NAME|URL|IP
  cat var/sync-state.json    # the signed feed in var/feed/, synced every run.sync-interval
EOF
if status=$(get status listen 2>/dev/null) && [ -n "$status" ]; then
  printf '  status page: http://%s/  (JSON: http://%s/api/status)\n' "$status" "$status"
fi
echo
exec "$bin" "${args[@]}" run
