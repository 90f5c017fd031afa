/*
 * zone.c -- an RPZ zone built from the snapshot, the difference of two zones, and the
 * journal of differences IXFR answers from (see rpz_int.h).
 *
 * A zone is built by walking every key of the snapshot once (snap_each_key) and writing
 * the records of the zone's lists into one growing arena; the record offsets are then
 * sorted and duplicates dropped. Two zones differ by one merge walk over their sorted
 * offsets. Memory: a record is its relative owner, 4 bytes of type and length and its
 * rdata, plus a 4-byte offset (a 1 M-name zone is some 30 MB).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/binwrite.h"
#include "core/base/siphash.h"
#include "core/lists/allowlist.h"
#include "core/lists/listexport.h"
#include "core/lists/snapfmt.h"
#include "core/net/ip.h"
#include "rpz/rpz_int.h"

size_t rpz_rec_size(const uint8_t *r)
{
	size_t o = 1 + (size_t)r[0];

	return o + 4 + dnsw_get16(r + o + 2);
}

struct zb {
	struct rpz_zone *z;
	size_t cap; /* of the arena */
	size_t nrecs_cap;
	unsigned char in_zone[SNAP_MAX_LISTS];
	unsigned char act[SNAP_MAX_LISTS]; /* each list's enum config_list_action */
	const struct rpz_policy *pol;
	int allow_list;	  /* the snapshot's allowlist index, or -1 */
	int domains, ips; /* the zone has lists of these kinds */
	int oom;
	int (*visit)(void *ud, const uint8_t *rec); /* rpz_zone_walk: each record, unkept */
	void *ud;
};

static int grow(struct zb *b, size_t need)
{
	struct rpz_zone *z = b->z;

	if (z->arena_len + need > UINT32_MAX ||
	    mem_grow_from((void **)&z->arena, &b->cap, z->arena_len + need, 1, 1 << 16) ||
	    mem_grow_from((void **)&z->recs, &b->nrecs_cap, z->n + 1, sizeof(*z->recs), 4096))
		return -1;
	return 0;
}

/* Append a record: owner (relative wire, olen bytes), type, rdata. */
static int add_rec(struct zb *b, const uint8_t *owner, size_t olen, uint16_t type,
		   const uint8_t *rd, size_t rdlen)
{
	struct rpz_zone *z = b->z;
	uint8_t *p;

	if (grow(b, 1 + olen + 4 + rdlen) != 0) {
		b->oom = 1;
		return -1;
	}
	z->recs[z->n++] = (uint32_t)z->arena_len;
	p = z->arena + z->arena_len;
	p[0] = (uint8_t)olen;
	if (olen)
		memcpy(p + 1, owner, olen);
	dnsw_put16(p + 1 + olen, type);
	dnsw_put16(p + 3 + olen, (uint16_t)rdlen);
	memcpy(p + 5 + olen, rd, rdlen);
	if (b->visit) { /* a walk: the arena is only where the record is written */
		z->n--;
		return b->visit(b->ud, p);
	}
	z->arena_len += 1 + olen + 4 + rdlen;
	return 0;
}

/* The policy records of `action` (local data `data`, wire form of rpzdata.h) under owner. */
static int add_policy(struct zb *b, const uint8_t *owner, size_t olen, int action,
		      const uint8_t *data, size_t dlen)
{
	static const uint8_t root[] = { 0 }, star[] = { 1, '*', 0 },
			     passthru[] = "\x0crpz-passthru", drop[] = "\x08rpz-drop",
			     tcp[] = "\x0crpz-tcp-only";
	const uint8_t *t = root;
	size_t tl = 1, off;

	switch (action) {
	case LIST_ALLOW: t = passthru, tl = sizeof(passthru); break;
	case LIST_NODATA: t = star, tl = sizeof(star); break;
	case LIST_DROP: t = drop, tl = sizeof(drop); break;
	case LIST_TCP_ONLY: t = tcp, tl = sizeof(tcp); break;
	case LIST_LOCAL:
		/* {u16 type, u16 rdlength, rdata}...; checked again here (hostile file) */
		for (off = 0; data && off + 4 <= dlen;) {
			size_t rl = dnsw_get16(data + off + 2);

			if (off + 4 + rl > dlen)
				break;
			if (add_rec(b, owner, olen, dnsw_get16(data + off), data + off + 4, rl))
				return -1;
			off += 4 + rl;
		}
		if (data && off == dlen && dlen > 0)
			return 0;
		break; /* no or bad data: the block it stands for */
	default: break;
	}
	return add_rec(b, owner, olen, DNSW_CNAME, t, tl);
}

/* The records of a block entry of a list whose policy is act (enum config_list_action). */
static int add_block(struct zb *b, const uint8_t *owner, size_t olen, int act)
{
	const struct rpz_policy *p = b->pol;
	int rc = 0;

	if (act == LIST_ACTION_LOG_ONLY)
		return add_policy(b, owner, olen, LIST_ALLOW, NULL, 0);
	if (!p || !(act == LIST_ACTION_WALLED || (act == LIST_ACTION_DEFAULT && p->walled)))
		return add_policy(b, owner, olen, LIST_BLOCK, NULL, 0);
	if (p->cname_len)
		return add_rec(b, owner, olen, DNSW_CNAME, p->cname, p->cname_len);
	if (p->have_a)
		rc = add_rec(b, owner, olen, DNSW_A, p->a, 4);
	if (!rc && p->have_aaaa)
		rc = add_rec(b, owner, olen, DNSW_AAAA, p->aaaa, 16);
	if (!rc && !p->have_a && !p->have_aaaa) /* rpz_policy_init refuses this */
		rc = add_policy(b, owner, olen, LIST_BLOCK, NULL, 0);
	return rc;
}

/* A walled-garden address of the configuration (key: its name): *have when set. */
static int wg_addr(const char *key, const char *v, int af, uint8_t *out, int *have,
		   struct isp_err *err)
{
	if (!v[0])
		return 0;
	if (inet_pton(af, v, out) != 1)
		return isp_err_set(err, ISR_EINVAL, "%s: %s: not an IPv%d address", key, v,
				   af == AF_INET ? 4 : 6);
	*have = 1;
	return 0;
}

int rpz_policy_init(struct rpz_policy *p, const struct isp_config *cfg, struct isp_err *err)
{
	int i, n, rc;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->walled = strcmp(cfg->dns_block_action, "walled-garden") == 0;
	if (cfg->rpz_walled[0]) {
		n = dnsw_name_wire(cfg->rpz_walled, p->cname, sizeof(p->cname));
		if (n <= 1)
			return isp_err_set(err, ISR_EINVAL,
					   "rpz.walled-garden: %s is not a host name",
					   cfg->rpz_walled);
		p->cname_len = (size_t)n;
	}
	rc = wg_addr("dns.walled-garden-a", cfg->dns_walled_garden_a, AF_INET, p->a, &p->have_a,
		     err);
	if (rc == 0)
		rc = wg_addr("dns.walled-garden-aaaa", cfg->dns_walled_garden_aaaa, AF_INET6,
			     p->aaaa, &p->have_aaaa, err);
	if (rc)
		return rc;
	if (p->cname_len || p->have_a || p->have_aaaa)
		return 0;
	if (p->walled)
		return isp_err_set(err, ISR_EINVAL,
				   "dns.block-action walled-garden: set rpz.walled-garden or "
				   "dns.walled-garden-a/-aaaa");
	for (i = 0; i < cfg->nlists; i++)
		if (cfg->lists[i].action == LIST_ACTION_WALLED)
			return isp_err_set(
				err, ISR_EINVAL,
				"list.%s: action walled-garden: set rpz.walled-garden or "
				"dns.walled-garden-a/-aaaa",
				cfg->lists[i].name);
	return 0;
}

/* The relative owner of a domain key (normalised: lower case, no trailing dot) in wire
 * form, "*." before it when wild, label by label (no text round trip); 0 when a label is
 * empty or too long or the name does not fit under the origin. */
static size_t domain_owner(const struct zb *b, const struct snap_key *k, int wild, uint8_t *out)
{
	size_t o = 0, i, start;

	if (wild) {
		out[o++] = 1;
		out[o++] = '*';
	}
	if (o + k->keylen + 1 + b->z->origin_len > DNSW_MAX_NAME)
		return 0;
	for (start = 0, i = 0; i <= k->keylen; i++) {
		if (i < k->keylen && k->key[i] != '.')
			continue;
		if (i == start || i - start > 63)
			return 0;
		out[o++] = (uint8_t)(i - start);
		memcpy(out + o, k->key + start, i - start);
		o += i - start;
		start = i + 1;
	}
	return o;
}

/* The relative owner of a key (wild: "*." before it) in wire form; 0 = too long. */
static size_t owner_of(struct zb *b, const struct snap_key *k, int wild, uint8_t *out)
{
	char text[300];
	uint8_t w[DNSW_MAX_NAME];
	struct ip_prefix p;
	size_t alen = k->type == SNAP_KEY_IP4 ? 4 : 16;
	int n;

	if (k->type == SNAP_KEY_DOMAIN) /* the hot path: a million names a rebuild */
		return domain_owner(b, k, wild, out);
	if (k->keylen != alen + 1)
		return 0;
	memset(&p, 0, sizeof(p));
	p.family = k->type == SNAP_KEY_IP4 ? 4 : 6;
	p.len = (uint8_t)k->key[0];
	memcpy(p.addr, k->key + 1, alen);
	listexport_rpz_ip_owner(&p, text, sizeof(text));
	n = dnsw_name_wire(text, w, sizeof(w));
	/* relative labels (no root) + the origin must fit 255 */
	if (n < 2 || (size_t)n - 1 + b->z->origin_len > DNSW_MAX_NAME)
		return 0;
	memcpy(out, w, (size_t)n - 1);
	return (size_t)n - 1;
}

/* One form (exact or wildcard) of a key: its records if the zone has it. */
static int add_form(struct zb *b, const struct snap *s, const struct snap_key *k,
		    const struct snap_result *r, int wild)
{
	const struct snap_hit *pick = NULL;
	int inzone = 0, allowed = 0, i;
	uint8_t owner[DNSW_MAX_NAME];
	size_t olen, dlen = 0;
	const uint8_t *data = NULL;

	for (i = 0; i < r->n; i++) {
		const struct snap_hit *h = &r->hits[i];

		if ((int)h->list == b->allow_list) {
			allowed = 1;
		} else if (h->list < SNAP_MAX_LISTS && b->in_zone[h->list]) {
			inzone = 1;
			if (h->allow)
				allowed = 1;
			else if (!pick && b->act[h->list] != LIST_ACTION_LOG_ONLY)
				pick = h;
		}
	}
	if (!inzone && !allowed)
		return 0;
	if (!inzone) { /* an allowlist entry: for the zones of its kind */
		if (k->type == SNAP_KEY_DOMAIN ? !b->domains : !b->ips)
			return 0;
	}
	olen = owner_of(b, k, wild, owner);
	if (olen == 0) {
		b->z->toolong++;
		return 0;
	}
	if (allowed || !pick) /* allowlisted, or only log-only lists: passthru */
		return add_policy(b, owner, olen, LIST_ALLOW, NULL, 0);
	if (pick->action == LIST_BLOCK)
		return add_block(b, owner, olen, b->act[pick->list]);
	if (pick->action == LIST_LOCAL)
		data = snap_hit_data(s, pick, &dlen);
	return add_policy(b, owner, olen, pick->action, data, dlen);
}

struct zwalk {
	struct zb *b;
	const struct snap *s;
};

static int on_key(void *ud, const struct snap_key *k)
{
	struct zwalk *w = ud;

	if (k->type == SNAP_KEY_URL)
		return 0;
	if (add_form(w->b, w->s, k, &k->exact, 0))
		return -1;
	if (k->type == SNAP_KEY_DOMAIN && add_form(w->b, w->s, k, &k->wild, 1))
		return -1;
	return 0;
}

/*
 * The order of a zone's records: by a 64-bit keyed hash of their bytes (SipHash-1-3,
 * core/base/siphash, with a key drawn once per process), then by the bytes.
 * Any total order the same in every zone of the process is all a difference needs; this
 * one sorts fast (a radix sort of 64-bit words). Owners sorted by bytes share long
 * prefixes ("\x09n0000..."), which made a comparison sort of a million of them take
 * seconds. The key makes the hash unpredictable from outside, so that a list cannot be
 * made of records whose hashes collide (rpz_zone_delta takes equal hashes for equal
 * records).
 */
static uint64_t hash_k0, hash_k1;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_keyed(void)
{
	siphash_key(&hash_k0, &hash_k1, &hash_k0);
}

uint64_t rpz_rec_hash(const uint8_t *r)
{
	pthread_once(&hash_once, hash_keyed);
	return siphash13(hash_k0, hash_k1, r, rpz_rec_size(r));
}

static int rec_cmp_raw(const uint8_t *a, const uint8_t *b)
{
	size_t la = rpz_rec_size(a), lb = rpz_rec_size(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

/* Records a and b in the zone order (their hashes ha, hb). */
static int rec_cmp(const uint8_t *a, uint64_t ha, const uint8_t *b, uint64_t hb)
{
	return ha != hb ? (ha > hb) - (ha < hb) : rec_cmp_raw(a, b);
}

void rpz_u64_sort(uint64_t *v, size_t n, int shift)
{
	size_t cnt[256] = { 0 }, start[257], next[256], i, j;
	unsigned b;

	if (n < 32 || shift < 0) {
		for (i = 1; i < n; i++) {
			uint64_t e = v[i];

			for (j = i; j > 0 && v[j - 1] > e; j--)
				v[j] = v[j - 1];
			v[j] = e;
		}
		return;
	}
	for (i = 0; i < n; i++)
		cnt[(v[i] >> shift) & 255]++;
	start[0] = 0;
	for (b = 0; b < 256; b++) {
		start[b + 1] = start[b] + cnt[b];
		next[b] = start[b];
	}
	for (b = 0; b < 256; b++) { /* American flag sort: in place, bucket by bucket */
		while (next[b] < start[b + 1]) {
			uint64_t e = v[next[b]];
			unsigned d = (unsigned)(e >> shift) & 255;

			while (d != b) {
				uint64_t t = v[next[d]];

				v[next[d]++] = e;
				e = t;
				d = (unsigned)(e >> shift) & 255;
			}
			v[next[b]++] = e;
		}
		if (cnt[b] > 1)
			rpz_u64_sort(v + start[b], cnt[b], shift - 8);
	}
}

/* qsort_r order of two offsets into arena: the zone order. */
static int off_cmp(const void *x, const void *y, void *arena)
{
	const uint8_t *a = (const uint8_t *)arena + *(const uint32_t *)x;
	const uint8_t *b = (const uint8_t *)arena + *(const uint32_t *)y;

	return rec_cmp(a, rpz_rec_hash(a), b, rpz_rec_hash(b));
}

/* Sort the record offsets recs[0..n) of arena in the zone order and drop duplicates:
 * the offsets sorted as words (the hash's top 32 bits, the offset), then each run with
 * equal top bits (a few in a million) by the whole hash and the bytes. The new count. */
size_t rpz_recs_order(const uint8_t *arena, uint32_t *recs, size_t n, uint64_t *v)
{
	size_t i, j, m;

	for (i = 0; i < n; i++)
		v[i] = (rpz_rec_hash(arena + recs[i]) >> 32) << 32 | recs[i];
	rpz_u64_sort(v, n, 56);
	for (i = 0; i < n; i++)
		recs[i] = (uint32_t)v[i];
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] >> 32 == v[i] >> 32;)
			j++;
		if (j - i > 1)
			qsort_r(recs + i, j - i, sizeof(*recs), off_cmp, (void *)arena);
	}
	for (i = 0, m = 0; i < n; i++)
		if (m == 0 || rec_cmp_raw(arena + recs[m - 1], arena + recs[i]) != 0)
			recs[m++] = recs[i];
	return m;
}

int rpz_zone_order(struct rpz_zone *z)
{
	uint64_t *v = malloc((z->n ? z->n : 1) * sizeof(*v));
	uint8_t *a;
	size_t i, len = 0;

	if (!v)
		return ISR_ENOMEM;
	z->n = rpz_recs_order(z->arena, z->recs, z->n, v);
	free(v);
	/* the arena rewritten in that order (so that a transfer and the first difference
	 * read it front to back, not a cache miss a record); kept as it is without memory */
	for (i = 0; i < z->n; i++)
		len += rpz_rec_size(z->arena + z->recs[i]);
	a = malloc(len ? len : 1);
	if (!a)
		return 0;
	for (i = 0, len = 0; i < z->n; i++) {
		size_t sz = rpz_rec_size(z->arena + z->recs[i]);

		memcpy(a + len, z->arena + z->recs[i], sz);
		z->recs[i] = (uint32_t)len;
		len += sz;
	}
	free(z->arena);
	z->arena = a;
	z->arena_len = len;
	return 0;
}

/* A zone named `name` (no records yet) and b set up to fill it from s's lists. */
static int zb_init(struct zb *b, const struct snap *s, const char *name, const char *const *lists,
		   int nlists, uint32_t ttl, const struct rpz_policy *pol, struct isp_err *err)
{
	struct rpz_zone *z;
	unsigned i, nl = snap_nlists(s);
	int n, j;

	memset(b, 0, sizeof(*b));
	b->allow_list = -1;
	b->pol = pol;
	z = calloc(1, sizeof(*z));
	if (!z) {
		isp_err_set(err, ISR_ENOMEM, "rpz: out of memory");
		return ISR_ENOMEM;
	}
	z->refs = 1;
	z->ttl = ttl;
	snprintf(z->name, sizeof(z->name), "%s", name);
	n = dnsw_name_wire(name, z->origin, sizeof(z->origin));
	if (n < 0) {
		free(z);
		isp_err_set(err, ISR_EINVAL, "rpz: zone %s: not a valid name", name);
		return ISR_EINVAL;
	}
	z->origin_len = (size_t)n;
	b->z = z;
	for (i = 0; i < nl && i < SNAP_MAX_LISTS; i++) {
		struct snap_list_info li;

		snap_list(s, i, &li);
		if (strcmp(li.name, SNAP_ALLOWLIST) == 0 && li.kind == LIST_KIND_NONE) {
			b->allow_list = (int)i;
			continue;
		}
		for (j = 0; j < nlists; j++) {
			if (strcmp(li.name, lists[j]) != 0)
				continue;
			const struct config_list *cl =
				pol && pol->cfg ? config_list_policy(pol->cfg, li.name) : NULL;

			b->in_zone[i] = 1;
			b->act[i] = cl ? (unsigned char)cl->action : LIST_ACTION_DEFAULT;
			b->domains |= li.kind == LIST_DOMAIN;
			b->ips |= li.kind == LIST_IP;
		}
	}
	return 0;
}

/* Every record of b's zone: the apex NS, then the snapshot's. 0 or -1 (b->oom, or the
 * visitor's error). */
static int zb_fill(struct zb *b, const struct snap *s)
{
	static const uint8_t ns[] = "\x09localhost";
	struct zwalk w = { .b = b, .s = s };

	if (add_rec(b, NULL, 0, DNSW_NS, ns, sizeof(ns)) != 0)
		return -1;
	return snap_each_key(s, on_key, &w) != 0 || b->oom ? -1 : 0;
}

int rpz_zone_build(const struct snap *s, const char *name, const char *const *lists, int nlists,
		   uint32_t ttl, const struct rpz_policy *pol, struct rpz_zone **out,
		   struct isp_err *err)
{
	struct zb b;
	int rc = zb_init(&b, s, name, lists, nlists, ttl, pol, err);

	*out = NULL;
	if (rc)
		return rc;
	if (zb_fill(&b, s) != 0) {
		rpz_zone_unref(b.z);
		return isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory", name);
	}
	*out = b.z;
	return 0;
}

int rpz_zone_walk(const struct snap *s, const char *name, const char *const *lists, int nlists,
		  const struct rpz_policy *pol, int (*visit)(void *ud, const uint8_t *rec),
		  void *ud, struct isp_err *err)
{
	struct zb b;
	int rc = zb_init(&b, s, name, lists, nlists, 0, pol, err);

	if (rc)
		return rc;
	b.visit = visit;
	b.ud = ud;
	rc = zb_fill(&b, s);
	if (rc)
		rc = isp_err_set(err, ISR_ENOMEM, "rpz: zone %s: out of memory", name);
	rpz_zone_unref(b.z);
	return rc;
}

void rpz_zone_unref(struct rpz_zone *z)
{
	if (!z || --z->refs > 0)
		return;
	free(z->arena);
	free(z->recs);
	free(z);
}

/* Copy record r into d's arena; its offset into *list[*n]. */
static void diff_put(struct rpz_diff *d, const uint8_t *r, uint32_t *list, size_t *n)
{
	size_t sz = rpz_rec_size(r);

	memcpy(d->arena + d->arena_len, r, sz);
	list[(*n)++] = (uint32_t)d->arena_len;
	d->arena_len += sz;
}

/* Append v to the growing list *l (*n used, *cap room). 0 or -1. */
static int push(uint32_t **l, size_t *n, size_t *cap, uint32_t v)
{
	if (mem_grow_from((void **)l, cap, *n + 1, sizeof(**l), 256))
		return -1;
	(*l)[(*n)++] = v;
	return 0;
}

int rpz_diff_make(const struct rpz_zone *a, const struct rpz_zone *b, struct rpz_diff **out)
{
	struct rpz_diff *d;
	size_t i = 0, j = 0, bytes = 0, k, cdel = 0, cadd = 0, nd = 0, na = 0;
	size_t hi = (size_t)-1, hj = (size_t)-1; /* whose hash ha, hb are */
	uint64_t ha = 0, hb = 0;
	uint32_t *del = NULL, *add = NULL; /* offsets in a's and b's arenas */
	int rc = 0;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ISR_ENOMEM;
	d->refs = 1;
	d->from = a->serial;
	d->to = b->serial;
	/* one merge walk (each record read once: the records are where the snapshot walk
	 * put them, so a read is a cache miss), collecting what differs; then copied */
	while (rc == 0 && (i < a->n || j < b->n)) {
		const uint8_t *ra = i < a->n ? a->arena + a->recs[i] : NULL;
		const uint8_t *rb = j < b->n ? b->arena + b->recs[j] : NULL;
		int c = 0;

		if (ra && rb) { /* the zone order */
			if (hi != i)
				ha = rpz_rec_hash(ra), hi = i;
			if (hj != j)
				hb = rpz_rec_hash(rb), hj = j;
			c = rec_cmp(ra, ha, rb, hb);
		}
		if (ra && rb && c == 0) {
			i++, j++;
		} else if (ra && (!rb || c < 0)) {
			rc = push(&del, &nd, &cdel, a->recs[i++]);
			bytes += rpz_rec_size(ra);
		} else if (rb) {
			rc = push(&add, &na, &cadd, b->recs[j++]);
			bytes += rpz_rec_size(rb);
		}
	}
	d->arena = rc ? NULL : malloc(bytes ? bytes : 1);
	d->del = rc ? NULL : malloc((nd ? nd : 1) * sizeof(uint32_t));
	d->add = rc ? NULL : malloc((na ? na : 1) * sizeof(uint32_t));
	if (!d->arena || !d->del || !d->add) {
		free(del);
		free(add);
		rpz_diff_unref(d);
		return ISR_ENOMEM;
	}
	for (k = 0; k < nd; k++)
		diff_put(d, a->arena + del[k], d->del, &d->ndel);
	for (k = 0; k < na; k++)
		diff_put(d, b->arena + add[k], d->add, &d->nadd);
	free(del);
	free(add);
	*out = d;
	return 0;
}

void rpz_diff_unref(struct rpz_diff *d)
{
	if (!d || --d->refs > 0)
		return;
	free(d->arena);
	free(d->del);
	free(d->add);
	free(d);
}

static void journal_drop_first(struct rpz_journal *j)
{
	j->recs -= j->d[0]->ndel + j->d[0]->nadd;
	rpz_diff_unref(j->d[0]);
	memmove(j->d, j->d + 1, (j->n - 1) * sizeof(struct rpz_diff *));
	j->n--;
}

int rpz_journal_add(struct rpz_journal *j, struct rpz_diff *d)
{
	size_t size = d->ndel + d->nadd;

	if (size > j->max) {
		while (j->n)
			journal_drop_first(j);
		rpz_diff_unref(d);
		return 0;
	}
	while (j->n && j->recs + size > j->max)
		journal_drop_first(j);
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 16;
		struct rpz_diff **nd = realloc(j->d, cap * sizeof(struct rpz_diff *));

		if (!nd) {
			while (j->n)
				journal_drop_first(j);
			rpz_diff_unref(d);
			return ISR_ENOMEM;
		}
		j->d = nd;
		j->cap = cap;
	}
	j->d[j->n++] = d;
	j->recs += size;
	return 0;
}

long rpz_journal_find(const struct rpz_journal *j, uint32_t from)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (j->d[i]->from == from)
			return (long)i;
	return -1;
}

void rpz_journal_free(struct rpz_journal *j)
{
	while (j->n)
		journal_drop_first(j);
	free(j->d);
	memset(j, 0, sizeof(*j));
}
