/*
 * server.c -- the RPZ service's sockets and loop (see rpz.h): one thread, poll(2).
 *
 * UDP: each datagram answered at once (SOA, or the SOA for an IXFR). TCP: a connection
 * reads one query at a time (RFC 7766 framing); a transfer is sent message by message as
 * the socket takes them, so a slow secondary costs one message buffer, not a zone. At
 * most rpz.max-transfers transfers run at once (more are REFUSED, and the secondary
 * retries), at most four times as many connections are open, and one that makes no
 * progress for rpz.idle-timeout is closed.
 *
 * Reload: the snapshot's file stamp is looked at when inotify says its folder changed,
 * every second anyway, and on SIGHUP; a new snapshot brings each zone up to date
 * (rpz_ctx_load, rebuild.c); a zone that changed gets a new serial and a journal entry,
 * and a NOTIFY goes to every rpz.notify address (notify.c). A failed rebuild keeps the
 * old zones serving. Transfers in flight keep the zone they started with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/net/netaddr.h"
#include "core/service/metricsd.h"
#include "core/service/served.h"
#include "rpz/rpz.h"
#include "rpz/rpz_int.h"

#define MAX_LISTEN 8

struct conn {
	int fd;
	struct sockaddr_storage peer;
	char peer_text[64];
	uint8_t in[2 + 65535];
	size_t inlen;
	uint8_t out[2 + RPZ_MSG_CAP];
	size_t outlen, outoff;
	struct rpz_xfr *x;
	struct rpz_outcome xo; /* what the transfer was, for its log line */
	int64_t last_ms;
};

struct server {
	struct rpz_ctx ctx;
	const struct isp_config *cfg;
	char snap_path[CONFIG_PATH_MAX];
	struct filestamp snap_st;
	int udp[MAX_LISTEN], tcp[MAX_LISTEN], nlisten;
	int sigfd; /* SIGTERM, SIGINT, SIGHUP (blocked, read here) */
	int inofd; /* inotify on the snapshot's folder (-1: none, the 1 s look only) */
	int look;  /* the snapshot's folder changed: look at it now */
	int stop, hup;
	struct conn **conns;
	int nconns, maxconns, transfers, maxtransfers;
	int64_t idle_ms;
	struct rpz_notifier nt;
	uint8_t buf[RPZ_MSG_CAP];
	/* read by the metrics thread */
	_Atomic uint32_t zserial[RPZ_MAX_ZONES];
	_Atomic uint64_t refused; /* requests of no member */
	_Atomic int mstop;
	struct metricsd metrics;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *qtype_name(uint16_t t)
{
	return t == DNSW_AXFR ? "AXFR" : t == DNSW_IXFR ? "IXFR" : t == DNSW_SOA ? "SOA" : "query";
}

static const char *tsig_err_name(int e)
{
	return e == RPZ_BADSIG	  ? "BADSIG"
	       : e == RPZ_BADKEY  ? "BADKEY"
	       : e == RPZ_BADTIME ? "BADTIME"
				  : "error";
}

static void log_outcome(const struct rpz_outcome *o, const char *peer)
{
	if (o->limit)
		fprintf(stderr, "rpz: %s of %s from %s refused: %s limit\n", qtype_name(o->qtype),
			o->zone ? o->zone : "?", peer, o->limit);
	else if (o->tsig_error)
		fprintf(stderr, "rpz: %s from %s refused: TSIG %s\n", qtype_name(o->qtype), peer,
			tsig_err_name(o->tsig_error));
	else if (o->rcode != DNSW_NOERROR)
		fprintf(stderr, "rpz: %s of %s from %s%s%s refused (rcode %d)\n",
			qtype_name(o->qtype), o->zone ? o->zone : "(no zone of ours)", peer,
			o->key ? " key " : "", o->key ? o->key : "", o->rcode);
}

/* ---- reload ---- */

static int reload(struct server *s, const char *why, struct isp_err *err)
{
	int changed[RPZ_MAX_ZONES] = { 0 };
	struct snap *sn = NULL;
	struct filestamp st = filestamp_of(s->snap_path);
	int64_t t0 = now_ms();
	int rc, i;

	rc = snap_open(s->snap_path, &sn, err);
	if (rc) {
		if (rc == ISR_ENOTFOUND)
			isp_err_set(err, rc,
				    "rpz: no snapshot at %s: run `ispshield lists compile`",
				    s->snap_path);
		return rc;
	}
	rc = rpz_ctx_load(&s->ctx, sn, (uint32_t)snap_created(sn), (uint32_t)s->cfg->lists_rpz_ttl,
			  (size_t)s->cfg->rpz_journal_max, changed, err); /* closes sn */
	s->snap_st = st;
	for (i = 0; i < s->ctx.nzones; i++) {
		const struct rpz_zstate *zs = &s->ctx.zones[i];

		if (!changed[i] || !zs->cur)
			continue;
		atomic_store_explicit(&s->zserial[i], zs->cur->serial, memory_order_relaxed);
		fprintf(stderr,
			"rpz: zone %s serial %u: %zu records (%s; %zu differences kept; built in "
			"%lld ms: %lld with the snapshot, %lld after)\n",
			zs->name, zs->cur->serial, zs->cur->n, why, zs->journal.n,
			(long long)(now_ms() - t0), zs->walk_ms, zs->build_ms);
		rpz_notify_zone(&s->nt, &s->ctx, i, now_ms());
	}
	return rc;
}

/* ---- connections ---- */

static void conn_close(struct server *s, int i)
{
	struct conn *c = s->conns[i];

	if (c->x) {
		fprintf(stderr, "rpz: %s of %s to %s cut off after %ld messages\n",
			c->x->ixfr ? "IXFR" : "AXFR", c->xo.zone, c->peer_text, c->x->msgs);
		if (c->xo.member >= 0) {
			atomic_fetch_add_explicit(&s->ctx.members[c->xo.member].failures, 1,
						  memory_order_relaxed);
			s->ctx.members[c->xo.member].active--;
		}
		rpz_xfr_free(c->x);
		s->transfers--;
	}
	close(c->fd);
	free(c);
	s->conns[i] = s->conns[--s->nconns];
}

static void conn_accept(struct server *s, int lfd)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	int fd = accept4(lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct conn *c;

	if (fd < 0)
		return;
	if (s->nconns >= s->maxconns || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = peer;
	net_addr_text((struct sockaddr *)&peer, c->peer_text, sizeof(c->peer_text));
	c->last_ms = now_ms();
	s->conns[s->nconns++] = c;
}

/* Put message m[0..n) in c's output with its length. */
static void conn_queue(struct conn *c, const uint8_t *m, size_t n)
{
	dnsw_put16(c->out, (uint16_t)n);
	memcpy(c->out + 2, m, n);
	c->outlen = n + 2;
	c->outoff = 0;
}

/* The counters of the request o. */
static void count(struct server *s, const struct rpz_outcome *o)
{
	struct rpz_member *m = o->member >= 0 ? &s->ctx.members[o->member] : NULL;

	if (!m) {
		if (o->rcode == DNSW_REFUSED || o->tsig_error)
			atomic_fetch_add_explicit(&s->refused, 1, memory_order_relaxed);
		return;
	}
	if (o->limit)
		atomic_fetch_add_explicit(&m->refused, 1, memory_order_relaxed);
	if (o->current) /* an IXFR over TCP answered with the SOA alone: it is up to date */
		atomic_store_explicit(&m->serial, o->current, memory_order_relaxed);
}

/* Answer the queries read so far, one at a time. */
static void conn_serve(struct server *s, struct conn *c)
{
	while (!c->x && c->outoff >= c->outlen && c->inlen >= 2) {
		size_t qlen = dnsw_get16(c->in), n;
		struct rpz_outcome o;

		if (c->inlen < 2 + qlen)
			return;
		n = rpz_handle(&s->ctx, c->in + 2, qlen, (struct sockaddr *)&c->peer, 1,
			       s->transfers < s->maxtransfers, (uint64_t)time(NULL), s->buf,
			       sizeof(s->buf), &c->x, &o);
		memmove(c->in, c->in + 2 + qlen, c->inlen - 2 - qlen);
		c->inlen -= 2 + qlen;
		log_outcome(&o, c->peer_text);
		count(s, &o);
		if (c->x) {
			s->transfers++;
			c->xo = o;
			s->ctx.members[o.member].active++;
		}
		if (n)
			conn_queue(c, s->buf, n);
	}
}

static void xfr_done(struct server *s, struct conn *c)
{
	struct rpz_xfr *x = c->x;

	fprintf(stderr, "rpz: %s of %s serial %u to %s%s%s: %ld records in %ld messages%s\n",
		c->xo.qtype == DNSW_IXFR ? "IXFR" : "AXFR", c->xo.zone, x->zone->serial,
		c->peer_text, c->xo.key ? " key " : "", c->xo.key ? c->xo.key : "", x->rrs, x->msgs,
		c->xo.qtype != DNSW_IXFR ? ""
		: x->ixfr		 ? " (incremental)"
					 : " (full zone: the journal does not reach back)");
	if (c->xo.member >= 0) {
		struct rpz_member *m = &s->ctx.members[c->xo.member];

		atomic_fetch_add_explicit(&m->transfers, 1, memory_order_relaxed);
		atomic_store_explicit(&m->serial, x->zone->serial, memory_order_relaxed);
		m->active--;
	}
	rpz_xfr_free(x);
	c->x = NULL;
	s->transfers--;
}

/* Returns -1 when the connection is to be closed. */
static int conn_io(struct server *s, struct conn *c, short rev)
{
	ssize_t r;

	if (rev & POLLIN) {
		r = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (r > 0) {
			c->inlen += (size_t)r;
			c->last_ms = now_ms();
		}
	}
	for (;;) {
		conn_serve(s, c);
		if (c->outoff < c->outlen) {
			r = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
			if (r < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
			c->outoff += (size_t)r;
			c->last_ms = now_ms();
			if (c->outoff < c->outlen)
				return 0;
		}
		if (!c->x)
			return c->inlen >= 2 ? 0 : (rev & (POLLHUP | POLLERR)) ? -1 : 0;
		{
			size_t n = rpz_xfr_next(c->x, s->buf, sizeof(s->buf));

			if (n == 0)
				xfr_done(s, c);
			else
				conn_queue(c, s->buf, n);
		}
	}
}

static void udp_read(struct server *s, int fd)
{
	uint8_t q[DNSW_MAX_UDP];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	struct rpz_xfr *x;
	struct rpz_outcome o;
	char a[64];
	ssize_t r;
	size_t n;
	int k;

	for (k = 0; k < 64; k++) {
		fl = sizeof(from);
		r = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (r < 0)
			return;
		n = rpz_handle(&s->ctx, q, (size_t)r, (struct sockaddr *)&from, 0, 0,
			       (uint64_t)time(NULL), s->buf, sizeof(s->buf), &x, &o);
		if (o.rcode != DNSW_NOERROR && n)
			log_outcome(&o, net_addr_text((struct sockaddr *)&from, a, sizeof(a)));
		count(s, &o);
		if (n)
			(void)sendto(fd, s->buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

/* ---- set-up ---- */

static int open_sockets(struct server *s, struct isp_err *err)
{
	struct sockaddr_storage addrs[MAX_LISTEN];
	socklen_t lens[MAX_LISTEN];
	int n, i, one = 1;

	if (net_parse_addr_list("rpz.listen", s->cfg->rpz_listen, 53, addrs, lens, MAX_LISTEN, &n,
				err) != 0)
		return ISR_EINVAL;
	for (i = 0; i < n; i++) {
		int u = socket(addrs[i].ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int t = socket(addrs[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		char a[64];

		s->udp[i] = u;
		s->tcp[i] = t;
		s->nlisten = i + 1;
		if (u >= 0 && t >= 0)
			setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (addrs[i].ss_family == AF_INET6 && u >= 0 && t >= 0) {
			setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		}
		if (u < 0 || t < 0 || bind(u, (struct sockaddr *)&addrs[i], lens[i]) != 0 ||
		    bind(t, (struct sockaddr *)&addrs[i], lens[i]) != 0 || listen(t, 64) != 0)
			return isp_err_set(
				err, ISR_EIO, "rpz.listen: %s: %s",
				net_addr_text((struct sockaddr *)&addrs[i], a, sizeof(a)),
				strerror(errno));
	}
	s->nt.sock[0] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->nt.sock[1] = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return 0;
}

/* The /metrics page: per member, per zone, and the service's own counters. */
static size_t render(void *ud, char *buf, size_t size)
{
	struct server *s = ud;
	struct prom p = { .buf = buf, .size = size, .prefix = "rpz" };
	static const struct {
		const char *type, *name, *help;
		size_t off;
	} fam[] = {
		{ "counter", "member_transfers_total", "zone transfers sent whole to the member",
		  offsetof(struct rpz_member, transfers) },
		{ "counter", "member_failures_total",
		  "zone transfers to the member cut off (idle, closed, write error)",
		  offsetof(struct rpz_member, failures) },
		{ "counter", "member_refused_total",
		  "transfers of the member refused by a limit (max-transfers, its half of them, "
		  "member-rate)",
		  offsetof(struct rpz_member, refused) },
	};
	size_t f;
	int i;

	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_family(&p, fam[f].type, fam[f].name, fam[f].help);
		for (i = 0; i < s->ctx.nmembers; i++) {
			const struct rpz_member *m = &s->ctx.members[i];
			const _Atomic uint64_t *v =
				(const _Atomic uint64_t *)(const void *)((const char *)m +
									 fam[f].off);

			prom_labelled(&p, fam[f].name, "member", m->name,
				      atomic_load_explicit(v, memory_order_relaxed));
		}
	}
	prom_family(&p, "gauge", "member_serial", "the last serial the member was sent (0: none)");
	for (i = 0; i < s->ctx.nmembers; i++)
		prom_labelled(
			&p, "member_serial", "member", s->ctx.members[i].name,
			atomic_load_explicit(&s->ctx.members[i].serial, memory_order_relaxed));
	prom_family(&p, "gauge", "zone_serial", "the serial of the zone served");
	for (i = 0; i < s->ctx.nzones; i++)
		prom_labelled(&p, "zone_serial", "zone", s->ctx.zones[i].name,
			      atomic_load_explicit(&s->zserial[i], memory_order_relaxed));
	prom_value(&p, "counter", "refused_total",
		   "requests of no member (not in rpz.allow, bad TSIG) refused",
		   atomic_load_explicit(&s->refused, memory_order_relaxed));
	prom_value(&p, "counter", "notify_sent_total", "NOTIFY messages sent (resends included)",
		   atomic_load_explicit(&s->nt.sent, memory_order_relaxed));
	prom_value(&p, "counter", "notify_acked_total", "NOTIFY messages acknowledged",
		   atomic_load_explicit(&s->nt.acked, memory_order_relaxed));
	return prom_end(&p);
}

static int configure(struct server *s, struct isp_err *err)
{
	const struct isp_config *cfg = s->cfg;
	char buf[4096], *p, *tok, *save = NULL;
	int rc;

	snprintf(buf, sizeof(buf), "%s", cfg->rpz_zone);
	for (p = buf; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		if (s->ctx.nzones == RPZ_MAX_ZONES)
			return isp_err_set(err, ISR_EINVAL, "rpz.zone: more than %d zones",
					   RPZ_MAX_ZONES);
		rc = rpz_zone_spec(tok, &s->ctx.zones[s->ctx.nzones], err);
		if (rc)
			return rc;
		s->ctx.nzones++;
	}
	if (!s->ctx.nzones)
		return isp_err_set(err, ISR_EINVAL,
				   "rpz.zone: no zone to serve (--zone ZONE:LIST[+LIST...])");
	snprintf(buf, sizeof(buf), "%s", cfg->rpz_tsig);
	save = NULL;
	for (p = buf; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		if (s->ctx.nkeys == RPZ_MAX_KEYS)
			return isp_err_set(err, ISR_EINVAL, "rpz.tsig: more than %d keys",
					   RPZ_MAX_KEYS);
		rc = rpz_key_parse(tok, "rpz.tsig", &s->ctx.keys[s->ctx.nkeys], err);
		if (rc)
			return rc;
		s->ctx.nkeys++;
	}
	rc = rpz_acl_parse(&s->ctx, cfg->rpz_allow, err);
	if (rc)
		return rc;
	rc = rpz_notify_parse(&s->nt, &s->ctx, cfg->rpz_notify, err);
	if (rc)
		return rc;
	s->ctx.member_rate = cfg->rpz_member_rate > 0 ? (int)cfg->rpz_member_rate : 0;
	rc = rpz_policy_init(&s->ctx.policy, cfg, err);
	if (rc)
		return rc;
	s->maxtransfers = cfg->rpz_max_transfers > 0 ? (int)cfg->rpz_max_transfers : 1;
	/* one member never holds more than half the transfers: others still get theirs */
	s->ctx.member_max = s->maxtransfers > 1 ? s->maxtransfers / 2 : 1;
	s->maxconns = s->maxtransfers * 4;
	s->idle_ms = cfg->rpz_idle_timeout > 0 ? cfg->rpz_idle_timeout * 1000 : 30000;
	s->conns = calloc((size_t)s->maxconns, sizeof(struct conn *));
	if (!s->conns)
		return isp_err_set(err, ISR_ENOMEM, "rpz: out of memory");
	config_snapshot_path(cfg, s->snap_path);
	return 0;
}

static void read_signals(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			s->hup = 1;
		else
			s->stop = 1;
	}
}

/* Watch the snapshot's folder, so that a compile is seen at once (a new snapshot is
 * written and renamed into place, or written in place): the 1 s look stays as the
 * fallback (a folder inotify cannot watch, a full event queue). */
static void watch_snapshot(struct server *s)
{
	char dir[CONFIG_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", s->snap_path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	s->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inofd >= 0 &&
	    inotify_add_watch(s->inofd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
		close(s->inofd);
		s->inofd = -1;
	}
}

static void read_inotify(struct server *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = strrchr(s->snap_path, '/');
	ssize_t r;

	base = base ? base + 1 : s->snap_path;
	while ((r = read(s->inofd, buf, sizeof(buf))) > 0) {
		const char *p = buf;

		while (p + sizeof(struct inotify_event) <= buf + r) {
			const struct inotify_event *e = (const void *)p;

			if ((e->mask & IN_Q_OVERFLOW) || (e->len && strcmp(e->name, base) == 0))
				s->look = 1;
			p += sizeof(struct inotify_event) + e->len;
		}
	}
}

static void loop(struct server *s)
{
	struct pollfd *pf;
	int64_t last_check = now_ms();
	int i, n, base;
	struct isp_err err;

	pf = calloc((size_t)2 * (size_t)s->nlisten + 4 + (size_t)s->maxconns, sizeof(*pf));
	if (!pf)
		return;
	while (!s->stop) {
		int64_t now = now_ms();

		if (s->hup || s->look || now - last_check >= 1000) {
			struct filestamp st = filestamp_of(s->snap_path);

			if (s->hup || !filestamp_eq(&st, &s->snap_st)) {
				isp_err_clear(&err);
				if (reload(s, s->hup ? "SIGHUP" : "snapshot changed", &err) != 0)
					fprintf(stderr, "rpz: reload failed, old zones kept: %s\n",
						err.msg);
			}
			s->hup = s->look = 0;
			last_check = now;
		}
		rpz_notify_due(&s->nt, &s->ctx, now);
		for (i = 0; i < s->nconns; i++)
			if (now - s->conns[i]->last_ms > s->idle_ms) {
				fprintf(stderr, "rpz: connection from %s idle, closed\n",
					s->conns[i]->peer_text);
				conn_close(s, i--);
			}
		n = 0;
		for (i = 0; i < s->nlisten; i++) {
			pf[n++] = (struct pollfd){ .fd = s->udp[i], .events = POLLIN };
			pf[n++] = (struct pollfd){ .fd = s->tcp[i], .events = POLLIN };
		}
		pf[n++] = (struct pollfd){ .fd = s->nt.sock[0], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = s->nt.sock[1], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = s->inofd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		base = n;
		for (i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];

			pf[n++] = (struct pollfd){
				.fd = c->fd,
				.events = (short)(c->outoff < c->outlen ? POLLOUT : POLLIN)
			};
		}
		if (poll(pf, (nfds_t)n, 200) <= 0)
			continue;
		for (i = 0; i < s->nlisten; i++) {
			if (pf[(size_t)2 * (size_t)i].revents & POLLIN)
				udp_read(s, s->udp[i]);
			if (pf[(size_t)2 * (size_t)i + 1].revents & POLLIN)
				conn_accept(s, s->tcp[i]);
		}
		if (pf[base - 1].revents & POLLIN)
			read_signals(s);
		if (pf[base - 2].revents & POLLIN)
			read_inotify(s);
		for (i = 0; i < 2; i++)
			if (s->nt.sock[i] >= 0 &&
			    (pf[(size_t)2 * (size_t)s->nlisten + (size_t)i].revents & POLLIN))
				rpz_notify_read(&s->nt, &s->ctx, s->nt.sock[i]);
		/* connections: pf[base + i] belongs to the connection that was at i; walk
		 * backwards so that closing one (the last moves into its place) skips none */
		for (i = n - base - 1; i >= 0; i--) {
			if (i >= s->nconns || !pf[base + i].revents)
				continue;
			if (conn_io(s, s->conns[i], pf[base + i].revents) != 0)
				conn_close(s, i);
		}
	}
	free(pf);
}

int rpz_run(const struct isp_config *cfg, struct isp_err *err)
{
	struct server *s = calloc(1, sizeof(*s));
	sigset_t set;
	int rc, i;

	if (!s)
		return isp_err_set(err, ISR_ENOMEM, "rpz: out of memory");
	/* The zones, their hashes and differences are arrays of megabytes, freed at each
	 * rebuild: mapped on their own and given back when freed. (glibc otherwise raises
	 * its threshold after the first such free, and then keeps the freed memory.) */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	s->cfg = cfg;
	s->nt.sock[0] = s->nt.sock[1] = s->inofd = -1;
	served_block_signals(&set);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	rc = s->sigfd < 0 ? isp_err_set(err, ISR_EIO, "rpz: signalfd: %s", strerror(errno))
			  : configure(s, err);
	if (rc == 0)
		rc = reload(s, "start", err);
	if (rc == 0)
		rc = open_sockets(s, err);
	if (rc == 0)
		watch_snapshot(s);
	s->metrics.fd = -1;
	if (rc == 0 && cfg->rpz_metrics[0]) {
		s->metrics.render = render;
		s->metrics.ud = s;
		s->metrics.stop = &s->mstop;
		rc = metricsd_start(&s->metrics, "rpz.metrics", cfg->rpz_metrics, err);
	}
	if (rc == 0) {
		fprintf(stderr, "rpz: serving %d zone%s on %s\n", s->ctx.nzones,
			s->ctx.nzones == 1 ? "" : "s", cfg->rpz_listen);
		loop(s);
		fprintf(stderr, "rpz: stopped\n");
	}
	atomic_store(&s->mstop, 1);
	metricsd_join(&s->metrics);
	while (s->nconns)
		conn_close(s, s->nconns - 1);
	for (i = 0; i < s->nlisten; i++) {
		if (s->udp[i] >= 0)
			close(s->udp[i]);
		if (s->tcp[i] >= 0)
			close(s->tcp[i]);
	}
	for (i = 0; i < 2; i++)
		if (s->nt.sock[i] >= 0)
			close(s->nt.sock[i]);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->inofd >= 0)
		close(s->inofd);
	rpz_ctx_free(&s->ctx);
	free(s->conns);
	free(s);
	return rc;
}
