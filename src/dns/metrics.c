/*
 * metrics.c -- the DNS service's Prometheus metrics: its table of counters, rendered by
 * core/service/servedrun.h and served by the shared responder (core/service/metricsd.h).
 */
#include "core/service/servedrun.h"
#include "dns/dns_int.h"

static const struct served_counter counters[] = {
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
	{ C_PROXY_UNTRUSTED, "proxy_untrusted_total",
	  "Datagrams and connections refused for a PROXY v2 header from a peer outside "
	  "dns.proxy-protocol-from." },
	{ C_PROXY_MISSING, "proxy_missing_total",
	  "Datagrams and connections refused because a trusted terminator sent no PROXY v2 "
	  "header." },
	{ C_PROXY_BAD, "proxy_malformed_total",
	  "Datagrams and connections refused for a malformed PROXY v2 header." },
	{ C_DDR, "ddr_total",
	  "Queries for resolver.arpa answered here (DDR: the encrypted endpoints), never "
	  "forwarded." },
	{ C_DNSTAP_DROPPED, "dnstap_dropped_total",
	  "Block events not sent as dnstap (the writer's queue full: collector away or slow)." },
	{ C_UPSTREAM_OVERSIZE, "upstream_oversize_total",
	  "Upstream UDP answers larger than the buffer (asked again over TCP, never passed on "
	  "cut)." },
	{ C_CONN_IDLE, "connections_idle_total",
	  "Times a TCP, DoT or DoH connection went idle and gave its buffers back (TLS records, "
	  "HTTP/2 frames; made again at its next message)." },
	{ C_TLS_OWN, "tls_handovers_total",
	  "DoT and DoH connections whose TLS 1.3 records are sealed and opened by the service "
	  "itself after OpenSSL's handshake, OpenSSL's state freed (TLS 1.2 stays with OpenSSL)." },
	{ C_TLS_REFUSED, "tls_records_refused_total",
	  "Such connections closed for a record that does not verify or may not come after the "
	  "handshake (a fatal alert, a handshake message other than KeyUpdate, an oversize "
	  "record)." },
};

static void worker_counters(void *ud, int i, struct served_wcounters *out)
{
	SERVED_WCOUNTERS(out, &((struct dns_server *)ud)->workers[i]);
}

static const struct served_metrics page = {
	"dns",
	counters,
	sizeof(counters) / sizeof(counters[0]),
	"upstream_latency_seconds",
	"Upstream answer time.",
	dns_lat_bounds,
	DNS_LAT_BUCKETS,
	"Answers blocked, per list (the list of the deciding hit).",
	"Hits of log-only lists (answered normally), per list.",
	worker_counters
};

size_t dns_metrics_render(void *ud, char *buf, size_t size)
{
	struct dns_server *srv = ud;

	return served_metrics_render(&page, &srv->slot, srv->writer, srv->nworkers, srv, buf, size);
}
