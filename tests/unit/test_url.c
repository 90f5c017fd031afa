/*
 * test_url.c -- unit tests for core/net/url: the Safe Browsing canonicalisation vectors
 * (developers.google.com/safe-browsing/v4/urls-hashing), with our one deliberate change
 * (a non-default port is kept), plus IPv4/IPv6/IDN forms, userinfo, errors, idempotence
 * and url_host; url_host_check on the hosts a list import must refuse (issue 16: free text
 * in a URLhaus url field).
 *
 * Table-driven: each vector is checked, and so is canonical(canonical(in)) == canonical(in).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/url.h"

struct vec {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

#define V(i, w)                                                                                    \
	{                                                                                          \
		(i), 0, (w)                                                                        \
	}

static const struct vec good[] = {
	/* Safe Browsing's own vectors. */
	V("http://host/%25%32%35", "http://host/%25"),
	V("http://host/%25%32%35%25%32%35", "http://host/%25%25"),
	V("http://host/%2525252525252525", "http://host/%25"),
	V("http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
	V("http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
	V("http://www.google.com/", "http://www.google.com/"),
	V("http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/"
	  "%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
	  "http://168.188.99.26/.secure/www.ebay.com/"),
	V("http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure="
	  "updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
	  "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure="
	  "updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/"),
	V("http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22"
	  "%252833%252944_55%252B",
	  "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+"),
	V("http://3279880203/blah", "http://195.127.0.11/blah"),
	V("http://www.google.com/blah/..", "http://www.google.com/"),
	V("www.google.com/", "http://www.google.com/"),
	V("www.google.com", "http://www.google.com/"),
	V("http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
	V("http://www.GOOgle.com/", "http://www.google.com/"),
	V("http://www.google.com.../", "http://www.google.com/"),
	V("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
	V("http://www.google.com/q?", "http://www.google.com/q?"),
	V("http://www.google.com/q?r?", "http://www.google.com/q?r?"),
	V("http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
	V("http://evil.com/foo#bar#baz", "http://evil.com/foo"),
	V("http://evil.com/foo;", "http://evil.com/foo;"),
	V("http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
	V("http://\x01\x80.com/", "http://%01%80.com/"),
	V("http://notrailingslash.com", "http://notrailingslash.com/"),
	/* SB drops every port; we keep a non-default one. */
	V("http://www.gotaport.com:1234/", "http://www.gotaport.com:1234/"),
	V("  http://www.google.com/  ", "http://www.google.com/"),
	V("http:// leadingspace.com/", "http://%20leadingspace.com/"),
	V("http://%20leadingspace.com/", "http://%20leadingspace.com/"),
	V("%20leadingspace.com/", "http://%20leadingspace.com/"),
	V("https://www.securesite.com/", "https://www.securesite.com/"),
	V("http://host.com/ab%23cd", "http://host.com/ab%23cd"),
	V("http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"),
	V("http://www.google.com/foo/./bar/../baz", "http://www.google.com/foo/baz"),

	/* Ports. */
	V("http://h:80/", "http://h/"),
	V("http://h:0080/x", "http://h/x"),
	V("https://h:443/", "https://h/"),
	V("https://h:80/", "https://h:80/"),
	V("http://h:443/", "http://h:443/"),
	V("http://h:/", "http://h/"),
	V("h:8080/a", "http://h:8080/a"),
	V("ftp://h:21/", "ftp://h:21/"),

	/* Scheme forms. */
	V("HTTP://Example.COM/Path", "http://example.com/Path"),
	V("http:example.com", "http://example.com/"),
	V("http:///example.com/", "http://example.com/"),
	V("//example.com/a", "http://example.com/a"),
	V("ftp://files.example/x", "ftp://files.example/x"),
	V("mailto:x@y", "http://y/"), /* no "://": read as http with userinfo "mailto:x" */

	/* IPv4 forms. */
	V("http://0177.0.0.1/", "http://127.0.0.1/"),
	V("http://0x7f.0x0.0x0.0x1/", "http://127.0.0.1/"),
	V("http://0X7F.1/", "http://127.0.0.1/"),
	V("http://127.1/", "http://127.0.0.1/"),
	V("http://127.0.1/", "http://127.0.0.1/"),
	V("http://2130706433/", "http://127.0.0.1/"),
	V("http://0x7f000001/", "http://127.0.0.1/"),
	V("http://017700000001/", "http://127.0.0.1/"),
	V("http://0x/", "http://0.0.0.0/"),
	V("http://127.0.0.1./", "http://127.0.0.1/"),
	V("http://127..0.0.1/", "http://127.0.0.1/"),
	V("http://1.2.3.4.5/", "http://1.2.3.4.5/"), /* five parts: a name */
	V("http://09.1.1.1/", "http://09.1.1.1/"),   /* not octal: a name */
	V("http://1e5/", "http://1e5/"),
	V("http://1.2.3.com/", "http://1.2.3.com/"),
	V("http://255.255.255.255/", "http://255.255.255.255/"),
	V("http://0000000000000000000000000000001/", "http://0.0.0.1/"),

	/* IPv6. */
	V("http://[2001:DB8::1]/", "http://[2001:db8::1]/"),
	V("http://[2001:db8:0:0:0:0:0:1]:8080/x", "http://[2001:db8::1]:8080/x"),
	V("https://[::1]:443/", "https://[::1]/"),
	V("http://[::FFFF:1.2.3.4]/", "http://[::ffff:1.2.3.4]/"),

	/* IDN. */
	V("http://b\xc3\xbc"
	  "cher.example/",
	  "http://xn--bcher-kva.example/"),
	V("http://B\xc3\x9c"
	  "CHER.example/",
	  "http://xn--bcher-kva.example/"),
	V("http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/"),
	V("http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/"),
	V("http://fa\xc3\x9f.de/", "http://xn--fa-hia.de/"), /* non-transitional: sharp s kept */
	V("http://a\xe3\x80\x82"
	  "b.example/",
	  "http://a.b.example/"),			     /* U+3002 is a dot */
	V("http://\xef\xbc\x90x7f.1/", "http://127.0.0.1/"), /* full-width 0 */
	/* Full-width '%' becomes '%' under IDNA and then unescapes (found by fuzz_url). */
	V("http://a\xef\xbc\x85"
	  "41b/",
	  "http://aab/"),
	V("http://3\xef\xbc\x85"
	  "3820u0/bl#h",
	  "http://3820u0/bl"),
	V("http://\xef\xbc\x85"
	  "c3\xef\xbc\x85"
	  "bc.de/",
	  "http://xn--tda.de/"),
	V("http://\xef\xbc\x85"
	  "25.de/",
	  "http://%25.de/"),

	/* Userinfo. */
	V("http://user:pass@host/", "http://host/"),
	V("http://user@host:8080/p", "http://host:8080/p"),
	V("http://a@b@host/", "http://host/"),
	V("http://user:pass@[::1]/", "http://[::1]/"),

	/* Paths and queries. */
	V("http://h", "http://h/"),
	V("http://h?q", "http://h/?q"),
	V("http://h/a/b/../../..", "http://h/"),
	V("http://h/a/.", "http://h/a/"),
	V("http://h/./a", "http://h/a"),
	V("http://h/a%2F..%2Fb", "http://h/b"),
	V("http://h/a%3Fb", "http://h/a%3Fb"), /* escaped '?' stays in the path */
	V("http://h/a?b=%3F%23", "http://h/a?b=?%23"),
	V("http://h/%7e", "http://h/~"),
	V("http://h/%c3%a9", "http://h/%C3%A9"),
	V("http://h/a b", "http://h/a%20b"),
	V("http://h/%00", "http://h/%00"),
	V("http://h/..%2F..%2Fetc", "http://h/etc"),

	/* Hosts whose unescaping yields URL syntax: escaped so they stay in the host. */
	V("http://a%2Fb.com/", "http://a%2Fb.com/"),
	V("http://a%3A80/", "http://a%3A80/"),
	V("http://a%40b/", "http://a%40b/"),
	V("http://%5B%3A%3A1%5D/", "http://%5B%3A%3A1%5D/"),
	V("http://a%3Fb/", "http://a%3Fb/"),
};

struct bad {
	const char *in;
	int code;
};

static const struct bad bads[] = {
	{ "http://", ISR_EINVAL },
	{ "http:///", ISR_EINVAL },
	{ "http://.../", ISR_EINVAL },
	{ "http://%2e%2e/", ISR_EINVAL },
	{ "http://user@/", ISR_EINVAL },
	{ "", ISR_EINVAL },
	{ "   ", ISR_EINVAL },
	{ "http://h:99999/", ISR_EINVAL },
	{ "http://h:65536/", ISR_EINVAL },
	{ "http://h:abc/", ISR_EINVAL },
	{ "http://h:-1/", ISR_EINVAL },
	{ "http://h:8a/", ISR_EINVAL },
	{ "http://%5B::1%5D/", ISR_EINVAL },   /* literal ':' starts the port */
	{ "javascript:alert(1)", ISR_EINVAL }, /* no "://": host "javascript", bad port */
	{ "http://[::1/", ISR_EINVAL },
	{ "http://[::g]/", ISR_EINVAL },
	{ "http://[]/", ISR_EINVAL },
	{ "http://[::1]x/", ISR_EINVAL },
	{ "http://[fe80::1%25eth0]/", ISR_EINVAL },
	{ "http://256.0.0.1/", ISR_EINVAL },
	{ "http://1.2.3.256/", ISR_EINVAL },
	{ "http://1.2.65536/", ISR_EINVAL },
	{ "http://4294967296/", ISR_EINVAL },
	{ "http://0x100000000/", ISR_EINVAL },
	{ "http://99999999999999999999999/", ISR_EINVAL },
};

static void test_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct vec *v = &good[i];
		size_t len = v->len ? v->len : strlen(v->in);
		char out[URL_MAX + 1], again[URL_MAX + 1];
		struct isp_err e;
		int n, m;

		isp_err_clear(&e);
		n = url_canonicalise(v->in, len, out, sizeof(out), &e);
		if (n < 0 || strcmp(out, v->want) != 0)
			print_error("vector %zu \"%s\": got %d \"%s\" (%s), want \"%s\"\n", i,
				    v->in, n, n < 0 ? "" : out, e.msg, v->want);
		assert_true(n > 0);
		assert_int_equal((size_t)n, strlen(out));
		assert_string_equal(out, v->want);

		/* Idempotence. */
		m = url_canonicalise(out, (size_t)n, again, sizeof(again), &e);
		if (m < 0 || strcmp(again, out) != 0)
			print_error("vector %zu not idempotent: \"%s\" -> \"%s\"\n", i, out, again);
		assert_int_equal(m, n);
		assert_string_equal(again, out);
	}
}

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char out[256];
		struct isp_err e;
		int n;

		isp_err_clear(&e);
		n = url_canonicalise(bads[i].in, strlen(bads[i].in), out, sizeof(out), &e);
		if (n != bads[i].code)
			print_error("bad %zu \"%s\": got %d \"%s\"\n", i, bads[i].in, n,
				    n > 0 ? out : "");
		assert_int_equal(n, bads[i].code);
		assert_int_equal(e.code, bads[i].code);
		assert_true(e.msg[0] != '\0');
		assert_string_equal(out, "");
	}
	/* err may be NULL. */
	{
		char out[64];

		assert_int_equal(url_canonicalise("http:///", 8, out, sizeof(out), NULL),
				 ISR_EINVAL);
	}
}

static void test_empty_host_message(void **state)
{
	char out[64];
	struct isp_err e;

	(void)state;
	isp_err_clear(&e);
	assert_int_equal(url_canonicalise("http://..../x", 13, out, sizeof(out), &e), ISR_EINVAL);
	assert_non_null(strstr(e.msg, "no host"));
}

static void test_limits(void **state)
{
	static char big[URL_MAX + 2];
	static char out[URL_MAX + 1];
	struct isp_err e;
	size_t pre = strlen("http://h/");
	int n;

	(void)state;
	memcpy(big, "http://h/", pre);
	memset(big + pre, 'a', sizeof(big) - pre);

	/* Exactly URL_MAX bytes of input, all kept: fits. */
	isp_err_clear(&e);
	n = url_canonicalise(big, URL_MAX, out, sizeof(out), &e);
	assert_int_equal(n, URL_MAX);

	/* One more: too long. */
	isp_err_clear(&e);
	n = url_canonicalise(big, URL_MAX + 1, out, sizeof(out), &e);
	assert_int_equal(n, ISR_ELIMIT);
	assert_int_equal(e.code, ISR_ELIMIT);

	/* Output larger than URL_MAX after escaping. */
	memset(big + pre, ' ', URL_MAX - pre);
	big[URL_MAX - 1] = 'x'; /* keep the spaces from being trimmed */
	isp_err_clear(&e);
	n = url_canonicalise(big, URL_MAX, out, sizeof(out), &e);
	assert_int_equal(n, ISR_ELIMIT);

	/* Output buffer too small, and exactly large enough. */
	isp_err_clear(&e);
	n = url_canonicalise("http://example.com/", 19, out, 19, &e);
	assert_int_equal(n, ISR_ELIMIT);
	assert_string_equal(out, "");
	n = url_canonicalise("http://example.com/", 19, out, 20, &e);
	assert_int_equal(n, 19);
	assert_string_equal(out, "http://example.com/");

	/* Bad arguments. */
	assert_int_equal(url_canonicalise("x", 1, NULL, 10, &e), ISR_EINVAL);
	assert_int_equal(url_canonicalise("x", 1, out, 0, &e), ISR_EINVAL);
	assert_int_equal(url_canonicalise(NULL, 1, out, sizeof(out), &e), ISR_EINVAL);
}

/* Adversarial unescaping: 8 K of "%25" nesting must finish fast and give "%25". */
static void test_deep_unescape(void **state)
{
	static char big[URL_MAX];
	char out[64];
	size_t pre = strlen("http://h/%"), i;
	struct isp_err e;
	int n;

	(void)state;
	memcpy(big, "http://h/%", pre);
	for (i = pre; i + 2 <= URL_MAX; i += 2)
		memcpy(big + i, "25", 2);
	isp_err_clear(&e);
	n = url_canonicalise(big, i, out, sizeof(out), &e);
	assert_int_equal(n, (int)strlen("http://h/%25"));
	assert_string_equal(out, "http://h/%25");
}

/* Embedded NUL bytes are data, escaped like any control byte. */
static void test_nul(void **state)
{
	static const char in[] = "http://a\0b/c\0d?e\0";
	char out[64];
	int n;

	(void)state;
	n = url_canonicalise(in, sizeof(in) - 1, out, sizeof(out), NULL);
	assert_true(n > 0);
	assert_string_equal(out, "http://a%00b/c%00d?e");
}

struct hv {
	const char *url;
	const char *host; /* NULL: expect ISR_EINVAL */
};

static void test_host(void **state)
{
	static const struct hv hv[] = {
		{ "http://www.google.com/", "www.google.com" },
		{ "http://www.gotaport.com:1234/", "www.gotaport.com" },
		{ "https://h/a?b", "h" },
		{ "http://[2001:db8::1]:8080/", "2001:db8::1" },
		{ "http://[::1]/", "::1" },
		{ "http://%01%80.com/", "%01%80.com" },
		{ "http://h", NULL },
		{ "http:///", NULL },
		{ "http://h:/", NULL },
		{ "http://h:x/", NULL },
		{ "h/", NULL },
		{ "", NULL },
		{ "://h/", NULL },
		{ "http://[::1/", NULL },
		{ "http://[::1]x/", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hv) / sizeof(hv[0]); i++) {
		const char *h = NULL;
		size_t hl = 0;
		int rc = url_host(hv[i].url, strlen(hv[i].url), &h, &hl);

		if (!hv[i].host) {
			assert_int_equal(rc, ISR_EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(hl, strlen(hv[i].host));
		assert_memory_equal(h, hv[i].host, hl);
	}
	/* Every canonical vector has a host, and it is what canonicalisation printed. */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *h;
		size_t hl;

		assert_int_equal(url_host(good[i].want, strlen(good[i].want), &h, &hl), 0);
		assert_true(hl > 0);
	}
	assert_int_equal(url_host(NULL, 0, NULL, NULL), ISR_EINVAL);
}

/* url_host_check: raw URL -> accepted (NULL) or the reason's words (on the canonical
 * form, as a list import checks it). */
static const struct {
	const char *in, *why;
} hostv[] = {
	{ "http://malware-dist.example/invoice.exe", NULL },
	{ "http://203.0.113.45:8080/bins/mozi.m", NULL },
	{ "http://3279880203/blah", NULL }, /* printed as 195.127.0.11 */
	{ "http://0x7f.1/", NULL },	    /* 127.0.0.1 */
	{ "http://[2001:db8::7]:8080/bins/mips", NULL },
	{ "http://bad_host-1.duckdns.example/gate.php", NULL },
	{ "http://b\xc3\xbc"
	  "cher.example/r.exe",
	  NULL },			       /* IDNA: xn--bcher-kva */
	{ "http://www.google.com.../", NULL }, /* dots cleaned */
	{ "http://localhost/x", NULL },
	{ "http://h/", NULL },
	{ "not a url - see the reporter's note", "had to be escaped" },
	{ "http://not%20a%20url/", "had to be escaped" },
	{ "http://files.example com/a.exe", "had to be escaped" },
	{ "hxxp://evil-drop[.]example/payload.bin", "had to be escaped" },
	{ "http://\x01\x80.com/", "had to be escaped" },
	{ "http://host%23.com/", "had to be escaped" },
	{ "http://<script>.example/", "not allowed in a host name" },
	{ "http://a,b.example/", "not allowed in a host name" },
	{ "http://ex!ample.com/", "not allowed in a host name" },
	{ "http://10.0.0.1.2/i.sh", "not an IPv4 address" },
	{ "http://example.123/", "not an IPv4 address" },
	{ "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example/",
	  "longer than 63" },
};

static void test_host_check(void **state)
{
	char out[URL_MAX + 1], big[400];
	struct isp_err e;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(hostv) / sizeof(hostv[0]); i++) {
		isp_err_clear(&e);
		n = url_canonicalise(hostv[i].in, strlen(hostv[i].in), out, sizeof(out), &e);
		assert_true(n > 0);
		isp_err_clear(&e);
		n = url_host_check(out, strlen(out), &e);
		if (!hostv[i].why) {
			if (n != 0)
				print_error("vector %zu %s: %s\n", i, out, e.msg);
			assert_int_equal(n, 0);
			continue;
		}
		if (n != ISR_EINVAL || !strstr(e.msg, hostv[i].why))
			print_error("vector %zu %s: %d '%s', want '%s'\n", i, out, n, e.msg,
				    hostv[i].why);
		assert_int_equal(n, ISR_EINVAL);
		assert_non_null(strstr(e.msg, hostv[i].why));
		assert_non_null(strstr(e.msg, "is not a host name or IP address"));
	}
	/* a name of 253 bytes is a host, 254 is not */
	for (i = 0; i < 253; i++)
		big[i] = i % 50 == 49 ? '.' : 'a';
	snprintf(big + 253, sizeof(big) - 253, "/");
	n = snprintf(out, sizeof(out), "http://%s", big);
	assert_int_equal(url_host_check(out, (size_t)n, NULL), 0);
	n = snprintf(out, sizeof(out), "http://a%s", big);
	assert_int_equal(url_host_check(out, (size_t)n, NULL), ISR_EINVAL);
	assert_int_equal(url_host_check("h/", 2, NULL), ISR_EINVAL); /* not canonical */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_host_message),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_deep_unescape),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_host_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
