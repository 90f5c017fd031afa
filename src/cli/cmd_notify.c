/*
 * cmd_notify.c -- `ispshield notify`: run the notifier, report what became of each batch,
 * write the unmatched rows back for the sender, list recent notices.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_trace.h"
#include "cli/opts.h"
#include "notify/notify.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

static const char notify_usage[] =
	"usage: ispshield notify COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  run       [--dry-run] [--smtp URL | --maildir DIR]  match new events to\n"
	"            subscribers and deliver notices\n"
	"  report    [--source NAME] [--json]  per source and batch: received, matched,\n"
	"            notified, skipped, returned, handled rate\n"
	"  returned  --source NAME [--batch ID] [--out FILE] [--format csv|xarf]  the\n"
	"            unmatched rows as CSV or X-ARF mails\n"
	"  notices   [--subscriber ID] [--limit N] [--json]  recent notices and their\n"
	"            delivery state\n"
	"  show      [--json] REF  one notice (REF: ispshield-nN): recipient, events,\n"
	"            delivery, the message\n"
	"\n"
	"`ispshield notify COMMAND --help` describes each command.\n";

static const char run_usage[] =
	"usage: ispshield notify run [--dry-run] [--no-deliver] [--smtp URL | --maildir DIR]\n"
	"\n"
	"Take the DNS/proxy block events recorded since the last run, match every open event\n"
	"to the subscriber who held its address at its time (sessions index; notify.skew),\n"
	"decide per subscriber (opted out: skipped; told about the cause within\n"
	"notify.dedup-window: repeat; over notify.max-per-window: held for a later run),\n"
	"store one notice per subscriber for all its causes, then deliver every notice not\n"
	"yet delivered (retrying failed ones whose time has come). Interrupting it at any\n"
	"point and running it again neither loses nor repeats a notice.\n";

static const char run_tail[] =
	"Exit status: 0 done, 3 done but some deliveries failed (they will be retried),\n"
	"4 failure.\n";

static const char report_usage[] =
	"usage: ispshield notify report [--source NAME] [--json]\n"
	"\n"
	"Per source and batch: received (rows), matched (a known subscriber held the\n"
	"address), notified (in a delivered notice, or a repeat of one), queued (in a notice\n"
	"not delivered yet), skipped (opted out, no e-mail), returned (nobody held the\n"
	"address, or two subscribers were equally close), pending (not processed or held by\n"
	"the rate limit), and the handled rate notified / received.\n";

static const char returned_usage[] =
	"usage: ispshield notify returned --source NAME [--batch ID] [--out FILE]\n"
	"                                [--format csv|xarf] [--to ADDR]\n"
	"\n"
	"Write the rows of SOURCE (one batch, or all) that no subscriber could be found for,\n"
	"as CSV with the batch's own header, ready to send back; a column `reason` is added.\n"
	"With --format xarf, one X-ARF v4 report per row instead, each in a multipart/report\n"
	"mail from notify.from (reporter: notify.isp-name, notify.contact), the row as\n"
	"evidence and the reason in its description, written as an mbox.\n";

static const char notices_usage[] =
	"usage: ispshield notify notices [--subscriber ID] [--limit N] [--json]\n";

static int cmd_run(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = run_usage,
					       .tail = run_tail,
					       .heading = "" };
	struct notify_opts o = { 0, 0, (int64_t)time(NULL), NULL, stderr };
	struct notify_stats s;
	struct isp_err err;
	struct store *st;
	int rc, argi;
	const struct opt opts[] = {
		OPT_F("dry-run", 'n', &o.dry_run,
		      "decide and print the notices that would be made; change nothing, send "
		      "nothing"),
		OPT_F("no-deliver", 0, &o.no_deliver, "decide and store notices, deliver nothing"),
		OPT_FN_("smtp", 0, cli_set_smtp, &c->cfg, "URL",
			"deliver by SMTP (smtp://host:port, smtps://host:port); sets notify.smtp"),
		OPT_KEYS("notify.maildir"),
		OPT_T("now", 0, &o.now, "TIME", "decide as if it were TIME (tests, replays)"),
		OPT_END,
	};

	isp_err_clear(&err);
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (o.dry_run)
		o.preview = stdout;
	st = o.dry_run ? cli_open_store(c) : cli_create_store(c);
	if (!st)
		return EXIT_FAIL;
	if ((rc = cli_store_done(st, notify_run(st, &c->cfg, &o, &s, &err), &err)) != EXIT_OK)
		return rc;
	if (!c->quiet)
		fprintf(stderr,
			"notify%s: %ld block events taken; %ld events: %ld matched, %ld returned "
			"(%ld ambiguous), %ld skipped, %ld repeats, %ld held; %ld notices made, "
			"%ld "
			"delivered, %ld to retry, %ld given up\n",
			o.dry_run ? " (dry run, nothing changed)" : "", s.ingested, s.events,
			s.matched, s.returned, s.ambiguous, s.skipped, s.repeats, s.held, s.notices,
			s.delivered, s.failed, s.given_up);
	return s.failed || s.given_up ? EXIT_PARTIAL : EXIT_OK;
}

static int cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = report_usage, .max_args = -1 };
	const char *source = NULL;
	struct isp_err err;
	struct store *st;
	int json = 0, rc, argi;
	const struct opt opts[] = {
		OPT_S("source", 's', &source, "NAME", "only the batches of this source"),
		OPT_F("json", 'j', &json, "JSON instead of a table"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	return cli_store_done(st, notify_report(st, source, json, stdout, &err), &err);
}

static int cmd_returned(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = returned_usage };
	const char *source = NULL, *outpath = NULL, *format = "csv", *to = NULL;
	struct notify_returned_pick p;
	struct xarf_party me;
	struct notify_xarf nx;
	FILE *out = stdout;
	int64_t batch = 0;
	long rows = 0;
	struct isp_err err;
	struct store *st;
	int rc, argi;
	const struct opt opts[] = {
		OPT_SR("source", 's', &source, "NAME", "the source whose rows are returned"),
		OPT_I("batch", 'b', &batch, "ID", "only this batch (default: all)"),
		OPT_S("out", 'o', &outpath, "FILE", "write there (default: standard output)"),
		OPT_S("format", 'f', &format, "F",
		      "csv (default), or xarf: X-ARF v4 mails as an mbox"),
		OPT_S("to", 0, &to, "ADDR", "the X-ARF mails' recipient (default: undisclosed)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (strcmp(format, "csv") != 0 && strcmp(format, "xarf") != 0) {
		cli_fail("--format %s: csv or xarf", format);
		return EXIT_USAGE;
	}
	xarf_party_from(&me, c->cfg.notify_isp_name, c->cfg.notify_contact, c->cfg.notify_from);
	nx.me = &me;
	nx.to = to;
	nx.now = (int64_t)time(NULL);
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	rc = notify_returned_header(st, source, batch, &p, &err);
	if (rc == 0 && batch && !p.found) {
		cli_fail("source %s has no batch %lld", source, (long long)batch);
		store_close(st);
		return EXIT_USAGE;
	}
	if (rc == 0 && p.mixed)
		cli_fail("warning: batches of %s have different headers; the first one's is "
			 "written (use --batch ID for one batch)",
			 source);
	if (rc == 0 && outpath && !(out = fopen(outpath, "w"))) {
		cli_fail("%s: cannot write", outpath);
		store_close(st);
		return EXIT_FAIL;
	}
	if (rc == 0)
		rc = notify_write_returned(st, source, batch, p.header[0] ? p.header : NULL,
					   strcmp(format, "xarf") == 0 ? &nx : NULL, out, &rows,
					   &err);
	store_close(st);
	if (outpath && out && fclose(out) != 0 && rc == 0) {
		cli_fail("%s: write failed", outpath);
		return EXIT_FAIL;
	}
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%ld returned rows of %s\n", rows, source);
	return EXIT_OK;
}

static int cmd_notices(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = notices_usage, .max_args = -1 };
	struct isp_err err;
	struct store *st;
	int json = 0, rc, argi;
	int64_t limit = 50;
	const char *subscriber = NULL;
	const struct opt opts[] = {
		OPT_S("subscriber", 0, &subscriber, "ID", "only this subscriber's notices"),
		OPT_I("limit", 'n', &limit, "N", "the N most recent notices (default 50)"),
		OPT_F("json", 'j', &json, "JSON instead of a table"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	return cli_store_done(st,
			      notify_notices(st, subscriber, (int)limit,
					     (int)c->cfg.notify_max_attempts, json, stdout, &err),
			      &err);
}

int cmd_notify(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "run", cmd_run },	      { "report", cmd_report },
		{ "returned", cmd_returned }, { "notices", cmd_notices },
		{ "show", cmd_notify_show },  { NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, notify_usage, cmds);
}
