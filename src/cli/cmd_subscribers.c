/*
 * cmd_subscribers.c -- `ispshield subscribers`: the subscriber directory (who gets
 * notices, in which language) and the per-subscriber opt-outs, and the opt-out file the
 * DNS service reads (the addresses opted-out subscribers hold now).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_trace.h"
#include "cli/opts.h"
#include "notify/notify.h"
#include "core/sessions/optout.h"
#include "core/sessions/subfmt.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

static const char subscribers_usage[] =
	"usage: ispshield subscribers COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Commands:\n"
	"  import FILE.csv        add or update subscribers from a CSV directory export\n"
	"  opt-out [--scope S] ID  the subscriber opts out (default scope: filtering)\n"
	"  opt-in  [--scope S] ID  the subscriber opts back in\n"
	"  show [--json] ID       one subscriber: sessions, history, notices\n"
	"  list [--json]          every subscriber\n"
	"  delete [--dry-run] ID  the end of a contract: the subscriber and what names them\n"
	"  optout-file [--out F]  write the DNS opt-out file (done by the commands above\n"
	"                         whenever dns.opt-out is set)\n"
	"  history [--csv]        the consent and opt-out history\n"
	"\n"
	"`ispshield subscribers COMMAND --help` describes each command.\n";

static const char import_usage[] =
	"usage: ispshield subscribers import FILE.csv\n"
	"\n"
	"Add or update subscribers from a CSV file whose header names the columns:\n"
	"  id                 the subscriber as sessions name it: RADIUS User-Name, or the\n"
	"                     lease's circuit-id or hardware address (required)\n"
	"  email              where notices go (empty: notices are skipped and counted)\n"
	"  language           ja or en (default ja)\n"
	"  consent            when the subscriber consented to filtering (date or empty)\n"
	"  opt_out_filtering  since when the subscriber opted out of DNS/proxy filtering\n"
	"  opt_out_notices    since when the subscriber opted out of notices\n"
	"  profile            the [profile.NAME] whose lists apply (empty: every list;\n"
	"                     none: nothing filtered, as opt_out_filtering)\n"
	"Dates are ISO 8601 or unix seconds. Other columns are ignored. Rejected rows are\n"
	"reported as FILE:LINE: reason; the rest is imported.\n"
	"\n"
	"Exit status: 0 imported, 3 imported but rows were rejected, 4 failed.\n";

static const char opt_usage[] =
	"usage: ispshield subscribers opt-out|opt-in [--scope filtering|notices|all] ID\n"
	"\n"
	"Record that subscriber ID opts out of (or back into) DNS/proxy filtering (scope\n"
	"filtering, the default), notices (scope notices), or both (all), with the time.\n"
	"When dns.opt-out names a file, it is rewritten with the addresses the opted-out\n"
	"subscribers hold now, and the DNS service picks it up within 5 s.\n";

static const char show_usage[] =
	"usage: ispshield subscribers show [--since T] [--json] ID\n"
	"\n"
	"One subscriber: address, language, consent, opt-outs and profile, the sessions\n"
	"open at or after T (default: the last 30 days) from the sessions index, the consent\n"
	"and opt-out history, and the last 20 notices.\n";

static const char optout_usage[] =
	"usage: ispshield subscribers optout-file [--out FILE]\n"
	"\n"
	"Write the prefixes that subscribers who opted out of filtering, or who have a\n"
	"profile, hold now (open or current sessions in the sessions index), one a line, to\n"
	"FILE (default: dns.opt-out): PREFIX for an opt-out, profile=NAME PREFIX for a\n"
	"profile (version 2 of the file). The file is replaced atomically; dns and proxy\n"
	"re-read it within a second of a change.\n";

static const char history_usage[] =
	"usage: ispshield subscribers history [--csv] [--subscriber ID] [--since TIME]\n"
	"\n"
	"The consent and opt-out history, oldest first: each consent, withdrawal, opt-out and\n"
	"opt-in, with its time and how it was recorded (import: `subscribers import`;\n"
	"command: `subscribers opt-out|opt-in`). Retention (`store prune`) never deletes it.\n";

static int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = import_usage,
					       .min_args = 1,
					       .max_args = 1 };
	static const struct opt opts[] = { OPT_END };
	struct store *st;
	struct isp_err err;
	struct subfmt_stats ss = { 0, 0, 0 };
	const char *file;
	FILE *f;
	int rc, argi;

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	file = argv[argi];
	if (file[0] == '-')
		return opts_usage(&spec, opts);
	f = cli_fopen(file);
	if (!f)
		return EXIT_FAIL;
	st = cli_create_store(c);
	if (!st) {
		cli_fclose(f);
		return EXIT_FAIL;
	}
	isp_err_clear(&err);
	rc = subfmt_import(st, f, file, cli_reject, NULL, &ss, &err);
	if (rc) {
		if (err.code)
			cli_error(&err);
		cli_fail("%s: nothing imported", file);
	}
	cli_fclose(f);
	store_close(st);
	if (rc)
		return EXIT_FAIL;
	if (!c->quiet)
		fprintf(stderr, "%s: %ld subscribers imported, %ld rows rejected\n", file, ss.rows,
			ss.rejected);
	if (cli_write_optout(c) != 0)
		return EXIT_FAIL;
	return ss.rejected ? EXIT_PARTIAL : EXIT_OK;
}

static int cmd_opt(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = opt_usage, .min_args = 1, .max_args = 1 };
	const char *scope = "filtering";
	int out = strcmp(argv[0], "opt-out") == 0;
	struct store *st;
	struct isp_err err;
	int rc, argi;
	const struct opt opts[] = {
		OPT_S("scope", 's', &scope, "S", "filtering (default), notices or all"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	rc = store_subscriber_opt(st, argv[argi], scope, out, (int64_t)time(NULL), &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return rc == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%s: %s %s recorded\n", argv[argi], argv[0], scope);
	return cli_write_optout(c) ? EXIT_FAIL : EXIT_OK;
}

static int cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = show_usage, .min_args = 1, .max_args = 1 };
	struct store_subscriber s;
	struct store *st;
	struct isp_err err;
	int json = 0, argi;
	int rc;
	int64_t since = (int64_t)time(NULL) - 30LL * 86400;
	char path[CONFIG_PATH_MAX];
	const struct opt opts[] = {
		OPT_T("since", 0, &since, "T",
		      "sessions open at or after T (default: 30 days ago)"),
		OPT_F("json", 0, &json, "one JSON object"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (argv[argi][0] == '-')
		return opts_usage(&spec, opts);
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	rc = store_subscriber_get(st, argv[argi], &s, &err);
	if (rc) {
		store_close(st);
		cli_error(&err);
		return rc == ISR_ENOTFOUND ? EXIT_NOMATCH : EXIT_FAIL;
	}
	config_sessions_path(&c->cfg, path);
	return cli_store_done(st,
			      notify_subscriber_show(st, &s, path, since,
						     (int)c->cfg.notify_max_attempts, json, stdout,
						     &err),
			      &err);
}

/* ---- the DNS opt-out file ---- */

static int write_optout(struct cli *c, const char *out)
{
	char path[CONFIG_PATH_MAX];
	struct optout_counts n;
	struct store *st = cli_open_store(c);
	struct isp_err err;

	if (!st)
		return -1;
	isp_err_clear(&err);
	config_sessions_path(&c->cfg, path);
	if (cli_store_done(st, optout_refresh(st, path, out, (int64_t)time(NULL), &n, &err),
			   &err) != EXIT_OK)
		return -1;
	if (!c->quiet)
		fprintf(stderr,
			"%s: %ld prefixes of %zu opted-out subscribers and %zu with a profile\n",
			out, n.written, n.opted_out, n.profiled);
	return 0;
}

int cli_write_optout(struct cli *c)
{
	return c->cfg.dns_opt_out[0] ? write_optout(c, c->cfg.dns_opt_out) : 0;
}

static int cmd_optout_file(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = optout_usage };
	const char *out = c->cfg.dns_opt_out;
	int rc, argi;
	const struct opt opts[] = {
		OPT_S("out", 0, &out, "FILE", "write there (default: dns.opt-out)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (!out[0]) {
		cli_fail("no file: give --out FILE or set dns.opt-out");
		return EXIT_USAGE;
	}
	return write_optout(c, out) ? EXIT_FAIL : EXIT_OK;
}

static int cmd_history(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = history_usage };
	const char *id = NULL;
	int64_t since = 0;
	struct store *st;
	struct isp_err err;
	int rc, argi, csv = 0;
	const struct opt opts[] = {
		OPT_F("csv", 0, &csv,
		      "CSV with a header: subscriber,time,change,via (time in UTC, YYYY-MM-DD "
		      "HH:MM:SS)"),
		OPT_S("subscriber", 0, &id, "ID", "only this subscriber"),
		OPT_T("since", 0, &since, "TIME",
		      "only changes at or after TIME (ISO 8601 or unix seconds)"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	return cli_store_done(st, optout_history_write(stdout, st, id, since, csv, &err), &err);
}

int cmd_subscribers(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "import", cmd_import },
		{ "opt-out", cmd_opt },
		{ "opt-in", cmd_opt },
		{ "show", cmd_show },
		{ "list", cmd_subscribers_list },
		{ "delete", cmd_subscribers_delete },
		{ "optout-file", cmd_optout_file },
		{ "history", cmd_history },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, subscribers_usage, cmds);
}
