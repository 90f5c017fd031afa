#!/usr/bin/env bash
# Integration test of signed list feeds: `lists keygen`, `lists sign`, `lists publish`
# and `lists sync` through the real binary, with a real nginx (private config,
# 127.0.0.1, a free port) serving the published tree. Checks: the first sync imports and
# compiles (answers of `lists check`); the second gets 304 (nginx's access log); a
# tampered list file, a tampered manifest, a wrong key, a truncated file, a replayed older
# manifest, an oversized file, a list with a rejected line and an unreachable server
# each fail with exit 4 and leave the snapshot (sha256), the store (imports recorded) and
# the answers unchanged, with the reason in sync-state.json; a list dropped from the feed
# is emptied; sync with no arguments reads [sync] from the config file; over https the
# server certificate is verified (a private CA fails until sync.ca-file names it).
# Trust (issue 15 item 10, issue 24 item 7): a wrong key is refused where the server
# would answer 304; a replay is refused after sync-state.json was lost (the store keeps
# the sequence); a manifest older than sync.max-age is "stale" (exit 4), also on a 304;
# an https feed redirected to http is refused.
# Env: ISPSHIELD (the binary), SRCDIR (the source tree).
set -uo pipefail
for t in nginx python3 sqlite3 sha256sum openssl; do
  command -v "$t" >/dev/null || { echo "lists_sync.sh: $t missing (scripts/deps.sh test)" >&2; exit 1; }
done
. "${SRCDIR:?set SRCDIR to the source tree}/tests/integration/lib/testlib.sh"
begin_test
ngx=
on_exit() { [ -n "$ngx" ] && kill "$ngx" 2>/dev/null && wait "$ngx" 2>/dev/null; }
isp() { "$bin" --store "$work/var/t.db" "$@"; }
snap=$work/var/ispshield.snap
statef=$work/var/sync-state.json
# field KEY: a field of the state object of $url (lists -> "name:entries,...")
field() {
  python3 - "$statef" "$url" "$1" <<'EOF'
import json, sys
s = [o for o in json.load(open(sys.argv[1]))["syncs"] if o["url"] == sys.argv[2]]
o = s[0] if s else {}
v = o.get(sys.argv[3], "")
if sys.argv[3] == "lists":
    v = ",".join("%s:%d" % (l["name"], l["entries"]) for l in v)
print(v)
EOF
}
# answers: what `lists check` says for the probe values (exit codes and first lines)
answers() {
  for v in cc1.botnet.example new.example http://malware-dist.example/invoice.exe keep.example; do
    isp lists check "$v" 2>&1 | head -1; echo "exit ${PIPESTATUS[0]}"
  done
}
imports() { sqlite3 "$work/var/t.db" "SELECT count(*) FROM imports"; }
state_before() { sha_before=$(sha256sum "$snap" | cut -d' ' -f1); ans_before=$(answers); imp_before=$(imports); }
# unchanged WHAT: snapshot, answers and store as they were before
unchanged() {
  check "$1: snapshot unchanged" [ "$(sha256sum "$snap" | cut -d' ' -f1)" = "$sha_before" ]
  check "$1: lists check answers unchanged" [ "$(answers)" = "$ans_before" ]
  check "$1: nothing committed to the store" [ "$(imports)" = "$imp_before" ]
  check "$1: no staging left" [ -z "$(find "$work/var" -name '.sync.*')" ]
}

# --- help and usage
for c in keygen sign publish sync; do
  expect 0 "lists $c --help" -- "$bin" lists "$c" --help; has out.txt "usage: ispshield lists $c"
done
expect 2 "sync without URL" -- isp lists sync
expect 2 "sync without key" -- isp lists sync http://127.0.0.1:9/

# --- keys and detached signatures
expect 0 "keygen" -- "$bin" lists keygen --public pub.key --secret sec.key
check "secret key mode 0600" [ "$(stat -c %a sec.key)" = 600 ]
expect 4 "keygen refuses to overwrite" -- "$bin" lists keygen --public p2.key --secret sec.key
expect 0 "other keygen" -- "$bin" lists keygen --public other.key --secret other.sec
printf 'hello\n' > doc.txt
expect 0 "sign" -- "$bin" lists sign --key sec.key doc.txt
check "doc.txt.sig: 128 hex digits" grep -qxE '[0-9a-f]{128}' doc.txt.sig
chmod 644 other.sec
expect 4 "a world-readable secret key is refused" -- "$bin" lists sign --key other.sec doc.txt
has err.txt "chmod 600"

# --- lists to publish
mkdir -p lists www
printf '# C&C names\ncc1.botnet.example\n*.dga.example\nkeep.example\n' > lists/c2.txt
cp "$src/data/lists/malware-urls.csv" lists/urls.csv
cp "$src/data/lists/c2-ips.csv" lists/ips.csv
printf 'cc1.botnet.example\n' > lists/one.txt
expect 4 "publish refuses a list with rejected lines" -- "$bin" lists publish --key sec.key \
  www/feed c2:domain:urlhaus=lists/c2.txt
check "nothing published" [ ! -e www/feed/index ]
expect 0 "publish" -- "$bin" lists publish --key sec.key --feed isac --sequence 100 www/feed \
  c2:domain=lists/c2.txt urls:url=lists/urls.csv ips:ip=lists/ips.csv
has www/feed/index "sequence 100"
has www/feed/index "list urls url urlhaus urls-100.list"
has www/feed/index "list ips ip feodo ips-100.list"
expect 2 "publish refuses a sequence not above the last" -- "$bin" lists publish --key sec.key \
  --feed isac --sequence 100 www/feed c2:domain=lists/c2.txt

# --- nginx on loopback serving www/, over http and https (a private CA's certificate)
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=ispshield-test-ca 2>/dev/null
openssl req $ec -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
  -extfile srv.ext 2>/dev/null
port=$(python3 "$src/scripts/freeport.py")
sport=$(python3 "$src/scripts/freeport.py")
nginx_conf <<EOF
  server { listen 127.0.0.1:$port; root $work/www; server_tokens off; }
  server {
    listen 127.0.0.1:$sport ssl; root $work/www; server_tokens off;
    ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key;
    location /redir/ { rewrite ^/redir/(.*)\$ http://127.0.0.1:$port/feed/\$1 redirect; }
    location /sredir/ { rewrite ^/sredir/(.*)\$ https://127.0.0.1:$sport/feed/\$1 redirect; }
  }
EOF
nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
ngx=$!
wait_http "http://127.0.0.1:$port/feed/index" || bad "nginx did not come up"
url=http://127.0.0.1:$port/feed/

# --- first sync: imports and compiles
expect 0 "first sync" -- isp lists sync --public pub.key "$url"
has err.txt "ok, sequence 100, 3 list(s)"
expect 0 "check: a synced C&C name" -- isp lists check cc1.botnet.example
has out.txt "source sync:isac"
expect 0 "check: a wildcard" -- isp lists check x.dga.example
expect 0 "check: a synced URL" -- isp lists check http://malware-dist.example/invoice.exe
expect 1 "check: an unlisted name" -- isp lists check new.example
check "state: ok" [ "$(field result)" = ok ]
check "state: sequence 100" [ "$(field sequence)" = 100 ]
check "state: lists and entries" [ "$(field lists)" = "c2:3,urls:3,ips:3" ]
check "state: an ETag" [ -n "$(field etag)" ]
check "state: last_success = last_attempt" [ "$(field last_success)" = "$(field last_attempt)" ]

# --- second sync: 304
expect 0 "second sync" -- isp lists sync --public pub.key "$url"
has err.txt "not-modified"
check "nginx answered 304 to the conditional GET" grep -qE '"GET /feed/index HTTP/1.1" 304 ' access.log
check "state: not-modified" [ "$(field result)" = not-modified ]

# --- a wrong key where the server answers 304: the signature is still checked
state_before
expect 4 "wrong key, feed unchanged (304)" -- isp lists sync --public other.key "$url"
has err.txt "bad-signature"
unchanged "wrong key on a 304"
expect 0 "the right key again" -- isp lists sync --public pub.key "$url"
has err.txt "not-modified"

# keep the signed publication 100 for the replay below
mkdir old100 && cp www/feed/index www/feed/index.sig old100/

# --- failures: each leaves everything as it was, with the reason recorded
printf 'new.example\n' >> lists/c2.txt
expect 0 "publish 101" -- "$bin" lists publish --key sec.key --feed isac --sequence 101 www/feed \
  c2:domain=lists/c2.txt urls:url=lists/urls.csv ips:ip=lists/ips.csv
state_before

cp www/feed/c2-101.list c2.good
echo "evil.example" >> www/feed/c2-101.list
expect 4 "tampered list file" -- isp lists sync --public pub.key "$url"
has err.txt "nothing changed"
check "state: download-failed (tampered)" [ "$(field result)" = download-failed ]
python3 - "$statef" <<'EOF' >reason.txt
import json, sys
print(json.load(open(sys.argv[1]))["syncs"][0]["error"])
EOF
has reason.txt "signed manifest"
unchanged "tampered list file"
cp c2.good www/feed/c2-101.list

cp www/feed/index index.good
sed -i 's/^sequence 101$/sequence 999/' www/feed/index
expect 4 "tampered manifest" -- isp lists sync --public pub.key "$url"
check "state: bad-signature (tampered manifest)" [ "$(field result)" = bad-signature ]
unchanged "tampered manifest"
cp index.good www/feed/index

expect 4 "wrong key" -- isp lists sync --json --public other.key "$url"
has err.txt "bad-signature"
has out.txt '"result":"bad-signature"'
check "--json: one JSON object" python3 -c 'import json,sys; json.load(open("out.txt"))' 
check "state: bad-signature (wrong key)" [ "$(field result)" = bad-signature ]
has "$statef" "does not hold"
unchanged "wrong key"

head -c 10 c2.good > www/feed/c2-101.list
expect 4 "truncated file" -- isp lists sync --public pub.key "$url"
check "state: download-failed (truncated)" [ "$(field result)" = download-failed ]
has "$statef" "truncated"
unchanged "truncated file"
cp c2.good www/feed/c2-101.list

expect 4 "file over sync.max-bytes" -- isp -o sync.max-bytes=20 lists sync --public pub.key "$url"
has err.txt "sync.max-bytes"
unchanged "max-bytes"

kill "$ngx"; wait "$ngx" 2>/dev/null; ngx=
expect 4 "server down" -- isp lists sync --public pub.key "$url"
check "state: download-failed (server down)" [ "$(field result)" = download-failed ]
unchanged "server down"
nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
ngx=$!
wait_http "$url/index" || bad "nginx did not come back"

# --- 101 goes through, then the old 100 is replayed at the same URL
expect 0 "sync 101" -- isp lists sync --public pub.key "$url"
has err.txt "ok, sequence 101"
expect 0 "check: the name added in 101" -- isp lists check new.example
state_before
cp www/feed/index www/feed/index.sig .
cp old100/index old100/index.sig www/feed/
# as an attacker (or a restored backup) would serve it: a new file, a new ETag
touch -d "@$(($(date +%s) + 2))" www/feed/index
expect 4 "replayed older manifest" -- isp lists sync --public pub.key "$url"
has err.txt "replayed"
check "state: replayed" [ "$(field result)" = replayed ]
check "state: sequence still 101" [ "$(field sequence)" = 101 ]
unchanged "replay"
# --- sync-state.json lost: the store still knows sequence 101
rm "$statef"
expect 4 "replay after sync-state.json was lost" -- isp lists sync --public pub.key "$url"
has err.txt "replayed"
unchanged "replay without the state file"
cp index index.sig www/feed/

# --- a signed list with a value the importer rejects: nothing committed
printf 'fine.example\nnot a domain!\n' > lists/badval.txt
expect 0 "publish 102 (a value only the importer rejects)" -- "$bin" lists publish --key sec.key \
  --feed isac www/feed c2:domain=lists/c2.txt badval:domain=lists/badval.txt
expect 4 "import-failed" -- isp lists sync --public pub.key "$url"
has err.txt "not a domain"
check "state: import-failed" [ "$(field result)" = import-failed ]
unchanged "import-failed"
expect 1 "check: nothing of the failed import" -- isp lists check fine.example

# --- a signed list that lost most of its entries: the import guard lists import uses
# (lists.max-shrink, default 50 %) refuses it too, until --allow-shrink
printf 'cc1.botnet.example\n' > lists/c2-short.txt
expect 0 "publish (c2 shrunk to one of its names)" -- "$bin" lists publish --key sec.key \
  --feed isac www/feed c2:domain=lists/c2-short.txt urls:url=lists/urls.csv ips:ip=lists/ips.csv
state_before
expect 4 "a list shrinking past lists.max-shrink" -- isp lists sync --public pub.key "$url"
has err.txt "lists.max-shrink"; has err.txt "list c2"
check "state: import-failed (shrink)" [ "$(field result)" = import-failed ]
unchanged "shrink"
expect 0 "--allow-shrink takes it" -- isp lists sync --allow-shrink --public pub.key "$url"
expect 1 "check: the name the shrunk list dropped" -- isp lists check keep.example

# --- a list dropped from the feed is emptied; sync with no arguments from the config
cat > sync.conf <<EOF
[core]
store = $work/var/t.db
[sync]
url = $url
public-key = $work/pub.key
EOF
expect 0 "publish (urls and ips dropped)" -- "$bin" lists publish --key sec.key --feed isac \
  www/feed c2:domain=lists/c2.txt
expect 0 "sync from the config, no arguments" -- "$bin" -c sync.conf lists sync
has err.txt "ok, sequence"
expect 1 "check: the dropped URL list no longer matches" -- isp lists check http://malware-dist.example/invoice.exe
expect 0 "check: c2 still matches" -- isp lists check cc1.botnet.example
check "state: lists" [ "$(field lists)" = "c2:4" ]

# --- a deleted snapshot (or a new store) beside the old state: the lists come again, no 304
rm "$snap"
expect 0 "sync after the snapshot was deleted" -- isp lists sync --public pub.key "$url"
has err.txt ": ok, sequence"
check "snapshot rebuilt" [ -s "$snap" ]
expect 0 "check after the rebuild" -- isp lists check cc1.botnet.example

# --- a second feed URL keeps its own state object beside the first
expect 0 "sync a file:// feed" -- isp lists sync --public pub.key "file://$work/www/feed"
check "state: two URLs" [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["syncs"]))' "$statef")" = 2 ]

# --- https: the certificate is verified; a private CA is trusted only through sync.ca-file
surl=https://127.0.0.1:$sport/feed/
tls() { "$bin" --store "$work/tls/t.db" "$@"; }
expect 4 "https, unknown CA" -- tls lists sync --public pub.key "$surl"
has err.txt "download-failed"
has "$work/tls/sync-state.json" "certificate"
check "https, unknown CA: no snapshot made" [ ! -e "$work/tls/ispshield.snap" ]
expect 0 "https with sync.ca-file" -- tls -o sync.ca-file="$work/ca.pem" lists sync --public pub.key "$surl"
has err.txt "ok, sequence"
expect 0 "check after the https sync" -- tls lists check cc1.botnet.example

# --- an https feed redirected to http is refused; to https it is followed
expect 0 "https redirected to https" -- "$bin" --store "$work/sredir/t.db" -o sync.ca-file="$work/ca.pem" \
  lists sync --public pub.key "https://127.0.0.1:$sport/sredir/"
has err.txt ": ok, sequence"
expect 4 "https redirected to http" -- "$bin" --store "$work/redir/t.db" -o sync.ca-file="$work/ca.pem" \
  lists sync --public pub.key "https://127.0.0.1:$sport/redir/"
has err.txt "download-failed"
has "$work/redir/sync-state.json" "redir/index: Protocol"
check "https -> http: nothing imported" [ ! -e "$work/redir/ispshield.snap" ]
check "the redirect is there (curl follows it)" test "$(curl -s -o /dev/null -w '%{redirect_url}' --cacert ca.pem "https://127.0.0.1:$sport/redir/index")" = "http://127.0.0.1:$port/feed/index"

# --- freshness: a manifest published 30 days ago (re-signed) is stale under the default
# sync.max-age (7d), whether fetched or kept by a 304
cp -r www/feed www/old
sed -i "s/^created .*/created $(($(date +%s) - 30 * 86400))/" www/old/index
"$bin" lists sign --key sec.key www/old/index >/dev/null 2>&1 || bad "re-sign the old manifest"
old() { "$bin" --store "$work/old/t.db" "$@"; }
ourl=http://127.0.0.1:$port/old/
expect 4 "stale manifest" -- old lists sync --public pub.key "$ourl"
has err.txt "stale"
has err.txt "older than sync.max-age"
check "stale: nothing imported" [ ! -e "$work/old/ispshield.snap" ]
expect 0 "the same feed without a limit" -- old -o sync.max-age=0 lists sync --public pub.key "$ourl"
has err.txt ": ok, sequence"
expect 4 "stale on a 304" -- old lists sync --public pub.key "$ourl"
has err.txt "stale"
check "nginx answered 304" test "$(grep -c '"GET /old/index HTTP/1.1" 304 ' access.log)" -ge 1
expect 0 "check: the lists stay served" -- old lists check cc1.botnet.example

finish lists_sync
