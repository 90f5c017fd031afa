/*
 * evfmt.c -- readers of partner event lists (evfmt.h): generic CSV and every Shadowserver
 * report type the schema (ssschema.h) describes.
 *
 * The formats are one loop with a different column table (Shadowserver's built from the
 * schema's report when its header is read), as in listfmt_csv.c: a
 * row (a record of the shared CSV reader, core/base/csv.h: byte-order mark, CRLF, quoted line
 * breaks) is copied out of the reader's buffer (so that `raw` stays the row exactly as
 * read), split in place with csv_split, its columns are found through the map built from
 * the header, and the record is built from them. Columns are found by name only:
 * Shadowserver adds, drops and reorders columns between schema versions, and a reader
 * that trusted positions would put an ASN where the address should be.
 *
 * The first line that is neither blank nor a '#' comment is the header. When it names no
 * address or no time column the file is not one of these reports, and reading stops with
 * one ISR_EFORMAT error for that line instead of a reject for every row. A header may
 * appear again later (reports concatenated with cat): a row whose address cell is not an
 * address but which maps as a header re-maps the columns (and, in auto mode, re-detects
 * the format, so a scan_dns report may follow a sinkhole one).
 *
 * Memory is bounded: one context holding the header copy, the row copy, the field array
 * and the detail buffer is allocated per call, plus the line reader's buffer.
 */
#include "core/base/strbuf.h"
#include "core/events/evfmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/csv.h"
#include "core/base/linereader.h"
#include "core/base/timefmt.h"

#define MAX_FIELDS 256
#define DETAIL_MAX 1024
#define SHOW_MAX   48
#define NAMES_MAX  160

enum role {
	R_IP,
	R_TIME,
	R_PORT,
	R_PROTO,
	R_FAMILY,
	R_FAMILY2, /* family when R_FAMILY is empty */
	R_REF,
	R_CAUSE,
	R_DETAIL,
	R_TAG,
	R_DST_IP,
	R_DST_PORT,
	R_HOST,
	R_N
};

/* Each role's column (names in order of preference; address and time required), for
 * the one column mapper of core/base/csv.h. */
struct coltable {
	struct csv_col cols[R_N];
	enum ev_format fmt;
	enum cause cause; /* of every row; CAUSE_NONE = the row's `cause` or the default */
};

static const char *const cv_ip[] = { "ip", "src_ip", "address", NULL };
static const char *const cv_time[] = { "timestamp", "time", "date", NULL };
static const char *const cv_port[] = { "port", "src_port", NULL };
static const char *const cv_family[] = { "family", "infection", "malware", NULL };
static const char *const cv_ref[] = { "reference", "ref", "url", "id", NULL };
static const char *const cv_cause[] = { "cause", NULL };
static const char *const cv_detail[] = { "detail", "description", NULL };

static const struct coltable csv_table = {
	.cols = { [R_IP] = { cv_ip, 1 },
		  [R_TIME] = { cv_time, 1 },
		  [R_PORT] = { cv_port, 0 },
		  [R_FAMILY] = { cv_family, 0 },
		  [R_REF] = { cv_ref, 0 },
		  [R_CAUSE] = { cv_cause, 0 },
		  [R_DETAIL] = { cv_detail, 0 } },
	.fmt = EVFMT_CSV,
	.cause = CAUSE_NONE,
};

struct ev_ctx {
	struct lr *lr;
	struct csv_reader *csv; /* records over lr (BOM, quoted line breaks) */
	const char *file;	/* for messages, may be NULL */
	evfmt_record_fn on_record;
	evfmt_reject_fn on_reject;
	void *ud;
	struct evfmt_stats *st; /* never NULL */
	struct isp_err *err;	/* caller's, may be NULL */
	enum ev_format want;	/* the format asked for, EVFMT_AUTO to detect per header */

	const struct ss_schema *schema; /* may be NULL */
	const char *report_name;	/* opts.report */
	const struct ss_report *report; /* shadowserver: the current header's */
	struct coltable ss;		/* its column table */
	const char *ss_names[R_N][2];	/* the names ss points to */
	int extra_idx[SS_COLUMNS_MAX];	/* header column of each report->extra, -1 */
	const struct coltable *t;	/* NULL until the first header */
	int idx[R_N];			/* column of each role, -1 = absent */
	size_t ncols;			/* columns in the header */
	long header_line;
	char ip_name[SHOW_MAX];	  /* header names of the two required columns */
	char time_name[SHOW_MAX]; /* (for messages) */

	struct csv_field f[MAX_FIELDS];
	char detail[DETAIL_MAX];
	char header[EVFMT_LINE_MAX + 1]; /* the header line as read */
	char row[EVFMT_LINE_MAX + 1];	 /* the current row, split in place */
};

static const char *const fmt_names[] = {
	[EVFMT_AUTO] = "auto",
	[EVFMT_CSV] = "csv",
	[EVFMT_SHADOWSERVER] = "shadowserver",
};

#define NFMT ((int)(sizeof(fmt_names) / sizeof(fmt_names[0])))

int evfmt_parse_name(const char *name)
{
	int i = str_index_nocase(fmt_names, NFMT, name);

	/* the names of the two hand-written readers the schema replaced */
	if (i < 0 && name &&
	    (str_eq_nocase(name, strlen(name), "scan_dns") ||
	     str_eq_nocase(name, strlen(name), "sinkhole") ||
	     str_eq_nocase(name, strlen(name), "event4_sinkhole") ||
	     str_eq_nocase(name, strlen(name), "event4_sinkhole_http")))
		return EVFMT_SHADOWSERVER;
	return i;
}

const char *evfmt_name(enum ev_format f)
{
	return str_name_at(fmt_names, NFMT, (int)f);
}

/* Report the line as rejected with a printf-style reason; counts it. Returns 0. */
static int reject(struct ev_ctx *c, const struct lr_line *ln, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(struct ev_ctx *c, const struct lr_line *ln, const char *fmt, ...)
{
	va_list ap;

	c->st->rejected++;
	va_start(ap, fmt);
	isp_vreject(c->on_reject, c->ud, c->file, ln->lineno, ln->offset, fmt, ap);
	va_end(ap);
	return 0;
}

/* "a, b or c" from a name list, into buf. */
static const char *join_names(char *buf, size_t size, const char *const *names)
{
	size_t k = 0;
	size_t i;

	buf[0] = '\0';
	for (i = 0; names[i] && k < size; i++) {
		k += (size_t)snprintf(buf + k, size - k, "%s%s",
				      i == 0	     ? ""
				      : names[i + 1] ? ", "
						     : " or ",
				      names[i]);
	}
	return buf;
}

/*
 * The file has no usable header at line ln: the one error of a file that is not one of
 * these reports. why is the reason. Returns ISR_EFORMAT.
 */
static int no_header(struct ev_ctx *c, const struct lr_line *ln, const char *why)
{
	return isp_err_at(c->err, ISR_EFORMAT, c->file, ln->lineno, ln->offset,
			  "no usable %s header: %s", evfmt_name(c->want), why);
}

/* The column table of report r, built in c->ss; the extra columns found in the header. */
static const struct coltable *report_table(struct ev_ctx *c, const struct ss_report *r, size_t nf)
{
	static const enum ss_col map[R_N] = {
		[R_IP] = SS_C_IP,	[R_TIME] = SS_C_TIME,	  [R_PORT] = SS_C_PORT,
		[R_PROTO] = SS_C_PROTO, [R_FAMILY] = SS_C_FAMILY, [R_FAMILY2] = SS_C_FAMILY2,
		[R_REF] = SS_C_REF,	[R_CAUSE] = SS_C_N,	  [R_DETAIL] = SS_C_N,
		[R_TAG] = SS_C_TAG,	[R_DST_IP] = SS_C_DST_IP, [R_DST_PORT] = SS_C_DST_PORT,
		[R_HOST] = SS_C_HOST,
	};
	size_t k, i;
	int role;

	memset(&c->ss, 0, sizeof(c->ss));
	for (role = 0; role < R_N; role++) {
		c->ss_names[role][0] = map[role] < SS_C_N ? r->col[map[role]] : NULL;
		c->ss_names[role][1] = NULL;
		if (c->ss_names[role][0]) {
			c->ss.cols[role].names = c->ss_names[role];
			c->ss.cols[role].required = role == R_IP || role == R_TIME;
		}
	}
	c->ss.fmt = EVFMT_SHADOWSERVER;
	c->ss.cause = r->cause;
	for (k = 0; k < r->nextra; k++) {
		const char *const one[] = { r->extra[k], NULL };

		c->extra_idx[k] = -1;
		for (i = 0; i < nf; i++) {
			if (csv_name_is(&c->f[i], one, 0)) {
				c->extra_idx[k] = (int)i;
				break;
			}
		}
	}
	return &c->ss;
}

/* The Shadowserver report of the header c->f[0..nf): the one named, else by the header,
 * else by the file name when the header has its address and time columns. */
static const struct ss_report *which_report(struct ev_ctx *c, size_t nf)
{
	const struct ss_report *r;
	const char *need[3] = { NULL, NULL, NULL };
	size_t i;
	int have = 0;

	if (c->report_name)
		return ss_schema_find(c->schema, c->report_name);
	r = ss_schema_by_header(c->schema, c->f, nf);
	if (r)
		return r;
	r = ss_schema_by_filename(c->schema, c->file);
	if (!r)
		return NULL;
	need[0] = r->col[SS_C_IP];
	for (i = 0; i < nf; i++)
		have |= csv_name_is(&c->f[i], need, 0);
	return have ? r : NULL;
}

/*
 * Take the split line c->f[0..nf) as the header when it names the address and time
 * columns of its format: re-map and return 1. Otherwise return 0 with nothing changed
 * and, when why is not NULL, the reason in why[size].
 */
static int take_header(struct ev_ctx *c, const struct lr_line *ln, size_t nf, char *why,
		       size_t size)
{
	enum ev_format fmt = c->want;
	const struct coltable *t = &csv_table;
	const struct ss_report *r = NULL;
	char names[NAMES_MAX];
	struct csv_colmap info;
	int idx[R_N];

	if (fmt != EVFMT_CSV && c->schema)
		r = which_report(c, nf);
	if (fmt == EVFMT_AUTO)
		fmt = r ? EVFMT_SHADOWSERVER : EVFMT_CSV;
	if (fmt == EVFMT_SHADOWSERVER) {
		if (!c->schema) {
			if (why)
				snprintf(why, size,
					 "no Shadowserver schema to read it with "
					 "(events.shadowserver-schema)");
			return 0;
		}
		if (!r) {
			if (why)
				snprintf(why, size,
					 c->report_name ? "the schema has no report type '%.64s'"
							: "no report type of the schema matches "
							  "it%.0s (name one: --format REPORT)",
					 c->report_name ? c->report_name : "");
			return 0;
		}
		if (r->cause == CAUSE_NONE) {
			if (why)
				snprintf(why, size,
					 "report type %s (%s) is nothing ispshield tells "
					 "subscribers about",
					 r->name, r->type[0] ? r->type : "no classification");
			return 0;
		}
		t = report_table(c, r, nf);
	}
	if (csv_map_header(t->cols, R_N, c->f, nf, 0, idx, &info) != 0) {
		if (why)
			snprintf(why, size, "no %s column (expected %s)",
				 info.missing == R_IP ? "address" : "time",
				 join_names(names, sizeof(names), t->cols[info.missing].names));
		return 0;
	}
	c->t = t;
	c->report = r;
	memcpy(c->idx, idx, sizeof(idx));
	c->ncols = nf;
	c->header_line = ln->lineno;
	str_show(c->ip_name, sizeof(c->ip_name), c->f[idx[R_IP]].s, c->f[idx[R_IP]].len);
	str_show(c->time_name, sizeof(c->time_name), c->f[idx[R_TIME]].s, c->f[idx[R_TIME]].len);
	memcpy(c->header, ln->text, ln->len);
	c->header[ln->len] = '\0';
	if (c->st->detected == EVFMT_AUTO)
		c->st->detected = fmt;
	if (r && !c->st->report)
		c->st->report = r->name;
	return 1;
}

/* Column i of the current row trimmed (csv_field_at), with control characters (a quoted
 * field may hold any) made '?'; NULL when absent or empty. */
static const char *text_field(struct ev_ctx *c, size_t nf, int i)
{
	char *s = csv_field_at(c->f, nf, i);
	char *p;

	for (p = s; p && *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return s;
}

/* A host address (a prefix shorter than /32 or /128 is not one). 0, or -1 with e->msg. */
static int parse_host(const char *s, struct ip_prefix *out, struct isp_err *e)
{
	isp_err_clear(e);
	if (ip_parse_prefix(s, strlen(s), out, NULL, e) < 0)
		return -1;
	if (out->len != (out->family == 4 ? 32 : 128)) {
		isp_err_set(e, ISR_EINVAL, "a prefix, not a host address");
		return -1;
	}
	return 0;
}

/* Decimal 0..65535. */
static int parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * Append pre, value and post (post may be NULL) to c->detail, "; "-separated from what is
 * there; nothing when value is NULL. Cut to fit, never in a UTF-8 sequence.
 */
static void detail_add(struct ev_ctx *c, size_t *n, const char *pre, const char *value,
		       const char *post)
{
	int w;

	if (!value || *n + 1 >= sizeof(c->detail))
		return;
	w = snprintf(c->detail + *n, sizeof(c->detail) - *n, "%s%s%s%s", *n ? "; " : "", pre, value,
		     post ? post : "");
	if (w < 0)
		return;
	*n += (size_t)w;
	if (*n >= sizeof(c->detail)) {
		*n = sizeof(c->detail) - 1;
		while (*n > 0 && ((unsigned char)c->detail[*n] & 0xc0) == 0x80)
			(*n)--;
		c->detail[*n] = '\0';
	}
}

static const char *build_detail(struct ev_ctx *c, size_t nf)
{
	char post[SHOW_MAX + 4];
	const char *port;
	const char *proto;
	const char *dst;
	size_t n = 0;
	size_t k;

	c->detail[0] = '\0';
	if (c->t->fmt != EVFMT_SHADOWSERVER) {
		detail_add(c, &n, "", text_field(c, nf, c->idx[R_DETAIL]), NULL);
		return c->detail;
	}
	if (!c->report->col[SS_C_DST_IP]) { /* a scan: the port is the service found */
		port = text_field(c, nf, c->idx[R_PORT]);
		proto = text_field(c, nf, c->idx[R_PROTO]);
		post[0] = '\0';
		if (proto)
			snprintf(post, sizeof(post), "/%s", proto);
		detail_add(c, &n, "port=", port, post);
	}
	dst = text_field(c, nf, c->idx[R_DST_IP]);
	port = text_field(c, nf, c->idx[R_DST_PORT]);
	if (dst && strchr(dst, ':')) { /* IPv6: [addr]:port, as in a URL */
		snprintf(post, sizeof(post), "]%s%s", port ? ":" : "", port ? port : "");
		detail_add(c, &n, "dst=[", dst, post);
	} else if (dst) {
		snprintf(post, sizeof(post), "%s%s", port ? ":" : "", port ? port : "");
		detail_add(c, &n, "dst=", dst, post);
	} else {
		detail_add(c, &n, "dst_port=", port, NULL);
	}
	detail_add(c, &n, "host=", text_field(c, nf, c->idx[R_HOST]), NULL);
	if (c->report->col[SS_C_FAMILY] || c->report->col[SS_C_FAMILY2])
		detail_add(c, &n, "tag=", text_field(c, nf, c->idx[R_TAG]), NULL);
	for (k = 0; k < c->report->nextra; k++) {
		char pre[SHOW_MAX + 2];

		if (c->extra_idx[k] < 0)
			continue;
		snprintf(pre, sizeof(pre), "%.*s=", SHOW_MAX - 1, c->report->extra[k]);
		detail_add(c, &n, pre, text_field(c, nf, c->extra_idx[k]), NULL);
	}
	return c->detail;
}

/* The cause names, for the message about an unknown one. */
static const char *cause_names(char *buf, size_t size)
{
	const char *names[CAUSE_N + 1];
	int i;
	int k = 0;

	for (i = CAUSE_NONE + 1; i < CAUSE_N; i++)
		names[k++] = cause_name((enum cause)i);
	names[k] = NULL;
	return join_names(buf, size, names);
}

static int build_record(struct ev_ctx *c, const struct lr_line *ln, size_t nf)
{
	struct ev_record r;
	struct isp_err e;
	char shown[SHOW_MAX];
	char names[NAMES_MAX];
	char *s;
	char *p;

	if (nf != c->ncols)
		return reject(c, ln, "%zu columns, the header on line %ld has %zu", nf,
			      c->header_line, c->ncols);
	memset(&r, 0, sizeof(r));
	r.line = ln->lineno;
	s = csv_field_at(c->f, nf, c->idx[R_IP]);
	if (!s)
		return reject(c, ln, "no address in column '%s'", c->ip_name);
	if (parse_host(s, &r.ip, &e) < 0)
		return reject(c, ln, "bad address '%s': %s",
			      str_show(shown, sizeof(shown), s, strlen(s)), e.msg);
	s = csv_field_at(c->f, nf, c->idx[R_TIME]);
	if (!s)
		return reject(c, ln, "no time in column '%s'", c->time_name);
	if (time_parse(s, strlen(s), &r.time) < 0)
		return reject(c, ln, "bad time '%s' (expected YYYY-MM-DD HH:MM:SS or unix seconds)",
			      str_show(shown, sizeof(shown), s, strlen(s)));
	s = csv_field_at(c->f, nf, c->idx[R_PORT]);
	if (s && parse_port(s, &r.port) < 0)
		return reject(c, ln, "bad port '%s' (expected 0..65535)",
			      str_show(shown, sizeof(shown), s, strlen(s)));
	r.cause = c->t->cause;
	s = csv_field_at(c->f, nf, c->idx[R_CAUSE]);
	if (s) {
		for (p = s; *p; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		}
		r.cause = cause_parse(s);
		if (r.cause == CAUSE_NONE)
			return reject(c, ln, "unknown cause '%s' (expected %s)",
				      str_show(shown, sizeof(shown), s, strlen(s)),
				      cause_names(names, sizeof(names)));
	}
	r.family = text_field(c, nf, c->idx[R_FAMILY]);
	if (!r.family)
		r.family = text_field(c, nf, c->idx[R_FAMILY2]);
	if (!r.family && c->t->fmt == EVFMT_SHADOWSERVER)
		r.family = text_field(c, nf, c->idx[R_TAG]);
	if (!r.family)
		r.family = "";
	r.reference = text_field(c, nf, c->idx[R_REF]);
	if (!r.reference)
		r.reference = "";
	r.detail = build_detail(c, nf);
	r.header = c->header;
	r.raw = ln->text;
	c->st->records++;
	if (!c->on_record)
		return 0;
	return c->on_record(c->ud, &r);
}

/*
 * 1 when the split row is a record under the current header: as many columns, and an
 * address in the address column. Anything else may be a repeated header.
 */
static int is_record_row(struct ev_ctx *c, size_t nf)
{
	struct ip_prefix p;
	struct isp_err e;
	const char *s;

	if (nf != c->ncols)
		return 0;
	s = csv_field_at(c->f, nf, c->idx[R_IP]);
	return s && parse_host(s, &p, &e) == 0;
}

/*
 * Next line to look at: 1 with *ln set, 0 at end, ISR_EIO, or ISR_EFORMAT for an
 * over-long or binary line where the header should be. Later such lines are rejected
 * here and not returned. Counts stats.lines (records: the shared CSV reader drops a
 * byte-order mark and joins a quoted field's line breaks).
 */
static int next_line(struct ev_ctx *c, struct lr_line *ln)
{
	char why[96];
	int rc;

	for (;;) {
		rc = csv_next(c->csv, ln, c->err);
		if (rc <= 0) {
			if (rc < 0 && c->err)
				c->err->file = c->file;
			return rc;
		}
		c->st->lines++;
		if (ln->too_long)
			snprintf(why, sizeof(why), "line longer than %d bytes (%lld bytes)",
				 EVFMT_LINE_MAX, ln->full_len);
		else if (ln->has_nul)
			snprintf(why, sizeof(why), "line contains a NUL byte (binary data?)");
		else
			return 1;
		if (!c->t)
			return no_header(c, ln, why);
		reject(c, ln, "%s", why);
	}
}

static int read_rows(struct ev_ctx *c)
{
	struct lr_line ln;
	struct isp_err e;
	char why[ISP_ERR_MSG / 2];
	size_t nf;
	size_t i;
	int split;
	int rc;

	for (;;) {
		rc = next_line(c, &ln);
		if (rc <= 0)
			return rc;
		i = strspn(ln.text, " \t");
		if (i == ln.len || ln.text[i] == '#') {
			c->st->skipped++;
			continue;
		}
		memcpy(c->row, ln.text, ln.len);
		c->row[ln.len] = '\0';
		nf = 0;
		isp_err_clear(&e);
		split = csv_split(c->row, ln.len, c->f, MAX_FIELDS, &nf, &e);
		if (!c->t) {
			if (split < 0)
				return no_header(c, &ln, e.msg);
			if (!take_header(c, &ln, nf, why, sizeof(why)))
				return no_header(c, &ln, why);
			c->st->skipped++;
			continue;
		}
		if (split < 0) {
			reject(c, &ln, "%s", e.msg);
			continue;
		}
		if (!is_record_row(c, nf) && take_header(c, &ln, nf, NULL, 0)) {
			c->st->skipped++;
			continue;
		}
		rc = build_record(c, &ln, nf);
		if (rc != 0)
			return rc;
	}
}

int evfmt_read(FILE *f, const struct evfmt_opts *opts, evfmt_record_fn on_record,
	       evfmt_reject_fn on_reject, void *ud, struct evfmt_stats *stats, struct isp_err *err)
{
	struct evfmt_stats local;
	struct ev_ctx *c;
	int rc;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!f || !opts)
		return isp_err_set(err, ISR_EINVAL, "evfmt_read: no stream or options");
	if ((int)opts->format < 0 || (int)opts->format >= NFMT)
		return isp_err_set(err, ISR_EINVAL, "unknown event format %d", (int)opts->format);
	c = calloc(1, sizeof(*c));
	if (!c)
		return isp_err_set(err, ISR_ENOMEM, "out of memory for the event reader");
	c->st = stats ? stats : &local;
	memset(c->st, 0, sizeof(*c->st));
	c->st->detected = opts->format;
	c->want = opts->format;
	c->schema = opts->schema;
	c->report_name = opts->report;
	c->file = lr_file_name(opts->filename);
	c->on_record = on_record;
	c->on_reject = on_reject;
	c->ud = ud;
	c->err = err;
	c->lr = lr_new(f, EVFMT_LINE_MAX);
	c->csv = c->lr ? csv_reader_new(c->lr, EVFMT_LINE_MAX) : NULL;
	if (!c->csv) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory for the event reader");
		goto out;
	}
	rc = read_rows(c);
out:
	csv_reader_free(c->csv);
	lr_free(c->lr);
	free(c);
	return rc;
}
