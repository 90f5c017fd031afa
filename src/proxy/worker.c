/*
 * worker.c -- one worker thread of the proxy: accept, the per-connection state machine
 * and the epoll loop (see proxy.h, proxy_int.h).
 *
 * A connection owns a client socket, at most one upstream socket (kept between
 * requests to the same host:port: keep-alive on both sides) and four buffers: client
 * in/out, upstream in/out. Everything a connection can do is done by conn_pump, which
 * loops over read client -> act on the request -> write upstream -> read upstream ->
 * act on the response -> write client until nothing moves, then sets the epoll
 * interests (level-triggered) from what it is waiting for. Bodies are relayed as they
 * come, byte for byte; Content-Length and a chunked tracker (http.h) find their end so
 * that the next request on the connection is never mistaken for body.
 *
 * Per request: parse strictly (400/431/501/505 and close on error), check the client
 * against the subscriber prefixes, then (unless it opted out) canonicalise the URL
 * with the same code as `lists` and look it up in the snapshot; a hit answers the
 * warning page (or the CONNECT refusal) and records a block event in the ring. Nothing
 * is recorded or logged for requests that were not blocked. Timeouts are deadlines per
 * connection, swept every 100 ms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/net/domain.h"
#include "core/net/netaddr.h"
#include "core/net/url.h"
#include "core/base/timefmt.h"
#include "proxy/page.h"
#include "proxy/proxy_int.h"
#include "proxy/token.h"

#define TOKEN_PARAM  "ispshield-continue="
#define TAG_LISTEN   1u
#define TAG_CLIENT   2u
#define TAG_UPSTREAM 3u
#define TAG_RESOLVER 4u
#define PAGE_MAX     ((size_t)24 * 1024)
#define SWEEP_MS     100

uint64_t px_now_ms(void)
{
	return (uint64_t)time_mono_ms();
}

static int64_t wall_s(void)
{
	return (int64_t)time(NULL);
}

void px_count(struct px_worker *w, enum px_counter c)
{
	atomic_fetch_add_explicit(&w->counters[c], 1, memory_order_relaxed);
}

static uint64_t tag(unsigned type, uint32_t gen, int idx)
{
	return (uint64_t)type << 56 | (uint64_t)(gen & 0xffffff) << 32 | (uint32_t)idx;
}

/* ---- buffers ---- */

static int buf_init(struct px_buf *b, size_t cap)
{
	b->d = malloc(cap);
	b->off = b->len = 0;
	b->cap = cap;
	return b->d ? 0 : -1;
}

static size_t buf_space(struct px_buf *b)
{
	if (b->len == 0)
		b->off = 0;
	if (b->off > 0 && b->off + b->len > b->cap / 2) {
		memmove(b->d, b->d + b->off, b->len);
		b->off = 0;
	}
	return b->cap - b->off - b->len;
}

static char *buf_tail(struct px_buf *b)
{
	return b->d + b->off + b->len;
}

static void buf_consume(struct px_buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

/* Append (fails, returns -1, when it does not fit). */
static int buf_put(struct px_buf *b, const void *p, size_t n)
{
	if (buf_space(b) < n)
		return -1;
	memcpy(buf_tail(b), p, n);
	b->len += n;
	return 0;
}

static int buf_printf(struct px_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int buf_printf(struct px_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t space = buf_space(b);
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf_tail(b), space, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= space)
		return -1;
	b->len += (size_t)k;
	return 0;
}

/* ---- connections ---- */

static void set_mask(struct px_worker *w, struct px_conn *c, int idx, int up, uint32_t mask)
{
	uint32_t *cur = up ? &c->umask : &c->cmask;
	int fd = up ? c->ufd : c->cfd;
	struct epoll_event ev;

	if (fd < 0 || *cur == mask)
		return;
	ev.events = mask;
	ev.data.u64 = tag(up ? TAG_UPSTREAM : TAG_CLIENT, c->gen, idx);
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev);
	*cur = mask;
}

static void close_upstream(struct px_conn *c)
{
	if (c->ufd >= 0)
		close(c->ufd); /* closing removes it from the epoll set */
	c->ufd = -1;
	c->umask = 0;
	c->up_key[0] = '\0';
	c->uin.len = c->uin.off = 0; /* uout may hold the next request's head */
	c->uscan = 0;
}

static void conn_close(struct px_worker *w, int idx)
{
	struct px_conn *c = &w->conns[idx];

	close_upstream(c);
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	if (c->hit) {
		free(c->hit->canon);
		free(c->hit->href);
		free(c->hit);
		c->hit = NULL;
	}
	c->state = S_FREE;
	c->gen++;
	w->free_list[w->nfree++] = idx;
}

static void reset_request(struct px_worker *w, struct px_conn *c)
{
	c->state = S_HEAD;
	c->cscan = 0;
	c->head_started = c->cin.len > 0;
	c->is_head = c->is_connect = 0;
	c->req_body = B_NONE;
	c->req_remain = 0;
	memset(&c->req_ch, 0, sizeof(c->req_ch));
	c->req_done = 0;
	c->resp = RS_HEAD;
	c->resp_body = B_NONE;
	c->resp_remain = 0;
	memset(&c->resp_ch, 0, sizeof(c->resp_ch));
	c->resp_sent = 0;
	c->uscan = 0;
	c->deadline = px_now_ms() + (uint64_t)(c->head_started ? w->srv->cfg->proxy_header_timeout
							       : w->srv->cfg->proxy_idle_timeout) *
					    1000;
}

/* Our own response (page, error) to the client; keep: the connection stays open. */
static void respond(struct px_worker *w, struct px_conn *c, int status, const char *reason,
		    const char *ctype, const char *extra, const char *body, size_t blen, int keep)
{
	if (!keep)
		c->close_after = 1;
	c->cout.len = c->cout.off = 0; /* nothing of another response was sent yet */
	if (buf_printf(&c->cout,
		       "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		       "Cache-Control: no-store\r\nVia: 1.1 ispshield\r\n%s%s\r\n",
		       status, reason, ctype, blen, extra ? extra : "",
		       c->close_after ? "Connection: close\r\n" : "") != 0 ||
	    buf_put(&c->cout, body, blen) != 0) {
		c->cout.len = 0;
		c->close_after = 1;
	}
	c->state = S_RESPOND;
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_idle_timeout * 1000;
}

static void respond_error(struct px_worker *w, struct px_conn *c, int status)
{
	const char *reason = "Bad Request", *msg = "ispshield: malformed request\n";

	switch (status) {
	case 403:
		reason = "Forbidden";
		msg = "ispshield: this proxy serves the ISP's subscribers only\n";
		break;
	case 408:
		reason = "Request Timeout";
		msg = "ispshield: the request head did not arrive in time\n";
		break;
	case 431:
		reason = "Request Header Fields Too Large";
		msg = "ispshield: request header fields too large\n";
		break;
	case 501:
		reason = "Not Implemented";
		msg = "ispshield: transfer coding or scheme not supported\n";
		break;
	case 502:
		reason = "Bad Gateway";
		msg = "ispshield: the site could not be reached\n";
		break;
	case 504:
		reason = "Gateway Timeout";
		msg = "ispshield: the site did not answer in time\n";
		break;
	case 505:
		reason = "HTTP Version Not Supported";
		msg = "ispshield: HTTP/1.0 and HTTP/1.1 only\n";
		break;
	default: break;
	}
	respond(w, c, status, reason, "text/plain; charset=utf-8", NULL, msg, strlen(msg), 0);
}

/* ---- events, metadata ---- */

static void record(struct px_worker *w, struct px_conn *c, const char *what, const char *list,
		   const char *entry, size_t elen, const char *reason)
{
	struct ev_block ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = time_wall_ms();
	ev.client = c->peer;
	snprintf(ev.qname, sizeof(ev.qname), "%s", what);
	snprintf(ev.list, sizeof(ev.list), "%s", list);
	snprintf(ev.entry, sizeof(ev.entry), "%.*s", (int)elen, entry);
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	if (evring_push(&w->ring, &ev) != 0)
		px_count(w, P_EVENTS_DROPPED);
}

/* The first blocking hit of r (NULL when nothing matched or an allow entry wins). */
static const char *blocking_list(const struct snap *s, const struct snap_result *r)
{
	struct snap_list_info li;
	int i;

	for (i = 0; i < r->n; i++)
		if (r->hits[i].allow)
			return NULL;
	if (r->n == 0)
		return NULL;
	snap_list(s, r->hits[0].list, &li);
	{
		static __thread char name[64];

		snprintf(name, sizeof(name), "%s", li.name);
		return name;
	}
}

/* ---- requests ---- */

/* Split an authority "host[:port]" / "[v6][:port]" into c->host and c->port. */
static int parse_authority(struct px_conn *c, const char *a, size_t n, uint16_t defport)
{
	const char *hs = a, *he, *colon = NULL;
	long port = defport;

	if (n == 0 || memchr(a, '@', n))
		return -1;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (!close)
			return -1;
		hs = a + 1;
		he = close;
		if (close + 1 < a + n) {
			if (close[1] != ':')
				return -1;
			colon = close + 1;
		}
	} else {
		colon = memchr(a, ':', n);
		he = colon ? colon : a + n;
	}
	if (colon) {
		const char *p = colon + 1;

		if (p == a + n || a + n - p > 5)
			return -1;
		port = 0;
		for (; p < a + n; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
	}
	if (he <= hs || (size_t)(he - hs) >= sizeof(c->host))
		return -1;
	memcpy(c->host, hs, (size_t)(he - hs));
	c->host[he - hs] = '\0';
	c->port = (uint16_t)port;
	return 0;
}

/* Start the upstream connection to c->host:c->port (reusing a kept one). */
static void start_upstream(struct px_worker *w, struct px_conn *c, int idx);

/* Refuse the upstream address c->upaddr when dest.h says so: 403 with the reason, and
 * the metric. Returns 1 when refused. */
static int dest_refused(struct px_worker *w, struct px_conn *c)
{
	enum pxd_verdict v = pxd_check(&w->srv->dest, (struct sockaddr *)&c->upaddr);
	char addr[64], msg[768];
	int n;

	if (v == PXD_OK)
		return 0;
	px_count(w, P_DEST_REFUSED);
	net_addr_text((struct sockaddr *)&c->upaddr, addr, sizeof(addr));
	n = snprintf(msg, sizeof(msg),
		     "ispshield: destination refused: %s (%s) is %s.\n"
		     "This proxy does not connect to internal, reserved or ISP infrastructure "
		     "addresses.\n",
		     c->host, addr, pxd_why(v));
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = (int)strlen(msg);
	respond(w, c, 403, "Forbidden", "text/plain; charset=utf-8", NULL, msg, (size_t)n, 0);
	return 1;
}

static void connect_now(struct px_worker *w, struct px_conn *c, int idx)
{
	struct epoll_event ev;
	int fd, one = 1;

	if (dest_refused(w, c))
		return;
	fd = socket(c->upaddr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		px_count(w, P_UPSTREAM_ERRORS);
		respond_error(w, c, 502);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&c->upaddr, c->upaddrlen) != 0 && errno != EINPROGRESS) {
		close(fd);
		px_count(w, P_UPSTREAM_ERRORS);
		respond_error(w, c, 502);
		return;
	}
	c->ufd = fd;
	c->umask = EPOLLOUT;
	ev.events = EPOLLOUT;
	ev.data.u64 = tag(TAG_UPSTREAM, c->gen, idx);
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	c->state = S_CONNECT;
	snprintf(c->up_key, sizeof(c->up_key), "%s:%u", c->host, c->port);
}

static void start_upstream(struct px_worker *w, struct px_conn *c, int idx)
{
	char key[300];
	struct sockaddr_in *in = (struct sockaddr_in *)&c->upaddr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c->upaddr;

	snprintf(key, sizeof(key), "%s:%u", c->host, c->port);
	if (c->ufd >= 0 && !c->is_connect && strcmp(key, c->up_key) == 0) {
		c->state = S_FORWARD; /* keep-alive upstream */
		return;
	}
	close_upstream(c);
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_connect_timeout * 1000;
	memset(&c->upaddr, 0, sizeof(c->upaddr));
	if (inet_pton(AF_INET, c->host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(c->port);
		c->upaddrlen = sizeof(*in);
		connect_now(w, c, idx);
		return;
	}
	if (inet_pton(AF_INET6, c->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(c->port);
		c->upaddrlen = sizeof(*in6);
		connect_now(w, c, idx);
		return;
	}
	if (px_resolve(w->srv, w->id, idx, c->gen, c->host, c->port) != 0) {
		respond_error(w, c, 502);
		return;
	}
	c->state = S_RESOLVE;
}

/* Write the request head for the upstream into uout. target: origin-form. */
static int build_request(struct px_worker *w, struct px_conn *c, const struct http_head *h,
			 const char *path, size_t plen, const char *authority, size_t alen)
{
	ssize_t k;

	(void)w;
	if (buf_printf(&c->uout, "%.*s %.*s HTTP/1.1\r\nHost: %.*s\r\n", (int)h->mlen, h->method,
		       (int)plen, path, (int)alen, authority) != 0)
		return -1;
	k = http_forward_fields(h, 1, 1, buf_tail(&c->uout), buf_space(&c->uout));
	if (k < 0)
		return -1;
	c->uout.len += (size_t)k;
	return buf_printf(&c->uout, "Via: 1.%d ispshield\r\n\r\n", h->minor);
}

/* Find and cut "[?&]ispshield-continue=TOKEN" at the end of target t[0..*n). Returns
 * the token (in t) and its length, or NULL. */
static const char *cut_token(const char *t, size_t *n, size_t *toklen)
{
	const char *q = memchr(t, '?', *n);
	const char *p;

	if (!q)
		return NULL;
	for (p = q; p && p < t + *n;) {
		const char *next = memchr(p + 1, '&', (size_t)(t + *n - p - 1));

		if ((size_t)(t + *n - p - 1) >= sizeof(TOKEN_PARAM) - 1 &&
		    memcmp(p + 1, TOKEN_PARAM, sizeof(TOKEN_PARAM) - 1) == 0 && !next) {
			const char *tok = p + sizeof(TOKEN_PARAM);

			*toklen = (size_t)(t + *n - tok);
			*n = (size_t)(p - t);
			return tok;
		}
		p = next;
	}
	return NULL;
}

/* Send the warning page of c->hit, with the store's metadata m (NULL: not known, the
 * list name only), and free the hit. */
static void render_hit(struct px_worker *w, struct px_conn *c, const struct px_meta *m)
{
	static __thread char page[PAGE_MAX];
	struct px_hit *hit = c->hit;
	struct page_info pi;
	size_t n;

	memset(&pi, 0, sizeof(pi));
	pi.ja = hit->ja;
	pi.url = hit->canon;
	pi.list = hit->list;
	if (m) {
		pi.source = m->source;
		pi.reference = m->reference;
		pi.category = m->category;
		pi.first_seen = m->first_seen;
	}
	pi.continue_url = hit->href;
	pi.isp = w->srv->cfg->notify_isp_name;
	pi.contact = w->srv->cfg->notify_contact;
	pi.token_problem = hit->token_problem;
	n = page_warning(&pi, page, sizeof(page));
	c->hit = NULL;
	free(hit->canon);
	free(hit->href);
	free(hit);
	respond(w, c, 403, "Forbidden", "text/html; charset=utf-8", "Vary: Accept-Language\r\n",
		page, n, c->req_body == B_NONE && !c->close_after);
}

/* A listed URL: make the continue link, then ask the meta thread for the list's
 * metadata and park the connection in S_META until it answers, or for at most
 * proxy.connect-timeout (the store is treated like an upstream); the store is never read
 * on this thread. */
static void warn_page(struct px_worker *w, struct px_conn *c, int idx, const struct http_head *h,
		      const char *list, const char *canon, size_t clen, const char *target,
		      size_t tlen, int token_problem)
{
	char tok[PTOKEN_MAX];
	size_t alen = 0, hlen = tlen + sizeof(TOKEN_PARAM) + PTOKEN_MAX + 2;
	const char *al = http_field_get(h, "accept-language", &alen);
	int64_t exp = wall_s() + w->srv->cfg->proxy_continue_ttl;
	int has_q = memchr(target, '?', tlen) != NULL;
	struct px_hit *hit = calloc(1, sizeof(*hit));

	if (hit)
		hit->canon = malloc(clen + 1);
	if (!hit || !hit->canon) {
		free(hit);
		respond_error(w, c, 502);
		return;
	}
	memcpy(hit->canon, canon, clen);
	hit->canon[clen] = '\0';
	snprintf(hit->list, sizeof(hit->list), "%s", list);
	hit->ja = page_prefer_ja(al, alen);
	hit->token_problem = token_problem;
	ptoken_make(w->srv->secret, w->srv->secretlen, c->peer_text, canon, clen, exp, tok);
	hit->href = malloc(hlen);
	if (hit->href)
		snprintf(hit->href, hlen, "%.*s%c%s%s", (int)tlen, target, has_q ? '&' : '?',
			 TOKEN_PARAM, tok);
	c->hit = hit;
	c->hit_seq++;
	if (px_meta_ask(w->srv, w->id, idx, c->gen, c->hit_seq, list, canon, clen) != 0) {
		render_hit(w, c, NULL);
		return;
	}
	c->state = S_META;
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_connect_timeout * 1000;
}

static void handle_connect(struct px_worker *w, struct px_conn *c, int idx,
			   const struct http_head *h, const struct served *sh, int optout)
{
	char name[DOMAIN_BUFSZ];
	struct snap_result r;
	const char *list;

	c->is_connect = 1;
	px_count(w, P_CONNECTS);
	if (parse_authority(c, h->target, h->tlen, 0) != 0 || c->port == 0) {
		px_count(w, P_BAD_REQUESTS);
		respond_error(w, c, 400);
		return;
	}
	if (!optout && domain_normalise(c->host, strlen(c->host), name, NULL) > 0 &&
	    snap_lookup_domain(sh->snap, name, strlen(name), &r) > 0 &&
	    (list = blocking_list(sh->snap, &r)) != NULL) {
		static __thread char text[2048];
		char entry[DOMAIN_BUFSZ + 2];
		size_t n;

		snprintf(entry, sizeof(entry), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen,
			 r.key);
		px_count(w, P_HITS_CONNECT);
		record(w, c, name, list, entry, strlen(entry), "connect");
		n = page_connect_refused(name, list, text, sizeof(text));
		respond(w, c, 403, "Forbidden", "text/plain; charset=utf-8", NULL, text, n, 0);
		return;
	}
	if (!pxd_port_ok(&w->srv->dest, c->port)) {
		static const char msg[] = "ispshield: CONNECT refused: this proxy tunnels only to "
					  "the HTTPS port (proxy.connect-ports)\n";

		px_count(w, P_PORT_REFUSED);
		respond(w, c, 403, "Forbidden", "text/plain; charset=utf-8", NULL, msg,
			sizeof(msg) - 1, 0);
		return;
	}
	c->req_done = 1;
	start_upstream(w, c, idx);
}

static void handle_walled(struct px_worker *w, struct px_conn *c, const struct http_head *h,
			  const struct served *sh)
{
	static __thread char page[PAGE_MAX];
	char name[DOMAIN_BUFSZ];
	struct snap_result r;
	const char *list = NULL, *hv;
	size_t hl = 0, alen = 0, n;
	const char *al = http_field_get(h, "accept-language", &alen);
	struct page_info pi;

	hv = http_field_get(h, "host", &hl);
	if (w->srv->walled && hv && parse_authority(c, hv, hl, 80) == 0 &&
	    domain_normalise(c->host, strlen(c->host), name, NULL) > 0 &&
	    snap_lookup_domain(sh->snap, name, strlen(name), &r) > 0)
		list = blocking_list(sh->snap, &r);
	if (!list) {
		static const char msg[] = "ispshield: this is a proxy; send absolute-form "
					  "requests (http://host/path)\n";

		px_count(w, P_BAD_REQUESTS);
		respond(w, c, 400, "Bad Request", "text/plain; charset=utf-8", NULL, msg,
			sizeof(msg) - 1, 0);
		return;
	}
	px_count(w, P_WALLED);
	memset(&pi, 0, sizeof(pi));
	pi.ja = page_prefer_ja(al, alen);
	pi.url = name;
	pi.list = list;
	pi.isp = w->srv->cfg->notify_isp_name;
	pi.contact = w->srv->cfg->notify_contact;
	n = page_walled(&pi, page, sizeof(page));
	/* the DNS service already recorded this block (cause C&C): nothing recorded here */
	respond(w, c, 403, "Forbidden", "text/html; charset=utf-8", "Vary: Accept-Language\r\n",
		page, n, c->req_body == B_NONE && !c->close_after);
}

/* A plain-HTTP request to a host in a domain list (a C&C name): the walled-garden
 * page, and a block event (reason "name", as the DNS service records the same name).
 * Returns 1 when it answered. */
static int host_listed(struct px_worker *w, struct px_conn *c, const struct http_head *h,
		       const struct served *sh)
{
	static __thread char page[PAGE_MAX];
	char name[DOMAIN_BUFSZ], entry[DOMAIN_BUFSZ + 2];
	struct snap_result r;
	struct page_info pi;
	const char *list, *al;
	size_t alen = 0, n;

	if (domain_normalise(c->host, strlen(c->host), name, NULL) <= 0 ||
	    snap_lookup_domain(sh->snap, name, strlen(name), &r) <= 0)
		return 0;
	list = blocking_list(sh->snap, &r);
	if (!list)
		return 0;
	snprintf(entry, sizeof(entry), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen, r.key);
	px_count(w, P_HITS_DOMAIN);
	record(w, c, name, list, entry, strlen(entry), "name");
	al = http_field_get(h, "accept-language", &alen);
	memset(&pi, 0, sizeof(pi));
	pi.ja = page_prefer_ja(al, alen);
	pi.url = name;
	pi.list = list;
	pi.isp = w->srv->cfg->notify_isp_name;
	pi.contact = w->srv->cfg->notify_contact;
	n = page_walled(&pi, page, sizeof(page));
	respond(w, c, 403, "Forbidden", "text/html; charset=utf-8", "Vary: Accept-Language\r\n",
		page, n, c->req_body == B_NONE && !c->close_after);
	return 1;
}

static void handle_request(struct px_worker *w, struct px_conn *c, int idx,
			   const struct http_head *h, const struct served *sh)
{
	static __thread char canon[URL_MAX + 1];
	const char *t = h->target, *auth, *path, *tok;
	size_t tlen = h->tlen, alen, plen, toklen = 0;
	int optout, clen;
	struct snap_result r;
	const char *list = NULL;

	px_count(w, P_REQUESTS);
	c->t_start = px_now_ms();
	c->close_after = h->conn_close;
	c->is_head = h->mlen == 4 && memcmp(h->method, "HEAD", 4) == 0;
	c->req_body = h->chunked ? B_CHUNKED : h->content_length > 0 ? B_LENGTH : B_NONE;
	c->req_remain = h->content_length > 0 ? h->content_length : 0;
	if (!prefixset_contains_sa(w->srv->subscribers, (struct sockaddr *)&c->peer)) {
		px_count(w, P_REFUSED_ACL);
		respond_error(w, c, 403);
		return;
	}
	optout = sh->optout && prefixset_contains_sa(sh->optout, (struct sockaddr *)&c->peer);
	if (optout)
		px_count(w, P_OPTOUT);
	if (h->mlen == 7 && memcmp(h->method, "CONNECT", 7) == 0) {
		handle_connect(w, c, idx, h, sh, optout);
		return;
	}
	if (tlen > 0 && t[0] == '/') {
		handle_walled(w, c, h, sh);
		return;
	}
	if (tlen < 8 || strncasecmp(t, "http://", 7) != 0) {
		px_count(w, P_BAD_REQUESTS);
		respond_error(w, c, tlen > 8 && strncasecmp(t, "https://", 8) == 0 ? 400 : 501);
		return;
	}
	auth = t + 7;
	alen = strcspn(auth, "/?# ");
	if (auth + alen > t + tlen)
		alen = (size_t)(t + tlen - auth);
	path = auth + alen;
	plen = (size_t)(t + tlen - path);
	if (parse_authority(c, auth, alen, 80) != 0) {
		px_count(w, P_BAD_REQUESTS);
		respond_error(w, c, 400);
		return;
	}
	tok = cut_token(t, &tlen, &toklen);
	if (tok)
		plen = (size_t)(t + tlen - path);
	clen = url_canonicalise(t, tlen, canon, sizeof(canon), NULL);
	if (clen <= 0) {
		px_count(w, P_BAD_REQUESTS);
		respond_error(w, c, 400);
		return;
	}
	if (!optout && snap_lookup_url(sh->snap, canon, (size_t)clen, &r) > 0)
		list = blocking_list(sh->snap, &r);
	if (list) {
		int tp = 0;

		if (tok) {
			tp = ptoken_check(w->srv->secret, w->srv->secretlen, c->peer_text, canon,
					  (size_t)clen, tok, toklen, wall_s());
			if (tp == PTOKEN_OK) {
				px_count(w, P_CONTINUES);
				list = NULL;
			} else {
				px_count(w, P_TOKENS_REFUSED);
				tp = tp == PTOKEN_EXPIRED ? 2 : 1;
			}
		}
		if (list) {
			px_count(w, P_HITS);
			record(w, c, canon, list, r.key, r.keylen, "url");
			warn_page(w, c, idx, h, list, canon, (size_t)clen, t, tlen, tp);
			return;
		}
	}
	if (!optout && host_listed(w, c, h, sh))
		return;
	if (plen == 0) {
		path = "/";
		plen = 1;
	}
	c->uout.len = c->uout.off = 0;
	if (build_request(w, c, h, path, plen, auth, alen) != 0) {
		px_count(w, P_TOO_LARGE);
		respond_error(w, c, 431);
		return;
	}
	if (c->req_body == B_NONE)
		c->req_done = 1;
	start_upstream(w, c, idx);
}

/* ---- relaying ---- */

/* Move request body bytes from cin to uout. */
static void relay_request_body(struct px_conn *c)
{
	while (!c->req_done && c->cin.len > 0) {
		size_t n = c->cin.len, space = buf_space(&c->uout);

		if (space == 0)
			return;
		if (n > space)
			n = space;
		if (c->req_body == B_LENGTH) {
			if ((int64_t)n > c->req_remain)
				n = (size_t)c->req_remain;
			c->req_remain -= (int64_t)n;
			if (c->req_remain == 0)
				c->req_done = 1;
		} else {
			int done = 0;
			ssize_t k = http_chunked_feed(&c->req_ch, c->cin.d + c->cin.off, n, &done);

			if (k < 0) {
				c->close_after = 1; /* the upstream sees a broken body and ends */
				c->req_done = 1;
				return;
			}
			n = (size_t)k;
			if (done)
				c->req_done = 1;
		}
		buf_put(&c->uout, c->cin.d + c->cin.off, n);
		buf_consume(&c->cin, n);
	}
}

/* Move response body bytes from uin to cout. */
static void relay_response_body(struct px_conn *c)
{
	while (c->resp == RS_BODY && c->uin.len > 0) {
		size_t n = c->uin.len, space = buf_space(&c->cout);

		if (space == 0)
			return;
		if (n > space)
			n = space;
		if (c->resp_body == B_LENGTH) {
			if ((int64_t)n > c->resp_remain)
				n = (size_t)c->resp_remain;
			c->resp_remain -= (int64_t)n;
			if (c->resp_remain == 0)
				c->resp = RS_DONE;
		} else if (c->resp_body == B_CHUNKED) {
			int done = 0;
			ssize_t k = http_chunked_feed(&c->resp_ch, c->uin.d + c->uin.off, n, &done);

			if (k < 0) {
				c->close_after = 1;
				c->up_keep = 0;
				c->resp = RS_DONE;
				return;
			}
			n = (size_t)k;
			if (done)
				c->resp = RS_DONE;
		}
		buf_put(&c->cout, c->uin.d + c->uin.off, n);
		buf_consume(&c->uin, n);
	}
	if (c->resp == RS_DONE && c->uin.len > 0)
		c->up_keep = 0; /* extra bytes after the response: do not reuse */
}

static void latency(struct px_worker *w, struct px_conn *c)
{
	uint64_t ms = px_now_ms() - c->t_start;
	int b = 0;

	while (b < PX_LAT_BUCKETS && (double)ms > px_lat_bounds[b])
		b++;
	atomic_fetch_add_explicit(&w->lat[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->lat_sum_us, ms * 1000, memory_order_relaxed);
}

/* Parse a response head in uin and write it, rewritten, into cout. */
static void response_head(struct px_worker *w, struct px_conn *c)
{
	struct http_head *h = malloc(sizeof(*h));
	const struct isp_config *cfg = w->srv->cfg;
	ssize_t k;
	int rc;

	if (!h) {
		c->close_after = 1;
		return;
	}
	while (c->resp == RS_HEAD && c->uin.len > 0) {
		rc = http_parse_response(c->uin.d + c->uin.off, c->uin.len, &c->uscan,
					 (size_t)cfg->proxy_max_header_bytes,
					 (size_t)cfg->proxy_max_headers, h);
		if (rc == HTTP_INCOMPLETE)
			break;
		if (rc < 0 || h->status == 101) {
			px_count(w, P_UPSTREAM_ERRORS);
			close_upstream(c);
			respond_error(w, c, 502);
			break;
		}
		if (buf_space(&c->cout) < h->head_len + 256)
			break; /* wait until the client has taken what came before */
		c->uscan = 0;
		if (h->status >= 100 && h->status < 200) {
			/* interim (100 Continue, 103): pass on, wait for the final one */
			buf_printf(&c->cout, "HTTP/1.1 %d %.*s\r\n\r\n", h->status, (int)h->rlen,
				   h->reason);
			buf_consume(&c->uin, h->head_len);
			continue;
		}
		c->up_keep = !h->conn_close;
		if (c->is_head || h->status == 204 || h->status == 304) {
			c->resp_body = B_NONE;
		} else if (h->chunked) {
			c->resp_body = B_CHUNKED;
		} else if (h->content_length >= 0) {
			c->resp_body = B_LENGTH;
			c->resp_remain = h->content_length;
		} else {
			c->resp_body = B_CLOSE;
			c->up_keep = 0;
			c->close_after = 1;
		}
		if (!c->req_done)
			c->close_after = 1; /* answered before the body was sent */
		buf_printf(&c->cout, "HTTP/1.1 %d %.*s\r\n", h->status, (int)h->rlen, h->reason);
		/* framing from the parsed values (a response with both Transfer-Encoding
		 * and Content-Length loses the Content-Length; HEAD and 304 keep theirs) */
		k = http_forward_fields(h, 0, h->status != 204 && c->resp_body != B_CLOSE,
					buf_tail(&c->cout), buf_space(&c->cout));
		if (k < 0) {
			px_count(w, P_UPSTREAM_ERRORS);
			close_upstream(c);
			respond_error(w, c, 502);
			break;
		}
		c->cout.len += (size_t)k;
		buf_printf(&c->cout, "Via: 1.%d ispshield\r\n%s\r\n", h->minor,
			   c->close_after ? "Connection: close\r\n" : "");
		buf_consume(&c->uin, h->head_len);
		c->resp_sent = 1;
		latency(w, c);
		c->resp = (c->resp_body == B_NONE ||
			   (c->resp_body == B_LENGTH && c->resp_remain == 0))
				  ? RS_DONE
				  : RS_BODY;
		c->deadline = px_now_ms() + (uint64_t)cfg->proxy_idle_timeout * 1000;
	}
	free(h);
}

/* ---- the pump ---- */

static int do_read(int fd, struct px_buf *b)
{
	size_t space = buf_space(b);
	ssize_t n;

	if (space == 0)
		return 0;
	n = read(fd, buf_tail(b), space);
	if (n > 0) {
		b->len += (size_t)n;
		return 1;
	}
	if (n == 0)
		return -1; /* EOF */
	return errno == EAGAIN || errno == EINTR ? 0 : -2;
}

static int do_write(int fd, struct px_buf *b)
{
	ssize_t n;

	if (b->len == 0 || fd < 0)
		return 0;
	n = send(fd, b->d + b->off, b->len, MSG_NOSIGNAL);
	if (n > 0) {
		buf_consume(b, (size_t)n);
		return 1;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -2;
}

static void parse_head(struct px_worker *w, struct px_conn *c, int idx, const struct served *sh)
{
	const struct isp_config *cfg = w->srv->cfg;
	static __thread struct http_head h;
	int rc;

	if (c->cin.len > 0 && !c->head_started) {
		c->head_started = 1;
		c->deadline = px_now_ms() + (uint64_t)cfg->proxy_header_timeout * 1000;
	}
	rc = http_parse_request(c->cin.d + c->cin.off, c->cin.len, &c->cscan,
				(size_t)cfg->proxy_max_header_bytes, (size_t)cfg->proxy_max_headers,
				&h);
	if (rc == HTTP_INCOMPLETE)
		return;
	if (rc < 0) {
		px_count(w, rc == HTTP_ETOOBIG ? P_TOO_LARGE : P_BAD_REQUESTS);
		c->cin.len = 0;
		respond_error(w, c, -rc);
		return;
	}
	if (c->uout.len > 0 || c->uin.len > 0)
		close_upstream(c); /* a kept upstream that spoke out of turn */
	c->uout.len = c->uout.off = 0;
	handle_request(w, c, idx, &h, sh);
	buf_consume(&c->cin, h.head_len);
	c->cscan = 0;
}

static void conn_pump(struct px_worker *w, int idx, const struct served *sh)
{
	struct px_conn *c = &w->conns[idx];
	const struct isp_config *cfg = w->srv->cfg;
	int progress, rounds = 0;

	do {
		int r;

		progress = 0;
		if (c->state == S_FREE)
			return;
		/* client -> */
		if (c->state == S_HEAD || (c->state == S_FORWARD && !c->req_done) ||
		    (c->state == S_TUNNEL && !c->client_eof)) {
			r = do_read(c->cfd, &c->cin);
			if (r > 0)
				progress = 1;
			if (r == -1 && c->state == S_TUNNEL) {
				c->client_eof = 1;
				progress = 1;
				if (c->ufd >= 0 && c->uout.len == 0)
					shutdown(c->ufd, SHUT_WR);
			} else if (r < 0) {
				conn_close(w, idx);
				return;
			}
		}
		if (c->state == S_HEAD && c->cin.len > 0) {
			size_t before = c->cin.len;

			parse_head(w, c, idx, sh);
			if (c->state != S_HEAD || c->cin.len != before)
				progress = 1;
			if (c->state == S_FREE)
				return;
		}
		if (c->state == S_FORWARD && !c->req_done)
			relay_request_body(c);
		if (c->state == S_TUNNEL && c->cin.len > 0) {
			size_t n = c->cin.len, space = buf_space(&c->uout);

			if (n > space)
				n = space;
			buf_put(&c->uout, c->cin.d + c->cin.off, n);
			buf_consume(&c->cin, n);
		}
		/* -> upstream */
		if (c->state == S_FORWARD || c->state == S_TUNNEL) {
			r = do_write(c->ufd, &c->uout);
			if (r > 0)
				progress = 1;
			if (r < 0) {
				if (c->state == S_FORWARD && !c->resp_sent) {
					px_count(w, P_UPSTREAM_ERRORS);
					close_upstream(c);
					respond_error(w, c, 502);
				} else {
					conn_close(w, idx);
					return;
				}
			}
			if (c->state == S_TUNNEL && c->client_eof && c->uout.len == 0 &&
			    c->ufd >= 0)
				shutdown(c->ufd, SHUT_WR);
		}
		/* upstream -> */
		if ((c->state == S_FORWARD && c->resp != RS_DONE) ||
		    (c->state == S_TUNNEL && !c->upstream_eof)) {
			r = do_read(c->ufd, &c->uin);
			if (r > 0) {
				progress = 1;
				if (c->state == S_TUNNEL || c->resp == RS_BODY)
					c->deadline = px_now_ms() +
						      (uint64_t)cfg->proxy_idle_timeout * 1000;
			} else if (r < 0) {
				if (c->state == S_TUNNEL) {
					c->upstream_eof = 1;
					progress = 1;
				} else if (c->resp == RS_BODY && c->resp_body == B_CLOSE) {
					c->resp = RS_DONE;
					close_upstream(c);
					progress = 1;
				} else if (!c->resp_sent) {
					px_count(w, P_UPSTREAM_ERRORS);
					close_upstream(c);
					respond_error(w, c, 502);
					progress = 1;
				} else {
					/* truncated body: the client must see the connection end */
					c->close_after = 1;
					c->resp = RS_DONE;
					close_upstream(c);
					progress = 1;
				}
			}
		}
		if (c->state == S_FORWARD && c->resp == RS_HEAD && c->uin.len > 0)
			response_head(w, c);
		if (c->state == S_FORWARD && c->resp == RS_BODY)
			relay_response_body(c);
		if (c->state == S_TUNNEL && c->uin.len > 0) {
			size_t n = c->uin.len, space = buf_space(&c->cout);

			if (n > space)
				n = space;
			buf_put(&c->cout, c->uin.d + c->uin.off, n);
			buf_consume(&c->uin, n);
		}
		/* -> client */
		r = do_write(c->cfd, &c->cout);
		if (r > 0) {
			progress = 1;
			if (c->state == S_TUNNEL || c->state == S_FORWARD)
				c->deadline =
					px_now_ms() + (uint64_t)cfg->proxy_idle_timeout * 1000;
		}
		if (r < 0) {
			conn_close(w, idx);
			return;
		}
		/* transitions */
		if (c->state == S_TUNNEL && c->upstream_eof && c->uin.len == 0 &&
		    c->cout.len == 0) {
			if (c->client_eof) {
				conn_close(w, idx);
				return;
			}
			shutdown(c->cfd, SHUT_WR);
		}
		if (c->state == S_FORWARD && c->resp == RS_DONE && c->req_done &&
		    c->cout.len == 0) {
			if (!c->up_keep)
				close_upstream(c);
			if (c->close_after) {
				conn_close(w, idx);
				return;
			}
			reset_request(w, c);
			progress = 1;
		}
		if (c->state == S_RESPOND && c->cout.len == 0) {
			if (c->close_after) {
				conn_close(w, idx);
				return;
			}
			reset_request(w, c);
			progress = 1;
		}
	} while (progress && ++rounds < 64);
	/* interests */
	{
		uint32_t cm = 0, um = 0;

		if (c->cout.len > 0)
			cm |= EPOLLOUT;
		if ((c->state == S_HEAD || (c->state == S_FORWARD && !c->req_done) ||
		     (c->state == S_TUNNEL && !c->client_eof)) &&
		    buf_space(&c->cin) > 0)
			cm |= EPOLLIN;
		if (c->ufd >= 0) {
			if (c->state == S_CONNECT || c->uout.len > 0)
				um |= EPOLLOUT;
			if (((c->state == S_FORWARD && c->resp != RS_DONE) ||
			     (c->state == S_TUNNEL && !c->upstream_eof)) &&
			    buf_space(&c->uin) > 0)
				um |= EPOLLIN;
			if (c->state == S_HEAD || c->state == S_RESPOND || c->state == S_META)
				um |= EPOLLIN; /* a kept upstream that closes */
		}
		set_mask(w, c, idx, 0, cm);
		set_mask(w, c, idx, 1, um);
	}
}

/* The upstream socket became writable while connecting. */
static void upstream_connected(struct px_worker *w, int idx)
{
	struct px_conn *c = &w->conns[idx];
	int e = 0;
	socklen_t el = sizeof(e);

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
		px_count(w, P_UPSTREAM_ERRORS);
		close_upstream(c);
		respond_error(w, c, 502);
		return;
	}
	if (c->is_connect) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n"
					 "Via: 1.1 ispshield\r\n\r\n";

		buf_put(&c->cout, ok, sizeof(ok) - 1);
		c->state = S_TUNNEL;
		c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_idle_timeout * 1000;
		latency(w, c);
		return;
	}
	c->state = S_FORWARD;
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_upstream_timeout * 1000;
}

static void resolver_answers(struct px_worker *w, const struct served *sh)
{
	struct px_lookup *l;
	struct px_metajob *mj;
	uint64_t v;

	(void)read(w->evfd, &v, sizeof(v));
	pthread_mutex_lock(&w->res_mu);
	l = w->res_head;
	w->res_head = NULL;
	mj = w->meta_head;
	w->meta_head = NULL;
	pthread_mutex_unlock(&w->res_mu);
	while (mj) {
		struct px_metajob *next = mj->next;
		struct px_conn *c = &w->conns[mj->conn];

		if (c->state == S_META && c->gen == mj->gen && c->hit_seq == mj->seq) {
			render_hit(w, c, &mj->m);
			conn_pump(w, mj->conn, sh);
		}
		px_metajob_free(mj);
		mj = next;
	}
	while (l) {
		struct px_lookup *next = l->next;
		struct px_conn *c = &w->conns[l->conn];

		if (c->state == S_RESOLVE && c->gen == l->gen) {
			if (l->n == 0) {
				px_count(w, P_UPSTREAM_ERRORS);
				respond_error(w, c, 502);
			} else {
				/* the first allowed address; none: the first, refused */
				int k = 0, j;

				for (j = 0; j < l->n; j++)
					if (pxd_check(&w->srv->dest,
						      (struct sockaddr *)&l->addr[j]) == PXD_OK) {
						k = j;
						break;
					}
				c->upaddr = l->addr[k];
				c->upaddrlen = l->addrlen[k];
				connect_now(w, c, l->conn);
			}
			conn_pump(w, l->conn, sh);
		}
		free(l);
		l = next;
	}
}

static void accept_all(struct px_worker *w, int lfd)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct px_conn *c;
		int idx, one = 1;

		if (fd < 0)
			return;
		if (!prefixset_contains_sa(w->srv->subscribers, (struct sockaddr *)&ss)) {
			/* not a subscriber: closed before it can hold a slot or send a byte */
			px_count(w, P_REFUSED_ACL);
			close(fd);
			continue;
		}
		if (w->nfree == 0) {
			px_count(w, P_CONN_REFUSED_FULL);
			close(fd);
			continue;
		}
		idx = w->free_list[--w->nfree];
		c = &w->conns[idx];
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((!c->cin.d && (buf_init(&c->cin, (size_t)w->srv->cfg->proxy_max_header_bytes +
							     PX_BUF) != 0 ||
				   buf_init(&c->cout, PX_BUF + PAGE_MAX) != 0 ||
				   buf_init(&c->uin, (size_t)w->srv->cfg->proxy_max_header_bytes +
							     PX_BUF) != 0 ||
				   buf_init(&c->uout, (size_t)w->srv->cfg->proxy_max_header_bytes +
							      PX_BUF + 1024) != 0))) {
			close(fd);
			w->free_list[w->nfree++] = idx;
			continue;
		}
		c->cfd = fd;
		c->ufd = -1;
		c->peer = ss;
		net_addr_text((struct sockaddr *)&ss, c->peer_text, sizeof(c->peer_text));
		c->cin.len = c->cout.len = c->uin.len = c->uout.len = 0;
		c->cin.off = c->cout.off = c->uin.off = c->uout.off = 0;
		c->close_after = c->client_eof = c->upstream_eof = 0;
		c->up_key[0] = '\0';
		c->up_keep = 0;
		reset_request(w, c);
		c->cmask = EPOLLIN;
		c->umask = 0;
		ev.events = EPOLLIN;
		ev.data.u64 = tag(TAG_CLIENT, c->gen, idx);
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void sweep(struct px_worker *w, const struct served *sh, uint64_t now)
{
	int i;

	for (i = 0; i < w->nconns_max; i++) {
		struct px_conn *c = &w->conns[i];

		if (c->state == S_FREE || now < c->deadline)
			continue;
		switch (c->state) {
		case S_HEAD:
			px_count(w, P_CLIENT_TIMEOUTS);
			if (c->head_started) {
				respond_error(w, c, 408);
				conn_pump(w, i, sh);
				if (c->state != S_FREE && c->gen == w->conns[i].gen)
					conn_close(w, i); /* a slow reader gets no second chance */
			} else {
				conn_close(w, i);
			}
			break;
		case S_META: /* the store is slow: the page without its metadata */
			render_hit(w, c, NULL);
			conn_pump(w, i, sh);
			break;
		case S_RESOLVE:
		case S_CONNECT:
			px_count(w, P_UPSTREAM_TIMEOUTS);
			close_upstream(c);
			respond_error(w, c, 504);
			conn_pump(w, i, sh);
			break;
		case S_FORWARD:
			if (!c->resp_sent) {
				px_count(w, P_UPSTREAM_TIMEOUTS);
				close_upstream(c);
				respond_error(w, c, 504);
				conn_pump(w, i, sh);
			} else {
				conn_close(w, i);
			}
			break;
		default: conn_close(w, i); break;
		}
	}
}

static int open_listeners(struct px_worker *w)
{
	struct px_server *srv = w->srv;
	int i, one = 1;

	for (i = 0; i < srv->nlisten; i++) {
		int fd = socket(srv->listen[i].ss_family,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct epoll_event ev;

		if (fd < 0)
			return -1;
		w->lfd[i] = fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (srv->listen[i].ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&srv->listen[i], srv->listenlen[i]) != 0 ||
		    listen(fd, 1024) != 0)
			return -1;
		ev.events = EPOLLIN;
		ev.data.u64 = tag(TAG_LISTEN, 0, i);
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct px_worker *w = arg;
	struct px_server *srv = w->srv;
	struct epoll_event evs[64];
	uint64_t next_sweep = px_now_ms() + SWEEP_MS;
	int i;

	while (!atomic_load(&srv->stop)) {
		const struct served *sh;
		uint64_t now;
		int n;

		atomic_store(&w->gate.idle, 1);
		n = epoll_wait(w->epfd, evs, 64, SWEEP_MS);
		atomic_store(&w->gate.idle, 0);
		sh = atomic_load(&srv->slot.cur);
		for (i = 0; i < n; i++) {
			uint64_t t = evs[i].data.u64;
			unsigned type = (unsigned)(t >> 56);
			uint32_t gen = (uint32_t)(t >> 32) & 0xffffff;
			int idx = (int)(uint32_t)t;

			if (type == TAG_LISTEN) {
				accept_all(w, w->lfd[idx]);
			} else if (type == TAG_RESOLVER) {
				resolver_answers(w, sh);
			} else if (idx >= 0 && idx < w->nconns_max) {
				struct px_conn *c = &w->conns[idx];

				if (c->state == S_FREE || (c->gen & 0xffffff) != gen)
					continue;
				if (type == TAG_CLIENT && (evs[i].events & (EPOLLHUP | EPOLLERR)) &&
				    (c->state == S_META || c->state == S_RESOLVE)) {
					conn_close(w,
						   idx); /* gone while we wait: nothing to send */
					continue;
				}
				if (type == TAG_UPSTREAM && c->state == S_CONNECT)
					upstream_connected(w, idx);
				else if (type == TAG_UPSTREAM &&
					 (c->state == S_HEAD || c->state == S_RESPOND ||
					  c->state == S_META) &&
					 c->ufd >= 0) {
					close_upstream(c); /* a kept upstream closed or spoke */
					c->umask = 0;
					continue;
				}
				conn_pump(w, idx, sh);
			}
		}
		now = px_now_ms();
		if (now >= next_sweep) {
			sweep(w, sh, now);
			next_sweep = now + SWEEP_MS;
		}
		atomic_fetch_add(&w->gate.quiescent, 1);
	}
	for (i = 0; i < w->nconns_max; i++) {
		struct px_conn *c = &w->conns[i];

		if (c->state != S_FREE)
			conn_close(w, i);
		free(c->cin.d);
		free(c->cout.d);
		free(c->uin.d);
		free(c->uout.d);
	}
	free(w->conns);
	free(w->free_list);
	w->conns = NULL;
	return NULL;
}

int px_worker_start(struct px_worker *w)
{
	struct epoll_event ev;
	int i;

	w->conns = calloc((size_t)w->nconns_max, sizeof(*w->conns));
	w->free_list = calloc((size_t)w->nconns_max, sizeof(*w->free_list));
	if (!w->conns || !w->free_list)
		return -1;
	for (i = 0; i < w->nconns_max; i++) {
		w->conns[i].cfd = w->conns[i].ufd = -1;
		w->free_list[i] = w->nconns_max - 1 - i;
	}
	w->nfree = w->nconns_max;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->evfd < 0 || open_listeners(w) != 0)
		return -1;
	ev.events = EPOLLIN;
	ev.data.u64 = tag(TAG_RESOLVER, 0, 0);
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) != 0)
		return -1;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	return 0;
}
