/*
 * cmd_proxy.c -- `ispshield proxy`: the malware-site warning proxy. Its flags mirror [proxy]
 * keys of the configuration (opts.h, OPT_K) and override the file.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/base/fsutil.h"
#include "proxy/proxy.h"

static const char proxy_usage[] =
	"usage: ispshield proxy [OPTIONS]\n"
	"\n"
	"HTTP/1.1 forward proxy for subscribers who consented: a request for a URL in the\n"
	"snapshot's url lists gets a warning page (Japanese or English, by Accept-Language)\n"
	"with a signed, time-limited \"continue anyway\" link; a CONNECT to a host in a domain\n"
	"list gets 403 (the path of an HTTPS request cannot be seen), and a plain request to\n"
	"such a host the walled-garden page. Upstream addresses are checked after the name\n"
	"lookup: loopback, private, link-local, CGNAT, multicast, reserved and the proxy's own\n"
	"addresses get 403 unless --allow-destinations names them. Only blocks are\n"
	"recorded (in the store, and one line each on stderr). Runs until SIGTERM/SIGINT;\n"
	"SIGHUP, or a new snapshot or opt-out file, reloads without dropping a request.\n";

static const struct opts_spec proxy_spec = {
	.usage = proxy_usage,
	.heading = "Options (each overrides the [proxy] key of the same name; see "
		   "etc/ispshield.conf):",
	.max_args = 0,
};

int cmd_proxy(struct cli *c, int argc, char **argv)
{
	const struct opt o[] = {
		OPT_KL("listen", "proxy.listen", "ADDR:PORT"),
		OPT_K("snapshot", "core.snapshot", "FILE"),
		OPT_K("store", "core.store", "PATH"),
		OPT_K("subscribers", "proxy.subscribers", "CIDR,..."),
		OPT_K("opt-out", "proxy.opt-out", "FILE"),
		OPT_K("secret-file", "proxy.secret-file", "FILE"),
		OPT_K("metrics", "proxy.metrics", "ADDR:PORT"),
		OPT_K("walled-garden", "proxy.walled-garden", "on|off"),
		OPT_K("threads", "proxy.threads", "N"),
		OPT_K("resolver-threads", "proxy.resolver-threads", "N"),
		OPT_K("continue-ttl", "proxy.continue-ttl", "DURATION"),
		OPT_K("connect-timeout", "proxy.connect-timeout", "DURATION"),
		OPT_K("header-timeout", "proxy.header-timeout", "DURATION"),
		OPT_K("idle-timeout", "proxy.idle-timeout", "DURATION"),
		OPT_K("upstream-timeout", "proxy.upstream-timeout", "DURATION"),
		OPT_K("max-header-bytes", "proxy.max-header-bytes", "N"),
		OPT_K("max-headers", "proxy.max-headers", "N"),
		OPT_K("max-connections", "proxy.max-connections", "N"),
		OPT_K("ring", "proxy.ring", "N"),
		OPT_K("allow-destinations", "proxy.allow-destinations", "CIDR,..."),
		OPT_K("deny-destinations", "proxy.deny-destinations", "CIDR,..."),
		OPT_K("connect-ports", "proxy.connect-ports", "PORTS"),
		OPT_K("resolver", "proxy.resolver", "ADDR[:PORT]"),
		OPT_END,
	};
	struct isp_err err;
	int rc, argi;

	if ((rc = opts_parse(&proxy_spec, o, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	isp_err_clear(&err);
	/* The token key is checked here, before the proxy reads it (proxy/server.c). */
	if (c->cfg.proxy_secret_file[0] &&
	    fs_check_secret(c->cfg.proxy_secret_file, -1, "proxy.secret-file", &err) != 0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	rc = proxy_run(&c->cfg, &err);
	if (rc) {
		cli_error(&err);
		return rc == ISR_EINVAL || rc == ISR_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
}
