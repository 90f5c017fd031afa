/*
 * analyze.c -- counting: the source table, the tuple set, per-day/sensor/port figures,
 * backscatter attack periods and campaigns. See dn_int.h for how distinct counting is
 * designed (exact tuples in one set, HyperLogLog past the bound) and why the common
 * packet costs one source-table probe and no set lookup.
 *
 * Backscatter victims follow Moore et al. ("Inferring Internet Denial-of-Service
 * Activity", 2006) and CAIDA Corsaro's DoS plugin: the source of backscatter packets is
 * the victim; its packets belong to one attack while gaps stay under attack_gap (300 s);
 * an attack counts when it has at least attack_min_packets (25) packets and lasts at
 * least attack_min_duration (60 s).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/base/hash.h"
#include "core/base/siphash.h"
#include "darknet/dn_int.h"

#define MAX_ATTACKS (1u << 20)
#define REPORT_MAX  10 /* problems of one kind reported one by one; then only counted */

/* Keyed bijection of the 64-bit tuple (xor, multiply-xorshift, xor). */
static uint64_t mix(const struct dn_ctx *c, uint64_t t)
{
	return hash_fmix64(t ^ c->m0) ^ c->m1;
}

static uint64_t tuple(uint32_t src, uint32_t day, uint32_t sensor, uint32_t kind, uint32_t proto,
		      uint32_t port)
{
	return (uint64_t)src << 38 | (uint64_t)day << 26 | (uint64_t)sensor << 20 |
	       (uint64_t)kind << 18 | (uint64_t)proto << 16 | port;
}

int dn_parse_prefixes(const char *s, struct ip_prefix *out, int max, int *n, struct isp_err *err)
{
	*n = 0;
	while (s && *s) {
		const char *e;
		size_t len;

		while (*s == ' ' || *s == ',' || *s == '\t')
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		len = (size_t)(e - s);
		if (*n >= max)
			return isp_err_set(err, ISR_ELIMIT, "more than %d prefixes", max);
		if (ip_parse_prefix(s, len, &out[*n], NULL, err) != 0)
			return ISR_EINVAL;
		(*n)++;
		s = e;
	}
	return 0;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif

/*
 * The three big tables (source entries, slots, tuple set) are mappings of their own,
 * advised MADV_HUGEPAGE before first use: their accesses are random, and with 4 KiB
 * pages nearly every one also misses the TLB (a page walk, which a virtual machine makes
 * far dearer). They are not taken from malloc because advice on part of a malloc'd
 * mapping splits it, and realloc's mremap then fails over to a copy (twice the peak
 * memory). Huge pages are only advice: nothing changes where the system says no.
 */
static void *tbl_new(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, n, MADV_HUGEPAGE);
	return p; /* zero-filled */
}

/* Grow table p from old to n bytes, keeping its contents (the pages move, nothing is
 * copied); NULL when out of memory (p is kept). */
static void *tbl_grow(void *p, size_t old, size_t n)
{
	void *q = mremap(p, old, n, MREMAP_MAYMOVE);
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a, e;

	if (q == MAP_FAILED)
		return NULL;
	/* the part already filled may sit in small pages: have it collapsed (Linux 6.1) */
	a = ((uintptr_t)q + huge - 1) & ~(huge - 1);
	e = ((uintptr_t)q + old) & ~(huge - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_COLLAPSE);
	return q;
}

static void tbl_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

int dn_new(const struct dn_opts *o, struct dn_ctx **out, struct isp_err *err)
{
	struct dn_ctx *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	c->o = *o;
	c->o.own = NULL;
	if (o->nown) {
		c->o.own = malloc(sizeof(*o->own) * (size_t)o->nown);
		if (!c->o.own) {
			free(c);
			return isp_err_set(err, ISR_ENOMEM, "out of memory");
		}
		memcpy(c->o.own, o->own, sizeof(*o->own) * (size_t)o->nown);
	}
	if (c->o.exact_max < 1024)
		c->o.exact_max = 1024;
	if (c->o.max_sources > (1u << 26) - 1 || c->o.max_sources == 0)
		c->o.max_sources = (1u << 26) - 1;
	siphash_key(&c->k0, &c->k1, c);
	siphash_key(&c->m0, &c->m1, &c->m0);
	c->capsrc = 1024;
	c->src = tbl_new(sizeof(*c->src) * c->capsrc);
	c->slotmask = 2047;
	c->slot = tbl_new(sizeof(*c->slot) * (c->slotmask + 1));
	c->setmask = 4095;
	c->set = tbl_new(sizeof(*c->set) * (c->setmask + 1));
	snprintf(c->countries[0].code, sizeof(c->countries[0].code), "unknown");
	c->ncountries = 1;
	if (!c->src || !c->slot || !c->set) {
		dn_free(c);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	if (o->geoip && *o->geoip) {
		rc = dn_geo_open(c, o->geoip, err);
		if (rc) {
			dn_free(c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

/* Free a page of 256 per-port sketches (NULL: none). */
static void free_hll_page(struct hll **page)
{
	uint32_t q;

	if (!page)
		return;
	for (q = 0; q < 256; q++)
		free(page[q]);
	free(page);
}

void dn_free(struct dn_ctx *c)
{
	int i;
	uint32_t j;

	if (!c)
		return;
	dn_geo_close(c);
	for (i = 0; i < DN_DAYS; i++) {
		struct dn_day *d = c->days[i];
		int s;

		if (!d)
			continue;
		for (s = 0; s <= DN_MAX_SENSORS; s++) {
			free(d->s[s].h_sources);
			free(d->s[s].h_nobe);
		}
		for (j = 0; j < DN_PAGES; j++) {
			free_hll_page(d->h_ports[j]);
			free(d->ports[j]);
		}
		free(d->h_sources);
		free(d);
	}
	for (j = 0; j < DN_PAGES; j++) {
		free_hll_page(c->h_pports[j]);
		free(c->pports[j]);
	}
	for (i = 0; i < DN_MAX_SENSORS; i++)
		free(c->h_psens[i]);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->h_untracked);
	free(c->att);
	free(c->camp);
	tbl_free(c->set, sizeof(*c->set) * (c->setmask + 1));
	tbl_free(c->slot, sizeof(*c->slot) * (c->slotmask + 1));
	tbl_free(c->src, sizeof(*c->src) * c->capsrc);
	free(c->o.own);
	free(c);
}

/* ---- the tuple set ---- */

static int set_grow(struct dn_ctx *c)
{
	uint64_t nm = c->setmask * 2 + 1, i;
	uint64_t *ns = tbl_new(sizeof(*ns) * (nm + 1));

	if (!ns)
		return -1;
	for (i = 0; i <= c->setmask; i++) {
		uint64_t k = c->set[i], j;

		if (!k)
			continue;
		for (j = k & nm; ns[j]; j = (j + 1) & nm)
			;
		ns[j] = k;
	}
	tbl_free(c->set, sizeof(*c->set) * (c->setmask + 1));
	c->set = ns;
	c->setmask = nm;
	return 0;
}

/* 1: added (new tuple), 0: present, -1: absent and the set is full. */
static int set_add(struct dn_ctx *c, uint64_t t)
{
	uint64_t k = mix(c, t), i;

	if (k == 0) {
		if (c->set_zero)
			return 0;
		if (c->set_full)
			return -1;
		c->set_zero = 1;
		c->setn++;
		return 1;
	}
	for (i = k & c->setmask; c->set[i]; i = (i + 1) & c->setmask)
		if (c->set[i] == k)
			return 0;
	if (c->set_full)
		return -1;
	if (c->setn >= c->o.exact_max) {
		c->set_full = 1;
		c->estimated = 1;
		return -1;
	}
	c->set[i] = k;
	c->setn++;
	if (c->setn * 4 > (c->setmask + 1) * 3 && set_grow(c) != 0) {
		c->set_full = 1; /* out of memory: estimate from here on */
		c->estimated = 1;
	}
	return 1;
}

static void hadd(struct hll **h, uint64_t hash)
{
	if (!*h) {
		*h = calloc(1, sizeof(**h));
		if (!*h)
			return;
	}
	hll_add(*h, hash);
}

/* Count tuple t (or, for an untracked source, its hash hs) in exact counter *n or HLL
 * *h. Returns 1 when the tuple was new (exact path) -- callers use it for caches. */
static int count(struct dn_ctx *c, uint64_t t, int tracked, uint64_t hs, uint64_t *n,
		 struct hll **h)
{
	int r;

	if (!tracked) {
		c->estimated = 1;
		if (h)
			hadd(h, hash_fmix64(hs ^ t));
		return 0;
	}
	r = set_add(c, t);
	if (r == 1)
		(*n)++;
	else if (r < 0 && h)
		hadd(h, hash_fmix64(mix(c, t)));
	return r;
}

/* The period's HLL slot of port index pk (its page allocated on first use); NULL when
 * out of memory (the estimate then misses what would have gone there). */
static struct hll **pport_hll(struct dn_ctx *c, uint32_t pk)
{
	if (!c->h_pports[pk >> 8])
		c->h_pports[pk >> 8] = calloc(256, sizeof(struct hll *));
	return c->h_pports[pk >> 8] ? &c->h_pports[pk >> 8][pk & 255] : NULL;
}

/* count() of one tracked tuple into two figures that are the same with a single
 * sensor (n2 NULL: only the first). */
static void count2(struct dn_ctx *c, uint64_t t, uint64_t *n1, struct hll **h1, uint64_t *n2,
		   struct hll **h2)
{
	int r = set_add(c, t);

	if (r == 1) {
		(*n1)++;
		if (n2)
			(*n2)++;
	} else if (r < 0) {
		if (h1)
			hadd(h1, hash_fmix64(mix(c, t)));
		if (n2 && h2)
			hadd(h2, hash_fmix64(mix(c, t)));
	}
}

/* ---- sources ---- */

static int slot_grow(struct dn_ctx *c)
{
	uint32_t nm = c->slotmask * 2 + 1, i;
	uint64_t *ns = tbl_new(sizeof(*ns) * ((size_t)nm + 1));

	if (!ns)
		return -1;
	/* by source, not by slot: the entries are read in order, not at random */
	for (i = 0; i < c->nsrc; i++) {
		const struct dn_src *s = &c->src[i];
		uint64_t h = dn_addr_hash(c->k0, c->k1, s->addr, s->family);
		uint32_t j;

		for (j = (uint32_t)h & nm; ns[j]; j = (j + 1) & nm)
			;
		ns[j] = (uint64_t)((uint32_t)(h >> 32) | 1) << 32 | (i + 1);
	}
	tbl_free(c->slot, sizeof(*c->slot) * ((size_t)c->slotmask + 1));
	c->slot = ns;
	c->slotmask = nm;
	return 0;
}

/* a[0..n) == b[0..n) for n = 4 or 16, without a call. */
static int addr_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x[2], y[2];
	uint32_t u, w;

	if (n == 4) {
		memcpy(&u, a, 4);
		memcpy(&w, b, 4);
		return u == w;
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* The index of the source (addr, family) whose SipHash is hv, added if new and there is
 * room; -1 when it is not tracked. */
static int64_t src_get(struct dn_ctx *c, const struct dn_pkt *p, uint64_t hv)
{
	size_t alen = p->family == 4 ? 4 : 16;
	uint32_t tag = (uint32_t)(hv >> 32) | 1, i, own = 0;
	struct dn_src *s;
	int k;

	for (i = (uint32_t)hv & c->slotmask; c->slot[i]; i = (i + 1) & c->slotmask) {
		uint64_t v = c->slot[i];

		if ((uint32_t)(v >> 32) != tag)
			continue;
		s = &c->src[(uint32_t)v - 1];
		if (s->family == p->family && addr_eq(s->addr, p->src, alen))
			return (uint32_t)v - 1;
	}
	for (k = 0; k < c->o.nown; k++)
		if (ip_prefix_contains(&c->o.own[k], p->family, p->src))
			own = 1;
	if (c->nsrc >= c->o.max_sources && !(own && c->nsrc < (1u << 26) - 1))
		return -1;
	if (c->nsrc == c->capsrc) {
		struct dn_src *ns =
			tbl_grow(c->src, sizeof(*ns) * c->capsrc, sizeof(*ns) * c->capsrc * 2);

		if (!ns)
			return -1;
		c->src = ns;
		c->capsrc *= 2;
	}
	s = &c->src[c->nsrc];
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, p->src, alen);
	s->family = p->family;
	s->own = (uint8_t)own;
	s->country = dn_geo_lookup(c, p->src, p->family);
	c->slot[i] = (uint64_t)tag << 32 | (c->nsrc + 1);
	c->nsrc++;
	if ((uint64_t)c->nsrc * 2 > (uint64_t)c->slotmask + 1 && slot_grow(c) != 0)
		c->nsrc--; /* cannot happen often: out of memory; the source stays untracked */
	return c->nsrc - 1;
}

/* ---- days ---- */

static struct dn_day *day_get(struct dn_ctx *c, int64_t day, uint32_t *field)
{
	int64_t f;
	struct dn_day *d;

	if (!c->have_base) {
		c->base = day - DN_DAYS / 2;
		c->have_base = 1;
	}
	f = day - c->base;
	if (f < 0 || f >= DN_DAYS)
		return NULL;
	*field = (uint32_t)f;
	d = c->days[f];
	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->day = day;
	c->days[f] = d;
	return d;
}

void dn_attack_close(struct dn_ctx *c, uint32_t idx, struct dn_src *s)
{
	if (s->bs_pkts >= c->o.attack_min_packets &&
	    (int64_t)(s->bs_last - s->bs_start) >= c->o.attack_min_duration) {
		s->nattacks++;
		if (c->natt == c->capatt && c->capatt < MAX_ATTACKS) {
			uint32_t n = c->capatt ? c->capatt * 2 : 256;
			struct dn_attack *na = realloc(c->att, sizeof(*na) * n);

			if (na) {
				c->att = na;
				c->capatt = n;
			}
		}
		if (c->natt < c->capatt)
			c->att[c->natt++] =
				(struct dn_attack){ idx, s->bs_start, s->bs_last, s->bs_pkts };
	}
	s->bs_pkts = 0;
}

static void report_bad(struct dn_ctx *c, const char *file, long long recno, enum dn_bad b)
{
	c->bad[b]++;
	if (b == DN_BAD_NOTIP || !c->log || c->reported[b] >= REPORT_MAX)
		return;
	c->reported[b]++;
	fprintf(c->log, "ispshield: %s: record %lld: %s%s\n", file ? file : "-", recno,
		dn_bad_name(b), c->reported[b] == REPORT_MAX ? " (further ones only counted)" : "");
}

/*
 * Packets pass through a short pipeline so that the dependent cache misses of a packet
 * (the source table's slot, then its entry, then the tuple set's slots it will look up,
 * and the day's port counter) overlap with other packets' work. On arrival a packet is
 * decoded, matched to a sensor and hashed, and its slot prefetched; DN_STAGE packets
 * later its slot is read: the index it holds (when the tag matches) is kept as the
 * candidate source, and the entry and the port counter are prefetched; DN_STAGE packets
 * later again the candidate's entry is read to see whether this packet will need the
 * tuple set (a fifth or later port), and if so those set slots are prefetched; DN_PIPE
 * packets after arrival it is counted. Only hints move: counting does the full lookups
 * on the state as it is then, so the result is the same as without the pipeline.
 *
 * The hints are written out in dn_add_record on purpose: in a helper function of their
 * own, GCC 12 finds the helper "looping pure" (loads and __builtin_prefetch) and deletes
 * the call as dead code -- the entry prefetch of the first version never ran.
 */
static void process(struct dn_ctx *c, const struct dn_pend *e);

/* The port index of a packet: protocol << 16 | destination port (IP protocol for
 * "other"). */
static uint32_t port_index(const struct dn_pkt *p)
{
	return (uint32_t)p->proto << 16 | (p->proto == DN_P_OTHER ? p->ipproto : p->dport);
}

void dn_flush(struct dn_ctx *c)
{
	while (c->pn) {
		process(c, &c->pend[c->phead]);
		c->phead = (c->phead + 1) % DN_PIPE;
		c->pn--;
	}
}

void dn_add_record(struct dn_ctx *c, const char *file, const struct dn_rec *r)
{
	struct dn_pend *e;
	enum dn_bad b;
	int si, k;

	c->records++;
	if (c->pn == DN_PIPE) {
		process(c, &c->pend[c->phead]);
		c->phead = (c->phead + 1) % DN_PIPE;
		c->pn--;
	}
	e = &c->pend[(c->phead + c->pn) % DN_PIPE];
	b = dn_decode(r->link, r->data, r->caplen, &e->p);
	if (b != DN_OK) {
		report_bad(c, file, r->recno, b);
		return;
	}
	si = -1;
	for (k = 0; k < c->o.nsensors; k++)
		if (ip_prefix_contains(&c->o.sensors[k], e->p.family, e->p.dst)) {
			si = k;
			break;
		}
	if (si < 0) {
		c->outside++;
		return;
	}
	e->si = si;
	e->ts = r->ts;
	e->hv = dn_addr_hash(c->k0, c->k1, e->p.src, e->p.family);
	e->cand = 0;
	__builtin_prefetch(&c->slot[(uint32_t)e->hv & c->slotmask]);
	c->pn++;
	if (c->pn <= DN_STAGE)
		return;
	/* DN_STAGE packets back: the slot gives the candidate; its entry, the port counter */
	struct dn_pend *h = &c->pend[(c->phead + c->pn - 1 - DN_STAGE) % DN_PIPE];
	uint64_t v = c->slot[(uint32_t)h->hv & c->slotmask];
	int64_t f = c->have_base && h->ts >= 0 ? h->ts / 86400 - c->base : -1;
	uint32_t pk = port_index(&h->p);

	if (v && (uint32_t)(v >> 32) == ((uint32_t)(h->hv >> 32) | 1)) {
		const char *sp = (const char *)&c->src[(uint32_t)v - 1];

		h->cand = (uint32_t)v;
		/* the table is page-aligned and an entry 3 cache lines: these are all */
		__builtin_prefetch(sp);
		__builtin_prefetch(sp + 64);
		__builtin_prefetch(sp + 128);
	}
	if (f >= 0 && f < DN_DAYS && c->days[f]) {
		const struct dn_port *pg = c->days[f]->ports[pk >> 8];

		if (pg)
			__builtin_prefetch(&pg[pk & 255]);
	}
	if (c->pn <= 2 * DN_STAGE)
		return;
	/* 2 x DN_STAGE packets back: will the candidate need the set for this port? */
	h = &c->pend[(c->phead + c->pn - 1 - 2 * DN_STAGE) % DN_PIPE];
	f = c->have_base && h->ts >= 0 ? h->ts / 86400 - c->base : -1;
	pk = port_index(&h->p);
	if (h->cand && f >= 0 && f < DN_DAYS && h->p.klass != DN_BACKSCATTER) {
		const struct dn_src *sc = &c->src[h->cand - 1];
		uint32_t sid = h->cand - 1, df = (uint32_t)f, j;
		int64_t rel = (int64_t)df - (int64_t)sc->day0;

		for (j = 0; j < sc->nipk && sc->ipk[j] != pk; j++)
			;
		if (sc->packets && (sc->cport != pk || sc->cport_day != df + 1) &&
		    ((j == sc->nipk && j == DN_INL) || (j < sc->nipk && (rel < 0 || rel >= 64)))) {
			uint64_t k2 = mix(c, tuple(sid, df, 0, 2, pk >> 16, pk & 0xffff));

			__builtin_prefetch(&c->set[k2 & c->setmask]);
			if (j == sc->nipk) {
				uint64_t k3 = mix(c, tuple(sid, 0, 0, 3, pk >> 16, pk & 0xffff));

				__builtin_prefetch(&c->set[k3 & c->setmask]);
			}
		}
	}
}

static void process(struct dn_ctx *c, const struct dn_pend *e)
{
	const struct dn_pkt *pp = &e->p;
	struct dn_pkt p = *pp;
	const struct dn_rec rr = { e->ts, 0, NULL, 0, 0, 0 }, *r = &rr;
	int si = e->si;
	uint32_t df, pk, bit_sensor;
	uint64_t bit, hs = e->hv;
	struct dn_day *d;
	int64_t idx;

	d = r->ts >= 0 ? day_get(c, r->ts / 86400, &df) : NULL;
	if (!d) {
		c->badtime++;
		return;
	}
	c->analysed++;
	d->packets++;
	d->cls[p.klass]++;
	d->s[si].packets++;
	pk = port_index(&p);
	if (!d->ports[pk >> 8]) {
		d->ports[pk >> 8] = calloc(256, sizeof(struct dn_port));
		if (!d->ports[pk >> 8]) {
			c->analysed--; /* out of memory: counted as a bad timestamp */
			c->badtime++;
			return;
		}
	}
	struct dn_port *port = &d->ports[pk >> 8][pk & 255];

	port->packets++;
	if (!c->pports[pk >> 8]) {
		c->pports[pk >> 8] = calloc(256, sizeof(uint64_t));
		if (!c->pports[pk >> 8]) {
			c->analysed--; /* out of memory: as above */
			c->badtime++;
			return;
		}
	}
	bit_sensor = (uint32_t)si;
	bit = (uint64_t)1 << si;
	idx = src_get(c, &p, hs);
	if (idx < 0) {
		c->untracked_pkts++;
		hadd(&c->h_untracked, hs);
		count(c, tuple(0, df, DN_ALL, 0, 0, 0), 0, hs, NULL, &d->h_sources);
		count(c, tuple(0, df, bit_sensor, 0, 0, 0), 0, hs, NULL, &d->s[si].h_sources);
		count(c, tuple(0, df, bit_sensor, 1, pk >> 16, pk & 0xffff), 0, hs, NULL,
		      &d->s[si].h_nobe);
		if (!d->h_ports[pk >> 8])
			d->h_ports[pk >> 8] = calloc(256, sizeof(struct hll *));
		if (d->h_ports[pk >> 8])
			count(c, tuple(0, df, 0, 2, pk >> 16, pk & 0xffff), 0, hs, NULL,
			      &d->h_ports[pk >> 8][pk & 255]);
		hadd(&c->h_psens[si], hs);
		if (p.klass != DN_BACKSCATTER)
			count(c, tuple(0, 0, 0, 3, pk >> 16, pk & 0xffff), 0, hs, NULL,
			      pport_hll(c, pk));
		return;
	}
	struct dn_src *s = &c->src[idx];
	uint32_t ts = (uint32_t)r->ts, sid = (uint32_t)idx;

	if (!s->packets)
		s->day0 = df;
	if (!s->packets || ts < s->first)
		s->first = ts;
	if (ts > s->last)
		s->last = ts;
	s->packets++;
	s->cls[p.klass]++;
	s->fp |= p.fp;
	if (!(s->sensors & bit))
		c->psens[si]++; /* a source new to this sensor over the whole period */
	s->sensors |= bit;
	/* kind 0, any sensor: the source's day bitmap, or the set past 64 days */
	int single = c->o.nsensors == 1;
	int64_t rel = (int64_t)df - (int64_t)s->day0;
	int near = rel >= 0 && rel < 64;

	if (near) {
		if (!(s->days >> rel & 1)) {
			s->days |= (uint64_t)1 << rel;
			d->sources++;
			if (single)
				d->s[0].sources++;
		}
	} else {
		count2(c, tuple(sid, df, DN_ALL, 0, 0, 0), &d->sources, &d->h_sources,
		       single ? &d->s[0].sources : NULL, &d->s[0].h_sources);
	}
	/* kind 0 per sensor (several sensors): the set, spared by today's sensor mask */
	if (!single) {
		int cached = s->cday == df + 1;

		if (!cached || !(s->cday_mask & bit)) {
			count(c, tuple(sid, df, bit_sensor, 0, 0, 0), 1, 0, &d->s[si].sources,
			      &d->s[si].h_sources);
			if (!cached && s->cday < df + 1) { /* a later day: the cache moves on */
				s->cday = df + 1;
				s->cday_mask = 0;
				cached = 1;
			}
			if (cached)
				s->cday_mask |= bit;
		}
	}
	/* Backscatter's destination port is the port the attacker spoofed as the source:
	 * random by construction. It counts in packets per port, not in distinct sources
	 * per port or ports per source (which it would flood with noise). */
	if (p.klass == DN_BACKSCATTER)
		goto backscatter;
	/* kinds 2 and 3: the port per day and ever -- inline for the first DN_INL ports */
	int portchange = s->cport != pk || s->cport_day != df + 1;
	int j;

	if (portchange) {
		s->cport = pk;
		s->cport_day = df + 1;
		s->cport_mask = 0;
	}
	for (j = 0; j < s->nipk && s->ipk[j] != pk; j++)
		;
	if (j == s->nipk && j < DN_INL) {
		s->ipk[j] = pk;
		s->ipkdays[j] = 0;
		s->nipk++;
		s->nports++;
		c->pports[pk >> 8][pk & 255]++; /* a port new to this source: the period's */
		if (s->nsample < DN_SAMPLE) {
			s->sample[s->nsample] = (uint16_t)pk;
			s->sample_proto[s->nsample++] = (uint8_t)(pk >> 16);
		}
	}
	if (j < s->nipk && near) {
		if (!(s->ipkdays[j] >> rel & 1)) {
			s->ipkdays[j] |= (uint64_t)1 << rel;
			port->sources++;
			if (single)
				d->s[0].nobe++;
		}
	} else if (portchange) {
		struct hll **ph;

		if (!d->h_ports[pk >> 8] && c->set_full)
			d->h_ports[pk >> 8] = calloc(256, sizeof(struct hll *));
		ph = d->h_ports[pk >> 8] ? &d->h_ports[pk >> 8][pk & 255] : NULL;
		count2(c, tuple(sid, df, 0, 2, pk >> 16, pk & 0xffff), &port->sources, ph,
		       single ? &d->s[0].nobe : NULL, &d->s[0].h_nobe);
		if (j == s->nipk) {
			/* kind 3 new: a source new to the port over the whole period */
			if (count(c, tuple(sid, 0, 0, 3, pk >> 16, pk & 0xffff), 1, 0,
				  &c->pports[pk >> 8][pk & 255],
				  c->set_full || c->setn + 1 >= c->o.exact_max ? pport_hll(c, pk)
									       : NULL) == 1) {
				s->nports++;
				if (s->nsample < DN_SAMPLE) {
					s->sample[s->nsample] = (uint16_t)pk;
					s->sample_proto[s->nsample++] = (uint8_t)(pk >> 16);
				}
			}
		}
	}
	/* kind 1 (several sensors): TALOT2's count per sensor, spared by the port cache */
	if (!single && !(s->cport_mask & bit))
		count(c, tuple(sid, df, bit_sensor, 1, pk >> 16, pk & 0xffff), 1, 0, &d->s[si].nobe,
		      &d->s[si].h_nobe);
	s->cport_mask |= bit;
	return;
backscatter:
	/* attack periods */
	{
		/* a packet within attack_gap of the open period joins it (small reordering
		 * is tolerated); anything further away ends it and opens the next */
		if (s->bs_pkts && ((int64_t)ts - (int64_t)s->bs_last > c->o.attack_gap ||
				   (int64_t)s->bs_start - (int64_t)ts > c->o.attack_gap))
			dn_attack_close(c, sid, s);
		if (!s->bs_pkts) {
			s->bs_start = ts;
			s->bs_last = ts;
		}
		s->bs_pkts++;
		if (ts > s->bs_last)
			s->bs_last = ts;
		if (ts < s->bs_start)
			s->bs_start = ts;
	}
}
