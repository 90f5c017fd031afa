/*
 * cmd_relay.c -- `ispshield relay`: the ISAC's role between a partner (a CERT, the
 * police) and its member ISPs. A partner list is split by member address ranges, each
 * member gets its rows, and what members send back as not theirs / not handled is
 * counted, giving the table an ISAC publishes: received, sent per member, returned,
 * handled rate.
 *
 * Members are few (tens) with few prefixes each, so a row's member is found by a scan
 * of the prefix table, longest prefix first.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/base/csv.h"
#include "core/events/evfmt.h"
#include "core/base/linereader.h"
#include "core/store/store.h"
#include "core/store/store_relay.h"

#define MAX_MEMBERS  1024
#define MAX_PREFIXES 65536

static const char relay_usage[] =
	"usage: ispshield relay COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Commands:\n"
	"  split    --members MEMBERS.csv --source NAME [--out DIR] FILE...  split a\n"
	"           partner list among member ISPs\n"
	"  returns  --member NAME [--batch ID] FILE  count the rows a member sent back\n"
	"  report   [--json]  received, sent per member, returned, handled rate\n"
	"\n"
	"`ispshield relay COMMAND --help` describes each command.\n";

static const char split_usage[] =
	"usage: ispshield relay split --members MEMBERS.csv --source NAME [--out DIR]\n"
	"                             [--format F] FILE...\n"
	"\n"
	"Split partner lists (the formats of `events import`) by member ISP. MEMBERS.csv has\n"
	"a header naming the columns `member` and `prefix` (one prefix a row, or several\n"
	"separated by spaces or ';'). Writes DIR/MEMBER.csv for each member with rows and\n"
	"DIR/unassigned.csv for rows that belong to no member, each with the list's header,\n"
	"and records the batch for `relay report`. DIR (default .) is created if missing.\n"
	"Rejected rows are reported as FILE:LINE: reason and counted.\n";

static const char returns_usage[] =
	"usage: ispshield relay returns --member NAME [--batch ID] FILE\n"
	"\n"
	"Count the rows member NAME sent back (FILE: a CSV with the list's header, such as\n"
	"`ispshield notify returned` writes) against batch ID (default: the latest batch\n"
	"the member was sent).\n";

static const char report_usage[] = "usage: ispshield relay report [--json]\n";

struct member_prefix {
	struct ip_prefix p;
	int member;
};

struct split {
	char *names[MAX_MEMBERS];
	FILE *out[MAX_MEMBERS + 1]; /* [nmembers] = unassigned */
	long sent[MAX_MEMBERS + 1];
	int nmembers;
	struct member_prefix *pfx;
	size_t npfx;
	const char *dir;
	char header[4096];
	long rows;
	int failed;
};

static int by_len_desc(const void *a, const void *b)
{
	const struct member_prefix *x = a, *y = b;

	return (int)y->p.len - (int)x->p.len;
}

static int contains(const struct ip_prefix *p, const struct ip_prefix *a)
{
	unsigned i, full = p->len / 8, rest = p->len % 8;

	if (p->family != a->family)
		return 0;
	for (i = 0; i < full; i++)
		if (p->addr[i] != a->addr[i])
			return 0;
	return !rest || ((p->addr[full] ^ a->addr[full]) & (0xFF << (8 - rest))) == 0;
}

static int member_index(struct split *s, const char *name)
{
	int i;

	for (i = 0; i < s->nmembers; i++)
		if (strcmp(s->names[i], name) == 0)
			return i;
	if (s->nmembers == MAX_MEMBERS)
		return -1;
	s->names[s->nmembers] = strdup(name);
	return s->names[s->nmembers] ? s->nmembers++ : -1;
}

static int add_prefixes(struct split *s, int m, char *list, const char *file, long line)
{
	char *tok, *save = NULL;
	int masked;

	for (tok = strtok_r(list, " ;\t", &save); tok; tok = strtok_r(NULL, " ;\t", &save)) {
		struct isp_err err;

		isp_err_clear(&err);
		if (s->npfx == MAX_PREFIXES) {
			cli_fail("%s:%ld: more than %d prefixes", file, line, MAX_PREFIXES);
			return -1;
		}
		if (ip_parse_prefix(tok, strlen(tok), &s->pfx[s->npfx].p, &masked, &err) != 0) {
			isp_err_at(&err, ISR_EINVAL, file, line, -1, "'%s' is not a prefix", tok);
			cli_error(&err);
			return -1;
		}
		s->pfx[s->npfx++].member = m;
	}
	return 0;
}

/* Read MEMBERS.csv; any error stops (a wrong split is worse than none). */
static int load_members(struct split *s, const char *path)
{
	struct csv_field f[64];
	struct lr_line ln;
	struct isp_err err;
	struct lr *r;
	struct csv_reader *cr = NULL;
	int col_m = -1, col_p = -1, rc = 0;
	size_t nf, i;
	FILE *fp = cli_fopen(path);

	if (!fp)
		return -1;
	r = lr_new(fp, 16384);
	cr = r ? csv_reader_new(r, 16384) : NULL;
	s->pfx = calloc(MAX_PREFIXES, sizeof(*s->pfx));
	if (!cr || !s->pfx) {
		cli_fail("out of memory");
		rc = -1;
		goto out;
	}
	isp_err_clear(&err);
	while (rc == 0 && csv_next(cr, &ln, &err) > 0) {
		if (ln.too_long || ln.len == 0 || ln.text[0] == '#')
			continue;
		if (csv_split(ln.text, ln.len, f, 64, &nf, &err) != 0) {
			isp_err_at(&err, ISR_EINVAL, path, ln.lineno, -1, "%s", err.msg);
			cli_error(&err);
			rc = -1;
			break;
		}
		if (col_m < 0) {
			for (i = 0; i < nf; i++) {
				if (!strcasecmp(f[i].s, "member") || !strcasecmp(f[i].s, "name"))
					col_m = (int)i;
				if (!strcasecmp(f[i].s, "prefix") ||
				    !strcasecmp(f[i].s, "prefixes"))
					col_p = (int)i;
			}
			if (col_m < 0 || col_p < 0) {
				cli_fail("%s:%ld: the header must name the columns member and "
					 "prefix",
					 path, ln.lineno);
				rc = -1;
			}
			continue;
		}
		if ((size_t)col_m >= nf || (size_t)col_p >= nf || !f[col_m].len) {
			cli_fail("%s:%ld: a row needs a member and a prefix", path, ln.lineno);
			rc = -1;
			break;
		}
		i = (size_t)member_index(s, f[col_m].s);
		if ((int)i < 0) {
			cli_fail("%s:%ld: too many members", path, ln.lineno);
			rc = -1;
			break;
		}
		rc = add_prefixes(s, (int)i, f[col_p].s, path, ln.lineno);
	}
	if (rc == 0 && s->npfx == 0) {
		cli_fail("%s: no members", path);
		rc = -1;
	}
	qsort(s->pfx, s->npfx, sizeof(*s->pfx), by_len_desc);
out:
	csv_reader_free(cr);
	lr_free(r);
	cli_fclose(fp);
	return rc;
}

static FILE *member_file(struct split *s, int m)
{
	char path[4096], name[256];
	const char *src = m < s->nmembers ? s->names[m] : "unassigned";
	size_t i;

	if (s->out[m])
		return s->out[m];
	for (i = 0; src[i] && i < sizeof(name) - 1; i++)
		name[i] = isalnum((unsigned char)src[i]) || src[i] == '-' || src[i] == '.' ? src[i]
											   : '_';
	name[i] = '\0';
	snprintf(path, sizeof(path), "%s/%s.csv", s->dir, name);
	s->out[m] = fopen(path, "w");
	if (!s->out[m]) {
		cli_fail("%s: %s", path, strerror(errno));
		return NULL;
	}
	fprintf(s->out[m], "%s\n", s->header);
	return s->out[m];
}

static int split_row(void *ud, const struct ev_record *r)
{
	struct split *s = ud;
	int m = s->nmembers;
	size_t i;
	FILE *f;

	if (!s->header[0] && r->header)
		snprintf(s->header, sizeof(s->header), "%s", r->header);
	for (i = 0; i < s->npfx; i++) {
		if (contains(&s->pfx[i].p, &r->ip)) {
			m = s->pfx[i].member;
			break;
		}
	}
	f = member_file(s, m);
	if (!f) {
		s->failed = 1;
		return 1;
	}
	fprintf(f, "%s\n", r->raw);
	s->sent[m]++;
	s->rows++;
	return 0;
}

static int cmd_split(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "members", required_argument, NULL, 'm' },
		{ "source", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *members = NULL, *source = NULL, *fmt_s = "auto";
	struct split *s = calloc(1, sizeof(*s));
	char files[4096] = "";
	struct isp_err err;
	struct store *st = NULL;
	long rejected = 0;
	int64_t batch;
	int ch, i, fmt, rc = EXIT_FAIL;

	if (!s) {
		cli_fail("out of memory");
		return EXIT_FAIL;
	}
	s->dir = ".";
	while ((ch = getopt_long(argc, argv, "m:s:o:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': members = optarg; break;
		case 's': source = optarg; break;
		case 'o': s->dir = optarg; break;
		case 'f': fmt_s = optarg; break;
		case 'h':
			fputs(split_usage, stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs(split_usage, stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	fmt = evfmt_parse_name(fmt_s);
	if (!members || !source || optind >= argc || fmt < 0) {
		fputs(split_usage, stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_members(s, members) != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (mkdir(s->dir, 0755) != 0 && errno != EEXIST) {
		cli_fail("%s: %s", s->dir, strerror(errno));
		goto out;
	}
	isp_err_clear(&err);
	for (i = optind; i < argc; i++) {
		struct evfmt_opts fo = { (enum ev_format)fmt, argv[i] };
		struct evfmt_stats fs;
		FILE *f = cli_fopen(argv[i]);

		if (!f)
			goto out;
		if (evfmt_read(f, &fo, split_row, cli_reject, s, &fs, &err) != 0 || s->failed) {
			if (err.code)
				cli_error(&err);
			cli_fclose(f);
			goto out;
		}
		cli_fclose(f);
		rejected += fs.rejected;
		snprintf(files + strlen(files), sizeof(files) - strlen(files), "%s%s",
			 files[0] ? " " : "", argv[i]);
	}
	for (i = 0; i <= s->nmembers; i++) {
		if (s->out[i] && fclose(s->out[i]) != 0) {
			s->out[i] = NULL;
			cli_fail("write failed in %s", s->dir);
			goto out;
		}
		s->out[i] = NULL;
	}
	st = cli_create_store(c);
	if (!st)
		goto out;
	if (store_begin(st, &err) != 0 ||
	    store_relay_batch(st, source, files, s->rows, rejected, &batch, &err) != 0) {
		cli_error(&err);
		goto out;
	}
	for (i = 0; i <= s->nmembers; i++) {
		if ((s->sent[i] || i < s->nmembers) &&
		    store_relay_sent(st, batch, i < s->nmembers ? s->names[i] : "", s->sent[i],
				     &err) != 0) {
			cli_error(&err);
			goto out;
		}
	}
	if (store_commit(st, &err) != 0) {
		cli_error(&err);
		goto out;
	}
	if (!c->quiet) {
		fprintf(stderr, "batch %lld of %s: %ld rows (%ld rejected)\n", (long long)batch,
			source, s->rows, rejected);
		for (i = 0; i <= s->nmembers; i++)
			if (s->sent[i])
				fprintf(stderr, "  %-20s %ld rows\n",
					i < s->nmembers ? s->names[i] : "(no member)", s->sent[i]);
	}
	rc = rejected ? EXIT_PARTIAL : EXIT_OK;
out:
	if (st) {
		if (rc != EXIT_OK && rc != EXIT_PARTIAL)
			store_rollback(st);
		store_close(st);
	}
	for (i = 0; i <= s->nmembers; i++)
		if (s->out[i])
			fclose(s->out[i]);
	for (i = 0; i < s->nmembers; i++)
		free(s->names[i]);
	free(s->pfx);
	free(s);
	return rc;
}

static int count_row(void *ud, const struct ev_record *r)
{
	(void)r;
	(*(long *)ud)++;
	return 0;
}

static int cmd_returns(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "member", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *member = NULL;
	int64_t batch = 0, used = 0;
	struct evfmt_opts fo = { EVFMT_AUTO, NULL };
	struct evfmt_stats fs;
	struct isp_err err;
	struct store *st;
	long n = 0;
	int ch, rc;
	FILE *f;

	while ((ch = getopt_long(argc, argv, "m:b:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': member = optarg; break;
		case 'b': batch = strtoll(optarg, NULL, 10); break;
		case 'h': fputs(returns_usage, stdout); return EXIT_OK;
		default: fputs(returns_usage, stderr); return EXIT_USAGE;
		}
	}
	if (!member || argc - optind != 1) {
		fputs(returns_usage, stderr);
		return EXIT_USAGE;
	}
	fo.filename = argv[optind];
	f = cli_fopen(argv[optind]);
	if (!f)
		return EXIT_FAIL;
	isp_err_clear(&err);
	rc = evfmt_read(f, &fo, count_row, cli_reject, &n, &fs, &err);
	cli_fclose(f);
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	rc = store_relay_returned(st, batch, member, n, &used, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return rc == ISR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%s: %ld rows returned by %s counted against batch %lld%s\n",
			argv[optind], n, member, (long long)used,
			fs.rejected ? " (rejected rows not counted)" : "");
	return fs.rejected ? EXIT_PARTIAL : EXIT_OK;
}

struct relay_report {
	json_t *arr, *cur;
	int64_t batch;
	long sent, returned, unassigned, rows;
};

static double pct(long part, long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void batch_total(struct relay_report *x)
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
	printf("  %-24s %9ld %9ld %9ld\n", "total", x->sent, x->returned, handled);
	printf("  received %ld, sent %ld, no member %ld, returned %ld, handled %ld (%.1f%% of "
	       "received)\n",
	       x->rows, x->sent, x->unassigned, x->returned, handled, pct(handled, x->rows));
}

static int relay_row(void *ud, const struct store_relay_count *rc)
{
	struct relay_report *x = ud;
	char t[CLI_WHEN_MAX];

	if (rc->batch_id != x->batch) {
		batch_total(x);
		x->batch = rc->batch_id;
		x->sent = x->returned = x->unassigned = 0;
		x->rows = rc->rows;
		if (x->arr) {
			x->cur = json_pack("{s:I, s:s, s:I, s:I, s:o}", "batch",
					   (json_int_t)rc->batch_id, "source", rc->source,
					   "received_at", (json_int_t)rc->received_at, "received",
					   (json_int_t)rc->rows, "members", json_array());
			json_array_append_new(x->arr, x->cur);
		} else {
			printf("batch %lld, source %s, received %s: %ld rows\n",
			       (long long)rc->batch_id, rc->source, cli_when(rc->received_at, t),
			       rc->rows);
			printf("  %-24s %9s %9s %9s\n", "member", "sent", "returned", "handled");
		}
	}
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
		printf("  %-24s %9ld %9ld %9ld\n", rc->member, rc->sent, rc->returned,
		       rc->sent - rc->returned);
	return 0;
}

static int cmd_report(struct cli *c, int argc, char **argv)
{
	struct relay_report x;
	struct isp_err err;
	struct store *st;
	int rc;

	memset(&x, 0, sizeof(x));
	if (argc == 2 && strcmp(argv[1], "--json") == 0) {
		x.arr = json_array();
	} else if (argc != 1) {
		int help = argc == 2 && strcmp(argv[1], "--help") == 0;

		fputs(report_usage, help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	st = cli_open_store(c);
	if (!st) {
		json_decref(x.arr);
		return EXIT_FAIL;
	}
	isp_err_clear(&err);
	rc = store_each_relay_count(st, relay_row, &x, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		json_decref(x.arr);
		return EXIT_FAIL;
	}
	batch_total(&x);
	if (x.arr) {
		json_dumpf(x.arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(x.arr);
	} else if (!x.batch) {
		printf("no relay batches\n");
	}
	return EXIT_OK;
}

int cmd_relay(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "split", cmd_split },
		{ "returns", cmd_returns },
		{ "report", cmd_report },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, relay_usage, cmds);
}
