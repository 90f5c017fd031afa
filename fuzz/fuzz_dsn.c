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

#include "sites/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long lines;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	const struct seen *s = ud;

	if (!e->file || e->line < 0 || e->line > s->lines || e->msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sites_emails e, again;
	struct seen s = { 1 };
	int n;

	for (size_t i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	memset(&e, 0, sizeof(e));
	n = sites_dsn_parse((const char *)data, size, "fuzz", on_reject, &s, &e);
	if (n != e.n)
		abort();
	memset(&again, 0, sizeof(again));
	for (int i = 0; i < e.n; i++)
		if (sites_emails_add(&again, e.v[i], strlen(e.v[i])) != 1)
			abort();
	return 0;
}
