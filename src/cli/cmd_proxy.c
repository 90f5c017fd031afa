/*
 * cmd_proxy.c -- `ispshield proxy`: the malware-site warning proxy. Every [proxy] key of
 * the configuration has a flag here; the flags override the file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
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
	"SIGHUP, or a new snapshot or opt-out file, reloads without dropping a request.\n"
	"\n"
	"Options (each overrides the [proxy] key of the same name; see etc/ispshield.conf):\n"
	"  --listen ADDR:PORT         listen on ADDR:PORT (repeatable)\n"
	"  --snapshot FILE            the compiled lists (ispshield lists compile)\n"
	"  --subscribers CIDR,...     clients served; all others get 403\n"
	"  --opt-out FILE             prefixes of clients never warned\n"
	"  --secret-file FILE         key of the continue tokens (>= 16 bytes)\n"
	"  --metrics ADDR:PORT        serve Prometheus metrics on /metrics\n"
	"  --store PATH               where block events are recorded\n"
	"  --walled-garden on|off     cleaning page for C&C names sent here by `dns`\n"
	"  --threads N                worker threads (SO_REUSEPORT)\n"
	"  --resolver-threads N       getaddrinfo threads\n"
	"  --continue-ttl DURATION    lifetime of a continue permission (1h)\n"
	"  --connect-timeout DURATION lookup + connect to an upstream, then 504\n"
	"  --header-timeout DURATION  a whole request head must arrive within this (408)\n"
	"  --idle-timeout DURATION    idle keep-alive connections, bodies, tunnels\n"
	"  --upstream-timeout DURATION  response head from the upstream, then 504\n"
	"  --max-header-bytes N       largest request head; larger gets 431\n"
	"  --max-headers N            most header fields; more gets 431\n"
	"  --max-connections N        client connections per worker\n"
	"  --ring N                   block events buffered per worker\n"
	"  --allow-destinations CIDR,...  internal upstreams allowed (default: none)\n"
	"  --deny-destinations CIDR,...   upstreams always refused (ISP infrastructure)\n"
	"  --connect-ports PORTS      ports a CONNECT may reach (443; 8000-8100 ranges)\n"
	"  --resolver ADDR[:PORT]     DNS server for upstream names (default: system)\n";

int cmd_proxy(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *flag, *key;
	} map[] = {
		{ "snapshot", "core.snapshot" },
		{ "store", "core.store" },
		{ "subscribers", "proxy.subscribers" },
		{ "opt-out", "proxy.opt-out" },
		{ "secret-file", "proxy.secret-file" },
		{ "metrics", "proxy.metrics" },
		{ "walled-garden", "proxy.walled-garden" },
		{ "threads", "proxy.threads" },
		{ "resolver-threads", "proxy.resolver-threads" },
		{ "continue-ttl", "proxy.continue-ttl" },
		{ "connect-timeout", "proxy.connect-timeout" },
		{ "header-timeout", "proxy.header-timeout" },
		{ "idle-timeout", "proxy.idle-timeout" },
		{ "upstream-timeout", "proxy.upstream-timeout" },
		{ "max-header-bytes", "proxy.max-header-bytes" },
		{ "max-headers", "proxy.max-headers" },
		{ "max-connections", "proxy.max-connections" },
		{ "ring", "proxy.ring" },
		{ "allow-destinations", "proxy.allow-destinations" },
		{ "deny-destinations", "proxy.deny-destinations" },
		{ "connect-ports", "proxy.connect-ports" },
		{ "resolver", "proxy.resolver" },
	};
	enum { NMAP = sizeof(map) / sizeof(map[0]), O_LISTEN = 256, O_MAP = 300 };
	struct option opts[NMAP + 3];
	char listen[sizeof(c->cfg.proxy_listen)] = "";
	struct isp_err err;
	int ch, rc;
	size_t i;

	memset(opts, 0, sizeof(opts));
	for (i = 0; i < NMAP; i++) {
		opts[i].name = map[i].flag;
		opts[i].has_arg = required_argument;
		opts[i].val = O_MAP + (int)i;
	}
	opts[NMAP].name = "listen";
	opts[NMAP].has_arg = required_argument;
	opts[NMAP].val = O_LISTEN;
	opts[NMAP + 1].name = "help";
	opts[NMAP + 1].val = 'h';
	isp_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(proxy_usage, stdout);
			return EXIT_OK;
		}
		if (ch == O_LISTEN) {
			if (strlen(listen) + strlen(optarg) + 3 > sizeof(listen)) {
				cli_fail("too many addresses");
				return EXIT_USAGE;
			}
			snprintf(listen + strlen(listen), sizeof(listen) - strlen(listen), "%s%s",
				 *listen ? ", " : "", optarg);
			continue;
		}
		if (ch < O_MAP || ch >= O_MAP + (int)NMAP) {
			fputs(proxy_usage, stderr);
			return EXIT_USAGE;
		}
		if (config_set(&c->cfg, map[ch - O_MAP].key, optarg, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fputs(proxy_usage, stderr);
		return EXIT_USAGE;
	}
	if (*listen && config_set(&c->cfg, "proxy.listen", listen, &err) != 0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
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
