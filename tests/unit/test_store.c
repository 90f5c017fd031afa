/*
 * test_store.c -- the store (SQLite; PostgreSQL too when ISP_TEST_PG is set): lists and kinds, import transactions, duplicate
 * merging, re-import change tracking, abort leaving the old entries, expiry, stats.
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

#include "core/store/store.h"
#include "core/store/store_lists.h"
#include "pgtest.h"

static char dbpath[64];

static int setup(void **state)
{
	struct store *st = NULL;
	struct isp_err e;
	int fd;

	snprintf(dbpath, sizeof(dbpath), "/tmp/ispstoreXXXXXX");
	fd = mkstemp(dbpath);
	close(fd);
	unlink(dbpath);
	if (pgtest_url()) { /* tests/integration/store_pg_unit.sh: the same on PostgreSQL */
		if (pgtest_open_fresh(&st) != 0)
			return -1;
		*state = st;
		return 0;
	}
	isp_err_clear(&e);
	if (store_open(dbpath, &st, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	char p[80];

	store_close(*state);
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

static void import(struct store *st, const struct store_list *l, const char *source,
		   const char **values, struct store_import_result *res)
{
	struct store_import *imp;
	struct isp_err e;
	int dup;

	isp_err_clear(&e);
	assert_int_equal(store_import_begin(st, l, source, "file.txt", &imp, &e), 0);
	for (; *values; values++) {
		struct store_entry en = { .value = *values, .category = "botnet" };

		assert_int_equal(store_import_add(imp, &en, &dup, &e), 0);
	}
	assert_int_equal(store_import_commit(imp, "plain", 10, 1, res, &e), 0);
}

struct collect {
	char buf[4096];
	int n;
};

static int collect_entry(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct collect *c = ud;

	(void)l;
	c->n++;
	strncat(c->buf, e->value, sizeof(c->buf) - strlen(c->buf) - 2);
	strcat(c->buf, ",");
	return 0;
}

static int collect_change(void *ud, const char *value, const char *change)
{
	struct collect *c = ud;

	c->n++;
	strncat(c->buf, change, sizeof(c->buf) - strlen(c->buf) - 40);
	strcat(c->buf, ":");
	strncat(c->buf, value, sizeof(c->buf) - strlen(c->buf) - 2);
	strcat(c->buf, ",");
	return 0;
}

static void test_lists(void **state)
{
	struct store *st = *state;
	struct store_list l, l2;
	struct isp_err e;

	isp_err_clear(&e);
	assert_int_equal(store_list_get(st, "c2", LIST_KIND_NONE, 0, &l, &e), ISR_ENOTFOUND);
	assert_int_equal(store_list_get(st, "c2", LIST_KIND_NONE, 1, &l, &e), ISR_EINVAL);
	assert_int_equal(store_list_get(st, "c2", LIST_DOMAIN, 1, &l, &e), 0);
	assert_int_equal(l.kind, LIST_DOMAIN);
	assert_int_equal(store_list_get(st, "c2", LIST_KIND_NONE, 0, &l2, &e), 0);
	assert_int_equal(l2.id, l.id);
	assert_int_equal(store_list_get(st, "c2", LIST_URL, 1, &l2, &e), ISR_EEXIST);
	assert_non_null(strstr(e.msg, "kind domain"));
	assert_int_equal(store_list_get(st, "", LIST_URL, 1, &l2, &e), ISR_EINVAL);
}

static void test_import_and_reimport(void **state)
{
	struct store *st = *state;
	struct store_list l;
	struct store_import_result r;
	struct collect c;
	struct isp_err e;
	const char *first[] = { "a.example", "b.example", "c.example", "a.example", NULL };
	const char *second[] = { "b.example", "c.example", "d.example", NULL };
	const char *other[] = { "c.example", "z.example", NULL };

	isp_err_clear(&e);
	assert_int_equal(store_list_get(st, "c2", LIST_DOMAIN, 1, &l, &e), 0);
	import(st, &l, "feed", first, &r);
	assert_int_equal(r.accepted, 3);
	assert_int_equal(r.duplicates, 1);
	assert_int_equal(r.added, 3);
	assert_int_equal(r.removed, 0);
	import(st, &l, "feed", second, &r);
	assert_int_equal(r.accepted, 3);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.removed, 1);
	assert_int_equal(r.unchanged, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_each_change(st, r.import_id, collect_change, &c, &e), 0);
	assert_string_equal(c.buf, "added:d.example,removed:a.example,");
	/* another source: the same value twice in the list, once when distinct */
	import(st, &l, "partner", other, &r);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_each_entry(st, "c2", 0, 0, collect_entry, &c, &e), 0);
	assert_int_equal(c.n, 5);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_each_entry(st, "c2", 0, 1, collect_entry, &c, &e), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.buf, "b.example,c.example,d.example,z.example,");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_entry_sources(st, &l, "c.example", collect_entry, &c, &e), 0);
	assert_int_equal(c.n, 2);
}

static void test_abort_keeps_old(void **state)
{
	struct store *st = *state;
	struct store_list l;
	struct store_import_result r;
	struct store_import *imp;
	struct collect c;
	struct isp_err e;
	const char *first[] = { "keep.example", NULL };
	struct store_entry en = { .value = "new.example" };
	int dup;

	isp_err_clear(&e);
	assert_int_equal(store_list_get(st, "c2", LIST_DOMAIN, 1, &l, &e), 0);
	import(st, &l, "feed", first, &r);
	assert_int_equal(store_import_begin(st, &l, "feed", "f", &imp, &e), 0);
	assert_int_equal(store_import_add(imp, &en, &dup, &e), 0);
	store_import_abort(imp);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_each_entry(st, "c2", 0, 1, collect_entry, &c, &e), 0);
	assert_string_equal(c.buf, "keep.example,");
}

static void test_expiry_and_stats(void **state)
{
	struct store *st = *state;
	struct store_list l;
	struct store_import_result r;
	struct store_import *imp;
	struct collect c;
	struct isp_err e;
	struct store_entry live = { .value = "live.example", .expires = 2000 };
	struct store_entry dead = { .value = "dead.example", .expires = 1000 };
	int dup;

	isp_err_clear(&e);
	assert_int_equal(store_list_get(st, "c2", LIST_DOMAIN, 1, &l, &e), 0);
	assert_int_equal(store_import_begin(st, &l, "feed", "f", &imp, &e), 0);
	assert_int_equal(store_import_add(imp, &live, &dup, &e), 0);
	assert_int_equal(store_import_add(imp, &dead, &dup, &e), 0);
	assert_int_equal(store_import_commit(imp, "plain", 2, 0, &r, &e), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_each_entry(st, NULL, 1500, 1, collect_entry, &c, &e), 0);
	assert_string_equal(c.buf, "live.example,");
}

static int stats_fn(void *ud, const struct store_list_stats *s)
{
	struct store_list_stats *out = ud;

	*out = *s;
	return 0;
}

static void test_stats(void **state)
{
	struct store *st = *state;
	struct store_list l;
	struct store_import_result r;
	struct store_list_stats s;
	struct isp_err e;
	const char *a[] = { "x.example", "y.example", NULL };
	const char *b[] = { "y.example", NULL };

	isp_err_clear(&e);
	assert_int_equal(store_list_get(st, "c2", LIST_DOMAIN, 1, &l, &e), 0);
	import(st, &l, "one", a, &r);
	import(st, &l, "two", b, &r);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_list(st, 0, stats_fn, &s, &e), 0);
	assert_string_equal(s.list.name, "c2");
	assert_int_equal(s.entries, 3);
	assert_int_equal(s.distinct, 2);
	assert_int_equal(s.sources, 2);
	assert_true(s.last_import > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_and_reimport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
