/*
 * fuzz_crawl_script.c -- libFuzzer target for the script tier's two readers of hostile
 * bytes (src/crawl/crawl.h): crawl_script_records over the input as the child's reports
 * (the child ran a hostile page's scripts: what it writes back is not trusted), and
 * crawl_extract's collection of inline scripts over the input as a page (the framing
 * the child reads). The engine itself is not run here: Debian's duktape has no
 * execution-time hook, so a looping input would hang the fuzzer; in the crawler the
 * child's CPU limit and the parent's deadline end it (integration.crawl runs one).
 *
 * Checks: at most max records come back, each of a kind the child may report, its URL
 * NUL-terminated, non-empty, shorter than CRAWL_MAX_URL and free of control bytes; the
 * scripts' framing is well formed (lengths add up to the total) and within
 * CRAWL_SCRIPT_INPUT.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "crawl/crawl.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crawl_link *l = malloc(MAX * sizeof(*l));
	struct strbuf sc;
	char base[256];
	size_t off;
	int n, i;

	if (!l)
		return 0;
	n = crawl_script_records((const char *)data, size, l, MAX);
	CHECK(n >= 0 && n <= MAX);
	for (i = 0; i < n; i++) {
		size_t len = strnlen(l[i].url, CRAWL_MAX_URL), j;

		CHECK(len > 0 && len < CRAWL_MAX_URL);
		CHECK(l[i].kind == CRAWL_JS_RUN || l[i].kind == CRAWL_FRAME ||
		      l[i].kind == CRAWL_SCRIPT || l[i].kind == CRAWL_EMBED ||
		      l[i].kind == CRAWL_FORM || l[i].kind == CRAWL_META_REFRESH);
		for (j = 0; j < len; j++)
			CHECK((unsigned char)l[i].url[j] >= 0x20 && l[i].url[j] != 0x7f);
	}
	memset(&sc, 0, sizeof(sc));
	n = crawl_extract((const char *)data, size, l, MAX, base, sizeof(base), &sc);
	CHECK(n >= 0 && n <= MAX);
	CHECK(sc.len <= CRAWL_SCRIPT_INPUT);
	for (off = 0; off < sc.len;) {
		uint32_t fl;

		CHECK(sc.len - off >= 4);
		memcpy(&fl, sc.p + off, 4);
		CHECK(fl > 0 && fl <= sc.len - off - 4);
		off += 4 + fl;
	}
	free(sc.p);
	free(l);
	return 0;
}
