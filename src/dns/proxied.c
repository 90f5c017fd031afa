/*
 * proxied.c -- the DNS service behind trusted terminators (dnsdist, HAProxy, a TLS
 * front end) that speak PROXY protocol v2 (dns.proxy-protocol-from): who the subscriber
 * is, for every transport, in one place. The header itself is parsed by proxyv2.c.
 *
 * The rules, the same over UDP, TCP and (through dns_proxy_stream) TLS:
 * - from a peer in dns.proxy-protocol-from, every datagram and every stream must start
 *   with a header; the subscriber is the header's source address, and that is the
 *   address ACL, opt-out, profiles, limits and block events use. A datagram or stream
 *   without one, or with a malformed one, is dropped (counted), never served as if the
 *   terminator were the subscriber: its address is usually in no subscriber prefix, but
 *   it might be, and then every subscriber behind it would share one policy.
 * - from anyone else, a header is refused (counted): a subscriber must not be able to
 *   claim another subscriber's address (and with it, that one's opt-out).
 * - a LOCAL header (a terminator's health check) leaves the peer as the client.
 * The check for a header from an untrusted peer costs one 12-byte compare per datagram
 * or stream; nothing else is done when the key is empty.
 */
#include <string.h>

#include "dns/dns_int.h"
#include "dns/proxyv2.h"

int dns_proxy_trusted(const struct dns_server *srv, const struct sockaddr *sa)
{
	return srv->proxy_from && prefixset_contains_sa(srv->proxy_from, sa);
}

/* The subscriber from header h into addr (a LOCAL header leaves it). */
static void take_source(const struct pp2_header *h, struct sockaddr_storage *addr,
			socklen_t *addrlen)
{
	if (h->command != PP2_PROXY || h->srclen == 0)
		return;
	memcpy(addr, &h->src, h->srclen);
	*addrlen = h->srclen;
}

int dns_proxy_udp(struct dns_worker *w, const uint8_t *pkt, size_t len, struct dns_client *c)
{
	struct pp2_header h;
	int rc;

	if (!dns_proxy_trusted(w->srv, (const struct sockaddr *)&c->peer)) {
		if (pp2_has_signature(pkt, len)) {
			dns_count(w, C_PROXY_UNTRUSTED);
			return -1;
		}
		return 0;
	}
	if (!pp2_has_signature(pkt, len)) {
		dns_count(w, C_PROXY_MISSING);
		return -1;
	}
	rc = pp2_parse(pkt, len, &h, NULL);
	if (rc != 0) { /* a datagram is whole: PP2_MORE is malformed here too */
		dns_count(w, C_PROXY_BAD);
		return -1;
	}
	take_source(&h, &c->addr, &c->addrlen);
	return (int)h.len;
}

int dns_proxy_stream(struct dns_worker *w, int trusted, const uint8_t *buf, size_t len,
		     struct sockaddr_storage *addr, socklen_t *addrlen)
{
	struct pp2_header h;
	size_t n = len < PP2_SIG_LEN ? len : PP2_SIG_LEN;
	int rc;

	if (!trusted) {
		if (len < PP2_SIG_LEN && pp2_parse(buf, n, &h, NULL) == PP2_MORE)
			return DNS_PROXY_MORE; /* could still be a signature */
		if (pp2_has_signature(buf, len)) {
			dns_count(w, C_PROXY_UNTRUSTED);
			return -1;
		}
		return 0;
	}
	rc = pp2_parse(buf, len, &h, NULL);
	if (rc == PP2_MORE)
		return DNS_PROXY_MORE;
	if (rc != 0) {
		dns_count(w, n == PP2_SIG_LEN && pp2_has_signature(buf, len) ? C_PROXY_BAD
									     : C_PROXY_MISSING);
		return -1;
	}
	take_source(&h, addr, addrlen);
	return (int)h.len;
}
