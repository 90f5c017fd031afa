/*
 * cmd_rpz.c -- `ispshield rpz`: the lists served as RPZ zones by zone transfer. Its flags
 * mirror [rpz] keys of the configuration (opts.h, OPT_KEYS) and override the file.
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
	.section = "rpz",
};

int cmd_rpz(struct cli *c, int argc, char **argv)
{
	static const struct opt o[] = {
		OPT_KEYS("rpz.listen rpz.zone rpz.tsig rpz.allow rpz.notify rpz.journal-max "
			 "rpz.max-transfers rpz.idle-timeout rpz.member-rate rpz.metrics "
			 "rpz.walled-garden core.snapshot core.store"),
		OPT_END,
	};

	return cli_serve(c, &rpz_spec, o, argc, argv, rpz_run);
}
