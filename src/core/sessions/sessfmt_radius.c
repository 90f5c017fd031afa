/*
 * sessfmt_radius.c -- the RADIUS accounting readers: FreeRADIUS `detail` files and
 * RADIUS accounting CSV (event rows and radacct rows). See sessfmt.h for the formats.
 *
 * detail: a record is a date line, then "\tName = value" lines, up to a blank line or
 * the next date line; only the attributes a record needs are copied (into c->slot), so a
 * record costs no more memory than its longest value. Choices: the date line is the
 * server's local time and is read in core.timezone (it is only used when there is
 * neither Event-Timestamp nor Timestamp); a used attribute that does not parse, an over-long line
 * or a NUL byte inside a record rejects the whole record; lines without '=' inside a
 * record are ignored like unused attributes; the first occurrence of an attribute wins;
 * a record cut by the end of the file is delivered when it has what it needs.
 *
 * radcsv: header-named columns (lower-cased, '-' and '_' dropped). Time columns take unix
 * seconds, ISO 8601 (also PostgreSQL's "+00" zone) or "Nov 22 2026 10:41:24 UTC";
 * acctstoptime "", "NULL" or "0000-00-00 00:00:00" is an open session; framedipv6address
 * (radacct) is a fourth address source when there is room. An unquoted field holding a
 * '"' is a stray quote and rejects the row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/sessions/sessfmt_int.h"

/* ---- detail ---- */

static int is_blank_line(const struct lr_line *ln)
{
	return !ln->too_long && !ln->has_nul && strspn(ln->text, " \t") == ln->len;
}

enum dt_attr {
	A_USER,
	A_STATUS,
	A_SID,
	A_FIP,
	A_FIP6,
	A_DLG,
	A_NASIP,
	A_NASID,
	A_EVTS,
	A_TS,
	A_DELAY,
	A_SESSTIME,
	A_N
};

static const char *const dt_names[A_N] = {
	[A_USER] = "User-Name",		 [A_STATUS] = "Acct-Status-Type",
	[A_SID] = "Acct-Session-Id",	 [A_FIP] = "Framed-IP-Address",
	[A_FIP6] = "Framed-IPv6-Prefix", [A_DLG] = "Delegated-IPv6-Prefix",
	[A_NASIP] = "NAS-IP-Address",	 [A_NASID] = "NAS-Identifier",
	[A_EVTS] = "Event-Timestamp",	 [A_TS] = "Timestamp",
	[A_DELAY] = "Acct-Delay-Time",	 [A_SESSTIME] = "Acct-Session-Time",
};

struct dt_rec {
	int active;
	struct sf_why why; /* the first reason the record is refused */
	long nlines;
	long long off;
	int seen[A_N];
	int status; /* op, 0 = not a session event */
	int has_date;
	int64_t date;
	struct sf_times t;
	struct sess_record r;
	char *user, *sid, *nasip, *nasid, *tmp; /* SF_SLOT each */
};

static void dt_start(struct dt_rec *d, const struct lr_line *ln)
{
	d->active = 1;
	d->why.bad = 0;
	d->why.text[0] = '\0';
	d->nlines = 1;
	d->off = ln->offset;
	memset(d->seen, 0, sizeof(d->seen));
	d->status = 0;
	d->has_date = 0;
	memset(&d->t, 0, sizeof(d->t));
	sf_rec_init(&d->r, ln->lineno);
	d->user[0] = d->sid[0] = d->nasip[0] = d->nasid[0] = '\0';
}

/*
 * Unquote a detail value into out (cap > n): "..." with backslash escapes (\\ \" \n \r
 * \t, \ooo octal, \xHH), or the bare text. Returns 0, or -1 with *why set.
 */
static int dt_unquote(const char *s, size_t n, char *out, size_t cap, size_t *len, const char **why)
{
	size_t i = 1;
	size_t k = 0;
	int ch;

	if (n == 0 || s[0] != '"') {
		memcpy(out, s, n);
		out[n] = '\0';
		*len = n;
		return 0;
	}
	for (;;) {
		if (i >= n || k + 1 >= cap) {
			*why = "unterminated quoted value";
			return -1;
		}
		ch = (unsigned char)s[i++];
		if (ch == '"')
			break;
		if (ch == '\\' && i < n)
			ch = sf_unescape(s, n, &i, 1);
		if (ch == 0) {
			*why = "value contains a NUL byte";
			return -1;
		}
		out[k++] = (char)ch;
	}
	while (i < n && sf_is_blank(s[i]))
		i++;
	if (i != n) {
		*why = "text after the closing quote";
		return -1;
	}
	out[k] = '\0';
	*len = k;
	return 0;
}

/* One "\tName = value" line of the current record. */
static void dt_attr(struct dt_rec *d, const char *s, size_t n, long lineno)
{
	const char *name;
	const char *why = NULL;
	size_t nl;
	size_t i = 0;
	size_t vl;
	int64_t v;
	int a;
	char shown[64];

	while (i < n && sf_is_blank(s[i]))
		i++;
	name = s + i;
	while (i < n && !sf_is_blank(s[i]) && s[i] != '=')
		i++;
	nl = (size_t)(s + i - name);
	while (i < n && sf_is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return; /* not "Name = value": ignored like an unused attribute */
	for (a = 0; a < A_N; a++) {
		if (str_eq_nocase(name, nl, dt_names[a]))
			break;
	}
	if (a == A_N || d->seen[a])
		return;
	d->seen[a] = 1;
	i++;
	vl = n - i;
	s = sf_trim(s + i, &vl);
	if (dt_unquote(s, vl, d->tmp, SF_SLOT, &vl, &why) < 0) {
		sf_bad(&d->why, "line %ld: %s: %s", lineno, dt_names[a], why);
		return;
	}
	switch ((enum dt_attr)a) {
	case A_USER: memcpy(d->user, d->tmp, vl + 1); break;
	case A_SID: memcpy(d->sid, d->tmp, vl + 1); break;
	case A_NASIP: memcpy(d->nasip, d->tmp, vl + 1); break;
	case A_NASID: memcpy(d->nasid, d->tmp, vl + 1); break;
	case A_STATUS: d->status = sf_status_op(d->tmp, vl); break;
	case A_FIP:
	case A_FIP6:
	case A_DLG:
		if (vl > 0 && sf_add_addr(&d->r, d->tmp, vl, a == A_FIP ? 4 : 6, dt_names[a],
					  d->why.text, sizeof(d->why.text)) < 0)
			d->why.bad = 1;
		break;
	case A_EVTS:
		if (sf_parse_radius_time(d->tmp, vl, &d->t.event) < 0)
			sf_bad(&d->why, "line %ld: Event-Timestamp '%s' is not a UTC time", lineno,
			       str_show(shown, sizeof(shown), d->tmp, vl));
		d->t.has_event = 1;
		break;
	case A_TS:
	case A_DELAY:
	case A_SESSTIME:
		if (sf_parse_uint(d->tmp, vl, SF_TIME_MAX, &v) < 0) {
			sf_bad(&d->why, "line %ld: %s '%s' is not a number of seconds", lineno,
			       dt_names[a], str_show(shown, sizeof(shown), d->tmp, vl));
		} else if (a == A_TS) {
			d->t.recv = v;
			d->t.has_recv = 1;
		} else if (a == A_DELAY) {
			d->t.delay = v;
		} else {
			d->r.duration = v;
		}
		break;
	case A_N: break;
	}
}

/* The current record is complete: deliver, skip or reject it. */
static int dt_finish(struct sf_ctx *c, struct dt_rec *d)
{
	struct sess_record *r = &d->r;

	d->active = 0;
	if (d->why.bad) {
		sf_reject(c, r->line, d->off, "%s", d->why.text);
		return 0;
	}
	if (!d->seen[A_STATUS]) {
		sf_reject(c, r->line, d->off, "record has no Acct-Status-Type (cut short?)");
		return 0;
	}
	if (d->status == 0) {
		c->st->skipped++;
		return 0;
	}
	r->op = (enum sess_op)d->status;
	if (!d->t.has_recv && d->has_date) {
		d->t.recv = d->date;
		d->t.has_recv = 1;
	}
	if (r->op == SESS_START && r->naddr == 0) {
		sf_reject(c, r->line, d->off,
			  "Start without Framed-IP-Address, Framed-IPv6-Prefix or "
			  "Delegated-IPv6-Prefix");
		return 0;
	}
	if (r->naddr == 0 && !d->sid[0]) {
		sf_reject(c, r->line, d->off, "record has neither an address nor Acct-Session-Id");
		return 0;
	}
	if (sf_choose_time(c, &d->t, &r->time) < 0) {
		sf_reject(c, r->line, d->off, "record has no usable time");
		return 0;
	}
	r->user = d->user;
	r->session_id = d->sid;
	r->nas = d->nasip[0] ? d->nasip : d->nasid;
	r->nas_ip = d->nasip;
	r->nas_id = d->nasid;
	return sf_emit(c, r);
}

int sf_read_detail(struct sf_ctx *c)
{
	struct dt_rec d;
	struct lr_line ln;
	char shown[64];
	int rc;

	memset(&d, 0, sizeof(d));
	d.user = c->slot[0];
	d.sid = c->slot[1];
	d.nasip = c->slot[2];
	d.nasid = c->slot[3];
	d.tmp = c->slot[4];
	for (rc = sf_line(c, &ln); rc > 0; rc = sf_line(c, &ln)) {
		if (is_blank_line(&ln)) {
			if (d.active) {
				rc = dt_finish(c, &d);
				if (rc != 0)
					return rc;
			}
			continue;
		}
		if (ln.too_long || ln.has_nul) {
			if (!d.active)
				dt_start(&d, &ln);
			if (ln.too_long)
				sf_bad(&d.why, "line %ld is longer than %d bytes", ln.lineno,
				       SESSFMT_LINE_MAX);
			else
				sf_bad(&d.why, "line %ld contains a NUL byte", ln.lineno);
			continue;
		}
		if (sf_is_blank(ln.text[0])) {
			if (!d.active) {
				dt_start(&d, &ln);
				sf_bad(&d.why, "attribute line without a date line before it");
			}
			if (++d.nlines > SESSFMT_RECORD_MAX)
				sf_bad(&d.why, "record longer than %d lines", SESSFMT_RECORD_MAX);
			if (!d.why.bad)
				dt_attr(&d, ln.text, ln.len, ln.lineno);
			continue;
		}
		if (d.active) {
			rc = dt_finish(c, &d);
			if (rc != 0)
				return rc;
		}
		dt_start(&d, &ln);
		if (sf_parse_date_line(ln.text, ln.len, &d.date) < 0)
			sf_bad(&d.why,
			       "expected a date line like 'Sun Nov 22 10:41:24 2026', got '%s'",
			       str_show(shown, sizeof(shown), ln.text, ln.len));
		else
			d.has_date = 1;
	}
	if (rc < 0)
		return rc;
	return d.active ? dt_finish(c, &d) : 0;
}

/* ---- radcsv ---- */

enum rc_col {
	C_STATUS,
	C_SID,
	C_USER,
	C_FIP,
	C_FIP6,
	C_DLG,
	C_FIP6A,
	C_NASIP,
	C_NASID,
	C_EVTS,
	C_TS,
	C_SESSTIME,
	C_DELAY,
	C_START,
	C_STOP,
	C_PLO,
	C_PHI,
	C_N
};

static const struct csv_col rc_cols[C_N] = {
	[C_STATUS] = SF_COL("acctstatustype"),
	[C_SID] = SF_COL("acctsessionid"),
	[C_USER] = SF_COL("username"),
	[C_FIP] = SF_COL("framedipaddress"),
	[C_FIP6] = SF_COL("framedipv6prefix"),
	[C_DLG] = SF_COL("delegatedipv6prefix"),
	[C_FIP6A] = SF_COL("framedipv6address"),
	[C_NASIP] = SF_COL("nasipaddress"),
	[C_NASID] = SF_COL("nasidentifier"),
	[C_EVTS] = SF_COL("eventtimestamp"),
	[C_TS] = SF_COL("timestamp", "time"),
	[C_SESSTIME] = SF_COL("acctsessiontime"),
	[C_DELAY] = SF_COL("acctdelaytime"),
	[C_START] = SF_COL("acctstarttime"),
	[C_STOP] = SF_COL("acctstoptime"),
	[C_PLO] = SF_COL("portstart", "portrangestart"),
	[C_PHI] = SF_COL("portend", "portrangeend"),
};

const char *const sf_radcsv_columns[] = { "acctstatustype", "acctsessionid",   "acctstarttime",
					  "acctuniqueid",   "framedipaddress", NULL };

/* The CGNAT port block columns; 0 or -1 with why set. */
static int rc_ports(struct csv_field *f, size_t nf, const int *idx, struct sess_record *r,
		    char *why, size_t wsz)
{
	const char *lo = sf_fld(f, nf, idx[C_PLO]);
	const char *hi = sf_fld(f, nf, idx[C_PHI]);
	int64_t a;
	int64_t b;

	if (!lo && !hi)
		return 0;
	if (!lo || !hi || sf_parse_uint(lo, strlen(lo), 65535, &a) < 0 ||
	    sf_parse_uint(hi, strlen(hi), 65535, &b) < 0 || a > b) {
		snprintf(why, wsz, "port block '%s'-'%s' is not two ports low-high", lo ? lo : "",
			 hi ? hi : "");
		return -1;
	}
	r->port_lo = (uint16_t)a;
	r->port_hi = (uint16_t)b;
	return 0;
}

/* Times of an event row or of a radacct row; 0 or -1 with why set (1 = skip the row). */
static int rc_times(struct sf_ctx *c, struct csv_field *f, size_t nf, const int *idx,
		    struct sess_record *r, char *why, size_t wsz)
{
	struct sf_times t;
	const char *s;

	if (idx[C_START] >= 0) {
		r->op = SESS_LEASE;
		s = sf_fld(f, nf, idx[C_START]);
		if (!s || sf_parse_any_time(s, strlen(s), &r->time) < 0) {
			snprintf(why, wsz, "acctstarttime '%.40s' is not a time", s ? s : "");
			return -1;
		}
		s = sf_fld(f, nf, idx[C_STOP]);
		if (s && strncmp(s, "0000-00-00", 10) != 0 &&
		    (sf_parse_any_time(s, strlen(s), &r->end) < 0 || r->end < r->time)) {
			snprintf(why, wsz, "acctstoptime '%.40s' is not a time after acctstarttime",
				 s);
			return -1;
		}
		return 0;
	}
	s = sf_fld(f, nf, idx[C_STATUS]);
	r->op = (enum sess_op)(s ? sf_status_op(s, strlen(s)) : 0);
	if (!s) {
		snprintf(why, wsz, "empty acctstatustype");
		return -1;
	}
	if (r->op == 0)
		return 1;
	memset(&t, 0, sizeof(t));
	s = sf_fld(f, nf, idx[C_EVTS]);
	if (s && sf_parse_any_time(s, strlen(s), &t.event) < 0) {
		snprintf(why, wsz, "eventtimestamp '%.40s' is not a time", s);
		return -1;
	}
	t.has_event = s != NULL;
	s = sf_fld(f, nf, idx[C_TS]);
	if (s && sf_parse_any_time(s, strlen(s), &t.recv) < 0) {
		snprintf(why, wsz, "timestamp '%.40s' is not a time", s);
		return -1;
	}
	t.has_recv = s != NULL;
	s = sf_fld(f, nf, idx[C_DELAY]);
	if (s && sf_parse_uint(s, strlen(s), SF_TIME_MAX, &t.delay) < 0) {
		snprintf(why, wsz, "acctdelaytime '%.40s' is not a number", s);
		return -1;
	}
	if (sf_choose_time(c, &t, &r->time) < 0) {
		snprintf(why, wsz, "no time (eventtimestamp or timestamp)");
		return -1;
	}
	return 0;
}

static int rc_record(struct sf_ctx *c, const int *idx, struct csv_field *f, size_t nf,
		     const struct lr_line *ln)
{
	static const int acols[] = { C_FIP, C_FIP6, C_DLG, C_FIP6A };
	struct sess_record r;
	char why[SF_WHY_MAX];
	const char *s;
	size_t i;
	int rc;

	sf_rec_init(&r, ln->lineno);
	rc = rc_times(c, f, nf, idx, &r, why, sizeof(why));
	if (rc > 0) {
		c->st->skipped++;
		return 0;
	}
	if (rc < 0)
		goto reject;
	for (i = 0; i < sizeof(acols) / sizeof(acols[0]); i++) {
		s = sf_fld(f, nf, idx[acols[i]]);
		if (!s || r.naddr >= SESS_MAX_ADDRS)
			continue;
		if (sf_add_addr(&r, s, strlen(s), acols[i] == C_FIP ? 4 : 6,
				rc_cols[acols[i]].names[0], why, sizeof(why)) < 0)
			goto reject;
	}
	s = sf_fld(f, nf, idx[C_SID]);
	r.session_id = s ? s : "";
	if (r.naddr == 0 && (r.op == SESS_START || r.op == SESS_LEASE || !s)) {
		snprintf(why, sizeof(why), "no address (framedipaddress, framedipv6prefix, ...)%s",
			 s ? "" : " and no acctsessionid");
		goto reject;
	}
	s = sf_fld(f, nf, idx[C_SESSTIME]);
	if (s && sf_parse_uint(s, strlen(s), SF_TIME_MAX, &r.duration) < 0) {
		snprintf(why, sizeof(why), "acctsessiontime '%.40s' is not a number", s);
		goto reject;
	}
	if (rc_ports(f, nf, idx, &r, why, sizeof(why)) < 0)
		goto reject;
	s = sf_fld(f, nf, idx[C_USER]);
	r.user = s ? s : "";
	s = sf_fld(f, nf, idx[C_NASIP]);
	r.nas_ip = s ? s : "";
	s = sf_fld(f, nf, idx[C_NASID]);
	r.nas_id = s ? s : "";
	r.nas = r.nas_ip[0] ? r.nas_ip : r.nas_id;
	return sf_emit(c, &r);
reject:
	sf_reject(c, ln->lineno, ln->offset, "%s", why);
	return 0;
}

static const char *rc_header_bad(const int *idx)
{
	if (idx[C_STATUS] < 0 && idx[C_START] < 0)
		return "RADIUS CSV header names neither acctstatustype (event rows) nor "
		       "acctstarttime (radacct rows)";
	return NULL;
}

/* A row: a '"' inside an unquoted field is a stray quote (a cut or hand-edited export). */
static int rc_row(struct sf_ctx *c, const int *idx, struct csv_field *f, size_t nf,
		  const struct lr_line *ln)
{
	size_t i;

	for (i = 0; i < nf; i++) {
		if (!f[i].quoted && memchr(f[i].s, '"', f[i].len)) {
			sf_reject(c, ln->lineno, ln->offset, "stray quote in field %zu", i + 1);
			return 0;
		}
	}
	return rc_record(c, idx, f, nf, ln);
}

int sf_read_radcsv(struct sf_ctx *c)
{
	static const struct sf_csv_format radcsv = {
		.marks = sf_radcsv_columns,
		.cols = rc_cols,
		.ncols = C_N,
		.header_bad = rc_header_bad,
		.no_header = "no header line naming the columns before this row",
		.bad_header = "no usable header",
		.say_line = 1,
		.row = rc_row,
	};

	return sf_read_csv(c, &radcsv);
}
