/*
 * test_rpzpull.c -- `lists pull`'s reading of answers (src/rpz/pull_in.c, tsig_client.c,
 * pull_copy.c) on conversations between `lists pull` and BIND 9 as they passed
 * (the .bin files of tests/data/rpzpull, recorded by relay.py from tests/integration/rpz_pull.sh;
 * the same files seed fuzz_rpzpull): each exchange replayed at the time its own TSIG
 * names, with key k1. A vector says what each answer of a conversation must read as:
 * its outcome and serial, a record line it must hold, or the error it must give. Then the
 * same answers altered (one byte of a record, the MAC) must fail their TSIG, and the zone
 * copy's difference rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpz/pull_int.h"
#include "testdata.h"

static struct rpz_key k1;

/* What one answer reads as. */
struct answer {
	int rc; /* 1 complete, or the ISR code */
	enum pull_outcome outcome;
	uint32_t serial;
	long diffs;
	char lines[4096]; /* "F|D|A line\n" for each record */
	char err[ISP_ERR_MSG];
};

static int on_rec(void *ud, enum pull_rec kind, const char *line, size_t len)
{
	struct answer *a = ud;
	size_t n = strlen(a->lines);

	snprintf(a->lines + n, sizeof(a->lines) - n, "%c %.*s\n", "FDA"[kind], (int)len, line);
	return 0;
}

static uint8_t conv[8192];

/* Replay conversation buf[0..size): up to max answers into out. Returns their count. */
static int replay(const uint8_t *buf, size_t size, struct answer *out, int max)
{
	struct rpz_tsig_client tc;
	struct pull_in x;
	struct isp_err err;
	size_t off = 0;
	int n = -1, active = 0, rc;

	while (off + 2 <= size) {
		size_t len = dnsw_get16(buf + off);
		const uint8_t *m = buf + off + 2;
		struct rpz_tsig_rr t;

		assert_true(off + 2 + len <= size);
		off += 2 + len;
		if (!(dnsw_get16(m + 2) & DNSW_QR)) {
			if (active)
				pull_in_free(&x);
			assert_true(++n < max);
			memset(&out[n], 0, sizeof(out[n]));
			assert_int_equal(pull_in_replay(&x, &tc, &k1, m, len), 0);
			x.on_rec = on_rec;
			x.ud = &out[n];
			active = 1;
			continue;
		}
		if (!active)
			continue;
		isp_err_clear(&err);
		rc = pull_in_msg(&x, m, len, rpz_tsig_find(m, len, &t) == 1 ? t.time : 0, &err);
		if (rc == 0)
			continue;
		out[n].rc = rc;
		out[n].outcome = x.outcome;
		out[n].serial = x.serial;
		out[n].diffs = x.diffs;
		snprintf(out[n].err, sizeof(out[n].err), "%s", err.msg);
		pull_in_free(&x);
		active = 0;
	}
	if (active)
		pull_in_free(&x);
	return n + 1;
}

static size_t load(const char *name)
{
	size_t n = testdata_read("rpzpull", name, conv, sizeof(conv));

	if (n == 0)
		skip();
	return n;
}

/* Each conversation: its answers in order (rc, outcome, serial, a line or error text). */
static const struct vec {
	const char *file;
	int answers;
	struct {
		int rc;
		enum pull_outcome outcome;
		uint32_t serial;
		const char *has; /* in the lines (rc 1) or the error */
	} a[2];
} vecs[] = {
	{ "soa_axfr_k1.bin",
	  2,
	  { { 1, PULL_CURRENT, 1, "" },
	    { 1, PULL_ZONE, 1, "F *.bad.example.feed.test. IN CNAME .\n" } } },
	{ "soa_axfr_k1.bin",
	  2,
	  { { 1, PULL_CURRENT, 1, "" },
	    { 1, PULL_ZONE, 1, "F garden.example.feed.test. IN A 192.0.2.80\n" } } },
	{ "soa_axfr_k1.bin",
	  2,
	  { { 1, PULL_CURRENT, 1, "" },
	    { 1, PULL_ZONE, 1, "F ns1.evil.rpz-nsdname.feed.test. IN CNAME .\n" } } },
	{ "soa_current_k1.bin", 1, { { 1, PULL_CURRENT, 1, "" } } },
	{ "soa_ixfr_k1.bin",
	  2,
	  { { 1, PULL_CURRENT, 2, "" },
	    { 1, PULL_INCREMENTAL, 2,
	      "D gone.example.feed.test. IN CNAME .\nA new.example.feed.test. IN CNAME .\n" } } },
	{ "badsig.bin",
	  1,
	  { { ISR_ECORRUPT, PULL_MORE, 0, "refused our TSIG with key k1: BADSIG" } } },
	{ "refused.bin",
	  2,
	  { { 1, PULL_CURRENT, 2, "" },
	    { ISR_EIO, PULL_MORE, 0, "the server answered REFUSED" } } },
};

static void test_vectors(void **state)
{
	struct answer *got = calloc(2, sizeof(*got));
	size_t i;
	int j, n;

	(void)state;
	assert_non_null(got);
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];

		n = replay(conv, load(v->file), got, 2);
		if (n != v->answers)
			fail_msg("%s: %d answers, want %d", v->file, n, v->answers);
		for (j = 0; j < n; j++) {
			if (got[j].rc != v->a[j].rc)
				fail_msg("%s answer %d: rc %d (%s), want %d", v->file, j, got[j].rc,
					 got[j].err, v->a[j].rc);
			assert_int_equal(got[j].outcome, v->a[j].outcome);
			if (v->a[j].rc == 1)
				assert_int_equal(got[j].serial, v->a[j].serial);
			if (!strstr(v->a[j].rc == 1 ? got[j].lines : got[j].err, v->a[j].has))
				fail_msg("%s answer %d lacks '%s':\n%s%s", v->file, j, v->a[j].has,
					 got[j].lines, got[j].err);
		}
	}
	free(got);
}

/* The last message of an answer altered: its TSIG must fail. */
static void test_altered(void **state)
{
	struct answer *got = calloc(2, sizeof(*got));
	size_t n = load("soa_axfr_k1.bin"), last = 0, off = 0;

	(void)state;
	assert_non_null(got);
	while (off + 2 <= n) { /* the last framed message: the AXFR's answer */
		last = off;
		off += 2 + dnsw_get16(conv + off);
	}
	conv[last + 2 + 60] ^= 0x20; /* a byte of a record (a name's case is hashed too) */
	assert_int_equal(replay(conv, n, got, 2), 2);
	assert_int_equal(got[1].rc, ISR_ECORRUPT);
	assert_non_null(strstr(got[1].err, "does not verify with key k1"));
	n = load("soa_axfr_k1.bin");
	conv[last + 2 + dnsw_get16(conv + last) - 10] ^= 1; /* the MAC's last bytes */
	assert_int_equal(replay(conv, n, got, 2), 2);
	assert_int_equal(got[1].rc, ISR_ECORRUPT);
	free(got);
}

static void add(struct pull_lines *s, const char *const *l)
{
	for (; *l; l++)
		assert_int_equal(pull_lines_add(s, *l, strlen(*l)), 0);
}

/* A difference: deletions then additions; a deletion the zone lacks is ECORRUPT. */
static void test_apply(void **state)
{
	static const char *const zone[] = { "c", "a", "b", "a", NULL },
				 *const del[] = { "b", NULL },
				 *const ins[] = { "d", "b", "a", NULL },
				 *const bad[] = { "zz", NULL };
	struct pull_lines z = { 0 }, d = { 0 }, a = { 0 };
	const char *missing;

	(void)state;
	add(&z, zone);
	pull_lines_sort(&z);
	assert_int_equal(z.n, 3);
	add(&d, del);
	add(&a, ins);
	assert_int_equal(pull_lines_apply(&z, &d, &a, &missing), 0);
	assert_int_equal(z.n, 4);
	assert_string_equal(pull_line(&z, 0), "a");
	assert_string_equal(pull_line(&z, 1), "b");
	assert_string_equal(pull_line(&z, 3), "d");
	pull_lines_free(&d);
	pull_lines_free(&a);
	add(&d, bad);
	assert_int_equal(pull_lines_apply(&z, &d, &a, &missing), ISR_ECORRUPT);
	assert_string_equal(missing, "zz");
	assert_int_equal(z.n, 4);
	pull_lines_free(&z);
	pull_lines_free(&d);
	pull_lines_free(&a);
}

int main(void)
{
	static const char secret[] = "aXNwc2hpZWxkLXJwei10ZXN0LXNlY3JldC1rMS0zMmI=";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_altered),
		cmocka_unit_test(test_apply),
	};

	snprintf(k1.name, sizeof(k1.name), "k1");
	k1.wire_len = (size_t)dnsw_name_wire("k1", k1.wire, sizeof(k1.wire));
	if (rpz_key_secret(&k1, secret, strlen(secret)) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
