/*
 * worker.c -- one worker thread of the DNS service (see dns.h, dns_int.h).
 *
 * An epoll loop over the worker's own sockets: the UDP listen sockets (one per listen
 * address, SO_REUSEPORT) and a connected UDP socket per upstream query (a fresh random
 * source port each). Queries are read in batches with recvmmsg; each is parsed, checked
 * against the access list, the class (IN only), the rate limits, the snapshot (unless
 * the client opted out), the cache, and otherwise forwarded upstream (upstream.c: rebuilt
 * from its question, under a fresh random ID with its name in random case, 0x20). Upstream
 * answers, once upstream.c has matched them to their pending query by socket, ID and
 * question (case included), are checked (CNAME targets and addresses against the
 * lists), cached, and returned with the client's ID. Timeouts retry the next upstream,
 * then answer SERVFAIL: a dead upstream never holds a query longer than
 * tries x timeout.
 *
 * Shared data (snapshot, opt-out set) is read through one atomic pointer loaded at the
 * start of each batch; the worker marks itself idle while in epoll_wait and bumps a
 * counter after each batch, which is what lets the main thread free an old snapshot
 * safely (dns_int.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/lists/rpzdata.h"
#include "core/net/netaddr.h"
#include "core/base/timefmt.h"
#include "core/base/log.h"
#include "dns/dns_int.h"

const double dns_lat_bounds[DNS_LAT_BUCKETS] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 };

uint64_t dns_now_ms(void)
{
	return (uint64_t)time_mono_ms();
}

void dns_count(struct dns_worker *w, enum dns_counter c)
{
	atomic_fetch_add_explicit(&w->counters[c], 1, memory_order_relaxed);
}

static void outq_flush(struct dns_outq *outq)
{
	unsigned done = 0;

	while (outq && done < outq->n) {
		int k = sendmmsg(outq->fd, outq->m + done, outq->n - done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k <= 0)
			break; /* a full socket buffer drops the rest, as a lost packet would */
		done += (unsigned)k;
	}
	if (outq)
		outq->n = 0;
}

static void send_udp(struct dns_worker *w, int fd, const uint8_t *buf, size_t len,
		     const struct sockaddr *to, socklen_t tolen)
{
	struct dns_outq *outq = w->outq;

	if (outq && outq->fd == fd && len <= DNSW_MAX_UDP) {
		unsigned i;

		if (outq->n == DNS_BATCH)
			outq_flush(outq);
		i = outq->n++;
		memcpy(outq->buf[i], buf, len);
		memcpy(&outq->to[i], to, tolen);
		outq->iov[i].iov_base = outq->buf[i];
		outq->iov[i].iov_len = len;
		memset(&outq->m[i], 0, sizeof(outq->m[i]));
		outq->m[i].msg_hdr.msg_iov = &outq->iov[i];
		outq->m[i].msg_hdr.msg_iovlen = 1;
		outq->m[i].msg_hdr.msg_name = &outq->to[i];
		outq->m[i].msg_hdr.msg_namelen = tolen;
		return;
	}
	/* A full socket buffer drops the answer, as a lost packet would: the client
	 * retries. Never block the worker. */
	(void)sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, to, tolen);
}

/* Send an empty truncated answer (TC set, same rcode as resp) to UDP client c: it tells
 * the client to ask again over TCP. */
static void send_truncated(struct dns_worker *w, const struct dns_client *c,
			   const struct dnsw_query *q, const uint8_t *resp)
{
	uint8_t tc[DNSW_HEADER + DNSW_MAX_NAME + 4 + 64];
	int n = dnsw_build_response(q, DNSW_RCODE(dnsw_get16(resp + 2)), -1, NULL, tc, sizeof(tc));

	if (n <= 0)
		return;
	tc[2] |= DNSW_TC >> 8;
	send_udp(w, c->fd, tc, (size_t)n, (const struct sockaddr *)&c->peer, c->peerlen);
}

/* Send resp to client c: over TCP as it is; over UDP through RRL (which may drop it or
 * send it truncated) and truncated when larger than the client's UDP size. */
static void answer(struct dns_worker *w, const struct dns_client *c, const struct dnsw_query *q,
		   uint8_t *resp, size_t len, int exempt)
{
	const struct sockaddr *to = (const struct sockaddr *)&c->addr;

	if (c->conn >= 0) {
		dns_count(w, C_ANSWERED);
		dns_tcp_send(w, c, resp, len);
		return;
	}
	if (!exempt && w->srv->cfg->dns_rrl_rps > 0) {
		int v = drl_response(w->rl, to, DNSW_RCODE(dnsw_get16(resp + 2)), q->name, q->qtype,
				     dns_now_ms());

		if (v == DRL_DROP) {
			dns_count(w, C_RRL_DROPPED);
			return;
		}
		if (v == DRL_SLIP) {
			dns_count(w, C_RRL_SLIPPED);
			send_truncated(w, c, q, resp);
			return;
		}
	}
	if (len > q->udp_size) {
		dns_count(w, C_TRUNCATED);
		dns_count(w, C_ANSWERED);
		send_truncated(w, c, q, resp);
		return;
	}
	dns_count(w, C_ANSWERED);
	send_udp(w, c->fd, resp, len, (const struct sockaddr *)&c->peer, c->peerlen);
}

void dns_answer_rcode(struct dns_worker *w, const struct dns_client *c, const struct dnsw_query *q,
		      int rcode, int ede, const char *text, int exempt)
{
	uint8_t out[DNSW_HEADER + DNSW_MAX_NAME + 4 + 11 + 6 + 300];
	int n = dnsw_build_response(q, rcode, ede, text, out, sizeof(out));

	if (n > 0)
		answer(w, c, q, out, (size_t)n, exempt);
}

/* A hit the policy acts on: the verdict, the list (snapshot index and name), the entry
 * and why (name, cname, address). */
struct dns_hit {
	enum dns_verdict verdict;
	unsigned list;
	char list_name[64], entry[260];
	const char *reason;
	int counter;	     /* C_BLOCKED, C_BLOCKED_CNAME, C_BLOCKED_ADDR */
	struct snap_hit hit; /* the deciding entry's: its own RPZ action (rpzact.c) */
};

/* The same event as dnstap (dns.dnstap, dnstap.c): resp[0..len) is the answer sent
 * (NULL: none, and action says why). */
static void tap(struct dns_worker *w, const struct dns_client *client, const struct dnsw_query *q,
		const struct dns_hit *h, int64_t time_ms, const uint8_t *resp, int len,
		enum dns_tap_action action)
{
	struct dns_server *srv = w->srv;
	struct dns_tap_block b;
	int i = -1, k;

	memset(&b, 0, sizeof(b));
	if (client->conn >= 0 && w->conns[client->conn].gen == client->gen &&
	    w->conns[client->conn].listen < srv->nlisten)
		i = w->conns[client->conn].listen;
	for (k = 0; client->conn < 0 && k < srv->nlisten; k++)
		if (w->udp_fd[k] == client->fd)
			i = k;
	b.client = (const struct sockaddr *)&client->addr;
	b.server = i >= 0 ? (const struct sockaddr *)&srv->listen[i] : NULL;
	b.proto = client->conn < 0 ? DNS_TAP_UDP : DNS_TAP_TCP;
	if (client->conn >= 0 && w->conns[client->conn].gen == client->gen)
		b.proto = w->conns[client->conn].kind == DNS_CONN_DOT	? DNS_TAP_DOT
			  : w->conns[client->conn].kind == DNS_CONN_DOH ? DNS_TAP_DOH
									: b.proto;
	b.time_ns = time_ms * 1000000;
	b.q = q;
	b.resp = resp && len > 0 ? resp : NULL;
	b.resp_len = len > 0 ? (size_t)len : 0;
	b.action = action;
	b.response_ip = h->reason && strcmp(h->reason, "address") == 0;
	b.rule = h->entry;
	b.list = h->list_name;
	if (dns_tap_block(srv->tap, (unsigned)w->id, &b) != 0)
		dns_count(w, C_DNSTAP_DROPPED);
}

/* Record the hit h of client's query q (a block event; resp[0..len) the answer sent,
 * NULL for none, and action why), unless its list records nothing ([list.NAME] events =
 * off: not even a line). */
static void record(struct dns_worker *w, const struct served *sh, const struct dns_client *client,
		   const struct dnsw_query *q, const struct dns_hit *h, const uint8_t *resp,
		   int len, enum dns_tap_action action)
{
	struct ev_block ev;

	if (h->list < sh->nlists && !sh->lists[h->list].events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = time_wall_ms();
	ev.client = client->addr;
	ev.qtype = q->qtype;
	snprintf(ev.qname, sizeof(ev.qname), "%s", q->name);
	snprintf(ev.list, sizeof(ev.list), "%s", h->list_name);
	snprintf(ev.entry, sizeof(ev.entry), "%s", h->entry);
	snprintf(ev.reason, sizeof(ev.reason), "%s", h->reason);
	if (evring_push(&w->ring, &ev) != 0)
		dns_count(w, C_EVENTS_DROPPED);
	if (w->srv->tap)
		tap(w, client, q, h, ev.time_ms, resp, len, action);
}

static void count_list(struct dns_worker *w, const struct served *sh, const struct dns_hit *h)
{
	_Atomic uint64_t *c = h->verdict == DNS_LOG ? w->list_logged : w->list_blocked;

	if (h->list < sh->nlists)
		atomic_fetch_add_explicit(&c[sh->lists[h->list].slot], 1, memory_order_relaxed);
}

/* Look the hits r up in the policy for profile over a transport (tcp: tcp-only entries
 * pass); fill h (list, entry from r) and return the verdict. */
static enum dns_verdict decide(struct dns_worker *w, const struct served *sh,
			       const struct snap_result *r, int profile, int tcp, struct dns_hit *h)
{
	struct snap_list_info li;
	int i = 0;

	h->verdict = dns_policy_for_hit(sh, r, profile, w->srv->walled, tcp, &i);
	if (h->verdict == DNS_PASS)
		return DNS_PASS;
	h->hit = r->hits[i];
	h->list = r->hits[i].list;
	snap_list(sh->snap, h->list, &li);
	snprintf(h->list_name, sizeof(h->list_name), "%s", li.name);
	if (r->key)
		snprintf(h->entry, sizeof(h->entry), "%s%.*s", r->wildcard ? "*." : "",
			 (int)r->keylen, r->key);
	return h->verdict;
}

/* Answer q as h says (the entry's own RPZ action if it has one, rpzact.c; else the
 * list's: NXDOMAIN with an SOA, the walled garden, REFUSED), with an EDE naming the list
 * and the entry (or the list's ede-text), and record it. */
static void answer_blocked(struct dns_worker *w, const struct served *sh,
			   const struct dns_client *client, const struct dnsw_query *q,
			   const struct dns_hit *h, int exempt)
{
	struct dns_server *srv = w->srv;
	uint8_t out[DNSW_HEADER + DNSW_MAX_NAME + 4 + 16 + 28 + 11 + 6 + 22 + 2 * DNSW_MAX_NAME +
		    300 + 12 * 16 + RPZDATA_WIRE_MAX];
	const char *custom = h->list < sh->nlists ? sh->lists[h->list].ede_text : NULL;
	uint32_t ttl = srv->soa.ttl;
	char text[400];
	int n = -1, v;

	if (custom)
		snprintf(text, sizeof(text), "%s", custom);
	else
		snprintf(text, sizeof(text), "blocked by ispshield list %s: %s", h->list_name,
			 h->entry);
	count_list(w, sh, h);
	v = dns_rpz_answer(sh->snap, &h->hit, q, client->conn >= 0, ttl, &srv->soa, text, out,
			   sizeof(out), &n);
	if (v == DNS_RPZ_LIST && h->verdict == DNS_REFUSED)
		n = dnsw_build_response(q, DNSW_REFUSED, DNSW_EDE_FILTERED, text, out, sizeof(out));
	else if (v == DNS_RPZ_LIST && h->verdict == DNS_WALLED) {
		/* the AAAA when asked for and known; else the A, or the AAAA when it is the
		 * only one (a query of another type gets NODATA with the SOA either way) */
		int six = srv->have_wg_aaaa && (q->qtype == DNSW_AAAA || !srv->have_wg_a);

		n = dnsw_build_blocked(q, DNSW_NOERROR, six ? 6 : 4, six ? srv->wg_aaaa : srv->wg_a,
				       ttl, &srv->soa, DNSW_EDE_FILTERED, text, out, sizeof(out));
	} else if (v == DNS_RPZ_LIST)
		n = dnsw_build_blocked(q, DNSW_NXDOMAIN, 0, NULL, 0, &srv->soa, DNSW_EDE_FILTERED,
				       text, out, sizeof(out));
	/* recorded with the answer it got (rpz-drop: none at all) */
	record(w, sh, client, q, h, v == DNS_RPZ_DROP ? NULL : out, n, DNS_TAP_DROP);
	if (v != DNS_RPZ_DROP && n > 0)
		answer(w, client, q, out, (size_t)n, exempt);
}

/* What the snapshot says of q's name: the verdict for a client of `profile`; *any: the
 * name has a hit that counts for somebody (then its answer is never cached). */
static enum dns_verdict name_verdict(struct dns_worker *w, const struct served *sh,
				     const struct dnsw_query *q, int profile, int tcp,
				     struct dns_hit *h, int *any)
{
	struct snap_result r;
	struct dns_hit all;

	memset(h, 0, sizeof(*h));
	*any = 0;
	if (!sh->snap || !q->name_ok || q->name_len == 0 ||
	    snap_lookup_domain(sh->snap, q->name, q->name_len, &r) == 0)
		return DNS_PASS;
	memset(&all, 0, sizeof(all));
	*any = decide(w, sh, &r, -1, 0, &all) != DNS_PASS;
	if (!*any)
		return DNS_PASS;
	h->reason = "name";
	h->counter = C_BLOCKED;
	return decide(w, sh, &r, profile, tcp, h);
}

/* Check q's name against the snapshot for a client of `profile`: on a block answer it
 * and return 1; a log-only hit is recorded and counted (0: answer normally). */
static int check_name(struct dns_worker *w, const struct served *sh,
		      const struct dns_client *client, const struct dnsw_query *q, int profile,
		      int exempt)
{
	struct dns_hit h;
	int any;

	switch (name_verdict(w, sh, q, profile, client->conn >= 0, &h, &any)) {
	case DNS_PASS: return 0;
	case DNS_LOG:
		dns_count(w, C_LOGGED);
		count_list(w, sh, &h);
		record(w, sh, client, q, &h, NULL, 0, DNS_TAP_PASS);
		return 0;
	default:
		dns_count(w, C_BLOCKED);
		answer_blocked(w, sh, client, q, &h, exempt);
		return 1;
	}
}

struct answer_check {
	struct dns_worker *w;
	const struct served *sh;
	int profile;
	int tcp;     /* the client's transport (tcp-only entries pass over TCP) */
	int blocked; /* hit.verdict blocks this client */
	int logged;  /* hit.verdict is DNS_LOG (nothing blocks) */
	int any;     /* some CNAME target or address is listed for somebody: never cached */
	struct dns_hit hit;
};

/* The verdict on one hit r of an answer record: keeps the first block, else the first
 * log-only hit. Returns 1 to stop the walk (a block). */
static int answer_hit(struct answer_check *c, const struct snap_result *r, const char *reason,
		      int counter, const char *entry)
{
	struct dns_hit h, all;

	memset(&all, 0, sizeof(all));
	if (decide(c->w, c->sh, r, -1, 0, &all) == DNS_PASS)
		return 0;
	c->any = 1;
	memset(&h, 0, sizeof(h));
	if (decide(c->w, c->sh, r, c->profile, c->tcp, &h) == DNS_PASS)
		return 0;
	h.reason = reason;
	h.counter = counter;
	if (entry)
		snprintf(h.entry, sizeof(h.entry), "%s", entry);
	if (h.verdict == DNS_LOG) {
		if (!c->logged) {
			c->hit = h;
			c->logged = 1;
		}
		return 0;
	}
	c->hit = h;
	c->blocked = 1;
	c->logged = 0;
	return 1;
}

/* dnsw_walk_response callback: block if a CNAME/DNAME target or an address of the
 * answer section is listed. */
static int check_rr(void *ud, const struct dnsw_rr *rr)
{
	struct answer_check *c = ud;
	struct snap_result r;
	int fam = 0;

	if (rr->section != 1)
		return 0;
	if ((rr->type == DNSW_CNAME || rr->type == DNSW_DNAME) && rr->target[0]) {
		if (snap_lookup_domain(c->sh->snap, rr->target, strlen(rr->target), &r) > 0)
			return answer_hit(c, &r, "cname", C_BLOCKED_CNAME, NULL);
		return 0;
	}
	if (rr->type == DNSW_A && rr->rdlen == 4)
		fam = 4;
	else if (rr->type == DNSW_AAAA && rr->rdlen == 16)
		fam = 6;
	if (fam && snap_lookup_ip(c->sh->snap, fam, rr->rdata, &r) > 0) {
		struct ip_prefix p;
		char pfx[IP_PREFIX_STRLEN];

		memset(&p, 0, sizeof(p));
		p.family = (uint8_t)fam;
		p.len = (uint8_t)r.plen;
		memcpy(p.addr, rr->rdata, rr->rdlen);
		ip_mask(&p);
		ip_format_prefix(&p, pfx);
		return answer_hit(c, &r, "address", C_BLOCKED_ADDR, pfx);
	}
	return 0;
}

/* Check an answer (upstream's, or cached) against the snapshot for a client of
 * `profile`: ac->blocked is set when a CNAME/DNAME target or an address of its answer
 * section is listed (for that client), ac->logged for a log-only hit. */
static void check_answer(struct dns_worker *w, const struct served *sh, int profile, int tcp,
			 const uint8_t *pkt, size_t len, struct answer_check *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->w = w;
	ac->sh = sh;
	ac->profile = profile;
	ac->tcp = tcp;
	if (sh->snap)
		dnsw_walk_response(pkt, len, check_rr, ac);
}

/* Act on ac for client: answer a block (1), or record a log-only hit (0). */
static int act_on_answer(struct dns_worker *w, const struct served *sh,
			 const struct dns_client *client, const struct dnsw_query *q,
			 struct answer_check *ac, int exempt)
{
	if (ac->blocked) {
		dns_count(w, (enum dns_counter)ac->hit.counter);
		answer_blocked(w, sh, client, q, &ac->hit, exempt);
		return 1;
	}
	if (ac->logged) {
		dns_count(w, C_LOGGED);
		count_list(w, sh, &ac->hit);
		record(w, sh, client, q, &ac->hit, NULL, 0, DNS_TAP_PASS);
	}
	return 0;
}

/* Whether q's name is use-application-dns.net or under it (the DoH canary domain). */
static int is_canary(const struct dnsw_query *q)
{
	static const char canary[] = "use-application-dns.net";
	size_t n = sizeof(canary) - 1;

	if (!q->name_ok || q->name_len < n)
		return 0;
	if (memcmp(q->name + q->name_len - n, canary, n) != 0)
		return 0;
	return q->name_len == n || q->name[q->name_len - n - 1] == '.';
}

void dns_handle_query(struct dns_worker *w, const struct served *sh, const uint8_t *pkt, size_t len,
		      const struct dns_client *client)
{
	struct dns_server *srv = w->srv;
	const struct sockaddr *sa = (const struct sockaddr *)&client->addr;
	struct dnsw_query q;
	uint8_t key[DCACHE_KEY_MAX], out[DNSW_MAX_UDP];
	uint64_t now = dns_now_ms(), serial;
	int rc, exempt, optout, filter, n, profile = -1;
	size_t klen;

	dns_count(w, C_QUERIES);
	rc = dnsw_parse_query(pkt, len, &q);
	if (rc == DNSW_DROP) {
		dns_count(w, C_DROPPED_MALFORMED);
		return;
	}
	if (!prefixset_contains_sa(srv->subscribers, sa)) {
		dns_count(w, C_REFUSED_ACL);
		if (rc == 0)
			dns_answer_rcode(w, client, &q, DNSW_REFUSED, DNSW_EDE_PROHIBITED, NULL, 1);
		return;
	}
	exempt = prefixset_contains_sa(srv->exempt, sa);
	if (rc > 0) {
		dns_count(w, rc == DNSW_NOTIMP ? C_NOTIMP : C_FORMERR);
		dns_answer_rcode(w, client, &q, rc, -1, NULL, exempt);
		return;
	}
	if (q.has_edns && q.edns_version > 0) { /* RFC 6891 6.1.3: only version 0 */
		dns_answer_rcode(w, client, &q, DNSW_BADVERS, -1, NULL, exempt);
		return;
	}
	if (client->conn >= 0)
		q.udp_size = 65535; /* TCP: the message size is the only limit */
	if (!exempt && client->conn < 0 && srv->cfg->dns_client_qps > 0 &&
	    drl_query(w->rl, sa, now) == DRL_DROP) {
		dns_count(w, C_RATE_LIMITED);
		return;
	}
	/* Only class IN is filtered, so only class IN is served: a query of class ANY,
	 * CHAOS, HS or NONE for a listed name would otherwise reach the upstream (which
	 * may answer it from its IN data) and come back unfiltered. Refused here, never
	 * forwarded, never cached. */
	if (q.qclass != DNSW_CLASS_IN) {
		dns_count(w, C_REFUSED_CLASS);
		dns_answer_rcode(w, client, &q, DNSW_REFUSED, DNSW_EDE_NOT_SUPPORTED,
				 "only class IN is served", exempt);
		return;
	}
	/* resolver.arpa is ours (DDR, ddr.c): answered here for everyone, never forwarded */
	n = dns_ddr_build(srv, &q, out, sizeof(out));
	if (n != DNS_DDR_NOT) {
		dns_count(w, C_DDR);
		if (n > 0)
			answer(w, client, &q, out, (size_t)n, exempt);
		return;
	}
	optout = sh->optout && prefixset_contains_sa(sh->optout, sa);
	if (optout)
		dns_count(w, C_ALLOWED_OPTOUT);
	filter = !optout && sh->snap;
	if (filter && sh->nprofiles > 0)
		profile = served_client_profile(sh, sa);
	serial = sh->snap ? snap_serial(sh->snap) : 0;
	/* The encrypted-DNS canary (Mozilla's use-application-dns.net): NXDOMAIN tells a
	 * browser that this resolver filters, so it keeps using it rather than its default
	 * DoH server. Only for filtered clients; an opted-out one gets the real answer. */
	if (filter && srv->canary && is_canary(&q)) {
		uint8_t nx[DNSW_HEADER + 2 * DNSW_MAX_NAME + 4 + 22 + DNSW_MAX_NAME + 11];

		dns_count(w, C_CANARY);
		n = dnsw_build_blocked(&q, DNSW_NXDOMAIN, 0, NULL, 0, &srv->soa, -1, NULL, nx,
				       sizeof(nx));
		if (n > 0)
			answer(w, client, &q, nx, (size_t)n, exempt);
		return;
	}
	if (w->cache) {
		uint64_t tag = 0;

		klen = dcache_key(q.qname, q.qname_len, q.qtype, q.qclass, q.edns_do,
				  (q.flags & DNSW_CD) != 0, key);
		n = dcache_get(w->cache, key, klen, now, out, sizeof(out), &tag);
		if (n > 0) {
			dns_count(w, C_CACHE_HITS);
			/* An entry is tagged with the serial of the snapshot its name and answer
			 * were checked against when it was stored. Same snapshot: the verdict
			 * stands, no lookup needed. A reload since: check again, so that a newly
			 * listed name, CNAME target or address is blocked at once, not when the
			 * cached answer expires. */
			if (filter && tag != serial) {
				struct answer_check ac;
				struct dns_hit h;
				uint32_t ttl;
				int any;

				if (check_name(w, sh, client, &q, profile, exempt))
					return;
				check_answer(w, sh, profile, client->conn >= 0, out, (size_t)n,
					     &ac);
				if (act_on_answer(w, sh, client, &q, &ac, exempt))
					return;
				name_verdict(w, sh, &q, -1, 0, &h, &any);
				if (!any && !ac.any && dnsw_cache_ttl(out, (size_t)n, &ttl) == 0)
					dcache_put(w->cache, key, klen, out, (size_t)n, ttl,
						   DNSW_RCODE(dnsw_get16(out + 2)) ==
								   DNSW_NXDOMAIN ||
							   dnsw_get16(out + 6) == 0,
						   now, serial);
			}
			dnsw_put16(out, q.id);
			/* the question as this client wrote it (the entry has the first one's) */
			dnsw_set_question_name(out, (size_t)n, q.qname, q.qname_len);
			answer(w, client, &q, out, (size_t)n, exempt);
			return;
		}
		dns_count(w, C_CACHE_MISSES);
	}
	if (filter && check_name(w, sh, client, &q, profile, exempt))
		return;
	if (srv->cfg->dns_wt_min_names > 0 && q.name_ok) {
		/* an exempt client is never refused as an attacker, only by a flagged zone */
		int v = drl_wt_check(w->rl, exempt ? NULL : sa, q.name, now);

		if (v == DRL_WT_CLIENT) {
			dns_count(w, C_WT_CLIENT_REFUSED);
			dns_answer_rcode(w, client, &q, DNSW_REFUSED, DNSW_EDE_PROHIBITED,
					 "random-subdomain queries from this client", exempt);
			return;
		}
		if (v == DRL_WT_ZONE) {
			dns_count(w, C_WT_REFUSED);
			dns_answer_rcode(w, client, &q, DNSW_REFUSED, DNSW_EDE_PROHIBITED,
					 "random-subdomain attack on this zone", exempt);
			return;
		}
	}
	if (dns_forward(w, client, &q, optout, profile) != 0) {
		dns_count(w, C_SERVFAIL);
		dns_answer_rcode(w, client, &q, DNSW_SERVFAIL, -1, NULL, exempt);
	}
}

void dns_handle_upstream(struct dns_worker *w, const struct served *sh, int sock, uint8_t *pkt,
			 size_t len, int truncated)
{
	struct dns_server *srv = w->srv;
	struct dns_pending *p;
	struct answer_check ac;
	uint16_t flags;
	uint64_t now = dns_now_ms();
	int exempt, rcode, listed;
	struct dns_hit h;

	p = dns_upstream_match(w, sock, pkt, len, now);
	if (!p)
		return;
	/* the client gets its question back as it wrote it (the cache stores that too) */
	dnsw_set_question_name(pkt, len, p->q.qname, p->q.qname_len);
	exempt = prefixset_contains_sa(srv->exempt, (const struct sockaddr *)&p->client.addr);
	flags = dnsw_get16(pkt + 2);
	rcode = DNSW_RCODE(flags);
	/* Truncated over UDP: ask the same upstream again over TCP (RFC 7766). The answer
	 * comes back through this function with TC clear. */
	if ((flags & DNSW_TC) && p->uptcp < 0 && dns_uptcp_start(w, (int)(p - w->pending)) == 0)
		return;
	/* Larger than our buffer (an upstream that ignored the 1232 we advertised): pkt is
	 * only its start, never passed on or cached. Asked again over TCP, or SERVFAIL. */
	if (truncated) {
		dns_count(w, C_UPSTREAM_OVERSIZE);
		if (p->uptcp < 0 && dns_uptcp_start(w, (int)(p - w->pending)) == 0)
			return;
		dns_count(w, C_SERVFAIL);
		dns_answer_rcode(w, &p->client, &p->q, DNSW_SERVFAIL, -1, NULL, exempt);
		dns_pending_free(w, p);
		return;
	}
	/* The name and the answer are checked against the snapshot in use now (it may have
	 * changed while the query was upstream). For an opted-out client nothing is blocked,
	 * but an answer that would be blocked for others is not cached either. */
	listed = 0;
	memset(&ac, 0, sizeof(ac));
	if (sh->snap) { /* class IN: the others are refused before */
		enum dns_verdict v =
			name_verdict(w, sh, &p->q, p->profile, p->client.conn >= 0, &h, &listed);

		if (!p->optout && v >= DNS_NXDOMAIN) {
			dns_count(w, C_BLOCKED);
			answer_blocked(w, sh, &p->client, &p->q, &h, exempt);
			dns_pending_free(w, p);
			return;
		}
		check_answer(w, sh, p->profile, p->client.conn >= 0, pkt, len, &ac);
	}
	if (!p->optout && act_on_answer(w, sh, &p->client, &p->q, &ac, exempt)) {
		dns_pending_free(w, p);
		return;
	}
	if (srv->cfg->dns_wt_min_names > 0 && p->q.name_ok &&
	    (rcode == DNSW_NOERROR || rcode == DNSW_NXDOMAIN)) {
		const struct sockaddr *csa = (const struct sockaddr *)&p->client.addr;
		char ctext[INET6_ADDRSTRLEN + 8];
		uint32_t count;
		int ev;

		/* The log names the client and the counts, never the zone: the zone comes
		 * from subscribers' queries, which the service does not log. */
		drl_wt_note_client(w->rl, exempt ? NULL : csa, p->q.name, rcode == DNSW_NXDOMAIN,
				   now, &ev, &count);
		if (ev == DRL_WT_CLIENT)
			log_msg(LOGS_WARNING, "dns",
				"random-subdomain queries: client %s got %u "
				"NXDOMAIN answers under one zone within %lld s: refused under "
				"that zone for %lld s",
				net_addr_text(csa, ctext, sizeof(ctext)), count,
				(long long)srv->cfg->dns_wt_window,
				(long long)srv->cfg->dns_wt_hold);
		else if (ev == DRL_WT_ZONE)
			log_msg(LOGS_WARNING, "dns",
				"random-subdomain attack on one zone: %u NXDOMAIN "
				"answers within %lld s from clients under their caps: its names "
				"that never resolved refused for %lld s",
				count, (long long)srv->cfg->dns_wt_window,
				(long long)srv->cfg->dns_wt_hold);
	}
	if (w->cache && !listed && !ac.any && !(flags & DNSW_TC) &&
	    (rcode == DNSW_NOERROR || rcode == DNSW_NXDOMAIN)) {
		uint8_t key[DCACHE_KEY_MAX];
		uint32_t ttl;
		size_t klen = dcache_key(p->q.qname, p->q.qname_len, p->q.qtype, p->q.qclass,
					 p->q.edns_do, (p->q.flags & DNSW_CD) != 0, key);

		if (dnsw_cache_ttl(pkt, len, &ttl) == 0)
			dcache_put(w->cache, key, klen, pkt, len, ttl,
				   /* negative: NXDOMAIN, or NODATA (no answer records) */
				   rcode == DNSW_NXDOMAIN || dnsw_get16(pkt + 6) == 0, now,
				   sh->snap ? snap_serial(sh->snap) : 0);
	}
	if (rcode == DNSW_SERVFAIL)
		dns_count(w, C_SERVFAIL);
	dnsw_put16(pkt, p->client_id);
	answer(w, &p->client, &p->q, pkt, len, exempt);
	dns_pending_free(w, p);
}

/* Read a batch from fd with recvmmsg and hand each datagram to the query or the
 * upstream handler. Returns the number read (0 when the socket is drained). */
static int read_batch(struct dns_worker *w, const struct served *sh, int fd, int upstream)
{
	uint8_t(*bufs)[DNSW_MAX_UDP] = w->rxbuf;
	struct dns_outq *outq = w->outq;
	struct mmsghdr msgs[DNS_BATCH];
	struct iovec iov[DNS_BATCH];
	struct sockaddr_storage from[DNS_BATCH];
	int i, n, off;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < DNS_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	n = recvmmsg(fd, msgs, DNS_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	if (upstream < 0 && outq) {
		outq->fd = fd;
		outq->n = 0;
	}
	for (i = 0; i < n; i++) {
		struct dns_client c;

		if (upstream >= 0) {
			dns_handle_upstream(w, sh, upstream, bufs[i], msgs[i].msg_len,
					    (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
			continue;
		}
		c.addr = c.peer = from[i];
		c.addrlen = c.peerlen = msgs[i].msg_hdr.msg_namelen;
		c.fd = fd;
		c.conn = -1;
		c.gen = 0;
		/* behind a trusted terminator: its PROXY v2 header names the subscriber */
		off = dns_proxy_udp(w, bufs[i], msgs[i].msg_len, &c);
		if (off < 0)
			continue;
		dns_handle_query(w, sh, bufs[i] + off, msgs[i].msg_len - (unsigned)off, &c);
	}
	if (upstream < 0 && outq) {
		outq_flush(outq);
		outq->fd = -1;
	}
	return n;
}

static void *worker_main(void *arg)
{
	struct dns_worker *w = arg;
	struct dns_server *srv = w->srv;
	struct epoll_event evs[64];
	uint64_t last_timeout_check = dns_now_ms();

	while (!atomic_load(&srv->stop)) {
		const struct served *sh;
		int n, i;

		atomic_store(&w->gate.idle, 1);
		n = epoll_wait(w->epfd, evs, 64, 100);
		atomic_store(&w->gate.idle, 0);
		sh = atomic_load(&srv->slot.cur);
		for (i = 0; i < n; i++) {
			int tag = (int)evs[i].data.u32, rounds;

			if (tag >= DNS_TAG_CONN) {
				dns_tcp_event(w, sh, tag - DNS_TAG_CONN, evs[i].events);
				continue;
			}
			if (tag >= DNS_TAG_UPTCP) {
				dns_uptcp_event(w, sh, tag - DNS_TAG_UPTCP, evs[i].events);
				continue;
			}
			if (tag >= DNS_TAG_TCPL) {
				dns_tcp_accept(w, tag - DNS_TAG_TCPL);
				continue;
			}
			/* Drain the socket, a bounded number of batches at a time so that one
			 * busy socket cannot starve the others. */
			for (rounds = 0; rounds < 8; rounds++)
				if (read_batch(w, sh,
					       tag >= DNS_TAG_UP ? w->upsock[tag - DNS_TAG_UP].fd
								 : w->udp_fd[tag],
					       tag >= DNS_TAG_UP ? tag - DNS_TAG_UP : -1) <
				    DNS_BATCH)
					break;
		}
		if (dns_now_ms() - last_timeout_check >= 50) {
			last_timeout_check = dns_now_ms();
			dns_upstream_timeouts(w, last_timeout_check);
			dns_tcp_sweep(w, last_timeout_check);
		}
		atomic_fetch_add(&w->gate.quiescent, 1);
	}
	dns_tcp_close_all(w);
	atomic_store(&w->gate.idle, 1);
	return NULL;
}

/* A UDP listen socket bound to ss (SO_REUSEPORT: one per worker). */
static int udp_listen_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int dns_worker_start(struct dns_worker *w)
{
	struct dns_server *srv = w->srv;
	struct epoll_event ev;
	int i;

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return ISR_EIO;
	w->rnd_pos = sizeof(w->rnd); /* filled on first use */
	w->outq = calloc(1, sizeof(*w->outq));
	w->rxbuf = malloc(sizeof(uint8_t[DNS_BATCH][DNSW_MAX_UDP]));
	if (!w->outq || !w->rxbuf)
		return ISR_ENOMEM;
	w->outq->fd = -1;
	for (i = 0; i < srv->nlisten; i++) {
		w->udp_fd[i] = udp_listen_socket(&srv->listen[i], srv->listenlen[i]);
		if (w->udp_fd[i] < 0)
			return ISR_EIO;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->udp_fd[i], &ev);
	}
	if (dns_tcp_listen(w) != 0)
		return ISR_EIO;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return ISR_ENOMEM;
	return 0;
}
