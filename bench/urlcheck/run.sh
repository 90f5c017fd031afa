#!/usr/bin/env bash
# urlcheck benchmark (bench/README.md, issue 23): a BENCH_URLS-URL list (1 M), compiled.
#   - the prefix list on the wire: GET /v1/prefixes of a running `ispshield urlcheck`
#     (curl's byte count), next to the raw 4-byte prefixes and their gzip -9 (what a
#     plain file download of the list would take); goal <= 4.5 MB;
#   - a 1 % difference (1 % of the prefixes gone, as many new) as the service encodes it
#     (bench_urlcheck; a simulated previous version, not a second compile); goal <= 50 kB;
#   - full-hash look-ups per second on one core: the table look-up alone, and whole
#     answers (look-up + JSON) as GET /v1/fullhashes builds them; goal >= 50 k/s;
#   - the extension's local check per URL in node (check.mjs: canonicalise, expressions,
#     WebCrypto SHA-256, prefix look-ups against 1 M prefixes); goal < 5 ms median;
#   - the same check inside headless Chromium (browser.py): the extension (a copy with the
#     bench-only hook.js appended to its service worker) takes the whole list from the
#     service, then times its own check(url) of BENCH_BROWSER_URLS URLs (< 1 % local hits);
#   - GET /v1/fullhashes requests per second through the service's HTTP (h2load, HTTP/1.1
#     keep-alive, 8 connections, half listed prefixes), if h2load is installed.
# Runs in a private network namespace (unshare -rn: loopback only, for Chromium).
# Usage: bench/urlcheck/run.sh BUILD_DIR      Env: BENCH_URLS (1000000),
# BENCH_BROWSER_URLS (20000), BENCH_HTTP_REQS (200000).
# Output: bench/out/urlcheck/ (results.md, run.log).
set -euo pipefail
if [ -z "${ISP_NETNS:-}" ]; then
  exec unshare -rn env ISP_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
build=${1:-build}
bin=$(cd "$build" && pwd)/ispshield
bench=$(cd "$build" && pwd)/bench/bench_urlcheck
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/bench/out/urlcheck
N=${BENCH_URLS:-1000000}
NBU=${BENCH_BROWSER_URLS:-20000}
NREQ=${BENCH_HTTP_REQS:-200000}
rm -rf "$out" && mkdir -p "$out" && cd "$out"
runlog=$out/run.log
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait' EXIT
isp() { "$bin" --store "$out/s.db" --snapshot "$out/s.snap" "$@"; }

python3 -c "
for i in range($N): print('http://h%d.bench%d.example/dl/%08d/file.exe?id=%d' % (i % 1000, i // 1000, i, i))" >urls.txt
isp lists import --list big --kind url --format plain urls.txt 2>>"$runlog"
isp lists compile 2>>"$runlog"
"$bench" s.snap 1000000 >bench.txt 2>>"$runlog"
val() { awk -v k="$1" '$1 == k {print $2}' bench.txt; }

# the extension's copy for Chromium: hook.js appended, the service in config.json; its ID
# (from the manifest's key) is the origin the service allows
cp -r "$here/clients/webext" ext
cat "$here/bench/urlcheck/hook.js" >>ext/background.js
ID=$(python3 -c '
import base64, hashlib, json, sys
k = base64.b64decode(json.load(open(sys.argv[1]))["key"])
print("".join(chr(ord("a") + int(c, 16)) for c in hashlib.sha256(k).hexdigest()[:32]))' ext/manifest.json)
P=$(python3 "$here/scripts/freeport.py")
printf '{"serviceUrl": "http://127.0.0.1:%s"}\n' "$P" >ext/config.json
"$bin" --store "$out/s.db" --snapshot "$out/s.snap" urlcheck --listen "127.0.0.1:$P" \
  --origin "chrome-extension://$ID" >uc.log 2>&1 &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$P/v1/prefixes"; do sleep 0.2; done
wire=$(curl -s -o full.json -w '%{size_download}' "http://127.0.0.1:$P/v1/prefixes")
raw=$(val raw_bytes)
PORT=$P python3 >gz.txt <<'PY'
import base64, gzip, json, os, struct
PORT = os.environ['PORT']
j = json.load(open('full.json'))
r = j['prefixes']
data = base64.b64decode(r['data']); k = r['k']; v = r['first']; vals = [v]; pos = 0
for _ in range(r['n'] - 1):
    q = 0
    while (data[pos >> 3] >> (pos & 7)) & 1: q += 1; pos += 1
    pos += 1; d = 0
    for b in range(k): d |= ((data[pos >> 3] >> (pos & 7)) & 1) << b; pos += 1
    v += (q << k) | d; vals.append(v)
raw = b''.join(struct.pack('>I', x) for x in vals)
print(len(gzip.compress(raw, 9)))
# h2load's URIs: 500 listed prefixes, 500 random ones
import random
with open('uris.txt', 'w') as f:
    for x in vals[::max(1, len(vals) // 500)][:500] + [random.getrandbits(32) for _ in range(500)]:
        f.write('http://127.0.0.1:%s/v1/fullhashes?prefixes=%08x\n' % (PORT, x))
PY
gz=$(cat gz.txt)
node "$here/bench/urlcheck/check.mjs" 1000000 20000 >check.txt 2>>"$runlog" || true
cval() { awk -v k="$1" '$1 == k {print $2}' check.txt; }

CD=$(python3 "$here/scripts/freeport.py")
chromedriver --port="$CD" --allowed-ips=127.0.0.1 --log-path="$out/chromedriver.log" >/dev/null 2>&1 &
pids+=($!)
until curl -s -m 2 "http://127.0.0.1:$CD/status" | grep -q '"ready": *true'; do sleep 0.2; done
timeout 900 python3 "$here/bench/urlcheck/browser.py" "$CD" "$ID" "$out/ext" "$out/profile" \
  "$NBU" >browser.txt 2>>"$runlog" || true
bval() { awk -v k="$1" '$1 == k {print $2}' browser.txt; }

: >h2load.txt
if command -v h2load >/dev/null; then
  h2load --h1 -n "$NREQ" -c 8 -t 1 -i uris.txt >h2load.txt 2>>"$runlog" || true
fi
rps=$(awk '/^finished in/ {print $4}' h2load.txt)
ok2xx=$(awk '/^status codes:/ {print $3}' h2load.txt)

cat >results.md <<R
# urlcheck benchmark ($N URLs; $(nproc) cores, loaded machine: $(uptime | sed 's/.*load average: //'))

| what | ispshield urlcheck | compared with | ratio | goal |
|---|---|---|---|---|
| whole prefix list on the wire (GET /v1/prefixes) | $wire bytes | raw 4-byte prefixes $raw bytes; gzip -9 of them $gz bytes | $(python3 -c "print('%.2f / %.2f' % ($wire / $raw, $wire / $gz))") | <= 4.5 MB |
| 1 % difference (GET /v1/prefixes?since=) | $(val diff1_bytes) bytes | the whole list $wire bytes | $(python3 -c "print('%.3f' % ($(val diff1_bytes) / $wire))") | <= 50 kB |
| full-hash table look-ups, one core (CPU time) | $(val find_per_s)/s | | | |
| full-hash answers (look-up + JSON), one core (CPU time), half matching | $(val fullhash_per_s)/s | | | >= 50 k/s |
| full-hash answers, one core (CPU time), every one matching | $(val fullhash_hit_per_s)/s | | | >= 50 k/s |
| table build from the snapshot | $(val build_s) s | | | |
| extension check per URL (node $(node --version), 1 M prefixes), median / p99 | $(cval check_median_ms) / $(cval check_p99_ms) ms | | | < 5 ms |
| extension check per navigation in headless $(chromium --version 2>/dev/null | awk '{print $1, $2}') (the worker's check(), $(bval prefixes) prefixes, $(bval urls) URLs, local hits $(bval local_hit_ratio)), median / p99 | $(bval check_median_ms) / $(bval check_p99_ms) ms | node: $(cval check_median_ms) / $(cval check_p99_ms) ms | | < 5 ms median |
| the local part alone in Chromium (expressions, SHA-256, look-ups), median / p99 | $(bval core_median_ms) / $(bval core_p99_ms) ms | node: $(cval check_median_ms) / $(cval check_p99_ms) ms | | |
| of the check in Chromium: config() alone (policy + bundled config.json, kept after the first read), median / p99 | $(bval config_median_ms) / $(bval config_p99_ms) ms | | | |
| GET /v1/fullhashes through HTTP/1.1 keep-alive (h2load, 8 connections, one thread, half listed) | ${rps:-not measured} req/s (${ok2xx:-0} of $NREQ answered 2xx) | | | |

Prefixes: $(val prefixes). Look-ups: half listed prefixes, half random; medians of 5 rounds.
R
cat results.md
