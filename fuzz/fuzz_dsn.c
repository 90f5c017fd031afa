/*
 * fuzz_dsn.c -- libFuzzer target for the delivery status notification parser
 * (sites/sites.h, sites_dsn_parse), which reads bounces of site notices.
 *
 * The input is a message's bytes. Every rejection must name the file and a line within
 * the input (0 for "not a DSN"); every address returned passes the e-mail check again (it
 * is looked up in the store and may become the next notice's recipient). Seeds:
 * fuzz/corpus/dsn/.
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
	struct fuzz_lines s = fuzz_lines_of(data, size, 0);
	int n;

	memset(&e, 0, sizeof(e));
	n = sites_dsn_parse((const char *)data, size, "fuzz", fuzz_lines_reject, &s, &e);
	if (n != e.n)
		abort();
	memset(&again, 0, sizeof(again));
	for (int i = 0; i < e.n; i++)
		if (sites_emails_add(&again, e.v[i], strlen(e.v[i])) != 1)
			abort();
	return 0;
}
