/*
 * test_urlcheck.c -- unit tests of issue 23's pieces that are not the HTTP server:
 *   - the shared vectors (tests/data/urlcheck/vectors.json, also read by the extension's
 *     tests): url_canonicalise and url_expressions against each;
 *   - Rice-Golomb coding round trips (empty, one value, equal values, random sorted lists,
 *     the extremes 0 and 2^32-1) and refusal of truncated data;
 *   - uc_diff: removals as indexes into the old list, additions as values;
 *   - the request parsers: good and bad `prefixes=` and `since=` values with the offset of
 *     what is refused.
 * The service itself (tables from a snapshot, JSON answers, CORS) is tested end to end in
 * tests/integration/urlcheck.sh against Chromium and curl.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/url.h"
#include "urlcheck/urlcheck.h"

static json_t *vectors(void)
{
	const char *dir = getenv("ISP_TESTDATA");
	char path[1024];
	json_error_t je;
	json_t *v;

	snprintf(path, sizeof(path), "%s/urlcheck/vectors.json", dir ? dir : "tests/data");
	v = json_load_file(path, 0, &je);
	if (!v)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	return v;
}

static void test_canonical(void **state)
{
	json_t *v = vectors(), *c = json_object_get(v, "canonical"), *row;
	char out[URL_MAX + 1];
	size_t i;

	(void)state;
	assert_true(json_array_size(c) > 30);
	json_array_foreach(c, i, row)
	{
		const char *in = json_string_value(json_array_get(row, 0));
		const char *want = json_string_value(json_array_get(row, 1));
		struct isp_err e;
		int n;

		isp_err_clear(&e);
		n = url_canonicalise(in, strlen(in), out, sizeof(out), &e);
		if (n < 0 || strcmp(out, want) != 0)
			fail_msg("vector %zu: \"%s\" -> \"%s\" (%s), want \"%s\"", i, in, out,
				 e.msg, want);
	}
	json_decref(v);
}

struct collect {
	char got[URL_EXPR_MAX][512];
	int n;
};

static int collect(void *ud, const char *expr, size_t len, size_t hostlen)
{
	struct collect *c = ud;

	assert_true(hostlen < len);
	assert_int_equal(expr[hostlen], '/');
	assert_true(c->n < URL_EXPR_MAX);
	snprintf(c->got[c->n++], sizeof(c->got[0]), "%s", expr);
	return 0;
}

static void test_expressions(void **state)
{
	json_t *v = vectors(), *x = json_object_get(v, "expressions"), *row;
	size_t i, k;

	(void)state;
	assert_true(json_array_size(x) >= 5);
	json_array_foreach(x, i, row)
	{
		const char *url = json_string_value(json_array_get(row, 0));
		json_t *want = json_array_get(row, 1);
		struct collect c;
		int n;

		memset(&c, 0, sizeof(c));
		n = url_expressions(url, strlen(url), collect, &c);
		if (n != (int)json_array_size(want))
			fail_msg("%s: %d expressions, want %zu", url, n, json_array_size(want));
		for (k = 0; k < json_array_size(want); k++)
			if (strcmp(c.got[k], json_string_value(json_array_get(want, k))) != 0)
				fail_msg("%s: expression %zu is \"%s\", want \"%s\"", url, k,
					 c.got[k], json_string_value(json_array_get(want, k)));
	}
	json_decref(v);
	/* not canonical-looking */
	assert_int_equal(url_expressions("nohost", 6, collect, NULL), ISR_EINVAL);
	assert_int_equal(url_expressions("http://x", 8, collect, NULL), ISR_EINVAL);
	assert_int_equal(url_expressions("http:///", 8, collect, NULL), ISR_EINVAL);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void roundtrip(const uint32_t *v, size_t n)
{
	uint32_t *back = malloc((n + 1) * sizeof(uint32_t));
	struct uc_rice r;
	size_t got;

	assert_non_null(back);
	assert_int_equal(uc_rice_encode(v, n, &r), 0);
	assert_int_equal(uc_rice_decode(&r, back, n, &got), 0);
	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(back, v, n * sizeof(uint32_t));
	if (n > 1 && r.len > 0) { /* one byte short must be refused, never over-read */
		r.len--;
		assert_int_equal(uc_rice_decode(&r, back, n, &got), ISR_EFORMAT);
		r.len++;
	}
	if (n > 1) /* room for fewer values than it holds */
		assert_int_equal(uc_rice_decode(&r, back, n - 1, &got), ISR_EFORMAT);
	uc_rice_free(&r);
	free(back);
}

static void test_rice(void **state)
{
	static const uint32_t one[] = { 7 }, same[] = { 5, 5, 5 },
			      ends[] = { 0, 1, 0x7fffffff, 0xfffffffe, 0xffffffff };
	size_t sizes[] = { 2, 10, 1000, 100000 }, s, i;

	(void)state;
	roundtrip(NULL, 0);
	roundtrip(one, 1);
	roundtrip(same, 3);
	roundtrip(ends, 5);
	srand(23);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t *v = malloc(sizes[s] * sizeof(uint32_t));
		struct uc_rice r;

		for (i = 0; i < sizes[s]; i++)
			v[i] = (uint32_t)rand() << 16 ^ (uint32_t)rand();
		qsort(v, sizes[s], sizeof(uint32_t), cmp_u32);
		roundtrip(v, sizes[s]);
		if (sizes[s] == 100000) { /* ~k + 2 bits a value: under 2.5 bytes */
			assert_int_equal(uc_rice_encode(v, sizes[s], &r), 0);
			assert_true(r.len < sizes[s] * 5 / 2);
			uc_rice_free(&r);
		}
		free(v);
	}
}

static void test_diff(void **state)
{
	static const uint32_t old[] = { 1, 3, 5, 7, 9 }, nw[] = { 0, 3, 4, 7, 10 };
	uint32_t *add, *rem;
	size_t na, nr;

	(void)state;
	assert_int_equal(uc_diff(old, 5, nw, 5, &add, &na, &rem, &nr), 0);
	assert_int_equal(na, 3);
	assert_int_equal(add[0], 0);
	assert_int_equal(add[1], 4);
	assert_int_equal(add[2], 10);
	assert_int_equal(nr, 3); /* indexes of 1, 5, 9 */
	assert_int_equal(rem[0], 0);
	assert_int_equal(rem[1], 2);
	assert_int_equal(rem[2], 4);
	free(add);
	free(rem);
	assert_int_equal(uc_diff(old, 5, old, 5, &add, &na, &rem, &nr), 0);
	assert_int_equal(na + nr, 0);
	free(add);
	free(rem);
	assert_int_equal(uc_diff(NULL, 0, nw, 5, &add, &na, &rem, &nr), 0);
	assert_int_equal(na, 5);
	free(add);
	free(rem);
}

static void test_parse(void **state)
{
	static const struct {
		const char *in;
		int rc;
		long long offset; /* of the refusal */
		size_t n;
	} pv[] = {
		{ "0a1b2c3d", 0, 0, 1 },
		{ "0A1B2C3D,ffffffff,00000000", 0, 0, 3 },
		{ "", ISR_EINVAL, 0, 0 },
		{ "0a1b2c3", ISR_EINVAL, 7, 0 },
		{ "0a1b2c3g", ISR_EINVAL, 7, 0 },
		{ "0a1b2c3d,", ISR_EINVAL, 9, 0 },
		{ "0a1b2c3d;00000000", ISR_EINVAL, 8, 0 },
		{ "0a1b2c3d0", ISR_EINVAL, 8, 0 },
		{ ",0a1b2c3d", ISR_EINVAL, 0, 0 },
		{ "http://evil.example/", ISR_EINVAL, 0, 0 },
	};
	uint32_t out[UC_PREFIXES_MAX];
	char big[UC_QUERY_MAX + 16];
	struct isp_err e;
	uint64_t v;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(pv) / sizeof(pv[0]); i++) {
		isp_err_clear(&e);
		assert_int_equal(uc_parse_prefixes(pv[i].in, strlen(pv[i].in), out, &n, &e),
				 pv[i].rc);
		if (pv[i].rc)
			assert_int_equal(e.offset, pv[i].offset);
		else
			assert_int_equal(n, pv[i].n);
	}
	isp_err_clear(&e);
	assert_int_equal(uc_parse_prefixes("0a1b2c3d,ffffffff", 17, out, &n, &e), 0);
	assert_int_equal(out[0], 0x0a1b2c3d);
	assert_int_equal(out[1], 0xffffffff);
	/* 64 prefixes: fine; 65: too many */
	for (i = 0; i < 65; i++)
		memcpy(big + 9 * i, "00000000,", 9);
	assert_int_equal(uc_parse_prefixes(big, 64 * 9 - 1, out, &n, &e), 0);
	assert_int_equal(n, UC_PREFIXES_MAX);
	assert_int_equal(uc_parse_prefixes(big, 65 * 9 - 1, out, &n, &e), ISR_ELIMIT);

	assert_int_equal(uc_parse_version("1", 1, &v, &e), 0);
	assert_int_equal(v, 1);
	assert_int_equal(uc_parse_version("18446744073709551615", 20, &v, &e), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(uc_parse_version("18446744073709551616", 20, &v, &e), ISR_EINVAL);
	assert_int_equal(uc_parse_version("0", 1, &v, &e), ISR_EINVAL);
	assert_int_equal(uc_parse_version("12a", 3, &v, &e), ISR_EINVAL);
	assert_int_equal(e.offset, 2);
	assert_int_equal(uc_parse_version("", 0, &v, &e), ISR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical), cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_rice),	  cmocka_unit_test(test_diff),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
