/*
 * readcase.c -- the one runner of the readers' table tests: `readcase READER DIR`.
 *
 * DIR (tests/data/<reader>/) holds cases NAME.in, each with NAME.want. The runner reads
 * NAME.in with READER (listfmt, listvalue, sessfmt, evfmt, subfmt), renders every record
 * and every rejection as one line of plain text, and compares the rendering with
 * NAME.want, line by line; the first difference of each case is printed and the run
 * fails (exit 1) when any case differs, or when DIR holds no case at all.
 *
 * A want file's lines starting with '%' are the case's options (`% format=rpz`,
 * `% origin=example.`, `% max_skew=300`); they are part of the rendering too, so that a
 * want file reads as what was asked and what came out. '#' lines in a want file are
 * notes and are not compared. With READCASE_WRITE=1 in the environment the runner
 * writes what it rendered into NAME.want instead (for a new case: read it before
 * committing it; the old hand-written assertions were checked against each such file).
 *
 * Rendering (one line each, in the reader's order):
 *   listfmt   entry LINE KIND ACTION "VALUE" first=T last=T expires=T cat="C" ref="R"
 *   sessfmt   record LINE OP time=T end=T dur=N user="U" sid="S" nas="N" nas_ip="I"
 *             nas_id="D" addr=A,... ports=LO-HI
 *   evfmt     header "H"                  (the header line, each time it changes)
 *             record LINE time=T ip=A port=N cause=C family="F" ref="R" detail="D" raw="R"
 *   subfmt    subscriber "ID" email="E" lang=L consent=T opt_out_filtering=T
 *             opt_out_notices=T
 *   all       reject LINE: MESSAGE        (a rejected line, as the reject callback got it)
 *             stats ...                   (the reader's counters and return code)
 *             error LINE: MESSAGE         (the reader's own error, when it returned one)
 * listvalue's NAME.in is a table, one value per line: "OP VALUE" with OP one of domain
 * (domain_normalise), prefix (ip_parse_prefix), value-domain, value-ip, value-url
 * (list_value_normalise) or guess (list_value_guess_kind); VALUE is the rest of the line
 * with \t, \0, \\ and \xNN decoded. Each renders "LINE ok OUT [masked|note]" or
 * "LINE error: MESSAGE".
 * Strings are in double quotes with '"', '\' and control bytes escaped (\xNN); times are
 * "YYYY-MM-DD HH:MM:SS" UTC, or the number itself when not positive.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/events/evfmt.h"
#include "core/lists/listfmt.h"
#include "core/lists/listvalue.h"
#include "core/net/domain.h"
#include "core/net/ip.h"
#include "core/sessions/sessfmt.h"
#include "core/sessions/subfmt.h"

#define OPT_MAX 8

/* The case being run: its options and the rendering so far. */
struct rcase {
	const char *name; /* NAME.in, as given to the reader for its messages */
	char *opt_key[OPT_MAX], *opt_val[OPT_MAX];
	int nopt;
	char *header; /* evfmt: the header line last rendered */
	struct strbuf out;
};

#define put(c, ...) strbuf_fmt(&(c)->out, __VA_ARGS__)

static void sb_addc(struct strbuf *b, char ch)
{
	strbuf_add(b, &ch, 1);
}

/* The text of b, now the caller's (never NULL). */
static char *sb_take(struct strbuf *b)
{
	char *p = b->p ? b->p : strdup("");

	memset(b, 0, sizeof(*b));
	return p;
}

/* s[0..n) in double quotes, escaped; NULL as "(null)". */
static void put_str(struct rcase *c, const char *s, size_t n)
{
	size_t i;

	if (!s) {
		strbuf_str(&c->out, "(null)");
		return;
	}
	sb_addc(&c->out, '"');
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			sb_addc(&c->out, '\\');
			sb_addc(&c->out, (char)ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			put(c, "\\x%02x", ch);
		} else {
			sb_addc(&c->out, (char)ch);
		}
	}
	sb_addc(&c->out, '"');
}

static void put_s(struct rcase *c, const char *s)
{
	put_str(c, s, s ? strlen(s) : 0);
}

static void put_time(struct rcase *c, long long t)
{
	char buf[TIME_FMT_UTC_MAX];

	if (t > 0)
		put(c, "\"%s\"", time_fmt_utc(t, buf));
	else
		put(c, "%lld", t);
}

static const char *opt(const struct rcase *c, const char *key)
{
	int i;

	for (i = 0; i < c->nopt; i++) {
		if (strcmp(c->opt_key[i], key) == 0)
			return c->opt_val[i];
	}
	return NULL;
}

static void on_reject(void *ud, const struct isp_err *err)
{
	struct rcase *c = ud;

	put(c, "reject %ld: ", err->line);
	strbuf_str(&c->out, err->msg);
	sb_addc(&c->out, '\n');
	if (!err->file || strcmp(err->file, c->name) != 0)
		put(c, "# reject names file %s, not %s\n", err->file ? err->file : "(none)",
		    c->name);
}

static void put_error(struct rcase *c, int rc, const struct isp_err *err)
{
	if (rc >= 0)
		return;
	put(c, "error %ld: %s\n", err->line, err->msg);
	if (err->file && strcmp(err->file, c->name) != 0)
		put(c, "# error names file %s, not %s\n", err->file, c->name);
}

/* ---- listfmt ---- */

static int lf_entry(void *ud, const struct listfmt_entry *e)
{
	struct rcase *c = ud;

	put(c, "entry %ld %s %s ", e->line, list_kind_name(e->kind),
	    e->action == LIST_ALLOW ? "allow" : "block");
	put_s(c, e->value);
	strbuf_str(&c->out, " first=");
	put_time(c, e->first_seen);
	strbuf_str(&c->out, " last=");
	put_time(c, e->last_seen);
	strbuf_str(&c->out, " expires=");
	put_time(c, e->expires);
	strbuf_str(&c->out, " cat=");
	put_s(c, e->category);
	strbuf_str(&c->out, " ref=");
	put_s(c, e->reference);
	sb_addc(&c->out, '\n');
	return 0;
}

static int run_listfmt(struct rcase *c, FILE *f)
{
	const char *fmt = opt(c, "format");
	struct listfmt_stats st;
	struct listfmt_opts o;
	struct isp_err err;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.format = fmt ? listfmt_parse_name(fmt) : LISTFMT_AUTO;
	if ((int)o.format < 0)
		return -1;
	o.origin = opt(c, "origin");
	o.filename = c->name;
	isp_err_clear(&err);
	rc = listfmt_read(f, &o, lf_entry, on_reject, c, &st, &err);
	put_error(c, rc, &err);
	put(c, "stats rc=%d lines=%ld entries=%ld rejected=%ld skipped=%ld detected=%s\n", rc,
	    st.lines, st.entries, st.rejected, st.skipped, listfmt_name(st.detected));
	return 0;
}

/* ---- sessfmt ---- */

static const char *op_name(enum sess_op op)
{
	switch (op) {
	case SESS_START: return "start";
	case SESS_INTERIM: return "interim";
	case SESS_STOP: return "stop";
	case SESS_LEASE: return "lease";
	case SESS_RELEASE: return "release";
	}
	return "?";
}

static int sf_record(void *ud, const struct sess_record *r)
{
	struct rcase *c = ud;
	char buf[IP_PREFIX_STRLEN];
	int i;

	put(c, "record %ld %s time=", r->line, op_name(r->op));
	put_time(c, r->time);
	strbuf_str(&c->out, " end=");
	put_time(c, r->end);
	put(c, " dur=%lld user=", (long long)r->duration);
	put_s(c, r->user);
	strbuf_str(&c->out, " sid=");
	put_s(c, r->session_id);
	strbuf_str(&c->out, " nas=");
	put_s(c, r->nas);
	strbuf_str(&c->out, " nas_ip=");
	put_s(c, r->nas_ip);
	strbuf_str(&c->out, " nas_id=");
	put_s(c, r->nas_id);
	strbuf_str(&c->out, " addr=");
	for (i = 0; i < r->naddr; i++) {
		ip_format_prefix(&r->addr[i], buf);
		put(c, "%s%s", i ? "," : "", buf);
	}
	if (r->naddr == 0)
		sb_addc(&c->out, '-');
	put(c, " ports=%u-%u\n", r->port_lo, r->port_hi);
	return 0;
}

static int run_sessfmt(struct rcase *c, FILE *f)
{
	const char *fmt = opt(c, "format");
	const char *skew = opt(c, "max_skew");
	struct sessfmt_stats st;
	struct sessfmt_opts o;
	struct isp_err err;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.format = fmt ? sessfmt_parse_name(fmt) : SESSFMT_AUTO;
	if ((int)o.format < 0)
		return -1;
	o.max_skew = skew ? strtoll(skew, NULL, 10) : 0;
	o.filename = c->name;
	isp_err_clear(&err);
	rc = sessfmt_read(f, &o, sf_record, on_reject, c, &st, &err);
	put_error(c, rc, &err);
	put(c,
	    "stats rc=%d lines=%ld records=%ld rejected=%ld skipped=%ld skewed=%ld "
	    "detected=%s\n",
	    rc, st.lines, st.records, st.rejected, st.skipped, st.skewed,
	    sessfmt_name(st.detected));
	return 0;
}

/* ---- evfmt ---- */

static int ev_record(void *ud, const struct ev_record *r)
{
	struct rcase *c = ud;
	char buf[IP_PREFIX_STRLEN];

	if (!c->header || strcmp(c->header, r->header) != 0) {
		free(c->header);
		c->header = strdup(r->header);
		strbuf_str(&c->out, "header ");
		put_s(c, r->header);
		sb_addc(&c->out, '\n');
	}
	ip_format_prefix(&r->ip, buf);
	put(c, "record %ld time=", r->line);
	put_time(c, r->time);
	put(c, " ip=%s port=%u cause=%s family=", buf, r->port,
	    r->cause == CAUSE_NONE ? "none" : cause_name(r->cause));
	put_s(c, r->family);
	strbuf_str(&c->out, " ref=");
	put_s(c, r->reference);
	strbuf_str(&c->out, " detail=");
	put_s(c, r->detail);
	strbuf_str(&c->out, " raw=");
	put_s(c, r->raw);
	sb_addc(&c->out, '\n');
	return 0;
}

/* evfmt: the repository's Shadowserver schema (data/shadowserver/schema.json, three
 * levels above DIR), loaded once by main; `% schema=none` reads a case without it. */
static struct ss_schema *ev_schema;

static int run_evfmt(struct rcase *c, FILE *f)
{
	const char *fmt = opt(c, "format");
	const char *schema = opt(c, "schema");
	struct evfmt_stats st;
	struct evfmt_opts o;
	struct isp_err err;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.format = fmt ? evfmt_parse_name(fmt) : EVFMT_AUTO;
	if ((int)o.format < 0)
		return -1;
	o.filename = c->name;
	o.schema = schema && strcmp(schema, "none") == 0 ? NULL : ev_schema;
	o.report = opt(c, "report");
	if (!o.report && fmt && (int)o.format == EVFMT_SHADOWSERVER &&
	    ss_schema_find(o.schema, fmt))
		o.report = fmt; /* --format scan_dns, as the CLI reads it */
	isp_err_clear(&err);
	rc = evfmt_read(f, &o, ev_record, on_reject, c, &st, &err);
	put_error(c, rc, &err);
	put(c, "stats rc=%d lines=%ld records=%ld rejected=%ld skipped=%ld detected=%s%s%s\n", rc,
	    st.lines, st.records, st.rejected, st.skipped, evfmt_name(st.detected),
	    st.report ? " report=" : "", st.report ? st.report : "");
	return 0;
}

/* ---- subfmt ---- */

static int sub_record(void *ud, const struct store_subscriber *s)
{
	struct rcase *c = ud;

	strbuf_str(&c->out, "subscriber ");
	put_s(c, s->id);
	strbuf_str(&c->out, " email=");
	put_s(c, s->email);
	put(c, " lang=%s consent=", s->language);
	put_time(c, s->consent);
	strbuf_str(&c->out, " opt_out_filtering=");
	put_time(c, s->opt_out_filtering);
	strbuf_str(&c->out, " opt_out_notices=");
	put_time(c, s->opt_out_notices);
	sb_addc(&c->out, '\n');
	return 0;
}

static int run_subfmt(struct rcase *c, FILE *f)
{
	struct subfmt_stats st = { 0, 0, 0 };
	struct isp_err err;
	int rc;

	isp_err_clear(&err);
	rc = subfmt_read(f, c->name, sub_record, on_reject, c, &st, &err);
	put_error(c, rc, &err);
	put(c, "stats rc=%d lines=%ld rows=%ld rejected=%ld\n", rc, st.lines, st.rows, st.rejected);
	return 0;
}

/* ---- listvalue ---- */

/* Decode \t \0 \\ \xNN of s in place; returns the decoded length. */
static size_t unescape(char *s)
{
	size_t r = 0;
	size_t w = 0;

	while (s[r]) {
		if (s[r] == '\\' && s[r + 1] == 't') {
			s[w++] = '\t';
			r += 2;
		} else if (s[r] == '\\' && s[r + 1] == '0') {
			s[w++] = '\0';
			r += 2;
		} else if (s[r] == '\\' && s[r + 1] == '\\') {
			s[w++] = '\\';
			r += 2;
		} else if (s[r] == '\\' && s[r + 1] == 'x' && hex_value(s[r + 2]) >= 0 &&
			   hex_value(s[r + 3]) >= 0) {
			s[w++] = (char)(hex_value(s[r + 2]) * 16 + hex_value(s[r + 3]));
			r += 4;
		} else {
			s[w++] = s[r++];
		}
	}
	s[w] = '\0';
	return w;
}

static void lv_line(struct rcase *c, long lineno, char *op, char *val)
{
	static const struct {
		const char *op;
		enum list_kind kind;
	} kinds[] = { { "value-domain", LIST_DOMAIN },
		      { "value-ip", LIST_IP },
		      { "value-url", LIST_URL } };
	char out[9000];
	struct ip_prefix p;
	struct isp_err err;
	const char *note = NULL;
	size_t len = unescape(val);
	size_t i;
	int masked = 0;
	int n;

	isp_err_clear(&err);
	put(c, "%ld ", lineno);
	if (strcmp(op, "domain") == 0) {
		n = domain_normalise(val, len, out, &err);
	} else if (strcmp(op, "prefix") == 0) {
		n = ip_parse_prefix(val, len, &p, &masked, &err);
		if (n == 0)
			ip_format_prefix(&p, out);
	} else if (strcmp(op, "guess") == 0) {
		put(c, "ok %s\n", list_kind_name(list_value_guess_kind(val)));
		return;
	} else {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			if (strcmp(op, kinds[i].op) == 0)
				break;
		}
		if (i == sizeof(kinds) / sizeof(kinds[0])) {
			put(c, "error: unknown operation '%s'\n", op);
			return;
		}
		n = list_value_normalise(kinds[i].kind, val, out, sizeof(out), &note, &err);
	}
	if (n < 0) {
		put(c, "error: %s\n", err.msg[0] ? err.msg : "(no message)");
		return;
	}
	put(c, "ok %s%s%s\n", out, masked ? " masked" : "", note ? " note" : "");
}

static int run_listvalue(struct rcase *c, FILE *f)
{
	char line[1024];
	long lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		char *sp;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		sp = strchr(line, ' ');
		if (!sp) {
			lv_line(c, lineno, line, line + n);
			continue;
		}
		*sp = '\0';
		lv_line(c, lineno, line, sp + 1);
	}
	return 0;
}

/* ---- the runner ---- */

static const struct {
	const char *name;
	int (*run)(struct rcase *c, FILE *f);
} readers[] = {
	{ "listfmt", run_listfmt }, { "listvalue", run_listvalue }, { "sessfmt", run_sessfmt },
	{ "evfmt", run_evfmt },	    { "subfmt", run_subfmt },
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb;
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	memset(&sb, 0, sizeof(sb));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return sb_take(&sb);
}

/* Next line of *p that is not a '#' note, into its own string; NULL at the end. */
static char *next_line(char **p)
{
	char *s;
	char *nl;

	for (;;) {
		s = *p;
		if (!s || !*s)
			return NULL;
		nl = strchr(s, '\n');
		if (nl) {
			*nl = '\0';
			*p = nl + 1;
		} else {
			*p = s + strlen(s);
		}
		if (s[0] != '#')
			return s;
	}
}

/* Options from the want file's '%' lines, rendered first. */
static void read_opts(struct rcase *c, const char *want)
{
	const char *s = want;

	while (s && *s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (s[0] == '%') {
			char *ln = strndup(s + 1, n - 1);
			char *tok;
			char *save = NULL;

			strbuf_add(&c->out, s, n);
			sb_addc(&c->out, '\n');
			for (tok = strtok_r(ln, " \t", &save); tok && c->nopt < OPT_MAX;
			     tok = strtok_r(NULL, " \t", &save)) {
				char *eq = strchr(tok, '=');

				if (!eq)
					continue;
				*eq = '\0';
				c->opt_key[c->nopt] = strdup(tok);
				c->opt_val[c->nopt] = strdup(eq + 1);
				c->nopt++;
			}
			free(ln);
		}
		s = e ? e + 1 : NULL;
	}
}

/* Run one case; returns 0 when its rendering is its want file. */
static int run_case(const char *dir, const char *name, int (*run)(struct rcase *c, FILE *f),
		    int write)
{
	char in[4096];
	char wantp[4096];
	struct rcase c;
	char *want;
	char *got;
	char *pw;
	char *pg;
	FILE *f;
	long k = 0;
	int bad = 0;
	int i;

	snprintf(in, sizeof(in), "%s/%s", dir, name);
	snprintf(wantp, sizeof(wantp), "%s/%.*s.want", dir, (int)(strlen(name) - 3), name);
	memset(&c, 0, sizeof(c));
	c.name = name;

	want = slurp(wantp);
	if (!want && !write) {
		fprintf(stderr, "%s: no want file %s\n", name, wantp);
		return 1;
	}
	read_opts(&c, want);
	f = fopen(in, "rb");
	if (!f || run(&c, f) != 0) {
		fprintf(stderr, "%s: cannot read it or a bad option\n", name);
		bad = 1;
	}
	if (f)
		fclose(f);
	got = sb_take(&c.out);
	if (!bad && write) {
		FILE *w = fopen(wantp, "w");

		if (!w || fputs(got, w) < 0 || fclose(w) != 0)
			bad = 1;
		printf("%s: wrote %s\n", name, wantp);
	} else if (!bad) {
		pw = want;
		pg = got;
		for (;;) {
			char *lw = next_line(&pw);
			char *lg = next_line(&pg);

			k++;
			if (!lw && !lg)
				break;
			if (!lw || !lg || strcmp(lw, lg) != 0) {
				fprintf(stderr,
					"%s: differs at line %ld of the rendering:\n"
					"  want: %s\n  got:  %s\n",
					name, k, lw ? lw : "(end)", lg ? lg : "(end)");
				bad = 1;
				break;
			}
		}
	}
	if (!write)
		printf("%s %s\n", bad ? "FAIL" : "ok  ", name);
	for (i = 0; i < c.nopt; i++) {
		free(c.opt_key[i]);
		free(c.opt_val[i]);
	}
	free(c.header);
	free(want);
	free(got);
	return bad;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int (*run)(struct rcase * c, FILE * f) = NULL;
	char *names[1024];
	const char *w = getenv("READCASE_WRITE");
	struct dirent *de;
	size_t nnames = 0;
	size_t i;
	DIR *d;
	int failed = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: readcase READER DIR\n");
		return 2;
	}
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		if (strcmp(argv[1], readers[i].name) == 0)
			run = readers[i].run;
	}
	if (!run) {
		fprintf(stderr, "readcase: unknown reader %s\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[1], "evfmt") == 0) {
		char path[4096];
		struct isp_err err;

		snprintf(path, sizeof(path), "%s/../../../data/shadowserver/schema.json", argv[2]);
		isp_err_clear(&err);
		ev_schema = ss_schema_load(path, NULL, NULL, &err);
		if (!ev_schema) {
			fprintf(stderr, "readcase: %s\n", err.msg);
			return 1;
		}
	}
	d = opendir(argv[2]);
	if (!d) {
		perror(argv[2]);
		return 2;
	}
	while ((de = readdir(d)) != NULL && nnames < sizeof(names) / sizeof(names[0])) {
		size_t n = strlen(de->d_name);

		if (n > 3 && strcmp(de->d_name + n - 3, ".in") == 0)
			names[nnames++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(names[0]), by_name);
	for (i = 0; i < nnames; i++) {
		failed += run_case(argv[2], names[i], run, w && strcmp(w, "1") == 0);
		free(names[i]);
	}
	if (nnames == 0) {
		fprintf(stderr, "readcase: no case (NAME.in) in %s\n", argv[2]);
		return 1;
	}
	printf("%s: %zu cases, %d failed\n", argv[1], nnames, failed);
	ss_schema_free(ev_schema);
	return failed ? 1 : 0;
}
