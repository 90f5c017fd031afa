/*
 * fuzz_whoisjp.c -- libFuzzer target for the JPRS WHOIS answer parser (sites/sites.h,
 * sites_whoisjp_parse).
 *
 * The input is an answer's bytes. Every rejection must name the file and a line within
 * the input; addresses kept pass the e-mail check again; handles are non-empty,
 * [A-Za-z0-9-] only (they become the next query: no CR or LF may reach the server), at
 * most SITES_MAX_HANDLES. Seeds: fuzz/corpus/whoisjp/.
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

	if (!e->file || e->line < 1 || e->line > s->lines || e->msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sites_whoisjp w;
	struct sites_emails again;
	struct seen s = { 1 };

	for (size_t i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	sites_whoisjp_parse((const char *)data, size, "fuzz", on_reject, &s, &w);
	if (w.nhandles < 0 || w.nhandles > SITES_MAX_HANDLES)
		abort();
	for (int i = 0; i < w.nhandles; i++) {
		size_t n = strlen(w.handles[i]);

		if (n == 0 ||
		    strspn(w.handles[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
					 "yz0123456789-") != n)
			abort();
	}
	memset(&again, 0, sizeof(again));
	for (int i = 0; i < w.emails.n; i++)
		if (sites_emails_add(&again, w.emails.v[i], strlen(w.emails.v[i])) != 1)
			abort();
	return 0;
}
