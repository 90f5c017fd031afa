/*
 * ratelimit.h -- the DNS service's protections against its own subscribers' machines:
 *
 *   per-client query rate  a token bucket per client (IPv4 /32, IPv6 /64): at most
 *                          `qps` queries a second with bursts of `burst`;
 *   response-rate limiting (RRL) a token bucket per (client /24 or /56, response kind:
 *                          rcode + qname for errors, else qname + qtype), as BIND's RRL:
 *                          over the rate, responses are dropped, and every `slip`-th one
 *                          is sent truncated (TC) so a real client retries over TCP;
 *   random-subdomain ("water torture") defence  per parent zone (the name minus its first
 *                          label), NXDOMAIN answers are counted in a sliding window of
 *                          `window` seconds; when a zone sees at least `min_names` distinct
 *                          names, at least `nx_ratio` of answers NXDOMAIN and at least
 *                          `qps` NXDOMAINs a second, it is "under attack" for `hold`
 *                          seconds: new names under it are refused without asking the
 *                          upstream (names already cached, and names that got a positive
 *                          answer under it before, are still answered). Compare PowerDNS
 *                          dnsdist's Defender: 50 names, 80%, 100 qps, 60 s.
 *                          Pressure is attributed to clients (IPv4 /32, IPv6 /64): a client
 *                          with more than `client_nx` NXDOMAIN answers under one zone in a
 *                          window is refused under that zone for `hold` seconds (only it),
 *                          and what it sends beyond that cap does not count towards the
 *                          zone, so one client can neither flag a zone for everyone nor
 *                          get its queries through; a zone is flagged only by many.
 *
 * All tables are bounded (a fixed number of entries, replaced least recently used), so a
 * flood of spoofed sources cannot grow memory. One instance per worker thread; not
 * thread-safe. Time is passed in by the caller (milliseconds, monotonic), so tests run
 * on a synthetic clock.
 */
#ifndef ISP_DNS_RATELIMIT_H
#define ISP_DNS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct drl;

struct drl_config {
	uint32_t client_qps;	/* 0 = no per-client limit */
	uint32_t client_burst;	/* 0 = client_qps */
	uint32_t rrl_rps;	/* responses a second per (prefix, kind); 0 = no RRL */
	uint32_t rrl_slip;	/* every slip-th limited response goes out truncated; 0 = none */
	uint32_t wt_min_names;	/* water torture: 0 = off */
	uint32_t wt_nx_percent; /* e.g. 80 */
	uint32_t wt_qps;	/* NXDOMAIN answers a second under one zone */
	uint32_t wt_window;	/* seconds */
	uint32_t wt_hold;	/* seconds a zone (or a client under it) stays refused */
	/* NXDOMAIN answers one client may get under one zone per window before it alone is
	 * refused there (and its further ones stop counting towards the zone); 0 = no cap */
	uint32_t wt_client_nx;
	/* entries per table (power of two recommended; rounded up to one, at least 4, at
	 * most 2^24; 0 = 4096) */
	size_t table_size;
};

enum drl_verdict {
	DRL_PASS = 0,
	DRL_DROP = 1, /* do not answer */
	DRL_SLIP = 2, /* answer with an empty truncated response */
};

struct drl_stats {
	uint64_t client_limited, rrl_dropped, rrl_slipped, wt_refused, wt_zones_flagged;
	uint64_t wt_clients_flagged, wt_client_refused;
	uint32_t wt_zones_active; /* zones refusing as of the latest time passed in */
	size_t bytes;		  /* memory held: fixed at drl_new, never grows */
};

/* New limiter with a copy of cfg: three tables of cfg->table_size entries (rounded up
 * to a power of two), allocated here once. Returns NULL if cfg is NULL or on allocation
 * failure. drl_free(NULL) does nothing. */
struct drl *drl_new(const struct drl_config *cfg);
void drl_free(struct drl *r);

/* Per-client query limit: DRL_PASS or DRL_DROP. A client that is not AF_INET or
 * AF_INET6 (or NULL) passes; IPv4-mapped IPv6 addresses count as IPv4. */
int drl_query(struct drl *r, const struct sockaddr *client, uint64_t now_ms);

/* RRL for a response about to be sent: rcode and the question's lower-cased name and
 * type. DRL_PASS, DRL_DROP or DRL_SLIP. An account starts with rrl_rps responses and
 * refills at rrl_rps a second; of the responses over the limit, the slip-th, 2*slip-th,
 * ... get DRL_SLIP (slip 1: all of them), the rest DRL_DROP. */
int drl_response(struct drl *r, const struct sockaddr *client, int rcode, const char *name,
		 uint16_t qtype, uint64_t now_ms);

/*
 * Water torture: note the upstream's answer for name (lower-cased, presentation form,
 * no trailing dot): nxdomain 1 or 0. When this flags the parent zone, *flagged is set
 * to the zone's name (static storage inside r, valid until the next call) so the caller
 * can log it; else NULL.
 */
void drl_wt_note(struct drl *r, const char *name, int nxdomain, uint64_t now_ms,
		 const char **flagged);
/* Whether name's parent zone is currently refused (flagged at t, refused while
 * now_ms < t + hold * 1000) and name has not resolved under it (drl_wt_check with no
 * client). 1 or 0; a name with one label: 0. While a zone is flagged
 * its notes are still counted but do not extend the hold; the first note after the hold
 * that still meets the thresholds flags (and reports) it again. */
int drl_wt_refused(struct drl *r, const char *name, uint64_t now_ms);

/*
 * Water torture with the client: as drl_wt_note, for an answer to client (NULL: not
 * attributed, e.g. an exempt client: no cap, as drl_wt_note). nxdomain 0 also marks
 * name as one that resolved (see drl_wt_check). Sets *event (if not NULL) to
 * DRL_WT_CLIENT when this note put client over wt_client_nx under name's zone,
 * DRL_WT_ZONE when it flagged the zone, else DRL_PASS; *count (if not NULL) to the
 * client's NXDOMAIN answers under the zone in the window (CLIENT) or the zone's (ZONE).
 */
void drl_wt_note_client(struct drl *r, const struct sockaddr *client, const char *name,
			int nxdomain, uint64_t now_ms, int *event, uint32_t *count);

#define DRL_WT_CLIENT 1 /* this client is refused under the zone */
#define DRL_WT_ZONE   2 /* the zone is flagged and the name never resolved */
/*
 * Whether a query from client (NULL: zone only) for name is refused: DRL_WT_CLIENT while
 * the client is refused under name's zone; DRL_WT_ZONE while the zone is flagged and
 * name has not had a positive answer noted under it (a 1024-bit filter per zone: a name
 * never seen passes with a small probability, a name seen always does); else DRL_PASS.
 */
int drl_wt_check(struct drl *r, const struct sockaddr *client, const char *name, uint64_t now_ms);

/* Counters since drl_new. (Exempt clients are the caller's business: it skips the calls.) */
void drl_get_stats(const struct drl *r, struct drl_stats *out);

#endif
