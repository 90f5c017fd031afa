// urlexpr.js -- URL canonicalisation and lookup expressions as Safe Browsing specifies
// them: the JavaScript twin of src/core/net/url.c (url_canonicalise, url_expressions).
//
// It works on UTF-8 bytes, step for step as the C code does, so that a URL the server
// hashed and a URL the browser visits meet in the same expression. Both are checked
// against one file of vectors (tests/data/urlcheck/vectors.json: test/vectors.test.js
// here, tests/unit/test_urlcheck.c there), so the two cannot drift apart unnoticed.
// Where the C code calls libidn2 (non-ASCII host names) and inet_ntop (IPv6 literals),
// this calls the WHATWG URL parser the browser has; see README.md for the cases where
// those differ (an IPv6 literal with an embedded IPv4 address).
//
// No dependency: runs in the extension's service worker and in node (the tests).

const ESC_QUERY = '#%';
const ESC_PATH = '#%?';
const ESC_HOST = '#%/?@:[]';
const URL_MAX = 8192;
const IDN_ROUNDS = 4;

export const URL_EXPR_HOSTS = 5;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

const isAlpha = (c) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isDigit = (c) => c >= 0x30 && c <= 0x39;
const isSchemeChar = (c) => isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e;

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function lower(a) {
  return a.map((c) => (c >= 0x41 && c <= 0x5a ? c + 32 : c));
}

// Percent-decode until no "%HH" is left, in one pass (see url.c unescape_all).
function unescapeAll(a) {
  const w = [];
  for (const c of a) {
    w.push(c);
    while (w.length >= 3 && w[w.length - 3] === 0x25) {
      const hi = hexValue(w[w.length - 2]);
      const lo = hexValue(w[w.length - 1]);
      if (hi < 0 || lo < 0) break;
      w.length -= 3;
      w.push(hi * 16 + lo);
    }
  }
  return w;
}

function escaped(a, special) {
  let s = '';
  for (const c of a) {
    if (c <= 0x20 || c >= 0x7f || special.includes(String.fromCharCode(c))) {
      s += '%' + c.toString(16).toUpperCase().padStart(2, '0');
    } else {
      s += String.fromCharCode(c);
    }
  }
  return s;
}

function cleanDots(h) {
  const w = [];
  for (const c of h) {
    if (c === 0x2e && (w.length === 0 || w[w.length - 1] === 0x2e)) continue;
    w.push(c);
  }
  if (w.length && w[w.length - 1] === 0x2e) w.pop();
  return w;
}

function schemeIs(a, name) {
  if (a.length !== name.length) return false;
  return String.fromCharCode(...lower(a)) === name;
}

// IPv4 in any inet_aton form: the address, null for a host name, or throws when numeric
// but out of range.
function parseIPv4(h) {
  if (h.length === 0) return null;
  const parts = [];
  let i = 0;
  for (;;) {
    const s0 = i;
    while (i < h.length && h[i] !== 0x2e) i++;
    const e = i;
    let s = s0;
    if (parts.length === 4 || e === s) return null;
    let base = 10;
    if (e - s >= 2 && h[s] === 0x30 && h[s + 1] === 0x78) {
      base = 16;
      s += 2;
    } else if (e - s >= 2 && h[s] === 0x30) {
      base = 8;
      s += 1;
    }
    let v = 0;
    for (; s < e; s++) {
      const d = hexValue(h[s]);
      if (d < 0 || d >= base || (base !== 16 && !isDigit(h[s]))) return null;
      if (v <= 0xffffffff) v = v * base + d;
    }
    parts.push(v);
    if (i >= h.length) break;
    i++;
  }
  let a = 0;
  for (let k = 0; k + 1 < parts.length; k++) {
    if (parts[k] > 255) throw new Error('IPv4 address out of range');
    a += parts[k] * 2 ** (24 - 8 * k);
  }
  const limit = parts.length === 1 ? 0xffffffff : 2 ** (8 * (5 - parts.length)) - 1;
  if (parts[parts.length - 1] > limit) throw new Error('IPv4 address out of range');
  a += parts[parts.length - 1];
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

// A non-ASCII host to A-labels with the browser's own IDNA (WHATWG URL), or null when it
// is to be kept as bytes (as url.c does when libidn2 refuses it).
function toALabels(h) {
  let ascii = true;
  for (const c of h) {
    if (c <= 0x20 || c === 0x7f) return null;
    if (c >= 0x80) ascii = false;
  }
  if (ascii || h.length >= 1024) return null;
  let s;
  try {
    s = dec.decode(new Uint8Array(h));
  } catch {
    return null;
  }
  if (/[%/?#@:[\]\\]/.test(s)) return null;
  try {
    return Array.from(enc.encode(new URL('http://' + s + '/').hostname));
  } catch {
    return null;
  }
}

function canonHostname(host) {
  let h = cleanDots(lower(unescapeAll(host)));
  for (let round = 0; ; round++) {
    const res = toALabels(h);
    if (!res) break;
    h = cleanDots(lower(res));
    if (!h.includes(0x25)) break;
    const m = unescapeAll(h);
    if (m.length === h.length) break;
    if (round + 1 >= IDN_ROUNDS) throw new Error('host does not settle');
    h = cleanDots(lower(m));
  }
  return h;
}

// Resolve "." and ".." and drop empty segments (url.c normalise_path).
function normalisePath(p) {
  const out = [];
  let r = 0;
  let trailing = false;
  while (r < p.length) {
    while (r < p.length && p[r] === 0x2f) r++;
    if (r >= p.length) {
      trailing = true;
      break;
    }
    const start = r;
    while (r < p.length && p[r] !== 0x2f) r++;
    const seg = p.slice(start, r);
    if (seg.length === 1 && seg[0] === 0x2e) {
      trailing = true;
      continue;
    }
    if (seg.length === 2 && seg[0] === 0x2e && seg[1] === 0x2e) {
      while (out.length && out[out.length - 1] !== 0x2f) out.pop();
      if (out.length) out.pop();
      trailing = true;
      continue;
    }
    out.push(0x2f, ...seg);
    trailing = false;
  }
  if (trailing && out.length) out.push(0x2f);
  return out;
}

/**
 * The canonical form of URL text `input` (see src/core/net/url.h), or throws an Error
 * when it has no usable host, a bad port or IPv6 literal, or is too long.
 */
export function canonicalise(input) {
  const raw = Array.from(enc.encode(input));
  if (raw.length > URL_MAX) throw new Error('URL too long');
  let b = 0;
  let e = raw.length;
  while (b < e && raw[b] <= 0x20) b++;
  while (e > b && raw[e - 1] <= 0x20) e--;
  const w = [];
  for (let i = b; i < e; i++) {
    if (raw[i] === 0x23) break;
    if (raw[i] === 0x09 || raw[i] === 0x0d || raw[i] === 0x0a) continue;
    w.push(raw[i]);
  }
  const n = w.length;
  // scheme
  let slen = 0;
  let rest = 0;
  if (n > 0 && isAlpha(w[0])) {
    let i = 0;
    while (i < n && isSchemeChar(w[i])) i++;
    if (i < n && w[i] === 0x3a) {
      const s = w.slice(0, i);
      if ((i + 2 < n && w[i + 1] === 0x2f && w[i + 2] === 0x2f) || schemeIs(s, 'http') || schemeIs(s, 'https')) {
        slen = i;
        rest = i + 1;
      }
    }
  }
  while (rest < n && w[rest] === 0x2f) rest++;
  const scheme = String.fromCharCode(...lower(w.slice(0, slen)));
  // authority
  let aend = rest;
  while (aend < n && w[aend] !== 0x2f && w[aend] !== 0x3f) aend++;
  let hs = rest;
  for (let i = rest; i < aend; i++) if (w[i] === 0x40) hs = i + 1;
  let he;
  let ps;
  let v6 = false;
  if (hs < aend && w[hs] === 0x5b) {
    for (he = hs; he < aend && w[he] !== 0x5d; he++);
    if (he >= aend) throw new Error('unterminated IPv6 literal');
    if (he + 1 < aend && w[he + 1] !== 0x3a) throw new Error('junk after IPv6 literal');
    ps = he + 1;
    v6 = true;
  } else {
    for (he = hs; he < aend && w[he] !== 0x3a; he++);
    ps = he;
  }
  let port = -1;
  if (ps < aend && aend - ps - 1 > 0) {
    port = 0;
    for (let i = ps + 1; i < aend; i++) {
      if (!isDigit(w[i])) throw new Error('bad port');
      if (port <= 65535) port = port * 10 + (w[i] - 0x30);
    }
    if (port > 65535) throw new Error('port out of range');
  }
  // path and query, still escaped
  let path = null;
  let plen = 0;
  if (aend < n && w[aend] === 0x2f) {
    while (aend + plen < n && w[aend + plen] !== 0x3f) plen++;
    path = w.slice(aend, aend + plen);
  }
  let query = null;
  if (aend + plen < n) query = w.slice(aend + plen + 1);
  // host
  let hostText;
  if (v6) {
    const lit = String.fromCharCode(...lower(w.slice(hs + 1, he)));
    try {
      hostText = '[' + new URL('http://[' + lit + ']/').hostname.replace(/^\[|\]$/g, '') + ']';
    } catch {
      throw new Error('bad IPv6 literal');
    }
  } else {
    const h = canonHostname(w.slice(hs, he));
    if (h.length === 0) throw new Error('URL has no host');
    const v4 = parseIPv4(h);
    hostText = v4 !== null ? v4 : escaped(h, ESC_HOST);
  }
  let out = (slen ? scheme : 'http') + '://' + hostText;
  if (port >= 0 && !(slen === 0 && port === 80) && !(scheme === 'http' && port === 80) && !(scheme === 'https' && port === 443)) {
    out += ':' + port;
  }
  const p = path ? normalisePath(unescapeAll(path)) : [];
  out += p.length ? escaped(p, ESC_PATH) : '/';
  if (query !== null) out += '?' + escaped(unescapeAll(query), ESC_QUERY);
  if (out.length > URL_MAX) throw new Error('canonical URL too long');
  return out;
}

/**
 * The Safe Browsing expressions of canonical URL `url` (src/core/net/url.h
 * url_expressions): [{expr, host}], the URL's own expression first. Throws when url is
 * not canonical-looking.
 */
export function expressions(url) {
  let i = 0;
  while (i < url.length && isSchemeChar(url.charCodeAt(i))) i++;
  if (i === 0 || url.slice(i, i + 3) !== '://') throw new Error('not a canonical URL');
  const hs = i + 3;
  let he;
  if (url[hs] === '[') {
    he = url.indexOf(']', hs);
    if (he < 0) throw new Error('not a canonical URL');
    he++;
  } else {
    for (he = hs; he < url.length && url[he] !== ':' && url[he] !== '/'; he++);
  }
  const ps = url.indexOf('/', he);
  if (he === hs || ps < 0) throw new Error('not a canonical URL');
  const host = url.slice(hs, he);
  const path = url.slice(ps);
  const qpos = path.indexOf('?') < 0 ? path.length : path.indexOf('?');
  const hosts = [host];
  if (host[0] !== '[' && !/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    const labels = host.split('.');
    const start = Math.max(1, labels.length - 5);
    for (let k = start; k < labels.length - 1; k++) hosts.push(labels.slice(k).join('.'));
  }
  const paths = [path.length];
  if (qpos < path.length) paths.push(qpos);
  let dirs = 0;
  for (let k = 0; k < qpos && dirs < 4; k++) {
    if (path[k] !== '/') continue;
    dirs++;
    if (!paths.includes(k + 1)) paths.push(k + 1);
  }
  const out = [];
  for (const h of hosts) for (const p of paths) out.push({ expr: h + path.slice(0, p), host: h });
  return out;
}
