/*
 * sesswrite.c -- writing the sessions index from the builder's intervals (see sessidx.h
 * for the layout, sessbuild.c for the pairing that precedes it).
 *
 * Sort in place -- IPv4 by (address, start, port) with a quicksort on the 40-byte
 * intervals (random pivots: no input is quadratic in expectation; no second copy of the
 * array, which a merge sort or glibc's qsort would allocate); IPv6 by (prefix, start) --
 * then compute each interval's effective end from the next holder of its address and
 * stream the sections through one block-sized buffer that checksums each block as it
 * goes: the file is never held in memory, nor read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "core/sessions/sessbuild.h"
#include "core/sessions/sessidx.h"

/* ---- sorting ---- */

static int lt4(const struct biv *x, const struct biv *y)
{
	if (x->a != y->a)
		return x->a < y->a;
	if (x->start != y->start)
		return x->start < y->start;
	return x->port_lo < y->port_lo;
}

static void swap_iv(struct biv *x, struct biv *y)
{
	struct biv t = *x;

	*x = *y;
	*y = t;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Quicksort of IPv4 intervals in place (random pivot, so no input is quadratic in
 * expectation; Hoare partition, so runs of equal keys split evenly). */
static void sort4(struct biv *v, size_t n, uint64_t *rs)
{
	size_t i, j;

	while (n > 16) {
		struct biv p;

		swap_iv(&v[0], &v[rnd(rs) % n]);
		p = v[0];
		i = 0;
		j = n;
		for (;;) {
			do
				i++;
			while (i < n && lt4(&v[i], &p));
			do
				j--;
			while (lt4(&p, &v[j]));
			if (i >= j)
				break;
			swap_iv(&v[i], &v[j]);
		}
		swap_iv(&v[0], &v[j]);
		if (j < n - j - 1) {
			sort4(v, j, rs);
			v += j + 1;
			n -= j + 1;
		} else {
			sort4(v + j + 1, n - j - 1, rs);
			n = j;
		}
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && lt4(&v[j], &v[j - 1]); j--)
			swap_iv(&v[j], &v[j - 1]);
}

static int cmp_b6(const struct b6 *x, const struct b6 *y)
{
	int c = memcmp(x->addr, y->addr, 16);

	return c ? c : (int)x->len - (int)y->len;
}

static int cmp6(const void *pa, const void *pb, void *ud)
{
	const struct sess_builder *b = ud;
	const struct biv *x = pa, *y = pb;
	int c = cmp_b6(&b->a6[x->a], &b->a6[y->a]);

	if (c)
		return c;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (int)x->port_lo - (int)y->port_lo;
}

/* ---- writing ---- */

/* Chains the checksum of each SESSIDX_BLOCK written (sessidx.h) into *ud. */
static void chain_block(void *ud, const void *p, size_t n)
{
	uint64_t *acc = ud;

	*acc = sessidx_chain(*acc, hash_checksum(p, n));
}

static int overlap(const struct biv *v, const struct biv *w)
{
	if ((v->port_lo == 0 && v->port_hi == 0) || (w->port_lo == 0 && w->port_hi == 0))
		return 1;
	return v->port_lo <= w->port_hi && w->port_lo <= v->port_hi;
}

/* Effective end of g[i] in its address group g[..e): its Stop or lease end, or for an
 * open one its last sign of life + open_max; cut at the start of the next interval of
 * the address (the next holder; with port blocks, of an overlapping block). */
static uint32_t eff_end(const struct sess_builder *b, const struct biv *g, size_t i, size_t e)
{
	const struct biv *v = &g[i];
	uint32_t end, cut = 0;
	size_t j;

	for (j = i + 1; j < e && j - i <= CUT_SCAN; j++)
		if (g[j].start > v->start && overlap(v, &g[j])) {
			cut = g[j].start;
			break;
		}
	if (v->flags & SESSIDX_OPEN) {
		uint64_t x = (uint64_t)(v->seen > v->start ? v->seen : v->start) +
			     (uint64_t)b->opts.open_max;

		end = b->opts.open_max == 0 ? 0 : x > TIME_MAX ? TIME_MAX : (uint32_t)x;
	} else {
		end = v->stop;
	}
	if (cut && (end == 0 || cut < end))
		end = cut;
	if (end != 0 && end < v->start)
		end = v->start;
	return end;
}

static void tail_of(const struct sess_builder *b, const struct biv *g, size_t i, size_t e,
		    struct sessidx_tail *t)
{
	const struct biv *v = &g[i];

	t->start = v->start;
	t->end = eff_end(b, g, i, e);
	t->stop = v->flags & SESSIDX_OPEN ? 0 : v->stop;
	t->seen = v->seen;
	t->user = v->user;
	t->sid = v->sid;
	t->nas = v->nasip ? v->nasip : v->nasid;
	t->flags = v->flags & SESSIDX_FLAGS;
}

static void table_put(uint64_t *tab, uint64_t n, uint64_t h, uint64_t slot)
{
	uint64_t i = sessidx_slot(h, n);

	while (tab[i])
		i = i + 1 == n ? 0 : i + 1;
	tab[i] = slot;
}

int sess_write_index(struct sess_builder *b, const char *tmp, struct isp_err *err)
{
	struct sessidx_header h;
	uint64_t acc = 0;
	struct binw o = { .fd = -1, .cap = SESSIDX_BLOCK, .on_block = chain_block, .ud = &acc };
	uint64_t *t4 = NULL, *t6 = NULL, groups4 = 0, groups6 = 0;
	size_t n4 = 0, i, g, e;
	struct timespec ts;
	struct biv *v = b->iv;
	uint64_t rs = 0x9e3779b97f4a7c15ULL ^ b->k0;
	int rc = 0;

	/* IPv4 first, then IPv6; each sorted. */
	for (i = 0; i < b->niv; i++)
		if (!(v[i].flags & B_V6))
			swap_iv(&v[i], &v[n4++]);
	sort4(v, n4, &rs);
	if (b->niv > n4)
		qsort_r(v + n4, b->niv - n4, sizeof(*v), cmp6, b);
	for (i = 0; i < b->niv; i++) {
		if (i < n4)
			groups4 += i == 0 || v[i].a != v[i - 1].a;
		else
			groups6 += i == n4 || cmp_b6(&b->a6[v[i].a], &b->a6[v[i - 1].a]) != 0;
		b->st.added += !(v[i].flags & B_BASE);
		b->st.open += (v[i].flags & SESSIDX_OPEN) != 0;
	}
	b->st.intervals = (long)b->niv;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SESSIDX_MAGIC, 8);
	h.version = SESSIDX_VERSION;
	h.header_size = sizeof(h);
	h.open_max = b->opts.open_max;
	h.n4 = n4;
	h.n6 = b->niv - n4;
	h.t4_slots = groups4 ? groups4 * 2 + 1 : 0;
	h.t6_slots = groups6 ? groups6 * 2 + 1 : 0;
	h.v4_off = sizeof(h);
	h.v6_off = h.v4_off + h.n4 * sizeof(struct sessidx_v4);
	h.t4_off = h.v6_off + h.n6 * sizeof(struct sessidx_v6);
	h.t6_off = h.t4_off + h.t4_slots * 8;
	h.pool_off = h.t6_off + h.t6_slots * 8;
	h.pool_size = b->npool;
	h.file_size = h.pool_off + h.pool_size;
	h.nopen = (uint64_t)b->st.open;
	clock_gettime(CLOCK_REALTIME, &ts);
	h.created = (uint64_t)ts.tv_sec;

	t4 = calloc(h.t4_slots + 1, 8);
	t6 = calloc(h.t6_slots + 1, 8);
	o.buf = malloc(SESSIDX_BLOCK);
	if (!t4 || !t6 || !o.buf) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory writing the sessions index");
		goto out;
	}
	/* who held which address when: personal data, private like the store */
	o.fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)fs_private_mode());
	if (o.fd < 0) {
		rc = isp_err_set(err, ISR_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = fs_make_private(o.fd, tmp, err);
	if (rc)
		goto out;
	/* header placeholder (not part of the checksummed body): patched in at the end */
	if (pwrite(o.fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    lseek(o.fd, (off_t)sizeof(h), SEEK_SET) < 0) {
		rc = isp_err_set(err, ISR_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (g = 0; g < n4; g = e) {
		for (e = g + 1; e < n4 && v[e].a == v[g].a; e++)
			;
		table_put(t4, h.t4_slots, sessidx_hash4(v[g].a), (uint64_t)v[g].a << 32 | (g + 1));
		for (i = g; i < e; i++) {
			struct sessidx_v4 r;

			memset(&r, 0, sizeof(r));
			r.addr = v[i].a;
			r.port_lo = v[i].port_lo;
			r.port_hi = v[i].port_hi;
			tail_of(b, v + g, i - g, e - g, &r.t);
			binw_put(&o, &r, sizeof(r));
		}
	}
	for (g = n4; g < b->niv; g = e) {
		const struct b6 *p = &b->a6[v[g].a];

		for (e = g + 1; e < b->niv && cmp_b6(&b->a6[v[e].a], p) == 0; e++)
			;
		h.v6_lens[p->len / 64] |= 1ULL << (p->len % 64);
		table_put(t6, h.t6_slots, sessidx_hash6(p->addr, p->len),
			  (uint64_t)(uint32_t)sessidx_hash6(p->addr, p->len) << 32 | (g - n4 + 1));
		for (i = g; i < e; i++) {
			struct sessidx_v6 r;

			memset(&r, 0, sizeof(r));
			memcpy(r.addr, p->addr, 16);
			r.len = p->len;
			r.port_lo = v[i].port_lo;
			r.port_hi = v[i].port_hi;
			tail_of(b, v + g, i - g, e - g, &r.t);
			binw_put(&o, &r, sizeof(r));
		}
	}
	binw_put(&o, t4, h.t4_slots * 8);
	binw_put(&o, t6, h.t6_slots * 8);
	binw_put(&o, b->pool, b->npool);
	binw_flush(&o);
	if (o.failed) {
		rc = isp_err_set(err, ISR_EIO, "%s: write: %s", tmp, strerror(o.failed));
		goto out;
	}
	h.checksum = 0;
	h.checksum = sessidx_chain(acc, hash_checksum(&h, sizeof(h)));
	rc = binw_header_sync(o.fd, &h, sizeof(h), tmp, err);
out:
	if (o.fd >= 0 && close(o.fd) != 0 && !rc)
		rc = isp_err_set(err, ISR_EIO, "%s: close: %s", tmp, strerror(errno));
	free(o.buf);
	free(t4);
	free(t6);
	return rc;
}
