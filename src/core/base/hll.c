/*
 * hll.c -- see hll.h.
 */
#include <math.h>

#include "core/base/hll.h"

double hll_reg_estimate(const uint8_t *reg, const uint8_t *other, unsigned p)
{
	double sum = 0, m = (double)(1u << p), e;
	uint32_t i, n = 1u << p, zeros = 0;

	for (i = 0; i < n; i++) {
		uint8_t v = reg[i];

		if (other && other[i] > v)
			v = other[i];
		sum += ldexp(1.0, -(int)v);
		zeros += v == 0;
	}
	e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / zeros);
	return e;
}
