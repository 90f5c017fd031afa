/*
 * cmd_sites.c -- `ispshield sites`: find the domestic sites on the lists and their
 * contacts, notify them (src/sites). Wiring only: the name look-ups (proxy/dnsstub.h
 * with sites.resolver, else getaddrinfo), the destination rule (core/net/dest.h, with
 * sites.allow-destinations) and the mail (notify/render.h, notify/deliver.h) are handed
 * to the component through struct sites_env.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_sites.h"
#include "cli/opts.h"
#include "core/store/store.h"
#include "notify/deliver.h"
#include "sites/sites.h"

static const char sites_usage[] =
	"usage: ispshield sites COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  find    [--list NAME]... [--json]  the listed sites: registrable domain, domestic\n"
	"          verdict and its evidence, contacts with scope and source\n"
	"  notify  [--smtp URL | --maildir DIR]  one notice per contact per day to the\n"
	"          contacts of the domestic sites found\n"
	"  report  [--json]  per source list: sites, domestic, with a contact, notified,\n"
	"          handled (offline after a notice), median time to offline\n"
	"  returned  --maildir DIR  bounces (DSNs) mark their contact; the next notice goes\n"
	"          to the site's next contact\n"
	"\n"
	"`ispshield sites COMMAND --help` describes each command.\n";

static const char find_usage[] =
	"usage: ispshield sites find [--list NAME]... [--json] [OPTIONS]\n"
	"\n"
	"Take the hosts of the url and domain lists (all, or the lists named), cut each to its\n"
	"registrable domain (Public Suffix List), decide whether the site is domestic (its\n"
	"domain is under the ccTLD of sites.country, else an address of the host is in a range\n"
	"of that country in sites.delegated) and find the contacts of the domestic ones:\n"
	"security.txt, the JPRS WHOIS public contact (.jp), RDAP abuse contacts of the\n"
	"registrar and of the hosting network, then webmaster@ and abuse@ the domain. Every\n"
	"look-up goes only to public addresses unless sites.allow-destinations allows more.\n"
	"The result is recorded in the store for `sites notify`.\n";

static const char notify_usage[] =
	"usage: ispshield sites notify [--smtp URL | --maildir DIR] [OPTIONS]\n"
	"\n"
	"Make one notice per contact per day (JST) covering every listed URL of that contact's\n"
	"domestic sites not told yet, store it, then deliver every notice not delivered yet\n"
	"(templates sites-notice.ja.txt / sites-notice.en.txt, overridable in\n"
	"notify.templates). Interrupting it and running it again neither loses nor repeats a\n"
	"notice.\n"
	"\n"
	"Follow-up from `lists recheck`: a site whose every URL is offline is marked handled\n"
	"and gets no notice; a site still online sites.renotify-after past its last notice\n"
	"gets another (sites-renotice.LANG.txt), to its hosting contact first, up to\n"
	"sites.max-notices notices.\n";

static const char returned_usage[] =
	"usage: ispshield sites returned --maildir DIR\n"
	"\n"
	"Read the delivery status notifications (RFC 3464) in the Maildir DIR (new/ and cur/;\n"
	"where the notices' envelope sender receives its bounces) and mark each recipient\n"
	"reported failed as bounced. The next `sites notify` tells those sites' next contact.\n"
	"Messages are left in place; reading them again marks nothing new.\n";

static const char report_usage[] =
	"usage: ispshield sites report [--json]\n"
	"\n"
	"Per source list: the sites found, how many are domestic, have a contact, were\n"
	"notified (in a delivered notice), were handled (offline after a notice), and the\n"
	"median time from the first notice to offline.\n";

static const char notify_tail[] = "Exit status: 0 done, 3 done but some deliveries failed, 4 "
				  "failure.\n";

#define SITES_NET_OPTS                                                                             \
	OPT_KEYS("sites.resolver sites.allow-destinations sites.delegated sites.rdap-bootstrap "   \
		 "sites.whois-jp")

struct list_args {
	const char *v[64];
	size_t n;
};

static int add_list(void *ptr, const char *v, struct isp_err *err)
{
	struct list_args *la = ptr;

	if (la->n == sizeof(la->v) / sizeof(la->v[0])) {
		isp_err_set(err, ISR_ELIMIT, "--list: at most 64 lists");
		return -1;
	}
	la->v[la->n++] = v;
	return 0;
}

static int cmd_find(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = find_usage, .heading = "" };
	struct sites_find_opts o = { 0 };
	struct list_args la = { { 0 }, 0 };
	struct sites_find_stats s = { 0 };
	struct sites_env env;
	struct env_ud u;
	struct isp_err err;
	struct store *st;
	int json = 0, rc;
	const struct opt opts[] = {
		OPT_FN_("list", 'l', add_list, &la, "NAME",
			"only the sites of list NAME (repeatable; default: every url and domain "
			"list)"),
		OPT_F("json", 'j', &json,
		      "print each site with its verdict, evidence and contacts as JSON"),
		OPT_KEYS("sites.crawl-dir"),
		SITES_NET_OPTS,
		OPT_END,
	};

	if ((rc = sites_open(c, &spec, opts, argc, argv, &st, &env, &u)) >= 0)
		return rc;
	isp_err_clear(&err);
	o.lists = la.v;
	o.nlists = la.n;
	o.now = (int64_t)time(NULL);
	o.json = json ? stdout : NULL;
	rc = sites_find(st, &c->cfg, &env, &o, &s, &err);
	if ((rc = sites_close(st, &u, rc, &err)) != EXIT_OK)
		return rc;
	if (!c->quiet)
		fprintf(stderr,
			"sites find: %ld listed hosts, %ld sites, %ld domestic, %ld with a "
			"contact; "
			"%ld look-ups failed, %ld answered from the cache\n",
			s.hosts, s.sites, s.domestic, s.with_contact, s.lookups_failed,
			s.lookups_cached);
	return EXIT_OK;
}

static int cmd_notify_(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = notify_usage,
					       .tail = notify_tail,
					       .heading = "" };
	struct sites_notify_stats s = { 0 };
	struct sites_env env;
	struct env_ud u;
	struct isp_err err;
	struct store *st;
	int64_t now = (int64_t)time(NULL);
	int rc;
	const struct opt opts[] = {
		OPT_FN_("smtp", 0, cli_set_smtp, &c->cfg, "URL",
			"deliver by SMTP (smtp://host:port, smtps://host:port); sets notify.smtp"),
		OPT_KEYS("notify.maildir sites.renotify-after sites.max-notices"),
		OPT_K("format", "sites.notice-format", "F"),
		OPT_T("now", 0, &now, "TIME", "decide as if it were TIME (tests, replays)"),
		OPT_END,
	};

	if ((rc = sites_open(c, &spec, opts, argc, argv, &st, &env, &u)) >= 0)
		return rc;
	isp_err_clear(&err);
	rc = deliver_open(&c->cfg, &u.d, &err);
	if (rc == 0)
		rc = sites_notify(st, &c->cfg, &env, now, &s, &err);
	if ((rc = sites_close(st, &u, rc, &err)) != EXIT_OK)
		return rc;
	if (!c->quiet)
		fprintf(stderr,
			"sites notify: %ld notices made, %ld delivered, %ld to retry, %ld given "
			"up; "
			"%ld with follow-ups; %ld sites handled (offline), %ld online again\n",
			s.notices, s.delivered, s.failed, s.given_up, s.followups, s.handled,
			s.back_online);
	if (!c->quiet && s.unchecked)
		fprintf(stderr,
			"sites notify: %ld notified sites unchecked: no `lists recheck` of their "
			"URLs since their notice, so neither handled nor followed up\n",
			s.unchecked);
	return s.failed || s.given_up ? EXIT_PARTIAL : EXIT_OK;
}

static int cmd_returned(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = returned_usage };
	struct sites_returned_stats s = { 0 };
	struct isp_err err;
	struct store *st;
	const char *dir = NULL;
	int rc, argi;
	const struct opt opts[] = {
		OPT_S("maildir", 0, &dir, "DIR", "the Maildir the bounces are delivered into"),
		OPT_END,
	};

	isp_err_clear(&err);
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (!dir) {
		fprintf(stderr, "sites returned: --maildir DIR is required\n");
		return EXIT_USAGE;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	rc = sites_returned(st, dir, (int64_t)time(NULL), stderr, &s, &err);
	if ((rc = cli_store_done(st, rc, &err)) != EXIT_OK)
		return rc;
	if (!c->quiet)
		fprintf(stderr,
			"sites returned: %ld messages (%ld not DSNs), %ld failed recipients, %ld "
			"contacts marked bounced\n",
			s.messages, s.not_dsn, s.failed_recipients, s.contacts_marked);
	return EXIT_OK;
}

static int cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = report_usage };

	return cli_report(c, &spec, argc, argv, sites_report);
}

int cmd_sites(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "find", cmd_find },	  { "notify", cmd_notify_ },
		{ "report", cmd_report }, { "returned", cmd_returned },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, sites_usage, cmds);
}
