/*
 * xfr.c -- a request to the RPZ service answered (see rpz_int.h): SOA over UDP and TCP,
 * AXFR and IXFR over TCP (IXFR over UDP gets the SOA, which tells the secondary to come
 * back over TCP, RFC 1995 section 2), everything else REFUSED. A transfer is a list of
 * segments (an SOA, or records of a zone or of a journal difference) that rpz_xfr_next
 * packs into messages of at most RPZ_MSG_MAX bytes, each with the question (its name is
 * the origin every owner points to) and each signed when the request was.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/domain.h"
#include "rpz/rpz_int.h"

static const uint8_t soa_mname[] = "\x09localhost";
static const uint8_t soa_rname[] = "\x0ahostmaster\x09localhost";

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t rpz_put_soa(const struct rpz_zone *z, uint32_t serial, uint8_t *out, size_t off, size_t cap)
{
	size_t rdlen = sizeof(soa_mname) + sizeof(soa_rname) + 20;
	uint8_t *p = out + off;

	if (off + 12 + rdlen > cap)
		return 0;
	p[0] = 0xc0;
	p[1] = DNSW_HEADER;
	dnsw_put16(p + 2, DNSW_SOA);
	dnsw_put16(p + 4, DNSW_CLASS_IN);
	put32(p + 6, z->ttl);
	dnsw_put16(p + 10, (uint16_t)rdlen);
	p += 12;
	memcpy(p, soa_mname, sizeof(soa_mname));
	p += sizeof(soa_mname);
	memcpy(p, soa_rname, sizeof(soa_rname));
	p += sizeof(soa_rname);
	put32(p, serial);
	put32(p + 4, RPZ_REFRESH);
	put32(p + 8, RPZ_RETRY);
	put32(p + 12, RPZ_EXPIRE);
	put32(p + 16, z->ttl);
	return off + 12 + rdlen;
}

/* Write record r of zone z at out[off] (owner: its labels, then a pointer to the
 * question's name). Returns the new offset, or 0 if it would pass cap. */
static size_t put_rec(const struct rpz_zone *z, const uint8_t *r, uint8_t *out, size_t off,
		      size_t cap)
{
	size_t olen = r[0], rdlen = dnsw_get16(r + 3 + olen);
	uint8_t *p = out + off;

	if (off + olen + 12 + rdlen > cap)
		return 0;
	memcpy(p, r + 1, olen);
	p += olen;
	p[0] = 0xc0;
	p[1] = DNSW_HEADER;
	memcpy(p + 2, r + 1 + olen, 2); /* type */
	dnsw_put16(p + 4, DNSW_CLASS_IN);
	put32(p + 6, z->ttl);
	memcpy(p + 10, r + 3 + olen, 2 + rdlen);
	return off + olen + 12 + rdlen;
}

/* The header and question of a response to q; returns the offset after them. */
static size_t head(uint8_t *out, const struct dnsw_query *q, int rcode, int aa)
{
	uint16_t flags = DNSW_QR | (uint16_t)(DNSW_OPCODE(q->flags) << 11) | (q->flags & DNSW_RD) |
			 (aa ? DNSW_AA : 0) | (uint16_t)(rcode & 15);

	memset(out, 0, DNSW_HEADER);
	dnsw_put16(out, q->id);
	dnsw_put16(out + 2, flags);
	if (!q->qname_len)
		return DNSW_HEADER;
	dnsw_put16(out + 4, 1);
	memcpy(out + DNSW_HEADER, q->qname, q->qname_len);
	dnsw_put16(out + DNSW_HEADER + q->qname_len, q->qtype);
	dnsw_put16(out + DNSW_HEADER + q->qname_len + 2, q->qclass);
	return DNSW_HEADER + q->qname_len + 4;
}

/* Finish a one-message answer: sign it when the request was signed. */
static size_t finish(const struct rpz_tsig_req *t, int signed_, uint64_t now, uint8_t *out,
		     size_t n, size_t cap)
{
	struct rpz_tsig_sign s;
	int m;

	if (!signed_)
		return n;
	rpz_tsig_sign_init(&s, t, now);
	m = rpz_tsig_append(&s, out, n, cap);
	return m < 0 ? n : (size_t)m;
}

/* The client's serial: the SOA in the authority section of an IXFR. */
struct ixwalk {
	const uint8_t *pkt;
	size_t len;
	int found;
	uint32_t serial;
};

static int on_auth(void *ud, const struct dnsw_rr *rr)
{
	struct ixwalk *w = ud;
	size_t off, end;

	if (rr->section != 2 || rr->type != DNSW_SOA || w->found)
		return 0;
	off = (size_t)(rr->rdata - w->pkt);
	end = off + rr->rdlen;
	if (dnsw_read_name(w->pkt, end, off, &off, NULL, NULL, NULL) < 0 ||
	    dnsw_read_name(w->pkt, end, off, &off, NULL, NULL, NULL) < 0 || off + 20 != end)
		return -1;
	w->serial = (uint32_t)w->pkt[off] << 24 | (uint32_t)w->pkt[off + 1] << 16 |
		    (uint32_t)w->pkt[off + 2] << 8 | w->pkt[off + 3];
	w->found = 1;
	return 0;
}

static struct rpz_zstate *find_zone(struct rpz_ctx *c, const char *name)
{
	int i;

	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return &c->zones[i];
	return NULL;
}

static int add_seg(struct rpz_xfr *x, int is_soa, uint32_t soa, const uint8_t *arena,
		   const uint32_t *recs, size_t n)
{
	struct rpz_seg *s = &x->seg[x->nseg++];

	s->is_soa = is_soa;
	s->soa = soa;
	s->arena = arena;
	s->recs = recs;
	s->n = n;
	return 0;
}

/* The transfer of zs to a client at serial `from` (ixfr) or of the whole zone. */
static struct rpz_xfr *xfr_new(struct rpz_zstate *zs, const struct dnsw_query *q, int ixfr,
			       uint32_t from)
{
	struct rpz_zone *z = zs->cur;
	struct rpz_xfr *x = calloc(1, sizeof(*x));
	long first = ixfr ? rpz_journal_find(&zs->journal, from) : -1;
	size_t i, nd = 0;

	if (!x)
		return NULL;
	if (first >= 0) {
		/* the chain must reach the current serial */
		nd = zs->journal.n - (size_t)first;
		for (i = (size_t)first; i + 1 < zs->journal.n; i++)
			if (zs->journal.d[i]->to != zs->journal.d[i + 1]->from)
				nd = 0;
		if (nd && zs->journal.d[zs->journal.n - 1]->to != z->serial)
			nd = 0;
	}
	x->seg = calloc(3 + 4 * nd, sizeof(*x->seg));
	x->diffs = calloc(nd ? nd : 1, sizeof(struct rpz_diff *));
	if (!x->seg || !x->diffs) {
		rpz_xfr_free(x);
		return NULL;
	}
	x->zone = z;
	z->refs++;
	add_seg(x, 1, z->serial, NULL, NULL, 0);
	if (nd) {
		x->ixfr = 1;
		for (i = 0; i < nd; i++) {
			struct rpz_diff *d = zs->journal.d[(size_t)first + i];

			d->refs++;
			x->diffs[x->ndiffs++] = d;
			add_seg(x, 1, d->from, NULL, NULL, 0);
			add_seg(x, 0, 0, d->arena, d->del, d->ndel);
			add_seg(x, 1, d->to, NULL, NULL, 0);
			add_seg(x, 0, 0, d->arena, d->add, d->nadd);
		}
	} else {
		add_seg(x, 0, 0, z->arena, z->recs, z->n);
	}
	add_seg(x, 1, z->serial, NULL, NULL, 0);
	memcpy(x->question, q->qname, q->qname_len);
	dnsw_put16(x->question + q->qname_len, q->qtype);
	dnsw_put16(x->question + q->qname_len + 2, q->qclass);
	x->qlen = q->qname_len + 4;
	x->id = q->id;
	x->flags = q->flags;
	return x;
}

size_t rpz_xfr_next(struct rpz_xfr *x, uint8_t *out, size_t cap)
{
	size_t off, n;
	unsigned an = 0;
	int m;

	if (x->si >= x->nseg || cap < RPZ_MSG_CAP)
		return 0;
	memset(out, 0, DNSW_HEADER);
	dnsw_put16(out, x->id);
	dnsw_put16(out + 2, DNSW_QR | DNSW_AA | (x->flags & DNSW_RD));
	dnsw_put16(out + 4, 1);
	memcpy(out + DNSW_HEADER, x->question, x->qlen);
	off = DNSW_HEADER + x->qlen;
	while (x->si < x->nseg && an < 65535) {
		const struct rpz_seg *s = &x->seg[x->si];

		if (s->is_soa) {
			n = rpz_put_soa(x->zone, s->soa, out, off, RPZ_MSG_MAX);
		} else if (x->ri >= s->n) {
			x->si++;
			x->ri = 0;
			continue;
		} else {
			n = put_rec(x->zone, s->arena + s->recs[x->ri], out, off, RPZ_MSG_MAX);
		}
		if (n == 0)
			break;
		off = n;
		an++;
		if (s->is_soa) {
			x->si++;
			x->ri = 0;
		} else {
			x->ri++;
		}
	}
	if (an == 0)
		return 0;
	dnsw_put16(out + 6, (uint16_t)an);
	x->msgs++;
	x->rrs += an;
	if (x->tsig) {
		m = rpz_tsig_append(&x->sign, out, off, cap);
		if (m > 0)
			off = (size_t)m;
	}
	return off;
}

void rpz_xfr_free(struct rpz_xfr *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->ndiffs; i++)
		rpz_diff_unref(x->diffs[i]);
	rpz_zone_unref(x->zone);
	free(x->diffs);
	free(x->seg);
	free(x);
}

/* REFUSED (limit: by which limit, or NULL). */
static size_t refuse(const struct dnsw_query *q, const struct rpz_tsig_req *t, int verified,
		     uint64_t now, uint8_t *out, size_t cap, struct rpz_outcome *o,
		     const char *limit)
{
	size_t n = head(out, q, DNSW_REFUSED, 0);

	o->rcode = DNSW_REFUSED;
	o->limit = limit;
	return finish(t, verified, now, out, n, cap);
}

size_t rpz_handle(struct rpz_ctx *c, const uint8_t *pkt, size_t len, const struct sockaddr *from,
		  int tcp, int may_xfr, uint64_t now, uint8_t *out, size_t cap,
		  struct rpz_xfr **xfr, struct rpz_outcome *o)
{
	struct dnsw_query q;
	struct rpz_tsig_req t;
	struct rpz_zstate *zs;
	struct ixwalk iw;
	int rc, tq, verified;
	size_t n;

	*xfr = NULL;
	memset(o, 0, sizeof(*o));
	o->member = -1;
	if (len < DNSW_HEADER || (dnsw_get16(pkt + 2) & DNSW_QR) || cap < RPZ_MSG_CAP)
		return 0;
	rc = dnsw_parse_query(pkt, len, &q);
	if (rc == DNSW_DROP)
		return 0;
	o->qtype = q.qtype;
	tq = rpz_tsig_check(pkt, len, c->keys, c->nkeys, now, &t);
	verified = tq == 1;
	o->key = verified ? t.key->name : NULL;
	if (tq == -1)
		rc = DNSW_FORMERR;
	if (rc > 0) {
		o->rcode = rc;
		n = head(out, &q, rc, 0);
		return finish(&t, verified, now, out, n, cap);
	}
	if (tq == 2) {
		o->rcode = DNSW_NOTAUTH;
		o->tsig_error = t.error;
		n = head(out, &q, DNSW_NOTAUTH, 0);
		return finish(&t, 1, now, out, n, cap);
	}
	zs = q.name_ok ? find_zone(c, q.name) : NULL;
	o->zone = zs ? zs->name : NULL;
	o->member = rpz_member_of(c, verified ? t.key : NULL, from);
	if (!zs || !zs->cur || o->member < 0 || q.qclass != DNSW_CLASS_IN ||
	    (q.qtype != DNSW_SOA && q.qtype != DNSW_AXFR && q.qtype != DNSW_IXFR) ||
	    (q.qtype == DNSW_AXFR && !tcp))
		return refuse(&q, &t, verified, now, out, cap, o, NULL);
	memset(&iw, 0, sizeof(iw));
	if (q.qtype == DNSW_IXFR) {
		iw.pkt = pkt;
		iw.len = len;
		if (dnsw_walk_response(pkt, len, on_auth, &iw) != 0 || !iw.found) {
			o->rcode = DNSW_FORMERR;
			n = head(out, &q, DNSW_FORMERR, 0);
			return finish(&t, verified, now, out, n, cap);
		}
		o->client_serial = iw.serial;
	}
	/* SOA; IXFR over UDP or from the current serial (or newer): the SOA alone */
	if (q.qtype == DNSW_SOA ||
	    (q.qtype == DNSW_IXFR && (!tcp || (int32_t)(iw.serial - zs->cur->serial) >= 0))) {
		o->rcode = DNSW_NOERROR;
		if (q.qtype == DNSW_IXFR && tcp)
			o->current = zs->cur->serial;
		n = head(out, &q, DNSW_NOERROR, 1);
		n = rpz_put_soa(zs->cur, zs->cur->serial, out, n, RPZ_MSG_MAX);
		dnsw_put16(out + 6, 1);
		return finish(&t, verified, now, out, n, cap);
	}
	if (!may_xfr)
		return refuse(&q, &t, verified, now, out, cap, o, "transfers");
	if (c->member_max > 0 && c->members[o->member].active >= c->member_max)
		return refuse(&q, &t, verified, now, out, cap, o, "member transfers");
	if (!rpz_member_take(c, o->member, now))
		return refuse(&q, &t, verified, now, out, cap, o, "rate");
	*xfr = xfr_new(zs, &q, q.qtype == DNSW_IXFR, iw.serial);
	if (!*xfr) {
		o->rcode = DNSW_SERVFAIL;
		n = head(out, &q, DNSW_SERVFAIL, 0);
		return finish(&t, verified, now, out, n, cap);
	}
	o->rcode = DNSW_NOERROR;
	if (verified) {
		(*xfr)->treq = t;
		(*xfr)->tsig = 1;
		rpz_tsig_sign_init(&(*xfr)->sign, &(*xfr)->treq, now);
	}
	return rpz_xfr_next(*xfr, out, cap);
}

int rpz_zone_spec(const char *spec, struct rpz_zstate *zs, struct isp_err *err)
{
	const char *colon = strchr(spec, ':');
	char name[DOMAIN_BUFSZ];
	char *p, *save = NULL, *tok;
	size_t zl;

	memset(zs, 0, sizeof(*zs));
	if (!colon || colon == spec || !colon[1])
		return isp_err_set(err, ISR_EINVAL, "rpz.zone: %s: expected ZONE:LIST[+LIST...]",
				   spec);
	zl = (size_t)(colon - spec);
	if (domain_normalise(spec, zl, name, NULL) <= 0)
		return isp_err_set(err, ISR_EINVAL, "rpz.zone: %s: not a zone name", spec);
	snprintf(zs->name, sizeof(zs->name), "%s", name);
	snprintf(zs->listbuf, sizeof(zs->listbuf), "%s", colon + 1);
	for (p = zs->listbuf; (tok = strtok_r(p, "+", &save)) != NULL; p = NULL) {
		if (zs->nlists == RPZ_ZONE_LISTS)
			return isp_err_set(err, ISR_EINVAL, "rpz.zone: %s: more than %d lists",
					   spec, RPZ_ZONE_LISTS);
		zs->lists[zs->nlists++] = tok;
	}
	if (!zs->nlists)
		return isp_err_set(err, ISR_EINVAL, "rpz.zone: %s: no list", spec);
	return 0;
}
