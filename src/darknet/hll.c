/*
 * hll.c -- HyperLogLog (Flajolet et al. 2007) with 2^12 registers and 64-bit hashes,
 * with the linear-counting correction for small counts (Heule et al. 2013, no bias
 * table). Standard error 1.04 / sqrt(4096) = 1.6 %; with 64-bit hashes no large-range
 * correction is needed. Used only for what exceeds the exact-counting bound.
 */
#include <math.h>

#include "darknet/dn_int.h"

void hll_add(struct hll *h, uint64_t hash)
{
	uint32_t i = (uint32_t)(hash >> (64 - HLL_P));
	uint64_t w = hash << HLL_P | (uint64_t)1 << (HLL_P - 1); /* never all zero */
	uint8_t r = (uint8_t)(__builtin_clzll(w) + 1);

	if (r > h->reg[i])
		h->reg[i] = r;
}

double hll_count(const struct hll *h)
{
	double sum = 0, m = HLL_M, e;
	uint32_t i, zeros = 0;

	for (i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -h->reg[i]);
		zeros += h->reg[i] == 0;
	}
	e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / zeros);
	return e;
}
