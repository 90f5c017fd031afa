/*
 * dnswire.h -- the DNS wire format (RFC 1035, 6891 EDNS(0), 8914 Extended DNS Errors), as
 * much of it as a filtering forwarder needs: parse a query, build the answers it makes
 * itself (errors, blocks, walled-garden addresses), and read the upstream's responses
 * (match them to the query, walk their records for CNAME targets and addresses, find
 * their TTL for caching; each record's TTL offset lets the packet cache age TTLs later
 * without parsing the message again).
 *
 * Every reader is bounded by the packet length and follows compression pointers only
 * backwards, at most DNSW_MAX_POINTERS per name, so truncated packets, pointer loops,
 * label lengths past the end and absurd section counts are errors, never crashes or
 * long loops. Nothing here allocates.
 */
#ifndef ISP_CORE_NET_DNSWIRE_H
#define ISP_CORE_NET_DNSWIRE_H

#include <stddef.h>
#include <stdint.h>

#define DNSW_HEADER	  12
#define DNSW_MAX_NAME	  255  /* wire length of a name, root label included */
#define DNSW_MAX_POINTERS 32   /* compression pointers followed per name */
#define DNSW_MAX_UDP	  4096 /* the largest UDP payload we answer with */
#define DNSW_MIN_UDP	  512

enum dnsw_rcode {
	DNSW_NOERROR = 0,
	DNSW_FORMERR = 1,
	DNSW_SERVFAIL = 2,
	DNSW_NXDOMAIN = 3,
	DNSW_NOTIMP = 4,
	DNSW_REFUSED = 5,
	/* Extended (EDNS) rcodes: the low 4 bits go in the header, the upper 8 in the OPT
	 * TTL; only dnsw_build_response accepts them, and only for a query with EDNS. */
	DNSW_BADVERS = 16, /* RFC 6891: EDNS version not implemented */
};

enum dnsw_type {
	DNSW_A = 1,
	DNSW_NS = 2,
	DNSW_CNAME = 5,
	DNSW_SOA = 6,
	DNSW_TXT = 16,
	DNSW_AAAA = 28,
	DNSW_OPT = 41,
	DNSW_DNAME = 39,
	DNSW_TSIG = 250,
	DNSW_IXFR = 251,
	DNSW_AXFR = 252,
};

#define DNSW_OPCODE_NOTIFY 4 /* RFC 1996 */
#define DNSW_NOTAUTH	   9 /* rcode (RFC 2845/8945): TSIG check failed */

#define DNSW_CLASS_IN 1

/* Header flag bits (in the 16-bit flags word). */
#define DNSW_QR		   0x8000
#define DNSW_AA		   0x0400
#define DNSW_TC		   0x0200
#define DNSW_RD		   0x0100
#define DNSW_RA		   0x0080
#define DNSW_AD		   0x0020
#define DNSW_CD		   0x0010
#define DNSW_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNSW_RCODE(flags)  ((flags)&0xf)

/* EDE INFO-CODEs we use (RFC 8914). */
#define DNSW_EDE_BLOCKED       15
#define DNSW_EDE_FILTERED      17
#define DNSW_EDE_PROHIBITED    18
#define DNSW_EDE_NOT_READY     14
#define DNSW_EDE_NOT_SUPPORTED 21
#define DNSW_OPT_EDE	       15 /* the EDE option's OPTION-CODE */

/* Result of dnsw_parse_query when the packet is not answered normally. */
#define DNSW_DROP (-1) /* not worth an answer: shorter than a header, or a response */

struct dnsw_query {
	uint16_t id;
	uint16_t flags; /* the query's flags word */
	uint16_t qtype, qclass;
	/* the question name in wire form, as sent (case kept; compression pointers, if
	 * any, expanded) */
	uint8_t qname[DNSW_MAX_NAME];
	size_t qname_len;
	/* the name in presentation form, lower-cased, no trailing dot, "" for the root;
	 * labels holding '.', '\\', bytes < 0x21 or > 0x7e make the query unmatchable:
	 * name_ok is then 0 and each such byte is written as '?' (printable, for logs) */
	char name[256];
	size_t name_len;
	int name_ok;
	size_t question_end; /* offset just past the question */
	int has_edns;	     /* an OPT record was in the additional section */
	uint16_t udp_size;   /* the client's EDNS UDP size (>= 512), 512 without EDNS */
	int edns_do;	     /* DO bit */
	uint8_t edns_version;
};

/*
 * Parse the query in pkt[0..len). Returns 0 for a well-formed standard QUERY with
 * QDCOUNT 1 (answer normally); DNSW_DROP for a packet not worth answering; or a
 * positive rcode to answer with: DNSW_FORMERR (malformed, QDCOUNT != 1, bad OPT),
 * DNSW_NOTIMP (opcode other than QUERY). For FORMERR/NOTIMP, q->id and q->flags are
 * set and the question is echoed only if it parsed (q->qname_len > 0). An EDNS version
 * above 0 gets rcode BADVERS through dnsw_build_response's caller: see q->edns_version.
 *
 * Details: a non-QUERY opcode gives DNSW_NOTIMP even when the rest is malformed; the
 * packet is still parsed as far as it goes, so the question and EDNS fields are filled
 * in when they parse. The answer and authority sections of a query are skipped (but
 * must be well-formed). The OPT must be in the additional section, once, owned by the
 * root, with well-formed options, else DNSW_FORMERR; q->has_edns is set only for an
 * OPT that passed these checks. A QDCOUNT 0 query is still scanned for its OPT (so the
 * FORMERR can carry EDNS). Bytes after the last record are ignored. Pointers in the
 * question can only point into the header (they must go backwards): accepted, bounded.
 * The usual caller:
 *	rc = dnsw_parse_query(pkt, len, &q);
 *	if (rc == DNSW_DROP) count, drop;
 *	else if (rc > 0) n = dnsw_build_response(&q, rc, -1, NULL, out, sizeof(out));
 *	else if (q.has_edns && q.edns_version > 0)
 *		n = dnsw_build_response(&q, DNSW_BADVERS, -1, NULL, out, sizeof(out));
 */
int dnsw_parse_query(const uint8_t *pkt, size_t len, struct dnsw_query *q);

/*
 * Build a response to q with rcode and no records, in out[0..outsz): header (ID, QR, RD
 * copied, RA, CD copied), the question echoed when known, and, if the query had EDNS, an
 * OPT record (UDP size DNSW_MAX_UDP, DO copied) carrying an Extended DNS Error option
 * with info_code and extra_text when ede_code >= 0 (extra_text may be NULL). Returns the
 * length, or -1 if out is too small.
 *
 * Flags: QR, RA, RD and CD copied from the query, opcode copied (RFC 1035 4.1.1),
 * AA/TC/AD clear. rcode may be 0..4095: above 15 (e.g. DNSW_BADVERS) the upper 8 bits go
 * in the OPT TTL, which needs a query with EDNS: without it, -1. The OPT has version 0.
 * Without EDNS there is no place for an EDE and it is left out. extra_text (UTF-8, sent
 * without its NUL) is cut, at a character boundary, so that the message fits both outsz
 * and the client's UDP size; -1 only if the message does not fit outsz even with an empty
 * EXTRA-TEXT.
 */
int dnsw_build_response(const struct dnsw_query *q, int rcode, int ede_code, const char *extra_text,
			uint8_t *out, size_t outsz);

/*
 * Build a NOERROR response with one answer record for q's name: an A record (family 4,
 * 4 bytes) or AAAA (family 6, 16 bytes) with the given TTL; EDE as above. If q's type
 * is not the family's type, the answer section is empty (NODATA). Returns the length
 * or -1.
 *
 * The answer's owner is a compression pointer to the question (0xC00C), class IN; a
 * query of another class than IN also gets NODATA. -1 also for a family other than 4
 * or 6, or a q without a question (qname_len 0).
 */
int dnsw_build_address(const struct dnsw_query *q, int family, const uint8_t *addr, uint32_t ttl,
		       int ede_code, const char *extra_text, uint8_t *out, size_t outsz);

/*
 * Build a NOERROR response to q answering with local data: rrs[0..rrlen) is a sequence
 * of records {u16 type, u16 rdlength, rdata} (network order, rdata uncompressed: the
 * wire form of core/lists/rpzdata.h). The answer holds, owned by q's name (0xC00C),
 * class IN, with the given TTL: the CNAME if rrs has one (whatever q's type, RFC 1034
 * 3.6.2; only the CNAME, its target is not resolved here), else every record of q's
 * type (all of them for type ANY, 255); none (NODATA) if there is none or q's class is
 * not IN. EDE as dnsw_build_response. Returns the length, or -1 if rrs is malformed,
 * q has no question or out is too small.
 */
int dnsw_build_local(const struct dnsw_query *q, const uint8_t *rrs, size_t rrlen, uint32_t ttl,
		     int ede_code, const char *extra_text, uint8_t *out, size_t outsz);

/*
 * The SOA of a negative block answer (RFC 2308 section 3): owner the queried name, the
 * MNAME and RNAME given here in wire form (dnsw_name_wire), serial, refresh, retry and
 * expire fixed, and TTL = MINIMUM = ttl: how long a resolver behind us caches the
 * negative answer. At most 22 + 2 x DNSW_MAX_NAME bytes.
 */
struct dnsw_soa {
	uint8_t mname[DNSW_MAX_NAME];
	size_t mname_len;
	uint8_t rname[DNSW_MAX_NAME];
	size_t rname_len;
	uint32_t serial, ttl;
};

/*
 * Write the presentation-form name text ("ispshield.invalid." or without the final dot;
 * "" or "." is the root) in wire form into out (at least DNSW_MAX_NAME bytes). Returns
 * the length, or -1 for an empty label, a label over 63 bytes, a name over 255 bytes, or
 * a byte that is not printable ASCII. No escapes.
 */
int dnsw_name_wire(const char *text, uint8_t *out, size_t outsz);

/*
 * Build the answer to a blocked query: rcode (DNSW_NXDOMAIN, or DNSW_NOERROR with an
 * address) and, when family is 4 or 6 and q asks for that type (class IN), one A/AAAA
 * record of addr with the given TTL (family 0: no address). When no answer record is
 * written and soa is not NULL, soa goes into the authority section (its owner a
 * compression pointer to the question), so that the negative answer can be cached as
 * RFC 2308 says. EDE as in dnsw_build_response (the text cut to fit). Returns the
 * length, or -1 (out too small, no question, family not 0/4/6).
 */
int dnsw_build_blocked(const struct dnsw_query *q, int rcode, int family, const uint8_t *addr,
		       uint32_t ttl, const struct dnsw_soa *soa, int ede_code,
		       const char *extra_text, uint8_t *out, size_t outsz);

/*
 * Check that pkt is a response (QR set) to the query with this id and question (name
 * compared case-insensitively, type, class). Returns 1 if it matches, 0 if not.
 * qname is in wire form, uncompressed (as in struct dnsw_query); the response's QDCOUNT
 * must be 1 and its question name may use (backward) compression pointers.
 */
int dnsw_response_matches(const uint8_t *pkt, size_t len, uint16_t id, const uint8_t *qname,
			  size_t qname_len, uint16_t qtype, uint16_t qclass);

/*
 * Build the query forwarded upstream, in out[0..outsz): header with this id, the flags'
 * RD, AD and CD bits (nothing else), QDCOUNT 1, the question (qname in wire form,
 * uncompressed, as in struct dnsw_query, written as given: case kept), and, when
 * edns_size is not 0, an OPT record with that UDP size, version 0, the DO bit when
 * do_bit, and no options (a client's options, such as its COOKIE, are between it and
 * us). Returns the length, or -1 if qname is empty, longer than DNSW_MAX_NAME, not
 * ending in the root label, or out is too small.
 */
int dnsw_build_query(uint16_t id, uint16_t flags, const uint8_t *qname, size_t qname_len,
		     uint16_t qtype, uint16_t qclass, uint16_t edns_size, int do_bit, uint8_t *out,
		     size_t outsz);

/*
 * Whether the question name of pkt (at offset DNSW_HEADER) is written uncompressed and
 * byte for byte as qname, case included (the 0x20 check: the upstream must echo the
 * mixed case it was asked). qname as in struct dnsw_query. 1 or 0.
 */
int dnsw_question_is(const uint8_t *pkt, size_t len, const uint8_t *qname, size_t qname_len);

/*
 * Overwrite the question name of pkt with qname when it is the same name written
 * uncompressed (compared case-insensitively): gives a client back the case it asked
 * with. Returns 0, or -1 (pkt unchanged) when it is not.
 */
int dnsw_set_question_name(uint8_t *pkt, size_t len, const uint8_t *qname, size_t qname_len);

/* One resource record of a response, for dnsw_walk_response. */
struct dnsw_rr {
	int section; /* 1 answer, 2 authority, 3 additional */
	/* presentation form, lower-cased, no trailing dot; bytes that would be ambiguous
	 * are written as '?' */
	char owner[256];
	uint16_t type, rclass;
	uint32_t ttl;
	const uint8_t *rdata; /* points into the packet */
	uint16_t rdlen;
	char target[256];  /* CNAME/DNAME: the target name, like owner; else "" */
	size_t ttl_offset; /* offset of the TTL field in the packet */
	size_t offset;	   /* offset of the record (its owner name) in the packet */
};

/*
 * Call fn for every record of the answer, authority and additional sections (OPT
 * included, type DNSW_OPT). A non-zero return from fn stops the walk and is returned.
 * Returns 0 after the last record, or -1 if the packet is malformed (the records before
 * the fault have been passed to fn). Questions are skipped (QDCOUNT of them). The
 * target of a CNAME/DNAME must fill its RDATA exactly, else the packet is malformed.
 * Bytes after the last record are ignored. fn should not return -1 unless it means
 * "malformed" too.
 */
int dnsw_walk_response(const uint8_t *pkt, size_t len,
		       int (*fn)(void *ud, const struct dnsw_rr *rr), void *ud);

/*
 * The TTL a response may be cached for: the smallest TTL of the answer and authority
 * records; for a negative answer (NXDOMAIN or NODATA) the SOA's minimum when smaller
 * (RFC 2308). Returns 0 and *ttl, or -1 if malformed or there is nothing to go by
 * (e.g. SERVFAIL).
 *
 * Exactly: pkt must be a response (QR) with rcode NOERROR or NXDOMAIN; the result is
 * the minimum TTL over the answer and authority records (not additional, not OPT); a
 * negative answer (NXDOMAIN, or NOERROR with no answer record) must have an SOA in
 * authority and the result is also capped by its MINIMUM, i.e. min(SOA TTL, MINIMUM)
 * at most; no SOA there, or no record at all: -1. TTLs with the top bit set count as
 * 0 (RFC 2181 8).
 */
int dnsw_cache_ttl(const uint8_t *pkt, size_t len, uint32_t *ttl);

/*
 * Read the name at pkt[off] (compression pointers followed backwards, bounded): *end gets
 * the offset just past it where it is written; pres (256 bytes, may be NULL) its
 * presentation form as struct dnsw_rr's owner (lower-cased, no trailing dot); wire
 * (DNSW_MAX_NAME bytes, may be NULL) its uncompressed wire form, case kept, and *wire_len
 * its length. Returns 0, or -1 if the name is malformed or runs past len.
 */
int dnsw_read_name(const uint8_t *pkt, size_t len, size_t off, size_t *end, char *pres,
		   uint8_t *wire, size_t *wire_len);

static inline uint16_t dnsw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void dnsw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
