/*
 * test_darknet.c -- the darknet component: the packet decoder for every link type,
 * VLAN tags, IPv6 extension headers, fragments and bad lengths; classification and the
 * Mirai/ZMap/masscan fingerprints; HyperLogLog error; exact counting switching to
 * estimates past the bound; distinct sources over the whole period beside the per-day
 * sums; backscatter attack periods; the pcapng reader (time resolution, simple packet
 * blocks, truncation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/siphash.h"
#include "darknet/darknet.h"
#include "darknet/dn_int.h"

/* ---- frame builders ---- */

static size_t ip4(uint8_t *b, const char *src, const char *dst, uint8_t proto, uint16_t ipid,
		  uint16_t frag, size_t l4len)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + l4len) >> 8);
	b[3] = (uint8_t)(20 + l4len);
	b[4] = (uint8_t)(ipid >> 8);
	b[5] = (uint8_t)ipid;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	return 20;
}

static size_t tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags)
{
	memset(b, 0, 20);
	b[0] = (uint8_t)(sport >> 8);
	b[1] = (uint8_t)sport;
	b[2] = (uint8_t)(dport >> 8);
	b[3] = (uint8_t)dport;
	b[4] = (uint8_t)(seq >> 24);
	b[5] = (uint8_t)(seq >> 16);
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	b[12] = 0x50;
	b[13] = flags;
	return 20;
}

/* IPv4 TCP packet (no link header) into b; returns its length. */
static size_t v4tcp(uint8_t *b, const char *src, const char *dst, uint16_t dport, uint32_t seq,
		    uint8_t flags, uint16_t ipid)
{
	size_t n = ip4(b, src, dst, 6, ipid, 0, 20);

	return n + tcp(b + n, 40000, dport, seq, flags);
}

static size_t v6udp(uint8_t *b, const char *src, const char *dst, uint16_t dport, int hbh)
{
	size_t off = 40;

	memset(b, 0, 80);
	b[0] = 0x60;
	b[6] = hbh ? 0 : 17;
	b[7] = 64;
	inet_pton(AF_INET6, src, b + 8);
	inet_pton(AF_INET6, dst, b + 24);
	if (hbh) {
		b[40] = 17; /* next header */
		b[41] = 0;  /* 8 bytes */
		off += 8;
	}
	b[off + 2] = (uint8_t)(dport >> 8);
	b[off + 3] = (uint8_t)dport;
	b[5] = (uint8_t)(off + 8 - 40);
	return off + 8;
}

static uint32_t a4(const char *s)
{
	uint8_t b[4];

	inet_pton(AF_INET, s, b);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- decoder ---- */

static void test_links(void **state)
{
	uint8_t ip[128], f[256];
	struct dn_pkt p;
	size_t n = v4tcp(ip, "192.0.2.1", "198.51.100.7", 23, 5, 0x02, 9);

	(void)state;
	/* Ethernet */
	memset(f, 0, 14);
	f[12] = 0x08;
	memcpy(f + 14, ip, n);
	assert_int_equal(dn_decode(DN_LINK_ETHERNET, f, 14 + n, &p), DN_OK);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.dport, 23);
	assert_int_equal(p.proto, DN_P_TCP);
	assert_int_equal(p.ipid, 9);
	/* 802.1Q, then 802.1ad + 802.1Q (QinQ) */
	f[12] = 0x81;
	f[13] = 0x00;
	f[16] = 0x08;
	f[17] = 0x00;
	memcpy(f + 18, ip, n);
	assert_int_equal(dn_decode(DN_LINK_ETHERNET, f, 18 + n, &p), DN_OK);
	assert_int_equal(p.dport, 23);
	f[12] = 0x88;
	f[13] = 0xa8;
	f[16] = 0x81;
	f[17] = 0x00;
	f[20] = 0x08;
	f[21] = 0x00;
	memcpy(f + 22, ip, n);
	assert_int_equal(dn_decode(DN_LINK_ETHERNET, f, 22 + n, &p), DN_OK);
	assert_int_equal(p.dport, 23);
	/* ARP is not IP */
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(dn_decode(DN_LINK_ETHERNET, f, 60, &p), DN_BAD_NOTIP);
	/* Linux cooked v1 and v2 */
	memset(f, 0, 20);
	f[14] = 0x08;
	memcpy(f + 16, ip, n);
	assert_int_equal(dn_decode(DN_LINK_SLL, f, 16 + n, &p), DN_OK);
	assert_int_equal(p.dport, 23);
	memset(f, 0, 20);
	f[0] = 0x08;
	memcpy(f + 20, ip, n);
	assert_int_equal(dn_decode(DN_LINK_SLL2, f, 20 + n, &p), DN_OK);
	assert_int_equal(p.dport, 23);
	/* raw IP under its three names, and the BSD loopback */
	assert_int_equal(dn_decode(DN_LINK_RAW, ip, n, &p), DN_OK);
	assert_int_equal(dn_decode(12, ip, n, &p), DN_OK);
	assert_int_equal(dn_decode(DN_LINK_IPV4, ip, n, &p), DN_OK);
	f[0] = 2;
	f[1] = f[2] = f[3] = 0;
	memcpy(f + 4, ip, n);
	assert_int_equal(dn_decode(DN_LINK_NULL, f, 4 + n, &p), DN_OK);
	assert_int_equal(p.dport, 23);
	/* unknown link type */
	assert_int_equal(dn_decode(147, ip, n, &p), DN_BAD_LINK);
}

static void test_ipv6(void **state)
{
	uint8_t b[128], want[16];
	struct dn_pkt p;
	size_t n;

	(void)state;
	n = v6udp(b, "2001:db8::1", "2001:db8:dead::5", 53, 0);
	assert_int_equal(dn_decode(DN_LINK_IPV6, b, n, &p), DN_OK);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.proto, DN_P_UDP);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.klass, DN_SCAN);
	inet_pton(AF_INET6, "2001:db8:dead::5", want);
	assert_memory_equal(p.dst, want, 16);
	/* behind a hop-by-hop options header */
	n = v6udp(b, "2001:db8::1", "2001:db8:dead::5", 123, 1);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.dport, 123);
	/* a non-first fragment */
	b[6] = 44;
	b[40] = 17;
	b[42] = 0x01; /* offset 32 */
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_BAD_FRAGMENT);
	/* cut inside the header */
	assert_int_equal(dn_decode(DN_LINK_RAW, b, 30, &p), DN_BAD_SHORT);
}

static void test_bad_lengths(void **state)
{
	uint8_t b[128];
	struct dn_pkt p;
	size_t n = v4tcp(b, "192.0.2.1", "198.51.100.7", 23, 5, 0x02, 9);

	(void)state;
	assert_int_equal(dn_decode(DN_LINK_RAW, b, 10, &p), DN_BAD_SHORT);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, 30, &p), DN_BAD_TRANSPORT);
	b[0] = 0x44; /* header length 16 */
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_BAD_IPHDR);
	b[0] = 0x45;
	b[2] = 0;
	b[3] = 10; /* total length below the header */
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_BAD_IPHDR);
	b[3] = 24; /* total length cuts the TCP header: never read past it */
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_BAD_TRANSPORT);
	b[3] = 40;
	b[0] = 0x35; /* version 3 */
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_BAD_IPHDR);
	b[0] = 0x45;
	/* fragments: a later one is not analysed; the first (MF set, offset 0) is */
	b[6] = 0x00;
	b[7] = 0x10;
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_BAD_FRAGMENT);
	b[6] = 0x20;
	b[7] = 0x00;
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, 0, &p), DN_BAD_SHORT);
}

static void test_classes_and_fingerprints(void **state)
{
	uint8_t b[128];
	struct dn_pkt p;
	uint32_t dst = a4("198.51.100.7"), seq = 0x12345678;
	size_t n;

	(void)state;
	/* Mirai: seq == destination */
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 23, dst, 0x02, 777);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.klass, DN_SCAN);
	assert_int_equal(p.fp, DN_FP_MIRAI);
	/* ZMap: IP ID 54321 */
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 80, seq, 0x02, 54321);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.fp, DN_FP_ZMAP);
	/* masscan: IP ID = dst ^ dport ^ seq */
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 443, seq, 0x02, (uint16_t)(dst ^ 443 ^ seq));
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.fp, DN_FP_MASSCAN);
	/* none */
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 443, seq, 0x02, 1);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.fp, 0);
	/* SYN-ACK and RST are backscatter (never fingerprinted), a bare ACK is other */
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 23, dst, 0x12, 54321);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.klass, DN_BACKSCATTER);
	assert_int_equal(p.fp, 0);
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 23, 0, 0x14, 1);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.klass, DN_BACKSCATTER);
	n = v4tcp(b, "192.0.2.1", "198.51.100.7", 23, 0, 0x10, 1);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n, &p), DN_OK);
	assert_int_equal(p.klass, DN_OTHER);
	/* ICMP: echo request scan, unreachable and echo reply backscatter */
	n = ip4(b, "192.0.2.1", "198.51.100.7", 1, 1, 0, 8);
	memset(b + n, 0, 8);
	b[n] = 8;
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n + 8, &p), DN_OK);
	assert_int_equal(p.proto, DN_P_ICMP);
	assert_int_equal(p.klass, DN_SCAN);
	b[n] = 3;
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n + 8, &p), DN_OK);
	assert_int_equal(p.klass, DN_BACKSCATTER);
	b[n] = 0;
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n + 8, &p), DN_OK);
	assert_int_equal(p.klass, DN_BACKSCATTER);
	/* UDP scan */
	n = ip4(b, "192.0.2.1", "198.51.100.7", 17, 1, 0, 8);
	memset(b + n, 0, 8);
	assert_int_equal(dn_decode(DN_LINK_RAW, b, n + 8, &p), DN_OK);
	assert_int_equal(p.klass, DN_SCAN);
}

/* ---- HyperLogLog ---- */

static uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static void test_hll(void **state)
{
	static const uint64_t sizes[] = { 100, 1000, 10000, 100000, 1000000 };
	struct hll *h;
	size_t i;
	uint64_t j;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double e, err;

		h = calloc(1, sizeof(*h));
		assert_non_null(h);
		for (j = 0; j < sizes[i]; j++) {
			hll_add(h, mix64(j + i * 10000000));
			hll_add(h, mix64(j + i * 10000000)); /* repeats change nothing */
		}
		e = hll_count(h);
		err = fabs(e - (double)sizes[i]) / (double)sizes[i];
		/* 1.6 % standard error; 5 % is more than three of them */
		assert_true(err < 0.05);
		free(h);
	}
}

/* ---- the analysis ---- */

static struct dn_ctx *ctx_s(const char *sensors, uint64_t exact_max, uint64_t max_sources)
{
	struct dn_opts o;
	struct dn_ctx *c = NULL;
	int n = 0;

	memset(&o, 0, sizeof(o));
	assert_int_equal(dn_parse_prefixes(sensors, o.sensors, DN_MAX_SENSORS, &n, NULL), 0);
	o.nsensors = n;
	o.exact_max = exact_max;
	o.max_sources = max_sources;
	o.top = 10;
	o.campaign_factor = 5;
	o.campaign_min = 20;
	o.campaign_days = 7;
	o.attack_gap = 300;
	o.attack_min_packets = 25;
	o.attack_min_duration = 60;
	assert_int_equal(dn_new(&o, &c, NULL), 0);
	return c;
}

static struct dn_ctx *ctx(uint64_t exact_max, uint64_t max_sources)
{
	return ctx_s("198.51.100.0/24, 2001:db8::/32", exact_max, max_sources);
}

static void add(struct dn_ctx *c, const uint8_t *b, size_t n, int64_t ts)
{
	struct dn_rec r = { ts, DN_LINK_RAW, b, (uint32_t)n, (uint32_t)n, 1 };

	dn_add_record(c, "t", &r);
}

static void test_exact_then_estimated(void **state)
{
	const int64_t t0 = 1700006400;
	struct dn_ctx *c;
	uint8_t b[64];
	char src[32];
	uint32_t i;
	int pass;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		/* 0: exact; 1: tuple set bounded at 2000; 2: 1000 sources tracked */
		c = ctx(pass == 1 ? 2000 : 1000000, pass == 2 ? 1000 : 0);
		for (i = 0; i < 20000; i++) {
			size_t n;

			snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
			n = v4tcp(b, src, "198.51.100.9", 23, 1, 0x02, 1);
			add(c, b, n, t0 + i);
			n = v4tcp(b, src, "198.51.100.10", 23, 1, 0x02, 1); /* same port */
			add(c, b, n, t0 + i);
			n = v4tcp(b, src, "198.51.100.10", (uint16_t)(2000 + i % 3), 1, 0x02, 1);
			add(c, b, n, t0 + i);
		}
		dn_finish(c);
		{
			const struct dn_day *d = c->days[DN_DAYS / 2];
			double s = dn_day_sources(d), nobe = dn_sday_nobe(&d->s[0]);

			assert_non_null(d);
			assert_int_equal(d->packets, 60000);
			if (pass == 0) {
				assert_int_equal(c->estimated, 0);
				assert_true(s == 20000);
				assert_true(nobe == 40000);
				assert_true(dn_port_sources(d, 23) == 20000);
			} else {
				assert_int_equal(c->estimated, 1);
				assert_true(fabs(s - 20000) / 20000 < 0.05);
				assert_true(fabs(nobe - 40000) / 40000 < 0.05);
				assert_true(fabs(dn_port_sources(d, 23) - 20000) / 20000 < 0.05);
			}
			if (pass == 1)
				assert_true(c->setn <= 2000);
			if (pass == 2)
				assert_int_equal(c->nsrc, 1000);
		}
		dn_free(c);
	}
}

/* within rel of want (exactly want when rel is 0) */
static void near_(double got, double want, double rel)
{
	if (fabs(got - want) > rel * want)
		fail_msg("got %.1f, want %.0f (within %.0f %%)", got, want, rel * 100);
}

/* Distinct sources over the whole period against the per-day sums (issue 16): 3000
 * sources hit 23/tcp on day 0 and again on day 1, with 1000 more on day 1; half reach
 * 23/tcp as their sixth port (past the inline ones, through the tuple set). Sensor A sees
 * them all, sensor B only the 2000 even ones of day 1. Exact, then with the tuple set
 * bounded, then with few sources tracked: within 5 % (HLL standard error 1.6 %). */
static void test_period_distinct(void **state)
{
	const int64_t t0 = 1700006400;
	int pass;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		struct dn_ctx *c = ctx_s("198.51.100.0/24, 203.0.113.0/24",
					 pass == 1 ? 3000 : 1000000, pass == 2 ? 1000 : 0);
		const struct dn_day *days[DN_DAYS];
		double rel = pass == 0 ? 0 : 0.05;
		struct dn_sensor_total st;
		uint8_t b[64];
		char src[32];
		uint32_t i, k;
		int day, nd;

		for (day = 0; day < 2; day++) {
			for (i = 0; i < (day ? 4000u : 3000u); i++) {
				int64_t t = t0 + day * 86400 + i;
				size_t n;

				snprintf(src, sizeof(src), "10.1.%u.%u", i >> 8, i & 255);
				for (k = 0; i % 2 && k < 5; k++) { /* five other ports first */
					n = v4tcp(b, src, "198.51.100.7", (uint16_t)(100 + k), 1,
						  0x02, 1);
					add(c, b, n, t);
				}
				n = v4tcp(b, src, "198.51.100.9", 23, 1, 0x02, 1);
				add(c, b, n, t);
				if (day == 1 && i % 2 == 0) {
					n = v4tcp(b, src, "203.0.113.9", 23, 1, 0x02, 1);
					add(c, b, n, t);
				}
			}
		}
		dn_finish(c);
		nd = dn_days_sorted(c, days);
		assert_int_equal(nd, 2);
		assert_int_equal(c->estimated, pass != 0);
		/* 23/tcp: 4000 distinct sources over the period, 3000 + 4000 summed over days */
		near_(dn_period_port_sources(c, 23), 4000, rel);
		near_(dn_port_source_days(days, nd, 23), 7000, rel);
		/* the ports hit by the odd sources only: 2000 over the period, 1500 + 2000 */
		near_(dn_period_port_sources(c, 104), 2000, rel);
		near_(dn_port_source_days(days, nd, 104), 3500, rel);
		assert_true(dn_period_port_sources(c, 24) == 0);
		/* sensors: A 4000 over the period, 3000 + 4000 by day; B 2000, 0 + 2000 */
		near_(dn_period_sensor_sources(c, 0), 4000, rel);
		dn_sensor_total(c, days, nd, 0, &st);
		assert_int_equal(st.packets, 7000 + 5 * 3500);
		near_(st.source_days, 7000, rel);
		near_(dn_period_sensor_sources(c, 1), 2000, rel);
		dn_sensor_total(c, days, nd, 1, &st);
		assert_int_equal(st.packets, 2000);
		near_(st.source_days, 2000, rel);
		near_(st.source_ports, 2000, rel);
		dn_free(c);
	}
}

/* The inlined address hash is SipHash-1-3, the same value as core's siphash13. */
static void test_addr_hash(void **state)
{
	uint8_t a[16];
	uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
	int i, j;

	(void)state;
	for (i = 0; i < 200; i++) {
		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)(i * 31 + j * 7);
		k0 = k0 * 6364136223846793005ULL + 1442695040888963407ULL;
		assert_true(dn_addr_hash(k0, k1, a, 4) == siphash13(k0, k1, a, 4));
		assert_true(dn_addr_hash(k0, k1, a, 6) == siphash13(k0, k1, a, 16));
	}
}

/* Many sources interleaved, each with more ports than are counted inline, over two
 * days: the source table, its slots and the tuple set grow several times while packets
 * wait in the prefetch pipeline, and every distinct count stays exact. */
static void test_many_sources_pipeline(void **state)
{
	const int64_t t0 = 1700006400;
	const uint32_t nsrc = 3000, nport = 7;
	struct dn_ctx *c = ctx(1000000, 0);
	uint8_t b[64];
	char src[32];
	uint32_t i, p, day;

	(void)state;
	for (day = 0; day < 2; day++)
		for (p = 0; p < nport; p++)
			for (i = 0; i < nsrc; i++) {
				size_t n;

				snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16, (i >> 8) & 255,
					 i & 255);
				n = v4tcp(b, src, "198.51.100.7", (uint16_t)(1000 + p), 1, 0x02, 1);
				add(c, b, n, t0 + (int64_t)day * 86400 + p);
				if (i % 5 == 0) /* the same again: nothing new */
					add(c, b, n, t0 + (int64_t)day * 86400 + p);
			}
	dn_finish(c);
	assert_int_equal(c->nsrc, nsrc);
	for (day = 0; day < 2; day++) {
		const struct dn_day *d = c->days[DN_DAYS / 2 + day];

		assert_non_null(d);
		assert_true(dn_day_sources(d) == nsrc);
		assert_true(dn_sday_sources(&d->s[0]) == nsrc);
		assert_true(dn_sday_nobe(&d->s[0]) == nsrc * nport);
		for (p = 0; p < nport; p++)
			assert_true(dn_port_sources(d, 1000 + p) == nsrc);
	}
	for (i = 0; i < nsrc; i++) {
		assert_int_equal(c->src[i].nports, nport);
		assert_int_equal(c->src[i].packets, 2 * nport * (i % 5 == 0 ? 2 : 1));
	}
	assert_int_equal(c->estimated, 0);
	dn_free(c);
}

/* Times are formatted by hand from 1970 to 9999: the same text as strftime. */
static void test_fmt_time(void **state)
{
	char a[24], b[24];
	struct tm tm;
	int64_t t;

	(void)state;
	for (t = -86400; t < 253402300800LL + 86400; t += 86400 * 17 + 3607) {
		time_t tt = (time_t)t;

		gmtime_r(&tt, &tm);
		strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
		dn_fmt_time(t, a);
		assert_string_equal(a, b);
	}
}

static void test_backscatter_attacks(void **state)
{
	const int64_t t0 = 1700006400;
	struct dn_ctx *c = ctx(1000000, 0);
	uint8_t b[64];
	int i;
	size_t n;

	(void)state;
	/* victim 1: 40 SYN-ACKs over 195 s, a 20-minute gap, 30 over 87 s: two attacks */
	for (i = 0; i < 40; i++) {
		n = v4tcp(b, "192.0.2.1", "198.51.100.20", (uint16_t)(1024 + i), 0, 0x12, 1);
		add(c, b, n, t0 + i * 5);
	}
	for (i = 0; i < 30; i++) {
		n = v4tcp(b, "192.0.2.1", "198.51.100.21", (uint16_t)(1024 + i), 0, 0x12, 1);
		add(c, b, n, t0 + 1400 + i * 3);
	}
	/* victim 2: 24 RSTs over 200 s: too few; victim 3: 100 RSTs within 30 s: too short */
	for (i = 0; i < 24; i++) {
		n = v4tcp(b, "192.0.2.2", "198.51.100.22", 80, 0, 0x04, 1);
		add(c, b, n, t0 + i * 8);
	}
	for (i = 0; i < 100; i++) {
		n = v4tcp(b, "192.0.2.3", "198.51.100.23", 80, 0, 0x04, 1);
		add(c, b, n, t0 + i * 3 / 10);
	}
	dn_finish(c);
	assert_int_equal(c->natt, 2);
	assert_int_equal(c->att[0].packets + c->att[1].packets, 70);
	assert_int_equal(c->src[c->att[0].src].addr[3], 1);
	assert_int_equal(c->src[c->att[1].src].addr[3], 1);
	dn_free(c);
}

/* ---- pcapng ---- */

static int recs_seen;
static int64_t last_ts;
static int bads_seen;

static int on_rec(void *ud, const struct dn_rec *r)
{
	(void)ud;
	recs_seen++;
	last_ts = r->ts;
	return 0;
}

static void on_bad(void *ud, const char *file, long long recno, enum dn_fbad k, const char *m)
{
	(void)ud;
	(void)file;
	(void)recno;
	(void)k;
	(void)m;
	bads_seen++;
}

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void test_pcapng(void **state)
{
	char path[] = "/tmp/test_darknet_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	uint8_t pkt[64];
	size_t n = v4tcp(pkt, "192.0.2.1", "198.51.100.7", 23, 5, 0x02, 9); /* 40 bytes */
	struct dn_read_cb cb = { on_rec, on_bad, NULL };
	uint64_t ts = 1700006400ULL * 1000000000ULL; /* nanoseconds */

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	/* section header */
	put32(f, 0x0A0D0D0A);
	put32(f, 28);
	put32(f, 0x1A2B3C4D);
	put32(f, 1);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);
	/* interface: raw IP, if_tsresol = 9 (nanoseconds) */
	put32(f, 1);
	put32(f, 32);
	put32(f, DN_LINK_RAW);
	put32(f, 0); /* snap length: none */
	put32(f, 9 | 1 << 16);
	put32(f, 9);
	put32(f, 0);
	put32(f, 32);
	/* enhanced packet block */
	put32(f, 6);
	put32(f, 32 + 40);
	put32(f, 0);
	put32(f, (uint32_t)(ts >> 32));
	put32(f, (uint32_t)ts);
	put32(f, (uint32_t)n);
	put32(f, (uint32_t)n);
	fwrite(pkt, 1, n, f);
	put32(f, 32 + 40);
	/* simple packet block */
	put32(f, 3);
	put32(f, 16 + 40);
	put32(f, (uint32_t)n);
	fwrite(pkt, 1, n, f);
	put32(f, 16 + 40);
	/* a block cut off by the end of the file */
	put32(f, 6);
	put32(f, 200);
	put32(f, 0);
	fclose(f);
	recs_seen = bads_seen = 0;
	assert_int_equal(dn_read_file(path, &cb, NULL), 0);
	assert_int_equal(recs_seen, 2);
	assert_int_equal(bads_seen, 1);
	assert_int_equal(dn_file_first_ts(path), 1700006400);
	unlink(path);
}

/* Issue 15 item 11: a simple packet block of 12 bytes (header and trailer, no original
 * length) made len - 16 wrap round; the reader then handed out a record of snap-length
 * bytes starting inside a 12-byte block. It must be reported and skipped, and the block
 * after it read. */
static uint32_t max_caplen;

static int on_rec_len(void *ud, const struct dn_rec *r)
{
	(void)ud;
	recs_seen++;
	if (r->caplen > max_caplen)
		max_caplen = r->caplen;
	return 0;
}

static void test_pcapng_short_spb(void **state)
{
	char path[] = "/tmp/test_darknet_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	uint8_t pkt[64];
	size_t n = v4tcp(pkt, "192.0.2.1", "198.51.100.7", 23, 5, 0x02, 9); /* 40 bytes */
	struct dn_read_cb cb = { on_rec_len, on_bad, NULL };

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	put32(f, 0x0A0D0D0A); /* section header */
	put32(f, 28);
	put32(f, 0x1A2B3C4D);
	put32(f, 1);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);
	put32(f, 1); /* interface: raw IP, snap length 0 (none) */
	put32(f, 20);
	put32(f, DN_LINK_RAW);
	put32(f, 0);
	put32(f, 20);
	put32(f, 3); /* simple packet block of 12 bytes: no room for the original length */
	put32(f, 12);
	put32(f, 12);
	put32(f, 3); /* a good simple packet block after it */
	put32(f, 16 + 40);
	put32(f, (uint32_t)n);
	fwrite(pkt, 1, n, f);
	put32(f, 16 + 40);
	fclose(f);
	recs_seen = bads_seen = 0;
	max_caplen = 0;
	assert_int_equal(dn_read_file(path, &cb, NULL), 0);
	assert_int_equal(recs_seen, 1);
	assert_int_equal(bads_seen, 1);
	assert_int_equal(max_caplen, n);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_classes_and_fingerprints),
		cmocka_unit_test(test_hll),
		cmocka_unit_test(test_exact_then_estimated),
		cmocka_unit_test(test_period_distinct),
		cmocka_unit_test(test_addr_hash),
		cmocka_unit_test(test_fmt_time),
		cmocka_unit_test(test_many_sources_pipeline),
		cmocka_unit_test(test_backscatter_attacks),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_pcapng_short_spb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
