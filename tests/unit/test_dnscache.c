/*
 * test_dnscache.c -- unit tests of the DNS packet cache (dns/cache.h).
 *
 * Responses are real DNS messages built here (header, question, A records pointing back
 * at the question name, or an NXDOMAIN with an SOA in authority), so TTL capping and
 * aging go through the real wire code (core/net/dnswire.c). A cached response's expected form
 * is simply the same message built again with the expected TTLs, compared byte for
 * byte. Time is a synthetic millisecond clock. The last case runs 100k random
 * operations against a reference model: with ample memory the cache must agree with it
 * exactly; with tight memory a hit must still be exactly the model's answer, a miss is
 * allowed (eviction), and the byte count must never pass max_bytes.
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

#define T0 1000000ULL /* the synthetic clock's start, ms */

/* Presentation name to wire form; returns the length. */
static size_t to_wire(const char *name, uint8_t *out)
{
	size_t n = 0, lab;

	while (*name != '\0') {
		lab = strcspn(name, ".");
		assert_true(lab > 0 && lab < 64);
		out[n++] = (uint8_t)lab;
		memcpy(out + n, name, lab);
		n += lab;
		name += lab;
		if (*name == '.')
			name++;
	}
	out[n++] = 0;
	return n;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * A response for name/A: rcode NOERROR with nans A records (10.gen.i.1), or, if
 * negative, NXDOMAIN with one SOA in authority; every record has TTL ttl (the SOA's
 * MINIMUM is data here, not a TTL the cache touches). Returns the length.
 */
static size_t build_resp(uint8_t *out, const char *name, int negative, unsigned nans, uint32_t ttl,
			 unsigned gen)
{
	size_t n = DNSW_HEADER;
	unsigned i;

	memset(out, 0, DNSW_HEADER);
	dnsw_put16(out, 0x1234);
	dnsw_put16(out + 2, (uint16_t)(DNSW_QR | DNSW_RD | DNSW_RA |
				       (negative ? DNSW_NXDOMAIN : DNSW_NOERROR)));
	dnsw_put16(out + 4, 1);
	dnsw_put16(out + 6, (uint16_t)(negative ? 0 : nans));
	dnsw_put16(out + 8, (uint16_t)(negative ? 1 : 0));
	n += to_wire(name, out + n);
	dnsw_put16(out + n, DNSW_A);
	dnsw_put16(out + n + 2, DNSW_CLASS_IN);
	n += 4;
	if (negative) {
		dnsw_put16(out + n, 0xc00c);
		dnsw_put16(out + n + 2, DNSW_SOA);
		dnsw_put16(out + n + 4, DNSW_CLASS_IN);
		put32(out + n + 6, ttl);
		dnsw_put16(out + n + 10, 22);
		n += 12;
		out[n++] = 0; /* MNAME . */
		out[n++] = 0; /* RNAME . */
		for (i = 0; i < 5; i++) {
			put32(out + n, 1000 + i + gen); /* serial .. minimum */
			n += 4;
		}
		return n;
	}
	for (i = 0; i < nans; i++) {
		dnsw_put16(out + n, 0xc00c);
		dnsw_put16(out + n + 2, DNSW_A);
		dnsw_put16(out + n + 4, DNSW_CLASS_IN);
		put32(out + n + 6, ttl);
		dnsw_put16(out + n + 10, 4);
		out[n + 12] = 10;
		out[n + 13] = (uint8_t)gen;
		out[n + 14] = (uint8_t)i;
		out[n + 15] = 1;
		n += 16;
	}
	return n;
}

/* The cache key of name/A/IN with the DO and CD bits. */
static size_t key_of(const char *name, int do_bit, int cd_bit, uint8_t key[DCACHE_KEY_MAX])
{
	uint8_t wire[DNSW_MAX_NAME];
	size_t wl = to_wire(name, wire);

	return dcache_key(wire, wl, DNSW_A, DNSW_CLASS_IN, do_bit, cd_bit, key);
}

/* Put name's response (nans records, TTL ttl) with the ttl given to the cache = ttl. */
static int put_name(struct dcache *c, const char *name, int negative, unsigned nans, uint32_t ttl,
		    unsigned gen, uint64_t now)
{
	uint8_t key[DCACHE_KEY_MAX], pkt[1024];
	size_t kl = key_of(name, 0, 0, key);
	size_t len = build_resp(pkt, name, negative, nans, ttl, gen);

	return dcache_put(c, key, kl, pkt, len, ttl, negative, now, 0);
}

/* Expect a hit for name equal to the response built with TTL ttl. */
static void expect_hit(struct dcache *c, const char *name, int negative, unsigned nans,
		       uint32_t ttl, unsigned gen, uint64_t now)
{
	uint8_t key[DCACHE_KEY_MAX], out[1024], want[1024];
	size_t kl = key_of(name, 0, 0, key);
	size_t wl = build_resp(want, name, negative, nans, ttl, gen);
	int n = dcache_get(c, key, kl, now, out, sizeof(out), NULL);

	assert_int_equal(n, (int)wl);
	assert_memory_equal(out, want, wl);
}

static void expect_miss(struct dcache *c, const char *name, uint64_t now)
{
	uint8_t key[DCACHE_KEY_MAX], out[1024];
	size_t kl = key_of(name, 0, 0, key);

	assert_int_equal(dcache_get(c, key, kl, now, out, sizeof(out), NULL), 0);
}

static void test_hit_miss(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	struct dcache_stats st;

	(void)state;
	assert_non_null(c);
	expect_miss(c, "www.example.com", T0);
	assert_int_equal(put_name(c, "www.example.com", 0, 2, 300, 1, T0), 0);
	expect_hit(c, "www.example.com", 0, 2, 300, 1, T0);
	expect_miss(c, "www.example.org", T0);
	dcache_get_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.expired, 0);
	dcache_free(c);
	dcache_free(NULL);
}

static void test_key(void **state)
{
	uint8_t a[DCACHE_KEY_MAX], b[DCACHE_KEY_MAX], wire[DNSW_MAX_NAME];
	size_t la, lb, wl;

	(void)state;
	la = key_of("www.example.com", 0, 0, a);
	lb = key_of("WwW.ExAmPlE.COM", 0, 0, b);
	assert_int_equal(la, 17 + 5);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_int_equal(a[0], 3); /* length bytes kept */
	assert_int_equal(a[4], 7);
	assert_int_equal(a[16], 0);

	/* DO and CD give different keys, and the type and class count */
	lb = key_of("www.example.com", 1, 0, b);
	assert_int_equal(la, lb);
	assert_memory_not_equal(a, b, la);
	lb = key_of("www.example.com", 0, 1, b);
	assert_memory_not_equal(a, b, la);
	wl = to_wire("www.example.com", wire);
	lb = dcache_key(wire, wl, DNSW_AAAA, DNSW_CLASS_IN, 0, 0, b);
	assert_memory_not_equal(a, b, la);
	lb = dcache_key(wire, wl, DNSW_A, 3, 0, 0, b);
	assert_memory_not_equal(a, b, la);

	/* only letters are lowered: '[' (0x5b) and '@' (0x40) stay */
	wl = to_wire("a[@Z.x", wire);
	lb = dcache_key(wire, wl, DNSW_A, DNSW_CLASS_IN, 0, 0, b);
	assert_memory_equal(b,
			    "\x04"
			    "a[@z\x01x",
			    8);

	/* no key for an empty or overlong name */
	assert_int_equal(dcache_key(wire, 0, DNSW_A, DNSW_CLASS_IN, 0, 0, b), 0);
	assert_int_equal(dcache_key(wire, DNSW_MAX_NAME + 1, DNSW_A, DNSW_CLASS_IN, 0, 0, b), 0);
}

/* The caller's tag comes back with a hit, and a replacement carries its own. */
static void test_tag(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	uint8_t key[DCACHE_KEY_MAX], pkt[512], out[512];
	uint64_t tag = 0;
	size_t kl, len;

	(void)state;
	len = build_resp(pkt, "www.example.com", 0, 1, 300, 7);
	kl = key_of("www.example.com", 0, 0, key);
	assert_int_equal(dcache_put(c, key, kl, pkt, len, 300, 0, T0, 42), 0);
	assert_int_equal(dcache_get(c, key, kl, T0 + 1000, out, sizeof(out), &tag), (int)len);
	assert_int_equal(tag, 42);
	assert_int_equal(dcache_put(c, key, kl, pkt, len, 300, 0, T0, 43), 0);
	assert_int_equal(dcache_get(c, key, kl, T0 + 1000, out, sizeof(out), &tag), (int)len);
	assert_int_equal(tag, 43);
	dcache_free(c);
}

static void test_case_and_flags_lookup(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	uint8_t key[DCACHE_KEY_MAX], pkt[512], out[512];
	size_t kl, len;

	(void)state;
	len = build_resp(pkt, "www.example.com", 0, 1, 300, 7);
	kl = key_of("WWW.Example.Com", 1, 0, key);
	assert_int_equal(dcache_put(c, key, kl, pkt, len, 300, 0, T0, 0), 0);
	kl = key_of("www.EXAMPLE.com", 1, 0, key);
	assert_int_equal(dcache_get(c, key, kl, T0, out, sizeof(out), NULL), (int)len);
	kl = key_of("www.example.com", 0, 0, key);
	assert_int_equal(dcache_get(c, key, kl, T0, out, sizeof(out), NULL), 0);
	kl = key_of("www.example.com", 1, 1, key);
	assert_int_equal(dcache_get(c, key, kl, T0, out, sizeof(out), NULL), 0);
	kl = key_of("www.example.com", 0, 1, key);
	assert_int_equal(dcache_get(c, key, kl, T0, out, sizeof(out), NULL), 0);
	dcache_free(c);
}

static void test_aging(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);

	(void)state;
	assert_int_equal(put_name(c, "a.example", 0, 3, 300, 1, T0), 0);
	expect_hit(c, "a.example", 0, 3, 300, 1, T0 + 999);
	expect_hit(c, "a.example", 0, 3, 200, 1, T0 + 100000);
	expect_hit(c, "a.example", 0, 3, 200, 1, T0 + 100999);
	expect_hit(c, "a.example", 0, 3, 50, 1, T0 + 250500);
	/* a clock that went backwards does not age (nor wrap) */
	expect_hit(c, "a.example", 0, 3, 300, 1, T0 - 5000);
	dcache_free(c);
}

static void test_expiry(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	struct dcache_stats st;

	(void)state;
	assert_int_equal(put_name(c, "a.example", 0, 1, 300, 1, T0), 0);
	expect_hit(c, "a.example", 0, 1, 1, 1, T0 + 299999);
	expect_miss(c, "a.example", T0 + 300000);
	dcache_get_stats(c, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	/* dropped: even an earlier clock misses now */
	expect_miss(c, "a.example", T0);

	/* ttl 0 stores nothing */
	assert_int_equal(put_name(c, "b.example", 0, 1, 0, 1, T0), 0);
	expect_miss(c, "b.example", T0);
	dcache_get_stats(c, &st);
	assert_int_equal(st.inserts, 1);
	dcache_free(c);
}

static void test_caps(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 60, 30);
	struct dcache *nz = dcache_new(1 << 20, 60, 0);

	(void)state;
	/* positive: TTL 300 capped at 60, in the answer and in the cache's lifetime */
	assert_int_equal(put_name(c, "p.example", 0, 2, 300, 1, T0), 0);
	expect_hit(c, "p.example", 0, 2, 60, 1, T0);
	expect_hit(c, "p.example", 0, 2, 10, 1, T0 + 50000);
	expect_miss(c, "p.example", T0 + 60000);
	/* below the cap: untouched */
	assert_int_equal(put_name(c, "q.example", 0, 2, 45, 1, T0), 0);
	expect_hit(c, "q.example", 0, 2, 45, 1, T0);
	/* negative: SOA TTL 900 capped at neg_ttl 30 */
	assert_int_equal(put_name(c, "n.example", 1, 0, 900, 1, T0), 0);
	expect_hit(c, "n.example", 1, 0, 30, 1, T0);
	expect_hit(c, "n.example", 1, 0, 1, 1, T0 + 29999);
	expect_miss(c, "n.example", T0 + 30000);
	/* neg_ttl 0: negative answers are not cached */
	assert_int_equal(put_name(nz, "n.example", 1, 0, 900, 1, T0), 0);
	expect_miss(nz, "n.example", T0);
	dcache_free(c);
	dcache_free(nz);
}

static void test_replace(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	struct dcache_stats st, st2;

	(void)state;
	assert_int_equal(put_name(c, "r.example", 0, 1, 300, 1, T0), 0);
	dcache_get_stats(c, &st);
	assert_int_equal(put_name(c, "r.example", 0, 4, 100, 2, T0 + 5000), 0);
	dcache_get_stats(c, &st2);
	assert_int_equal(st2.entries, 1);
	/* three more A records: 16 bytes each, plus a 2-byte TTL offset each */
	assert_int_equal(st2.bytes, st.bytes + 3 * (16 + 2));
	expect_hit(c, "r.example", 0, 4, 100, 2, T0 + 5000);
	/* the new TTL rules: gone 100 s after the replacement */
	expect_miss(c, "r.example", T0 + 105000);
	dcache_free(c);
}

static void test_small_out(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	uint8_t key[DCACHE_KEY_MAX], out[512];
	size_t kl = key_of("s.example", 0, 0, key);
	struct dcache_stats st;

	(void)state;
	assert_int_equal(put_name(c, "s.example", 0, 4, 300, 1, T0), 0);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(dcache_get(c, key, kl, T0, out, 20, NULL), -1);
	assert_int_equal(out[0], 0xee); /* nothing written */
	dcache_get_stats(c, &st);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.misses, 0);
	assert_int_equal(st.entries, 1);
	expect_hit(c, "s.example", 0, 4, 300, 1, T0);
	dcache_free(c);
}

static void test_refused(void **state)
{
	struct dcache *c = dcache_new(4096, 86400, 3600);
	uint8_t key[DCACHE_KEY_MAX], *big;
	size_t kl = key_of("big.example", 0, 0, key), len;
	struct dcache_stats st;

	(void)state;
	big = calloc(1, 70000);
	assert_non_null(big);
	/* a valid message larger than the whole cache: 300 A records */
	len = build_resp(big, "big.example", 0, 300, 300, 1);
	assert_true(len > 4096);
	assert_int_equal(dcache_put(c, key, kl, big, len, 300, 0, T0, 0), -1);
	/* larger than a DNS message can be */
	assert_int_equal(dcache_put(c, key, kl, big, 70000, 300, 0, T0, 0), -1);
	/* shorter than a header, and malformed (truncated inside a record) */
	len = build_resp(big, "big.example", 0, 2, 300, 1);
	assert_int_equal(dcache_put(c, key, kl, big, 11, 300, 0, T0, 0), -1);
	assert_int_equal(dcache_put(c, key, kl, big, len - 3, 300, 0, T0, 0), -1);
	/* no key */
	assert_int_equal(dcache_put(c, key, 0, big, len, 300, 0, T0, 0), -1);
	dcache_get_stats(c, &st);
	assert_int_equal(st.inserts, 0);
	assert_int_equal(st.entries, 0);
	/* a failed replacement keeps the old entry */
	assert_int_equal(dcache_put(c, key, kl, big, len, 300, 0, T0, 0), 0);
	assert_int_equal(dcache_put(c, key, kl, big, len - 3, 300, 0, T0, 0), -1);
	expect_hit(c, "big.example", 0, 2, 300, 1, T0);
	free(big);
	dcache_free(c);
}

static void test_lru_eviction(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	struct dcache_stats st0, st;
	char name[32];
	size_t sz, table;
	int i;

	(void)state;
	/* measure one entry, then make a cache that holds exactly four */
	dcache_get_stats(c, &st0);
	assert_int_equal(put_name(c, "k0.example", 0, 3, 300, 0, T0), 0);
	dcache_get_stats(c, &st);
	sz = st.bytes - st0.bytes;
	dcache_free(c);
	c = dcache_new(0, 86400, 3600);
	dcache_get_stats(c, &st0);
	table = st0.bytes;
	dcache_free(c);
	c = dcache_new(table + 4 * sz, 86400, 3600);
	dcache_get_stats(c, &st0);
	assert_int_equal(st0.bytes, table);

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "k%d.example", i);
		assert_int_equal(put_name(c, name, 0, 3, 300, (unsigned)i, T0 + (uint64_t)i), 0);
	}
	dcache_get_stats(c, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.bytes, table + 4 * sz);
	assert_int_equal(st.evictions, 0);
	/* k0 used: k1 is now the least recently used and goes first */
	expect_hit(c, "k0.example", 0, 3, 300, 0, T0 + 10);
	assert_int_equal(put_name(c, "k4.example", 0, 3, 300, 4, T0 + 20), 0);
	expect_miss(c, "k1.example", T0 + 30);
	expect_hit(c, "k0.example", 0, 3, 300, 0, T0 + 30);
	expect_hit(c, "k2.example", 0, 3, 300, 2, T0 + 30);
	expect_hit(c, "k3.example", 0, 3, 300, 3, T0 + 30);
	expect_hit(c, "k4.example", 0, 3, 300, 4, T0 + 30);
	dcache_get_stats(c, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.entries, 4);

	/* many more: never above the bound, and a bigger entry evicts two */
	for (i = 5; i < 1000; i++) {
		snprintf(name, sizeof(name), "m%d.example", i % 10);
		assert_int_equal(put_name(c, name, 0, 3, 300, (unsigned)i, T0 + 100), 0);
		dcache_get_stats(c, &st);
		assert_true(st.bytes <= table + 4 * sz);
	}
	assert_int_equal(put_name(c, "x.example", 0, 8, 300, 1, T0 + 200), 0);
	dcache_get_stats(c, &st);
	assert_true(st.bytes <= table + 4 * sz);
	assert_int_equal(st.entries, 3);
	dcache_free(c);
}

static void test_expired_dropped_on_insert(void **state)
{
	struct dcache *c = dcache_new(1 << 20, 86400, 3600);
	struct dcache_stats st;

	(void)state;
	assert_int_equal(put_name(c, "old1.example", 0, 1, 10, 1, T0), 0);
	assert_int_equal(put_name(c, "old2.example", 0, 1, 10, 1, T0), 0);
	assert_int_equal(put_name(c, "new.example", 0, 1, 300, 1, T0 + 20000), 0);
	dcache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.expired, 2);
	assert_int_equal(st.evictions, 0);
	dcache_free(c);
}

/* ---- random operations against a reference model ---- */

#define MODEL_NAMES 300

struct model_ent {
	int valid;
	int negative;
	unsigned nans, gen;
	uint32_t ttl; /* as capped */
	uint64_t stored, expire;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

static void random_case(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'a' && *s <= 'z' && rnd(2))
			*s = (char)(*s - 'a' + 'A');
	}
}

/* n operations on c (max_bytes limit); exact: every miss must match the model too. */
static void run_model(struct dcache *c, size_t limit, int exact, int n)
{
	static struct model_ent m[MODEL_NAMES * 2];
	uint8_t key[DCACHE_KEY_MAX], pkt[1024], out[1024], want[1024];
	char name[64], qname[64];
	uint64_t now = T0;
	struct dcache_stats st;
	unsigned hits = 0, misses = 0;
	int i;

	memset(m, 0, sizeof(m));
	for (i = 0; i < n; i++) {
		uint32_t idx = rnd(MODEL_NAMES * 2), nm = idx / 2;
		int do_bit = (int)(idx & 1), r;
		size_t kl, len;
		struct model_ent *e = &m[idx];

		now += rnd(2000);
		snprintf(name, sizeof(name), "host%u.zone%u.example", nm, nm % 7);
		memcpy(qname, name, sizeof(qname));
		random_case(qname);
		kl = key_of(qname, do_bit, 0, key);
		if (rnd(10) < 4) {
			int neg = rnd(10) == 0;
			unsigned nans = 1 + rnd(8), gen = (unsigned)i & 0xff;
			uint32_t ttl = rnd(20) == 0 ? 0 : 1 + rnd(400);
			uint32_t cap = neg ? 120 : 300;

			len = build_resp(pkt, name, neg, nans, ttl, gen);
			r = dcache_put(c, key, kl, pkt, len, ttl, neg, now, 0);
			assert_int_equal(r, 0);
			if (ttl == 0)
				continue; /* nothing stored; an older entry stays */
			e->valid = 1;
			e->negative = neg;
			e->nans = nans;
			e->gen = gen;
			e->ttl = ttl < cap ? ttl : cap;
			e->stored = now;
			e->expire = now + (uint64_t)e->ttl * 1000;
		} else {
			r = dcache_get(c, key, kl, now, out, sizeof(out), NULL);
			if (e->valid && now >= e->expire)
				e->valid = 0;
			if (r == 0) {
				misses++;
				if (exact)
					assert_false(e->valid);
				e->valid = 0; /* evicted or expired: gone from the cache */
			} else {
				uint32_t age = (uint32_t)((now - e->stored) / 1000);

				hits++;
				assert_true(e->valid);
				len = build_resp(want, name, e->negative, e->nans, e->ttl - age,
						 e->gen);
				assert_int_equal(r, (int)len);
				assert_memory_equal(out, want, len);
			}
		}
		dcache_get_stats(c, &st);
		assert_true(st.bytes <= limit);
	}
	assert_true(hits > (unsigned)n / 50);
	assert_true(misses > (unsigned)n / 50);
}

static void test_random_model(void **state)
{
	struct dcache *c;
	struct dcache_stats st;

	(void)state;
	c = dcache_new(1 << 20, 300, 120);
	run_model(c, 1 << 20, 1, 50000);
	dcache_get_stats(c, &st);
	assert_int_equal(st.evictions, 0);
	dcache_free(c);

	c = dcache_new(16384, 300, 120);
	run_model(c, 16384, 0, 50000);
	dcache_get_stats(c, &st);
	assert_true(st.evictions > 1000);
	dcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_miss),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_case_and_flags_lookup),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_small_out),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_expired_dropped_on_insert),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
