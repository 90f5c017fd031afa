/*
 * crawl.c -- the crawler's fetch loop, see crawl.h.
 *
 * One libcurl multi handle drives up to o->concurrency chains. A chain owns one easy
 * handle for all its hops (so its cookie engine carries the cookies along the chain) and
 * the record of its hops; when a hop's transfer ends, finish_hop records it, stores the
 * body, and picks the next hop (Location, Refresh header, then the page's first
 * navigation link); frames, scripts and embeds become chains of their own while depth
 * allows. No libcurl redirect following: FOLLOWLOCATION stays off. What a chain
 * becomes on disk (roles, records, bodies) is output.c's.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <magic.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/net/dest.h"
#include "crawl/crawl.h"
#include "crawl/crawl_int.h"

int crawl_resolve(const char *base, const char *ref, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *s = NULL;
	int rc = ISR_EINVAL;

	if (!u)
		return ISR_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
		goto out;
	if (strlen(s) < outsz) {
		memcpy(out, s, strlen(s) + 1);
		rc = 0;
	}
out:
	curl_free(s);
	curl_url_cleanup(u);
	return rc;
}

static int scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static int enqueue(struct crawl_ctx *cx, const char *url, const char *referer, int depth, int bare)
{
	struct item *it;

	if (cx->nq == cx->capq) {
		size_t nc = cx->capq ? cx->capq * 2 : 64;
		struct item *nq = realloc(cx->q, nc * sizeof(*nq));

		if (!nq)
			return ISR_ENOMEM;
		cx->q = nq;
		cx->capq = nc;
	}
	it = &cx->q[cx->nq];
	it->url = strdup(url);
	it->referer = strdup(referer ? referer : "");
	it->depth = depth;
	it->bare = bare;
	if (!it->url || !it->referer) {
		free(it->url);
		free(it->referer);
		return ISR_ENOMEM;
	}
	cx->nq++;
	return 0;
}

/* --- libcurl callbacks */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct chain *c = ud;
	size_t n = size * nmemb;

	if (c->body.len + n > (size_t)c->cx->o->max_body) {
		n = (size_t)c->cx->o->max_body - c->body.len;
		c->over = 1;
	}
	strbuf_add(&c->body, p, n);
	return c->over || c->body.oom ? 0 : size * nmemb;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct chain *c = ud;
	size_t n = size * nmemb;
	struct strbuf *rh = &c->hops[c->nhops - 1].resp_hdrs;

	if (n > 5 && strncmp(p, "HTTP/", 5) == 0)
		rh->len = 0; /* a new block (after a 1xx): only the last one is the response */
	if (rh->len + n <= CRAWL_HAR_HEADERS)
		strbuf_add(rh, p, n);
	if (n > 8 && strncasecmp(p, "refresh:", 8) == 0)
		crawl_parse_refresh(p + 8, n - 8, c->refresh, sizeof(c->refresh));
	return n;
}

/* The request header block as sent (for the HAR file). */
static int on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *ud)
{
	struct chain *c = ud;
	struct strbuf *rq = &c->hops[c->nhops - 1].req_hdrs;

	(void)h;
	if (type != CURLINFO_HEADER_OUT)
		return 0;
	rq->len = 0;
	strbuf_add(rq, p, n < CRAWL_HAR_HEADERS ? n : CRAWL_HAR_HEADERS);
	return 0;
}

/* The destination check: every address libcurl is about to connect to. */
static curl_socket_t on_open(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct crawl_guard *g = ud;
	enum dest_verdict v;

	(void)purpose;
	if (g->proxied) /* the connection is to the profile's proxy (crawl.h) */
		return socket(a->family, a->socktype, a->protocol);
	v = dest_check(g->rules, &a->addr);
	if (v != DEST_OK) {
		g->verdict = (int)v;
		getnameinfo(&a->addr, a->addrlen, g->ip, sizeof(g->ip), NULL, 0, NI_NUMERICHOST);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

void crawl_guard_set(CURL *h, struct crawl_guard *g)
{
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
	/* certificates are not verified: a kit's self-signed or expired https site must
	 * still be seen (the crawler trusts nothing it fetches anyway) */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
}

/* --- chains */

static void hop_refuse(struct chain *c, const char *url, enum crawl_kind kind, const char *why)
{
	struct hop *hp = &c->hops[c->nhops++];

	memset(hp, 0, sizeof(*hp));
	snprintf(hp->url, sizeof(hp->url), "%s", url);
	hp->kind = kind;
	hp->refused = 1;
	snprintf(hp->error, sizeof(hp->error), "%s", why);
	c->cx->st->hops++;
	c->cx->st->refused++;
}

/* Through a proxy: a URL whose host is an address literal is checked here, as the
 * open-socket callback would (crawl.h); 1 when refused (the hop recorded, chain over). */
static int literal_refused(struct chain *c, const char *url, enum crawl_kind kind)
{
	CURLU *u = curl_url();
	char *host = NULL, why[200];
	struct sockaddr_storage ss;
	enum dest_verdict v = DEST_OK;
	size_t n;

	memset(&ss, 0, sizeof(ss));
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		n = strlen(host);
		if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
			host[n - 1] = '\0';
			if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1) {
				s6->sin6_family = AF_INET6;
				v = dest_check(&c->cx->rules, (struct sockaddr *)s6);
			}
			host[n - 1] = ']';
		} else if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			v = dest_check(&c->cx->rules, (struct sockaddr *)s4);
		}
	}
	if (v != DEST_OK) {
		snprintf(why, sizeof(why), "refused destination %s: %s", host, dest_why(v));
		hop_refuse(c, url, kind, why);
		snprintf(c->hops[c->nhops - 1].ip, sizeof(c->hops[0].ip), "%s", host);
		c->end = "refused";
	}
	curl_free(host);
	curl_url_cleanup(u);
	return v != DEST_OK;
}

/* Start the hop to url; 0 when a transfer is under way, else the chain is over. */
static int start_hop(struct chain *c, const char *url, enum crawl_kind kind)
{
	const struct crawl_opts *o = c->cx->o;
	int64_t left = o->chain_timeout_ms - (time_mono_ms() - c->t0);
	struct hop *hp;
	int i;

	for (i = 0; i < c->nhops; i++)
		if (strcmp(c->hops[i].url, url) == 0) {
			c->end = "loop";
			return -1;
		}
	if (c->nhops > o->max_hops) {
		c->end = "max-hops";
		return -1;
	}
	if (!scheme_ok(url)) {
		hop_refuse(c, url, kind, "refused: only http and https are fetched");
		c->end = "refused";
		return -1;
	}
	if (left <= 0) {
		c->end = "time-limit";
		return -1;
	}
	if (c->guard.proxied && literal_refused(c, url, kind))
		return -1;
	hp = &c->hops[c->nhops++];
	memset(hp, 0, sizeof(*hp));
	snprintf(hp->url, sizeof(hp->url), "%s", url);
	hp->kind = kind;
	hp->started_ms = time_wall_ms();
	c->body.len = 0;
	c->body.oom = 0;
	c->over = 0;
	c->guard.verdict = DEST_OK;
	c->guard.ip[0] = '\0';
	c->refresh[0] = '\0';
	c->ebuf[0] = '\0';
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(c->h, CURLOPT_REFERER,
			 c->nhops > 1 ? c->hops[c->nhops - 2].url
				      : (c->referer[0] ? c->referer : NULL));
	if (curl_multi_add_handle(c->cx->m, c->h) != CURLM_OK) {
		snprintf(hp->error, sizeof(hp->error), "libcurl refused the transfer");
		c->end = "error";
		return -1;
	}
	return 0;
}

static void chain_free(struct chain *c)
{
	int i;

	if (!c)
		return;
	if (c->h)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->hdrs);
	free(c->body.p);
	for (i = 0; i < c->nhops; i++) {
		free(c->hops[i].req_hdrs.p);
		free(c->hops[i].resp_hdrs.p);
	}
	free(c);
}

static void chain_end(struct chain *c)
{
	crawl_write_chain(c);
	c->cx->active--;
	if (c->linked) {
		if (c->prev)
			c->prev->next = c->next;
		else
			c->cx->act = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	chain_free(c);
}

/* The links l[0..n) of the page of c's last hop (resolved against b): the first
 * navigation into next/nk when none is there yet; frames, scripts and embeds queued as
 * chains of their own while depth allows. */
static void take_links(struct chain *c, const char *b, const struct crawl_link *l, int n,
		       char *next, enum crawl_kind *nk)
{
	char abs[CRAWL_MAX_URL];
	int i;

	for (i = 0; i < n; i++) {
		if (crawl_resolve(b, l[i].url, abs, sizeof(abs)) != 0)
			continue;
		if (crawl_kind_navigates(l[i].kind)) {
			if (*nk == CRAWL_START) {
				memcpy(next, abs, strlen(abs) + 1);
				*nk = l[i].kind;
			}
		} else if (c->depth < c->cx->o->depth) {
			enqueue(c->cx, abs, c->hops[c->nhops - 1].url, c->depth + 1, c->bare);
		}
	}
}

/* 1 when body[0..n) opens (after a BOM and blanks) with one of the tags by which
 * browsers sniff HTML (Chromium's kSniffableTags, the WHATWG MIME sniffing list): libmagic
 * would say text/html too, and no payload's magic starts with '<'. libmagic walks its
 * whole database for a text body (half of a crawl's CPU time on HTML pages), so pages
 * skip it. */
static int html_sniff(const char *b, size_t n)
{
	static const char *const tags[] = {
		"!doctype html", "html", "head",  "script", "iframe", "h1",   "div", "font",
		"table",	 "a",	 "style", "title",  "b",      "body", "br",  "p",
		"!--",		 "meta"
	};
	size_t i = 0, k;

	if (n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n &&
	       (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '\f'))
		i++;
	if (i >= n || b[i] != '<')
		return 0;
	i++;
	for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
		size_t tl = strlen(tags[k]);

		if (n - i > tl && strncasecmp(b + i, tags[k], tl) == 0 &&
		    (b[i + tl] == ' ' || b[i + tl] == '>' || tags[k][0] == '!'))
			return 1;
	}
	return 0;
}

/* The memo of bodies seen in this run (crawl_int.h): a body met again (a kit's shared
 * redirector script, the same payload behind many entry URLs) takes its type and YARA
 * names from there, and is stored already. CRAWL_MEMO_PROBE slots from the hash's. */
#define CRAWL_MEMO_PROBE 8

static size_t memo_slot(const char *sha)
{
	size_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = h << 4 | (size_t)(hex_value(sha[i]) & 15);
	return h & (CRAWL_MEMO - 1);
}

static int memo_get(struct crawl_ctx *cx, struct hop *hp)
{
	size_t i, k = memo_slot(hp->sha);

	for (i = 0; cx->memo && i < CRAWL_MEMO_PROBE; i++) {
		const struct body_memo *m = &cx->memo[(k + i) & (CRAWL_MEMO - 1)];

		if (strcmp(m->sha, hp->sha) == 0) {
			memcpy(hp->mime, m->mime, sizeof(hp->mime));
			memcpy(hp->yara, m->yara, sizeof(hp->yara));
			return 1;
		}
	}
	return 0;
}

static void memo_put(struct crawl_ctx *cx, const struct hop *hp)
{
	size_t i, k = memo_slot(hp->sha);
	struct body_memo *m;

	if (!cx->memo)
		return;
	m = &cx->memo[k]; /* full: the first slot is overwritten */
	for (i = 0; i < CRAWL_MEMO_PROBE; i++)
		if (!cx->memo[(k + i) & (CRAWL_MEMO - 1)].sha[0]) {
			m = &cx->memo[(k + i) & (CRAWL_MEMO - 1)];
			break;
		}
	memcpy(m->sha, hp->sha, sizeof(m->sha));
	memcpy(m->mime, hp->mime, sizeof(m->mime));
	memcpy(m->yara, hp->yara, sizeof(m->yara));
}

/* The transfer of the chain's last hop is over with result r: record it, go on. */
static void finish_hop(struct chain *c, CURLcode r)
{
	struct crawl_ctx *cx = c->cx;
	const struct crawl_opts *o = cx->o;
	struct hop *hp = &c->hops[c->nhops - 1];
	char next[CRAWL_MAX_URL], base[CRAWL_MAX_URL];
	enum crawl_kind nk = CRAWL_START;
	const char *s = NULL;
	long code = 0;

	curl_multi_remove_handle(cx->m, c->h);
	cx->st->hops++;
	next[0] = '\0';
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
	hp->status = code;
	if (curl_easy_getinfo(c->h, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s)
		snprintf(hp->ip, sizeof(hp->ip), "%s", s);
	s = NULL;
	if (curl_easy_getinfo(c->h, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s)
		snprintf(hp->ctype, sizeof(hp->ctype), "%s", s);
	if (c->guard.verdict != DEST_OK) {
		hp->refused = 1;
		snprintf(hp->ip, sizeof(hp->ip), "%s", c->guard.ip);
		snprintf(hp->error, sizeof(hp->error), "refused destination %s: %s", c->guard.ip,
			 dest_why((enum dest_verdict)c->guard.verdict));
		cx->st->refused++;
		c->end = "refused";
		chain_end(c);
		return;
	}
	if (c->over) {
		hp->truncated = 1;
		snprintf(hp->error, sizeof(hp->error), "body over crawl.max-body (%lld bytes)",
			 (long long)o->max_body);
	} else if (r != CURLE_OK) {
		snprintf(hp->error, sizeof(hp->error), "%.190s",
			 c->ebuf[0] ? c->ebuf : curl_easy_strerror(r));
	}
	hp->bytes = (long long)c->body.len;
	{
		curl_off_t t = 0;

		curl_easy_getinfo(c->h, CURLINFO_TOTAL_TIME_T, &t);
		hp->total_us = (int64_t)t;
		t = 0;
		curl_easy_getinfo(c->h, CURLINFO_STARTTRANSFER_TIME_T, &t);
		hp->wait_us = (int64_t)t;
	}
	if (c->body.len) {
		struct sha256 sh;
		uint8_t d[SHA256_LEN];
		const char *mt;
		size_t i;

		sha256_init(&sh);
		sha256_update(&sh, c->body.p, c->body.len);
		sha256_final(&sh, d);
		for (i = 0; i < SHA256_LEN; i++)
			snprintf(hp->sha + 2 * i, 3, "%02x", d[i]);
		if (!memo_get(cx, hp)) {
			mt = html_sniff(c->body.p, c->body.len)
				     ? "text/html"
				     : magic_buffer(cx->magic, c->body.p, c->body.len);
			if (mt)
				snprintf(hp->mime, sizeof(hp->mime), "%s", mt);
			crawl_store_body(cx, hp, c->body.p, c->body.len);
			crawl_rules_scan(cx->yara, c->body.p, c->body.len, hp->yara,
					 sizeof(hp->yara));
			memo_put(cx, hp);
		}
	}
	if (r != CURLE_OK && !c->over) {
		cx->st->failed++;
		if (r != CURLE_OPERATION_TIMEDOUT)
			c->end = "error";
		else /* the chain's clock, or the low-speed limit */
			c->end = time_mono_ms() - c->t0 >= o->chain_timeout_ms ? "time-limit"
									       : "too-slow";
		chain_end(c);
		return;
	}
	if (c->over)
		cx->st->failed++;
	/* the next hop: Location, Refresh header, then the page's own navigation */
	s = NULL;
	if (code >= 300 && code < 400 &&
	    curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s &&
	    strlen(s) < sizeof(next)) {
		memcpy(next, s, strlen(s) + 1);
		nk = CRAWL_HTTP;
	} else if (c->refresh[0] && crawl_resolve(hp->url, c->refresh, next, sizeof(next)) == 0) {
		nk = CRAWL_REFRESH;
	} else if (c->body.len && (strncasecmp(hp->ctype, "text/html", 9) == 0 ||
				   strcmp(hp->mime, "text/html") == 0)) {
		struct crawl_link *l = malloc(CRAWL_MAX_LINKS * sizeof(*l));
		struct strbuf scripts;
		const char *b = hp->url;
		char abs[CRAWL_MAX_URL];
		int n;

		memset(&scripts, 0, sizeof(scripts));
		n = l ? crawl_extract(c->body.p, c->body.len, l, CRAWL_MAX_LINKS, base,
				      sizeof(base), o->scripts ? &scripts : NULL)
		      : 0;
		if (base[0] && crawl_resolve(hp->url, base, abs, sizeof(abs)) == 0) {
			memcpy(base, abs, strlen(abs) + 1);
			b = base;
		}
		take_links(c, b, l, n, next, &nk);
		/* the second tier: no navigation read by pattern, inline scripts to run */
		if (nk == CRAWL_START && scripts.len && !scripts.oom && l && cx->js) {
			struct crawl_script_env env = { hp->url, c->referer,
							c->profile->user_agent };

			if (c->nhops > 1)
				env.referer = c->hops[c->nhops - 2].url;
			n = crawl_script_run(cx->js, &env, scripts.p, scripts.len, l,
					     CRAWL_MAX_LINKS, hp->scripts, sizeof(hp->scripts));
			take_links(c, b, l, n, next, &nk);
			cx->st->scripts++;
		}
		free(scripts.p);
		free(l);
	}
	if (nk != CRAWL_START && start_hop(c, next, nk) == 0)
		return;
	chain_end(c);
}

static void start_chain(struct crawl_ctx *cx, const struct item *it)
{
	const struct crawl_opts *o = cx->o;
	struct chain *c = calloc(1, sizeof(*c));

	if (!c)
		return;
	c->cx = cx;
	c->depth = it->depth;
	c->t0 = time_mono_ms();
	c->bare = it->bare;
	c->profile = c->bare ? &o->bare : &o->profile;
	snprintf(c->referer, sizeof(c->referer), "%s",
		 it->referer[0] ? it->referer : (c->profile->referer ? c->profile->referer : ""));
	c->h = curl_easy_init();
	if (!c->h) {
		free(c);
		return;
	}
	cx->active++;
	c->next = cx->act;
	if (cx->act)
		cx->act->prev = c;
	cx->act = c;
	c->linked = 1;
	if (c->profile->accept_language && c->profile->accept_language[0]) {
		char hl[256];

		snprintf(hl, sizeof(hl), "Accept-Language: %s", c->profile->accept_language);
		c->hdrs = curl_slist_append(NULL, hl);
	}
	curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
	c->guard.rules = &cx->rules;
	crawl_guard_set(c->h, &c->guard);
	curl_easy_setopt(c->h, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c->h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c->h, CURLOPT_USERAGENT,
			 c->profile->user_agent && c->profile->user_agent[0]
				 ? c->profile->user_agent
				 : NULL);
	if (c->profile->proxy && c->profile->proxy[0]) {
		/* every connection goes to the operator's proxy: the open-socket check is
		 * off, address literals are checked in start_hop (crawl.h) */
		curl_easy_setopt(c->h, CURLOPT_PROXY, c->profile->proxy);
		c->guard.proxied = 1;
	}
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_LIMIT, (long)o->low_speed_bytes);
	curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_seconds);
	curl_easy_setopt(c->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(c->h, CURLOPT_DEBUGDATA, c);
	curl_easy_setopt(c->h, CURLOPT_VERBOSE, 1L); /* only for on_debug: nothing printed */
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->ebuf);
	if (start_hop(c, it->url, CRAWL_START) != 0)
		chain_end(c);
}

/* While a page's scripts run: the other transfers go on (curl_multi_perform here is
 * outside any libcurl callback: finish_hop runs from the loop of crawl_run; the transfers
 * that end meanwhile are read by that loop afterwards). 1 when fd is readable. */
static int pump(void *ud, int fd, int ms)
{
	struct crawl_ctx *cx = ud;
	struct curl_waitfd w = { fd, CURL_WAIT_POLLIN, 0 };
	struct pollfd pf = { fd, POLLIN, 0 };
	int running = 0;

	curl_multi_poll(cx->m, &w, 1, ms, NULL);
	curl_multi_perform(cx->m, &running);
	/* asked directly: a pipe's end (POLLHUP) is readable too */
	return poll(&pf, 1, 0) > 0;
}

/* A start URL: once with the browser profile, and once more without it when the
 * cloaking check is on. */
static int enqueue_start(struct crawl_ctx *cx, const char *url)
{
	int rc = enqueue(cx, url, NULL, 0, 0);

	return rc || !cx->o->cloaking ? rc : enqueue(cx, url, NULL, 0, 1);
}

/* Read the start values: URLs, and files of URLs. */
static int read_starts(struct crawl_ctx *cx, char **urls, int n)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		struct stat sb;
		FILE *f;
		char *line = NULL;
		size_t lcap = 0;
		ssize_t ll;
		long lno = 0;

		if (strstr(urls[i], "://") || stat(urls[i], &sb) != 0 || !S_ISREG(sb.st_mode)) {
			rc = enqueue_start(cx, urls[i]);
			if (rc)
				return rc;
			continue;
		}
		f = fopen(urls[i], "r");
		if (!f) {
			struct isp_err e;

			isp_err_set(&e, ISR_EIO, "%s: %s", urls[i], strerror(errno));
			if (cx->o->report)
				cx->o->report(cx->o->ud, &e);
			cx->st->bad_start++;
			continue;
		}
		while ((ll = getline(&line, &lcap, f)) >= 0) {
			char *p = line;

			lno++;
			while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r' ||
				      line[ll - 1] == ' ' || line[ll - 1] == '\t'))
				line[--ll] = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '#')
				continue;
			if (strlen(p) >= CRAWL_MAX_URL) {
				struct isp_err e;

				isp_err_set(&e, ISR_EFORMAT, "%s:%ld: URL longer than %d bytes",
					    urls[i], lno, CRAWL_MAX_URL - 1);
				if (cx->o->report)
					cx->o->report(cx->o->ud, &e);
				cx->st->bad_start++;
				continue;
			}
			rc = enqueue_start(cx, p);
			if (rc) {
				free(line);
				fclose(f);
				return rc;
			}
		}
		free(line);
		fclose(f);
	}
	return 0;
}

static FILE *open_out(const char *dir, const char *name, struct isp_err *err)
{
	char path[4200];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

int crawl_run(const struct crawl_opts *o, char **urls, int n, struct crawl_stats *st,
	      struct isp_err *err)
{
	struct crawl_ctx cx;
	int64_t t0, last;
	int rc;
	size_t i;

	memset(&cx, 0, sizeof(cx));
	memset(st, 0, sizeof(*st));
	cx.o = o;
	cx.st = st;
	if (o->max_hops < 0 || o->max_hops > CRAWL_MAX_HOPS_CAP)
		return isp_err_set(err, ISR_EINVAL, "crawl.max-hops: %d is not 0..%d", o->max_hops,
				   CRAWL_MAX_HOPS_CAP);
	/* first: the script tier's process is forked while this one is small */
	if (o->scripts) {
		rc = crawl_script_new(&cx.js, pump, &cx, err);
		if (rc)
			return rc;
	}
	rc = dest_init(&cx.rules, "crawl", o->allow ? o->allow : "", o->deny ? o->deny : "", "",
		       NULL, 0, err);
	if (rc) {
		crawl_script_free(cx.js);
		return rc;
	}
	rc = fs_mkdir_p(o->out, 0700, err);
	if (rc)
		goto out;
	snprintf(cx.bodies, sizeof(cx.bodies), "%s/bodies", o->out);
	rc = fs_mkdir_p(cx.bodies, 0700, err);
	if (rc)
		goto out;
	{
		char har[4200];

		snprintf(har, sizeof(har), "%s/har", o->out);
		rc = fs_mkdir_p(har, 0700, err);
		if (rc)
			goto out;
	}
	cx.memo = calloc(CRAWL_MEMO, sizeof(*cx.memo)); /* none: every body typed afresh */
	cx.magic = magic_open(MAGIC_MIME_TYPE);
	if (!cx.magic || magic_load(cx.magic, NULL) != 0) {
		rc = isp_err_set(err, ISR_EIO, "libmagic: %s",
				 cx.magic ? magic_error(cx.magic) : "out of memory");
		goto out;
	}
	if (o->rules && o->rules[0]) {
		rc = crawl_rules_load(o->rules, &cx.yara, err);
		if (rc)
			goto out;
	}
	if (o->cloaking) {
		cx.held = json_array();
		if (!cx.held) {
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
			goto out;
		}
	}
	cx.chains = open_out(o->out, "chains.jsonl", err);
	cx.found = cx.chains ? open_out(o->out, "found.txt", err) : NULL;
	if (!cx.found) {
		rc = ISR_EIO;
		goto out;
	}
	cx.m = curl_multi_init();
	if (!cx.m) {
		rc = isp_err_set(err, ISR_ENOMEM, "libcurl: no multi handle");
		goto out;
	}
	rc = read_starts(&cx, urls, n);
	if (rc) {
		isp_err_set(err, rc, "out of memory reading the start URLs");
		goto out;
	}
	t0 = last = time_mono_ms();
	while ((cx.next < cx.nq || cx.active) && !(o->stop && *o->stop)) {
		int running = 0;
		CURLMsg *msg;
		int left;

		if (o->progress && time_mono_ms() - last >= 1000) {
			last = time_mono_ms();
			fprintf(stderr,
				"\rcrawl: %ld chains done, %d under way, %zu queued, %.1f hops/s ",
				st->chains, cx.active, cx.nq - cx.next,
				(double)st->hops * 1000.0 / (double)(last - t0));
		}

		while (cx.next < cx.nq && cx.active < (o->concurrency > 0 ? o->concurrency : 1)) {
			struct item it = cx.q[cx.next++];

			start_chain(&cx, &it);
		}
		curl_multi_perform(cx.m, &running);
		while ((msg = curl_multi_info_read(cx.m, &left))) {
			struct chain *c = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			finish_hop(c, msg->data.result);
		}
		if (cx.active && cx.next >= cx.nq)
			curl_multi_poll(cx.m, NULL, 0, 200, NULL);
		else if (cx.active)
			curl_multi_poll(cx.m, NULL, 0, 10, NULL);
	}
	while (cx.act) { /* stopped: what was under way is recorded as such */
		struct chain *c = cx.act;

		cx.act = c->next;
		if (cx.act)
			cx.act->prev = NULL;
		c->linked = 0;
		curl_multi_remove_handle(cx.m, c->h);
		c->end = "stopped";
		chain_end(c);
	}
	if (o->progress)
		fputs("\r\033[K", stderr);
	if (cx.held)
		crawl_write_held(&cx);
	rc = 0;
	if (fflush(cx.chains) != 0 || fflush(cx.found) != 0)
		rc = isp_err_set(err, ISR_EIO, "%s: write failed", o->out);
out:
	if (cx.m)
		curl_multi_cleanup(cx.m);
	if (cx.chains)
		fclose(cx.chains);
	if (cx.found)
		fclose(cx.found);
	if (cx.magic)
		magic_close(cx.magic);
	crawl_rules_free(cx.yara);
	crawl_script_free(cx.js);
	free(cx.memo);
	json_decref(cx.held);
	for (i = 0; i < cx.nq; i++) {
		free(cx.q[i].url);
		free(cx.q[i].referer);
	}
	free(cx.q);
	dest_free(&cx.rules);
	return rc;
}
