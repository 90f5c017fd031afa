/*
 * test_authwatch.c -- unit tests of authwatch's parsers (real line shapes of FreeRADIUS,
 * Postfix, Dovecot, JSON), its year inference, and its windows: thresholds reached and
 * not, one report per window, the sliding count forgetting old failures, memory fixed
 * however many keys appear; the typo rule (a success soon after at most 3 failures of the
 * same account from the same source withdraws them) and own ranges that are no spraying
 * network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "authwatch/authwatch.h"
#include "core/base/timefmt.h"
#include "core/net/prefixset.h"

static int parse(enum aw_format f, const char *line, struct aw_rec *r)
{
	struct aw_clock clk;
	struct isp_err err;

	aw_clock_init(&clk, time_days_from_civil(2026, 11, 30) * 86400, 0);
	isp_err_clear(&err);
	return aw_parse_line(f, line, strlen(line), &clk, r, &err);
}

static void test_radius(void **state)
{
	struct aw_rec r;

	(void)state;
	assert_int_equal(
		parse(AWF_RADIUS,
		      "Sun Nov 22 10:40:31 2026 : Auth: (0) Login incorrect (pap: Cleartext "
		      "password does not match \"known good\" password): [sub0001@isp.example] "
		      "(from client localhost port 0 cli 00-16-3e-aa-bb-01)",
		      &r),
		1);
	assert_int_equal(r.result, AWR_FAIL);
	assert_string_equal(r.user, "sub0001@isp.example");
	assert_string_equal(r.source, "00-16-3e-aa-bb-01");
	assert_string_equal(r.nas, "localhost");
	assert_int_equal(r.time,
			 time_days_from_civil(2026, 11, 22) * 86400 + 10 * 3600 + 40 * 60 + 31);
	assert_int_equal(
		parse(AWF_RADIUS,
		      "Sun Nov 22 10:40:33 2026 : Auth: (2) Login OK: [a]b] (from client nas1 "
		      "port 5 cli 192.0.2.7)",
		      &r),
		1);
	assert_int_equal(r.result, AWR_OK);
	assert_string_equal(r.user, "a]b");
	assert_int_equal(r.src.family, 4);
	assert_int_equal(parse(AWF_RADIUS, "Sun Nov 22 10:40:33 2026 : Info: Ready", &r), 0);
	assert_int_equal(parse(AWF_RADIUS, "Sun Nov 22 10:40:33 2026 : Auth: (2) Login OK: [x", &r),
			 ISR_EFORMAT);
	/* linelog */
	assert_int_equal(parse(AWF_RADIUS,
			       "2026-11-22 14:00:00 result=Access-Reject User-Name=\"c \\\"q\\\"\" "
			       "Calling-Station-Id=\"00-11\" NAS-IP-Address=192.0.2.1",
			       &r),
			 1);
	assert_string_equal(r.user, "c \"q\"");
	assert_string_equal(r.nas, "192.0.2.1");
	assert_int_equal(r.result, AWR_FAIL);
	assert_int_equal(parse(AWF_RADIUS, "result=Access-Reject User-Name=x", &r), ISR_EFORMAT);
}

static void test_postfix_dovecot(void **state)
{
	struct aw_rec r;

	(void)state;
	assert_int_equal(
		parse(AWF_POSTFIX,
		      "Nov 22 10:40:31 mx postfix/smtpd[123]: warning: unknown[192.0.2.9]: "
		      "SASL LOGIN authentication failed: UGFzc3dvcmQ6",
		      &r),
		1);
	assert_int_equal(r.result, AWR_FAIL);
	assert_string_equal(r.user, "");
	assert_string_equal(r.source, "192.0.2.9");
	assert_int_equal(r.service, AWS_SMTP);
	assert_int_equal(parse(AWF_POSTFIX,
			       "2026-11-22T10:40:31.123456+09:00 mx postfix/submission/smtpd[9]: "
			       "4F1A2B3C4D: client=mail.example[2001:db8::5], sasl_method=PLAIN, "
			       "sasl_username=alice",
			       &r),
			 1);
	assert_int_equal(r.result, AWR_SEND);
	assert_string_equal(r.user, "alice");
	assert_int_equal(r.src.family, 6);
	assert_int_equal(r.time, time_days_from_civil(2026, 11, 22) * 86400 + 3600 + 40 * 60 + 31);
	assert_int_equal(parse(AWF_POSTFIX,
			       "Nov 22 10:40:31 mx postfix/smtpd[1]: connect from x[1.2.3.4]", &r),
			 0);
	assert_int_equal(
		parse(AWF_DOVECOT,
		      "Nov 22 10:40:33 mx dovecot: imap-login: Login: user=<bob>, method=PLAIN, "
		      "rip=192.0.2.11, lip=10.0.0.1, mpid=123, TLS, session=<abc>",
		      &r),
		1);
	assert_int_equal(r.result, AWR_OK);
	assert_int_equal(r.service, AWS_IMAP);
	assert_string_equal(r.user, "bob");
	assert_int_equal(
		parse(AWF_DOVECOT,
		      "Nov 22 10:40:34 mx dovecot: pop3-login: Disconnected: Inactivity (auth "
		      "failed, 3 attempts in 12 secs): user=<bob>, method=PLAIN, rip=192.0.2.12, "
		      "lip=10.0.0.1",
		      &r),
		1);
	assert_int_equal(r.result, AWR_FAIL);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.service, AWS_POP3);
	assert_int_equal(
		parse(AWF_DOVECOT, "Nov 22 10:40:34 mx dovecot: auth: pam(bob,1.2.3.4): x", &r), 0);
	assert_int_equal(parse(AWF_POSTFIX, "Nov 22 10:40:34 mx \x01\x02", &r), ISR_EFORMAT);
	assert_int_equal(parse(AWF_JSON,
			       "{\"time\": 1795344000, \"user\": \"u\", \"source\": "
			       "\"192.0.2.1\", \"result\": \"fail\", \"service\": \"imap\"}",
			       &r),
			 1);
	assert_int_equal(r.time, 1795344000);
	assert_int_equal(r.service, AWS_IMAP);
	assert_int_equal(parse(AWF_JSON, "{\"time\": 1, \"result\": \"maybe\"}", &r), ISR_EFORMAT);
	assert_int_equal(parse(AWF_JSON, "{\"time\": 1, \"res", &r), ISR_EFORMAT);
	assert_int_equal(aw_detect_format("{\"a\":1}", 7), AWF_JSON);
}

static void test_year(void **state)
{
	struct aw_clock c;
	int64_t t;

	(void)state;
	/* read in January 2027: December lines are 2026, then January 2027 */
	aw_clock_init(&c, time_days_from_civil(2027, 1, 2) * 86400, 0);
	assert_int_equal(aw_parse_time("Dec 31 23:59:59", 15, &c, &t), 15);
	assert_int_equal(t, time_days_from_civil(2026, 12, 31) * 86400 + 86399);
	assert_int_equal(aw_parse_time("Jan  1 00:00:01", 15, &c, &t), 15);
	assert_int_equal(t, time_days_from_civil(2027, 1, 1) * 86400 + 1);
	/* local time 9 h east of UTC */
	aw_clock_init(&c, time_days_from_civil(2026, 11, 30) * 86400, 9 * 3600);
	assert_int_equal(aw_parse_time("Nov 22 09:00:00", 15, &c, &t), 15);
	assert_int_equal(t, time_days_from_civil(2026, 11, 22) * 86400);
	assert_int_equal(aw_parse_time("Foo 22 09:00:00", 15, &c, &t), 0);
	assert_int_equal(aw_parse_time("Nov 32 09:00:00", 15, &c, &t), 0);
}

struct got {
	int n[AWT_N];
	char key[64], reason[32];
	long failures;
};

static void on_det(void *ud, const struct aw_detection *d)
{
	struct got *g = ud;

	g->n[d->type]++;
	snprintf(g->key, sizeof(g->key), "%s", d->key);
	snprintf(g->reason, sizeof(g->reason), "%s", d->reason);
	g->failures = d->failures;
}

static void rec(struct aw_rec *r, int64_t t, enum aw_result res, const char *user, const char *src)
{
	memset(r, 0, sizeof(*r));
	r->time = t;
	r->result = res;
	r->count = 1;
	snprintf(r->user, sizeof(r->user), "%s", user);
	snprintf(r->source, sizeof(r->source), "%s", src);
	r->src.family = 4;
	r->src.len = 32;
	sscanf(src, "%hhu.%hhu.%hhu.%hhu", &r->src.addr[0], &r->src.addr[1], &r->src.addr[2],
	       &r->src.addr[3]);
}

static void test_windows(void **state)
{
	struct aw_conf c;
	struct aw_det *d;
	struct got g;
	struct aw_rec r;
	struct aw_det_stats st;
	int i;
	size_t mem;

	(void)state;
	aw_conf_defaults(&c);
	memset(&g, 0, sizeof(g));
	d = aw_det_new(&c, on_det, &g);
	assert_non_null(d);
	/* 9 failures: nothing; failures spread thinner than the window: nothing */
	for (i = 0; i < 9; i++) {
		rec(&r, 1000 + i * 130, AWR_FAIL, "slow", "192.0.2.1");
		aw_det_add(d, &r);
	}
	assert_int_equal(g.n[AWT_BRUTE], 0);
	/* 30 fast failures: reported once in the window, again after it */
	for (i = 0; i < 30; i++) {
		rec(&r, 3000 + i, AWR_FAIL, "fast", "192.0.2.2");
		aw_det_add(d, &r);
	}
	assert_int_equal(g.n[AWT_BRUTE], 1);
	assert_string_equal(g.key, "fast");
	assert_int_equal(g.failures, 10);
	for (i = 0; i < 10; i++) {
		rec(&r, 3700 + i, AWR_FAIL, "fast", "192.0.2.2");
		aw_det_add(d, &r);
	}
	assert_int_equal(g.n[AWT_BRUTE], 2);
	/* many keys: memory stays as allocated, evictions counted */
	mem = aw_det_memory(d);
	for (i = 0; i < 200000; i++) {
		char u[32];

		snprintf(u, sizeof(u), "user%d", i);
		rec(&r, 5000 + i / 100, AWR_OK, u, "192.0.2.3");
		aw_det_add(d, &r);
	}
	assert_int_equal(aw_det_memory(d), mem);
	aw_det_stats(d, &st);
	assert_true(st.evicted > 0);
	/* backwards in time: counted */
	rec(&r, 100, AWR_FAIL, "x", "192.0.2.4");
	aw_det_add(d, &r);
	aw_det_stats(d, &st);
	assert_int_equal(st.backwards, 1);
	aw_det_free(d);
}

/* Feed n failures of user from src at t, t+1, ...; then, when ok_at > 0, a success. */
static void fails_then_ok(struct aw_det *d, int64_t t, int n, const char *user, const char *src,
			  int64_t ok_at, const char *ok_src)
{
	struct aw_rec r;
	int i;

	for (i = 0; i < n; i++) {
		rec(&r, t + i, AWR_FAIL, user, src);
		aw_det_add(d, &r);
	}
	if (ok_at > 0) {
		rec(&r, ok_at, AWR_OK, user, ok_src);
		aw_det_add(d, &r);
	}
}

static void test_typos(void **state)
{
	struct aw_conf c;
	struct aw_det *d;
	struct got g;
	struct aw_det_stats st;
	int i;

	(void)state;
	aw_conf_defaults(&c);
	assert_int_equal(c.typo_window, 300);
	memset(&g, 0, sizeof(g));
	d = aw_det_new(&c, on_det, &g);
	assert_non_null(d);
	/* runs of 3 failures, each followed by a success 20 s later: 12 failures of one
	 * account in 4 minutes are typos, no brute force */
	for (i = 0; i < 4; i++)
		fails_then_ok(d, 1000 + i * 60, 3, "typist", "192.0.2.10", 1000 + i * 60 + 20,
			      "192.0.2.10");
	assert_int_equal(g.n[AWT_BRUTE], 0);
	aw_det_stats(d, &st);
	assert_int_equal(st.typos, 12);
	/* 4 failures before the success are guessing: counted, the 10th reports */
	for (i = 0; i < 3; i++)
		fails_then_ok(d, 2000 + i * 60, 4, "guessed", "192.0.2.11", 2000 + i * 60 + 20,
			      "192.0.2.11");
	assert_int_equal(g.n[AWT_BRUTE], 1);
	assert_string_equal(g.key, "guessed");
	/* a success later than the window withdraws nothing: 3 + 7 failures report */
	fails_then_ok(d, 3000, 3, "late", "192.0.2.12", 3000 + 301, "192.0.2.12");
	fails_then_ok(d, 3302, 7, "late", "192.0.2.12", 0, NULL);
	assert_int_equal(g.n[AWT_BRUTE], 2);
	assert_string_equal(g.key, "late");
	/* ... within it, the 3 are withdrawn and the 7 do not reach 10 */
	fails_then_ok(d, 4000, 3, "soon", "192.0.2.13", 4000 + 299, "192.0.2.13");
	fails_then_ok(d, 4300, 7, "soon", "192.0.2.13", 0, NULL);
	assert_int_equal(g.n[AWT_BRUTE], 2);
	/* a success from another source withdraws nothing */
	fails_then_ok(d, 5000, 3, "moved", "192.0.2.14", 5010, "192.0.2.99");
	fails_then_ok(d, 5020, 7, "moved", "192.0.2.14", 0, NULL);
	assert_int_equal(g.n[AWT_BRUTE], 3);
	assert_string_equal(g.key, "moved");
	/* one address (a NAT) with typos on 10 accounts: no spray; another address failing
	 * on the same 10 accounts without a success: a spray, the typos do not hide it */
	for (i = 0; i < 10; i++) {
		char u[32];

		snprintf(u, sizeof(u), "target%d", i);
		fails_then_ok(d, 6000 + i * 10, 1, u, "198.51.100.5", 6005 + i * 10,
			      "198.51.100.5");
	}
	assert_int_equal(g.n[AWT_SPRAY], 0);
	for (i = 0; i < 10; i++) {
		char u[32];

		snprintf(u, sizeof(u), "target%d", i);
		fails_then_ok(d, 6200 + i * 10, 1, u, "198.51.100.6", 0, NULL);
	}
	assert_int_equal(g.n[AWT_SPRAY], 1);
	assert_string_equal(g.key, "198.51.100.6");
	assert_string_equal(g.reason, "source");
	aw_det_free(d);

	/* typo-window 0: nothing is withdrawn */
	c.typo_window = 0;
	memset(&g, 0, sizeof(g));
	d = aw_det_new(&c, on_det, &g);
	assert_non_null(d);
	for (i = 0; i < 4; i++)
		fails_then_ok(d, 1000 + i * 60, 3, "typist", "192.0.2.10", 1000 + i * 60 + 20,
			      "192.0.2.10");
	assert_int_equal(g.n[AWT_BRUTE], 1);
	aw_det_stats(d, &st);
	assert_int_equal(st.typos, 0);
	aw_det_free(d);
}

/* 12 accounts failing once, each from its own address of 100.64.9.0/24, and one address
 * of 100.64.5.0/24 failing on 12 accounts; own = 100.64.0.0/10. */
static void own_spray(int own_networks_spray, struct got *g)
{
	struct aw_conf c;
	struct aw_det *d;
	struct prefixset *own = NULL;
	struct isp_err err;
	int i;

	isp_err_clear(&err);
	assert_int_equal(prefixset_parse("100.64.0.0/10", &own, &err), 0);
	aw_conf_defaults(&c);
	c.own = own;
	c.own_spray = own_networks_spray;
	memset(g, 0, sizeof(*g));
	d = aw_det_new(&c, on_det, g);
	assert_non_null(d);
	for (i = 0; i < 12; i++) {
		char u[32], a[32];

		snprintf(u, sizeof(u), "forgot%d", i);
		snprintf(a, sizeof(a), "100.64.9.%d", 10 + i);
		fails_then_ok(d, 1000 + i * 200, 1, u, a, 0, NULL);
	}
	assert_int_equal(g->n[AWT_SPRAY], own_networks_spray ? 1 : 0);
	if (own_networks_spray) {
		assert_string_equal(g->key, "100.64.9.0/24");
		assert_string_equal(g->reason, "network");
	}
	for (i = 0; i < 12; i++) {
		char u[32];

		snprintf(u, sizeof(u), "mate%d", i);
		fails_then_ok(d, 4000 + i * 60, 1, u, "100.64.5.77", 0, NULL);
	}
	assert_int_equal(g->n[AWT_SPRAY], own_networks_spray ? 2 : 1);
	assert_string_equal(g->key, "100.64.5.77");
	assert_string_equal(g->reason, "source");
	aw_det_free(d);
	prefixset_free(own);
}

static void test_own_networks(void **state)
{
	struct got g;

	(void)state;
	own_spray(0, &g);
	own_spray(1, &g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_radius), cmocka_unit_test(test_postfix_dovecot),
		cmocka_unit_test(test_year),   cmocka_unit_test(test_windows),
		cmocka_unit_test(test_typos),  cmocka_unit_test(test_own_networks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
