/*
 * store_urlstatus.c -- the url_status table (store_urlstatus.h), the same SQL on SQLite
 * and PostgreSQL.
 */
#include "core/store/store_urlstatus.h"

#include <string.h>

#include "core/store/store_int.h"

SQ_WALK(url_status, store_url_status_fn, struct store_url_status)

static int url_status_read(struct db_stmt *s, struct store_url_status *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->value), SQ_C(&r->status), SQ_C(&r->checked),
			      SQ_C(&r->last_online), SQ_C(&r->fails), SQ_C(&r->next_check),
			      SQ_C(&r->sha256), SQ_C(&r->detail), SQ_C(&r->offline_since)));
	return 0;
}

int store_url_status_each(struct store *st, const struct store_list *l, int64_t now, int due,
			  store_url_status_fn fn, void *ud, struct isp_err *err)
{
	return url_status_each(
		st,
		"SELECT v.value, u.status, u.checked, u.last_online, u.fails, u.next_check,"
		" u.sha256, u.detail, u.offline_since FROM (SELECT DISTINCT e.value AS "
		"value FROM entries e"
		" JOIN sources s ON s.id = e.source_id WHERE s.list_id = ?1"
		" AND (e.expires IS NULL OR e.expires > ?2)) v"
		" LEFT JOIN url_status u ON u.list_id = ?1 AND u.value = v.value"
		" WHERE ?3 = 0 OR u.next_check IS NULL OR u.next_check <= ?2"
		" ORDER BY v.value",
		SQ_ARGS(SQ_I(l->id), SQ_I(now), SQ_I(due)), "url status", fn, ud, err);
}

int store_url_status_put(struct store *st, const struct store_list *l,
			 const struct store_url_status *s, struct isp_err *err)
{
	return sq_run(st,
		      "INSERT INTO url_status(list_id, value, status, checked, last_online, fails,"
		      " next_check, sha256, detail, offline_since)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		      " ON CONFLICT(list_id, value) DO UPDATE SET status = ?3, checked = ?4,"
		      " last_online = ?5, fails = ?6, next_check = ?7, sha256 = ?8, detail = ?9,"
		      " offline_since = ?10",
		      SQ_ARGS(SQ_I(l->id), SQ_T(s->value), SQ_T(s->status), SQ_I(s->checked),
			      SQ_I(s->last_online), SQ_I(s->fails), SQ_I(s->next_check),
			      SQ_OPT(s->sha256), SQ_OPT(s->detail), SQ_I(s->offline_since)),
		      "url status", err);
}

int store_url_expire(struct store *st, const struct store_list *l, const char *value, int64_t now,
		     long *n, struct isp_err *err)
{
	int rc = sq_run(st,
			"UPDATE entries SET expires = ?3 WHERE value = ?2 AND source_id IN"
			" (SELECT id FROM sources WHERE list_id = ?1)"
			" AND (expires IS NULL OR expires > ?3)",
			SQ_ARGS(SQ_I(l->id), SQ_T(value), SQ_I(now)), "offline expiry", err);

	if (rc == 0 && n)
		*n = (long)db_changes(st->db);
	return rc;
}
