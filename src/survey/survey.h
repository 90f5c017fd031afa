/*
 * survey.h -- `ispshield survey`: an open-resolver, vulnerable-router and open-proxy
 * survey of the ISP's own address ranges (Telecom-ISAC Japan's router survey).
 *
 * Scope is a hard limit. Every address the scanner touches comes out of
 * survey_targets_at() and goes through survey_scope_allows() (authorised, not excluded)
 * again in the function that builds the packet or opens the connection; a target CIDR
 * outside the authorised prefixes is refused when it is added, before any packet exists.
 *
 * The DNS scan is stateless and randomised like ZMap: targets are visited in the order
 * of a cyclic multiplicative group modulo the smallest prime above the target count,
 * with a random generator and start per scan (survey_perm). Replies are validated
 * without per-target state: the DNS ID, the UDP source port of the probe and the first
 * label of the query name are all derived from SipHash-1-3 of the target address under
 * a random per-scan key, so a reply must come from the target, to the port we used,
 * with the ID we used, for the name we asked, or it is dropped. The first label also
 * carries the target address (xor a keyed pad) so that the probe zone's authoritative
 * server (survey_zone) can tell which target a forwarded query was for.
 *
 * Threads: one sender (raw IPv4 socket, sendmmsg batches, token-bucket rate limit) and
 * one receiver (raw UDP socket, recvmmsg) for the DNS scan; a pool of worker threads for
 * the TCP probes (HTTP fingerprint, open proxy), each connection non-blocking with a
 * deadline and a bounded read. Parsers here never allocate and are fuzzed.
 */
#ifndef ISP_SURVEY_SURVEY_H
#define ISP_SURVEY_SURVEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/events/cause.h"
#include "core/base/err.h"
#include "core/net/prefixset.h"

/* ---- scope ---- */

struct survey_scope {
	struct prefixset *authorised; /* owned; the only addresses ever probed */
	struct prefixset *exclude;    /* owned, may be NULL: never probed */
};

/* Build the scope from "CIDR,..." and an exclusion file (NULL or "" = none). An empty
 * authorised list is an error (nothing may be scanned). Returns 0 or an ISR code. */
int survey_scope_init(struct survey_scope *s, const char *authorised, const char *exclude_file,
		      struct isp_err *err);
void survey_scope_free(struct survey_scope *s);

/* 1 if the IPv4 address (host order) is authorised and not excluded, else 0. */
int survey_scope_allows(const struct survey_scope *s, uint32_t addr);

/* ---- targets ---- */

struct survey_range {
	uint32_t first; /* host order */
	uint64_t n;
};

#define SURVEY_MAX_RANGES 4096

struct survey_targets {
	struct survey_range r[SURVEY_MAX_RANGES];
	size_t nr;
	uint64_t total;
};

/*
 * Add an IPv4 CIDR ("192.0.2.0/24", or an address) to t. Refused (ISR_EINVAL, err says
 * why) unless every address of it is inside s->authorised: a target outside the
 * authorised prefixes is never scanned, whatever the command line says. Excluded
 * addresses are kept here and skipped when visited. Prefixes shorter than /8 and IPv6
 * are refused (ISR_ELIMIT / ISR_EINVAL).
 */
int survey_targets_add(struct survey_targets *t, const struct survey_scope *s, const char *cidr,
		       struct isp_err *err);

/* The i-th target address (host order), i < t->total. */
uint32_t survey_targets_at(const struct survey_targets *t, uint64_t i);

/* ---- the cyclic group permutation ---- */

struct survey_perm {
	uint64_t n;	/* elements to visit: 0..n-1 */
	uint64_t p;	/* the smallest prime > n */
	uint64_t g;	/* a primitive root modulo p */
	uint64_t first; /* the start element, 1..p-1 */
	uint64_t cur;	/* the current element */
	uint64_t pos;	/* group elements passed (0..p-1) */
};

/* Set up a permutation of 0..n-1 (1 <= n <= 2^32) from seed: p, a random primitive
 * root g and a random start. Returns 0 or ISR_EINVAL. */
int survey_perm_init(struct survey_perm *pm, uint64_t n, uint64_t seed);
/* Continue a permutation saved as (n, g, first, pos); g must be a primitive root. */
int survey_perm_resume(struct survey_perm *pm, uint64_t n, uint64_t g, uint64_t first,
		       uint64_t pos);
/* The next index (< n) in *idx: returns 1, or 0 when every index has been visited. */
int survey_perm_next(struct survey_perm *pm, uint64_t *idx);
/* 1 if g is a primitive root modulo the prime p. */
int survey_is_primitive_root(uint64_t g, uint64_t p);

/* ---- the keyed probe token ---- */

struct survey_key {
	uint64_t k0, k1;
};

#define SURVEY_LABEL_LEN 16 /* hex characters of the token label */

struct survey_token {
	uint16_t id;			  /* DNS ID */
	uint16_t sport;			  /* UDP source port of the probe, 32768..61183 */
	char label[SURVEY_LABEL_LEN + 1]; /* enc(addr) 8 hex + mac 8 hex */
};

void survey_token(const struct survey_key *k, uint32_t addr, struct survey_token *t);
/* Decode a label (case-insensitive hex) back to the target address; 0 on success, -1 if
 * it is not a label of this key. */
int survey_label_decode(const struct survey_key *k, const char *label, size_t len, uint32_t *addr);

/* ---- DNS probe ---- */

struct survey_dns {
	const struct survey_scope *scope;
	struct survey_key key;
	char zone[254];	   /* the probe zone, presentation form, no trailing dot */
	char contact[64];  /* a label naming the scanner (e.g. "survey-abuse-isp-example") */
	uint32_t expect_a; /* host order; the probe zone's answer */
	uint16_t edns;	   /* EDNS UDP size of the probe, 0 = no EDNS */
};

#define SURVEY_DNS_MAX_QUERY 320

/* Build the probe for addr: DNS query (RD, A, `<label>.<contact>.<zone>`) into out.
 * Refuses (ISR_EINVAL) an address outside the scope: no packet is built for it.
 * Returns the query length > 0 or an ISR code. */
int survey_dns_query(const struct survey_dns *d, uint32_t addr, uint8_t *out, size_t outsz,
		     struct isp_err *err);

enum survey_reject {
	SR_OK = 0,
	SR_SCOPE,    /* source not a target in scope */
	SR_PORT,     /* wrong source or destination port */
	SR_ID,	     /* wrong DNS ID */
	SR_QUESTION, /* not a response to our question */
	SR_MALFORMED,
	SR_N
};

struct survey_dns_result {
	uint32_t addr;	    /* the target */
	int rcode;	    /* header rcode */
	uint16_t flags;	    /* header flags word */
	int has_a;	    /* an A record for the name was in the answer */
	uint32_t answer;    /* the first such address, host order */
	int answer_ok;	    /* answer == expect_a */
	uint16_t edns_size; /* the responder's EDNS UDP size, 0 without OPT */
	uint16_t resp_size, query_size;
	int open; /* RA and an A answer: an open resolver */
};

/*
 * Validate a UDP payload that arrived from src:sport at our port dport, and parse it.
 * Returns SR_OK with *r filled, or the reason it is not ours (and never a finding).
 */
enum survey_reject survey_dns_check(const struct survey_dns *d, uint32_t src, uint16_t sport,
				    uint16_t dport, const uint8_t *pkt, size_t len,
				    struct survey_dns_result *r);

/* Parse an IPv4 packet carrying UDP: addresses (host order), ports and payload. Returns 0
 * or -1 (not IPv4/UDP, truncated, fragment). */
int survey_ip_udp(const uint8_t *pkt, size_t len, uint32_t *src, uint32_t *dst, uint16_t *sport,
		  uint16_t *dport, const uint8_t **payload, size_t *plen);

/* ---- DNS scan ---- */

struct survey_scan_opts {
	const struct survey_dns *dns;
	const struct survey_targets *targets;
	uint32_t source; /* our address, host order (0 = the route's source to the target) */
	uint64_t rate;	 /* packets per second, 0 = as fast as possible */
	int retries;	 /* extra passes over targets that have not answered */
	int cooldown_ms; /* wait for replies after the last packet of a pass */
	uint64_t seed;	 /* permutation seed */
	/* resume: (g, first, pos) of pass `pass` when resume is set */
	int resume;
	uint64_t g, first, pos;
	int pass;
	const char *state_file; /* written on stop and at the end, NULL = none */
	volatile int *stop;	/* set from a signal handler to stop and save state */
	FILE *progress;		/* status line (rate, ETA) or NULL */
	/* reply callback, from the receiver thread, once per target (first valid reply) */
	void (*on_reply)(void *ud, const struct survey_dns_result *r);
	void *ud;
};

struct survey_scan_stats {
	uint64_t sent, send_errors, refused; /* refused: out-of-scope addresses skipped */
	uint64_t received, valid, duplicate;
	uint64_t rejected[SR_N];
	double seconds, send_seconds;
	int stopped; /* interrupted; state saved */
};

/* Run the DNS scan. Needs CAP_NET_RAW. Returns 0 or an ISR code. */
int survey_scan_dns(const struct survey_scan_opts *o, struct survey_scan_stats *st,
		    struct isp_err *err);

/* Save / load the resumable state: key, seed, group, position, pass. */
int survey_state_save(const char *path, const struct survey_key *k, uint64_t n,
		      const struct survey_perm *pm, int pass, struct isp_err *err);
int survey_state_load(const char *path, struct survey_key *k, uint64_t *n, uint64_t *g,
		      uint64_t *first, uint64_t *pos, int *pass, struct isp_err *err);

/* ---- the probe zone's authoritative server (forwarder detection) ---- */

struct survey_zone;

/* Serve `<label>.*.<zone> A` with d->expect_a (TTL 0) on addr:port (UDP), and log, for
 * every label of d's key, the address the query came from. Starts a thread. */
int survey_zone_start(const struct survey_dns *d, const char *listen, struct survey_zone **out,
		      struct isp_err *err);
/* The address (host order) a query for target came from, other than target itself:
 * returns 1 and *via for a forwarder, 0 otherwise. */
int survey_zone_forwarded(const struct survey_zone *z, uint32_t target, uint32_t *via);
/* Queries answered. */
uint64_t survey_zone_queries(const struct survey_zone *z);
void survey_zone_stop(struct survey_zone *z);

/* Answer one query for the zone into out (for the server and the fuzzer). Returns the
 * length or -1 (drop); *target is set when the name decoded to a target (else 0). */
int survey_zone_answer(const struct survey_dns *d, const uint8_t *q, size_t qlen, uint8_t *out,
		       size_t outsz, uint32_t *target);

/* ---- fingerprints ---- */

#define SURVEY_FP_MAX_MATCH 8
#define SURVEY_FP_STR	    128

struct survey_fp {
	char id[64];
	char vendor[64], model[64], firmware[64], advice[64];
	int vulnerable;
	/* every condition given must hold (case-insensitive substring) */
	char title[SURVEY_FP_STR], server[SURVEY_FP_STR], realm[SURVEY_FP_STR];
	char body[SURVEY_FP_MAX_MATCH][SURVEY_FP_STR];
	int nbody;
	int status; /* 0 = any */
};

struct survey_fps {
	struct survey_fp *fp;
	size_t n, cap;
};

/* Parse a fingerprint file from buf[0..len); name is used in errors ("FILE:LINE:
 * reason"). A file with any error is refused whole (fail closed). */
int survey_fps_parse(struct survey_fps *f, const char *name, const char *buf, size_t len,
		     struct isp_err *err);
int survey_fps_load(struct survey_fps *f, const char *path, struct isp_err *err);
void survey_fps_free(struct survey_fps *f);

/* ---- HTTP ---- */

#define SURVEY_HTTP_MAX 65536 /* bytes of a response read at most */

struct survey_http_resp {
	int status; /* 0 = no status line */
	char server[SURVEY_FP_STR], realm[SURVEY_FP_STR], title[SURVEY_FP_STR];
	const char *body; /* into the buffer parsed */
	size_t body_len;
};

/* Parse what was read of a response (possibly cut at SURVEY_HTTP_MAX). Returns 0, or -1
 * if it is not an HTTP response. */
int survey_http_parse(const char *buf, size_t len, struct survey_http_resp *r);
/* The first fingerprint matching r, or NULL. */
const struct survey_fp *survey_fps_match(const struct survey_fps *f,
					 const struct survey_http_resp *r);

/* ---- findings ---- */

struct survey_finding {
	uint32_t addr;
	int64_t time;
	char tag[48];	  /* open-resolver, open-resolver;bogus, ...;forwarder, router-admin, ... */
	enum cause cause; /* CAUSE_NONE: reported, no event */
	uint8_t proto;	  /* 17 udp, 6 tcp */
	uint16_t port;
	/* DNS */
	int rcode;
	uint16_t flags;
	uint32_t answer;
	uint16_t edns_size, resp_size, query_size;
	uint32_t via; /* forwarder: where the query reached the probe zone from, 0 = none */
	/* HTTP / proxy */
	char vendor[64], model[64], firmware[64], advice[64];
	int vulnerable;
	char detail[256];
};

struct survey_findings {
	struct survey_finding *f;
	size_t n, cap;
};

int survey_findings_add(struct survey_findings *fs, const struct survey_finding *f);
void survey_findings_free(struct survey_findings *fs);

/* CSV (Shadowserver open-resolver columns first) or JSON (an array). */
void survey_write_csv(const struct survey_findings *fs, FILE *out);
/* JSON: 0, or ISR_EIO (a write failed) or ISR_ENOMEM. */
int survey_write_json(const struct survey_findings *fs, FILE *out);

/* ---- TCP probes ---- */

struct survey_tcp_opts {
	const struct survey_scope *scope;
	const uint32_t *addrs; /* targets, host order */
	size_t naddrs;
	const uint16_t *ports;
	size_t nports;
	const char *paths[8]; /* HTTP paths, paths[0] = "/" */
	size_t npaths;
	const char *user_agent;
	const struct survey_fps *fps; /* HTTP probe */
	/* proxy probe: the operator's test server and the string its page holds */
	const char *proxy_host; /* "HOST:PORT" */
	const char *proxy_expect;
	int timeout_ms;
	int threads;
	uint64_t rate; /* connections per second, 0 = unlimited */
};

struct survey_tcp_stats {
	uint64_t attempted, connected, refused_scope, matched;
};

/* HTTP fingerprint probe: GET each path on each port of each address. A response that
 * matches a fingerprint becomes a finding (cause vulnerable-router when the fingerprint
 * says vulnerable, else none: tag router-admin). */
int survey_probe_http(const struct survey_tcp_opts *o, struct survey_findings *out,
		      struct survey_tcp_stats *st, struct isp_err *err);
/* Open-proxy probe: CONNECT and an absolute-form GET to the test server through each
 * port of each address; a relay (the expected string comes back) is a finding. */
int survey_probe_proxy(const struct survey_tcp_opts *o, struct survey_findings *out,
		       struct survey_tcp_stats *st, struct isp_err *err);

/* One HTTP exchange with addr:port (must be in scope): send req, read at most max bytes
 * within timeout_ms into buf. Returns bytes read (>= 0) or an ISR code. For CONNECT,
 * tunnel_req is sent after a 2xx answer and its response read in place of the first. */
int survey_http_exchange(const struct survey_scope *s, uint32_t addr, uint16_t port,
			 const char *req, const char *tunnel_req, char *buf, size_t max,
			 int timeout_ms);

/*
 * Keep CAP_NET_RAW (when the process has it), and CAP_NET_BIND_SERVICE when bind_low
 * (the probe zone is served on a port below 1024), and drop every other capability from
 * all sets, the bounding set included, then set no_new_privs (caps.c). Call before any
 * thread is started. *kept: 1 when CAP_NET_RAW is still permitted. 0 or ISR_EIO.
 */
int survey_keep_net_raw(int bind_low, int *kept, struct isp_err *err);

/* ---- run: one survey from the [survey] keys (run.c) ---- */

struct isp_config;

enum survey_status {
	SURVEY_DONE = 0,     /* every step ran */
	SURVEY_PARTIAL,	     /* done, but a target was refused or the scan was stopped */
	SURVEY_BAD_SETTINGS, /* a key or option is wrong: nothing (more) was sent */
	SURVEY_FAILED,	     /* a file, socket, capability or the store failed */
};

struct survey_run_opts {
	int resume;		/* continue the DNS scan saved in survey.state */
	const char *out;	/* findings to this file (JSON if it ends in .json, else
				 * CSV); NULL: stdout */
	int json;		/* (no out) JSON on stdout instead of CSV */
	const char *store_path; /* also record the findings as events there; NULL: not */
	int quiet;		/* no figures on stderr */
	int progress;		/* the DNS scan's progress on stderr */
	/* what went wrong (refused targets, bad settings, failures), one message each */
	void (*report)(void *ud, const struct isp_err *e);
	/* set (by a signal handler) to stop the DNS scan, which saves its state, and skip
	 * the TCP probes; NULL: none */
	volatile int *stop;
	/* called once just before the DNS scan starts sending (install the signal
	 * handlers there); may be NULL */
	void (*on_start)(void *ud);
	void *ud;
};

/*
 * Run a survey of targets_v[0..ntargets) (none: the authorised prefixes) with the
 * [survey] keys of cfg: keep only CAP_NET_RAW (survey_keep_net_raw), build scope and
 * targets, scan DNS, probe HTTP and proxies as survey.probe says, and write the
 * findings. Messages go to o->report; figures to stderr unless o->quiet.
 */
enum survey_status survey_run(const struct isp_config *cfg, const struct survey_run_opts *o,
			      char *const *targets_v, int ntargets);

#endif
