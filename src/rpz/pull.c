/*
 * pull.c -- `lists pull` (see pull.h): the exchange with the primary over one TCP
 * connection, the zone copy brought up to the server's serial, and the import.
 *
 * Order of the work, so that a failure anywhere changes nothing: (1) the transfer is
 * read whole into memory and checked (pull_in.c); (2) the new copy is computed (an IXFR
 * whose deletions the copy does not hold is retried as an AXFR on the same connection);
 * (3) the copy file is replaced, the old one kept aside; (4) one store transaction
 * imports it, records the serial in the meta table and compiles the snapshot beside the
 * old one; the commit, then the new snapshot is renamed in place. A failure in (4) puts
 * the old copy back, so the copy and the meta serial always agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/net/domain.h"
#include "core/net/netaddr.h"
#include "rpz/pull.h"
#include "rpz/pull_int.h"

/* One pull in progress. */
struct pull {
	const struct rpz_pull_opts *o;
	struct rpz_pull_result *r;
	struct isp_err *err;
	char zone[DOMAIN_BUFSZ];
	uint8_t origin[DNSW_MAX_NAME];
	size_t origin_len;
	struct rpz_key key;
	int signed_;
	int fd;
	int64_t deadline; /* ms, time_mono_ms: the whole pull */
	long long bytes;
	uint8_t *buf; /* PULL_MSG_MAX + 2 */
	/* the zone: the copy, then the new records */
	struct pull_lines recs, del, add, full;
	int in_diff;
	const char *missing;		  /* an IXFR deletion the copy lacks */
	int stop;			  /* ISR code from a callback */
	char soa[DNSW_MAX_NAME * 8 + 96]; /* the new SOA as a record line */
	struct rpz_tsig_client tc;	  /* the TSIG of the exchange in progress */
};

static int64_t step_deadline(const struct pull *p)
{
	int64_t t = time_mono_ms() + 1000LL * (p->o->timeout > 0 ? p->o->timeout : 10);

	return t < p->deadline ? t : p->deadline;
}

/* ---- the connection ---- */

static int connect_to(struct pull *p, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e = 0,
	    one = 1;
	socklen_t el = sizeof(e);

	if (fd < 0)
		return -1;
	if (connect(fd, sa, len) != 0 && errno != EINPROGRESS)
		goto fail;
	if (net_wait_fd(fd, POLLOUT, step_deadline(p)) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
		errno = e ? e : errno;
		goto fail;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The addresses of HOST[:PORT] s (an address literal, or a name the system resolves) into
 * *ai (freeaddrinfo it). 0, or ISR_EINVAL with err set. */
static int server_addrs(const char *s, struct addrinfo **ai, struct isp_err *err)
{
	const char *colon = strrchr(s, ':');
	struct sockaddr_storage ss;
	struct addrinfo hints;
	char host[256], port[8] = "53";
	socklen_t len;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (net_parse_addr(s, strlen(s), 53, &ss, &len) == 0) {
		hints.ai_flags |= AI_NUMERICHOST;
		net_addr_text((struct sockaddr *)&ss, host, sizeof(host));
		snprintf(port, sizeof(port), "%u",
			 ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						       : ((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		size_t hl = colon && strchr(s, ':') == colon ? (size_t)(colon - s) : strlen(s);

		if (hl == 0 || hl >= sizeof(host) ||
		    (colon && hl < strlen(s) &&
		     snprintf(port, sizeof(port), "%s", colon + 1) >= (int)sizeof(port)))
			return isp_err_set(err, ISR_EINVAL,
					   "%s: expected HOST[:PORT] (an IPv6 address as "
					   "[ADDR]:PORT)",
					   s);
		snprintf(host, sizeof(host), "%.*s", (int)hl, s);
	}
	rc = getaddrinfo(host, port, &hints, ai);
	if (rc != 0)
		return isp_err_set(err, ISR_EINVAL, "%s: %s", s, gai_strerror(rc));
	return 0;
}

int rpz_pull_primaries(const char *server, struct sockaddr_storage *out, int max)
{
	struct addrinfo *ai = NULL, *a;
	struct isp_err err;
	int n = 0;

	isp_err_clear(&err);
	if (server_addrs(server, &ai, &err) != 0)
		return 0;
	for (a = ai; a && n < max; a = a->ai_next)
		if (a->ai_addrlen <= sizeof(out[n]))
			memcpy(&out[n++], a->ai_addr, a->ai_addrlen);
	freeaddrinfo(ai);
	return n;
}

/* Connect to HOST[:PORT] (an address literal, or a name the system resolves). */
static int open_server(struct pull *p)
{
	struct addrinfo *ai = NULL, *a;
	int rc = server_addrs(p->o->server, &ai, p->err);

	if (rc)
		return rc;
	p->fd = -1;
	for (a = ai; a && p->fd < 0; a = a->ai_next)
		p->fd = connect_to(p, a->ai_addr, a->ai_addrlen);
	freeaddrinfo(ai);
	if (p->fd < 0)
		return isp_err_set(p->err, ISR_EIO, "%s: cannot connect: %s", p->o->server,
				   strerror(errno));
	return 0;
}

static int io_fail(struct pull *p, const char *what, int timed_out)
{
	return isp_err_set(p->err, ISR_EIO, "%s: %s: %s", p->o->server, what,
			   timed_out ? "timed out"
			   : errno   ? strerror(errno)
				     : "connection closed");
}

/* Write all of b[0..n). */
static int send_all(struct pull *p, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(p->fd, b, n, MSG_NOSIGNAL);

		if (w > 0) {
			b += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return io_fail(p, "send", 0);
		} else if (net_wait_fd(p->fd, POLLOUT, step_deadline(p)) != 1) {
			return io_fail(p, "send", 1);
		}
	}
	return 0;
}

/* Read exactly n bytes into b. */
static int recv_all(struct pull *p, uint8_t *b, size_t n)
{
	while (n) {
		ssize_t m = recv(p->fd, b, n, 0);

		if (m > 0) {
			b += m;
			n -= (size_t)m;
			p->bytes += m;
		} else if (m == 0) {
			errno = 0;
			return io_fail(p, "reading the answer", 0);
		} else if (errno != EAGAIN && errno != EINTR) {
			return io_fail(p, "reading the answer", 0);
		} else if (net_wait_fd(p->fd, POLLIN, step_deadline(p)) != 1) {
			return io_fail(p, "reading the answer", 1);
		}
	}
	if (p->bytes > PULL_MAX_BYTES)
		return isp_err_set(p->err, ISR_ELIMIT, "%s: the answer is larger than %lld bytes",
				   p->o->server, (long long)PULL_MAX_BYTES);
	return 0;
}

/* ---- the records of a transfer ---- */

/* The difference read so far applied to the zone. */
static int apply_diff(struct pull *p)
{
	int rc;

	if (!p->in_diff)
		return 0;
	p->in_diff = 0;
	rc = pull_lines_apply(&p->recs, &p->del, &p->add, &p->missing);
	if (rc == ISR_ECORRUPT)
		return rc; /* p->missing points into p->del: kept until the AXFR */
	pull_lines_free(&p->del);
	pull_lines_free(&p->add);
	return rc;
}

static int on_rec(void *ud, enum pull_rec kind, const char *line, size_t len)
{
	struct pull *p = ud;
	struct pull_lines *s = kind == PULL_FULL ? &p->full : kind == PULL_DEL ? &p->del : &p->add;

	p->stop = pull_lines_add(s, line, len);
	if (!p->stop && (long)(p->recs.n + p->full.n + p->add.n) > PULL_MAX_RECORDS)
		p->stop = isp_err_set(p->err, ISR_ELIMIT, "the zone has more than %ld records",
				      PULL_MAX_RECORDS);
	else if (p->stop)
		isp_err_set(p->err, p->stop, "out of memory");
	return p->stop;
}

static int on_diff(void *ud, uint32_t from)
{
	struct pull *p = ud;

	(void)from;
	p->stop = apply_diff(p);
	if (p->stop == ISR_ECORRUPT)
		p->stop = 0; /* noted in p->missing; the rest is read, then an AXFR */
	else if (p->stop)
		isp_err_set(p->err, p->stop, "out of memory");
	p->in_diff = !p->missing;
	return p->stop;
}

/* Send a query of type qtype (an IXFR from `have`) and read the whole answer into x. */
static int exchange(struct pull *p, uint16_t qtype, uint32_t have, struct pull_in *x)
{
	uint8_t *q = p->buf + 2;
	uint16_t id;
	int n, rc;
	size_t len;

	randombytes_buf(&id, sizeof(id));
	rc = pull_in_init(x, p->origin, p->origin_len, id, qtype, have);
	if (rc)
		return isp_err_set(p->err, rc, "out of memory");
	x->on_rec = on_rec;
	x->on_diff = on_diff;
	x->ud = p;
	n = dnsw_build_query(id, 0, p->origin, p->origin_len, qtype, DNSW_CLASS_IN, 0, 0, q,
			     PULL_MSG_MAX);
	if (n < 0)
		return isp_err_set(p->err, ISR_EINVAL, "zone %s: cannot build the query", p->zone);
	if (qtype == DNSW_IXFR) { /* RFC 1995: our SOA in the authority section */
		static const uint8_t soa[] = {
			0xc0, DNSW_HEADER, 0, DNSW_SOA, 0, DNSW_CLASS_IN, 0, 0, 0, 0, 0, 22, 0, 0
		};
		uint8_t *t = q + n;

		memcpy(t, soa, sizeof(soa));
		t += sizeof(soa);
		t[0] = (uint8_t)(have >> 24), t[1] = (uint8_t)(have >> 16);
		t[2] = (uint8_t)(have >> 8), t[3] = (uint8_t)have;
		memset(t + 4, 0, 16);
		n += (int)sizeof(soa) + 20;
		dnsw_put16(q + 8, 1);
	}
	if (p->signed_) {
		n = rpz_tsig_sign_request(&p->tc, &p->key, (uint64_t)time(NULL), q, (size_t)n,
					  PULL_MSG_MAX);
		if (n < 0)
			return isp_err_set(p->err, ISR_EINVAL, "cannot sign the query");
		x->tsig = &p->tc;
	}
	dnsw_put16(p->buf, (uint16_t)n);
	rc = send_all(p, p->buf, (size_t)n + 2);
	while (rc == 0) {
		rc = recv_all(p, p->buf, 2);
		len = dnsw_get16(p->buf);
		if (rc == 0)
			rc = recv_all(p, q, len);
		if (rc)
			break;
		p->stop = 0;
		rc = pull_in_msg(x, q, len, (uint64_t)time(NULL), p->err);
		if (rc == 1)
			return p->stop;
		if (rc == 0 && p->stop)
			rc = p->stop;
	}
	if (rc < 0 && p->err->code == 0)
		isp_err_set(p->err, rc, "%s: the transfer failed", p->o->server);
	return rc < 0 ? rc : ISR_EIO;
}

/* The transfer: IXFR from r->from when there is a copy, else (or when the IXFR cannot
 * be used) AXFR; the zone in p->zone at the end. */
static int transfer(struct pull *p, int had)
{
	struct rpz_pull_result *r = p->r;
	struct pull_in x;
	int rc;

	if (had) {
		rc = exchange(p, DNSW_IXFR, r->from, &x);
		if (rc == 0 && x.outcome == PULL_INCREMENTAL)
			rc = apply_diff(p);
		r->messages += x.msgs;
		r->records += x.recs;
		r->diffs = x.diffs;
		if (rc == 0 && x.outcome == PULL_INCREMENTAL && !p->missing) {
			r->kind = RPZ_PULL_IXFR;
			r->serial = x.serial;
			memcpy(p->soa, x.soa, sizeof(p->soa));
			pull_in_free(&x);
			return 0;
		}
		if (rc == 0 && x.outcome == PULL_ZONE) {
			r->kind = RPZ_PULL_AXFR;
			r->serial = x.serial;
			r->ixfr_fell_back = 1;
			memcpy(p->soa, x.soa, sizeof(p->soa));
			pull_lines_free(&p->recs);
			p->recs = p->full;
			memset(&p->full, 0, sizeof(p->full));
			pull_lines_sort(&p->recs);
			pull_in_free(&x);
			return 0;
		}
		pull_in_free(&x);
		if (rc != 0 && rc != ISR_ECORRUPT)
			return rc;
		/* the copy and the server disagree, or the server answered the IXFR with its
		 * SOA alone: the whole zone */
		r->ixfr_fell_back = 1;
		pull_lines_free(&p->recs);
		pull_lines_free(&p->del);
		pull_lines_free(&p->add);
		pull_lines_free(&p->full);
		p->missing = NULL;
		p->in_diff = 0;
	}
	rc = exchange(p, DNSW_AXFR, 0, &x);
	r->messages += x.msgs;
	r->records += x.recs;
	if (rc == 0 && x.outcome != PULL_ZONE)
		rc = isp_err_set(p->err, ISR_EFORMAT, "%s: the AXFR's answer is not a zone",
				 p->o->server);
	if (rc == 0) {
		r->kind = RPZ_PULL_AXFR;
		r->serial = x.serial;
		memcpy(p->soa, x.soa, sizeof(p->soa));
		p->recs = p->full;
		memset(&p->full, 0, sizeof(p->full));
		pull_lines_sort(&p->recs);
	}
	pull_in_free(&x);
	return rc;
}

/* ---- the import ---- */

/* The copy at r->copy imported, the serial recorded under meta, the snapshot compiled
 * beside the old one: one transaction; then the new snapshot put in place. */
static int import(struct pull *p, struct store *st, const char *meta, const char *value)
{
	const struct rpz_pull_opts *o = p->o;
	struct listimport_opts io = o->import;
	struct store_list l;
	char source[DOMAIN_BUFSZ + 8];
	int rc;

	snprintf(source, sizeof(source), "pull:%s", p->zone);
	io.format = LISTFMT_RPZ;
	io.source = source;
	io.origin = p->zone;
	io.strict = 0;
	rc = store_begin(st, p->err);
	if (rc)
		return rc;
	rc = store_list_get(st, o->list, o->kind, o->kind != LIST_KIND_NONE, &l, p->err);
	if (rc == 0)
		rc = listimport_file(st, &l, p->r->copy, &io, o->on_reject, o->ud, &p->r->imp,
				     p->err);
	if (rc == 0)
		rc = store_meta_set(st, meta, value, p->err);
	if (rc == 0)
		rc = snap_build_commit(st, o->snapshot, (int64_t)time(NULL), &p->r->bs, p->err);
	else
		store_rollback(st);
	return rc;
}

/* Our serial: the meta value "SERIAL ZONE" of this list when it is this zone's and the
 * copy agrees. 1 (r->from and p->zone's lines set), 0 (none: an AXFR), or an ISR code. */
static int our_serial(struct pull *p, struct store *st, const char *meta)
{
	char v[DOMAIN_BUFSZ + 32], zone[DOMAIN_BUFSZ], soa[64];
	unsigned serial;
	int rc = store_meta_get(st, meta, v, sizeof(v), p->err);

	if (rc)
		return rc;
	if (sscanf(v, "%u %253s", &serial, zone) != 2 || strcmp(zone, p->zone) != 0)
		return 0;
	rc = pull_copy_read(p->r->copy, p->zone, serial, PULL_MAX_RECORDS, &p->recs, soa,
			    sizeof(soa), p->err);
	if (rc == 1)
		p->r->from = serial;
	return rc;
}

static int setup(struct pull *p)
{
	const struct rpz_pull_opts *o = p->o;
	const char *slash = strrchr(o->snapshot, '/');
	int n;

	if (domain_normalise(o->zone, strlen(o->zone), p->zone, NULL) <= 0)
		return isp_err_set(p->err, ISR_EINVAL, "%s: not a zone name", o->zone);
	n = dnsw_name_wire(p->zone, p->origin, sizeof(p->origin));
	if (n < 0)
		return isp_err_set(p->err, ISR_EINVAL, "%s: not a zone name", o->zone);
	p->origin_len = (size_t)n;
	if (!str_is_name(o->list, strlen(o->list), 63))
		return isp_err_set(p->err, ISR_EINVAL, "list %s: not a list name", o->list);
	if (o->tsig && *o->tsig) {
		n = rpz_key_parse(o->tsig, "--tsig", &p->key, p->err);
		if (n)
			return n;
		p->signed_ = 1;
	}
	if (snprintf(p->r->copy, sizeof(p->r->copy), "%.*s/pull/%s.zone",
		     slash ? (int)(slash - o->snapshot) : 1, slash ? o->snapshot : ".",
		     o->list) >= (int)sizeof(p->r->copy))
		return isp_err_set(p->err, ISR_EINVAL, "snapshot path too long");
	p->buf = malloc(PULL_MSG_MAX + 2);
	if (!p->buf)
		return isp_err_set(p->err, ISR_ENOMEM, "out of memory");
	return fs_mkdir_parents(p->r->copy, p->err);
}

int rpz_pull(struct store *st, const struct rpz_pull_opts *o, struct rpz_pull_result *r,
	     struct isp_err *err)
{
	struct pull *p = calloc(1, sizeof(*p));
	struct pull_in x;
	char meta[128], value[DOMAIN_BUFSZ + 32], prev[4300];
	int rc, had = 0, kept = 0;

	memset(r, 0, sizeof(*r));
	if (!p)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	p->o = o;
	p->r = r;
	p->err = err;
	p->fd = -1;
	p->deadline = time_mono_ms() + 1000LL * RPZ_PULL_DEADLINE;
	rc = setup(p);
	snprintf(meta, sizeof(meta), "pull %s", o->list);
	if (rc == 0 && !o->full) {
		rc = our_serial(p, st, meta);
		had = rc == 1;
		rc = rc < 0 ? rc : 0;
	}
	r->had_copy = had;
	if (rc == 0)
		rc = open_server(p);
	/* the SOA: is there anything newer? */
	if (rc == 0) {
		rc = exchange(p, DNSW_SOA, 0, &x);
		r->serial = x.serial;
		r->refresh = x.refresh;
		r->retry = x.retry;
		if (rc == 0 && x.outcome != PULL_CURRENT)
			rc = isp_err_set(err, ISR_EFORMAT,
					 "%s: the SOA query's answer is not one SOA", o->server);
		pull_in_free(&x);
	}
	if (rc == 0 && had && (int32_t)(r->serial - r->from) <= 0) {
		r->kind = RPZ_PULL_CURRENT;
		r->zone_records = (long)p->recs.n;
		goto out;
	}
	if (rc == 0)
		rc = transfer(p, had);
	if (rc)
		goto out;
	close(p->fd);
	p->fd = -1;
	r->zone_records = (long)p->recs.n;
	/* the new copy; the old one aside until the import has committed */
	snprintf(prev, sizeof(prev), "%s.prev", r->copy);
	kept = rename(r->copy, prev) == 0;
	rc = pull_copy_write(r->copy, p->zone, r->serial, p->soa, &p->recs, err);
	snprintf(value, sizeof(value), "%u %s", (unsigned)r->serial, p->zone);
	if (rc == 0)
		rc = import(p, st, meta, value);
	if (rc && kept)
		rename(prev, r->copy);
	else if (kept)
		unlink(prev);
	else if (rc)
		unlink(r->copy);
out:
	if (p->fd >= 0)
		close(p->fd);
	pull_lines_free(&p->recs);
	pull_lines_free(&p->del);
	pull_lines_free(&p->add);
	pull_lines_free(&p->full);
	sodium_memzero(&p->key, sizeof(p->key));
	free(p->buf);
	free(p);
	return rc;
}
