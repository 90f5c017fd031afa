/*
 * cmd_run.c -- `ispshield run`: every service of one machine in one process tree (see
 * src/run/run.h).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "run/run.h"

static const char usage[] =
	"usage: ispshield [GLOBAL OPTIONS] run\n"
	"\n"
	"Run everything a small ISP (or a demo) needs on one machine, in one process tree\n"
	"with one configuration: the DNS service, the proxy and the status page are kept\n"
	"running (a service that dies is started again, after 1 s, doubling up to 60 s\n"
	"while it keeps dying), and so are rpz (when rpz.zone is set), urlcheck (when\n"
	"urlcheck.listen is set) and `lists pull --watch` (when a [list.NAME] has a pull\n"
	"key); `notify run` runs every run.notify-interval, `lists sync` every\n"
	"run.sync-interval and `store prune` every run.prune-interval. run.services says\n"
	"which of dns, proxy, status, rpz, urlcheck, pull, notify, sync, prune are started\n"
	"(default: all).\n"
	"\n"
	"Each service is this same binary, started with the effective configuration\n"
	"(-c FILE and every -o override) written to ispshield-run.conf beside the snapshot\n"
	"($RUNTIME_DIRECTORY under systemd).\n"
	"\n"
	"Signals:\n"
	"  SIGHUP           read the configuration again; a service whose section (or\n"
	"                   [core]) changed is restarted, the others reload their lists;\n"
	"                   a bad configuration is logged and the old one kept\n"
	"  SIGTERM, SIGINT  stop every service (SIGTERM, then SIGKILL after\n"
	"                   run.stop-timeout) and exit\n"
	"\n"
	"Exit status: 0 stopped by a signal, 2 bad configuration (also when a service\n"
	"refuses its configuration on its first start), 4 failure.\n";

int cmd_runall(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = usage };
	static const struct opt opts[] = { OPT_END };

	return cli_serve_reload(c, &spec, opts, argc, argv, run_main);
}
