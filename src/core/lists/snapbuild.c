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
 * the arena (the key bytes) and the table (8 bytes per slot) -- about 60 bytes per entry.
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

#include "core/base/fsutil.h"
#include "core/base/hash.h"
#include "core/net/ip.h"
#include "core/lists/allowlist.h"
#include "core/lists/snapfmt.h"
#include "core/store/store_lists.h"
#include "core/base/timefmt.h"

struct item {
	uint64_t hash;
	uint64_t key;  /* offset of the key in the arena: u16 len, u8 type, bytes */
	uint16_t list; /* snapshot list index */
	uint8_t flags;
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

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 4096;
	void *q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	q = realloc(*p, n * elem);
	if (!q)
		return ISR_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

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
		   uint16_t list, uint8_t flags)
{
	struct item *it;

	if (len > 0xffff)
		return isp_err_set(b->err, ISR_ELIMIT, "key longer than 65535 bytes");
	if (grow((void **)&b->arena, &b->caparena, b->narena + len + 3, 1) ||
	    grow((void **)&b->items, &b->capitems, b->nitems + 1, sizeof(*b->items)))
		return isp_err_set(b->err, ISR_ENOMEM, "out of memory compiling %zu keys",
				   b->nitems);
	it = &b->items[b->nitems++];
	it->hash = hash_key(type, key, len);
	it->key = b->narena;
	it->list = list;
	it->flags = flags;
	b->arena[b->narena] = (unsigned char)(len & 0xff);
	b->arena[b->narena + 1] = (unsigned char)(len >> 8);
	b->arena[b->narena + 2] = type;
	memcpy(b->arena + b->narena + 3, key, len);
	b->narena += len + 3;
	return 0;
}

static int on_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct builder *b = ud;
	const char *v = e->value;
	int allow = e->action == LIST_ALLOW;
	struct ip_prefix p;
	uint16_t li = 0;
	int rc;

	rc = list_index(b, l, &li);
	if (rc)
		return rc;
	b->entries++;
	switch (l->kind) {
	case LIST_DOMAIN:
		if (v[0] == '*' && v[1] == '.')
			return add_key(b, SNAP_KEY_DOMAIN, v + 2, strlen(v + 2), li,
				       allow ? SNAP_WILD_ALLOW : SNAP_WILD_BLOCK);
		return add_key(b, SNAP_KEY_DOMAIN, v, strlen(v), li,
			       allow ? SNAP_EXACT_ALLOW : SNAP_EXACT_BLOCK);
	case LIST_URL:
		return add_key(b, SNAP_KEY_URL, v, strlen(v), li,
			       allow ? SNAP_EXACT_ALLOW : SNAP_EXACT_BLOCK);
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
			       allow ? SNAP_EXACT_ALLOW : SNAP_EXACT_BLOCK);
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
	if (grow((void **)&b->items, &b->capitems, b->nitems + 1, sizeof(*b->items)))
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
	return (int)a->list - (int)b->list;
}

static int same_key(const struct builder *b, const struct item *x, const struct item *y)
{
	const unsigned char *kx = b->arena + x->key, *ky = b->arena + y->key;

	return x->hash == y->hash && key_size(kx) == key_size(ky) &&
	       memcmp(kx + 2, ky + 2, key_size(kx) + 1) == 0;
}

/* Buffered writer that checksums what it writes. */
struct out {
	int fd;
	unsigned char buf[1 << 16];
	size_t n;
	uint64_t written;
	int failed;
};

static void out_flush(struct out *o)
{
	size_t off = 0;

	while (!o->failed && off < o->n) {
		ssize_t w = write(o->fd, o->buf + off, o->n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			o->failed = errno ? errno : EIO;
		else
			off += (size_t)w;
	}
	o->n = 0;
}

static void out_put(struct out *o, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len > 0) {
		size_t k = sizeof(o->buf) - o->n;

		if (k > len)
			k = len;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		len -= k;
		o->written += k;
		if (o->n == sizeof(o->buf))
			out_flush(o);
	}
}

/* Number of hits (distinct lists) of the run items[i..j). Items are sorted by list within
 * a key, so equal lists are adjacent. */
static size_t run_hits(const struct item *it, size_t i, size_t j)
{
	size_t n = 0, k;

	for (k = i; k < j; k++)
		if (k == i || it[k].list != it[k - 1].list)
			n++;
	return n;
}

static int write_snapshot(struct builder *b, const char *tmp, struct snap_build_stats *bs)
{
	struct snap_header h;
	struct out *o = NULL;
	uint64_t *table = NULL, nslots, pool_size = 0, off;
	size_t i, j, nkeys = 0;
	struct timespec ts;
	int rc = 0;

	/* Pass: count keys and the pool size. */
	for (i = 0; i < b->nitems; i = j) {
		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		pool_size += SNAP_REC_HEAD + key_size(b->arena + b->items[i].key) + 1 +
			     SNAP_HIT_SIZE * run_hits(b->items, i, j);
		nkeys++;
	}
	if (pool_size >= 0xfffffff0ULL || nkeys >= 0xfffffff0ULL)
		return isp_err_set(b->err, ISR_ELIMIT, "snapshot over 4 GiB of records");
	nslots = nkeys + nkeys / 4 + 16;
	table = calloc(nslots, sizeof(*table));
	if (!table)
		return isp_err_set(b->err, ISR_ENOMEM, "out of memory for %llu slots",
				   (unsigned long long)nslots);
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
		off += SNAP_REC_HEAD + key_size(b->arena + b->items[i].key) + 1 +
		       SNAP_HIT_SIZE * run_hits(b->items, i, j);
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
		size_t hits, recsz, k;

		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		hits = run_hits(b->items, i, j);
		recsz = SNAP_REC_HEAD + key_size(b->arena + b->items[i].key) + 1 +
			SNAP_HIT_SIZE * hits + (size_t)(8 * nslots / (nkeys ? nkeys : 1));
		for (k = i; k < j; k++) {
			if (k > i && b->items[k].list == b->items[k - 1].list)
				continue;
			b->lists[b->items[k].list].keys++;
			b->lists[b->items[k].list].bytes += recsz / hits;
		}
	}

	o = calloc(1, sizeof(*o));
	if (!o) {
		rc = isp_err_set(b->err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	o->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		rc = isp_err_set(b->err, ISR_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* Header placeholder; the checksum is patched in after the body is written. */
	out_put(o, &h, sizeof(h));
	out_put(o, b->lists, (size_t)b->nlists * sizeof(struct snap_list_rec));
	out_put(o, table, nslots * sizeof(uint64_t));
	for (i = 0; i < b->nitems; i = j) {
		const unsigned char *k = b->arena + b->items[i].key;
		unsigned char hit[SNAP_HIT_SIZE], nh;
		size_t m;

		for (j = i + 1; j < b->nitems && same_key(b, &b->items[i], &b->items[j]); j++)
			;
		out_put(o, k, SNAP_REC_HEAD + key_size(k));
		nh = (unsigned char)(run_hits(b->items, i, j) > 255 ? 255
								    : run_hits(b->items, i, j));
		out_put(o, &nh, 1);
		for (m = i; m < j; m++) {
			uint8_t flags = b->items[m].flags;

			/* merge the flags of every item of this list */
			while (m + 1 < j && b->items[m + 1].list == b->items[m].list)
				flags |= b->items[++m].flags;
			hit[0] = (unsigned char)(b->items[m].list & 0xff);
			hit[1] = (unsigned char)(b->items[m].list >> 8);
			hit[2] = flags;
			if (nh-- > 0)
				out_put(o, hit, sizeof(hit));
		}
	}
	out_flush(o);
	if (o->failed) {
		rc = isp_err_set(b->err, ISR_EIO, "%s: write: %s", tmp, strerror(o->failed));
		goto out;
	}
	rc = 0;
	bs->keys = (long)nkeys;
	bs->merged = (long)(b->nitems - nkeys) - b->marked;
	bs->bytes = h.file_size;
	bs->lists = b->nlists;
	/* Checksum: map the file just written (its pages are still in the page cache), so
	 * no second copy of the body is held in memory. */
	{
		void *m = mmap(NULL, h.file_size, PROT_READ, MAP_SHARED, o->fd, 0);

		if (m == MAP_FAILED) {
			rc = isp_err_set(b->err, ISR_EIO, "%s: mmap: %s", tmp, strerror(errno));
			goto out;
		}
		h.checksum = hash_checksum((const char *)m + sizeof(h), h.file_size - sizeof(h));
		munmap(m, h.file_size);
	}
	if (pwrite(o->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || fsync(o->fd) != 0)
		rc = isp_err_set(b->err, ISR_EIO, "%s: %s", tmp, strerror(errno));
out:
	if (o && o->fd > 0 && close(o->fd) != 0 && !rc)
		rc = isp_err_set(b->err, ISR_EIO, "%s: close: %s", tmp, strerror(errno));
	free(o);
	free(table);
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
	rc = write_snapshot(b, tmp, bs);
	if (rc) {
		unlink(tmp);
		goto out;
	}
	rc = fs_replace(tmp, path, err);
	if (rc)
		goto out;
	bs->seconds = time_mono_s() - t0;
out:
	free(b->items);
	free(b->arena);
	free(b);
	return rc;
}
