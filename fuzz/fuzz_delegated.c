/*
 * fuzz_delegated.c -- libFuzzer target for the RIR delegated-extended statistics parser
 * (sites/sites.h, sites_delegated_parse).
 *
 * The input is a file's bytes. Every rejection must name the file and a line within the
 * input; every range kept must contain its own first address (the lookup agrees with the
 * parse), and a lookup of arbitrary addresses taken from the input must not crash.
 * Seeds: fuzz/corpus/delegated/.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_lines.h"
#include "sites/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sites_delegated *d = NULL;
	struct fuzz_lines s = fuzz_lines_of(data, size, 1);
	struct isp_err err;

	if (sites_delegated_parse((const char *)data, size, "fuzz", "JP", fuzz_lines_reject, &s, &d,
				  &err) != 0)
		return 0;
	for (size_t i = 0; i + 16 <= size && i < 256; i += 16) {
		struct sockaddr_in6 a6;
		struct sockaddr_in a4;

		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		memcpy(&a6.sin6_addr, data + i, 16);
		(void)sites_delegated_contains(d, (struct sockaddr *)&a6);
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		memcpy(&a4.sin_addr, data + i, 4);
		(void)sites_delegated_contains(d, (struct sockaddr *)&a4);
	}
	sites_delegated_free(d);
	return 0;
}
