/*
 * pull_in.c -- a zone transfer read, message by message (see pull_int.h).
 *
 * The answer's framing is a small state machine over the SOA records at the apex
 * (RFC 5936 for AXFR, RFC 1995 for IXFR):
 *   START    the first record must be the zone's SOA (serial S) -> FIRST
 *   FIRST    an SOA of serial `have` (IXFR): differences begin -> DEL;
 *            any other record: a whole zone -> ZONE (the record is its first);
 *            an SOA of serial S: an empty zone, complete;
 *            the end of the message: one SOA only (CURRENT), complete
 *   ZONE     records until the SOA of serial S, complete
 *   DEL      deletions until the SOA the difference goes to -> ADD
 *   ADD      additions until an SOA: S after a difference that reached S, complete;
 *            the serial the last difference reached, a new difference -> DEL
 * Anything after the completing SOA is an error, as is an SOA at the apex anywhere
 * else. Every message is checked before its records count: QR, our ID, opcode QUERY, no
 * TC, rcode NOERROR, the question (when there is one) ours; the TSIG chain of the
 * exchange (tsig_client.c) after the records, so that the last message is known. The
 * authority and additional sections carry nothing a transfer needs and are skipped
 * (their TSIG is the chain's).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpz/pull_int.h"

enum { S_START, S_FIRST, S_ZONE, S_DEL, S_ADD, S_DONE, S_FAILED };

static const char *const rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
				      "NOTIMP",	 "REFUSED", "YXDOMAIN", "YXRRSET",
				      "NXRRSET", "NOTAUTH", "NOTZONE" };

int pull_in_init(struct pull_in *x, const uint8_t *origin, size_t origin_len, uint16_t id,
		 uint16_t qtype, uint32_t have)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->line = malloc(PULL_LINE_MAX);
	if (!x->line || origin_len > DNSW_MAX_NAME) {
		free(x->line);
		x->line = NULL;
		return ISR_ENOMEM;
	}
	for (i = 0; i < origin_len; i++) /* length bytes are below 'A' */
		x->origin[i] = (uint8_t)(origin[i] >= 'A' && origin[i] <= 'Z' ? origin[i] + 32
									      : origin[i]);
	x->origin_len = origin_len;
	x->id = id;
	x->qtype = qtype;
	x->have = have;
	x->max_records = PULL_MAX_RECORDS;
	return 0;
}

void pull_in_free(struct pull_in *x)
{
	free(x->line);
	x->line = NULL;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- record lines ---- */

struct out {
	char *p;
	size_t len, size;
	int err;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->err || o->len + n + 1 > o->size) {
		o->err = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* pre, the number v, post */
static void putu(struct out *o, const char *pre, unsigned long v, const char *post)
{
	char b[64];
	int n = snprintf(b, sizeof(b), "%s%lu%s", pre, v, post);

	put(o, b, (size_t)n);
}

/* Whether byte b goes into the text as it is: in a name, [a-z0-9-_*] (upper case is
 * lowered by the caller); in a quoted string, printable ASCII but '"' and '\\'. */
static int plain_byte(uint8_t b, int quoted)
{
	if (quoted)
		return b >= 0x20 && b <= 0x7e && b != '"' && b != '\\';
	return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '*';
}

/* A label byte (or a byte of a quoted string) as zone-file text: itself, \X or \DDD. */
static void put_byte(struct out *o, uint8_t b, int quoted)
{
	char e[5];

	if (!quoted && b >= 'A' && b <= 'Z')
		b = (uint8_t)(b + 32);
	if (plain_byte(b, quoted)) {
		e[0] = (char)b;
		put(o, e, 1);
	} else if (quoted && (b == '"' || b == '\\')) {
		e[0] = '\\';
		e[1] = (char)b;
		put(o, e, 2);
	} else {
		snprintf(e, sizeof(e), "\\%03u", b);
		put(o, e, 4);
	}
}

/* The uncompressed wire name w as absolute text ("." for the root). */
static void put_name(struct out *o, const uint8_t *w, size_t wlen)
{
	size_t p = 0, i;

	if (wlen <= 1) {
		put(o, ".", 1);
		return;
	}
	while (p < wlen && w[p]) {
		for (i = 1; i <= w[p] && p + i < wlen; i++)
			put_byte(o, w[p + i], 0);
		put(o, ".", 1);
		p += (size_t)w[p] + 1;
	}
}

/* The name at msg[*off], bounded by end; *off moves past it. 0 or -1. */
static int rd_name(struct out *o, const uint8_t *msg, size_t end, size_t *off)
{
	uint8_t w[DNSW_MAX_NAME];
	size_t wl;

	if (dnsw_read_name(msg, end, *off, off, NULL, w, &wl) < 0)
		return -1;
	put_name(o, w, wl);
	return 0;
}

static const struct {
	uint16_t type;
	const char *name;
} types[] = {
	{ 1, "A" },	 { 2, "NS" },	       { 5, "CNAME" },	 { 6, "SOA" },	 { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" },	       { 16, "TXT" },	 { 28, "AAAA" }, { 33, "SRV" },
	{ 39, "DNAME" }, { 43, "DS" },	       { 46, "RRSIG" },	 { 47, "NSEC" }, { 48, "DNSKEY" },
	{ 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" },
	{ 257, "CAA" },
};

static void put_type(struct out *o, uint16_t t)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t) {
			puts_(o, types[i].name);
			return;
		}
	putu(o, "TYPE", t, "");
}

/* RFC 3597: \# LENGTH HEX */
static void put_generic(struct out *o, const uint8_t *rd, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	putu(o, "\\# ", (unsigned long)n, "");
	if (n)
		put(o, " ", 1);
	for (i = 0; i < n; i++) {
		char h[2] = { hex[rd[i] >> 4], hex[rd[i] & 15] };

		put(o, h, 2);
	}
}

/* The rdata of rr as text; -1 when a type written as text is malformed. */
static int put_rdata(struct out *o, const uint8_t *msg, const struct dnsw_rr *rr)
{
	size_t off = (size_t)(rr->rdata - msg), end = off + rr->rdlen, i;
	char addr[INET6_ADDRSTRLEN];

	switch (rr->type) {
	case DNSW_A:
	case DNSW_AAAA:
		if (rr->rdlen != (rr->type == DNSW_A ? 4 : 16))
			return -1;
		inet_ntop(rr->type == DNSW_A ? AF_INET : AF_INET6, rr->rdata, addr, sizeof(addr));
		puts_(o, addr);
		return 0;
	case DNSW_CNAME:
	case DNSW_NS:
	case DNSW_DNAME:
	case 12: /* PTR */ return rd_name(o, msg, end, &off) < 0 || off != end ? -1 : 0;
	case 15: /* MX */
		if (rr->rdlen < 3)
			return -1;
		putu(o, "", dnsw_get16(rr->rdata), " ");
		off += 2;
		return rd_name(o, msg, end, &off) < 0 || off != end ? -1 : 0;
	case DNSW_SOA:
		if (rd_name(o, msg, end, &off) < 0)
			return -1;
		put(o, " ", 1);
		if (rd_name(o, msg, end, &off) < 0 || off + 20 != end)
			return -1;
		for (i = 0; i < 5; i++)
			putu(o, " ", get32(msg + off + 4 * i), "");
		return 0;
	case DNSW_TXT:
		for (i = 0; i < rr->rdlen;) {
			size_t n = rr->rdata[i++], k;

			if (i + n > rr->rdlen)
				return -1;
			put(o, i > 1 ? " \"" : "\"", i > 1 ? 2 : 1);
			for (k = 0; k < n; k++)
				put_byte(o, rr->rdata[i + k], 1);
			put(o, "\"", 1);
			i += n;
		}
		return rr->rdlen ? 0 : -1;
	default: put_generic(o, rr->rdata, rr->rdlen); return 0;
	}
}

int pull_rec_line(const uint8_t *msg, size_t len, const struct dnsw_rr *rr, char *out, size_t size)
{
	struct out o = { out, 0, size, 0 };
	size_t off = rr->offset;

	out[0] = '\0';
	if (rd_name(&o, msg, len, &off) < 0)
		return -1;
	puts_(&o, " IN ");
	put_type(&o, rr->type);
	put(&o, " ", 1);
	if (put_rdata(&o, msg, rr) < 0)
		return -1;
	return o.err ? -1 : (int)o.len;
}

/* ---- the answer ---- */

/* Whether the wire name w (case kept) is the origin (2), below it (1), or neither (0). */
static int in_zone(const struct pull_in *x, const uint8_t *w, size_t wl)
{
	size_t p = 0, i;

	while (p < wl) {
		if (wl - p == x->origin_len) {
			for (i = 0; i < wl - p; i++) {
				uint8_t c = w[p + i];

				if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != x->origin[i])
					break;
			}
			if (i == wl - p)
				return p == 0 ? 2 : 1;
		}
		if (w[p] == 0)
			break;
		p += (size_t)w[p] + 1;
	}
	return 0;
}

struct walk {
	struct pull_in *x;
	const uint8_t *msg;
	size_t len;
	long rec; /* records of this message's answer so far */
};

static int bad(struct walk *w, int code, const char *fmt, const char *what)
{
	struct pull_in *x = w->x;

	x->failed = 1;
	isp_err_set(x->err, code, "message %ld, record %ld: %s%s", x->msgs, w->rec, fmt,
		    what ? what : "");
	return -2;
}

/* The serial of the SOA rr (its rdata checked). 0 or -1. */
static int soa_serial(const struct walk *w, const struct dnsw_rr *rr, uint32_t *serial,
		      uint32_t *refresh, uint32_t *retry)
{
	size_t off = (size_t)(rr->rdata - w->msg), end = off + rr->rdlen;

	if (dnsw_read_name(w->msg, end, off, &off, NULL, NULL, NULL) < 0 ||
	    dnsw_read_name(w->msg, end, off, &off, NULL, NULL, NULL) < 0 || off + 20 != end)
		return -1;
	*serial = get32(w->msg + off);
	*refresh = get32(w->msg + off + 4);
	*retry = get32(w->msg + off + 8);
	return 0;
}

static int emit(struct walk *w, enum pull_rec kind, const struct dnsw_rr *rr)
{
	struct pull_in *x = w->x;
	int n = pull_rec_line(w->msg, w->len, rr, x->line, PULL_LINE_MAX), rc;

	if (n < 0)
		return bad(w, ISR_EFORMAT, "malformed record data of ", rr->owner);
	rc = x->on_rec ? x->on_rec(x->ud, kind, x->line, (size_t)n) : 0;
	if (rc) {
		x->failed = 1;
		return -2;
	}
	return 0;
}

static int diff_start(struct walk *w, uint32_t from)
{
	struct pull_in *x = w->x;

	x->diffs++;
	x->state = S_DEL;
	if (x->on_diff && x->on_diff(x->ud, from) != 0) {
		x->failed = 1;
		return -2;
	}
	return 0;
}

static int on_rr(void *ud, const struct dnsw_rr *rr)
{
	struct walk *w = ud;
	struct pull_in *x = w->x;
	uint8_t wire[DNSW_MAX_NAME];
	size_t wl, end;
	uint32_t serial = 0, refresh, retry;
	int where, apex_soa;

	if (rr->section != 1)
		return 0; /* authority, additional: nothing of the zone (the TSIG: the chain's) */
	w->rec++;
	if (x->state == S_DONE)
		return bad(w, ISR_EFORMAT, "a record after the final SOA", NULL);
	if (++x->recs > x->max_records)
		return bad(w, ISR_ELIMIT, "more records than the limit", NULL);
	if (rr->rclass != DNSW_CLASS_IN)
		return bad(w, ISR_EFORMAT, "a record of a class other than IN: ", rr->owner);
	if (dnsw_read_name(w->msg, w->len, rr->offset, &end, NULL, wire, &wl) < 0)
		return bad(w, ISR_EFORMAT, "malformed owner", NULL);
	where = in_zone(x, wire, wl);
	if (!where)
		return bad(w, ISR_EFORMAT, "a record outside the zone: ", rr->owner);
	apex_soa = where == 2 && rr->type == DNSW_SOA;
	if (apex_soa && soa_serial(w, rr, &serial, &refresh, &retry) < 0)
		return bad(w, ISR_EFORMAT, "malformed SOA", NULL);
	switch (x->state) {
	case S_START:
		if (!apex_soa)
			return bad(w, ISR_EFORMAT, "the answer does not begin with the zone's SOA",
				   NULL);
		x->serial = serial;
		x->refresh = refresh;
		x->retry = retry;
		if (pull_rec_line(w->msg, w->len, rr, x->soa, sizeof(x->soa)) < 0)
			return bad(w, ISR_EFORMAT, "malformed SOA", NULL);
		x->state = S_FIRST;
		return 0;
	case S_FIRST:
		if (apex_soa && x->qtype == DNSW_IXFR && serial == x->have && serial != x->serial) {
			x->outcome = PULL_INCREMENTAL;
			return diff_start(w, serial);
		}
		x->outcome = PULL_ZONE;
		if (apex_soa && serial == x->serial) {
			x->state = S_DONE; /* an empty zone */
			return 0;
		}
		if (apex_soa)
			return bad(w, ISR_EFORMAT, "an SOA of another serial inside the zone",
				   NULL);
		x->state = S_ZONE;
		return emit(w, PULL_FULL, rr);
	case S_ZONE:
		if (!apex_soa)
			return emit(w, PULL_FULL, rr);
		if (serial != x->serial)
			return bad(w, ISR_EFORMAT, "an SOA of another serial inside the zone",
				   NULL);
		x->state = S_DONE;
		return 0;
	case S_DEL:
		if (!apex_soa)
			return emit(w, PULL_DEL, rr);
		x->cur = serial;
		x->state = S_ADD;
		return 0;
	case S_ADD:
		if (!apex_soa)
			return emit(w, PULL_ADD, rr);
		if (serial == x->serial && x->cur == x->serial) {
			x->state = S_DONE;
			return 0;
		}
		if (serial != x->cur)
			return bad(w, ISR_EFORMAT,
				   "the IXFR's differences do not follow each other (serials)",
				   NULL);
		return diff_start(w, serial);
	default: return bad(w, ISR_EFORMAT, "a record after the end", NULL);
	}
}

/* The TSIG of message msg (last: it ends the answer). 0 or an ISR code with err set. */
static int check_tsig(struct pull_in *x, const uint8_t *msg, size_t len, uint64_t now, int last,
		      struct isp_err *err)
{
	char why[200];
	int r;

	if (!x->tsig)
		return 0;
	r = rpz_tsig_verify(x->tsig, msg, len, now, last);
	if (r == RPZ_TV_OK)
		return 0;
	x->state = S_FAILED;
	return isp_err_set(err, ISR_ECORRUPT, "message %ld: %s", x->msgs,
			   rpz_tsig_fail_text(x->tsig, r, why, sizeof(why)));
}

int pull_in_msg(struct pull_in *x, const uint8_t *msg, size_t len, uint64_t now,
		struct isp_err *err)
{
	struct walk w = { x, msg, len, 0 };
	uint16_t flags;
	int rc, rcode, last;

	if (x->state == S_FAILED || x->state == S_DONE)
		return isp_err_set(err, ISR_EFORMAT, "a message after the end of the answer");
	x->msgs++;
	x->err = err;
	if (len < DNSW_HEADER || !(dnsw_get16(msg + 2) & DNSW_QR) || dnsw_get16(msg) != x->id) {
		x->state = S_FAILED;
		return isp_err_set(err, ISR_EFORMAT, "message %ld: not a response to our query",
				   x->msgs);
	}
	flags = dnsw_get16(msg + 2);
	rcode = DNSW_RCODE(flags);
	if (rcode != DNSW_NOERROR) {
		/* the TSIG first: a NOTAUTH names the TSIG error the server found */
		rc = check_tsig(x, msg, len, now, 1, err);
		if (rc)
			return rc;
		x->state = S_FAILED;
		return isp_err_set(err, ISR_EIO, "message %ld: the server answered %s%s", x->msgs,
				   rcodes[rcode < 11 ? rcode : 1],
				   rcode == DNSW_REFUSED   ? " (not allowed to transfer this zone? "
							     "a TSIG key may be needed)"
				   : rcode == DNSW_NOTAUTH ? " (not authoritative for the zone)"
							   : "");
	}
	if (DNSW_OPCODE(flags) != 0 || (flags & DNSW_TC) || dnsw_get16(msg + 4) > 1 ||
	    (dnsw_get16(msg + 4) == 1 &&
	     !dnsw_response_matches(msg, len, x->id, x->origin, x->origin_len, x->qtype,
				    DNSW_CLASS_IN)) ||
	    (x->msgs == 1 && dnsw_get16(msg + 4) != 1)) {
		x->state = S_FAILED;
		return isp_err_set(err, ISR_EFORMAT,
				   "message %ld: not an answer to our question (opcode, TC, or "
				   "question)",
				   x->msgs);
	}
	rc = dnsw_walk_response(msg, len, on_rr, &w);
	if (rc != 0) {
		x->state = S_FAILED;
		if (!x->failed)
			isp_err_set(err, ISR_EFORMAT, "message %ld, record %ld: malformed message",
				    x->msgs, w.rec + 1);
		return err->code ? err->code : ISR_EFORMAT;
	}
	if (x->state == S_START) {
		x->state = S_FAILED;
		return isp_err_set(err, ISR_EFORMAT, "message %ld: no SOA in the answer", x->msgs);
	}
	/* one SOA and the end of the message: the answer to a SOA query, or an IXFR that
	 * has nothing newer */
	if (x->state == S_FIRST && (x->qtype != DNSW_AXFR)) {
		x->state = S_DONE;
		x->outcome = PULL_CURRENT;
	}
	last = x->state == S_DONE;
	rc = check_tsig(x, msg, len, now, last, err);
	if (rc)
		return rc;
	return last;
}

/* The IXFR's serial: the SOA in a query's authority section. */
static int auth_soa(void *ud, const struct dnsw_rr *rr)
{
	if (rr->section == 2 && rr->type == DNSW_SOA && rr->rdlen >= 22)
		memcpy(ud, rr->rdata + rr->rdlen - 20, 4);
	return 0;
}

int pull_in_replay(struct pull_in *x, struct rpz_tsig_client *tc, const struct rpz_key *k,
		   const uint8_t *q, size_t n)
{
	struct dnsw_query dq;
	struct rpz_tsig_rr t;
	uint8_t s[4] = { 0 };

	if (dnsw_parse_query(q, n, &dq) != 0)
		return -1;
	dnsw_walk_response(q, n, auth_soa, s);
	if (pull_in_init(x, dq.qname, dq.qname_len, dq.id, dq.qtype, get32(s)) != 0)
		return -1;
	if (rpz_tsig_find(q, n, &t) == 1) {
		memset(tc, 0, sizeof(*tc));
		tc->key = k;
		tc->req.key = k;
		memcpy(tc->req.kname, t.kname, t.kname_len);
		tc->req.kname_len = t.kname_len;
		memcpy(tc->req.alg, t.alg, t.alg_len);
		tc->req.alg_len = t.alg_len;
		memcpy(tc->prior, t.mac, t.mac_len);
		tc->prior_len = t.mac_len;
		x->tsig = tc;
	}
	return 0;
}
