/*
 * siphash.c -- SipHash-1-3 (Aumasson and Bernstein; 1 compression and 3 finalisation
 * rounds, as Rust's and Python's hash tables use it): see siphash.h.
 */
#include "core/base/siphash.h"

#include <sys/random.h>
#include <time.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

uint64_t siphash13(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			  k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, j, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = 0;
		for (j = 8; j-- > 0;)
			m = m << 8 | p[i + j];
		v[3] ^= m;
		sip_round(v);
		v[0] ^= m;
	}
	for (j = 0; j < left; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void siphash_key(uint64_t *k0, uint64_t *k1, const void *salt)
{
	uint64_t k[2];
	struct timespec ts;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* Fuzzing: fixed keys, so that a crash found through a hash collision replays */
	(void)k;
	(void)ts;
	(void)salt;
	*k0 = 0x736f6d6570736575ULL;
	*k1 = 0x646f72616e646f6dULL;
	return;
#endif
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k)) {
		*k0 = k[0];
		*k1 = k[1];
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)salt;
	*k1 = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(uintptr_t)k0;
}
