/*
 * main.c -- the ispshield command: global options, configuration, dispatch to the
 * subcommands. Global options come before the subcommand.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"

static const char usage_text[] =
	"usage: ispshield [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Protect ISP subscribers from malware: threat lists, C&C-blocking DNS, warning\n"
	"proxy, infected-host notification.\n"
	"\n"
	"Commands:\n"
	"  lists     import, compile, check, export threat lists (ispshield lists --help)\n"
	"  dns       the C&C-blocking DNS service (ispshield dns --help)\n"
	"  sessions  import RADIUS accounting / DHCP leases; who held an address when\n"
	"  subscribers  import the subscriber directory; opt-out, opt-in\n"
	"  events    import partner lists of hosts seen (CSV, Shadowserver reports)\n"
	"  notify    match events to subscribers, send notices, report, return rows\n"
	"  relay     (ISAC) split a partner list among member ISPs; returns; report\n"
	"  sites     the domestic listed sites: contacts, notices to their administrators\n"
	"  rpz       serve the lists as RPZ zones by AXFR/IXFR with TSIG and NOTIFY\n"
	"  proxy     the malware-site warning proxy (ispshield proxy --help)\n"
	"  darknet   darknet sensor captures -> figures, infected hosts (darknet --help)\n"
	"  survey    open resolvers, router admin pages, open proxies in own ranges (survey "
	"--help)\n"
	"  crawl     follow malware-distribution chains from URLs, record every hop (crawl "
	"--help)\n"
	"  authwatch auth logs -> brute force, spraying, stolen credentials (authwatch --help)\n"
	"  run       everything on one machine: dns, proxy, notify loop, list sync, status\n"
	"            page, in one process tree (ispshield run --help)\n"
	"  store     schema version and migrations of the store (store --help)\n"
	"  status    the operator's status page and JSON API (status --help)\n"
	"  urlcheck  hash prefixes and full hashes for the browser extension (urlcheck --help)\n"
	"  config    print the effective configuration\n"
	"  version   print the version\n"
	"\n"
	"Global options:\n"
	"  -c, --config FILE        read the INI configuration FILE (default: none;\n"
	"                           $ISPSHIELD_CONFIG if set); see etc/ispshield.conf\n"
	"      --store PATH         the store (SQLite file, or postgresql://... or\n"
	"                           pg:CONNINFO); default: core.store,\n"
	"                           var/ispshield.db\n"
	"      --snapshot FILE      the compiled snapshot; default: core.snapshot, else\n"
	"                           ispshield.snap beside the store\n"
	"  -o, --set SECTION.KEY=VALUE  override any configuration key (repeatable)\n"
	"  -q, --quiet              no progress or summaries on stderr\n"
	"  -h, --help               this help\n"
	"  -V, --version            print the version\n"
	"\n"
	"Exit status: 0 success (check: matched), 1 check: no match, 2 usage or\n"
	"configuration error, 3 done but some input lines were rejected, 4 failure.\n";

static const struct cli_cmd commands[] = {
	{ "lists", cmd_lists },
	{ "dns", cmd_dns },
	{ "sessions", cmd_sessions },
	{ "subscribers", cmd_subscribers },
	{ "events", cmd_events },
	{ "notify", cmd_notify },
	{ "relay", cmd_relay },
	{ "rpz", cmd_rpz },
	{ "sites", cmd_sites },
	{ "proxy", cmd_proxy },
	{ "darknet", cmd_darknet },
	{ "survey", cmd_survey },
	{ "crawl", cmd_crawl },
	{ "authwatch", cmd_authwatch },
	{ "run", cmd_runall },
	{ "store", cmd_store },
	{ "status", cmd_status },
	{ "urlcheck", cmd_urlcheck },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "set", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c;
	struct isp_err err;
	int ch, i;

	memset(&c, 0, sizeof(c));
	c.conf = getenv("ISPSHIELD_CONFIG");
	isp_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "+c:o:qhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c.conf = optarg; break;
		case 's': c.store = optarg; break;
		case 'S': c.snapshot = optarg; break;
		case 'o':
			if (c.nset == (int)(sizeof(c.set) / sizeof(c.set[0]))) {
				cli_fail("too many -o options");
				return EXIT_USAGE;
			}
			c.set[c.nset++] = optarg;
			break;
		case 'q': c.quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': printf("ispshield %s\n", ISP_VERSION); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (cli_config_read(&c, &c.cfg, &err) != 0 ||
	    time_zone_set(c.cfg.core_timezone, &err) != 0 ||
	    log_setup(c.cfg.core_log, c.cfg.core_syslog_socket, c.cfg.core_journal_socket, &err) !=
		    0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	c.progress = !c.quiet && isatty(STDERR_FILENO);
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the subcommand (GNU: 0 re-initialises) */
	for (i = 0; commands[i].name; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn(&c, argc, argv);
	if (strcmp(argv[0], "config") == 0) {
		if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs("usage: ispshield [GLOBAL OPTIONS] config\n"
			      "\n"
			      "Print the effective configuration: every key with its value after "
			      "the\n"
			      "file (-c) and the -o overrides, one [section] after another, each "
			      "key\n"
			      "with its meaning as a comment. The output is itself a valid file.\n",
			      stdout);
			return EXIT_OK;
		}
		if (argc > 1) {
			cli_fail("config takes no arguments (see ispshield config --help)");
			return EXIT_USAGE;
		}
		config_print(&c.cfg, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[0], "version") == 0) {
		printf("ispshield %s\n", ISP_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[0], "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	cli_fail("unknown command '%s' (see ispshield --help)", argv[0]);
	return EXIT_USAGE;
}
