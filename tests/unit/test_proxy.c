/*
 * test_proxy.c -- the proxy's pure parts: SHA-256/HMAC (FIPS 180-4 and RFC 4231
 * vectors), the strict HTTP head parser, the chunked tracker, hop-by-hop fields and
 * the forwarded framing (smuggling through Connection), the continue token, the page
 * rendering, the destination rules (dest.h) and the stub resolver's wire code.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/sha256.h"
#include "core/net/dest.h"
#include "proxy/dnsstub.h"
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
	{
		/* RFC 4231 test case 6: a key longer than the block is hashed first; the same
		 * MAC streamed in pieces (hmac_sha256_init/final) */
		static const char msg[] = "Test Using Larger Than Block-Size Key - Hash Key First";
		uint8_t big[131];
		struct hmac_sha256 hm;

		memset(big, 0xaa, sizeof(big));
		hmac_sha256(big, sizeof(big), msg, sizeof(msg) - 1, md);
		hex(md, 32, h);
		assert_string_equal(
			h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
		hmac_sha256_init(&hm, big, sizeof(big));
		sha256_update(&hm.inner, msg, 10);
		sha256_update(&hm.inner, msg + 10, sizeof(msg) - 1 - 10);
		hmac_sha256_final(&hm, md);
		hex(md, 32, h);
		assert_string_equal(
			h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	}
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

/* Issue 15 item 5: Connection cannot take the framing or Host away. */
static void test_forward_framing(void **state)
{
	static struct http_head h;
	static char out[4096];
	const char *r = "POST http://a/ HTTP/1.1\r\nHost: a\r\nConnection: Content-Length, Host, "
			"X-Secret\r\nX-Secret: s\r\nContent-Length: 7\r\nContent-Length: 7\r\n"
			"X-Keep: k\r\n\r\n";
	const char *both = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked"
			   "\r\nConnection: Transfer-Encoding\r\nX-A: 1\r\n\r\n";
	size_t scanned = 0;
	ssize_t n;

	(void)state;
	assert_true(http_parse_request(r, strlen(r), &scanned, 4096, 20, &h) > 0);
	assert_false(http_is_hop(&h, "Content-Length", 14));
	assert_false(http_is_hop(&h, "host", 4));
	assert_true(http_is_hop(&h, "x-secret", 8));
	n = http_forward_fields(&h, 1, 1, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "X-Keep: k\r\nContent-Length: 7\r\n"); /* once, parsed */
	n = http_forward_fields(&h, 0, 0, out, sizeof(out));
	out[n] = '\0';
	assert_string_equal(out, "Host: a\r\nX-Keep: k\r\n");
	assert_int_equal(http_forward_fields(&h, 1, 1, out, 12), -1); /* does not fit */
	/* a response with both codings: chunked, without Content-Length (RFC 9112 6.3) */
	scanned = 0;
	assert_true(http_parse_response(both, strlen(both), &scanned, 4096, 20, &h) > 0);
	n = http_forward_fields(&h, 0, 1, out, sizeof(out));
	out[n] = '\0';
	assert_string_equal(out, "X-A: 1\r\nTransfer-Encoding: chunked\r\n");
}

static void sa4(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &in->sin_addr), 1);
}

static void sa6(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, a, &in6->sin6_addr), 1);
}

static enum dest_verdict verdict(const struct dest_rules *r, const char *a, uint16_t port)
{
	struct sockaddr_storage ss;

	if (strchr(a, ':'))
		sa6(&ss, a, port);
	else
		sa4(&ss, a, port);
	return dest_check(r, (struct sockaddr *)&ss);
}

/* Issue 15 item 1: the destination rules. */
static void test_dest(void **state)
{
	static const struct {
		const char *addr;
		enum dest_verdict v;
	} plain[] = {
		{ "0.0.0.0", DEST_UNSPECIFIED },
		{ "0.1.2.3", DEST_UNSPECIFIED },
		{ "10.1.2.3", DEST_PRIVATE },
		{ "100.64.0.1", DEST_CGNAT },
		{ "100.127.255.255", DEST_CGNAT },
		{ "100.128.0.1", DEST_OK },
		{ "127.0.0.1", DEST_LOOPBACK },
		{ "127.255.0.9", DEST_LOOPBACK },
		{ "169.254.169.254", DEST_LINKLOCAL }, /* cloud metadata */
		{ "172.16.0.1", DEST_PRIVATE },
		{ "172.31.255.255", DEST_PRIVATE },
		{ "172.32.0.1", DEST_OK },
		{ "192.168.1.1", DEST_PRIVATE },
		{ "224.0.0.1", DEST_MULTICAST },
		{ "239.255.255.250", DEST_MULTICAST },
		{ "240.0.0.1", DEST_RESERVED },
		{ "255.255.255.255", DEST_RESERVED },
		{ "192.0.2.1", DEST_OK },
		{ "8.8.8.8", DEST_OK },
		{ "::", DEST_UNSPECIFIED },
		{ "::1", DEST_LOOPBACK },
		{ "::ffff:127.0.0.1", DEST_LOOPBACK },
		{ "::ffff:10.0.0.1", DEST_PRIVATE },
		{ "::ffff:192.0.2.1", DEST_OK },
		{ "::127.0.0.1", DEST_RESERVED },
		{ "64:ff9b::7f00:1", DEST_LOOPBACK },
		{ "64:ff9b::c000:201", DEST_OK },
		{ "64:ff9b:1::1", DEST_PRIVATE },
		{ "fe80::1", DEST_LINKLOCAL },
		{ "fec0::1", DEST_PRIVATE },
		{ "fc00::1", DEST_PRIVATE },
		{ "fd12:3456::1", DEST_PRIVATE },
		{ "ff02::1", DEST_MULTICAST },
		{ "2001:db8::1", DEST_OK },
	};
	struct dest_rules r;
	struct sockaddr_storage listen[2];
	struct isp_err err;
	size_t i;

	(void)state;
	sa4(&listen[0], "192.0.2.80", 3128);
	sa6(&listen[1], "2001:db8::80", 3128);
	assert_int_equal(dest_init(&r, "proxy", "", "", "443", listen, 2, &err), 0);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (verdict(&r, plain[i].addr, 80) != plain[i].v)
			fail_msg("%s: verdict %d, want %d", plain[i].addr,
				 verdict(&r, plain[i].addr, 80), plain[i].v);
	}
	assert_int_equal(verdict(&r, "192.0.2.80", 3128), DEST_SELF);
	assert_int_equal(verdict(&r, "192.0.2.80", 80), DEST_OWN);
	assert_int_equal(verdict(&r, "::ffff:192.0.2.80", 80), DEST_OWN);
	assert_int_equal(verdict(&r, "2001:db8::80", 3128), DEST_SELF);
	assert_true(dest_port_ok(&r, 443));
	assert_false(dest_port_ok(&r, 25));
	assert_false(dest_port_ok(&r, 80));
	dest_free(&r);
	/* allow opens an internal range, deny wins inside it, self stays refused */
	sa4(&listen[0], "127.0.0.1", 3128);
	assert_int_equal(dest_init(&r, "proxy", "127.0.0.0/8, 10.0.0.0/8",
				   "10.9.0.0/16, 2001:db8::/32", "443, 8000-8100", listen, 1, &err),
			 0);
	assert_int_equal(verdict(&r, "127.0.0.1", 8080), DEST_OK);
	assert_int_equal(verdict(&r, "127.0.0.1", 3128), DEST_SELF);
	assert_int_equal(verdict(&r, "10.1.2.3", 80), DEST_OK);
	assert_int_equal(verdict(&r, "10.9.1.1", 80), DEST_DENIED);
	assert_int_equal(verdict(&r, "2001:db8::5", 80), DEST_DENIED);
	assert_int_equal(verdict(&r, "192.168.0.1", 80), DEST_PRIVATE);
	assert_true(dest_port_ok(&r, 8000));
	assert_true(dest_port_ok(&r, 8100));
	assert_false(dest_port_ok(&r, 8101));
	dest_free(&r);
	assert_int_not_equal(dest_init(&r, "proxy", "", "", "443, 70000", listen, 1, &err), 0);
	dest_free(&r);
	assert_int_not_equal(dest_init(&r, "proxy", "", "", "443x", listen, 1, &err), 0);
	dest_free(&r);
	assert_int_not_equal(dest_init(&r, "proxy", "", "", "90-80", listen, 1, &err), 0);
	dest_free(&r);
	assert_int_not_equal(dest_init(&r, "proxy", "10.0.0.0/33", "", "443", listen, 1, &err), 0);
	dest_free(&r);
	assert_int_equal(dest_init(&r, "proxy", "", "", "", listen, 1, &err),
			 0); /* no CONNECT at all */
	assert_false(dest_port_ok(&r, 443));
	dest_free(&r);
}

/* An answer to query q (copied), with the given answer records appended. */
static size_t answer(uint8_t *pkt, const uint8_t *q, size_t qlen, uint8_t flags2, uint8_t rcode,
		     unsigned an, const uint8_t *rrs, size_t rrlen)
{
	memcpy(pkt, q, qlen);
	pkt[2] = (uint8_t)(0x80 | flags2 | 0x01);
	pkt[3] = (uint8_t)(0x80 | rcode);
	pkt[7] = (uint8_t)an;
	memcpy(pkt + qlen, rrs, rrlen);
	return qlen + rrlen;
}

static void test_dnsstub(void **state)
{
	/* www.a.test CNAME c.a.test (compressed), c.a.test A 192.0.2.7, an A for another
	 * owner (ignored), then A 192.0.2.8 */
	static const uint8_t rrs[] = {
		0xc0, 12,  0,	 5,  0, 1, 0, 0, 0, 60, 0, 4,  1,   'c', 0xc0, 16,	 /* CNAME */
		1,    'c', 0xc0, 16, 0, 1, 0, 1, 0, 0,	0, 60, 0,   4,	 192,  0,  2, 7, /* A */
		1,    'x', 0xc0, 16, 0, 1, 0, 1, 0, 0,	0, 60, 0,   4,	 127,  0,  0, 1, /* other */
		0xc0, 40,  0,	 1,  0, 1, 0, 0, 0, 60, 0, 4,  192, 0,	 2,    8,	 /* A */
	};
	static const uint8_t loop[] = { 0xc0, 12 + 20, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4 };
	uint8_t q[512], pkt[1024];
	struct sockaddr_storage out[4];
	socklen_t lens[4];
	char txt[64];
	int qlen, n;
	size_t plen;

	(void)state;
	qlen = pxdns_query("WWW.a.test.", 1, 0x1234, q, sizeof(q));
	assert_int_equal(qlen, 12 + 12 + 4);
	assert_int_equal(q[0], 0x12);
	assert_int_equal(q[12], 3);
	assert_int_equal(pxdns_query("a..test", 1, 1, q, sizeof(q)), -1);
	assert_int_equal(pxdns_query("a b.test", 1, 1, q, sizeof(q)), -1);
	assert_int_equal(pxdns_query("", 1, 1, q, sizeof(q)), -1);
	qlen = pxdns_query("www.a.test", 1, 0x1234, q, sizeof(q));
	plen = answer(pkt, q, (size_t)qlen, 0, 0, 4, rrs, sizeof(rrs));
	n = pxdns_answer(pkt, plen, "www.a.test", 1, 0x1234, 8080, out, lens, 4);
	assert_int_equal(n, 2);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&out[0])->sin_addr, txt, sizeof(txt));
	assert_string_equal(txt, "192.0.2.7");
	assert_int_equal(ntohs(((struct sockaddr_in *)&out[0])->sin_port), 8080);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&out[1])->sin_addr, txt, sizeof(txt));
	assert_string_equal(txt, "192.0.2.8");
	/* at most max */
	assert_int_equal(pxdns_answer(pkt, plen, "www.a.test", 1, 0x1234, 80, out, lens, 1), 1);
	/* wrong ID, other question, not a response, truncated, cut short */
	assert_int_equal(pxdns_answer(pkt, plen, "www.a.test", 1, 0x1235, 80, out, lens, 4), -1);
	assert_int_equal(pxdns_answer(pkt, plen, "www.b.test", 1, 0x1234, 80, out, lens, 4), -1);
	assert_int_equal(pxdns_answer(pkt, plen, "www.a.test", 28, 0x1234, 80, out, lens, 4), -1);
	assert_int_equal(pxdns_answer(q, (size_t)qlen, "www.a.test", 1, 0x1234, 80, out, lens, 4),
			 -1);
	assert_int_equal(pxdns_answer(pkt, plen - 3, "www.a.test", 1, 0x1234, 80, out, lens, 4),
			 -1);
	plen = answer(pkt, q, (size_t)qlen, 0x02, 0, 0, rrs, 0);
	assert_int_equal(pxdns_answer(pkt, plen, "www.a.test", 1, 0x1234, 80, out, lens, 4), -2);
	/* NXDOMAIN: no address; a compression loop: malformed */
	plen = answer(pkt, q, (size_t)qlen, 0, 3, 0, rrs, 0);
	assert_int_equal(pxdns_answer(pkt, plen, "www.a.test", 1, 0x1234, 80, out, lens, 4), 0);
	plen = answer(pkt, q, (size_t)qlen, 0, 0, 1, loop, sizeof(loop));
	pkt[qlen + 1] = (uint8_t)qlen; /* the pointer points at itself */
	assert_int_equal(pxdns_answer(pkt, plen, "www.a.test", 1, 0x1234, 80, out, lens, 4), -1);
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
	{
		/* pinned: tokens made before a restart under a proxy.secret-file stay valid */
		uint8_t k2[100];
		const char *u2 = "http://evil.example/x.exe";

		memset(k2, 0x5a, sizeof(k2));
		ptoken_make(k2, 32, "192.0.2.1", u2, strlen(u2), 2000000000, tok);
		assert_string_equal(tok,
				    "2000000000.8b5db9e0ece2ac0e145e006707bf6bae80a225c7b9c3e6dc"
				    "d9ad77de6bfebc37");
		ptoken_make(k2, 100, "2001:db8::1", u2, strlen(u2), 1, tok);
		assert_string_equal(
			tok, "1.76b58fd222a9ca89b37fffb677793b0093235bf714897ce196af2fd1052fb1b9");
	}
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
	pi.list = "URLhaus \"feed\"s";
	pi.source = "local-urls.csv";
	pi.continue_url = "http://x.example/?a=1&b=2";
	pi.isp = "ISP";
	pi.contact = "abuse@isp.example";
	assert_true(page_warning(&pi, out, sizeof(out)) > 0);
	assert_null(strstr(out, "<script>"));
	assert_non_null(strstr(out, "&lt;script&gt;"));
	assert_non_null(strstr(out, "URLhaus &quot;feed&quot;s")); /* the display name */
	assert_null(strstr(out, "local-urls.csv")); /* the source: the operator's, not shown */
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
		cmocka_unit_test(test_page),	cmocka_unit_test(test_forward_framing),
		cmocka_unit_test(test_dest),	cmocka_unit_test(test_dnsstub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
