/*
 * policy.c -- see policy.h.
 */
#include "dns/policy.h"

enum dns_verdict dns_policy_for_hit(const struct served *sh, const struct snap_result *r,
				    int profile, int walled, int *hit)
{
	int i, logged = -1;

	for (i = 0; i < r->n; i++)
		if (r->hits[i].allow)
			return DNS_PASS;
	for (i = 0; i < r->n; i++) {
		unsigned l = r->hits[i].list;
		int action = l < sh->nlists ? sh->lists[l].action : LIST_ACTION_DEFAULT;

		if (!served_list_applies(sh, profile, l))
			continue;
		if (action == LIST_ACTION_LOG_ONLY) {
			if (logged < 0)
				logged = i;
			continue;
		}
		*hit = i;
		switch (action) {
		case LIST_ACTION_NXDOMAIN: return DNS_NXDOMAIN;
		case LIST_ACTION_WALLED: return DNS_WALLED;
		case LIST_ACTION_REFUSED: return DNS_REFUSED;
		default: return walled ? DNS_WALLED : DNS_NXDOMAIN;
		}
	}
	if (logged >= 0) {
		*hit = logged;
		return DNS_LOG;
	}
	return DNS_PASS;
}
