/*
 * test_db.c -- the statement layer's placeholder translation for PostgreSQL: `?` and
 * `?N` become `$N` with SQLite's numbering (a bare `?` is one more than the largest so
 * far), nothing inside quoted text or identifiers is touched, a short buffer is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/store/db.h"

static void expect(const char *sql, const char *want, int nparams)
{
	char out[256];

	assert_int_equal(db_pg_placeholders(sql, out, sizeof(out)), nparams);
	assert_string_equal(out, want);
}

static void test_placeholders(void **state)
{
	(void)state;
	expect("SELECT 1", "SELECT 1", 0);
	expect("a = ? AND b = ?", "a = $1 AND b = $2", 2);
	expect("x = ?2 OR y = ?1", "x = $2 OR y = $1", 2);
	/* SQLite: a bare ? after ?1..?4 is ?5 */
	expect("SET s = ?, a = ?, n = ?, e = ?, t = CASE WHEN ?1 = 2 THEN ? ELSE t END WHERE id = "
	       "?",
	       "SET s = $1, a = $2, n = $3, e = $4, t = CASE WHEN $1 = 2 THEN $5 ELSE t END WHERE "
	       "id = $6",
	       6);
	expect("'?' || \"col?\" || ?", "'?' || \"col?\" || $1", 1);
	expect("'it''s ?' = ?", "'it''s ?' = $1", 1);
	expect("?12", "$12", 12);
}

static void test_short_buffer(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(db_pg_placeholders("a = ? AND b = ?", out, sizeof(out)), -1);
	assert_int_equal(db_pg_placeholders("abcdefg", out, sizeof(out)), 0);
	assert_int_equal(db_pg_placeholders("abcdefgh", out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
