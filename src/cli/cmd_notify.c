/*
 * cmd_notify.c -- `ispshield notify`: run the notifier, report what became of each batch,
 * write the unmatched rows back for the sender, list recent notices.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
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
	"  returned  --source NAME [--batch ID] [--out FILE]  the unmatched rows as CSV\n"
	"  notices   [--limit N] [--json]  recent notices and their delivery state\n"
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
	"point and running it again neither loses nor repeats a notice.\n"
	"\n"
	"  -n, --dry-run      decide and print the notices that would be made; change\n"
	"                     nothing, send nothing\n"
	"      --no-deliver   decide and store notices, deliver nothing\n"
	"      --smtp URL     deliver by SMTP (smtp://host:port, smtps://host:port); sets\n"
	"                     notify.smtp\n"
	"      --maildir DIR  deliver into a Maildir; sets notify.maildir\n"
	"      --now TIME     decide as if it were TIME (tests, replays)\n"
	"\n"
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
	"\n"
	"Write the rows of SOURCE (one batch, or all) that no subscriber could be found for,\n"
	"as CSV with the batch's own header, ready to send back; a column `reason` is added.\n";

static const char notices_usage[] = "usage: ispshield notify notices [--limit N] [--json]\n";

static int cmd_run(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-deliver", no_argument, NULL, 'D' },
		{ "smtp", required_argument, NULL, 's' },
		{ "maildir", required_argument, NULL, 'm' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct notify_opts o = { 0, 0, (int64_t)time(NULL), NULL, stderr };
	struct notify_stats s;
	struct isp_err err;
	struct store *st;
	int ch, rc;

	isp_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': o.dry_run = 1; break;
		case 'D': o.no_deliver = 1; break;
		case 's':
		case 'm':
			if (config_set(&c->cfg, ch == 's' ? "notify.smtp" : "notify.maildir",
				       optarg, &err) != 0) {
				cli_error(&err);
				return EXIT_USAGE;
			}
			if (ch == 's')
				c->cfg.notify_maildir[0] = '\0';
			break;
		case 'N':
			if (cli_parse_when(optarg, &o.now) != 0)
				return EXIT_USAGE;
			break;
		case 'h': fputs(run_usage, stdout); return EXIT_OK;
		default: fputs(run_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(run_usage, stderr);
		return EXIT_USAGE;
	}
	if (o.dry_run)
		o.preview = stdout;
	st = o.dry_run ? cli_open_store(c) : cli_create_store(c);
	if (!st)
		return EXIT_FAIL;
	rc = notify_run(st, &c->cfg, &o, &s, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
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

struct report_ctx {
	json_t *arr;
	int header_done;
};

static double rate(long part, long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static int report_row(void *ud, const struct store_batch_report *r)
{
	struct report_ctx *x = ud;
	char t[CLI_WHEN_MAX];

	if (x->arr) {
		json_array_append_new(
			x->arr,
			json_pack("{s:I, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
				  "s:I, "
				  "s:f}",
				  "batch", (json_int_t)r->batch.id, "source", r->batch.source,
				  "file", r->batch.file, "received_at",
				  (json_int_t)r->batch.received, "received",
				  (json_int_t)r->received, "rejected",
				  (json_int_t)r->batch.rejected, "matched", (json_int_t)r->matched,
				  "notified", (json_int_t)r->notified, "queued",
				  (json_int_t)r->queued, "repeat", (json_int_t)r->repeat, "skipped",
				  (json_int_t)r->skipped, "returned", (json_int_t)r->returned,
				  "pending", (json_int_t)r->pending, "handled_rate",
				  rate(r->notified, r->received)));
		return 0;
	}
	if (!x->header_done) {
		printf("%-6s %-14s %-25s %9s %9s %9s %7s %8s %9s %8s %7s\n", "batch", "source",
		       "received at", "received", "matched", "notified", "queued", "skipped",
		       "returned", "pending", "handled");
		x->header_done = 1;
	}
	printf("%-6lld %-14.14s %-25s %9ld %9ld %9ld %7ld %8ld %9ld %8ld %6.1f%%\n",
	       (long long)r->batch.id, r->batch.source, cli_when(r->batch.received, t), r->received,
	       r->matched, r->notified, r->queued, r->skipped, r->returned, r->pending,
	       rate(r->notified, r->received));
	return 0;
}

static int cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *source = NULL;
	struct report_ctx x = { NULL, 0 };
	struct isp_err err;
	struct store *st;
	int ch, json = 0, rc;

	while ((ch = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 's': source = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(report_usage, stdout); return EXIT_OK;
		default: fputs(report_usage, stderr); return EXIT_USAGE;
		}
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	if (json)
		x.arr = json_array();
	isp_err_clear(&err);
	rc = store_each_batch_report(st, source, report_row, &x, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		json_decref(x.arr);
		return EXIT_FAIL;
	}
	if (json) {
		json_dumpf(x.arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(x.arr);
	} else if (!x.header_done) {
		printf("no batches%s%s\n", source ? " of source " : "", source ? source : "");
	}
	return EXIT_OK;
}

struct returned_ctx {
	FILE *out;
	int64_t batch;
	long rows;
	int header_done;
	const char *header;
};

/* The reason as one CSV field. */
static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		if (*s != '\r' && *s != '\n')
			fputc(*s, f);
	}
	fputc('"', f);
}

static int returned_row(void *ud, const struct store_event *e)
{
	struct returned_ctx *x = ud;

	if (!x->header_done) {
		fprintf(x->out, "%s,reason\n", x->header ? x->header : "timestamp,ip");
		x->header_done = 1;
	}
	if (e->raw) {
		fputs(e->raw, x->out);
	} else {
		char t[24];

		fprintf(x->out, "%s,%s", cli_time(e->time, t), e->ip);
	}
	fputc(',', x->out);
	csv_field(x->out, e->reason);
	fputc('\n', x->out);
	x->rows++;
	return 0;
}

struct batch_pick {
	int64_t want;
	char header[4096];
	int found, mixed;
};

static int pick_header(void *ud, const struct store_batch_report *r)
{
	struct batch_pick *p = ud;
	const char *h = r->batch.header ? r->batch.header : "";

	if (p->want && r->batch.id != p->want)
		return 0;
	if (r->returned == 0 && !p->want)
		return 0;
	if (p->found && strcmp(p->header, h) != 0)
		p->mixed = 1;
	if (!p->found)
		snprintf(p->header, sizeof(p->header), "%s", h);
	p->found = 1;
	return 0;
}

static int cmd_returned(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *source = NULL, *outpath = NULL;
	struct returned_ctx x = { stdout, 0, 0, 0, NULL };
	struct batch_pick p;
	struct isp_err err;
	struct store *st;
	int ch, rc;

	memset(&p, 0, sizeof(p));
	while ((ch = getopt_long(argc, argv, "s:b:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': source = optarg; break;
		case 'b': x.batch = strtoll(optarg, NULL, 10); break;
		case 'o': outpath = optarg; break;
		case 'h': fputs(returned_usage, stdout); return EXIT_OK;
		default: fputs(returned_usage, stderr); return EXIT_USAGE;
		}
	}
	if (!source || optind != argc) {
		fputs(returned_usage, stderr);
		return EXIT_USAGE;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	p.want = x.batch;
	rc = store_each_batch_report(st, source, pick_header, &p, &err);
	if (rc == 0 && x.batch && !p.found) {
		cli_fail("source %s has no batch %lld", source, (long long)x.batch);
		store_close(st);
		return EXIT_USAGE;
	}
	if (rc == 0 && p.mixed)
		cli_fail("warning: batches of %s have different headers; the first one's is "
			 "written (use --batch ID for one batch)",
			 source);
	x.header = p.header[0] ? p.header : NULL;
	if (rc == 0 && outpath && !(x.out = fopen(outpath, "w"))) {
		cli_fail("%s: cannot write", outpath);
		store_close(st);
		return EXIT_FAIL;
	}
	if (rc == 0)
		rc = store_each_event(st, source, x.batch, EV_RETURNED, returned_row, &x, &err);
	store_close(st);
	if (outpath && x.out && fclose(x.out) != 0 && rc == 0) {
		cli_fail("%s: write failed", outpath);
		return EXIT_FAIL;
	}
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%ld returned rows of %s\n", x.rows, source);
	return EXIT_OK;
}

static int notice_row(void *ud, const struct store_notice *n)
{
	json_t *arr = ud;
	char a[CLI_WHEN_MAX], b[CLI_WHEN_MAX];

	if (arr) {
		json_array_append_new(
			arr,
			json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:I, s:s?}", "id",
				  (json_int_t)n->id, "key", n->key, "subscriber", n->subscriber,
				  "email", n->email, "language", n->language, "causes", n->causes,
				  "created", (json_int_t)n->created, "state",
				  store_notice_state_name(n->state), "attempts", n->attempts,
				  "sent", (json_int_t)n->sent, "error", n->error));
		return 0;
	}
	printf("%-20s %-25s %-24.24s %-8s %-24.24s %-25s %s\n", n->key, cli_when(n->created, a),
	       n->subscriber, store_notice_state_name(n->state), n->causes, cli_when(n->sent, b),
	       n->error ? n->error : "");
	return 0;
}

static int cmd_notices(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *arr = NULL;
	struct isp_err err;
	struct store *st;
	int ch, json = 0, limit = 50, rc;

	while ((ch = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': limit = atoi(optarg); break;
		case 'j': json = 1; break;
		case 'h': fputs(notices_usage, stdout); return EXIT_OK;
		default: fputs(notices_usage, stderr); return EXIT_USAGE;
		}
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	if (json)
		arr = json_array();
	else
		printf("%-20s %-25s %-24s %-8s %-24s %-25s %s\n", "notice", "created", "subscriber",
		       "state", "causes", "sent", "last error");
	isp_err_clear(&err);
	rc = store_each_notice(st, limit, notice_row, arr, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		json_decref(arr);
		return EXIT_FAIL;
	}
	if (arr) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	}
	return EXIT_OK;
}

int cmd_notify(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "run", cmd_run },	    { "report", cmd_report }, { "returned", cmd_returned },
		{ "notices", cmd_notices }, { NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, notify_usage, cmds);
}
