/*
 * cmd_dns.c -- `ispshield dns`: the C&C-blocking DNS service. Every [dns] key of the
 * configuration has a flag here; the flags override the file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "dns/dns.h"

static const char dns_usage[] =
	"usage: ispshield dns [OPTIONS]\n"
	"\n"
	"Serve DNS to subscribers: block names in the snapshot's domain lists (and answers\n"
	"whose CNAME target or address is listed), forward everything else to the upstream\n"
	"resolvers, cache answers. Only the name asked for is inspected and only blocks are\n"
	"recorded (in the store, and one line each on stderr). Runs until SIGTERM/SIGINT;\n"
	"SIGHUP, or a new snapshot or opt-out file, reloads without dropping a query.\n"
	"\n"
	"Options (each overrides the [dns] key of the same name; see etc/ispshield.conf):\n"
	"  --listen ADDR:PORT           answer on ADDR:PORT (repeatable; UDP and TCP)\n"
	"  --upstream ADDR:PORT         forward to this resolver (repeatable)\n"
	"  --snapshot FILE              the compiled lists (ispshield lists compile)\n"
	"  --subscribers CIDR,...       clients answered; all others get REFUSED\n"
	"  --opt-out FILE               prefixes of clients never filtered\n"
	"  --exempt CIDR,...            clients exempt from rate limits\n"
	"  --block-action ACTION        nxdomain (default) or walled-garden\n"
	"  --walled-garden-a ADDR       IPv4 answer for blocked names (walled-garden)\n"
	"  --walled-garden-aaaa ADDR    IPv6 answer for blocked names (walled-garden)\n"
	"  --threads N                  worker threads (SO_REUSEPORT)\n"
	"  --metrics ADDR:PORT          serve Prometheus metrics on /metrics\n"
	"  --store PATH                 where block events are recorded\n";

int cmd_dns(struct cli *c, int argc, char **argv)
{
	enum {
		O_LISTEN = 256,
		O_UPSTREAM,
		O_SNAPSHOT,
		O_SUBSCRIBERS,
		O_OPTOUT,
		O_EXEMPT,
		O_ACTION,
		O_WGA,
		O_WGAAAA,
		O_THREADS,
		O_METRICS,
		O_STORE,
	};
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "upstream", required_argument, NULL, O_UPSTREAM },
		{ "snapshot", required_argument, NULL, O_SNAPSHOT },
		{ "subscribers", required_argument, NULL, O_SUBSCRIBERS },
		{ "opt-out", required_argument, NULL, O_OPTOUT },
		{ "exempt", required_argument, NULL, O_EXEMPT },
		{ "block-action", required_argument, NULL, O_ACTION },
		{ "walled-garden-a", required_argument, NULL, O_WGA },
		{ "walled-garden-aaaa", required_argument, NULL, O_WGAAAA },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "store", required_argument, NULL, O_STORE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* repeatable flags accumulate; the first use replaces the configured list */
	char listen[sizeof(c->cfg.dns_listen)] = "", upstream[sizeof(c->cfg.dns_upstream)] = "";
	struct isp_err err;
	const char *key = NULL;
	int ch, rc;

	isp_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *acc = NULL;
		size_t accsz = 0;

		switch (ch) {
		case O_LISTEN:
			acc = listen;
			accsz = sizeof(listen);
			break;
		case O_UPSTREAM:
			acc = upstream;
			accsz = sizeof(upstream);
			break;
		case O_SNAPSHOT: key = "core.snapshot"; break;
		case O_SUBSCRIBERS: key = "dns.subscribers"; break;
		case O_OPTOUT: key = "dns.opt-out"; break;
		case O_EXEMPT: key = "dns.exempt"; break;
		case O_ACTION: key = "dns.block-action"; break;
		case O_WGA: key = "dns.walled-garden-a"; break;
		case O_WGAAAA: key = "dns.walled-garden-aaaa"; break;
		case O_THREADS: key = "dns.threads"; break;
		case O_METRICS: key = "dns.metrics"; break;
		case O_STORE: key = "core.store"; break;
		case 'h': fputs(dns_usage, stdout); return EXIT_OK;
		default: fputs(dns_usage, stderr); return EXIT_USAGE;
		}
		if (acc) {
			if (strlen(acc) + strlen(optarg) + 3 > accsz) {
				cli_fail("too many addresses");
				return EXIT_USAGE;
			}
			snprintf(acc + strlen(acc), accsz - strlen(acc), "%s%s", *acc ? ", " : "",
				 optarg);
			continue;
		}
		if (config_set(&c->cfg, key, optarg, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fputs(dns_usage, stderr);
		return EXIT_USAGE;
	}
	if ((*listen && config_set(&c->cfg, "dns.listen", listen, &err) != 0) ||
	    (*upstream && config_set(&c->cfg, "dns.upstream", upstream, &err) != 0)) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	rc = dns_run(&c->cfg, &err);
	if (rc) {
		cli_error(&err);
		return rc == ISR_EINVAL || rc == ISR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
}
