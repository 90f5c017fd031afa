/*
 * sessbuild.c -- pairing session records into intervals and writing the sessions index
 * (see sessions.h for the rules, sessidx.h for the layout).
 *
 * In memory, one 44-byte struct biv per interval (an address, 32-bit times, 32-bit
 * string ids), IPv6 prefixes in a side table, strings interned once in a pool (users and
 * NAS repeat across sessions). Two hash tables, both dropped before the sort:
 *   - strings: SipHash of the bytes (keyed at random: the logs carry user names that
 *     subscribers choose) -> pool offset;
 *   - sessions: a multimap from the pairing key to the interval heading a session:
 *     RADIUS Acct-Session-Id -> the session's first interval, the others chained through
 *     `next`; leases (address, client) -> the lease interval. Session ids are reused
 *     (NAS reboots, several NASes counting from 1), so one key may head several
 *     sessions: a record goes to one whose NAS-IP-Address, NAS-Identifier, User-Name and
 *     IPv4 address do not contradict its own (an attribute only one side has does not
 *     count: behind a RADIUS proxy the Interim and Stop often lack the NAS-IP-Address
 *     the Start had), and among those to the one its time fits. Acct-Unique-Session-Id
 *     is not compared: FreeRADIUS changes it after the Start.
 * A base index is loaded into the same structures (its pool copied as is, so string ids
 * stay valid) and its sessions re-keyed: a Start in one import and its Stop in a later
 * one pair as if read together. The file stores what the next build needs (start, the
 * Stop or lease end, the last sign of life, the flags); effective ends are recomputed.
 *
 * Writing is in sesswrite.c. Peak memory is about 44 bytes per interval + the pool + the
 * two tables (8 bytes per slot each, load <= 0.7).
 */
#include "core/sessions/sessions.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sessions/sessbuild.h"
#include "core/sessions/sessidx.h"
#include "core/base/siphash.h"
#include "core/base/binwrite.h"
#include "core/base/fsutil.h"

/* ---- strings ---- */

static uint64_t str_hash(const struct sess_builder *b, const char *s, size_t len)
{
	return siphash13(b->k0, b->k1, s, len);
}

/* Put tagged slot value v into table tab (mask): rehashing needs only the tag. */
static void place(uint64_t *tab, size_t mask, uint64_t v)
{
	size_t i = HOME(v, mask);

	while (tab[i])
		i = (i + 1) & mask;
	tab[i] = v;
}

/* Move table *tab (mask *mask) to a new one of slots (a power of two) slots, for the
 * string and the session tables alike: 0, or ISR_ENOMEM with the old table kept. */
static int rehash(uint64_t **tab, size_t *mask, size_t slots)
{
	uint64_t *old = *tab, *t;
	size_t oldn = *mask + 1, i;

	t = calloc(slots, sizeof(*t));
	if (!t)
		return ISR_ENOMEM;
	for (i = 0; old && i < oldn; i++)
		if (old[i])
			place(t, slots - 1, old[i]);
	free(old);
	*tab = t;
	*mask = slots - 1;
	return 0;
}

static int str_rehash(struct sess_builder *b, size_t slots)
{
	return rehash(&b->strtab, &b->strmask, slots);
}

/* Intern s; *id = its pool offset. */
static int intern(struct sess_builder *b, const char *s, uint32_t *id)
{
	size_t len = strlen(s), i;
	uint64_t h;

	if (len == 0) {
		*id = 0;
		return 0;
	}
	h = str_hash(b, s, len);
	for (i = HOME(h, b->strmask); b->strtab[i]; i = (i + 1) & b->strmask) {
		const char *p = b->pool + SLOT_VAL(b->strtab[i]);

		if (SLOT_TAG(b->strtab[i]) == TAG(h) && memcmp(p, s, len + 1) == 0) {
			*id = SLOT_VAL(b->strtab[i]);
			return 0;
		}
	}
	if (b->npool + len + 1 >= UINT32_MAX - 1)
		return ISR_ELIMIT;
	if (mem_grow((void **)&b->pool, &b->cappool, b->npool + len + 1, 1))
		return ISR_ENOMEM;
	memcpy(b->pool + b->npool, s, len + 1);
	*id = (uint32_t)b->npool;
	b->npool += len + 1;
	b->strtab[i] = TAG(h) | (*id + 1);
	if (++b->nstr * 10 > (b->strmask + 1) * 7)
		return str_rehash(b, (b->strmask + 1) * 2);
	return 0;
}

/* Register the string already at pool offset off (a base index's pool), unless an
 * equal one is registered. */
static int str_known(struct sess_builder *b, uint32_t off)
{
	const char *s = b->pool + off;
	uint64_t h = str_hash(b, s, strlen(s));
	size_t i = HOME(h, b->strmask);

	for (; b->strtab[i]; i = (i + 1) & b->strmask)
		if (SLOT_TAG(b->strtab[i]) == TAG(h) &&
		    strcmp(b->pool + SLOT_VAL(b->strtab[i]), s) == 0)
			return 0;
	b->strtab[i] = TAG(h) | (off + 1);
	if (++b->nstr * 10 > (b->strmask + 1) * 7)
		return str_rehash(b, (b->strmask + 1) * 2);
	return 0;
}

/* ---- sessions ---- */

static int addr_eq(const struct sess_builder *b, const struct biv *v, const struct baddr *x)
{
	if (!(v->flags & B_V6))
		return !x->v6 && v->a == x->a4;
	return x->v6 && b->a6[v->a].len == x->p6.len &&
	       memcmp(b->a6[v->a].addr, x->p6.addr, 16) == 0;
}

static uint64_t key_radius(uint32_t sid)
{
	return hash_final(sid, 'R');
}

static uint64_t key_lease(const struct sess_builder *b, const struct biv *v)
{
	uint64_t a = v->flags & B_V6 ? sessidx_hash6(b->a6[v->a].addr, b->a6[v->a].len) : v->a;

	return hash_final(hash_final(a, 'L') ^ v->sid, 'L');
}

static uint64_t key_of(const struct sess_builder *b, const struct biv *v)
{
	return v->flags & SESSIDX_LEASE ? key_lease(b, v) : key_radius(v->sid);
}

static int ses_rehash(struct sess_builder *b, size_t slots)
{
	return rehash(&b->sestab, &b->sesmask, slots);
}

static int ses_add(struct sess_builder *b, uint32_t k)
{
	place(b->sestab, b->sesmask, TAG(key_of(b, &b->iv[k])) | (k + 1));
	if (++b->nses * 10 > (b->sesmask + 1) * 7)
		return ses_rehash(b, (b->sesmask + 1) * 2);
	return 0;
}

/* A new interval (a copy of *tmpl at address x); *out = its index. */
static int new_iv(struct sess_builder *b, const struct biv *tmpl, const struct baddr *x,
		  uint32_t *out)
{
	struct biv v = *tmpl;

	if (b->niv >= NONE - 1)
		return ISR_ELIMIT;
	if (mem_grow((void **)&b->iv, &b->capiv, b->niv + 1, sizeof(*b->iv)))
		return ISR_ENOMEM;
	v.flags &= ~(B_V6 | B_BASE);
	v.next = NONE;
	if (x->v6) {
		if (mem_grow((void **)&b->a6, &b->capa6, b->na6 + 1, sizeof(*b->a6)))
			return ISR_ENOMEM;
		b->a6[b->na6] = x->p6;
		v.a = (uint32_t)b->na6++;
		v.flags |= B_V6;
	} else {
		v.a = x->a4;
	}
	b->iv[b->niv] = v;
	*out = (uint32_t)b->niv++;
	return 0;
}

/* Set the times and flags of every interval of the session headed by k to those of k. */
static void sync_chain(struct sess_builder *b, uint32_t k)
{
	const struct biv *h = &b->iv[k];
	uint32_t j;

	for (j = h->next; j != NONE; j = b->iv[j].next) {
		struct biv *v = &b->iv[j];

		if ((v->flags & (B_BASE | SESSIDX_OPEN)) == (B_BASE | SESSIDX_OPEN) &&
		    !(h->flags & SESSIDX_OPEN))
			b->st.closed++;
		v->start = h->start;
		v->stop = h->stop;
		v->seen = h->seen;
		v->user = h->user;
		v->nasip = h->nasip;
		v->nasid = h->nasid;
		v->flags = (v->flags & (B_V6 | B_BASE)) | (h->flags & SESSIDX_FLAGS);
	}
}

/* Add to session k the addresses of xs it does not have yet. Returns how many. */
static int add_addrs(struct sess_builder *b, uint32_t k, const struct baddr *xs, int nx, int *rc)
{
	int i, added = 0;

	for (i = 0; i < nx && *rc == 0; i++) {
		uint32_t j, n;

		for (j = k; j != NONE; j = b->iv[j].next)
			if (addr_eq(b, &b->iv[j], &xs[i]))
				break;
		if (j != NONE)
			continue;
		*rc = new_iv(b, &b->iv[k], &xs[i], &n);
		if (*rc)
			break;
		b->iv[n].next = b->iv[k].next;
		b->iv[k].next = n;
		added++;
	}
	return added;
}

/* A new session of record r (ops Start/Interim/Stop) from template v. */
static int new_session(struct sess_builder *b, const struct biv *v, const struct baddr *xs, int nx)
{
	uint32_t head, k;
	int rc, i;

	if (nx == 0) {
		b->st.orphans++;
		return 0;
	}
	rc = new_iv(b, v, &xs[0], &head);
	for (i = 1; i < nx && rc == 0; i++) {
		rc = new_iv(b, v, &xs[i], &k);
		if (rc == 0) {
			b->iv[k].next = b->iv[head].next;
			b->iv[head].next = k;
		}
	}
	return rc ? rc : ses_add(b, head);
}

/* a and b are both known (not "") and differ */
static int differ(uint32_t a, uint32_t b)
{
	return a && b && a != b;
}

/*
 * Can record v (addresses xs) belong to the session headed by k? Same Acct-Session-Id,
 * and no attribute both carry differs: NAS-IP-Address, NAS-Identifier, User-Name, and
 * the IPv4 address (when both have one). What only one side has is no evidence either
 * way (a proxy strips NAS-IP-Address from the Interim and Stop; a Stop may lack
 * Framed-IP-Address).
 */
static int same_session(const struct sess_builder *b, uint32_t k, const struct biv *v,
			const struct baddr *xs, int nx)
{
	const struct biv *c = &b->iv[k];
	int i, has4 = 0, hit4 = 0;
	uint32_t j;

	if ((c->flags & SESSIDX_LEASE) || c->sid != v->sid || differ(c->nasip, v->nasip) ||
	    differ(c->nasid, v->nasid) || differ(c->user, v->user))
		return 0;
	for (i = 0; i < nx; i++) {
		if (xs[i].v6)
			continue;
		for (j = k; j != NONE; j = b->iv[j].next) {
			if (b->iv[j].flags & B_V6)
				continue;
			has4 = 1;
			hit4 |= b->iv[j].a == xs[i].a4;
		}
		if (has4 && !hit4)
			return 0;
	}
	return 1;
}

/* Learn from v what session s did not know (user, NAS). 1 when the written index changes
 * (the NAS it names or the user), 0 when not. */
static int fill_ids(struct biv *s, const struct biv *v)
{
	uint32_t shown = s->nasip ? s->nasip : s->nasid;
	int changed = 0;

	if (!s->user && v->user) {
		s->user = v->user;
		changed = 1;
	}
	if (!s->nasip)
		s->nasip = v->nasip;
	if (!s->nasid)
		s->nasid = v->nasid;
	return changed || shown != (s->nasip ? s->nasip : s->nasid);
}

static int radius(struct sess_builder *b, const struct sess_record *r, struct biv *v,
		  const struct baddr *xs, int nx)
{
	uint64_t h = key_radius(v->sid);
	uint32_t t = v->seen, dstart = v->start, best = NONE;
	size_t i;
	int changed = 0, rc = 0;
	struct biv *s;

	for (i = HOME(h, b->sesmask); b->sestab[i]; i = (i + 1) & b->sesmask) {
		uint32_t k = SLOT_VAL(b->sestab[i]);
		const struct biv *c;

		if (SLOT_TAG(b->sestab[i]) != TAG(h))
			continue;
		c = &b->iv[k];

		if (!same_session(b, k, v, xs, nx))
			continue;
		if (r->op == SESS_START) {
			if (c->start == t) {
				best = k;
				break;
			}
			/* a session opened by its Interim or Stop, whose Start comes later */
			if (!(c->flags & SESSIDX_SKNOWN) && t <= c->seen &&
			    (best == NONE || c->seen < b->iv[best].seen))
				best = k;
		} else if (c->start <= t || (!(c->flags & SESSIDX_SKNOWN) && t <= c->seen)) {
			if (best == NONE || c->start > b->iv[best].start)
				best = k;
		}
	}
	if (best == NONE)
		return new_session(b, v, xs, nx);
	s = &b->iv[best];
	if ((s->flags & (B_BASE | SESSIDX_OPEN)) == (B_BASE | SESSIDX_OPEN) && r->op == SESS_STOP)
		b->st.closed++;
	switch (r->op) {
	case SESS_START:
		if (s->start != t || !(s->flags & SESSIDX_SKNOWN)) {
			s->start = t;
			s->flags |= SESSIDX_SKNOWN;
			if (!(s->flags & SESSIDX_OPEN) && s->stop < t)
				s->stop = t;
			changed = 1;
		}
		break;
	case SESS_INTERIM:
	case SESS_STOP:
		if (!(s->flags & SESSIDX_OPEN) && (r->op == SESS_STOP || t > s->stop)) {
			/* closed already: a repeated Stop, a late Interim -- or, when the record's
			 * own start lies after that Stop, a new session with a reused id */
			if (r->duration >= 0 && dstart >= s->stop && t > s->stop)
				return new_session(b, v, xs, nx);
			break;
		}
		if (t > s->seen) {
			s->seen = t;
			changed = 1;
		}
		if (!(s->flags & SESSIDX_SKNOWN) && dstart < s->start) {
			s->start = dstart;
			changed = 1;
		}
		if (r->op == SESS_STOP) {
			s->flags &= ~SESSIDX_OPEN;
			s->stop = t < s->start ? s->start : t;
			changed = 1;
		}
		break;
	default: break;
	}
	changed += fill_ids(&b->iv[best], v);
	changed += add_addrs(b, best, xs, nx, &rc);
	sync_chain(b, best);
	if (!changed && rc == 0)
		b->st.duplicates++;
	return rc;
}

/* Lease (SESS_LEASE) r at one address: v is the interval it describes. Returns 1 when
 * something changed, 0 when not, or an error. */
static int lease_one(struct sess_builder *b, struct biv *v, const struct baddr *x)
{
	struct biv probe = *v;
	uint32_t k, exact = NONE, renew = NONE;
	uint64_t h;
	size_t i;
	int rc;

	probe.flags = (probe.flags & ~B_V6) | (x->v6 ? B_V6 : 0);
	if (x->v6) { /* key_lease reads the address through the table: hash it directly */
		h = hash_final(hash_final(sessidx_hash6(x->p6.addr, x->p6.len), 'L') ^ v->sid, 'L');
	} else {
		probe.a = x->a4;
		h = key_lease(b, &probe);
	}
	for (i = HOME(h, b->sesmask); b->sestab[i]; i = (i + 1) & b->sesmask) {
		const struct biv *c;

		if (SLOT_TAG(b->sestab[i]) != TAG(h))
			continue;
		k = SLOT_VAL(b->sestab[i]);
		c = &b->iv[k];
		if (!(c->flags & SESSIDX_LEASE) || c->sid != v->sid || !addr_eq(b, c, x))
			continue;
		if (c->start == v->start)
			exact = k;
		else if (!(c->flags & SESSIDX_OPEN) && !(v->flags & SESSIDX_OPEN) &&
			 c->start < v->start && v->start <= c->stop &&
			 (renew == NONE || c->start > b->iv[renew].start))
			renew = k; /* a renewal: extends the lease it continues */
	}
	k = exact != NONE ? exact : renew;
	if (k == NONE) {
		rc = new_iv(b, v, x, &k);
		return rc ? rc : (ses_add(b, k) ? ISR_ENOMEM : 1);
	}
	rc = 0;
	{
		struct biv *c = &b->iv[k];

		if (v->seen > c->seen) {
			c->seen = v->seen;
			rc = 1;
		}
		/* the latest end: a known end beats an open lease, a later end an earlier one */
		if (!(v->flags & SESSIDX_OPEN) &&
		    ((c->flags & SESSIDX_OPEN) || v->stop > c->stop)) {
			if ((c->flags & (B_BASE | SESSIDX_OPEN)) == (B_BASE | SESSIDX_OPEN))
				b->st.closed++;
			c->flags &= ~SESSIDX_OPEN;
			c->stop = v->stop;
			rc = 1;
		}
	}
	return rc;
}

/* Release at one address: ends the client's latest lease started before t. */
static int release_one(struct sess_builder *b, const struct biv *v, const struct baddr *x,
		       int *found)
{
	struct biv probe = *v;
	uint32_t best = NONE;
	uint64_t h;
	size_t i;
	struct biv *c;

	if (x->v6) {
		h = hash_final(hash_final(sessidx_hash6(x->p6.addr, x->p6.len), 'L') ^ v->sid, 'L');
	} else {
		probe.flags &= ~B_V6;
		probe.a = x->a4;
		h = key_lease(b, &probe);
	}
	for (i = HOME(h, b->sesmask); b->sestab[i]; i = (i + 1) & b->sesmask) {
		uint32_t k = SLOT_VAL(b->sestab[i]);

		if (SLOT_TAG(b->sestab[i]) != TAG(h))
			continue;
		c = &b->iv[k];
		if (!(c->flags & SESSIDX_LEASE) || c->sid != v->sid || !addr_eq(b, c, x))
			continue;
		if (c->start <= v->seen && (best == NONE || c->start > b->iv[best].start))
			best = k;
	}
	if (best == NONE)
		return 0;
	*found = 1;
	c = &b->iv[best];
	if (c->start >= v->seen || (!(c->flags & SESSIDX_OPEN) && c->stop <= v->seen))
		return 0; /* not after the lease's start (Kea's cltt), or ended before */
	if ((c->flags & (B_BASE | SESSIDX_OPEN)) == (B_BASE | SESSIDX_OPEN))
		b->st.closed++;
	c->flags &= ~SESSIDX_OPEN;
	c->stop = v->seen;
	return 1;
}

/* s is an IPv4 or IPv6 address: a NAS named by one is taken for its NAS-IP-Address (the
 * index keeps one NAS string per interval, NAS-IP-Address when there was one). */
static int is_ip(const char *s)
{
	struct ip_prefix p;

	return ip_parse_prefix(s, strlen(s), &p, NULL, NULL) == 0 &&
	       p.len == (p.family == 4 ? 32 : 128);
}

static int check_time(int64_t t, struct isp_err *err, long line)
{
	if (t >= 1 && t <= TIME_MAX)
		return 0;
	return isp_err_at(err, ISR_EINVAL, NULL, line, -1,
			  "time %lld outside the index's range (1970..2106)", (long long)t);
}

int sess_builder_add(struct sess_builder *b, const struct sess_record *r, struct isp_err *err)
{
	struct baddr xs[SESS_MAX_ADDRS];
	const char *nas_ip, *nas_id;
	struct biv v;
	int nx = 0, i, rc, changed = 0, found = 0;

	if (b->written)
		return isp_err_set(err, ISR_EINVAL, "sess_builder_add after sess_builder_write");
	rc = check_time(r->time, err, r->line);
	if (rc)
		return rc;
	if (r->op == SESS_LEASE && r->end != 0) {
		rc = check_time(r->end, err, r->line);
		if (rc)
			return rc;
	}
	if (r->op < SESS_START || r->op > SESS_RELEASE || r->naddr < 0 ||
	    r->naddr > SESS_MAX_ADDRS || r->port_lo > r->port_hi)
		return isp_err_at(err, ISR_EINVAL, NULL, r->line, -1, "malformed session record");
	b->st.records++;
	memset(&v, 0, sizeof(v));
	v.next = NONE;
	v.port_lo = r->port_lo;
	v.port_hi = r->port_hi;
	v.seen = (uint32_t)r->time;
	v.start = (uint32_t)r->time;
	if ((r->op == SESS_INTERIM || r->op == SESS_STOP) && r->duration > 0)
		v.start = r->duration >= r->time ? 1 : (uint32_t)(r->time - r->duration);
	nas_ip = r->nas_ip ? r->nas_ip : "";
	nas_id = r->nas_id ? r->nas_id : "";
	if (!nas_ip[0] && !nas_id[0] && r->nas && r->nas[0]) {
		if (is_ip(r->nas))
			nas_ip = r->nas;
		else
			nas_id = r->nas;
	}
	if (intern(b, r->user ? r->user : "", &v.user) ||
	    intern(b, r->session_id ? r->session_id : "", &v.sid) || intern(b, nas_ip, &v.nasip) ||
	    intern(b, nas_id, &v.nasid))
		return isp_err_set(err, ISR_ENOMEM, "out of memory for the string pool");
	for (i = 0; i < r->naddr; i++) {
		const struct ip_prefix *p = &r->addr[i];

		/* IPv4 is indexed by host address; IPv6 by prefix. Others are skipped. */
		if (p->family == 4 && p->len == 32) {
			xs[nx].v6 = 0;
			xs[nx].a4 = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
				    (uint32_t)p->addr[2] << 8 | p->addr[3];
			nx++;
		} else if (p->family == 6 && p->len <= 128) {
			struct ip_prefix m = *p;

			ip_mask(&m);
			xs[nx].v6 = 1;
			memcpy(xs[nx].p6.addr, m.addr, 16);
			xs[nx].p6.len = m.len;
			nx++;
		}
	}
	switch (r->op) {
	case SESS_START:
		v.flags = SESSIDX_OPEN | SESSIDX_SKNOWN;
		rc = radius(b, r, &v, xs, nx);
		break;
	case SESS_INTERIM:
		v.flags = SESSIDX_OPEN;
		rc = radius(b, r, &v, xs, nx);
		break;
	case SESS_STOP:
		v.stop = v.seen;
		rc = radius(b, r, &v, xs, nx);
		break;
	case SESS_LEASE:
		v.flags = SESSIDX_LEASE | SESSIDX_SKNOWN | (r->end == 0 ? SESSIDX_OPEN : 0);
		v.stop = r->end == 0 ? 0 : r->end < r->time ? v.start : (uint32_t)r->end;
		for (i = 0, rc = 0; i < nx && rc >= 0; i++) {
			rc = lease_one(b, &v, &xs[i]);
			changed |= rc > 0;
		}
		if (rc >= 0 && nx == 0)
			b->st.orphans++;
		else if (rc >= 0 && !changed)
			b->st.duplicates++;
		break;
	case SESS_RELEASE:
		for (i = 0, rc = 0; i < nx; i++)
			changed |= release_one(b, &v, &xs[i], &found);
		if (!found)
			b->st.orphans++;
		else if (!changed)
			b->st.duplicates++;
		break;
	}
	if (rc < 0)
		return isp_err_set(err, rc, "sessions builder: %s", isr_name(rc));
	return 0;
}

/* ---- the base index ---- */

/* Register loaded interval k: a lease heads itself; a RADIUS interval joins the session
 * with the same key and start (another address of it) or heads a new one. */
static int load_key(struct sess_builder *b, uint32_t k)
{
	struct biv *v = &b->iv[k];
	size_t i;

	if (!(v->flags & SESSIDX_LEASE)) {
		uint64_t h = key_radius(v->sid);

		for (i = HOME(h, b->sesmask); b->sestab[i]; i = (i + 1) & b->sesmask) {
			struct biv *c = &b->iv[SLOT_VAL(b->sestab[i])];

			if (SLOT_TAG(b->sestab[i]) != TAG(h))
				continue;
			if (!(c->flags & SESSIDX_LEASE) && c->sid == v->sid &&
			    c->nasip == v->nasip && c->nasid == v->nasid && c->user == v->user &&
			    c->start == v->start) {
				v->next = c->next;
				c->next = k;
				return 0;
			}
		}
	}
	return ses_add(b, k);
}

static int load_tail(struct sess_builder *b, const struct sessidx_tail *t, uint16_t lo, uint16_t hi,
		     uint32_t *out)
{
	struct biv v;

	if (b->niv >= NONE - 1)
		return ISR_ELIMIT;
	if (mem_grow((void **)&b->iv, &b->capiv, b->niv + 1, sizeof(*b->iv)))
		return ISR_ENOMEM;
	memset(&v, 0, sizeof(v));
	v.port_lo = lo;
	v.port_hi = hi;
	v.start = t->start;
	v.stop = t->flags & SESSIDX_OPEN ? 0 : t->stop < t->start ? t->start : t->stop;
	v.seen = t->seen;
	v.user = t->user;
	v.sid = t->sid;
	/* the index keeps one NAS string: an address is the NAS-IP-Address */
	if (t->nas && is_ip(b->pool + t->nas))
		v.nasip = t->nas;
	else
		v.nasid = t->nas;
	v.next = NONE;
	v.flags = (t->flags & SESSIDX_FLAGS) | B_BASE;
	b->iv[b->niv] = v;
	*out = (uint32_t)b->niv++;
	return 0;
}

static int load_base(struct sess_builder *b, const struct sessdb *base)
{
	struct sessidx_raw raw;
	size_t i, off;
	uint32_t k;
	int rc;

	sessidx_get_raw(base, &raw);
	/* the pool is copied as it is, so the intervals' string ids stay valid */
	if (raw.pool_size >= UINT32_MAX - 1)
		return ISR_ELIMIT;
	if (mem_grow((void **)&b->pool, &b->cappool, raw.pool_size + 1, 1))
		return ISR_ENOMEM;
	memcpy(b->pool, raw.pool, raw.pool_size);
	b->pool[0] = '\0';
	b->npool = raw.pool_size;
	for (off = 1; off < b->npool; off += strlen(b->pool + off) + 1) {
		if (b->pool[off] == '\0')
			continue;
		rc = str_known(b, off);
		if (rc)
			return rc;
	}
	for (i = 0; i < raw.n4; i++) {
		rc = load_tail(b, &raw.v4[i].t, raw.v4[i].port_lo, raw.v4[i].port_hi, &k);
		if (rc == 0) {
			b->iv[k].a = raw.v4[i].addr;
			rc = load_key(b, k);
		}
		if (rc)
			return rc;
	}
	for (i = 0; i < raw.n6; i++) {
		rc = load_tail(b, &raw.v6[i].t, raw.v6[i].port_lo, raw.v6[i].port_hi, &k);
		if (rc == 0 && mem_grow((void **)&b->a6, &b->capa6, b->na6 + 1, sizeof(*b->a6)))
			rc = ISR_ENOMEM;
		if (rc)
			return rc;
		memcpy(b->a6[b->na6].addr, raw.v6[i].addr, 16);
		b->a6[b->na6].len = raw.v6[i].len;
		b->iv[k].a = (uint32_t)b->na6++;
		b->iv[k].flags |= B_V6;
		rc = load_key(b, k);
		if (rc)
			return rc;
	}
	return 0;
}

int sess_builder_new(const struct sessdb *base, const struct sess_opts *opts,
		     struct sess_builder **out, struct isp_err *err)
{
	struct sess_builder *b;
	int rc = ISR_ENOMEM;

	*out = NULL;
	if (opts && opts->open_max < 0)
		return isp_err_set(err, ISR_EINVAL, "open_max must not be negative");
	b = calloc(1, sizeof(*b));
	if (!b)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	b->opts.open_max = opts ? opts->open_max : base ? sessdb_opts(base)->open_max : DEF_OPENMAX;
	siphash_key(&b->k0, &b->k1, b);
	if (str_rehash(b, 1024) || ses_rehash(b, 1024) ||
	    mem_grow((void **)&b->pool, &b->cappool, 1, 1))
		goto fail;
	b->pool[0] = '\0';
	b->npool = 1;
	if (base) {
		rc = load_base(b, base);
		if (rc)
			goto fail;
	}
	*out = b;
	return 0;
fail:
	sess_builder_free(b);
	return isp_err_set(err, rc, "sessions builder: %s", isr_name(rc));
}

void sess_builder_free(struct sess_builder *b)
{
	if (!b)
		return;
	free(b->iv);
	free(b->a6);
	free(b->pool);
	free(b->strtab);
	free(b->sestab);
	free(b);
}

int sess_builder_write(struct sess_builder *b, const char *path, struct sess_build_stats *stats,
		       struct isp_err *err)
{
	char tmp[4200];
	int rc;

	if (b->written)
		return isp_err_set(err, ISR_EINVAL, "sess_builder_write called twice");
	rc = fs_atomic_tmpname(path, tmp, sizeof(tmp), err);
	if (rc)
		return rc;
	/* the pairing tables are not needed any more: give their memory to the sort */
	free(b->strtab);
	free(b->sestab);
	b->strtab = b->sestab = NULL;
	b->written = 1;
	rc = fs_replace_written(sess_write_index(b, tmp, err), tmp, path, err);
	if (rc)
		return rc;
	if (stats)
		*stats = b->st;
	return 0;
}
