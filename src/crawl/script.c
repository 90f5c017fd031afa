/*
 * script.c -- the crawler's second tier: a page's inline scripts run in an embedded
 * JavaScript engine (duktape, Debian's duktape-dev) against a stub DOM, to see the
 * navigations a script computes at run time (concatenation, atob, unescape, a timer),
 * which the pattern reader of extract.c cannot. See crawl.h (crawl_script_run).
 *
 * Isolation: the engine runs hostile code, so it runs in a forked child with
 *  - a CPU limit (RLIMIT_CPU: the kernel ends a busy loop), an address-space limit
 *    (RLIMIT_AS: the child's size at the fork plus CRAWL_SCRIPT_MEM * 2) and no file
 *    writes (RLIMIT_FSIZE 0), no new processes (RLIMIT_NPROC 0), no new privileges;
 *  - the engine's heap capped by its allocator (CRAWL_SCRIPT_MEM): an allocation past it
 *    fails, the script gets an error, the page goes on;
 *  - a wall-clock deadline kept by the parent (CRAWL_SCRIPT_WALL_MS, then SIGKILL).
 * The engine has no I/O of its own: the stub DOM's only way out is __nav(kind, url),
 * which writes one record to the pipe at once (so what a script did before it hangs is
 * kept). The parent reads the records as hostile bytes (crawl_script_records).
 *
 * The stub DOM (PRELUDE below, JavaScript) covers: window/self/top/parent, location
 * (href, assign, replace, the parts' setters), document.location, document.write and
 * writeln (the markup written is read by crawl_extract, its inline scripts run once
 * more), innerHTML/outerHTML of stub elements, createElement + appendChild/insertBefore of
 * iframe/frame/script/embed/object, form.submit(), a.click(), window.open, setTimeout /
 * setInterval / requestAnimationFrame (each runs once, in delay order, after the
 * scripts), window.onload and load/DOMContentLoaded listeners, navigator (the profile's
 * User-Agent, ja), screen, document.cookie/referrer/URL/domain, atob/btoa, console.
 * Not covered: external scripts (<script src> is fetched as a chain of its own, its
 * text not run in the page), the real DOM tree (getElementById returns a fresh stub,
 * querySelector null), events from a user (clicks, mouse moves), XMLHttpRequest/fetch
 * (no network from the engine), eval of ES2016+ syntax duktape does not parse.
 */
#include <curl/curl.h>
#include <duktape.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "crawl/crawl.h"

#if defined(__SANITIZE_ADDRESS__)
#define ISP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ISP_ASAN 1
#endif
#endif

/* The stub DOM. __nav(kind, url) is the one native function; kinds are enum crawl_kind
 * values, passed in as __K. __env holds the page (url parts, referrer, UA). */
static const char PRELUDE[] =
	"(function (g) {\n"
	"var K = __K, E = __env, nav = __nav, written = [], later = [], timers = [];\n"
	"var jar = '';\n"
	"function s(v) { return String(v); }\n"
	"var loc = {\n"
	" get href() { return E.href; }, set href(v) { nav(K.run, s(v)); },\n"
	" protocol: E.protocol, host: E.host, hostname: E.hostname, port: E.port,\n"
	" origin: E.protocol + '//' + E.host, hash: E.hash, search: E.search,\n"
	" pathname: E.pathname,\n"
	" assign: function (u) { nav(K.run, s(u)); },\n"
	" replace: function (u) { nav(K.run, s(u)); },\n"
	" reload: function () {}, toString: function () { return E.href; }\n"
	"};\n"
	"['pathname', 'search', 'hash'].forEach(function (p) {\n"
	" var v = loc[p];\n"
	" Object.defineProperty(loc, p, { get: function () { return v; },\n"
	"  set: function (x) { x = s(x);\n"
	"   if (p === 'pathname') nav(K.run, x);\n"
	"   else if (p === 'search') nav(K.run, loc.pathname + (x.charAt(0) === '?' ? '' : '?') + x);\n"
	"  } });\n"
	"});\n"
	"function locprop(o) { Object.defineProperty(o, 'location', { get: function () { return loc; },\n"
	" set: function (v) { nav(K.run, s(v)); }, configurable: false }); }\n"
	"function attach(c) {\n"
	" if (!c || typeof c !== 'object') return c;\n"
	" var t = s(c.tagName || '').toUpperCase();\n"
	" if ((t === 'IFRAME' || t === 'FRAME') && c.src) nav(K.frame, s(c.src));\n"
	" else if (t === 'SCRIPT' && c.src) nav(K.script, s(c.src));\n"
	" else if (t === 'SCRIPT' && c.text) written.push('<script>' + c.text + '</' + 'script>');\n"
	" else if (t === 'EMBED' && c.src) nav(K.embed, s(c.src));\n"
	" else if (t === 'OBJECT' && c.data) nav(K.embed, s(c.data));\n"
	" else if (t === 'META' && c.content && /refresh/i.test(s(c.httpEquiv || '')))\n"
	"  written.push('<meta http-equiv=refresh content=\"' + s(c.content).replace(/\"/g, '&quot;') + '\">');\n"
	" return c;\n"
	"}\n"
	"function el(tag) {\n"
	" var e = { tagName: s(tag).toUpperCase(), style: {}, children: [], childNodes: [],\n"
	"  attributes: [], parentNode: null, id: '', className: '',\n"
	"  setAttribute: function (k, v) { k = s(k).toLowerCase();\n"
	"   this[k === 'http-equiv' ? 'httpEquiv' : k] = s(v); },\n"
	"  getAttribute: function (k) { var v = this[s(k).toLowerCase()]; return v === undefined ? null : v; },\n"
	"  removeAttribute: function () {}, hasAttribute: function (k) { return this[k] !== undefined; },\n"
	"  appendChild: function (c) { return attach(c); },\n"
	"  insertBefore: function (c) { return attach(c); },\n"
	"  replaceChild: function (c) { return attach(c); },\n"
	"  removeChild: function (c) { return c; },\n"
	"  addEventListener: function () {}, removeEventListener: function () {},\n"
	"  getElementsByTagName: function () { return []; },\n"
	"  querySelector: function () { return null; }, querySelectorAll: function () { return []; },\n"
	"  focus: function () {}, blur: function () {},\n"
	"  submit: function () { if (this.action) nav(K.form, s(this.action)); },\n"
	"  click: function () { if (this.tagName === 'A' && this.href) nav(K.run, s(this.href)); },\n"
	"  cloneNode: function () { return el(this.tagName); }\n"
	" };\n"
	" Object.defineProperty(e, 'innerHTML', { get: function () { return ''; },\n"
	"  set: function (v) { written.push(s(v)); } });\n"
	" Object.defineProperty(e, 'outerHTML', { get: function () { return ''; },\n"
	"  set: function (v) { written.push(s(v)); } });\n"
	" return e;\n"
	"}\n"
	"var body = el('body'), head = el('head'), html = el('html');\n"
	"var doc = {\n"
	" write: function () { for (var i = 0; i < arguments.length; i++) written.push(s(arguments[i])); },\n"
	" writeln: function () { for (var i = 0; i < arguments.length; i++) written.push(s(arguments[i])); written.push('\\n'); },\n"
	" open: function () { return doc; }, close: function () {},\n"
	" createElement: el, createElementNS: function (n, t) { return el(t); },\n"
	" createTextNode: function () { return el('#text'); },\n"
	" createDocumentFragment: function () { return el('#fragment'); },\n"
	" getElementById: function (id) { var e = el('div'); e.id = s(id); return e; },\n"
	" getElementsByTagName: function (t) { t = s(t).toLowerCase();\n"
	"  return t === 'body' ? [body] : t === 'head' ? [head] : t === 'html' ? [html] : []; },\n"
	" getElementsByName: function () { return []; },\n"
	" getElementsByClassName: function () { return []; },\n"
	" querySelector: function () { return null; }, querySelectorAll: function () { return []; },\n"
	" addEventListener: function (t, f) { if (typeof f === 'function') later.push(f); },\n"
	" removeEventListener: function () {},\n"
	" body: body, head: head, documentElement: html, forms: [], links: [], images: [],\n"
	" scripts: [], referrer: E.referrer, URL: E.href, documentURI: E.href,\n"
	" domain: E.hostname, title: '', readyState: 'loading', characterSet: 'UTF-8',\n"
	" defaultView: g\n"
	"};\n"
	"Object.defineProperty(doc, 'cookie', { get: function () { return jar; },\n"
	" set: function (v) { v = s(v).split(';')[0]; jar = jar ? jar + '; ' + v : v; } });\n"
	"locprop(doc); locprop(g);\n"
	"g.window = g; g.self = g; g.top = g; g.parent = g; g.frames = g; g.globalThis = g;\n"
	"g.document = doc; g.opener = null; g.name = ''; g.closed = false;\n"
	"g.navigator = { userAgent: E.ua, appName: 'Netscape', appVersion: s(E.ua).replace(/^Mozilla\\//, ''),\n"
	" platform: 'Win32', language: 'ja', languages: ['ja', 'en-US'], cookieEnabled: true,\n"
	" vendor: 'Google Inc.', webdriver: false, plugins: [], mimeTypes: [], onLine: true,\n"
	" javaEnabled: function () { return false; } };\n"
	"g.screen = { width: 1920, height: 1080, availWidth: 1920, availHeight: 1040, colorDepth: 24 };\n"
	"g.innerWidth = 1920; g.innerHeight = 960; g.devicePixelRatio = 1;\n"
	"g.history = { length: 1, back: function () {}, forward: function () {}, go: function () {},\n"
	" pushState: function () {}, replaceState: function () {} };\n"
	"g.open = function (u) { if (u !== undefined && u !== null && s(u) !== '') nav(K.run, s(u));\n"
	" return { document: doc, focus: function () {}, close: function () {}, location: loc }; };\n"
	"g.close = g.focus = g.blur = g.alert = g.print = g.scrollTo = g.scrollBy = function () {};\n"
	"g.confirm = function () { return true; }; g.prompt = function () { return ''; };\n"
	"g.addEventListener = function (t, f) { if (typeof f === 'function') later.push(f); };\n"
	"g.removeEventListener = function () {};\n"
	"g.console = { log: function () {}, warn: function () {}, error: function () {}, info: function () {} };\n"
	"function timer(f, ms) { var a = Array.prototype.slice.call(arguments, 2);\n"
	" timers.push({ f: f, ms: +ms || 0, a: a, n: timers.length, off: false }); return timers.length; }\n"
	"g.setTimeout = timer; g.setInterval = timer;\n"
	"g.requestAnimationFrame = function (f) { return timer(f, 16); };\n"
	"g.clearTimeout = g.clearInterval = function (id) { if (timers[id - 1]) timers[id - 1].off = true; };\n"
	"g.XMLHttpRequest = function () { this.open = this.send = this.setRequestHeader = function () {}; };\n"
	"g.Image = function () { return el('img'); };\n"
	"var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';\n"
	"g.atob = function (t) { t = s(t).replace(/[\\s=]/g, ''); var o = '', b = 0, n = 0;\n"
	" for (var i = 0; i < t.length; i++) { var v = B64.indexOf(t.charAt(i)); if (v < 0) throw new Error('atob');\n"
	"  b = (b << 6) | v; n += 6; if (n >= 8) { n -= 8; o += String.fromCharCode((b >> n) & 255); } }\n"
	" return o; };\n"
	"g.btoa = function (t) { t = s(t); var o = '';\n"
	" for (var i = 0; i < t.length; i += 3) { var a = t.charCodeAt(i), b = t.charCodeAt(i + 1), c = t.charCodeAt(i + 2);\n"
	"  o += B64.charAt(a >> 2) + B64.charAt(((a & 3) << 4) | (b >> 4 || 0))\n"
	"   + (i + 1 < t.length ? B64.charAt(((b & 15) << 2) | (c >> 6 || 0)) : '=')\n"
	"   + (i + 2 < t.length ? B64.charAt(c & 63) : '='); }\n"
	" return o; };\n"
	"g.__flush = function () { var w = written.join(''); written = []; return w; };\n"
	"g.__later = function () {\n"
	" doc.readyState = 'complete';\n"
	" if (typeof g.onload === 'function') later.push(g.onload);\n"
	" if (typeof body.onload === 'function') later.push(body.onload);\n"
	" var f = later.shift(); if (f) { f.call(g, {}); return true; }\n"
	" var best = null;\n"
	" for (var i = 0; i < timers.length; i++) { var t = timers[i];\n"
	"  if (!t.off && (!best || t.ms < best.ms)) best = t; }\n"
	" if (!best) return false;\n"
	" best.off = true; g.onload = null; body.onload = null;\n"
	" if (typeof best.f === 'function') best.f.apply(g, best.a); else (0, eval)(s(best.f));\n"
	" return true; };\n"
	"})(this);\n";

/* ---- the child: the engine ---- */

struct heap_cap {
	size_t used, cap;
};

/* Allocations carry their size in front (the heap cap counts them). */
static void *cap_alloc(void *ud, duk_size_t n)
{
	struct heap_cap *hc = ud;
	size_t *p;

	if (n > hc->cap - hc->used)
		return NULL;
	p = malloc(sizeof(size_t) + n);
	if (!p)
		return NULL;
	*p = n;
	hc->used += n;
	return p + 1;
}

static void cap_free(void *ud, void *ptr)
{
	struct heap_cap *hc = ud;
	size_t *p = ptr;

	if (!p)
		return;
	hc->used -= p[-1];
	free(p - 1);
}

static void *cap_realloc(void *ud, void *ptr, duk_size_t n)
{
	struct heap_cap *hc = ud;
	size_t *p = ptr, old;

	if (!p)
		return cap_alloc(ud, n);
	if (n == 0) {
		cap_free(ud, ptr);
		return NULL;
	}
	old = p[-1];
	if (n > old && n - old > hc->cap - hc->used)
		return NULL;
	p = realloc(p - 1, sizeof(size_t) + n);
	if (!p)
		return NULL;
	hc->used = hc->used - old + n;
	*p = n;
	return p + 1;
}

static void on_fatal(void *ud, const char *msg)
{
	(void)ud;
	(void)msg;
	_exit(3);
}

static int out_fd = -1;

/* One record to the parent: "KIND URL\n" (URLs holding a control byte dropped). */
static void emit(int kind, const char *u, size_t n)
{
	char line[CRAWL_MAX_URL + 16];
	size_t i;
	int hl;

	if (!n || n >= CRAWL_MAX_URL)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] < 0x20 || u[i] == 0x7f)
			return;
	hl = snprintf(line, sizeof(line), "%d ", kind);
	memcpy(line + hl, u, n);
	line[hl + n] = '\n';
	if (write(out_fd, line, (size_t)hl + n + 1) < 0)
		_exit(4);
}

static duk_ret_t js_nav(duk_context *ctx)
{
	int kind = duk_to_int(ctx, 0);
	duk_size_t n;
	const char *u = duk_safe_to_lstring(ctx, 1, &n);

	if (kind == CRAWL_JS_RUN || kind == CRAWL_FRAME || kind == CRAWL_SCRIPT ||
	    kind == CRAWL_EMBED || kind == CRAWL_FORM)
		emit(kind, u, n);
	return 0;
}

/* Each script in the framed text s[0..n) ([u32 length][bytes]...) run by fn. */
static void each_script(duk_context *ctx, const char *s, size_t n,
			void (*fn)(duk_context *, const char *, size_t))
{
	while (n >= 4) {
		uint32_t l;

		memcpy(&l, s, 4);
		if (l > n - 4)
			return;
		fn(ctx, s + 4, l);
		s += 4 + l;
		n -= 4 + l;
	}
}

static void run_one(duk_context *ctx, const char *src, size_t n);

/* Markup a script wrote: its links reported; its inline scripts run (one level: what
 * they write is read, not run). */
static void flush_written(duk_context *ctx, int level)
{
	duk_size_t n;
	const char *w;
	struct crawl_link *l;
	struct strbuf sc;
	char base[CRAWL_MAX_URL];
	int i, k;

	duk_get_global_string(ctx, "__flush");
	if (duk_pcall(ctx, 0) != 0 || !duk_is_string(ctx, -1)) {
		duk_pop(ctx);
		return;
	}
	w = duk_get_lstring(ctx, -1, &n);
	if (!n) {
		duk_pop(ctx);
		return;
	}
	l = malloc(CRAWL_MAX_LINKS * sizeof(*l));
	memset(&sc, 0, sizeof(sc));
	k = l ? crawl_extract(w, n, l, CRAWL_MAX_LINKS, base, sizeof(base),
			      level == 0 ? &sc : NULL)
	      : 0;
	duk_pop(ctx);
	for (i = 0; i < k; i++)
		emit(l[i].kind == CRAWL_JS ? CRAWL_JS_RUN : (int)l[i].kind, l[i].url,
		     strlen(l[i].url));
	free(l);
	if (sc.len) {
		each_script(ctx, sc.p, sc.len, run_one);
		flush_written(ctx, level + 1);
	}
	free(sc.p);
}

static void run_one(duk_context *ctx, const char *src, size_t n)
{
	duk_peval_lstring_noresult(ctx, src, n); /* an error ends that script only */
}

static void run_top(duk_context *ctx, const char *src, size_t n)
{
	run_one(ctx, src, n);
	flush_written(ctx, 0);
}

static void push_env(duk_context *ctx, const struct crawl_script_env *env)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = { { "run", CRAWL_JS_RUN },	   { "frame", CRAWL_FRAME },
		      { "script", CRAWL_SCRIPT },  { "embed", CRAWL_EMBED },
		      { "form", CRAWL_FORM } };
	static const struct {
		const char *name;
		int part;
		const char *pre;
	} parts[] = { { "protocol", CURLUPART_SCHEME, NULL }, { "hostname", CURLUPART_HOST, NULL },
		      { "port", CURLUPART_PORT, NULL },	      { "pathname", CURLUPART_PATH, NULL },
		      { "search", CURLUPART_QUERY, "?" },     { "hash", CURLUPART_FRAGMENT, "#" } };
	CURLU *u = curl_url();
	size_t i;
	char host[512] = "";

	duk_push_object(ctx);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		duk_push_int(ctx, kinds[i].kind);
		duk_put_prop_string(ctx, -2, kinds[i].name);
	}
	duk_put_global_string(ctx, "__K");
	duk_push_object(ctx);
	duk_push_string(ctx, env->url);
	duk_put_prop_string(ctx, -2, "href");
	duk_push_string(ctx, env->referer ? env->referer : "");
	duk_put_prop_string(ctx, -2, "referrer");
	duk_push_string(ctx, env->user_agent ? env->user_agent : "");
	duk_put_prop_string(ctx, -2, "ua");
	if (u && curl_url_set(u, CURLUPART_URL, env->url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		u = NULL;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *v = NULL, b[CRAWL_MAX_URL + 2];

		if (u)
			curl_url_get(u, (CURLUPart)parts[i].part, &v, 0);
		snprintf(b, sizeof(b), "%s%s%s", v && parts[i].pre ? parts[i].pre : "", v ? v : "",
			 i == 0 && v ? ":" : "");
		if (i == 1)
			snprintf(host, sizeof(host), "%s", v ? v : "");
		else if (i == 2 && v)
			snprintf(host + strlen(host), sizeof(host) - strlen(host), ":%s", v);
		duk_push_string(ctx, b);
		duk_put_prop_string(ctx, -2, parts[i].name);
		curl_free(v);
	}
	duk_push_string(ctx, host);
	duk_put_prop_string(ctx, -2, "host");
	duk_put_global_string(ctx, "__env");
	duk_push_c_function(ctx, js_nav, 2);
	duk_put_global_string(ctx, "__nav");
	curl_url_cleanup(u);
}

/* The child's work: never returns. */
static void child(int fd, const struct crawl_script_env *env, const char *scripts, size_t len)
{
	struct heap_cap hc = { 0, CRAWL_SCRIPT_MEM };
	struct rlimit rl;
	duk_context *ctx;
	int i;

	out_fd = fd;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	rl.rlim_cur = CRAWL_SCRIPT_CPU_S;
	rl.rlim_max = CRAWL_SCRIPT_CPU_S + 1;
	setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_FSIZE, &rl);
	setrlimit(RLIMIT_NPROC, &rl);
#ifndef ISP_ASAN /* ASan's shadow memory needs terabytes of address space */
	{
		FILE *f = fopen("/proc/self/statm", "r");
		unsigned long pages = 0;

		if (f) {
			if (fscanf(f, "%lu", &pages) != 1)
				pages = 0;
			fclose(f);
		}
		if (pages) {
			rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
						    (rlim_t)CRAWL_SCRIPT_MEM * 2;
			setrlimit(RLIMIT_AS, &rl);
		}
	}
#endif
	alarm((CRAWL_SCRIPT_WALL_MS + 999) / 1000 + 1);
	ctx = duk_create_heap(cap_alloc, cap_realloc, cap_free, &hc, on_fatal);
	if (!ctx)
		_exit(2);
	push_env(ctx, env);
	if (duk_peval_string(ctx, PRELUDE) != 0)
		_exit(2);
	duk_pop(ctx);
	each_script(ctx, scripts, len, run_top);
	for (i = 0; i < CRAWL_SCRIPT_TIMERS; i++) {
		int more;

		duk_get_global_string(ctx, "__later");
		if (duk_pcall(ctx, 0) != 0) { /* a timer's error: the next one still runs */
			duk_pop(ctx);
			flush_written(ctx, 0);
			continue;
		}
		more = duk_to_boolean(ctx, -1);
		duk_pop(ctx);
		flush_written(ctx, 0);
		if (!more)
			break;
	}
	_exit(0);
}

/* ---- the parent ---- */

int crawl_script_records(const char *rec, size_t n, struct crawl_link *out, int max)
{
	size_t i = 0;
	int k = 0;

	while (i < n && k < max) {
		const char *nl = memchr(rec + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - rec) : n, j = i, ul, m;
		long kind = 0;
		int bad = 0;

		while (j < e && j - i < 3 && rec[j] >= '0' && rec[j] <= '9')
			kind = kind * 10 + (rec[j++] - '0');
		if (j == i || j >= e || rec[j] != ' ' || !nl)
			bad = 1;
		if (!bad && kind != CRAWL_JS_RUN && kind != CRAWL_FRAME && kind != CRAWL_SCRIPT &&
		    kind != CRAWL_EMBED && kind != CRAWL_FORM && kind != CRAWL_META_REFRESH)
			bad = 1;
		ul = bad ? 0 : e - j - 1;
		if (!bad && (ul == 0 || ul >= CRAWL_MAX_URL))
			bad = 1;
		for (m = j + 1; !bad && m < e; m++)
			if ((unsigned char)rec[m] < 0x20 || rec[m] == 0x7f)
				bad = 1;
		if (!bad) {
			out[k].kind = (enum crawl_kind)kind;
			memcpy(out[k].url, rec + j + 1, ul);
			out[k].url[ul] = '\0';
			k++;
		}
		i = e + 1;
	}
	return k;
}

int crawl_script_run(const struct crawl_script_env *env, const char *scripts, size_t len,
		     struct crawl_link *out, int max, char *why, size_t whysz)
{
	int p[2], status = 0, k;
	pid_t pid;
	struct strbuf rec;
	int64_t deadline = time_mono_ms() + CRAWL_SCRIPT_WALL_MS;
	const char *end = "ran";

	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(why, whysz, "failed: pipe: %s", strerror(errno));
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whysz, "failed: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (pid == 0) {
		close(p[0]);
		child(p[1], env, scripts, len);
	}
	close(p[1]);
	memset(&rec, 0, sizeof(rec));
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		int64_t left = deadline - time_mono_ms();
		char b[4096];
		ssize_t r;

		if (left <= 0) {
			end = "time-limit";
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pf, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!pf.revents)
			continue;
		r = read(p[0], b, sizeof(b));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (rec.len + (size_t)r <= CRAWL_SCRIPT_OUTPUT)
			strbuf_add(&rec, b, (size_t)r);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (strcmp(end, "ran") == 0 && WIFSIGNALED(status))
		end = WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL ||
				      WTERMSIG(status) == SIGALRM
			      ? "time-limit"
			      : "failed";
	else if (strcmp(end, "ran") == 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		end = WEXITSTATUS(status) == 3 ? "memory-limit" : "failed";
	snprintf(why, whysz, "%s", end);
	k = rec.oom ? 0 : crawl_script_records(rec.p ? rec.p : "", rec.len, out, max);
	free(rec.p);
	return k;
}
