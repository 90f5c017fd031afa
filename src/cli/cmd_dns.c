/*
 * cmd_dns.c -- `ispshield dns`: the C&C-blocking DNS service. Its flags mirror [dns]
 * keys of the configuration (opts.h, OPT_K) and override the file.
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
	.heading = "Options (each overrides the [dns] key of the same name; see "
		   "etc/ispshield.conf):",
	.max_args = 0,
};

int cmd_dns(struct cli *c, int argc, char **argv)
{
	const struct opt o[] = {
		OPT_KL("listen", "dns.listen", "ADDR:PORT"),
		OPT_KL("upstream", "dns.upstream", "ADDR:PORT"),
		OPT_K("snapshot", "core.snapshot", "FILE"),
		OPT_K("subscribers", "dns.subscribers", "CIDR,..."),
		OPT_K("opt-out", "dns.opt-out", "FILE"),
		OPT_K("exempt", "dns.exempt", "CIDR,..."),
		OPT_K("block-action", "dns.block-action", "ACTION"),
		OPT_K("walled-garden-a", "dns.walled-garden-a", "ADDR"),
		OPT_K("walled-garden-aaaa", "dns.walled-garden-aaaa", "ADDR"),
		OPT_K("threads", "dns.threads", "N"),
		OPT_K("metrics", "dns.metrics", "ADDR:PORT"),
		OPT_K("proxy-protocol-from", "dns.proxy-protocol-from", "CIDR,..."),
		OPT_K("dnstap", "dns.dnstap", "unix:PATH|tcp:ADDR:PORT"),
		OPT_KL("tls-listen", "dns.tls-listen", "ADDR:PORT"),
		OPT_KL("https-listen", "dns.https-listen", "ADDR:PORT"),
		OPT_K("tls-cert", "dns.tls-cert", "FILE"),
		OPT_K("tls-key", "dns.tls-key", "FILE"),
		OPT_K("https-path", "dns.https-path", "PATH"),
		OPT_K("max-connections", "dns.max-connections", "N"),
		OPT_K("idle-timeout", "dns.idle-timeout", "DURATION"),
		OPT_K("store", "core.store", "PATH"),
		OPT_END,
	};
	struct isp_err err;
	int rc, argi;

	if ((rc = opts_parse(&dns_spec, o, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	isp_err_clear(&err);
	rc = dns_run(&c->cfg, &err);
	if (rc) {
		cli_error(&err);
		return rc == ISR_EINVAL || rc == ISR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
}
