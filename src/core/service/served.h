/*
 * served.h -- what the DNS service and the proxy serve and swap on reload: the list
 * snapshot and the opt-out prefixes, loaded together and replaced by one pointer swap.
 *
 * Reload protocol (both services): load a new struct served; swap the servers' pointer
 * atomically; wait with served_quiesce until every worker has either passed a quiescent
 * point (finished the batch it was in) or is idle in epoll_wait, so none can still hold
 * the old one; free the old one. There is never a moment in which nothing is loaded.
 */
#ifndef ISP_CORE_SERVED_H
#define ISP_CORE_SERVED_H

#include <signal.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/net/netaddr.h"
#include "core/net/prefixset.h"
#include "core/lists/snapshot.h"

struct served {
	struct snap *snap;
	struct prefixset *optout; /* NULL when no opt-out file is configured */
};

/* Load the snapshot at snap_path and, when optout_path is not empty, the opt-out file.
 * A missing snapshot is ISR_ENOTFOUND with a message saying to run `lists compile`. */
int served_load(const char *snap_path, const char *optout_path, struct served **out,
		struct isp_err *err);
void served_free(struct served *s);

/* One per worker: what the reloading thread watches. */
struct served_gate {
	_Atomic uint64_t quiescent; /* bumped by the worker after every batch */
	_Atomic int idle;	    /* 1 while the worker holds no served data */
};

/* Wait until no worker can still hold data loaded before this call; gate(ud, i) is
 * worker i's gate, for i < n. */
void served_quiesce(int n, struct served_gate *(*gate)(void *ud, int i), void *ud);

/*
 * The serving side of a service (the DNS service, the proxy), written once: where its
 * workers find the current data (`cur`), the counters its metrics show, and the main
 * thread's loop. Start-up is all or nothing: served_slot_open loads the snapshot and the
 * opt-out file before any socket is opened (fail closed: a service without its lists
 * would serve unfiltered). The loop waits for signals with a one-second timeout; on
 * SIGHUP, or when the snapshot or the opt-out file has changed, it loads the new data
 * beside the old, swaps `cur`, waits for every worker (served_quiesce) and frees the old.
 * A reload that fails is logged and counted, and the old data keeps serving.
 *
 * Lifetime: the slot lives in the service's server struct; who, snap_path and
 * optout_path must outlive it. Workers read `cur` with atomic_load and never free it.
 */
struct served_slot {
	_Atomic(struct served *) cur;
	_Atomic uint64_t serial;	  /* the current snapshot's serial */
	_Atomic uint64_t reloads;	  /* successful reloads */
	_Atomic uint64_t reload_failures; /* reloads refused (the old data kept) */
	const char *who;		  /* "dns", "proxy": the log lines' prefix */
	const char *snap_path, *optout_path;
	int nworkers; /* set by served_slot_workers */
	struct served_gate *(*gate)(void *ud, int i);
	void *ud;
	struct filestamp snap_st, opt_st; /* the files as last loaded or seen */
};

/* Load the first data into s (who, snap_path and optout_path are kept). 0, or the error of
 * served_load with nothing loaded. */
int served_slot_open(struct served_slot *s, const char *who, const char *snap_path,
		     const char *optout_path, struct isp_err *err);
/* The workers the reload waits for (call before the loop). */
void served_slot_workers(struct served_slot *s, int n, struct served_gate *(*gate)(void *ud, int i),
			 void *ud);
/* Reload now; why ("SIGHUP", "snapshot changed") goes into the log line. */
void served_slot_reload(struct served_slot *s, const char *why);
/* Free the current data (after the workers have stopped). */
void served_slot_close(struct served_slot *s);

/* Block SIGHUP, SIGTERM and SIGINT in the calling thread, so in every thread it starts
 * afterwards (the main thread takes them in served_slot_loop), and ignore SIGPIPE. */
void served_block_signals(sigset_t *set);
/* The main thread's loop, until SIGTERM or SIGINT (then it returns): SIGHUP reloads, and
 * so does a changed snapshot (once it exists) or opt-out file, seen within a second. */
void served_slot_loop(struct served_slot *s, const sigset_t *set);

#endif
