/*
 * fuzz_listvalue.c -- libFuzzer target for the value normalisers: domain names
 * (domain.c, including the libidn2 path), IP prefixes (ip.c) and the shared
 * list_value_normalise (listvalue.c). The first byte picks the kind. Checks that a
 * normalised value normalises to itself (idempotence) -- import and lookup rely on it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/lists/listvalue.h"
#include "core/net/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[URL_MAX + 2], out[URL_MAX + 1], again[URL_MAX + 1];
	enum list_kind kind;
	int n, m;

	if (size < 1 || size > URL_MAX + 1)
		return 0;
	kind = (enum list_kind)(1 + data[0] % 3);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	list_value_guess_kind(in);
	n = list_value_normalise(kind, in, out, sizeof(out), NULL, NULL);
	if (n < 0)
		return 0;
	if ((size_t)n != strlen(out))
		abort();
	m = list_value_normalise(kind, out, again, sizeof(again), NULL, NULL);
	if (m != n || strcmp(out, again) != 0)
		abort();
	return 0;
}
