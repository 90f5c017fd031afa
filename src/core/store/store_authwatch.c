/*
 * store_authwatch.c -- the store (SQLite or PostgreSQL) of authwatch's suspend list: accounts whose
 * credentials someone else used, until the operator releases them (after the
 * subscriber changed the password). Released rows stay, with the time, as the record.
 * A release is the operator's decision: only a detection from after it (by the time of
 * the log lines, `detected`) suspends the account again, so reading the same log again
 * does not undo it.
 * The column "user" is quoted: a reserved word in PostgreSQL.
 */
#include <string.h>

#include "core/store/store.h"
#include "core/store/store_authwatch.h"
#include "core/store/store_int.h"

int store_suspend(struct store *st, const struct store_suspension *s, int *added,
		  struct isp_err *err)
{
	int rc;

	*added = 0;
	rc = sq_run(st,
		    "INSERT INTO authwatch_suspended VALUES(?1, ?2, ?3, ?4, ?5, NULL)"
		    " ON CONFLICT(\"user\") DO UPDATE SET type = ?2, reason = ?3, since = ?4,"
		    " detected = ?5, released = NULL WHERE authwatch_suspended.released IS NOT NULL"
		    " AND authwatch_suspended.released < ?5",
		    SQ_ARGS(SQ_T(s->user), SQ_T(s->type), SQ_OPT(s->reason),
			    SQ_I(s->since ? s->since : sq_now()), SQ_I(s->detected)),
		    "suspend", err);
	if (rc)
		return rc;
	*added = db_changes(st->db) > 0;
	return 0;
}

int store_release(struct store *st, const char *user, int64_t t, struct isp_err *err)
{
	return sq_change(st,
			 "UPDATE authwatch_suspended SET released = ?2"
			 " WHERE \"user\" = ?1 AND released IS NULL",
			 SQ_ARGS(SQ_T(user), SQ_I(t ? t : sq_now())), "release", user,
			 "is not suspended", err);
}

SQ_WALK(suspension, store_suspension_fn, struct store_suspension)

static int suspension_read(struct db_stmt *q, struct store_suspension *s)
{
	sq_columns(q, SQ_COLS(SQ_C(&s->user), SQ_C(&s->type), SQ_C(&s->reason), SQ_C(&s->since),
			      SQ_C(&s->detected), SQ_C(&s->released)));
	return 0;
}

int store_each_suspension(struct store *st, int released, store_suspension_fn fn, void *ud,
			  struct isp_err *err)
{
	return suspension_each(
		st,
		released ? "SELECT \"user\", type, reason, since, detected, released"
			   " FROM authwatch_suspended ORDER BY \"user\""
			 : "SELECT \"user\", type, reason, since, detected, released"
			   " FROM authwatch_suspended WHERE released IS NULL ORDER BY \"user\"",
		NULL, "suspensions", fn, ud, err);
}
