/*
 * rebuild.c -- the zones brought up to a new snapshot (see rpz_int.h): the first time
 * each zone is built whole; after that only its difference is made, and the new zone is
 * the old one with the difference applied.
 *
 * A difference (rpz_zone_delta) takes two walks of the snapshot, and neither keeps the
 * records it makes: the first keeps only each record's 64-bit hash (8 bytes a record,
 * sorted), which one merge walk with the old zone (sorted by the same hash) splits into
 * the records gone (copied from the old zone) and the hashes of the records new; the
 * second walk copies the records with those hashes. Records with equal hashes are taken
 * to be equal: the hash is keyed (rpz_rec_hash), so a list cannot be made to collide,
 * and two records of a million-record zone collide by chance about once in 10^7 rebuilds
 * (a record would then keep its old form until the next change).
 *
 * Then the snapshot is closed, and the new zone is assembled (rpz_zone_apply) by one merge
 * of the old zone and the difference, written in the zone order (so that a transfer and
 * the next difference read the arena front to back). At no time are the snapshot and
 * two zones in memory at once: the peak is the old zone, the snapshot and the hashes,
 * or then the two zones.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "rpz/rpz_int.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the first walk: every record's hash ---- */

struct hwalk {
	uint64_t *h;
	size_t n, cap;
};

static int on_hash(void *ud, const uint8_t *r)
{
	struct hwalk *w = ud;

	if (mem_grow_from((void **)&w->h, &w->cap, w->n + 1, sizeof(*w->h), 4096))
		return -1;
	w->h[w->n++] = rpz_rec_hash(r);
	return 0;
}

/* ---- the second walk: the records of the hashes a[0..na) (sorted, distinct) ---- */

struct pwalk {
	const uint64_t *a;
	size_t na, got;
	uint8_t *taken; /* a record already copied (a zone may make one twice) */
	struct rpz_diff *d;
	size_t cap;	      /* of d->arena */
	uint8_t filter[8192]; /* a bit for each top 16 bits of a hash in a */
};

static int on_pick(void *ud, const uint8_t *r)
{
	struct pwalk *w = ud;
	uint64_t h = rpz_rec_hash(r);
	unsigned top = (unsigned)(h >> 48);
	size_t lo = 0, hi = w->na, mid, sz;
	struct rpz_diff *d = w->d;

	if (!(w->filter[top >> 3] & 1u << (top & 7)))
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->a[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == w->na || w->a[lo] != h || w->taken[lo])
		return 0;
	sz = rpz_rec_size(r);
	if (d->arena_len + sz > UINT32_MAX ||
	    mem_grow_from((void **)&d->arena, &w->cap, d->arena_len + sz, 1, 1 << 12))
		return -1;
	memcpy(d->arena + d->arena_len, r, sz);
	d->add[lo] = (uint32_t)d->arena_len; /* in the zone order: a's */
	d->arena_len += sz;
	w->taken[lo] = 1;
	w->got++;
	return 0;
}

/* Split old's records by the sorted, distinct hashes h[0..n): the offsets of old's records
 * whose hash is not there into *del (*ndel, their bytes into *bytes), and the hashes not
 * in old moved to the front of h (their count returned). */
static size_t split(const struct rpz_zone *old, uint64_t *h, size_t n, uint32_t **del, size_t *ndel,
		    size_t *bytes, int *oom)
{
	size_t i = 0, j = 0, na = 0, cap = 0;
	uint64_t ho = 0;

	*ndel = *bytes = 0;
	while (i < old->n || j < n) {
		const uint8_t *r = i < old->n ? old->arena + old->recs[i] : NULL;

		if (r)
			ho = rpz_rec_hash(r);
		if (r && (j == n || ho < h[j])) { /* gone */
			if (mem_grow_from((void **)del, &cap, *ndel + 1, sizeof(**del), 256)) {
				*oom = 1;
				return 0;
			}
			(*del)[(*ndel)++] = old->recs[i++];
			*bytes += rpz_rec_size(r);
		} else if (!r || h[j] < ho) { /* new */
			h[na++] = h[j++];
		} else { /* kept (every record of old with this hash) */
			while (++i < old->n && rpz_rec_hash(old->arena + old->recs[i]) == h[j])
				;
			j++;
		}
	}
	return na;
}

int rpz_zone_delta(const struct snap *s, const struct rpz_zstate *zs, const struct rpz_policy *pol,
		   struct rpz_diff **out, struct isp_err *err)
{
	const struct rpz_zone *old = zs->cur;
	struct hwalk hw = { 0 };
	struct pwalk *pw = NULL;
	struct rpz_diff *d;
	uint32_t *del = NULL;
	size_t i, m, na, ndel = 0, bytes = 0;
	int rc, oom = 0;

	*out = NULL;
	hw.cap = old->n + old->n / 16 + 1024; /* the old zone's size and a little more */
	hw.h = malloc(hw.cap * sizeof(*hw.h));
	if (!hw.h)
		return isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory", zs->name);
	rc = rpz_zone_walk(s, zs->name, zs->lists, zs->nlists, pol, on_hash, &hw, err);
	if (rc) {
		free(hw.h);
		return rc;
	}
	rpz_u64_sort(hw.h, hw.n, 56);
	for (i = 0, m = 0; i < hw.n; i++)
		if (m == 0 || hw.h[m - 1] != hw.h[i])
			hw.h[m++] = hw.h[i];
	na = split(old, hw.h, m, &del, &ndel, &bytes, &oom);
	d = oom ? NULL : calloc(1, sizeof(*d));
	if (d) {
		d->refs = 1;
		d->from = old->serial;
		d->arena = malloc(bytes ? bytes : 1);
		d->del = malloc((ndel ? ndel : 1) * sizeof(*d->del));
		d->add = calloc(na ? na : 1, sizeof(*d->add));
	}
	if (!d || !d->arena || !d->del || !d->add)
		goto oom;
	for (i = 0; i < ndel; i++) {
		size_t sz = rpz_rec_size(old->arena + del[i]);

		memcpy(d->arena + d->arena_len, old->arena + del[i], sz);
		d->del[d->ndel++] = (uint32_t)d->arena_len;
		d->arena_len += sz;
	}
	free(del);
	del = NULL;
	if (na) {
		pw = calloc(1, sizeof(*pw));
		if (!pw || !(pw->taken = calloc(na, 1)))
			goto oom;
		pw->a = hw.h;
		pw->na = na;
		pw->d = d;
		pw->cap = bytes ? bytes : 1;
		for (i = 0; i < na; i++)
			pw->filter[hw.h[i] >> 51] |= (uint8_t)(1u << ((hw.h[i] >> 48) & 7));
		rc = rpz_zone_walk(s, zs->name, zs->lists, zs->nlists, pol, on_pick, pw, err);
		if (rc)
			goto fail;
		if (pw->got != na) { /* the same snapshot made other records: never */
			rc = isp_err_set(err, ISR_EIO,
					 "rpz: zone %s: the second walk missed %zu "
					 "records",
					 zs->name, na - pw->got);
			goto fail;
		}
		d->nadd = na;
		free(pw->taken);
		free(pw);
	}
	free(hw.h);
	*out = d;
	return 0;
oom:
	rc = isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory", zs->name);
fail:
	if (pw)
		free(pw->taken);
	free(pw);
	free(del);
	free(hw.h);
	rpz_diff_unref(d);
	return rc;
}

int rpz_zone_apply(const struct rpz_zone *old, const struct rpz_diff *d, uint32_t ttl,
		   struct rpz_zone **out)
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
			ha = rpz_rec_hash(ra), hi = i;
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
	int64_t t0 = mono_ms(), t1;
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
			rc = rpz_zone_delta(s, zs, &c->policy, &dd[i], err);
	}
	snap_close(s);
	t1 = mono_ms();
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
		} else if (rc == 0 && d && (d->ndel + d->nadd || ttl != zs->cur->ttl)) {
			if (rpz_zone_apply(zs->cur, d, ttl, &nz) != 0) {
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
		zs->build_ms = mono_ms() - t1;
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
