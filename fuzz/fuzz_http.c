/*
 * fuzz_http.c -- libFuzzer target for the proxy's request path without sockets: the
 * strict request and response head parsers (fed whole and split at a byte the input
 * chooses, as bytes arrive), the chunked tracker, and URL canonicalisation of the
 * request target (as the proxy does before the snapshot lookup), checked idempotent, and
 * the fields the proxy forwards (framing written from the parsed values).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/url.h"
#include "proxy/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_head h;
	static char canon[URL_MAX + 1], again[URL_MAX + 1], fwd[16384];
	const char *buf = (const char *)data;
	size_t scanned = 0, split = size ? data[0] % (size + 1) : 0;
	struct http_chunked ch;
	int rc, done;

	rc = http_parse_request(buf, split, &scanned, 8192, 64, &h);
	if (rc == HTTP_INCOMPLETE)
		rc = http_parse_request(buf, size, &scanned, 8192, 64, &h);
	if (rc > 0) {
		size_t i, n;

		if ((size_t)rc > size || h.tlen == 0 || h.target < buf ||
		    h.target + h.tlen > buf + size)
			abort();
		for (i = 0; i < h.nfields; i++)
			(void)http_is_hop(&h, h.f[i].name, h.f[i].nlen);
		if (http_forward_fields(&h, 1, 1, fwd, sizeof(fwd)) > (ssize_t)sizeof(fwd))
			abort();
		n = (size_t)url_canonicalise(h.target, h.tlen, canon, sizeof(canon), NULL);
		if ((int)n > 0) {
			int m = url_canonicalise(canon, n, again, sizeof(again), NULL);

			if (m != (int)n || memcmp(canon, again, n) != 0)
				abort(); /* canonical form must be a fixed point */
		}
		memset(&ch, 0, sizeof(ch));
		(void)http_chunked_feed(&ch, buf + rc, size - (size_t)rc, &done);
	}
	scanned = 0;
	if (http_parse_response(buf, size, &scanned, 8192, 64, &h) > 0 &&
	    http_forward_fields(&h, 0, 1, fwd, sizeof(fwd)) > (ssize_t)sizeof(fwd))
		abort();
	/* the whole input as a URL too */
	(void)url_canonicalise(buf, size, canon, sizeof(canon), NULL);
	return 0;
}
