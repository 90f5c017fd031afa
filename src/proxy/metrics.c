/*
 * metrics.c -- the proxy's Prometheus metrics: the workers' counters summed and the
 * latency histogram (request head read to response head passed on), served by the
 * shared responder (core/service/metricsd.h).
 */
#include <stdio.h>

#include "core/service/metricsd.h"

#include "proxy/proxy_int.h"

static const struct {
	enum px_counter c;
	const char *name, *help;
} counters[] = {
	{ P_REQUESTS, "requests_total", "Requests received (CONNECT included)." },
	{ P_CONNECTS, "connect_requests_total", "CONNECT requests received." },
	{ P_HITS, "hits_total", "Requests answered with the warning page (listed URL)." },
	{ P_HITS_CONNECT, "connect_hits_total", "CONNECTs refused (listed host)." },
	{ P_WALLED, "walled_garden_total", "Walled-garden pages served (listed C&C name)." },
	{ P_CONTINUES, "continues_total", "Listed URLs fetched with a valid continue token." },
	{ P_TOKENS_REFUSED, "tokens_refused_total", "Continue tokens refused (bad or expired)." },
	{ P_UPSTREAM_ERRORS, "upstream_errors_total",
	  "Upstream failures answered 502 (lookup, connect, bad response)." },
	{ P_UPSTREAM_TIMEOUTS, "upstream_timeouts_total", "Upstream timeouts answered 504." },
	{ P_BAD_REQUESTS, "bad_requests_total", "Malformed requests answered 400/501/505." },
	{ P_TOO_LARGE, "headers_too_large_total", "Requests answered 431." },
	{ P_CLIENT_TIMEOUTS, "client_timeouts_total", "Clients timed out (slow head or idle)." },
	{ P_REFUSED_ACL, "refused_total",
	  "Connections from outside the subscriber prefixes (closed at accept)." },
	{ P_OPTOUT, "optout_total", "Requests from opted-out clients (not checked)." },
	{ P_EVENTS_DROPPED, "events_dropped_total", "Block events dropped: ring full." },
	{ P_CONN_REFUSED_FULL, "connections_refused_total",
	  "Connections closed at once: max-connections reached." },
	{ P_DEST_REFUSED, "destinations_refused_total",
	  "Upstream addresses refused with 403 (internal, reserved, own, denied)." },
	{ P_PORT_REFUSED, "connect_ports_refused_total",
	  "CONNECTs refused with 403: port not in proxy.connect-ports." },
	{ P_HITS_DOMAIN, "domain_hits_total",
	  "Plain-HTTP requests to a host in a domain list (walled-garden page)." },
	{ P_LOGGED, "logged_total",
	  "Requests passed although listed, because the list is log-only." },
};

const double px_lat_bounds[PX_LAT_BUCKETS] = {
	1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000
};

static uint64_t sum(const struct px_server *srv, enum px_counter c)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < srv->nworkers; i++)
		t += atomic_load_explicit(&srv->workers[i].counters[c], memory_order_relaxed);
	return t;
}

size_t px_metrics_render(void *ud, char *buf, size_t size)
{
	struct px_server *srv = ud;
	struct prom p = { buf, size, 0, "proxy" };
	uint64_t lat[PX_LAT_BUCKETS + 1] = { 0 }, lat_sum = 0;
	size_t i;
	int b, w;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		prom_value(&p, "counter", counters[i].name, counters[i].help,
			   (unsigned long long)sum(srv, counters[i].c));
	for (w = 0; w < srv->nworkers; w++) {
		for (b = 0; b <= PX_LAT_BUCKETS; b++)
			lat[b] +=
				atomic_load_explicit(&srv->workers[w].lat[b], memory_order_relaxed);
		lat_sum += atomic_load_explicit(&srv->workers[w].lat_sum_us, memory_order_relaxed);
	}
	prom_histogram(&p, "latency_seconds",
		       "Request head read to response head passed on (upstream requests).",
		       px_lat_bounds, PX_LAT_BUCKETS, lat, lat_sum);
	prom_value(&p, "gauge", "snapshot_serial", "Serial of the snapshot in use.",
		   (unsigned long long)atomic_load(&srv->slot.serial));
	prom_value(&p, "counter", "reloads_total", "Snapshot and opt-out reloads.",
		   (unsigned long long)atomic_load(&srv->slot.reloads));
	prom_value(&p, "counter", "reload_failures_total", "Reloads refused (old data kept).",
		   (unsigned long long)atomic_load(&srv->slot.reload_failures));
	{
		const struct served_names *nm = srv->slot.names;
		unsigned k, n = nm ? atomic_load(&nm->n) : 0;
		int pass;

		for (pass = 0; pass < 2; pass++) {
			const char *name = pass ? "list_logged_total" : "list_blocked_total";

			prom_family(&p, "counter", name,
				    pass ? "Hits of log-only lists (passed), per list."
					 : "Requests blocked (warning page, walled garden, refused "
					   "CONNECT), per list.");
			for (k = 0; k < n; k++) {
				uint64_t t = 0;

				if (!atomic_load(&nm->live[k]))
					continue;
				for (w = 0; w < srv->nworkers; w++)
					t += atomic_load_explicit(
						pass ? &srv->workers[w].list_logged[k]
						     : &srv->workers[w].list_blocked[k],
						memory_order_relaxed);
				prom_labelled(&p, name, "list", nm->name[k], (unsigned long long)t);
			}
		}
	}
	if (srv->writer)
		evwriter_metrics(srv->writer, &p);
	return prom_end(&p);
}
