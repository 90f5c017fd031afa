/*
 * pgtest.h -- for unit tests that run against PostgreSQL too: ISP_TEST_PG (a libpq URI,
 * set by tests/integration/store_pg_unit.sh, which starts a real server) names the
 * database. Without it these tests use SQLite only, or skip.
 */
#ifndef ISP_TEST_PGTEST_H
#define ISP_TEST_PGTEST_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/store/store.h"

/* The PostgreSQL URI to test against, or NULL. */
static inline const char *pgtest_url(void)
{
	const char *u = getenv("ISP_TEST_PG");

	return u && *u ? u : NULL;
}

/* Run sql on the test database with its own connection; 0 or -1 (message on stderr). */
static inline int pgtest_exec(const char *sql)
{
	PGconn *c = PQconnectdb(pgtest_url());
	PGresult *r;
	int rc = -1;

	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
			rc = 0;
		else
			fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(r));
		PQclear(r);
	} else {
		fprintf(stderr, "pgtest: %s", PQerrorMessage(c));
	}
	PQfinish(c);
	return rc;
}

/* An empty, migrated store on the test database (everything of the last test dropped). */
static inline int pgtest_open_fresh(struct store **out)
{
	struct isp_err e;
	struct store *st = NULL;

	*out = NULL;
	if (pgtest_exec("SET client_min_messages = warning; DROP SCHEMA public CASCADE;"
			" CREATE SCHEMA public;") != 0)
		return -1;
	isp_err_clear(&e);
	if (store_open_ex(pgtest_url(), STORE_OPEN_ANY_VERSION, &st, &e) != 0 ||
	    store_migrate(st, NULL, NULL, &e) != 0) {
		fprintf(stderr, "pgtest: %s\n", e.msg);
		store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

/*
 * The store fixture of the store unit tests: a fresh PostgreSQL store when
 * ISPSHIELD_TEST_PG names one (pgtest_url), else a SQLite store in a new temporary
 * folder. pgtest_store_path: that SQLite file ("" on PostgreSQL), for a second look.
 */
static char pgtest_dir[64], pgtest_path[128];

static inline const char *pgtest_store_path(void)
{
	return pgtest_path;
}

static inline int pgtest_store_setup(void **state)
{
	struct store *st = NULL;
	struct isp_err e;

	if (pgtest_url()) {
		if (pgtest_open_fresh(&st) != 0)
			return -1;
		*state = st;
		return 0;
	}
	snprintf(pgtest_dir, sizeof(pgtest_dir), "/tmp/ispstXXXXXX");
	if (!mkdtemp(pgtest_dir))
		return -1;
	snprintf(pgtest_path, sizeof(pgtest_path), "%s/t.db", pgtest_dir);
	isp_err_clear(&e);
	if (store_open(pgtest_path, &st, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	*state = st;
	return 0;
}

static inline int pgtest_store_teardown(void **state)
{
	char cmd[96];

	store_close(*state);
	if (!pgtest_url()) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", pgtest_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* assert that call (which may use E as its struct isp_err *) returns 0, printing the error */
#define OK(call)                                                                                   \
	do {                                                                                       \
		struct isp_err e_;                                                                 \
		int rc_;                                                                           \
		isp_err_clear(&e_);                                                                \
		rc_ = (call);                                                                      \
		if (rc_ != 0)                                                                      \
			fprintf(stderr, "%s: %s\n", #call, e_.msg);                                \
		assert_int_equal(rc_, 0);                                                          \
	} while (0)
#define E (&e_)

#endif
