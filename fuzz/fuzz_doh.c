/*
 * fuzz_doh.c -- libFuzzer target for the DoH request reader (src/dns/doh_parse.h).
 *
 * The input is what a client sends on an HTTP/1.1 connection. Its head is read
 * (doh_parse_head); when whole, the request with the bytes after it as its body goes
 * through doh_request. Checks: the head length is within the input and DOH_MAX_HEAD; a
 * refusal is an HTTP status with its offset inside the input; the target and content
 * type are NUL-terminated within their bounds; a query handed on is DOH_MAX_BODY bytes
 * at most and at least a DNS header; a GET's query encodes back (base64url) to something
 * that decodes to the same bytes. The raw input also goes through the base64url decoder
 * and, split at its first ':' after the first byte, through doh_req_header (HTTP/2's headers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/doh_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_doh: check failed: %s (line %d)\n", #c, __LINE__);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static size_t b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = a[v >> 18 & 63], out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63], out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		out[o++] = a[in[i] >> 2], out[o++] = a[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = a[v >> 10], out[o++] = a[v >> 4 & 63], out[o++] = a[(v & 15) << 2];
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t q[DOH_MAX_BODY], back[DOH_MAX_BODY];
	static char enc[2 * DOH_MAX_BODY];
	struct doh_req r;
	size_t off, qlen, body;
	long n;
	int hl = doh_parse_head(data, size, &r, &off);
	const uint8_t *colon;

	CHECK(hl <= (int)size && hl <= DOH_MAX_HEAD);
	if (hl < 0) {
		CHECK(hl == -400 || hl == -414 || hl == -431 || hl == -505);
		CHECK(off <= size);
	}
	if (hl > 0) {
		int rc;

		CHECK(strlen(r.target) <= DOH_MAX_TARGET && strlen(r.ctype) <= DOH_MAX_CTYPE);
		body = size - (size_t)hl;
		rc = doh_request(&r, "/dns-query", data + hl, body, q, sizeof(q), &qlen);
		CHECK(rc == 0 || (rc >= 400 && rc < 500));
		if (rc == 0) {
			CHECK(qlen >= 12 && qlen <= DOH_MAX_BODY);
			if (r.method == DOH_GET) {
				size_t el = b64url(q, qlen, enc);

				n = doh_b64url_decode(enc, el, back, sizeof(back));
				CHECK(n == (long)qlen && memcmp(back, q, qlen) == 0);
			}
		}
	}
	n = doh_b64url_decode((const char *)data, size, q, sizeof(q));
	CHECK(n >= -1 && n <= (long)sizeof(q));
	colon = size > 2 ? memchr(data + 1, ':', size - 2) : NULL; /* ":path:/x" too */
	if (colon) {
		memset(&r, 0, sizeof(r));
		(void)doh_req_header(&r, (const char *)data, (size_t)(colon - data),
				     (const char *)colon + 1, size - (size_t)(colon - data) - 1);
		CHECK(strlen(r.target) <= DOH_MAX_TARGET);
	}
	return 0;
}
