/*
 * cache.h -- the packet cache of the DNS service: whole upstream responses, keyed by
 * the question (name lower-cased, type, class) and the DO and CD bits, kept for their
 * TTL (dnsw_cache_ttl, capped by max_ttl) and answered with their TTLs aged.
 *
 * One cache per worker thread: no locks (with SO_REUSEPORT a client's queries reach one
 * worker, so per-thread caches lose little). Memory is bounded by max_bytes: inserting
 * past it evicts the least recently used entries. Blocked answers are never cached here
 * (they depend on the snapshot, which can change).
 */
#ifndef ISP_DNS_CACHE_H
#define ISP_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct dcache;

struct dcache_stats {
	uint64_t hits, misses, inserts;
	uint64_t evictions; /* live entries dropped to make room (LRU) */
	uint64_t expired;   /* stale entries dropped (on lookup, at the LRU tail, or evicted) */
	size_t entries;
	/* the bucket array plus every entry's header, key and response (malloc's own
	 * overhead not counted); never above max_bytes */
	size_t bytes;
};

/* New cache holding at most max_bytes (entries and their bookkeeping); TTLs above
 * max_ttl are capped, negative answers at neg_ttl. Returns NULL on allocation failure. */
struct dcache *dcache_new(size_t max_bytes, uint32_t max_ttl, uint32_t neg_ttl);
void dcache_free(struct dcache *c);

/*
 * Key of a question: qname in wire form (any case; lower-cased into the key), qtype,
 * qclass and the query flags' DO (from EDNS) and CD bits. Writes at most
 * DCACHE_KEY_MAX bytes into key and returns the length: qname_len + 5 (qname, qtype,
 * qclass, one byte of flags: DO 1, CD 2). Returns 0 (no key: do not cache) if qname_len
 * is 0 or above DNSW_MAX_NAME.
 */
#define DCACHE_KEY_MAX 262
size_t dcache_key(const uint8_t *qname, size_t qname_len, uint16_t qtype, uint16_t qclass,
		  int do_bit, int cd_bit, uint8_t key[DCACHE_KEY_MAX]);

/*
 * Look up key at time now_ms (milliseconds, monotonic). On a hit copies the response
 * into out (outsz bytes), ages its TTLs by the whole seconds it has been cached, and
 * returns its length; the caller sets the ID. An entry expires ttl seconds after its
 * insertion (a lookup at that instant misses). Returns 0 on a miss or an expired entry
 * (which is dropped), or -1 if outsz is too small (nothing copied, counted neither as
 * a hit nor as a miss, the entry stays). On a hit *tag (if tag is not NULL) is set to
 * the tag the entry was stored with. Allocates nothing.
 */
int dcache_get(struct dcache *c, const uint8_t *key, size_t keylen, uint64_t now_ms, uint8_t *out,
	       size_t outsz, uint64_t *tag);

/*
 * Store a copy of resp[0..len) under key (replacing any entry for it) for ttl seconds
 * from now_ms, ttl capped at neg_ttl if negative, else at max_ttl; record TTLs in the
 * copy above that are lowered to it (OPT's left alone). Evicts least recently used
 * entries to stay within max_bytes. A ttl (after capping) of 0 stores nothing and
 * returns 0. Returns 0, or -1 if it cannot be stored: key empty or too long, response
 * malformed (dnsw_walk_response fails), above 65535 bytes or larger than the cache can
 * ever hold, or no memory (an older entry for the key is then kept). tag is kept with
 * the entry for the caller (the DNS worker stores the serial of the snapshot the answer
 * was checked against).
 */
int dcache_put(struct dcache *c, const uint8_t *key, size_t keylen, const uint8_t *resp, size_t len,
	       uint32_t ttl, int negative, uint64_t now_ms, uint64_t tag);

void dcache_get_stats(const struct dcache *c, struct dcache_stats *out);

#endif
