/*
 * test_db.c -- the statement layer's placeholder translation for PostgreSQL: `?` and
 * `?N` become `$N` with SQLite's numbering (a bare `?` is one more than the largest so
 * far), nothing inside quoted text or identifiers is touched, a short buffer is refused;
 * and the one row loop, db_each_row: every row, a stop by the callback, a failing step.
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

struct walk {
	int rows, stop_at;
	int64_t sum;
};

static int on_row(void *ud, struct db_stmt *s)
{
	struct walk *w = ud;

	w->rows++;
	w->sum += db_column_int64(s, 0);
	return w->rows == w->stop_at ? 7 : 0;
}

static void test_each_row(void **state)
{
	struct walk w = { 0, 0, 0 };
	struct db_stmt *s;
	struct db *db;
	int fn_rc = -1;

	(void)state;
	assert_int_equal(db_open_sqlite(":memory:", &db, NULL), 0);
	assert_int_equal(db_exec(db, "CREATE TABLE t(v INTEGER); INSERT INTO t VALUES(1),(2),(3)"),
			 0);
	assert_int_equal(db_prepare(db, "SELECT v FROM t ORDER BY v", &s), 0);
	assert_int_equal(db_each_row(s, on_row, &w, &fn_rc), DB_DONE);
	assert_int_equal(fn_rc, 0);
	assert_int_equal(w.rows, 3);
	assert_int_equal(w.sum, 6);
	/* the callback stops the walk: its result comes back, the rows after are not read */
	db_reset(s);
	w = (struct walk){ 0, 2, 0 };
	assert_int_equal(db_each_row(s, on_row, &w, &fn_rc), DB_DONE);
	assert_int_equal(fn_rc, 7);
	assert_int_equal(w.rows, 2);
	db_finalize(s);
	/* a step that fails (integer overflow at run time) */
	assert_int_equal(db_prepare(db, "SELECT abs(v - 9223372036854775807 - 2) FROM t", &s), 0);
	w = (struct walk){ 0, 0, 0 };
	assert_int_equal(db_each_row(s, on_row, &w, &fn_rc), DB_ERROR);
	assert_int_equal(fn_rc, 0);
	assert_non_null(strstr(db_errmsg(db), "overflow"));
	db_finalize(s);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_each_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
