/*
 * metrics.c -- the proxy's Prometheus metrics: its table of counters and the latency
 * histogram (request head read to response head passed on), rendered by
 * core/service/servedrun.h and served by the shared responder (core/service/metricsd.h).
 */
#include "core/service/servedrun.h"
#include "proxy/proxy_int.h"

static const struct served_counter counters[] = {
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

static void worker_counters(void *ud, int i, struct served_wcounters *out)
{
	SERVED_WCOUNTERS(out, &((struct px_server *)ud)->workers[i]);
}

static const struct served_metrics page = {
	"proxy",
	counters,
	sizeof(counters) / sizeof(counters[0]),
	"latency_seconds",
	"Request head read to response head passed on (upstream requests).",
	px_lat_bounds,
	PX_LAT_BUCKETS,
	"Requests blocked (warning page, walled garden, refused CONNECT), per list.",
	"Hits of log-only lists (passed), per list.",
	worker_counters
};

size_t px_metrics_render(void *ud, char *buf, size_t size)
{
	struct px_server *srv = ud;

	return served_metrics_render(&page, &srv->slot, srv->writer, srv->nworkers, srv, buf, size);
}
