/*
 * upstream.c -- the DNS worker's path to its upstream servers (see dns_int.h).
 *
 * A query that is forwarded gets a slot in the worker's pending table, a fresh random
 * ID (libsodium's CSPRNG) and, with dns.upstream-0x20, its name's letters in random
 * case; it is rebuilt from its question and sent on a connected UDP socket of its own
 * (a random source port). An answer is taken only on that socket, with that ID and the
 * question echoed exactly (dns_upstream_match); what the answer means for the client
 * (blocking, caching) is decided in worker.c. Timeouts retry the next live upstream,
 * then answer SERVFAIL; an upstream with 3 timeouts in a row is skipped but for one
 * probe every 5 seconds.
 *
 * Everything here runs on the worker's own thread and touches only its struct
 * dns_worker, except the upstreams' health (dns_server.up_down, up_retry_ms), which the
 * workers share through relaxed atomics.
 */
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "core/net/prefixset.h"
#include "dns/dns_int.h"

/* n bytes from the CSPRNG (libsodium's randombytes_buf, i.e. getrandom), taken from a
 * per-worker buffer refilled 512 bytes at a time: query IDs and 0x20 case bits must be
 * unguessable to an off-path attacker (an ID from a small-state generator such as
 * xorshift can be predicted from a few observed ones), and one system call per ~250
 * queries keeps that off the hot path. */
static void rnd_bytes(struct dns_worker *w, void *out, size_t n)
{
	uint8_t *o = out;

	while (n > 0) {
		size_t k;

		if (w->rnd_pos >= sizeof(w->rnd)) {
			randombytes_buf(w->rnd, sizeof(w->rnd));
			w->rnd_pos = 0;
		}
		k = sizeof(w->rnd) - w->rnd_pos;
		if (k > n)
			k = n;
		memcpy(o, w->rnd + w->rnd_pos, k);
		sodium_memzero(w->rnd + w->rnd_pos, k); /* used once */
		w->rnd_pos += k;
		o += k;
		n -= k;
	}
}

static uint32_t rnd32(struct dns_worker *w)
{
	uint32_t v;

	rnd_bytes(w, &v, sizeof(v));
	return v;
}

static struct dns_pending *pending_new(struct dns_worker *w)
{
	uint32_t i, start = rnd32(w) % DNS_MAX_INFLIGHT;
	struct dns_pending *p;
	uint16_t id;

	if (w->inflight >= DNS_MAX_INFLIGHT)
		return NULL;
	for (i = 0; i < DNS_MAX_INFLIGHT; i++) {
		p = &w->pending[(start + i) % DNS_MAX_INFLIGHT];
		if (!p->used)
			break;
	}
	if (i == DNS_MAX_INFLIGHT)
		return NULL;
	do
		rnd_bytes(w, &id, sizeof(id));
	while (w->by_id[id]);
	memset(p, 0, offsetof(struct dns_pending, query));
	p->used = 1;
	p->sock = -1;
	p->up_id = id;
	w->by_id[id] = (uint16_t)((start + i) % DNS_MAX_INFLIGHT + 1);
	w->inflight++;
	return p;
}

/* Take p off its upstream socket, closing the socket when no other query uses it (a
 * late answer then finds the port closed). */
static void upsock_release(struct dns_worker *w, struct dns_pending *p)
{
	struct dns_upsock *s;

	if (p->sock < 0)
		return;
	s = &w->upsock[p->sock];
	if (s->refs > 0 && --s->refs == 0) {
		close(s->fd); /* also leaves the epoll set */
		s->fd = -1;
		w->upsock_free[w->nupsock_free++] = (uint16_t)p->sock;
	}
	p->sock = -1;
}

/* A socket for one query to upstream u: a new one, connected to u (the kernel binds it
 * to a random ephemeral port, and drops datagrams from any other source), or, when
 * DNS_UP_SOCKS are open, one of them already connected to u, picked at random. Returns
 * its index, or -1. */
static int upsock_get(struct dns_worker *w, int u)
{
	const struct dns_upstream *up = &w->srv->up[u];
	struct epoll_event ev;
	int i, fd, start;

	if (w->nupsock_free > 0) {
		fd = socket(up->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto share;
		if (connect(fd, (const struct sockaddr *)&up->addr, up->addrlen) != 0) {
			close(fd);
			goto share;
		}
		i = w->upsock_free[--w->nupsock_free];
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)(DNS_TAG_UP + i);
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			w->nupsock_free++;
			goto share;
		}
		w->upsock[i].fd = fd;
		w->upsock[i].refs = 1;
		w->upsock[i].upstream = (uint8_t)u;
		return i;
	}
share:
	dns_count(w, C_UPSTREAM_SOCKET);
	start = (int)(rnd32(w) % DNS_UP_SOCKS);
	for (i = 0; i < DNS_UP_SOCKS; i++) {
		struct dns_upsock *s = &w->upsock[(start + i) % DNS_UP_SOCKS];

		if (s->fd >= 0 && s->upstream == u) {
			s->refs++;
			return (start + i) % DNS_UP_SOCKS;
		}
	}
	return -1;
}

void dns_pending_free(struct dns_worker *w, struct dns_pending *p)
{
	upsock_release(w, p);
	if (p->uptcp >= 0)
		dns_uptcp_abort(w, p->uptcp);
	if (p->client.conn >= 0)
		dns_tcp_done(w, &p->client);
	w->by_id[p->up_id] = 0;
	p->used = 0;
	w->inflight--;
}

/* Send p's query to the next live upstream (round robin from the last one). An upstream
 * with 3 timeouts in a row is skipped, except for one probe query every 5 seconds
 * (half-open), which brings it back when it answers. */
static int send_upstream(struct dns_worker *w, struct dns_pending *p)
{
	struct dns_server *srv = w->srv;
	uint64_t now = dns_now_ms();
	int i, u = -1;

	for (i = 1; i <= srv->nup; i++) {
		int c = (p->upstream + i) % srv->nup;
		uint64_t at = atomic_load_explicit(&srv->up_retry_ms[c], memory_order_relaxed);

		if (atomic_load_explicit(&srv->up_down[c], memory_order_relaxed) < 3) {
			u = c;
			break;
		}
		if (now >= at &&
		    atomic_compare_exchange_strong(&srv->up_retry_ms[c], &at, now + 5000)) {
			u = c; /* the probe */
			break;
		}
	}
	if (u < 0) /* all down: keep trying in turn rather than fail without asking */
		u = (p->upstream + 1) % srv->nup;
	p->upstream = (uint8_t)u;
	p->sent_ms = now;
	p->tries++;
	dns_count(w, C_UPSTREAM_SENT);
	/* every attempt from a fresh port: the previous one's port is closed */
	upsock_release(w, p);
	p->sock = upsock_get(w, u);
	if (p->sock < 0)
		return -1;
	if (send(w->upsock[p->sock].fd, p->query, p->query_len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -1;
	return 0;
}

/* Randomise the case of the letters of qname (wire form), one CSPRNG bit each (DNS
 * 0x20, draft-vixie-dnsext-dns0x20): up to one more bit of entropy per letter that a
 * spoofed answer must guess. */
static void mix_case(struct dns_worker *w, uint8_t *qname, size_t len)
{
	uint8_t bits[DNSW_MAX_NAME / 8 + 1] = { 0 };
	size_t i = 0, k = 0;

	rnd_bytes(w, bits, (len + 7) / 8);
	while (i < len && qname[i] != 0) {
		size_t end = i + 1 + qname[i];

		for (i++; i < end && i < len; i++, k++) {
			uint8_t c = qname[i] | 0x20;

			if (c >= 'a' && c <= 'z')
				qname[i] = (bits[k / 8] >> (k % 8)) & 1 ? (uint8_t)(c & ~0x20) : c;
		}
	}
}

int dns_forward(struct dns_worker *w, const struct dns_client *client, const struct dnsw_query *q,
		int optout, int profile)
{
	struct dns_pending *p;
	uint8_t qname[DNSW_MAX_NAME];
	int n;

	p = pending_new(w);
	if (!p) {
		dns_count(w, C_INFLIGHT_FULL);
		return -1;
	}
	p->client_id = q->id;
	p->client = *client;
	p->uptcp = -1;
	if (client->conn >= 0)
		w->conns[client->conn].inflight++;
	p->udp_size = q->udp_size;
	p->optout = (uint8_t)optout;
	p->profile = (int8_t)profile;
	p->q = *q;
	/* The query is written anew, not copied: only the question, the RD/AD/CD bits and
	 * an OPT of our own (DNS_UP_EDNS, DO, no options) go upstream, so that nothing a
	 * client put in its query (a COOKIE, padding, odd sections) reaches the upstream or,
	 * through its answer, the cache. The name goes with its letters' case randomised
	 * (0x20, dns.upstream-0x20): an answer must echo it exactly. */
	memcpy(qname, q->qname, q->qname_len);
	if (w->srv->qname_0x20)
		mix_case(w, qname, q->qname_len);
	n = dnsw_build_query(p->up_id, q->flags, qname, q->qname_len, q->qtype, q->qclass,
			     q->has_edns ? DNS_UP_EDNS : 0, q->edns_do, p->query, sizeof(p->query));
	if (n < 0) { /* cannot happen for a parsed query: its name fits */
		dns_pending_free(w, p);
		return -1;
	}
	p->query_len = (uint16_t)n;
	p->upstream = (uint8_t)(rnd32(w) % (uint32_t)w->srv->nup);
	if (send_upstream(w, p) != 0 && p->sock < 0) {
		dns_pending_free(w, p);
		return -1;
	}
	return 0;
}

static void observe_latency(struct dns_worker *w, uint64_t ms)
{
	int b;

	for (b = 0; b < DNS_LAT_BUCKETS; b++)
		if ((double)ms <= dns_lat_bounds[b])
			break;
	atomic_fetch_add_explicit(&w->lat[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->lat_sum_us, ms * 1000, memory_order_relaxed);
}

void dns_upstream_timeouts(struct dns_worker *w, uint64_t now)
{
	struct dns_server *srv = w->srv;
	uint64_t timeout = (uint64_t)srv->cfg->dns_timeout_ms;
	uint32_t i;

	if (w->inflight == 0)
		return;
	for (i = 0; i < DNS_MAX_INFLIGHT; i++) {
		struct dns_pending *p = &w->pending[i];

		if (!p->used || now - p->sent_ms < timeout)
			continue;
		dns_count(w, C_UPSTREAM_TIMEOUTS);
		if (atomic_fetch_add_explicit(&srv->up_down[p->upstream], 1,
					      memory_order_relaxed) == 2)
			atomic_store(&srv->up_retry_ms[p->upstream], now + 5000);
		if (p->uptcp >= 0) {
			dns_uptcp_abort(w, p->uptcp);
			p->uptcp = -1;
		}
		if (p->tries < srv->cfg->dns_tries && send_upstream(w, p) == 0)
			continue;
		dns_count(w, C_SERVFAIL);
		dns_answer_rcode(w, &p->client, &p->q, DNSW_SERVFAIL, -1, NULL,
				 prefixset_contains_sa(srv->exempt,
						       (const struct sockaddr *)&p->client.addr));
		dns_pending_free(w, p);
	}
}

/* The pending query an upstream answer belongs to, or NULL (counted): its ID must name
 * one, it must come in on that query's own socket (`sock`, an index of w->upsock:
 * connected, so the kernel checked the source) or over its TCP exchange (sock -1), and
 * echo the question, its letters' case included when 0x20 is on. A match records the
 * latency and marks the upstream alive. */
struct dns_pending *dns_upstream_match(struct dns_worker *w, int sock, const uint8_t *pkt,
				       size_t len, uint64_t now)
{
	struct dns_server *srv = w->srv;
	struct dns_pending *p;
	uint16_t id, idx;

	if (len < DNSW_HEADER) {
		dns_count(w, C_UPSTREAM_BAD);
		return NULL;
	}
	id = dnsw_get16(pkt);
	idx = w->by_id[id];
	if (!idx) {
		dns_count(w, C_UPSTREAM_BAD);
		return NULL;
	}
	p = &w->pending[idx - 1];
	/* Over UDP the answer must come in on the query's own socket (connected: the
	 * kernel checked the source); over TCP, on the query's exchange (the caller). */
	if ((sock >= 0 && p->sock != sock) || (sock < 0 && p->uptcp < 0) ||
	    !dnsw_response_matches(pkt, len, id, p->q.qname, p->q.qname_len, p->q.qtype,
				   p->q.qclass)) {
		dns_count(w, C_UPSTREAM_BAD);
		return NULL;
	}
	/* 0x20: the question must come back in the exact mixed case it was sent in; an
	 * answer that got it wrong is most likely spoofed. Dropped: the real answer, or the
	 * timeout, follows. */
	if (srv->qname_0x20 &&
	    !dnsw_question_is(pkt, len, p->query + DNSW_HEADER, p->q.qname_len)) {
		dns_count(w, C_UPSTREAM_CASE);
		return NULL;
	}
	observe_latency(w, now - p->sent_ms);
	atomic_store_explicit(&srv->up_down[p->upstream], 0, memory_order_relaxed);
	return p;
}
