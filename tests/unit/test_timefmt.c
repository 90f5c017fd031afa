/*
 * test_timefmt.c -- core/base/timefmt: durations for people (time_fmt_duration), as a
 * vector table: seconds in, text out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/base/timefmt.h"

static const struct {
	long long secs;
	const char *want;
} durations[] = {
	{ 0, "0 s" },
	{ 1, "1 s" },
	{ 45, "45 s" },
	{ 60, "1 min" },
	{ 90, "1 min 30 s" },
	{ 300, "5 min" },
	{ 3600, "1 h" },
	{ 5400, "1 h 30 min" },
	{ 3601, "1 h" }, /* two largest units: the second only when it is the next one */
	{ 86400, "1 day" },
	{ 86400 + 6 * 3600, "1 day 6 h" },
	{ 2 * 86400, "2 days" },
	{ 7 * 86400, "1 week" },
	{ 30 * 86400, "4 weeks 2 days" },
	{ 90 * 86400, "12 weeks 6 days" },
	{ -300, "-5 min" },
	{ 9223372036854775807LL, "15250284452471 weeks 3 days" },
	{ -9223372036854775807LL - 1, "-15250284452471 weeks 3 days" },
};

static void test_durations(void **state)
{
	char buf[TIME_FMT_DURATION_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		const char *got = time_fmt_duration(durations[i].secs, buf);

		if (strcmp(got, durations[i].want) != 0)
			fail_msg("%lld s: got '%s', want '%s'", durations[i].secs, got,
				 durations[i].want);
		assert_true(strlen(got) < TIME_FMT_DURATION_MAX);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
