/*
 * cmd_crawl.c -- `ispshield crawl`: the options (most mirror the [crawl] key of the same
 * name: opts.h, OPT_K) wired to src/crawl's crawl_run; with --list NAME --import, the
 * distribution URLs found (DIR/found.txt) go through the import path of `lists import`.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "cli/opts.h"
#include "core/lists/listimport.h"
#include "core/store/store_lists.h"
#include "crawl/crawl.h"

static const char crawl_usage[] =
	"usage: ispshield crawl --out DIR [OPTIONS] URL|FILE...\n"
	"\n"
	"Follow each start URL as a browser would -- HTTP redirects, Refresh headers, meta\n"
	"refresh, inline-script location changes (read by pattern, else by running the\n"
	"scripts in a limited child process), frames -- and record every hop of the chain:\n"
	"URL, how it was reached, status, address, content and file type, SHA-256, role\n"
	"(entry, relay, distribution, attack, landing). The visitor is a profile: the\n"
	"[crawl] keys, or [crawl.profile.NAME] with --profile. A FILE lists start URLs.\n"
	"Internal destinations (loopback, private, link-local, this host) are refused\n"
	"before connecting unless --allow-destinations names them; only http and https\n"
	"are fetched. Output: DIR/chains.jsonl (one JSON object per chain), DIR/hops.jsonl\n"
	"(one per hop), DIR/har/ (a HAR file per chain), DIR/bodies/ (each body once, named\n"
	"by its SHA-256), DIR/found.txt (distribution and attack URLs).\n";

static const char crawl_tail[] =
	"Exit status: 0 done, 2 usage, 3 done but a start value was unreadable, 4 failed\n"
	"(output folder, or the import).\n";

static const struct opts_spec crawl_spec = {
	.usage = crawl_usage,
	.tail = crawl_tail,
	.min_args = 1,
	.max_args = -1,
};

/* --import: DIR/name (value,category,reference) into list `list` of kind `kind`,
 * source `source`, through the import path of `lists import`. */
static int import_csv(struct cli *c, struct store *st, const char *list, enum list_kind kind,
		      const char *source, const char *out, const char *name)
{
	char path[4200];
	struct listimport_opts io;
	struct store_list l;
	struct isp_err err;

	snprintf(path, sizeof(path), "%s/%s", out, name);
	memset(&io, 0, sizeof(io));
	io.format = LISTFMT_CSV;
	io.source = source;
	io.max_shrink = 100; /* each crawl finds what it finds: no shrink guard */
	io.allow_shrink = 1;
	io.expires = config_list_expires(&c->cfg, (int64_t)time(NULL));
	isp_err_clear(&err);
	if (store_list_get(st, list, kind, 1, &l, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	return cli_import_file(c, st, &l, path, &io);
}

int cmd_crawl(struct cli *c, int argc, char **argv)
{
	struct crawl_opts o;
	struct crawl_stats st;
	struct isp_err err;
	const char *list = NULL, *relay_list = NULL, *source = "crawl", *profile = NULL;
	const struct config_crawl_profile *cp = NULL, *bp;
	int rc, argi, import = 0, resume = 0;

	memset(&o, 0, sizeof(o));
	{
		const struct opt opts[] = {
			OPT_S("out", 0, &o.out, "DIR",
			      "output folder (created): chains.jsonl, hops.jsonl, har/, bodies/, "
			      "found.txt, found.csv, relays.csv, visits.log"),
			OPT_F("resume", 0, &resume,
			      "go on with the run in DIR (one that was killed or stopped): the "
			      "chains it completed are kept, not crawled again"),
			OPT_KEYS("crawl.max-hops crawl.depth crawl.concurrency "
				 "crawl.host-concurrency crawl.fetch-interval-ms "
				 "crawl.revisit-after crawl.visit-log crawl.timeout crawl.max-body "
				 "crawl.user-agent crawl.referer crawl.proxy"),
			OPT_S("profile", 0, &profile, "NAME",
			      "fetch as the visitor of [crawl.profile.NAME] (user-agent, "
			      "accept-language, referer, proxy; a key it does not set is the "
			      "[crawl] one); default: the [crawl] keys, named browser"),
			OPT_KEYS("crawl.scripts crawl.allow-destinations crawl.deny-destinations "
				 "crawl.rules"),
			OPT_F("cloaking", 0, &o.cloaking,
			      "fetch each start URL a second time as a non-browser (no browser "
			      "User-Agent, Referer or Accept-Language) and mark the hops only the "
			      "browser-like visit got as cloaked"),
			OPT_S("list", 0, &list, "NAME",
			      "with --import: the url list the distribution and attack URLs go to "
			      "(created)"),
			OPT_S("relay-list", 0, &relay_list, "NAME",
			      "with --import: the domain list the relay hops' hosts go to "
			      "(created)"),
			OPT_F("import", 0, &import,
			      "import DIR/found.csv into --list and DIR/relays.csv into "
			      "--relay-list as `lists import` would (history, report; the chain's "
			      "HAR file is each entry's reference), replacing what --source listed "
			      "before"),
			OPT_S("source", 0, &source, "NAME",
			      "source name of the import (default crawl)"),
			OPT_END,
		};

		if ((rc = opts_parse(&crawl_spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
			return rc;
		if (!o.out || (import && !list && !relay_list) || ((list || relay_list) && !import))
			return opts_usage(&crawl_spec, opts);
	}
	o.max_hops = (int)c->cfg.crawl_max_hops;
	o.depth = (int)c->cfg.crawl_depth;
	o.concurrency = (int)c->cfg.crawl_concurrency;
	o.chain_timeout_ms = c->cfg.crawl_timeout * 1000;
	o.low_speed_bytes = c->cfg.crawl_low_speed_bytes;
	o.low_speed_seconds = c->cfg.crawl_low_speed_time;
	o.max_body = c->cfg.crawl_max_body;
	o.host_concurrency = (int)c->cfg.crawl_host_concurrency;
	o.host_interval_ms = c->cfg.crawl_fetch_interval_ms;
	o.revisit_after = c->cfg.crawl_revisit_after;
	o.visit_log = c->cfg.crawl_visit_log;
	o.resume = resume;
	if (profile) {
		cp = config_crawl_profile(&c->cfg, profile);
		if (!cp) {
			fprintf(stderr,
				"ispshield: crawl: --profile %s: no [crawl.profile.%s] section\n",
				profile, profile);
			return EXIT_USAGE;
		}
		if (o.cloaking && strcmp(profile, "bare") == 0) {
			fprintf(stderr,
				"ispshield: crawl: --cloaking compares a profile with bare: "
				"--profile bare cannot be the browser visit\n");
			return EXIT_USAGE;
		}
	}
	/* the browser visit: the profile's keys over the [crawl] ones */
	o.profile.name = cp ? cp->name : "browser";
	o.profile.user_agent = cp && cp->has_user_agent ? cp->user_agent : c->cfg.crawl_user_agent;
	o.profile.accept_language =
		cp && cp->has_accept_language ? cp->accept_language : c->cfg.crawl_accept_language;
	o.profile.referer = cp && cp->has_referer ? cp->referer : c->cfg.crawl_referer;
	o.profile.proxy = cp && cp->has_proxy ? cp->proxy : c->cfg.crawl_proxy;
	/* the cloaking check's visit: no browser (its keys from [crawl.profile.bare], when
	 * there is one), through the same egress as the browser visit */
	bp = config_crawl_profile(&c->cfg, "bare");
	o.bare.name = "bare";
	o.bare.user_agent = bp && bp->has_user_agent ? bp->user_agent : CRAWL_BARE_AGENT;
	o.bare.accept_language = bp && bp->has_accept_language ? bp->accept_language : "";
	o.bare.referer = bp && bp->has_referer ? bp->referer : "";
	o.bare.proxy = bp && bp->has_proxy ? bp->proxy : o.profile.proxy;
	o.scripts = strcmp(c->cfg.crawl_scripts, "on") == 0;
	o.allow = c->cfg.crawl_allow_destinations;
	o.deny = c->cfg.crawl_deny_destinations;
	o.rules = c->cfg.crawl_rules;
	o.quiet = c->quiet;
	o.progress = c->progress;
	o.report = cli_reject;
	o.stop = cli_stop_on_signals();
	isp_err_clear(&err);
	if (crawl_run(&o, argv + argi, argc - argi, &st, &err) != 0) {
		cli_error(&err);
		return err.code == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!c->quiet) {
		fprintf(stderr,
			"crawl: %ld chains, %ld hops (%ld refused, %ld failed), %ld distribution "
			"or attack URLs, %ld relay hosts -> %s\n",
			st.chains, st.hops, st.refused, st.failed, st.distribution, st.relays,
			o.out);
		fprintf(stderr,
			"crawl: %ld chains kept from the run resumed, %ld hops not fetched "
			"(visited), %ld hops waited for their host, at most %ld fetches at once "
			"to one host\n",
			st.resumed, st.visited, st.host_waits, st.host_peak);
	}
	if (import) {
		struct store *store = cli_create_store(c);

		if (!store)
			return EXIT_FAIL;
		rc = list ? import_csv(c, store, list, LIST_URL, source, o.out, "found.csv")
			  : EXIT_OK;
		if (rc != EXIT_FAIL && relay_list) {
			int r2 = import_csv(c, store, relay_list, LIST_DOMAIN, source, o.out,
					    "relays.csv");

			rc = r2 != EXIT_OK ? r2 : rc;
		}
		store_close(store);
		if (rc == EXIT_FAIL)
			return rc;
	}
	return st.bad_start ? EXIT_PARTIAL : EXIT_OK;
}
