/*
 * fuzz_crawl.c -- libFuzzer target for what the crawler reads from hostile pages
 * (src/crawl/crawl.h): crawl_extract over the input as an HTML page (libgumbo plus the
 * inline-script patterns), crawl_parse_refresh over it as a Refresh header value, and
 * crawl_resolve of every link found against a base URL.
 *
 * Checks: at most max links come back (the table is sized exactly, so ASan catches a
 * write past it), each NUL-terminated, non-empty and shorter than CRAWL_MAX_URL, of a
 * known kind; the <base> is NUL-terminated within its buffer; a Refresh URL fits its
 * buffer and is non-empty; a resolved link fits its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl/crawl.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crawl_link *l = malloc(MAX * sizeof(*l));
	char base[256], out[64], abs[CRAWL_MAX_URL];
	int n, i;

	if (!l)
		return 0;
	n = crawl_extract((const char *)data, size, l, MAX, base, sizeof(base), NULL);
	CHECK(n >= 0 && n <= MAX);
	CHECK(memchr(base, '\0', sizeof(base)) != NULL);
	for (i = 0; i < n; i++) {
		size_t len = strnlen(l[i].url, CRAWL_MAX_URL);

		CHECK(len > 0 && len < CRAWL_MAX_URL);
		CHECK(l[i].kind > CRAWL_START && l[i].kind <= CRAWL_JS_RUN);
		if (crawl_resolve("http://fuzz.example/a/b?c", l[i].url, abs, sizeof(abs)) == 0)
			CHECK(strnlen(abs, sizeof(abs)) < sizeof(abs));
	}
	if (crawl_parse_refresh((const char *)data, size, out, sizeof(out)))
		CHECK(out[0] && strnlen(out, sizeof(out)) < sizeof(out));
	free(l);
	return 0;
}
