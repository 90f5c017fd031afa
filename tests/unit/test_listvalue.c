/*
 * test_listvalue.c -- normalisation of list values: domain names (domain.c), IP
 * prefixes (ip.c) and the shared normaliser over them (listvalue.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/net/domain.h"
#include "core/net/ip.h"
#include "core/lists/listvalue.h"

static void test_domain_ok(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "Example.COM", "example.com" },
		{ "example.com.", "example.com" },
		{ "a-b_c.example", "a-b_c.example" },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
		{ "bücher.example", "xn--bcher-kva.example" },
		{ "BÜCHER.example", "xn--bcher-kva.example" },
		{ "例え.テスト", "xn--r8jz45g.xn--zckzah" },
		{ "com", "com" },
	};
	char out[DOMAIN_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct isp_err e;
		int n;

		isp_err_clear(&e);
		n = domain_normalise(v[i].in, strlen(v[i].in), out, &e);
		if (n < 0)
			fprintf(stderr, "%s: %s\n", v[i].in, e.msg);
		assert_true(n > 0);
		assert_string_equal(out, v[i].out);
		assert_int_equal(n, (int)strlen(v[i].out));
	}
}

static void test_domain_bad(void **state)
{
	char out[DOMAIN_BUFSZ], big[400];
	const char *bad[] = { "",    ".",   "a..b", ".a",  "a b",	  "a/b",
			      "*.a", "a.*", "a\tb", "a@b", "ex ample.com" };
	struct isp_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		isp_err_clear(&e);
		assert_true(domain_normalise(bad[i], strlen(bad[i]), out, &e) < 0);
		assert_true(e.msg[0] != '\0');
	}
	/* label of 63 is fine, 64 is not */
	memset(big, 'a', 63);
	strcpy(big + 63, ".com");
	assert_true(domain_normalise(big, strlen(big), out, NULL) > 0);
	memset(big, 'a', 64);
	strcpy(big + 64, ".com");
	assert_true(domain_normalise(big, strlen(big), out, NULL) < 0);
	/* name of 253 is fine, 254 is not */
	for (i = 0; i < 253; i++)
		big[i] = i % 50 == 49 ? '.' : 'a';
	big[253] = '\0';
	assert_true(domain_normalise(big, 253, out, NULL) == 253);
	big[253] = 'a';
	big[254] = '\0';
	assert_true(domain_normalise(big, 254, out, NULL) < 0);
	/* NUL inside a non-ASCII name, invalid UTF-8 */
	assert_true(domain_normalise("b\xc3\xbc\0x.example", 12, out, NULL) < 0);
	assert_true(domain_normalise("\xff\xfe.example", 10, out, NULL) < 0);
}

static void test_ip(void **state)
{
	static const struct {
		const char *in, *out;
		int masked;
	} v[] = {
		{ "192.0.2.1", "192.0.2.1", 0 },
		{ "192.0.2.0/24", "192.0.2.0/24", 0 },
		{ "192.0.2.77/24", "192.0.2.0/24", 1 },
		{ "0.0.0.0/0", "0.0.0.0/0", 0 },
		{ "2001:DB8::1", "2001:db8::1", 0 },
		{ "2001:db8:abcd:12::/48", "2001:db8:abcd::/48", 1 },
		{ "[2001:db8::1]", "2001:db8::1", 0 },
		{ "[2001:db8::]/32", "2001:db8::/32", 0 },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1", 0 },
	};
	const char *bad[] = { "",	   "1.2.3",  "1.2.3.4/33", "1.2.3.4/",
			      "1.2.3.4/x", "::/129", "256.1.1.1",  "1.2.3.4 ",
			      "[::1",	   "[::1]x", "01.2.3.4",   "1.2.3.4/0024" };
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p;
	size_t i;
	int masked;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(ip_parse_prefix(v[i].in, strlen(v[i].in), &p, &masked, NULL), 0);
		ip_format_prefix(&p, buf);
		assert_string_equal(buf, v[i].out);
		assert_int_equal(masked, v[i].masked);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(ip_parse_prefix(bad[i], strlen(bad[i]), &p, NULL, NULL), 0);
}

static void test_listvalue(void **state)
{
	char out[9000];
	const char *note;
	struct isp_err e;

	(void)state;
	isp_err_clear(&e);
	assert_true(list_value_normalise(LIST_DOMAIN, "*.Evil.Example.", out, sizeof(out), &note,
					 &e) > 0);
	assert_string_equal(out, "*.evil.example");
	assert_null(note);
	assert_true(list_value_normalise(LIST_DOMAIN, "*.", out, sizeof(out), NULL, &e) < 0);
	assert_true(list_value_normalise(LIST_DOMAIN, "*", out, sizeof(out), NULL, &e) < 0);
	assert_true(list_value_normalise(LIST_DOMAIN, "a.*.b", out, sizeof(out), NULL, &e) < 0);
	assert_true(list_value_normalise(LIST_IP, "10.1.2.3/8", out, sizeof(out), &note, &e) > 0);
	assert_string_equal(out, "10.0.0.0/8");
	assert_non_null(note);
	assert_true(list_value_normalise(LIST_IP, "0.0.0.0/0", out, sizeof(out), NULL, &e) < 0);
	assert_true(list_value_normalise(LIST_IP, "::/0", out, sizeof(out), NULL, &e) < 0);
	assert_true(list_value_normalise(LIST_URL, "HTTP://Evil.Example:80/a/../b#x", out,
					 sizeof(out), NULL, &e) > 0);
	assert_string_equal(out, "http://evil.example/b");
	assert_true(list_value_normalise(LIST_DOMAIN, "ok.example", out, 5, NULL, &e) < 0);
	assert_int_equal(list_value_guess_kind("192.0.2.1"), LIST_IP);
	assert_int_equal(list_value_guess_kind("2001:db8::/32"), LIST_IP);
	assert_int_equal(list_value_guess_kind("http://x.example/"), LIST_URL);
	assert_int_equal(list_value_guess_kind("x.example/path"), LIST_URL);
	assert_int_equal(list_value_guess_kind("x.example"), LIST_DOMAIN);
}

/* URL list values: the host must be a host name or an IP address (issue 16). */
static void test_listvalue_url_host(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} v[] = {
		{ "http://malware-dist.example/invoice.exe",
		  "http://malware-dist.example/invoice.exe" },
		{ "HTTP://198.51.100.69:49163/Mozi.m", "http://198.51.100.69:49163/Mozi.m" },
		{ "https://[2001:DB8::7]/x", "https://[2001:db8::7]/x" },
		{ "cdn_1.example/a", "http://cdn_1.example/a" },
		{ "not a url", NULL },
		{ "http://not%20a%20url/", NULL },
		{ "N/A", "http://n/A" },
		{ "hxxp://evil[.]example/p", NULL },
		{ "http://a;b.example/", NULL },
		{ "http://1.2.3.4.5/", NULL },
		{ "http://evil.example%2Fx/", NULL },
	};
	char out[9000];
	struct isp_err e;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		isp_err_clear(&e);
		n = list_value_normalise(LIST_URL, v[i].in, out, sizeof(out), NULL, &e);
		if (!v[i].out) {
			if (n >= 0)
				print_error("%s: accepted as %s\n", v[i].in, out);
			assert_int_equal(n, ISR_EINVAL);
			assert_non_null(strstr(e.msg, "not a host name or IP address"));
			continue;
		}
		if (n < 0)
			print_error("%s: %s\n", v[i].in, e.msg);
		assert_true(n > 0);
		assert_string_equal(out, v[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_ok),
		cmocka_unit_test(test_domain_bad),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_listvalue),
		cmocka_unit_test(test_listvalue_url_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
