/*
 * cache.c -- the packet cache of cache.h.
 *
 * Layout: a fixed array of bucket heads (a power of two, about one bucket per 256 bytes of
 * max_bytes, so chains stay short at typical entry sizes) with chaining, and an intrusive
 * doubly-linked LRU list through the same entries (head = most recently used). Each entry
 * is ONE allocation: its header, then the key, then the response bytes; a lookup allocates
 * nothing and touches one chain, and a hit moves the entry to the LRU head and copies it
 * out. Insertion allocates the entry, then evicts from the LRU tail until the total fits.
 *
 * Accounting: `bytes` is the bucket array plus, per entry, its header, key and response
 * (malloc's own overhead is not counted); it never exceeds max_bytes.
 *
 * The bucket index comes from SipHash-1-3 under a random per-cache key: qnames are chosen
 * by clients (and so by attackers), and an unkeyed hash would let them pile every entry
 * into one chain.
 *
 * TTLs: a response is kept min(ttl, cap) seconds (cap = max_ttl, or neg_ttl for negative
 * answers), and every record TTL in the stored copy is clamped to that too, so a client
 * is never told to keep an answer longer than we do; on a hit the TTLs are aged by the
 * whole seconds since insertion, at TTL offsets recorded on insert (no parsing on a
 * hit). Expired entries are dropped when looked up, when they reach the LRU tail during
 * an insert, and by eviction.
 */
#include "dns/cache.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/siphash.h"
#include "core/net/dnswire.h"

#define MIN_BUCKETS	 16
#define BYTES_PER_BUCKET 256
#define MAX_RESP	 65535
#define TAIL_SCAN	 4 /* expired entries checked at the LRU tail per insert */

struct dentry {
	struct dentry *hnext;	    /* hash chain */
	struct dentry *prev, *next; /* LRU list: prev towards the head */
	uint64_t hash;
	uint64_t stored_ms, expire_ms; /* expire_ms: first instant it is stale */
	uint64_t tag;		       /* the caller's, see dcache_put */
	uint16_t nttl;		       /* TTL offsets kept after the response */
	uint16_t keylen, len;
	uint8_t data[]; /* key[keylen] then response[len] */
};

struct bucket {
	struct dentry *first;
};

struct dcache {
	struct bucket *buckets;
	size_t mask;		    /* buckets - 1 */
	struct dentry *head, *tail; /* LRU: head most recent */
	size_t max_bytes;
	uint32_t max_ttl, neg_ttl;
	uint64_t k0, k1; /* SipHash key */
	struct dcache_stats st;
};

struct dcache *dcache_new(size_t max_bytes, uint32_t max_ttl, uint32_t neg_ttl)
{
	struct dcache *c;
	size_t n = MIN_BUCKETS;

	while (n <= max_bytes / BYTES_PER_BUCKET / 2)
		n *= 2;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->buckets = calloc(n, sizeof(struct bucket));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	c->max_bytes = max_bytes;
	c->max_ttl = max_ttl;
	c->neg_ttl = neg_ttl;
	c->st.bytes = n * sizeof(struct bucket);
	siphash_key(&c->k0, &c->k1, c);
	return c;
}

void dcache_free(struct dcache *c)
{
	struct dentry *e, *next;

	if (c == NULL)
		return;
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(c->buckets);
	free(c);
}

size_t dcache_key(const uint8_t *qname, size_t qname_len, uint16_t qtype, uint16_t qclass,
		  int do_bit, int cd_bit, uint8_t key[DCACHE_KEY_MAX])
{
	size_t i;
	uint8_t ch;

	if (qname_len == 0 || qname_len > DNSW_MAX_NAME)
		return 0;
	/* Length bytes are at most 63, below 'A' (65): lower-casing every byte in 'A'..'Z'
	 * touches letters only and keeps the labels' lengths. */
	for (i = 0; i < qname_len; i++) {
		ch = qname[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		key[i] = ch;
	}
	dnsw_put16(key + i, qtype);
	dnsw_put16(key + i + 2, qclass);
	key[i + 4] = (uint8_t)((do_bit ? 1 : 0) | (cd_bit ? 2 : 0));
	return i + 5;
}

/* An entry: header, key, response, then the response's TTL offsets (u16 each, all
 * records but OPT), so that a hit ages TTLs without parsing the message again. */
static size_t entry_size(size_t keylen, size_t len, size_t nttl)
{
	return sizeof(struct dentry) + keylen + len + 2 * nttl;
}

static void lru_unlink(struct dcache *c, struct dentry *e)
{
	if (c->head == e)
		c->head = e->next;
	else
		e->prev->next = e->next;
	if (c->tail == e)
		c->tail = e->prev;
	else
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_head(struct dcache *c, struct dentry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	else
		c->tail = e;
	c->head = e;
}

/* The chain link that points at the entry for key (or at the NULL ending the chain). */
static struct dentry **find_link(struct dcache *c, uint64_t h, const uint8_t *key, size_t keylen)
{
	struct dentry **link = &c->buckets[h & c->mask].first;

	while (*link != NULL) {
		const struct dentry *e = *link;

		if (e->hash == h && e->keylen == keylen && memcmp(e->data, key, keylen) == 0)
			break;
		link = &(*link)->hnext;
	}
	return link;
}

/* Unlink e from its chain and the LRU list, and free it. */
static void remove_entry(struct dcache *c, struct dentry *e)
{
	struct dentry **link = &c->buckets[e->hash & c->mask].first;

	while (*link != e)
		link = &(*link)->hnext;
	*link = e->hnext;
	lru_unlink(c, e);
	c->st.entries--;
	c->st.bytes -= entry_size(e->keylen, e->len, e->nttl);
	free(e);
}

int dcache_get(struct dcache *c, const uint8_t *key, size_t keylen, uint64_t now_ms, uint8_t *out,
	       size_t outsz, uint64_t *tag)
{
	struct dentry *e;
	uint64_t h;
	uint32_t elapsed;

	if (keylen == 0 || keylen > DCACHE_KEY_MAX) {
		c->st.misses++;
		return 0;
	}
	h = siphash13(c->k0, c->k1, key, keylen);
	e = *find_link(c, h, key, keylen);
	if (e == NULL) {
		c->st.misses++;
		return 0;
	}
	if (now_ms >= e->expire_ms) {
		remove_entry(c, e);
		c->st.expired++;
		c->st.misses++;
		return 0;
	}
	if (e->len > outsz)
		return -1;
	lru_unlink(c, e);
	lru_push_head(c, e);
	memcpy(out, e->data + e->keylen, e->len);
	elapsed = now_ms > e->stored_ms ? (uint32_t)((now_ms - e->stored_ms) / 1000) : 0;
	if (elapsed > 0) {
		const uint8_t *offs = e->data + e->keylen + e->len;
		size_t i;

		for (i = 0; i < e->nttl; i++) {
			uint8_t *t = out + ((size_t)offs[2 * i] << 8 | offs[2 * i + 1]);
			uint32_t ttl = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 |
				       (uint32_t)t[2] << 8 | t[3];

			ttl = ttl > elapsed ? ttl - elapsed : 0;
			t[0] = (uint8_t)(ttl >> 24);
			t[1] = (uint8_t)(ttl >> 16);
			t[2] = (uint8_t)(ttl >> 8);
			t[3] = (uint8_t)ttl;
		}
	}
	c->st.hits++;
	if (tag)
		*tag = e->tag;
	return (int)e->len;
}

struct clamp {
	uint8_t *pkt;
	uint32_t ttl;
	uint8_t *offs; /* where the TTL offsets go; NULL while only counting */
	size_t n;
};

/* Count the records with a TTL (all but OPT), or record their TTL offsets and lower
 * TTLs above the entry's lifetime to it (stored TTLs never exceed the lifetime, and are
 * below 2^31, so ageing them is plain subtraction). */
static int clamp_rr(void *ud, const struct dnsw_rr *rr)
{
	struct clamp *cl = ud;
	uint8_t *p;

	if (rr->type == DNSW_OPT)
		return 0;
	if (cl->offs) {
		cl->offs[2 * cl->n] = (uint8_t)(rr->ttl_offset >> 8);
		cl->offs[2 * cl->n + 1] = (uint8_t)rr->ttl_offset;
	}
	cl->n++;
	if (!cl->offs || rr->ttl <= cl->ttl)
		return 0;
	p = cl->pkt + rr->ttl_offset;
	p[0] = (uint8_t)(cl->ttl >> 24);
	p[1] = (uint8_t)(cl->ttl >> 16);
	p[2] = (uint8_t)(cl->ttl >> 8);
	p[3] = (uint8_t)cl->ttl;
	return 0;
}

/* Drop expired entries at the LRU tail (at most TAIL_SCAN looked at). */
static void drop_expired_tail(struct dcache *c, uint64_t now_ms)
{
	int i;

	for (i = 0; i < TAIL_SCAN && c->tail != NULL; i++) {
		if (now_ms < c->tail->expire_ms)
			return;
		remove_entry(c, c->tail);
		c->st.expired++;
	}
}

int dcache_put(struct dcache *c, const uint8_t *key, size_t keylen, const uint8_t *resp, size_t len,
	       uint32_t ttl, int negative, uint64_t now_ms, uint64_t tag)
{
	struct dentry *e, *old;
	struct clamp cl;
	uint32_t cap = negative ? c->neg_ttl : c->max_ttl;
	size_t sz, table = (c->mask + 1) * sizeof(struct bucket);

	if (ttl > cap)
		ttl = cap;
	if (ttl == 0)
		return 0;
	if (keylen == 0 || keylen > DCACHE_KEY_MAX || len < DNSW_HEADER || len > MAX_RESP)
		return -1;
	/* first walk: well-formed? how many TTLs? */
	memset(&cl, 0, sizeof(cl));
	if (dnsw_walk_response(resp, len, clamp_rr, &cl) != 0)
		return -1;
	sz = entry_size(keylen, len, cl.n);
	if (cl.n > UINT16_MAX || sz > c->max_bytes || sz > c->max_bytes - table)
		return -1;
	e = malloc(sz);
	if (e == NULL)
		return -1;
	memcpy(e->data, key, keylen);
	memcpy(e->data + keylen, resp, len);
	e->nttl = (uint16_t)cl.n;
	cl.pkt = e->data + keylen;
	cl.ttl = ttl;
	cl.offs = e->data + keylen + len;
	cl.n = 0;
	if (dnsw_walk_response(cl.pkt, len, clamp_rr, &cl) != 0 || cl.n != e->nttl) {
		free(e);
		return -1;
	}
	e->hash = siphash13(c->k0, c->k1, key, keylen);
	e->keylen = (uint16_t)keylen;
	e->len = (uint16_t)len;
	e->stored_ms = now_ms;
	e->expire_ms = now_ms + (uint64_t)ttl * 1000;
	e->tag = tag;

	old = *find_link(c, e->hash, key, keylen);
	if (old != NULL)
		remove_entry(c, old);
	drop_expired_tail(c, now_ms);
	while (c->st.bytes + sz > c->max_bytes && c->tail != NULL) {
		int expired = now_ms >= c->tail->expire_ms;

		remove_entry(c, c->tail);
		if (expired)
			c->st.expired++;
		else
			c->st.evictions++;
	}
	e->hnext = c->buckets[e->hash & c->mask].first;
	c->buckets[e->hash & c->mask].first = e;
	lru_push_head(c, e);
	c->st.entries++;
	c->st.bytes += sz;
	c->st.inserts++;
	return 0;
}

void dcache_get_stats(const struct dcache *c, struct dcache_stats *out)
{
	*out = c->st;
}
