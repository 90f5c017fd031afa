/*
 * snapshot.c -- opening, verifying and looking up a snapshot (see snapshot.h).
 *
 * The file is mapped read-only and never written, so any number of threads may look up
 * in it without locks. Every record offset read from the table is bounds-checked
 * against the pool before use: a file whose checksum matches but whose content is
 * hostile still cannot make a lookup read outside the mapping.
 */
#include "core/lists/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/base/hash.h"
#include "core/base/mapfile.h"
#include "core/lists/snapfmt.h"

struct snap {
	const unsigned char *map;
	size_t size;
	struct snap_header h;
	const struct snap_list_rec *lists;
	const unsigned char *table; /* nslots x u64, maybe unaligned: read with memcpy */
	const unsigned char *pool;
};

/* The checks every mapped file gets (core/base/mapfile.h). */
static const struct mapfile_kind kind = {
	.what = "snapshot",
	.magic = SNAP_MAGIC,
	.version = SNAP_VERSION,
	.rebuild = "recompile it with `ispshield lists compile`",
};

int snap_open(const char *path, struct snap **out, struct isp_err *err)
{
	const unsigned char *m;
	struct snap *s;
	size_t size;
	int rc;

	*out = NULL;
	rc = mapfile_open(path, &kind, sizeof(struct snap_header), &m, &size, err);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s) {
		munmap((void *)m, size);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	s->map = m;
	s->size = size;
	memcpy(&s->h, m, sizeof(s->h));
	rc = ISR_ECORRUPT;
	if (s->h.nlists > SNAP_MAX_LISTS || s->h.nslots == 0 ||
	    s->h.lists_off != sizeof(struct snap_header) ||
	    s->h.table_off !=
		    s->h.lists_off + (uint64_t)s->h.nlists * sizeof(struct snap_list_rec) ||
	    s->h.nslots > s->size / 8 || s->h.pool_off != s->h.table_off + s->h.nslots * 8 ||
	    s->h.pool_size != s->size - s->h.pool_off || s->h.pool_off > s->size) {
		mapfile_corrupt(&kind, path, "section offsets do not add up", err);
		goto fail;
	}
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* (The fuzz build skips this check so that the fuzzer reaches the bounds checks
	 * behind it: a hostile file with a valid checksum must not crash a lookup either.) */
	if (hash_checksum(s->map + sizeof(struct snap_header),
			  s->size - sizeof(struct snap_header)) != s->h.checksum) {
		mapfile_corrupt(&kind, path, "checksum mismatch (corrupted or truncated)", err);
		goto fail;
	}
#endif
	s->lists = (const struct snap_list_rec *)(s->map + s->h.lists_off);
	s->table = s->map + s->h.table_off;
	s->pool = s->map + s->h.pool_off;
	*out = s;
	return 0;
fail:
	snap_close(s);
	return rc;
}

void snap_close(struct snap *s)
{
	if (!s)
		return;
	munmap((void *)s->map, s->size);
	free(s);
}

static uint64_t slot_at(const struct snap *s, uint64_t i)
{
	uint64_t v;

	memcpy(&v, s->table + i * 8, 8);
	return v;
}

/*
 * Find the record of key (type, k[0..len)) with hash h. Returns a pointer to the
 * record's hit count byte, or NULL. Bounds-checked.
 */
static const unsigned char *probe(const struct snap *s, uint64_t h, unsigned char type,
				  const void *k, size_t len)
{
	uint64_t n = s->h.nslots, i = snap_slot_index(h, n), steps;
	uint32_t tag = (uint32_t)h;

	for (steps = 0; steps < n; steps++) {
		uint64_t v = slot_at(s, i);
		uint64_t off;
		const unsigned char *r;

		if (v == 0)
			return NULL;
		/* A slot whose offset field is 0 but whose tag is not (only a hostile file
		 * has one) points nowhere; off < 2^32 and len < 2^16 cannot overflow. */
		if (SNAP_SLOT_TAG(v) == tag && SNAP_SLOT_OFF(v) != 0) {
			off = (uint64_t)SNAP_SLOT_OFF(v) - 1;
			if (off + SNAP_REC_HEAD + len + 1 <= s->h.pool_size) {
				r = s->pool + off;
				if (((size_t)r[0] | (size_t)r[1] << 8) == len && r[2] == type &&
				    memcmp(r + SNAP_REC_HEAD, k, len) == 0)
					return r + SNAP_REC_HEAD + len;
			}
		}
		i = i + 1 == n ? 0 : i + 1;
	}
	return NULL;
}

/*
 * Pool offset + 1 of the local data (its u16 length) of hit i of the record tail rt
 * (nh hits), wildcard (wild) or exact; 0 if the record is malformed. Walks the data of
 * the hits before it: only local-data hits pay for this.
 */
static uint32_t data_offset(const struct snap *s, const unsigned char *rt, size_t nh, size_t i,
			    int wild)
{
	uint64_t off = (uint64_t)(rt - s->pool) + 1 + nh * SNAP_HIT_SIZE;
	size_t k;
	int w;

	for (k = 0; k <= i; k++) {
		unsigned acts = rt[1 + k * SNAP_HIT_SIZE + 3];

		for (w = 0; w < 2; w++) {
			if (((w ? acts >> 4 : acts) & 15) != LIST_LOCAL)
				continue;
			if (k == i && w == wild)
				return off + 2 <= s->h.pool_size ? (uint32_t)off + 1 : 0;
			if (off + 2 > s->h.pool_size)
				return 0;
			off += 2 + (s->pool[off] | (uint64_t)s->pool[off + 1] << 8);
		}
	}
	return 0;
}

/* Copy the hits of record tail rt whose flags intersect mask into r. Returns the count. */
static int take_hits(const struct snap *s, const unsigned char *rt, unsigned mask,
		     unsigned allow_mask, struct snap_result *r)
{
	size_t nh = rt[0], i;
	int wild = (mask & (SNAP_WILD_BLOCK | SNAP_WILD_ALLOW)) != 0;

	r->n = 0;
	if ((size_t)(rt - s->pool) + 1 + nh * SNAP_HIT_SIZE > s->h.pool_size)
		return 0;
	for (i = 0; i < nh && r->n < SNAP_MAX_HITS; i++) {
		const unsigned char *hp = rt + 1 + i * SNAP_HIT_SIZE;
		unsigned flags = hp[2], act = (wild ? hp[3] >> 4 : hp[3]) & 15;
		struct snap_hit *h = &r->hits[r->n];

		if (!(flags & mask))
			continue;
		h->list = (uint16_t)(hp[0] | hp[1] << 8);
		h->allow = (flags & mask & allow_mask) != 0; /* allow wins */
		h->action = (uint8_t)(h->allow ? LIST_ALLOW : act > LIST_ACTION_MAX ? 0 : act);
		h->data = 0;
		if (h->action == LIST_LOCAL) {
			h->data = data_offset(s, rt, nh, i, wild);
			if (!h->data)
				h->action = LIST_BLOCK; /* a hostile file: block, never pass */
		}
		r->n++;
	}
	return r->n;
}

const uint8_t *snap_hit_data(const struct snap *s, const struct snap_hit *h, size_t *len)
{
	uint64_t off, n;

	*len = 0;
	if (h->action != LIST_LOCAL || h->data == 0 || (uint64_t)h->data + 1 > s->h.pool_size)
		return NULL;
	off = (uint64_t)h->data - 1;
	n = s->pool[off] | (uint64_t)s->pool[off + 1] << 8;
	if (off + 2 + n > s->h.pool_size)
		return NULL;
	*len = (size_t)n;
	return s->pool + off + 2;
}

/*
 * Hash every suffix of name[0..len) in one right-to-left pass (see hash.h): on return
 * hs[k] is the state after the suffix starting at starts[k], k = 0 the top-level label,
 * k = count - 1 the whole name. Returns count, or 0 if the name has more than max labels.
 */
static int suffix_hashes(const char *name, size_t len, uint64_t *hs, uint16_t *starts, int max)
{
	uint64_t h = HASH_SEED;
	size_t i;
	int n = 0;

	for (i = len; i > 0; i--) {
		h = hash_step(h, (unsigned char)name[i - 1]);
		if (i == 1 || name[i - 2] == '.') {
			if (n == max)
				return 0;
			hs[n] = h;
			starts[n] = (uint16_t)(i - 1);
			n++;
		}
	}
	return n;
}

/* The lookup proper, from the suffix hashes: most specific first -- the full name
 * (exact entries), then each parent (wildcard entries). */
static int lookup_hashed(const struct snap *s, const char *name, size_t len, const uint64_t *hs,
			 const uint16_t *starts, int n, struct snap_result *r)
{
	int k;

	for (k = n - 1; k >= 0; k--) {
		const char *key = name + starts[k];
		size_t klen = len - starts[k];
		int full = k == n - 1;
		const unsigned char *rt =
			probe(s, hash_final(hs[k], SNAP_KEY_DOMAIN), SNAP_KEY_DOMAIN, key, klen);

		if (!rt)
			continue;
		if (take_hits(s, rt,
			      full ? SNAP_EXACT_BLOCK | SNAP_EXACT_ALLOW
				   : SNAP_WILD_BLOCK | SNAP_WILD_ALLOW,
			      SNAP_EXACT_ALLOW | SNAP_WILD_ALLOW, r) > 0) {
			/* the key points into the snapshot: it outlives the caller's buffer */
			r->key = (const char *)rt - klen;
			r->keylen = klen;
			r->wildcard = !full;
			return r->n;
		}
	}
	return 0;
}

static void result_clear(struct snap_result *r)
{
	r->n = 0;
	r->key = NULL;
	r->keylen = 0;
	r->wildcard = 0;
}

int snap_lookup_domain(const struct snap *s, const char *name, size_t len, struct snap_result *r)
{
	uint64_t hs[DOMAIN_LABELS_MAX];
	uint16_t starts[DOMAIN_LABELS_MAX];
	int n;

	result_clear(r);
	if (len == 0 || len > 253)
		return 0;
	n = suffix_hashes(name, len, hs, starts, DOMAIN_LABELS_MAX);
	return lookup_hashed(s, name, len, hs, starts, n, r);
}

/* Labels per name whose suffix hashes the batch keeps; deeper names take the single
 * lookup (they are rare, and still correct). */
#define BATCH_LABELS 16

int snap_lookup_domain_batch(const struct snap *s, const char *const *names, const size_t *lens,
			     size_t count, struct snap_result *res)
{
	uint64_t hs[SNAP_BATCH_MAX][BATCH_LABELS];
	uint16_t starts[SNAP_BATCH_MAX][BATCH_LABELS];
	int nl[SNAP_BATCH_MAX];
	size_t i, matched = 0;
	int k;

	if (count > SNAP_BATCH_MAX)
		count = SNAP_BATCH_MAX;
	/* 1: hash every name, prefetch the slot of each probe it may make. */
	for (i = 0; i < count; i++) {
		result_clear(&res[i]);
		nl[i] = lens[i] == 0 || lens[i] > 253
				? -1
				: suffix_hashes(names[i], lens[i], hs[i], starts[i], BATCH_LABELS);
		for (k = 0; k < nl[i]; k++) {
			uint64_t h = hash_final(hs[i][k], SNAP_KEY_DOMAIN);

			__builtin_prefetch(s->table + snap_slot_index(h, s->h.nslots) * 8);
		}
	}
	/* 2: read the slots (now cached) and prefetch the records whose tag matches: those
	 * the lookups will compare their keys against. */
	for (i = 0; i < count; i++) {
		for (k = 0; k < nl[i]; k++) {
			uint64_t h = hash_final(hs[i][k], SNAP_KEY_DOMAIN);
			uint64_t v = slot_at(s, snap_slot_index(h, s->h.nslots));

			if (v && SNAP_SLOT_TAG(v) == (uint32_t)h && SNAP_SLOT_OFF(v) != 0 &&
			    (uint64_t)SNAP_SLOT_OFF(v) - 1 < s->h.pool_size)
				__builtin_prefetch(s->pool + SNAP_SLOT_OFF(v) - 1);
		}
	}
	/* 3: the lookups, on warm cache lines. */
	for (i = 0; i < count; i++) {
		int hit;

		if (nl[i] < 0)
			continue;
		if (nl[i] == 0)
			hit = snap_lookup_domain(s, names[i], lens[i], &res[i]);
		else
			hit = lookup_hashed(s, names[i], lens[i], hs[i], starts[i], nl[i], &res[i]);
		matched += hit > 0;
	}
	return (int)matched;
}

int snap_lookup_url(const struct snap *s, const char *url, size_t len, struct snap_result *r)
{
	const unsigned char *rt;

	result_clear(r);
	rt = probe(s, hash_key(SNAP_KEY_URL, url, len), SNAP_KEY_URL, url, len);
	if (!rt || take_hits(s, rt, SNAP_EXACT_BLOCK | SNAP_EXACT_ALLOW, SNAP_EXACT_ALLOW, r) == 0)
		return 0;
	r->key = (const char *)rt - len;
	r->keylen = len;
	return r->n;
}

static int has_len(const struct snap *s, int family, unsigned l)
{
	if (family == 4)
		return (s->h.v4_lens >> l) & 1;
	return (s->h.v6_lens[l / 64] >> (l % 64)) & 1;
}

int snap_lookup_ip(const struct snap *s, int family, const uint8_t *addr, struct snap_result *r)
{
	unsigned bits = family == 4 ? 32 : 128, alen = family == 4 ? 4 : 16, l, b;
	unsigned char type = family == 4 ? SNAP_KEY_IP4 : SNAP_KEY_IP6;
	unsigned char k[17];

	result_clear(r);
	if (family != 4 && family != 6)
		return 0;
	for (l = bits + 1; l-- > 0;) {
		const unsigned char *rt;

		if (!has_len(s, family, l))
			continue;
		k[0] = (unsigned char)l;
		memcpy(k + 1, addr, alen);
		for (b = l; b < bits; b++)
			k[1 + b / 8] &= (unsigned char)~(0x80u >> (b % 8));
		rt = probe(s, hash_key(type, k, alen + 1), type, k, alen + 1);
		if (rt && take_hits(s, rt, SNAP_EXACT_BLOCK | SNAP_EXACT_ALLOW, SNAP_EXACT_ALLOW,
				    r) > 0) {
			r->plen = l;
			return r->n;
		}
	}
	return 0;
}

int snap_each_key(const struct snap *s, int (*fn)(void *ud, const struct snap_key *k), void *ud)
{
	struct snap_key k;
	uint64_t i;
	int rc;

	for (i = 0; i < s->h.nslots; i++) {
		uint64_t v = slot_at(s, i), off;
		const unsigned char *r;
		size_t len;

		if (v == 0 || SNAP_SLOT_OFF(v) == 0)
			continue;
		off = (uint64_t)SNAP_SLOT_OFF(v) - 1;
		if (off + SNAP_REC_HEAD > s->h.pool_size)
			continue;
		r = s->pool + off;
		len = (size_t)r[0] | (size_t)r[1] << 8;
		if (off + SNAP_REC_HEAD + len + 1 > s->h.pool_size)
			continue;
		k.type = r[2];
		k.key = (const char *)r + SNAP_REC_HEAD;
		k.keylen = len;
		take_hits(s, r + SNAP_REC_HEAD + len, SNAP_EXACT_BLOCK | SNAP_EXACT_ALLOW,
			  SNAP_EXACT_ALLOW, &k.exact);
		take_hits(s, r + SNAP_REC_HEAD + len, SNAP_WILD_BLOCK | SNAP_WILD_ALLOW,
			  SNAP_WILD_ALLOW, &k.wild);
		k.exact.key = k.wild.key = k.key;
		k.exact.keylen = k.wild.keylen = len;
		k.wild.wildcard = 1;
		k.exact.wildcard = 0;
		rc = fn(ud, &k);
		if (rc)
			return rc;
	}
	return 0;
}

unsigned snap_nlists(const struct snap *s)
{
	return s->h.nlists;
}

void snap_list(const struct snap *s, unsigned i, struct snap_list_info *out)
{
	struct snap_list_rec rec;

	memset(out, 0, sizeof(*out));
	if (i >= s->h.nlists)
		return;
	memcpy(&rec, s->lists + i, sizeof(rec));
	memcpy(out->name, rec.name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	out->kind = rec.kind <= LIST_IP ? (enum list_kind)rec.kind : LIST_KIND_NONE;
	out->keys = rec.keys;
	out->bytes = rec.bytes;
}

uint64_t snap_created(const struct snap *s)
{
	return s->h.created;
}

uint64_t snap_serial(const struct snap *s)
{
	return s->h.serial;
}

uint64_t snap_bytes(const struct snap *s)
{
	return s->size;
}

uint32_t snap_keys(const struct snap *s)
{
	return s->h.nkeys;
}
