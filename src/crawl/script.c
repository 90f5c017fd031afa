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
#include <malloc.h>
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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
 * values, passed in as __K. The zygote compiles it once; each worker calls __setup(E)
 * with its page (E: the URL's parts, referrer, User-Agent), then runs the scripts, then
 * __later() once per load handler or timer (false when none is left); __flush() hands
 * over the markup written since the last call. */
/* (One line of JavaScript a line: not wrapped by clang-format.) */
/* clang-format off */
static const char PRELUDE[] =
	"(function (g) {\n"
	"var K = __K, nav = __nav;\n"
	"g.__setup = function (E) {\n"
	"var written = [], later = [], timers = [], jar = '';\n"
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
	" if (typeof g.onload === 'function') { later.push(g.onload); g.onload = null; }\n"
	" if (typeof body.onload === 'function') { later.push(body.onload); body.onload = null; }\n"
	" var f = later.shift(); if (f) { f.call(g, {}); return true; }\n"
	" var best = null;\n"
	" for (var i = 0; i < timers.length; i++) { var t = timers[i];\n"
	"  if (!t.off && (!best || t.ms < best.ms)) best = t; }\n"
	" if (!best) return false;\n"
	" best.off = true;\n"
	" if (typeof best.f === 'function') best.f.apply(g, best.a); else (0, eval)(s(best.f));\n"
	" return true; };\n"
	"};\n"
	"})(this);\n";
/* clang-format on */

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
	if (out_fd >= 0 && write(out_fd, line, (size_t)hl + n + 1) < 0)
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
	k = l ? crawl_extract(w, n, l, CRAWL_MAX_LINKS, base, sizeof(base), level == 0 ? &sc : NULL)
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

/* The globals the prelude needs: the kinds (__K) and the one native function. */
static void push_natives(duk_context *ctx)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = { { "run", CRAWL_JS_RUN },
		      { "frame", CRAWL_FRAME },
		      { "script", CRAWL_SCRIPT },
		      { "embed", CRAWL_EMBED },
		      { "form", CRAWL_FORM } };
	size_t i;

	duk_push_object(ctx);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		duk_push_int(ctx, kinds[i].kind);
		duk_put_prop_string(ctx, -2, kinds[i].name);
	}
	duk_put_global_string(ctx, "__K");
	duk_push_c_function(ctx, js_nav, 2);
	duk_put_global_string(ctx, "__nav");
}

/* The page's env (crawl.h) as an object on the stack: __setup's argument. */
static void push_env(duk_context *ctx, const struct crawl_script_env *env)
{
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
	curl_url_cleanup(u);
}

static int run_page(duk_context *ctx, const struct crawl_script_env *env, const char *scripts,
		    size_t len);

/* A worker: the zygote's fork for one page. Limits itself, sets the page up, runs its
 * scripts, then the load handlers and timers; reports on fd. Never returns. */
static void worker(duk_context *ctx, int fd, const struct crawl_script_env *env,
		   const char *scripts, size_t len, rlim_t as_limit)
{
	struct rlimit rl;

	out_fd = fd;
	rl.rlim_cur = CRAWL_SCRIPT_CPU_S;
	rl.rlim_max = CRAWL_SCRIPT_CPU_S + 1;
	setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_FSIZE, &rl);
	setrlimit(RLIMIT_NPROC, &rl);
#ifndef ISP_ASAN /* ASan's shadow memory needs terabytes of address space */
	if (as_limit) {
		rl.rlim_cur = rl.rlim_max = as_limit;
		setrlimit(RLIMIT_AS, &rl);
	}
#else
	(void)as_limit;
#endif
	alarm((CRAWL_SCRIPT_WALL_MS + 999) / 1000 + 1);
	if (run_page(ctx, env, scripts, len) != 0)
		_exit(2);
	_exit(0);
}

/* The page's run in heap ctx: __setup, the scripts, the load handlers and timers. 0, or
 * -1 when the stub DOM could not be set up. */
static int run_page(duk_context *ctx, const struct crawl_script_env *env, const char *scripts,
		    size_t len)
{
	int i;

	duk_get_global_string(ctx, "__setup");
	push_env(ctx, env);
	if (duk_pcall(ctx, 1) != 0)
		return -1;
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
	return 0;
}

/* Exactly n bytes from fd into b (out = 0), or all of b[0..n) to the socket fd (out = 1,
 * no SIGPIPE); 0, or -1 at the end or on an error. */
static int io_full(int fd, void *b, size_t n, int out)
{
	char *p = b;

	while (n) {
		ssize_t r = out ? send(fd, p, n, MSG_NOSIGNAL) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
#define read_full(fd, b, n)  io_full(fd, b, n, 0)
#define write_full(fd, b, n) io_full(fd, (void *)(b), n, 1)

/* A one-byte message that carries one file descriptor (SCM_RIGHTS): the zygote sends
 * the worker's report pipe with it. */
union fdmsg {
	struct cmsghdr h;
	char b[CMSG_SPACE(sizeof(int))];
};

static void fdmsg_init(struct msghdr *mh, struct iovec *iov, char *tag, union fdmsg *cm)
{
	memset(mh, 0, sizeof(*mh));
	memset(cm, 0, sizeof(*cm));
	iov->iov_base = tag;
	iov->iov_len = 1;
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	mh->msg_control = cm->b;
	mh->msg_controllen = sizeof(cm->b);
}

/* A heap with the natives and the stub DOM compiled; 0 or -1. */
static int new_heap(struct heap_cap *hc, duk_context **out)
{
	duk_context *ctx = duk_create_heap(cap_alloc, cap_realloc, cap_free, hc, on_fatal);

	*out = ctx;
	if (!ctx)
		return -1;
	push_natives(ctx);
	if (duk_peval_string(ctx, PRELUDE) != 0)
		return -1;
	duk_pop(ctx);
	return 0;
}

/* A sample page run once in a throwaway heap of the zygote, reporting nowhere: the
 * symbols a run needs are bound here (the executable binds lazily) and malloc is
 * consolidated, once, instead of in every worker. */
static void warm_up(void)
{
	static const char page[] =
		"document.write('<iframe src=/f></iframe><script>location = \\'/w\\'</script>');"
		"var e = document.createElement('iframe'); e.src = '/e';"
		"document.body.appendChild(e); location.href = atob('L3g=') + escape('y');"
		"setTimeout(function () { window.open('/t'); }, 1); window.onload = function () "
		"{};";
	const struct crawl_script_env env = { "http://warm.invalid/a?b", "", "Mozilla/5.0" };
	struct heap_cap hc = { 0, CRAWL_SCRIPT_MEM };
	struct strbuf sc;
	duk_context *ctx;
	uint32_t n = (uint32_t)strlen(page);

	memset(&sc, 0, sizeof(sc));
	strbuf_add(&sc, (const char *)&n, 4);
	strbuf_add(&sc, page, n);
	if (new_heap(&hc, &ctx) == 0 && !sc.oom)
		run_page(ctx, &env, sc.p, sc.len);
	if (ctx)
		duk_destroy_heap(ctx);
	free(sc.p);
	malloc_trim(0);
}

/* The size of this process's address space (bytes), 0 when unknown. */
static rlim_t vm_size(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

/* The request, parent to zygote: [u32 size] then four [u32 length][bytes] fields: the
 * page URL, the referrer, the User-Agent, the scripts (crawl.h framing). */
#define REQ_MAX (CRAWL_SCRIPT_INPUT + 3 * (CRAWL_MAX_URL + 4) + 4096)

/* The zygote: the engine's heap made and the prelude compiled once; a worker forked from
 * it per page (copy-on-write: nothing to set up again). Reads requests on sock; per
 * request, sends the read end of the worker's report pipe (SCM_RIGHTS), then its wait
 * status (an int) once it ended or was killed at CRAWL_SCRIPT_WALL_MS. Never returns. */
static void zygote(int sock)
{
	struct heap_cap hc = { 0, CRAWL_SCRIPT_MEM };
	duk_context *ctx = NULL;
	char *req = malloc(REQ_MAX);
	rlim_t as_limit;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (new_heap(&hc, &ctx) != 0 || !req)
		_exit(2);
	warm_up();
	as_limit = vm_size() + (rlim_t)CRAWL_SCRIPT_MEM * 2;
	for (;;) {
		uint32_t size, fl[4];
		const char *field[4];
		size_t off = 0;
		int pp[2], k, status = 0;
		pid_t pid;
		struct crawl_script_env env;
		int64_t deadline;

		if (read_full(sock, &size, 4) != 0 || size > REQ_MAX ||
		    read_full(sock, req, size) != 0)
			_exit(0); /* the parent is gone, or talks nonsense */
		for (k = 0; k < 4; k++) {
			if (size - off < 4)
				_exit(2);
			memcpy(&fl[k], req + off, 4);
			off += 4;
			if (fl[k] > size - off)
				_exit(2);
			field[k] = req + off;
			off += fl[k];
		}
		/* the three strings are NUL-terminated by the parent (counted in their length) */
		for (k = 0; k < 3; k++)
			if (!fl[k] || field[k][fl[k] - 1] != '\0')
				_exit(2);
		env.url = field[0];
		env.referer = field[1];
		env.user_agent = field[2];
		if (pipe2(pp, O_CLOEXEC) != 0)
			_exit(2);
		pid = fork();
		if (pid == 0) {
			close(sock);
			close(pp[0]);
			worker(ctx, pp[1], &env, field[3], fl[3], as_limit);
		}
		close(pp[1]);
		if (pid < 0) {
			close(pp[0]);
			status = -1;
			if (write_full(sock, "F", 1) != 0 ||
			    write_full(sock, &status, sizeof(status)))
				_exit(0);
			continue;
		}
		{
			char c = 'S';
			struct iovec iov;
			union fdmsg cm;
			struct msghdr mh;

			fdmsg_init(&mh, &iov, &c, &cm);
			CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
			CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
			CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &pp[0], sizeof(int));
			if (sendmsg(sock, &mh, MSG_NOSIGNAL) != 1) {
				kill(pid, SIGKILL);
				_exit(0);
			}
			close(pp[0]);
		}
		/* wait for the worker, at most the wall clock: a pidfd polled */
		deadline = time_mono_ms() + CRAWL_SCRIPT_WALL_MS;
		{
			int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

			while (waitpid(pid, &status, WNOHANG) == 0) {
				int64_t left = deadline - time_mono_ms();
				struct pollfd pf = { pfd, POLLIN, 0 };

				if (left <= 0 || pfd < 0) {
					if (left <= 0)
						kill(pid, SIGKILL);
					while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
						;
					break;
				}
				poll(&pf, 1, (int)left);
			}
			if (pfd >= 0)
				close(pfd);
		}
		if (write_full(sock, "E", 1) != 0 || write_full(sock, &status, sizeof(status)) != 0)
			_exit(0);
	}
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

struct crawl_script {
	int sock; /* to the zygote; -1: none (started on the next run) */
	pid_t pid;
	int (*wait)(void *ud, int fd, int ms); /* NULL: poll */
	void *wait_ud;
};

int crawl_script_new(struct crawl_script **out, int (*wait)(void *ud, int fd, int ms), void *ud,
		     struct isp_err *err)
{
	struct crawl_script *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (!z)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	z->sock = -1;
	z->wait = wait;
	z->wait_ud = ud;
	*out = z;
	return crawl_script_start(z, err);
}

int crawl_script_start(struct crawl_script *z, struct isp_err *err)
{
	int sv[2];

	if (z->sock >= 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return isp_err_set(err, ISR_EIO, "script tier: socketpair: %s", strerror(errno));
	z->pid = fork();
	if (z->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return isp_err_set(err, ISR_EIO, "script tier: fork: %s", strerror(errno));
	}
	if (z->pid == 0) {
		close(sv[0]);
		zygote(sv[1]);
	}
	close(sv[1]);
	z->sock = sv[0];
	return 0;
}

/* The zygote is no longer trusted to answer in step: end it (the next run starts one). */
static void zygote_end(struct crawl_script *z)
{
	if (z->sock < 0)
		return;
	close(z->sock);
	z->sock = -1;
	kill(z->pid, SIGKILL);
	while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

void crawl_script_free(struct crawl_script *z)
{
	if (!z)
		return;
	zygote_end(z);
	free(z);
}

/* Wait until fd is readable or deadline (monotonic ms) passed; 0 when readable. */
static int wait_in(const struct crawl_script *z, int fd, int64_t deadline)
{
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		int64_t left = deadline - time_mono_ms();
		int r;

		if (left <= 0)
			return -1;
		if (z->wait) { /* the caller's wait: it keeps its own work going meanwhile */
			if (z->wait(z->wait_ud, fd, left > 50 ? 50 : (int)left) == 1)
				return 0;
			continue;
		}
		r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
}

static void add_field(struct strbuf *b, const char *s, size_t n)
{
	uint32_t l = (uint32_t)n;

	strbuf_add(b, (const char *)&l, 4);
	strbuf_add(b, s, n);
}

/* A string field: at most CRAWL_MAX_URL - 1 bytes of s, then its NUL. */
static void add_str(struct strbuf *b, const char *s)
{
	uint32_t n = (uint32_t)strnlen(s ? s : "", CRAWL_MAX_URL - 1), l = n + 1;

	strbuf_add(b, (const char *)&l, 4);
	strbuf_add(b, s ? s : "", n);
	strbuf_add(b, "", 1);
}

int crawl_script_run(struct crawl_script *z, const struct crawl_script_env *env,
		     const char *scripts, size_t len, struct crawl_link *out, int max, char *why,
		     size_t whysz)
{
	struct strbuf req, rec;
	int64_t deadline = time_mono_ms() + CRAWL_SCRIPT_WALL_MS + 1000;
	const char *end = "ran";
	int fd = -1, status = 0, k = 0;
	uint32_t size;
	struct isp_err e;
	char tag = 0;

	isp_err_clear(&e);
	if (crawl_script_start(z, &e) != 0) {
		snprintf(why, whysz, "failed: %s", e.msg);
		return 0;
	}
	if (len > CRAWL_SCRIPT_INPUT || strlen(env->url) >= CRAWL_MAX_URL) {
		snprintf(why, whysz, "failed: input over its bounds");
		return 0;
	}
	memset(&req, 0, sizeof(req));
	memset(&rec, 0, sizeof(rec));
	strbuf_add(&req, "\0\0\0\0", 4);
	add_str(&req, env->url);
	add_str(&req, env->referer);
	add_str(&req, env->user_agent);
	add_field(&req, scripts, len);
	if (req.oom) {
		free(req.p);
		snprintf(why, whysz, "failed: out of memory");
		return 0;
	}
	size = (uint32_t)(req.len - 4);
	memcpy(req.p, &size, 4);
	if (write_full(z->sock, req.p, req.len) != 0) {
		end = "failed: the script tier's process is gone";
		goto broken;
	}
	/* the worker's pipe */
	{
		struct iovec iov;
		union fdmsg cm;
		struct msghdr mh;
		struct cmsghdr *ch;

		fdmsg_init(&mh, &iov, &tag, &cm);
		if (wait_in(z, z->sock, deadline) != 0 ||
		    recvmsg(z->sock, &mh, MSG_CMSG_CLOEXEC) != 1) {
			end = "failed: no answer from the script tier's process";
			goto broken;
		}
		ch = CMSG_FIRSTHDR(&mh);
		if (tag == 'S' && ch && ch->cmsg_type == SCM_RIGHTS &&
		    ch->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(ch), sizeof(int));
		else if (tag != 'F' || read_full(z->sock, &status, sizeof(status)) != 0) {
			end = "failed: the script tier's process answered out of step";
			goto broken;
		} else {
			end = "failed: fork";
			goto done;
		}
	}
	/* the reports, until the worker's end closes the pipe */
	for (;;) {
		char b[4096];
		ssize_t r;

		if (wait_in(z, fd, deadline) != 0) {
			end = "failed: the script tier's process did not end the run";
			goto broken;
		}
		r = read(fd, b, sizeof(b));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (rec.len + (size_t)r <= CRAWL_SCRIPT_OUTPUT)
			strbuf_add(&rec, b, (size_t)r);
	}
	if (wait_in(z, z->sock, deadline) != 0 || read_full(z->sock, &tag, 1) != 0 || tag != 'E' ||
	    read_full(z->sock, &status, sizeof(status)) != 0) {
		end = "failed: no end from the script tier's process";
		goto broken;
	}
	if (WIFSIGNALED(status))
		end = WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL ||
				      WTERMSIG(status) == SIGALRM
			      ? "time-limit"
			      : "failed: the worker was killed";
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		end = WEXITSTATUS(status) == 3 ? "memory-limit" : "failed: the worker failed";
	goto done;
broken:
	zygote_end(z);
done:
	if (fd >= 0)
		close(fd);
	snprintf(why, whysz, "%s", end);
	k = rec.oom ? 0 : crawl_script_records(rec.p ? rec.p : "", rec.len, out, max);
	free(rec.p);
	free(req.p);
	return k;
}
