/*
 * snapbuild.c -- compiling the store's entries into a snapshot file (see snapshot.h).
 *
 * Three passes over memory, one over the store:
 *   1. read every live entry from the store; turn each into a key (type + bytes) kept in
 *      one arena, and an item {hash, key offset, list, flags};
 *   2. sort the items by (hash, key, list) so that equal keys are adjacent: merging
 *      duplicates across sources and lists is then one linear pass;
 *   3. lay out the records (their offsets are known from sizes alone), fill the slot
 *      table, and stream table and records to the file while checksumming them.
 * Records are never held in memory as a whole: peak memory is the items (24 bytes each),
 * the arena (the key bytes, and the wire form of local data) and the table (8 bytes per
 * slot) -- about 60 bytes per entry.
 *
 * Several entries of one list for one key (other sources, or "name" and "*.name") merge
 * into one hit: their flags are or'ed, and for each of the exact and the wildcard entry
 * the strongest action wins: allow (passthru) > local > tcp-only > drop > nodata >
 * nxdomain > block; of two local data, the one that sorts first (bytewise) -- an
 * arbitrary but fixed choice, so that the same store always builds the same file.
 */
#include "core/lists/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "core/base/hash.h"
#include "core/net/ip.h"
#include "core/lists/allowlist.h"
#include "core/lists/rpzdata.h"
#include "core/lists/snapfmt.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"
#include "core/base/timefmt.h"

struct item {
	uint64_t hash;
	uint64_t key;  /* offset of the key in the arena: u16 len, u8 type, bytes */
	uint16_t list; /* snapshot list index */
	uint8_t flags;
	uint8_t action; /* enum list_action */
	uint32_t data;	/* LIST_LOCAL: arena offset + 1 of {u16 len, wire bytes}; else 0 */
};

/* One merged hit of a record (see the file comment). */
struct mhit {
	uint16_t list;
	uint8_t flags;
	uint8_t act[2];	  /* [0] exact, [1] wildcard */
	uint8_t decided;  /* bit k: act[k] was set by the run's strongest item of kind k */
	uint32_t data[2]; /* item data of act[k] == LIST_LOCAL */
};

struct builder {
	struct item *items;
	size_t nitems, capitems;
	unsigned char *arena;
	size_t narena, caparena;
	struct snap_list_rec lists[SNAP_MAX_LISTS];
	int64_t list_ids[SNAP_MAX_LISTS];
	uint32_t nlists;
	uint64_t v4_lens, v6_lens[3];
	struct isp_err *err;
	long entries;
	long marked; /* allow hits added to covered block entries (allow_apply) */
};

static int list_index(struct builder *b, const struct store_list *l, uint16_t *out)
{
	uint32_t i;

	/* Entries arrive grouped by list most of the time: check the last one first. */
	if (b->nlists && b->list_ids[b->nlists - 1] == l->id) {
		*out = (uint16_t)(b->nlists - 1);
		return 0;
	}
	for (i = 0; i < b->nlists; i++) {
		if (b->list_ids[i] == l->id) {
			*out = (uint16_t)i;
			return 0;
		}
	}
	if (b->nlists == SNAP_MAX_LISTS)
		return isp_err_set(b->err, ISR_ELIMIT, "more than %d lists", SNAP_MAX_LISTS);
	b->list_ids[i] = l->id;
	snprintf(b->lists[i].name, sizeof(b->lists[i].name), "%s", l->name);
	b->lists[i].kind = (uint32_t)l->kind;
	b->nlists++;
	*out = (uint16_t)i;
	return 0;
}

static int add_key(struct builder *b, unsigned char type, const void *key, size_t len,
		   uint16_t list, uint8_t flags, uint8_t action, const uint8_t *data, size_t dlen)
{
	struct item *it;
	size_t need = len + 3 + (data ? dlen + 2 : 0);

	if (len > 0xffff)
		return isp_err_set(b->err, ISR_ELIMIT, "key longer than 65535 bytes");
	if (b->narena + need >= 0xfffffff0ULL)
		return isp_err_set(b->err, ISR_ELIMIT, "snapshot over 4 GiB of keys");
	if (mem_grow((void **)&b->arena, &b->caparena, b->narena + need, 1) ||
	    mem_grow((void **)&b->items, &b->capitems, b->nitems + 1, sizeof(*b->items)))
		return isp_err_set(b->err, ISR_ENOMEM, "out of memory compiling %zu keys",
				   b->nitems);
	it = &b->items[b->nitems++];
	it->hash = hash_key(type, key, len);
	it->key = b->narena;
	it->list = list;
	it->flags = flags;
	it->action = action;
	it->data = 0;
	b->arena[b->narena] = (unsigned char)(len & 0xff);
	b->arena[b->narena + 1] = (unsigned char)(len >> 8);
	b->arena[b->narena + 2] = type;
	memcpy(b->arena + b->narena + 3, key, len);
	b->narena += len + 3;
	if (data) {
		it->data = (uint32_t)b->narena + 1;
		b->arena[b->narena] = (unsigned char)(dlen & 0xff);
		b->arena[b->narena + 1] = (unsigned char)(dlen >> 8);
		memcpy(b->arena + b->narena + 2, data, dlen);
		b->narena += dlen + 2;
	}
	return 0;
}

static int on_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct builder *b = ud;
	const char *v = e->value;
	int allow = e->action == LIST_ALLOW;
	uint8_t act = (unsigned)e->action <= LIST_ACTION_MAX ? (uint8_t)e->action : LIST_BLOCK;
	uint8_t wire[RPZDATA_WIRE_MAX];
	const uint8_t *data = NULL;
	size_t dlen = 0;
	struct ip_prefix p;
	uint16_t li = 0;
	int rc, n;

	rc = list_index(b, l, &li);
	if (rc)
		return rc;
	b->entries++;
	if (act == LIST_LOCAL) {
		/* the importer checked it; a hand-edited store's bad data still blocks */
		n = e->data ? rpzdata_encode(e->data, strlen(e->data), wire, sizeof(wire), NULL, 0)
			    : -1;
		if (n > 0) {
			data = wire;
			dlen = (size_t)n;
		} else {
			act = LIST_BLOCK;
		}
	}
	switch (l->kind) {
	case LIST_DOMAIN:
		if (v[0] == '*' && v[1] == '.')
			return add_key(b, SNAP_KEY_DOMAIN, v + 2, strlen(v + 2), li,
				       allow ? SNAP_WILD_ALLOW : SNAP_WILD_BLOCK, act, data, dlen);
		return add_key(b, SNAP_KEY_DOMAIN, v, strlen(v), li,
			       allow ? SNAP_EXACT_ALLOW : SNAP_EXACT_BLOCK, act, data, dlen);
	case LIST_URL:
		return add_key(b, SNAP_KEY_URL, v, strlen(v), li,
			       allow ? SNAP_EXACT_ALLOW : SNAP_EXACT_BLOCK, act, data, dlen);
	case LIST_IP: {
		unsigned char k[17];
		size_t alen;

		if (ip_parse_prefix(v, strlen(v), &p, NULL, NULL) != 0)
			return 0; /* the importer validated it; a hand-edited store is skipped */
		alen = p.family == 4 ? 4 : 16;
		k[0] = p.len;
		memcpy(k + 1, p.addr, alen);
		if (p.family == 4)
			b->v4_lens |= 1ULL << p.len;
		else
			b->v6_lens[p.len / 64] |= 1ULL << (p.len % 64);
		return add_key(b, p.family == 4 ? SNAP_KEY_IP4 : SNAP_KEY_IP6, k, alen + 1, li,
			       allow ? SNAP_EXACT_ALLOW : SNAP_EXACT_BLOCK, act, data, dlen);
	}
	case LIST_KIND_NONE: break;
	}
	return 0;
}

/* ---- the allowlist (allowlist.h): applied here, at compile, for every list ---- */

/* Mark item i, a block entry, with an allow hit of list li when an allow covers it: an
 * item of the same key (no key bytes copied) whose flag is the allow twin of its own. */
static int allow_mark(struct builder *b, const struct allowset *set, size_t i, uint16_t li)
{
	struct item it = b->items[i];
	const unsigned char *k = b->arena + it.key;
	size_t len = (size_t)k[0] | (size_t)k[1] << 8;
	const struct allow_entry *a = NULL;
	struct ip_prefix p;

	if (it.list == li || !(it.flags & (SNAP_EXACT_BLOCK | SNAP_WILD_BLOCK)))
		return 0;
	switch (k[2]) {
	case SNAP_KEY_DOMAIN:
		a = allowset_domain(set, (const char *)k + 3, len, it.flags == SNAP_WILD_BLOCK);
		break;
	case SNAP_KEY_IP4:
	case SNAP_KEY_IP6:
		memset(&p, 0, sizeof(p));
		p.family = k[2] == SNAP_KEY_IP4 ? 4 : 6;
		p.len = k[3];
		memcpy(p.addr, k + 4, len - 1);
		a = allowset_ip(set, &p);
		break;
	default: break; /* a URL: an allow of it is the same record */
	}
	if (!a)
		return 0;
	if (mem_grow((void **)&b->items, &b->capitems, b->nitems + 1, sizeof(*b->items)))
		return isp_err_set(b->err, ISR_ENOMEM, "out of memory compiling %zu keys",
				   b->nitems);
	it.list = li;
	it.flags = it.flags == SNAP_WILD_BLOCK ? SNAP_WILD_ALLOW : SNAP_EXACT_ALLOW;
	b->items[b->nitems++] = it;
	b->marked++;
	return 0;
}

/*
 * Apply the allowlist rows active at now: one more list, SNAP_ALLOWLIST (kind none, no
 * store id), holding every row as an allow entry, and an allow hit of it on every block
 * entry a row covers. Runs after the store's entries are read, before sorting.
 */
static int allow_apply(struct builder *b, struct store *st, int64_t now)
{
	struct allowset *set = NULL;
	struct store_list l;
	size_t i, nblock = b->nitems;
	uint16_t li = 0;
	int rc;

	rc = allowset_load(st, now, &set, b->err);
	if (rc || allowset_count(set) == 0)
		goto out;
	memset(&l, 0, sizeof(l));
	l.id = -1; /* store ids are positive */
	snprintf(l.name, sizeof(l.name), "%s", SNAP_ALLOWLIST);
	rc = list_index(b, &l, &li); /* kind LIST_KIND_NONE: it holds every kind */
	for (i = 0; rc == 0 && i < allowset_count(set); i++) {
		const struct allow_entry *a = allowset_at(set, i);
		struct store_entry e;

		if (a->kind == LIST_KIND_NONE)
			continue;
		memset(&e, 0, sizeof(e));
		e.value = a->value;
		e.action = LIST_ALLOW;
		l.kind = a->kind;
		rc = on_entry(b, &l, &e);
	}
	for (i = 0; rc == 0 && i < nblock; i++)
		rc = allow_mark(b, set, i, li);
out:
	allowset_free(set);
	return rc;
}

static const unsigned char *g_arena; /* qsort has no context argument */

static size_t key_size(const unsigned char *k)
{
	return (size_t)k[0] | (size_t)k[1] << 8;
}

/* How strong an action is when entries merge (see the file comment). */
static int rank(unsigned a)
{
	return a == LIST_ALLOW ? 100 : (int)a;
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	const unsigned char *ka, *kb;
	size_t la, lb;
	int c;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	ka = g_arena + a->key;
	kb = g_arena + b->key;
	la = key_size(ka);
	lb = key_size(kb);
	if (la != lb)
		return la < lb ? -1 : 1;
	c = memcmp(ka + 2, kb + 2, la + 1);
	if (c)
		return c;
	if (a->list != b->list)
		return (int)a->list - (int)b->list;
	if (a->action != b->action)
		return rank(b->action) - rank(a->action); /* strongest first */
	if (a->data && b->data) {
		ka = g_arena + a->data - 1;
		kb = g_arena + b->data - 1;
		la = key_size(ka);
		lb = key_size(kb);
		c = memcmp(ka + 2, kb + 2, la < lb ? la : lb);
		if (c)
			return c;
		return la < lb ? -1 : la > lb;
	}
	return 0;
}

static int same_key(const struct builder *b, const struct item *x, const struct item *y)
{
	const unsigned char *kx = b->arena + x->key, *ky = b->arena + y->key;

	return x->hash == y->hash && key_size(kx) == key_size(ky) &&
	       memcmp(kx + 2, ky + 2, key_size(kx) + 1) == 0;
}

/*
 * Merge the run items[i..j) (one key, sorted by list, strongest action first) into at
 * most SNAP_MAX_RECORD_HITS hits in h. Returns the number of hits; *size is the size of
 * the record (head, key, hit count, hits and local data).
 */
#define SNAP_MAX_RECORD_HITS 255
static size_t merge_run(const struct builder *b, size_t i, size_t j, struct mhit *h, size_t *size)
{
	size_t n = 0, k, sz;
	int w;

	sz = SNAP_REC_HEAD + key_size(b->arena + b->items[i].key) + 1;
	for (k = i; k < j; k++) {
		const struct item *it = &b->items[k];

		if (k == i || it->list != b->items[k - 1].list) {
			if (n == SNAP_MAX_RECORD_HITS)
				break;
			memset(&h[n], 0, sizeof(h[n]));
			h[n].list = it->list;
			n++;
		}
		h[n - 1].flags |= it->flags;
		w = (it->flags & (SNAP_WILD_BLOCK | SNAP_WILD_ALLOW)) != 0;
		/* strongest first: the first item of a kind (exact / wildcard) decides */
		if (!(h[n - 1].decided & (1u << w))) {
			h[n - 1].act[w] = it->action;
			h[n - 1].data[w] = it->data;
			h[n - 1].decided |= (uint8_t)(1u << w);
		}
	}
	for (k = 0; k < n; k++) {
		sz += SNAP_HIT_SIZE;
		for (w = 0; w < 2; w++) {
			if (h[k].act[w] == LIST_LOCAL && h[k].data[w])
				sz += 2 + key_size(b->arena + h[k].data[w] - 1);
			else if (h[k].act[w] == LIST_LOCAL)
				h[k].act[w] = LIST_BLOCK;
		}
	}
	*size = sz;
	return n;
}

static int write_snapshot(struct builder *b, const char *tmp, struct snap_build_stats *bs)
{
	struct snap_header h;
	struct binw o = { .fd = -1, .cap = 1 << 16 };
	uint64_t *table = NULL, nslots, pool_size = 0, off;
	size_t i, j, nkeys = 0, recsz, nh;
	struct mhit *mh;
	struct timespec ts;
	int rc = 0;

	mh = calloc(SNAP_MAX_RECORD_HITS, sizeof(*mh));
	if (!mh)
		return isp_err_set(b->err, ISR_ENOMEM, "out of memory");

	/* Pass: count keys and the pool size. */
	for (i = 0; i < b->nitems; i = j) {
		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		merge_run(b, i, j, mh, &recsz);
		pool_size += recsz;
		nkeys++;
	}
	if (pool_size >= 0xfffffff0ULL || nkeys >= 0xfffffff0ULL) {
		rc = isp_err_set(b->err, ISR_ELIMIT, "snapshot over 4 GiB of records");
		goto out;
	}
	nslots = nkeys + nkeys / 4 + 16;
	table = calloc(nslots, sizeof(*table));
	if (!table) {
		rc = isp_err_set(b->err, ISR_ENOMEM, "out of memory for %llu slots",
				 (unsigned long long)nslots);
		goto out;
	}
	/* Pass: fill the table with each key's record offset. */
	off = 0;
	for (i = 0; i < b->nitems; i = j) {
		uint64_t s;

		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		s = snap_slot_index(b->items[i].hash, nslots);
		while (table[s])
			s = s + 1 == nslots ? 0 : s + 1;
		table[s] = SNAP_SLOT(b->items[i].hash, off);
		merge_run(b, i, j, mh, &recsz);
		off += recsz;
	}

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SNAP_MAGIC, 8);
	h.version = SNAP_VERSION;
	h.header_size = sizeof(h);
	h.lists_off = sizeof(h);
	h.table_off = h.lists_off + (uint64_t)b->nlists * sizeof(struct snap_list_rec);
	h.nslots = nslots;
	h.pool_off = h.table_off + nslots * sizeof(uint64_t);
	h.pool_size = pool_size;
	h.file_size = h.pool_off + pool_size;
	h.nlists = b->nlists;
	h.nkeys = (uint32_t)nkeys;
	clock_gettime(CLOCK_REALTIME, &ts);
	h.created = (uint64_t)ts.tv_sec;
	h.serial = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	h.v4_lens = b->v4_lens;
	memcpy(h.v6_lens, b->v6_lens, sizeof(h.v6_lens));

	/* Per-list key counts and byte shares (a shared record is split evenly). */
	for (i = 0; i < b->nitems; i = j) {
		size_t k;

		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		nh = merge_run(b, i, j, mh, &recsz);
		recsz += (size_t)(8 * nslots / (nkeys ? nkeys : 1));
		for (k = 0; k < nh; k++) {
			b->lists[mh[k].list].keys++;
			b->lists[mh[k].list].bytes += recsz / nh;
		}
	}

	o.buf = malloc(o.cap);
	if (!o.buf) {
		rc = isp_err_set(b->err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	o.fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o.fd < 0) {
		rc = isp_err_set(b->err, ISR_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* Header placeholder; the checksum is patched in after the body is written. */
	binw_put(&o, &h, sizeof(h));
	binw_put(&o, b->lists, (size_t)b->nlists * sizeof(struct snap_list_rec));
	binw_put(&o, table, nslots * sizeof(uint64_t));
	for (i = 0; i < b->nitems; i = j) {
		const unsigned char *k = b->arena + b->items[i].key;
		unsigned char hit[SNAP_HIT_SIZE], nb;
		size_t m;
		int w;

		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		nh = merge_run(b, i, j, mh, &recsz);
		binw_put(&o, k, SNAP_REC_HEAD + key_size(k));
		nb = (unsigned char)nh;
		binw_put(&o, &nb, 1);
		for (m = 0; m < nh; m++) {
			hit[0] = (unsigned char)(mh[m].list & 0xff);
			hit[1] = (unsigned char)(mh[m].list >> 8);
			hit[2] = mh[m].flags;
			hit[3] = (unsigned char)(mh[m].act[0] | mh[m].act[1] << 4);
			binw_put(&o, hit, sizeof(hit));
		}
		/* local data after the hits, in hit order, exact before wildcard */
		for (m = 0; m < nh; m++)
			for (w = 0; w < 2; w++)
				if (mh[m].act[w] == LIST_LOCAL) {
					const unsigned char *d = b->arena + mh[m].data[w] - 1;

					binw_put(&o, d, 2 + key_size(d));
				}
	}
	binw_flush(&o);
	if (o.failed) {
		rc = isp_err_set(b->err, ISR_EIO, "%s: write: %s", tmp, strerror(o.failed));
		goto out;
	}
	bs->keys = (long)nkeys;
	bs->merged = (long)(b->nitems - nkeys) - b->marked;
	bs->bytes = h.file_size;
	bs->lists = b->nlists;
	/* Checksum: map the file just written (its pages are still in the page cache), so
	 * no second copy of the body is held in memory. */
	{
		void *m = mmap(NULL, h.file_size, PROT_READ, MAP_SHARED, o.fd, 0);

		if (m == MAP_FAILED) {
			rc = isp_err_set(b->err, ISR_EIO, "%s: mmap: %s", tmp, strerror(errno));
			goto out;
		}
		h.checksum = hash_checksum((const char *)m + sizeof(h), h.file_size - sizeof(h));
		munmap(m, h.file_size);
	}
	rc = binw_header_sync(o.fd, &h, sizeof(h), tmp, b->err);
out:
	if (o.fd >= 0 && close(o.fd) != 0 && !rc)
		rc = isp_err_set(b->err, ISR_EIO, "%s: close: %s", tmp, strerror(errno));
	free(o.buf);
	free(table);
	free(mh);
	return rc;
}

int snap_build(struct store *st, const char *path, int64_t now, struct snap_build_stats *bs,
	       struct isp_err *err)
{
	struct builder *b;
	char tmp[4200];
	double t0 = time_mono_s();
	int rc;

	memset(bs, 0, sizeof(*bs));
	rc = fs_atomic_tmpname(path, tmp, sizeof(tmp), err);
	if (rc)
		return rc;
	/* its folder exists beside a SQLite store; not yet under core.state-dir */
	rc = fs_mkdir_parents(path, err);
	if (rc)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	b->err = err;
	rc = store_each_entry(st, NULL, now, 0, on_entry, b, err);
	if (rc == 0)
		rc = allow_apply(b, st, now);
	if (rc)
		goto out;
	g_arena = b->arena;
	if (b->nitems)
		qsort(b->items, b->nitems, sizeof(*b->items), item_cmp);
	bs->entries = b->entries;
	rc = fs_replace_written(write_snapshot(b, tmp, bs), tmp, path, err);
	if (rc)
		goto out;
	bs->seconds = time_mono_s() - t0;
out:
	free(b->items);
	free(b->arena);
	free(b);
	return rc;
}

int snap_build_commit(struct store *st, const char *path, int64_t now, struct snap_build_stats *bs,
		      struct isp_err *err)
{
	char fresh[4200];
	int rc = fs_atomic_tmpname(path, fresh, sizeof(fresh), err);

	if (rc == 0)
		rc = snap_build(st, fresh, now, bs, err);

	if (rc == 0) {
		rc = store_commit(st, err);
		if (rc)
			unlink(fresh);
	}
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return fs_replace(fresh, path, err);
}
