/*
 * sessfmt.c -- sessfmt_read, format sniffing, names, and what the session log readers
 * share (text and time parsing, rejecting and emitting records, CSV column mapping).
 * See sessfmt.h for the formats and sessfmt_int.h for how the readers share their
 * plumbing; the RADIUS readers (detail, radcsv) are in sessfmt_radius.c, the DHCP lease
 * readers (dhcpd, kea) in sessfmt_lease.c.
 *
 * Every reader is a loop over the bounded line reader (linereader.h) that never stops on
 * a bad record: it reports the record's first line through the reject callback and goes
 * on. Records that span lines (detail records, dhcpd blocks) are not buffered as text:
 * the values a record needs are copied, as they are met, into a few fixed buffers
 * allocated once per call, so memory stays bounded by SESSFMT_LINE_MAX whatever the
 * input. Sniffing looks only at bytes the line reader already holds (lr_peek), so the
 * same bytes are then parsed from the start: it works on pipes and standard input.
 *
 * Choices common to all readers: strings (user, session_id, nas) are passed as written,
 * without UTF-8 checks; stats.skipped counts records that are not sessions, not blank,
 * comment or header lines.
 */
#include "core/base/strbuf.h"
#include "core/sessions/sessfmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sessions/sessfmt_int.h"
#include "core/base/timefmt.h"

#define SNIFF_BYTES ((size_t)2 * SESSFMT_LINE_MAX)

static const char *const fmt_names[] = {
	[SESSFMT_AUTO] = "auto",   [SESSFMT_DETAIL] = "detail", [SESSFMT_RADCSV] = "radcsv",
	[SESSFMT_DHCPD] = "dhcpd", [SESSFMT_KEA] = "kea",
};

#define NFMT ((int)(sizeof(fmt_names) / sizeof(fmt_names[0])))

/* ---- small text helpers ---- */

int sf_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int starts_nocase(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && strncasecmp(s, w, wl) == 0;
}

/* Trim blanks on both sides of s[0..*n); returns the new start. */
const char *sf_trim(const char *s, size_t *n)
{
	while (*n > 0 && sf_is_blank(*s)) {
		s++;
		(*n)--;
	}
	while (*n > 0 && sf_is_blank(s[*n - 1]))
		(*n)--;
	return s;
}

/* Unsigned decimal s[0..n) (1..15 digits, nothing else) no larger than max. */
int sf_parse_uint(const char *s, size_t n, int64_t max, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Split s[0..n) at blanks into at most max words; returns the count (more = max + 1). */
static size_t words(const char *s, size_t n, const char **w, size_t *wl, size_t max)
{
	size_t i = 0;
	size_t k = 0;
	size_t st;

	for (;;) {
		while (i < n && sf_is_blank(s[i]))
			i++;
		if (i >= n)
			return k;
		if (k == max)
			return max + 1;
		st = i;
		while (i < n && !sf_is_blank(s[i]))
			i++;
		w[k] = s + st;
		wl[k] = i - st;
		k++;
	}
}

/* ---- times ---- */

static int month_num(const char *s, size_t n)
{
	static const char *const mon[12] = { "jan", "feb", "mar", "apr", "may", "jun",
					     "jul", "aug", "sep", "oct", "nov", "dec" };
	int i;

	for (i = 0; i < 12; i++) {
		if (str_eq_nocase(s, n, mon[i]))
			return i + 1;
	}
	return 0;
}

/* Unix seconds of a UTC civil time; -1 for an impossible one. */
int sf_civil(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t *out)
{
	int64_t dim;

	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (mo == 12)
		dim = 31;
	else
		dim = time_days_from_civil(y, (int)mo + 1, 1) - time_days_from_civil(y, (int)mo, 1);
	if (d > dim)
		return -1;
	*out = time_days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

/* "HH:MM:SS" (1 or 2 digits each). */
int sf_parse_hms(const char *s, size_t n, int64_t *h, int64_t *mi, int64_t *sec)
{
	const char *c1 = memchr(s, ':', n);
	const char *c2;

	if (!c1)
		return -1;
	c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s));
	if (!c2 || c1 - s > 2 || c2 - c1 - 1 > 2 || n - (size_t)(c2 + 1 - s) > 2)
		return -1;
	if (sf_parse_uint(s, (size_t)(c1 - s), 23, h) < 0 ||
	    sf_parse_uint(c1 + 1, (size_t)(c2 - c1 - 1), 59, mi) < 0 ||
	    sf_parse_uint(c2 + 1, n - (size_t)(c2 + 1 - s), 60, sec) < 0)
		return -1;
	return 0;
}

/* The detail date line "Sun Nov 22 10:41:24 2026" (ctime form): the server's local time,
 * read in core.timezone (the process's zone). */
int sf_parse_date_line(const char *s, size_t n, int64_t *out)
{
	const char *w[5];
	size_t wl[5];
	int64_t d, y, h, mi, sec;
	int mo;

	if (words(s, n, w, wl, 5) != 5 || wl[0] != 3)
		return -1;
	mo = month_num(w[1], wl[1]);
	if (!mo || sf_parse_uint(w[2], wl[2], 31, &d) < 0 ||
	    sf_parse_hms(w[3], wl[3], &h, &mi, &sec) < 0 ||
	    sf_parse_uint(w[4], wl[4], 9999, &y) < 0 || sf_civil(y, mo, d, h, mi, sec, out) < 0)
		return -1;
	*out = time_local_to_utc(*out);
	return *out >= 0 ? 0 : -1;
}

/* FreeRADIUS's Event-Timestamp "Nov 22 2026 10:41:24 UTC", or unix seconds. */
int sf_parse_radius_time(const char *s, size_t n, int64_t *out)
{
	const char *w[5];
	size_t wl[5];
	size_t nw;
	int64_t d, y, h, mi, sec, oh, om, off = 0;
	int mo;

	s = sf_trim(s, &n);
	if (sf_parse_uint(s, n, SF_TIME_MAX, out) == 0)
		return 0;
	nw = words(s, n, w, wl, 5);
	if (nw < 4 || nw > 5)
		return -1;
	mo = month_num(w[0], wl[0]);
	if (!mo || sf_parse_uint(w[1], wl[1], 31, &d) < 0 ||
	    sf_parse_uint(w[2], wl[2], 9999, &y) < 0 ||
	    sf_parse_hms(w[3], wl[3], &h, &mi, &sec) < 0)
		return -1;
	if (nw == 5 && !str_eq_nocase(w[4], wl[4], "UTC") && !str_eq_nocase(w[4], wl[4], "GMT") &&
	    !str_eq_nocase(w[4], wl[4], "Z")) {
		if (wl[4] != 5 || (w[4][0] != '+' && w[4][0] != '-') ||
		    sf_parse_uint(w[4] + 1, 2, 23, &oh) < 0 ||
		    sf_parse_uint(w[4] + 3, 2, 59, &om) < 0)
			return -1;
		off = (oh * 3600 + om * 60) * (w[4][0] == '-' ? -1 : 1);
	}
	if (sf_civil(y, mo, d, h, mi, sec, out) < 0)
		return -1;
	*out -= off;
	return *out >= 0 ? 0 : -1;
}

/* A time in a CSV column: time_parse's forms, a "+HH" zone, or the FreeRADIUS form. */
int sf_parse_any_time(const char *s, size_t n, int64_t *out)
{
	char buf[64];

	s = sf_trim(s, &n);
	if (n == 0)
		return -1;
	if (time_parse(s, n, out) == 0)
		return *out >= 0 && *out <= SF_TIME_MAX ? 0 : -1;
	if (n > 3 && n + 2 < sizeof(buf) && (s[n - 3] == '+' || s[n - 3] == '-')) {
		memcpy(buf, s, n);
		memcpy(buf + n, "00", 2);
		if (time_parse(buf, n + 2, out) == 0)
			return *out >= 0 && *out <= SF_TIME_MAX ? 0 : -1;
	}
	return sf_parse_radius_time(s, n, out);
}

/* Acct-Status-Type -> SESS_START/INTERIM/STOP, 0 for a type that is not a session event. */
int sf_status_op(const char *s, size_t n)
{
	s = sf_trim(s, &n);
	if (str_eq_nocase(s, n, "Start") || str_eq_nocase(s, n, "1"))
		return SESS_START;
	if (str_eq_nocase(s, n, "Stop") || str_eq_nocase(s, n, "2"))
		return SESS_STOP;
	if (str_eq_nocase(s, n, "Interim-Update") || str_eq_nocase(s, n, "Alive") ||
	    str_eq_nocase(s, n, "Interim") || str_eq_nocase(s, n, "3"))
		return SESS_INTERIM;
	return 0;
}

/* The record's time: Event-Timestamp unless it is off the receive time by > max_skew. */
int sf_choose_time(struct sf_ctx *c, const struct sf_times *t, int64_t *out)
{
	int64_t recv = t->recv - t->delay;
	int64_t diff;

	if (t->has_event) {
		diff = t->event > recv ? t->event - recv : recv - t->event;
		if (!t->has_recv || c->opts->max_skew <= 0 || diff <= c->opts->max_skew) {
			*out = t->event;
			return 0;
		}
		c->st->skewed++;
	}
	if (!t->has_recv || recv < 0)
		return -1;
	*out = recv;
	return 0;
}

/* ---- reporting ---- */

void sf_reject(struct sf_ctx *c, long line, long long off, const char *fmt, ...)
{
	va_list ap;

	c->st->rejected++;
	va_start(ap, fmt);
	isp_vreject(c->on_reject, c->ud, c->file, line, off, fmt, ap);
	va_end(ap);
}

int sf_unescape(const char *s, size_t n, size_t *i, int hex)
{
	int ch = (unsigned char)s[(*i)++], d;

	if (ch >= '0' && ch <= '7') {
		ch -= '0';
		for (d = 0; d < 2 && *i < n && s[*i] >= '0' && s[*i] <= '7'; d++)
			ch = ch * 8 + (s[(*i)++] - '0');
		return ch & 0xff;
	}
	if (hex && ch == 'x' && *i + 1 < n && hex_value(s[*i]) >= 0 && hex_value(s[*i + 1]) >= 0) {
		ch = hex_value(s[*i]) * 16 + hex_value(s[*i + 1]);
		*i += 2;
		return ch;
	}
	return ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch == 't' ? '\t' : ch;
}

void sf_bad(struct sf_why *w, const char *fmt, ...)
{
	va_list ap;

	if (w->bad)
		return;
	w->bad = 1;
	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
}

int sf_emit(struct sf_ctx *c, struct sess_record *r)
{
	if (!r->user)
		r->user = "";
	if (!r->session_id)
		r->session_id = "";
	if (!r->nas)
		r->nas = "";
	if (!r->nas_ip)
		r->nas_ip = "";
	if (!r->nas_id)
		r->nas_id = "";
	c->st->records++;
	if (!c->on_record)
		return 0;
	return c->on_record(c->ud, r);
}

void sf_rec_init(struct sess_record *r, long line)
{
	memset(r, 0, sizeof(*r));
	r->duration = -1;
	r->line = line;
	r->user = "";
	r->session_id = "";
	r->nas = "";
	r->nas_ip = "";
	r->nas_id = "";
}

/* Add s[0..n) as an address of the given family (0 = either); why says what failed. */
int sf_add_addr(struct sess_record *r, const char *s, size_t n, int family, const char *what,
		char *why, size_t wsz)
{
	struct ip_prefix p;
	char shown[64];

	s = sf_trim(s, &n);
	if (ip_parse_prefix(s, n, &p, NULL, NULL) < 0 || (family && p.family != family) ||
	    (family == 4 && p.len != 32)) {
		snprintf(why, wsz, "%s '%s' is not an IPv%s %s", what,
			 str_show(shown, sizeof(shown), s, n), family == 4 ? "4" : "6",
			 family == 4 ? "address" : "prefix");
		return -1;
	}
	if (r->naddr < SESS_MAX_ADDRS)
		r->addr[r->naddr++] = p;
	return 0;
}

int sf_with_csv(struct sf_ctx *c, int (*read)(struct sf_ctx *c))
{
	int rc;

	c->csv = csv_reader_new(c->lr, SESSFMT_LINE_MAX);
	if (!c->csv)
		return isp_err_set(c->err, ISR_ENOMEM, "out of memory");
	rc = read(c);
	csv_reader_free(c->csv);
	c->csv = NULL;
	return rc;
}

/* Next line: 1, 0 at end, or ISR_EIO. Counts lines; drops a BOM on line 1. */
int sf_line(struct sf_ctx *c, struct lr_line *ln)
{
	int rc = c->csv ? csv_next(c->csv, ln, c->err) : lr_next(c->lr, ln, c->err);

	if (rc <= 0) {
		if (rc < 0 && c->err)
			c->err->file = c->file;
		return rc;
	}
	c->st->lines++;
	lr_drop_bom(ln);
	return 1;
}

/* ---- CSV ---- */

/* 1 when some field of the row, loosely (CSV_MAP_LOOSE), is one of names. */
int sf_row_has(const struct csv_field *f, size_t nf, const char *const *names)
{
	size_t i;

	for (i = 0; i < nf; i++) {
		if (csv_name_is(&f[i], names, CSV_MAP_LOOSE))
			return 1;
	}
	return 0;
}

/* Field i trimmed and NUL-terminated in place; NULL when absent, empty or "NULL". */
char *sf_fld(struct csv_field *f, size_t nf, int i)
{
	char *s;
	size_t n;

	if (i < 0 || (size_t)i >= nf)
		return NULL;
	n = f[i].len;
	s = (char *)sf_trim(f[i].s, &n);
	s[n] = '\0';
	if (n == 0 || (n == 4 && strcmp(s, "NULL") == 0))
		return NULL;
	return s;
}

/*
 * Split a content line into fields: 1 with *nf set, 0 for a blank or '#' comment line,
 * -1 when the line was rejected (too long, NUL byte, bad quoting).
 */
int sf_csv_line(struct sf_ctx *c, struct lr_line *ln, struct csv_field *f, size_t *nf)
{
	struct isp_err e;
	size_t i;

	if (ln->too_long) {
		sf_reject(c, ln->lineno, ln->offset, "line longer than %d bytes (%lld bytes)",
			  SESSFMT_LINE_MAX, ln->full_len);
		return -1;
	}
	if (ln->has_nul) {
		sf_reject(c, ln->lineno, ln->offset, "line contains a NUL byte (binary data?)");
		return -1;
	}
	i = strspn(ln->text, " \t");
	if (i == ln->len || ln->text[i] == '#')
		return 0;
	isp_err_clear(&e);
	if (csv_split(ln->text, ln->len, f, SF_CSV_FIELDS, nf, &e) < 0) {
		sf_reject(c, ln->lineno, ln->offset, "%s", e.msg);
		return -1;
	}
	return 1;
}

/* ---- detection ---- */

static int is_dhcpd_start(const char *s, size_t n)
{
	static const char *const kw[] = { "lease ",	 "authoring-byte-order",
					  "server-duid", "failover peer",
					  "host ",	 "db-time-format",
					  "ia-na ",	 "ia-pd ",
					  "ia-ta ",	 NULL };
	size_t i;

	for (i = 0; kw[i]; i++) {
		if (starts_nocase(s, n, kw[i]))
			return 1;
	}
	return 0;
}

static int contains(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	size_t i;

	for (i = 0; i + wl <= n; i++) {
		if (memcmp(s + i, w, wl) == 0)
			return 1;
	}
	return 0;
}

/* The format of the first content line s[0..n) (next: the line after it, or NULL). */
static enum sess_format detect_first(const char *s, size_t n, const char *next, size_t nn)
{
	static const char *const kea[] = { "validlifetime", NULL };
	struct csv_field f[64];
	char buf[4096];
	int64_t t;
	size_t nf = 0;

	if (is_dhcpd_start(s, n))
		return SESSFMT_DHCPD;
	if (memchr(s, ',', n)) {
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		csv_split(buf, n, f, 64, &nf, NULL);
		if (sf_row_has(f, nf, kea))
			return SESSFMT_KEA;
		if (sf_row_has(f, nf, sf_radcsv_columns))
			return SESSFMT_RADCSV;
		return SESSFMT_AUTO;
	}
	if (sf_parse_date_line(s, n, &t) < 0)
		return SESSFMT_AUTO;
	if (!next || (nn > 0 && sf_is_blank(next[0]) && memchr(next, '=', nn)))
		return SESSFMT_DETAIL;
	return SESSFMT_AUTO;
}

/*
 * Detect from p[0..n) (complete: the whole stream). *first is set to the 1-based number
 * of the first content line (0 = none). Returns SESSFMT_AUTO when unknown.
 */
static enum sess_format detect(const char *p, size_t n, int complete, long *first)
{
	struct lr_sniff sn;
	const char *line;
	const char *next;
	const char *nl;
	size_t ll;
	size_t nn;
	size_t i;
	long lineno = 0;
	int dhcpd_comment = 0;

	*first = 0;
	lr_sniff_init(&sn, p, n, complete);
	while (lr_sniff_next(&sn, &line, &ll)) {
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		i = 0;
		while (i < ll && sf_is_blank(line[i]))
			i++;
		if (i < ll && line[i] == '#') {
			dhcpd_comment |= contains(line, ll, "dhcpd") || contains(line, ll, "lease");
		} else if (i < ll) {
			*first = lineno;
			if (memchr(line, '\0', ll))
				return SESSFMT_AUTO;
			/* the line after it, as far as the prefix has it */
			next = sn.n > 0 ? sn.p : NULL;
			nn = sn.n;
			nl = next ? memchr(next, '\n', nn) : NULL;
			if (nl)
				nn = (size_t)(nl - next);
			return detect_first(line, ll, next, nn);
		}
	}
	return dhcpd_comment ? SESSFMT_DHCPD : SESSFMT_AUTO;
}

int sf_read_csv(struct sf_ctx *c, const struct sf_csv_format *fmt)
{
	struct csv_field f[SF_CSV_FIELDS];
	struct lr_line ln;
	int idx[SF_CSV_COLS];
	const char *why;
	size_t ncols = 0;
	long hline = 0;
	size_t nf;
	int rc;

	if (fmt->ncols > SF_CSV_COLS)
		return isp_err_set(c->err, ISR_EINVAL, "CSV format with too many columns");
	for (;;) {
		rc = sf_line(c, &ln);
		if (rc <= 0)
			return rc;
		if (sf_csv_line(c, &ln, f, &nf) <= 0)
			continue;
		if (sf_row_has(f, nf, fmt->marks)) {
			csv_map_header(fmt->cols, fmt->ncols, f, nf, CSV_MAP_LOOSE, idx, NULL);
			hline = ln.lineno;
			ncols = nf;
			why = fmt->header_bad(idx);
			if (why) {
				ncols = 0;
				sf_reject(c, ln.lineno, ln.offset, "%s", why);
			}
			continue;
		}
		if (ncols == 0) {
			if (hline && fmt->say_line)
				sf_reject(c, ln.lineno, ln.offset,
					  "%s (the one on line %ld is not)", fmt->bad_header,
					  hline);
			else
				sf_reject(c, ln.lineno, ln.offset, "%s",
					  hline ? fmt->bad_header : fmt->no_header);
			continue;
		}
		if (nf != ncols) {
			sf_reject(c, ln.lineno, ln.offset,
				  "%zu fields, but the header on line %ld has %zu", nf, hline,
				  ncols);
			continue;
		}
		rc = fmt->row(c, idx, f, nf, &ln);
		if (rc != 0)
			return rc;
	}
}

/* ---- names and the entry point ---- */

int sessfmt_parse_name(const char *name)
{
	return str_index_nocase(fmt_names, NFMT, name);
}

const char *sessfmt_name(enum sess_format f)
{
	return str_name_at(fmt_names, NFMT, (int)f);
}

/* Auto-detection; 0 with *fmt set (SESSFMT_AUTO: nothing to read), or an error. */
static int sniff(struct sf_ctx *c, enum sess_format *fmt)
{
	struct lr_line ln;
	const char *data;
	size_t n;
	long first;
	char shown[64];
	int rc;

	rc = lr_peek(c->lr, SNIFF_BYTES, &data, &n, c->err);
	if (rc < 0) {
		if (c->err)
			c->err->file = c->file;
		return rc;
	}
	*fmt = detect(data, n, n < SNIFF_BYTES, &first);
	if (*fmt != SESSFMT_AUTO)
		return 0;
	if (first == 0 && n < SNIFF_BYTES) {
		/* only blank or comment lines: nothing to read, but count them */
		for (;;) {
			rc = sf_line(c, &ln);
			if (rc <= 0)
				return rc;
		}
	}
	for (;;) {
		rc = sf_line(c, &ln);
		if (rc < 0)
			return rc;
		if (rc == 0 || ln.lineno >= first)
			break;
	}
	if (rc == 0 || first == 0)
		return isp_err_at(c->err, ISR_EFORMAT, c->file, 1, 0,
				  "not a session log (detail, radcsv, dhcpd or kea): no content "
				  "line in the first %zu bytes",
				  SNIFF_BYTES);
	return isp_err_at(c->err, ISR_EFORMAT, c->file, ln.lineno, ln.offset,
			  "not a session log (detail, radcsv, dhcpd or kea): '%s'",
			  ln.too_long ? "(a line too long)"
				      : str_show(shown, sizeof(shown), ln.text, ln.len));
}

int sessfmt_read(FILE *f, const struct sessfmt_opts *opts, sessfmt_record_fn on_record,
		 sessfmt_reject_fn on_reject, void *ud, struct sessfmt_stats *stats,
		 struct isp_err *err)
{
	struct sessfmt_stats local;
	struct sf_ctx c;
	enum sess_format fmt;
	char *mem = NULL;
	int rc;
	int i;

	if (!f || !opts)
		return isp_err_set(err, ISR_EINVAL, "sessfmt_read: no stream or options");
	if ((int)opts->format < 0 || (int)opts->format >= NFMT)
		return isp_err_set(err, ISR_EINVAL, "unknown session log format %d",
				   (int)opts->format);
	memset(&c, 0, sizeof(c));
	c.st = stats ? stats : &local;
	memset(c.st, 0, sizeof(*c.st));
	c.opts = opts;
	c.file = lr_file_name(opts->filename);
	c.on_record = on_record;
	c.on_reject = on_reject;
	c.ud = ud;
	c.err = err;
	c.lr = lr_new(f, SESSFMT_LINE_MAX);
	mem = malloc((size_t)SF_NSLOT * SF_SLOT);
	if (!c.lr || !mem) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory for the session log reader");
		goto out;
	}
	for (i = 0; i < SF_NSLOT; i++) {
		c.slot[i] = mem + (size_t)i * SF_SLOT;
		c.slot[i][0] = '\0';
	}
	fmt = opts->format;
	if (fmt == SESSFMT_AUTO) {
		rc = sniff(&c, &fmt);
		if (rc < 0 || fmt == SESSFMT_AUTO)
			goto out;
	}
	c.st->detected = fmt;
	switch (fmt) {
	case SESSFMT_DETAIL: rc = sf_read_detail(&c); break;
	case SESSFMT_RADCSV: rc = sf_with_csv(&c, sf_read_radcsv); break;
	case SESSFMT_DHCPD: rc = sf_read_dhcpd(&c); break;
	case SESSFMT_KEA: rc = sf_with_csv(&c, sf_read_kea); break;
	case SESSFMT_AUTO:
	default: rc = 0; break;
	}
out:
	free(mem);
	lr_free(c.lr);
	return rc;
}
