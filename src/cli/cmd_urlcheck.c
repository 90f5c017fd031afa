/*
 * cmd_urlcheck.c -- `ispshield urlcheck`: the lookup service of the browser extension
 * (clients/webext): hash prefixes of the listed URLs and domains, and full hashes for
 * the prefixes a browser asks about. Its flags mirror [urlcheck] keys (opts.h, OPT_KEYS);
 * a SIGHUP reload builds the configuration again (file, -o, --store, then these flags).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "urlcheck/urlcheck.h"

static const char urlcheck_usage[] =
	"usage: ispshield urlcheck [OPTIONS]\n"
	"\n"
	"Serve the browser extension's lookups, the way Safe Browsing's Update API works:\n"
	"the SHA-256 prefixes (4 bytes) of every listed URL and domain of the compiled\n"
	"snapshot (GET /v1/prefixes, and ?since=VERSION for a difference), and the full\n"
	"hashes with their list, category and reference under given prefixes (GET\n"
	"/v1/fullhashes?prefixes=HEX8,...). The server sees prefixes only, never a URL;\n"
	"requests carry no identity and nothing is logged per request (counters only).\n"
	"The allowlist and log-only lists apply. A new snapshot is picked up by itself.\n"
	"Runs until SIGTERM/SIGINT; SIGHUP re-reads the configuration.\n";

static const char urlcheck_tail[] =
	"Exit status: 0 stopped by a signal, 2 bad option or configuration (no\n"
	"urlcheck.listen, a bad key), 4 cannot serve (no snapshot, address in use, bad\n"
	"certificate).\n";

static const struct opts_spec urlcheck_spec = {
	.usage = urlcheck_usage,
	.section = "urlcheck",
	.tail = urlcheck_tail,
};

static const struct opt urlcheck_opts[] = {
	OPT_KEYS("urlcheck.listen urlcheck.origin urlcheck.tls-cert urlcheck.tls-key "
		 "urlcheck.metrics urlcheck.versions urlcheck.update-interval urlcheck.cache"),
	OPT_END,
};

int cmd_urlcheck(struct cli *c, int argc, char **argv)
{
	return cli_serve_reload(c, &urlcheck_spec, urlcheck_opts, argc, argv, urlcheck_run);
}
