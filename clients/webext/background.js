// background.js -- the extension's service worker: keeps the ISP's prefix list, checks
// each top-level navigation and each download, and shows the warning page on a match.
//
// Privacy: a URL never leaves the browser. Each URL is canonicalised and expanded into its
// Safe Browsing expressions here (urlexpr.js); their SHA-256 are computed with WebCrypto;
// only when the first 4 bytes of one are in the local prefix list does the extension ask
// the service for the full hashes under those 4-byte prefixes, and it decides the match
// itself. Requests carry no cookie (credentials: 'omit') and no identity.
//
// MV3 limits (README.md): the service worker cannot hold a navigation back, so a listed
// page may begin to load before the warning replaces it; a download is cancelled.

import { canonicalise, expressions } from './urlexpr.js';
import { has, applyAnswer, toBytes, fromBytes } from './prefixes.js';
import { b64ToBytes, bytesToB64 } from './rice.js';

const FULLHASH_MAX = 64; // the service's UC_PREFIXES_MAX
let list = null; // Uint32Array, sorted
let version = null; // decimal string
let minWait = 1800; // seconds, from the service
let updated = 0; // ms
let updating = null;
const fullCache = new Map(); // prefix -> {until, matches}
let settings = null; // config()'s promise: read once per worker start and after a policy change

// The configuration: the policy (managed storage) over the bundled config.json. Kept, as
// reading both took 2.5 ms of a 2.6 ms check (bench/urlcheck, Chromium); a policy change
// (storage.onChanged, below) reads it again.
function config() {
  return (settings ||= readConfig());
}

async function readConfig() {
  let managed = {};
  let bundled = {};
  try {
    managed = await chrome.storage.managed.get(null);
  } catch {
    managed = {};
  }
  try {
    bundled = await (await fetch(chrome.runtime.getURL('config.json'))).json();
  } catch {
    bundled = {};
  }
  const pick = (k) => managed[k] || bundled[k] || '';
  return { serviceUrl: pick('serviceUrl').replace(/\/+$/, ''), ispName: pick('ispName'), contact: pick('contact') };
}

async function load() {
  if (list) return;
  const s = await chrome.storage.local.get(['prefixes', 'version', 'updated', 'minWait']);
  list = s.prefixes ? fromBytes(b64ToBytes(s.prefixes)) : new Uint32Array(0);
  version = s.version || null;
  updated = s.updated || 0;
  minWait = s.minWait || minWait;
}

async function fetchJson(url) {
  const r = await fetch(url, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.json();
}

// Bring the prefix list up to date: a difference from our version, or the whole list.
async function update() {
  const { serviceUrl } = await config();
  if (!serviceUrl) return;
  await load();
  let j = await fetchJson(serviceUrl + '/v1/prefixes' + (version ? '?since=' + encodeURIComponent(version) : ''));
  let next;
  try {
    next = await applyAnswer(list, j);
  } catch (e) {
    if (!j.since) throw e;
    j = await fetchJson(serviceUrl + '/v1/prefixes'); // difference did not fit: start over
    next = await applyAnswer(new Uint32Array(0), j);
  }
  if (j.version !== version) fullCache.clear();
  list = next;
  version = j.version;
  minWait = Math.max(1, j.min_wait | 0);
  updated = Date.now();
  await chrome.storage.local.set({ prefixes: bytesToB64(toBytes(list)), version, updated, minWait });
  await chrome.alarms.create('update', { periodInMinutes: Math.max(0.5, minWait / 60) });
}

// Update when the list is older than the service asks; one update at a time.
async function fresh() {
  await load();
  if (Date.now() - updated < minWait * 1000) return;
  if (!updating) updating = update().finally(() => (updating = null));
  try {
    await updating;
  } catch (e) {
    console.warn('ispshield: update failed:', e.message);
  }
}

async function sha256(s) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const prefixOf = (h) => ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;

async function fullHashes(serviceUrl, prefixes) {
  const now = Date.now();
  const ask = prefixes.filter((p) => !(fullCache.get(p)?.until > now)).slice(0, FULLHASH_MAX);
  if (ask.length) {
    const q = ask.map((p) => p.toString(16).padStart(8, '0')).join(',');
    const j = await fetchJson(serviceUrl + '/v1/fullhashes?prefixes=' + q);
    const until = now + (j.cache_seconds | 0) * 1000;
    for (const p of ask) fullCache.set(p, { until, matches: [] });
    for (const m of j.matches || []) {
      const p = parseInt(m.hash.slice(0, 8), 16);
      fullCache.get(p)?.matches.push(m);
    }
  }
  return prefixes.flatMap((p) => fullCache.get(p)?.matches || []);
}

/**
 * The list entry that url matches, or null: the expressions whose prefix is local are
 * confirmed by full hash, and the entry's match rule is applied (the URL's own expression
 * for a URL entry; the host itself, or a parent of it, for a domain entry).
 */
export async function check(url) {
  if (!/^https?:/i.test(url)) return null;
  const { serviceUrl } = await config();
  if (!serviceUrl) return null;
  await fresh();
  let ex;
  try {
    ex = expressions(canonicalise(url));
  } catch {
    return null;
  }
  const hashes = await Promise.all(ex.map((e) => sha256(e.expr)));
  const local = [...new Set(hashes.map(prefixOf).filter((p) => has(list, p)))];
  if (!local.length) return null;
  const matches = await fullHashes(serviceUrl, local);
  let block = null;
  let allowed = false;
  for (let i = 0; i < ex.length; i++) {
    const h = hex(hashes[i]);
    for (const m of matches) {
      if (m.hash !== h) continue;
      const rule = m.match || [];
      const own = ex[i].host === ex[0].host;
      if (rule.includes('url') && i === 0) return { ...m, url, canonical: ex[0].expr };
      if (!((rule.includes('host') && own) || (rule.includes('subdomains') && !own))) continue;
      if (rule.includes('allow')) allowed = true;
      else block ||= { ...m, url, canonical: ex[0].expr };
    }
  }
  return allowed ? null : block;
}

async function allowed(url) {
  const { allow = [] } = await chrome.storage.session.get('allow');
  try {
    return allow.includes(canonicalise(url));
  } catch {
    return false;
  }
}

// Remember the hit for the warning page and return the page's URL.
async function warningPage(hit, kind) {
  const id = crypto.randomUUID();
  const cfg = await config();
  await chrome.storage.session.set({ ['hit:' + id]: { ...hit, kind, ispName: cfg.ispName, contact: cfg.contact } });
  return chrome.runtime.getURL('warning.html') + '?id=' + id;
}

const latest = new Map(); // tabId -> the URL its top frame is navigating to now
const checked = new Map(); // tabId -> the last URL checked for it

async function onNavigation(d, committed) {
  if (d.frameId !== 0 || !/^https?:/i.test(d.url)) return;
  // onCommitted of the URL onBeforeNavigate had: checked already (it differs only after a
  // server-side redirect); every onBeforeNavigate is a new navigation, checked again
  if (committed && checked.get(d.tabId) === d.url) return;
  latest.set(d.tabId, d.url);
  checked.set(d.tabId, d.url);
  try {
    if (await allowed(d.url)) return;
    const hit = await check(d.url);
    // the tab went on elsewhere while we checked: that navigation has its own check
    if (hit && latest.get(d.tabId) === d.url) {
      await chrome.tabs.update(d.tabId, { url: await warningPage(hit, 'page') });
    }
  } catch (e) {
    console.warn('ispshield: check failed:', e.message);
  }
}

chrome.webNavigation.onBeforeNavigate.addListener((d) => onNavigation(d, false));
// a server-side redirect shows up only when the page commits
chrome.webNavigation.onCommitted.addListener((d) => onNavigation(d, true));
chrome.tabs.onRemoved.addListener((id) => {
  latest.delete(id);
  checked.delete(id);
});

// A download is held (paused) while it is checked, then resumed, or cancelled with the
// warning in a new tab; one that finished before the pause took hold (a small file) has
// its file removed.
chrome.downloads.onCreated.addListener(async (item) => {
  const url = item.finalUrl || item.url;
  if (!/^https?:/i.test(url)) return;
  let paused = false;
  try {
    await chrome.downloads.pause(item.id);
    paused = true;
  } catch {
    paused = false; // finished already, or not pausable: checked all the same
  }
  try {
    const hit = (await allowed(url)) ? null : await check(url);
    if (!hit) {
      if (paused) await chrome.downloads.resume(item.id);
      return;
    }
    try {
      await chrome.downloads.cancel(item.id);
    } catch {
      /* finished: removed below */
    }
    const [d] = await chrome.downloads.search({ id: item.id });
    if (d && d.state === 'complete' && d.exists) await chrome.downloads.removeFile(item.id);
    await chrome.tabs.create({ url: await warningPage(hit, 'download') });
  } catch (e) {
    console.warn('ispshield: download check failed:', e.message);
    if (paused) chrome.downloads.resume(item.id).catch(() => {});
  }
});

// "continue anyway" from the warning page: this URL is let through until the browser
// closes (storage.session), then opened (or downloaded) again.
chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (sender.id !== chrome.runtime.id) return false;
  if (msg?.type === 'update') {
    // "update now" (an options page, the integration test): the result, and the version
    (async () => {
      try {
        await load();
        await update();
        reply({ ok: true, version, count: list.length });
      } catch (e) {
        reply({ ok: false, error: e.message });
      }
    })();
    return true;
  }
  if (msg?.type !== 'continue') return false;
  (async () => {
    const key = 'hit:' + msg.id;
    const hit = (await chrome.storage.session.get(key))[key];
    if (!hit) return reply({ ok: false });
    const { allow = [] } = await chrome.storage.session.get('allow');
    allow.push(canonicalise(hit.url));
    await chrome.storage.session.set({ allow });
    if (hit.kind === 'download') await chrome.downloads.download({ url: hit.url });
    reply({ ok: true, url: hit.url, kind: hit.kind });
  })();
  return true;
});

chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === 'update') fresh();
});
chrome.runtime.onInstalled.addListener(() => fresh());
chrome.runtime.onStartup.addListener(() => fresh());
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed') {
    settings = null;
    updated = 0;
    version = null;
    fresh();
  }
});
