/*
 * test_doh.c -- unit tests for the DoH request reader (src/dns/doh_parse.h): a table of
 * HTTP/1.1 requests as clients send them (curl's, by hand for the errors) and what each
 * must give -- the head's status, then doh_request's status and query length; the
 * base64url decoder against RFC 4648's vectors; HTTP/2 headers through doh_req_header;
 * and the bounds (a head, a target, a body one byte past each).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dns/doh_parse.h"

/* www.example.com A, ID 0: 33 bytes, and its base64url */
#define Q64  "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"
#define QBIN "\0\0\1\0\0\1\0\0\0\0\0\0\3www\7example\3com\0\0\1\0\1"
#define QLEN 33

struct vec {
	const char *what;
	const char *req; /* head (and body, given by blen) */
	size_t blen;	 /* bytes of QBIN appended */
	int head;	 /* 0: need more; > 0: parsed; < 0: the head's status */
	int status;	 /* doh_request: 0 or the HTTP status */
	size_t qlen;
};

static const struct vec vecs[] = {
	{ "curl GET",
	  "GET /dns-query?dns=" Q64 " HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/7.88.1\r\n"
	  "accept: application/dns-message\r\n\r\n",
	  0, 1, 0, QLEN },
	{ "GET, dns not first, padded", "GET /dns-query?x=1&dns=" Q64 "== HTTP/1.1\r\n\r\n", 0, 1,
	  0, QLEN },
	{ "curl POST",
	  "POST /dns-query HTTP/1.1\r\nHost: h\r\ncontent-type: application/dns-message\r\n"
	  "Content-Length: 33\r\n\r\n",
	  QLEN, 1, 0, QLEN },
	{ "POST, type with a parameter, upper case",
	  "POST /dns-query HTTP/1.1\r\nContent-Type: "
	  "Application/DNS-Message; x=y\r\n\r\n",
	  QLEN, 1, 0, QLEN },
	{ "head not complete", "GET /dns-query?dns=" Q64 " HTTP/1.1\r\nHost: h\r\n", 0, 0, 0, 0 },
	{ "bare LF", "GET /dns-query?dns=" Q64 " HTTP/1.1\nHost: h\n\n", 0, 1, 0, QLEN },
	{ "other path", "GET /other?dns=" Q64 " HTTP/1.1\r\n\r\n", 0, 1, 404, 0 },
	{ "path prefix only", "GET /dns-query2?dns=" Q64 " HTTP/1.1\r\n\r\n", 0, 1, 404, 0 },
	{ "PUT", "PUT /dns-query HTTP/1.1\r\n\r\n", 0, 1, 405, 0 },
	{ "HEAD", "HEAD /dns-query?dns=" Q64 " HTTP/1.1\r\n\r\n", 0, 1, 405, 0 },
	{ "lower-case method is not GET", "get /dns-query?dns=" Q64 " HTTP/1.1\r\n\r\n", 0, 1, 405,
	  0 },
	{ "POST of another type", "POST /dns-query HTTP/1.1\r\nContent-Type: text/plain\r\n\r\n",
	  QLEN, 1, 415, 0 },
	{ "GET without dns", "GET /dns-query?x=" Q64 " HTTP/1.1\r\n\r\n", 0, 1, 400, 0 },
	{ "GET, dns empty", "GET /dns-query?dns= HTTP/1.1\r\n\r\n", 0, 1, 400, 0 },
	{ "GET, not base64url", "GET /dns-query?dns=AAAB+AAB HTTP/1.1\r\n\r\n", 0, 1, 400, 0 },
	{ "GET, shorter than a header", "GET /dns-query?dns=AAABAAAB HTTP/1.1\r\n\r\n", 0, 1, 400,
	  0 },
	{ "HTTP/2 preface on HTTP/1.1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, -505, 0, 0 },
	{ "no version", "GET /dns-query\r\n\r\n", 0, -400, 0, 0 },
	{ "space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0, -400, 0, 0 },
	{ "Content-Length twice",
	  "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 0, -400, 0, 0 },
	{ "Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 0, -400,
	  0, 0 },
};

static void test_vectors(void **state)
{
	uint8_t buf[2048], q[DOH_MAX_BODY];
	size_t i, off, qlen;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		size_t hl = strlen(v->req);
		struct doh_req r;
		int rc, st;

		memcpy(buf, v->req, hl);
		memcpy(buf + hl, QBIN, v->blen);
		rc = doh_parse_head(buf, hl + v->blen, &r, &off);
		if (v->head <= 0 ? rc != v->head : rc != (int)hl) {
			fprintf(stderr, "%s: head %d, want %d\n", v->what, rc, v->head);
			fail();
		}
		if (rc <= 0)
			continue;
		st = doh_request(&r, "/dns-query", buf + hl, v->blen, q, sizeof(q), &qlen);
		if (st != v->status ||
		    (st == 0 && (qlen != v->qlen || memcmp(q, QBIN, qlen) != 0))) {
			fprintf(stderr, "%s: status %d (%zu bytes), want %d (%zu)\n", v->what, st,
				qlen, v->status, v->qlen);
			fail();
		}
	}
}

static void test_head_fields(void **state)
{
	static const char req[] = "POST /dns-query HTTP/1.0\r\nConnection: Close\r\n"
				  "Transfer-Encoding: chunked\r\nContent-Length: 12\r\n\r\n";
	struct doh_req r;
	size_t off;

	(void)state;
	assert_int_equal(doh_parse_head((const uint8_t *)req, strlen(req), &r, &off),
			 (int)strlen(req));
	assert_int_equal(r.method, DOH_POST);
	assert_int_equal(r.close, 1);
	assert_int_equal(r.chunked, 1);
	assert_int_equal(r.clen, 12);
	assert_string_equal(r.target, "/dns-query");
}

static void test_b64url(void **state)
{
	/* RFC 4648 section 10, without padding, and the URL alphabet's own characters */
	static const struct {
		const char *in, *out;
	} v[] = { { "", "" },
		  { "Zg", "f" },
		  { "Zm8", "fo" },
		  { "Zm9v", "foo" },
		  { "Zm9vYg", "foob" },
		  { "Zm9vYmE", "fooba" },
		  { "Zm9vYmFy", "foobar" },
		  { "Zm9vYg==", "foob" },
		  { "-_8", "\xfb\xff" } };
	uint8_t out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		long n = doh_b64url_decode(v[i].in, strlen(v[i].in), out, sizeof(out));

		assert_int_equal(n, (long)strlen(v[i].out));
		assert_memory_equal(out, v[i].out, (size_t)n);
	}
	assert_int_equal(doh_b64url_decode("Z", 1, out, sizeof(out)), -1);    /* no such length */
	assert_int_equal(doh_b64url_decode("Zm9+", 4, out, sizeof(out)), -1); /* '+' is base64 */
	assert_int_equal(doh_b64url_decode("Zm9vYmFy", 8, out, 5), -1);	      /* does not fit */
}

static void test_h2_headers(void **state)
{
	struct doh_req r;
	char path[DOH_MAX_TARGET + 2];
	uint8_t q[DOH_MAX_BODY];
	size_t qlen;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(doh_req_header(&r, ":method", 7, "POST", 4), 0);
	assert_int_equal(doh_req_header(&r, ":path", 5, "/dns-query", 10), 0);
	assert_int_equal(doh_req_header(&r, "content-type", 12, "application/dns-message", 23), 0);
	assert_int_equal(
		doh_request(&r, "/dns-query", (const uint8_t *)QBIN, QLEN, q, sizeof(q), &qlen), 0);
	assert_int_equal(qlen, QLEN);
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	assert_int_equal(doh_req_header(&r, ":path", 5, path, DOH_MAX_TARGET), 0);
	assert_int_equal(doh_req_header(&r, ":path", 5, path, DOH_MAX_TARGET + 1), 414);
}

static void test_limits(void **state)
{
	static uint8_t buf[DOH_MAX_HEAD + DOH_MAX_TARGET + 64], body[DOH_MAX_BODY + 1];
	uint8_t q[DOH_MAX_BODY];
	struct doh_req r;
	size_t off, qlen;
	int n;

	(void)state;
	/* a head that never ends: refused once DOH_MAX_HEAD bytes are in, not before */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
	assert_int_equal(doh_parse_head(buf, DOH_MAX_HEAD - 1, &r, &off), 0);
	assert_int_equal(doh_parse_head(buf, DOH_MAX_HEAD, &r, &off), -431);
	/* a target of DOH_MAX_TARGET bytes is read, one more is 414 */
	n = snprintf((char *)buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\n\r\n", DOH_MAX_TARGET - 1, 0);
	assert_int_equal(doh_parse_head(buf, (size_t)n, &r, &off), n);
	n = snprintf((char *)buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\n\r\n", DOH_MAX_TARGET, 0);
	assert_int_equal(doh_parse_head(buf, (size_t)n, &r, &off), -414);
	assert_int_equal(off, 4);
	/* a body of DOH_MAX_BODY bytes is a query, one more is 413 */
	memset(&r, 0, sizeof(r));
	r.method = DOH_POST;
	strcpy(r.target, "/dns-query");
	strcpy(r.ctype, "application/dns-message");
	assert_int_equal(doh_request(&r, "/dns-query", body, DOH_MAX_BODY, q, sizeof(q), &qlen), 0);
	assert_int_equal(doh_request(&r, "/dns-query", body, DOH_MAX_BODY + 1, q, sizeof(q), &qlen),
			 413);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors), cmocka_unit_test(test_head_fields),
		cmocka_unit_test(test_b64url),	cmocka_unit_test(test_h2_headers),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
