/*
 * hll.h -- HyperLogLog (Flajolet et al. 2007) registers: one byte per register, 2^p
 * registers, 64-bit hashes (so no large-range correction), the linear-counting
 * correction for small counts (Heule et al. 2013, without the bias table). Standard error
 * 1.04 / sqrt(2^p): 3.3 % at p = 10, 1.6 % at p = 12. The caller owns the register array
 * (zeroed to start) and chooses p (4..16); the hashes must be keyed where outsiders choose
 * the values (SipHash, core/base/siphash.h). Used by the darknet analysis (sources beyond
 * the exact-counting bound) and authwatch (distinct accounts and sources of a wave).
 */
#ifndef ISP_CORE_HLL_H
#define ISP_CORE_HLL_H
#include <stdint.h>

/* Add hash to the 2^p registers reg. No allocation, no call. */
static inline void hll_reg_add(uint8_t *reg, unsigned p, uint64_t hash)
{
	uint32_t i = (uint32_t)(hash >> (64 - p));
	uint64_t w = hash << p | (uint64_t)1 << (p - 1); /* never all zero */
	uint8_t r = (uint8_t)(__builtin_clzll(w) + 1);

	if (r > reg[i])
		reg[i] = r;
}

/* The estimated count of distinct hashes added to reg, or to the union of reg and other
 * when other is not NULL (both 2^p registers). */
double hll_reg_estimate(const uint8_t *reg, const uint8_t *other, unsigned p);

#endif
