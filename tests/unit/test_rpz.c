/*
 * test_rpz.c -- the RPZ service's request path (src/rpz): TSIG checked against requests
 * kdig signed (the .bin files of tests/data/rpz, made by capture.py with the secrets beside them):
 * verified, stale time, wrong MAC, unknown key; the difference of two zones and the
 * bounded journal; IXFR answered from the journal (and as a full zone when it does not
 * reach back); AXFR split into messages, each signed; the ACL's members and their rate of
 * transfers; a NOTIFY of ours signed and its answer's TSIG checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpz/rpz_int.h"
#include "testdata.h"

static size_t load(const char *name, uint8_t *buf, size_t size)
{
	size_t n = testdata_read("rpz", name, buf, size);

	assert_true(n > 0);
	return n;
}

static void key(struct rpz_key *k, const char *name, enum rpz_alg alg, const char *file)
{
	uint8_t text[256];
	size_t n = load(file, text, sizeof(text));

	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->wire_len = (size_t)dnsw_name_wire(name, k->wire, sizeof(k->wire));
	k->alg = alg;
	assert_int_equal(rpz_key_secret(k, (const char *)text, n), 0);
}

static void keys(struct rpz_key *k)
{
	key(&k[0], "k1", RPZ_HMAC_SHA256, "k1.secret");
	key(&k[1], "k5", RPZ_HMAC_SHA512, "k5.secret");
}

static void test_tsig_vectors(void **state)
{
	static const char *const signed_[] = { "soa_k1.bin", "soa_k5.bin", "axfr_k1.bin",
					       "ixfr_k1.bin" };
	struct rpz_key k[2];
	struct rpz_tsig_req t;
	uint8_t pkt[512];
	size_t n, i;
	uint64_t when;

	(void)state;
	keys(k);
	for (i = 0; i < sizeof(signed_) / sizeof(signed_[0]); i++) {
		n = load(signed_[i], pkt, sizeof(pkt));
		/* at time 0 the request is stale: its own time comes back */
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, 0, &t), 2);
		assert_int_equal(t.error, RPZ_BADTIME);
		when = t.time;
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, when, &t), 1);
		assert_ptr_equal(t.key, strstr(signed_[i], "k5") ? &k[1] : &k[0]);
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, when + RPZ_FUDGE, &t), 1);
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, when + RPZ_FUDGE + 1, &t), 2);
		assert_int_equal(t.error, RPZ_BADTIME);
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, when - RPZ_FUDGE - 1, &t), 2);
		assert_int_equal(t.error, RPZ_BADTIME);
		/* only the other key: unknown */
		assert_int_equal(
			rpz_tsig_check(pkt, n, strstr(signed_[i], "k5") ? k : k + 1, 1, when, &t),
			2);
		assert_int_equal(t.error, RPZ_BADKEY);
		/* a MAC byte changed; then a byte of the question */
		pkt[n - 8] ^= 1;
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, when, &t), 2);
		assert_int_equal(t.error, RPZ_BADSIG);
		pkt[n - 8] ^= 1;
		pkt[14] ^= 0x20;
		assert_int_equal(rpz_tsig_check(pkt, n, k, 2, when, &t), 2);
		assert_int_equal(t.error, RPZ_BADSIG);
		pkt[14] ^= 0x20;
		/* cut short: malformed, never a crash */
		assert_int_equal(rpz_tsig_check(pkt, n - 1, k, 2, when, &t), -1);
	}
	n = load("soa_plain.bin", pkt, sizeof(pkt));
	assert_int_equal(rpz_tsig_check(pkt, n, k, 2, 0, &t), 0);
	n = load("axfr_badkey.bin", pkt, sizeof(pkt));
	assert_int_equal(rpz_tsig_check(pkt, n, k, 2, 0, &t), 2);
	assert_int_equal(t.error, RPZ_BADKEY);
}

/* A zone by hand: apex NS and "NAME CNAME ." for each name (relative, one label). */
static struct rpz_zone *zone_of(uint32_t serial, const char *const *names, size_t count)
{
	struct rpz_zone *z = calloc(1, sizeof(*z));
	size_t i, off = 0;

	assert_non_null(z);
	z->refs = 1;
	z->serial = serial;
	z->ttl = 300;
	snprintf(z->name, sizeof(z->name), "rpz.test");
	z->origin_len = (size_t)dnsw_name_wire("rpz.test", z->origin, sizeof(z->origin));
	z->arena = malloc(64 + count * 80);
	z->recs = malloc((count + 1) * sizeof(uint32_t));
	assert_non_null(z->arena);
	assert_non_null(z->recs);
	memcpy(z->arena, "\x00\x00\x02\x00\x0b\x09localhost\x00", 16);
	z->recs[z->n++] = 0;
	off = 16;
	for (i = 0; i < count; i++) {
		size_t l = strlen(names[i]);

		z->recs[z->n++] = (uint32_t)off;
		z->arena[off] = (uint8_t)(l + 1);
		z->arena[off + 1] = (uint8_t)l;
		memcpy(z->arena + off + 2, names[i], l);
		off += 2 + l;
		memcpy(z->arena + off, "\x00\x05\x00\x01\x00", 5);
		off += 5;
	}
	z->arena_len = off;
	assert_int_equal(rpz_zone_order(z), 0);
	return z;
}

static void test_diff_journal(void **state)
{
	static const char *const a[] = { "a", "b", "c" }, *const b[] = { "b", "c", "d" };
	struct rpz_zone *za = zone_of(100, a, 3), *zb = zone_of(101, b, 3);
	struct rpz_journal j = { .max = 3 };
	struct rpz_diff *d;

	(void)state;
	assert_int_equal(rpz_diff_make(za, zb, &d), 0);
	assert_int_equal(d->from, 100);
	assert_int_equal(d->to, 101);
	assert_int_equal(d->ndel, 1);
	assert_int_equal(d->nadd, 1);
	assert_memory_equal(d->arena + d->del[0],
			    "\x02\x01"
			    "a",
			    3);
	assert_memory_equal(d->arena + d->add[0],
			    "\x02\x01"
			    "d",
			    3);
	assert_int_equal(rpz_journal_add(&j, d), 0);
	assert_int_equal(rpz_journal_find(&j, 100), 0);
	/* a second difference of 2: the first no longer fits beside it */
	assert_int_equal(rpz_diff_make(zb, za, &d), 0);
	d->from = 101;
	d->to = 102;
	assert_int_equal(rpz_journal_add(&j, d), 0);
	assert_int_equal(rpz_journal_find(&j, 100), -1);
	assert_int_equal(rpz_journal_find(&j, 101), 0);
	assert_int_equal(j.recs, 2);
	/* equal zones: no difference */
	assert_int_equal(rpz_diff_make(za, za, &d), 0);
	assert_int_equal(d->ndel + d->nadd, 0);
	rpz_diff_unref(d);
	rpz_journal_free(&j);
	rpz_zone_unref(za);
	rpz_zone_unref(zb);
}

/* A zone assembled from the old one and their difference (rpz_zone_apply) is the new one,
 * record for record, in the zone order: names n0..n1999, then every third removed and as
 * many new ones added. */
static void test_apply(void **state)
{
	enum { N = 2000 };
	static char buf[2 * N][16];
	static const char *a[N], *b[N];
	struct rpz_zone *za, *zb, *z;
	struct rpz_diff *d;
	size_t i, nb = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "n%zu", i);
		a[i] = buf[i];
		if (i % 3 != 0)
			b[nb++] = buf[i];
	}
	for (i = 0; nb < N; i++) {
		snprintf(buf[N + i], sizeof(buf[N + i]), "m%zu", i);
		b[nb++] = buf[N + i];
	}
	za = zone_of(100, a, N);
	zb = zone_of(101, b, N);
	assert_int_equal(rpz_diff_make(za, zb, &d), 0);
	assert_int_equal(d->ndel, (N + 2) / 3);
	assert_int_equal(d->nadd, (N + 2) / 3);
	assert_int_equal(rpz_zone_apply(za, NULL, d, 300, &z), 0);
	assert_int_equal(z->n, zb->n);
	assert_int_equal(z->arena_len, zb->arena_len);
	for (i = 0; i < z->n; i++) {
		const uint8_t *r = z->arena + z->recs[i], *q = zb->arena + zb->recs[i];

		assert_int_equal(rpz_rec_size(r), rpz_rec_size(q));
		assert_memory_equal(r, q, rpz_rec_size(r));
	}
	/* written in the zone order: front to back */
	for (i = 1; i < z->n; i++)
		assert_true(z->recs[i] > z->recs[i - 1]);
	rpz_diff_unref(d);
	rpz_zone_unref(z);
	rpz_zone_unref(za);
	rpz_zone_unref(zb);
}

/* The answer records of message m: types into types[], SOA serials into serials[]. */
struct seen {
	uint16_t types[64];
	uint32_t serials[64];
	int n, tsig;
};

static int on_rr(void *ud, const struct dnsw_rr *rr)
{
	struct seen *s = ud;

	if (rr->type == DNSW_TSIG) {
		s->tsig++;
		return 0;
	}
	if (rr->section != 1 || s->n == 64)
		return 0;
	s->types[s->n] = rr->type;
	/* the SOA's rdata: localhost. hostmaster.localhost. then the serial */
	s->serials[s->n] = rr->type == DNSW_SOA
				   ? (uint32_t)rr->rdata[33] << 24 | (uint32_t)rr->rdata[34] << 16 |
					     (uint32_t)rr->rdata[35] << 8 | rr->rdata[36]
				   : 0;
	s->n++;
	return 0;
}

static void ctx_with(struct rpz_ctx *c, const char *allow)
{
	struct isp_err e;

	memset(c, 0, sizeof(*c));
	keys(c->keys);
	c->nkeys = 2;
	assert_int_equal(rpz_zone_spec("rpz.test:dom", &c->zones[0], &e), 0);
	c->nzones = 1;
	assert_int_equal(rpz_acl_parse(c, allow, &e), 0);
}

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

static void test_ixfr(void **state)
{
	static const char *const a[] = { "a", "b", "c" }, *const b[] = { "b", "c", "d" };
	static uint8_t out[RPZ_MSG_CAP];
	struct rpz_ctx c;
	struct rpz_diff *d;
	struct rpz_xfr *x;
	struct rpz_outcome o;
	struct sockaddr_in sa = loopback();
	struct seen s;
	uint8_t pkt[512];
	size_t n, len;

	(void)state;
	ctx_with(&c, "127.0.0.0/8");
	c.zones[0].journal.max = 100;
	c.zones[0].cur = zone_of(101, b, 3);
	{
		struct rpz_zone *old = zone_of(100, a, 3);

		assert_int_equal(rpz_diff_make(old, c.zones[0].cur, &d), 0);
		rpz_zone_unref(old);
	}
	assert_int_equal(rpz_journal_add(&c.zones[0].journal, d), 0);
	/* kdig's IXFR=100: from 100 to 101, incremental */
	n = load("ixfr_plain.bin", pkt, sizeof(pkt));
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 0, out, sizeof(out), &x, &o);
	assert_non_null(x);
	assert_int_equal(o.client_serial, 100);
	memset(&s, 0, sizeof(s));
	assert_int_equal(dnsw_walk_response(out, len, on_rr, &s), 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.types[0], DNSW_SOA);
	assert_int_equal(s.serials[0], 101);
	assert_int_equal(s.serials[1], 100);
	assert_int_equal(s.types[2], DNSW_CNAME); /* a deleted */
	assert_int_equal(s.serials[3], 101);
	assert_int_equal(s.types[4], DNSW_CNAME); /* d added */
	assert_int_equal(s.serials[5], 101);
	assert_true(x->ixfr);
	assert_int_equal(rpz_xfr_next(x, out, sizeof(out)), 0);
	rpz_xfr_free(x);
	/* over UDP: the SOA alone */
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 0, 1, 0, out, sizeof(out), &x, &o);
	assert_null(x);
	memset(&s, 0, sizeof(s));
	assert_int_equal(dnsw_walk_response(out, len, on_rr, &s), 0);
	assert_int_equal(s.n, 1);
	/* a serial the journal does not reach: the whole zone, AXFR-style */
	c.zones[0].journal.d[0]->from = 99;
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 0, out, sizeof(out), &x, &o);
	assert_non_null(x);
	assert_false(x->ixfr);
	memset(&s, 0, sizeof(s));
	assert_int_equal(dnsw_walk_response(out, len, on_rr, &s), 0);
	assert_int_equal(s.n, 6); /* SOA, then NS b c d in the zone's order, SOA */
	assert_int_equal(s.types[0], DNSW_SOA);
	assert_int_equal((s.types[1] == DNSW_NS) + (s.types[2] == DNSW_NS) +
				 (s.types[3] == DNSW_NS) + (s.types[4] == DNSW_NS),
			 1);
	assert_int_equal(s.types[5], DNSW_SOA);
	rpz_xfr_free(x);
	/* the transfer limit reached: REFUSED */
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 0, 0, out, sizeof(out), &x, &o);
	assert_null(x);
	assert_int_equal(DNSW_RCODE(dnsw_get16(out + 2)), DNSW_REFUSED);
	rpz_ctx_free(&c);
}

static void test_axfr_signed_messages(void **state)
{
	static uint8_t out[RPZ_MSG_CAP];
	static char names[5000][8];
	const char *ptrs[5000];
	struct rpz_ctx c;
	struct rpz_xfr *x;
	struct rpz_outcome o;
	struct rpz_tsig_req t;
	struct sockaddr_in sa = loopback();
	uint8_t pkt[512];
	size_t n, len, i;
	long total = 0, msgs = 0;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof(names[i]), "n%04zu", i);
		ptrs[i] = names[i];
	}
	ctx_with(&c, "");
	c.zones[0].cur = zone_of(7, ptrs, 5000);
	n = load("axfr_k1.bin", pkt, sizeof(pkt));
	assert_int_equal(rpz_tsig_check(pkt, n, c.keys, 2, 0, &t), 2);
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, t.time, out, sizeof(out), &x,
			 &o);
	assert_non_null(x);
	assert_string_equal(o.key, "k1");
	while (len) {
		struct seen s;

		assert_true(len <= RPZ_MSG_CAP);
		memset(&s, 0, sizeof(s));
		assert_int_equal(dnsw_walk_response(out, len, on_rr, &s), 0);
		assert_int_equal(s.tsig, 1);
		total += dnsw_get16(out + 6);
		msgs++;
		len = rpz_xfr_next(x, out, sizeof(out));
	}
	assert_true(msgs > 2);
	assert_int_equal(total, 5000 + 3); /* SOA, NS, the names, SOA */
	rpz_xfr_free(x);
	/* AXFR over UDP: REFUSED (signed: the request was), no transfer */
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 0, 1, t.time, out, sizeof(out), &x,
			 &o);
	assert_null(x);
	assert_int_equal(o.rcode, DNSW_REFUSED);
	assert_null(o.limit);
	{
		struct seen s;

		memset(&s, 0, sizeof(s));
		assert_int_equal(dnsw_walk_response(out, len, on_rr, &s), 0);
		assert_int_equal(s.tsig, 1);
	}
	/* unsigned from loopback with keys and no allow: REFUSED; as are other types */
	n = load("ixfr_plain.bin", pkt, sizeof(pkt));
	len = rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 0, out, sizeof(out), &x, &o);
	assert_null(x);
	assert_int_equal(o.rcode, DNSW_REFUSED);
	rpz_ctx_free(&c);
}

static struct sockaddr_in addr4(const char *a)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &sa.sin_addr), 1);
	return sa;
}

/* The ACL's members: who a request is, by key first, then by the first CIDR. */
static void test_members(void **state)
{
	static const struct {
		const char *allow;
		int key; /* -1 none, else the index of the verified key */
		const char *from;
		int member;
	} v[] = {
		{ "key:k1, 10.0.0.0/8, 127.0.0.1/32", 0, "10.1.1.1", 0 },
		{ "key:k1, 10.0.0.0/8, 127.0.0.1/32", -1, "10.1.1.1", 1 },
		{ "key:k1, 10.0.0.0/8, 127.0.0.1/32", 1, "127.0.0.1", 2 }, /* k5 not allowed */
		{ "key:k1, 10.0.0.0/8, 127.0.0.1/32", -1, "192.0.2.1", -1 },
		{ "key:k1, 10.0.0.0/8, 127.0.0.1/32", 1, "192.0.2.1", -1 },
		{ "", 1, "192.0.2.1", 1 },   /* no allow: every key */
		{ "", -1, "127.0.0.1", -1 }, /* ... and no address when there are keys */
		{ "10.0.0.0/8,10.1.0.0/16", -1, "10.1.2.3", 0 }, /* the first CIDR */
	};
	struct rpz_ctx c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sockaddr_in sa = addr4(v[i].from);

		ctx_with(&c, v[i].allow);
		assert_int_equal(rpz_member_of(&c, v[i].key >= 0 ? &c.keys[v[i].key] : NULL,
					       (struct sockaddr *)&sa),
				 v[i].member);
		rpz_ctx_free(&c);
	}
	/* no keys, no allow: loopback */
	memset(&c, 0, sizeof(c));
	{
		struct isp_err e;
		struct sockaddr_in lo = addr4("127.0.0.9"), other = addr4("192.0.2.1");

		assert_int_equal(rpz_acl_parse(&c, "", &e), 0);
		assert_int_equal(c.nmembers, 2);
		assert_string_equal(c.members[0].name, "127.0.0.0/8");
		assert_int_equal(rpz_member_of(&c, NULL, (struct sockaddr *)&lo), 0);
		assert_int_equal(rpz_member_of(&c, NULL, (struct sockaddr *)&other), -1);
		assert_int_equal(rpz_acl_parse(&c, "key:nokey", &e), ISR_EINVAL);
		rpz_ctx_free(&c);
	}
}

/* The per-member rate: a bucket of member_rate transfers, one back each 60/rate s; an
 * IXFR from the current serial (the SOA alone) takes none. */
static void test_member_rate(void **state)
{
	static uint8_t out[RPZ_MSG_CAP];
	static const char *const a[] = { "a" }, *const b[] = { "b" };
	struct rpz_ctx c;
	struct rpz_diff *d;
	struct rpz_zone *old;
	struct rpz_xfr *x;
	struct rpz_outcome o;
	struct sockaddr_in sa = loopback();
	uint8_t pkt[512];
	size_t n;
	int i;

	(void)state;
	ctx_with(&c, "127.0.0.0/8");
	c.member_rate = 3;
	for (i = 0; i < 3; i++)
		assert_int_equal(rpz_member_take(&c, 0, 1000), 1);
	assert_int_equal(rpz_member_take(&c, 0, 1000), 0);
	assert_int_equal(rpz_member_take(&c, 0, 1019), 0);
	assert_int_equal(rpz_member_take(&c, 0, 1020), 1); /* 20 s: one more */
	assert_int_equal(rpz_member_take(&c, 0, 1020), 0);
	assert_int_equal(rpz_member_take(&c, 0, 5000), 1); /* long after: full, not more */
	assert_int_equal(rpz_member_take(&c, 0, 5000), 1);
	assert_int_equal(rpz_member_take(&c, 0, 5000), 1);
	assert_int_equal(rpz_member_take(&c, 0, 5000), 0);
	/* through rpz_handle: kdig's IXFR=100 against a zone at 101 */
	c.members[0].tokens_at = 0;
	c.member_rate = 1;
	c.zones[0].journal.max = 100;
	c.zones[0].cur = zone_of(101, b, 1);
	old = zone_of(100, a, 1);
	assert_int_equal(rpz_diff_make(old, c.zones[0].cur, &d), 0);
	rpz_zone_unref(old);
	assert_int_equal(rpz_journal_add(&c.zones[0].journal, d), 0);
	n = load("ixfr_plain.bin", pkt, sizeof(pkt));
	rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 7, out, sizeof(out), &x, &o);
	assert_non_null(x);
	assert_int_equal(o.member, 0);
	assert_null(o.limit);
	rpz_xfr_free(x);
	rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 8, out, sizeof(out), &x, &o);
	assert_null(x);
	assert_int_equal(o.rcode, DNSW_REFUSED);
	assert_string_equal(o.limit, "rate");
	/* the limit of transfers at once is checked first, then the member's */
	rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 0, 8, out, sizeof(out), &x, &o);
	assert_string_equal(o.limit, "transfers");
	c.member_max = 1;
	c.members[0].active = 1;
	rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 8, out, sizeof(out), &x, &o);
	assert_null(x);
	assert_string_equal(o.limit, "member transfers");
	c.members[0].active = 0;
	/* from the current serial: the SOA alone, not refused, and it says "current" */
	c.zones[0].cur->serial = 100;
	rpz_handle(&c, pkt, n, (struct sockaddr *)&sa, 1, 1, 8, out, sizeof(out), &x, &o);
	assert_null(x);
	assert_int_equal(o.rcode, DNSW_NOERROR);
	assert_int_equal(o.current, 100);
	rpz_ctx_free(&c);
}

/* A NOTIFY of ours signed, checked as a request would be; the answer signed over our MAC
 * verifies, and nothing else does: another MAC before it, a byte changed, no TSIG. */
static void test_notify_tsig(void **state)
{
	static const uint8_t q[] = { 0x12, 0x34, 0x20, 0x00, 0,	  1,   0,   0,	 0, 0, 0, 0, 3,
				     'r',  'p',	 'z',  4,    't', 'e', 's', 't', 0, 0, 6, 0, 1 };
	struct rpz_key k[2];
	struct rpz_tsig_req theirs;
	struct rpz_tsig_sign rs;
	struct rpz_tsig_client mine, c, other;
	uint8_t m[512], r[512];
	int n, rn;

	(void)state;
	keys(k);
	memcpy(m, q, sizeof(q));
	n = rpz_tsig_sign_request(&mine, &k[1], 1000, m, sizeof(q), sizeof(m));
	assert_true(n > (int)sizeof(q));
	assert_int_equal(mine.prior_len, 64);
	/* the secondary verifies it as a request signed with k5 */
	assert_int_equal(rpz_tsig_check(m, (size_t)n, k, 2, 1000, &theirs), 1);
	assert_ptr_equal(theirs.key, &k[1]);
	/* and answers: QR set, signed over our MAC */
	memcpy(r, q, sizeof(q));
	r[2] |= 0x80;
	rpz_tsig_sign_init(&rs, &theirs, 1001);
	rn = rpz_tsig_append(&rs, r, sizeof(q), sizeof(r));
	assert_true(rn > 0);
	c = mine;
	assert_int_equal(rpz_tsig_verify(&c, r, (size_t)rn, 1001, 1), RPZ_TV_OK);
	/* another key: the answer names k5, the check expects k[0]'s name */
	other = mine;
	other.key = &k[0];
	assert_int_not_equal(rpz_tsig_verify(&other, r, (size_t)rn, 1001, 1), RPZ_TV_OK);
	c = mine;
	c.prior[0] ^= 1; /* another MAC before it */
	assert_int_equal(rpz_tsig_verify(&c, r, (size_t)rn, 1001, 1), RPZ_TV_BADSIG);
	c = mine;
	assert_int_equal(rpz_tsig_verify(&c, r, (size_t)rn, 5000, 1), RPZ_TV_BADTIME);
	r[13] ^= 1;
	c = mine;
	assert_int_equal(rpz_tsig_verify(&c, r, (size_t)rn, 1001, 1), RPZ_TV_BADSIG);
	r[13] ^= 1;
	c = mine;
	assert_int_not_equal(rpz_tsig_verify(&c, r, sizeof(q), 1001, 1), RPZ_TV_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsig_vectors),
		cmocka_unit_test(test_diff_journal),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_ixfr),
		cmocka_unit_test(test_axfr_signed_messages),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_member_rate),
		cmocka_unit_test(test_notify_tsig),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
