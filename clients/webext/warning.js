// warning.js -- the warning page: the proxy's own page (pages/warning-*.html, rendered by
// src/proxy/page.c's page_warning with placeholders; unit.webext_pages keeps them equal)
// filled with the hit the service worker stored, in Japanese or English (the browser's
// language, or ?lang=ja|en), with "continue anyway".

const params = new URLSearchParams(location.search);
const id = params.get('id');

function esc(s) {
  return String(s ?? '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]);
}

async function show() {
  const key = 'hit:' + id;
  const hit = (await chrome.storage.session.get(key))[key];
  const want = params.get('lang');
  const ja = want ? want === 'ja' : (navigator.languages || [navigator.language]).find((l) => /^(ja|en)/i.test(l))?.startsWith('ja') ?? false;
  const lang = ja ? 'ja' : 'en';
  if (!hit) {
    document.body.textContent = ja ? 'この警告はもう有効ではありません。' : 'This warning has expired.';
    return;
  }
  const display = hit.display?.[lang] || hit.display?.[ja ? 'en' : 'ja'] || '';
  const file = 'pages/warning-' + lang + (display ? '' : '-nolist') + '.html';
  let html = await (await fetch(file)).text();
  if (!hit.category) html = html.replace(' ({{category}})', '');
  const values = {
    url: hit.url,
    list: display,
    category: hit.category,
    reference: hit.reference || '-',
    isp_name: hit.ispName || '-',
    contact: hit.contact || '-',
    continue_url: '#continue',
  };
  html = html.replace(/\{\{(\w+)\}\}/g, (m, k) => (k in values ? esc(values[k]) : m));
  const doc = new DOMParser().parseFromString(html, 'text/html');
  document.documentElement.replaceWith(document.adoptNode(doc.documentElement));
  document.getElementById('continue')?.addEventListener('click', async (ev) => {
    ev.preventDefault();
    const r = await chrome.runtime.sendMessage({ type: 'continue', id });
    if (r?.ok && r.kind === 'page') location.replace(r.url);
    else if (r?.ok) window.close();
  });
}

show();
