/*
 * store_sqlite.c -- the SQLite back end of store.h.
 *
 * WAL mode, synchronous=NORMAL: readers (the DNS service reading block events later,
 * `lists check`) never block the importer and a crash loses at most the last
 * transaction, never corrupts. Every statement is prepared once per call site and
 * bound; no SQL is built from input.
 *
 * Import strategy: values of one import go into a temporary table keyed by value
 * (duplicates within the file are merged there and counted). Commit then computes the
 * change against the source's current entries with set operations in SQL (added =
 * staging - current, removed = current - staging), records the changed values, deletes
 * the removed, and upserts the rest, all in the one transaction begun at import start.
 * The first import of a source records only counts (every value is "added"; listing 10 M
 * of them again in a change table would double the store for nothing).
 */
#include "core/store.h"
#include "core/fsutil.h"
#include "core/store_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct store_import {
	struct store *st;
	int64_t list_id;
	int64_t source_id;
	int64_t started;
	int had_entries; /* the source had entries before this import */
	long accepted, duplicates;
	sqlite3_stmt *ins;   /* INSERT OR IGNORE INTO staging */
	sqlite3_stmt *merge; /* UPDATE staging for a duplicate */
	char file[1024];
};

static const char *schema_sql =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS lists("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sources("
	"  id INTEGER PRIMARY KEY, list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  name TEXT NOT NULL, last_import INTEGER, UNIQUE(list_id, name));"
	"CREATE TABLE IF NOT EXISTS entries("
	"  source_id INTEGER NOT NULL, value TEXT NOT NULL, action INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires INTEGER,"
	"  category TEXT, reference TEXT, PRIMARY KEY(source_id, value)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS imports("
	"  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  started INTEGER NOT NULL, file TEXT, format TEXT, read INTEGER, accepted INTEGER,"
	"  duplicates INTEGER, rejected INTEGER, added INTEGER, removed INTEGER,"
	"  unchanged INTEGER);"
	"CREATE TABLE IF NOT EXISTS changes("
	"  import_id INTEGER NOT NULL REFERENCES imports(id), value TEXT NOT NULL,"
	"  change TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS changes_import ON changes(import_id);"
	"CREATE TABLE IF NOT EXISTS block_events("
	"  time_ms INTEGER NOT NULL, client TEXT NOT NULL, port INTEGER, qname TEXT NOT NULL,"
	"  qtype INTEGER, list TEXT, entry TEXT, reason TEXT);"
	"CREATE INDEX IF NOT EXISTS block_events_time ON block_events(time_ms);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');";

int sq_fail(struct store *st, struct isp_err *err, const char *what)
{
	return isp_err_set(err, ISR_ESTORE, "store %s: %s: %s", st->path, what,
			   sqlite3_errmsg(st->db));
}

int sq_exec(struct store *st, const char *sql, struct isp_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		isp_err_set(err, ISR_ESTORE, "store %s: %s", st->path,
			    msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return ISR_ESTORE;
	}
	return 0;
}

int sq_prepare(struct store *st, const char *sql, sqlite3_stmt **out, struct isp_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
		return sq_fail(st, err, "prepare");
	return 0;
}

void sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void sq_bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t)
		sqlite3_bind_int64(s, i, t);
	else
		sqlite3_bind_null(s, i);
}

int store_open(const char *spec, struct store **out, struct isp_err *err)
{
	struct store *st;
	int rc;

	*out = NULL;
	if (strncmp(spec, "sqlite:", 7) == 0)
		spec += 7;
	if (strncmp(spec, "postgres", 8) == 0)
		return isp_err_set(err, ISR_EINVAL,
				   "PostgreSQL store is not built yet; use a SQLite file path");
	if (!*spec)
		return isp_err_set(err, ISR_EINVAL, "empty store path");
	rc = fs_mkdir_parents(spec, err);
	if (rc)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	snprintf(st->path, sizeof(st->path), "%s", spec);
	if (sqlite3_open_v2(spec, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = sq_fail(st, err, "open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	rc = sq_exec(st,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;",
		     err);
	if (rc)
		goto fail;
	rc = sq_exec(st, schema_sql, err);
	if (rc == 0)
		rc = sq_exec(st, sq_notify_schema, err);
	if (rc == 0)
		rc = sq_exec(st, sq_authwatch_schema, err);
	if (rc)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->ev_ins);
	sqlite3_finalize(st->ev_decide);
	sqlite3_close(st->db);
	free(st);
}

int64_t sq_now(void)
{
	return (int64_t)time(NULL);
}

int store_list_get(struct store *st, const char *name, enum list_kind kind, int create,
		   struct store_list *out, struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (!*name || strlen(name) >= sizeof(out->name))
		return isp_err_set(err, ISR_EINVAL, "list name must be 1..%zu characters",
				   sizeof(out->name) - 1);
	rc = sq_prepare(st, "SELECT id, kind FROM lists WHERE name = ?", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		enum list_kind k = list_kind_parse((const char *)sqlite3_column_text(s, 1));

		out->id = sqlite3_column_int64(s, 0);
		out->kind = k;
		snprintf(out->name, sizeof(out->name), "%s", name);
		sqlite3_finalize(s);
		if (kind != LIST_KIND_NONE && kind != k)
			return isp_err_set(err, ISR_EEXIST, "list '%s' exists with kind %s, not %s",
					   name, list_kind_name(k), list_kind_name(kind));
		return 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_fail(st, err, "find list");
	if (!create)
		return isp_err_set(err, ISR_ENOTFOUND, "no list named '%s'", name);
	if (kind == LIST_KIND_NONE)
		return isp_err_set(
			err, ISR_EINVAL,
			"list '%s' does not exist; give --kind domain|url|ip to create it", name);
	rc = sq_prepare(st, "INSERT INTO lists(name, kind, created) VALUES(?, ?, ?)", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, list_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, sq_now());
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_fail(st, err, "create list");
	out->id = sqlite3_last_insert_rowid(st->db);
	out->kind = kind;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

/* Run a statement with up to three int64 parameters; store sqlite3_changes in *changed. */
int sq_run3(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c, long *changed,
	    struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, n;

	rc = sq_prepare(st, sql, &s, err);
	if (rc)
		return rc;
	n = sqlite3_bind_parameter_count(s);
	if (n >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (n >= 2)
		sqlite3_bind_int64(s, 2, b);
	if (n >= 3)
		sqlite3_bind_int64(s, 3, c);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_fail(st, err, "update");
	if (changed)
		*changed = (long)sqlite3_changes(st->db);
	return 0;
}

int sq_query_int(struct store *st, const char *sql, int64_t a, int64_t *out, struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st, sql, &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, a);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(st, err, "query");
	return 0;
}

int store_import_begin(struct store *st, const struct store_list *l, const char *source,
		       const char *file, struct store_import **out, struct isp_err *err)
{
	struct store_import *imp;
	sqlite3_stmt *s = NULL;
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
	rc = sq_exec(st, "PRAGMA cache_size=-262144;", err);
	if (rc == 0)
		rc = store_begin(st, err);
	if (rc)
		goto fail_nobegin;
	rc = sq_prepare(st,
			"INSERT INTO sources(list_id, name) VALUES(?, ?) "
			"ON CONFLICT(list_id, name) DO NOTHING",
			&s, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(s, 1, l->id);
	sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = sq_fail(st, err, "add source");
		goto fail;
	}
	rc = sq_prepare(st, "SELECT id FROM sources WHERE list_id = ? AND name = ?", &s, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(s, 1, l->id);
	sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		rc = sq_fail(st, err, "find source");
		goto fail;
	}
	imp->source_id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	rc = sq_query_int(st, "SELECT EXISTS(SELECT 1 FROM entries WHERE source_id = ?)",
			  imp->source_id, &n, err);
	if (rc)
		goto fail;
	imp->had_entries = n != 0;
	rc = sq_exec(st,
		     "DROP TABLE IF EXISTS temp.staging;"
		     "CREATE TEMP TABLE staging(value TEXT PRIMARY KEY, action INTEGER NOT NULL,"
		     " first_seen INTEGER, last_seen INTEGER, expires INTEGER, category TEXT,"
		     " reference TEXT) WITHOUT ROWID;",
		     err);
	if (rc)
		goto fail;
	rc = sq_prepare(st, "INSERT OR IGNORE INTO staging VALUES(?, ?, ?, ?, ?, ?, ?)", &imp->ins,
			err);
	if (rc)
		goto fail;
	rc = sq_prepare(st,
			"UPDATE staging SET action = ?2,"
			" first_seen = CASE WHEN first_seen IS NULL OR ?3 < first_seen"
			"   THEN coalesce(?3, first_seen) ELSE first_seen END,"
			" last_seen = max(coalesce(last_seen, ?4), coalesce(?4, last_seen)),"
			" expires = coalesce(?5, expires), category = coalesce(?6, category),"
			" reference = coalesce(?7, reference) WHERE value = ?1",
			&imp->merge, err);
	if (rc)
		goto fail;
	*out = imp;
	return 0;
fail:
	sqlite3_finalize(imp->ins);
	sqlite3_finalize(imp->merge);
	store_rollback(st);
fail_nobegin:
	free(imp);
	return rc;
}

static void bind_entry(sqlite3_stmt *s, const struct store_entry *e)
{
	sqlite3_bind_text(s, 1, e->value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, (int)e->action);
	sq_bind_time(s, 3, e->first_seen);
	sq_bind_time(s, 4, e->last_seen);
	sq_bind_time(s, 5, e->expires);
	sq_bind_text(s, 6, e->category);
	sq_bind_text(s, 7, e->reference);
}

int store_import_add(struct store_import *imp, const struct store_entry *e, int *dup,
		     struct isp_err *err)
{
	sqlite3_stmt *s = imp->ins;

	*dup = 0;
	bind_entry(s, e);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return sq_fail(imp->st, err, "stage entry");
	}
	sqlite3_reset(s);
	if (sqlite3_changes(imp->st->db) == 1) {
		imp->accepted++;
		return 0;
	}
	*dup = 1;
	imp->duplicates++;
	s = imp->merge;
	bind_entry(s, e);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return sq_fail(imp->st, err, "merge duplicate");
	}
	sqlite3_reset(s);
	return 0;
}

static void import_free(struct store_import *imp)
{
	sqlite3_finalize(imp->ins);
	sqlite3_finalize(imp->merge);
	sq_exec(imp->st, "DROP TABLE IF EXISTS temp.staging; PRAGMA cache_size=-8192;", NULL);
	free(imp);
}

void store_import_abort(struct store_import *imp)
{
	if (!imp)
		return;
	store_rollback(imp->st);
	import_free(imp);
}

int store_import_commit(struct store_import *imp, const char *format, long read, long rejected,
			struct store_import_result *res, struct isp_err *err)
{
	struct store *st = imp->st;
	sqlite3_stmt *s = NULL;
	int64_t sid = imp->source_id, t = imp->started, iid;
	long removed = 0, upserted = 0, added;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = sq_prepare(st,
			"INSERT INTO imports(source_id, started, file, format, read, accepted,"
			" duplicates, rejected) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
			&s, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(s, 1, sid);
	sqlite3_bind_int64(s, 2, t);
	sqlite3_bind_text(s, 3, imp->file, -1, SQLITE_STATIC);
	sq_bind_text(s, 4, format);
	sqlite3_bind_int64(s, 5, read);
	sqlite3_bind_int64(s, 6, imp->accepted);
	sqlite3_bind_int64(s, 7, imp->duplicates);
	sqlite3_bind_int64(s, 8, rejected);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = sq_fail(st, err, "record import");
		goto fail;
	}
	iid = sqlite3_last_insert_rowid(st->db);

	if (imp->had_entries) {
		rc = sq_run3(
			st,
			"INSERT INTO changes(import_id, value, change)"
			" SELECT ?1, value, 'added' FROM staging s WHERE NOT EXISTS"
			" (SELECT 1 FROM entries e WHERE e.source_id = ?2 AND e.value = s.value)",
			iid, sid, 0, NULL, err);
		if (rc)
			goto fail;
		rc = sq_run3(st,
			     "INSERT INTO changes(import_id, value, change)"
			     " SELECT ?1, value, 'removed' FROM entries e WHERE e.source_id = ?2"
			     " AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.value = e.value)",
			     iid, sid, 0, NULL, err);
		if (rc)
			goto fail;
		rc = sq_run3(st,
			     "DELETE FROM entries WHERE source_id = ?1 AND NOT EXISTS"
			     " (SELECT 1 FROM staging s WHERE s.value = entries.value)",
			     sid, 0, 0, &removed, err);
		if (rc)
			goto fail;
	}
	rc = sq_run3(st,
		     "INSERT INTO entries(source_id, value, action, first_seen, last_seen,"
		     " expires, category, reference)"
		     " SELECT ?1, value, action, coalesce(first_seen, ?2), coalesce(last_seen, ?2),"
		     " expires, category, reference FROM staging WHERE true"
		     " ON CONFLICT(source_id, value) DO UPDATE SET action = excluded.action,"
		     " first_seen = min(first_seen, excluded.first_seen),"
		     " last_seen = max(last_seen, excluded.last_seen),"
		     " expires = excluded.expires, category = excluded.category,"
		     " reference = excluded.reference",
		     sid, t, 0, &upserted, err);
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
	rc = sq_prepare(st, "UPDATE imports SET added = ?, removed = ?, unchanged = ? WHERE id = ?",
			&s, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(s, 1, res->added);
	sqlite3_bind_int64(s, 2, res->removed);
	sqlite3_bind_int64(s, 3, res->unchanged);
	sqlite3_bind_int64(s, 4, iid);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = sq_fail(st, err, "record import counts");
		goto fail;
	}
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
 * first_seen, last_seen, expires, category, reference, source. */
static void row_entry(sqlite3_stmt *s, struct store_list *l, struct store_entry *e)
{
	l->id = sqlite3_column_int64(s, 0);
	snprintf(l->name, sizeof(l->name), "%s", (const char *)sqlite3_column_text(s, 1));
	l->kind = list_kind_parse((const char *)sqlite3_column_text(s, 2));
	e->value = (const char *)sqlite3_column_text(s, 3);
	e->action = (enum list_action)sqlite3_column_int(s, 4);
	e->first_seen = sqlite3_column_int64(s, 5);
	e->last_seen = sqlite3_column_int64(s, 6);
	e->expires = sqlite3_column_int64(s, 7);
	e->category = (const char *)sqlite3_column_text(s, 8);
	e->reference = (const char *)sqlite3_column_text(s, 9);
	e->source = (const char *)sqlite3_column_text(s, 10);
}

#define ENTRY_COLS                                                                                 \
	"l.id, l.name, l.kind, e.value, e.action, e.first_seen, e.last_seen,"                      \
	" e.expires, e.category, e.reference, s.name"

static int each_row(struct store *st, sqlite3_stmt *s, store_entry_fn fn, void *ud,
		    struct isp_err *err)
{
	struct store_list l;
	struct store_entry e;
	int rc;

	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = sq_fail(st, err, "read entries");
			goto out;
		}
		row_entry(s, &l, &e);
		rc = fn(ud, &l, &e);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
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
		" WHERE (?1 IS NULL OR l.name = ?1) AND (e.expires IS NULL OR e.expires > ?2)";
	static const char *distinct_sql =
		"SELECT * FROM (SELECT " ENTRY_COLS ", row_number() OVER"
		" (PARTITION BY l.id, e.value ORDER BY e.action DESC, e.first_seen, s.id) AS rn"
		" FROM entries e JOIN sources s ON s.id = e.source_id"
		" JOIN lists l ON l.id = s.list_id"
		" WHERE (?1 IS NULL OR l.name = ?1) AND (e.expires IS NULL OR e.expires > ?2))"
		" WHERE rn = 1 ORDER BY 1, 4";
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st, distinct ? distinct_sql : all_sql, &s, err);
	if (rc)
		return rc;
	sq_bind_text(s, 1, list);
	sqlite3_bind_int64(s, 2, now);
	return each_row(st, s, fn, ud, err);
}

int store_entry_sources(struct store *st, const struct store_list *l, const char *value,
			store_entry_fn fn, void *ud, struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st,
			"SELECT " ENTRY_COLS " FROM sources s JOIN lists l ON l.id = s.list_id"
			" JOIN entries e ON e.source_id = s.id AND e.value = ?2"
			" WHERE l.id = ?1 ORDER BY s.id",
			&s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, l->id);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return each_row(st, s, fn, ud, err);
}

int store_each_list(struct store *st, int64_t now, store_stats_fn fn, void *ud, struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	struct store_list_stats ls;
	int rc;

	rc = sq_prepare(st,
			"SELECT l.id, l.name, l.kind,"
			" (SELECT count(*) FROM entries e JOIN sources s ON s.id = e.source_id"
			"   WHERE s.list_id = l.id),"
			" (SELECT count(DISTINCT e.value) FROM entries e JOIN sources s"
			"   ON s.id = e.source_id WHERE s.list_id = l.id"
			"   AND (e.expires IS NULL OR e.expires > ?1)),"
			" (SELECT count(*) FROM entries e JOIN sources s ON s.id = e.source_id"
			"   WHERE s.list_id = l.id AND e.expires <= ?1),"
			" (SELECT count(*) FROM sources s WHERE s.list_id = l.id),"
			" (SELECT max(last_import) FROM sources s WHERE s.list_id = l.id)"
			" FROM lists l ORDER BY l.name",
			&s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = sq_fail(st, err, "list stats");
			goto out;
		}
		memset(&ls, 0, sizeof(ls));
		ls.list.id = sqlite3_column_int64(s, 0);
		snprintf(ls.list.name, sizeof(ls.list.name), "%s",
			 (const char *)sqlite3_column_text(s, 1));
		ls.list.kind = list_kind_parse((const char *)sqlite3_column_text(s, 2));
		ls.entries = sqlite3_column_int64(s, 3);
		ls.distinct = sqlite3_column_int64(s, 4);
		ls.expired = sqlite3_column_int64(s, 5);
		ls.sources = sqlite3_column_int64(s, 6);
		ls.last_import = sqlite3_column_int64(s, 7);
		rc = fn(ud, &ls);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_each_import(struct store *st, const char *list, int limit, store_import_fn fn, void *ud,
		      struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	struct store_import_info in;
	int rc;

	rc = sq_prepare(st,
			"SELECT i.id, l.name, s.name, i.file, i.format, i.started, i.read,"
			" i.accepted, i.duplicates, i.rejected, i.added, i.removed, i.unchanged"
			" FROM imports i JOIN sources s ON s.id = i.source_id"
			" JOIN lists l ON l.id = s.list_id WHERE (?1 IS NULL OR l.name = ?1)"
			" ORDER BY i.id DESC LIMIT ?2",
			&s, err);
	if (rc)
		return rc;
	sq_bind_text(s, 1, list);
	sqlite3_bind_int(s, 2, limit);
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = sq_fail(st, err, "list imports");
			goto out;
		}
		in.id = sqlite3_column_int64(s, 0);
		in.list = (const char *)sqlite3_column_text(s, 1);
		in.source = (const char *)sqlite3_column_text(s, 2);
		in.file = (const char *)sqlite3_column_text(s, 3);
		in.format = (const char *)sqlite3_column_text(s, 4);
		in.started = sqlite3_column_int64(s, 5);
		in.read = sqlite3_column_int64(s, 6);
		in.accepted = sqlite3_column_int64(s, 7);
		in.duplicates = sqlite3_column_int64(s, 8);
		in.rejected = sqlite3_column_int64(s, 9);
		in.added = sqlite3_column_int64(s, 10);
		in.removed = sqlite3_column_int64(s, 11);
		in.unchanged = sqlite3_column_int64(s, 12);
		rc = fn(ud, &in);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_each_change(struct store *st, int64_t import_id, store_change_fn fn, void *ud,
		      struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st,
			"SELECT value, change FROM changes WHERE import_id = ?"
			" ORDER BY change, value",
			&s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, import_id);
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = sq_fail(st, err, "list changes");
			goto out;
		}
		rc = fn(ud, (const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1));
		if (rc)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_add_block_events(struct store *st, const struct store_block_event *ev, size_t n,
			   struct isp_err *err)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	rc = sq_exec(st, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	rc = sq_prepare(st, "INSERT INTO block_events VALUES(?, ?, ?, ?, ?, ?, ?, ?)", &s, err);
	if (rc)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, ev[i].time_ms);
		sqlite3_bind_text(s, 2, ev[i].client, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, ev[i].port);
		sqlite3_bind_text(s, 4, ev[i].qname, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 5, ev[i].qtype);
		sq_bind_text(s, 6, ev[i].list);
		sq_bind_text(s, 7, ev[i].entry);
		sq_bind_text(s, 8, ev[i].reason);
		if (sqlite3_step(s) != SQLITE_DONE) {
			rc = sq_fail(st, err, "add block event");
			goto fail;
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return sq_exec(st, "COMMIT", err);
fail:
	sqlite3_finalize(s);
	sq_exec(st, "ROLLBACK", NULL);
	return rc;
}

int store_count_block_events(struct store *st, int64_t *out, struct isp_err *err)
{
	return sq_query_int(st, "SELECT count(*) FROM block_events WHERE ?1 IS NOT NULL", 1, out,
			    err);
}
