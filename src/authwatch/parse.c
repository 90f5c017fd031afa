/*
 * parse.c -- times, syslog headers, format detection and the JSON-lines reader of
 * authwatch. The per-program readers (FreeRADIUS, Postfix, Dovecot) are in
 * parse_fmt.c; this file owns what they share.
 *
 * A line is copied into a bounded buffer and NUL-terminated before it is looked at; a
 * line holding a NUL byte or other control characters (binary garbage) is refused
 * before any reader sees it, so the readers can use the str* functions safely.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authwatch/aw_int.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"

static const char *const fmt_names[AWF_N] = { "auto", "radius", "postfix", "dovecot", "json" };
static const char *const svc_names[AWS_N] = { "other", "ppp", "smtp", "imap", "pop3", "web" };
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

int aw_format_parse(const char *name)
{
	return str_index(fmt_names, AWF_N, name);
}

const char *aw_format_name(enum aw_format f)
{
	return (unsigned)f < AWF_N ? fmt_names[f] : "?";
}

const char *aw_service_name(enum aw_service s)
{
	return (unsigned)s < AWS_N ? svc_names[s] : "other";
}

enum aw_service aw_service_parse(const char *s)
{
	if (strncmp(s, "imap", 4) == 0)
		return AWS_IMAP;
	if (strncmp(s, "pop3", 4) == 0)
		return AWS_POP3;
	if (strncmp(s, "smtp", 4) == 0 || strncmp(s, "submission", 10) == 0)
		return AWS_SMTP;
	if (strcmp(s, "ppp") == 0 || strcmp(s, "pppoe") == 0 || strcmp(s, "radius") == 0)
		return AWS_PPP;
	if (strcmp(s, "web") == 0 || strcmp(s, "http") == 0 || strcmp(s, "https") == 0)
		return AWS_WEB;
	return AWS_OTHER;
}

/* ---- times ---- */

static void civil_from_days(int64_t z, int *y, int *m)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void aw_clock_init(struct aw_clock *c, int64_t ref, int64_t utc_off)
{
	int64_t local = ref + utc_off;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	memset(c, 0, sizeof(*c));
	c->ref = ref;
	c->utc_off = utc_off;
	civil_from_days(days, &c->ref_year, &c->ref_month);
}

void aw_clock_init_local(struct aw_clock *c, int64_t ref)
{
	time_t tt = (time_t)ref;
	struct tm tm;

	aw_clock_init(c, ref, localtime_r(&tt, &tm) ? tm.tm_gmtoff : 0);
	c->local = 1;
}

/* The instant of naive (a zone-less civil time written as if UTC) for c. */
static int64_t zone_time(const struct aw_clock *c, int64_t naive)
{
	return c->local ? time_local_to_utc(naive) : naive - c->utc_off;
}

static int num(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int month_of(const char *s)
{
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(s, months + (size_t)3 * (size_t)i, 3) == 0)
			return i + 1;
	return 0;
}

/* "Mmm dd hh:mm:ss" (day space-padded or not) at s: fills m, d, secs of day. */
static size_t bsd_time(const char *s, size_t n, int *mon, int *day, int *sod)
{
	int hh = 0, mm = 0, ss = 0;
	const char *p;

	*day = 0;
	/* callers pass n <= the bytes initialised (strlen of a copied line); the analyzer
	 * cannot see that through strlen */
	if (n < 15 || s[3] != ' ') // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
		return 0;
	*mon = month_of(s);
	if (!*mon)
		return 0;
	p = s + 4;
	if (num(p[0] == ' ' ? p + 1 : p, p[0] == ' ' ? 1 : 2, day) != 0)
		return 0;
	if (p[2] != ' ' || num(p + 3, 2, &hh) || p[5] != ':' || num(p + 6, 2, &mm) || p[8] != ':' ||
	    num(p + 9, 2, &ss))
		return 0;
	if (*day < 1 || *day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	*sod = hh * 3600 + mm * 60 + ss;
	return 15;
}

static int64_t local_time(const struct aw_clock *c, int y, int m, int d, int sod)
{
	return zone_time(c, time_days_from_civil(y, m, d) * 86400 + sod);
}

/* The year of a year-less line of month m. */
static int infer_year(struct aw_clock *c, int m)
{
	if (c->year == 0) {
		c->year = m > c->ref_month ? c->ref_year - 1 : c->ref_year;
		if (c->ref_year == 0)
			c->year = 1970;
	} else if (m + 6 <= c->last_month) {
		c->year++; /* December -> January */
	} else if (m >= c->last_month + 6) {
		return c->year - 1; /* a stray line from before the turn: not followed */
	}
	c->last_month = m;
	return c->year;
}

/* ISO 8601 / RFC 3339 at s: "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH:MM|+HHMM]". */
static size_t iso_time(const char *s, size_t n, const struct aw_clock *c, int64_t *t)
{
	size_t e = 19, z;
	int zone = 0;

	if (n < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return 0;
	if (e < n && s[e] == '.')
		for (e++; e < n && s[e] >= '0' && s[e] <= '9'; e++)
			;
	z = e;
	if (e < n && s[e] == 'Z') {
		e++;
		zone = 1;
	} else if (e < n && (s[e] == '+' || s[e] == '-')) {
		size_t k = e + 1;

		while (k < n && k < e + 6 && ((s[k] >= '0' && s[k] <= '9') || s[k] == ':'))
			k++;
		if (k - e >= 5) {
			e = k;
			zone = 1;
		}
	}
	if (time_parse(s, e, t) != 0)
		return 0;
	(void)z;
	if (!zone)
		*t = zone_time(c, *t);
	return e;
}

size_t aw_parse_time(const char *s, size_t n, struct aw_clock *clk, int64_t *t)
{
	int mon, day, sod, y;
	size_t k;

	if (n >= 19 && s[0] >= '0' && s[0] <= '9')
		return iso_time(s, n, clk, t);
	k = bsd_time(s, n, &mon, &day, &sod);
	if (k) {
		*t = local_time(clk, infer_year(clk, mon), mon, day, sod);
		return k;
	}
	/* radius.log: "Sun Nov 22 10:40:31 2026" */
	if (n >= 24 && s[3] == ' ' && bsd_time(s + 4, n - 4, &mon, &day, &sod) && s[19] == ' ' &&
	    num(s + 20, 4, &y) == 0) {
		*t = local_time(clk, y, mon, day, sod);
		return 24;
	}
	return 0;
}

/* ---- syslog header ---- */

int aw_syslog_split(char *line, struct aw_clock *clk, struct aw_syslog *h)
{
	size_t n = strlen(line), k;
	char *p, *colon;

	memset(h, 0, sizeof(*h));
	if (n && line[0] == '<') { /* a priority as received over the network */
		p = strchr(line, '>');
		if (!p || p - line > 4)
			return -1;
		n -= (size_t)(p + 1 - line);
		line = p + 1;
	}
	k = aw_parse_time(line, n, clk, &h->time);
	if (!k || line[k] != ' ')
		return -1;
	p = line + k + 1;
	h->host = p;
	p = strchr(p, ' ');
	if (!p)
		return -1;
	*p++ = '\0';
	h->prog = p;
	colon = strstr(p, ": ");
	if (!colon)
		return -1;
	*colon = '\0';
	h->msg = colon + 2;
	p = strchr(h->prog, '[');
	if (p)
		*p = '\0';
	return 0;
}

/* ---- JSON lines ---- */

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int parse_json(const char *line, size_t len, struct aw_clock *clk, struct aw_rec *out,
		      struct isp_err *err)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je), *tv;
	const char *s;
	int rc = ISR_EFORMAT;

	if (!o || !json_is_object(o)) {
		isp_err_set(err, ISR_EFORMAT, "not a JSON object%s%s", o ? "" : ": ",
			    o ? "" : je.text);
		goto out;
	}
	tv = json_object_get(o, "time");
	if (json_is_integer(tv)) {
		out->time = (int64_t)json_integer_value(tv);
	} else if (json_is_real(tv)) {
		out->time = (int64_t)json_real_value(tv);
	} else if (json_is_string(tv)) {
		s = json_string_value(tv);
		if (aw_parse_time(s, strlen(s), clk, &out->time) != strlen(s)) {
			isp_err_set(err, ISR_EFORMAT, "bad \"time\"");
			goto out;
		}
	} else {
		isp_err_set(err, ISR_EFORMAT, "no \"time\"");
		goto out;
	}
	s = jstr(o, "result");
	if (!s) {
		isp_err_set(err, ISR_EFORMAT, "no \"result\"");
		goto out;
	}
	if (!strcmp(s, "ok") || !strcmp(s, "success") || !strcmp(s, "accept") ||
	    !strcmp(s, "login"))
		out->result = AWR_OK;
	else if (!strcmp(s, "fail") || !strcmp(s, "failure") || !strcmp(s, "reject") ||
		 !strcmp(s, "failed"))
		out->result = AWR_FAIL;
	else if (!strcmp(s, "send"))
		out->result = AWR_SEND;
	else {
		isp_err_set(err, ISR_EFORMAT, "unknown \"result\" (ok, fail or send)");
		goto out;
	}
	s = jstr(o, "user");
	aw_copy(out->user, sizeof(out->user), s ? s : "", s ? strlen(s) : 0);
	s = jstr(o, "source");
	aw_set_source(out, s ? s : "", s ? strlen(s) : 0);
	s = jstr(o, "nas");
	aw_copy(out->nas, sizeof(out->nas), s ? s : "", s ? strlen(s) : 0);
	s = jstr(o, "service");
	out->service = s ? aw_service_parse(s) : AWS_OTHER;
	rc = 1;
out:
	json_decref(o);
	return rc;
}

/* ---- helpers shared with parse_fmt.c ---- */

void aw_copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void aw_set_source(struct aw_rec *r, const char *s, size_t n)
{
	aw_copy(r->source, sizeof(r->source), s, n);
	if (n == 0 || ip_parse_prefix(s, n, &r->src, NULL, NULL) != 0 ||
	    r->src.len != (r->src.family == 4 ? 32 : 128))
		memset(&r->src, 0, sizeof(r->src));
}

/* ---- dispatch ---- */

enum aw_format aw_detect_format(const char *line, size_t len)
{
	char buf[1024];
	struct aw_clock clk;
	struct aw_syslog h;
	int64_t t;

	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	if (len && line[0] == '{')
		return AWF_JSON;
	aw_copy(buf, sizeof(buf), line, len);
	if (memchr(buf, 0, strlen(buf) + 1) != buf + strlen(buf))
		return AWF_AUTO;
	aw_clock_init(&clk, 0, 0);
	if (aw_parse_time(buf, strlen(buf), &clk, &t) == 24 && strncmp(buf + 24, " : ", 3) == 0)
		return AWF_RADIUS;
	if (strstr(buf, "User-Name="))
		return AWF_RADIUS;
	if (aw_syslog_split(buf, &clk, &h) == 0) {
		if (strstr(h.prog, "postfix"))
			return AWF_POSTFIX;
		if (strstr(h.prog, "dovecot") || strstr(h.prog, "-login"))
			return AWF_DOVECOT;
		if (strstr(h.prog, "radius"))
			return AWF_RADIUS;
	}
	return AWF_AUTO;
}

int aw_parse_line(enum aw_format fmt, const char *line, size_t len, struct aw_clock *clk,
		  struct aw_rec *out, struct isp_err *err)
{
	char buf[AW_LINE_MAX + 1];
	struct aw_syslog h;
	size_t i;

	out->time = 0;
	out->result = 0;
	out->service = AWS_OTHER;
	out->user[0] = out->source[0] = out->nas[0] = out->session[0] = '\0';
	memset(&out->src, 0, sizeof(out->src));
	out->count = 1;
	if (len > AW_LINE_MAX)
		return isp_err_set(err, ISR_EFORMAT, "line longer than %d bytes", AW_LINE_MAX);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch < 0x20 && ch != '\t')
			return isp_err_set(err, ISR_EFORMAT, "binary data (byte 0x%02x at %zu)", ch,
					   i);
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (fmt == AWF_JSON)
		return parse_json(line, len, clk, out, err);
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (fmt == AWF_RADIUS) {
		int rc = aw_parse_radius_file(buf, clk, out, err);

		if (rc != ISR_EFORMAT || strstr(buf, "User-Name=") ||
		    (len > 27 && memcmp(line + 24, " : ", 3) == 0))
			return rc;
		memcpy(buf, line, len); /* not radius.log: a forwarded syslog line */
		buf[len] = '\0';
	}
	if (aw_syslog_split(buf, clk, &h) != 0)
		return isp_err_set(err, ISR_EFORMAT, "no syslog header (time host program: ...)");
	out->time = h.time;
	/* one mail log holds Postfix and Dovecot lines: each goes to its program's reader */
	if (strstr(h.prog, "postfix"))
		return aw_parse_postfix(&h, out, err);
	if (strstr(h.prog, "dovecot") || strstr(h.prog, "-login"))
		return aw_parse_dovecot(&h, out, err);
	if (strstr(h.prog, "radius"))
		return aw_parse_radius_msg(h.msg, out, err);
	return 0;
}
