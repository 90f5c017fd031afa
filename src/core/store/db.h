/*
 * db.h -- the store's statement layer: one small API over two drivers, SQLite (the
 * embedded default) and PostgreSQL (libpq, for several nodes on one database).
 *
 * The store (store_sqlite.c, store_notify.c, store_authwatch.c) writes its SQL once, in
 * the subset both engines accept: `?` and `?N` placeholders (translated to `$N` for
 * PostgreSQL by db_prepare, with SQLite's numbering rule: a bare `?` is one more than
 * the largest number so far), INSERT ... ON CONFLICT DO NOTHING/UPDATE, RETURNING,
 * aggregate FILTER (WHERE ...). Where the engines differ (schema types, date formatting,
 * scalar min/max) the caller picks a string by db_kind().
 *
 * Parameter types for PostgreSQL: int64 binds are sent as bigint, text as text, blobs as
 * bytea (binary); NULL has no type, so SQL that tests a parameter for NULL casts it
 * (CAST(? AS TEXT)). Results come as text and are converted by the column getters
 * (booleans read as 1/0, bytea unescaped).
 *
 * The shape follows sqlite3's: prepare, bind (1-based), step until DB_DONE, read columns
 * (0-based) of the current row, reset to run again with new bindings, finalize. A pointer
 * returned by a column getter is valid until the next step, reset or finalize of that
 * statement. One struct db per thread.
 */
#ifndef ISP_CORE_DB_H
#define ISP_CORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

enum db_kind { DB_SQLITE, DB_PG };

/* db_step results. */
enum { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

struct db;
struct db_stmt;

/* Open a SQLite file (created if missing; WAL, busy timeout 10 s). */
int db_open_sqlite(const char *path, struct db **out, struct isp_err *err);
/* Connect to PostgreSQL with a libpq conninfo string or URI. */
int db_open_pg(const char *conninfo, struct db **out, struct isp_err *err);
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The last error of db (engine message), "" when none. */
const char *db_errmsg(const struct db *db);

/* Run sql (several statements allowed, no parameters). 0 or DB_ERROR. */
int db_exec(struct db *db, const char *sql);
/* 0 and *out, or DB_ERROR (*out NULL). */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* Bindings are copied. db_bind_text binds NULL when v is NULL. */
void db_bind_int64(struct db_stmt *s, int i, int64_t v);
void db_bind_text(struct db_stmt *s, int i, const char *v);
void db_bind_blob(struct db_stmt *s, int i, const void *p, size_t n);
void db_bind_null(struct db_stmt *s, int i);
/*
 * db_bind_text without the copy (SQLite; PostgreSQL copies as db_bind_text does), for a
 * statement stepped once per row of a bulk load: v (NULL binds NULL) must stay valid
 * until db_clear_bindings or db_finalize, which the caller calls right after the step
 * and reset.
 */
void db_bind_text_ref(struct db_stmt *s, int i, const char *v);
/* Every parameter of s bound to NULL again (no pointer of a _ref binding is kept). */
void db_clear_bindings(struct db_stmt *s);
/* DB_ROW (a row is current), DB_DONE, or DB_ERROR (db_errmsg says why). */
int db_step(struct db_stmt *s);
int64_t db_column_int64(struct db_stmt *s, int i);
/* NULL for SQL NULL. */
const char *db_column_text(struct db_stmt *s, int i);
const void *db_column_blob(struct db_stmt *s, int i);
size_t db_column_bytes(struct db_stmt *s, int i);
/* Ready to step again from the start; bindings are kept. */
void db_reset(struct db_stmt *s);
void db_finalize(struct db_stmt *s);

/* What db_each_row calls for each row of s (read its columns as after a db_step that
 * returned DB_ROW): 0 to go on, nonzero to stop the walk. */
typedef int (*db_row_fn)(void *ud, struct db_stmt *s);
/* The one row loop of the store, for both drivers: step s until DB_DONE, calling fn for
 * each row. Returns DB_DONE when the rows ran out or fn stopped the walk (fn's nonzero
 * result in *fn_rc, else 0 there), DB_ERROR when a step failed (db_errmsg says why, *fn_rc
 * is 0). s is left for the caller to finalize or reset. Allocates nothing. */
int db_each_row(struct db_stmt *s, db_row_fn fn, void *ud, int *fn_rc);
/* Rows changed (or returned by RETURNING) by the last statement that finished. */
long db_changes(const struct db *db);
/* Whether a transaction is open on db. */
int db_in_transaction(const struct db *db);

/* Translate `?`/`?N` placeholders to `$N` into out (size outsz), skipping quoted text.
 * Returns the number of parameters, or -1 when out is too small. (For the PG driver
 * and its fuzz target.) */
int db_pg_placeholders(const char *sql, char *out, size_t outsz);

#endif
