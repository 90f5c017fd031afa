/*
 * policy.h -- what the DNS service does with a lookup's hits: which hit counts (the
 * client's profile, allow entries, log-only lists) and what answer it gets (the list's
 * [list.NAME] action, else dns.block-action). One function, so that a per-entry action
 * (RPZ) can override the per-list one in one place.
 */
#ifndef ISP_DNS_POLICY_H
#define ISP_DNS_POLICY_H

#include "core/lists/snapshot.h"
#include "core/service/served.h"

/* The verdicts, strongest last but one: PASS forwards; LOG forwards and records. */
enum dns_verdict {
	DNS_PASS = 0,
	DNS_LOG,      /* log-only list: answered normally, the hit recorded and counted */
	DNS_NXDOMAIN, /* NXDOMAIN with an SOA (RFC 2308) */
	DNS_WALLED,   /* the walled-garden address, NODATA with an SOA for other types */
	DNS_REFUSED,
};

/*
 * The verdict for the hits r of a lookup, for a client of `profile` (-1: every list;
 * served_client_profile), with `walled` the service's default action (1: walled-garden).
 * An allow hit wins over everything (PASS). Hits of lists outside the profile are
 * ignored. The first hit whose list does not only log decides; if every hit left is of
 * a log-only list, the first of them gives LOG. Over TCP (tcp), an RPZ tcp-only entry
 * does not count (the client asked again over TCP as told: rpzact.c). *hit: the index in
 * r->hits of the deciding hit (unchanged for PASS). The deciding hit's own RPZ action,
 * if any, then overrides the list's action (dns_rpz_answer).
 */
enum dns_verdict dns_policy_for_hit(const struct served *sh, const struct snap_result *r,
				    int profile, int walled, int tcp, int *hit);

#endif
