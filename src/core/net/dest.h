/*
 * dest.h -- which addresses a connection made on someone else's behalf may go to: the
 * proxy's upstream connections (issue 15 item 1) and the crawler's fetches (issue 18).
 * The rules below are written for the proxy; the crawler builds them with no listen
 * sockets and no ports (section "crawl": crawl.allow-destinations, deny-destinations).
 *
 * A forward proxy that subscribers can point anywhere is a way into the ISP's own
 * network: `GET http://127.0.0.1:9154/metrics` or `CONNECT 127.0.0.1:25` from a
 * subscriber would reach the box's loopback services. So every upstream connection is
 * checked on the address it is about to connect to -- after the name lookup, so that a
 * name that resolves to 127.0.0.1 (DNS rebinding) is refused like the literal -- in this
 * order:
 *   1. the proxy's own listen address and port: always refused (a request loop);
 *   2. proxy.deny-destinations (the ISP's infrastructure): refused, even inside an
 *      allowed prefix;
 *   3. proxy.allow-destinations: allowed (the only way to reach an internal address);
 *   4. special-purpose ranges: refused -- unspecified, loopback, link-local, multicast,
 *      private (RFC 1918, ULA fc00::/7, site-local), CGNAT 100.64.0.0/10, "this
 *      network" 0/8, reserved 240/4 and broadcast. An IPv4 address inside IPv6
 *      (::ffff:a.b.c.d, the NAT64 prefix 64:ff9b::/96) is checked as the IPv4 address;
 *      the IPv4-compatible ::/96 and the local NAT64 prefix 64:ff9b:1::/48 are refused;
 *   5. the proxy's own addresses (any port: the listen addresses and every address of
 *      the host's interfaces, public ones included): refused.
 * Everything else is allowed. Ports: a CONNECT goes only to a port in
 * proxy.connect-ports (default 443); plain HTTP may name any port.
 *
 * The tables are built once at start and only read by the workers.
 */
#ifndef ISP_CORE_DEST_H
#define ISP_CORE_DEST_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/base/err.h"
#include "core/net/prefixset.h"

#define DEST_MAX_OWN   256
#define DEST_MAX_PORTS 64

/* Why an address was refused (DEST_OK: allowed). */
enum dest_verdict {
	DEST_OK = 0,
	DEST_SELF,	  /* the proxy's own listen address and port */
	DEST_OWN,	  /* one of the proxy's own addresses */
	DEST_DENIED,	  /* proxy.deny-destinations */
	DEST_UNSPECIFIED, /* 0.0.0.0/8, :: */
	DEST_LOOPBACK,	  /* 127/8, ::1 */
	DEST_LINKLOCAL,	  /* 169.254/16, fe80::/10 */
	DEST_MULTICAST,	  /* 224/4, ff00::/8 */
	DEST_PRIVATE,	  /* RFC 1918, fc00::/7, fec0::/10, 64:ff9b:1::/48 */
	DEST_CGNAT,	  /* 100.64/10 */
	DEST_RESERVED,	  /* 240/4, 255.255.255.255, ::/96 */
};

struct dest_rules {
	struct prefixset *allow, *deny;
	/* the listen sockets (address and port) and the proxy's own addresses */
	struct sockaddr_storage self[DEST_MAX_OWN];
	int nself;
	struct sockaddr_storage own[DEST_MAX_OWN];
	int nown;
	/* CONNECT ports: ranges lo..hi */
	uint16_t port_lo[DEST_MAX_PORTS], port_hi[DEST_MAX_PORTS];
	int nports;
};

/*
 * Build rules for the config section `section` ("proxy", "crawl": it names the keys in
 * errors) from the prefix lists allow and deny ("" = none), the ports list (e.g.
 * "443, 8443, 8000-8100") and the listen addresses. The proxy's own addresses are the
 * listen addresses and every address of the host's interfaces (getifaddrs, read once
 * here: an address added later is not known); an unspecified listen address stands
 * for every interface address on its port. Returns 0,
 * or ISR_EINVAL with err naming the key and the bad item. dest_free releases the sets.
 */
int dest_init(struct dest_rules *r, const char *section, const char *allow, const char *deny,
	      const char *ports, const struct sockaddr_storage *listen, int nlisten,
	      struct isp_err *err);
void dest_free(struct dest_rules *r);

/* The verdict on connecting to sa (AF_INET or AF_INET6, with its port). */
enum dest_verdict dest_check(const struct dest_rules *r, const struct sockaddr *sa);

/* 1 if a CONNECT may go to port. */
int dest_port_ok(const struct dest_rules *r, uint16_t port);

/* A short English phrase for a verdict ("a loopback address"). */
const char *dest_why(enum dest_verdict v);

#endif
