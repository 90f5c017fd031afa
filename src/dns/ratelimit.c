/*
 * ratelimit.c -- the per-client limit, RRL and water-torture defence of ratelimit.h.
 *
 * Tables: three fixed arrays (clients, RRL accounts, zones) of table_size entries each
 * (rounded up to a power of two, at least 4), allocated once in drl_new and never grown.
 * Each is 4-way set-associative: an entry's 64-bit key hash picks a set of 4 adjacent
 * entries; a miss takes an empty way, else the least recently used way. Work per call is
 * one hash and at most 4 compares, and a flood of spoofed sources or random names only
 * recycles entries. Entries hold the 64-bit hash, not the key: two keys are conflated
 * only if their keyed hashes collide in all 64 bits. A zone that is flagged is replaced
 * only when all 4 ways of its set are flagged, so random zones cannot flush a refusal.
 *
 * Hashes are SipHash-1-3 under a random per-instance key, so that nobody can aim many
 * keys at one set (and evict a victim's RRL account, or a flagged zone) from outside.
 *
 * Token buckets count thousandths of a token, refilled by `rate` thousandths per
 * millisecond of the caller's clock: no division, no floating point on the hot path.
 * A new client starts with a full bucket (client_burst, or client_qps if 0); an RRL
 * account holds one second's worth (rrl_rps).
 *
 * Water torture: per zone, a sliding window of wt_window seconds approximated by two
 * tumbling sub-windows (the current one, and the previous one weighted by how much of
 * it still overlaps the window, as rate limiters commonly do). Distinct names are
 * estimated by linear counting over a 256-bit bitmap per sub-window (a bit per name
 * hash; n names set about 256 * (1 - (1 - 1/256)^n) bits): accurate to a few percent
 * up to several hundred names, saturating near 1400, so wt_min_names is meaningful up
 * to about 1000 (above, it means "the bitmap is full"). The bitmaps of both sub-windows
 * are OR-ed, so names of the faded part of the previous sub-window still count: the
 * estimate errs towards more names, which only matters when the NXDOMAIN ratio and rate
 * thresholds also hold.
 */
#include "dns/ratelimit.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/siphash.h"

#define WAYS	      4
#define DEFAULT_TABLE 4096
#define MAX_TABLE     ((size_t)1 << 24)
#define MILLI	      1000ULL
#define WT_BITS	      256
#define WT_GOOD_BITS  1024 /* names that resolved, per zone: a 2-hash Bloom filter */
#define NAME_MAX_LEN  255

/* The head of every table entry. */
struct slot {
	uint64_t key;	     /* hash of the key; 0 = empty */
	uint64_t used_ms;    /* last use (token buckets: last refill) */
	uint64_t keep_until; /* replaced only if its set has nothing else, until then */
};

struct bucket {
	struct slot s;
	uint64_t tokens;  /* thousandths of a token */
	uint64_t limited; /* RRL: responses limited so far, for the slip count */
};

struct zone {
	struct slot s;
	uint64_t start_ms; /* start of the current sub-window */
	uint64_t until_ms; /* refused until (exclusive); 0 = never flagged */
	uint32_t total, nx, ptotal, pnx;
	uint64_t bits[WT_BITS / 64], pbits[WT_BITS / 64];
	uint64_t good[WT_GOOD_BITS / 64]; /* names that got a positive answer */
};

/* One client under one zone: its NXDOMAIN answers in the current window. */
struct czone {
	struct slot s;
	uint64_t start_ms; /* start of the window */
	uint64_t until_ms; /* refused under the zone until (exclusive) */
	uint32_t nx;
};

struct drl {
	struct drl_config cfg;
	size_t sets_mask; /* table_size / WAYS - 1 */
	struct bucket *clients, *rrl;
	struct zone *zones;
	struct czone *czones;
	uint64_t k0, k1;
	uint64_t client_cap, rrl_cap; /* bucket sizes in thousandths */
	uint64_t window_ms, hold_ms;
	uint32_t wt_min_bits; /* bits set by wt_min_names names, expected */
	uint64_t last_ms;     /* latest time seen, for wt_zones_active */
	struct drl_stats st;
	char flagged[NAME_MAX_LEN + 1];
};

/* Table key of p[0..len): never 0 (0 marks an empty entry). */
static uint64_t key_of(const struct drl *r, const void *p, size_t len)
{
	uint64_t h = siphash13(r->k0, r->k1, p, len);

	return h != 0 ? h : 1;
}

/* Bits a bitmap of WT_BITS is expected to have set after n distinct names, rounded up. */
static uint32_t expected_bits(uint32_t n)
{
	double p = 1.0, k;
	uint32_t i, bits;

	for (i = 0; i < n && p > 1e-9; i++)
		p *= 1.0 - 1.0 / WT_BITS;
	k = WT_BITS * (1.0 - p);
	bits = (uint32_t)k;
	if ((double)bits < k)
		bits++;
	return bits > WT_BITS ? WT_BITS : bits;
}

struct drl *drl_new(const struct drl_config *cfg)
{
	struct drl *r;
	size_t n = WAYS, want;

	if (cfg == NULL)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	want = cfg->table_size != 0 ? cfg->table_size : DEFAULT_TABLE;
	if (want > MAX_TABLE)
		want = MAX_TABLE;
	while (n < want)
		n *= 2;
	r->cfg.table_size = n;
	r->sets_mask = n / WAYS - 1;
	r->clients = calloc(n, sizeof(*r->clients));
	r->rrl = calloc(n, sizeof(*r->rrl));
	r->zones = calloc(n, sizeof(*r->zones));
	r->czones = calloc(n, sizeof(*r->czones));
	if (r->clients == NULL || r->rrl == NULL || r->zones == NULL || r->czones == NULL) {
		drl_free(r);
		return NULL;
	}
	r->st.bytes = sizeof(*r) +
		      n * (2 * sizeof(struct bucket) + sizeof(struct zone) + sizeof(struct czone));
	if (r->cfg.client_burst == 0)
		r->cfg.client_burst = r->cfg.client_qps;
	r->client_cap = (uint64_t)r->cfg.client_burst * MILLI;
	r->rrl_cap = (uint64_t)r->cfg.rrl_rps * MILLI;
	r->window_ms = (uint64_t)(r->cfg.wt_window != 0 ? r->cfg.wt_window : 1) * 1000;
	r->cfg.wt_window = (uint32_t)(r->window_ms / 1000);
	r->hold_ms = (uint64_t)r->cfg.wt_hold * 1000;
	r->wt_min_bits = expected_bits(r->cfg.wt_min_names);
	siphash_key(&r->k0, &r->k1, r);
	return r;
}

void drl_free(struct drl *r)
{
	if (r == NULL)
		return;
	free(r->clients);
	free(r->rrl);
	free(r->zones);
	free(r->czones);
	free(r);
}

static void see_time(struct drl *r, uint64_t now_ms)
{
	if (now_ms > r->last_ms)
		r->last_ms = now_ms;
}

/*
 * The entry for key in a table of entries esz bytes each (each starting with a struct
 * slot). If absent and create: a new zeroed entry (empty way, else the least recently
 * used way not kept past now, else the kept way whose keep ends first) with used_ms = now
 * and *fresh = 1. If absent and not create: NULL.
 */
static struct slot *slot_get(const struct drl *r, void *table, size_t esz, uint64_t key,
			     uint64_t now_ms, int create, int *fresh)
{
	uint8_t *set = (uint8_t *)table + (size_t)(key & r->sets_mask) * WAYS * esz;
	struct slot *s, *victim = NULL, *kept = NULL;
	int i;

	*fresh = 0;
	for (i = 0; i < WAYS; i++) {
		s = (struct slot *)(set + (size_t)i * esz);
		if (s->key == key)
			return s;
	}
	if (!create)
		return NULL;
	for (i = 0; i < WAYS; i++) {
		s = (struct slot *)(set + (size_t)i * esz);
		if (s->key == 0) {
			victim = s;
			break;
		}
		if (s->keep_until > now_ms) {
			if (kept == NULL || s->keep_until < kept->keep_until)
				kept = s;
		} else if (victim == NULL || s->used_ms < victim->used_ms) {
			victim = s;
		}
	}
	if (victim == NULL)
		victim = kept;
	memset(victim, 0, esz);
	victim->key = key;
	victim->used_ms = now_ms;
	*fresh = 1;
	return victim;
}

/* Refill b at rate thousandths/ms up to cap since its last use, then take one token if
 * there is one. 1 if taken. */
static int take_token(struct bucket *b, uint64_t rate, uint64_t cap, uint64_t now_ms)
{
	uint64_t el;

	if (now_ms > b->s.used_ms) {
		el = now_ms - b->s.used_ms;
		/* the first test keeps el * rate from overflowing */
		if (el > cap / rate || b->tokens + el * rate > cap)
			b->tokens = cap;
		else
			b->tokens += el * rate;
		b->s.used_ms = now_ms;
	}
	if (b->tokens < MILLI)
		return 0;
	b->tokens -= MILLI;
	return 1;
}

/*
 * Write the client's prefix into out: a family byte then the address bytes kept (IPv4
 * /32 or, for RRL, /24; IPv6 /64 or /56). IPv4-mapped IPv6 addresses (a dual-stack
 * socket's view of IPv4 clients) count as IPv4. Returns the length, 0 if not IP.
 */
static size_t client_prefix(const struct sockaddr *sa, int rrl, uint8_t out[9])
{
	const struct sockaddr_in *in4;
	const struct sockaddr_in6 *in6;
	const uint8_t *a;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		a = (const uint8_t *)&in4->sin_addr;
		goto v4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	in6 = (const struct sockaddr_in6 *)(const void *)sa;
	a = in6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		a += 12;
		goto v4;
	}
	out[0] = 6;
	memcpy(out + 1, a, rrl ? 7 : 8);
	return rrl ? 8 : 9;
v4:
	out[0] = 4;
	memcpy(out + 1, a, rrl ? 3 : 4);
	return rrl ? 4 : 5;
}

/* The start of both checks: note the time, then the client's key prefix into out (as
 * client_prefix); 0, meaning pass, when the limit's rate is 0 (off). */
static size_t limited_prefix(struct drl *r, uint64_t now_ms, uint32_t rate,
			     const struct sockaddr *client, int rrl, uint8_t out[9])
{
	see_time(r, now_ms);
	return rate == 0 ? 0 : client_prefix(client, rrl, out);
}

int drl_query(struct drl *r, const struct sockaddr *client, uint64_t now_ms)
{
	uint8_t pfx[9];
	size_t n;
	struct bucket *b;
	int fresh;

	n = limited_prefix(r, now_ms, r->cfg.client_qps, client, 0, pfx);
	if (n == 0)
		return DRL_PASS;
	b = (struct bucket *)slot_get(r, r->clients, sizeof(*b), key_of(r, pfx, n), now_ms, 1,
				      &fresh);
	if (fresh)
		b->tokens = r->client_cap;
	int pass = take_token(b, r->cfg.client_qps, r->client_cap, now_ms);

	/* A client that owes tokens is kept until its bucket would be full again: evicting it
	 * sooner (a flood of new, spoofed sources landing in its set) would hand it a burst
	 * it has not earned. */
	b->s.keep_until = now_ms + (r->client_cap - b->tokens) / r->cfg.client_qps;
	if (pass)
		return DRL_PASS;
	r->st.client_limited++;
	return DRL_DROP;
}

int drl_response(struct drl *r, const struct sockaddr *client, int rcode, const char *name,
		 uint16_t qtype, uint64_t now_ms)
{
	uint8_t buf[9 + 3 + NAME_MAX_LEN];
	size_t n, len;
	struct bucket *b;
	int fresh;
	uint16_t v;

	n = limited_prefix(r, now_ms, r->cfg.rrl_rps, client, 1, buf);
	if (n == 0)
		return DRL_PASS;
	/* Kind: errors by rcode and name, answers by name and type. */
	v = rcode != 0 ? (uint16_t)rcode : qtype;
	buf[n++] = rcode != 0 ? 'E' : 'A';
	buf[n++] = (uint8_t)(v >> 8);
	buf[n++] = (uint8_t)v;
	len = name != NULL ? strnlen(name, NAME_MAX_LEN) : 0;
	if (len > 0)
		memcpy(buf + n, name, len);
	n += len;
	b = (struct bucket *)slot_get(r, r->rrl, sizeof(*b), key_of(r, buf, n), now_ms, 1, &fresh);
	if (fresh)
		b->tokens = r->rrl_cap;
	if (take_token(b, r->cfg.rrl_rps, r->rrl_cap, now_ms))
		return DRL_PASS;
	b->limited++;
	if (r->cfg.rrl_slip != 0 && b->limited % r->cfg.rrl_slip == 0) {
		r->st.rrl_slipped++;
		return DRL_SLIP;
	}
	r->st.rrl_dropped++;
	return DRL_DROP;
}

/* The parent zone of name (the name minus its first label), or NULL if it has none. */
static const char *parent_zone(const char *name)
{
	const char *dot;

	if (name == NULL)
		return NULL;
	dot = strchr(name, '.');
	if (dot == NULL || dot[1] == '\0')
		return NULL;
	return dot + 1;
}

/* Start a new sub-window if the current one is over. */
static void zone_roll(struct zone *z, uint64_t window_ms, uint64_t now_ms)
{
	uint64_t el;

	if (now_ms <= z->start_ms)
		return;
	el = now_ms - z->start_ms;
	if (el < window_ms)
		return;
	if (el >= 2 * window_ms) {
		z->ptotal = z->pnx = 0;
		memset(z->pbits, 0, sizeof(z->pbits));
		z->start_ms = now_ms;
	} else {
		z->ptotal = z->total;
		z->pnx = z->nx;
		memcpy(z->pbits, z->bits, sizeof(z->pbits));
		z->start_ms += window_ms;
	}
	z->total = z->nx = 0;
	memset(z->bits, 0, sizeof(z->bits));
}

/* Whether z, just updated at now_ms, meets all three thresholds. */
static int zone_attacked(const struct drl *r, const struct zone *z, uint64_t now_ms)
{
	uint64_t el = now_ms > z->start_ms ? now_ms - z->start_ms : 0;
	double w = (double)(r->window_ms - el) / (double)r->window_ms;
	double nx = (double)z->pnx * w + z->nx;
	double total = (double)z->ptotal * w + z->total;
	uint32_t bits = 0;
	size_t i;

	for (i = 0; i < WT_BITS / 64; i++)
		bits += (uint32_t)__builtin_popcountll(z->bits[i] | z->pbits[i]);
	if (bits < r->wt_min_bits)
		return 0;
	if (nx * 100.0 < (double)r->cfg.wt_nx_percent * total)
		return 0;
	return nx >= (double)r->cfg.wt_qps * r->cfg.wt_window;
}

/* The entry of client under zone zname[0..zlen) (created if create), or NULL (also for a
 * client that is not IP). */
static struct czone *czone_get(struct drl *r, const struct sockaddr *client, const char *zname,
			       size_t zlen, uint64_t now_ms, int create)
{
	uint8_t buf[9 + NAME_MAX_LEN];
	size_t n = client_prefix(client, 0, buf);
	struct czone *c;
	int fresh;

	if (n == 0)
		return NULL;
	memcpy(buf + n, zname, zlen);
	c = (struct czone *)slot_get(r, r->czones, sizeof(*c), key_of(r, buf, n + zlen), now_ms,
				     create, &fresh);
	if (c != NULL && fresh)
		c->start_ms = now_ms;
	return c;
}

/* The two bits of name in a zone's filter of names that resolved. */
static void good_bits(const struct drl *r, const char *name, uint32_t *a, uint32_t *b)
{
	uint64_t h = siphash13(r->k0 ^ 0x676f6f64ULL, r->k1, (const uint8_t *)name,
			       strnlen(name, NAME_MAX_LEN));

	*a = (uint32_t)(h % WT_GOOD_BITS);
	*b = (uint32_t)((h >> 32) % WT_GOOD_BITS);
}

void drl_wt_note_client(struct drl *r, const struct sockaddr *client, const char *name,
			int nxdomain, uint64_t now_ms, int *event, uint32_t *count)
{
	const char *zname;
	struct zone *z;
	uint64_t h;
	size_t zlen;
	uint32_t ga, gb;
	int fresh;

	if (event != NULL)
		*event = DRL_PASS;
	if (count != NULL)
		*count = 0;
	see_time(r, now_ms);
	zname = parent_zone(name);
	if (r->cfg.wt_min_names == 0 || zname == NULL)
		return;
	zlen = strnlen(zname, NAME_MAX_LEN);
	/* The client's share first: past its cap it alone is refused under the zone, and
	 * what it sends beyond the cap is not the zone's pressure. */
	if (client != NULL && r->cfg.wt_client_nx != 0 && nxdomain) {
		struct czone *c = czone_get(r, client, zname, zlen, now_ms, 1);

		if (c != NULL) {
			if (now_ms >= c->start_ms + r->window_ms) {
				c->start_ms = now_ms;
				c->nx = 0;
			}
			if (now_ms > c->s.used_ms)
				c->s.used_ms = now_ms;
			if (++c->nx > r->cfg.wt_client_nx) {
				if (c->until_ms <= now_ms) {
					c->until_ms = now_ms + r->hold_ms;
					c->s.keep_until = c->until_ms;
					r->st.wt_clients_flagged++;
					if (event != NULL)
						*event = DRL_WT_CLIENT;
					if (count != NULL)
						*count = c->nx;
				}
				return;
			}
		}
	}
	z = (struct zone *)slot_get(r, r->zones, sizeof(*z), key_of(r, zname, zlen), now_ms, 1,
				    &fresh);
	if (fresh)
		z->start_ms = now_ms;
	zone_roll(z, r->window_ms, now_ms);
	z->total++;
	if (nxdomain) {
		z->nx++;
	} else {
		good_bits(r, name, &ga, &gb);
		z->good[ga / 64] |= 1ULL << (ga % 64);
		z->good[gb / 64] |= 1ULL << (gb % 64);
	}
	h = siphash13(r->k1, r->k0, (const uint8_t *)name, strnlen(name, NAME_MAX_LEN));
	h &= WT_BITS - 1;
	z->bits[h / 64] |= 1ULL << (h % 64);
	if (now_ms > z->s.used_ms)
		z->s.used_ms = now_ms;
	if (z->until_ms > now_ms || !zone_attacked(r, z, now_ms))
		return;
	z->until_ms = now_ms + r->hold_ms;
	z->s.keep_until = z->until_ms;
	r->st.wt_zones_flagged++;
	memcpy(r->flagged, zname, zlen);
	r->flagged[zlen] = '\0';
	if (event != NULL)
		*event = DRL_WT_ZONE;
	if (count != NULL)
		*count = z->nx + z->pnx;
}

void drl_wt_note(struct drl *r, const char *name, int nxdomain, uint64_t now_ms,
		 const char **flagged)
{
	int ev;

	drl_wt_note_client(r, NULL, name, nxdomain, now_ms, &ev, NULL);
	if (flagged != NULL)
		*flagged = ev == DRL_WT_ZONE ? r->flagged : NULL;
}

int drl_wt_check(struct drl *r, const struct sockaddr *client, const char *name, uint64_t now_ms)
{
	const char *zname;
	struct zone *z;
	size_t zlen;
	uint32_t ga, gb;
	int fresh;

	see_time(r, now_ms);
	zname = parent_zone(name);
	if (r->cfg.wt_min_names == 0 || zname == NULL)
		return DRL_PASS;
	zlen = strnlen(zname, NAME_MAX_LEN);
	if (client != NULL && r->cfg.wt_client_nx != 0) {
		struct czone *c = czone_get(r, client, zname, zlen, now_ms, 0);

		if (c != NULL && c->until_ms > now_ms) {
			r->st.wt_client_refused++;
			return DRL_WT_CLIENT;
		}
	}
	z = (struct zone *)slot_get(r, r->zones, sizeof(*z), key_of(r, zname, zlen), now_ms, 0,
				    &fresh);
	if (z == NULL || z->until_ms <= now_ms)
		return DRL_PASS;
	if (now_ms > z->s.used_ms)
		z->s.used_ms = now_ms;
	good_bits(r, name, &ga, &gb);
	if ((z->good[ga / 64] >> (ga % 64) & 1) && (z->good[gb / 64] >> (gb % 64) & 1))
		return DRL_PASS; /* it resolved before: not one of the random names */
	r->st.wt_refused++;
	return DRL_WT_ZONE;
}

int drl_wt_refused(struct drl *r, const char *name, uint64_t now_ms)
{
	return drl_wt_check(r, NULL, name, now_ms) == DRL_WT_ZONE;
}

void drl_get_stats(const struct drl *r, struct drl_stats *out)
{
	size_t i;

	*out = r->st;
	out->wt_zones_active = 0;
	for (i = 0; i < r->cfg.table_size; i++) {
		if (r->zones[i].s.key != 0 && r->zones[i].until_ms > r->last_ms)
			out->wt_zones_active++;
	}
}
