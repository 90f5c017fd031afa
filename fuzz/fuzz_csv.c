/*
 * fuzz_csv.c -- libFuzzer target for the CSV record reader and splitter (core/base/csv.h).
 *
 * The first input byte picks the record size (16..271 bytes, so that the join limits
 * and the hand-back of lines after an unterminated quote are reached often); the rest is
 * read through fmemopen. Checks what the readers rely on: every record is NUL-terminated
 * at len, within the size, line numbers never go backwards and every physical line is
 * returned at most once (a record's first line number is above the previous record's).
 * Seeds: fuzz/corpus/csv/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_field fields[32];
	struct csv_reader *r;
	struct lr_line ln;
	struct lr *lr;
	size_t max, nf;
	long last = 0;
	FILE *f;

	if (size < 1)
		return 0;
	max = 16 + (size_t)data[0];
	f = fmemopen((void *)(data + 1), size - 1, "r");
	if (!f)
		return 0;
	lr = lr_new(f, max);
	r = lr ? csv_reader_new(lr, max) : NULL;
	while (r && csv_next(r, &ln, NULL) > 0) {
		if (ln.lineno <= last || ln.len > max || ln.text[ln.len] != '\0')
			abort();
		last = ln.lineno;
		if (!ln.too_long)
			csv_split(ln.text, ln.len, fields, 32, &nf, NULL);
	}
	csv_reader_free(r);
	lr_free(lr);
	fclose(f);
	return 0;
}
