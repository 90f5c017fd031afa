/*
 * store_int.h -- what the files of the store share (not for callers of store.h): the
 * handle and the small statement helpers over db.h, whose two drivers (SQLite,
 * PostgreSQL) run the same SQL. store_sqlite.c holds opening, lists and block events;
 * store_notify.c subscribers, partner events, notices and the relay's books;
 * store_authwatch.c suspensions; store_allow.c the allowlist; store_schema.c the versioned schema of both back ends.
 */
#ifndef ISP_CORE_STORE_INT_H
#define ISP_CORE_STORE_INT_H

#include <stdint.h>

#include "core/store/db.h"
#include "core/base/err.h"

struct store {
	struct db *db;
	char path[4096];	   /* what errors name: the file, or the PostgreSQL spec */
	int depth;		   /* store_begin nesting: only the outermost begins/commits */
	struct db_stmt *ev_ins;	   /* store_event_add, prepared on first use */
	struct db_stmt *ev_once;   /* store_event_add_once, prepared on first use */
	struct db_stmt *ev_decide; /* store_event_decide, prepared on first use */
	struct db_stmt *sub_log;   /* store_subscriber_put's history, prepared on first use */
};

/* Whether st is on PostgreSQL (for the few statements that differ). */
#define sq_pg(st) (db_kind((st)->db) == DB_PG)
/* Begin a write transaction: SQLite takes the write lock at once (no upgrade deadlock). */
#define SQ_BEGIN(st) (sq_pg(st) ? "BEGIN" : "BEGIN IMMEDIATE")

/* Set err from the engine's last error: "store PATH: what: message". Returns ISR_ESTORE. */
int sq_fail(struct store *st, struct isp_err *err, const char *what);
/* Run sql (several statements allowed, no parameters). */
int sq_exec(struct store *st, const char *sql, struct isp_err *err);
int sq_prepare(struct store *st, const char *sql, struct db_stmt **out, struct isp_err *err);
/* Walk the rows of s with db_each_row and finalize s. Returns 0, fn's nonzero result, or
 * ISR_ESTORE ("store PATH: what: message") when a step failed. */
int sq_each_row(struct store *st, struct db_stmt *s, const char *what, db_row_fn fn, void *ud,
		struct isp_err *err);
/* Bind v, or NULL when v is NULL or empty. */
void sq_bind_text(struct db_stmt *s, int i, const char *v);
/* Bind t, or NULL when t is 0. */
void sq_bind_time(struct db_stmt *s, int i, int64_t t);
int64_t sq_now(void);
/* Run sql with up to three int64 parameters; *changed = rows changed (may be NULL). */
int sq_run3(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c, long *changed,
	    struct isp_err *err);
/* First column of the first row of sql with one int64 parameter (0 when no row). */
int sq_query_int(struct store *st, const char *sql, int64_t a, int64_t *out, struct isp_err *err);

/*
 * A statement's parameters, for sq_rows and sq_int: parameter i + 1 is a[i]. SQ_I(v) binds
 * an int64, SQ_T(v) a text as given, SQ_OPT(v) a text or NULL when v is NULL or empty
 * (sq_bind_text). SQ_ARGS(...) makes the list (ended by a zero kind); NULL is none.
 */
struct sq_arg {
	char kind; /* 'i', 't', 'o'; 0 ends the list */
	int64_t i;
	const char *t;
};
#define SQ_I(v)                                                                                    \
	{                                                                                          \
		'i', (int64_t)(v), NULL                                                            \
	}
#define SQ_T(v)                                                                                    \
	{                                                                                          \
		't', 0, (v)                                                                        \
	}
#define SQ_OPT(v)                                                                                  \
	{                                                                                          \
		'o', 0, (v)                                                                        \
	}
#define SQ_ARGS(...) ((const struct sq_arg[]){ __VA_ARGS__, { 0, 0, NULL } })

/* Prepare sql, bind a, and call fn for each row (sq_each_row: 0, fn's nonzero result, or
 * ISR_ESTORE naming what). */
int sq_rows(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	    db_row_fn fn, void *ud, struct isp_err *err);
/* Prepare sql, bind a, step it once (a statement that returns no rows): 0, or ISR_ESTORE
 * naming what. */
int sq_run(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	   struct isp_err *err);
/* Prepare sql, bind a, step once: the first column of its row in *out (0 when no row).
 * ISR_ESTORE naming what when a step failed. */
int sq_int(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	   int64_t *out, struct isp_err *err);

/* ---- schema (store_schema.c) ---- */

/* The schema version this binary reads and writes. */
#define STORE_SCHEMA_VERSION 9

/* The store's schema version: 0 when it has no schema yet. */
int store_schema_version(struct store *st, int *version, struct isp_err *err);
/* Apply the migrations after `from` up to STORE_SCHEMA_VERSION, one transaction each,
 * under an advisory lock on PostgreSQL. *from_out / *to_out: the versions before and after. */
int store_schema_migrate(struct store *st, int *from_out, int *to_out, struct isp_err *err);

#endif
