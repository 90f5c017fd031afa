/*
 * doh.c -- DNS over HTTPS (RFC 8484) for the DNS service: HTTP/2 through libnghttp2 and
 * HTTP/1.1, on a worker's TLS connection (tls.c; ALPN "h2" picks HTTP/2, anything else
 * HTTP/1.1).
 *
 * A request (GET with ?dns=, or POST application/dns-message, on dns.https-path) is read
 * by doh_request (doh_parse.c, the pure and fuzzed part) and goes into the same answer
 * path as a UDP or TCP query (dns_handle_query), with the connection's slot, generation
 * and HTTP/2 stream as its client: the answer comes back through dns_tcp_send, at once
 * (cache, block) or when the upstream answers. It goes out as 200 with Cache-Control
 * max-age = the answer's smallest TTL (dnsw_cache_ttl; 0 for answers that must not be
 * cached, such as SERVFAIL). A query the answer path drops without a word (malformed,
 * rate-limited, an RPZ drop) gets 400 at once, so that no stream waits forever.
 *
 * HTTP/2: up to DOH_MAX_STREAMS concurrent streams a connection, answered in any order;
 * each stream holds its request (bounded: DOH_MAX_TARGET, DOH_MAX_BODY) and, once
 * answered, a copy of the answer until nghttp2 has sent it (allocated per stream and
 * freed when the stream closes). HTTP/1.1: one request at a time in order (pipelined
 * requests wait in the read buffer), keep-alive unless the client says close.
 *
 * Memory of an idle HTTP/2 connection: nghttp2 allocates through our nghttp2_mem (h2_mem_*),
 * which gives each allocation of a page or more its own mapping (DOH_PAGED of them a
 * session; the rest, and anything beyond, from malloc). Those are the session's 16 KB frame
 * buffer and its 4 KB stream map (nghttp2 1.52 makes 256 buckets at once). When the
 * connection goes idle (dns_doh_idle, from the sweep through dns_tls_idle):
 * - the frame buffer's pages are given back (MADV_DONTNEED; they come back zeroed at the
 *   next frame written) once nothing is left to send (!nghttp2_session_want_write): nghttp2
 *   packs each outgoing frame into it and we copy it out at once (h2_pump calls
 *   nghttp2_session_mem_send until it returns 0), so then no byte in it is still needed;
 * - any other such page that holds only zeros is given back too (the stream map once its
 *   streams have closed), which changes nothing nghttp2 can read.
 * That is ~8 KB a connection (bench/dns/idle.sh). glibc would mmap the frame buffer too
 * (the worker's mmap threshold, server.c), but with its chunk header on the first page,
 * the one that is written: that page could not be given back. What stays is nghttp2's own
 * state, ~5.5 KB (the session 2.9 KB, two HPACK tables of 1 KB; docs/architecture.md).
 *
 * Re-entrancy: while this file is inside its own processing (reading, or inside
 * nghttp2's callbacks) an answer that comes back at once is only queued (d->in_proc);
 * the output is written, and a failed connection closed, once processing is over.
 */
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dns/dns_int.h"
#include "dns/doh_parse.h"

#define DOH_MAX_STREAMS 100 /* SETTINGS_MAX_CONCURRENT_STREAMS */
/* HPACK dynamic tables, bytes: what a client's encoder may fill with our decoder's memory
 * (SETTINGS_HEADER_TABLE_SIZE; GET paths are all different, so it fills up) and what our
 * encoder keeps (content-type and cache-control repeat). HTTP/2's 4096 each would be
 * ~8 KB per idle connection; these keep the common fields indexed. */
#define DOH_HPACK_IN  1024
#define DOH_HPACK_OUT 512
/* An allocation this large while the session is made is its frame buffer (nghttp2's
 * NGHTTP2_FRAMEBUF_CHUNKLEN, 16 KB + 10) */
#define DOH_FBUF_MIN 16384
/* nghttp2's allocations of a page or more that get their own mapping, a session at most
 * (the frame buffer, the stream map; the rest go to the heap) */
#define DOH_PAGED 4

struct doh_conn {
	struct dns_worker *w;
	int ci;
	nghttp2_session *h2;	    /* NULL until HTTP/2 is chosen */
	int mode;		    /* 0 = not decided yet, 1 = HTTP/1.1, 2 = HTTP/2 */
	int in_proc;		    /* inside our own processing: queue only (see the top) */
	int dead;		    /* failed inside processing: close when it is over */
	int eof;		    /* the client closed its side, nothing pending upstream */
	int h1_busy;		    /* HTTP/1.1: the current request is not answered yet */
	int h1_close;		    /* HTTP/1.1: close once the last response is written */
	int h1_last;		    /* HTTP/1.1: the request being answered asked to close */
	struct doh_stream *streams; /* HTTP/2: the open streams (nghttp2_session_del does not
				       call on_close, so they are freed from here) */
	/* nghttp2's allocations of a page or more, each its own mapping (h2_mem_*) */
	struct {
		void *p; /* NULL = free slot */
		size_t len;
	} paged[DOH_PAGED];
	void *fbuf; /* the one of them that is the frame buffer, or NULL */
	int h2_new; /* inside nghttp2_session_server_new3 */
};

/* One HTTP/2 stream (request, then answer). */
struct doh_stream {
	struct doh_stream *prev, *next; /* in doh_conn.streams */
	struct doh_req req;
	uint8_t body[DOH_MAX_BODY];
	size_t blen;
	int status; /* an error found while reading it (413, 414), else 0 */
	int answered;
	uint8_t *resp; /* the answer while nghttp2 sends it */
	size_t rlen, roff;
};

/* Hand query q of stream sid (0 over HTTP/1.1) to the answer path, as a client that is
 * this connection. Returns 1 when it went upstream (the answer comes later), else 0 (it
 * was answered at once, or dropped). */
static int query(struct doh_conn *d, int32_t sid, const uint8_t *q, size_t qlen)
{
	struct dns_worker *w = d->w;
	struct dns_tcp_conn *c = &w->conns[d->ci];
	uint32_t inflight = c->inflight;
	struct dns_client cl;

	memset(&cl, 0, sizeof(cl));
	cl.addr = c->addr;
	cl.addrlen = c->addrlen;
	cl.fd = -1;
	cl.conn = d->ci;
	cl.gen = c->gen;
	cl.stream = sid;
	dns_handle_query(w, atomic_load(&w->srv->slot.cur), q, qlen, &cl);
	return c->inflight != inflight;
}

/* Cache-Control max-age of answer msg (RFC 8484 section 5.1). */
static uint32_t max_age(const uint8_t *msg, size_t len)
{
	uint32_t ttl;

	return dnsw_cache_ttl(msg, len, &ttl) == 0 ? ttl : 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	default: return "HTTP Version Not Supported";
	}
}

/* ---- HTTP/2 ---- */

/* Write what nghttp2 has to send: 0, or -1 (the connection failed). */
static int h2_pump(struct doh_conn *d)
{
	for (;;) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(d->h2, &data);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (dns_conn_queue(d->w, d->ci, data, (size_t)n) != 0)
			return -1;
	}
	if (dns_tcp_flush(d->w, d->ci) != 0)
		return -1;
	if (!nghttp2_session_want_read(d->h2) && !nghttp2_session_want_write(d->h2) &&
	    d->w->conns[d->ci].wlen == 0)
		return -1; /* GOAWAY both ways: done */
	return 0;
}

static ssize_t h2_read(nghttp2_session *session, int32_t sid, uint8_t *buf, size_t length,
		       uint32_t *flags, nghttp2_data_source *source, void *ud)
{
	struct doh_stream *s = source->ptr;
	size_t n = s->rlen - s->roff;

	(void)session, (void)sid, (void)ud;
	if (n > length)
		n = length;
	memcpy(buf, s->resp + s->roff, n);
	s->roff += n;
	if (s->roff == s->rlen)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* Answer stream sid with status and, for 200, the DNS message msg. */
static void h2_respond(struct doh_conn *d, int32_t sid, struct doh_stream *s, int status,
		       const uint8_t *msg, size_t len)
{
	char st[8], cl[24], cc[32];
	nghttp2_nv nv[4];
	nghttp2_data_provider prd;
	size_t nnv = 0;

#define NV(n, v)                                                                                   \
	(nv[nnv].name = (uint8_t *)(n), nv[nnv].namelen = strlen(n),                               \
	 nv[nnv].value = (uint8_t *)(v), nv[nnv].valuelen = strlen(v),                             \
	 nv[nnv].flags = NGHTTP2_NV_FLAG_NONE, nnv++)
	s->answered = 1;
	snprintf(st, sizeof(st), "%d", status);
	NV(":status", st);
	if (status == 200 && len > 0) { /* an answer; else an empty error response */
		s->resp = malloc(len);
		if (!s->resp) {
			nghttp2_submit_rst_stream(d->h2, NGHTTP2_FLAG_NONE, sid,
						  NGHTTP2_INTERNAL_ERROR);
			return;
		}
		memcpy(s->resp, msg, len);
		s->rlen = len;
		snprintf(cl, sizeof(cl), "%zu", len);
		snprintf(cc, sizeof(cc), "max-age=%u", max_age(msg, len));
		NV("content-type", "application/dns-message");
		NV("content-length", cl);
		NV("cache-control", cc);
		prd.source.ptr = s;
		prd.read_callback = h2_read;
		nghttp2_submit_response(d->h2, sid, nv, nnv, &prd);
	} else {
		NV("content-length", "0");
		nghttp2_submit_response(d->h2, sid, nv, nnv, NULL);
	}
#undef NV
}

/* A whole request on stream sid: into the answer path, or answered with its error. */
static void h2_request(struct doh_conn *d, int32_t sid, struct doh_stream *s)
{
	struct dns_worker *w = d->w;
	struct dns_tcp_conn *c = &w->conns[d->ci];
	uint8_t q[DOH_MAX_BODY];
	size_t qlen;
	int rc = s->status;

	c->last_ms = dns_now_ms();
	if (!rc)
		rc = doh_request(&s->req, w->srv->cfg->dns_https_path, s->body, s->blen, q,
				 sizeof(q), &qlen);
	if (rc) {
		h2_respond(d, sid, s, rc, NULL, 0);
		return;
	}
	if (!query(d, sid, q, qlen) && !s->answered)
		h2_respond(d, sid, s, 400, NULL, 0); /* dropped by the answer path */
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *ud)
{
	struct doh_conn *d = ud;
	struct doh_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* the stream is reset */
	s->req.clen = -1;
	s->next = d->streams;
	if (d->streams)
		d->streams->prev = s;
	d->streams = s;
	nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, s);
	return 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
		     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct doh_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	int rc;

	(void)flags, (void)ud;
	if (!s || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	rc = doh_req_header(&s->req, (const char *)name, nl, (const char *)value, vl);
	if (rc && !s->status)
		s->status = rc;
	return 0;
}

static int on_data(nghttp2_session *session, uint8_t flags, int32_t sid, const uint8_t *data,
		   size_t len, void *ud)
{
	struct doh_stream *s = nghttp2_session_get_stream_user_data(session, sid);

	(void)flags, (void)ud;
	if (!s)
		return 0;
	if (s->blen + len > DOH_MAX_BODY) {
		s->status = 413;
		return 0;
	}
	memcpy(s->body + s->blen, data, len);
	s->blen += len;
	return 0;
}

static int on_frame(nghttp2_session *session, const nghttp2_frame *frame, void *ud)
{
	struct doh_stream *s;

	if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
	    !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (s && !s->answered)
		h2_request(ud, frame->hd.stream_id, s);
	return 0;
}

static void stream_free(struct doh_conn *d, struct doh_stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		d->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s->resp);
	free(s);
}

static int on_close(nghttp2_session *session, int32_t sid, uint32_t code, void *ud)
{
	struct doh_stream *s = nghttp2_session_get_stream_user_data(session, sid);

	(void)code;
	if (s) {
		nghttp2_session_set_stream_user_data(session, sid, NULL);
		stream_free(ud, s);
	}
	return 0;
}

/* ---- nghttp2's memory (see the top) ---- */

/* The page size, asked of the system once (nghttp2 allocates per header and stream). */
static long page_size(void)
{
	static _Atomic long page;
	long v = atomic_load_explicit(&page, memory_order_relaxed);

	if (v <= 0) {
		v = sysconf(_SC_PAGESIZE);
		atomic_store_explicit(&page, v, memory_order_relaxed);
	}
	return v;
}

/* Give back the pages of mapping [p, p + len) that hold only zeros (MADV_DONTNEED: they read
 * as zeros again, and are made afresh when written), so nothing nghttp2 can see changes.
 * Only the connection's worker thread touches them. */
static void zero_pages_back(void *p, size_t len)
{
	long page = page_size();
	size_t off;

	for (off = 0; page > 0 && off + (size_t)page <= len; off += (size_t)page) {
		const uint64_t *q = (const uint64_t *)((uint8_t *)p + off);
		size_t i, words = (size_t)page / sizeof(*q);

		for (i = 0; i < words && q[i] == 0; i++)
			;
		if (i == words)
			(void)madvise((uint8_t *)p + off, (size_t)page, MADV_DONTNEED);
	}
}

/* A new mapping of size bytes (whole pages, zeroed) in a free slot of d->paged, or NULL
 * (no slot, or mmap refused: the caller takes the heap). */
static void *paged_new(struct doh_conn *d, size_t size)
{
	long page = page_size();
	size_t len;
	void *p;
	int i;

	if (page <= 0)
		return NULL;
	for (i = 0; i < DOH_PAGED && d->paged[i].p; i++)
		;
	if (i == DOH_PAGED)
		return NULL;
	len = (size + (size_t)page - 1) & ~((size_t)page - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	d->paged[i].p = p;
	d->paged[i].len = len;
	return p;
}

/* The slot of d->paged that holds p, or -1 (a heap block). */
static int paged_find(const struct doh_conn *d, const void *p)
{
	int i;

	for (i = 0; p && i < DOH_PAGED; i++)
		if (d->paged[i].p == p)
			return i;
	return -1;
}

static void *h2_mem_malloc(size_t size, void *ud)
{
	struct doh_conn *d = ud;
	long page = page_size();
	void *p = size >= (size_t)page ? paged_new(d, size) : NULL;

	if (!p)
		return malloc(size);
	if (d->h2_new && !d->fbuf && size >= DOH_FBUF_MIN)
		d->fbuf = p;
	return p;
}

static void h2_mem_free(void *ptr, void *ud)
{
	struct doh_conn *d = ud;
	int i = paged_find(d, ptr);

	if (i < 0) {
		free(ptr);
		return;
	}
	munmap(d->paged[i].p, d->paged[i].len);
	if (d->fbuf == ptr)
		d->fbuf = NULL;
	d->paged[i].p = NULL;
	d->paged[i].len = 0;
}

static void *h2_mem_calloc(size_t nmemb, size_t size, void *ud)
{
	struct doh_conn *d = ud;
	long page = page_size();
	void *p = NULL;
	size_t total;

	if (!__builtin_mul_overflow(nmemb, size, &total) && total >= (size_t)page)
		p = paged_new(d, total); /* zeroed by the kernel */
	return p ? p : calloc(nmemb, size);
}

static void *h2_mem_realloc(void *ptr, size_t size, void *ud)
{
	struct doh_conn *d = ud;
	int i = paged_find(d, ptr);
	void *p;

	if (!ptr) /* nghttp2_buf_reserve makes its buffers so */
		return h2_mem_malloc(size, d);
	if (i < 0)
		return realloc(ptr, size);
	if (size <= d->paged[i].len)
		return ptr;
	p = malloc(size); /* grown: to the heap (nghttp2 does not grow these) */
	if (!p)
		return NULL;
	memcpy(p, ptr, d->paged[i].len);
	h2_mem_free(ptr, d);
	return p;
}

static int h2_start(struct doh_conn *d)
{
	nghttp2_mem mem = { d, h2_mem_malloc, h2_mem_free, h2_mem_calloc, h2_mem_realloc };
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, DOH_MAX_STREAMS },
		{ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, DOH_HPACK_IN },
	};
	int rc;

	if (nghttp2_option_new(&opt) != 0)
		return -1;
	nghttp2_option_set_no_closed_streams(opt, 1); /* no priority tree to keep them for */
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, DOH_HPACK_OUT);
	if (nghttp2_session_callbacks_new(&cb) != 0) {
		nghttp2_option_del(opt);
		return -1;
	}
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	d->h2_new = 1; /* the session keeps a copy of mem */
	rc = nghttp2_session_server_new3(&d->h2, cb, d, opt, &mem);
	d->h2_new = 0;
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	if (rc != 0)
		return -1;
	return nghttp2_submit_settings(d->h2, NGHTTP2_FLAG_NONE, set, 2) == 0 ? 0 : -1;
}

/* ---- HTTP/1.1 ---- */

/* Queue a response: status, and for 200 the DNS message. */
static void h1_respond(struct doh_conn *d, int status, const uint8_t *msg, size_t len)
{
	char head[256];
	int n;

	if (status != 200)
		d->h1_close = 1; /* after an error, the rest of the stream cannot be trusted */
	if (d->h1_last)
		d->h1_close = 1;
	if (status == 200)
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 200 OK\r\nContent-Type: application/dns-message\r\n"
			     "Content-Length: %zu\r\nCache-Control: max-age=%u\r\n%s\r\n",
			     len, max_age(msg, len), d->h1_close ? "Connection: close\r\n" : "");
	else
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			     status, reason(status));
	if (dns_conn_queue(d->w, d->ci, (const uint8_t *)head, (size_t)n) != 0 ||
	    (status == 200 && dns_conn_queue(d->w, d->ci, msg, len) != 0))
		d->dead = 1;
	d->h1_busy = 0;
}

/* Serve the requests waiting in the read buffer, one at a time. */
static void h1_process(struct doh_conn *d)
{
	struct dns_worker *w = d->w;
	struct dns_tcp_conn *c = &w->conns[d->ci];

	while (!d->h1_busy && !d->dead && !d->h1_close && c->rlen > 0) {
		struct doh_req r;
		uint8_t q[DOH_MAX_BODY];
		size_t off, qlen, body, used;
		int hl = doh_parse_head(c->rbuf, c->rlen, &r, &off), rc;

		if (hl == 0)
			break;
		if (hl < 0) {
			h1_respond(d, -hl, NULL, 0);
			break;
		}
		body = r.clen > 0 ? (size_t)r.clen : 0;
		if (r.chunked || body > DOH_MAX_BODY) {
			h1_respond(d, r.chunked ? 501 : 413, NULL, 0);
			break;
		}
		if (c->rlen < (size_t)hl + body)
			break;
		rc = doh_request(&r, w->srv->cfg->dns_https_path, c->rbuf + hl, body, q, sizeof(q),
				 &qlen);
		used = (size_t)hl + body;
		memmove(c->rbuf, c->rbuf + used, c->rlen - used);
		c->rlen -= used;
		c->last_ms = dns_now_ms();
		c->msg_deadline_ms = c->rlen > 0 ? c->last_ms + DNS_TCP_MSG_MS : 0;
		d->h1_last = r.close;
		if (rc) {
			h1_respond(d, rc, NULL, 0);
			continue;
		}
		d->h1_busy = 1;
		if (!query(d, 0, q, qlen) && d->h1_busy)
			h1_respond(d, 400, NULL, 0); /* dropped by the answer path */
	}
}

/* ---- the connection ---- */

/* After processing: write what is queued, close what failed or is done. */
static void settle(struct doh_conn *d)
{
	struct dns_tcp_conn *c = &d->w->conns[d->ci];

	if (!d->dead && d->h2 && h2_pump(d) != 0)
		d->dead = 1;
	if (!d->dead && !d->h2 && dns_tcp_flush(d->w, d->ci) != 0)
		d->dead = 1;
	if (d->dead || (d->eof && c->wlen == 0) || (d->h1_close && !d->h1_busy && c->wlen == 0))
		dns_tcp_close(d->w, d->ci);
}

void dns_doh_event(struct dns_worker *w, int ci, uint32_t events)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	struct doh_conn *d = c->doh;
	int closed = 0;

	if ((events & EPOLLOUT) && dns_tcp_flush(w, ci) != 0) {
		dns_tcp_close(w, ci);
		return;
	}
	if (!d) {
		d = c->doh = calloc(1, sizeof(*d));
		if (!d) {
			dns_tcp_close(w, ci);
			return;
		}
		d->w = w;
		d->ci = ci;
	}
	d->in_proc = 1;
	for (;;) {
		size_t room = 2 + 65535 - c->rlen;
		ssize_t n;

		if (room == 0) { /* HTTP/1.1 requests piled up unanswered: not a client */
			d->dead = 1;
			break;
		}
		n = dns_tls_recv(w, ci, c->rbuf + c->rlen, room);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			closed = 1;
			break;
		}
		if (d->mode == 0) {
			char alpn[16];

			d->mode = strcmp(dns_tls_alpn(c, alpn, sizeof(alpn)), "h2") == 0 ? 2 : 1;
			if (d->mode == 2 && h2_start(d) != 0) {
				d->dead = 1;
				break;
			}
		}
		if (d->h2) {
			if (nghttp2_session_mem_recv(d->h2, c->rbuf, (size_t)n) < 0)
				d->dead = 1; /* a protocol error: nghttp2 queued a GOAWAY */
		} else {
			if (c->rlen == 0)
				c->msg_deadline_ms = dns_now_ms() + DNS_TCP_MSG_MS;
			c->rlen += (size_t)n;
			h1_process(d);
		}
		if (d->dead)
			break;
	}
	d->in_proc = 0;
	if (closed && c->inflight == 0)
		d->eof = 1; /* the client is done: close once what is queued is written */
	else if (closed)
		c->last_ms = 0; /* answers still upstream: the sweep ends it once they are in */
	if (closed) {		/* no more reading (dns_tcp_conn.rd_closed) */
		c->rd_closed = 1;
		dns_tcp_want_write(w, ci, c->wlen > 0);
	}
	settle(d);
}

void dns_doh_send(struct dns_worker *w, const struct dns_client *cl, const uint8_t *msg, size_t len)
{
	struct doh_conn *d = w->conns[cl->conn].doh;

	if (!d)
		return;
	if (d->h2) {
		struct doh_stream *s = nghttp2_session_get_stream_user_data(d->h2, cl->stream);

		if (!s || s->answered)
			return; /* the stream was reset meanwhile */
		h2_respond(d, cl->stream, s, 200, msg, len);
	} else {
		if (!d->h1_busy)
			return;
		h1_respond(d, 200, msg, len);
	}
	if (d->in_proc)
		return;
	if (!d->h2 && !d->dead) { /* the next pipelined request, if any */
		d->in_proc = 1;
		h1_process(d);
		d->in_proc = 0;
	}
	settle(d);
}

void dns_doh_idle(struct dns_tcp_conn *c)
{
	struct doh_conn *d = c->doh;
	int i;

	if (!d || !d->h2)
		return;
	for (i = 0; i < DOH_PAGED; i++) {
		if (!d->paged[i].p)
			continue;
		/* the frame buffer, nothing half sent: no byte in it is still needed */
		if (d->paged[i].p == d->fbuf && !nghttp2_session_want_write(d->h2))
			(void)madvise(d->fbuf, d->paged[i].len, MADV_DONTNEED);
		else if (d->paged[i].p != d->fbuf)
			zero_pages_back(d->paged[i].p, d->paged[i].len);
	}
}

void dns_doh_free(struct dns_tcp_conn *c)
{
	struct doh_stream *s, *next;

	if (!c->doh)
		return;
	if (c->doh->h2)
		nghttp2_session_del(c->doh->h2);
	for (s = c->doh->streams; s; s = next) { /* the whole list goes: no unlinking */
		next = s->next;
		free(s->resp);
		free(s);
	}
	free(c->doh);
	c->doh = NULL;
}
