/*
 * hash.h -- the hash functions of the snapshot: key hashing and file checksums.
 *
 * Keys are hashed from their LAST byte to their first (FNV-1a over the reversed bytes),
 * then finalised with the key type. Hashing right to left lets a domain lookup get the
 * hash of every suffix of the name ("com", "example.com", "a.example.com") in one pass
 * over the name: the state after consuming the bytes of a suffix IS that suffix's hash.
 * The finaliser (MurmurHash3's fmix64) spreads the FNV state over all 64 bits, which the
 * table needs: the slot comes from the high bits, the tag from the low 32.
 */
#ifndef ISP_CORE_HASH_H
#define ISP_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED  0xcbf29ce484222325ULL
#define HASH_PRIME 0x100000001b3ULL

/* One step of the right-to-left hash: fold byte c into state h. */
static inline uint64_t hash_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * HASH_PRIME;
}

/* MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit over the
 * output (the key hash below, darknet's keyed tuple mix). */
static inline uint64_t hash_fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Final mix of state h for a key of the given type byte. */
static inline uint64_t hash_final(uint64_t h, unsigned char type)
{
	return hash_fmix64(h ^ ((uint64_t)type << 56 | type));
}

/* Hash of key[0..len) of the given type. */
static inline uint64_t hash_key(unsigned char type, const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = HASH_SEED;

	while (len > 0)
		h = hash_step(h, p[--len]);
	return hash_final(h, type);
}

/* 64-bit checksum of data[0..len): four independent multiply-rotate lanes over 8-byte
 * words (a few GB/s), so that opening a large snapshot stays fast. Not cryptographic: it
 * detects truncation and corruption, not tampering (signed lists are for that). */
uint64_t hash_checksum(const void *data, size_t len);

#endif
