/*
 * policy.c -- see policy.h.
 */
#include "dns/policy.h"

/* r without its hits of tcp-only entries (tcp: they pass over TCP) into *f, map[j] the
 * index in r of f's hit j; returns r itself when it has none. */
static const struct snap_result *tcp_filter(const struct snap_result *r, struct snap_result *f,
					    int map[SNAP_MAX_HITS])
{
	int i, n = 0;

	for (i = 0; i < r->n; i++)
		if (r->hits[i].action == LIST_TCP_ONLY && !r->hits[i].allow)
			break;
	if (i == r->n)
		return r;
	*f = *r;
	for (i = 0; i < r->n; i++) {
		if (r->hits[i].action == LIST_TCP_ONLY && !r->hits[i].allow)
			continue;
		map[n] = i;
		f->hits[n++] = r->hits[i];
	}
	f->n = n;
	return f;
}

enum dns_verdict dns_policy_for_hit(const struct served *sh, const struct snap_result *r,
				    int profile, int walled, int tcp, int *hit)
{
	struct snap_result f;
	int map[SNAP_MAX_HITS], j = 0, action;
	const struct snap_result *u = tcp ? tcp_filter(r, &f, map) : r;

	action = served_hit(sh, u, profile, &j);
	if (action != -1)
		*hit = u == r ? j : map[j];
	switch (action) {
	case -1: return DNS_PASS;
	case LIST_ACTION_LOG_ONLY: return DNS_LOG;
	case LIST_ACTION_NXDOMAIN: return DNS_NXDOMAIN;
	case LIST_ACTION_WALLED: return DNS_WALLED;
	case LIST_ACTION_REFUSED: return DNS_REFUSED;
	default: return walled ? DNS_WALLED : DNS_NXDOMAIN;
	}
}
