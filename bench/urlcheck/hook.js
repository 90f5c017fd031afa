
// ---- bench/urlcheck/hook.js: bench only, never shipped. run.sh appends this file to a
// COPY of clients/webext/background.js (an ES module, so this code sees the worker's own
// check(), list and helpers); the extension in clients/webext/ has no such hook. It times
// the worker's real check(url) (configuration read, freshness test, canonicalise,
// expressions, WebCrypto SHA-256, local prefix look-ups, and on a local hit the
// /v1/fullhashes request) with performance.now(), one URL after the other; then, apart,
// the local part alone (expressions, SHA-256, look-ups: what check.mjs times in node),
// which also counts the URLs with a local prefix hit; and the worker's config() alone
// (managed storage and the bundled config.json, read on every check).
chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (sender.id !== chrome.runtime.id || msg?.type !== 'bench-check') return false;
  (async () => {
    const times = [];
    const core = [];
    const conf = [];
    let local = 0;
    for (const u of msg.urls) {
      const t0 = performance.now();
      await check(u);
      const t1 = performance.now();
      times.push(t1 - t0);
      const hs = await Promise.all(expressions(canonicalise(u)).map((e) => sha256(e.expr)));
      if (hs.some((h) => has(list, prefixOf(h)))) local++;
      const t2 = performance.now();
      core.push(t2 - t1);
      await config();
      conf.push(performance.now() - t2);
    }
    reply({ times, core, conf, local, prefixes: list.length });
  })();
  return true;
});
