/*
 * store_allow.c -- the allowlist table (store_allow.h), the same SQL on SQLite and
 * PostgreSQL. "by" is a reserved word in both: the column is added_by.
 */
#include "core/store/store_allow.h"

#include <string.h>

#include "core/store/store_int.h"

int store_allow_add(struct store *st, const struct store_allow *a, int *replaced,
		    struct isp_err *err)
{
	int64_t had = 0;
	int rc;

	rc = store_begin(st, err);
	if (rc)
		return rc;
	rc = sq_int(st, "SELECT count(*) FROM allowlist WHERE value = ?1", SQ_ARGS(SQ_T(a->value)),
		    "allowlist add", &had, err);
	if (rc == 0)
		rc = sq_run(st,
			    "INSERT INTO allowlist(value, kind, reason, added_by, added, expires)"
			    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(value) DO UPDATE SET"
			    " kind = ?2, reason = ?3, added_by = ?4, added = ?5, expires = ?6",
			    SQ_ARGS(SQ_T(a->value), SQ_T(list_kind_name(a->kind)),
				    SQ_OPT(a->reason), SQ_T(a->by ? a->by : ""),
				    SQ_I(a->added ? a->added : sq_now()), SQ_TIME(a->expires)),
			    "allowlist add", err);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	if (replaced)
		*replaced = had > 0;
	return store_commit(st, err);
}

int store_allow_remove(struct store *st, const char *value, struct isp_err *err)
{
	return sq_change(st, "DELETE FROM allowlist WHERE value = ?1", SQ_ARGS(SQ_T(value)),
			 "allowlist remove", value, "is not on the allowlist", err);
}

SQ_WALK(allow, store_allow_fn, struct store_allow)

/* A row without a value is skipped. */
static int allow_read(struct db_stmt *q, struct store_allow *a)
{
	sq_columns(q, SQ_COLS(SQ_C(&a->value), SQ_SKIP, SQ_C(&a->reason), SQ_C(&a->by),
			      SQ_C(&a->added), SQ_C(&a->expires)));
	a->kind = list_kind_parse(db_column_text(q, 1));
	if (!a->by)
		a->by = "";
	return !a->value;
}

int store_allow_each(struct store *st, int64_t now, store_allow_fn fn, void *ud,
		     struct isp_err *err)
{
	return allow_each(st,
			  "SELECT value, kind, reason, added_by, added, expires FROM allowlist"
			  " WHERE ?1 <= 0 OR expires IS NULL OR expires > ?1 ORDER BY value",
			  SQ_ARGS(SQ_I(now)), "allowlist", fn, ud, err);
}
