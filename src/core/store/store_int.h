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
#include <string.h>

#include "core/store/db.h"
#include "core/base/err.h"

/* The statements a store keeps prepared (sq_kept): those an import or a batch runs for
 * every row. */
enum sq_kept {
	SQ_EV_INS,    /* store_event_add */
	SQ_EV_ONCE,   /* store_event_add_once */
	SQ_EV_DECIDE, /* store_event_decide */
	SQ_SUB_LOG,   /* store_subscriber_put's history */
	/* `sites find`'s statements, run per site (store_sites.c) */
	SQ_SITE_PUT,
	SQ_SITE_OLD_CONTACTS,
	SQ_SITE_LIST,
	SQ_SITE_URL,
	SQ_SITE_LOOKUP_GET,
	SQ_NKEPT
};

struct store {
	struct db *db;
	char path[4096];		/* what errors name: the file, or the PostgreSQL spec */
	int depth;			/* store_begin nesting: only the outermost begins/commits */
	struct db_stmt *kept[SQ_NKEPT]; /* prepared on first use, finalized by store_close */
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
/* The kept statement `which` (*out, owned by st), prepared from sql on its first use;
 * the caller resets it after each use. 0, or ISR_ESTORE when it cannot be prepared. */
int sq_kept(struct store *st, enum sq_kept which, const char *sql, struct db_stmt **out,
	    struct isp_err *err);
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
 * (sq_bind_text), SQ_TIME(v) an int64 or NULL when v is 0 (sq_bind_time). SQ_ARGS(...)
 * makes the list (ended by a zero kind); NULL is none.
 */
struct sq_arg {
	char kind; /* 'i', 't', 'o', 'm'; 0 ends the list */
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
#define SQ_TIME(v)                                                                                 \
	{                                                                                          \
		'm', (int64_t)(v), NULL                                                            \
	}
#define SQ_ARGS(...) ((const struct sq_arg[]){ __VA_ARGS__, { 0, 0, NULL } })

/* Prepare sql, bind a, and call fn for each row (sq_each_row: 0, fn's nonzero result, or
 * ISR_ESTORE naming what). */
int sq_rows(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	    db_row_fn fn, void *ud, struct isp_err *err);
/*
 * Reading the current row's columns in order: sq_columns(s, SQ_COLS(SQ_C(&a), SQ_C(&b)))
 * sets a from column 0, b from column 1, ... by the type each pointer points to: const
 * char * (NULL for SQL NULL; the statement owns the text), long, long long (so int64_t
 * either way), int or unsigned short; any other pointer does not compile. SQ_SKIP leaves a
 * column to the caller (an enum, a default for NULL, a copy into an array).
 */
struct sq_col {
	char kind; /* 't', 'l', 'L', 'n', 'h'; '-' skips; 0 ends the list */
	void *p;
};
#define SQ_C(ptr)                                                                                    \
	{                                                                                            \
		_Generic((ptr), const char **: 't', long *: 'l', long long *: 'L', int *: 'n',     \
			 unsigned short *: 'h'),                                                   \
			(void *)(ptr) \
	}
#define SQ_SKIP                                                                                    \
	{                                                                                          \
		'-', NULL                                                                          \
	}
#define SQ_COLS(...) ((const struct sq_col[]){ __VA_ARGS__, { 0, NULL } })
void sq_columns(struct db_stmt *s, const struct sq_col *cols);

/*
 * SQ_WALK(name, fn_type, row_type): the one way a store function hands the rows of a
 * query to its caller's typed callback. It declares
 *   static int name_read(struct db_stmt *s, row_type *r);
 * which the file defines (fill *r from the current row, which starts zeroed; return 0
 * to pass the row on, nonzero to skip it), and defines
 *   static int name_each(st, sql, a, what, fn, ud, err)
 * which runs sql with a (sq_rows) and calls fn(ud, &row) for each row read: 0, fn's
 * nonzero result (which stops the walk), or ISR_ESTORE naming what. The row's strings
 * belong to the statement and are valid only during fn.
 */
#define SQ_WALK(name, fn_type, row_type)                                                           \
	static int name##_read(struct db_stmt *s, row_type *r);                                    \
	struct name##_walk {                                                                       \
		fn_type fn;                                                                        \
		void *ud;                                                                          \
	};                                                                                         \
	static int name##_row(void *ud, struct db_stmt *s)                                         \
	{                                                                                          \
		const struct name##_walk *w = ud;                                                  \
		row_type r;                                                                        \
                                                                                                   \
		memset(&r, 0, sizeof(r));                                                          \
		return name##_read(s, &r) ? 0 : w->fn(w->ud, &r);                                  \
	}                                                                                          \
	static int name##_each(struct store *st, const char *sql, const struct sq_arg *a,          \
			       const char *what, fn_type fn, void *ud, struct isp_err *err)        \
	{                                                                                          \
		struct name##_walk w = { fn, ud };                                                 \
                                                                                                   \
		return sq_rows(st, sql, a, what, name##_row, &w, err);                             \
	}

/* sq_int and sq_rows on the kept statement which (sq_kept: sql prepared on first use),
 * reset after: for the statements a command runs once per item. sq_kept_int's out may
 * be NULL: a statement run for its effect (no row wanted). */
int sq_kept_int(struct store *st, enum sq_kept which, const char *sql, const struct sq_arg *a,
		const char *what, int64_t *out, struct isp_err *err);
int sq_kept_rows(struct store *st, enum sq_kept which, const char *sql, const struct sq_arg *a,
		 const char *what, db_row_fn fn, void *ud, struct isp_err *err);

/* Prepare sql, bind a, step it once (a statement that returns no rows): 0, or ISR_ESTORE
 * naming what. */
int sq_run(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	   struct isp_err *err);
/* sq_run for a statement that must change a row of `name`: ISR_ENOTFOUND ("NAME NONE",
 * e.g. "alice is not suspended") when it changed none. */
int sq_change(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	      const char *name, const char *none, struct isp_err *err);
/* Prepare sql, bind a, step once: the first column of its row in *out (0 when no row).
 * ISR_ESTORE naming what when a step failed. */
int sq_int(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	   int64_t *out, struct isp_err *err);

/* ---- schema (store_schema.c) ---- */

/* The schema version this binary reads and writes. */
#define STORE_SCHEMA_VERSION 12

/* The store's schema version: 0 when it has no schema yet. */
int store_schema_version(struct store *st, int *version, struct isp_err *err);
/* Apply the migrations after `from` up to STORE_SCHEMA_VERSION, one transaction each,
 * under an advisory lock on PostgreSQL. *from_out / *to_out: the versions before and after. */
int store_schema_migrate(struct store *st, int *from_out, int *to_out, struct isp_err *err);

#endif
