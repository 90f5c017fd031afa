/*
 * test_relay.c -- the ISAC relay's member table and split (src/relay): longest prefix
 * wins across members, IPv4 and IPv6, rows of no member, a member listed on several
 * rows, the header's column names, and that a bad MEMBERS.csv fails with FILE:LINE.
 * Then a split of a small list into member files, checked row by row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/net/ip.h"
#include "relay/relay.h"

static FILE *text(const char *s)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	fputs(s, f);
	rewind(f);
	return f;
}

static int load(const char *csv, const char *dir, struct relay_split **s, struct isp_err *e)
{
	FILE *f = text(csv);
	int rc;

	isp_err_clear(e);
	rc = relay_split_new(f, "members.csv", dir, s, e);
	fclose(f);
	return rc;
}

static const char *member_of(const struct relay_split *s, const char *addr)
{
	struct ip_prefix ip;
	struct isp_err e;
	int m;

	isp_err_clear(&e);
	assert_int_equal(ip_parse_prefix(addr, strlen(addr), &ip, NULL, &e), 0);
	m = relay_member_of(s, &ip);
	return m == relay_split_members(s) ? "(none)" : relay_split_name(s, m);
}

static void test_member_table(void **state)
{
	struct relay_split *s = NULL;
	struct isp_err e;

	(void)state;
	assert_int_equal(load("# the ISAC's members\n"
			      "Prefixes,Name\n"
			      "10.0.0.0/8,big\n"
			      "10.1.0.0/16;2001:db8::/32,small\n"
			      "10.1.2.0/24 192.0.2.7,tiny\n"
			      "198.51.100.0/25,big\n",
			      ".", &s, &e),
			 0);
	assert_int_equal(relay_split_members(s), 3);
	assert_string_equal(member_of(s, "10.200.0.1"), "big");
	assert_string_equal(member_of(s, "10.1.9.9"), "small"); /* /16 beats /8 */
	assert_string_equal(member_of(s, "10.1.2.3"), "tiny");	/* /24 beats /16 */
	assert_string_equal(member_of(s, "192.0.2.7"), "tiny"); /* a plain address */
	assert_string_equal(member_of(s, "192.0.2.8"), "(none)");
	assert_string_equal(member_of(s, "198.51.100.127"), "big"); /* second row of big */
	assert_string_equal(member_of(s, "198.51.100.128"), "(none)");
	assert_string_equal(member_of(s, "2001:db8:ffff::1"), "small");
	assert_string_equal(member_of(s, "2001:db9::1"), "(none)");
	/* family matters: ::a01:203 is 10.1.2.3's bytes as IPv6 */
	assert_string_equal(member_of(s, "::a01:203"), "(none)");
	assert_string_equal(relay_split_name(s, relay_split_members(s)), "");
	relay_split_free(s);
}

static void expect_fail(const char *csv, const char *want)
{
	struct relay_split *s = (struct relay_split *)1;
	struct isp_err e;
	char buf[ISP_ERR_MSG + 512];

	assert_int_not_equal(load(csv, ".", &s, &e), 0);
	assert_null(s);
	isp_err_str(&e, buf, sizeof(buf));
	if (!strstr(buf, want))
		fail_msg("'%s' does not contain '%s'", buf, want);
}

static void test_bad_members(void **state)
{
	(void)state;
	expect_fail("member,prefix\nisp-a,10.0.0.0/33\n",
		    "members.csv:2: '10.0.0.0/33' is not a prefix");
	expect_fail("who,where\nisp-a,10.0.0.0/8\n", "members.csv:1: the header must name");
	expect_fail("member,prefix\n,10.0.0.0/8\n", "members.csv:2: a row needs a member");
	expect_fail("member,prefix\nisp-a\n", "members.csv:2: a row needs a member");
	expect_fail("member,prefix\n", "members.csv: no members");
}

static long lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;

	if (!f)
		return -1;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void test_split(void **state)
{
	char dir[] = "/tmp/test_relay.XXXXXX", path[256];
	struct relay_split *s = NULL;
	struct evfmt_opts fo = { .format = EVFMT_AUTO, .filename = "list.csv" };
	struct evfmt_stats fs;
	struct isp_err e;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(
		load("member,prefix\nisp/a,198.51.100.0/25\nisp-b,2001:db8::/32\n", dir, &s, &e),
		0);
	assert_int_equal(relay_split_mkdir(s, &e), 0);
	f = text("ip,timestamp\n"
		 "198.51.100.1,2026-11-22T09:00:00Z\n"
		 "198.51.100.2,2026-11-22T09:00:00Z\n"
		 "2001:db8::5,2026-11-22T09:00:00Z\n"
		 "203.0.113.9,2026-11-22T09:00:00Z\n");
	assert_int_equal(relay_split_file(s, f, &fo, NULL, NULL, &fs, &e), 0);
	fclose(f);
	assert_int_equal(relay_split_close(s, &e), 0);
	assert_int_equal(relay_split_rows(s), 4);
	assert_int_equal(relay_split_sent(s, 0), 2);
	assert_int_equal(relay_split_sent(s, 1), 1);
	assert_int_equal(relay_split_sent(s, 2), 1);
	/* each file: the list's header and its rows; a '/' in a name becomes '_' */
	snprintf(path, sizeof(path), "%s/isp_a.csv", dir);
	assert_int_equal(lines(path), 3);
	unlink(path);
	snprintf(path, sizeof(path), "%s/isp-b.csv", dir);
	assert_int_equal(lines(path), 2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/unassigned.csv", dir);
	assert_int_equal(lines(path), 2);
	unlink(path);
	rmdir(dir);
	relay_split_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_table),
		cmocka_unit_test(test_bad_members),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
