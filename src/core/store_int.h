/*
 * store_int.h -- what the files of the SQLite store share (not for callers of store.h):
 * the handle and the small statement helpers. store_sqlite.c holds lists and block
 * events; store_notify.c subscribers, partner events, notices and the relay's books.
 */
#ifndef ISP_CORE_STORE_INT_H
#define ISP_CORE_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/err.h"

struct store {
	sqlite3 *db;
	char path[4096];
	int depth;		 /* store_begin nesting: only the outermost begins/commits */
	sqlite3_stmt *ev_ins;	 /* store_event_add, prepared on first use */
	sqlite3_stmt *ev_decide; /* store_event_decide, prepared on first use */
};

/* The tables of store_notify.c, created by store_open. */
extern const char *sq_notify_schema;
/* The table of store_authwatch.c (suspended accounts), created by store_open. */
extern const char *sq_authwatch_schema;

/* Set err from SQLite's last error: "store PATH: what: message". Returns ISR_ESTORE. */
int sq_fail(struct store *st, struct isp_err *err, const char *what);
/* Run sql (several statements allowed, no parameters). */
int sq_exec(struct store *st, const char *sql, struct isp_err *err);
int sq_prepare(struct store *st, const char *sql, sqlite3_stmt **out, struct isp_err *err);
/* Bind v, or NULL when v is NULL or empty. */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Bind t, or NULL when t is 0. */
void sq_bind_time(sqlite3_stmt *s, int i, int64_t t);
int64_t sq_now(void);
/* Run sql with up to three int64 parameters; *changed = rows changed (may be NULL). */
int sq_run3(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c, long *changed,
	    struct isp_err *err);
/* First column of the first row of sql with one int64 parameter (0 when no row). */
int sq_query_int(struct store *st, const char *sql, int64_t a, int64_t *out, struct isp_err *err);

#endif
