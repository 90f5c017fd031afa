/*
 * cmd_status.c -- `ispshield status`: the operator's status page and its JSON API.
 * Its flags mirror [status] keys (opts.h, OPT_KEYS) and override the file; a SIGHUP reload
 * builds the configuration again (file, -o, --store, then these flags parsed again).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "status/status.h"

static const char status_usage[] =
	"usage: ispshield status [OPTIONS]\n"
	"\n"
	"Serve the operator's status page (GET /) and the same figures as JSON (GET\n"
	"/api/status): DNS QPS and block rate and the proxy's requests and warnings over\n"
	"time (sampled from their Prometheus endpoints), top blocked names and lists, the\n"
	"notification funnel per source, the listed sites told per list (`sites report`),\n"
	"recent notices (no bodies, no addresses), darknet figures, list versions and list\n"
	"sync state. Loopback by default; optional HTTP basic auth. Runs until\n"
	"SIGTERM/SIGINT; SIGHUP re-reads the configuration.\n";

static const char status_tail[] =
	"Exit status: 0 stopped by a signal, 2 bad option or configuration (a bad [status]\n"
	"key, user without password-file), 4 cannot serve (address in use, file unreadable).\n";

static const struct opts_spec status_spec = {
	.usage = status_usage,
	.section = "status",
	.tail = status_tail,
};

static const struct opt status_opts[] = {
	OPT_KEYS("status.listen status.user status.password-file status.scrape status.interval "
		 "status.window status.darknet"),
	OPT_END,
};

int cmd_status(struct cli *c, int argc, char **argv)
{
	return cli_serve_reload(c, &status_spec, status_opts, argc, argv, status_run);
}
