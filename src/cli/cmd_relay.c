/*
 * cmd_relay.c -- `ispshield relay`: arguments and wiring for the ISAC relay (src/relay:
 * the member table, the split of partner lists by member, the counts and the report).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
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

/* Split the files argv[first..argc) into s; *files lists them for the batch record.
 * Returns 0 or -1 (reported). */
static int split_files(struct relay_split *s, int fmt, int argc, char **argv, int first,
		       char *files, size_t size, long *rejected)
{
	struct isp_err err;
	int i;

	isp_err_clear(&err);
	for (i = first; i < argc; i++) {
		struct evfmt_opts fo = { (enum ev_format)fmt, argv[i] };
		struct evfmt_stats fs;
		FILE *f = cli_fopen(argv[i]);
		int rc;

		if (!f)
			return -1;
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
	static const struct option opts[] = {
		{ "members", required_argument, NULL, 'm' },
		{ "source", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *members = NULL, *source = NULL, *fmt_s = "auto", *dir = ".";
	struct relay_split *s = NULL;
	char files[4096] = "";
	struct isp_err err;
	struct store *st = NULL;
	long rejected = 0;
	int64_t batch;
	int ch, fmt, rc = EXIT_FAIL;
	FILE *mf;

	while ((ch = getopt_long(argc, argv, "m:s:o:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': members = optarg; break;
		case 's': source = optarg; break;
		case 'o': dir = optarg; break;
		case 'f': fmt_s = optarg; break;
		case 'h': fputs(split_usage, stdout); return EXIT_OK;
		default: fputs(split_usage, stderr); return EXIT_USAGE;
		}
	}
	fmt = evfmt_parse_name(fmt_s);
	if (!members || !source || optind >= argc || fmt < 0) {
		fputs(split_usage, stderr);
		return EXIT_USAGE;
	}
	mf = cli_fopen(members);
	if (!mf)
		return EXIT_USAGE;
	isp_err_clear(&err);
	rc = relay_split_new(mf, members, dir, &s, &err);
	cli_fclose(mf);
	if (rc != 0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	rc = EXIT_FAIL;
	if (relay_split_mkdir(s, &err) != 0) {
		cli_error(&err);
		goto out;
	}
	if (split_files(s, fmt, argc, argv, optind, files, sizeof(files), &rejected) != 0)
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
	return rc;
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
	f = cli_fopen(argv[optind]);
	if (!f)
		return EXIT_FAIL;
	st = cli_open_store(c);
	if (!st) {
		cli_fclose(f);
		return EXIT_FAIL;
	}
	rc = relay_returns(st, f, argv[optind], member, batch, cli_reject, NULL, &n, &used, &fs,
			   &err);
	cli_fclose(f);
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

static int cmd_report(struct cli *c, int argc, char **argv)
{
	struct isp_err err;
	struct store *st;
	int json = argc == 2 && strcmp(argv[1], "--json") == 0, rc;

	if (!json && argc != 1) {
		int help = argc == 2 && strcmp(argv[1], "--help") == 0;

		fputs(report_usage, help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	rc = relay_report(st, stdout, json, cli_when, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
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
