/*
 * evring.h -- block events from a service's worker threads to the store, without ever
 * making a worker wait for the store. Shared by `ispshield dns` and `ispshield proxy`.
 *
 * Each worker owns one single-producer single-consumer ring (no lock, no allocation, no
 * system call on push); a full ring drops the event and the worker counts the drop. One
 * writer thread (evwriter) drains every ring about ten times a second and writes what
 * it took in one store transaction, logging one line per event on stderr
 * (syslog/journald-friendly). Stopping the writer drains the rings once more, so
 * nothing recorded before the workers stopped is lost on a clean shutdown.
 *
 * Memory: a ring is calloc'd at its full size, but pages that no event ever touched are
 * never made resident (large callocs are fresh anonymous mappings), so a big ring costs
 * address space, not RSS, until it fills.
 */
#ifndef ISP_CORE_EVRING_H
#define ISP_CORE_EVRING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/base/err.h"

struct evspool;

#define EV_NAME_MAX 1024 /* name (DNS) or URL (proxy), truncated beyond */

/* One block event (fixed size, no pointers), as store_block_event stores it. */
struct ev_block {
	int64_t time_ms; /* unix time, milliseconds */
	struct sockaddr_storage client;
	uint16_t qtype;		 /* DNS query type; 0 for the proxy */
	char qname[EV_NAME_MAX]; /* DNS name, or the request URL / CONNECT host */
	char list[64];
	char entry[EV_NAME_MAX]; /* the list entry that matched */
	char reason[16];	 /* "name", "cname", "address", "url", "connect" */
};

struct evring {
	struct ev_block *ev;
	uint32_t size;	       /* power of two */
	_Atomic uint32_t head; /* next to write (producer) */
	_Atomic uint32_t tail; /* next to read (consumer) */
};

/* Allocate a ring of at least size events (rounded up to a power of two, at most 2^24).
 * Returns 0 or ISR_ENOMEM. */
int evring_init(struct evring *r, uint32_t size);
void evring_free(struct evring *r);
/* Push (the ring's one producer): returns 0, or -1 when full (the caller counts it). */
int evring_push(struct evring *r, const struct ev_block *ev);

/* The writer thread. The rings array and the rings must outlive evwriter_stop.
 *
 * Where events go: straight into the store while it answers and the spool is empty;
 * otherwise appended to the spool (core/events/evspool.h), so that order is kept and a worker
 * never waits. A failed write or open closes the store handle and retries opening it
 * with backoff (100 ms doubling to 5 s); once open, the spool is drained oldest first
 * (at most ~250 ms per round, rings first) and truncated when empty. With events_off
 * nothing is stored or spooled: core.log-blocks = each is then the only record. */
/* core.log-blocks: a log line per block (each), per list and minute (summary), or none.
 * The lists counted by summary in one minute are at most SUMMARY_LISTS; the rest are
 * counted together. */
enum { EVLOG_OFF, EVLOG_EACH, EVLOG_SUMMARY };
#define SUMMARY_LISTS 64
struct evwriter {
	const char *service; /* "dns", "proxy": prefix of the log lines */
	const char *store;   /* store spec; the writer opens its own handle */
	const char *spool;   /* spool file (evspool_path); NULL or "" = none: drop when down */
	int64_t spool_max;   /* bytes the spool file may hold */
	int events_off;	     /* 1: log only, neither store nor spool */
	int log_blocks;	     /* core.log-blocks: EVLOG_OFF, EVLOG_EACH, EVLOG_SUMMARY */
	struct evring **rings;
	int nrings;
	pthread_t thread;
	int started;
	_Atomic int stop;
	struct evspool *sp; /* opened by evwriter_start, used by the thread only */
	/* Counters for the metrics (evwriter_metrics); written by the thread only. */
	_Atomic uint64_t written;	 /* events committed to the store (spooled ones too) */
	_Atomic uint64_t spooled;	 /* events appended to the spool */
	_Atomic uint64_t spool_dropped;	 /* events lost: spool full, unwritable, or none */
	_Atomic uint64_t store_failures; /* failed store opens and writes */
	_Atomic uint64_t spool_rejected; /* bad spool records skipped */
	_Atomic uint64_t spool_bytes;	 /* bytes in the spool not yet drained */
};

/* Start the writer (fields service, store, spool, spool_max, events_off, rings, nrings
 * set by the caller, counters zeroed). Opens the spool (draining what a previous run left
 * starts at once); a store that cannot be opened is retried as above. Returns 0,
 * ISR_EEXIST when another process holds the spool, ISR_EIO, or ISR_ENOMEM (no thread). */
int evwriter_start(struct evwriter *w, struct isp_err *err);

struct isp_config;
/* Zero w and set service, store, events_off, spool_max and the spool file (core.spool,
 * named by evspool_path after service and the first address of listen, written into
 * spool[size], which must outlive the writer) from the configuration. Returns 0 or
 * ISR_ELIMIT (path too long). */
int evwriter_setup(struct evwriter *w, const char *service, const struct isp_config *cfg,
		   const char *listen, char *spool, size_t size, struct isp_err *err);
/* Call after the producers have stopped: drains every ring a last time (into the store,
 * else the spool), tries to drain the spool for up to 2 s, and joins. */
void evwriter_stop(struct evwriter *w);

struct prom;
/* Append the writer's counters (events_written_total, events_spooled_total,
 * events_spool_bytes, events_spool_dropped_total, events_store_failures_total,
 * events_spool_rejected_total) to a Prometheus page. */
void evwriter_metrics(struct evwriter *w, struct prom *p);

#endif
