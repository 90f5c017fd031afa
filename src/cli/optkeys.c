/*
 * optkeys.c -- the configuration keys that commands offer as flags (opts.h, OPT_KEYS):
 * each key once, with the name of its argument in the help and whether the flag may be
 * repeated. The flag is --NAME, the key's name within its section; its help is the key's
 * description in the key table (core/service/config_keys.c), so a command lists only the keys.
 */
#include "cli/opts.h"

#include <string.h>

static const struct opt_keyflag flags[] = {
	{ "core.snapshot", "FILE", 0 },
	{ "core.store", "PATH", 0 },
	{ "crawl.concurrency", "N", 0 },
	{ "crawl.host-interval-ms", "MS", 0 },
	{ "crawl.allow-destinations", "CIDR,...", 0 },
	{ "crawl.deny-destinations", "CIDR,...", 0 },
	{ "dns.block-action", "ACTION", 0 },
	{ "dns.dnstap", "unix:PATH|tcp:ADDR:PORT", 0 },
	{ "dns.exempt", "CIDR,...", 0 },
	{ "dns.https-listen", "ADDR:PORT", 1 },
	{ "dns.https-path", "PATH", 0 },
	{ "dns.idle-timeout", "DURATION", 0 },
	{ "dns.listen", "ADDR:PORT", 1 },
	{ "dns.max-connections", "N", 0 },
	{ "dns.metrics", "ADDR:PORT", 0 },
	{ "dns.opt-out", "FILE", 0 },
	{ "dns.proxy-protocol-from", "CIDR,...", 0 },
	{ "dns.subscribers", "CIDR,...", 0 },
	{ "dns.threads", "N", 0 },
	{ "dns.tls-cert", "FILE", 0 },
	{ "dns.tls-key", "FILE", 0 },
	{ "dns.tls-listen", "ADDR:PORT", 1 },
	{ "dns.upstream", "ADDR:PORT", 1 },
	{ "dns.walled-garden-a", "ADDR", 0 },
	{ "dns.walled-garden-aaaa", "ADDR", 0 },
	{ "proxy.allow-destinations", "CIDR,...", 0 },
	{ "proxy.connect-ports", "PORTS", 0 },
	{ "proxy.connect-timeout", "DURATION", 0 },
	{ "proxy.continue-ttl", "DURATION", 0 },
	{ "proxy.deny-destinations", "CIDR,...", 0 },
	{ "proxy.header-timeout", "DURATION", 0 },
	{ "proxy.idle-timeout", "DURATION", 0 },
	{ "proxy.listen", "ADDR:PORT", 1 },
	{ "proxy.max-connections", "N", 0 },
	{ "proxy.max-header-bytes", "N", 0 },
	{ "proxy.max-headers", "N", 0 },
	{ "proxy.metrics", "ADDR:PORT", 0 },
	{ "proxy.opt-out", "FILE", 0 },
	{ "proxy.resolver", "ADDR[:PORT]", 0 },
	{ "proxy.resolver-threads", "N", 0 },
	{ "proxy.ring", "N", 0 },
	{ "proxy.secret-file", "FILE", 0 },
	{ "proxy.subscribers", "CIDR,...", 0 },
	{ "proxy.threads", "N", 0 },
	{ "proxy.upstream-timeout", "DURATION", 0 },
	{ "proxy.walled-garden", "on|off", 0 },
	{ "rpz.allow", "CIDR|key:NAME", 1 },
	{ "rpz.idle-timeout", "SECONDS", 0 },
	{ "rpz.journal-max", "N", 0 },
	{ "rpz.listen", "ADDR:PORT", 1 },
	{ "rpz.max-transfers", "N", 0 },
	{ "rpz.member-rate", "N", 0 },
	{ "rpz.metrics", "ADDR:PORT", 0 },
	{ "rpz.notify", "[key:NAME@]ADDR:PORT", 1 },
	{ "rpz.walled-garden", "NAME", 0 },
	{ "rpz.tsig", "NAME:ALG:FILE", 1 },
	{ "rpz.zone", "ZONE:LIST[+LIST]", 1 },
	{ "status.darknet", "FILE", 0 },
	{ "status.interval", "DURATION", 0 },
	{ "status.listen", "ADDR:PORT", 0 },
	{ "status.password-file", "FILE", 0 },
	{ "status.scrape", "ADDR:PORT,...", 0 },
	{ "status.user", "NAME", 0 },
	{ "status.window", "DURATION", 0 },
	{ "survey.authorised", "CIDR,...", 0 },
	{ "survey.exclude", "FILE", 0 },
	{ "survey.probe", "dns,http,proxy", 0 },
	{ "survey.rate", "PPS", 0 },
	{ "survey.probe-zone", "NAME", 0 },
	{ "survey.expect-a", "ADDR", 0 },
	{ "survey.serve-zone", "ADDR:PORT", 0 },
	{ "survey.contact", "TEXT", 0 },
	{ "survey.source", "ADDR", 0 },
	{ "survey.retries", "N", 0 },
	{ "survey.cooldown-ms", "MS", 0 },
	{ "survey.http-ports", "P,...", 0 },
	{ "survey.proxy-ports", "P,...", 0 },
	{ "survey.proxy-test", "HOST:PORT", 0 },
	{ "survey.proxy-expect", "TEXT", 0 },
	{ "survey.fingerprints", "FILE", 0 },
	{ "survey.timeout-ms", "MS", 0 },
	{ "survey.state", "FILE", 0 },
	{ "urlcheck.cache", "DURATION", 0 },
	{ "urlcheck.listen", "ADDR:PORT", 0 },
	{ "urlcheck.metrics", "ADDR:PORT", 0 },
	{ "urlcheck.origin", "ORIGIN", 0 },
	{ "urlcheck.tls-cert", "FILE", 0 },
	{ "urlcheck.tls-key", "FILE", 0 },
	{ "urlcheck.update-interval", "DURATION", 0 },
	{ "urlcheck.versions", "N", 0 },
};

const struct opt_keyflag *opt_keyflag(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].key) == len && memcmp(flags[i].key, key, len) == 0)
			return &flags[i];
	return NULL;
}
