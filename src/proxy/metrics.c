/*
 * metrics.c -- the proxy's Prometheus metrics: the workers' counters summed and the
 * latency histogram (request head read to response head passed on), served by the
 * shared responder (core/metricsd.h).
 */
#include <stdio.h>

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
	{ P_REFUSED_ACL, "refused_total", "Requests from outside the subscriber prefixes." },
	{ P_OPTOUT, "optout_total", "Requests from opted-out clients (not checked)." },
	{ P_EVENTS_DROPPED, "events_dropped_total", "Block events dropped: ring full." },
	{ P_CONN_REFUSED_FULL, "connections_refused_total",
	  "Connections closed at once: max-connections reached." },
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
	size_t n = 0, i;
	uint64_t cum = 0, lat_sum = 0;
	int b, w;

#define OUT(...)                                                                                   \
	do {                                                                                       \
		int k_ = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__);                  \
		if (k_ > 0)                                                                        \
			n += (size_t)k_;                                                           \
	} while (0)
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		OUT("# HELP ispshield_proxy_%s %s\n# TYPE ispshield_proxy_%s counter\n"
		    "ispshield_proxy_%s %llu\n",
		    counters[i].name, counters[i].help, counters[i].name, counters[i].name,
		    (unsigned long long)sum(srv, counters[i].c));
	OUT("# HELP ispshield_proxy_latency_seconds Request head read to response head passed "
	    "on (upstream requests).\n# TYPE ispshield_proxy_latency_seconds histogram\n");
	for (b = 0; b <= PX_LAT_BUCKETS; b++) {
		for (w = 0; w < srv->nworkers; w++)
			cum += atomic_load_explicit(&srv->workers[w].lat[b], memory_order_relaxed);
		if (b < PX_LAT_BUCKETS)
			OUT("ispshield_proxy_latency_seconds_bucket{le=\"%g\"} %llu\n",
			    px_lat_bounds[b] / 1000.0, (unsigned long long)cum);
		else
			OUT("ispshield_proxy_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	for (w = 0; w < srv->nworkers; w++)
		lat_sum += atomic_load_explicit(&srv->workers[w].lat_sum_us, memory_order_relaxed);
	OUT("ispshield_proxy_latency_seconds_sum %.6f\n"
	    "ispshield_proxy_latency_seconds_count %llu\n",
	    (double)lat_sum / 1e6, (unsigned long long)cum);
	OUT("# HELP ispshield_proxy_snapshot_serial Serial of the snapshot in use.\n"
	    "# TYPE ispshield_proxy_snapshot_serial gauge\nispshield_proxy_snapshot_serial %llu\n",
	    (unsigned long long)atomic_load(&srv->snap_serial));
	OUT("# HELP ispshield_proxy_reloads_total Snapshot and opt-out reloads.\n"
	    "# TYPE ispshield_proxy_reloads_total counter\nispshield_proxy_reloads_total %llu\n",
	    (unsigned long long)atomic_load(&srv->reloads));
	OUT("# HELP ispshield_proxy_reload_failures_total Reloads refused (old data kept).\n"
	    "# TYPE ispshield_proxy_reload_failures_total counter\n"
	    "ispshield_proxy_reload_failures_total %llu\n",
	    (unsigned long long)atomic_load(&srv->reload_failures));
#undef OUT
	return n < size ? n : size - 1;
}
