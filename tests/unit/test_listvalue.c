/*
 * test_listvalue.c -- normalisation of list values: domain names (domain.c), IP
 * prefixes (ip.c) and the shared normaliser over them (listvalue.c): what is not a table.
 * The tables (value in, stored form or refusal out) are tests/data/listvalue/NAME.in with
 * NAME.want, run by tests/readers/readcase.c (ctest readers.listvalue).
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

/* Lengths at the limits (generated); the tables of names, prefixes and values that are
 * accepted or refused are tests/data/listvalue (ctest readers.listvalue). */
static void test_domain_limits(void **state)
{
	char out[DOMAIN_BUFSZ], big[400];
	size_t i;

	(void)state;
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
}

/* The caller's buffer too small for the normalised value. */
static void test_listvalue_outsz(void **state)
{
	char out[9000];
	struct isp_err e;

	(void)state;
	isp_err_clear(&e);
	assert_true(list_value_normalise(LIST_DOMAIN, "ok.example", out, 5, NULL, &e) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_limits),
		cmocka_unit_test(test_listvalue_outsz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
