/*
 * token.h -- the signed, time-limited "continue anyway" permission of the warning page.
 *
 * token = EXPIRY "." HEX(HMAC-SHA256(secret, "ispshield-continue-v1\n" CLIENT "\n"
 * CANONICAL-URL "\n" EXPIRY)), EXPIRY in unix seconds. The proxy keeps no state: a
 * token is valid for the client address and the canonical URL it was made for until it
 * expires, and checking it recomputes the MAC and compares in constant time. The secret
 * comes from proxy.secret-file (or is random per process, so tokens then die with it).
 */
#ifndef ISP_PROXY_TOKEN_H
#define ISP_PROXY_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define PTOKEN_MAX 96 /* 20 digits + '.' + 64 hex + NUL fit */

enum { PTOKEN_OK = 0, PTOKEN_BAD = -1, PTOKEN_EXPIRED = -2 };

/* Write the token for (client text, url[0..ulen), expiry) into out. */
void ptoken_make(const uint8_t *key, size_t keylen, const char *client, const char *url,
		 size_t ulen, int64_t expiry, char out[PTOKEN_MAX]);

/* Check tok[0..tlen) for (client, url) at time now: PTOKEN_OK, _BAD (malformed or
 * forged: the MAC is checked before the expiry is believed) or _EXPIRED. */
int ptoken_check(const uint8_t *key, size_t keylen, const char *client, const char *url,
		 size_t ulen, const char *tok, size_t tlen, int64_t now);

#endif
