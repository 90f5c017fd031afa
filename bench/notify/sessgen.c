/*
 * sessgen.c -- the benchmark's generated sessions (see sessgen.h).
 *
 * Every "unit" (an address, or one port block of a CGNAT address) has a timeline kept in
 * 16 bytes (next free time, sessions left, its own random state), so that 2 M addresses
 * cost 32 MB whatever the number of intervals.
 */
#include "sessgen.h"

#include <stdlib.h>
#include <string.h>

uint64_t gen_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct unit {
	int64_t t;	/* when its next session may start */
	uint32_t left;	/* sessions still to generate */
	uint32_t total; /* sessions it has */
};

#define NUSERS 1500000u

static void unit_addr(uint64_t u, uint64_t nplain, uint64_t nv6, struct gen_iv *iv)
{
	memset(&iv->addr, 0, sizeof(iv->addr));
	iv->port_lo = iv->port_hi = 0;
	if (u < nplain) {
		uint32_t a = (uint32_t)(0x0a000000u + u);

		iv->addr.family = 4;
		iv->addr.len = 32;
		iv->addr.addr[0] = (uint8_t)(a >> 24);
		iv->addr.addr[1] = (uint8_t)(a >> 16);
		iv->addr.addr[2] = (uint8_t)(a >> 8);
		iv->addr.addr[3] = (uint8_t)a;
	} else if (u < nplain + nv6) {
		uint64_t k = u - nplain; /* the k-th /56 of 2001:db8::/32 */

		iv->addr.family = 6;
		iv->addr.len = 56;
		iv->addr.addr[0] = 0x20;
		iv->addr.addr[1] = 0x01;
		iv->addr.addr[2] = 0x0d;
		iv->addr.addr[3] = 0xb8;
		iv->addr.addr[4] = (uint8_t)(k >> 16);
		iv->addr.addr[5] = (uint8_t)(k >> 8);
		iv->addr.addr[6] = (uint8_t)k;
	} else {
		uint64_t k = u - nplain - nv6;
		uint32_t a = (uint32_t)(0x64400000u + k / 8);

		iv->addr.family = 4;
		iv->addr.len = 32;
		iv->addr.addr[0] = (uint8_t)(a >> 24);
		iv->addr.addr[1] = (uint8_t)(a >> 16);
		iv->addr.addr[2] = (uint8_t)(a >> 8);
		iv->addr.addr[3] = (uint8_t)a;
		iv->port_lo = (uint16_t)(1024 + (k % 8) * 4096);
		iv->port_hi = (uint16_t)(iv->port_lo + 4095);
	}
}

void gen_sessions(uint64_t n, uint64_t naddr, uint64_t seed, gen_fn fn, void *ud)
{
	uint64_t nplain = naddr * 90 / 100, nv6 = naddr * 9 / 100;
	uint64_t ncg = naddr - nplain - nv6, nunits = nplain + nv6 + ncg * 8, u, made = 0;
	uint64_t s = seed, sid = seed << 40;
	struct unit *un = calloc(nunits, sizeof(*un));
	double per = (double)n / (double)nunits;
	uint32_t round, maxl = 0;

	if (!un)
		abort();
	/* sessions per unit: uniform in [per/2, 3per/2], then evened out to n in all */
	for (u = 0; u < nunits; u++) {
		uint32_t c = (uint32_t)(per / 2 + (double)(gen_rnd(&s) % 1000) * per / 1000);

		un[u].total = c ? c : 1;
		made += un[u].total;
		un[u].t = GEN_T0 + (int64_t)(gen_rnd(&s) % 43200);
	}
	for (u = 0; made != n; u = (u + 1) % nunits) {
		if (made < n) {
			un[u].total++;
			made++;
		} else if (un[u].total > 1) {
			un[u].total--;
			made--;
		}
	}
	for (u = 0; u < nunits; u++) {
		un[u].left = un[u].total;
		if (un[u].total > maxl)
			maxl = un[u].total;
	}
	for (round = 0; round < maxl; round++) {
		for (u = 0; u < nunits; u++) {
			struct unit *x = &un[u];
			struct gen_iv iv;
			int64_t cycle, dur;
			uint64_t r;

			if (x->left == 0)
				continue;
			r = gen_rnd(&s);
			cycle = GEN_MONTH / x->total;
			dur = 600 +
			      (int64_t)(r %
					(uint64_t)(cycle * 8 / 5 > 600 ? cycle * 8 / 5 - 600 : 1));
			unit_addr(u, nplain, nv6, &iv);
			iv.start = x->t;
			iv.end = x->t + dur;
			iv.open = x->left == 1 && (r >> 32) % 10 < 3;
			iv.lease = (u / 2) % 2 == 0 && iv.addr.family == 4 && iv.port_lo == 0;
			iv.sid = ++sid;
			iv.user = (uint32_t)((r >> 12) % NUSERS);
			x->t = iv.end + 60 + (int64_t)((r >> 40) % (uint64_t)(cycle / 5 + 1));
			x->left--;
			fn(ud, &iv);
		}
	}
	free(un);
}
