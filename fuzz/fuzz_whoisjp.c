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

#include "fuzz_lines.h"
#include "sites/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sites_whoisjp w;
	struct sites_emails again;
	struct fuzz_lines s = fuzz_lines_of(data, size, 1);

	sites_whoisjp_parse((const char *)data, size, "fuzz", fuzz_lines_reject, &s, &w);
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
