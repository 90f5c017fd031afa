/*
 * ddr.c -- Discovery of Designated Resolvers (RFC 9462) for the DNS service: the
 * answer to `_dns.resolver.arpa SVCB`, which tells a client (Windows 11, Android, iOS,
 * Firefox) that this resolver also speaks DNS over TLS and over HTTPS, and where. A
 * client that upgrades keeps the ISP's resolver, and with it the protection; one that
 * finds nothing may switch to its vendor's DoH server and lose it.
 *
 * The records (RFC 9460 SVCB, RFC 9461 DNS parameters) are built once at start-up from
 * dns.ddr-name (the target: the name in the certificate, which a client verifies) and the
 * endpoints dns.ddr-dot and dns.ddr-doh (empty: the service's own dns.tls-listen and
 * dns.https-listen where they exist, read by name so this file needs no change when they
 * do): one record per transport and port, with alpn, port, the addresses as ipv4hint and
 * ipv6hint (unspecified addresses left out) and, for DoH, dohpath. A query is then one
 * dnsw_build_local over those bytes: no allocation, no parsing on the query path.
 *
 * resolver.arpa is the resolver's own (RFC 9462 section 6.4 / RFC 6761): it and every
 * name under it are answered here and never forwarded, DDR on or off. An upstream that
 * answered `_dns.resolver.arpa` would advertise its own encrypted endpoints, and
 * subscribers would go there, past the filter.
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "core/net/netaddr.h"
#include "dns/dns_int.h"

#define DDR_TTL	      300 /* seconds the SVCB records may be cached */
#define DDR_MAX_ADDRS 16  /* endpoints per transport */
#define DDR_SVCB      64  /* RR type SVCB (RFC 9460) */
#define SVCB_ALPN     1
#define SVCB_PORT     3
#define SVCB_IPV4HINT 4
#define SVCB_IPV6HINT 6
#define SVCB_DOHPATH  7

struct ddr_buf {
	uint8_t *p;
	size_t len, size;
	int overflow;
};

static void put(struct ddr_buf *b, const void *v, size_t n)
{
	if (b->len + n > b->size) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void put16(struct ddr_buf *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 2);
}

/* Patch the 16-bit length at b->p[at] to the bytes written since at + 2. */
static void patch_len(struct ddr_buf *b, size_t at)
{
	if (!b->overflow)
		dnsw_put16(b->p + at, (uint16_t)(b->len - at - 2));
}

/* Whether sa is 0.0.0.0 or :: (a listen address, not one a client can use). */
static int unspecified(const struct sockaddr_storage *sa)
{
	static const uint8_t zero[16];

	if (sa->ss_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, zero, 16) == 0;
}

static uint16_t port_of(const struct sockaddr_storage *sa)
{
	return ntohs(sa->ss_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
					      : ((const struct sockaddr_in6 *)sa)->sin6_port);
}

/* One SVCB record {type, rdlength, rdata} per distinct port of a[0..n), priority from
 * *prio on. alpn is the wire form of the ALPN list; path is the DoH path or NULL. */
static void add_records(struct ddr_buf *b, const struct sockaddr_storage *a, int n,
			const uint8_t *target, size_t target_len, const uint8_t *alpn,
			size_t alpn_len, const char *path, unsigned *prio)
{
	int i, k, fam;

	for (i = 0; i < n; i++) {
		uint16_t port = port_of(&a[i]);
		size_t rd, at;

		for (k = 0; k < i; k++)
			if (port_of(&a[k]) == port)
				break;
		if (k < i)
			continue; /* this port has its record */
		put16(b, DDR_SVCB);
		rd = b->len;
		put16(b, 0);
		put16(b, (*prio)++);
		put(b, target, target_len);
		put16(b, SVCB_ALPN);
		put16(b, (unsigned)alpn_len);
		put(b, alpn, alpn_len);
		put16(b, SVCB_PORT);
		put16(b, 2);
		put16(b, port);
		for (fam = AF_INET; fam != 0; fam = fam == AF_INET ? AF_INET6 : 0) {
			at = b->len;
			for (k = i; k < n; k++) {
				if (a[k].ss_family != fam || port_of(&a[k]) != port ||
				    unspecified(&a[k]))
					continue;
				if (b->len == at) {
					put16(b, fam == AF_INET ? SVCB_IPV4HINT : SVCB_IPV6HINT);
					put16(b, 0);
				}
				if (fam == AF_INET)
					put(b, &((const struct sockaddr_in *)&a[k])->sin_addr, 4);
				else
					put(b, &((const struct sockaddr_in6 *)&a[k])->sin6_addr,
					    16);
			}
			if (b->len != at)
				patch_len(b, at + 2);
		}
		if (path) {
			put16(b, SVCB_DOHPATH);
			at = b->len;
			put16(b, 0);
			put(b, path, strlen(path));
			put(b, "{?dns}", 6);
			patch_len(b, at);
		}
		patch_len(b, rd);
	}
}

/* The endpoints of key (or, when it is empty, of fallback where the key table has it). */
static int endpoints(const struct isp_config *cfg, const char *key, const char *value,
		     const char *fallback, uint16_t defport, struct sockaddr_storage *a, int *n,
		     struct isp_err *err)
{
	socklen_t l[DDR_MAX_ADDRS];
	const char *v = value;

	*n = 0;
	if (!v[0]) {
		v = config_value(cfg, fallback);
		key = fallback;
	}
	if (!v || !v[0])
		return 0;
	return net_parse_addr_list(key, v, defport, a, l, DDR_MAX_ADDRS, n, err);
}

int dns_ddr_configure(struct dns_server *srv, const struct isp_config *cfg, struct isp_err *err)
{
	static const uint8_t alpn_dot[] = "\3dot";
	static const uint8_t alpn_doh[] = "\2h2\10http/1.1";
	struct sockaddr_storage dot[DDR_MAX_ADDRS], doh[DDR_MAX_ADDRS];
	struct ddr_buf b = { srv->ddr_rrs, 0, sizeof(srv->ddr_rrs), 0 };
	uint8_t target[DNSW_MAX_NAME];
	const char *path = cfg->dns_ddr_doh_path;
	unsigned prio = 1;
	int ndot, ndoh, tlen, rc;

	srv->ddr_len = 0;
	if (!cfg->dns_ddr_name[0])
		return 0;
	tlen = dnsw_name_wire(cfg->dns_ddr_name, target, sizeof(target));
	if (tlen <= 1)
		return isp_err_set(err, ISR_EINVAL, "dns.ddr-name: '%s' is not a host name",
				   cfg->dns_ddr_name);
	rc = endpoints(cfg, "dns.ddr-dot", cfg->dns_ddr_dot, "dns.tls-listen", 853, dot, &ndot,
		       err);
	if (rc == 0)
		rc = endpoints(cfg, "dns.ddr-doh", cfg->dns_ddr_doh, "dns.https-listen", 443, doh,
			       &ndoh, err);
	if (rc)
		return rc;
	if (ndot + ndoh == 0)
		return isp_err_set(err, ISR_EINVAL,
				   "dns.ddr-name is set but there is nothing to advertise: give "
				   "dns.ddr-dot or dns.ddr-doh");
	if (!path[0])
		path = config_value(cfg, "dns.https-path");
	if (!path || !path[0])
		path = "/dns-query";
	if (path[0] != '/' || strchr(path, '{') || strlen(path) > 200)
		return isp_err_set(err, ISR_EINVAL,
				   "dns.ddr-doh-path: '%s' must be an absolute path without '{'",
				   path);
	add_records(&b, dot, ndot, target, (size_t)tlen, alpn_dot, sizeof(alpn_dot) - 1, NULL,
		    &prio);
	add_records(&b, doh, ndoh, target, (size_t)tlen, alpn_doh, sizeof(alpn_doh) - 1, path,
		    &prio);
	if (b.overflow)
		return isp_err_set(err, ISR_ELIMIT,
				   "dns.ddr-*: the SVCB records do not fit %zu bytes (fewer "
				   "endpoints or ports)",
				   sizeof(srv->ddr_rrs));
	srv->ddr_len = b.len;
	return 0;
}

/* Whether name (presentation form, lower case) is s or ends in "." s. */
static int at_or_under(const char *name, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len < n || strcasecmp(name + len - n, s) != 0)
		return 0;
	return len == n || name[len - n - 1] == '.';
}

int dns_ddr_build(const struct dns_server *srv, const struct dnsw_query *q, uint8_t *out,
		  size_t outsz)
{
	if (!q->name_ok || !at_or_under(q->name, q->name_len, "resolver.arpa"))
		return DNS_DDR_NOT;
	if (strcasecmp(q->name, "_dns.resolver.arpa") == 0)
		return dnsw_build_local(q, srv->ddr_rrs, srv->ddr_len, DDR_TTL, -1, NULL, out,
					outsz);
	/* resolver.arpa itself: NODATA; any other name under it: NXDOMAIN */
	return dnsw_build_blocked(
		q, strcasecmp(q->name, "resolver.arpa") == 0 ? DNSW_NOERROR : DNSW_NXDOMAIN, 0,
		NULL, 0, &srv->soa, -1, NULL, out, outsz);
}
