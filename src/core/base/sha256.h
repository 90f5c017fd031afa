/*
 * sha256.h -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), small and dependency
 * free, for the proxy's signed "continue" permissions. Checked against the FIPS and
 * RFC 4231 test vectors (test_sha256 in tests/unit/test_proxy.c). Not constant-time
 * with respect to message *length* (nothing here needs that); compare MACs with
 * sha256_equal.
 */
#ifndef ISP_CORE_SHA256_H
#define ISP_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);

/* HMAC-SHA256 streamed: init with the key (any length), update with the message in
 * pieces (sha256_update on .inner), final writes the MAC. */
struct hmac_sha256 {
	struct sha256 inner;
	uint8_t k[64]; /* the key, hashed when longer than 64 bytes, zero-padded */
};
void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t keylen);
void hmac_sha256_final(struct hmac_sha256 *h, uint8_t out[SHA256_LEN]);

/* HMAC-SHA256 of msg under key (any length). */
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
		 uint8_t out[SHA256_LEN]);

/* 1 when a and b (n bytes each) are equal; time depends on n only. */
int sha256_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* A name-based UUID (RFC 4122 form, version 5 and variant bits set) from the first 16
 * bytes of a SHA-256 digest h, as 36 characters and a NUL in out: the ids of exported
 * STIX objects and X-ARF reports, the same for the same name. Returns out. */
#define SHA256_UUID_MAX 37
const char *sha256_uuid(const uint8_t h[SHA256_LEN], char out[SHA256_UUID_MAX]);

/* Digest h as 64 lower-case hex digits and a NUL in out (the one hex writer of digests:
 * manifests, crawled bodies, X-ARF, proxy tokens). Returns out. */
#define SHA256_HEX_MAX (2 * SHA256_LEN + 1)
const char *sha256_hex(const uint8_t h[SHA256_LEN], char out[SHA256_HEX_MAX]);

#endif
