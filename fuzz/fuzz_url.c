/*
 * fuzz_url.c -- libFuzzer target for core/net/url (url_canonicalise, url_host).
 *
 * Checks, for every input that canonicalises:
 *   - the result is NUL-terminated, its length is the return value, at most URL_MAX, and it
 *     holds only printable ASCII other than '#' (everything else is percent-escaped);
 *   - canonicalisation is idempotent: canonicalising the result gives it back unchanged.
 *     Safe Browsing's own rules alone do not guarantee this (an unescaped '/' or ':' in a
 *     host, or '?' in a path, would re-parse differently); url.c escapes those, see its
 *     file comment, so here it is asserted without exception;
 *   - url_host finds a non-empty host in the result;
 * and that a failure sets a message. The output buffer is sized exactly, so ASan catches
 * any write past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/url.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[URL_MAX + 1];
	static char again[URL_MAX + 1];
	struct isp_err err;
	const char *host;
	size_t hostlen, i;
	int n, m;

	isp_err_clear(&err);
	n = url_canonicalise((const char *)data, size, out, sizeof(out), &err);
	if (n < 0) {
		CHECK(n == ISR_EINVAL || n == ISR_ELIMIT);
		CHECK(err.code == n && err.msg[0] != '\0');
		return 0;
	}
	CHECK(n > 0 && n <= URL_MAX);
	CHECK(strlen(out) == (size_t)n);
	for (i = 0; i < (size_t)n; i++) {
		unsigned char c = (unsigned char)out[i];

		CHECK(c > 0x20 && c < 0x7f && c != '#');
	}

	isp_err_clear(&err);
	m = url_canonicalise(out, (size_t)n, again, sizeof(again), &err);
	if (m != n || memcmp(out, again, (size_t)n) != 0) {
		fprintf(stderr, "not idempotent:\n  1: %s\n  2: %s (%d %s)\n", out,
			m > 0 ? again : "", m, err.msg);
		abort();
	}

	CHECK(url_host(out, (size_t)n, &host, &hostlen) == 0);
	CHECK(hostlen > 0 && host > out && host + hostlen < out + n);
	/* a host url_host_check accepts is an IPv6 literal or names only [a-z0-9._-] */
	isp_err_clear(&err);
	if (url_host_check(out, (size_t)n, &err) == 0) {
		for (i = 0; i < hostlen && !memchr(host, ':', hostlen); i++)
			CHECK((host[i] >= 'a' && host[i] <= 'z') ||
			      (host[i] >= '0' && host[i] <= '9') || host[i] == '.' ||
			      host[i] == '-' || host[i] == '_');
	} else {
		CHECK(err.code == ISR_EINVAL && err.msg[0] != '\0');
	}
	return 0;
}
