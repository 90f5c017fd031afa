/*
 * listfmt_int.h -- internals shared by the list readers (listfmt*.c); not a public API.
 *
 * listfmt.c owns listfmt_read: it builds one struct lf_ctx (line reader, callbacks,
 * stats, scratch buffer), detects the format when asked, and calls one reader:
 * lf_read_plain / lf_read_hosts (listfmt.c), lf_read_urlhaus / lf_read_feodo /
 * lf_read_csv (listfmt_csv.c), lf_read_rpz (listfmt_rpz.c). Every reader gets lines
 * through lf_next_line, which has already rejected over-long lines and lines with NUL
 * bytes, reports rejects through lf_reject and entries through lf_emit, so that the
 * rules for messages, counting and UTF-8 checks live in one place.
 *
 * Counting: stats.lines counts every physical line; stats.skipped counts comment lines,
 * header lines and records that are not entries (SOA, NS, localhost, repeated owner);
 * blank lines are counted in lines only.
 */
#ifndef ISP_CORE_LISTFMT_INT_H
#define ISP_CORE_LISTFMT_INT_H

#include <stddef.h>

#include "core/base/csv.h"
#include "core/base/jsonscan.h"
#include "core/base/linereader.h"
#include "core/lists/listfmt.h"

struct lf_ctx {
	struct lr *lr;
	struct csv_reader *csv; /* the CSV formats read records through it; else NULL */
	const struct listfmt_opts *opts;
	const char *file;	     /* name for messages, "<stdin>" for "-", may be NULL */
	listfmt_entry_fn on_entry;   /* may be NULL */
	listfmt_reject_fn on_reject; /* may be NULL */
	void *ud;
	struct listfmt_stats *st; /* never NULL */
	struct isp_err *err;	  /* caller's error, may be NULL */
	char *scratch;		  /* LF_SCRATCH bytes for values built from a line */
};

#define LF_SCRATCH (LISTFMT_LINE_MAX + 64)

/*
 * Next usable line: 1 with *ln set, 0 at end, or ISR_EIO. Lines too long or holding NUL
 * bytes are rejected here and not returned; a UTF-8 byte-order mark at the start of
 * line 1 is dropped. With c->csv set (CSV formats), a record of the shared CSV reader,
 * whose quoted fields may span lines. Counts stats.lines.
 */
int lf_next_line(struct lf_ctx *c, struct lr_line *ln);

/* Report line `line` (offset off) as rejected with a printf-style reason; counts it. */
void lf_reject(struct lf_ctx *c, long line, long long off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Pass e to the entry callback after checking that e->value is valid UTF-8 (else the
 * line is rejected and 0 returned); category/reference that are not valid UTF-8 are
 * dropped (set to NULL). Counts stats.entries. Returns the callback's value.
 */
int lf_emit(struct lf_ctx *c, struct listfmt_entry *e, long long off);

/* 1 when s[0..n) is valid UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
int lf_utf8_valid(const char *s, size_t n);

/* ASCII case-insensitive comparison of s[0..n) with the NUL-terminated word. */

/*
 * Printable copy of s[0..n) for a message: non-printable bytes become '?', and the copy
 * is cut with "..." to fit buf[size] (size >= 8). Returns buf.
 */
const char *lf_show(char *buf, size_t size, const char *s, size_t n);

/* The readers. Each returns 0 at end of input, the callback's non-zero value, or ISR_EIO. */
int lf_read_plain(struct lf_ctx *c);
int lf_read_hosts(struct lf_ctx *c);
int lf_read_urlhaus(struct lf_ctx *c);
int lf_read_feodo(struct lf_ctx *c);
int lf_read_csv(struct lf_ctx *c);
int lf_read_rpz(struct lf_ctx *c);
int lf_read_stix(struct lf_ctx *c);
int lf_read_misp(struct lf_ctx *c);

/* The JSON formats: the largest single value (a STIX object, a MISP attribute) read. */
#define LF_JSON_VALUE_MAX ((size_t)1024 * 1024)

/*
 * Walk the JSON document of c with core/base/jsonscan.h, handing the values want()
 * chooses to on_value; sets stats.lines. A break in the document's structure (a cut
 * download) is reported as a rejected line and ends the read (returns 0); otherwise
 * returns what js_scan returned.
 */
int lf_read_json(struct lf_ctx *c, js_want_fn want, js_value_fn on_value, void *ud);
/* The same with a raw hook (jsonscan.h, js_scan_ex): the STIX reader's fast path. */
int lf_read_json_ex(struct lf_ctx *c, js_want_fn want, js_raw_fn raw, js_value_fn on_value,
		    void *ud);

#endif
