/*
 * strmap.h -- the crawl's one table keyed by strings: hosts (fetches under way, the last
 * start), the visit log (when a URL was last fetched from an exit), the chains of a run
 * (so that one is queued once) and the relay hosts written. Keys come from hostile pages,
 * so they are hashed with SipHash under a random key per table (core/base/siphash.h):
 * nobody can make many of them collide on purpose. Open addressing, linear probing, the
 * table doubles at half full; entries are never removed (a run's hosts and URLs are
 * bounded by its hops).
 */
#ifndef ISP_CRAWL_STRMAP_H
#define ISP_CRAWL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	char *key; /* NULL: free */
	uint64_t h;
	int64_t a, b; /* the user's (0 in a new slot) */
};

struct strmap {
	struct strmap_slot *v;
	size_t cap, n; /* cap: a power of two, or 0 before the first insertion */
	uint64_t k0, k1;
};

/* An empty map in m (no allocation yet). */
void strmap_init(struct strmap *m);
/* The slot of key[0..len); with create, a new zeroed one when there is none (the key
 * copied). NULL: not there (create 0), or out of memory. The slot stays valid until the
 * next insertion. */
struct strmap_slot *strmap_get(struct strmap *m, const char *key, size_t len, int create);
void strmap_free(struct strmap *m);

#endif
