/*
 * dest.c -- see dest.h (moved here from src/proxy for the crawler). The special-purpose ranges are a short table matched by hand
 * (a handful of prefixes, checked once per upstream connection); the operator's lists
 * are prefix sets (core/net/prefixset.h).
 */
#include "core/net/dest.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/ip.h"

static const struct {
	uint8_t fam, len;
	uint8_t a[16];
	enum dest_verdict v;
} special[] = {
	{ 4, 8, { 0 }, DEST_UNSPECIFIED },
	{ 4, 8, { 10 }, DEST_PRIVATE },
	{ 4, 10, { 100, 64 }, DEST_CGNAT },
	{ 4, 8, { 127 }, DEST_LOOPBACK },
	{ 4, 16, { 169, 254 }, DEST_LINKLOCAL },
	{ 4, 12, { 172, 16 }, DEST_PRIVATE },
	{ 4, 16, { 192, 168 }, DEST_PRIVATE },
	{ 4, 4, { 224 }, DEST_MULTICAST },
	{ 4, 4, { 240 }, DEST_RESERVED }, /* with 255.255.255.255 */
	{ 6, 128, { 0 }, DEST_UNSPECIFIED },
	{ 6, 128, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, DEST_LOOPBACK },
	{ 6, 96, { 0 }, DEST_RESERVED }, /* IPv4-compatible (deprecated) */
	{ 6, 48, { 0, 0x64, 0xff, 0x9b, 0, 1 }, DEST_PRIVATE },
	{ 6, 10, { 0xfe, 0x80 }, DEST_LINKLOCAL },
	{ 6, 10, { 0xfe, 0xc0 }, DEST_PRIVATE },
	{ 6, 7, { 0xfc }, DEST_PRIVATE },
	{ 6, 8, { 0xff }, DEST_MULTICAST },
};

static enum dest_verdict special_range(int fam, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (special[i].fam == fam && ip_bits_match(a, special[i].a, special[i].len))
			return special[i].v;
	return DEST_OK;
}

/* The address of sa as (family 4 or 6, bytes, port); an IPv4 address carried in IPv6
 * (mapped, or the well-known NAT64 prefix) comes back as IPv4. */
static int addr_of(const struct sockaddr *sa, uint8_t *a, uint16_t *port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		memcpy(a, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		memcpy(a, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
		if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
			memmove(a, a + 12, 4);
			return 4;
		}
		return 6;
	}
	return 0;
}

static int same_addr(const struct sockaddr_storage *s, int fam, const uint8_t *a)
{
	uint8_t b[16];
	uint16_t port;
	int f = addr_of((const struct sockaddr *)s, b, &port);

	return f == fam && memcmp(a, b, fam == 4 ? 4 : 16) == 0;
}

static int is_unspecified(const struct sockaddr_storage *s)
{
	static const uint8_t zero[16];
	uint8_t b[16];
	uint16_t port;
	int f = addr_of((const struct sockaddr *)s, b, &port);

	return f != 0 && memcmp(b, zero, f == 4 ? 4 : 16) == 0;
}

static int sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET ? (int)sizeof(struct sockaddr_in)
					: (int)sizeof(struct sockaddr_in6);
}

/* Append sa to arr (with port when port >= 0); silently full at DEST_MAX_OWN. */
static void add_addr(struct sockaddr_storage *arr, int *n, const struct sockaddr *sa, int port)
{
	struct sockaddr_storage *o;

	if (*n >= DEST_MAX_OWN)
		return;
	o = &arr[(*n)++];
	memset(o, 0, sizeof(*o));
	memcpy(o, sa, (size_t)sa_len(sa));
	if (port < 0)
		return;
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)o)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)o)->sin6_port = htons((uint16_t)port);
}

static int parse_ports(struct dest_rules *r, const char *section, const char *s,
		       struct isp_err *err)
{
	const char *p = s;

	r->nports = 0;
	while (*p) {
		char *end;
		long lo, hi;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		lo = strtol(p, &end, 10);
		hi = lo;
		if (end != p && *end == '-') {
			const char *q = end + 1;

			hi = strtol(q, &end, 10);
			if (end == q)
				hi = -1;
		}
		if (end == p || lo < 1 || hi > 65535 || hi < lo ||
		    (*end && *end != ',' && *end != ' ' && *end != '\t') ||
		    r->nports >= DEST_MAX_PORTS)
			return isp_err_set(err, ISR_EINVAL,
					   "%s.connect-ports: '%s' is not a list of ports and "
					   "ranges (1..65535, at most %d items)",
					   section, s, DEST_MAX_PORTS);
		r->port_lo[r->nports] = (uint16_t)lo;
		r->port_hi[r->nports] = (uint16_t)hi;
		r->nports++;
		p = end;
	}
	return 0;
}

int dest_init(struct dest_rules *r, const char *section, const char *allow, const char *deny,
	      const char *ports, const struct sockaddr_storage *listen, int nlisten,
	      struct isp_err *err)
{
	struct ifaddrs *ifs = NULL, *ifa;
	int i, rc;

	memset(r, 0, sizeof(*r));
	rc = prefixset_parse(allow, &r->allow, err);
	if (rc)
		return isp_err_set(err, rc, "%s.allow-destinations: %s", section,
				   err ? err->msg : "");
	rc = prefixset_parse(deny, &r->deny, err);
	if (rc)
		return isp_err_set(err, rc, "%s.deny-destinations: %s", section,
				   err ? err->msg : "");
	rc = parse_ports(r, section, ports, err);
	if (rc)
		return rc;
	/* self: the listen sockets; own: every address of the host's interfaces and the
	 * listen addresses. A wildcard listener is every interface address on its port. */
	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	for (i = 0; i < nlisten; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&listen[i];
		uint8_t b[16];
		uint16_t port = 0;

		if (!addr_of(sa, b, &port))
			continue;
		if (!is_unspecified(&listen[i])) {
			add_addr(r->self, &r->nself, sa, port);
			add_addr(r->own, &r->nown, sa, -1);
			continue;
		}
		for (ifa = ifs; ifa; ifa = ifa->ifa_next)
			if (ifa->ifa_addr && (ifa->ifa_addr->sa_family == AF_INET ||
					      ifa->ifa_addr->sa_family == AF_INET6))
				add_addr(r->self, &r->nself, ifa->ifa_addr, port);
	}
	for (ifa = ifs; ifa; ifa = ifa->ifa_next)
		if (ifa->ifa_addr &&
		    (ifa->ifa_addr->sa_family == AF_INET || ifa->ifa_addr->sa_family == AF_INET6))
			add_addr(r->own, &r->nown, ifa->ifa_addr, -1);
	if (ifs)
		freeifaddrs(ifs);
	return 0;
}

void dest_free(struct dest_rules *r)
{
	prefixset_free(r->allow);
	prefixset_free(r->deny);
	r->allow = r->deny = NULL;
}

enum dest_verdict dest_check(const struct dest_rules *r, const struct sockaddr *sa)
{
	uint8_t a[16];
	uint16_t port = 0;
	int fam = addr_of(sa, a, &port), i;
	enum dest_verdict v;

	if (!fam)
		return DEST_RESERVED;
	for (i = 0; i < r->nself; i++) {
		uint8_t b[16];
		uint16_t sport = 0;

		if (addr_of((const struct sockaddr *)&r->self[i], b, &sport) == fam &&
		    sport == port && memcmp(a, b, fam == 4 ? 4 : 16) == 0)
			return DEST_SELF;
	}
	if (r->deny && prefixset_contains(r->deny, fam, a))
		return DEST_DENIED;
	if (r->allow && prefixset_contains(r->allow, fam, a))
		return DEST_OK;
	v = special_range(fam, a);
	if (v != DEST_OK)
		return v;
	for (i = 0; i < r->nown; i++)
		if (same_addr(&r->own[i], fam, a))
			return DEST_OWN;
	return DEST_OK;
}

int dest_port_ok(const struct dest_rules *r, uint16_t port)
{
	int i;

	for (i = 0; i < r->nports; i++)
		if (port >= r->port_lo[i] && port <= r->port_hi[i])
			return 1;
	return 0;
}

const char *dest_why(enum dest_verdict v)
{
	switch (v) {
	case DEST_OK: return "allowed";
	case DEST_SELF: return "this proxy itself";
	case DEST_OWN: return "an address of this proxy's host";
	case DEST_DENIED: return "in the ISP's denied destinations";
	case DEST_UNSPECIFIED: return "an unspecified address";
	case DEST_LOOPBACK: return "a loopback address";
	case DEST_LINKLOCAL: return "a link-local address";
	case DEST_MULTICAST: return "a multicast address";
	case DEST_PRIVATE: return "a private (internal) address";
	case DEST_CGNAT: return "a carrier-grade NAT (100.64.0.0/10) address";
	case DEST_RESERVED: return "a reserved address";
	}
	return "refused";
}
