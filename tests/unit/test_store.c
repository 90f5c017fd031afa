/*
 * test_store.c -- the store (SQLite; PostgreSQL too when ISP_TEST_PG is set): lists and kinds, import transactions, duplicate
 * merging, re-import change tracking, abort leaving the old entries, expiry, stats; the
 * allowlist's rows (add, renew, expiry filter, remove).
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
#include "core/store/store_allow.h"
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

struct allow_seen {
	int n;
	char values[8][64];
	char by[8][32];
	char reason[8][64];
	int64_t expires[8];
};

static int allow_fn(void *ud, const struct store_allow *a)
{
	struct allow_seen *s = ud;

	if (s->n < 8) {
		snprintf(s->values[s->n], sizeof(s->values[0]), "%s", a->value);
		snprintf(s->by[s->n], sizeof(s->by[0]), "%s", a->by);
		snprintf(s->reason[s->n], sizeof(s->reason[0]), "%s", a->reason ? a->reason : "-");
		s->expires[s->n] = a->expires;
	}
	s->n++;
	return 0;
}

static void test_allow(void **state)
{
	struct store *st = *state;
	struct store_allow a = { "*.example.com", LIST_DOMAIN, "false positive", "alice", 1000, 0 };
	struct allow_seen seen;
	struct isp_err e;
	int replaced = -1;

	isp_err_clear(&e);
	assert_int_equal(store_allow_add(st, &a, &replaced, &e), 0);
	assert_int_equal(replaced, 0);
	a.value = "192.0.2.0/24";
	a.kind = LIST_IP;
	a.reason = NULL;
	a.by = "bob";
	a.expires = 5000; /* expired at 6000, active at 4000 */
	assert_int_equal(store_allow_add(st, &a, &replaced, &e), 0);
	assert_int_equal(replaced, 0);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_allow_each(st, 0, allow_fn, &seen, &e), 0);
	assert_int_equal(seen.n, 2); /* ordered by value */
	assert_string_equal(seen.values[0], "*.example.com");
	assert_string_equal(seen.by[0], "alice");
	assert_string_equal(seen.reason[0], "false positive");
	assert_int_equal(seen.expires[0], 0);
	assert_string_equal(seen.values[1], "192.0.2.0/24");
	assert_string_equal(seen.reason[1], "-");
	assert_int_equal(seen.expires[1], 5000);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_allow_each(st, 4000, allow_fn, &seen, &e), 0);
	assert_int_equal(seen.n, 2);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_allow_each(st, 6000, allow_fn, &seen, &e), 0);
	assert_int_equal(seen.n, 1); /* the expired prefix is left out */
	assert_string_equal(seen.values[0], "*.example.com");

	/* adding again renews: new author, reason and expiry */
	a.by = "carol";
	a.reason = "renewed";
	a.expires = 9000;
	assert_int_equal(store_allow_add(st, &a, &replaced, &e), 0);
	assert_int_equal(replaced, 1);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_allow_each(st, 6000, allow_fn, &seen, &e), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.by[1], "carol");
	assert_string_equal(seen.reason[1], "renewed");
	assert_int_equal(seen.expires[1], 9000);

	assert_int_equal(store_allow_remove(st, "*.example.com", &e), 0);
	assert_int_equal(store_allow_remove(st, "*.example.com", &e), ISR_ENOTFOUND);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_allow_each(st, 0, allow_fn, &seen, &e), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.values[0], "192.0.2.0/24");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_and_reimport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
