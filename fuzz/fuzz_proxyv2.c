/*
 * fuzz_proxyv2.c -- libFuzzer target for the PROXY protocol v2 parser (src/dns/proxyv2.h).
 *
 * The input is the start of a datagram or stream. A complete header must lie within
 * the input and within PP2_MAX_LEN, its addresses must be of a family the parser
 * accepts, and every prefix shorter than the header must read as PP2_MORE (a stream
 * that arrives byte by byte decides the same as one that arrives whole). A rejection
 * must name an offset inside the input. Any disagreement aborts.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/proxyv2.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp2_header h, p;
	struct isp_err err;
	size_t k;
	int rc;

	isp_err_clear(&err);
	rc = pp2_parse(data, size, &h, &err);
	CHECK(rc == 0 || rc == PP2_MORE || rc == ISR_EFORMAT);
	if (rc == ISR_EFORMAT) {
		CHECK(err.offset >= 0 && (size_t)err.offset < size);
		CHECK(h.len == 0);
		return 0;
	}
	if (rc == PP2_MORE) {
		CHECK(size < PP2_MAX_LEN);
		return 0;
	}
	CHECK(h.len >= PP2_FIXED && h.len <= size && h.len <= PP2_MAX_LEN);
	CHECK(pp2_has_signature(data, size));
	if (h.command == PP2_LOCAL || h.srclen == 0)
		CHECK(h.src.ss_family == AF_UNSPEC && h.srclen == 0);
	else
		CHECK((h.src.ss_family == AF_INET && h.srclen == sizeof(struct sockaddr_in)) ||
		      (h.src.ss_family == AF_INET6 && h.srclen == sizeof(struct sockaddr_in6)));
	/* the header alone parses the same; any shorter prefix asks for more */
	CHECK(pp2_parse(data, h.len, &p, NULL) == 0 && p.len == h.len);
	CHECK(memcmp(&p.src, &h.src, sizeof(p.src)) == 0);
	for (k = 0; k < h.len; k += 1 + k / 8)
		CHECK(pp2_parse(data, k, &p, NULL) == PP2_MORE);
	return 0;
}
