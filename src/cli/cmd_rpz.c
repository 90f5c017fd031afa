/*
 * cmd_rpz.c -- `ispshield rpz`: the lists served as RPZ zones by zone transfer. Its flags
 * mirror [rpz] keys of the configuration (opts.h, OPT_K) and override the file.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "rpz/rpz.h"

static const char rpz_usage[] =
	"usage: ispshield rpz [OPTIONS]\n"
	"\n"
	"Serve the compiled lists as RPZ zones to resolvers (BIND 9, Unbound, PowerDNS\n"
	"Recursor, Knot Resolver) by zone transfer: AXFR and IXFR over TCP, SOA over UDP and\n"
	"TCP, TSIG (hmac-sha256, hmac-sha512), NOTIFY to the secondaries when a compile\n"
	"changed a zone. Anything else is REFUSED. Runs until SIGTERM/SIGINT; SIGHUP, or a new\n"
	"snapshot, rebuilds the zones (serial up, the difference kept for IXFR).\n";

static const struct opts_spec rpz_spec = {
	.usage = rpz_usage,
	.heading = "Options (each overrides the [rpz] key of the same name; see "
		   "etc/ispshield.conf):",
	.max_args = 0,
};

int cmd_rpz(struct cli *c, int argc, char **argv)
{
	const struct opt o[] = {
		OPT_KL("listen", "rpz.listen", "ADDR:PORT"),
		OPT_KL("zone", "rpz.zone", "ZONE:LIST[+LIST]"),
		OPT_KL("tsig", "rpz.tsig", "NAME:ALG:FILE"),
		OPT_KL("allow", "rpz.allow", "CIDR|key:NAME"),
		OPT_KL("notify", "rpz.notify", "[key:NAME@]ADDR:PORT"),
		OPT_K("journal-max", "rpz.journal-max", "N"),
		OPT_K("max-transfers", "rpz.max-transfers", "N"),
		OPT_K("idle-timeout", "rpz.idle-timeout", "SECONDS"),
		OPT_K("member-rate", "rpz.member-rate", "N"),
		OPT_K("metrics", "rpz.metrics", "ADDR:PORT"),
		OPT_K("walled-garden", "rpz.walled-garden", "NAME"),
		OPT_K("snapshot", "core.snapshot", "FILE"),
		OPT_K("store", "core.store", "PATH"),
		OPT_END,
	};
	struct isp_err err;
	int rc, argi;

	if ((rc = opts_parse(&rpz_spec, o, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	isp_err_clear(&err);
	rc = rpz_run(&c->cfg, &err);
	if (rc) {
		cli_error(&err);
		return rc == ISR_EINVAL || rc == ISR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
}
