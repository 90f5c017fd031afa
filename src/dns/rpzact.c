/*
 * rpzact.c -- the per-entry RPZ actions of the DNS service: what a listed name gets when
 * its entry carries an action of its own (core/store/listkind.h), kept from an RPZ feed.
 *
 * Apart from worker.c because the list's own policy (dns.block-action, per-list
 * actions) is decided there, and the rule between the two is one line: an entry's
 * action other than "block" overrides the list's. These functions only decide and build
 * the packet into the caller's buffer; worker.c sends it (through RRL, truncation and
 * the TCP writer like every answer), records the event and counts it. Nothing here
 * allocates; the local data is read from the snapshot through snap_hit_data, bounded.
 *
 *   nxdomain  NXDOMAIN with the SOA and the EDE, whatever the list's policy
 *   nodata    NOERROR, empty answer, the SOA in authority
 *   drop      no answer at all (the client times out, as with BIND's rpz-drop)
 *   tcp-only  over UDP: NOERROR, empty, TC set, so that the client asks again over
 *             TCP; over TCP the entry does not block (dns_rpz_passes) and the query
 *             goes on as if unlisted
 *   local     the entry's records (dnsw_build_local): the CNAME if it has one (alone:
 *             its target is not resolved here, the client's resolver follows it), else
 *             those of the query type, else NODATA; TTL dns.block-ttl
 */
#include "dns/dns_int.h"

int dns_rpz_passes(const struct snap_hit *hit, int tcp)
{
	return hit->allow || hit->action == LIST_ALLOW || (tcp && hit->action == LIST_TCP_ONLY);
}

int dns_rpz_answer(const struct snap *snap, const struct snap_hit *hit, const struct dnsw_query *q,
		   int tcp, uint32_t ttl, const struct dnsw_soa *soa, const char *text,
		   uint8_t *out, size_t outsz, int *len)
{
	const uint8_t *data;
	size_t dlen;

	*len = -1;
	switch ((enum list_action)hit->action) {
	case LIST_NXDOMAIN:
		*len = dnsw_build_blocked(q, DNSW_NXDOMAIN, 0, NULL, 0, soa, DNSW_EDE_FILTERED,
					  text, out, outsz);
		return DNS_RPZ_ANSWER;
	case LIST_NODATA:
		*len = dnsw_build_blocked(q, DNSW_NOERROR, 0, NULL, 0, soa, DNSW_EDE_FILTERED, text,
					  out, outsz);
		return DNS_RPZ_ANSWER;
	case LIST_DROP: return DNS_RPZ_DROP;
	case LIST_TCP_ONLY:
		if (tcp) /* the caller checks dns_rpz_passes first; be safe */
			return DNS_RPZ_LIST;
		*len = dnsw_build_response(q, DNSW_NOERROR, -1, NULL, out, outsz);
		if (*len > 2)
			out[2] |= DNSW_TC >> 8;
		return DNS_RPZ_ANSWER;
	case LIST_LOCAL:
		data = snap_hit_data(snap, hit, &dlen);
		if (!data)
			return DNS_RPZ_LIST; /* unreadable: the list's block, never a pass */
		*len = dnsw_build_local(q, data, dlen, ttl, DNSW_EDE_FILTERED, text, out, outsz);
		if (*len < 0)
			return DNS_RPZ_LIST;
		return DNS_RPZ_ANSWER;
	case LIST_BLOCK:
	case LIST_ALLOW: break;
	}
	return DNS_RPZ_LIST;
}
