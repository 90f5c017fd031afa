/*
 * fuzz_prefixset.c -- libFuzzer target for the DNS service's prefix lists (prefixset.c):
 * the input is used both as an opt-out file and as a comma-separated list. Whatever it
 * holds, loading either fails with a message or gives a set that answers lookups.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/net/prefixset.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t probe[16] = { 192, 0, 2, 5 };
	struct prefixset *s = NULL;
	char path[64], *text;
	int fd = fuzz_file(data, size, path);

	if (fd >= 0) {
		if (prefixset_load(path, &s, NULL) == 0) {
			prefixset_contains(s, 4, probe);
			prefixset_contains(s, 6, probe);
			prefixset_free(s);
		}
		close(fd);
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (prefixset_parse(text, &s, NULL) == 0) {
		prefixset_contains(s, 4, probe);
		prefixset_free(s);
	}
	free(text);
	return 0;
}
