/*
 * token.c -- see token.h.
 */
#include "proxy/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/sha256.h"

static void mac(const uint8_t *key, size_t keylen, const char *client, const char *url, size_t ulen,
		int64_t expiry, uint8_t out[SHA256_LEN])
{
	/* HMAC over the concatenation, streamed: the URL may be up to URL_MAX bytes */
	static const char tag[] = "ispshield-continue-v1\n";
	struct hmac_sha256 h;
	char tail[32];
	int tn;

	hmac_sha256_init(&h, key, keylen);
	sha256_update(&h.inner, tag, sizeof(tag) - 1);
	sha256_update(&h.inner, client, strlen(client));
	sha256_update(&h.inner, "\n", 1);
	sha256_update(&h.inner, url, ulen);
	tn = snprintf(tail, sizeof(tail), "\n%lld", (long long)expiry);
	sha256_update(&h.inner, tail, (size_t)tn);
	hmac_sha256_final(&h, out);
}

void ptoken_make(const uint8_t *key, size_t keylen, const char *client, const char *url,
		 size_t ulen, int64_t expiry, char out[PTOKEN_MAX])
{
	uint8_t m[SHA256_LEN];
	int n;

	mac(key, keylen, client, url, ulen, expiry, m);
	n = snprintf(out, PTOKEN_MAX, "%lld.", (long long)expiry);
	sha256_hex(m, out + n);
}

int ptoken_check(const uint8_t *key, size_t keylen, const char *client, const char *url,
		 size_t ulen, const char *tok, size_t tlen, int64_t now)
{
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	int64_t expiry = 0;
	size_t i = 0, digits;

	while (i < tlen && i < 19 && tok[i] >= '0' && tok[i] <= '9')
		expiry = expiry * 10 + (tok[i++] - '0');
	digits = i;
	if (digits == 0 || i >= tlen || tok[i] != '.' || tlen - i - 1 != (size_t)2 * SHA256_LEN)
		return PTOKEN_BAD;
	i++;
	for (size_t k = 0; k < SHA256_LEN; k++) {
		char hx[3] = { tok[i + 2 * k], tok[i + 2 * k + 1], 0 };
		char *end;
		unsigned long v = strtoul(hx, &end, 16);

		if (*end || hx[0] == '+' || hx[0] == '-' || hx[0] == ' ')
			return PTOKEN_BAD;
		got[k] = (uint8_t)v;
	}
	mac(key, keylen, client, url, ulen, expiry, want);
	if (!sha256_equal(want, got, SHA256_LEN))
		return PTOKEN_BAD;
	return expiry < now ? PTOKEN_EXPIRED : PTOKEN_OK;
}
