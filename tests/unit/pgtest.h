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

#endif
