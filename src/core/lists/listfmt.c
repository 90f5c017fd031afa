/*
 * listfmt.c -- listfmt_read, format detection, names, times, and the plain and hosts
 * readers. See listfmt.h for the formats and listfmt_int.h for how the readers share
 * their plumbing; CSV-based readers are in listfmt_csv.c, the zone-file reader in
 * listfmt_rpz.c.
 *
 * Every reader is a loop over lf_next_line that never stops on a bad line: it reports
 * the line through lf_reject and goes on, so one broken line in a feed of a million
 * cannot leave the other 999,999 unblocked. Detection only looks at bytes the line
 * reader already holds (lr_peek), so the same bytes are then parsed from the start.
 */
#include "core/base/strbuf.h"
#include "core/lists/listfmt.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/csv.h"
#include "core/lists/listfmt_int.h"

#define SNIFF_BYTES 65536

static const char *const fmt_names[] = {
	[LISTFMT_AUTO] = "auto", [LISTFMT_PLAIN] = "plain",	[LISTFMT_HOSTS] = "hosts",
	[LISTFMT_RPZ] = "rpz",	 [LISTFMT_URLHAUS] = "urlhaus", [LISTFMT_FEODO] = "feodo",
	[LISTFMT_CSV] = "csv",	 [LISTFMT_STIX] = "stix",	[LISTFMT_MISP] = "misp",
};

#define NFMT ((int)(sizeof(fmt_names) / sizeof(fmt_names[0])))

int listfmt_parse_name(const char *name)
{
	return str_index_nocase(fmt_names, NFMT, name);
}

const char *listfmt_name(enum list_format f)
{
	return str_name_at(fmt_names, NFMT, (int)f);
}

/* ---- small helpers shared through listfmt_int.h ---- */

int lf_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	size_t k;
	size_t need;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			need = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3;
			cp = s[i] & 0x07;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

void lf_reject(struct lf_ctx *c, long line, long long off, const char *fmt, ...)
{
	va_list ap;

	c->st->rejected++;
	va_start(ap, fmt);
	isp_vreject(c->on_reject, c->ud, c->file, line, off, fmt, ap);
	va_end(ap);
}

int lf_emit(struct lf_ctx *c, struct listfmt_entry *e, long long off)
{
	if (!lf_utf8_valid(e->value, strlen(e->value))) {
		lf_reject(c, e->line, off, "value is not valid UTF-8");
		return 0;
	}
	if (e->category && !lf_utf8_valid(e->category, strlen(e->category)))
		e->category = NULL;
	if (e->reference && !lf_utf8_valid(e->reference, strlen(e->reference)))
		e->reference = NULL;
	c->st->entries++;
	if (!c->on_entry)
		return 0;
	return c->on_entry(c->ud, e);
}

int lf_next_line(struct lf_ctx *c, struct lr_line *ln)
{
	int rc;

	for (;;) {
		rc = c->csv ? csv_next(c->csv, ln, c->err) : lr_next(c->lr, ln, c->err);
		if (rc <= 0) {
			if (rc < 0 && c->err)
				c->err->file = c->file;
			return rc;
		}
		c->st->lines++;
		if (ln->too_long) {
			lf_reject(c, ln->lineno, ln->offset,
				  "line longer than %d bytes (%lld bytes)", LISTFMT_LINE_MAX,
				  ln->full_len);
			continue;
		}
		if (ln->has_nul) {
			lf_reject(c, ln->lineno, ln->offset,
				  "line contains a NUL byte (binary data?)");
			continue;
		}
		lr_drop_bom(ln);
		return 1;
	}
}

int lf_read_json(struct lf_ctx *c, js_want_fn want, js_value_fn on_value, void *ud)
{
	return lf_read_json_ex(c, want, NULL, on_value, ud);
}

int lf_read_json_ex(struct lf_ctx *c, js_want_fn want, js_raw_fn raw, js_value_fn on_value,
		    void *ud)
{
	struct js_stats js;
	struct isp_err e;
	int rc;

	isp_err_clear(&e);
	rc = js_scan_ex(c->lr, LF_JSON_VALUE_MAX, want, raw, on_value, ud, &js, &e);
	c->st->lines = js.lines;
	if (rc == ISR_EFORMAT && e.code == ISR_EFORMAT) {
		lf_reject(c, e.line, e.offset, "%s", e.msg);
		return 0;
	}
	if (rc < 0 && e.code != 0 && c->err) {
		*c->err = e;
		c->err->file = c->file;
	}
	return rc;
}

/* ---- plain ---- */

/* Cut s at a '#' that starts the line or follows whitespace; 1 if a comment was cut. */
static int cut_comment(char *s, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
			s[i] = '\0';
			*n = i;
			return 1;
		}
	}
	return 0;
}

static char *trim(char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t' || *s == '\v' || *s == '\f')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\v' ||
			  s[*n - 1] == '\f' || s[*n - 1] == '\r'))
		(*n)--;
	s[*n] = '\0';
	return s;
}

int lf_read_plain(struct lf_ctx *c)
{
	struct lr_line ln;
	struct listfmt_entry e;
	char *v;
	size_t n;
	int comment;
	int rc;

	for (;;) {
		rc = lf_next_line(c, &ln);
		if (rc <= 0)
			return rc;
		n = ln.len;
		comment = cut_comment(ln.text, &n);
		v = trim(ln.text, &n);
		if (n == 0) {
			if (comment)
				c->st->skipped++;
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.kind = LIST_KIND_NONE;
		e.value = v;
		e.line = ln.lineno;
		rc = lf_emit(c, &e, ln.offset);
		if (rc != 0)
			return rc;
	}
}

/* ---- hosts ---- */

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r';
}

/* 1 when s[0..n) is an IPv4 or IPv6 address, an optional "%zone" ignored. */
static int is_ip_addr(const char *s, size_t n)
{
	char buf[64];
	unsigned char bin[16];
	const char *pct;

	pct = memchr(s, '%', n);
	if (pct)
		n = (size_t)(pct - s);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, bin) == 1 || inet_pton(AF_INET6, buf, bin) == 1;
}

static int is_localhost_name(const char *s, size_t n)
{
	return str_eq_nocase(s, n, "localhost") || str_eq_nocase(s, n, "localhost.localdomain") ||
	       str_eq_nocase(s, n, "local") || str_eq_nocase(s, n, "broadcasthost") ||
	       (n >= 4 && str_eq_nocase(s, 4, "ip6-"));
}

const char *lf_show(char *buf, size_t size, const char *s, size_t n)
{
	return str_show(buf, size, s, n);
}

/* Next whitespace-separated token in [*p, end), NUL-terminated in place; 0 if none. */
static int next_token(char **p, char *end, char **tok, size_t *tl)
{
	char *q = *p;

	while (q < end && is_ws(*q))
		q++;
	if (q >= end)
		return 0;
	*tok = q;
	while (q < end && !is_ws(*q))
		q++;
	*tl = (size_t)(q - *tok);
	if (q < end) {
		*q = '\0';
		q++;
	}
	*p = q;
	return 1;
}

int lf_read_hosts(struct lf_ctx *c)
{
	struct lr_line ln;
	struct listfmt_entry e;
	char shown[48];
	char *p;
	char *end;
	char *tok;
	char *hash;
	size_t tl;
	int names;
	int rc;

	for (;;) {
		rc = lf_next_line(c, &ln);
		if (rc <= 0)
			return rc;
		p = ln.text;
		end = p + ln.len;
		hash = memchr(p, '#', ln.len);
		if (hash) {
			*hash = '\0';
			end = hash;
		}
		if (!next_token(&p, end, &tok, &tl)) {
			if (hash)
				c->st->skipped++;
			continue;
		}
		if (!is_ip_addr(tok, tl)) {
			lf_reject(c, ln.lineno, ln.offset,
				  "expected 'ADDRESS NAME...', '%s' is not an IP address",
				  lf_show(shown, sizeof(shown), tok, tl));
			continue;
		}
		names = 0;
		while (next_token(&p, end, &tok, &tl)) {
			names++;
			if (is_localhost_name(tok, tl) || is_ip_addr(tok, tl)) {
				c->st->skipped++;
				continue;
			}
			memset(&e, 0, sizeof(e));
			e.kind = LIST_DOMAIN;
			e.value = tok;
			e.line = ln.lineno;
			rc = lf_emit(c, &e, ln.offset);
			if (rc != 0)
				return rc;
		}
		if (names == 0)
			lf_reject(c, ln.lineno, ln.offset,
				  "expected 'ADDRESS NAME...', no name after the address");
	}
}

/* ---- detection ---- */

static int contains_nocase(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);
	size_t i;

	for (i = 0; i + wl <= n; i++) {
		if (str_eq_nocase(s + i, wl, word))
			return 1;
	}
	return 0;
}

/* The value-column names of the generic CSV format (listfmt_csv.c has the same list). */
static int is_csv_column(const char *s, size_t n)
{
	static const char *const cols[] = { "value",	  "domain", "host",	"hostname",
					    "fqdn",	  "url",    "ip",	"address",
					    "ip_address", "dst_ip", "indicator" };
	size_t i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (str_eq_nocase(s, n, cols[i]))
			return 1;
	}
	return 0;
}

static int looks_like_csv_header(const char *s, size_t n)
{
	char buf[4096];
	struct csv_field f[64];
	size_t nf = 0;
	size_t i;

	if (!memchr(s, ',', n))
		return 0;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	csv_split(buf, n, f, 64, &nf, NULL);
	for (i = 0; i < nf; i++) {
		if (is_csv_column(f[i].s, f[i].len))
			return 1;
	}
	return 0;
}

enum { D_RPZ = 1, D_URLHAUS = 2, D_FEODO = 4, D_HOSTS = 8, D_CSV = 16 };

/* Features of one line (without its newline) for detection. */
static int detect_line(const char *s, size_t n, int *first_data)
{
	const char *tok[4];
	size_t tl[4];
	size_t nt = 0;
	size_t i = 0;
	size_t k;
	int lead_ws;
	int f = 0;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	lead_ws = n > 0 && (s[0] == ' ' || s[0] == '\t');
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] == ';')
		return 0;
	if (s[i] == '#') {
		/* abuse.ch also publishes plain-text and hosts-file dumps under the same
		   banner: only the CSV ones are these formats */
		if ((contains_nocase(s, n, "abuse.ch URLhaus") && contains_nocase(s, n, "CSV")) ||
		    contains_nocase(s, n, "id,dateadded,url"))
			f |= D_URLHAUS;
		if ((contains_nocase(s, n, "first_seen_utc") && contains_nocase(s, n, "dst_ip")) ||
		    (contains_nocase(s, n, "abuse.ch Feodotracker") &&
		     contains_nocase(s, n, "CSV")))
			f |= D_FEODO;
		return f;
	}
	if (str_eq_nocase(s, n < 7 ? n : 7, "$ORIGIN") || str_eq_nocase(s, n < 4 ? n : 4, "$TTL"))
		return D_RPZ;
	if (*first_data) {
		*first_data = 0;
		if (contains_nocase(s, n, "first_seen_utc") && contains_nocase(s, n, "dst_ip"))
			f |= D_FEODO;
		if (contains_nocase(s, n, "dateadded") && contains_nocase(s, n, "urlhaus_link"))
			f |= D_URLHAUS;
		if (looks_like_csv_header(s + i, n - i))
			f |= D_CSV;
	}
	/* up to 4 tokens before a ';' comment */
	while (i < n && nt < 4) {
		if (s[i] == ';')
			break;
		tok[nt] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		tl[nt] = (size_t)(s + i - tok[nt]);
		nt++;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	for (k = lead_ws ? 0 : 1; k + 1 < nt; k++) {
		if (str_eq_nocase(tok[k], tl[k], "SOA") || str_eq_nocase(tok[k], tl[k], "CNAME"))
			f |= D_RPZ;
	}
	/* hosts: "ADDRESS NAME", checked on lines that do not start with whitespace */
	if (!lead_ws && nt >= 2 && tok[1][0] != '#' && is_ip_addr(tok[0], tl[0]))
		f |= D_HOSTS;
	return f;
}

/* A JSON document (first byte after blanks '{' or '['): misp, stix or 0. */
static enum list_format detect_json(const char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(p, LR_UTF8_BOM, 3) == 0)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i >= n || (p[i] != '{' && p[i] != '['))
		return 0;
	if (contains_nocase(p + i, n - i, "\"Event\""))
		return LISTFMT_MISP;
	if (contains_nocase(p + i, n - i, "\"objects\""))
		return LISTFMT_STIX;
	return 0;
}

static enum list_format detect(const char *p, size_t n, int complete)
{
	struct lr_sniff sn;
	const char *line;
	size_t ll;
	int first_data = 1;
	int f = 0;
	enum list_format json = detect_json(p, n);

	if (json)
		return json;

	lr_sniff_init(&sn, p, n, complete);
	while (lr_sniff_next(&sn, &line, &ll)) {
		if (!memchr(line, '\0', ll))
			f |= detect_line(line, ll, &first_data);
	}
	if (f & D_RPZ)
		return LISTFMT_RPZ;
	if (f & D_URLHAUS)
		return LISTFMT_URLHAUS;
	if (f & D_FEODO)
		return LISTFMT_FEODO;
	if (f & D_HOSTS)
		return LISTFMT_HOSTS;
	if (f & D_CSV)
		return LISTFMT_CSV;
	return LISTFMT_PLAIN;
}

/* ---- entry point ---- */

int listfmt_read(FILE *f, const struct listfmt_opts *opts, listfmt_entry_fn on_entry,
		 listfmt_reject_fn on_reject, void *ud, struct listfmt_stats *stats,
		 struct isp_err *err)
{
	struct listfmt_stats local;
	struct lf_ctx c;
	enum list_format fmt;
	const char *sniff;
	size_t sn;
	int rc;

	if (!f || !opts)
		return isp_err_set(err, ISR_EINVAL, "listfmt_read: no stream or options");
	if ((int)opts->format < 0 || (int)opts->format > LISTFMT_MISP)
		return isp_err_set(err, ISR_EINVAL, "unknown list format %d", (int)opts->format);
	memset(&c, 0, sizeof(c));
	c.st = stats ? stats : &local;
	memset(c.st, 0, sizeof(*c.st));
	c.opts = opts;
	c.file = lr_file_name(opts->filename);
	c.on_entry = on_entry;
	c.on_reject = on_reject;
	c.ud = ud;
	c.err = err;
	c.lr = lr_new(f, LISTFMT_LINE_MAX);
	c.scratch = malloc(LF_SCRATCH);
	if (!c.lr || !c.scratch) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory for the list reader");
		goto out;
	}
	fmt = opts->format;
	if (fmt == LISTFMT_AUTO) {
		rc = lr_peek(c.lr, SNIFF_BYTES, &sniff, &sn, err);
		if (rc < 0) {
			if (err)
				err->file = c.file;
			goto out;
		}
		fmt = detect(sniff, sn, sn < SNIFF_BYTES);
	}
	c.st->detected = fmt;
	switch (fmt) {
	case LISTFMT_HOSTS: rc = lf_read_hosts(&c); break;
	case LISTFMT_RPZ: rc = lf_read_rpz(&c); break;
	case LISTFMT_URLHAUS: rc = lf_read_urlhaus(&c); break;
	case LISTFMT_FEODO: rc = lf_read_feodo(&c); break;
	case LISTFMT_CSV: rc = lf_read_csv(&c); break;
	case LISTFMT_STIX: rc = lf_read_stix(&c); break;
	case LISTFMT_MISP: rc = lf_read_misp(&c); break;
	case LISTFMT_AUTO:
	case LISTFMT_PLAIN:
	default: rc = lf_read_plain(&c); break;
	}
out:
	free(c.scratch);
	lr_free(c.lr);
	return rc;
}
