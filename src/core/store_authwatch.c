/*
 * store_authwatch.c -- the SQLite back end of authwatch's suspend list: accounts whose
 * credentials someone else used, until the operator releases them (after the
 * subscriber changed the password). Released rows stay, with the time, as the record.
 */
#include <string.h>

#include "core/store.h"
#include "core/store_int.h"

const char *sq_authwatch_schema =
	"CREATE TABLE IF NOT EXISTS authwatch_suspended("
	"  user TEXT PRIMARY KEY, type TEXT NOT NULL, reason TEXT, since INTEGER NOT NULL,"
	"  detected INTEGER NOT NULL, released INTEGER);";

int store_suspend(struct store *st, const struct store_suspension *s, int *added,
		  struct isp_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*added = 0;
	rc = sq_prepare(st,
			"INSERT INTO authwatch_suspended VALUES(?1, ?2, ?3, ?4, ?5, NULL)"
			" ON CONFLICT(user) DO UPDATE SET type = ?2, reason = ?3, since = ?4,"
			" detected = ?5, released = NULL WHERE released IS NOT NULL",
			&q, err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, s->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->type, -1, SQLITE_STATIC);
	sq_bind_text(q, 3, s->reason);
	sqlite3_bind_int64(q, 4, s->since ? s->since : sq_now());
	sqlite3_bind_int64(q, 5, s->detected);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sq_fail(st, err, "suspend");
	*added = sqlite3_changes(st->db) > 0;
	return 0;
}

int store_release(struct store *st, const char *user, int64_t t, struct isp_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sq_prepare(st,
			"UPDATE authwatch_suspended SET released = ?2"
			" WHERE user = ?1 AND released IS NULL",
			&q, err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, t ? t : sq_now());
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sq_fail(st, err, "release");
	if (sqlite3_changes(st->db) == 0)
		return isp_err_set(err, ISR_ENOTFOUND, "%s is not suspended", user);
	return 0;
}

int store_each_suspension(struct store *st, int released, store_suspension_fn fn, void *ud,
			  struct isp_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sq_prepare(st,
			released ? "SELECT user, type, reason, since, detected, released"
				   " FROM authwatch_suspended ORDER BY user"
				 : "SELECT user, type, reason, since, detected, released"
				   " FROM authwatch_suspended WHERE released IS NULL ORDER BY user",
			&q, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_suspension s;
		int r;

		memset(&s, 0, sizeof(s));
		s.user = (const char *)sqlite3_column_text(q, 0);
		s.type = (const char *)sqlite3_column_text(q, 1);
		s.reason = (const char *)sqlite3_column_text(q, 2);
		s.since = sqlite3_column_int64(q, 3);
		s.detected = sqlite3_column_int64(q, 4);
		s.released = sqlite3_column_int64(q, 5);
		r = fn(ud, &s);
		if (r) {
			sqlite3_finalize(q);
			return r;
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sq_fail(st, err, "suspensions");
	return 0;
}
