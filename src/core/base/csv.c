/*
 * csv.c -- in-place RFC 4180 field splitter for one record, and the record reader that
 * joins a quoted field's lines. See csv.h.
 *
 * csv_split: one pass with a read index r and a write index w <= r: quoted fields are
 * unescaped by copying down, and the NUL that ends a field is written at w, which is
 * never past the separator (or line[len]) that r has already consumed.
 *
 * csv_next: a line whose quote state (the same rules as csv_split) ends inside a quoted
 * field is copied into the record buffer and the next lines appended ('\n' between)
 * until the quote closes. Lines read ahead and then handed back (an unterminated quote)
 * wait in a queue that is read before the line reader again.
 *
 * csv_map_header: for each column, its names in order, the leftmost field matching;
 * then one more pass over the fields for the repeated and the unknown ones. Headers are
 * short (tens of fields), so the quadratic scan costs nothing next to the rows.
 */
#include "core/base/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"

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

/* One physical line kept by the record reader: its text at buf + start. */
/* A physical line kept in one of the reader's buffers: its text at buf + start, the rest
 * as lr read it (ln.text not used). */
struct pline {
	size_t start;
	struct lr_line ln;
};

struct csv_reader {
	struct lr *lr;
	size_t max;			  /* record bytes */
	char *rec;			  /* the record being joined: max + 1 bytes */
	struct pline parts[CSV_JOIN_MAX]; /* its lines */
	char *pend, *spare;	      /* queue text, and the buffer the next queue is built in */
	struct pline q[CSV_JOIN_MAX]; /* lines handed back, read before lr again */
	size_t nq, iq;
};

enum { Q_START, Q_UNQUOTED, Q_IN, Q_IN_QUOTE, Q_AFTER };

/* The quote state after s[0..n) from state st (csv_split's rules). */
static int scan(const char *s, size_t n, int st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		switch (st) {
		case Q_START:
			if (c == '"')
				st = Q_IN;
			else if (c != ',' && !is_blank(c))
				st = Q_UNQUOTED;
			break;
		case Q_IN:
			if (c == '"')
				st = Q_IN_QUOTE;
			break;
		case Q_IN_QUOTE: st = c == '"' ? Q_IN : c == ',' ? Q_START : Q_AFTER; break;
		default:
			if (c == ',')
				st = Q_START;
			break;
		}
	}
	return st;
}

struct csv_reader *csv_reader_new(struct lr *lr, size_t max_record)
{
	/* one allocation: the reader, then its buffers: the record being joined (max + 1
	 * bytes) and two for handed-back lines, a record's lines 2..k (at most max + 1 bytes
	 * with their NULs) and the line that did not fit (at most max + 1) */
	size_t hb = 2 * max_record + 2;
	struct csv_reader *r = calloc(1, sizeof(*r) + max_record + 1 + 2 * hb);

	if (!r)
		return NULL;
	r->lr = lr;
	r->max = max_record;
	r->rec = (char *)(r + 1);
	r->pend = r->rec + max_record + 1;
	r->spare = r->pend + hb;
	return r;
}

void csv_reader_free(struct csv_reader *r)
{
	free(r); /* its buffers with it */
}

static void to_line(const struct pline *p, char *buf, struct lr_line *out)
{
	*out = p->ln;
	out->text = buf + p->start;
}

/* The next physical line: from the queue, else from the line reader (BOM dropped). */
static int next_phys(struct csv_reader *r, struct lr_line *ln, struct isp_err *err)
{
	int rc;

	if (r->iq < r->nq) {
		to_line(&r->q[r->iq++], r->pend, ln);
		return 1;
	}
	r->nq = r->iq = 0;
	rc = lr_next(r->lr, ln, err);
	if (rc > 0)
		lr_drop_bom(ln); /* a byte-order mark: Excel's "CSV UTF-8" */
	return rc;
}

/* Append line ln (a copy of its text) to queue-in-building q/buf at *nq, *used. */
static void keep(struct pline *q, size_t *nq, char *buf, size_t *used, const struct lr_line *ln)
{
	struct pline *p = &q[(*nq)++];

	p->start = *used;
	p->ln = *ln;
	p->ln.text = NULL;
	memcpy(buf + *used, ln->text, ln->len);
	buf[*used + ln->len] = '\0';
	*used += ln->len + 1;
}

/*
 * The quote of the record's first line never closed: hand back its lines 2..k (and
 * `extra`, a line read that did not fit, when not NULL) ahead of what is left in the
 * queue, and return the first line alone.
 */
static int give_back(struct csv_reader *r, size_t k, const struct lr_line *extra,
		     struct lr_line *out)
{
	struct pline nq[CSV_JOIN_MAX];
	size_t n = 0, used = 0, i;
	struct lr_line ln;
	char *t;

	for (i = 1; i < k; i++) {
		to_line(&r->parts[i], r->rec, &ln);
		keep(nq, &n, r->spare, &used, &ln);
	}
	if (extra)
		keep(nq, &n, r->spare, &used, extra);
	for (i = r->iq; i < r->nq && n < CSV_JOIN_MAX; i++) {
		to_line(&r->q[i], r->pend, &ln);
		keep(nq, &n, r->spare, &used, &ln);
	}
	memcpy(r->q, nq, n * sizeof(nq[0]));
	r->nq = n;
	r->iq = 0;
	t = r->pend;
	r->pend = r->spare;
	r->spare = t;
	to_line(&r->parts[0], r->rec, out);
	r->rec[r->parts[0].ln.len] = '\0';
	return 1;
}

int csv_next(struct csv_reader *r, struct lr_line *out, struct isp_err *err)
{
	struct lr_line ln;
	size_t k = 0, len;
	int rc, st;

	rc = next_phys(r, out, err);
	if (rc <= 0 || out->too_long || out->has_nul ||
	    out->text[strspn(out->text, " \t")] == '#' ||
	    scan(out->text, out->len, Q_START) != Q_IN)
		return rc; /* a record of one line (a '#' comment line is never joined) */
	/* a quoted field runs over the line end: join the next lines */
	if (out->len > r->max)
		return 1;
	len = 0;
	keep(r->parts, &k, r->rec, &len, out);
	len--; /* the NUL: the next line's '\n' goes there */
	st = Q_IN;
	for (;;) {
		rc = next_phys(r, &ln, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return give_back(r, k, NULL, out);
		if (ln.too_long || ln.has_nul || k == CSV_JOIN_MAX || len + 1 + ln.len > r->max)
			return give_back(r, k, &ln, out);
		r->rec[len++] = '\n';
		r->parts[k].start = len;
		r->parts[k].ln = ln;
		r->parts[k++].ln.text = NULL;
		memcpy(r->rec + len, ln.text, ln.len);
		len += ln.len;
		r->rec[len] = '\0';
		st = scan(ln.text, ln.len, st);
		if (st != Q_IN)
			break;
	}
	memset(out, 0, sizeof(*out));
	out->text = r->rec;
	out->len = len;
	out->lineno = r->parts[0].ln.lineno;
	out->offset = r->parts[0].ln.offset;
	out->full_len = (long long)len;
	return 1;
}

void csv_write_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Field s[0..n) equals name under CSV_MAP_LOOSE: blanks around it, '-' and '_' skipped. */
static int loose_eq(const char *s, size_t n, const char *name)
{
	size_t i;
	size_t k = 0;

	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-' || c == '_')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (name[k] == '\0' || (unsigned char)name[k] != c)
			return 0;
		k++;
	}
	return k > 0 && name[k] == '\0';
}

static int name_eq(const struct csv_field *f, const char *name, unsigned flags)
{
	if (flags & CSV_MAP_LOOSE)
		return loose_eq(f->s, f->len, name);
	return str_eq_nocase(f->s, f->len, name);
}

int csv_name_is(const struct csv_field *f, const char *const *names, unsigned flags)
{
	size_t k;

	for (k = 0; names && names[k]; k++) {
		if (name_eq(f, names[k], flags))
			return 1;
	}
	return 0;
}

int csv_map_header(const struct csv_col *cols, size_t ncols, const struct csv_field *f, size_t nf,
		   unsigned flags, int *idx, struct csv_colmap *info)
{
	struct csv_colmap m = { -1, -1, -1, 0, 0 };
	size_t c;
	size_t i;
	size_t k;

	for (c = 0; c < ncols; c++) {
		idx[c] = -1;
		for (k = 0; cols[c].names && cols[c].names[k] && idx[c] < 0; k++) {
			for (i = 0; i < nf; i++) {
				if (name_eq(&f[i], cols[c].names[k], flags)) {
					idx[c] = (int)i;
					break;
				}
			}
		}
		if (idx[c] >= 0)
			m.mapped++;
		else if (cols[c].required && m.missing < 0)
			m.missing = (int)c;
	}
	for (i = 0; i < nf; i++) {
		for (c = 0; c < ncols; c++) {
			if (csv_name_is(&f[i], cols[c].names, flags))
				break;
		}
		if (c == ncols)
			m.unknown++;
		else if (idx[c] >= 0 && (size_t)idx[c] != i && m.dup < 0) {
			m.dup = (int)c;
			m.dup_field = (int)i;
		}
	}
	if (info)
		*info = m;
	return m.missing >= 0 ? ISR_EFORMAT : 0;
}

int csv_map_report(const struct csv_col *cols, const struct csv_colmap *info, const char *file,
		   long line, long offset, struct isp_err *err)
{
	char names[160];
	size_t used = 0;
	size_t k;

	if (info->missing >= 0) {
		const char *const *nm = cols[info->missing].names;

		names[0] = '\0';
		for (k = 0; nm && nm[k] && used < sizeof(names); k++) {
			int w = snprintf(names + used, sizeof(names) - used, "%s'%s'",
					 k == 0	     ? ""
					 : nm[k + 1] ? ", "
						     : " or ",
					 nm[k]);

			if (w < 0)
				break;
			used += (size_t)w;
		}
		return isp_err_at(err, ISR_EFORMAT, file, line, offset, "no %s column", names);
	}
	if (info->dup >= 0)
		return isp_err_at(err, ISR_EFORMAT, file, line, offset,
				  "column '%s' named twice (field %d again)",
				  cols[info->dup].names[0], info->dup_field + 1);
	if (info->unknown > 0)
		return isp_err_at(err, ISR_EFORMAT, file, line, offset, "%zu unknown column%s",
				  info->unknown, info->unknown == 1 ? "" : "s");
	return 0;
}

char *csv_field_at(const struct csv_field *f, size_t nf, int i)
{
	char *s;
	size_t n;

	if (i < 0 || (size_t)i >= nf)
		return NULL;
	s = f[i].s;
	n = f[i].len;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	return n > 0 ? s : NULL;
}
