/*
 * dnswire.c -- the DNS wire codec of the forwarder (see dnswire.h for the contract).
 *
 * Built around one bounded name reader (read_name) and one record reader (read_rr):
 * every other function is a loop over them, so the rules that keep hostile packets
 * harmless live in one place:
 *   - every read is checked against the packet length before it happens;
 *   - a compression pointer must point before the start of the label run that holds
 *     it (so each hop goes strictly backwards and a name is finite: no pointer to
 *     itself, no forward pointer, no two pointers to each other), at most
 *     DNSW_MAX_POINTERS of them per name, and the expanded name is at most
 *     DNSW_MAX_NAME bytes;
 *   - label types 0x40 and 0x80 (extended / reserved) are errors;
 *   - section counts are never trusted: each record consumes bytes, so a count of
 *     65535 runs out of packet after a few iterations and is reported as malformed.
 * Presentation names are lower-cased ASCII; a label byte that would make the text
 * ambiguous ('.', '\\', < 0x21, > 0x7e) is written as '?' and clears the name's "ok"
 * flag, so such a name can be logged and forwarded but never matched against a list.
 * Nothing here allocates: names go into fixed buffers of the caller's structs, and
 * responses are written into the caller's buffer.
 */
#include <string.h>

#include "core/net/dnswire.h"

/* A decoded name: any of the outputs may be NULL. */
struct name_out {
	uint8_t *wire; /* DNSW_MAX_NAME bytes: the expanded wire form, case kept */
	size_t wire_len;
	char *pres; /* 256 bytes: presentation form, lower-cased, no trailing dot */
	size_t pres_len;
	int ok; /* no ambiguous byte in any label */
};

static int bad_pres_byte(uint8_t b)
{
	return b == '.' || b == '\\' || b < 0x21 || b > 0x7e;
}

static uint8_t lower(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Read the name at pkt[off], following compression pointers (only backwards, bounded).
 * *end gets the offset just past the name where it was written (past the first pointer
 * or the root label). Returns 0, or -1 if the name is malformed or runs past len.
 */
static int read_name(const uint8_t *pkt, size_t len, size_t off, size_t *end, struct name_out *n)
{
	size_t pos = off, run = off, wlen = 0, plen = 0, i;
	int ptrs = 0, have_end = 0;
	uint8_t c, b;

	if (n) {
		n->wire_len = 0;
		n->pres_len = 0;
		n->ok = 1;
		if (n->pres)
			n->pres[0] = '\0';
	}
	for (;;) {
		if (pos >= len)
			return -1;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -1;
			target = (size_t)(c & 0x3f) << 8 | pkt[pos + 1];
			if (!have_end) {
				*end = pos + 2;
				have_end = 1;
			}
			if (target >= run || ++ptrs > DNSW_MAX_POINTERS)
				return -1;
			pos = target;
			run = target;
			continue;
		}
		if (c & 0xc0)
			return -1;
		if (c == 0)
			break;
		/* room for this label and, after it, the root label */
		if (wlen + 1 + c + 1 > DNSW_MAX_NAME)
			return -1;
		if (pos + 1 + c > len)
			return -1;
		if (n && n->wire)
			memcpy(n->wire + wlen, pkt + pos, (size_t)c + 1);
		if (n && n->pres && plen > 0)
			n->pres[plen] = '.';
		if (plen > 0)
			plen++;
		for (i = 0; i < c; i++) {
			b = pkt[pos + 1 + i];
			if (n && bad_pres_byte(b))
				n->ok = 0;
			if (n && n->pres)
				n->pres[plen] = bad_pres_byte(b) ? '?' : (char)lower(b);
			plen++;
		}
		wlen += (size_t)c + 1;
		pos += (size_t)c + 1;
	}
	if (n && n->wire)
		n->wire[wlen] = 0;
	wlen++;
	if (!have_end)
		*end = pos + 1;
	if (n) {
		n->wire_len = wlen;
		n->pres_len = plen;
		if (n->pres)
			n->pres[plen] = '\0';
	}
	return 0;
}

int dnsw_read_name(const uint8_t *pkt, size_t len, size_t off, size_t *end, char *pres,
		   uint8_t *wire, size_t *wire_len)
{
	struct name_out n = { 0 };

	n.pres = pres;
	n.wire = wire;
	if (read_name(pkt, len, off, end, &n) < 0)
		return -1;
	if (wire_len)
		*wire_len = n.wire_len;
	return 0;
}

/* Skip the question section starting at *off. Returns 0 or -1. */
static int skip_questions(const uint8_t *pkt, size_t len, unsigned count, size_t *off)
{
	unsigned i;
	size_t end;

	for (i = 0; i < count; i++) {
		if (read_name(pkt, len, *off, &end, NULL) < 0)
			return -1;
		if (end + 4 > len)
			return -1;
		*off = end + 4;
	}
	return 0;
}

/*
 * Read the record at pkt[*off] into rr (section as given) and advance *off past it.
 * CNAME/DNAME targets are decoded and must fill their RDATA exactly. Returns 0 or -1.
 */
static int read_rr(const uint8_t *pkt, size_t len, size_t *off, int section, struct dnsw_rr *rr,
		   int *owner_root)
{
	struct name_out n = { 0 };
	size_t end, tend, rd;

	n.pres = rr->owner;
	rr->offset = *off;
	if (read_name(pkt, len, *off, &end, &n) < 0)
		return -1;
	*owner_root = n.wire_len == 1;
	if (end + 10 > len)
		return -1;
	rr->section = section;
	rr->type = dnsw_get16(pkt + end);
	rr->rclass = dnsw_get16(pkt + end + 2);
	rr->ttl_offset = end + 4;
	rr->ttl = get32(pkt + end + 4);
	rr->rdlen = dnsw_get16(pkt + end + 8);
	rd = end + 10;
	if (rd + rr->rdlen > len)
		return -1;
	rr->rdata = pkt + rd;
	rr->target[0] = '\0';
	if (rr->type == DNSW_CNAME || rr->type == DNSW_DNAME) {
		struct name_out t = { 0 };

		t.pres = rr->target;
		/* the target may point back into the packet, but must end inside RDATA */
		if (read_name(pkt, rd + rr->rdlen, rd, &tend, &t) < 0 || tend != rd + rr->rdlen)
			return -1;
	}
	*off = rd + rr->rdlen;
	return 0;
}

/* The header's record count of a section: 0 question, 1 answer, 2 authority, 3 additional. */
static unsigned count_at(const uint8_t *pkt, int section)
{
	return dnsw_get16(pkt + 4 + 2 * (size_t)section);
}

/* ---- queries ---- */

/* Check the OPT RDATA is a well-formed sequence of options. */
static int opt_options_ok(const uint8_t *rd, size_t rdlen)
{
	size_t pos = 0, olen;

	while (pos < rdlen) {
		if (pos + 4 > rdlen)
			return 0;
		olen = dnsw_get16(rd + pos + 2);
		if (pos + 4 + olen > rdlen)
			return 0;
		pos += 4 + olen;
	}
	return 1;
}

/* Parse the records after the question of a query; find and check the OPT. */
static int query_records(const uint8_t *pkt, size_t len, size_t off, struct dnsw_query *q)
{
	struct dnsw_rr rr;
	int sec, root, seen_opt = 0;
	unsigned i;

	for (sec = 1; sec <= 3; sec++) {
		for (i = 0; i < count_at(pkt, sec); i++) {
			if (read_rr(pkt, len, &off, sec, &rr, &root) < 0)
				return -1;
			if (rr.type != DNSW_OPT)
				continue;
			/* RFC 6891 6.1.1: only in additional, once, owned by the root */
			if (sec != 3 || seen_opt || !root)
				return -1;
			seen_opt = 1;
			if (!opt_options_ok(rr.rdata, rr.rdlen))
				return -1;
			q->has_edns = 1;
			q->udp_size = rr.rclass < DNSW_MIN_UDP ? DNSW_MIN_UDP : rr.rclass;
			q->edns_version = (uint8_t)(rr.ttl >> 16);
			q->edns_do = (rr.ttl & 0x8000) != 0;
		}
	}
	return 0;
}

int dnsw_parse_query(const uint8_t *pkt, size_t len, struct dnsw_query *q)
{
	struct name_out n = { 0 };
	uint8_t wire[DNSW_MAX_NAME];
	size_t off = DNSW_HEADER, end;
	unsigned qd;
	int bad;

	memset(q, 0, sizeof(*q));
	q->udp_size = DNSW_MIN_UDP;
	if (len < DNSW_HEADER)
		return DNSW_DROP;
	q->id = dnsw_get16(pkt);
	q->flags = dnsw_get16(pkt + 2);
	if (q->flags & DNSW_QR)
		return DNSW_DROP;
	/* the rcode for a message we can't parse: NOTIMP wins over FORMERR */
	bad = DNSW_OPCODE(q->flags) != 0 ? DNSW_NOTIMP : DNSW_FORMERR;
	qd = count_at(pkt, 0);
	if (qd > 1)
		return bad;
	if (qd == 1) {
		n.wire = wire;
		n.pres = q->name;
		if (read_name(pkt, len, off, &end, &n) < 0 || end + 4 > len) {
			q->name[0] = '\0';
			return bad;
		}
		memcpy(q->qname, wire, n.wire_len);
		q->qname_len = n.wire_len;
		q->name_len = n.pres_len;
		q->name_ok = n.ok;
		q->qtype = dnsw_get16(pkt + end);
		q->qclass = dnsw_get16(pkt + end + 2);
		off = end + 4;
		q->question_end = off;
	}
	if (query_records(pkt, len, off, q) < 0)
		return bad;
	if (qd == 0 || DNSW_OPCODE(q->flags) != 0)
		return bad;
	return 0;
}

/* ---- building responses ---- */

/* A bounded writer over the caller's buffer. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void w_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (n == 0)
		return;
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void w16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2];

	dnsw_put16(b, v);
	w_bytes(w, b, 2);
}

static void w32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	w_bytes(w, b, 4);
}

/* How many bytes of text fit in room without cutting a UTF-8 sequence. */
static size_t utf8_fit(const char *text, size_t tlen, size_t room)
{
	size_t n;

	if (tlen <= room)
		return tlen;
	n = room;
	while (n > 0 && ((uint8_t)text[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int dnsw_name_wire(const char *text, uint8_t *out, size_t outsz)
{
	size_t o = 0, n = strlen(text);

	if (n > 0 && text[n - 1] == '.')
		n--;
	while (n > 0) {
		size_t l = 0, i;

		while (l < n && text[l] != '.')
			l++;
		if (l == 0 || l > 63 || o + 1 + l + 1 > outsz || o + 1 + l + 1 > DNSW_MAX_NAME)
			return -1;
		for (i = 0; i < l; i++)
			if ((uint8_t)text[i] < 0x21 || (uint8_t)text[i] > 0x7e)
				return -1;
		out[o++] = (uint8_t)l;
		memcpy(out + o, text, l);
		o += l;
		text += l;
		n -= l;
		if (n > 0) { /* the dot */
			text++;
			n--;
			if (n == 0)
				return -1; /* "a..": an empty label */
		}
	}
	if (o + 1 > outsz)
		return -1;
	out[o++] = 0;
	return (int)o;
}

/*
 * Count the records of rrs[0..rrlen) ({u16 type, u16 rdlength, rdata}...) of type want
 * (every type when want is 255, ANY). Returns the count, or -1 if rrs is malformed.
 */
static int count_rrs(const uint8_t *rrs, size_t rrlen, uint16_t want)
{
	size_t off = 0;
	int n = 0;

	while (off < rrlen) {
		uint16_t t, l;

		if (rrlen - off < 4)
			return -1;
		t = dnsw_get16(rrs + off);
		l = dnsw_get16(rrs + off + 2);
		if (rrlen - off - 4 < l)
			return -1;
		if (t != 0 && (want == 255 || t == want))
			n++;
		off += 4 + (size_t)l;
	}
	return n;
}

/*
 * Write a response: header, question, the records of rrs of type want as the answer
 * (owner: the question's name; none when want is 0), an optional SOA in authority (soa
 * NULL: none), OPT with EDE when q had EDNS. Returns the length or -1.
 */
static int build(const struct dnsw_query *q, int rcode, const uint8_t *rrs, size_t rrlen,
		 uint16_t want, uint32_t ttl, const struct dnsw_soa *soa, int ede_code,
		 const char *extra_text, uint8_t *out, size_t outsz)
{
	struct wbuf w = { out, 0, outsz, 0 };
	uint16_t flags, rdlen;
	size_t tlen = 0, limit, fixed, off;
	int ede = q->has_edns && ede_code >= 0;
	int an = want ? count_rrs(rrs, rrlen, want) : 0;

	if (an < 0 || an > 0xffff)
		return -1;
	if (rcode < 0 || rcode > 0xfff || (rcode > 0xf && !q->has_edns))
		return -1;
	if (ede_code > 0xffff || q->qname_len > DNSW_MAX_NAME)
		return -1;
	/* opcode copied from the query (RFC 1035 4.1.1), so a NOTIMP answers in kind */
	flags = DNSW_QR | DNSW_RA | (q->flags & (DNSW_RD | DNSW_CD | 0x7800)) |
		(uint16_t)(rcode & 0xf);
	w16(&w, q->id);
	w16(&w, flags);
	w16(&w, q->qname_len > 0 ? 1 : 0);
	w16(&w, (uint16_t)an);
	w16(&w, soa ? 1 : 0);
	w16(&w, q->has_edns ? 1 : 0);
	if (q->qname_len > 0) {
		w_bytes(&w, q->qname, q->qname_len);
		w16(&w, q->qtype);
		w16(&w, q->qclass);
	}
	for (off = 0; an > 0 && off < rrlen;) {
		uint16_t t = dnsw_get16(rrs + off), l = dnsw_get16(rrs + off + 2);

		if (t != 0 && (want == 255 || t == want)) {
			w16(&w, 0xc000 | DNSW_HEADER); /* the question's name */
			w16(&w, t);
			w16(&w, DNSW_CLASS_IN);
			w32(&w, ttl);
			w16(&w, l);
			w_bytes(&w, rrs + off + 4, l);
		}
		off += 4 + (size_t)l;
	}
	if (soa) {
		if (soa->mname_len > DNSW_MAX_NAME || soa->rname_len > DNSW_MAX_NAME ||
		    q->qname_len == 0)
			return -1;
		w16(&w, 0xc000 | DNSW_HEADER); /* owner: the question's name */
		w16(&w, DNSW_SOA);
		w16(&w, DNSW_CLASS_IN);
		w32(&w, soa->ttl);
		w16(&w, (uint16_t)(soa->mname_len + soa->rname_len + 20));
		w_bytes(&w, soa->mname, soa->mname_len);
		w_bytes(&w, soa->rname, soa->rname_len);
		w32(&w, soa->serial);
		w32(&w, 3600);	   /* refresh */
		w32(&w, 600);	   /* retry */
		w32(&w, 86400);	   /* expire */
		w32(&w, soa->ttl); /* minimum: the negative-caching TTL */
	}
	if (!q->has_edns)
		return w.err ? -1 : (int)w.len;
	/* OPT: root owner, our UDP size, extended rcode / version 0 / DO in the TTL */
	fixed = w.len + 11 + (ede ? 6 : 0);
	if (w.err || fixed > outsz)
		return -1;
	if (ede && extra_text) {
		limit = outsz;
		if (q->udp_size < limit)
			limit = q->udp_size;
		tlen = utf8_fit(extra_text, strlen(extra_text), limit > fixed ? limit - fixed : 0);
	}
	rdlen = (uint16_t)(ede ? 6 + tlen : 0);
	w_bytes(&w, "", 1);
	w16(&w, DNSW_OPT);
	w16(&w, DNSW_MAX_UDP);
	w32(&w, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? 0x8000u : 0));
	w16(&w, rdlen);
	if (ede) {
		w16(&w, DNSW_OPT_EDE);
		w16(&w, (uint16_t)(2 + tlen));
		w16(&w, (uint16_t)ede_code);
		w_bytes(&w, extra_text, tlen);
	}
	return w.err ? -1 : (int)w.len;
}

int dnsw_build_response(const struct dnsw_query *q, int rcode, int ede_code, const char *extra_text,
			uint8_t *out, size_t outsz)
{
	return build(q, rcode, NULL, 0, 0, 0, NULL, ede_code, extra_text, out, outsz);
}

int dnsw_build_blocked(const struct dnsw_query *q, int rcode, int family, const uint8_t *addr,
		       uint32_t ttl, const struct dnsw_soa *soa, int ede_code,
		       const char *extra_text, uint8_t *out, size_t outsz)
{
	uint8_t rr[4 + 16];
	uint16_t type = 0;
	size_t alen = 0;

	if (family == 4)
		type = DNSW_A;
	else if (family == 6)
		type = DNSW_AAAA;
	else if (family != 0)
		return -1;
	if (q->qname_len == 0)
		return -1;
	if (type) {
		alen = family == 4 ? 4 : 16;
		dnsw_put16(rr, type);
		dnsw_put16(rr + 2, (uint16_t)alen);
		memcpy(rr + 4, addr, alen);
	}
	if (q->qtype != type || q->qclass != DNSW_CLASS_IN)
		type = 0;
	return build(q, rcode, rr, type ? 4 + alen : 0, type, ttl, type ? NULL : soa, ede_code,
		     extra_text, out, outsz);
}

int dnsw_build_address(const struct dnsw_query *q, int family, const uint8_t *addr, uint32_t ttl,
		       int ede_code, const char *extra_text, uint8_t *out, size_t outsz)
{
	if (family != 4 && family != 6)
		return -1;
	return dnsw_build_blocked(q, DNSW_NOERROR, family, addr, ttl, NULL, ede_code, extra_text,
				  out, outsz);
}

int dnsw_build_local(const struct dnsw_query *q, const uint8_t *rrs, size_t rrlen, uint32_t ttl,
		     int ede_code, const char *extra_text, uint8_t *out, size_t outsz)
{
	uint16_t want = q->qtype;

	if (q->qname_len == 0 || count_rrs(rrs, rrlen, 255) < 0)
		return -1;
	if (count_rrs(rrs, rrlen, DNSW_CNAME) > 0)
		want = DNSW_CNAME; /* a CNAME answers every type (RFC 1034 3.6.2) */
	if (q->qclass != DNSW_CLASS_IN || want == 0)
		want = 0;
	return build(q, DNSW_NOERROR, rrs, rrlen, want, ttl, NULL, ede_code, extra_text, out,
		     outsz);
}

/* ---- reading responses ---- */

int dnsw_response_matches(const uint8_t *pkt, size_t len, uint16_t id, const uint8_t *qname,
			  size_t qname_len, uint16_t qtype, uint16_t qclass)
{
	struct name_out n = { 0 };
	uint8_t wire[DNSW_MAX_NAME];
	size_t end, i;

	if (len < DNSW_HEADER || !(dnsw_get16(pkt + 2) & DNSW_QR))
		return 0;
	if (dnsw_get16(pkt) != id || count_at(pkt, 0) != 1)
		return 0;
	n.wire = wire;
	if (read_name(pkt, len, DNSW_HEADER, &end, &n) < 0 || end + 4 > len)
		return 0;
	if (n.wire_len != qname_len)
		return 0;
	/* length bytes are <= 63, below 'A', so folding every byte is safe */
	for (i = 0; i < qname_len; i++)
		if (lower(wire[i]) != lower(qname[i]))
			return 0;
	return dnsw_get16(pkt + end) == qtype && dnsw_get16(pkt + end + 2) == qclass;
}

int dnsw_build_query(uint16_t id, uint16_t flags, const uint8_t *qname, size_t qname_len,
		     uint16_t qtype, uint16_t qclass, uint16_t edns_size, int do_bit, uint8_t *out,
		     size_t outsz)
{
	size_t need = DNSW_HEADER + qname_len + 4 + (edns_size ? 11 : 0);

	if (qname_len == 0 || qname_len > DNSW_MAX_NAME || qname[qname_len - 1] != 0 ||
	    need > outsz)
		return -1;
	memset(out, 0, DNSW_HEADER);
	dnsw_put16(out, id);
	dnsw_put16(out + 2, (uint16_t)(flags & (DNSW_RD | DNSW_AD | DNSW_CD)));
	dnsw_put16(out + 4, 1);
	dnsw_put16(out + 10, edns_size ? 1 : 0);
	memcpy(out + DNSW_HEADER, qname, qname_len);
	dnsw_put16(out + DNSW_HEADER + qname_len, qtype);
	dnsw_put16(out + DNSW_HEADER + qname_len + 2, qclass);
	if (edns_size) {
		uint8_t *o = out + DNSW_HEADER + qname_len + 4;

		o[0] = 0; /* root */
		dnsw_put16(o + 1, DNSW_OPT);
		dnsw_put16(o + 3, edns_size);
		put32(o + 5, do_bit ? 0x8000 : 0); /* extended rcode 0, version 0, DO */
		dnsw_put16(o + 9, 0);		   /* no options */
	}
	return (int)need;
}

int dnsw_question_is(const uint8_t *pkt, size_t len, const uint8_t *qname, size_t qname_len)
{
	/* qname holds no pointer, so equal bytes are an uncompressed name, label by label */
	return len >= DNSW_HEADER + qname_len && qname_len > 0 &&
	       memcmp(pkt + DNSW_HEADER, qname, qname_len) == 0;
}

int dnsw_set_question_name(uint8_t *pkt, size_t len, const uint8_t *qname, size_t qname_len)
{
	size_t i;

	if (qname_len == 0 || len < DNSW_HEADER + qname_len)
		return -1;
	/* length bytes are <= 63, below 'A', so folding every byte is safe; qname holds no
	 * pointer, so a match is an uncompressed name of the same labels */
	for (i = 0; i < qname_len; i++)
		if (lower(pkt[DNSW_HEADER + i]) != lower(qname[i]))
			return -1;
	memcpy(pkt + DNSW_HEADER, qname, qname_len);
	return 0;
}

int dnsw_walk_response(const uint8_t *pkt, size_t len,
		       int (*fn)(void *ud, const struct dnsw_rr *rr), void *ud)
{
	struct dnsw_rr rr;
	size_t off = DNSW_HEADER;
	unsigned i;
	int sec, root, r;

	if (len < DNSW_HEADER)
		return -1;
	if (skip_questions(pkt, len, count_at(pkt, 0), &off) < 0)
		return -1;
	for (sec = 1; sec <= 3; sec++) {
		for (i = 0; i < count_at(pkt, sec); i++) {
			if (read_rr(pkt, len, &off, sec, &rr, &root) < 0)
				return -1;
			r = fn(ud, &rr);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

struct ttl_scan {
	const uint8_t *pkt;
	size_t len;
	uint32_t min;
	int have;    /* a TTL went into min */
	int answers; /* answer records seen */
	int soa;     /* an SOA in authority gave a usable MINIMUM */
	uint32_t soa_min;
};

/* RFC 2181 8: a TTL with the top bit set is read as 0. */
static uint32_t ttl_value(uint32_t t)
{
	return (t & 0x80000000u) ? 0 : t;
}

static int ttl_cb(void *ud, const struct dnsw_rr *rr)
{
	struct ttl_scan *s = ud;
	size_t rd, end;
	uint32_t t;

	if (rr->section == 3 || rr->type == DNSW_OPT)
		return 0;
	t = ttl_value(rr->ttl);
	if (!s->have || t < s->min)
		s->min = t;
	s->have = 1;
	if (rr->section == 1)
		s->answers++;
	if (rr->section != 2 || rr->type != DNSW_SOA)
		return 0;
	/* MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM */
	rd = (size_t)(rr->rdata - s->pkt);
	if (read_name(s->pkt, rd + rr->rdlen, rd, &end, NULL) < 0)
		return -1;
	if (read_name(s->pkt, rd + rr->rdlen, end, &end, NULL) < 0)
		return -1;
	if (end + 20 != rd + rr->rdlen)
		return -1;
	t = ttl_value(get32(s->pkt + end + 16));
	if (!s->soa || t < s->soa_min)
		s->soa_min = t;
	s->soa = 1;
	return 0;
}

int dnsw_cache_ttl(const uint8_t *pkt, size_t len, uint32_t *ttl)
{
	struct ttl_scan s = { pkt, len, 0, 0, 0, 0, 0 };
	int rcode, negative;

	if (len < DNSW_HEADER || !(dnsw_get16(pkt + 2) & DNSW_QR))
		return -1;
	rcode = DNSW_RCODE(dnsw_get16(pkt + 2));
	if (rcode != DNSW_NOERROR && rcode != DNSW_NXDOMAIN)
		return -1;
	if (dnsw_walk_response(pkt, len, ttl_cb, &s) != 0)
		return -1;
	negative = rcode == DNSW_NXDOMAIN || s.answers == 0;
	if (negative) {
		if (!s.soa)
			return -1;
		if (s.soa_min < s.min)
			s.min = s.soa_min;
	}
	if (!s.have)
		return -1;
	*ttl = s.min;
	return 0;
}
