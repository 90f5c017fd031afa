/*
 * detect.c -- the detection rules of authwatch over sliding windows, in memory fixed when
 * the detector is made (the tables, counters and sets are window.c's, detect_int.h).
 *
 * Three tables -- accounts, sources, networks (/24 for IPv4, /48 for IPv6) -- each of
 * max_keys entries, set-associative: a key's keyed SipHash picks a bucket of 8 entries;
 * a key not in its bucket takes an empty entry or evicts the one seen least recently.
 * The hash key is random per run, so nobody can aim many keys at one bucket; a key is
 * lost only when 8 other keys of its bucket were seen more recently, i.e. when far more
 * than max_keys keys are active at once (counted as `evicted`).
 *
 * Per entry:
 *   - counters over a window W as two tumbling windows (current, previous); the sliding
 *     count is cur + prev * (W - elapsed) / W (the previous window is assumed uniform:
 *     a burst at its start is over-weighted, one at its end under-weighted, by at most
 *     prev's size);
 *   - up to AW_SAMPLES distinct values (sources of an account, accounts of a source)
 *     with the last time each failed and succeeded. Distinct counts are exact up to
 *     AW_SAMPLES; when the set is full the oldest value is replaced, and if it was still
 *     inside a window the count is reported as "at least" (saturated);
 *   - per detection type, the time until which it is muted: each (type, key) is
 *     reported at most once per window.
 * Values are the address for IPv4, the /64 for IPv6 (an IPv6 client changes its
 * address within its /64 at will), else a SipHash of the text (Calling-Station-Id, user).
 *
 * Stuffing waves are global: two HyperLogLogs (failing accounts, failing sources) of
 * 2^10 one-byte registers for the current and the previous window; their union is
 * judged, so a wave is measured over the last one to two windows (standard error
 * 1.04 / sqrt(1024) = 3.3 %), and reported at most once per three windows.
 *
 * Typos (authwatch.typo-window, T, default 5 min; 0 = off). The failures of account A
 * from source S form runs: a failure opens a run when none is open, i.e. after a
 * success of A from S, or when the open run's first failure is more than T old (the old
 * run's failures then simply stay counted). A success of A from S closes the open run,
 * and withdraws its failures -- a typo -- when the run's first failure is at most T
 * before the success and the run holds at most AW_TYPO_MAX (3) failures, the "N
 * attempts" of a Dovecot line counted as N. Withdrawn failures are taken off the failure
 * counters of A (brute force), of S and of S's network (spraying), and A stops counting
 * as a failing account of S and of the network, and S as a failing source of A, unless
 * a failure from before the run keeps it there (the failure times the three tables held
 * for the pair before the run are put back). Detections already reported stay
 * reported: a typo is withdrawn when its success arrives, not before. More failures
 * before the success, or a success after T, withdraw nothing (guessing, then a hit, is
 * no typo). Only the same account from the same source counts: an attacker cannot
 * withdraw failures on other accounts by logging in to its own. The runs are kept in a
 * fourth table, of (A, S) pairs (max_keys entries of 32 bytes, 8-way like the others,
 * the pair whose last failure is oldest evicted: its run then withdraws nothing, as when
 * the account's entry lost the source meanwhile, evicted or past 16 sources). A
 * withdrawn failure is taken from the counter window it fell in (the last one from the
 * last failure's window, the others from the first failure's). For the stuffing waves,
 * whose counts are HyperLogLogs, the withdrawn account and source go into HyperLogLogs
 * of their own with the same windows, and a wave is judged on the difference of the
 * estimates: an account or source with both a typo and a real failure in the window is
 * then not counted, so the wave's counts are lower by at most its own typos.
 *
 * Own networks (authwatch.own, authwatch.own-networks-spray = off): failures from
 * addresses inside the ISP's own ranges are not aggregated into /24 (/48) networks --
 * thousands of subscribers behind one /24 of the access network, each mistyping a
 * password now and then, are no spraying network -- but each address is still judged
 * as a source, so one own address failing on many accounts is still a spray.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authwatch/aw_int.h"
#include "authwatch/detect_int.h"
#include "core/net/prefixset.h"
#include "core/base/hll.h"
#include "core/base/siphash.h"
#include "core/base/strbuf.h"

static const char *const type_names[AWT_N] = { "brute-force",  "spray",	     "stuffing",
					       "many-sources", "concurrent", "outside",
					       "smtp-abuse" };

const char *aw_type_name(enum aw_type t)
{
	return (unsigned)t < AWT_N ? type_names[t] : "?";
}

int aw_type_parse(const char *name)
{
	return str_index(type_names, AWT_N, name);
}

void aw_conf_defaults(struct aw_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->brute_window = 600;
	c->brute_failures = 10;
	c->spray_window = 3600;
	c->spray_accounts = 10;
	c->spray_max_tries = 3;
	c->wave_window = 600;
	c->wave_accounts = 100;
	c->wave_sources = 20;
	c->sources_window = 3600;
	c->sources_max = 5;
	c->session_max = 86400;
	c->concurrent_max = 1;
	c->smtp_window = 3600;
	c->smtp_min = 100;
	c->smtp_factor = 10;
	c->smtp_sources = 5;
	c->max_keys = 16384;
	c->outside_services = 1u << AWS_PPP;
	c->typo_window = 300;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

struct aw_det *aw_det_new(const struct aw_conf *conf, aw_detect_fn fn, void *ud)
{
	struct aw_det *d = calloc(1, sizeof(*d));
	int i;

	if (!d)
		return NULL;
	d->c = *conf;
	d->fn = fn;
	d->ud = ud;
	siphash_key(&d->k0, &d->k1, d);
	for (i = 0; i < TB_N; i++) {
		d->t[i].nbuckets = pow2_at_least(
			(size_t)(conf->max_keys > WAYS ? conf->max_keys : WAYS) / WAYS);
		d->t[i].e = calloc(d->t[i].nbuckets * WAYS, sizeof(struct ent));
		if (!d->t[i].e) {
			aw_det_free(d);
			return NULL;
		}
	}
	d->typo_est[0] = d->typo_est[1] = -1;
	d->npairs = d->t[TB_USER].nbuckets;
	d->pairs = calloc(d->npairs * WAYS, sizeof(struct pair));
	if (!d->pairs) {
		aw_det_free(d);
		return NULL;
	}
	return d;
}

void aw_det_free(struct aw_det *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < TB_N; i++)
		free(d->t[i].e);
	free(d->pairs);
	free(d);
}

size_t aw_det_memory(const struct aw_det *d)
{
	size_t n = sizeof(*d);
	int i;

	for (i = 0; i < TB_N; i++)
		n += d->t[i].nbuckets * WAYS * sizeof(struct ent);
	return n + d->npairs * WAYS * sizeof(struct pair);
}

void aw_det_stats(const struct aw_det *d, struct aw_det_stats *s)
{
	*s = d->st;
}

static int is_addr_value(uint64_t v)
{
	return (v >> 63) == 0;
}

static uint64_t source_value(const struct aw_det *d, const struct aw_rec *r)
{
	if (r->src.family == 4)
		return (4ull << 32) | ((uint64_t)r->src.addr[0] << 24) |
		       ((uint64_t)r->src.addr[1] << 16) | ((uint64_t)r->src.addr[2] << 8) |
		       r->src.addr[3];
	if (r->src.family == 6) {
		uint64_t v = 0;
		int i;

		for (i = 0; i < 8; i++)
			v = v << 8 | r->src.addr[i];
		return v & ~(1ull << 63); /* 8000::/1 is not assigned; keep the bit for hashes */
	}
	return siphash13(d->k0, d->k1 ^ 0x5a5a, r->source, strlen(r->source)) | (1ull << 63);
}

static void format_value(uint64_t v, char *buf, size_t size)
{
	if ((v >> 32) == 4) {
		snprintf(buf, size, "%u.%u.%u.%u", (unsigned)(v >> 24) & 255,
			 (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255, (unsigned)v & 255);
	} else {
		struct ip_prefix p;
		char t[IP_PREFIX_STRLEN];
		int i;

		memset(&p, 0, sizeof(p));
		p.family = 6;
		p.len = 64;
		for (i = 0; i < 8; i++)
			p.addr[i] = (uint8_t)(v >> (56 - 8 * i));
		ip_format_prefix(&p, t);
		snprintf(buf, size, "%s", t);
	}
}

/* ---- reporting ---- */

static void aw_put(char *dst, size_t size, const char *s)
{
	aw_copy(dst, size, s, strlen(s));
}

struct evidence {
	char samples[512], services[64], ip[IP_PREFIX_STRLEN];
};

static void samples_of(const struct ent *e, uint32_t since, int what, struct evidence *ev)
{
	size_t off = 0;
	int i, n = 0;

	ev->samples[0] = ev->ip[0] = '\0';
	for (i = 0; i < e->nslot && n < 8; i++) {
		uint32_t t = what == C_FAIL ? e->s[i].t_fail : e->s[i].t_ok & ~T_SMTP;
		char b[IP_PREFIX_STRLEN];

		if (!t || t - 1 < since || !is_addr_value(e->s[i].v))
			continue;
		format_value(e->s[i].v, b, sizeof(b));
		if (!ev->ip[0] && (e->s[i].v >> 32) == 4)
			snprintf(ev->ip, sizeof(ev->ip), "%s", b);
		off += (size_t)snprintf(ev->samples + off, sizeof(ev->samples) - off, "%s%s",
					n++ ? " " : "", b);
		if (off >= sizeof(ev->samples))
			break;
	}
	for (i = 0; i < NTEXT && i < e->ntext && n < 8 && off < sizeof(ev->samples); i++)
		off += (size_t)snprintf(ev->samples + off, sizeof(ev->samples) - off, "%s%s",
					n++ ? " " : "", e->text[(e->ntext - 1 - i) % NTEXT]);
}

static int64_t abs_time(const struct aw_det *d, uint32_t rel)
{
	return d->base + rel;
}

static uint32_t first_in(const struct ent *e, int what, uint32_t since, uint32_t now)
{
	uint32_t f = now;
	int i;

	for (i = 0; i < e->nslot; i++) {
		uint32_t t = what == C_FAIL ? e->s[i].t_fail : e->s[i].t_ok & ~T_SMTP;

		if (t && t - 1 >= since && t - 1 < f)
			f = t - 1;
	}
	return f;
}

static uint32_t first_of(uint32_t first, uint32_t since)
{
	return first > since ? first : since;
}

/* Note the time of a record that starts new evidence (nothing left in the window). */
static void mark_first(uint32_t *first, long before, uint32_t now)
{
	if (before == 0 || *first == 0)
		*first = now;
}

static void report(struct aw_det *d, struct ent *e, enum aw_type type, const char *reason,
		   uint32_t now, uint32_t w, struct aw_detection *x, const struct evidence *ev,
		   uint32_t first)
{
	x->type = type;
	x->key = e ? e->key : "*";
	x->reason = reason;
	x->first = abs_time(d, first);
	x->last = abs_time(d, now);
	x->window = w;
	x->samples = ev->samples;
	x->services = ev->services;
	x->ip = ev->ip;
	if (e) {
		x->saturated = x->saturated || (e->sat && e->sat - 1 + w > now);
		e->muted[type] = now + w;
	}
	d->st.detections[type]++;
	d->fn(d->ud, x);
}

static uint32_t since_of(uint32_t now, int64_t w)
{
	return now > (uint32_t)w ? now - (uint32_t)w : 0;
}

/* Judge e, a source (is_source) or a network, for spraying; a source's report also
 * mutes its network's entry mute (NULL: none; an own address has none). */
static void check_spray(struct aw_det *d, struct ent *e, uint32_t now, int is_source,
			struct ent *mute)
{
	uint32_t w = (uint32_t)d->c.spray_window, since = since_of(now, w);
	long accounts = aw_set_count(e, C_FAIL, since), fails = aw_ctr_est(&e->fail, now, w);
	struct aw_detection x;
	struct evidence ev;

	if (now < e->muted[AWT_SPRAY] || accounts < d->c.spray_accounts ||
	    fails > accounts * d->c.spray_max_tries)
		return;
	memset(&x, 0, sizeof(x));
	memset(&ev, 0, sizeof(ev));
	samples_of(e, since, C_FAIL, &ev);
	aw_put(ev.ip, sizeof(ev.ip), e->key);
	if (strchr(ev.ip, '/'))
		*strchr(ev.ip, '/') = '\0'; /* a network: its first address stands for it */
	x.failures = fails;
	x.accounts = accounts;
	x.sources = is_source ? 1 : -1; /* a network's sources are not counted */
	report(d, e, AWT_SPRAY, is_source ? "source" : "network", now, w, &x, &ev,
	       first_of(e->first_fail, since));
	if (mute)
		mute->muted[AWT_SPRAY] = now + w;
}

/* ---- waves (distinct accounts and sources: HyperLogLog, core/base/hll.h) ---- */

/* Move the wave windows (failures and typos) on to now. */
static void wave_roll(struct aw_det *d, uint32_t now)
{
	uint32_t w = (uint32_t)d->c.wave_window;
	int k, i;

	if (now < d->hll_start + w)
		return;
	k = now < d->hll_start + 2 * w; /* the current window becomes the previous */
	for (i = 0; i < 2; i++) {
		memcpy(d->hll[i][1], d->hll[i][0], HLL_M);
		memcpy(d->typo[i][1], d->typo[i][0], HLL_M);
		if (!k) {
			memset(d->hll[i][1], 0, HLL_M);
			memset(d->typo[i][1], 0, HLL_M);
		}
		memset(d->hll[i][0], 0, HLL_M);
		memset(d->typo[i][0], 0, HLL_M);
	}
	d->ntypo[1] = k ? d->ntypo[0] : 0;
	d->ntypo[0] = 0;
	d->typo_est[0] = d->typo_est[1] = -1;
	d->hll_start += (now - d->hll_start) / w * w;
}

static uint64_t wave_user_hash(const struct aw_det *d, const char *user)
{
	return siphash13(d->k0, d->k1 ^ 7, user, strlen(user));
}

static uint64_t wave_src_hash(const struct aw_det *d, uint64_t srcv)
{
	return siphash13(d->k0, d->k1 ^ 9, &srcv, sizeof(srcv));
}

/* Estimate of failing accounts (i = 0) or sources (1) in the wave windows, typos not
 * counted; 0 when it is below min (the typos' estimate is then not made: it changes
 * only with a typo or a new window, and is kept until then). */
static double wave_est(struct aw_det *d, int i, double min)
{
	double n = hll_reg_estimate(d->hll[i][0], d->hll[i][1], HLL_P);

	if (n < min)
		return 0;
	if (d->ntypo[0] || d->ntypo[1]) {
		if (d->typo_est[i] < 0)
			d->typo_est[i] = hll_reg_estimate(d->typo[i][0], d->typo[i][1], HLL_P);
		n -= d->typo_est[i];
	}
	return n >= min ? n : 0;
}

static void wave(struct aw_det *d, const struct aw_rec *r, uint64_t srcv, uint32_t now)
{
	double acc, src;
	struct aw_detection x;
	struct evidence ev;
	uint32_t w = (uint32_t)d->c.wave_window;

	wave_roll(d, now);
	if (r->user[0])
		hll_reg_add(d->hll[0][0], HLL_P, wave_user_hash(d, r->user));
	if (r->source[0])
		hll_reg_add(d->hll[1][0], HLL_P, wave_src_hash(d, srcv));
	if (now < d->wave_muted)
		return;
	acc = wave_est(d, 0, (double)d->c.wave_accounts);
	src = acc > 0 ? wave_est(d, 1, (double)d->c.wave_sources) : 0;
	if (acc <= 0 || src <= 0)
		return;
	memset(&x, 0, sizeof(x));
	memset(&ev, 0, sizeof(ev));
	x.accounts = lround(acc);
	x.sources = lround(src);
	/* the union looks two windows back: mute until the reported wave has left it */
	d->wave_muted = now + 3 * w;
	report(d, NULL, AWT_STUFFING, "accounts and sources", now, w, &x, &ev,
	       since_of(now, 2 * (int64_t)w) > d->hll_start ? d->hll_start
							    : since_of(now, 2 * (int64_t)w));
}

/* ---- one record ---- */

static uint64_t user_value(const struct aw_det *d, const char *user)
{
	return siphash13(d->k0, d->k1 ^ 3, user, strlen(user)) | (1ull << 63);
}

/* The network (/24, /48) r's failures are aggregated into, as text in net; 0 when there
 * is none: the source is no address, or an own address and own_spray is off. */
static int net_key(const struct aw_det *d, const struct aw_rec *r, char net[IP_PREFIX_STRLEN])
{
	struct ip_prefix p = r->src;

	if (!r->src.family)
		return 0;
	if (!d->c.own_spray && d->c.own && prefixset_contains(d->c.own, p.family, p.addr))
		return 0;
	p.len = p.family == 4 ? 24 : 48;
	ip_mask(&p);
	ip_format_prefix(&p, net);
	return 1;
}

/* A success of r's account from its source: the open run of failures of the pair ends,
 * and is withdrawn when it is a typo (the rule in the header). u: the account's entry. */
static void typo_end(struct aw_det *d, const struct aw_rec *r, struct ent *u, uint64_t srcv,
		     uint32_t now)
{
	uint64_t uv = user_value(d, r->user);
	struct pair *p = aw_pair_of(d, uv, srcv, 0);
	uint32_t bw = (uint32_t)d->c.brute_window, sw = (uint32_t)d->c.spray_window;
	char net[IP_PREFIX_STRLEN];
	struct ent *e;

	if (!p || !p->n)
		return;
	if (now - p->first > (uint32_t)d->c.typo_window || p->n > AW_TYPO_MAX) {
		memset(p, 0, sizeof(*p));
		return;
	}
	aw_ctr_sub(&u->fail, now, bw, p->last, 1);
	aw_ctr_sub(&u->fail, now, bw, p->first, p->n - 1);
	aw_slot_unfail(u, srcv, p->last, p->prev[TB_USER]);
	e = aw_tab_find(d, TB_SRC, r->source, strlen(r->source));
	if (e) {
		aw_ctr_sub(&e->fail, now, sw, p->last, 1);
		aw_ctr_sub(&e->fail, now, sw, p->first, p->n - 1);
		aw_slot_unfail(e, uv, p->last, p->prev[TB_SRC]);
	}
	e = net_key(d, r, net) ? aw_tab_find(d, TB_NET, net, strlen(net)) : NULL;
	if (e) {
		aw_ctr_sub(&e->fail, now, sw, p->last, 1);
		aw_ctr_sub(&e->fail, now, sw, p->first, p->n - 1);
		aw_slot_unfail(e, uv, p->last, p->prev[TB_NET]);
	}
	wave_roll(d, now);
	hll_reg_add(d->typo[0][0], HLL_P, wave_user_hash(d, r->user));
	hll_reg_add(d->typo[1][0], HLL_P, wave_src_hash(d, srcv));
	d->ntypo[0]++;
	d->typo_est[0] = d->typo_est[1] = -1;
	d->st.typos += p->n;
	memset(p, 0, sizeof(*p));
}

/* Count r's failures on the entry of table tb for key (window w) and return it; with a
 * run (a new typo run), remember in it the entry's slot for the run's other value. */
static struct ent *count_fail(struct aw_det *d, int tb, const char *key, const struct aw_rec *r,
			      uint32_t now, uint32_t w, struct pair *run, uint64_t other)
{
	struct ent *e = aw_tab_lookup(d, tb, key, strlen(key), now);

	mark_first(&e->first_fail, aw_ctr_est(&e->fail, now, w), now);
	aw_ctr_add(&e->fail, now, w, r->count, NULL);
	if (run)
		run->prev[tb] = aw_slot_fail(e, other);
	return e;
}

static void on_fail(struct aw_det *d, const struct aw_rec *r, uint32_t now, uint64_t srcv)
{
	struct aw_detection x;
	struct evidence ev;
	struct ent *u = NULL, *s = NULL, *n = NULL;
	struct pair *p = NULL;
	uint64_t uv = 0;
	int newrun = 0;

	if (r->user[0] && r->source[0] && d->c.typo_window > 0) {
		p = aw_pair_of(d, user_value(d, r->user), srcv, 1);
		newrun = p->n == 0 || now - p->first > (uint32_t)d->c.typo_window;
		if (newrun) {
			p->first = now;
			p->n = 0;
		}
	}
	if (r->user[0]) {
		uint32_t w = (uint32_t)d->c.brute_window, since = since_of(now, w);
		long fails;

		uv = user_value(d, r->user);
		u = count_fail(d, TB_USER, r->user, r, now, w, newrun ? p : NULL, srcv);
		if (r->source[0])
			aw_set_add(u, srcv, now, 0, 0, is_addr_value(srcv) ? NULL : r->source,
				   (uint32_t)d->c.brute_window);
		fails = aw_ctr_est(&u->fail, now, w);
		if (now >= u->muted[AWT_BRUTE] && fails >= d->c.brute_failures) {
			memset(&x, 0, sizeof(x));
			memset(&ev, 0, sizeof(ev));
			samples_of(u, since, C_FAIL, &ev);
			x.failures = fails;
			x.accounts = 1;
			x.sources = aw_set_count(u, C_FAIL, since);
			report(d, u, AWT_BRUTE, "failures", now, w, &x, &ev,
			       first_of(u->first_fail, since));
		}
	}
	if (r->source[0]) {
		uint32_t w = (uint32_t)d->c.spray_window;

		char net[IP_PREFIX_STRLEN];

		s = count_fail(d, TB_SRC, r->source, r, now, w, newrun ? p : NULL, uv);
		if (r->user[0])
			aw_set_add(s, uv, now, 0, 0, r->user, w);
		if (net_key(d, r, net)) {
			n = count_fail(d, TB_NET, net, r, now, w, newrun ? p : NULL, uv);
			if (r->user[0])
				aw_set_add(n, uv, now, 0, 0, r->user, w);
		}
		if (r->user[0]) {
			check_spray(d, s, now, 1, n);
			if (n)
				check_spray(d, n, now, 0, NULL);
		}
	}
	if (p) {
		p->n += (uint32_t)r->count;
		p->last = now;
	}
	wave(d, r, srcv, now);
}

static int outside(const struct aw_det *d, const struct aw_rec *r)
{
	struct ip_prefix p;

	if (!d->c.own || prefixset_count(d->c.own) == 0 ||
	    !(d->c.outside_services & (1u << r->service)))
		return 0;
	if (r->src.family)
		return !prefixset_contains(d->c.own, r->src.family, r->src.addr);
	if (r->nas[0] && ip_parse_prefix(r->nas, strlen(r->nas), &p, NULL, NULL) == 0)
		return !prefixset_contains(d->c.own, p.family, p.addr);
	return 0;
}

static void on_ok(struct aw_det *d, const struct aw_rec *r, uint32_t now, uint64_t srcv)
{
	struct aw_detection x;
	struct evidence ev;
	struct ent *u;
	int smtp = r->service == AWS_SMTP;
	uint32_t w, since;
	long n;

	if (!r->user[0])
		return;
	u = aw_tab_lookup(d, TB_USER, r->user, strlen(r->user), now);
	u->ok++;
	if (r->source[0] && d->c.typo_window > 0) {
		uint32_t f = aw_slot_fail(u, srcv); /* a failure of late from here: maybe a typo */

		if (f && f - 1 + (uint32_t)d->c.typo_window >= now)
			typo_end(d, r, u, srcv, now);
	}
	if (r->source[0])
		aw_set_add(u, srcv, now, 1, smtp, is_addr_value(srcv) ? NULL : r->source,
			   (uint32_t)d->c.sources_window);
	memset(&ev, 0, sizeof(ev));
	w = (uint32_t)d->c.sources_window;
	since = since_of(now, w);
	n = aw_set_count(u, C_OK, since);
	if (now >= u->muted[AWT_SOURCES] && n >= d->c.sources_max) {
		memset(&x, 0, sizeof(x));
		samples_of(u, since, C_OK, &ev);
		snprintf(ev.services, sizeof(ev.services), "%s", aw_service_name(r->service));
		x.successes = (long)u->ok;
		x.accounts = 1;
		x.sources = n;
		report(d, u, AWT_SOURCES, "sources", now, w, &x, &ev,
		       first_in(u, C_OK, since, now));
	}
	if (now >= u->muted[AWT_OUTSIDE] && outside(d, r)) {
		memset(&x, 0, sizeof(x));
		aw_put(ev.samples, sizeof(ev.samples), r->src.family ? r->source : r->nas);
		aw_put(ev.ip, sizeof(ev.ip), r->src.family ? r->source : r->nas);
		snprintf(ev.services, sizeof(ev.services), "%s", aw_service_name(r->service));
		x.successes = 1;
		x.accounts = x.sources = 1;
		report(d, u, AWT_OUTSIDE, r->src.family ? "source" : "nas", now,
		       (uint32_t)d->c.sources_window, &x, &ev, now);
	}
	if (!smtp)
		return;
	w = (uint32_t)d->c.smtp_window;
	since = since_of(now, w);
	if (r->result == AWR_SEND)
		aw_ctr_add(&u->send, now, w, 1, &u->baseline);
	else
		aw_ctr_roll(&u->send, now, w, &u->baseline);
	if (now < u->muted[AWT_SMTP])
		return;
	memset(&x, 0, sizeof(x));
	x.sends = aw_ctr_est(&u->send, now, w);
	x.baseline = u->baseline;
	x.accounts = 1;
	x.sources = aw_set_count(u, C_SMTP, since);
	snprintf(ev.services, sizeof(ev.services), "smtp");
	if (x.sends >= d->c.smtp_min &&
	    (double)x.sends >= (double)d->c.smtp_factor * (u->baseline > 1 ? u->baseline : 1)) {
		samples_of(u, since, C_OK, &ev);
		report(d, u, AWT_SMTP, "volume", now, w, &x, &ev, u->send.start);
	} else if (x.sources >= d->c.smtp_sources) {
		samples_of(u, since, C_OK, &ev);
		report(d, u, AWT_SMTP, "sources", now, w, &x, &ev, first_in(u, C_OK, since, now));
	}
}

static void on_session(struct aw_det *d, const struct aw_rec *r, uint32_t now)
{
	char k[2 * AW_SRC_MAX + 2];
	uint64_t h;
	struct ent *u;
	uint32_t keep = (uint32_t)d->c.session_max;
	int i, open = 0, free_i = -1, found = -1;

	if (!r->user[0])
		return;
	snprintf(k, sizeof(k), "%s|%s", r->nas, r->session);
	h = siphash13(d->k0, d->k1 ^ 11, k, strlen(k)) | 1;
	u = aw_tab_lookup(d, TB_USER, r->user, strlen(r->user), now);
	for (i = 0; i < MAX_SESS; i++) {
		if (u->sess[i] && u->sess_t[i] + keep <= now)
			u->sess[i] = 0; /* never stopped: closed by age */
		if (u->sess[i] == h)
			found = i;
		else if (!u->sess[i] && free_i < 0)
			free_i = i;
	}
	if (r->result == AWR_SESS_STOP) {
		if (found >= 0)
			u->sess[found] = 0;
		return;
	}
	if (found < 0) {
		if (free_i < 0) { /* all taken: replace the oldest */
			free_i = 0;
			for (i = 1; i < MAX_SESS; i++)
				if (u->sess_t[i] < u->sess_t[free_i])
					free_i = i;
		}
		found = free_i;
		u->sess[found] = h;
	}
	u->sess_t[found] = now;
	for (i = 0; i < MAX_SESS; i++)
		open += u->sess[i] != 0;
	if (open > d->c.concurrent_max && now >= u->muted[AWT_CONCURRENT]) {
		struct aw_detection x;
		struct evidence ev;

		memset(&x, 0, sizeof(x));
		memset(&ev, 0, sizeof(ev));
		aw_put(ev.samples, sizeof(ev.samples), r->nas);
		if (r->src.family)
			aw_put(ev.ip, sizeof(ev.ip), r->source);
		x.accounts = 1;
		x.sources = open;
		x.saturated = open == MAX_SESS;
		report(d, u, AWT_CONCURRENT, "sessions", now, keep, &x, &ev, now);
	}
}

void aw_det_add(struct aw_det *d, const struct aw_rec *r)
{
	int64_t t = r->time;
	uint32_t now;
	uint64_t srcv = 0;

	if (!d->started) {
		d->started = 1;
		d->base = t - 1;
		d->maxt = t;
		d->hll_start = 1;
	}
	if (t < d->maxt) {
		if (t < d->maxt - 60)
			d->st.backwards++;
		t = d->maxt;
	}
	if (t - d->base > 0x7fffff00)
		t = d->base + 0x7fffff00;
	d->maxt = t;
	now = (uint32_t)(t - d->base);
	d->st.records++;
	if (r->source[0])
		srcv = source_value(d, r);
	switch (r->result) {
	case AWR_FAIL: on_fail(d, r, now, srcv); break;
	case AWR_OK:
	case AWR_SEND: on_ok(d, r, now, srcv); break;
	case AWR_SESS_START:
	case AWR_SESS_STOP: on_session(d, r, now); break;
	}
}
