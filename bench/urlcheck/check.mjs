// check.mjs -- the extension's local check per URL (canonicalise, expressions, WebCrypto
// SHA-256 of each, prefix look-ups) against a prefix list of N random prefixes, in node
// (the same code and WebCrypto API as the service worker; not Chromium itself).
// Usage: node check.mjs N URLS   Prints the median and 99th percentile in ms.
import { canonicalise, expressions } from '../../clients/webext/urlexpr.js';
import { has } from '../../clients/webext/prefixes.js';

const n = +process.argv[2] || 1000000;
const m = +process.argv[3] || 20000;
const list = new Uint32Array(n);
for (let i = 0; i < n; i++) list[i] = (Math.random() * 2 ** 32) >>> 0;
list.sort();
const enc = new TextEncoder();
const times = [];
let hits = 0;
for (let i = 0; i < m; i++) {
  const url = `https://www${i % 97}.site${i}.example/path/${i}/page.html?q=${i}`;
  const t0 = performance.now();
  const ex = expressions(canonicalise(url));
  const hs = await Promise.all(ex.map((e) => crypto.subtle.digest('SHA-256', enc.encode(e.expr))));
  for (const h of hs) {
    const b = new Uint8Array(h);
    if (has(list, ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0)) hits++;
  }
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`check_median_ms ${times[m >> 1].toFixed(3)}`);
console.log(`check_p99_ms ${times[Math.floor(m * 0.99)].toFixed(3)}`);
console.log(`local_hit_ratio ${(hits / m).toFixed(4)}`);
