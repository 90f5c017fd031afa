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

#include "core/err.h"

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

/* The writer thread. The rings array and the rings must outlive evwriter_stop. */
struct evwriter {
	const char *service; /* "dns", "proxy": prefix of the log lines */
	const char *store;   /* store spec; the writer opens its own handle */
	struct evring **rings;
	int nrings;
	pthread_t thread;
	int started;
	_Atomic int stop;
};

/* Start the writer (fields service, store, rings, nrings set by the caller). A store
 * that cannot be opened is reported on stderr and events are then only logged.
 * Returns 0 or ISR_ENOMEM (no thread). */
int evwriter_start(struct evwriter *w, struct isp_err *err);
/* Call after the producers have stopped: drains every ring a last time and joins. */
void evwriter_stop(struct evwriter *w);

#endif
