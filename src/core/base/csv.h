/*
 * csv.h -- split one CSV line into fields (RFC 4180, one line at a time).
 *
 * Records come from csv_next (the one CSV record reader every CSV input uses: lists,
 * sessions, events, subscribers, relay members): lines from the bounded line reader
 * (which drops the CR of CRLF), a UTF-8 byte-order mark dropped from line 1 (Excel's
 * "CSV UTF-8"), and a quoted field that runs over a line end (Excel writes a cell's line
 * breaks so) joined with the following lines into one record, bounded: at most
 * CSV_JOIN_MAX lines and the reader's max_record bytes. A quote that is still open at
 * that bound or at the end of the file is a mistake of that one line: csv_next returns
 * the line alone (csv_split then says "unterminated quote") and hands the lines it had
 * read ahead back, so that they are read again as records of their own. A line that
 * starts with '#' (after blanks: the comment lines every reader skips) is never joined.
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
#include <stdio.h>

#include "core/base/err.h"
#include "core/base/linereader.h"

#define CSV_JOIN_MAX 64 /* physical lines one record may span */

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

/* The CSV record reader over a line reader (not owned; read it only through this one
 * from the first record on). */
struct csv_reader;

/* A reader of lr's records of at most max_record bytes (the consumer's line limit, at
 * least lr's max_line). NULL when memory is short. */
struct csv_reader *csv_reader_new(struct lr *lr, size_t max_record);
void csv_reader_free(struct csv_reader *r); /* NULL is a no-op; lr is not freed */

/*
 * The next record into *out, as lr_next returns a line (text, len, lineno and offset of
 * its first line, too_long, has_nul; the text has '\n' where a quoted field ran over a
 * line end, and is valid until the next call). Returns 1, 0 at the end, or ISR_EIO.
 */
int csv_next(struct csv_reader *r, struct lr_line *out, struct isp_err *err);

/* Write s as one CSV field to f, the one CSV field writer: as it is, or in double quotes
 * (each '"' doubled) when it holds a comma, a quote, CR or LF. NULL writes nothing (an
 * empty field). */
void csv_write_field(FILE *f, const char *s);

#endif
