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
	struct db_stmt *q = NULL;
	int64_t had = 0;
	int rc;

	rc = store_begin(st, err);
	if (rc)
		return rc;
	rc = sq_prepare(st, "SELECT count(*) FROM allowlist WHERE value = ?1", &q, err);
	if (rc)
		goto out;
	db_bind_text(q, 1, a->value);
	if (db_step(q) == DB_ROW)
		had = db_column_int64(q, 0);
	db_finalize(q);
	rc = sq_prepare(st,
			"INSERT INTO allowlist(value, kind, reason, added_by, added, expires)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(value) DO UPDATE SET"
			" kind = ?2, reason = ?3, added_by = ?4, added = ?5, expires = ?6",
			&q, err);
	if (rc)
		goto out;
	db_bind_text(q, 1, a->value);
	db_bind_text(q, 2, list_kind_name(a->kind));
	sq_bind_text(q, 3, a->reason);
	db_bind_text(q, 4, a->by ? a->by : "");
	db_bind_int64(q, 5, a->added ? a->added : sq_now());
	sq_bind_time(q, 6, a->expires);
	rc = db_step(q);
	db_finalize(q);
	rc = rc == DB_DONE ? 0 : sq_fail(st, err, "allowlist add");
out:
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
	int rc;

	rc = sq_run(st, "DELETE FROM allowlist WHERE value = ?1", SQ_ARGS(SQ_T(value)),
		    "allowlist remove", err);
	if (rc)
		return rc;
	if (db_changes(st->db) == 0)
		return isp_err_set(err, ISR_ENOTFOUND, "%s is not on the allowlist", value);
	return 0;
}

struct allow_walk {
	store_allow_fn fn;
	void *ud;
};

static int allow_row(void *ud, struct db_stmt *q)
{
	const struct allow_walk *w = ud;
	struct store_allow a;
	const char *by;

	memset(&a, 0, sizeof(a));
	a.value = db_column_text(q, 0);
	a.kind = list_kind_parse(db_column_text(q, 1));
	a.reason = db_column_text(q, 2);
	by = db_column_text(q, 3);
	a.by = by ? by : "";
	a.added = db_column_int64(q, 4);
	a.expires = db_column_int64(q, 5);
	if (!a.value)
		return 0;
	return w->fn(w->ud, &a);
}

int store_allow_each(struct store *st, int64_t now, store_allow_fn fn, void *ud,
		     struct isp_err *err)
{
	struct allow_walk w = { fn, ud };

	return sq_rows(st,
		       "SELECT value, kind, reason, added_by, added, expires FROM allowlist"
		       " WHERE ?1 <= 0 OR expires IS NULL OR expires > ?1 ORDER BY value",
		       SQ_ARGS(SQ_I(now)), "allowlist", allow_row, &w, err);
}
