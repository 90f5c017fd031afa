/*
 * test_proxy.c -- the proxy's pure parts: SHA-256/HMAC (FIPS 180-4 and RFC 4231
 * vectors), the strict HTTP head parser, the chunked tracker, hop-by-hop fields, the
 * continue token and the page rendering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/sha256.h"
#include "proxy/http.h"
#include "proxy/page.h"
#include "proxy/token.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256(void **state)
{
	uint8_t md[32];
	char h[65];
	struct sha256 c;
	uint8_t key[20];

	(void)state;
	sha256_init(&c);
	sha256_update(&c, "abc", 3);
	sha256_final(&c, md);
	hex(md, 32, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_init(&c);
	sha256_update(&c, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	sha256_final(&c, md);
	hex(md, 32, h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(key, 0x0b, sizeof(key)); /* RFC 4231 test case 1 */
	hmac_sha256(key, 20, "Hi There", 8, md);
	hex(md, 32, h);
	assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md);
	hex(md, 32, h);
	assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_true(sha256_equal(md, md, 32));
}

static int req(const char *s, struct http_head *h)
{
	size_t scanned = 0;

	return http_parse_request(s, strlen(s), &scanned, 4096, 20, h);
}

static void test_parse_request(void **state)
{
	static struct http_head h;
	const char *v;
	size_t n = 0;

	(void)state;
	assert_true(req("GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n"
			"Accept-Language:  ja , en \r\n\r\nrest",
			&h) > 0);
	assert_int_equal(h.tlen, strlen("http://a.example/x?y"));
	assert_int_equal(h.minor, 1);
	v = http_field_get(&h, "accept-language", &n);
	assert_non_null(v);
	assert_int_equal(n, strlen("ja , en"));
	assert_int_equal(h.content_length, -1);
	assert_int_equal(req("GET http://a/ HTTP/1.1\r\nHost: a\r\n", &h), HTTP_INCOMPLETE);
	assert_int_equal(req("GET  http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", &h), HTTP_EBAD);
	assert_int_equal(req("GET http://a/ HTTP/1.1\r\nHost : a\r\n\r\n", &h), HTTP_EBAD);
	assert_int_equal(req("GET http://a/ HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", &h), HTTP_EBAD);
	assert_int_equal(req("GET http://a/ HTTP/1.1\nHost: a\r\n\r\n", &h), HTTP_EBAD);
	assert_int_equal(req("GET http://a/ HTTP/1.1\r\n\r\n", &h), HTTP_EBAD); /* no Host */
	assert_int_equal(req("GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &h),
			 HTTP_EBAD);
	assert_int_equal(req("GET http://a/ HTTP/2.0\r\nHost: a\r\n\r\n", &h), HTTP_EVERSION);
	assert_int_equal(req("POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
			     "Transfer-Encoding: chunked\r\n\r\n",
			     &h),
			 HTTP_EBAD);
	assert_int_equal(req("POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
			     "Content-Length: 2\r\n\r\n",
			     &h),
			 HTTP_EBAD);
	assert_int_equal(
		req("POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", &h),
		HTTP_EBAD);
	assert_int_equal(
		req("POST http://a/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", &h),
		HTTP_ECODING);
	assert_true(req("POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", &h) >
		    0);
	assert_int_equal(h.content_length, 12);
	assert_true(req("GET http://a/ HTTP/1.0\r\n\r\n", &h) > 0);
	assert_true(h.conn_close);
}

static void test_limits(void **state)
{
	static struct http_head h;
	char buf[8192];
	size_t scanned = 0, n;
	int i;

	(void)state;
	n = (size_t)snprintf(buf, sizeof(buf), "GET http://a/ HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: 1\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(http_parse_request(buf, n, &scanned, 4096, 20, &h), HTTP_ETOOBIG);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET http://a/ HTTP/1.1\r\nX: ", 27);
	scanned = 0;
	assert_int_equal(http_parse_request(buf, sizeof(buf), &scanned, 4096, 20, &h),
			 HTTP_ETOOBIG);
}

static void test_response_and_hop(void **state)
{
	static struct http_head h;
	const char *r =
		"HTTP/1.1 200 OK\r\nConnection: close, X-Private\r\nX-Private: 1\r\n"
		"Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n"
		"X-Public: 2\r\n\r\n";
	size_t scanned = 0;

	(void)state;
	assert_true(http_parse_response(r, strlen(r), &scanned, 4096, 20, &h) > 0);
	assert_int_equal(h.status, 200);
	assert_true(h.chunked);
	assert_int_equal(h.content_length, -1); /* chunked wins */
	assert_true(h.conn_close);
	assert_true(http_is_hop(&h, "X-Private", 9));
	assert_true(http_is_hop(&h, "keep-alive", 10));
	assert_true(http_is_hop(&h, "Proxy-Connection", 16));
	assert_true(http_is_hop(&h, "TE", 2));
	assert_false(http_is_hop(&h, "X-Public", 8));
	scanned = 0;
	assert_int_equal(http_parse_response("HTTP/1.1 20 OK\r\n\r\n", 18, &scanned, 4096, 20, &h),
			 HTTP_EBAD);
}

static void test_chunked(void **state)
{
	const char *body =
		"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n";
	struct http_chunked c;
	size_t i, n = strlen(body);
	int done = 0;
	ssize_t k;

	(void)state;
	/* fed one byte at a time, then with trailing bytes of the next message */
	memset(&c, 0, sizeof(c));
	for (i = 0; i < n; i++) {
		assert_false(done);
		assert_int_equal(http_chunked_feed(&c, body + i, 1, &done), 1);
	}
	assert_true(done);
	memset(&c, 0, sizeof(c));
	{
		char more[256];

		snprintf(more, sizeof(more), "%sGET /next", body);
		k = http_chunked_feed(&c, more, strlen(more), &done);
		assert_int_equal(k, (ssize_t)n);
		assert_true(done);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(http_chunked_feed(&c, "x\r\n", 3, &done), -1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(http_chunked_feed(&c, "1\r\nab", 5, &done), -1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(http_chunked_feed(&c, "ffffffffffffffff\r\n", 18, &done), -1);
}

static void test_token(void **state)
{
	const uint8_t key[] = "0123456789abcdef0123456789abcdef";
	const char *url = "http://bad.example/x.exe";
	char tok[PTOKEN_MAX];

	(void)state;
	ptoken_make(key, 32, "192.0.2.1", url, strlen(url), 2000000000, tok);
	assert_int_equal(
		ptoken_check(key, 32, "192.0.2.1", url, strlen(url), tok, strlen(tok), 1900000000),
		PTOKEN_OK);
	assert_int_equal(
		ptoken_check(key, 32, "192.0.2.1", url, strlen(url), tok, strlen(tok), 2000000001),
		PTOKEN_EXPIRED);
	assert_int_equal(
		ptoken_check(key, 32, "192.0.2.2", url, strlen(url), tok, strlen(tok), 1900000000),
		PTOKEN_BAD);
	assert_int_equal(ptoken_check(key, 32, "192.0.2.1", "http://bad.example/y.exe", 24, tok,
				      strlen(tok), 1900000000),
			 PTOKEN_BAD);
	tok[0] = '3'; /* a later expiry without a new MAC */
	assert_int_equal(
		ptoken_check(key, 32, "192.0.2.1", url, strlen(url), tok, strlen(tok), 1900000000),
		PTOKEN_BAD);
	assert_int_equal(ptoken_check(key, 32, "192.0.2.1", url, strlen(url), "12.zz", 5, 1),
			 PTOKEN_BAD);
}

static void test_page(void **state)
{
	static char out[24576];
	struct page_info pi;

	(void)state;
	assert_true(page_prefer_ja("ja,en;q=0.8", 11));
	assert_false(page_prefer_ja("en-US,ja;q=0.5", 14));
	assert_true(page_prefer_ja("ja-JP", 5));
	assert_false(page_prefer_ja("fr", 2));
	assert_false(page_prefer_ja(NULL, 0));
	assert_true(page_prefer_ja("en;q=0.3, ja;q=0.9", 18));
	memset(&pi, 0, sizeof(pi));
	pi.url = "http://x.example/<script>";
	pi.list = "urlhaus";
	pi.source = "feed\"s";
	pi.continue_url = "http://x.example/?a=1&b=2";
	pi.isp = "ISP";
	pi.contact = "abuse@isp.example";
	assert_true(page_warning(&pi, out, sizeof(out)) > 0);
	assert_null(strstr(out, "<script>"));
	assert_non_null(strstr(out, "&lt;script&gt;"));
	assert_non_null(strstr(out, "feed&quot;s"));
	assert_non_null(strstr(out, "a=1&amp;b=2"));
	assert_non_null(strstr(out, "lang=\"en\""));
	pi.ja = 1;
	assert_true(page_warning(&pi, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "lang=\"ja\""));
	assert_true(page_walled(&pi, out, sizeof(out)) > 0);
	assert_int_equal(page_warning(&pi, out, 100), 0); /* does not fit */
	assert_true(page_connect_refused("evil.example", "l", out, sizeof(out)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),	cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_limits),	cmocka_unit_test(test_response_and_hop),
		cmocka_unit_test(test_chunked), cmocka_unit_test(test_token),
		cmocka_unit_test(test_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
