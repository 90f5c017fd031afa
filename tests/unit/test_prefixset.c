/*
 * test_prefixset.c -- prefix sets of the DNS service (subscribers, opt-out, exempt):
 * parsing lists and files, longest-match lookups for IPv4, IPv6 and IPv4-mapped
 * addresses, and that a bad line fails the whole load with FILE:LINE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/net/prefixset.h"
#include "core/net/ip.h"

static int has(const struct prefixset *s, const char *addr)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return prefixset_contains(s, 4, a);
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	return prefixset_contains(s, 6, a);
}

static void test_parse_and_lookup(void **state)
{
	struct prefixset *s = NULL;
	struct isp_err e;

	(void)state;
	isp_err_clear(&e);
	assert_int_equal(
		prefixset_parse("192.0.2.0/24, 198.51.100.7 2001:db8::/32,,10.0.0.0/8", &s, &e), 0);
	assert_int_equal(prefixset_count(s), 4);
	assert_true(has(s, "192.0.2.1"));
	assert_true(has(s, "192.0.2.255"));
	assert_false(has(s, "192.0.3.1"));
	assert_true(has(s, "198.51.100.7"));
	assert_false(has(s, "198.51.100.8"));
	assert_true(has(s, "10.200.1.1"));
	assert_true(has(s, "2001:db8:1::5"));
	assert_false(has(s, "2001:db9::5"));
	assert_false(has(s, "::ffff:192.0.3.1"));
	prefixset_free(s);
	assert_int_equal(prefixset_parse("", &s, &e), 0);
	assert_int_equal(prefixset_count(s), 0);
	assert_false(has(s, "192.0.2.1"));
	prefixset_free(s);
	assert_int_not_equal(prefixset_parse("192.0.2.0/24, bogus", &s, &e), 0);
	assert_non_null(strstr(e.msg, "bogus"));
	assert_null(s);
}

static void test_sockaddr_and_mapped(void **state)
{
	struct prefixset *s = NULL;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	(void)state;
	assert_int_equal(prefixset_parse("127.0.0.1/32, ::1", &s, NULL), 0);
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	assert_true(prefixset_contains_sa(s, (struct sockaddr *)&in));
	inet_pton(AF_INET, "127.0.0.2", &in.sin_addr);
	assert_false(prefixset_contains_sa(s, (struct sockaddr *)&in));
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	assert_true(prefixset_contains_sa(s, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	assert_true(prefixset_contains_sa(s, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "::2", &in6.sin6_addr);
	assert_false(prefixset_contains_sa(s, (struct sockaddr *)&in6));
	prefixset_free(s);
}

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/isppsXXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_file(void **state)
{
	struct prefixset *s = NULL;
	struct isp_err e;
	const char *p;

	(void)state;
	p = write_tmp(
		"# opted out\n192.0.2.5\n\n  198.51.100.0/28   # a shop\n2001:db8:1200::/48\n");
	isp_err_clear(&e);
	assert_int_equal(prefixset_load(p, &s, &e), 0);
	assert_int_equal(prefixset_count(s), 3);
	assert_true(has(s, "192.0.2.5"));
	assert_true(has(s, "198.51.100.15"));
	assert_false(has(s, "198.51.100.16"));
	assert_true(has(s, "2001:db8:1200:3400::1"));
	prefixset_free(s);
	unlink(p);
	/* one bad line fails the whole load: a half-read opt-out list would filter
	 * subscribers who opted out */
	p = write_tmp("192.0.2.5\n192.0.2.300\n198.51.100.1\n");
	isp_err_clear(&e);
	assert_int_not_equal(prefixset_load(p, &s, &e), 0);
	assert_null(s);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "192.0.2.300"));
	unlink(p);
	assert_int_equal(prefixset_load("/nonexistent/optout", &s, &e), ISR_EIO);
}

static void test_many(void **state)
{
	struct prefixset *s = NULL;
	char *list = malloc(20 * 5000 + 1);
	size_t n = 0;
	int i;
	char a[32];

	(void)state;
	for (i = 0; i < 5000; i++)
		n += (size_t)sprintf(list + n, "10.%d.%d.0/24,", i / 256, i % 256);
	assert_int_equal(prefixset_parse(list, &s, NULL), 0);
	for (i = 0; i < 5000; i += 7) {
		snprintf(a, sizeof(a), "10.%d.%d.9", i / 256, i % 256);
		assert_true(has(s, a));
	}
	assert_false(has(s, "10.200.0.1"));
	prefixset_free(s);
	free(list);
}

/* The one prefix containment test (core/ip.h), at byte and bit boundaries. */
static void test_ip_prefix_contains(void **state)
{
	struct ip_prefix p;
	uint8_t a[16];

	(void)state;
	assert_int_equal(ip_parse_prefix("192.0.2.128/25", 14, &p, NULL, NULL), 0);
	inet_pton(AF_INET, "192.0.2.200", a);
	assert_true(ip_prefix_contains(&p, 4, a));
	assert_false(ip_prefix_contains(&p, 6, a));
	inet_pton(AF_INET, "192.0.2.127", a);
	assert_false(ip_prefix_contains(&p, 4, a));
	assert_int_equal(ip_parse_prefix("2001:db8::/32", 13, &p, NULL, NULL), 0);
	inet_pton(AF_INET6, "2001:db8:ffff::1", a);
	assert_true(ip_prefix_contains(&p, 6, a));
	inet_pton(AF_INET6, "2001:db9::1", a);
	assert_false(ip_prefix_contains(&p, 6, a));
	assert_true(ip_bits_match(a, p.addr, 0));
	assert_true(ip_bits_match(a, p.addr, 31)); /* db8 and db9 differ in bit 32 only */
	assert_false(ip_bits_match(a, p.addr, 32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_lookup),
		cmocka_unit_test(test_ip_prefix_contains),
		cmocka_unit_test(test_sockaddr_and_mapped),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
