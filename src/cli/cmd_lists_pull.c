/*
 * cmd_lists_pull.c -- `ispshield lists pull`: an RPZ zone fetched from a primary by IXFR
 * or AXFR with TSIG and imported into a list (src/rpz/pull.h does the work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "cli/opts.h"
#include "core/base/log.h"
#include "core/lists/listreport.h"
#include "rpz/pull.h"

static const char pull_usage[] =
	"usage: ispshield lists pull --list NAME [--tsig NAME:ALG:FILE] HOST[:PORT] ZONE\n"
	"       ispshield lists pull [--list NAME] [--watch]\n"
	"\n"
	"Fetch the RPZ zone ZONE from the primary HOST (port 53 by default) by zone\n"
	"transfer and import it into list NAME: a SOA query first (nothing more when the\n"
	"serial has not moved), then an IXFR from the serial pulled last, or an AXFR the\n"
	"first time, with --full, or when the server answers the IXFR with the whole zone.\n"
	"Every message of the answer must carry a TSIG that verifies with the key (when one\n"
	"is given). The zone is kept as a zone copy, pull/NAME.zone beside the snapshot, and\n"
	"imported from it as source pull:ZONE through the RPZ reader of `lists import`:\n"
	"history, the shrink guard, rejected records reported as COPY:LINE (unsupported\n"
	"triggers such as rpz-nsdname and rpz-client-ip among them), then compiled, in one\n"
	"transaction: a failure changes nothing.\n"
	"\n"
	"Without HOST and ZONE, the pulls of the configuration ([list.NAME] pull, pull-tsig,\n"
	"pull-kind): that of --list NAME, or every one; with --watch, each again at its\n"
	"zone's SOA refresh (its retry after a failure) and at once on a NOTIFY received on\n"
	"pull.notify-listen, until SIGTERM (what `ispshield run` keeps running).\n";

static const char pull_tail[] =
	"RPZ records become entries as `lists import --format rpz` reads them: name CNAME .\n"
	"(the list's block), *.name (wildcard), CNAME *. (NODATA), CNAME rpz-passthru.\n"
	"(allow), rpz-drop., rpz-tcp-only., local data (A, AAAA, TXT, a CNAME target), and\n"
	"rpz-ip triggers into an ip list.\n"
	"\n"
	"Exit status: 0 pulled or already current, 2 usage, 3 pulled but records were\n"
	"rejected or skipped, 4 failed (nothing changed: the reason is printed).\n";

static const char *const kind_names[] = { "current", "AXFR", "IXFR" };

/* What one pull did, as one line (on stderr, or to the log under --watch). */
static void say(const struct cli *c, const struct rpz_pull_opts *o, const struct rpz_pull_result *r,
		int watch)
{
	char line[600];

	if (r->kind == RPZ_PULL_CURRENT)
		snprintf(line, sizeof(line),
			 "pull %s from %s into %s: serial %u, current (%ld records)", o->zone,
			 o->server, o->list, (unsigned)r->serial, r->zone_records);
	else
		snprintf(line, sizeof(line),
			 "pull %s from %s into %s: %s serial %u -> %u%s, %ld messages, %ld "
			 "records, %ld differences, zone %ld records; %ld added, %ld removed, %ld "
			 "rejected",
			 o->zone, o->server, o->list, kind_names[r->kind], (unsigned)r->from,
			 (unsigned)r->serial,
			 r->ixfr_fell_back ? " (IXFR asked, the whole zone used)" : "", r->messages,
			 r->records, r->diffs, r->zone_records, r->imp.store.added,
			 r->imp.store.removed, r->imp.read.rejected + r->imp.bad_values);
	if (watch)
		log_msg(LOGS_NOTICE, "pull", "%s", line);
	else if (!c->quiet)
		fprintf(stderr, "%s\n", line);
}

/* One pull, its report; EXIT_OK, EXIT_PARTIAL, EXIT_USAGE or EXIT_FAIL. */
static int pull_one(struct cli *c, const struct rpz_pull_opts *o, struct rpz_pull_result *r,
		    int watch, struct isp_err *err)
{
	struct store *st = cli_create_store(c);
	struct rpz_pull_opts po = *o;
	int rc;

	if (!st)
		return isp_err_set(err, ISR_ESTORE, "the store cannot be opened");
	/* lists.expiry counts from each pull (a --watch runs for months) */
	po.import.expires = config_list_expires(&c->cfg, (int64_t)time(NULL));
	isp_err_clear(err);
	rc = rpz_pull(st, &po, r, err);
	store_close(st);
	if (rc) {
		if (watch)
			log_msg(LOGS_ERROR, "pull", "pull %s from %s into %s: %s; nothing changed",
				o->zone, o->server, o->list, err->msg);
		else if (r->imp.refused)
			cli_fail("%s: list %s, %s", r->copy, o->list, err->msg);
		else
			cli_fail("pull %s from %s: %s; nothing changed", o->zone, o->server,
				 err->msg);
		return rc;
	}
	say(c, o, r, watch);
	if (!c->quiet && !watch && r->kind != RPZ_PULL_CURRENT) {
		listreport_import(stderr, r->copy, o->list, &r->imp);
		listreport_compile(stderr, o->snapshot, &r->bs);
	}
	return 0;
}

static int exit_of(int rc, const struct rpz_pull_result *r)
{
	if (rc)
		return rc == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	return r->kind != RPZ_PULL_CURRENT &&
			       (r->imp.read.rejected + r->imp.bad_values || r->imp.other_kind)
		       ? EXIT_PARTIAL
		       : EXIT_OK;
}

struct watch {
	struct cli *c;
};

static int watch_run(void *ud, struct rpz_pull_job *j, struct rpz_pull_result *r,
		     struct isp_err *err)
{
	struct watch *w = ud;

	if (j->notified)
		log_msg(LOGS_INFO, "pull", "NOTIFY for %s: pulling now", j->o.zone);
	return pull_one(w->c, &j->o, r, 1, err);
}

/* The configured pull of list l into *o (its strings point into the configuration). */
static int from_config(const struct config_list *l, char *server, size_t size,
		       struct rpz_pull_opts *o)
{
	const char *sp = strchr(l->pull, ' ');

	if (!sp || (size_t)(sp - l->pull) >= size)
		return -1;
	snprintf(server, size, "%.*s", (int)(sp - l->pull), l->pull);
	o->list = l->name;
	o->server = server;
	o->zone = sp + strspn(sp, " ");
	o->tsig = l->pull_tsig[0] ? l->pull_tsig : NULL;
	o->kind = strcmp(l->pull_kind, "ip") == 0 ? LIST_IP : LIST_DOMAIN;
	return 0;
}

/* The configured pulls (of --list NAME, or all): once, or watched. */
static int configured(struct cli *c, const struct rpz_pull_opts *base, int watch)
{
	static char servers[CONFIG_MAX_LISTS][512];
	struct rpz_pull_job jobs[CONFIG_MAX_LISTS];
	struct rpz_pull_result *r;
	struct watch w = { c };
	struct isp_err err;
	int i, n = 0, rc = EXIT_OK;

	for (i = 0; i < c->cfg.nlists; i++) {
		const struct config_list *l = &c->cfg.lists[i];

		if (!l->pull[0] || (base->list && strcmp(base->list, l->name) != 0))
			continue;
		memset(&jobs[n], 0, sizeof(jobs[n]));
		jobs[n].o = *base;
		if (from_config(l, servers[n], sizeof(servers[n]), &jobs[n].o) != 0) {
			cli_fail("list.%s.pull: %s: expected HOST[:PORT] ZONE", l->name, l->pull);
			return EXIT_USAGE;
		}
		n++;
	}
	if (n == 0) {
		if (base->list)
			cli_fail("list %s has no pull key ([list.%s] pull = HOST ZONE): give HOST "
				 "and ZONE",
				 base->list, base->list);
		else
			cli_fail("no [list.NAME] has a pull key (pull = HOST ZONE)");
		return EXIT_USAGE;
	}
	isp_err_clear(&err);
	if (watch) {
		if (rpz_pull_watch(jobs, n, c->cfg.pull_notify_listen, cli_stop_on_signals(),
				   watch_run, &w, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return EXIT_FAIL;
	for (i = 0; i < n; i++) {
		int e = exit_of(pull_one(c, &jobs[i].o, r, 0, &err), r);

		if (e > rc)
			rc = e;
	}
	free(r);
	return rc;
}

int cmd_lists_pull(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = pull_usage, .tail = pull_tail, .min_args = 0, .max_args = 2
	};
	struct rpz_pull_opts o;
	struct rpz_pull_result *r;
	static char snap[CONFIG_PATH_MAX];
	struct isp_err err;
	int rc, argi, watch = 0;
	const struct opt opts[] = {
		OPT_S("list", 'l', &o.list, "NAME", "the list (created if --kind is given)"),
		OPT_FN_("kind", 'k', cli_parse_kind, &o.kind, "KIND",
			"create the list with this kind: domain (the QNAME triggers) or ip (the "
			"rpz-ip triggers)"),
		OPT_S("tsig", 0, &o.tsig, "NAME:ALG:FILE",
		      "sign the queries and verify every answer with this key: ALG "
		      "hmac-sha256 or hmac-sha512, FILE the base64 secret or a BIND key file "
		      "(readable by its owner only)"),
		OPT_KEYS("pull.timeout"),
		OPT_F("full", 0, &o.full,
		      "ask for the whole zone (AXFR) even when an IXFR could do"),
		OPT_K("expires", "lists.expiry", "DUR"),
		OPT_F("allow-shrink", 0, &o.import.allow_shrink,
		      "import even a zone that lost more than lists.max-shrink percent of the "
		      "list's entries from it"),
		OPT_F("watch", 0, &watch,
		      "keep pulling the configured zones, each at its SOA refresh and on NOTIFY "
		      "(pull.notify-listen), until SIGTERM"),
		OPT_END,
	};

	memset(&o, 0, sizeof(o));
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (argc - argi == 1 || (argc - argi == 2 && (!o.list || watch)))
		return opts_usage(&spec, opts);
	config_snapshot_path(&c->cfg, snap);
	o.snapshot = snap;
	o.timeout = (int)(c->cfg.pull_timeout > 0 ? c->cfg.pull_timeout : 10);
	o.import.max_shrink = config_list_max_shrink(&c->cfg);
	o.on_reject = cli_reject;
	if (argc - argi == 0)
		return configured(c, &o, watch);
	o.server = argv[argi];
	o.zone = argv[argi + 1];
	r = calloc(1, sizeof(*r));
	if (!r)
		return EXIT_FAIL;
	rc = exit_of(pull_one(c, &o, r, 0, &err), r);
	free(r);
	return rc;
}
