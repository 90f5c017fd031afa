/*
 * cmd_dns.c -- `ispshield dns`: the C&C-blocking DNS service. Its flags mirror [dns]
 * keys of the configuration (opts.h, OPT_KEYS) and override the file.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "dns/dns.h"

static const char dns_usage[] =
	"usage: ispshield dns [OPTIONS]\n"
	"\n"
	"Serve DNS to subscribers: block names in the snapshot's domain lists (and answers\n"
	"whose CNAME target or address is listed), forward everything else to the upstream\n"
	"resolvers, cache answers. Only the name asked for is inspected and only blocks are\n"
	"recorded (in the store, and one line each on stderr). Runs until SIGTERM/SIGINT;\n"
	"SIGHUP, or a new snapshot or opt-out file, reloads without dropping a query.\n";

static const struct opts_spec dns_spec = {
	.usage = dns_usage,
	.section = "dns",
};

int cmd_dns(struct cli *c, int argc, char **argv)
{
	static const struct opt o[] = {
		OPT_KEYS(
			"dns.listen dns.upstream core.snapshot dns.subscribers dns.opt-out "
			"dns.exempt dns.block-action dns.walled-garden-a dns.walled-garden-aaaa "
			"dns.threads dns.metrics dns.proxy-protocol-from dns.dnstap dns.tls-listen "
			"dns.https-listen dns.tls-cert dns.tls-key dns.https-path "
			"dns.max-connections "
			"dns.idle-timeout core.store"),
		OPT_END,
	};

	return cli_serve(c, &dns_spec, o, argc, argv, dns_run);
}
