/*
 * dns_int.h -- what the parts of the DNS service share (see dns.h): the server, its
 * workers, the block-event rings and the counters. Internal header.
 *
 * Sharing rules: struct dns_shared is written only by the main thread (reload) and read
 * by workers through atomic pointer loads; a worker owns everything in struct dns_worker
 * except `quiescent`/`idle` (read by the main thread) and the counters (read by the
 * metrics thread: relaxed atomics, monotonic). A ring has one producer (its worker) and
 * one consumer (the writer thread).
 */
#ifndef ISP_DNS_INT_H
#define ISP_DNS_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/config.h"
#include "core/snapshot.h"
#include "dns/cache.h"
#include "dns/prefixset.h"
#include "dns/ratelimit.h"
#include "dns/wire.h"

#define DNS_MAX_LISTEN	 16
#define DNS_MAX_UPSTREAM 8
#define DNS_MAX_THREADS	 64
#define DNS_BATCH	 32   /* packets per recvmmsg */
#define DNS_MAX_INFLIGHT 4096 /* pending upstream queries per worker */

/* Counters (one set per worker, summed by the metrics endpoint). */
enum dns_counter {
	C_QUERIES,
	C_ANSWERED,
	C_BLOCKED,
	C_BLOCKED_CNAME,
	C_BLOCKED_ADDR,
	C_ALLOWED_OPTOUT,
	C_REFUSED_ACL,
	C_RATE_LIMITED,
	C_RRL_DROPPED,
	C_RRL_SLIPPED,
	C_WT_REFUSED,
	C_CACHE_HITS,
	C_CACHE_MISSES,
	C_FORMERR,
	C_NOTIMP,
	C_DROPPED_MALFORMED,
	C_SERVFAIL,
	C_UPSTREAM_SENT,
	C_UPSTREAM_TIMEOUTS,
	C_UPSTREAM_BAD,
	C_INFLIGHT_FULL,
	C_EVENTS_DROPPED,
	C_TRUNCATED,
	C_COUNT
};

/* Upstream latency histogram buckets (milliseconds, upper bounds). */
#define DNS_LAT_BUCKETS 10
extern const double dns_lat_bounds[DNS_LAT_BUCKETS];

/* Read-only data swapped on reload. */
struct dns_shared {
	struct snap *snap;
	struct prefixset *optout;
};

/* A block event as the worker records it (fixed size, no pointers). */
struct dns_event {
	int64_t time_ms;
	struct sockaddr_storage client;
	uint16_t qtype;
	char qname[256];
	char list[64];
	char entry[256];
	char reason[8];
};

/* Single-producer single-consumer ring of events. */
struct dns_ring {
	struct dns_event *ev;
	uint32_t size;	       /* power of two */
	_Atomic uint32_t head; /* next to write (producer) */
	_Atomic uint32_t tail; /* next to read (consumer) */
};

struct dns_upstream {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char name[64];
};

struct dns_pending {
	int used;
	uint16_t up_id; /* ID sent upstream */
	uint16_t client_id;
	struct sockaddr_storage client;
	socklen_t clientlen;
	int listen_fd;		     /* the socket the query came in on (answer from it) */
	uint8_t query[DNSW_MAX_UDP]; /* the query as forwarded (our ID) */
	uint16_t query_len;
	uint16_t udp_size; /* the client's EDNS size */
	uint64_t sent_ms;
	uint8_t tries;
	uint8_t upstream; /* index of the upstream last asked */
	uint8_t optout;	  /* client opted out: do not check the answer */
	struct dnsw_query q;
};

struct dns_server;

struct dns_worker {
	struct dns_server *srv;
	int id;
	pthread_t thread;
	int epfd;
	int udp_fd[DNS_MAX_LISTEN];
	int up_fd[DNS_MAX_UPSTREAM];
	struct dns_pending *pending; /* DNS_MAX_INFLIGHT entries */
	uint16_t *by_id;	     /* 65536: up_id -> pending index + 1 */
	uint32_t inflight;
	struct dcache *cache;
	struct drl *rl;
	struct dns_ring ring;
	uint64_t rng;
	_Atomic uint64_t quiescent; /* bumped after every batch */
	_Atomic int idle;	    /* 1 while in epoll_wait, holding no shared data */
	_Atomic uint64_t counters[C_COUNT];
	_Atomic uint64_t lat[DNS_LAT_BUCKETS + 1];
	_Atomic uint64_t lat_sum_us;
};

struct dns_server {
	const struct isp_config *cfg;
	char snap_path[CONFIG_PATH_MAX];
	struct sockaddr_storage listen[DNS_MAX_LISTEN];
	socklen_t listenlen[DNS_MAX_LISTEN];
	int nlisten;
	struct dns_upstream up[DNS_MAX_UPSTREAM];
	int nup;
	_Atomic(int) up_down[DNS_MAX_UPSTREAM]; /* consecutive timeouts */
	struct prefixset *subscribers;
	struct prefixset *exempt;
	_Atomic(struct dns_shared *) shared;
	int walled; /* block-action walled-garden */
	uint8_t wg_a[4], wg_aaaa[16];
	int have_wg_a, have_wg_aaaa;
	struct dns_worker *workers;
	int nworkers;
	_Atomic int stop;	 /* workers and metrics stop */
	_Atomic int writer_stop; /* set after the workers are joined: final drain */
	_Atomic uint64_t snap_serial;
	_Atomic uint64_t reloads, reload_failures;
};

/* worker.c */
int dns_worker_start(struct dns_worker *w);
/* events.c: the writer thread; returns when srv->writer_stop is set and the rings have
 * been drained once more. */
void *dns_writer_main(void *srv);
int dns_ring_init(struct dns_ring *r, uint32_t size);
void dns_ring_free(struct dns_ring *r);
/* Push (worker side): returns 0, or -1 when full (the caller counts the drop). */
int dns_ring_push(struct dns_ring *r, const struct dns_event *ev);
/* metrics.c: serve /metrics on srv->cfg->dns_metrics until stop. */
int dns_metrics_start(struct dns_server *srv, pthread_t *th, struct isp_err *err);

/* Parse "ADDR:PORT" / "[ADDR]:PORT" into a socket address. Returns 0 or ISR_EINVAL. */
int dns_parse_addr(const char *s, size_t n, struct sockaddr_storage *out, socklen_t *len);

uint64_t dns_now_ms(void);

#endif
