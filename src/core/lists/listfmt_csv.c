/*
 * listfmt_csv.c -- the CSV-based readers: URLhaus, Feodo Tracker and generic CSV.
 *
 * All three are the same loop with a different column table: a row (a record of the
 * shared CSV reader, core/base/csv.h: a quoted field may span lines) is split with csv_split, its columns are found through a struct colmap, and the entry is built from
 * them. The map comes from a header line when there is one -- a plain line, or a '#'
 * comment line as abuse.ch writes it ("# id,dateadded,url,...") -- and otherwise, for
 * the two abuse.ch formats, from their documented column order. Taking the header when
 * present keeps older dumps working (URLhaus files before 2020 had no last_online
 * column; Feodo files have spelt "Firstseen,DstIP,DstPort" and "first_seen_utc,dst_ip").
 * A header may appear again later in the file (concatenated dumps); it re-maps.
 */
#include <stdio.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/base/csv.h"
#include "core/lists/listfmt_int.h"
#include "core/base/timefmt.h"

#define MAX_FIELDS     256
#define NAME_MAX_SHOWN 40

enum role { R_VALUE, R_FIRST, R_LAST, R_CAT, R_TAGS, R_REF, R_EXPIRES, R_ACTION, R_PORT, R_N };

/* Each role's column (names in order of preference; the value is required), for the
 * one column mapper of core/base/csv.h. */
struct coltable {
	struct csv_col cols[R_N];
	int defaults[R_N]; /* column index without a header, -1 = none; all -1 = need one */
	enum list_kind kind;
	const char *what; /* format name for messages */
};

static const struct coltable urlhaus_table = {
	.cols = { [R_VALUE] = CSV_COL(1, "url"),
		  [R_FIRST] = CSV_COL(0, "dateadded"),
		  [R_LAST] = CSV_COL(0, "last_online"),
		  [R_CAT] = CSV_COL(0, "threat"),
		  [R_TAGS] = CSV_COL(0, "tags"),
		  [R_REF] = CSV_COL(0, "urlhaus_link") },
	.defaults = { [R_VALUE] = 2,
		      [R_FIRST] = 1,
		      [R_LAST] = 4,
		      [R_CAT] = 5,
		      [R_TAGS] = 6,
		      [R_REF] = 7,
		      [R_EXPIRES] = -1,
		      [R_ACTION] = -1,
		      [R_PORT] = -1 },
	.kind = LIST_URL,
	.what = "URLhaus",
};

static const struct coltable feodo_table = {
	.cols = { [R_VALUE] = CSV_COL(1, "dst_ip", "dstip", "ip_address", "ip"),
		  [R_FIRST] = CSV_COL(0, "first_seen_utc", "firstseen", "first_seen"),
		  [R_LAST] = CSV_COL(0, "last_online", "lastonline"),
		  [R_CAT] = CSV_COL(0, "malware"),
		  [R_PORT] = CSV_COL(0, "dst_port", "dstport", "port") },
	.defaults = { [R_VALUE] = 1,
		      [R_FIRST] = 0,
		      [R_LAST] = 4,
		      [R_CAT] = 5,
		      [R_TAGS] = -1,
		      [R_REF] = -1,
		      [R_EXPIRES] = -1,
		      [R_ACTION] = -1,
		      [R_PORT] = 2 },
	.kind = LIST_IP,
	.what = "Feodo Tracker",
};

static const struct coltable csv_table = {
	.cols = { [R_VALUE] = CSV_COL(1, "value", "domain", "host", "hostname", "fqdn", "url", "ip",
				      "address", "ip_address", "dst_ip", "indicator"),
		  [R_FIRST] = CSV_COL(0, "first_seen", "first_seen_utc"),
		  [R_LAST] = CSV_COL(0, "last_seen", "last_online"),
		  [R_CAT] = CSV_COL(0, "category", "threat", "malware", "family"),
		  [R_REF] = CSV_COL(0, "reference", "ref", "link"),
		  [R_EXPIRES] = CSV_COL(0, "expires"),
		  [R_ACTION] = CSV_COL(0, "action") },
	.defaults = { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
	.kind = LIST_KIND_NONE,
	.what = "CSV",
};

struct colmap {
	int idx[R_N];			     /* column of each role, -1 = absent */
	char value_name[NAME_MAX_SHOWN + 4]; /* for "no value in column '...'" */
};

static void map_defaults(const struct coltable *t, struct colmap *m)
{
	int r;

	for (r = 0; r < R_N; r++)
		m->idx[r] = t->defaults[r];
	snprintf(m->value_name, sizeof(m->value_name), "%s", t->cols[R_VALUE].names[0]);
}

/* 1 when fields name a value column of t (so the row is a header), with *m filled. */
static int map_header(const struct coltable *t, const struct csv_field *f, size_t nf,
		      struct colmap *m)
{
	if (csv_map_header(t->cols, R_N, f, nf, 0, m->idx, NULL) != 0)
		return 0;
	lf_show(m->value_name, sizeof(m->value_name), f[m->idx[R_VALUE]].s, f[m->idx[R_VALUE]].len);
	return 1;
}

/*
 * 1 when the row is a header: there is no value column yet (the generic format's first
 * row), or the cell in the value column is itself a value-column name (a header repeated
 * or one in the documented position), which no real entry is.
 */
static int is_header_row(const struct coltable *t, const struct colmap *m,
			 const struct csv_field *f, size_t nf)
{
	int v = m->idx[R_VALUE];

	if (v < 0)
		return 1;
	return (size_t)v < nf && csv_name_is(&f[v], t->cols[R_VALUE].names, 0);
}

static int64_t field_time(const struct csv_field *f, size_t nf, int i)
{
	const char *s = csv_field_at(f, nf, i);
	int64_t t = 0;

	if (!s || time_parse(s, strlen(s), &t) < 0)
		return 0;
	return t;
}

/* A '#' comment line: a header when it names the value column; else skipped. */
static void comment_line(struct lf_ctx *c, const struct coltable *t, struct colmap *m, char *s,
			 size_t n)
{
	struct csv_field f[MAX_FIELDS];
	size_t nf = 0;
	struct colmap nm;

	while (n > 0 && (*s == '#' || *s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	c->st->skipped++;
	if (!memchr(s, ',', n))
		return;
	if (csv_split(s, n, f, MAX_FIELDS, &nf, NULL) < 0)
		return;
	if (nf >= 2 && map_header(t, f, nf, &nm))
		*m = nm;
}

static int build_entry(struct lf_ctx *c, const struct coltable *t, const struct colmap *m,
		       const struct csv_field *f, size_t nf, const struct lr_line *ln)
{
	struct listfmt_entry e;
	const char *tags;
	const char *port;
	const char *action;
	char shown[48];

	memset(&e, 0, sizeof(e));
	e.kind = t->kind;
	e.line = ln->lineno;
	e.value = csv_field_at(f, nf, m->idx[R_VALUE]);
	if (!e.value) {
		lf_reject(c, ln->lineno, ln->offset, "no value in column '%s'", m->value_name);
		return 0;
	}
	e.first_seen = field_time(f, nf, m->idx[R_FIRST]);
	e.last_seen = field_time(f, nf, m->idx[R_LAST]);
	e.expires = field_time(f, nf, m->idx[R_EXPIRES]);
	e.category = csv_field_at(f, nf, m->idx[R_CAT]);
	e.reference = csv_field_at(f, nf, m->idx[R_REF]);
	tags = csv_field_at(f, nf, m->idx[R_TAGS]);
	if (tags && str_eq_nocase(tags, strlen(tags), "None"))
		tags = NULL;
	if (tags && e.category) {
		snprintf(c->scratch, LF_SCRATCH, "%s %s", e.category, tags);
		e.category = c->scratch;
	} else if (tags) {
		e.category = tags;
	}
	if (t == &feodo_table) {
		port = csv_field_at(f, nf, m->idx[R_PORT]);
		if (port)
			snprintf(c->scratch, LF_SCRATCH, "feodotracker:%s:%s", e.value, port);
		else
			snprintf(c->scratch, LF_SCRATCH, "feodotracker:%s", e.value);
		e.reference = c->scratch;
	}
	action = csv_field_at(f, nf, m->idx[R_ACTION]);
	if (action && *action) {
		int a = list_action_parse(action);

		if (a < 0 || a == LIST_LOCAL) {
			lf_reject(c, ln->lineno, ln->offset,
				  a == LIST_LOCAL ? "action '%s' needs its records: import local "
						    "data from an RPZ zone"
						  : "unknown action '%s' (expected block, allow, "
						    "nxdomain, nodata, drop or tcp-only)",
				  lf_show(shown, sizeof(shown), action, strlen(action)));
			return 0;
		}
		e.action = (enum list_action)a;
	}
	return lf_emit(c, &e, ln->offset);
}

static int read_rows(struct lf_ctx *c, const struct coltable *t)
{
	struct csv_field f[MAX_FIELDS];
	struct isp_err e;
	struct lr_line ln;
	struct colmap m;
	struct colmap nm;
	long bad_header = 0;
	size_t nf;
	size_t i;
	int rc;

	map_defaults(t, &m);
	for (;;) {
		rc = lf_next_line(c, &ln);
		if (rc <= 0)
			return rc;
		i = strspn(ln.text, " \t");
		if (i == ln.len)
			continue;
		if (ln.text[i] == '#') {
			comment_line(c, t, &m, ln.text + i, ln.len - i);
			continue;
		}
		isp_err_clear(&e);
		if (csv_split(ln.text, ln.len, f, MAX_FIELDS, &nf, &e) < 0) {
			lf_reject(c, ln.lineno, ln.offset, "%s", e.msg);
			continue;
		}
		if (m.idx[R_VALUE] < 0 && bad_header > 0) {
			if (map_header(t, f, nf, &nm)) {
				m = nm;
				bad_header = 0;
				c->st->skipped++;
				continue;
			}
			lf_reject(c, ln.lineno, ln.offset,
				  "no value column: the header on line %ld names none", bad_header);
			continue;
		}
		if (is_header_row(t, &m, f, nf)) {
			if (map_header(t, f, nf, &nm)) {
				m = nm;
				bad_header = 0;
				c->st->skipped++;
			} else {
				bad_header = ln.lineno;
				lf_reject(
					c, ln.lineno, ln.offset,
					"%s header names no value column (expected one of: value, "
					"domain, host, hostname, fqdn, url, ip, address, "
					"ip_address, "
					"dst_ip, indicator)",
					t->what);
			}
			continue;
		}
		rc = build_entry(c, t, &m, f, nf, &ln);
		if (rc != 0)
			return rc;
	}
}

/* read_rows over the shared CSV record reader (BOM, CRLF, quoted line breaks). */
static int read_table(struct lf_ctx *c, const struct coltable *t)
{
	int rc;

	c->csv = csv_reader_new(c->lr, LISTFMT_LINE_MAX);
	if (!c->csv)
		return isp_err_set(c->err, ISR_ENOMEM, "out of memory");
	rc = read_rows(c, t);
	csv_reader_free(c->csv);
	c->csv = NULL;
	return rc;
}

int lf_read_urlhaus(struct lf_ctx *c)
{
	return read_table(c, &urlhaus_table);
}

int lf_read_feodo(struct lf_ctx *c)
{
	return read_table(c, &feodo_table);
}

int lf_read_csv(struct lf_ctx *c)
{
	return read_table(c, &csv_table);
}
