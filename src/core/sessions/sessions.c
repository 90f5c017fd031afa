/*
 * sessions.c -- opening, verifying and querying the sessions index (see sessions.h; the
 * layout is in sessidx.h, the builder in sessbuild.c).
 *
 * The file is mapped read-only and never written: any number of threads may query it
 * without locks, and a reader keeps its mapping (the old file) when `sessions import`
 * renames a new one over it. sessdb_open checks everything a lookup relies on -- section
 * bounds, sort order, string offsets, prefix lengths, every table slot -- so that a file
 * whose checksum matches but whose content is hostile is refused (ISR_ECORRUPT) rather
 * than read out of bounds; lookups still bound every index they follow.
 *
 * Lookups: the single query hashes the address into the table (one cache miss), then
 * scans the address's group of intervals (adjacent, sorted by start). The batch sorts the
 * IPv4 questions by address (radix sort) and walks the interval array once in address
 * order, galloping from one question's group to the next: a merge join that reads the
 * index sequentially instead of missing the cache twice per question.
 */
#include "core/sessions/sessions.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/base/mapfile.h"
#include "core/sessions/sessidx.h"

/* Question times are clamped to +-TP_MAX (the batch packs them into 47 bits). */
#define TP_MAX (((int64_t)1 << 46) - 1)

struct sessdb {
	const unsigned char *map;
	size_t size;
	struct sessidx_header h;
	const struct sessidx_v4 *v4;
	const struct sessidx_v6 *v6;
	const uint64_t *t4, *t6;
	const char *pool;
	struct sess_opts opts;
	int64_t span4, span6; /* longest end - start (open without end: INT32_MAX) */
	uint8_t lens6[129];   /* IPv6 prefix lengths present, longest first */
	int nlens6;
};

/* The checks every mapped file gets (core/base/mapfile.h). */
static const struct mapfile_kind kind = {
	.what = "sessions index",
	.magic = SESSIDX_MAGIC,
	.version = SESSIDX_VERSION,
	.rebuild = "rebuild it with `sessions import`",
};

/* Checks of one interval's common part; updates *span. Returns NULL or the reason. */
static const char *check_tail(const struct sessdb *db, const struct sessidx_tail *t, uint16_t lo,
			      uint16_t hi, int64_t *span)
{
	int64_t s;

	if (t->user >= db->h.pool_size || t->sid >= db->h.pool_size || t->nas >= db->h.pool_size)
		return "string offset outside the pool";
	if (t->flags & ~SESSIDX_FLAGS)
		return "unknown interval flags";
	if (lo > hi)
		return "port block with port_lo > port_hi";
	if (t->end != 0 && t->end < t->start)
		return "interval ends before it starts";
	s = t->end == 0 ? INT32_MAX : (int64_t)t->end - t->start;
	if (s > *span)
		*span = s;
	return NULL;
}

static int cmp6(const struct sessidx_v6 *a, const struct sessidx_v6 *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

/* Host bits of p past len are zero. */
static int masked6(const uint8_t *a, unsigned len)
{
	unsigned b;

	for (b = len; b < 128; b++)
		if (a[b / 8] & (0x80u >> (b % 8)))
			return 0;
	return 1;
}

static const char *check_records(struct sessdb *db)
{
	uint64_t i, lens[3] = { 0, 0, 0 };
	const char *why;
	int l;

	for (i = 0; i < db->h.n4; i++) {
		const struct sessidx_v4 *r = &db->v4[i];

		why = check_tail(db, &r->t, r->port_lo, r->port_hi, &db->span4);
		if (why)
			return why;
		if (i > 0 &&
		    (r[-1].addr > r->addr || (r[-1].addr == r->addr && r[-1].t.start > r->t.start)))
			return "IPv4 intervals out of order";
	}
	for (i = 0; i < db->h.n6; i++) {
		const struct sessidx_v6 *r = &db->v6[i];
		int c;

		why = check_tail(db, &r->t, r->port_lo, r->port_hi, &db->span6);
		if (why)
			return why;
		if (r->len > 128 || !masked6(r->addr, r->len))
			return "bad IPv6 prefix";
		lens[r->len / 64] |= 1ULL << (r->len % 64);
		c = i > 0 ? cmp6(&r[-1], r) : -1;
		if (c > 0 || (c == 0 && r[-1].t.start > r->t.start))
			return "IPv6 intervals out of order";
	}
	if (memcmp(lens, db->h.v6_lens, sizeof(lens)) != 0)
		return "IPv6 prefix lengths do not match the header";
	for (l = 128; l >= 0; l--)
		if ((lens[l / 64] >> (l % 64)) & 1)
			db->lens6[db->nlens6++] = (uint8_t)l;
	return NULL;
}

/* Every slot points at the first interval of a group, and that group is in the slot. */
static const char *check_tables(const struct sessdb *db)
{
	uint64_t i, used = 0;

	for (i = 0; i < db->h.t4_slots; i++) {
		uint64_t v = db->t4[i], k;

		if (!v)
			continue;
		k = (uint32_t)v - 1ULL;
		if ((uint32_t)v == 0 || k >= db->h.n4 || db->v4[k].addr != (uint32_t)(v >> 32) ||
		    (k > 0 && db->v4[k - 1].addr == db->v4[k].addr))
			return "IPv4 table slot points to no group";
		used++;
	}
	for (i = 0; i < db->h.t6_slots; i++) {
		uint64_t v = db->t6[i], k;

		if (!v)
			continue;
		k = (uint32_t)v - 1ULL;
		if ((uint32_t)v == 0 || k >= db->h.n6 ||
		    (uint32_t)sessidx_hash6(db->v6[k].addr, db->v6[k].len) != (uint32_t)(v >> 32) ||
		    (k > 0 && cmp6(&db->v6[k - 1], &db->v6[k]) == 0))
			return "IPv6 table slot points to no group";
		used++;
	}
	if (used > db->h.n4 + db->h.n6)
		return "more table slots than intervals";
	return NULL;
}

static int check_layout(const struct sessidx_header *h, size_t size)
{
	uint64_t off = sizeof(*h);

	if (h->n4 > size / sizeof(struct sessidx_v4) || h->n6 > size / sizeof(struct sessidx_v6) ||
	    h->t4_slots > size / 8 || h->t6_slots > size / 8 || h->n4 >= UINT32_MAX ||
	    h->n6 >= UINT32_MAX)
		return -1;
	if (h->v4_off != off)
		return -1;
	off += h->n4 * sizeof(struct sessidx_v4);
	if (h->v6_off != off)
		return -1;
	off += h->n6 * sizeof(struct sessidx_v6);
	if (h->t4_off != off)
		return -1;
	off += h->t4_slots * 8;
	if (h->t6_off != off)
		return -1;
	off += h->t6_slots * 8;
	if (h->pool_off != off || h->pool_size == 0 || h->pool_size > size ||
	    off + h->pool_size != size)
		return -1;
	if ((h->n4 && h->t4_slots == 0) || (h->n6 && h->t6_slots == 0))
		return -1;
	return 0;
}

#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* The chained block checksum of sessidx.h over p[0..n). */
static uint64_t body_checksum(const unsigned char *p, size_t n)
{
	uint64_t acc = 0;
	size_t off;

	for (off = 0; off < n; off += SESSIDX_BLOCK) {
		size_t k = n - off < SESSIDX_BLOCK ? n - off : SESSIDX_BLOCK;

		acc = sessidx_chain(acc, hash_checksum(p + off, k));
	}
	return acc;
}

/* The checksum of sessidx.h: the body's, chained with the header's (checksum field 0). */
static uint64_t file_checksum(const struct sessdb *db)
{
	struct sessidx_header h = db->h;

	h.checksum = 0;
	return sessidx_chain(body_checksum(db->map + sizeof(h), db->size - sizeof(h)),
			     hash_checksum(&h, sizeof(h)));
}
#endif

int sessdb_open(const char *path, struct sessdb **out, struct isp_err *err)
{
	const unsigned char *m;
	struct sessdb *db;
	const char *why;
	size_t size;
	int rc;

	*out = NULL;
	rc = mapfile_open(path, &kind, sizeof(struct sessidx_header), &m, &size, err);
	if (rc)
		return rc;
	db = calloc(1, sizeof(*db));
	if (!db) {
		munmap((void *)m, size);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	db->map = m;
	db->size = size;
	memcpy(&db->h, m, sizeof(db->h));
	if (check_layout(&db->h, db->size) != 0) {
		mapfile_corrupt(&kind, path, "section offsets do not add up", err);
		goto fail;
	}
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* (The fuzz build skips this check so that the fuzzer reaches the structural checks
	 * behind it: a hostile file with a valid checksum must be refused too.) */
	if (file_checksum(db) != db->h.checksum) {
		mapfile_corrupt(&kind, path, "checksum mismatch (corrupted or truncated)", err);
		goto fail;
	}
#endif
	db->v4 = (const struct sessidx_v4 *)(db->map + db->h.v4_off);
	db->v6 = (const struct sessidx_v6 *)(db->map + db->h.v6_off);
	db->t4 = (const uint64_t *)(db->map + db->h.t4_off);
	db->t6 = (const uint64_t *)(db->map + db->h.t6_off);
	db->pool = (const char *)db->map + db->h.pool_off;
	if (db->pool[db->h.pool_size - 1] != '\0') {
		mapfile_corrupt(&kind, path, "string pool not terminated", err);
		goto fail;
	}
	if (db->h.open_max < 0) {
		mapfile_corrupt(&kind, path, "negative open_max", err);
		goto fail;
	}
	why = check_records(db);
	if (!why)
		why = check_tables(db);
	if (why) {
		mapfile_corrupt(&kind, path, why, err);
		goto fail;
	}
	db->opts.open_max = db->h.open_max;
	*out = db;
	return 0;
fail:
	sessdb_close(db);
	return ISR_ECORRUPT;
}

void sessdb_close(struct sessdb *db)
{
	if (!db)
		return;
	munmap((void *)db->map, db->size);
	free(db);
}

size_t sessdb_count(const struct sessdb *db)
{
	return (size_t)(db->h.n4 + db->h.n6);
}

const struct sess_opts *sessdb_opts(const struct sessdb *db)
{
	return &db->opts;
}

static void fill_tail(const struct sessdb *db, const struct sessidx_tail *t, uint16_t lo,
		      uint16_t hi, struct sess_hit *out)
{
	out->port_lo = lo;
	out->port_hi = hi;
	out->start = t->start;
	out->end = t->end;
	out->last_seen = t->seen;
	out->open = (t->flags & SESSIDX_OPEN) != 0;
	out->user = db->pool + t->user;
	out->session_id = db->pool + t->sid;
	out->nas = db->pool + t->nas;
}

static void fill4(const struct sessdb *db, const struct sessidx_v4 *r, struct sess_hit *out)
{
	memset(&out->addr, 0, sizeof(out->addr));
	out->addr.family = 4;
	out->addr.len = 32;
	out->addr.addr[0] = (uint8_t)(r->addr >> 24);
	out->addr.addr[1] = (uint8_t)(r->addr >> 16);
	out->addr.addr[2] = (uint8_t)(r->addr >> 8);
	out->addr.addr[3] = (uint8_t)r->addr;
	fill_tail(db, &r->t, r->port_lo, r->port_hi, out);
}

static void fill6(const struct sessdb *db, const struct sessidx_v6 *r, struct sess_hit *out)
{
	out->addr.family = 6;
	out->addr.len = r->len;
	memcpy(out->addr.addr, r->addr, 16);
	fill_tail(db, &r->t, r->port_lo, r->port_hi, out);
}

/* The state of one question while its address's group is scanned. */
struct pick {
	int64_t best_d; /* distance of the best candidate, -1 = none yet */
	uint64_t best;	/* its index */
	uint32_t user;	/* its user */
	int conflict;	/* another user at the same rank (inside / within skew) */
	int inside;	/* the best candidate contains t */
	int64_t best_start;
};

/*
 * Offer interval t to the pick for time q: an interval containing q beats any outside
 * one; among those outside, the nearest within skew. Two different users at the best
 * rank (both inside, or both outside within skew) make the answer ambiguous.
 */
static void offer(const struct sessdb *db, struct pick *p, const struct sessidx_tail *t,
		  uint64_t idx, int64_t q, int64_t skew)
{
	int64_t s = t->start, d;
	int inside;

	if (q < s)
		d = s - q;
	else if (t->end == 0 || q < (int64_t)t->end)
		d = 0;
	else
		d = q - (int64_t)t->end + 1;
	inside = d == 0;
	if (!inside && d > skew)
		return;
	if (p->best_d >= 0) {
		if (p->inside && !inside)
			return;
		if (p->inside == inside && p->user != t->user &&
		    strcmp(db->pool + p->user, db->pool + t->user) != 0)
			p->conflict = 1;
		if (p->inside == inside &&
		    (d > p->best_d || (d == p->best_d && s <= p->best_start)))
			return;
		if (!p->inside && inside)
			p->conflict = 0;
	}
	p->best_d = d;
	p->best = idx;
	p->user = t->user;
	p->inside = inside;
	p->best_start = s;
}

static int port_ok(uint16_t lo, uint16_t hi, uint16_t port)
{
	return (lo == 0 && hi == 0) || port == 0 || (lo <= port && port <= hi);
}

/* What the scan found: SESS_NONE, SESS_AMBIGUOUS, or SESS_FOUND with *out filled from
 * row p->best of the IPv4 (v6 = 0) or IPv6 table. */
static enum sess_who_result picked(const struct sessdb *db, const struct pick *p, int v6,
				   struct sess_hit *out)
{
	if (p->best_d < 0)
		return SESS_NONE;
	if (p->conflict)
		return SESS_AMBIGUOUS;
	if (v6)
		fill6(db, &db->v6[p->best], out);
	else
		fill4(db, &db->v4[p->best], out);
	out->distance = p->best_d;
	return SESS_FOUND;
}

/* Scan the IPv4 group [g, e) for time q. */
static enum sess_who_result pick4(const struct sessdb *db, uint64_t g, uint64_t e, uint16_t port,
				  int64_t q, int64_t skew, struct sess_hit *out)
{
	struct pick p = { .best_d = -1 };
	uint64_t lo = g, hi = e, i;

	/* first interval starting after q + skew: nothing from there on can be offered */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if ((int64_t)db->v4[mid].t.start > q + skew)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (i = lo; i-- > g;) {
		const struct sessidx_v4 *r = &db->v4[i];

		if ((int64_t)r->t.start + db->span4 + skew < q)
			break;
		if (port_ok(r->port_lo, r->port_hi, port))
			offer(db, &p, &r->t, i, q, skew);
	}
	return picked(db, &p, 0, out);
}

static enum sess_who_result pick6(const struct sessdb *db, uint64_t g, uint64_t e, uint16_t port,
				  int64_t q, int64_t skew, struct sess_hit *out)
{
	struct pick p = { .best_d = -1 };
	uint64_t i;

	for (i = e; i-- > g;) {
		const struct sessidx_v6 *r = &db->v6[i];

		if ((int64_t)r->t.start > q + skew)
			continue;
		if ((int64_t)r->t.start + db->span6 + skew < q)
			break;
		if (port_ok(r->port_lo, r->port_hi, port))
			offer(db, &p, &r->t, i, q, skew);
	}
	return picked(db, &p, 1, out);
}

/* End of the IPv4 group starting at g. */
static uint64_t group_end4(const struct sessdb *db, uint64_t g)
{
	uint32_t a = db->v4[g].addr;
	uint64_t e = g + 1;

	while (e < db->h.n4 && db->v4[e].addr == a)
		e++;
	return e;
}

/* First interval of address a, or n4 when it has none. */
static uint64_t find4(const struct sessdb *db, uint32_t a)
{
	uint64_t n = db->h.t4_slots, i, steps;

	if (n == 0)
		return db->h.n4;
	i = sessidx_slot(sessidx_hash4(a), n);
	for (steps = 0; steps < n; steps++) {
		uint64_t v = db->t4[i];

		if (v == 0)
			break;
		if ((uint32_t)(v >> 32) == a)
			return (uint32_t)v - 1ULL; /* checked by sessdb_open */
		i = i + 1 == n ? 0 : i + 1;
	}
	return db->h.n4;
}

static uint64_t find6(const struct sessdb *db, const uint8_t *a, unsigned len)
{
	uint64_t n = db->h.t6_slots, h = sessidx_hash6(a, len), i, steps;

	if (n == 0)
		return db->h.n6;
	i = sessidx_slot(h, n);
	for (steps = 0; steps < n; steps++) {
		uint64_t v = db->t6[i];

		if (v == 0)
			break;
		if ((uint32_t)(v >> 32) == (uint32_t)h) {
			uint64_t k = (uint32_t)v - 1ULL;

			if (db->v6[k].len == len && memcmp(db->v6[k].addr, a, 16) == 0)
				return k;
		}
		i = i + 1 == n ? 0 : i + 1;
	}
	return db->h.n6;
}

static uint32_t addr4(const struct ip_prefix *p)
{
	return (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 | (uint32_t)p->addr[2] << 8 |
	       p->addr[3];
}

static enum sess_who_result who6(const struct sessdb *db, const uint8_t *addr, uint16_t port,
				 int64_t t, int64_t skew, struct sess_hit *out)
{
	int k;

	for (k = 0; k < db->nlens6; k++) {
		unsigned len = db->lens6[k], b;
		uint8_t a[16];
		uint64_t g, e;
		enum sess_who_result r;

		memcpy(a, addr, 16);
		for (b = len; b < 128; b++)
			a[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
		g = find6(db, a, len);
		if (g >= db->h.n6)
			continue;
		for (e = g + 1; e < db->h.n6 && cmp6(&db->v6[e], &db->v6[g]) == 0; e++)
			;
		r = pick6(db, g, e, port, t, skew, out);
		if (r != SESS_NONE)
			return r;
	}
	return SESS_NONE;
}

enum sess_who_result sessdb_who(const struct sessdb *db, const struct ip_prefix *addr,
				uint16_t port, int64_t t, int64_t skew, struct sess_hit *out)
{
	uint64_t g;

	if (skew < 0)
		skew = 0;
	if (skew > INT32_MAX)
		skew = INT32_MAX;
	/* interval times are 32-bit: a clamped time gets the same answer, without overflow */
	t = t < -TP_MAX ? -TP_MAX : t > TP_MAX ? TP_MAX : t;
	if (addr->family == 6)
		return who6(db, addr->addr, port, t, skew, out);
	if (addr->family != 4)
		return SESS_NONE;
	g = find4(db, addr4(addr));
	if (g >= db->h.n4)
		return SESS_NONE;
	return pick4(db, g, group_end4(db, g), port, t, skew, out);
}

/* A question as the batch sorts it: address << 32 | index, and time << 16 | port (the
 * time clamped to 47 bits: +-4 million years), so the answer loop reads no question at
 * random. */
struct bq {
	uint64_t key;
	int64_t tp;
};

/* Sort v[0..n) by the address: LSD radix, 4 x 8 bits. */
static void radix_sort(struct bq *v, struct bq *tmp, size_t n)
{
	size_t cnt[4][256], i;
	int pass;

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++)
		for (pass = 0; pass < 4; pass++)
			cnt[pass][(v[i].key >> (32 + 8 * pass)) & 0xff]++;
	for (pass = 0; pass < 4; pass++) {
		size_t sum = 0, c;
		unsigned d;
		struct bq *sw;

		for (d = 0; d < 256; d++) {
			c = cnt[pass][d];
			cnt[pass][d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[cnt[pass][(v[i].key >> (32 + 8 * pass)) & 0xff]++] = v[i];
		sw = v;
		v = tmp;
		tmp = sw;
	}
	/* four passes: the sorted data is back in the caller's v */
}

/* First index >= from whose address is >= a (gallop then binary search). */
static uint64_t gallop4(const struct sessdb *db, uint64_t from, uint32_t a)
{
	uint64_t n = db->h.n4, lo = from, hi, step = 1;

	if (lo >= n || db->v4[lo].addr >= a)
		return lo;
	/* invariant: v4[lo].addr < a */
	for (;;) {
		hi = lo + step;
		if (hi >= n) {
			hi = n;
			break;
		}
		if (db->v4[hi].addr >= a)
			break;
		lo = hi;
		step *= 2;
	}
	lo++;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (db->v4[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How many questions ahead the batch prefetches (enough to cover a memory latency). */
#define PREFETCH 24

int sessdb_who_batch(const struct sessdb *db, const struct sess_query *q, size_t n, int64_t skew,
		     enum sess_who_result *res, struct sess_hit *hits, struct isp_err *err)
{
	struct bq *keys, *tmp;
	uint64_t cur = 0, g = 0, e = 0;
	size_t i, n4 = 0;
	uint32_t last = 0;
	int have = 0;

	if (n == 0)
		return 0;
	if (n >= UINT32_MAX)
		return isp_err_set(err, ISR_ELIMIT, "more than 2^32 questions in one batch");
	if (skew < 0)
		skew = 0;
	if (skew > INT32_MAX)
		skew = INT32_MAX;
	keys = malloc(n * 2 * sizeof(*keys));
	if (!keys)
		return isp_err_set(err, ISR_ENOMEM, "out of memory for %zu questions", n);
	tmp = keys + n;
	for (i = 0; i < n; i++) {
		if (q[i].addr.family == 4) {
			int64_t t = q[i].t < -TP_MAX ? -TP_MAX : q[i].t > TP_MAX ? TP_MAX : q[i].t;

			keys[n4].key = (uint64_t)addr4(&q[i].addr) << 32 | i;
			keys[n4].tp = (int64_t)((uint64_t)t << 16) | q[i].port;
			n4++;
		} else {
			res[i] = sessdb_who(db, &q[i].addr, q[i].port, q[i].t, skew, &hits[i]);
		}
	}
	radix_sort(keys, tmp, n4);
	for (i = 0; i < n4; i++) {
		uint32_t a = (uint32_t)(keys[i].key >> 32), k = (uint32_t)keys[i].key;
		int64_t t = keys[i].tp >> 16; /* arithmetic shift: the clamped time back */
		uint16_t port = (uint16_t)keys[i].tp;

		/* the answers are written in the caller's order, at random: fetch those of a
		 * later question while this one is answered */
		if (i + PREFETCH < n4) {
			uint32_t ka = (uint32_t)keys[i + PREFETCH].key;

			__builtin_prefetch(&res[ka], 1);
			__builtin_prefetch(&hits[ka], 1);
			__builtin_prefetch((const char *)&hits[ka] + sizeof(*hits) - 1, 1);
		}
		if (!have || a != last) {
			cur = gallop4(db, cur, a);
			g = cur;
			e = g < db->h.n4 && db->v4[g].addr == a ? group_end4(db, g) : g;
			cur = e;
			last = a;
			have = 1;
		}
		res[k] = g < e ? pick4(db, g, e, port, t, skew, &hits[k]) : SESS_NONE;
	}
	free(keys);
	return 0;
}

int sessdb_each(const struct sessdb *db, sess_interval_fn fn, void *ud)
{
	struct sess_hit h;
	uint64_t i;
	int rc;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < db->h.n4; i++) {
		fill4(db, &db->v4[i], &h);
		rc = fn(ud, &h);
		if (rc)
			return rc;
	}
	for (i = 0; i < db->h.n6; i++) {
		fill6(db, &db->v6[i], &h);
		rc = fn(ud, &h);
		if (rc)
			return rc;
	}
	return 0;
}

void sessidx_get_raw(const struct sessdb *db, struct sessidx_raw *out)
{
	out->v4 = db->v4;
	out->v6 = db->v6;
	out->n4 = db->h.n4;
	out->n6 = db->h.n6;
	out->pool = db->pool;
	out->pool_size = db->h.pool_size;
}
