/*
 * rebuild.c -- the zones brought up to a new snapshot (see rpz_int.h): the first time
 * each zone is built whole; after that only its difference is made, and the new zone is
 * the old one with the difference applied.
 *
 * A difference (rpz_zone_delta) takes one walk of the snapshot that keeps none of the
 * records it makes but the new ones: each record's 64-bit hash is looked up among the
 * old zone's (8 bytes a record, in the zone order already, found through an index of
 * their top 16 bits); a record found marks the old one seen, one not found is copied
 * into the difference. The old records not seen are the ones gone. Records with equal
 * hashes are taken to be equal: the hash is keyed (rpz_rec_hash), so a list cannot be
 * made to collide, and a new record of a million-record zone meets an old one's hash by
 * chance about once in 10^13 records added (it would then not be served until it changes).
 *
 * Then the snapshot is closed, and the new zone is assembled (rpz_zone_apply) by one merge
 * of the old zone and the difference, written in the zone order (so that a transfer and
 * the next difference read the arena front to back). At no time are the snapshot and
 * two zones in memory at once: the peak is the old zone, the snapshot and the hashes,
 * or then the two zones and the hashes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "core/base/timefmt.h"
#include "rpz/rpz_int.h"

/* ---- the walk: each record looked up among the old zone's ---- */

struct owalk {
	const uint64_t *o; /* the old zone's hashes, in its order (ascending) */
	size_t n;
	uint32_t *idx;	    /* [65537]: the first of o whose top 16 bits are >= i */
	uint8_t *seen;	    /* a bit for each of o: the new zone has it */
	struct rpz_diff *d; /* the records new, appended to its arena */
	size_t cap;	    /* of d->arena */
	uint32_t *add;	    /* their offsets */
	size_t nadd, acap;
};

static int on_rec(void *ud, const uint8_t *r)
{
	struct owalk *w = ud;
	uint64_t h = rpz_rec_hash(r);
	size_t i = w->idx[h >> 48], end = w->idx[(h >> 48) + 1], sz;
	struct rpz_diff *d = w->d;
	int found = 0;

	for (; i < end && w->o[i] <= h; i++)
		if (w->o[i] == h) {
			w->seen[i >> 3] |= (uint8_t)(1u << (i & 7));
			found = 1;
		}
	if (found)
		return 0;
	sz = rpz_rec_size(r);
	if (d->arena_len + sz > UINT32_MAX ||
	    mem_grow_from((void **)&d->arena, &w->cap, d->arena_len + sz, 1, 1 << 12) ||
	    mem_grow_from((void **)&w->add, &w->acap, w->nadd + 1, sizeof(*w->add), 256))
		return -1;
	memcpy(d->arena + d->arena_len, r, sz);
	w->add[w->nadd++] = (uint32_t)d->arena_len;
	d->arena_len += sz;
	return 0;
}

int rpz_zone_delta(const struct snap *s, const struct rpz_zstate *zs, const struct rpz_policy *pol,
		   struct rpz_diff **out, uint64_t **ohash, struct isp_err *err)
{
	const struct rpz_zone *old = zs->cur;
	struct owalk w = { 0 };
	struct rpz_diff *d = calloc(1, sizeof(*d));
	uint64_t *v = NULL;
	size_t i, b, dcap = 0;
	int rc;

	*out = NULL;
	*ohash = NULL;
	w.n = old->n;
	w.o = *ohash = malloc((old->n ? old->n : 1) * sizeof(uint64_t));
	w.idx = malloc(65537 * sizeof(*w.idx));
	w.seen = calloc(old->n / 8 + 1, 1);
	if (!d || !*ohash || !w.idx || !w.seen)
		goto oom;
	d->refs = 1;
	d->from = old->serial;
	for (i = 0; i < old->n; i++)
		(*ohash)[i] = rpz_rec_hash(old->arena + old->recs[i]);
	for (i = 0, b = 0; b <= 65536; b++) {
		while (i < old->n && (*ohash)[i] >> 48 < b)
			i++;
		w.idx[b] = (uint32_t)i;
	}
	w.d = d;
	rc = rpz_zone_walk(s, zs->name, zs->lists, zs->nlists, pol, on_rec, &w, err);
	if (rc)
		goto fail;
	/* the new records in the zone order, each once (a zone may make one twice) */
	v = malloc((w.nadd ? w.nadd : 1) * sizeof(*v));
	if (!v)
		goto oom;
	w.nadd = rpz_recs_order(d->arena, w.add, w.nadd, v);
	free(v);
	d->add = w.add;
	d->nadd = w.nadd;
	w.add = NULL;
	/* the old records not seen: gone */
	for (i = 0; i < old->n; i++) {
		const uint8_t *r = old->arena + old->recs[i];
		size_t sz = rpz_rec_size(r);

		if (w.seen[i >> 3] & (1u << (i & 7)))
			continue;
		if (d->arena_len + sz > UINT32_MAX ||
		    mem_grow_from((void **)&d->arena, &w.cap, d->arena_len + sz, 1, 1 << 12) ||
		    mem_grow_from((void **)&d->del, &dcap, d->ndel + 1, sizeof(*d->del), 256))
			goto oom;
		memcpy(d->arena + d->arena_len, r, sz);
		d->del[d->ndel++] = (uint32_t)d->arena_len;
		d->arena_len += sz;
	}
	free(w.idx);
	free(w.seen);
	*out = d;
	return 0;
oom:
	rc = isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory", zs->name);
fail:
	free(w.idx);
	free(w.seen);
	free(w.add);
	free(*ohash);
	*ohash = NULL;
	rpz_diff_unref(d);
	return rc;
}

int rpz_zone_apply(const struct rpz_zone *old, const uint64_t *ohash, const struct rpz_diff *d,
		   uint32_t ttl, struct rpz_zone **out)
{
	struct rpz_zone *z = calloc(1, sizeof(*z));
	size_t i = 0, k = 0, j = 0, bytes = old->arena_len, sz;
	uint64_t ha = 0, hb = 0;
	size_t hi = (size_t)-1, hj = (size_t)-1; /* whose hashes ha, hb are */

	*out = NULL;
	if (!z)
		return ISR_ENOMEM;
	for (k = 0; k < d->ndel; k++)
		bytes -= rpz_rec_size(d->arena + d->del[k]);
	for (k = 0; k < d->nadd; k++)
		bytes += rpz_rec_size(d->arena + d->add[k]);
	memcpy(z->name, old->name, sizeof(z->name));
	memcpy(z->origin, old->origin, sizeof(z->origin));
	z->origin_len = old->origin_len;
	z->ttl = ttl;
	z->refs = 1;
	z->toolong = old->toolong;
	z->arena = malloc(bytes ? bytes : 1);
	z->recs = malloc((old->n - d->ndel + d->nadd + 1) * sizeof(*z->recs));
	if (!z->arena || !z->recs) {
		rpz_zone_unref(z);
		return ISR_ENOMEM;
	}
	/* old's records less those deleted (a subsequence of old, in its order), merged
	 * with those added (in the zone order, none with the hash of one of old's) */
	for (k = 0; i < old->n || j < d->nadd;) {
		const uint8_t *ra = i < old->n ? old->arena + old->recs[i] : NULL;
		const uint8_t *rb = j < d->nadd ? d->arena + d->add[j] : NULL, *r;

		if (ra && k < d->ndel) {
			const uint8_t *rd = d->arena + d->del[k];

			sz = rpz_rec_size(ra);
			if (sz == rpz_rec_size(rd) && memcmp(ra, rd, sz) == 0) {
				i++, k++;
				continue;
			}
		}
		if (ra && hi != i)
			ha = ohash ? ohash[i] : rpz_rec_hash(ra), hi = i;
		if (rb && hj != j)
			hb = rpz_rec_hash(rb), hj = j;
		if (ra && (!rb || ha < hb))
			r = ra, i++;
		else
			r = rb, j++;
		sz = rpz_rec_size(r);
		memcpy(z->arena + z->arena_len, r, sz);
		z->recs[z->n++] = (uint32_t)z->arena_len;
		z->arena_len += sz;
	}
	*out = z;
	return 0;
}

int rpz_ctx_load(struct rpz_ctx *c, struct snap *s, uint32_t created, uint32_t ttl,
		 size_t journal_max, int *changed, struct isp_err *err)
{
	struct rpz_zone *fresh[RPZ_MAX_ZONES] = { 0 };
	struct rpz_diff *dd[RPZ_MAX_ZONES] = { 0 };
	uint64_t *oh[RPZ_MAX_ZONES] = { 0 }; /* the old zones' hashes */
	int64_t t0 = time_mono_ms(), t1;
	int i, rc = 0;

	/* with the snapshot: the new zones built, the others' differences made */
	for (i = 0; i < c->nzones && rc == 0; i++) {
		struct rpz_zstate *zs = &c->zones[i];

		changed[i] = 0;
		zs->journal.max = journal_max;
		if (!zs->cur)
			rc = rpz_zone_build(s, zs->name, zs->lists, zs->nlists, ttl, &c->policy,
					    &fresh[i], err);
		else
			rc = rpz_zone_delta(s, zs, &c->policy, &dd[i], &oh[i], err);
	}
	snap_close(s);
	t1 = time_mono_ms();
	/* without it: the new zones sorted, the others assembled */
	for (i = 0; i < c->nzones; i++) {
		struct rpz_zstate *zs = &c->zones[i];
		struct rpz_diff *d = dd[i];
		struct rpz_zone *nz = fresh[i];

		zs->walk_ms = t1 - t0;
		if (rc == 0 && nz && rpz_zone_order(nz) != 0)
			rc = isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory", zs->name);
		if (rc == 0 && nz) {
			nz->serial = created;
			zs->cur = nz;
			changed[i] = 1;
			nz = NULL;
		} else if (rc == 0 && d && zs->cur && (d->ndel + d->nadd || ttl != zs->cur->ttl)) {
			if (rpz_zone_apply(zs->cur, oh[i], d, ttl, &nz) != 0) {
				rc = isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory",
						 zs->name);
			} else {
				nz->serial = (int32_t)(created - zs->cur->serial) > 0
						     ? created
						     : zs->cur->serial + 1;
				d->to = nz->serial;
				rpz_journal_add(&zs->journal, d);
				d = NULL;
				rpz_zone_unref(zs->cur);
				zs->cur = nz;
				nz = NULL;
				changed[i] = 1;
			}
		}
		zs->build_ms = time_mono_ms() - t1;
		free(oh[i]);
		rpz_diff_unref(d);
		rpz_zone_unref(nz);
	}
	return rc;
}

void rpz_ctx_free(struct rpz_ctx *c)
{
	int i;

	for (i = 0; i < c->nzones; i++) {
		rpz_zone_unref(c->zones[i].cur);
		rpz_journal_free(&c->zones[i].journal);
	}
	rpz_members_free(c);
	sodium_memzero(c->keys, sizeof(c->keys));
}
