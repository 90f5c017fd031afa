/*
 * cmd_relay.c -- `ispshield relay`: arguments and wiring for the ISAC relay (src/relay:
 * the member table, the split of partner lists by member, the counts and the report).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/events/evfmt.h"
#include "relay/relay.h"

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
	"                             [--format F] [--out-format csv|xarf] FILE...\n"
	"\n"
	"Split partner lists (the formats of `events import`) by member ISP. MEMBERS.csv has\n"
	"a header naming the columns `member` and `prefix` (one prefix a row, or several\n"
	"separated by spaces or ';'). Writes DIR/MEMBER.csv for each member with rows and\n"
	"DIR/unassigned.csv for rows that belong to no member, each with the list's header,\n"
	"and records the batch for `relay report`. DIR (default .) is created if missing.\n"
	"With --out-format xarf, also DIR/MEMBER.mbox: one X-ARF v4 report per row, each in\n"
	"a multipart/report mail to the member's address (an optional column `email`).\n"
	"Rejected rows are reported as FILE:LINE: reason and counted.\n";

static const char returns_usage[] =
	"usage: ispshield relay returns --member NAME [--batch ID] FILE\n"
	"\n"
	"Count the rows member NAME sent back (FILE: a CSV with the list's header, such as\n"
	"`ispshield notify returned` writes) against batch ID (default: the latest batch\n"
	"the member was sent).\n";

static const char report_usage[] = "usage: ispshield relay report [--json]\n";

/* Split the files argv[first..argc) into s; *files lists them for the batch record.
 * Returns 0 or -1 (reported). */
static int split_files(struct relay_split *s, const struct evfmt_opts *fo0, int argc, char **argv,
		       int first, char *files, size_t size, long *rejected)
{
	struct isp_err err;
	int i;

	isp_err_clear(&err);
	for (i = first; i < argc; i++) {
		struct evfmt_opts fo = *fo0;
		struct evfmt_stats fs;
		FILE *f = cli_fopen(argv[i]);
		int rc;

		if (!f)
			return -1;
		fo.filename = argv[i];
		rc = relay_split_file(s, f, &fo, cli_reject, NULL, &fs, &err);
		cli_fclose(f);
		if (rc != 0) {
			if (err.code)
				cli_error(&err);
			return -1;
		}
		*rejected += fs.rejected;
		snprintf(files + strlen(files), size - strlen(files), "%s%s", files[0] ? " " : "",
			 argv[i]);
	}
	return 0;
}

static int cmd_split(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = split_usage,
					       .min_args = 1,
					       .max_args = -1 };
	const char *members = NULL, *source = NULL, *fmt_s = "auto", *dir = ".", *ofmt = "csv";
	struct xarf_party me;
	struct relay_split *s = NULL;
	char files[4096] = "";
	struct isp_err err;
	struct store *st = NULL;
	long rejected = 0;
	int64_t batch;
	struct ss_schema *schema = NULL;
	struct evfmt_opts fo;
	int rc, argi;
	FILE *mf;
	const struct opt opts[] = {
		OPT_SR("members", 'm', &members, "MEMBERS.csv",
		       "the member ISPs: columns member and prefix"),
		OPT_SR("source", 's', &source, "NAME", "who sent the lists"),
		OPT_S("out", 'o', &dir, "DIR", "where the per-member files go (default .)"),
		OPT_S("format", 'f', &fmt_s, "F",
		      "the lists' format, as `events import --format` (default auto)"),
		OPT_S("out-format", 0, &ofmt, "F",
		      "csv (default), or xarf: also an X-ARF mbox per member"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (strcmp(ofmt, "csv") != 0 && strcmp(ofmt, "xarf") != 0) {
		cli_fail("--out-format %s: csv or xarf", ofmt);
		return EXIT_USAGE;
	}
	rc = cli_evfmt_opts(c, fmt_s, NULL, &schema, &fo);
	if (rc != 0)
		return rc;
	mf = cli_fopen(members);
	if (!mf) {
		ss_schema_free(schema);
		return EXIT_USAGE;
	}
	isp_err_clear(&err);
	rc = relay_split_new(mf, members, dir, &s, &err);
	cli_fclose(mf);
	if (rc != 0) {
		cli_error(&err);
		ss_schema_free(schema);
		return EXIT_USAGE;
	}
	xarf_party_from(&me, c->cfg.notify_isp_name, c->cfg.notify_contact, c->cfg.notify_from);
	if (strcmp(ofmt, "xarf") == 0)
		relay_split_xarf(s, &me, source, (int64_t)time(NULL));
	rc = EXIT_FAIL;
	if (relay_split_mkdir(s, &err) != 0) {
		cli_error(&err);
		goto out;
	}
	if (split_files(s, &fo, argc, argv, argi, files, sizeof(files), &rejected) != 0)
		goto out;
	if (relay_split_close(s, &err) != 0) {
		cli_error(&err);
		goto out;
	}
	st = cli_create_store(c);
	if (!st)
		goto out;
	if (relay_split_record(s, st, source, files, rejected, &batch, &err) != 0) {
		cli_error(&err);
		goto out;
	}
	if (!c->quiet)
		relay_split_summary(s, stderr, batch, source, rejected);
	rc = rejected ? EXIT_PARTIAL : EXIT_OK;
out:
	store_close(st);
	relay_split_free(s);
	ss_schema_free(schema);
	return rc;
}

static int cmd_returns(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = returns_usage,
					       .min_args = 1,
					       .max_args = 1 };
	const char *member = NULL;
	int64_t batch = 0, used = 0;
	struct evfmt_stats fs;
	struct isp_err err;
	struct store *st;
	long n = 0;
	int rc, argi;
	FILE *f;
	const struct opt opts[] = {
		OPT_SR("member", 'm', &member, "NAME", "the member ISP that sent FILE back"),
		OPT_I("batch", 'b', &batch, "ID",
		      "the batch FILE answers (default: the latest the member was sent)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	f = cli_fopen(argv[argi]);
	if (!f)
		return EXIT_FAIL;
	st = cli_open_store(c);
	if (!st) {
		cli_fclose(f);
		return EXIT_FAIL;
	}
	rc = relay_returns(st, f, argv[argi], member, batch, cli_reject, NULL, &n, &used, &fs,
			   &err);
	cli_fclose(f);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return rc == ISR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%s: %ld rows returned by %s counted against batch %lld%s\n",
			argv[argi], n, member, (long long)used,
			fs.rejected ? " (rejected rows not counted)" : "");
	return fs.rejected ? EXIT_PARTIAL : EXIT_OK;
}

static int report(struct store *st, int json, FILE *out, struct isp_err *err)
{
	return relay_report(st, out, json, cli_when, err);
}

static int cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = report_usage };

	return cli_report(c, &spec, argc, argv, report);
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
