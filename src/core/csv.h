/*
 * csv.h -- split one CSV line into fields (RFC 4180, one line at a time).
 *
 * The list readers get lines from the bounded line reader, so a record is one line: a
 * quoted field that would continue on the next line is rejected ("unterminated quote")
 * rather than buffered, which keeps memory bounded and errors local to one line.
 *
 * Splitting is done in place: the line buffer is rewritten so that every field is a
 * NUL-terminated string with its quotes removed and "" turned into ". Nothing is
 * allocated; the caller supplies the field array and its size.
 *
 * Rules: fields are separated by ','; a field that starts with '"' (after optional
 * spaces/tabs) is quoted and runs to the matching '"', with "" standing for one '"';
 * only spaces/tabs may follow the closing quote before the next ','; unquoted fields are
 * trimmed of spaces and tabs on both sides and taken literally (a '"' inside an unquoted
 * field is kept, as most real exports expect). An empty line is one empty field.
 */
#ifndef ISP_CORE_CSV_H
#define ISP_CORE_CSV_H

#include <stddef.h>

#include "core/err.h"

struct csv_field {
	char *s;    /* NUL-terminated field text, points into the line */
	size_t len; /* bytes in s (a quoted field may contain NUL bytes from the input) */
	int quoted; /* 1 when the field was quoted */
};

/*
 * Split line[0..len) into at most max fields, stored in fields[0..*nfields). line must
 * have a writable byte at line[len] (a NUL-terminated buffer does). The line is modified
 * in place; the fields point into it.
 * Returns 0; ISR_EFORMAT for an unterminated quote or a character after a closing quote;
 * ISR_ELIMIT when the line has more than max fields. err->msg says which field (1-based)
 * and why; *nfields is then the number of fields split before the error.
 */
int csv_split(char *line, size_t len, struct csv_field *fields, size_t max, size_t *nfields,
	      struct isp_err *err);

#endif
