/*
 * window.c -- the detector's memory: counters over sliding windows, the set-associative
 * tables of accounts, sources and networks, the (account, source) pairs of the typo rule,
 * and each entry's sample set of distinct values. Fixed in size when the detector is made
 * (aw_det_new); nothing here allocates. The rules that read it are in detect.c, whose
 * opening comment describes the layout and its error bounds.
 */
#include <string.h>

#include "authwatch/aw_int.h"
#include "authwatch/detect_int.h"
#include "core/base/siphash.h"
#include "core/base/strbuf.h"

/* Take n counts made at time t (<= now) off c, from the window t fell in (none when it
 * has left both). */
void aw_ctr_sub(struct ctr *c, uint32_t now, uint32_t w, uint32_t t, uint32_t n)
{
	uint32_t *x;

	if (c->start == 0 && c->cur == 0 && c->prev == 0)
		return;
	aw_ctr_roll(c, now, w, NULL);
	if (t >= c->start)
		x = &c->cur;
	else if ((uint64_t)t + w >= c->start)
		x = &c->prev;
	else
		return;
	*x -= n < *x ? n : *x;
}

/* ---- tables ---- */

struct ent *aw_tab_lookup(struct aw_det *d, int tb, const char *key, size_t len, uint32_t now)
{
	uint64_t h = siphash13(d->k0, d->k1 + (uint64_t)tb, key, len) | 1;
	struct table *t = &d->t[tb];
	struct ent *b = &t->e[(h & (t->nbuckets - 1)) * WAYS], *victim = NULL;
	int i;

	for (i = 0; i < WAYS; i++) {
		if (b[i].h == h) {
			b[i].last = now;
			return &b[i];
		}
		if (!victim || (victim->h && (!b[i].h || b[i].last < victim->last)))
			victim = &b[i];
	}
	if (victim->h)
		d->st.evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->h = h;
	victim->last = now;
	aw_copy(victim->key, sizeof(victim->key), key, len);
	return victim;
}

/* key's entry in table tb, or NULL when it has none (nothing is evicted). */
struct ent *aw_tab_find(struct aw_det *d, int tb, const char *key, size_t len)
{
	uint64_t h = siphash13(d->k0, d->k1 + (uint64_t)tb, key, len) | 1;
	struct table *t = &d->t[tb];
	struct ent *b = &t->e[(h & (t->nbuckets - 1)) * WAYS];
	int i;

	for (i = 0; i < WAYS; i++)
		if (b[i].h == h)
			return &b[i];
	return NULL;
}

/* The pair (account value uv, source value sv): its run, or with make a new empty one
 * (evicting the pair of its bucket whose last failure is oldest), else NULL. */
struct pair *aw_pair_of(struct aw_det *d, uint64_t uv, uint64_t sv, int make)
{
	uint64_t h = siphash13(d->k0, d->k1 ^ 13, &sv, sizeof(sv)) ^ uv;
	struct pair *b, *victim = NULL;
	int i;

	h = (h ^ (h >> 29)) | 1;
	b = &d->pairs[(h & (d->npairs - 1)) * WAYS];
	for (i = 0; i < WAYS; i++) {
		if (b[i].h == h)
			return &b[i];
		if (!victim || (victim->h && (!b[i].h || b[i].last < victim->last)))
			victim = &b[i];
	}
	if (!make)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->h = h;
	return victim;
}

/* Add value v to e's set (t_fail or t_ok set to now); text is remembered for values
 * that are not addresses. */
void aw_set_add(struct ent *e, uint64_t v, uint32_t now, int ok, int smtp, const char *text,
		uint32_t keep)
{
	struct slot *s = NULL;
	int i;

	for (i = 0; i < e->nslot; i++)
		if (e->s[i].v == v) {
			s = &e->s[i];
			break;
		}
	if (!s) {
		if (e->nslot < AW_SAMPLES) {
			s = &e->s[e->nslot++];
		} else {
			uint32_t best = UINT32_MAX, tt;

			for (i = 0; i < AW_SAMPLES; i++) {
				uint32_t a = e->s[i].t_fail, b = e->s[i].t_ok & ~T_SMTP;

				tt = a > b ? a : b;
				if (tt < best) {
					best = tt;
					s = &e->s[i];
				}
			}
			if (best && best - 1 + keep > now)
				e->sat = now + 1;
		}
		memset(s, 0, sizeof(*s));
		s->v = v;
		if (text && text[0]) {
			aw_copy(e->text[e->ntext % NTEXT], TEXT_LEN, text, strlen(text));
			e->ntext++;
		}
	}
	if (ok)
		s->t_ok = (now + 1) | (smtp ? T_SMTP : 0);
	else
		s->t_fail = now + 1;
}

/* The t_fail of value v in e (0 when e does not hold v). */
uint32_t aw_slot_fail(const struct ent *e, uint64_t v)
{
	int i;

	for (i = 0; i < e->nslot; i++)
		if (e->s[i].v == v)
			return e->s[i].t_fail;
	return 0;
}

/* Withdraw the failure of value v at `last` from e's set: the time of its failure before
 * the run (prev) comes back, unless a later failure of v was recorded meanwhile. */
void aw_slot_unfail(struct ent *e, uint64_t v, uint32_t last, uint32_t prev)
{
	int i;

	for (i = 0; i < e->nslot; i++)
		if (e->s[i].v == v && e->s[i].t_fail == last + 1)
			e->s[i].t_fail = prev;
}

/* Distinct values with a failure (C_FAIL) / success / SMTP success since `since`. */
long aw_set_count(const struct ent *e, int what, uint32_t since)
{
	long n = 0;
	int i;

	for (i = 0; i < e->nslot; i++) {
		uint32_t t = what == C_FAIL ? e->s[i].t_fail : e->s[i].t_ok & ~T_SMTP;

		if (what == C_SMTP && !(e->s[i].t_ok & T_SMTP))
			continue;
		if (t && t - 1 >= since)
			n++;
	}
	return n;
}
