/*
 * fuzz_check.h -- CHECK(c): the fuzz targets' invariant check. A failed one names the
 * condition and the line on stderr and aborts, which libFuzzer reports as a crash with
 * the input that caused it. Header-only.
 */
#ifndef ISP_FUZZ_CHECK_H
#define ISP_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
