/*
 * dnsprobe.c -- the DNS probe without per-target state: the keyed token of a target
 * (DNS ID, UDP source port, query-name label), the query, the validation and parsing of
 * a reply, and the IPv4/UDP header reader of the receiver. See survey.h.
 *
 * The token is SipHash-1-3 of the address under the scan's random key: the ID and port
 * from one hash, the label from another (8 hex digits of the address xor a keyed pad,
 * so the probe zone's server can recover the target, then 8 hex digits of a MAC over
 * the address). A reply is ours only if all of them match for its source address; an
 * off-path spoofer who does not know the key has 1 chance in 2^16 * 28416 per packet
 * before the question check, which needs the 32-bit MAC as well.
 */
#include <string.h>
#include <strings.h>

#include "core/base/siphash.h"
#include "core/net/dnswire.h"
#include "core/base/strbuf.h"
#include "survey/survey.h"

#define PORT_BASE  32768u
#define PORT_RANGE 28416u /* 32768..61183: the usual ephemeral range */

static uint64_t keyed(const struct survey_key *k, uint32_t addr, uint8_t purpose)
{
	uint8_t b[5] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			 (uint8_t)addr, purpose };

	return siphash13(k->k0, k->k1, b, sizeof(b));
}

static uint32_t pad(const struct survey_key *k)
{
	uint8_t b = 'p';

	return (uint32_t)siphash13(k->k0, k->k1, &b, 1);
}

static void hex8(char *out, uint32_t v)
{
	static const char hx[] = "0123456789abcdef";
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = hx[v & 15];
		v >>= 4;
	}
}

void survey_token(const struct survey_key *k, uint32_t addr, struct survey_token *t)
{
	uint64_t h = keyed(k, addr, 'd');

	t->id = (uint16_t)h;
	t->sport = (uint16_t)(PORT_BASE + (uint32_t)((h >> 16) % PORT_RANGE));
	hex8(t->label, addr ^ pad(k));
	hex8(t->label + 8, (uint32_t)(keyed(k, addr, 'm') >> 32));
	t->label[SURVEY_LABEL_LEN] = '\0';
}

int survey_label_decode(const struct survey_key *k, const char *label, size_t len, uint32_t *addr)
{
	uint32_t enc = 0, mac = 0;
	size_t i;

	if (len != SURVEY_LABEL_LEN)
		return -1;
	for (i = 0; i < SURVEY_LABEL_LEN; i++) {
		int v = hex_value(label[i]);

		if (v < 0)
			return -1;
		if (i < 8)
			enc = enc << 4 | (uint32_t)v;
		else
			mac = mac << 4 | (uint32_t)v;
	}
	enc ^= pad(k);
	if ((uint32_t)(keyed(k, enc, 'm') >> 32) != mac)
		return -1;
	*addr = enc;
	return 0;
}

/* Append the labels of a dotted name to out at *off. -1 if too long or bad. */
static int put_name(uint8_t *out, size_t outsz, size_t *off, const char *name)
{
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || *off + 1 + l + 1 > outsz)
			return -1;
		out[(*off)++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) /* label bytes, no terminator: wire form */
			out[(*off)++] = (uint8_t)p[i];
		p += l;
		if (*p == '.')
			p++;
	}
	return 0;
}

/* The wire form of the probe name of addr; its length or -1. */
static int probe_name(const struct survey_dns *d, const struct survey_token *t, uint8_t *out,
		      size_t outsz)
{
	size_t off = 0;

	if (put_name(out, outsz, &off, t->label) != 0)
		return -1;
	if (d->contact[0] && put_name(out, outsz, &off, d->contact) != 0)
		return -1;
	if (put_name(out, outsz, &off, d->zone) != 0 || off + 1 > outsz || off + 1 > 255)
		return -1;
	out[off++] = 0;
	return (int)off;
}

int survey_dns_query(const struct survey_dns *d, uint32_t addr, uint8_t *out, size_t outsz,
		     struct isp_err *err)
{
	struct survey_token t;
	int nl;
	size_t off;

	if (!survey_scope_allows(d->scope, addr))
		return isp_err_set(err, ISR_EINVAL,
				   "refused: %u.%u.%u.%u is outside the authorised prefixes or "
				   "excluded; no packet built",
				   addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
	if (outsz < DNSW_HEADER + 4 + 11)
		return isp_err_set(err, ISR_ELIMIT, "query buffer too small");
	survey_token(&d->key, addr, &t);
	memset(out, 0, DNSW_HEADER);
	dnsw_put16(out, t.id);
	dnsw_put16(out + 2, DNSW_RD);
	dnsw_put16(out + 4, 1);
	dnsw_put16(out + 10, d->edns ? 1 : 0);
	nl = probe_name(d, &t, out + DNSW_HEADER, outsz - DNSW_HEADER - 4 - 11);
	if (nl < 0)
		return isp_err_set(err, ISR_EINVAL, "probe name too long for zone %s", d->zone);
	off = DNSW_HEADER + (size_t)nl;
	dnsw_put16(out + off, DNSW_A);
	dnsw_put16(out + off + 2, DNSW_CLASS_IN);
	off += 4;
	if (d->edns) {
		out[off++] = 0; /* root owner */
		dnsw_put16(out + off, DNSW_OPT);
		dnsw_put16(out + off + 2, d->edns);
		memset(out + off + 4, 0, 6); /* ext rcode, version, flags, rdlen */
		off += 10;
	}
	return (int)off;
}

struct walk {
	struct survey_dns_result *r;
};

static int on_rr(void *ud, const struct dnsw_rr *rr)
{
	struct walk *w = ud;

	if (rr->section == 1 && rr->type == DNSW_A && rr->rclass == DNSW_CLASS_IN &&
	    rr->rdlen == 4 && !w->r->has_a) {
		w->r->has_a = 1;
		w->r->answer = (uint32_t)rr->rdata[0] << 24 | (uint32_t)rr->rdata[1] << 16 |
			       (uint32_t)rr->rdata[2] << 8 | rr->rdata[3];
	} else if (rr->type == DNSW_OPT && rr->section == 3) {
		w->r->edns_size = rr->rclass;
	}
	return 0;
}

enum survey_reject survey_dns_check(const struct survey_dns *d, uint32_t src, uint16_t sport,
				    uint16_t dport, const uint8_t *pkt, size_t len,
				    struct survey_dns_result *r)
{
	struct survey_token t;
	uint8_t qname[DNSW_MAX_NAME];
	uint8_t q[SURVEY_DNS_MAX_QUERY];
	struct walk w;
	int nl, ql;

	memset(r, 0, sizeof(*r));
	if (!survey_scope_allows(d->scope, src))
		return SR_SCOPE;
	survey_token(&d->key, src, &t);
	if (sport != 53 || dport != t.sport)
		return SR_PORT;
	if (len < DNSW_HEADER)
		return SR_MALFORMED;
	if (dnsw_get16(pkt) != t.id)
		return SR_ID;
	nl = probe_name(d, &t, qname, sizeof(qname));
	r->flags = dnsw_get16(pkt + 2);
	r->rcode = DNSW_RCODE(r->flags);
	if (nl < 0 ||
	    !dnsw_response_matches(pkt, len, t.id, qname, (size_t)nl, DNSW_A, DNSW_CLASS_IN)) {
		/* An error without the question (Unbound's REFUSED has none) still shows the
		 * target is closed; source, port and ID matched. Never a finding: open needs
		 * the question. */
		if ((r->flags & DNSW_QR) && dnsw_get16(pkt + 4) == 0 && r->rcode != DNSW_NOERROR) {
			r->addr = src;
			r->resp_size = len > 65535 ? 65535 : (uint16_t)len;
			return SR_OK;
		}
		memset(r, 0, sizeof(*r));
		return SR_QUESTION;
	}
	r->addr = src;
	w.r = r;
	if (dnsw_walk_response(pkt, len, on_rr, &w) != 0) {
		memset(r, 0, sizeof(*r));
		return SR_MALFORMED;
	}
	ql = survey_dns_query(d, src, q, sizeof(q), NULL);
	r->query_size = ql > 0 ? (uint16_t)ql : 0;
	r->resp_size = len > 65535 ? 65535 : (uint16_t)len;
	r->answer_ok = r->has_a && r->answer == d->expect_a;
	r->open = r->rcode == DNSW_NOERROR && (r->flags & DNSW_RA) && r->has_a;
	return SR_OK;
}

int survey_ip_udp(const uint8_t *pkt, size_t len, uint32_t *src, uint32_t *dst, uint16_t *sport,
		  uint16_t *dport, const uint8_t **payload, size_t *plen)
{
	size_t ihl, tot, ulen;

	if (len < 20 || (pkt[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(pkt[0] & 15) * 4;
	tot = dnsw_get16(pkt + 2);
	if (ihl < 20 || pkt[9] != 17 || tot < ihl + 8 || tot > len)
		return -1;
	if ((dnsw_get16(pkt + 6) & 0x3fff) != 0) /* MF or an offset: a fragment */
		return -1;
	ulen = dnsw_get16(pkt + ihl + 4);
	if (ulen < 8 || ihl + ulen > tot)
		return -1;
	*src = (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15];
	*dst = (uint32_t)pkt[16] << 24 | (uint32_t)pkt[17] << 16 | (uint32_t)pkt[18] << 8 | pkt[19];
	*sport = dnsw_get16(pkt + ihl);
	*dport = dnsw_get16(pkt + ihl + 2);
	*payload = pkt + ihl + 8;
	*plen = ulen - 8;
	return 0;
}

/* Does name (presentation, lower case) lie in zone? Returns the length of the part
 * before ".zone" (0 for the apex), or -1. */
static int in_zone(const char *name, size_t nlen, const char *zone)
{
	size_t zl = strlen(zone);

	if (nlen == zl && strcasecmp(name, zone) == 0)
		return 0;
	if (nlen > zl + 1 && name[nlen - zl - 1] == '.' && strcasecmp(name + nlen - zl, zone) == 0)
		return (int)(nlen - zl - 1);
	return -1;
}

int survey_zone_answer(const struct survey_dns *d, const uint8_t *qp, size_t qlen, uint8_t *out,
		       size_t outsz, uint32_t *target)
{
	struct dnsw_query q;
	int rc, n, pre;
	uint16_t fl;

	*target = 0;
	rc = dnsw_parse_query(qp, qlen, &q);
	if (rc == DNSW_DROP)
		return -1;
	if (rc > 0)
		return dnsw_build_response(&q, rc, -1, NULL, out, outsz);
	pre = q.name_ok ? in_zone(q.name, q.name_len, d->zone) : -1;
	if (pre < 0) {
		n = dnsw_build_response(&q, DNSW_REFUSED, -1, NULL, out, outsz);
	} else {
		const char *dot = memchr(q.name, '.', (size_t)pre);
		size_t l1 = dot ? (size_t)(dot - q.name) : (size_t)pre;
		uint32_t a;
		uint8_t ab[4];

		if (pre > 0 && survey_label_decode(&d->key, q.name, l1, &a) == 0) {
			*target = a;
			ab[0] = (uint8_t)(d->expect_a >> 24);
			ab[1] = (uint8_t)(d->expect_a >> 16);
			ab[2] = (uint8_t)(d->expect_a >> 8);
			ab[3] = (uint8_t)d->expect_a;
			n = dnsw_build_address(&q, 4, ab, 0, -1, NULL, out, outsz);
		} else {
			n = dnsw_build_response(&q, DNSW_NOERROR, -1, NULL, out, outsz);
		}
	}
	if (n < DNSW_HEADER)
		return -1;
	fl = dnsw_get16(out + 2);
	fl = (uint16_t)((fl | DNSW_AA) & ~DNSW_RA); /* authoritative, not recursive */
	dnsw_put16(out + 2, fl);
	return n;
}
