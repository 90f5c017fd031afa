/*
 * cmd_trace.c -- `ispshield events show`, `notify show`, `subscribers list` and
 * `subscribers delete`: what an abuse desk asks and does every day ("why was this
 * blocked, for whom, when, and what became of it?", "what did we tell this subscriber?",
 * the end of a contract). Arguments only; notify/trace.c, sessions/optout.c and the store
 * answer.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_trace.h"
#include "cli/opts.h"
#include "core/net/ip.h"
#include "core/sessions/optout.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"
#include "notify/notify.h"

static const char events_show_usage[] =
	"usage: ispshield events show [--subscriber ID] [--client ADDR] [--name TEXT]\n"
	"                             [--source NAME] [--since T] [--until T] [--limit N]\n"
	"                             [--json]\n"
	"\n"
	"Events (DNS and proxy blocks once `notify run` has taken them in, and partner\n"
	"events), newest first, with what became of each: the subscriber who held the\n"
	"address, and notified (with the notice's id, for `notify show`), repeat, held,\n"
	"skipped or returned with the reason, or new (not processed yet). The filters add up.\n";

static const char notify_show_usage[] =
	"usage: ispshield notify show [--json] REF\n"
	"\n"
	"One notice: REF is the reference a subscriber quotes (ispshield-nN) or the notice's\n"
	"id. Shows the recipient, the causes, the delivery state (retrying, with the next\n"
	"attempt, while attempts remain), the events it told of and the message as the\n"
	"subscriber got it (decoded).\n";

int cmd_events_show(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = events_show_usage, .max_args = 0 };
	struct store_event_filter f;
	const char *client = NULL;
	char ip[IP_PREFIX_STRLEN];
	struct isp_err err;
	struct store *st;
	int json = 0, rc, argi;
	int64_t limit = 100;
	const struct opt opts[] = {
		OPT_S("subscriber", 0, &f.subscriber, "ID", "events matched to this subscriber"),
		OPT_S("client", 0, &client, "ADDR", "events seen at this address"),
		OPT_S("name", 0, &f.name, "TEXT", "events whose name or URL contains TEXT"),
		OPT_S("source", 0, &f.source, "NAME", "events of this source (dns, proxy, ...)"),
		OPT_T("since", 0, &f.since, "T", "events at or after T"),
		OPT_T("until", 0, &f.until, "T", "events before T"),
		OPT_I("limit", 'n', &limit, "N", "at most N events (default 100)"),
		OPT_F("json", 'j', &json, "JSON instead of a table"),
		OPT_END,
	};

	memset(&f, 0, sizeof(f));
	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	if (client) { /* as the store writes addresses */
		struct ip_prefix p;

		if (ip_parse_prefix(client, strlen(client), &p, NULL, NULL) != 0 ||
		    p.len != (p.family == 4 ? 32 : 128)) {
			store_close(st);
			cli_fail("--client %s: not an address", client);
			return EXIT_USAGE;
		}
		ip_format_prefix(&p, ip);
		if (strchr(ip, '/'))
			*strchr(ip, '/') = '\0';
		f.ip = ip;
	}
	f.limit = limit > 0 && limit < 1000000 ? (int)limit : 100;
	return cli_store_done(st, notify_events_show(st, &f, json, stdout, &err), &err);
}

int cmd_notify_show(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = notify_show_usage,
					       .json = "JSON instead of text",
					       .min_args = 1,
					       .max_args = 1 };
	struct isp_err err;
	struct store *st;
	int json, rc, argi;

	if ((rc = cli_open_json(c, &spec, argc, argv, &argi, &json, &st, &err)) >= 0)
		return rc;
	return cli_store_done(
		st,
		notify_show(st, argv[argi], (int)c->cfg.notify_max_attempts, json, stdout, &err),
		&err);
}

static const char subscribers_list_usage[] =
	"usage: ispshield subscribers list [--json]\n"
	"\n"
	"Every subscriber of the directory, by id: address, language, consent, opt-outs and\n"
	"profile.\n";

static const char subscribers_delete_usage[] =
	"usage: ispshield subscribers delete [--dry-run] ID\n"
	"\n"
	"The end of a contract: remove subscriber ID from the directory with its consent and\n"
	"opt-out history and its notices (and their messages). Its events stay, for the\n"
	"batch reports, without the subscriber's id. Says what it removed (--dry-run: what it\n"
	"would remove, changing nothing); the DNS opt-out file is rewritten.\n"
	"\n"
	"Exit status: 0 removed, 1 no such subscriber, 4 failure.\n";

static int subscribers(struct store *st, int json, FILE *out, struct isp_err *err)
{
	return optout_subscribers_write(out, st, json, err);
}

int cmd_subscribers_list(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = subscribers_list_usage };

	return cli_report(c, &spec, argc, argv, subscribers);
}

int cmd_subscribers_delete(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = subscribers_delete_usage,
					       .min_args = 1,
					       .max_args = 1 };
	struct store_sub_removed n;
	struct isp_err err;
	struct store *st;
	int dry = 0, rc, argi;
	const struct opt opts[] = {
		OPT_F("dry-run", 'n', &dry, "say what would be removed, change nothing"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	rc = store_subscriber_delete(st, argv[argi], dry, &n, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return rc == ISR_ENOTFOUND ? EXIT_NOMATCH : EXIT_FAIL;
	}
	printf("%s %s: the directory entry, %ld consent and opt-out changes, %ld notices; "
	       "%ld events no longer name them\n",
	       argv[argi], dry ? "would be removed" : "removed", n.history, n.notices, n.events);
	return dry ? EXIT_OK : (cli_write_optout(c) ? EXIT_FAIL : EXIT_OK);
}
