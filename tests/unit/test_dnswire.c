/*
 * test_dnswire.c -- the DNS wire codec (src/core/net/dnswire.c): query parsing and its error
 * paths (truncation, pointer loops, bad labels, bad OPT, opcodes, counts), response
 * building checked byte by byte and by parsing it back, response matching, the record
 * walker, cache TTLs and TTL ageing.
 *
 * Packets are built by hand with the pb_* helpers below; real packets captured from
 * dig, kdig and unbound are read from tests/data/dns (ISP_TESTDATA or ./tests/data;
 * see tests/data/dns/README).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/cache.h"
#include "core/net/dnswire.h"
#include "testdata.h"

/* ---- a packet builder ---- */

struct pb {
	uint8_t b[8192];
	size_t n;
};

static void pb_u8(struct pb *p, unsigned v)
{
	assert_true(p->n < sizeof(p->b));
	p->b[p->n++] = (uint8_t)v;
}

static void pb_u16(struct pb *p, unsigned v)
{
	pb_u8(p, (v >> 8) & 0xff);
	pb_u8(p, v & 0xff);
}

static void pb_u32(struct pb *p, uint32_t v)
{
	pb_u16(p, v >> 16);
	pb_u16(p, v & 0xffff);
}

static void pb_bytes(struct pb *p, const void *src, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	if (n == 0)
		return;
	memcpy(p->b + p->n, src, n);
	p->n += n;
}

static void pb_hdr(struct pb *p, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
		   unsigned ar)
{
	p->n = 0;
	pb_u16(p, id);
	pb_u16(p, flags);
	pb_u16(p, qd);
	pb_u16(p, an);
	pb_u16(p, ns);
	pb_u16(p, ar);
}

/* Write a dotted name ("" or "." is the root), uncompressed, with its root label. */
static void pb_name(struct pb *p, const char *name)
{
	const char *s = name, *dot;
	size_t l;

	while (*s && strcmp(s, ".") != 0) {
		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);
		pb_u8(p, (unsigned)l);
		pb_bytes(p, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	pb_u8(p, 0);
}

/* Write labels of a dotted name, then a pointer to off instead of the root label. */
static void pb_name_ptr(struct pb *p, const char *labels, unsigned off)
{
	const char *s = labels, *dot;
	size_t l;

	while (*s) {
		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);
		pb_u8(p, (unsigned)l);
		pb_bytes(p, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	pb_u16(p, 0xc000 | off);
}

static void pb_question(struct pb *p, const char *name, unsigned type, unsigned cls)
{
	pb_name(p, name);
	pb_u16(p, type);
	pb_u16(p, cls);
}

/* The record fields after the owner name. */
static void pb_rr_tail(struct pb *p, unsigned type, unsigned cls, uint32_t ttl, const void *rdata,
		       size_t rdlen)
{
	pb_u16(p, type);
	pb_u16(p, cls);
	pb_u32(p, ttl);
	pb_u16(p, (unsigned)rdlen);
	pb_bytes(p, rdata, rdlen);
}

static void pb_opt(struct pb *p, unsigned udp, uint32_t ttl, const void *rdata, size_t rdlen)
{
	pb_u8(p, 0);
	pb_rr_tail(p, DNSW_OPT, udp, ttl, rdata, rdlen);
}

/* A standard query: RD set, one question, an OPT when udp > 0. */
static void pb_query(struct pb *p, unsigned id, const char *name, unsigned type, unsigned udp,
		     int do_bit)
{
	pb_hdr(p, id, DNSW_RD, 1, 0, 0, udp ? 1 : 0);
	pb_question(p, name, type, DNSW_CLASS_IN);
	if (udp)
		pb_opt(p, udp, do_bit ? 0x8000 : 0, NULL, 0);
}

/* A heap copy of exactly n bytes, so that the sanitizers see a read past the end. */
static uint8_t *exact(const uint8_t *src, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	if (n > 0)
		memcpy(b, src, n);
	return b;
}

/* ---- collecting walked records ---- */

struct rrs {
	int n;
	struct dnsw_rr rr[32];
};

static int collect(void *ud, const struct dnsw_rr *rr)
{
	struct rrs *r = ud;

	if (r->n < 32)
		r->rr[r->n++] = *rr;
	return 0;
}

static int walk(const uint8_t *pkt, size_t len, struct rrs *r)
{
	memset(r, 0, sizeof(*r));
	return dnsw_walk_response(pkt, len, collect, r);
}

/* The EDE option (code, text) of the OPT in rrs, or -1 if none. */
static int find_ede(const struct rrs *r, char *text, size_t textsz)
{
	int i;
	size_t pos, olen;
	const uint8_t *d;

	for (i = 0; i < r->n; i++) {
		if (r->rr[i].type != DNSW_OPT)
			continue;
		d = r->rr[i].rdata;
		for (pos = 0; pos + 4 <= r->rr[i].rdlen; pos += 4 + olen) {
			olen = dnsw_get16(d + pos + 2);
			if (dnsw_get16(d + pos) != DNSW_OPT_EDE)
				continue;
			assert_true(olen >= 2 && olen - 2 < textsz);
			memcpy(text, d + pos + 6, olen - 2);
			text[olen - 2] = '\0';
			return dnsw_get16(d + pos + 4);
		}
	}
	return -1;
}

/* ---- parsing queries ---- */

static void test_parse_a_edns_do(void **state)
{
	struct pb p;
	struct dnsw_query q;
	static const uint8_t wire[] = "\7example\3com";

	(void)state;
	pb_query(&p, 0xabcd, "example.com", DNSW_A, 1232, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_int_equal(q.id, 0xabcd);
	assert_int_equal(q.flags, DNSW_RD);
	assert_int_equal(q.qtype, DNSW_A);
	assert_int_equal(q.qclass, DNSW_CLASS_IN);
	assert_int_equal(q.qname_len, 13);
	assert_memory_equal(q.qname, wire, 13);
	assert_string_equal(q.name, "example.com");
	assert_int_equal(q.name_len, 11);
	assert_true(q.name_ok);
	assert_int_equal(q.question_end, 12 + 13 + 4);
	assert_true(q.has_edns);
	assert_int_equal(q.udp_size, 1232);
	assert_true(q.edns_do);
	assert_int_equal(q.edns_version, 0);
}

static void test_parse_aaaa_no_edns(void **state)
{
	struct pb p;
	struct dnsw_query q;

	(void)state;
	pb_query(&p, 1, "www.example.org", DNSW_AAAA, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_int_equal(q.qtype, DNSW_AAAA);
	assert_string_equal(q.name, "www.example.org");
	assert_false(q.has_edns);
	assert_int_equal(q.udp_size, 512);
	assert_false(q.edns_do);

	/* EDNS without DO, and a UDP size below 512 reads as 512 */
	pb_query(&p, 1, "www.example.org", DNSW_AAAA, 100, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_true(q.has_edns);
	assert_false(q.edns_do);
	assert_int_equal(q.udp_size, 512);
}

static void test_parse_0x20_case(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	int n;

	(void)state;
	pb_query(&p, 7, "wWw.ExAmPlE.CoM", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_string_equal(q.name, "www.example.com");
	assert_memory_equal(q.qname, "\3wWw\7ExAmPlE\3CoM", 17);
	/* the question goes back exactly as sent */
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, -1, NULL, out, sizeof(out));
	assert_int_equal(n, (int)p.n);
	assert_memory_equal(out + 12, p.b + 12, p.n - 12);
}

static void test_parse_root(void **state)
{
	struct pb p;
	struct dnsw_query q;

	(void)state;
	pb_query(&p, 7, ".", DNSW_NS, 4096, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_string_equal(q.name, "");
	assert_int_equal(q.name_len, 0);
	assert_int_equal(q.qname_len, 1);
	assert_true(q.name_ok);
	assert_int_equal(q.qtype, DNSW_NS);
	assert_int_equal(q.udp_size, 4096);
}

static void test_parse_qdcount(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	struct rrs r;
	int n;

	(void)state;
	/* QDCOUNT 0 with an OPT (as a cookie-only query would be): FORMERR, with EDNS */
	pb_hdr(&p, 9, 0, 0, 0, 0, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_int_equal(q.id, 9);
	assert_int_equal(q.qname_len, 0);
	assert_true(q.has_edns);
	n = dnsw_build_response(&q, DNSW_FORMERR, -1, NULL, out, sizeof(out));
	assert_int_equal(n, 12 + 11);
	assert_int_equal(dnsw_get16(out + 4), 0);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_FORMERR);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rr[0].type, DNSW_OPT);

	/* QDCOUNT 0, nothing else */
	pb_hdr(&p, 9, 0, 0, 0, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_false(q.has_edns);

	/* QDCOUNT 2 */
	pb_hdr(&p, 9, DNSW_RD, 2, 0, 0, 0);
	pb_question(&p, "a.example", DNSW_A, 1);
	pb_question(&p, "b.example", DNSW_A, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_int_equal(q.id, 9);
	assert_int_equal(q.flags, DNSW_RD);
	assert_int_equal(q.qname_len, 0);
	n = dnsw_build_response(&q, DNSW_FORMERR, -1, NULL, out, sizeof(out));
	assert_int_equal(n, 12);
	assert_int_equal(dnsw_get16(out + 2), DNSW_QR | DNSW_RD | DNSW_RA | DNSW_FORMERR);

	/* QDCOUNT 65535: an absurd count is no problem */
	pb_hdr(&p, 9, 0, 0xffff, 0xffff, 0xffff, 0xffff);
	pb_question(&p, "a.example", DNSW_A, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
}

static void test_parse_counts(void **state)
{
	struct pb p;
	struct dnsw_query q;
	static const uint8_t a[4] = { 192, 0, 2, 1 };

	(void)state;
	/* absurd answer/authority/additional counts: the packet runs out -> FORMERR */
	pb_hdr(&p, 9, 0, 1, 0xffff, 0, 0);
	pb_question(&p, "a.example", DNSW_A, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_true(q.qname_len > 0); /* the question is still echoed */
	pb_hdr(&p, 9, 0, 1, 0, 0, 0xffff);
	pb_question(&p, "a.example", DNSW_A, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);

	/* well-formed records in answer/authority of a query are skipped */
	pb_hdr(&p, 9, 0, 1, 1, 1, 1);
	pb_question(&p, "a.example", DNSW_A, 1);
	pb_u16(&p, 0xc00c);
	pb_rr_tail(&p, DNSW_A, 1, 60, a, 4);
	pb_u16(&p, 0xc00c);
	pb_rr_tail(&p, DNSW_A, 1, 60, a, 4);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_true(q.has_edns);

	/* trailing bytes after the last record are ignored */
	pb_query(&p, 1, "a.example", DNSW_A, 0, 0);
	pb_u32(&p, 0xdeadbeef);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
}

static void test_parse_opcodes(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	int n;

	(void)state;
	/* NOTIFY (4) and UPDATE (5): NOTIMP, question echoed, EDNS seen */
	pb_hdr(&p, 0x1111, 4 << 11 | DNSW_AA, 1, 0, 0, 1);
	pb_question(&p, "example.com", DNSW_SOA, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_NOTIMP);
	assert_int_equal(q.id, 0x1111);
	assert_true(q.qname_len > 0);
	assert_true(q.has_edns);
	n = dnsw_build_response(&q, DNSW_NOTIMP, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_NOTIMP);
	assert_int_equal(DNSW_OPCODE(dnsw_get16(out + 2)), 4); /* copied, RFC 1035 4.1.1 */

	pb_hdr(&p, 0x2222, 5 << 11, 1, 1, 1, 0);
	pb_question(&p, "example.com", DNSW_SOA, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_NOTIMP); /* truncated too */
	pb_hdr(&p, 0x2222, 5 << 11, 3, 0, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_NOTIMP);
	pb_hdr(&p, 0x2222, 2 << 11, 0, 0, 0, 0); /* STATUS */
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_NOTIMP);
}

static void test_parse_drop(void **state)
{
	struct pb p;
	struct dnsw_query q;
	size_t i;

	(void)state;
	pb_query(&p, 1, "example.com", DNSW_A, 0, 0);
	for (i = 0; i < DNSW_HEADER; i++)
		assert_int_equal(dnsw_parse_query(p.b, i, &q), DNSW_DROP);
	assert_int_equal(dnsw_parse_query(NULL, 0, &q), DNSW_DROP);
	p.b[2] |= 0x80; /* QR: a response, never answered */
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_DROP);
	assert_int_equal(dnsw_parse_query(p.b, DNSW_HEADER, &q), DNSW_DROP);
}

static void test_parse_truncated(void **state)
{
	struct pb p;
	struct dnsw_query q;
	size_t i, name_end;
	static const uint8_t cookie[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	pb_hdr(&p, 1, DNSW_RD, 1, 0, 0, 1);
	pb_question(&p, "www.example.com", DNSW_A, 1);
	name_end = p.n - 4;
	pb_opt(&p, 1232, 0x8000, cookie, sizeof(cookie));
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	/* every cut from just past the header to one byte short is FORMERR */
	for (i = DNSW_HEADER; i < p.n; i++) {
		uint8_t *cut = exact(p.b, i);

		assert_int_equal(dnsw_parse_query(cut, i, &q), DNSW_FORMERR);
		free(cut);
		/* the question is echoed exactly when type and class made it */
		assert_int_equal(q.qname_len > 0, i >= name_end + 4);
		assert_false(q.has_edns);
	}
	/* in the name, in the type, in the class, in the OPT */
	assert_int_equal(dnsw_parse_query(p.b, 20, &q), DNSW_FORMERR);
	assert_int_equal(dnsw_parse_query(p.b, name_end + 1, &q), DNSW_FORMERR);
	assert_int_equal(dnsw_parse_query(p.b, name_end + 3, &q), DNSW_FORMERR);
	assert_int_equal(dnsw_parse_query(p.b, p.n - 1, &q), DNSW_FORMERR);
}

static void test_parse_label_past_end(void **state)
{
	struct pb p;
	struct dnsw_query q;

	(void)state;
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 63);
	pb_bytes(&p, "abc", 3);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_int_equal(q.qname_len, 0);
	/* a label length pointing exactly at the end */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 3);
	pb_bytes(&p, "abc", 3);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* reserved label types 0x40 and 0x80 */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 0x41);
	pb_bytes(&p, "a\0\0\1\0\1", 6);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	p.b[12] = 0x81;
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
}

static void test_parse_pointers(void **state)
{
	struct pb p;
	struct dnsw_query q;

	(void)state;
	/* pointer to itself */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u16(&p, 0xc00c);
	pb_u32(&p, 0x00010001);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* a label, then a pointer back to the label: an infinite name */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_name_ptr(&p, "a", 12);
	pb_u32(&p, 0x00010001);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* two pointers to each other */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u16(&p, 0xc00e);
	pb_u16(&p, 0xc00c);
	pb_u32(&p, 0x00010001);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* a forward pointer to a fine name */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u16(&p, 0xc012);
	pb_u32(&p, 0x00010001);
	pb_name(&p, "a.example");
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* a pointer past the end */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u16(&p, 0xffff);
	pb_u32(&p, 0x00010001);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* half a pointer */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 0xc0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);

	/* a backward pointer is fine: the ID 0x0161 and flags 0x00 spell the name "a" */
	pb_hdr(&p, 0x0161, 0, 1, 0, 0, 0);
	pb_u16(&p, 0xc000);
	pb_u32(&p, 0x00010001);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_string_equal(q.name, "a");
	assert_int_equal(q.qname_len, 3);
	assert_memory_equal(q.qname, "\1a\0", 3);
	assert_int_equal(q.question_end, 12 + 2 + 4);
}

static void test_parse_long_names(void **state)
{
	struct pb p;
	struct dnsw_query q;
	char name[400];
	int i;

	(void)state;
	/* 4 labels of 63 bytes and a 2-byte one: 4*64 + 3 + 1 = 260 > 255 */
	name[0] = '\0';
	for (i = 0; i < 4; i++) {
		memset(name + strlen(name), 'a' + i, 63);
		name[64 * i + 63] = '.';
		name[64 * i + 64] = '\0';
	}
	strcat(name, "zz");
	pb_query(&p, 1, name, DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* 3 labels of 63 and one of 61: 3*64 + 62 + 1 = 255, the longest there is */
	name[64 * 3 + 61] = '\0';
	pb_query(&p, 1, name, DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_int_equal(q.qname_len, 255);
	assert_int_equal(q.name_len, 253);
	assert_string_equal(q.name, name);
	/* 62: one byte too many */
	name[64 * 3 + 61] = 'd';
	name[64 * 3 + 62] = '\0';
	pb_query(&p, 1, name, DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* a 64-byte label is a reserved label type */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 64);
	for (i = 0; i < 64; i++)
		pb_u8(&p, 'x');
	pb_u8(&p, 0);
	pb_u32(&p, 0x00010001);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
}

static void test_parse_unmatchable(void **state)
{
	static const struct {
		const char *label;
		size_t len;
		const char *pres;
	} cases[] = {
		{ "a.b", 3, "a?b.example" },	{ "a\\b", 3, "a?b.example" },
		{ "a\0b", 3, "a?b.example" },	{ "a b", 3, "a?b.example" },
		{ "a\x7f", 2, "a?.example" },	{ "\xff\xfe", 2, "??.example" },
		{ "A\x01Z", 3, "a?z.example" }, { "\t", 1, "?.example" },
	};
	struct pb p;
	struct dnsw_query q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pb_hdr(&p, 1, 0, 1, 0, 0, 0);
		pb_u8(&p, (unsigned)cases[i].len);
		pb_bytes(&p, cases[i].label, cases[i].len);
		pb_question(&p, "example", DNSW_A, 1);
		assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0); /* still answered */
		assert_false(q.name_ok);
		assert_string_equal(q.name, cases[i].pres);
		assert_int_equal(q.name_len, strlen(cases[i].pres));
		assert_memory_equal(q.qname + 1, cases[i].label, cases[i].len);
	}
	/* every printable byte but '.' and '\\' is fine, and comes out lower-cased */
	pb_query(&p, 1, "A-Z_0+9!~*.Ex", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_true(q.name_ok);
	assert_string_equal(q.name, "a-z_0+9!~*.ex");
}

static void test_parse_bad_opt(void **state)
{
	struct pb p;
	struct dnsw_query q;
	static const uint8_t bad_opts[] = { 0, 10, 0, 9, 1, 2, 3, 4 }; /* option too long */
	static const uint8_t half_opt[] = { 0, 10, 0 };
	static const uint8_t two_opts[] = { 0, 10, 0, 0, 0, 12, 0, 2, 0, 0 };

	(void)state;
	/* OPT in the answer section */
	pb_hdr(&p, 1, 0, 1, 1, 0, 0);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* in the authority section */
	pb_hdr(&p, 1, 0, 1, 0, 1, 0);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* two OPTs */
	pb_hdr(&p, 1, 0, 1, 0, 0, 2);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	pb_opt(&p, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_true(q.has_edns); /* the first was fine: the FORMERR carries EDNS */
	/* an OPT not owned by the root */
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_name(&p, "x");
	pb_rr_tail(&p, DNSW_OPT, 1232, 0, NULL, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	assert_false(q.has_edns);
	/* options that overrun the RDATA */
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0, bad_opts, sizeof(bad_opts));
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0, half_opt, sizeof(half_opt));
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* RDLENGTH past the end */
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0, NULL, 0);
	p.b[p.n - 1] = 4;
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), DNSW_FORMERR);
	/* two well-formed options, and an OPT after another additional record: fine */
	pb_hdr(&p, 1, 0, 1, 0, 0, 2);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_u16(&p, 0xc00c);
	pb_rr_tail(&p, 16, 1, 0, "\1x", 2);
	pb_opt(&p, 1400, 0x8000, two_opts, sizeof(two_opts));
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_true(q.has_edns);
	assert_true(q.edns_do);
	assert_int_equal(q.udp_size, 1400);
}

static void test_badvers(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	struct rrs r;
	int n;

	(void)state;
	pb_hdr(&p, 0x4242, DNSW_RD | DNSW_CD, 1, 0, 0, 1);
	pb_question(&p, "example.com", DNSW_A, 1);
	pb_opt(&p, 1232, 0x00018000, NULL, 0); /* version 1, DO */
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_version, 1);
	assert_true(q.edns_do);
	n = dnsw_build_response(&q, DNSW_BADVERS, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	/* header rcode 0, upper bits 1 in the OPT TTL, version 0, DO kept */
	assert_int_equal(dnsw_get16(out + 2), DNSW_QR | DNSW_RD | DNSW_RA | DNSW_CD);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rr[0].type, DNSW_OPT);
	assert_int_equal(r.rr[0].ttl, 0x01008000);
	assert_int_equal(r.rr[0].rclass, DNSW_MAX_UDP);
	/* an extended rcode needs EDNS; rcodes past 12 bits never work */
	q.has_edns = 0;
	assert_int_equal(dnsw_build_response(&q, DNSW_BADVERS, -1, NULL, out, sizeof(out)), -1);
	q.has_edns = 1;
	assert_int_equal(dnsw_build_response(&q, 4096, -1, NULL, out, sizeof(out)), -1);
	assert_int_equal(dnsw_build_response(&q, -2, -1, NULL, out, sizeof(out)), -1);
	assert_int_equal(dnsw_build_response(&q, 0, 0x10000, NULL, out, sizeof(out)), -1);
}

/* ---- building responses ---- */

static void test_build_ede_bytes(void **state)
{
	static const uint8_t expect[] = {
		0xbe, 0xef, 0x81, 0x83, 0, 1,	0,   0,	  0,   0,   0,	 1,	   /* header */
		3,    'b',  'A',  'd',	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,   /* question */
		0,    1,    0,	  1,	0,					   /* OPT: root */
		0,    41,   0x10, 0x00,						   /* type, 4096 */
		0,    0,    0x80, 0,						   /* TTL: DO */
		0,    13,							   /* RDLENGTH */
		0,    15,   0,	  9,	0, 17,	'u', 'r', 'l', 'h', 'a', 'u', 's', /* EDE */
	};
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	struct rrs r;
	char text[64];
	int n;

	(void)state;
	pb_query(&p, 0xbeef, "bAd.example", DNSW_A, 1232, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, DNSW_EDE_FILTERED, "urlhaus", out, sizeof(out));
	assert_int_equal(n, (int)sizeof(expect));
	assert_memory_equal(out, expect, sizeof(expect));
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(find_ede(&r, text, sizeof(text)), DNSW_EDE_FILTERED);
	assert_string_equal(text, "urlhaus");
	assert_int_equal(
		dnsw_response_matches(out, (size_t)n, 0xbeef, q.qname, q.qname_len, DNSW_A, 1), 1);

	/* no text: an EDE of 2 bytes; no EDE: an empty OPT */
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, DNSW_EDE_BLOCKED, NULL, out, sizeof(out));
	assert_int_equal(n, (int)sizeof(expect) - 7);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(find_ede(&r, text, sizeof(text)), DNSW_EDE_BLOCKED);
	assert_string_equal(text, "");
	n = dnsw_build_response(&q, DNSW_REFUSED, -1, "ignored", out, sizeof(out));
	assert_int_equal(n, (int)sizeof(expect) - 13);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.rr[0].rdlen, 0);

	/* without EDNS there is no EDE */
	pb_query(&p, 0xbeef, "bAd.example", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, DNSW_EDE_FILTERED, "urlhaus", out, sizeof(out));
	assert_int_equal(n, 12 + 13 + 4);
	assert_int_equal(dnsw_get16(out + 10), 0);
}

static void test_build_sizes(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t out[4096];
	char text[3000], got[3000];
	struct rrs r;
	size_t i;
	int n, full;

	(void)state;
	pb_query(&p, 1, "x.example", DNSW_A, 1232, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	full = dnsw_build_response(&q, DNSW_NXDOMAIN, 17, "abc", out, sizeof(out));
	assert_true(full > 0);
	/* too small for the fixed part: -1, at every size below it minus the text */
	for (i = 0; i < (size_t)full - 3; i++)
		assert_int_equal(dnsw_build_response(&q, DNSW_NXDOMAIN, 17, "abc", out, i), -1);
	/* just enough for all but the text: the text is cut */
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, 17, "abc", out, (size_t)full - 1);
	assert_int_equal(n, full - 1);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(find_ede(&r, got, sizeof(got)), 17);
	assert_string_equal(got, "ab");
	/* a long text is cut to the client's UDP size (1232) */
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, 17, text, out, sizeof(out));
	assert_int_equal(n, 1232);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(find_ede(&r, got, sizeof(got)), 17);
	assert_int_equal(strlen(got), (size_t)(1232 - (full - 3)));
	/* never inside a UTF-8 character: "é" is 2 bytes */
	n = dnsw_build_response(&q, DNSW_NXDOMAIN, 17, "a\xc3\xa9", out, (size_t)full - 1);
	assert_int_equal(n, full - 2);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(find_ede(&r, got, sizeof(got)), 17);
	assert_string_equal(got, "a");
	/* without EDNS: a response without records is small and fits */
	pb_query(&p, 1, "x.example", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	assert_int_equal(dnsw_build_response(&q, 0, -1, NULL, out, p.n), (int)p.n);
	assert_int_equal(dnsw_build_response(&q, 0, -1, NULL, out, p.n - 1), -1);
}

static void test_build_address(void **state)
{
	static const uint8_t a4[4] = { 192, 0, 2, 1 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	struct rrs r;
	char text[64];
	int n;

	(void)state;
	pb_query(&p, 0x7777, "Walled.Example", DNSW_A, 1232, 1);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_address(&q, 4, a4, 30, DNSW_EDE_FILTERED, "feodo", out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dnsw_get16(out), 0x7777);
	assert_int_equal(dnsw_get16(out + 2), DNSW_QR | DNSW_RD | DNSW_RA);
	assert_int_equal(dnsw_get16(out + 4), 1);
	assert_int_equal(dnsw_get16(out + 6), 1);
	assert_int_equal(dnsw_get16(out + 8), 0);
	assert_int_equal(dnsw_get16(out + 10), 1);
	/* the owner is a pointer to the question */
	assert_int_equal(dnsw_get16(out + q.question_end), 0xc00c);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.rr[0].section, 1);
	assert_string_equal(r.rr[0].owner, "walled.example");
	assert_int_equal(r.rr[0].type, DNSW_A);
	assert_int_equal(r.rr[0].rclass, DNSW_CLASS_IN);
	assert_int_equal(r.rr[0].ttl, 30);
	assert_int_equal(r.rr[0].rdlen, 4);
	assert_memory_equal(r.rr[0].rdata, a4, 4);
	assert_int_equal(r.rr[1].section, 3);
	assert_int_equal(r.rr[1].type, DNSW_OPT);
	assert_int_equal(r.rr[1].ttl, 0x8000);
	assert_int_equal(find_ede(&r, text, sizeof(text)), DNSW_EDE_FILTERED);
	assert_string_equal(text, "feodo");
	assert_int_equal(
		dnsw_response_matches(out, (size_t)n, 0x7777, q.qname, q.qname_len, DNSW_A, 1), 1);

	/* an A query answered for family 6: NODATA */
	n = dnsw_build_address(&q, 6, a6, 30, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dnsw_get16(out + 6), 0);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_NOERROR);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 1);

	/* AAAA, no EDNS */
	pb_query(&p, 0x7778, "walled.example", DNSW_AAAA, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_address(&q, 6, a6, 3600, DNSW_EDE_FILTERED, "x", out, sizeof(out));
	assert_int_equal(n, (int)p.n + 2 + 10 + 16);
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rr[0].type, DNSW_AAAA);
	assert_int_equal(r.rr[0].rdlen, 16);
	assert_memory_equal(r.rr[0].rdata, a6, 16);
	assert_int_equal(dnsw_build_address(&q, 6, a6, 1, -1, NULL, out, (size_t)n - 1), -1);

	/* bad family, no question, class CH */
	assert_int_equal(dnsw_build_address(&q, 5, a6, 1, -1, NULL, out, sizeof(out)), -1);
	q.qclass = 3;
	n = dnsw_build_address(&q, 6, a6, 1, -1, NULL, out, sizeof(out));
	assert_int_equal(dnsw_get16(out + 6), 0);
	q.qname_len = 0;
	assert_int_equal(dnsw_build_address(&q, 6, a6, 1, -1, NULL, out, sizeof(out)), -1);
}

/* Local data (an RPZ entry's records, wire form of core/lists/rpzdata.h). */
static void test_build_local(void **state)
{
	/* A 192.0.2.1, A 192.0.2.2, TXT "hi", AAAA 2001:db8::1 */
	static const uint8_t data[] = {
		0, 1,  0, 4,  192,  0,	 2,    1,    /* A */
		0, 1,  0, 4,  192,  0,	 2,    2,    /* A */
		0, 16, 0, 3,  2,    'h', 'i',	     /* TXT */
		0, 28, 0, 16, 0x20, 1,	 0x0d, 0xb8, /* AAAA */
		0, 0,  0, 0,  0,    0,	 0,    0,    0, 0, 0, 1,
	};
	/* CNAME walled.example. */
	static const uint8_t cname[] = { 0,   5, 0,   16,  6,	'w', 'a', 'l', 'l', 'e',
					 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	struct rrs r;
	char text[64];
	int n;

	(void)state;
	pb_query(&p, 0x4242, "Local.Example", DNSW_A, 1232, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_local(&q, data, sizeof(data), 60, DNSW_EDE_FILTERED, "rpz", out,
			     sizeof(out));
	assert_true(n > 0);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_NOERROR);
	assert_int_equal(dnsw_get16(out + 6), 2); /* both A records, nothing else */
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.rr[0].owner, "local.example");
	assert_int_equal(r.rr[0].type, DNSW_A);
	assert_int_equal(r.rr[0].ttl, 60);
	assert_int_equal(r.rr[1].rdata[3], 2);
	assert_int_equal(find_ede(&r, text, sizeof(text)), DNSW_EDE_FILTERED);
	assert_string_equal(text, "rpz");

	q.qtype = 16; /* TXT */
	n = dnsw_build_local(&q, data, sizeof(data), 60, -1, NULL, out, sizeof(out));
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.rr[0].type, 16);
	assert_int_equal(r.rr[0].rdlen, 3);
	assert_int_equal(dnsw_get16(out + 6), 1);
	q.qtype = 255; /* ANY: every record */
	n = dnsw_build_local(&q, data, sizeof(data), 60, -1, NULL, out, sizeof(out));
	assert_int_equal(dnsw_get16(out + 6), 4);
	q.qtype = 15; /* MX: NODATA */
	n = dnsw_build_local(&q, data, sizeof(data), 60, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dnsw_get16(out + 6), 0);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_NOERROR);

	/* a CNAME answers every type, alone */
	q.qtype = DNSW_AAAA;
	n = dnsw_build_local(&q, cname, sizeof(cname), 60, -1, NULL, out, sizeof(out));
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.rr[0].type, DNSW_CNAME);
	assert_string_equal(r.rr[0].target, "walled.example");

	/* malformed data (an rdlength past the end), a buffer too small, class CH */
	assert_int_equal(
		dnsw_build_local(&q, data, sizeof(data) - 1, 60, -1, NULL, out, sizeof(out)), -1);
	assert_int_equal(dnsw_build_local(&q, data, 3, 60, -1, NULL, out, sizeof(out)), -1);
	q.qtype = DNSW_A;
	assert_int_equal(dnsw_build_local(&q, data, sizeof(data), 60, -1, NULL, out, 40), -1);
	q.qclass = 3;
	n = dnsw_build_local(&q, data, sizeof(data), 60, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dnsw_get16(out + 6), 0);
}

/* ---- responses from upstream ---- */

static void test_name_wire(void **state)
{
	uint8_t w[DNSW_MAX_NAME];
	char longlabel[70], longname[300];

	(void)state;
	assert_int_equal(dnsw_name_wire("ispshield.invalid.", w, sizeof(w)), 19);
	assert_memory_equal(w, "\011ispshield\007invalid\000", 19);
	assert_int_equal(dnsw_name_wire("ispshield.invalid", w, sizeof(w)), 19);
	assert_int_equal(dnsw_name_wire(".", w, sizeof(w)), 1);
	assert_int_equal(w[0], 0);
	assert_int_equal(dnsw_name_wire("", w, sizeof(w)), 1);
	assert_int_equal(dnsw_name_wire("a..b", w, sizeof(w)), -1);
	assert_int_equal(dnsw_name_wire(".a", w, sizeof(w)), -1);
	assert_int_equal(dnsw_name_wire("a b.example", w, sizeof(w)), -1);
	memset(longlabel, 'x', 64);
	longlabel[64] = '\0';
	assert_int_equal(dnsw_name_wire(longlabel, w, sizeof(w)), -1); /* label of 64 */
	longlabel[63] = '\0';
	assert_int_equal(dnsw_name_wire(longlabel, w, sizeof(w)), 65);
	memset(longname, 'a', sizeof(longname));
	for (size_t i = 1; i < 256; i += 2)
		longname[i] = '.';
	longname[255] = '\0'; /* 128 one-letter labels: 257 bytes of wire */
	assert_int_equal(dnsw_name_wire(longname, w, sizeof(w)), -1);
	assert_int_equal(dnsw_name_wire("a.b", w, 4), -1); /* out too small */
}

/* A blocked answer: NXDOMAIN with the SOA in authority (owner: the question, TTL and
 * MINIMUM the block TTL), which dnsw_cache_ttl (RFC 2308) accepts; the walled garden's
 * address without it, its NODATA with it. */
static void test_build_blocked_soa(void **state)
{
	static const uint8_t a4[4] = { 192, 0, 2, 1 };
	struct dnsw_soa soa;
	struct pb p;
	struct dnsw_query q;
	uint8_t out[1024];
	struct rrs r;
	char text[128];
	uint32_t ttl = 0;
	int n;

	(void)state;
	memset(&soa, 0, sizeof(soa));
	soa.mname_len = (size_t)dnsw_name_wire("ispshield.invalid.", soa.mname, sizeof(soa.mname));
	soa.rname_len = (size_t)dnsw_name_wire("hostmaster.ispshield.invalid.", soa.rname,
					       sizeof(soa.rname));
	soa.ttl = 120;
	soa.serial = 1;
	pb_query(&p, 0x4242, "X1.Dga-Family.example", DNSW_A, 1232, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_blocked(&q, DNSW_NXDOMAIN, 0, NULL, 0, &soa, DNSW_EDE_FILTERED,
			       "blocked by ispshield list dga: *.dga-family.example", out,
			       sizeof(out));
	assert_true(n > 0);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_NXDOMAIN);
	assert_int_equal(dnsw_get16(out + 6), 0); /* answer */
	assert_int_equal(dnsw_get16(out + 8), 1); /* authority */
	assert_int_equal(walk(out, (size_t)n, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.rr[0].section, 2);
	assert_int_equal(r.rr[0].type, DNSW_SOA);
	assert_string_equal(r.rr[0].owner, "x1.dga-family.example");
	assert_int_equal(r.rr[0].ttl, 120);
	assert_int_equal(r.rr[0].rdlen, 19 + 30 + 20);
	assert_memory_equal(r.rr[0].rdata, soa.mname, soa.mname_len);
	/* MINIMUM is the last field */
	assert_int_equal(dnsw_get16(r.rr[0].rdata + r.rr[0].rdlen - 2), 120);
	assert_int_equal(find_ede(&r, text, sizeof(text)), DNSW_EDE_FILTERED);
	assert_string_equal(text, "blocked by ispshield list dga: *.dga-family.example");
	assert_int_equal(dnsw_cache_ttl(out, (size_t)n, &ttl), 0);
	assert_int_equal(ttl, 120);
	assert_int_equal(
		dnsw_response_matches(out, (size_t)n, 0x4242, q.qname, q.qname_len, DNSW_A, 1), 1);

	/* walled garden, A asked: the address, no SOA */
	n = dnsw_build_blocked(&q, DNSW_NOERROR, 4, a4, 120, &soa, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dnsw_get16(out + 6), 1);
	assert_int_equal(dnsw_get16(out + 8), 0);
	/* walled garden, MX asked: NODATA with the SOA */
	pb_query(&p, 0x4243, "x1.dga-family.example", 15, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_blocked(&q, DNSW_NOERROR, 4, a4, 120, &soa, -1, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dnsw_get16(out + 6), 0);
	assert_int_equal(dnsw_get16(out + 8), 1);
	assert_int_equal(dnsw_cache_ttl(out, (size_t)n, &ttl), 0);
	assert_int_equal(ttl, 120);
	/* bounds: a buffer one byte short fails, never overruns */
	assert_int_equal(dnsw_build_blocked(&q, DNSW_NOERROR, 4, a4, 120, &soa, -1, NULL, out,
					    (size_t)n - 1),
			 -1);
	assert_int_equal(
		dnsw_build_blocked(&q, DNSW_NXDOMAIN, 5, NULL, 0, &soa, -1, NULL, out, sizeof(out)),
		-1);
}

static void test_response_matches(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t out[512];
	int n;

	(void)state;
	pb_query(&p, 0x1234, "WWW.Example.com", DNSW_AAAA, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	pb_hdr(&p, 0x1234, DNSW_QR | DNSW_RA, 1, 0, 0, 0);
	pb_question(&p, "www.EXAMPLE.COM", DNSW_AAAA, 1);
	assert_int_equal(
		dnsw_response_matches(p.b, p.n, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 1), 1);
	assert_int_equal(
		dnsw_response_matches(p.b, p.n, 0x1235, q.qname, q.qname_len, DNSW_AAAA, 1), 0);
	assert_int_equal(dnsw_response_matches(p.b, p.n, 0x1234, q.qname, q.qname_len, DNSW_A, 1),
			 0);
	assert_int_equal(
		dnsw_response_matches(p.b, p.n, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 3), 0);
	assert_int_equal(
		dnsw_response_matches(p.b, p.n, 0x1234, q.qname, q.qname_len - 1, DNSW_AAAA, 1), 0);
	assert_int_equal(
		dnsw_response_matches(p.b, p.n - 1, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 1), 0);
	/* case folding is ASCII only, and a different name does not match */
	assert_int_equal(dnsw_response_matches(p.b, p.n, 0x1234,
					       (const uint8_t *)"\3wwx\7example\3com", 17,
					       DNSW_AAAA, 1),
			 0);
	/* not a response */
	p.b[2] &= 0x7f;
	assert_int_equal(
		dnsw_response_matches(p.b, p.n, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 1), 0);
	/* no question (an upstream FORMERR) */
	pb_hdr(&p, 0x1234, DNSW_QR | DNSW_FORMERR, 0, 0, 0, 0);
	assert_int_equal(
		dnsw_response_matches(p.b, p.n, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 1), 0);
	/* too short */
	assert_int_equal(dnsw_response_matches(p.b, 11, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 1),
			 0);
	/* our own answers match our own query */
	n = dnsw_build_response(&q, DNSW_SERVFAIL, -1, NULL, out, sizeof(out));
	assert_int_equal(
		dnsw_response_matches(out, (size_t)n, 0x1234, q.qname, q.qname_len, DNSW_AAAA, 1),
		1);
}

/* A response: www.example.com CNAME a.example.net (compressed), a.example.net CNAME
 * b.example.net (compressed into the previous target), b.example.net A. */
static size_t cname_chain(struct pb *p, uint32_t ttl1, uint32_t ttl2, uint32_t ttl3)
{
	size_t owner2, owner3;
	static const uint8_t a4[4] = { 198, 51, 100, 7 };

	pb_hdr(p, 0x5555, DNSW_QR | DNSW_RD | DNSW_RA, 1, 3, 0, 1);
	pb_question(p, "www.Example.com", DNSW_A, 1);
	pb_u16(p, 0xc00c);
	pb_u16(p, DNSW_CNAME);
	pb_u16(p, 1);
	pb_u32(p, ttl1);
	pb_u16(p, 2 + 8 + 2); /* \1a \7example, then a pointer to "com" */
	owner2 = p->n;
	pb_name_ptr(p, "a.example", 12 + 12); /* a.example.com */
	pb_u16(p, 0xc000 | (unsigned)owner2);
	pb_u16(p, DNSW_CNAME);
	pb_u16(p, 1);
	pb_u32(p, ttl2);
	pb_u16(p, 4);
	owner3 = p->n;
	pb_name_ptr(p, "B", (unsigned)owner2 + 2); /* b.example.com */
	pb_u16(p, 0xc000 | (unsigned)owner3);
	pb_rr_tail(p, DNSW_A, 1, ttl3, a4, 4);
	pb_opt(p, 1232, 0, NULL, 0);
	return p->n;
}

/* The query forwarded upstream: only the question, RD/AD/CD and our own OPT; it parses
 * back to the same question. */
static void test_build_query(void **state)
{
	struct pb p;
	struct dnsw_query q, back;
	uint8_t out[512];
	int n;

	(void)state;
	/* a client query with EDNS, DO and a COOKIE option */
	pb_hdr(&p, 0x4242, DNSW_RD | DNSW_CD | DNSW_AA | DNSW_TC, 1, 0, 0, 1);
	pb_question(&p, "WwW.Example.COM", DNSW_A, 1);
	pb_opt(&p, 65000, 0x8000,
	       "\x00\x0a\x00\x08"
	       "abcdefgh",
	       12);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &q), 0);
	n = dnsw_build_query(0x9999, q.flags, q.qname, q.qname_len, q.qtype, q.qclass, 1232,
			     q.edns_do, out, sizeof(out));
	assert_int_equal(n, 12 + (int)q.qname_len + 4 + 11);
	assert_int_equal(dnsw_get16(out), 0x9999);
	assert_int_equal(dnsw_get16(out + 2), DNSW_RD | DNSW_CD); /* AA, TC dropped */
	assert_int_equal(dnsw_parse_query(out, (size_t)n, &back), 0);
	assert_memory_equal(back.qname, q.qname, q.qname_len); /* case kept */
	assert_int_equal(back.has_edns, 1);
	assert_int_equal(back.udp_size, 1232); /* capped, not the client's 65000 */
	assert_int_equal(back.edns_do, 1);
	assert_int_equal(dnsw_get16(out + n - 2), 0); /* no options: the cookie stays here */
	/* without EDNS: no OPT */
	n = dnsw_build_query(1, 0, q.qname, q.qname_len, DNSW_AAAA, 1, 0, 0, out, sizeof(out));
	assert_int_equal(n, 12 + (int)q.qname_len + 4);
	assert_int_equal(dnsw_parse_query(out, (size_t)n, &back), 0);
	assert_int_equal(back.has_edns, 0);
	/* too small, empty or unterminated names */
	assert_int_equal(dnsw_build_query(1, 0, q.qname, q.qname_len, 1, 1, 1232, 0, out, 20), -1);
	assert_int_equal(dnsw_build_query(1, 0, q.qname, 0, 1, 1, 0, 0, out, sizeof(out)), -1);
	assert_int_equal(
		dnsw_build_query(1, 0, q.qname, q.qname_len - 1, 1, 1, 0, 0, out, sizeof(out)), -1);
}

/* 0x20: the exact-case check, and giving the client its case back. */
static void test_question_case(void **state)
{
	struct pb p, r;
	struct dnsw_query sent, client;

	(void)state;
	pb_query(&p, 1, "wWw.ExAmple.cOm", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &sent), 0);
	pb_query(&p, 1, "www.example.com", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &client), 0);
	pb_hdr(&r, 1, DNSW_QR, 1, 0, 0, 0);
	pb_question(&r, "wWw.ExAmple.cOm", DNSW_A, 1);
	assert_int_equal(dnsw_question_is(r.b, r.n, sent.qname, sent.qname_len), 1);
	assert_int_equal(dnsw_question_is(r.b, r.n, client.qname, client.qname_len), 0);
	assert_int_equal(dnsw_question_is(r.b, 20, sent.qname, sent.qname_len), 0); /* short */
	assert_int_equal(dnsw_set_question_name(r.b, r.n, client.qname, client.qname_len), 0);
	assert_int_equal(dnsw_question_is(r.b, r.n, client.qname, client.qname_len), 1);
	/* another name, or a compressed one, is left alone */
	pb_query(&p, 1, "www.example.org", DNSW_A, 0, 0);
	assert_int_equal(dnsw_parse_query(p.b, p.n, &client), 0);
	assert_int_equal(dnsw_set_question_name(r.b, r.n, client.qname, client.qname_len), -1);
	assert_int_equal(dnsw_question_is(r.b, r.n, client.qname, client.qname_len), 0);
	pb_hdr(&r, 1, DNSW_QR, 1, 0, 0, 0);
	pb_name_ptr(&r, "", 12);
	assert_int_equal(dnsw_question_is(r.b, r.n, sent.qname, sent.qname_len), 0);
}

static void test_walk_cname(void **state)
{
	struct pb p;
	struct rrs r;

	(void)state;
	cname_chain(&p, 300, 200, 100);
	assert_int_equal(walk(p.b, p.n, &r), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.rr[0].owner, "www.example.com");
	assert_int_equal(r.rr[0].type, DNSW_CNAME);
	assert_string_equal(r.rr[0].target, "a.example.com");
	assert_int_equal(r.rr[0].ttl, 300);
	assert_int_equal(dnsw_get16(p.b + r.rr[0].ttl_offset + 2), 300);
	assert_string_equal(r.rr[1].owner, "a.example.com");
	assert_string_equal(r.rr[1].target, "b.example.com");
	assert_string_equal(r.rr[2].owner, "b.example.com");
	assert_int_equal(r.rr[2].type, DNSW_A);
	assert_string_equal(r.rr[2].target, "");
	assert_int_equal(r.rr[2].rdlen, 4);
	assert_int_equal(r.rr[2].rdata[3], 7);
	assert_int_equal(r.rr[3].section, 3);
	assert_int_equal(r.rr[3].type, DNSW_OPT);
	assert_string_equal(r.rr[3].owner, "");
}

static int stop_at_second(void *ud, const struct dnsw_rr *rr)
{
	int *n = ud;

	(void)rr;
	return ++*n == 2 ? 7 : 0;
}

static void test_walk_errors(void **state)
{
	struct pb p;
	struct rrs r;
	size_t i, rd;
	uint32_t ttl;
	int n = 0;

	(void)state;
	cname_chain(&p, 1, 2, 3);
	assert_int_equal(dnsw_walk_response(p.b, p.n, stop_at_second, &n), 7);
	/* every truncation is malformed, after the records before it */
	for (i = 0; i < p.n; i++) {
		uint8_t *cut = exact(p.b, i);

		assert_int_equal(walk(cut, i, &r), -1);
		assert_int_equal(dnsw_cache_ttl(cut, i, &ttl), -1);
		assert_int_equal(dnsw_response_matches(cut, i, 0x5555,
						       (const uint8_t *)"\3www\7example\3com", 17,
						       DNSW_A, 1),
				 i >= 12 + 17 + 4);
		free(cut);
	}
	/* a CNAME whose target runs past its RDATA: RDLENGTH one too short */
	cname_chain(&p, 1, 2, 3);
	rd = 12 + 17 + 4 + 2 + 8;
	assert_int_equal(dnsw_get16(p.b + rd), 12);
	dnsw_put16(p.b + rd, 11);
	assert_int_equal(walk(p.b, p.n, &r), -1);
	/* ... one too long */
	dnsw_put16(p.b + rd, 13);
	assert_int_equal(walk(p.b, p.n, &r), -1);
	/* a CNAME target pointing forward */
	cname_chain(&p, 1, 2, 3);
	dnsw_put16(p.b + rd + 12, 0xc000 | (unsigned)(p.n - 11));
	assert_int_equal(walk(p.b, p.n, &r), -1);
	assert_int_equal(r.n, 0);
	/* a CNAME whose RDATA holds the target and one byte more */
	pb_hdr(&p, 1, DNSW_QR, 1, 1, 0, 0);
	pb_question(&p, "example.com", DNSW_CNAME, 1);
	pb_u16(&p, 0xc00c);
	pb_rr_tail(&p, DNSW_CNAME, 1, 5, "\1x\xc0\x0c\0", 5);
	assert_int_equal(walk(p.b, p.n, &r), -1);
	p.b[p.n - 6] = 4; /* RDLENGTH 4: fine */
	assert_int_equal(walk(p.b, p.n - 1, &r), 0);
	assert_string_equal(r.rr[0].target, "x.example.com");
	/* an absurd answer count */
	cname_chain(&p, 1, 2, 3);
	dnsw_put16(p.b + 6, 0xffff);
	assert_int_equal(walk(p.b, p.n, &r), -1);
	assert_int_equal(r.n, 4); /* the OPT was read as an answer */
	assert_int_equal(walk(p.b, 11, &r), -1);
}

/* An answer record whose owner is reached through `ptrs` pointers. */
static void pointer_chain(struct pb *p, int ptrs)
{
	int i;
	size_t rd;
	static const uint8_t a4[4] = { 192, 0, 2, 9 };

	pb_hdr(p, 1, DNSW_QR, 1, 2, 0, 0);
	pb_question(p, "example.com", DNSW_A, 1);
	/* a record of private type 65280 whose RDATA is a chain of pointers: the first to
	 * the question's name, each next one to the one before */
	pb_u16(p, 0xc00c);
	pb_u16(p, 65280);
	pb_u16(p, 1);
	pb_u32(p, 0);
	pb_u16(p, (unsigned)(2 * (ptrs - 1)));
	rd = p->n;
	for (i = 0; i < ptrs - 1; i++)
		pb_u16(p, i == 0 ? 0xc00c : 0xc000 | (unsigned)(rd + 2 * (i - 1)));
	pb_u16(p, 0xc000 | (unsigned)(rd + 2 * (ptrs - 2)));
	pb_rr_tail(p, DNSW_A, 1, 60, a4, 4);
}

static void test_walk_pointer_limit(void **state)
{
	struct pb p;
	struct rrs r;

	(void)state;
	pointer_chain(&p, DNSW_MAX_POINTERS);
	assert_int_equal(walk(p.b, p.n, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rr[1].owner, "example.com");
	pointer_chain(&p, DNSW_MAX_POINTERS + 1);
	assert_int_equal(walk(p.b, p.n, &r), -1);
	assert_int_equal(r.n, 1);
}

/* ---- cache TTLs and ageing ---- */

static size_t negative(struct pb *p, unsigned rcode, uint32_t soa_ttl, uint32_t minimum,
		       int with_soa)
{
	struct pb rd;

	rd.n = 0;
	pb_name(&rd, "ns.example.com");
	pb_u16(&rd, 0xc000 | 12); /* rname: a pointer to the question (backwards: fine) */
	pb_u32(&rd, 2024010101);
	pb_u32(&rd, 3600);
	pb_u32(&rd, 600);
	pb_u32(&rd, 86400);
	pb_u32(&rd, minimum);
	pb_hdr(p, 2, DNSW_QR | rcode, 1, 0, with_soa ? 2 : 1, 1);
	pb_question(p, "example.com", DNSW_A, 1);
	if (with_soa) {
		pb_u16(p, 0xc00c);
		pb_rr_tail(p, DNSW_SOA, 1, soa_ttl, rd.b, rd.n);
	}
	pb_u16(p, 0xc00c);
	pb_rr_tail(p, DNSW_NS, 1, 5000, "\2ns\xc0\x0c", 5);
	pb_u16(p, 0xc00c);
	pb_rr_tail(p, DNSW_A, 1, 1, "\1\2\3\4", 4); /* additional: ignored */
	return p->n;
}

static void test_cache_ttl(void **state)
{
	struct pb p;
	uint32_t ttl = 0;

	(void)state;
	/* positive: the smallest of answer (and authority), not additional, not OPT */
	cname_chain(&p, 300, 200, 100);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
	assert_int_equal(ttl, 100);
	cname_chain(&p, 300, 20, 100);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
	assert_int_equal(ttl, 20);
	/* a TTL with its top bit set counts as 0 */
	cname_chain(&p, 300, 0x80000000u, 100);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
	assert_int_equal(ttl, 0);

	/* NXDOMAIN: min(SOA TTL, MINIMUM) (and the NS in authority, 5000) */
	negative(&p, DNSW_NXDOMAIN, 3600, 300, 1);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
	assert_int_equal(ttl, 300);
	negative(&p, DNSW_NXDOMAIN, 60, 300, 1);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
	assert_int_equal(ttl, 60);
	/* NODATA */
	negative(&p, DNSW_NOERROR, 900, 450, 1);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
	assert_int_equal(ttl, 450);
	/* negative without an SOA: nothing to go by */
	negative(&p, DNSW_NXDOMAIN, 0, 0, 0);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	negative(&p, DNSW_NOERROR, 0, 0, 0);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	/* an SOA whose RDATA is malformed (MINIMUM missing) */
	negative(&p, DNSW_NXDOMAIN, 60, 300, 1);
	p.b[12 + 17 + 2 + 8 + 1] -= 4; /* RDLENGTH of the SOA */
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	/* an SOA with a byte after MINIMUM */
	{
		struct pb rd;

		rd.n = 0;
		pb_u16(&rd, 0xc00c);
		pb_u16(&rd, 0xc00c);
		pb_bytes(&rd, "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5", 20);
		pb_hdr(&p, 2, DNSW_QR | DNSW_NXDOMAIN, 1, 0, 1, 0);
		pb_question(&p, "example.com", DNSW_A, 1);
		pb_u16(&p, 0xc00c);
		pb_rr_tail(&p, DNSW_SOA, 1, 60, rd.b, rd.n);
		assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), 0);
		assert_int_equal(ttl, 5);
		pb_u8(&rd, 0);
		pb_hdr(&p, 2, DNSW_QR | DNSW_NXDOMAIN, 1, 0, 1, 0);
		pb_question(&p, "example.com", DNSW_A, 1);
		pb_u16(&p, 0xc00c);
		pb_rr_tail(&p, DNSW_SOA, 1, 60, rd.b, rd.n);
		assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	}
	/* SERVFAIL, REFUSED, not a response, empty, truncated */
	negative(&p, DNSW_SERVFAIL, 60, 300, 1);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	negative(&p, DNSW_REFUSED, 60, 300, 1);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	negative(&p, DNSW_NXDOMAIN, 60, 300, 1);
	p.b[2] &= 0x7f;
	assert_int_equal(dnsw_cache_ttl(p.b, p.n, &ttl), -1);
	negative(&p, DNSW_NXDOMAIN, 60, 300, 1);
	assert_int_equal(dnsw_cache_ttl(p.b, p.n - 1, &ttl), -1);
	assert_int_equal(dnsw_cache_ttl(p.b, 5, &ttl), -1);
}

/* ---- captured packets (tests/data/dns) ---- */

static void test_captured_queries(void **state)
{
	static const struct {
		const char *file;
		int rc;
		const char *name;
		uint16_t qtype;
		int edns, do_bit, version;
		uint16_t udp;
	} cases[] = {
		{ "dig_a_edns_do.bin", 0, "example.com", DNSW_A, 1, 1, 0, 1232 },
		{ "dig_aaaa_noedns.bin", 0, "www.example.com", DNSW_AAAA, 0, 0, 0, 512 },
		{ "dig_root_ns.bin", 0, "", DNSW_NS, 1, 0, 0, 1232 },
		{ "dig_notify.bin", DNSW_NOTIMP, "example.com", DNSW_SOA, 1, 0, 0, 1232 },
		{ "dig_ednsv1.bin", 0, "example.com", DNSW_A, 1, 0, 1, 1232 },
		{ "kdig_a.bin", 0, "example.com", DNSW_A, 1, 1, 0, 4096 },
		{ "kdig_aaaa.bin", 0, "blocked.example.net", DNSW_AAAA, 0, 0, 0, 512 },
		{ "ub_aaaa_cname_q.bin", 0, "www.example.com", DNSW_AAAA, 1, 1, 0, 1232 },
		{ "ub_nxdomain_q.bin", 0, "nope.example.com", DNSW_A, 1, 0, 0, 1232 },
		{ "ub_nodata_q.bin", 0, "example.com", DNSW_AAAA, 0, 0, 0, 512 },
		{ "ub_refused_ede_q.bin", 0, "blocked.example.net", DNSW_AAAA, 1, 0, 0, 1232 },
	};
	uint8_t pkt[1024], out[1024];
	struct dnsw_query q;
	struct rrs r;
	size_t i, n;
	int len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = testdata_read("dns", cases[i].file, pkt, sizeof(pkt));
		if (n == 0)
			continue;
		if (dnsw_parse_query(pkt, n, &q) != cases[i].rc)
			fail_msg("%s: rc %d", cases[i].file, dnsw_parse_query(pkt, n, &q));
		assert_string_equal(q.name, cases[i].name);
		assert_true(q.name_ok);
		assert_int_equal(q.qtype, cases[i].qtype);
		assert_int_equal(q.has_edns, cases[i].edns);
		assert_int_equal(q.edns_do, cases[i].do_bit);
		assert_int_equal(q.edns_version, cases[i].version);
		assert_int_equal(q.udp_size, cases[i].udp);
		assert_int_equal(q.question_end, 12 + q.qname_len + 4);
		assert_memory_equal(q.qname, pkt + 12, q.qname_len);
		/* a blocked answer to each parses back and matches */
		len = dnsw_build_response(&q, DNSW_NXDOMAIN, DNSW_EDE_FILTERED, "test list", out,
					  sizeof(out));
		assert_true(len > 0);
		assert_int_equal(walk(out, (size_t)len, &r), 0);
		assert_int_equal(r.n, cases[i].edns);
		assert_int_equal(dnsw_response_matches(out, (size_t)len, q.id, q.qname, q.qname_len,
						       q.qtype, q.qclass),
				 1);
	}
}

static void test_captured_responses(void **state)
{
	static const struct {
		const char *q, *r;
		int rcode, answers;
		int ttl_rc;
		uint32_t ttl;
	} cases[] = {
		{ "dig_a_edns_do.bin", "ub_a_pos_r.bin", DNSW_NOERROR, 1, 0, 600 },
		{ "ub_aaaa_cname_q.bin", "ub_aaaa_cname_r.bin", DNSW_NOERROR, 1, 0, 120 },
		{ "ub_nxdomain_q.bin", "ub_nxdomain_r.bin", DNSW_NXDOMAIN, 0, 0, 300 },
		{ "ub_nodata_q.bin", "ub_nodata_r.bin", DNSW_NOERROR, 0, 0, 300 },
		{ "ub_refused_ede_q.bin", "ub_refused_ede_r.bin", DNSW_REFUSED, 0, -1, 0 },
	};
	uint8_t qp[1024], rp[1024], copy[1024];
	struct dnsw_query q;
	struct rrs r;
	size_t i, qn, rn;
	uint32_t ttl;
	int a, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		qn = testdata_read("dns", cases[i].q, qp, sizeof(qp));
		rn = testdata_read("dns", cases[i].r, rp, sizeof(rp));
		if (qn == 0 || rn == 0)
			continue;
		assert_int_equal(dnsw_parse_query(qp, qn, &q), 0);
		assert_int_equal(dnsw_parse_query(rp, rn, &q), DNSW_DROP);
		assert_int_equal(dnsw_parse_query(qp, qn, &q), 0);
		assert_int_equal(dnsw_response_matches(rp, rn, q.id, q.qname, q.qname_len, q.qtype,
						       q.qclass),
				 1);
		assert_int_equal(dnsw_response_matches(rp, rn, q.id ^ 1, q.qname, q.qname_len,
						       q.qtype, q.qclass),
				 0);
		assert_int_equal(DNSW_RCODE(dnsw_get16(rp + 2)), cases[i].rcode);
		assert_int_equal(walk(rp, rn, &r), 0);
		for (a = 0, k = 0; k < r.n; k++)
			a += r.rr[k].section == 1;
		assert_int_equal(a, cases[i].answers);
		ttl = 0;
		assert_int_equal(dnsw_cache_ttl(rp, rn, &ttl), cases[i].ttl_rc);
		assert_int_equal(ttl, cases[i].ttl);
		if (cases[i].ttl_rc == 0) {
			/* aged as the packet cache ages it, 100 s after storing */
			struct dcache *c = dcache_new(1 << 20, 86400, 86400);

			assert_int_equal(dcache_put(c, (const uint8_t *)"\1k", 3, rp, rn,
						    cases[i].ttl, 0, 0, 0),
					 0);
			assert_int_equal(dcache_get(c, (const uint8_t *)"\1k", 3, 100 * 1000, copy,
						    sizeof(copy), NULL),
					 (int)rn);
			assert_int_equal(dnsw_cache_ttl(copy, rn, &ttl), 0);
			assert_int_equal(ttl, cases[i].ttl - 100);
			dcache_free(c);
		}
	}
	/* the CNAME answer: the target is compressed into the question */
	rn = testdata_read("dns", "ub_aaaa_cname_r.bin", rp, sizeof(rp));
	if (rn > 0) {
		assert_int_equal(walk(rp, rn, &r), 0);
		assert_int_equal(r.rr[0].type, DNSW_CNAME);
		assert_string_equal(r.rr[0].owner, "www.example.com");
		assert_string_equal(r.rr[0].target, "web.example.com");
		assert_int_equal(r.rr[1].type, DNSW_OPT);
		assert_int_equal(r.rr[1].ttl, 0x8000);
	}
}

/* Every prefix and every single-byte change of some packets: no crash, and parsed
 * queries always build a response that walks back. */
static void test_mutations(void **state)
{
	struct pb p;
	struct dnsw_query q;
	uint8_t buf[1024], out[1024];
	struct rrs r;
	uint32_t ttl;
	size_t i, len;
	unsigned v;
	int k, rc, n;

	(void)state;
	for (k = 0; k < 3; k++) {
		if (k == 0)
			cname_chain(&p, 1, 2, 3);
		else if (k == 1)
			negative(&p, DNSW_NXDOMAIN, 60, 300, 1);
		else
			pb_query(&p, 1, "www.example.com", DNSW_A, 1232, 1);
		for (i = 0; i < p.n; i++) {
			for (v = 0; v < 256; v += 7) {
				memcpy(buf, p.b, p.n);
				buf[i] = (uint8_t)v;
				for (len = p.n; len + 8 > p.n && len > 0; len--) {
					uint8_t *cut = exact(buf, len);

					rc = dnsw_parse_query(cut, len, &q);
					if (rc >= 0) {
						n = dnsw_build_response(&q, rc, 17, "x", out,
									sizeof(out));
						assert_true(n > 0);
						assert_int_equal(walk(out, (size_t)n, &r), 0);
					}
					(void)walk(cut, len, &r);
					(void)dnsw_cache_ttl(cut, len, &ttl);
					free(cut);
				}
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_a_edns_do),
		cmocka_unit_test(test_name_wire),
		cmocka_unit_test(test_build_blocked_soa),
		cmocka_unit_test(test_parse_aaaa_no_edns),
		cmocka_unit_test(test_parse_0x20_case),
		cmocka_unit_test(test_parse_root),
		cmocka_unit_test(test_parse_qdcount),
		cmocka_unit_test(test_parse_counts),
		cmocka_unit_test(test_parse_opcodes),
		cmocka_unit_test(test_parse_drop),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_label_past_end),
		cmocka_unit_test(test_parse_pointers),
		cmocka_unit_test(test_parse_long_names),
		cmocka_unit_test(test_parse_unmatchable),
		cmocka_unit_test(test_parse_bad_opt),
		cmocka_unit_test(test_badvers),
		cmocka_unit_test(test_build_ede_bytes),
		cmocka_unit_test(test_build_sizes),
		cmocka_unit_test(test_build_address),
		cmocka_unit_test(test_build_local),
		cmocka_unit_test(test_response_matches),
		cmocka_unit_test(test_build_query),
		cmocka_unit_test(test_question_case),
		cmocka_unit_test(test_walk_cname),
		cmocka_unit_test(test_walk_errors),
		cmocka_unit_test(test_walk_pointer_limit),
		cmocka_unit_test(test_cache_ttl),
		cmocka_unit_test(test_captured_queries),
		cmocka_unit_test(test_captured_responses),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
