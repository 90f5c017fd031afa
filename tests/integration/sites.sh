#!/usr/bin/env bash
# Integration test of `ispshield sites` (issue 19) against real peers: the contact
# look-ups of `sites find` run in a network namespace made here (loopback only) where
# nginx serves security.txt files over https (a private CA) and RDAP JSON, a small WHOIS
# responder speaks JPRS's format on port 43 and Unbound resolves the listed names; the
# notices of `sites notify` go to a real Postfix smtp-sink on this machine's loopback.
# Covers: the .jp and delegated-range verdicts, GeoIP only as a tie-breaker, each contact source (security.txt with
# Expires, JPRS WHOIS with the second query for a handle, RDAP domain and ip through the
# bootstrap files, RFC 2142), placeholders and privacy proxies skipped, refused
# destinations without --allow-destinations, one notice per contact per day (grouped,
# no second one on a rerun), a bounce moving the notice to the next contact, a site on
# two lists counted in both, follow-up from `lists recheck` (offline sites handled and
# not told, a follow-up to the hosting contact for a site still online after
# sites.renotify-after, at most sites.max-notices), the report and the status page's
# figures, kill -9 during notify runs.
# Needs root (ip netns); skipped (exit 77) otherwise.
set -uo pipefail
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
for t in nginx unbound openssl python3 /usr/sbin/smtp-sink; do
  command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
if [ "$(id -u)" -ne 0 ] || ! ip netns add "sitchk$$" 2>/dev/null; then
  echo "SKIP: needs root and ip netns"; exit 77
fi
ip netns del "sitchk$$"
begin_test
chmod 755 "$work"
ns=sites$$
on_exit() {
  ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
}
ip netns add "$ns" || die "ip netns add"
X() { ip netns exec "$ns" "$@"; }
X ip link set lo up
# two hosts outside 127/8, for the GeoIP tie-breaker (the test mmdb says JP for 100.64/16)
X ip addr add 100.64.0.5/32 dev lo
X ip addr add 100.64.1.5/32 dev lo
store=$work/var/t.db
isp() { "$bin" -q --store "$store" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(open('$1')); $2"; }

# ---- the listed URLs (one site has two hosts; foreign-e.net is hosted abroad)
cat > urls.txt <<'U'
http://shop-a.jp/wp-content/plugins/gallery/dl.php
http://www.shop-a.jp/js/jquery.min.js
http://expired-b.jp/invoice.zip
http://corp-c.co.jp/news/index.php?id=3
http://blog-d.com/wp-includes/load.js
http://foreign-e.net/gate.php
http://privacy-f.jp/a.exe
http://shop-g.jp/promo.html
http://geo-h.com/flash-update.exe
http://foreign-i.net/x.js
U
isp lists import --list malware --kind url urls.txt || die "import"

# ---- names: a real Unbound in the namespace
{ unbound_conf 53; cat <<U
  local-zone: "." static
  local-data: "shop-a.jp. 300 IN A 127.0.0.10"
  local-data: "www.shop-a.jp. 300 IN A 127.0.0.10"
  local-data: "expired-b.jp. 300 IN A 127.0.0.11"
  local-data: "corp-c.co.jp. 300 IN A 127.0.0.11"
  local-data: "blog-d.com. 300 IN A 127.0.0.12"
  local-data: "foreign-e.net. 300 IN A 127.0.0.20"
  local-data: "privacy-f.jp. 300 IN A 127.0.0.13"
  local-data: "shop-g.jp. 300 IN A 127.0.0.13"
  local-data: "geo-h.com. 300 IN A 100.64.0.5"
  local-data: "foreign-i.net. 300 IN A 100.64.1.5"
  local-data: "rdap.test. 300 IN A 127.0.0.30"
  local-data: "whois.test. 300 IN A 127.0.0.31"
U
} > up.conf
X unbound -c up.conf >up.out 2>&1 & pids+=($!)

# ---- security.txt (https, a private CA) and RDAP (http) from nginx
test_cert srv DNS:shop-a.jp,DNS:www.shop-a.jp,DNS:expired-b.jp,DNS:corp-c.co.jp,DNS:blog-d.com,DNS:foreign-e.net,DNS:privacy-f.jp,DNS:shop-g.jp,DNS:geo-h.com,DNS:foreign-i.net
mkdir -p www/shop-a.jp/.well-known www/expired-b.jp/.well-known www/shop-g.jp/.well-known \
  rdap/domain rdap/ip
# the one listed URL still served on port 80 (`lists recheck` finds it online; every other
# listed URL is refused or 404: offline)
mkdir -p www/blog-d.com/wp-includes
echo 'document.write("<iframe src=http://gate.example/>")' > www/blog-d.com/wp-includes/load.js
cat > www/shop-a.jp/.well-known/security.txt <<'S'
# shop-a.jp security contacts
Contact: https://shop-a.jp/contact
Contact: mailto:security@shop-a.jp
Expires: 2099-12-31T15:00:00.000Z
Preferred-Languages: ja, en
S
cat > www/shop-g.jp/.well-known/security.txt <<'S'
Contact: mailto:security@shop-a.jp
Expires: 2099-12-31T15:00:00Z
S
cat > www/expired-b.jp/.well-known/security.txt <<'S'
Contact: mailto:old-team@expired-b.jp
Expires: 2020-01-01T00:00:00Z
S
cat > rdap/domain/blog-d.com <<'J'
{"objectClassName": "domain", "ldhName": "blog-d.com", "rdapConformance": ["rdap_level_0"],
 "entities": [
  {"objectClassName": "entity", "roles": ["registrant"], "vcardArray": ["vcard", [
    ["version", {}, "text", "4.0"],
    ["email", {}, "text", "Please query the RDAP service of the Registrar of Record identified in this output for information on how to contact the Registrant"]]]},
  {"objectClassName": "entity", "handle": "1234", "roles": ["registrar"], "entities": [
    {"objectClassName": "entity", "roles": ["abuse"], "vcardArray": ["vcard", [
      ["version", {}, "text", "4.0"], ["fn", {}, "text", "Abuse desk"],
      ["email", {}, "text", "abuse@registrar-d.test"],
      ["tel", {"type": "voice"}, "uri", "tel:+1.5555551234"]]]}]}]}
J
cat > rdap/ip/127.0.0.12 <<'J'
{"objectClassName": "ip network", "handle": "127.0.0.0 - 127.0.0.255", "startAddress": "127.0.0.0",
 "endAddress": "127.0.0.255", "ipVersion": "v4", "country": "JP",
 "entities": [
  {"objectClassName": "entity", "handle": "IRT-HOSTING-D", "roles": ["abuse"],
   "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["kind", {}, "text", "group"],
     ["email", {}, "text", "ipabuse@hosting-d.test"]]]},
  {"objectClassName": "entity", "roles": ["technical"], "vcardArray": ["vcard", [
     ["email", {}, "text", "noc@hosting-d.test"]]]}]}
J
{ nginx_head; cat <<EOF
  server {
    listen 443 ssl default_server; root $work/www/\$host; server_tokens off;
    ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key;
  }
  server { listen 127.0.0.30:80; root $work/rdap; default_type application/rdap+json; }
  server { listen 80 default_server; root $work/www/\$host; }
}
EOF
} > nginx.conf
X nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 & pids+=($!)

# ---- a WHOIS responder speaking JPRS's format (one query a connection, as port 43 does)
mkdir whois
cat > whois/expired-b.jp <<'W'
[ JPRS database provides information on network administration. Its use is    ]
[ restricted to network administration purposes.                               ]

Domain Information: [ドメイン情報]
[Domain Name]                   EXPIRED-B.JP

[登録者名]                      例商店
[Registrant]                    Example Shop

[Name Server]                   ns1.expired-b.jp
[状態]                          Active

Contact Information: [公開連絡窓口]
[名前]                          例 太郎
[Name]                          Taro Rei
[Email]                         hostmaster@expired-b.jp
[Web Page]                       
[郵便番号]                      100-0001
W
cat > whois/corp-c.co.jp <<'W'
[ JPRS database provides information on network administration. Its use is    ]
[ restricted to network administration purposes.                               ]

Domain Information:
a. [ドメイン名]                 CORP-C.CO.JP
g. [組織名]                     株式会社例
l. [Organization Type]          Corporation
m. [登録担当者]                 CC001JP
n. [技術連絡担当者]             CC002JP
p. [ネームサーバ]               ns1.corp-c.co.jp
[状態]                          Connected (2027/03/31)
W
cat > whois/cc002jp <<'W'
Contact Information: [担当者情報]
a. [JPNICハンドル]              CC002JP
b. [氏名]                       例 花子
c. [Last, First]                Rei, Hanako
d. [電子メイル]                 tech@corp-c.co.jp
g. [組織名]                     株式会社例
W
cat > whois/cc001jp <<'W'
Contact Information: [担当者情報]
a. [JPNICハンドル]              CC001JP
d. [電子メイル]                 
W
cat > whois/privacy-f.jp <<'W'
Domain Information: [ドメイン情報]
[Domain Name]                   PRIVACY-F.JP
Contact Information: [公開連絡窓口]
[Email]                         owner@whoisprivacy.test
W
cat > whois.py <<'P'
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.31", 43)); s.listen(16)
while True:
    c, _ = s.accept()
    q = b""
    while not q.endswith(b"\n"):
        b = c.recv(512)
        if not b: break
        q += b
    name = q.decode().strip().lower().removesuffix("/e")
    with open("whois.log", "a") as log: log.write(name + "\n")
    p = os.path.join("whois", name)
    c.sendall(open(p, "rb").read() if name and "/" not in name and os.path.isfile(p) else b"No match!!\n")
    c.close()
P
X python3 whois.py & pids+=($!)

# ---- the delegated file and the bootstrap files
cat > delegated.txt <<'D'
2|apnic|20261201|4|19830613|20261130|+1000
apnic|*|ipv4|*|3|summary
apnic|JP|ipv4|127.0.0.8|8|20110412|allocated|A92E1062
apnic|US|ipv4|127.0.0.16|16|20110412|allocated|A92E1063
apnic|US|ipv4|100.64.1.0|256|20110412|allocated
apnic|JP|ipv4|127.0.0.300|8|20110412|allocated
apnic|JP|asn|173|1|20020801|allocated
D
mkdir boot
printf '{"version": "1.0", "services": [[["com", "net"], ["http://rdap.test/"]]]}\n' > boot/dns.json
printf '{"version": "1.0", "services": [[["127.0.0.0/8"], ["http://rdap.test/"]]]}\n' > boot/ipv4.json

until_ok X dig +tries=1 +time=1 @127.0.0.1 shop-a.jp A || die "unbound did not come up"
until_ok X bash -c 'exec 3<>/dev/tcp/127.0.0.31/43' || die "whois responder did not come up"
until_ok X curl -s -o /dev/null --cacert ca.pem --resolve shop-a.jp:443:127.0.0.10 \
  https://shop-a.jp/.well-known/security.txt || die "nginx did not come up"

net=(--resolver 127.0.0.1:53 --delegated delegated.txt --rdap-bootstrap boot
     --whois-jp whois.test:43)
# sites find STORE ARGS...: in the namespace, trusting the test's CA
# (no per-server rate limit here: it would only make the test wait)
find_() { local st=$1; shift; X "$bin" --store "$st" -o "sites.ca-file=$work/ca.pem" -o sites.rate=0 -o "sites.geoip=$work/geo.mmdb" sites find "$@"; }
perl "$src/tests/data/darknet/mkmmdb.pl" geo.mmdb || die "mkmmdb"

# ---- without --allow-destinations every look-up of a loopback address is refused
cp "$store" refused.db
expect 0 "find, destinations refused" -- find_ refused.db "${net[@]}" --json
has err.txt "refused destination"
has err.txt "loopback"
check "refused: only RFC 2142 contacts" jq_ out.txt "
s = {x['domain']: x for x in d}
sys.exit(0 if s['shop-a.jp']['contacts'][0]['source'] == 'rfc2142' else 1)"

# ---- find
expect 0 "find" -- find_ "$store" "${net[@]}" \
  --allow-destinations 127.0.0.0/8,100.64.0.0/10 --json
has err.txt "delegated.txt:6:"
has err.txt "9 sites, 7 domestic"
cp out.txt find.json
# every verdict and contact of find.json in one Python run (one line per check)
cat > checks.py <<'P'
import json, sys
s = {x['domain']: x for x in json.load(open('find.json'))}
checks = [
  ('shop-a.jp .jp verdict', lambda: s['shop-a.jp']['domestic'] and s['shop-a.jp']['evidence'] == 'tld .jp'),
  ('shop-a.jp two urls', lambda: len(s['shop-a.jp']['urls']) == 2),
  ('shop-a.jp security.txt first', lambda: s['shop-a.jp']['contacts'][0] == {'email': 'security@shop-a.jp', 'scope': 'operator', 'source': 'security.txt'}),
  ('expired-b.jp expired security.txt skipped, WHOIS used', lambda: [c['email'] for c in s['expired-b.jp']['contacts']][:1] == ['hostmaster@expired-b.jp'] and s['expired-b.jp']['contacts'][0]['source'] == 'whois-jp'),
  ('corp-c.co.jp handle query', lambda: s['corp-c.co.jp']['contacts'][0]['email'] == 'tech@corp-c.co.jp'),
  ('blog-d.com delegated verdict', lambda: s['blog-d.com']['domestic'] and s['blog-d.com']['evidence'] == 'delegated 127.0.0.12 JP'),
  ('blog-d.com RDAP registrar abuse, placeholder skipped', lambda: s['blog-d.com']['contacts'][0] == {'email': 'abuse@registrar-d.test', 'scope': 'registrar', 'source': 'rdap-domain'}),
  ('blog-d.com RDAP hosting abuse', lambda: s['blog-d.com']['contacts'][1] == {'email': 'ipabuse@hosting-d.test', 'scope': 'hosting', 'source': 'rdap-ip'}),
  ('blog-d.com RFC 2142 last', lambda: [c['source'] for c in s['blog-d.com']['contacts']][2:] == ['rfc2142', 'rfc2142']),
  ('foreign-e.net not domestic, not looked up', lambda: not s['foreign-e.net']['domestic'] and s['foreign-e.net']['contacts'] == []),
  ('geo-h.com GeoIP breaks the tie', lambda: s['geo-h.com']['domestic'] and s['geo-h.com']['evidence'] == 'geoip 100.64.0.5 JP'),
  ('foreign-i.net delegated US wins over GeoIP JP', lambda: not s['foreign-i.net']['domestic']),
  ('privacy-f.jp privacy proxy skipped', lambda: [c['source'] for c in s['privacy-f.jp']['contacts']] == ['rfc2142', 'rfc2142']),
]
for name, f in checks:
    try: good = f()
    except Exception as e: good = False
    print(('ok ' if good else 'FAIL ') + name)
    if not good: print(json.dumps(s.get(name.split()[0]), indent=1), file=sys.stderr)
P
python3 checks.py > checks.txt
while read -r verdict name; do
  if [ "$verdict" = ok ]; then ok "$name"; else bad "$name"; fi
done < checks.txt
check "all verdict checks ran" [ "$(wc -l < checks.txt)" = 13 ]
has whois.log "cc002jp"
hasnt access.log "foreign-e.net"

# ---- a second find answers from the cache (sites.cache-ttl): no server is asked again
wl=$(wc -l < whois.log); al=$(wc -l < access.log)
expect 0 "find again" -- find_ "$store" "${net[@]}" --allow-destinations 127.0.0.0/8,100.64.0.0/10 --json
has err.txt "0 look-ups failed"
check "whois not asked again" [ "$(wc -l < whois.log)" = "$wl" ]
check "nginx not asked again" [ "$(wc -l < access.log)" = "$al" ]
cmp -s out.txt find.json && ok || bad "the cached answers give the same sites"
grep -o "[0-9]* answered from the cache" err.txt > cached.txt
check "answers from the cache" [ "$(cut -d' ' -f1 < cached.txt)" -ge 10 ]

# ---- notify: one notice per contact per day, to a real smtp-sink
sport=$(freeport)
mkdir sink; chmod 777 sink
/usr/sbin/smtp-sink -u nobody -d "$work/sink/%M." 127.0.0.1:$sport 64 2>sink.err & pids+=($!)
wait_tcp $sport || bad "smtp-sink did not listen"
now=2026-12-07T10:00:00+09:00
expect 0 "notify" -- "$bin" --store "$store" sites notify --smtp smtp://127.0.0.1:$sport --now $now
has err.txt "6 notices made, 6 delivered, 0 to retry, 0 given up; 0 with follow-ups"
has err.txt "7 notified sites unchecked: no \`lists recheck\` of their URLs since their notice"
until_eq 6 sh -c "ls sink | wc -l"
grep -l "^To: <security@shop-a.jp>" sink/* > a.txt
check "one notice for shop-a.jp and shop-g.jp" [ "$(wc -l < a.txt)" = 1 ]
# decode FILE: the Subject and the text of a message smtp-sink kept
decode() {
  python3 - "$1" <<'P'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw[raw.index(b"From: "):], policy=email.policy.default)
print(m["Subject"]); print(m.get_content())
P
}
decode "$(cat a.txt)" > a.body || bad "decode"
has a.body "hxxp://shop-a[.]jp/wp-content/plugins/gallery/dl.php"
has a.body "hxxp://shop-g[.]jp/promo.html"
has a.body "3 件"
for r in hostmaster@expired-b.jp tech@corp-c.co.jp abuse@registrar-d.test webmaster@privacy-f.jp \
  webmaster@geo-h.com; do
  check "notice to $r" grep -q "^To: <$r>" sink/*
done
expect 0 "notify again the same day" -- "$bin" --store "$store" sites notify --smtp smtp://127.0.0.1:$sport --now $now
has err.txt "0 notices made, 0 delivered"
check "still 6 messages" [ "$(ls sink | wc -l)" = 6 ]

# ---- a bounce (a DSN in Postfix's form) moves the next notice to the site's next contact
mkdir -p bounces/new bounces/cur bounces/tmp
cat > bounces/new/1.mx <<'M'
From: MAILER-DAEMON@mx.isp.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: abuse@isp.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4ABCD.1796612793/mx.isp.example"

--4ABCD.1796612793/mx.isp.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.isp.example.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4ABCD.1796612793/mx.isp.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.isp.example
X-Postfix-Queue-ID: 4ABCD
X-Postfix-Sender: rfc822; abuse@isp.example
Arrival-Date: Mon,  7 Dec 2026 10:00:01 +0900 (JST)

Final-Recipient: rfc822; security@shop-a.jp
Original-Recipient: rfc822;security@shop-a.jp
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.shop-a.jp
Diagnostic-Code: smtp; 550 5.1.1 <security@shop-a.jp>: Recipient address
    rejected: User unknown in virtual mailbox table

--4ABCD.1796612793/mx.isp.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

To: <security@shop-a.jp>
X-Ispshield-Reference: site-20261207-0000000000000000

--4ABCD.1796612793/mx.isp.example--
M
printf 'Subject: out of office\n\nback on Monday\n' > bounces/new/2.mx
expect 0 "returned" -- "$bin" --store "$store" sites returned --maildir bounces
has err.txt "2 messages (1 not DSNs), 1 failed recipients, 2 contacts marked bounced"
has err.txt "2.mx: no message/delivery-status part"
# (as X-ARF: the notice and its report in a multipart/report, valid by the published schema)
expect 0 "notify after the bounce" -- "$bin" --store "$store" sites notify --smtp smtp://127.0.0.1:$sport --now $now --format xarf
has err.txt "2 notices made, 2 delivered"
until_eq 8 sh -c "ls sink | wc -l"
grep -l "^X-XARF: PLAIN" sink/* > x.txt
check "two X-ARF notices" [ "$(wc -l < x.txt)" = 2 ]
python3 "$src/tests/integration/lib/xarf_check.py" "$src/tests/data/xarf/v4" $(cat x.txt) > xarf.txt || bad "X-ARF: $(cat xarf.txt)"
has xarf.txt "webmaster@shop-a.jp | content/malware | shop-a.jp | tool:ispshield,status:site-notice | http://shop-a.jp/"
check "next contact of shop-a.jp" grep -q "^To: <webmaster@shop-a.jp>" sink/*
check "next contact of shop-g.jp" grep -q "^To: <webmaster@shop-g.jp>" sink/*
expect 0 "returned again marks nothing" -- "$bin" --store "$store" sites returned --maildir bounces
has err.txt "0 contacts marked bounced"

# ---- a site on two lists counts in both (site_lists): geo-h.com's URL is on list c2 too
echo "http://geo-h.com/flash-update.exe" > c2.txt
isp lists import --list c2 --kind url c2.txt || die "import c2"
expect 0 "find with two lists (cached)" -- find_ "$store" "${net[@]}" \
  --allow-destinations 127.0.0.0/8,100.64.0.0/10
has err.txt "9 sites, 7 domestic"

# ---- the report per source list (nothing is handled yet: no recheck has run)
# report_is WANT: `sites report --json` as (list, sites, domestic, contact, notified,
# handled, unchecked, median) rows
report_is() {
  "$bin" --store "$store" sites report --json > rep.json &&
  python3 -c "import json,sys; d=json.load(open('rep.json'))
got = repr([tuple(r[k] for k in ('list', 'sites', 'domestic', 'with_contact', 'notified', 'handled', 'unchecked', 'median_seconds_to_offline')) for r in d])
sys.exit(0 if got == sys.argv[1] else print(got) or 1)" "$1"
}
check "report: 9 sites, 7 domestic, 7 with a contact, 7 notified, unchecked; c2: geo-h.com" \
  report_is "[('c2', 1, 1, 1, 1, 0, 1, None), ('malware', 9, 7, 7, 7, 0, 7, None)]"
expect 0 "report table" -- "$bin" --store "$store" sites report
has out.txt "malware"

# ---- follow-up from `lists recheck` (times moved with --now, never waited for):
# T0 the notices above; T1 a day later every listed URL but blog-d.com's is offline.
# recheck TIME: `lists recheck` in the namespace, its resolver the namespace's Unbound
printf 'nameserver 127.0.0.1\n' > resolv.conf
recheck() {
  X unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$work/resolv.conf" \
    "$bin" --store "$store" lists recheck --list malware --all --offline-after 1 \
    --allow-destinations 127.0.0.0/8,100.64.0.0/10 --now "$1"
}
snotify() { "$bin" --store "$store" sites notify --smtp smtp://127.0.0.1:$sport "$@"; }
T1=2026-12-08T10:00:00+09:00 T8=2026-12-15T10:00:00+09:00
T16=2026-12-23T10:00:00+09:00 T17=2026-12-24T10:00:00+09:00
expect 0 "recheck at T1" -- recheck $T1
has err.txt "10 URLs checked: 1 online, 9 offline"
# shop-a.jp's second contact bounces too: without the recheck its third would be told
sed 's/security@shop-a.jp/webmaster@shop-a.jp/g' bounces/new/1.mx > bounces/new/3.mx
expect 0 "returned: webmaster@shop-a.jp" -- "$bin" --store "$store" sites returned --maildir bounces
has err.txt "1 contacts marked bounced"
expect 0 "notify at T1: offline sites handled, none told" -- snotify --now $T1
has err.txt "0 notices made, 0 delivered"
has err.txt "8 sites handled (offline)"
hasnt err.txt "unchecked"
check "no notice to abuse@shop-a.jp (offline)" [ "$(ls sink | wc -l)" = 8 ]
expect 0 "notify at T8 without a recheck since T1: no follow-up" -- snotify --now $T8
has err.txt "0 notices made"
expect 0 "recheck at T8" -- recheck $T8
has err.txt "1 online"
expect 0 "notify at T8: blog-d.com still online, a follow-up" -- snotify --now $T8
has err.txt "1 notices made, 1 delivered, 0 to retry, 0 given up; 1 with follow-ups"
until_eq 9 sh -c "ls sink | wc -l"
grep -l "^To: <ipabuse@hosting-d.test>" sink/* > f.txt
check "the follow-up goes to the hosting abuse contact" [ "$(wc -l < f.txt)" = 1 ]
decode "$(head -1 f.txt)" > f.body || bad "decode"
has f.body "再通知 (2 回目)"
has f.body "2026-12-07 (日本時間)"
has f.body "hxxp://blog-d[.]com/wp-includes/load.js"
expect 0 "notify again at T8" -- snotify --now $T8
has err.txt "0 notices made"
expect 0 "recheck at T16" -- recheck $T16
expect 0 "notify at T16 with sites.max-notices=2: none" -- snotify --now $T16 --max-notices 2
has err.txt "0 notices made"
rm www/blog-d.com/wp-includes/load.js
expect 0 "recheck at T17: blog-d.com offline" -- recheck $T17
has err.txt "0 online, 10 offline"
expect 0 "notify at T17" -- snotify --now $T17 --max-notices 2
has err.txt "0 notices made"
has err.txt "1 sites handled (offline)"
# handled: the six offline at T1 a day after their notice, blog-d.com 17 days after
check "report: 7 handled, none unchecked, median 1 day" \
  report_is "[('c2', 1, 1, 1, 1, 1, 0, 86400), ('malware', 9, 7, 7, 7, 7, 0, 86400)]"

# ---- the status page shows the same figures
stport=$(freeport)
"$bin" --store "$store" status --listen 127.0.0.1:$stport --scrape 127.0.0.1:1 --interval 1 \
  2>status.log & stpid=$!; pids+=($stpid)
wait_http "http://127.0.0.1:$stport/" || bad "status did not serve"
curl -s -m 30 "http://127.0.0.1:$stport/api/status" > api.json
check "status API: sites as sites report" python3 -c "import json; a = json.load(open('api.json'))['sites']; r = json.load(open('rep.json')); exit(0 if a == r else print(a) or 1)"
curl -s -m 30 "http://127.0.0.1:$stport/" > page.html
has page.html '<span data-fig="sites.1.list">malware</span>'
has page.html '<span data-fig="sites.1.handled">7</span>'
has page.html 'data-fig-duration="sites.1.median_seconds_to_offline" title="86400 s">1 day'
kill $stpid

# ---- kill -9 during notify runs: into a Maildir, each contact is told exactly once
for i in $(seq 1 200); do echo "http://k$i-site.jp/x.php"; done > kurls.txt
kstore=$work/var/k.db
"$bin" -q --store "$kstore" lists import --list kill --kind url kurls.txt || bad "import kill"
expect 0 "find 200 sites" -- find_ "$kstore" --resolver 127.0.0.1:53 --whois-jp ""
has err.txt "200 sites, 200 domestic, 200 with a contact"
kills=0
for i in $(seq 1 10); do
  timeout -s KILL "0.$((RANDOM % 3))$((RANDOM % 10))" "$bin" -q --store "$kstore" sites notify \
    --maildir "$work/kmd" --now $now >/dev/null 2>&1
  [ $? -eq 137 ] && kills=$((kills + 1))
done
expect 0 "notify after the kills" -- "$bin" --store "$kstore" sites notify --maildir "$work/kmd" --now $now
echo "($kills of 10 runs killed)"
check "200 messages, one per contact" [ "$(ls kmd/new | wc -l)" = 200 ]
check "every notice sent" [ "$(sqlite3 "$kstore" "SELECT count(*) FROM site_notices WHERE state = 'sent'")" = 200 ]
check "no contact twice" [ "$(grep -h '^To: ' kmd/new/* | sort -u | wc -l)" = 200 ]
finish sites
