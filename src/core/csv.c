/*
 * csv.c -- in-place RFC 4180 field splitter for one line. See csv.h.
 *
 * One pass with a read index r and a write index w <= r: quoted fields are unescaped
 * by copying down, and the NUL that ends a field is written at w, which is never past
 * the separator (or line[len]) that r has already consumed.
 */
#include "core/csv.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int csv_split(char *line, size_t len, struct csv_field *fields, size_t max, size_t *nfields,
	      struct isp_err *err)
{
	size_t r = 0;
	size_t w = 0;
	size_t n = 0;
	size_t fstart;
	size_t last;

	*nfields = 0;
	for (;;) {
		if (n >= max)
			return isp_err_set(err, ISR_ELIMIT, "more than %zu fields", max);
		while (r < len && is_blank(line[r]))
			r++;
		fstart = w;
		fields[n].quoted = 0;
		if (r < len && line[r] == '"') {
			fields[n].quoted = 1;
			r++;
			for (;;) {
				if (r >= len) {
					*nfields = n;
					return isp_err_set(err, ISR_EFORMAT,
							   "unterminated quote in field %zu",
							   n + 1);
				}
				if (line[r] == '"') {
					if (r + 1 < len && line[r + 1] == '"') {
						line[w++] = '"';
						r += 2;
						continue;
					}
					r++;
					break;
				}
				line[w++] = line[r++];
			}
			while (r < len && is_blank(line[r]))
				r++;
			if (r < len && line[r] != ',') {
				*nfields = n;
				return isp_err_set(
					err, ISR_EFORMAT,
					"unexpected character '%c' after the closing quote of "
					"field %zu",
					line[r] >= 0x20 && line[r] < 0x7f ? line[r] : '?', n + 1);
			}
		} else {
			last = w;
			while (r < len && line[r] != ',') {
				line[w] = line[r];
				if (!is_blank(line[r]))
					last = w + 1;
				w++;
				r++;
			}
			w = last;
		}
		fields[n].s = line + fstart;
		fields[n].len = w - fstart;
		line[w++] = '\0';
		n++;
		if (r >= len)
			break;
		r++; /* the ',' */
	}
	*nfields = n;
	return 0;
}
