/*
 * relay.c -- the ISAC relay (relay.h): the member table read from MEMBERS.csv, the split
 * of partner lists into one file per member, the batch and counts in the store, and the
 * report an ISAC publishes.
 *
 * Members are few (tens) with few prefixes each, so a row's member is found by a scan
 * of the prefix table, longest prefix first; containment is core's (ip_prefix_contains).
 */
#include "relay/relay.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/csv.h"
#include "core/base/linereader.h"
#include "core/base/strbuf.h"
#include "core/store/store_relay.h"

struct member_prefix {
	struct ip_prefix p;
	int member;
};

struct relay_split {
	char *names[RELAY_MAX_MEMBERS];
	char *emails[RELAY_MAX_MEMBERS];  /* the member's abuse address (column email), or NULL */
	FILE *out[RELAY_MAX_MEMBERS + 1]; /* [nmembers] = unassigned */
	FILE *xout[RELAY_MAX_MEMBERS];	  /* X-ARF mbox per member (relay_split_xarf) */
	const struct xarf_party *xarf;	  /* NULL: no X-ARF output */
	const char *source;
	int64_t now;
	long sent[RELAY_MAX_MEMBERS + 1];
	int nmembers;
	struct member_prefix *pfx;
	size_t npfx;
	char *dir;
	char header[4096];
	long rows;
	int failed; /* a member file could not be opened: reason in ferr */
	struct isp_err ferr;
};

static int by_len_desc(const void *a, const void *b)
{
	const struct member_prefix *x = a, *y = b;

	return (int)y->p.len - (int)x->p.len;
}

/* 1 if prefix p holds address a (core's containment). */
static int contains(const struct ip_prefix *p, const struct ip_prefix *a)
{
	return ip_prefix_contains(p, a->family, a->addr);
}

static int member_index(struct relay_split *s, const char *name)
{
	int i;

	for (i = 0; i < s->nmembers; i++)
		if (strcmp(s->names[i], name) == 0)
			return i;
	if (s->nmembers == RELAY_MAX_MEMBERS)
		return -1;
	s->names[s->nmembers] = strdup(name);
	return s->names[s->nmembers] ? s->nmembers++ : -1;
}

static int add_prefixes(struct relay_split *s, int m, char *list, const char *file, long line,
			struct isp_err *err)
{
	char *tok, *save = NULL;
	int masked;

	for (tok = strtok_r(list, " ;\t", &save); tok; tok = strtok_r(NULL, " ;\t", &save)) {
		if (s->npfx == RELAY_MAX_PREFIXES)
			return isp_err_at(err, ISR_ELIMIT, file, line, -1, "more than %d prefixes",
					  RELAY_MAX_PREFIXES);
		isp_err_clear(err);
		if (ip_parse_prefix(tok, strlen(tok), &s->pfx[s->npfx].p, &masked, err) != 0)
			return isp_err_at(err, ISR_EINVAL, file, line, -1, "'%s' is not a prefix",
					  tok);
		s->pfx[s->npfx++].member = m;
	}
	return 0;
}

/* The header row: the member and prefix columns (core/base/csv.h's column mapper). */
static const struct csv_col member_cols[3] = {
	CSV_COL(1, "member", "name"),
	CSV_COL(1, "prefix", "prefixes"),
	CSV_COL(0, "email", "contact"),
};

static int load_members(struct relay_split *s, FILE *fp, const char *path, struct isp_err *err)
{
	struct csv_field f[64];
	struct lr_line ln;
	struct lr *r = lr_new(fp, 16384);
	struct csv_reader *cr = r ? csv_reader_new(r, 16384) : NULL;
	int col[3] = { -1, -1, -1 }, m, rc = 0;
	size_t nf;

	if (!cr) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	while (rc == 0 && csv_next(cr, &ln, err) > 0) {
		if (ln.too_long || ln.len == 0 || ln.text[0] == '#')
			continue;
		if (csv_split(ln.text, ln.len, f, 64, &nf, err) != 0) {
			char why[ISP_ERR_MSG];

			snprintf(why, sizeof(why), "%s", err->msg);
			rc = isp_err_at(err, ISR_EINVAL, path, ln.lineno, -1, "%s", why);
		} else if (col[0] < 0) {
			if (csv_map_header(member_cols, 3, f, nf, 0, col, NULL) != 0)
				rc = isp_err_at(err, ISR_EINVAL, path, ln.lineno, -1,
						"the header must name the columns member and "
						"prefix");
		} else if ((size_t)col[0] >= nf || (size_t)col[1] >= nf || !f[col[0]].len) {
			rc = isp_err_at(err, ISR_EINVAL, path, ln.lineno, -1,
					"a row needs a member and a prefix");
		} else if ((m = member_index(s, f[col[0]].s)) < 0) {
			rc = isp_err_at(err, ISR_ELIMIT, path, ln.lineno, -1, "too many members");
		} else {
			if (col[2] >= 0 && (size_t)col[2] < nf && f[col[2]].len && !s->emails[m] &&
			    !(s->emails[m] = strdup(f[col[2]].s)))
				rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
			if (rc == 0)
				rc = add_prefixes(s, m, f[col[1]].s, path, ln.lineno, err);
		}
	}
	if (rc == 0 && s->npfx == 0)
		rc = isp_err_at(err, ISR_EINVAL, path, 0, -1, "no members");
	qsort(s->pfx, s->npfx, sizeof(*s->pfx), by_len_desc);
out:
	csv_reader_free(cr);
	lr_free(r);
	return rc;
}

int relay_split_new(FILE *f, const char *path, const char *dir, struct relay_split **out,
		    struct isp_err *err)
{
	struct relay_split *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (s) {
		s->pfx = calloc(RELAY_MAX_PREFIXES, sizeof(*s->pfx));
		s->dir = strdup(dir);
	}
	if (!s || !s->pfx || !s->dir) {
		relay_split_free(s);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	isp_err_clear(err);
	rc = load_members(s, f, path, err);
	if (rc != 0) {
		relay_split_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void relay_split_free(struct relay_split *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i <= s->nmembers; i++)
		if (s->out[i])
			fclose(s->out[i]);
	for (i = 0; i < s->nmembers; i++) {
		if (s->xout[i])
			fclose(s->xout[i]);
		free(s->names[i]);
		free(s->emails[i]);
	}
	free(s->pfx);
	free(s->dir);
	free(s);
}

int relay_split_mkdir(const struct relay_split *s, struct isp_err *err)
{
	if (mkdir(s->dir, 0755) != 0 && errno != EEXIST)
		return isp_err_set(err, ISR_EIO, "%s: %s", s->dir, strerror(errno));
	return 0;
}

int relay_member_of(const struct relay_split *s, const struct ip_prefix *ip)
{
	size_t i;

	for (i = 0; i < s->npfx; i++)
		if (contains(&s->pfx[i].p, ip))
			return s->pfx[i].member;
	return s->nmembers;
}

int relay_split_members(const struct relay_split *s)
{
	return s->nmembers;
}

const char *relay_split_name(const struct relay_split *s, int i)
{
	return i < s->nmembers ? s->names[i] : "";
}

long relay_split_sent(const struct relay_split *s, int i)
{
	return s->sent[i];
}

long relay_split_rows(const struct relay_split *s)
{
	return s->rows;
}

void relay_split_xarf(struct relay_split *s, const struct xarf_party *me, const char *source,
		      int64_t now)
{
	s->xarf = me;
	s->source = source;
	s->now = now;
}

/* DIR/MEMBER.ext opened for writing into *slot (once); NULL with ferr set on failure. */
static FILE *open_member(struct relay_split *s, int m, const char *ext, FILE **slot)
{
	char path[4096], name[256];
	const char *src = m < s->nmembers ? s->names[m] : "unassigned";
	size_t i;

	if (*slot)
		return *slot;
	for (i = 0; src[i] && i < sizeof(name) - 1; i++)
		name[i] = isalnum((unsigned char)src[i]) || src[i] == '-' || src[i] == '.' ? src[i]
											   : '_';
	name[i] = '\0';
	snprintf(path, sizeof(path), "%s/%s.%s", s->dir, name, ext);
	*slot = fopen(path, "w");
	if (!*slot)
		isp_err_set(&s->ferr, ISR_EIO, "%s: %s", path, strerror(errno));
	return *slot;
}

static FILE *member_file(struct relay_split *s, int m)
{
	if (s->out[m])
		return s->out[m];
	if (!open_member(s, m, "csv", &s->out[m]))
		return NULL;
	fprintf(s->out[m], "%s\n", s->header);
	return s->out[m];
}

/* The row as an X-ARF mail to member m (DIR/MEMBER.mbox). 0 or -1 (ferr set). */
static int split_xarf(struct relay_split *s, int m, const struct ev_record *r)
{
	FILE *f = open_member(s, m, "mbox", &s->xout[m]);
	struct strbuf ev = { 0 }, text = { 0 };
	struct xarf_event xe;
	char ip[IP_PREFIX_STRLEN], subject[256];
	int rc;

	if (!f)
		return -1;
	ip_format_prefix(&r->ip, ip);
	strbuf_fmt(&ev, "%s\n%s\n", s->header, r->raw);
	strbuf_fmt(&text,
		   "%s relays this report of %s about an address of %s.\n\n"
		   "  address   %s\n  cause     %s\n\n"
		   "The report in the X-ARF format and the row as received are attached.\n",
		   s->xarf->org, s->source, s->names[m], ip,
		   cause_name(r->cause) ? cause_name(r->cause) : "unknown");
	memset(&xe, 0, sizeof(xe));
	xe.time = r->time;
	xe.source = ip;
	xe.port = r->port;
	xe.cause = r->cause;
	xe.family = r->family;
	xe.reference = r->reference;
	xe.detail = r->detail;
	xe.tag = "status:relayed";
	xe.ev_type = "text/csv";
	xe.ev_desc = "the row as received, with its header";
	xe.evidence = ev.p;
	snprintf(subject, sizeof(subject), "[X-ARF] %s: %s", s->source, ip);
	if (ev.oom || text.oom)
		rc = isp_err_set(&s->ferr, ISR_ENOMEM, "out of memory");
	else
		rc = xarf_mbox_event(f, s->xarf, s->emails[m], subject, text.p, s->now, &xe,
				     &s->ferr);
	free(ev.p);
	free(text.p);
	return rc ? -1 : 0;
}

static int split_row(void *ud, const struct ev_record *r)
{
	struct relay_split *s = ud;
	int m;
	FILE *f;

	if (!s->header[0] && r->header)
		snprintf(s->header, sizeof(s->header), "%s", r->header);
	m = relay_member_of(s, &r->ip);
	f = member_file(s, m);
	if (!f) {
		s->failed = 1;
		return 1;
	}
	fprintf(f, "%s\n", r->raw);
	if (s->xarf && m < s->nmembers && split_xarf(s, m, r) != 0) {
		s->failed = 1;
		return 1;
	}
	s->sent[m]++;
	s->rows++;
	return 0;
}

/* evfmt_read passes one user pointer to both callbacks: the caller's reject function
 * and its pointer travel beside the record's. */
struct relay_read {
	void *rec_ud;
	evfmt_reject_fn reject;
	void *reject_ud;
};

static void read_reject(void *ud, const struct isp_err *e)
{
	const struct relay_read *rr = ud;

	if (rr->reject)
		rr->reject(rr->reject_ud, e);
}

static int split_rec(void *ud, const struct ev_record *r)
{
	return split_row(((struct relay_read *)ud)->rec_ud, r);
}

int relay_split_file(struct relay_split *s, FILE *f, const struct evfmt_opts *fo,
		     evfmt_reject_fn reject, void *ud, struct evfmt_stats *stats,
		     struct isp_err *err)
{
	struct relay_read rr = { s, reject, ud };
	int rc = evfmt_read(f, fo, split_rec, read_reject, &rr, stats, err);

	if (s->failed) {
		*err = s->ferr;
		return ISR_EIO;
	}
	return rc;
}

int relay_split_close(struct relay_split *s, struct isp_err *err)
{
	int i, bad = 0;

	for (i = 0; i <= s->nmembers; i++) {
		if (s->out[i] && fclose(s->out[i]) != 0)
			bad = 1;
		s->out[i] = NULL;
		if (i < s->nmembers && s->xout[i] && fclose(s->xout[i]) != 0)
			bad = 1;
		if (i < s->nmembers)
			s->xout[i] = NULL;
	}
	return bad ? isp_err_set(err, ISR_EIO, "write failed in %s", s->dir) : 0;
}

int relay_split_record(const struct relay_split *s, struct store *st, const char *source,
		       const char *files, long rejected, int64_t *batch, struct isp_err *err)
{
	int i, rc;

	rc = store_begin(st, err);
	if (rc != 0)
		return rc;
	rc = store_relay_batch(st, source, files, s->rows, rejected, batch, err);
	for (i = 0; rc == 0 && i <= s->nmembers; i++)
		if (s->sent[i] || i < s->nmembers)
			rc = store_relay_sent(st, *batch, relay_split_name(s, i), s->sent[i], err);
	if (rc == 0)
		rc = store_commit(st, err);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

void relay_split_summary(const struct relay_split *s, FILE *out, int64_t batch, const char *source,
			 long rejected)
{
	int i;

	fprintf(out, "batch %lld of %s: %ld rows (%ld rejected)\n", (long long)batch, source,
		s->rows, rejected);
	for (i = 0; i <= s->nmembers; i++)
		if (s->sent[i])
			fprintf(out, "  %-20s %ld rows\n",
				i < s->nmembers ? s->names[i] : "(no member)", s->sent[i]);
}

static int count_row(void *ud, const struct ev_record *r)
{
	(void)r;
	(*(long *)((struct relay_read *)ud)->rec_ud)++;
	return 0;
}

int relay_returns(struct store *st, FILE *f, const char *filename, const char *member,
		  int64_t batch, evfmt_reject_fn reject, void *ud, long *rows, int64_t *used,
		  struct evfmt_stats *stats, struct isp_err *err)
{
	struct evfmt_opts fo = { .format = EVFMT_AUTO, .filename = filename };
	struct relay_read rr = { rows, reject, ud };
	int rc;

	*rows = 0;
	isp_err_clear(err);
	rc = evfmt_read(f, &fo, count_row, read_reject, &rr, stats, err);
	if (rc != 0)
		return rc;
	return store_relay_returned(st, batch, member, *rows, used, err);
}

struct report {
	FILE *out;
	relay_when_fn when;
	json_t *arr, *cur;
	int64_t batch;
	long sent, returned, unassigned, rows;
};

static double pct(long part, long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void batch_total(struct report *x)
{
	long handled = x->sent - x->returned;

	if (!x->batch)
		return;
	if (x->cur) {
		json_object_set_new(x->cur, "sent", json_integer(x->sent));
		json_object_set_new(x->cur, "unassigned", json_integer(x->unassigned));
		json_object_set_new(x->cur, "returned", json_integer(x->returned));
		json_object_set_new(x->cur, "handled", json_integer(handled));
		json_object_set_new(x->cur, "handled_rate", json_real(pct(handled, x->rows)));
		return;
	}
	fprintf(x->out, "  %-24s %9ld %9ld %9ld\n", "total", x->sent, x->returned, handled);
	fprintf(x->out,
		"  received %ld, sent %ld, no member %ld, returned %ld, handled %ld (%.1f%% of "
		"received)\n",
		x->rows, x->sent, x->unassigned, x->returned, handled, pct(handled, x->rows));
}

static void batch_head(struct report *x, const struct store_relay_count *rc)
{
	char t[RELAY_WHEN_MAX];

	batch_total(x);
	x->batch = rc->batch_id;
	x->sent = x->returned = x->unassigned = 0;
	x->rows = rc->rows;
	if (x->arr) {
		x->cur = json_pack("{s:I, s:s, s:I, s:I, s:o}", "batch", (json_int_t)rc->batch_id,
				   "source", rc->source, "received_at", (json_int_t)rc->received_at,
				   "received", (json_int_t)rc->rows, "members", json_array());
		json_array_append_new(x->arr, x->cur);
		return;
	}
	fprintf(x->out, "batch %lld, source %s, received %s: %ld rows\n", (long long)rc->batch_id,
		rc->source, x->when(rc->received_at, t), rc->rows);
	fprintf(x->out, "  %-24s %9s %9s %9s\n", "member", "sent", "returned", "handled");
}

static int report_row(void *ud, const struct store_relay_count *rc)
{
	struct report *x = ud;

	if (rc->batch_id != x->batch)
		batch_head(x, rc);
	if (!rc->member[0]) {
		x->unassigned += rc->sent;
		return 0;
	}
	x->sent += rc->sent;
	x->returned += rc->returned;
	if (x->cur)
		json_array_append_new(json_object_get(x->cur, "members"),
				      json_pack("{s:s, s:I, s:I, s:I}", "member", rc->member,
						"sent", (json_int_t)rc->sent, "returned",
						(json_int_t)rc->returned, "handled",
						(json_int_t)(rc->sent - rc->returned)));
	else
		fprintf(x->out, "  %-24s %9ld %9ld %9ld\n", rc->member, rc->sent, rc->returned,
			rc->sent - rc->returned);
	return 0;
}

int relay_report(struct store *st, FILE *out, int json, relay_when_fn when, struct isp_err *err)
{
	struct report x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.out = out;
	x.when = when;
	if (json && !(x.arr = json_array()))
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	isp_err_clear(err);
	rc = store_each_relay_count(st, report_row, &x, err);
	if (rc == 0) {
		batch_total(&x);
		if (x.arr) {
			json_dumpf(x.arr, out, JSON_INDENT(2));
			fputc('\n', out);
		} else if (!x.batch) {
			fprintf(out, "no relay batches\n");
		}
	}
	json_decref(x.arr);
	return rc;
}
