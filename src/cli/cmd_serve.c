/*
 * cmd_serve.c -- the commands of the long-running services: `dns`, `proxy`, `rpz`,
 * `status` and `urlcheck`. Each is a row of one table: its usage text, its configuration
 * section, the keys it offers as flags (opts.h, OPT_KEYS: they mirror the file's keys and
 * override them) and the component's run function; cli_serve / cli_serve_reload parse,
 * run until a signal, and turn the result into an exit status. status and urlcheck build
 * their configuration again on SIGHUP (file, -o, --store, then these flags again).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/base/fsutil.h"
#include "dns/dns.h"
#include "proxy/proxy.h"
#include "rpz/rpz.h"
#include "status/status.h"
#include "urlcheck/urlcheck.h"

static const char dns_usage[] =
	"usage: ispshield dns [OPTIONS]\n"
	"\n"
	"Serve DNS to subscribers: block names in the snapshot's domain lists (and answers\n"
	"whose CNAME target or address is listed), forward everything else to the upstream\n"
	"resolvers, cache answers. Only the name asked for is inspected and only blocks are\n"
	"recorded (in the store, and one line each on stderr). Runs until SIGTERM/SIGINT;\n"
	"SIGHUP, or a new snapshot or opt-out file, reloads without dropping a query.\n";

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

static const char rpz_usage[] =
	"usage: ispshield rpz [OPTIONS]\n"
	"\n"
	"Serve the compiled lists as RPZ zones to resolvers (BIND 9, Unbound, PowerDNS\n"
	"Recursor, Knot Resolver) by zone transfer: AXFR and IXFR over TCP, SOA over UDP and\n"
	"TCP, TSIG (hmac-sha256, hmac-sha512), NOTIFY to the secondaries when a compile\n"
	"changed a zone. Anything else is REFUSED. Runs until SIGTERM/SIGINT; SIGHUP, or a new\n"
	"snapshot, rebuilds the zones (serial up, the difference kept for IXFR).\n";

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

/* The token key is checked here, before the proxy reads it (proxy/server.c). */
static int proxy_checked_run(const struct isp_config *cfg, struct isp_err *err)
{
	if (cfg->proxy_secret_file[0] &&
	    fs_check_secret(cfg->proxy_secret_file, -1, "proxy.secret-file", err) != 0)
		return ISR_EINVAL; /* a usage error */
	return proxy_run(cfg, err);
}

struct service_cmd {
	struct opts_spec spec;
	const char *keys; /* OPT_KEYS: "section.key ..." */
	int (*run)(const struct isp_config *cfg, struct isp_err *err);
	cli_reloading_run_fn reloading_run; /* instead of run: reloads on SIGHUP */
};

enum { S_DNS, S_PROXY, S_RPZ, S_STATUS, S_URLCHECK };

static const struct service_cmd services[] = {
	[S_DNS] = { { .usage = dns_usage, .section = "dns" },
		    "dns.listen dns.upstream core.snapshot dns.subscribers dns.opt-out dns.exempt "
		    "dns.block-action dns.walled-garden-a dns.walled-garden-aaaa dns.threads "
		    "dns.metrics dns.proxy-protocol-from dns.dnstap dns.tls-listen "
		    "dns.https-listen dns.tls-cert dns.tls-key dns.https-path dns.max-connections "
		    "dns.idle-timeout core.store",
		    dns_run,
		    NULL },
	[S_PROXY] = { { .usage = proxy_usage, .section = "proxy" },
		      "proxy.listen core.snapshot core.store proxy.subscribers proxy.opt-out "
		      "proxy.secret-file proxy.metrics proxy.walled-garden proxy.threads "
		      "proxy.resolver-threads proxy.continue-ttl proxy.connect-timeout "
		      "proxy.header-timeout proxy.idle-timeout proxy.upstream-timeout "
		      "proxy.max-header-bytes proxy.max-headers proxy.max-connections proxy.ring "
		      "proxy.allow-destinations proxy.deny-destinations proxy.connect-ports "
		      "proxy.resolver",
		      proxy_checked_run,
		      NULL },
	[S_RPZ] = { { .usage = rpz_usage, .section = "rpz" },
		    "rpz.listen rpz.zone rpz.tsig rpz.allow rpz.notify rpz.journal-max "
		    "rpz.max-transfers rpz.idle-timeout rpz.member-rate rpz.metrics "
		    "rpz.walled-garden core.snapshot core.store",
		    rpz_run,
		    NULL },
	[S_STATUS] = { { .usage = status_usage, .section = "status", .tail = status_tail },
		       "status.listen status.user status.password-file status.scrape "
		       "status.interval status.window status.darknet",
		       NULL,
		       status_run },
	[S_URLCHECK] = { { .usage = urlcheck_usage, .section = "urlcheck", .tail = urlcheck_tail },
			 "urlcheck.listen urlcheck.origin urlcheck.tls-cert urlcheck.tls-key "
			 "urlcheck.metrics urlcheck.versions urlcheck.update-interval "
			 "urlcheck.cache",
			 NULL,
			 urlcheck_run },
};

static int serve(struct cli *c, int which, int argc, char **argv)
{
	const struct service_cmd *s = &services[which];
	const struct opt o[] = { OPT_KEYS(s->keys), OPT_END };

	if (s->reloading_run)
		return cli_serve_reload(c, &s->spec, o, argc, argv, s->reloading_run);
	return cli_serve(c, &s->spec, o, argc, argv, s->run);
}

int cmd_dns(struct cli *c, int argc, char **argv)
{
	return serve(c, S_DNS, argc, argv);
}

int cmd_proxy(struct cli *c, int argc, char **argv)
{
	return serve(c, S_PROXY, argc, argv);
}

int cmd_rpz(struct cli *c, int argc, char **argv)
{
	return serve(c, S_RPZ, argc, argv);
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	return serve(c, S_STATUS, argc, argv);
}

int cmd_urlcheck(struct cli *c, int argc, char **argv)
{
	return serve(c, S_URLCHECK, argc, argv);
}
