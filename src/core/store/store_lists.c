/*
 * store_lists.c -- the lists in the store (store_lists.h): list rows, imports and what
 * they changed, reading entries back, per-list statistics. SQLite and PostgreSQL alike,
 * through the statement helpers of store_int.h.
 *
 * Import strategy: values of one import go into a temporary table keyed by value
 * (duplicates within the file are merged there and counted). Commit then computes the
 * change against the source's current entries with set operations in SQL (added =
 * staging - current, removed = current - staging), records the changed values, deletes
 * the removed, and upserts the rest, all in the one transaction begun at import start.
 * The first import of a source records only counts (every value is "added"; listing 10 M
 * of them again in a change table would double the store for nothing).
 */
#include "core/store/store.h"
#include "core/store/store_lists.h"
#include "core/store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct store_import {
	struct store *st;
	int64_t list_id;
	int64_t source_id;
	int64_t started;
	int had_entries; /* the source had entries before this import */
	long accepted, duplicates;
	struct db_stmt *ins;   /* INSERT INTO staging unless there */
	struct db_stmt *merge; /* UPDATE staging for a duplicate */
	char file[1024];
};

int store_list_get(struct store *st, const char *name, enum list_kind kind, int create,
		   struct store_list *out, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (!*name || strlen(name) >= sizeof(out->name))
		return isp_err_set(err, ISR_EINVAL, "list name must be 1..%zu characters",
				   sizeof(out->name) - 1);
	rc = sq_prepare(st, "SELECT id, kind FROM lists WHERE name = ?", &s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == DB_ROW) {
		enum list_kind k = list_kind_parse(db_column_text(s, 1));

		out->id = db_column_int64(s, 0);
		out->kind = k;
		snprintf(out->name, sizeof(out->name), "%s", name);
		db_finalize(s);
		if (kind != LIST_KIND_NONE && kind != k)
			return isp_err_set(err, ISR_EEXIST, "list '%s' exists with kind %s, not %s",
					   name, list_kind_name(k), list_kind_name(kind));
		return 0;
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return sq_fail(st, err, "find list");
	if (!create)
		return isp_err_set(err, ISR_ENOTFOUND, "no list named '%s'", name);
	if (strcmp(name, LIST_NAME_RESERVED) == 0)
		return isp_err_set(err, ISR_EINVAL,
				   "list name '%s' is reserved for the operator's allowlist "
				   "(ispshield lists allow)",
				   name);
	if (kind == LIST_KIND_NONE)
		return isp_err_set(
			err, ISR_EINVAL,
			"list '%s' does not exist; give --kind domain|url|ip to create it", name);
	rc = sq_prepare(st, "INSERT INTO lists(name, kind, created) VALUES(?, ?, ?) RETURNING id",
			&s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, list_kind_name(kind));
	db_bind_int64(s, 3, sq_now());
	rc = db_step(s);
	out->id = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	db_finalize(s);
	if (rc != DB_ROW)
		return sq_fail(st, err, "create list");
	out->kind = kind;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

/* Merge a duplicate into its staged row: earliest first_seen, latest last_seen, later
 * expiry/category/reference. Two spellings: SQLite's two-argument max() is GREATEST in
 * PostgreSQL (NULLs aside, which coalesce rules out here). */
#define MERGE_SQL(MAX)                                                                             \
	"UPDATE staging SET action = ?2, data = ?8,"                                               \
	" first_seen = CASE WHEN first_seen IS NULL OR ?3 < first_seen"                            \
	"   THEN coalesce(?3, first_seen) ELSE first_seen END,"                                    \
	" last_seen = " MAX "(coalesce(last_seen, ?4), coalesce(?4, last_seen)),"                  \
	" expires = coalesce(?5, expires), category = coalesce(?6, category),"                     \
	" reference = coalesce(?7, reference) WHERE value = ?1"
static const char *const merge_sql = MERGE_SQL("max");
static const char *const merge_sql_pg = MERGE_SQL("GREATEST");

int store_import_begin(struct store *st, const struct store_list *l, const char *source,
		       const char *file, struct store_import **out, struct isp_err *err)
{
	struct store_import *imp;
	int64_t n;
	int rc;

	*out = NULL;
	if (!source || !*source)
		return isp_err_set(err, ISR_EINVAL, "empty source name");
	imp = calloc(1, sizeof(*imp));
	if (!imp)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	imp->st = st;
	imp->list_id = l->id;
	imp->started = sq_now();
	snprintf(imp->file, sizeof(imp->file), "%s", file ? file : "");
	/* store_begin: an import joins a transaction the caller opened (lists sync imports
	 * several lists and compiles the snapshot in one). */
	rc = sq_pg(st) ? 0 : sq_exec(st, "PRAGMA cache_size=-262144;", err);
	if (rc == 0)
		rc = store_begin(st, err);
	if (rc)
		goto fail_nobegin;
	rc = sq_run(st,
		    "INSERT INTO sources(list_id, name) VALUES(?, ?) "
		    "ON CONFLICT(list_id, name) DO NOTHING",
		    SQ_ARGS(SQ_I(l->id), SQ_T(source)), "add source", err);
	if (rc)
		goto fail;
	rc = sq_int(st, "SELECT id FROM sources WHERE list_id = ? AND name = ?",
		    SQ_ARGS(SQ_I(l->id), SQ_T(source)), "find source", &imp->source_id, err);
	if (rc)
		goto fail;
	rc = sq_query_int(st, "SELECT EXISTS(SELECT 1 FROM entries WHERE source_id = ?)",
			  imp->source_id, &n, err);
	if (rc)
		goto fail;
	imp->had_entries = n != 0;
	rc = sq_exec(st,
		     sq_pg(st) ? "DROP TABLE IF EXISTS pg_temp.staging;"
				 "CREATE TEMP TABLE staging(value TEXT PRIMARY KEY,"
				 " action BIGINT NOT NULL, first_seen BIGINT, last_seen BIGINT,"
				 " expires BIGINT, category TEXT, reference TEXT, data TEXT);"
			       : "DROP TABLE IF EXISTS temp.staging;"
				 "CREATE TEMP TABLE staging(value TEXT PRIMARY KEY,"
				 " action INTEGER NOT NULL, first_seen INTEGER, last_seen INTEGER,"
				 " expires INTEGER, category TEXT, reference TEXT, data TEXT)"
				 " WITHOUT ROWID;",
		     err);
	if (rc)
		goto fail;
	rc = sq_prepare(st,
			"INSERT INTO staging VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			&imp->ins, err);
	if (rc)
		goto fail;
	rc = sq_prepare(st, sq_pg(st) ? merge_sql_pg : merge_sql, &imp->merge, err);
	if (rc)
		goto fail;
	*out = imp;
	return 0;
fail:
	db_finalize(imp->ins);
	db_finalize(imp->merge);
	store_rollback(st);
fail_nobegin:
	free(imp);
	return rc;
}

/* The entry's texts are bound without a copy (a million-entry import binds three per
 * entry): stage() clears the bindings before e goes away. */
static void bind_entry(struct db_stmt *s, const struct store_entry *e)
{
	db_bind_text_ref(s, 1, e->value);
	db_bind_int64(s, 2, (int)e->action);
	sq_bind_time(s, 3, e->first_seen);
	sq_bind_time(s, 4, e->last_seen);
	sq_bind_time(s, 5, e->expires);
	db_bind_text_ref(s, 6, e->category && *e->category ? e->category : NULL);
	db_bind_text_ref(s, 7, e->reference && *e->reference ? e->reference : NULL);
	db_bind_text_ref(s, 8, e->action == LIST_LOCAL && e->data && *e->data ? e->data : NULL);
}

/* Step s (insert or merge) once with e: 0, or the store's error as `what`. */
static int stage(struct store_import *imp, struct db_stmt *s, const struct store_entry *e,
		 const char *what, struct isp_err *err)
{
	int rc;

	bind_entry(s, e);
	rc = db_step(s) == DB_DONE ? 0 : -1;
	db_reset(s);
	if (rc)
		rc = sq_fail(imp->st, err, what);
	db_clear_bindings(s);
	return rc;
}

int store_import_add(struct store_import *imp, const struct store_entry *e, int *dup,
		     struct isp_err *err)
{
	int rc;

	*dup = 0;
	rc = stage(imp, imp->ins, e, "stage entry", err);
	if (rc)
		return rc;
	if (db_changes(imp->st->db) == 1) {
		imp->accepted++;
		return 0;
	}
	*dup = 1;
	imp->duplicates++;
	return stage(imp, imp->merge, e, "merge duplicate", err);
}

static void import_free(struct store_import *imp)
{
	db_finalize(imp->ins);
	db_finalize(imp->merge);
	sq_exec(imp->st,
		sq_pg(imp->st) ? "DROP TABLE IF EXISTS pg_temp.staging"
			       : "DROP TABLE IF EXISTS temp.staging; PRAGMA cache_size=-8192;",
		NULL);
	free(imp);
}

void store_import_abort(struct store_import *imp)
{
	if (!imp)
		return;
	store_rollback(imp->st);
	import_free(imp);
}

/* The staged entries into the source's (the two spellings of scalar min/max again). */
#define UPSERT_SQL(MIN, MAX)                                                                       \
	"INSERT INTO entries(source_id, value, action, first_seen, last_seen,"                     \
	" expires, category, reference, data)"                                                     \
	" SELECT ?1, value, action, coalesce(first_seen, ?2), coalesce(last_seen, ?2),"            \
	" expires, category, reference, data FROM staging WHERE true"                              \
	" ON CONFLICT(source_id, value) DO UPDATE SET action = excluded.action,"                   \
	" data = excluded.data,"                                                                   \
	" first_seen = " MIN "(entries.first_seen, excluded.first_seen),"                          \
	" last_seen = " MAX "(entries.last_seen, excluded.last_seen),"                             \
	" expires = excluded.expires, category = excluded.category,"                               \
	" reference = excluded.reference"
static const char *const upsert_sql = UPSERT_SQL("min", "max");
static const char *const upsert_sql_pg = UPSERT_SQL("LEAST", "GREATEST");

int store_import_commit(struct store_import *imp, const char *format, long read, long rejected,
			struct store_import_result *res, struct isp_err *err)
{
	struct store *st = imp->st;
	int64_t sid = imp->source_id, t = imp->started, iid;
	long removed = 0, upserted = 0, added;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = sq_int(st,
		    "INSERT INTO imports(source_id, started, file, format, read, accepted,"
		    " duplicates, rejected) VALUES(?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		    SQ_ARGS(SQ_I(sid), SQ_I(t), SQ_T(imp->file), SQ_OPT(format), SQ_I(read),
			    SQ_I(imp->accepted), SQ_I(imp->duplicates), SQ_I(rejected)),
		    "record import", &iid, err);
	if (rc)
		goto fail;

	if (imp->had_entries) {
		/* the values this import adds, then those it removes (?1 import, ?2 source) */
		static const char *const change_sql[] = {
			"INSERT INTO changes(import_id, value, change)"
			" SELECT ?1, value, 'added' FROM staging s WHERE NOT EXISTS"
			" (SELECT 1 FROM entries e WHERE e.source_id = ?2 AND e.value = s.value)",
			"INSERT INTO changes(import_id, value, change)"
			" SELECT ?1, value, 'removed' FROM entries e WHERE e.source_id = ?2"
			" AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.value = e.value)",
		};
		size_t k;

		for (k = 0; k < 2 && rc == 0; k++)
			rc = sq_run3(st, change_sql[k], iid, sid, 0, NULL, err);
		if (rc)
			goto fail;
		rc = sq_run3(st,
			     "DELETE FROM entries WHERE source_id = ?1 AND NOT EXISTS"
			     " (SELECT 1 FROM staging s WHERE s.value = entries.value)",
			     sid, 0, 0, &removed, err);
		if (rc)
			goto fail;
	}
	rc = sq_run3(st, sq_pg(st) ? upsert_sql_pg : upsert_sql, sid, t, 0, &upserted, err);
	if (rc)
		goto fail;
	if (imp->had_entries) {
		int64_t n;

		rc = sq_query_int(st,
				  "SELECT count(*) FROM changes WHERE import_id = ?"
				  " AND change = 'added'",
				  iid, &n, err);
		if (rc)
			goto fail;
		added = (long)n;
	} else {
		added = upserted;
	}
	res->import_id = iid;
	res->accepted = imp->accepted;
	res->duplicates = imp->duplicates;
	res->added = added;
	res->removed = removed;
	res->unchanged = imp->accepted - added;
	rc = sq_run(st, "UPDATE imports SET added = ?, removed = ?, unchanged = ? WHERE id = ?",
		    SQ_ARGS(SQ_I(res->added), SQ_I(res->removed), SQ_I(res->unchanged), SQ_I(iid)),
		    "record import counts", err);
	if (rc)
		goto fail;
	rc = sq_run3(st, "UPDATE sources SET last_import = ?1 WHERE id = ?2", t, sid, 0, NULL, err);
	if (rc)
		goto fail;
	rc = store_commit(st, err);
	if (rc)
		goto fail;
	import_free(imp);
	return 0;
fail:
	store_import_abort(imp);
	return rc;
}

/* Fill l and e from a row laid out as: list id, list name, kind, value, action,
 * first_seen, last_seen, expires, category, reference, source, data. */
static void row_entry(struct db_stmt *s, struct store_list *l, struct store_entry *e)
{
	l->id = db_column_int64(s, 0);
	snprintf(l->name, sizeof(l->name), "%s", db_column_text(s, 1));
	l->kind = list_kind_parse(db_column_text(s, 2));
	e->value = db_column_text(s, 3);
	e->action = (enum list_action)(int)db_column_int64(s, 4);
	e->first_seen = db_column_int64(s, 5);
	e->last_seen = db_column_int64(s, 6);
	e->expires = db_column_int64(s, 7);
	e->category = db_column_text(s, 8);
	e->reference = db_column_text(s, 9);
	e->source = db_column_text(s, 10);
	e->data = db_column_text(s, 11);
}

#define ENTRY_COLS                                                                                 \
	"l.id, l.name, l.kind, e.value, e.action, e.first_seen, e.last_seen,"                      \
	" e.expires, e.category, e.reference, s.name, e.data"

struct entry_walk {
	store_entry_fn fn;
	void *ud;
};

static int entry_row(void *ud, struct db_stmt *s)
{
	const struct entry_walk *w = ud;
	struct store_list l;
	struct store_entry e;

	row_entry(s, &l, &e);
	return w->fn(w->ud, &l, &e);
}

static int each_row(struct store *st, const char *sql, const struct sq_arg *a, store_entry_fn fn,
		    void *ud, struct isp_err *err)
{
	struct entry_walk w = { fn, ud };

	return sq_rows(st, sql, a, "read entries", entry_row, &w, err);
}

int store_each_entry(struct store *st, const char *list, int64_t now, int distinct,
		     store_entry_fn fn, void *ud, struct isp_err *err)
{
	/* For `distinct`, the earliest source's row of each (list, value) is chosen with a
	 * window function, in value order; without it every entry comes, unordered (the
	 * snapshot builder sorts by hash anyway, and ORDER BY would cost a temporary
	 * b-tree over every entry). */
	static const char *all_sql =
		"SELECT " ENTRY_COLS " FROM entries e JOIN sources s ON s.id = e.source_id"
		" JOIN lists l ON l.id = s.list_id"
		" WHERE (CAST(?1 AS TEXT) IS NULL OR l.name = ?1) AND (e.expires IS NULL OR "
		"e.expires > ?2)";
	static const char *distinct_sql =
		"SELECT * FROM (SELECT " ENTRY_COLS ", row_number() OVER"
		" (PARTITION BY l.id, e.value ORDER BY (e.action = 1) DESC, e.first_seen, s.id) AS "
		"rn"
		" FROM entries e JOIN sources s ON s.id = e.source_id"
		" JOIN lists l ON l.id = s.list_id"
		" WHERE (CAST(?1 AS TEXT) IS NULL OR l.name = ?1) AND (e.expires IS NULL OR "
		"e.expires > ?2))"
		" AS d WHERE rn = 1 ORDER BY 1, 4";
	return each_row(st, distinct ? distinct_sql : all_sql, SQ_ARGS(SQ_OPT(list), SQ_I(now)), fn,
			ud, err);
}

int store_entry_sources(struct store *st, const struct store_list *l, const char *value,
			store_entry_fn fn, void *ud, struct isp_err *err)
{
	return each_row(st,
			"SELECT " ENTRY_COLS " FROM sources s JOIN lists l ON l.id = s.list_id"
			" JOIN entries e ON e.source_id = s.id AND e.value = ?2"
			" WHERE l.id = ?1 ORDER BY s.id",
			SQ_ARGS(SQ_I(l->id), SQ_T(value)), fn, ud, err);
}

SQ_WALK(stats, store_stats_fn, struct store_list_stats)

static int stats_read(struct db_stmt *s, struct store_list_stats *ls)
{
	sq_columns(s, SQ_COLS(SQ_C(&ls->list.id), SQ_SKIP, SQ_SKIP, SQ_C(&ls->entries),
			      SQ_C(&ls->distinct), SQ_C(&ls->expired), SQ_C(&ls->sources),
			      SQ_C(&ls->last_import), SQ_C(&ls->online), SQ_C(&ls->offline)));
	snprintf(ls->list.name, sizeof(ls->list.name), "%s", db_column_text(s, 1));
	ls->list.kind = list_kind_parse(db_column_text(s, 2));
	return 0;
}

/* u.value is listed, not expired at ?1, by a source of list l */
#define LIVE_VALUE                                                                                 \
	"EXISTS (SELECT 1 FROM entries e JOIN sources s ON s.id = e.source_id"                     \
	" WHERE s.list_id = l.id AND e.value = u.value AND (e.expires IS NULL OR e.expires > ?1))"

int store_each_list(struct store *st, int64_t now, store_stats_fn fn, void *ud, struct isp_err *err)
{
	return stats_each(st,
			  "SELECT l.id, l.name, l.kind,"
			  " (SELECT count(*) FROM entries e JOIN sources s ON s.id = e.source_id"
			  "   WHERE s.list_id = l.id),"
			  " (SELECT count(DISTINCT e.value) FROM entries e JOIN sources s"
			  "   ON s.id = e.source_id WHERE s.list_id = l.id"
			  "   AND (e.expires IS NULL OR e.expires > ?1)),"
			  " (SELECT count(*) FROM entries e JOIN sources s ON s.id = e.source_id"
			  "   WHERE s.list_id = l.id AND e.expires <= ?1),"
			  " (SELECT count(*) FROM sources s WHERE s.list_id = l.id),"
			  " (SELECT max(last_import) FROM sources s WHERE s.list_id = l.id),"
			  " (SELECT count(*) FROM url_status u WHERE u.list_id = l.id"
			  "   AND u.status = 'online' AND " LIVE_VALUE "),"
			  " (SELECT count(*) FROM url_status u WHERE u.list_id = l.id"
			  "   AND u.status = 'offline' AND " LIVE_VALUE ")"
			  " FROM lists l ORDER BY l.name",
			  SQ_ARGS(SQ_I(now)), "list stats", fn, ud, err);
}

SQ_WALK(import, store_import_fn, struct store_import_info)

static int import_read(struct db_stmt *s, struct store_import_info *in)
{
	sq_columns(s, SQ_COLS(SQ_C(&in->id), SQ_C(&in->list), SQ_C(&in->source), SQ_C(&in->file),
			      SQ_C(&in->format), SQ_C(&in->started), SQ_C(&in->read),
			      SQ_C(&in->accepted), SQ_C(&in->duplicates), SQ_C(&in->rejected),
			      SQ_C(&in->added), SQ_C(&in->removed), SQ_C(&in->unchanged)));
	return 0;
}

int store_each_import(struct store *st, const char *list, int limit, store_import_fn fn, void *ud,
		      struct isp_err *err)
{
	return import_each(
		st,
		"SELECT i.id, l.name, s.name, i.file, i.format, i.started, i.read,"
		" i.accepted, i.duplicates, i.rejected, i.added, i.removed, i.unchanged"
		" FROM imports i JOIN sources s ON s.id = i.source_id"
		" JOIN lists l ON l.id = s.list_id WHERE (CAST(?1 AS TEXT) IS NULL OR l.name = ?1)"
		" ORDER BY i.id DESC LIMIT ?2",
		SQ_ARGS(SQ_OPT(list), SQ_I(limit)), "list imports", fn, ud, err);
}

struct change_walk {
	store_change_fn fn;
	void *ud;
};

static int change_row(void *ud, struct db_stmt *s)
{
	const struct change_walk *w = ud;

	return w->fn(w->ud, db_column_text(s, 0), db_column_text(s, 1));
}

int store_each_change(struct store *st, int64_t import_id, store_change_fn fn, void *ud,
		      struct isp_err *err)
{
	struct change_walk w = { fn, ud };

	return sq_rows(st,
		       "SELECT value, change FROM changes WHERE import_id = ?"
		       " ORDER BY change, value",
		       SQ_ARGS(SQ_I(import_id)), "list changes", change_row, &w, err);
}
