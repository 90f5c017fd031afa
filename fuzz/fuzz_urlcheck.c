/*
 * fuzz_urlcheck.c -- libFuzzer target for what `ispshield urlcheck` reads from a request
 * and sends back (src/urlcheck/codec.c), and the expressions of core/net/url.
 *
 * The first byte chooses:
 *   0  uc_parse_prefixes (the `prefixes=` value): on success 1..UC_PREFIXES_MAX values and
 *      the input is exactly those values as 8 hex digits, comma-separated; on failure a
 *      message and an offset inside the input;
 *   1  uc_parse_version (`since=`): on success the decimal text of the value is the input
 *      less leading zeros;
 *   2  Rice decoding of hostile data (first value, k and a count from the input) never
 *      reads past it, and what decodes encodes back to the same values when sorted;
 *   3  url_expressions of a canonicalised URL: 1..URL_EXPR_MAX expressions, the first the
 *      URL's own, each "host/path" with the host its prefix.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/url.h"
#include "urlcheck/urlcheck.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void prefixes(const char *s, size_t n)
{
	uint32_t out[UC_PREFIXES_MAX];
	char back[UC_QUERY_MAX + 16];
	struct isp_err e;
	size_t k, i, len = 0;

	isp_err_clear(&e);
	if (uc_parse_prefixes(s, n, out, &k, &e) != 0) {
		CHECK(e.msg[0] != '\0' && e.offset >= 0 && (size_t)e.offset <= UC_QUERY_MAX);
		return;
	}
	CHECK(k >= 1 && k <= UC_PREFIXES_MAX);
	for (i = 0; i < k; i++)
		len += (size_t)snprintf(back + len, sizeof(back) - len, "%s%08" PRIx32,
					i ? "," : "", out[i]);
	CHECK(len == n);
	for (i = 0; i < n; i++)
		CHECK(back[i] == (s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]));
}

static void version(const char *s, size_t n)
{
	struct isp_err e;
	char back[32];
	uint64_t v;
	size_t z = 0;

	isp_err_clear(&e);
	if (uc_parse_version(s, n, &v, &e) != 0) {
		CHECK(e.msg[0] != '\0');
		return;
	}
	while (z < n && s[z] == '0')
		z++;
	snprintf(back, sizeof(back), "%" PRIu64, v);
	CHECK(v > 0 && strlen(back) == n - z && memcmp(back, s + z, n - z) == 0);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void rice(const uint8_t *d, size_t n)
{
	static uint32_t out[4096], again[4096];
	struct uc_rice r, r2;
	size_t got, got2, i;

	if (n < 7)
		return;
	memset(&r, 0, sizeof(r));
	r.first = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	r.k = d[4] % 40; /* past 31 must be refused */
	r.n = (size_t)d[5] << 4 | d[6] >> 4;
	r.len = n - 7;
	r.data = r.len ? malloc(r.len) : NULL; /* exact size: ASan sees an over-read */
	if (r.len)
		memcpy(r.data, d + 7, r.len);
	if (uc_rice_decode(&r, out, sizeof(out) / sizeof(out[0]), &got) == 0 && got > 0) {
		for (i = 1; i < got; i++)
			CHECK(out[i] >= out[i - 1]);
		qsort(out, got, sizeof(out[0]), cmp_u32);
		CHECK(uc_rice_encode(out, got, &r2) == 0);
		CHECK(uc_rice_decode(&r2, again, got, &got2) == 0 && got2 == got);
		CHECK(memcmp(out, again, got * sizeof(out[0])) == 0);
		uc_rice_free(&r2);
	}
	free(r.data);
}

struct walk {
	const char *url;
	size_t n;
	int count;
};

static int on_expr(void *ud, const char *expr, size_t len, size_t hostlen)
{
	struct walk *w = ud;

	CHECK(strlen(expr) == len && hostlen > 0 && hostlen < len && expr[hostlen] == '/');
	CHECK(len <= w->n);
	w->count++;
	return 0;
}

static void expressions(const char *s, size_t n)
{
	static char canon[URL_MAX + 1];
	struct walk w;
	struct isp_err e;
	int k;

	isp_err_clear(&e);
	k = url_canonicalise(s, n, canon, sizeof(canon), &e);
	if (k < 0)
		return;
	w.url = canon;
	w.n = (size_t)k;
	w.count = 0;
	k = url_expressions(canon, (size_t)k, on_expr, &w);
	CHECK(k >= 1 && k <= URL_EXPR_MAX && k == w.count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: prefixes((const char *)data + 1, size - 1); break;
	case 1: version((const char *)data + 1, size - 1); break;
	case 2: rice(data + 1, size - 1); break;
	default: expressions((const char *)data + 1, size - 1); break;
	}
	return 0;
}
