/*
 * fuzz_crawl_visits.c -- libFuzzer target for the crawl's visit log line reader
 * (src/crawl/visits.c, crawl_visit_parse): each line of the input (a log some other run,
 * or a person, wrote) is read as a visit.
 *
 * Checks: an accepted line gives five fields that lie within the line, a URL and an exit
 * that are not empty, no field holding a tab, a time that is not negative; a rejected
 * line says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawl/crawl_int.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *p, const char *line, size_t n)
{
	return p >= line && p <= line + n && !memchr(p, '\t', strlen(p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;

	while (at <= size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - data) - at : size - at;
		char *line = malloc(n + 1);
		struct crawl_visit v;
		const char *why = NULL;

		if (!line)
			return 0;
		memcpy(line, data + at, n);
		line[n] = '\0';
		if (crawl_visit_parse(line, n, &v, &why) == 0) {
			CHECK(inside(v.exit, line, n) && inside(v.profile, line, n));
			CHECK(inside(v.run, line, n) && inside(v.url, line, n));
			CHECK(v.exit[0] && v.url[0] && v.when >= 0);
		} else {
			CHECK(why && why[0]);
		}
		free(line);
		at += n + 1;
	}
	return 0;
}
