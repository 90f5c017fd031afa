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
#include <ctype.h>
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
#include "core/base/jsonout.h"
#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/net/dest.h"
#include "crawl/crawl.h"
#include "crawl/crawl_int.h"

static int scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
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

/* The host of url, lowercased, into out ("" when it has none). */
static void host_key(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *h = NULL;
	size_t i;

	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && strlen(h) < outsz)
		for (i = 0; i <= strlen(h); i++)
			out[i] = (char)tolower((unsigned char)h[i]);
	curl_free(h);
	curl_url_cleanup(u);
}

/* Start the transfer of c's last hop when its host allows (o->host_concurrency,
 * o->host_interval_ms): 0 when it started, 1 when it waits (c->parked: the loop of
 * crawl_run tries again), -1 when the chain is over (c->end says why). */
static int launch(struct chain *c)
{
	struct crawl_ctx *cx = c->cx;
	const struct crawl_opts *o = cx->o;
	struct hop *hp = &c->hops[c->nhops - 1];
	struct strmap_slot *s = strmap_get(&cx->hosts, c->host, strlen(c->host), 1);
	int64_t now = time_mono_ms(), left = o->chain_timeout_ms - (now - c->t0);

	if (left <= 0) {
		snprintf(hp->error, sizeof(hp->error), "not fetched: the chain's time is up");
		c->end = "time-limit";
		return -1;
	}
	if (s && ((o->host_concurrency > 0 && s->a >= o->host_concurrency) ||
		  (o->host_interval_ms > 0 && s->b && now - s->b < o->host_interval_ms))) {
		if (!c->parked) {
			c->parked = 1;
			cx->nparked++;
			cx->st->host_waits++;
		}
		return 1;
	}
	if (c->parked) {
		c->parked = 0;
		cx->nparked--;
		if (c->nhops == 1) { /* the chain's clock starts with its first fetch */
			c->t0 = now;
			left = o->chain_timeout_ms;
		}
	}
	hp->started_ms = time_wall_ms();
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)left);
	if (curl_multi_add_handle(cx->m, c->h) != CURLM_OK) {
		snprintf(hp->error, sizeof(hp->error), "libcurl refused the transfer");
		c->end = "error";
		return -1;
	}
	if (s) { /* no slot (out of memory): the host goes unlimited, not stuck */
		s->a++;
		s->b = now;
		if (s->a > cx->st->host_peak)
			cx->st->host_peak = s->a;
	}
	return 0;
}

/* The transfer of c's hop is over: its host may start another. */
static void host_release(struct chain *c)
{
	struct strmap_slot *s = strmap_get(&c->cx->hosts, c->host, strlen(c->host), 0);

	if (s && s->a > 0)
		s->a--;
}

/* Start the hop to url; 0 when a transfer is under way or waits for its host, else the
 * chain is over. */
static int start_hop(struct chain *c, const char *url, enum crawl_kind kind)
{
	const struct crawl_opts *o = c->cx->o;
	struct hop *hp;
	int64_t when;
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
	if (o->chain_timeout_ms - (time_mono_ms() - c->t0) <= 0) {
		c->end = "time-limit";
		return -1;
	}
	if (c->guard.proxied && literal_refused(c, url, kind))
		return -1;
	if (crawl_visited(c->cx, c, url, &when)) {
		char t[TIME_FMT_UTC_MAX], why[200];

		snprintf(why, sizeof(why),
			 "not fetched: visited from %.100s at %s (crawl.revisit-after)",
			 c->bare ? c->cx->exit_bare : c->cx->exit_browser, time_fmt_utc(when, t));
		hop_refuse(c, url, kind, why);
		c->hops[c->nhops - 1].refused = 0;
		c->cx->st->refused--;
		c->cx->st->visited++;
		c->end = "visited";
		return -1;
	}
	hp = &c->hops[c->nhops++];
	memset(hp, 0, sizeof(*hp));
	snprintf(hp->url, sizeof(hp->url), "%s", url);
	hp->kind = kind;
	c->body.len = 0;
	c->body.oom = 0;
	c->over = 0;
	c->guard.verdict = DEST_OK;
	c->guard.ip[0] = '\0';
	c->refresh[0] = '\0';
	c->ebuf[0] = '\0';
	host_key(url, c->host, sizeof(c->host));
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_REFERER,
			 c->nhops > 1 ? c->hops[c->nhops - 2].url
				      : (c->referer[0] ? c->referer : NULL));
	return launch(c) < 0 ? -1 : 0;
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
	json_decref(c->queued);
	free(c);
}

static void chain_end(struct chain *c)
{
	crawl_write_chain(c);
	c->cx->active--;
	if (c->parked)
		c->cx->nparked--;
	if (c->linked) {
		if (c->prev)
			c->prev->next = c->next;
		else
			c->cx->act = c->next;
		if (c->next)
			c->next->prev = c->prev;
		else
			c->cx->act_tail = c->prev;
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
			const char *ref = c->hops[c->nhops - 1].url;

			/* in the record too: a resumed run queues it again if it did not end */
			if (!c->queued)
				c->queued = json_array();
			json_array_append_new(
				c->queued, json_pack("[o, o]", jsonout_str(abs), jsonout_str(ref)));
			crawl_enqueue(c->cx, abs, ref, c->depth + 1, c->bare);
		}
	}
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
	host_release(c);
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

		sha256_init(&sh);
		sha256_update(&sh, c->body.p, c->body.len);
		sha256_final(&sh, d);
		sha256_hex(d, hp->sha);
		if (!crawl_memo_get(cx, hp)) {
			mt = crawl_html_sniff(c->body.p, c->body.len)
				     ? "text/html"
				     : magic_buffer(cx->magic, c->body.p, c->body.len);
			if (mt)
				snprintf(hp->mime, sizeof(hp->mime), "%s", mt);
			crawl_store_body(cx, hp, c->body.p, c->body.len);
			crawl_rules_scan(cx->yara, c->body.p, c->body.len, hp->yara,
					 sizeof(hp->yara));
			crawl_memo_put(cx, hp);
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
		base[0] = '\0'; /* no <base> (also when l could not be allocated) */
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
	c->id = it->id;
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
	/* at the tail: the list is in the order chains started, so the hops that wait for
	 * their host are started oldest first (unpark) */
	cx->active++;
	c->prev = cx->act_tail;
	if (cx->act_tail)
		cx->act_tail->next = c;
	else
		cx->act = c;
	cx->act_tail = c;
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

/* The status line on a terminal: chains done, under way, waiting for their host, queued;
 * the rate and, from it, the time left for what is queued. */
static void progress(const struct crawl_ctx *cx, int64_t t0, int64_t now)
{
	const struct crawl_stats *st = cx->st;
	double secs = (double)(now - t0) / 1000.0;
	double rate = secs > 0 ? (double)st->chains / secs : 0;
	size_t queued = cx->nq - cx->next;

	fprintf(stderr,
		"\rcrawl: %ld chains done, %d under way (%d wait for their host), %zu queued, "
		"%.1f chains/s, %.1f hops/s",
		st->chains, cx->active, cx->nparked, queued, rate,
		secs > 0 ? (double)st->hops / secs : 0.0);
	if (rate > 0)
		fprintf(stderr, ", ETA %.0fs", (double)(queued + (size_t)cx->active) / rate);
	fputs("\033[K", stderr);
}

/* Start the hops that wait for their host where it now allows. */
static void unpark(struct crawl_ctx *cx)
{
	struct chain *c = cx->act, *next;

	for (; c && cx->nparked; c = next) {
		next = c->next;
		if (c->parked && launch(c) < 0)
			chain_end(c);
	}
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
	cx.visits_fd = -1;
	strmap_init(&cx.hosts);
	strmap_init(&cx.queued);
	strmap_init(&cx.done);
	strmap_init(&cx.relayed);
	strmap_init(&cx.visited);
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
	rc = crawl_open_outputs(&cx, err);
	if (rc == 0)
		rc = crawl_visits_open(&cx, err);
	if (rc)
		goto out;
	cx.m = curl_multi_init();
	if (!cx.m) {
		rc = isp_err_set(err, ISR_ENOMEM, "libcurl: no multi handle");
		goto out;
	}
	rc = crawl_read_starts(&cx, urls, n);
	if (rc) {
		isp_err_set(err, rc, "out of memory reading the start URLs");
		goto out;
	}
	t0 = time_mono_ms();
	last = t0 - 1000; /* the first status line at once */
	while ((cx.next < cx.nq || cx.active) && !(o->stop && *o->stop)) {
		int running = 0;
		CURLMsg *msg;
		int left;

		if (o->progress && time_mono_ms() - last >= 1000) {
			last = time_mono_ms();
			progress(&cx, t0, last);
		}
		if (cx.nparked)
			unpark(&cx);
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
		/* a hop waiting for its host's interval is looked at again within 10 ms */
		if (cx.active && cx.next >= cx.nq && !cx.nparked)
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
	cx.act_tail = NULL;
	if (o->progress)
		fputs("\r\033[K", stderr);
	if (cx.held)
		crawl_write_held(&cx);
	rc = 0;
	if (crawl_close_outputs(&cx) != 0)
		rc = isp_err_set(err, ISR_EIO, "%s: write failed", o->out);
out:
	if (cx.m)
		curl_multi_cleanup(cx.m);
	crawl_close_outputs(&cx);
	crawl_visits_close(&cx);
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
	strmap_free(&cx.hosts);
	strmap_free(&cx.queued);
	strmap_free(&cx.done);
	strmap_free(&cx.relayed);
	strmap_free(&cx.visited);
	dest_free(&cx.rules);
	return rc;
}
