/*
 * testdata.h -- read a file of tests/data into a buffer, for the unit tests that replay
 * captured packets (test_dnswire: tests/data/dns, test_rpz: tests/data/rpz). Header-only;
 * include it after cmocka.h. The folder is $ISP_TESTDATA (ctest sets it), else
 * tests/data or ../tests/data from where the test runs. Also testdata_unhex, for the
 * vector tables written in hex.
 */
#ifndef ISP_TESTDATA_H
#define ISP_TESTDATA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Read tests/data/SUB/NAME into buf[0..size). Returns the bytes read; a file that is not
 * there fails the test when ISP_TESTDATA is set, else returns 0 (the caller skips). */
static inline size_t testdata_read(const char *sub, const char *name, uint8_t *buf, size_t size)
{
	char path[1024];
	const char *dir = getenv("ISP_TESTDATA");
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", dir ? dir : "tests/data", sub, name);
	f = fopen(path, "rb");
	if (!f && !dir) {
		snprintf(path, sizeof(path), "../tests/data/%s/%s", sub, name);
		f = fopen(path, "rb");
	}
	if (!f && dir)
		fail_msg("%s: not found", path);
	if (!f) {
		print_message("skipping %s: not found (set ISP_TESTDATA)\n", name);
		return 0;
	}
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

/* Hex text (spaces and newlines between bytes allowed) into out[0..max): the bytes
 * written; a character that is not hex fails the test. */
static inline size_t testdata_unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (h[0] && n < max) {
		unsigned v;

		if (*h == ' ' || *h == '\n') {
			h++;
			continue;
		}
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

#endif
