/*
 * fuzz_sectxt.c -- libFuzzer target for the security.txt parser (sites/sites.h,
 * sites_sectxt_parse).
 *
 * The input is a file's bytes. Every rejection must name the file and a line within the
 * input; every address kept must pass the e-mail check again (it goes into a To:
 * header: no CR, LF, blank or bracket) and the count returned must be the list's.
 * Seeds: fuzz/corpus/sectxt/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_lines.h"
#include "sites/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sites_emails e, again;
	struct fuzz_lines s = fuzz_lines_of(data, size, 1);
	int64_t expires;
	int n;

	memset(&e, 0, sizeof(e));
	n = sites_sectxt_parse((const char *)data, size, "fuzz", fuzz_lines_reject, &s, &e,
			       &expires);
	if (n != e.n || n < 0 || n > SITES_MAX_EMAILS)
		abort();
	memset(&again, 0, sizeof(again));
	for (int i = 0; i < e.n; i++)
		if (strpbrk(e.v[i], " \r\n\t<>\"") ||
		    sites_emails_add(&again, e.v[i], strlen(e.v[i])) != 1)
			abort();
	return 0;
}
