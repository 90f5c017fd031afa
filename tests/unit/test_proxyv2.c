/*
 * test_proxyv2.c -- unit tests for the PROXY protocol v2 parser (src/dns/proxyv2.h).
 *
 * Table-driven: each vector is a header in hex (spaces between fields) (as HAProxy's proxy-protocol.txt lays it
 * out; the UDP one is what dnsdist 1.7.3 (Debian) sent before a datagram, captured) and
 * what the parser must say: the result, the header length, the client's address and
 * port, the offset of the byte it rejects. Every vector is also fed one byte short of
 * each prefix, which must give PP2_MORE (a valid start) or the same rejection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "testdata.h"
#include "dns/proxyv2.h"

#define SIG "0d0a0d0a000d0a515549540a"

struct vec {
	const char *name;
	const char *hex; /* the input */
	int rc;		 /* 0, PP2_MORE or ISR_EFORMAT */
	size_t len;	 /* header length when rc == 0 */
	int cmd;	 /* PP2_LOCAL / PP2_PROXY */
	const char *src; /* client address text, NULL = none (LOCAL, UNSPEC) */
	unsigned port;	 /* client port */
	long long off;	 /* offset of the rejected byte when rc < 0 */
	const char *why; /* part of the message when rc < 0 */
};

static const struct vec vecs[] = {
	{ "tcp4", SIG " 21 11 000c c0000201 c0000202 d431 0035", 0, 28, PP2_PROXY, "192.0.2.1",
	  54321, 0, NULL },
	{ "udp4 from dnsdist 1.7.3, query after",
	  SIG " 21 12 000c 7f000007 7f000001 ce2e 65e1 "
	      "0000012000010000000000010178076578616d706c65000001000100002904d0",
	  0, 28, PP2_PROXY, "127.0.0.7", 52782, 0, NULL },
	{ "tcp6",
	  SIG
	  " 21 21 0024 20010db8000000000000000000000001 20010db8000000000000000000000002 0400 0035",
	  0, 52, PP2_PROXY, "2001:db8::1", 1024, 0, NULL },
	{ "tcp4 with TLVs (authority, unique id)",
	  SIG " 21 11 001c 0a000001 0a000002 0001 0002 02 0004 74657374 05 0006 616263646566", 0,
	  44, PP2_PROXY, "10.0.0.1", 1, 0, NULL },
	{ "local, unspec (health check)", SIG " 20 00 0000", 0, 16, PP2_LOCAL, NULL, 0, 0, NULL },
	{ "local with addresses: ignored", SIG " 20 11 000c 0a000001 0a000002 0001 0002", 0, 28,
	  PP2_LOCAL, NULL, 0, 0, NULL },
	{ "proxy, unspec family", SIG " 21 00 0000", 0, 16, PP2_PROXY, NULL, 0, 0, NULL },
	{ "signature only", SIG, PP2_MORE, 0, 0, NULL, 0, 0, NULL },
	{ "addresses missing", SIG " 21 11 000c c0000201", PP2_MORE, 0, 0, NULL, 0, 0, NULL },
	{ "empty", "", PP2_MORE, 0, 0, NULL, 0, 0, NULL },
	{ "a DNS query", "abcd01000001000000000000", ISR_EFORMAT, 0, 0, NULL, 0, 0, "signature" },
	{ "PROXY v1 text", "50524f585920544350342031", ISR_EFORMAT, 0, 0, NULL, 0, 0, "signature" },
	{ "version 1", SIG " 11 11 000c", ISR_EFORMAT, 0, 0, NULL, 0, 12, "version" },
	{ "command 2", SIG " 22 11 000c", ISR_EFORMAT, 0, 0, NULL, 0, 12, "command" },
	{ "transport 3", SIG " 21 13 000c", ISR_EFORMAT, 0, 0, NULL, 0, 13, "transport" },
	{ "family unix", SIG " 21 31 00d8", ISR_EFORMAT, 0, 0, NULL, 0, 13, "UNIX" },
	{ "family 4", SIG " 21 41 000c", ISR_EFORMAT, 0, 0, NULL, 0, 13, "family" },
	{ "inet length 11", SIG " 21 11 000b c0000201c0000202d43100", ISR_EFORMAT, 0, 0, NULL, 0,
	  14, "too short" },
	{ "inet6 length 12", SIG " 21 21 000c c0000201c0000202d4310035", ISR_EFORMAT, 0, 0, NULL, 0,
	  14, "too short" },
	{ "length over the limit", SIG " 21 11 03f1", ISR_EFORMAT, 0, 0, NULL, 0, 14, "longer" },
	{ "TLV cut after its type", SIG " 21 11 000e 0a0000010a00000200010002 0400", ISR_EFORMAT, 0,
	  0, NULL, 0, 28, "truncated TLV" },
	{ "TLV longer than the header", SIG " 21 11 0010 0a0000010a00000200010002 04 0002 00",
	  ISR_EFORMAT, 0, 0, NULL, 0, 28, "TLV longer" },
};

static void check_vec(const struct vec *v)
{
	uint8_t buf[PP2_MAX_LEN + 64];
	struct pp2_header h;
	struct isp_err err;
	size_t n = testdata_unhex(v->hex, buf, sizeof(buf)), k;
	int rc;

	isp_err_clear(&err);
	rc = pp2_parse(buf, n, &h, &err);
	if (rc != v->rc)
		fail_msg("%s: rc %d, want %d (%s)", v->name, rc, v->rc, err.msg);
	if (rc < 0) {
		assert_int_equal(err.offset, v->off);
		if (!strstr(err.msg, v->why))
			fail_msg("%s: message '%s' lacks '%s'", v->name, err.msg, v->why);
		assert_int_equal(h.len, 0);
	}
	if (rc == 0) {
		char text[INET6_ADDRSTRLEN] = "";

		assert_int_equal(h.len, v->len);
		assert_int_equal(h.command, v->cmd);
		if (!v->src) {
			assert_int_equal(h.src.ss_family, AF_UNSPEC);
			assert_int_equal(h.srclen, 0);
		} else if (h.src.ss_family == AF_INET) {
			const struct sockaddr_in *s = (const struct sockaddr_in *)&h.src;

			inet_ntop(AF_INET, &s->sin_addr, text, sizeof(text));
			assert_string_equal(text, v->src);
			assert_int_equal(ntohs(s->sin_port), v->port);
		} else {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&h.src;

			assert_int_equal(h.src.ss_family, AF_INET6);
			inet_ntop(AF_INET6, &s->sin6_addr, text, sizeof(text));
			assert_string_equal(text, v->src);
			assert_int_equal(ntohs(s->sin6_port), v->port);
		}
	}
	/* every shorter prefix: a valid start asks for more, a bad one is refused where the
	 * whole input is (or earlier, for the signature) */
	for (k = 0; k < (rc == 0 ? v->len : n) && (rc == 0 || k < PP2_FIXED); k++) {
		int r = pp2_parse(buf, k, &h, NULL);

		if (rc >= 0 && r != PP2_MORE)
			fail_msg("%s: prefix of %zu bytes gave %d, want PP2_MORE", v->name, k, r);
		if (rc < 0 && r != PP2_MORE && r != ISR_EFORMAT)
			fail_msg("%s: prefix of %zu bytes gave %d", v->name, k, r);
	}
}

static void test_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		check_vec(&vecs[i]);
}

static void test_signature(void **state)
{
	static const uint8_t sig[] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	(void)state;
	assert_int_equal(pp2_has_signature(sig, sizeof(sig)), 1);
	assert_int_equal(pp2_has_signature(sig, sizeof(sig) - 1), 0);
	assert_int_equal(pp2_has_signature((const uint8_t *)"\xab\xcd\x01\x00\x00\x01\x00\x00"
							    "\x00\x00\x00\x00",
					   12),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
