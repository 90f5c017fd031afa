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

#include <stdint.h>

#include "core/base/err.h"
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

#endif
