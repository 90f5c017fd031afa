/*
 * perm.c -- the visiting order of the targets: the cyclic multiplicative group of
 * integers modulo p, p the smallest prime above the target count n (ZMap's "iterator",
 * Durumeric et al. 2013). x -> x * g mod p with g a primitive root walks every element
 * 1..p-1 exactly once; element e stands for target e - 1, and elements past n are
 * skipped (fewer than n of them on average between primes). A random g and a random
 * start per scan give a different order each time; (g, first, pos) is all the state a
 * resumed scan needs. Numbers stay below 2^33, products fit in 128 bits.
 */
#include <string.h>

#include "survey/survey.h"

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((unsigned __int128)a * b % m);
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m)
{
	uint64_t r = 1 % m;

	b %= m;
	while (e) {
		if (e & 1)
			r = mulmod(r, b, m);
		b = mulmod(b, b, m);
		e >>= 1;
	}
	return r;
}

static int is_prime(uint64_t n)
{
	uint64_t d;

	if (n < 2)
		return 0;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

int survey_is_primitive_root(uint64_t g, uint64_t p)
{
	uint64_t m = p - 1, q;

	if (p == 2)
		return g % 2 == 1;
	if (g % p == 0)
		return 0;
	for (q = 2; q * q <= m; q++) {
		if (m % q)
			continue;
		if (powmod(g, (p - 1) / q, p) == 1)
			return 0;
		while (m % q == 0)
			m /= q;
	}
	if (m > 1 && powmod(g, (p - 1) / m, p) == 1)
		return 0;
	return 1;
}

/* splitmix64: turns the seed into the random numbers picking g and the start. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int survey_perm_init(struct survey_perm *pm, uint64_t n, uint64_t seed)
{
	uint64_t p, g, s = seed;

	if (n == 0 || n > ((uint64_t)1 << 32))
		return ISR_EINVAL;
	for (p = n + 1; !is_prime(p); p++)
		;
	if (p == 2) {
		g = 1;
	} else {
		do
			g = 2 + mix(&s) % (p - 2);
		while (!survey_is_primitive_root(g, p));
	}
	return survey_perm_resume(pm, n, g, 1 + mix(&s) % (p - 1), 0);
}

int survey_perm_resume(struct survey_perm *pm, uint64_t n, uint64_t g, uint64_t first, uint64_t pos)
{
	uint64_t p;

	if (n == 0 || n > ((uint64_t)1 << 32))
		return ISR_EINVAL;
	for (p = n + 1; !is_prime(p); p++)
		;
	if (first == 0 || first >= p || pos > p - 1 || !survey_is_primitive_root(g, p))
		return ISR_EINVAL;
	memset(pm, 0, sizeof(*pm));
	pm->n = n;
	pm->p = p;
	pm->g = g;
	pm->first = first;
	pm->pos = pos;
	pm->cur = mulmod(first, powmod(g, pos, p), p);
	return 0;
}

int survey_perm_next(struct survey_perm *pm, uint64_t *idx)
{
	while (pm->pos < pm->p - 1) {
		uint64_t e = pm->cur;

		pm->cur = mulmod(pm->cur, pm->g, pm->p);
		pm->pos++;
		if (e - 1 < pm->n) {
			*idx = e - 1;
			return 1;
		}
	}
	return 0;
}
