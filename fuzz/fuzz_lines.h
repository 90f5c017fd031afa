/*
 * fuzz_lines.h -- for fuzz targets of line-oriented parsers that report rejections as
 * FILE:LINE: count the input's lines, and a reject callback that aborts unless a report
 * names a file, a line within the input (or min_line for whole-input reports) and a
 * reason. Header-only; each target includes it once.
 */
#ifndef ISP_FUZZ_LINES_H
#define ISP_FUZZ_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/base/err.h"

struct fuzz_lines {
	long lines;    /* lines of the input (a last line without '\n' counts) */
	long min_line; /* the lowest line a report may name (0: whole-input reports) */
};

static inline struct fuzz_lines fuzz_lines_of(const uint8_t *data, size_t size, long min_line)
{
	struct fuzz_lines l = { 1, min_line };

	for (size_t i = 0; i < size; i++)
		l.lines += data[i] == '\n';
	return l;
}

static inline void fuzz_lines_reject(void *ud, const struct isp_err *e)
{
	const struct fuzz_lines *l = ud;

	if (!e->file || e->line < l->min_line || e->line > l->lines || e->msg[0] == '\0')
		abort();
}

#endif
