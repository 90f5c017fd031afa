/*
 * cmd_proxy.c -- `ispshield proxy`: the malware-site warning proxy. Its flags mirror [proxy]
 * keys of the configuration (opts.h, OPT_KEYS) and override the file.
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
	.section = "proxy",
};

/* The token key is checked here, before the proxy reads it (proxy/server.c). */
static int run(const struct isp_config *cfg, struct isp_err *err)
{
	if (cfg->proxy_secret_file[0] &&
	    fs_check_secret(cfg->proxy_secret_file, -1, "proxy.secret-file", err) != 0)
		return ISR_EINVAL; /* a usage error */
	return proxy_run(cfg, err);
}

int cmd_proxy(struct cli *c, int argc, char **argv)
{
	static const struct opt o[] = {
		OPT_KEYS(
			"proxy.listen core.snapshot core.store proxy.subscribers proxy.opt-out "
			"proxy.secret-file proxy.metrics proxy.walled-garden proxy.threads "
			"proxy.resolver-threads proxy.continue-ttl proxy.connect-timeout "
			"proxy.header-timeout proxy.idle-timeout proxy.upstream-timeout "
			"proxy.max-header-bytes proxy.max-headers proxy.max-connections proxy.ring "
			"proxy.allow-destinations proxy.deny-destinations proxy.connect-ports "
			"proxy.resolver"),
		OPT_END,
	};

	return cli_serve(c, &proxy_spec, o, argc, argv, run);
}
