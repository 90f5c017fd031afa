/*
 * hash.c -- the file checksum of hash.h.
 */
#include "core/base/hash.h"

#include <string.h>

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t lane(uint64_t acc, uint64_t w)
{
	acc += w * 0xc2b2ae3d27d4eb4fULL;
	acc = rotl(acc, 31);
	return acc * 0x9e3779b185ebca87ULL;
}

uint64_t hash_checksum(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t a = 1, b = 2, c = 3, d = 4, w[4], h;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		memcpy(w, p + i, 32);
		a = lane(a, w[0]);
		b = lane(b, w[1]);
		c = lane(c, w[2]);
		d = lane(d, w[3]);
	}
	h = rotl(a, 1) ^ rotl(b, 7) ^ rotl(c, 12) ^ rotl(d, 18);
	for (; i < len; i++)
		h = hash_step(h, p[i]);
	return hash_final(h ^ (uint64_t)len, 0x5a);
}
