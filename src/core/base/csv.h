/*
 * csv.h -- split one CSV line into fields (RFC 4180, one line at a time), and map a
 * header row to the columns a reader knows.
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

/*
 * The one column mapper: every CSV reader whose header names its columns (lists CSV,
 * URLhaus, Feodo, RADIUS and Kea CSVs, partner events, subscribers, relay members)
 * describes the columns it knows as a table and maps a header row with it.
 *
 * Each column has its names in order of preference (aliases; NULL-ended). A header
 * field matches a name case-insensitively (str_eq_nocase); with CSV_MAP_LOOSE, blanks
 * around it and every '-' and '_' are ignored too, so "Acct-Status-Type" and
 * "acct_status_type" both match "acctstatustype" (the names are then written that way:
 * lower case, no '-' or '_'). A column's index is that of the leftmost field matching
 * its most preferred name present; -1 when none is.
 */
#define CSV_MAP_LOOSE 1u

struct csv_col {
	const char *const *names; /* NULL-ended, most preferred first */
	int required;		  /* 1: a header without it is not a header */
};
/* Field i of f[0..nf) with its leading and trailing blanks (space, tab) cut, NUL-terminated
 * in place; NULL when i is outside 0..nf-1 or the field is empty. */
char *csv_field_at(const struct csv_field *f, size_t nf, int i);

/* A csv_col written in its table: CSV_COL(required, "name", "alias", ...). */
#define CSV_COL(req, ...)                                                                          \
	{                                                                                          \
		(const char *const[]){ __VA_ARGS__, NULL }, (req)                                  \
	}

/* What a header row held besides the mapped columns. */
struct csv_colmap {
	int missing;	/* first required column (index into cols) absent, -1 = none */
	int dup;	/* first column named by two fields (index into cols), -1 = none */
	int dup_field;	/* 0-based field naming it that is not the one mapped, -1 = none */
	size_t unknown; /* fields naming no column */
	size_t mapped;	/* columns found */
};

/*
 * Map the header f[0..nf) with cols[0..ncols): idx[c] gets column c's field index or -1.
 * info (may be NULL) says what was missing, repeated and unknown. Returns 0, or
 * ISR_EFORMAT when a required column is missing. Neither f nor cols are kept.
 */
int csv_map_header(const struct csv_col *cols, size_t ncols, const struct csv_field *f, size_t nf,
		   unsigned flags, int *idx, struct csv_colmap *info);

/* 1 when field f matches one of names (NULL-ended), with the rules above. */
int csv_name_is(const struct csv_field *f, const char *const *names, unsigned flags);

/*
 * The mapper's findings as FILE:LINE: reason in err (code ISR_EFORMAT): a missing
 * required column ("no 'value', 'domain' or 'host' column"), else a repeated one
 * ("column 'value' named twice (field 3 again)"), else unknown fields ("3 unknown
 * columns"). Returns 0 (err untouched) when info holds none of these.
 */
int csv_map_report(const struct csv_col *cols, const struct csv_colmap *info, const char *file,
		   long line, long offset, struct isp_err *err);

#endif
