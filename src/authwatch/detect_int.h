/*
 * detect_int.h -- the detector's memory (window.c), shared with its rules (detect.c); not
 * for callers of authwatch.h. detect.c's opening comment says what the tables, windows
 * and sample sets hold and why; sizes: an entry (struct ent) is ~400 bytes, a pair 32.
 */
#ifndef ISP_AUTHWATCH_DETECT_INT_H
#define ISP_AUTHWATCH_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "authwatch/authwatch.h"

#define WAYS	 8
#define KEY_TEXT 48
#define NTEXT	 4
#define TEXT_LEN 32
#define MAX_SESS 4
#define HLL_P	 10
#define HLL_M	 (1u << HLL_P)
#define T_SMTP	 0x80000000u /* in slot.t_ok: the last success was SMTP */

struct ctr {
	uint32_t start, cur, prev;
};

struct slot {
	uint64_t v;
	uint32_t t_fail, t_ok; /* relative time + 1; 0 = never */
};

struct ent {
	uint64_t h;	    /* 0 = empty */
	uint32_t last, sat; /* last record; last time the set dropped a value in use */
	struct ctr fail, send;
	float baseline; /* smtp: sends per window, moving average */
	uint32_t ok;
	uint32_t first_fail, first_ok; /* first record of the current evidence */
	uint32_t muted[AWT_N];
	uint8_t nslot, ntext;
	char key[KEY_TEXT];
	char text[NTEXT][TEXT_LEN]; /* the last distinct values that are not addresses */
	uint64_t sess[MAX_SESS];
	uint32_t sess_t[MAX_SESS];
	struct slot s[AW_SAMPLES];
};

struct table {
	struct ent *e;
	size_t nbuckets; /* power of 2 */
};

enum { TB_USER, TB_SRC, TB_NET, TB_N };

/* A run of failures of one account from one source (the typo rule). */
struct pair {
	uint64_t h;	      /* of (account, source); 0 = empty */
	uint32_t first, last; /* first and last failure of the run */
	uint32_t n;	      /* failures in the run */
	uint32_t prev[TB_N];  /* the pair's slot t_fail in each table before the run */
};

struct aw_det {
	struct aw_conf c;
	aw_detect_fn fn;
	void *ud;
	uint64_t k0, k1;
	struct table t[TB_N];
	int64_t base, maxt; /* relative times are t - base; maxt = newest record */
	int started;
	uint8_t hll[2][2][HLL_M];  /* [accounts|sources][cur|prev] */
	uint8_t typo[2][2][HLL_M]; /* the same, of the failures withdrawn as typos */
	uint32_t ntypo[2];	   /* typos added to [cur|prev] (0: the estimate is 0) */
	double typo_est[2];	   /* estimates of typo[0], typo[1]; < 0: to be made */
	uint32_t hll_start, wave_muted;
	struct pair *pairs;
	size_t npairs; /* buckets of WAYS, power of 2 */
	struct aw_det_stats st;
};
enum { C_FAIL, C_OK, C_SMTP };

/* ---- counters over a window of w seconds, as two tumbling windows (window.c) ---- */

/* Move c's windows on to now (baseline: the moving average of sends, or NULL). Inline,
 * with est and add: they run several times for every log record. */
static inline void aw_ctr_roll(struct ctr *c, uint32_t now, uint32_t w, float *baseline)
{
	uint32_t k;

	if (now < c->start + w)
		return;
	k = (now - c->start) / w;
	if (baseline) { /* the finished window, then k - 1 empty ones, into the average */
		uint32_t j;

		*baseline = 0.7f * *baseline + 0.3f * (float)c->cur;
		for (j = 1; j < k && j < 16; j++)
			*baseline *= 0.7f;
	}
	c->prev = k == 1 ? c->cur : 0;
	c->cur = 0;
	c->start += k * w;
}

/* The sliding count at now: cur + prev * (w - elapsed) / w. */
static inline long aw_ctr_est(const struct ctr *c, uint32_t now, uint32_t w)
{
	uint32_t el = now - c->start;

	return (long)c->cur + (long)((uint64_t)c->prev * (w - (el < w ? el : w)) / w);
}

/* Count n at now. */
static inline void aw_ctr_add(struct ctr *c, uint32_t now, uint32_t w, long n, float *baseline)
{
	if (c->start == 0 && c->cur == 0 && c->prev == 0)
		c->start = now;
	aw_ctr_roll(c, now, w, baseline);
	c->cur += (uint32_t)n;
}
/* Take n counts made at time t (<= now) off c (none when t has left both windows). */
void aw_ctr_sub(struct ctr *c, uint32_t now, uint32_t w, uint32_t t, uint32_t n);

/* ---- the set-associative tables (window.c) ---- */

/* key's entry in table tb, made (evicting the least recently seen of its bucket) when it
 * has none. */
struct ent *aw_tab_lookup(struct aw_det *d, int tb, const char *key, size_t len, uint32_t now);
/* key's entry in table tb, or NULL (nothing is evicted). */
struct ent *aw_tab_find(struct aw_det *d, int tb, const char *key, size_t len);
/* The pair (account value uv, source value sv): its run, or with make a new one, else NULL. */
struct pair *aw_pair_of(struct aw_det *d, uint64_t uv, uint64_t sv, int make);

/* ---- an entry's sample set of distinct values (window.c) ---- */

/* Add value v (failed or ok at now); text is remembered for values that are not addresses;
 * keep: how long a value stays in use (the window). */
void aw_set_add(struct ent *e, uint64_t v, uint32_t now, int ok, int smtp, const char *text,
		uint32_t keep);
/* The t_fail of value v in e (0 when e does not hold v). */
uint32_t aw_slot_fail(const struct ent *e, uint64_t v);
/* Withdraw the failure of v at `last`: prev comes back unless v failed again since. */
void aw_slot_unfail(struct ent *e, uint64_t v, uint32_t last, uint32_t prev);
/* Distinct values with a failure (C_FAIL) / success (C_OK) / SMTP success since `since`. */
long aw_set_count(const struct ent *e, int what, uint32_t since);

#endif
