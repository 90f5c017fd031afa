/*
 * cmd_lists_recheck.c -- `ispshield lists recheck`: the options wired to src/crawl's
 * crawl_recheck_list (the fetches, the verdicts, the store).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "cli/opts.h"
#include "core/store/store_lists.h"
#include "crawl/crawl.h"

static const char recheck_usage[] =
	"usage: ispshield lists recheck --list NAME [OPTIONS]\n"
	"\n"
	"Fetch the listed URLs of url list NAME again (the first 64 KiB, no scripts, no\n"
	"redirects) and record each as online (served, the same payload as when last\n"
	"online), offline (lists.recheck-offline-after consecutive times: the name does\n"
	"not resolve, the connection is refused, 404, 410, or the payload changed) or\n"
	"unknown (5xx, other 4xx, timeouts). A URL is due again after 1 h when online,\n"
	"backing off 1 h, 6 h, 24 h while it is not. Internal destinations are refused as\n"
	"in `ispshield crawl`.\n";

static const char recheck_tail[] = "Exit status: 0 done, 2 usage, 4 failed.\n";

int cmd_lists_recheck(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = recheck_usage,
					       .tail = recheck_tail,
					       .max_args = 0 };
	const char *list = NULL;
	struct crawl_recheck_opts o;
	struct crawl_recheck_stats rs;
	struct store_list l;
	struct store *st;
	struct isp_err err;
	int64_t now = (int64_t)time(NULL);
	int rc, argi;

	memset(&o, 0, sizeof(o));
	{
		const struct opt opts[] = {
			OPT_SR("list", 'l', &list, "NAME", "the url list"),
			OPT_F("all", 0, &o.all, "every URL of the list, also those not due yet"),
			OPT_KEYS("crawl.concurrency crawl.host-interval-ms"),
			OPT_K("offline-after", "lists.recheck-offline-after", "N"),
			OPT_KEYS("lists.offline-expiry"),
			OPT_KEYS("crawl.allow-destinations crawl.deny-destinations"),
			OPT_T("now", 0, &now, "TIME",
			      "record the verdicts as of TIME (tests, replays)"),
			OPT_END,
		};

		if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
			return rc;
	}
	rc = store_list_get(st, list, LIST_URL, 0, &l, &err);
	if (rc)
		return cli_store_done(st, rc, &err);
	o.concurrency = (int)c->cfg.crawl_concurrency;
	o.timeout_ms = c->cfg.crawl_timeout * 1000;
	o.host_interval_ms = c->cfg.crawl_host_interval_ms;
	o.offline_after =
		(int)(c->cfg.lists_recheck_offline_after > 0 ? c->cfg.lists_recheck_offline_after
							     : 1);
	o.offline_expiry = c->cfg.lists_offline_expiry;
	o.user_agent = c->cfg.crawl_user_agent;
	o.allow = c->cfg.crawl_allow_destinations;
	o.deny = c->cfg.crawl_deny_destinations;
	o.stop = cli_stop_on_signals();
	rc = crawl_recheck_list(st, &l, &o, now, &rs, &err);
	if (rc == 0 && !c->quiet)
		fprintf(stderr,
			"recheck: list %s: %ld URLs checked: %ld online, %ld offline, %ld "
			"unknown; %ld entries expired\n",
			l.name, rs.checked, rs.online, rs.offline, rs.unknown, rs.expired);
	return cli_store_done(st, rc, &err);
}
