/*
 * test_ratelimit.c -- unit tests of the DNS service's rate limits (dns/ratelimit.h).
 *
 * Every case runs on a synthetic millisecond clock, so rates are exact: a bucket of
 * burst B refilled at Q a second lets through B, then one query per 1000/Q ms. The flood
 * case sends a million distinct spoofed sources through tables of 4096 entries and
 * checks that memory stays what drl_new allocated and that a heavy client interleaved
 * with the flood is still held to about its rate (see the comment there for what holds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "dns/ratelimit.h"

#define T0 5000000ULL

static const struct sockaddr *addr(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':') != NULL) {
		in6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	} else {
		in4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &in4->sin_addr), 1);
	}
	return (const struct sockaddr *)ss;
}

static int query(struct drl *r, const char *ip, uint64_t now)
{
	struct sockaddr_storage ss;

	return drl_query(r, addr(&ss, ip), now);
}

static int response(struct drl *r, const char *ip, int rcode, const char *name, uint16_t qtype,
		    uint64_t now)
{
	struct sockaddr_storage ss;

	return drl_response(r, addr(&ss, ip), rcode, name, qtype, now);
}

/* Queries from ip at now until one is dropped; returns how many passed (max 100000). */
static int drain(struct drl *r, const char *ip, uint64_t now)
{
	int n = 0;

	while (n < 100000 && query(r, ip, now) == DRL_PASS)
		n++;
	return n;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void test_client_burst_then_qps(void **state)
{
	struct drl_config cfg = { .client_qps = 10, .client_burst = 20, .table_size = 64 };
	struct drl *r = drl_new(&cfg);
	struct drl_stats st;
	uint64_t t;
	int pass = 0;

	(void)state;
	assert_non_null(r);
	assert_int_equal(drain(r, "192.0.2.1", T0), 20);
	assert_int_equal(query(r, "192.0.2.1", T0 + 99), DRL_DROP);
	assert_int_equal(query(r, "192.0.2.1", T0 + 100), DRL_PASS);
	assert_int_equal(query(r, "192.0.2.1", T0 + 100), DRL_DROP);
	/* a query every millisecond for 10 s: 10 a second get through */
	for (t = T0 + 101; t < T0 + 10101; t++)
		pass += query(r, "192.0.2.1", t) == DRL_PASS;
	assert_int_equal(pass, 100);
	/* idle long enough: the bucket is full again, not fuller */
	assert_int_equal(drain(r, "192.0.2.1", T0 + 3600000), 20);
	drl_get_stats(r, &st);
	assert_int_equal(st.client_limited, 1 + 1 + 1 + (10000 - 100) + 1);
	drl_free(r);
	drl_free(NULL);

	/* burst 0 means burst = qps; qps 0 means no limit */
	cfg.client_burst = 0;
	r = drl_new(&cfg);
	assert_int_equal(drain(r, "192.0.2.1", T0), 10);
	drl_free(r);
	cfg.client_qps = 0;
	r = drl_new(&cfg);
	assert_int_equal(drain(r, "192.0.2.1", T0), 100000);
	drl_free(r);
}

static void test_client_prefixes(void **state)
{
	struct drl_config cfg = { .client_qps = 1, .client_burst = 5, .table_size = 1024 };
	struct drl *r = drl_new(&cfg);
	struct sockaddr_un un;

	(void)state;
	/* IPv4: /32 */
	assert_int_equal(drain(r, "192.0.2.1", T0), 5);
	assert_int_equal(drain(r, "192.0.2.2", T0), 5);
	/* an IPv4-mapped address is the same IPv4 client */
	assert_int_equal(query(r, "::ffff:192.0.2.1", T0), DRL_DROP);
	assert_int_equal(drain(r, "::ffff:192.0.2.3", T0), 5);
	assert_int_equal(query(r, "192.0.2.3", T0), DRL_DROP);
	/* IPv6: /64 shared, the next /64 separate */
	assert_int_equal(drain(r, "2001:db8:1:2::1", T0), 5);
	assert_int_equal(query(r, "2001:db8:1:2:ffff:ffff:ffff:ffff", T0), DRL_DROP);
	assert_int_equal(query(r, "2001:db8:1:2:8000::7", T0), DRL_DROP);
	assert_int_equal(drain(r, "2001:db8:1:3::1", T0), 5);
	/* not IP (or no address): not limited */
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_int_equal(drl_query(r, (const struct sockaddr *)&un, T0), DRL_PASS);
	assert_int_equal(drl_query(r, NULL, T0), DRL_PASS);
	drl_free(r);
}

static void test_rrl_slip(void **state)
{
	struct drl_config cfg = { .rrl_rps = 5, .rrl_slip = 2, .table_size = 1024 };
	struct drl *r = drl_new(&cfg);
	struct drl_stats st;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0), DRL_PASS);
	/* over the rate: drop, slip, drop, slip, ... */
	for (i = 0; i < 10; i++)
		assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0),
				 i % 2 == 0 ? DRL_DROP : DRL_SLIP);
	drl_get_stats(r, &st);
	assert_int_equal(st.rrl_dropped, 5);
	assert_int_equal(st.rrl_slipped, 5);
	/* the same /24 shares the account; another /24 does not */
	assert_int_equal(response(r, "192.0.2.200", 0, "a.example", 1, T0), DRL_DROP);
	assert_int_equal(response(r, "192.0.3.1", 0, "a.example", 1, T0), DRL_PASS);
	/* other kinds: another type, another name, an error rcode */
	assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 28, T0), DRL_PASS);
	assert_int_equal(response(r, "192.0.2.1", 0, "b.example", 1, T0), DRL_PASS);
	assert_int_equal(response(r, "192.0.2.1", 3, "a.example", 1, T0), DRL_PASS);
	/* errors are keyed by rcode and name, not type */
	for (i = 0; i < 4; i++)
		assert_int_equal(response(r, "192.0.2.1", 3, "a.example", (uint16_t)(i + 2), T0),
				 DRL_PASS);
	assert_int_equal(response(r, "192.0.2.1", 3, "a.example", 99, T0), DRL_DROP);
	/* refill: one response per 200 ms; the slip count runs on (11 limited so far) */
	assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0 + 199), DRL_SLIP);
	assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0 + 200), DRL_PASS);
	assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0 + 200), DRL_DROP);
	/* IPv6: /56 shared, the next /56 separate */
	for (i = 0; i < 5; i++)
		assert_int_equal(response(r, "2001:db8:0:100::1", 0, "a.example", 1, T0), DRL_PASS);
	assert_int_equal(response(r, "2001:db8:0:1ff::9", 0, "a.example", 1, T0), DRL_DROP);
	assert_int_equal(response(r, "2001:db8:0:200::1", 0, "a.example", 1, T0), DRL_PASS);
	drl_free(r);

	/* slip 0: all dropped; slip 1: all truncated */
	cfg.rrl_slip = 0;
	r = drl_new(&cfg);
	for (i = 0; i < 20; i++)
		assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0),
				 i < 5 ? DRL_PASS : DRL_DROP);
	drl_free(r);
	cfg.rrl_slip = 1;
	r = drl_new(&cfg);
	for (i = 0; i < 20; i++)
		assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0),
				 i < 5 ? DRL_PASS : DRL_SLIP);
	drl_free(r);
	/* rps 0: no RRL */
	cfg.rrl_rps = 0;
	r = drl_new(&cfg);
	for (i = 0; i < 20; i++)
		assert_int_equal(response(r, "192.0.2.1", 0, "a.example", 1, T0), DRL_PASS);
	drl_free(r);
}

/*
 * A million distinct spoofed sources (IPv4 and IPv6, each also getting an RRL check and
 * a water-torture note under its own zone) at 100 a millisecond for 10 s, through tables
 * of 4096 entries (1024 sets of 4), interleaved with one heavy client sending a query
 * every millisecond. What holds: memory is what drl_new allocated; the spoofed sources
 * pass (each is new, with a full bucket: spoofing defeats per-source limits, which is
 * why RRL exists); and the heavy client stays limited to about burst + 10 s * qps,
 * because it touches its entry every millisecond while its set sees about 0.1 new
 * sources a millisecond: it is evicted only if 4 newcomers land in its set between two
 * of its queries (rare at this load; each eviction would grant it one more burst).
 */
static void test_spoofed_flood(void **state)
{
	struct drl_config cfg = { .client_qps = 100,
				  .client_burst = 200,
				  .rrl_rps = 10,
				  .rrl_slip = 2,
				  .wt_min_names = 50,
				  .wt_nx_percent = 80,
				  .wt_qps = 100,
				  .wt_window = 10,
				  .wt_hold = 60,
				  .table_size = 4096 };
	struct drl *r = drl_new(&cfg);
	struct drl_stats st0, st;
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char name[64];
	const char *flagged;
	uint64_t t;
	uint32_t v;
	int i, heavy = 0, spoof_pass = 0;

	(void)state;
	drl_get_stats(r, &st0);
	assert_true(st0.bytes > 0);
	for (t = 0; t < 10000; t++) {
		for (i = 0; i < 100; i++) {
			v = rnd();
			memset(&ss, 0, sizeof(ss));
			if (i % 4 == 0) {
				in6->sin6_family = AF_INET6;
				in6->sin6_addr.s6_addr[0] = 0x20;
				memcpy(in6->sin6_addr.s6_addr + 1, &v, 4);
				memcpy(in6->sin6_addr.s6_addr + 5, &t, 3);
			} else {
				in4->sin_family = AF_INET;
				in4->sin_addr.s_addr = v;
			}
			spoof_pass +=
				drl_query(r, (const struct sockaddr *)&ss, T0 + t) == DRL_PASS;
			snprintf(name, sizeof(name), "x%u.z%u.example", (unsigned)t, v);
			(void)drl_response(r, (const struct sockaddr *)&ss, 3, name, 1, T0 + t);
			drl_wt_note(r, name, 1, T0 + t, &flagged);
			assert_null(flagged);
		}
		heavy += query(r, "198.51.100.7", T0 + t) == DRL_PASS;
	}
	drl_get_stats(r, &st);
	assert_int_equal(st.bytes, st0.bytes);
	assert_true(spoof_pass > 999000);
	assert_true(heavy >= 200 + 1000 - 2);
	assert_true(heavy <= 200 + 1000 + 200);
	/* and afterwards it is still limited */
	assert_true(drain(r, "198.51.100.7", T0 + 10000) <= 1);
	drl_free(r);
}

/*
 * A limited client is not freed by newcomers: with one set of 4 ways, a client that
 * drained its bucket, then four new clients in the same millisecond. The newcomers take
 * the empty ways and then replace each other (each is owed almost nothing); the limited
 * client, which owes a whole burst, stays, and stays limited. (Before, the least recently
 * used way went, which was the limited client: its next query found a full bucket.)
 */
static void test_limited_client_kept(void **state)
{
	struct drl_config cfg = { .client_qps = 100, .client_burst = 200, .table_size = 4 };
	struct drl *r = drl_new(&cfg);
	char ip[32];
	int i;

	(void)state;
	assert_int_equal(drain(r, "198.51.100.7", T0), 200);
	for (i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i + 1);
		assert_int_equal(query(r, ip, T0 + 1), DRL_PASS);
	}
	assert_true(drain(r, "198.51.100.7", T0 + 2) <= 1);
	drl_free(r);
}

static struct drl *wt_new(void)
{
	struct drl_config cfg = { .wt_min_names = 50,
				  .wt_nx_percent = 80,
				  .wt_qps = 100,
				  .wt_window = 10,
				  .wt_hold = 60,
				  .table_size = 1024 };

	return drl_new(&cfg);
}

/* Random names under zone, NXDOMAIN, one a millisecond from *t, until flagged (at most
 * max notes). Returns the number of notes; *t is left at the flagging note. */
static int attack_until_flagged(struct drl *r, const char *zone, uint64_t *t, int max)
{
	char name[300];
	const char *flagged = NULL;
	int n;

	for (n = 1; n <= max; n++, (*t)++) {
		snprintf(name, sizeof(name), "%08x%04x.%s", rnd(), rnd() & 0xffff, zone);
		drl_wt_note(r, name, 1, *t, &flagged);
		if (flagged != NULL) {
			assert_string_equal(flagged, zone);
			return n;
		}
	}
	return n;
}

static void test_wt_flag_and_hold(void **state)
{
	struct drl *r = wt_new();
	struct drl_stats st;
	const char *flagged = NULL;
	uint64_t t = T0, tf;
	int n, i;

	(void)state;
	/* 1000 NXDOMAINs a second for random names: the 1000th makes 100 a second over
	 * the 10 s window, and is the one that flags */
	n = attack_until_flagged(r, "victim.example", &t, 5000);
	assert_int_equal(n, 1000);
	tf = t;
	assert_int_equal(drl_wt_refused(r, "anything.victim.example", tf), 1);
	assert_int_equal(drl_wt_refused(r, "a.b.victim.example", tf), 0); /* zone b.victim */
	assert_int_equal(drl_wt_refused(r, "victim.example", tf), 0);	  /* zone "example" */
	assert_int_equal(drl_wt_refused(r, "www.other.example", tf), 0);
	/* reported once: more of the attack flags nothing new */
	for (i = 0; i < 2000; i++) {
		drl_wt_note(r, "zz.victim.example", 1, tf + (uint64_t)i, &flagged);
		assert_null(flagged);
	}
	drl_get_stats(r, &st);
	assert_int_equal(st.wt_zones_flagged, 1);
	assert_int_equal(st.wt_refused, 1);
	assert_int_equal(st.wt_zones_active, 1);
	/* hold: 60 s from the flag */
	assert_int_equal(drl_wt_refused(r, "q.victim.example", tf + 59999), 1);
	assert_int_equal(drl_wt_refused(r, "q.victim.example", tf + 60000), 0);
	drl_get_stats(r, &st);
	assert_int_equal(st.wt_refused, 2);
	assert_int_equal(st.wt_zones_active, 0);
	/* the attack goes on after the hold: flagged (and reported) again */
	t = tf + 120000;
	n = attack_until_flagged(r, "victim.example", &t, 5000);
	assert_int_equal(n, 1000);
	drl_get_stats(r, &st);
	assert_int_equal(st.wt_zones_flagged, 2);
	drl_free(r);
}

static void test_wt_thresholds(void **state)
{
	struct drl *r;
	char name[64];
	const char *flagged;
	uint64_t t;
	int i, n;

	(void)state;
	/* 80% NXDOMAIN is enough (the threshold is inclusive): at 800 NX a second, the
	 * 1250th answer holds the 1000th NXDOMAIN */
	r = wt_new();
	for (i = 0, t = T0, n = 0; i < 20000 && n == 0; i++, t++) {
		snprintf(name, sizeof(name), "r%u.eighty.example", rnd());
		drl_wt_note(r, name, i % 5 != 0, t, &flagged);
		if (flagged != NULL)
			n = i + 1;
	}
	assert_int_equal(n, 1250);
	drl_free(r);

	/* 75% is not */
	r = wt_new();
	for (i = 0, t = T0; i < 20000; i++, t++) {
		snprintf(name, sizeof(name), "r%u.seventy.example", rnd());
		drl_wt_note(r, name, i % 4 != 0, t, &flagged);
		assert_null(flagged);
	}
	drl_free(r);

	/* 100% NXDOMAIN for 20 names only: too few names */
	r = wt_new();
	for (i = 0, t = T0; i < 20000; i++, t++) {
		snprintf(name, sizeof(name), "n%d.few.example", i % 20);
		drl_wt_note(r, name, 1, t, &flagged);
		assert_null(flagged);
	}
	drl_free(r);

	/* random names, all NXDOMAIN, but 50 a second (under 100 qps) for 2 minutes */
	r = wt_new();
	for (i = 0, t = T0; i < 6000; i++, t += 20) {
		snprintf(name, sizeof(name), "r%u.slow.example", rnd());
		drl_wt_note(r, name, 1, t, &flagged);
		assert_null(flagged);
	}
	drl_free(r);
}

static void test_wt_normal_traffic(void **state)
{
	static const char *const names[] = { "www.example.com", "mail.example.com",
					     "api.example.com", "cdn.example.com",
					     "typo.example.com" };
	struct drl *r = wt_new();
	struct drl_stats st;
	const char *flagged;
	char name[64];
	uint64_t t;
	int i;

	(void)state;
	/* a popular zone: 2000 answers a second for 60 s, a few names, one NXDOMAIN in 20 */
	for (i = 0, t = T0; i < 120000; i++) {
		drl_wt_note(r, names[i % 5], i % 5 == 4 && i % 4 == 0, t, &flagged);
		assert_null(flagged);
		if (i % 2 == 1)
			t++;
	}
	/* a CDN-like zone: many distinct names, mostly NOERROR */
	for (i = 0; i < 60000; i++, t++) {
		snprintf(name, sizeof(name), "h%u.cdn.example.net", rnd() % 5000);
		drl_wt_note(r, name, i % 10 == 0, t, &flagged);
		assert_null(flagged);
	}
	assert_int_equal(drl_wt_refused(r, "www.example.com", t), 0);
	drl_get_stats(r, &st);
	assert_int_equal(st.wt_zones_flagged, 0);
	drl_free(r);
}

static void test_wt_one_label(void **state)
{
	struct drl *r = wt_new();
	const char *flagged;
	char name[64];
	uint64_t t;
	int i;

	(void)state;
	/* single-label names (and a trailing-dot one) have no parent: never flagged */
	for (i = 0, t = T0; i < 20000; i++, t++) {
		snprintf(name, sizeof(name), "%s%u", i % 3 == 0 ? "" : "h", rnd());
		if (i % 3 == 2)
			strcat(name, ".");
		drl_wt_note(r, name, 1, t, &flagged);
		assert_null(flagged);
	}
	drl_wt_note(r, "", 1, t, &flagged);
	assert_null(flagged);
	drl_wt_note(r, NULL, 1, t, &flagged);
	assert_null(flagged);
	assert_int_equal(drl_wt_refused(r, "localhost", t), 0);
	assert_int_equal(drl_wt_refused(r, "", t), 0);
	/* flagged may be NULL */
	drl_wt_note(r, "a.b.example", 1, t, NULL);
	drl_free(r);
}

static void test_wt_off(void **state)
{
	struct drl_config cfg = { .wt_min_names = 0,
				  .wt_nx_percent = 80,
				  .wt_qps = 1,
				  .wt_window = 10,
				  .wt_hold = 60,
				  .table_size = 64 };
	struct drl *r = drl_new(&cfg);
	const char *flagged;
	char name[64];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "r%u.victim.example", rnd());
		drl_wt_note(r, name, 1, T0 + (uint64_t)i, &flagged);
		assert_null(flagged);
	}
	assert_int_equal(drl_wt_refused(r, "a.victim.example", T0 + 5000), 0);
	drl_free(r);
	assert_null(drl_new(NULL));
}

/* A flagged zone survives a flood of other zones through its set (it is replaced only
 * when every way of its set is flagged). */
static void test_wt_flag_survives_flood(void **state)
{
	struct drl *r = wt_new();
	const char *flagged;
	char name[64];
	uint64_t t = T0;
	int i;

	(void)state;
	assert_int_equal(attack_until_flagged(r, "victim.example", &t, 5000), 1000);
	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "a.z%u.example", rnd());
		drl_wt_note(r, name, 0, t + 1, &flagged);
		assert_null(flagged);
	}
	assert_int_equal(drl_wt_refused(r, "x.victim.example", t + 1), 1);
	drl_free(r);
}

/* Per-client attribution (issue 15): one client over wt_client_nx is refused alone under
 * the zone, its flood does not flag the zone, and other clients and zones pass; many
 * clients under their caps flag the zone, and then names that resolved before pass. */
static void test_wt_client_attribution(void **state)
{
	struct drl_config cfg = { .wt_min_names = 50,
				  .wt_nx_percent = 80,
				  .wt_qps = 100,
				  .wt_window = 10,
				  .wt_hold = 60,
				  .wt_client_nx = 100,
				  .table_size = 1024 };
	struct drl *r = drl_new(&cfg);
	struct sockaddr_storage att, other, c;
	struct drl_stats st;
	char name[64], ip[32];
	uint64_t t = T0;
	uint32_t count;
	int i, k, ev, events = 0;

	(void)state;
	addr(&att, "198.51.100.2");
	addr(&other, "198.51.100.1");
	drl_wt_note_client(r, (struct sockaddr *)&other, "www.victim.example", 0, t, &ev, NULL);
	assert_int_equal(ev, DRL_PASS);
	for (i = 1; i <= 1500; i++, t++) {
		snprintf(name, sizeof(name), "r%08x.victim.example", rnd());
		drl_wt_note_client(r, (struct sockaddr *)&att, name, 1, t, &ev, &count);
		assert_true(ev != DRL_WT_ZONE); /* one client never flags the zone */
		if (ev == DRL_WT_CLIENT) {
			events++;
			assert_int_equal(i, 101);
			assert_int_equal(count, 101);
		}
	}
	assert_int_equal(events, 1);
	assert_int_equal(drl_wt_check(r, (struct sockaddr *)&att, "new.victim.example", t),
			 DRL_WT_CLIENT);
	assert_int_equal(drl_wt_check(r, (struct sockaddr *)&att, "www.other.example", t),
			 DRL_PASS);
	assert_int_equal(drl_wt_check(r, (struct sockaddr *)&other, "new.victim.example", t),
			 DRL_PASS);
	assert_int_equal(drl_wt_check(r, NULL, "new.victim.example", t), DRL_PASS);
	/* the hold ends */
	assert_int_equal(
		drl_wt_check(r, (struct sockaddr *)&att, "new.victim.example", T0 + 101 + 60000),
		DRL_PASS);
	/* 20 clients, 60 names each (under the cap): the zone is flagged */
	t = T0 + 200000;
	drl_wt_note_client(r, (struct sockaddr *)&other, "www.victim2.example", 0, t, &ev, NULL);
	events = 0;
	for (k = 0; k < 20; k++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", k + 1);
		addr(&c, ip);
		for (i = 0; i < 60; i++, t++) {
			snprintf(name, sizeof(name), "r%08x.victim2.example", rnd());
			drl_wt_note_client(r, (struct sockaddr *)&c, name, 1, t, &ev, NULL);
			assert_true(ev != DRL_WT_CLIENT);
			events += ev == DRL_WT_ZONE;
		}
	}
	assert_int_equal(events, 1);
	assert_int_equal(drl_wt_check(r, (struct sockaddr *)&other, "www.victim2.example", t),
			 DRL_PASS); /* resolved before */
	assert_int_equal(drl_wt_check(r, (struct sockaddr *)&other, "new.victim2.example", t),
			 DRL_WT_ZONE);
	assert_int_equal(drl_wt_refused(r, "new.victim2.example", t), 1);
	assert_int_equal(drl_wt_refused(r, "www.victim2.example", t), 0);
	drl_get_stats(r, &st);
	assert_int_equal(st.wt_clients_flagged, 1);
	assert_int_equal(st.wt_zones_flagged, 1);
	drl_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_burst_then_qps),
		cmocka_unit_test(test_client_prefixes),
		cmocka_unit_test(test_rrl_slip),
		cmocka_unit_test(test_spoofed_flood),
		cmocka_unit_test(test_limited_client_kept),
		cmocka_unit_test(test_wt_flag_and_hold),
		cmocka_unit_test(test_wt_thresholds),
		cmocka_unit_test(test_wt_normal_traffic),
		cmocka_unit_test(test_wt_one_label),
		cmocka_unit_test(test_wt_off),
		cmocka_unit_test(test_wt_flag_survives_flood),
		cmocka_unit_test(test_wt_client_attribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
