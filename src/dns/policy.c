/*
 * policy.c -- see policy.h.
 */
#include "dns/policy.h"

enum dns_verdict dns_policy_for_hit(const struct served *sh, const struct snap_result *r,
				    int profile, int walled, int *hit)
{
	switch (served_hit(sh, r, profile, hit)) {
	case -1: return DNS_PASS;
	case LIST_ACTION_LOG_ONLY: return DNS_LOG;
	case LIST_ACTION_NXDOMAIN: return DNS_NXDOMAIN;
	case LIST_ACTION_WALLED: return DNS_WALLED;
	case LIST_ACTION_REFUSED: return DNS_REFUSED;
	default: return walled ? DNS_WALLED : DNS_NXDOMAIN;
	}
}
