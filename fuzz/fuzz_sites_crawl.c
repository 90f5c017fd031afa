/*
 * fuzz_sites_crawl.c -- libFuzzer target for the crawl evidence reader of `sites`
 * (sites/sites.h: sites_crawl_add, sites_crawl_index, sites_crawl_get; sites_int.h:
 * sites_crawl_render).
 *
 * The input is a chains.jsonl's bytes (no run folder: no HAR file is opened). Every
 * rejection must name the file and a line within the input; every record kept must be
 * found again by its URL after indexing, and render (in both forms) without failing: it
 * is JSON this reader wrote. Seeds: fuzz/corpus/sites_crawl/ (crawl output of the tests).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "fuzz_lines.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_lines s = fuzz_lines_of(data, size, 1);
	struct sites_crawl *c = sites_crawl_new();
	struct isp_err err;
	struct strbuf b = { 0 };

	if (!c)
		return 0;
	if (sites_crawl_add(c, (const char *)data, size, "fuzz", NULL, fuzz_lines_reject, &s,
			    &err) == 0) {
		sites_crawl_index(c);
		/* a URL that no input can hold: never found */
		if (sites_crawl_get(c, "\x01") || sites_crawl_count(c) > (size_t)s.lines * 64)
			abort();
		for (size_t i = 0; i < sites_crawl_count(c); i++) {
			const char *u = sites_crawl_url(c, i), *ev = sites_crawl_get(c, u);

			if (!ev || (i && strcmp(sites_crawl_url(c, i - 1), u) >= 0) ||
			    sites_crawl_render(&b, ev, 1) != 0 ||
			    sites_crawl_render(&b, ev, 0) != 0)
				abort();
			b.len = 0;
		}
	}
	free(b.p);
	sites_crawl_free(c);
	return 0;
}
