/*
 * metrics.c -- the DNS service's Prometheus metrics: the workers' counters summed, in
 * the text exposition format. Served by the shared responder (core/service/metricsd.h).
 */
#include <stdio.h>

#include "core/service/metricsd.h"
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

static const struct {
	enum dns_counter c;
	const char *name, *help;
} counters[] = {
	{ C_QUERIES, "queries_total", "Queries received (all, including dropped and refused)." },
	{ C_ANSWERED, "answers_total", "Answers sent." },
	{ C_BLOCKED, "blocked_total", "Queries blocked because the name is listed." },
	{ C_BLOCKED_CNAME, "blocked_cname_total", "Answers blocked for a listed CNAME target." },
	{ C_BLOCKED_ADDR, "blocked_address_total", "Answers blocked for a listed address." },
	{ C_ALLOWED_OPTOUT, "optout_total", "Queries from opted-out clients (never filtered)." },
	{ C_REFUSED_ACL, "refused_total", "Queries from outside the subscriber prefixes." },
	{ C_RATE_LIMITED, "rate_limited_total", "Queries dropped by the per-client limit." },
	{ C_RRL_DROPPED, "rrl_dropped_total", "Answers dropped by response-rate limiting." },
	{ C_RRL_SLIPPED, "rrl_slipped_total", "Answers sent truncated by response-rate limiting." },
	{ C_WT_REFUSED, "random_subdomain_refused_total",
	  "Queries refused under a zone flagged for a random-subdomain attack." },
	{ C_WT_CLIENT_REFUSED, "random_subdomain_client_refused_total",
	  "Queries refused because their client sent random subdomains under the zone." },
	{ C_CACHE_HITS, "cache_hits_total", "Answers from the packet cache." },
	{ C_CACHE_MISSES, "cache_misses_total", "Packet cache misses." },
	{ C_FORMERR, "formerr_total", "Malformed queries answered FORMERR." },
	{ C_NOTIMP, "notimp_total", "Queries with an unsupported opcode answered NOTIMP." },
	{ C_DROPPED_MALFORMED, "dropped_total",
	  "Packets dropped unanswered (too short, responses)." },
	{ C_SERVFAIL, "servfail_total", "SERVFAIL answers (upstream failure or timeout)." },
	{ C_UPSTREAM_SENT, "upstream_queries_total", "Queries sent upstream (retries included)." },
	{ C_UPSTREAM_TIMEOUTS, "upstream_timeouts_total", "Upstream queries that timed out." },
	{ C_UPSTREAM_BAD, "upstream_bad_total", "Upstream packets matching no pending query." },
	{ C_INFLIGHT_FULL, "inflight_full_total",
	  "Queries refused because too many were pending." },
	{ C_EVENTS_DROPPED, "events_dropped_total",
	  "Block events dropped because a ring was full." },
	{ C_TRUNCATED, "truncated_total", "Answers sent truncated (too large for the client)." },
	{ C_REFUSED_CLASS, "refused_class_total",
	  "Queries of a class other than IN, refused without asking upstream." },
	{ C_UPSTREAM_CASE, "upstream_case_mismatch_total",
	  "Upstream answers dropped because the question's case differed from the one sent "
	  "(DNS 0x20: likely spoofed)." },
	{ C_UPSTREAM_SOCKET, "upstream_socket_shared_total",
	  "Upstream queries that shared a source port (all upstream sockets in use)." },
	{ C_LOGGED, "logged_total",
	  "Queries answered normally although listed, because the list is log-only." },
	{ C_CANARY, "canary_total",
	  "use-application-dns.net queries answered NXDOMAIN (the encrypted-DNS canary)." },
	{ C_UPSTREAM_OVERSIZE, "upstream_oversize_total",
	  "Upstream UDP answers larger than the buffer (asked again over TCP, never passed on "
	  "cut)." },
};

static uint64_t sum(const struct dns_server *srv, enum dns_counter c)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < srv->nworkers; i++)
		t += atomic_load_explicit(&srv->workers[i].counters[c], memory_order_relaxed);
	return t;
}

/* The per-list counters, labelled by list name, for the lists of the snapshot in use. */
static void dns_metrics_lists(const struct dns_server *srv, struct prom *p)
{
	const struct served_names *nm = srv->slot.names;
	unsigned i, n = nm ? atomic_load(&nm->n) : 0;
	int pass, w;

	for (pass = 0; pass < 2; pass++) {
		prom_family(p, "counter", pass ? "list_logged_total" : "list_blocked_total",
			    pass ? "Hits of log-only lists (answered normally), per list."
				 : "Answers blocked, per list (the list of the deciding hit).");
		for (i = 0; i < n; i++) {
			uint64_t t = 0;

			if (!atomic_load(&nm->live[i]))
				continue;
			for (w = 0; w < srv->nworkers; w++)
				t += atomic_load_explicit(pass ? &srv->workers[w].list_logged[i]
							       : &srv->workers[w].list_blocked[i],
							  memory_order_relaxed);
			prom_labelled(p, pass ? "list_logged_total" : "list_blocked_total", "list",
				      nm->name[i], (unsigned long long)t);
		}
	}
}

size_t dns_metrics_render(void *ud, char *buf, size_t size)
{
	struct dns_server *srv = ud;
	struct prom p = { buf, size, 0, "dns" };
	uint64_t lat[DNS_LAT_BUCKETS + 1] = { 0 }, lat_sum = 0;
	size_t i;
	int b, w;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		prom_value(&p, "counter", counters[i].name, counters[i].help,
			   (unsigned long long)sum(srv, counters[i].c));
	for (w = 0; w < srv->nworkers; w++) {
		for (b = 0; b <= DNS_LAT_BUCKETS; b++)
			lat[b] +=
				atomic_load_explicit(&srv->workers[w].lat[b], memory_order_relaxed);
		lat_sum += atomic_load_explicit(&srv->workers[w].lat_sum_us, memory_order_relaxed);
	}
	prom_histogram(&p, "upstream_latency_seconds", "Upstream answer time.", dns_lat_bounds,
		       DNS_LAT_BUCKETS, lat, lat_sum);
	prom_value(&p, "gauge", "snapshot_serial", "Serial of the snapshot in use.",
		   (unsigned long long)atomic_load(&srv->slot.serial));
	prom_value(&p, "counter", "reloads_total", "Snapshot and opt-out reloads.",
		   (unsigned long long)atomic_load(&srv->slot.reloads));
	prom_value(&p, "counter", "reload_failures_total", "Reloads refused (old data kept).",
		   (unsigned long long)atomic_load(&srv->slot.reload_failures));
	dns_metrics_lists(srv, &p);
	if (srv->writer)
		evwriter_metrics(srv->writer, &p);
	return prom_end(&p);
}
