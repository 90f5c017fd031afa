/*
 * sessfmt_int.h -- internals shared by the session log readers (sessfmt*.c); not a public
 * API.
 *
 * sessfmt.c owns sessfmt_read: it builds one struct sf_ctx (line reader, callbacks,
 * stats, fixed working buffers), sniffs the format when asked, and calls one reader:
 * sf_read_detail / sf_read_radcsv (sessfmt_radius.c), sf_read_dhcpd / sf_read_kea
 * (sessfmt_lease.c). It also holds what the readers share: text and time parsing,
 * rejecting and emitting records, and the CSV column mapping.
 *
 * Memory: everything a reader keeps across lines lives in the SF_NSLOT buffers of
 * SF_SLOT bytes each (c->slot), allocated once per sessfmt_read; nothing grows with the
 * input.
 */
#ifndef ISP_CORE_SESSFMT_INT_H
#define ISP_CORE_SESSFMT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/csv.h"
#include "core/base/linereader.h"
#include "core/sessions/sessfmt.h"
#include "core/base/strbuf.h"

#define SF_SLOT	      ((size_t)3 * SESSFMT_LINE_MAX + 16) /* a line as "aa:bb:.." hex */
#define SF_NSLOT      5
#define SF_WHY_MAX    240
#define SF_CSV_FIELDS 128
#define SF_TIME_MAX   253402300799LL /* 9999-12-31 23:59:59 */

struct sf_ctx {
	struct lr *lr;
	struct csv_reader *csv; /* set while a CSV format reads (sf_with_csv); else NULL */
	const struct sessfmt_opts *opts;
	const char *file;	     /* name for messages, "<stdin>" for "-", may be NULL */
	sessfmt_record_fn on_record; /* may be NULL */
	sessfmt_reject_fn on_reject; /* may be NULL */
	void *ud;
	struct sessfmt_stats *st; /* never NULL */
	struct isp_err *err;	  /* caller's, may be NULL */
	char *slot[SF_NSLOT];	  /* SF_SLOT bytes each, for values a record keeps */
};

/* What a RADIUS record says about time; see sessfmt_opts.max_skew. */
struct sf_times {
	int has_event;
	int64_t event; /* Event-Timestamp */
	int has_recv;
	int64_t recv; /* Timestamp (or the date line) */
	int64_t delay;
};

/* ---- text ---- */

int sf_is_blank(char ch); /* ' ' or '\t' */
/* ASCII case-insensitive: s[0..n) equals the NUL-terminated w. */
/* Trim blanks on both sides of s[0..*n); returns the new start (nothing is written). */
const char *sf_trim(const char *s, size_t *n);
/* The byte a backslash escape in a quoted string stands for: s[*i] (*i < n) follows the
 * backslash; \o, \oo, \ooo (octal), \n, \r, \t, with hex also \xHH; any other character
 * stands for itself. Moves *i past the escape. */
int sf_unescape(const char *s, size_t n, size_t *i, int hex);
/* Unsigned decimal s[0..n) (1..15 digits, nothing else) no larger than max: 0 or -1. */
int sf_parse_uint(const char *s, size_t n, int64_t max, int64_t *out);

/* ---- times (all UTC; 0 or -1) ---- */

/* Unix seconds of y-mo-d h:mi:s; -1 for an impossible date or one before 1970. */
int sf_civil(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t *out);
/* "HH:MM:SS", one or two digits each. */
int sf_parse_hms(const char *s, size_t n, int64_t *h, int64_t *mi, int64_t *sec);
/* The detail date line "Sun Nov 22 10:41:24 2026" (ctime form), in core.timezone. */
int sf_parse_date_line(const char *s, size_t n, int64_t *out);
/* FreeRADIUS's "Nov 22 2026 10:41:24 UTC" (UTC, GMT or +HHMM zone), or unix seconds. */
int sf_parse_radius_time(const char *s, size_t n, int64_t *out);
/* time_parse's forms, a PostgreSQL "+HH" zone, or the FreeRADIUS form. */
int sf_parse_any_time(const char *s, size_t n, int64_t *out);

/* ---- RADIUS ---- */

/* Acct-Status-Type -> SESS_START/INTERIM/STOP, 0 for a type that is not a session event. */
int sf_status_op(const char *s, size_t n);
/*
 * The record's time: Event-Timestamp unless opts->max_skew > 0 and it is more than that
 * off the receive time (then the receive time, counting stats.skewed). 0 or -1 (none).
 */
int sf_choose_time(struct sf_ctx *c, const struct sf_times *t, int64_t *out);
/* The normalised column names that make a CSV line a RADIUS CSV header; NULL-ended. */
extern const char *const sf_radcsv_columns[];

/* ---- records ---- */

/* Why a record being read is refused: the first reason given is kept (later ones
 * usually follow from it). */
struct sf_why {
	int bad;	       /* a reason was given */
	char text[SF_WHY_MAX]; /* it */
};
/* Give w the reason (printf-style) unless it has one already. */
void sf_bad(struct sf_why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report a record (first line `line`, offset off) as rejected; counts it. */
void sf_reject(struct sf_ctx *c, long line, long long off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Pass r to the record callback (NULL strings made ""); counts it; the callback's value. */
int sf_emit(struct sf_ctx *c, struct sess_record *r);
/* Clear r for a record starting on `line`: no addresses, duration -1, strings "". */
void sf_rec_init(struct sess_record *r, long line);
/*
 * Add s[0..n) as an address of the given family (4: a /32 only; 6: any IPv6 prefix;
 * 0: either). 0, or -1 with why[wsz] saying what was wrong (`what` names the field).
 */
int sf_add_addr(struct sess_record *r, const char *s, size_t n, int family, const char *what,
		char *why, size_t wsz);
/* Next line: 1, 0 at end, or ISR_EIO. Counts stats.lines; drops a BOM on line 1. */
int sf_line(struct sf_ctx *c, struct lr_line *ln);
/* Run read(c) with sf_line returning records of the shared CSV reader (core/base/csv.h:
 * byte-order mark, CRLF, quoted fields across lines): the CSV formats. */
int sf_with_csv(struct sf_ctx *c, int (*read)(struct sf_ctx *c));

/* ---- CSV ---- */

/* Column tables are struct csv_col (core/base/csv.h) mapped with CSV_MAP_LOOSE: names
 * written lower case without '-' or '_'. */
#define SF_COL(...) CSV_COL(0, __VA_ARGS__)

/* 1 when some field of the row, loosely, is one of names (NULL-ended). */
int sf_row_has(const struct csv_field *f, size_t nf, const char *const *names);
/* Field i trimmed and NUL-terminated in place; NULL when absent, empty or "NULL". */
char *sf_fld(struct csv_field *f, size_t nf, int i);
/*
 * Split a line into fields: 1 with *nf set, 0 for a blank or '#' comment line, -1 when
 * the line was rejected (too long, NUL byte, bad quoting).
 */
int sf_csv_line(struct sf_ctx *c, struct lr_line *ln, struct csv_field *f, size_t *nf);

#define SF_CSV_COLS 32 /* columns a CSV format may know */

/* A CSV format of the session readers (RADIUS CSV, Kea leases): what makes a row its
 * header, the columns it maps, and what becomes of a row. */
struct sf_csv_format {
	const char *const *marks; /* a row naming one of these (loosely) is a header */
	const struct csv_col *cols;
	size_t ncols; /* <= SF_CSV_COLS */
	/* Why a header mapped into idx cannot be used, or NULL when it can. */
	const char *(*header_bad)(const int *idx);
	const char *no_header;	/* a row before any header */
	const char *bad_header; /* a row after an unusable header */
	int say_line;		/* add " (the one on line N is not)" to bad_header */
	/* One row with as many fields as the header: 0 to go on, else the reader stops with
	 * that value. */
	int (*row)(struct sf_ctx *c, const int *idx, struct csv_field *f, size_t nf,
		   const struct lr_line *ln);
};

/* The loop of the CSV formats: header rows (re-)map, other rows are checked against the
 * last header's column count and handed to fmt->row. Returns like the readers below. */
int sf_read_csv(struct sf_ctx *c, const struct sf_csv_format *fmt);

/* ---- the readers: 0 at end of input, the callback's non-zero value, or ISR_EIO ---- */

int sf_read_detail(struct sf_ctx *c);
int sf_read_radcsv(struct sf_ctx *c);
int sf_read_dhcpd(struct sf_ctx *c);
int sf_read_kea(struct sf_ctx *c);

#endif
