/*
 * store_sqlite.c -- the SQLite back end of store.h.
 *
 * WAL mode, synchronous=NORMAL: readers (the DNS service reading block events later,
 * `lists check`) never block the importer and a crash loses at most the last
 * transaction, never corrupts. Every statement is prepared once per call site and
 * bound; no SQL is built from input.
 *
 * The lists (imports, entries, statistics) are store_lists.c; this file holds the
 * connection, the statement helpers of store_int.h, block events and meta.
 */
#include "core/store/store.h"
#include "core/store/store_blocks.h"
#include "core/store/store_lists.h"
#include "core/base/fsutil.h"
#include "core/base/jsonout.h"
#include "core/store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sq_fail(struct store *st, struct isp_err *err, const char *what)
{
	return isp_err_set(err, ISR_ESTORE, "store %s: %s: %s", st->path, what, db_errmsg(st->db));
}

int sq_exec(struct store *st, const char *sql, struct isp_err *err)
{
	if (db_exec(st->db, sql) != 0)
		return isp_err_set(err, ISR_ESTORE, "store %s: %s", st->path, db_errmsg(st->db));
	return 0;
}

int sq_prepare(struct store *st, const char *sql, struct db_stmt **out, struct isp_err *err)
{
	if (db_prepare(st->db, sql, out) != 0)
		return sq_fail(st, err, "prepare");
	return 0;
}

int sq_kept(struct store *st, enum sq_kept which, const char *sql, struct db_stmt **out,
	    struct isp_err *err)
{
	if (!st->kept[which] && sq_prepare(st, sql, &st->kept[which], err) != 0)
		return ISR_ESTORE;
	*out = st->kept[which];
	return 0;
}

int sq_each_row(struct store *st, struct db_stmt *s, const char *what, db_row_fn fn, void *ud,
		struct isp_err *err)
{
	int fn_rc, rc = db_each_row(s, fn, ud, &fn_rc);

	if (rc == DB_ERROR)
		fn_rc = sq_fail(st, err, what);
	db_finalize(s);
	return fn_rc;
}

void sq_bind_text(struct db_stmt *s, int i, const char *v)
{
	db_bind_text(s, i, v && *v ? v : NULL);
}

void sq_bind_time(struct db_stmt *s, int i, int64_t t)
{
	if (t)
		db_bind_int64(s, i, t);
	else
		db_bind_null(s, i);
}

/* The libpq conninfo of spec when it names a PostgreSQL store, else NULL. */
static const char *pg_conninfo(const char *spec)
{
	if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0)
		return spec;
	if (strncmp(spec, "pg:", 3) == 0)
		return spec + 3;
	return NULL;
}

int store_is_pg(const char *spec)
{
	return pg_conninfo(spec) != NULL;
}

int store_version_json(FILE *out, const char *spec, int have, int want)
{
	return jsonout_dumpf(json_pack("{s:i, s:i, s:s}", "schema", have, "binary", want, "backend",
				       store_is_pg(spec) ? "postgresql" : "sqlite"),
			     out, 0);
}

/* Name a PostgreSQL store in messages without its password. */
static void pg_display(const char *spec, char *out, size_t size)
{
	const char *at = strchr(spec, '@'), *scheme = strstr(spec, "://");

	if (scheme && at && at > scheme)
		snprintf(out, size, "%.*s...%s", (int)(scheme + 3 - spec), spec, at);
	else if (strstr(spec, "password"))
		snprintf(out, size, "pg:(conninfo with password)");
	else
		snprintf(out, size, "%s", spec);
}

/*
 * The store holds personal data: create a missing file with the private mode before
 * SQLite opens it (SQLite would make it 0644 less the umask), so that SQLite gives its
 * -wal and -shm files the same mode and owner; tighten the files an older version made.
 */
static int make_private(const char *path, struct isp_err *err)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	char p[4096 + 16];
	size_t i;
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  (mode_t)fs_private_mode());
	if (fd >= 0) {
		rc = fs_make_private(fd, path, err);
		close(fd);
		if (rc)
			unlink(path);
		return rc;
	}
	if (errno != EEXIST)
		return isp_err_set(err, ISR_ESTORE, "store %s: cannot create: %s", path,
				   strerror(errno));
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, side[i]);
		rc = fs_tighten_private(p, err);
		if (rc)
			return rc;
	}
	return 0;
}

int store_open_ex(const char *spec, int flags, struct store **out, struct isp_err *err)
{
	const char *conninfo = pg_conninfo(spec);
	struct store *st;
	int rc, version = 0;

	*out = NULL;
	if (strncmp(spec, "sqlite:", 7) == 0)
		spec += 7;
	if (!*spec)
		return isp_err_set(err, ISR_EINVAL, "empty store path");
	st = calloc(1, sizeof(*st));
	if (!st)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (conninfo) {
		pg_display(spec, st->path, sizeof(st->path));
		rc = db_open_pg(conninfo, &st->db, err);
		if (rc)
			goto fail;
	} else {
		struct stat sb;

		snprintf(st->path, sizeof(st->path), "%s", spec);
		if ((flags & STORE_OPEN_EXISTING) && stat(spec, &sb) != 0) {
			rc = isp_err_set(
				err, ISR_ENOTFOUND,
				"store %s does not exist (%s): check --store or core.store; "
				"`ispshield store migrate`, an import or a service creates it",
				spec, strerror(errno));
			goto fail;
		}
		rc = fs_mkdir_parents(spec, err);
		if (rc)
			goto fail;
		rc = make_private(spec, err);
		if (rc)
			goto fail;
		rc = db_open_sqlite(spec, &st->db, err);
		if (rc)
			goto fail;
		rc = sq_exec(st,
			     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			     "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;",
			     err);
		if (rc)
			goto fail;
	}
	rc = store_schema_version(st, &version, err);
	if (rc)
		goto fail;
	/* The embedded default stays zero-setup: a new SQLite file gets the whole schema. */
	if (version == 0 && !conninfo) {
		rc = store_schema_migrate(st, NULL, &version, err);
		if (rc)
			goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		rc = isp_err_set(err, ISR_ESTORE,
				 "store %s: schema version %d is newer than this binary's (%d):"
				 " upgrade ispshield",
				 st->path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version < STORE_SCHEMA_VERSION && !(flags & STORE_OPEN_ANY_VERSION)) {
		rc = isp_err_set(err, ISR_ESTORE,
				 "store %s: schema version %d, this binary needs %d:"
				 " run ispshield store migrate",
				 st->path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

int store_open(const char *spec, struct store **out, struct isp_err *err)
{
	return store_open_ex(spec, 0, out, err);
}

void store_close(struct store *st)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < SQ_NKEPT; i++)
		db_finalize(st->kept[i]);
	db_close(st->db);
	free(st);
}

int64_t sq_now(void)
{
	return (int64_t)time(NULL);
}

/* Run a statement with up to three int64 parameters; the rows it changed in *changed. */
int sq_run3(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c, long *changed,
	    struct isp_err *err)
{
	/* Parameters the statement does not have are ignored by both drivers. */
	int rc = sq_run(st, sql, SQ_ARGS(SQ_I(a), SQ_I(b), SQ_I(c)), "update", err);

	if (rc == 0 && changed)
		*changed = (long)db_changes(st->db);
	return rc;
}

int sq_query_int(struct store *st, const char *sql, int64_t a, int64_t *out, struct isp_err *err)
{
	return sq_int(st, sql, SQ_ARGS(SQ_I(a)), "query", out, err);
}

/* Bind a to s. */
static void bind_args(struct db_stmt *s, const struct sq_arg *a)
{
	for (int i = 0; a && a[i].kind; i++) {
		if (a[i].kind == 'i')
			db_bind_int64(s, i + 1, a[i].i);
		else if (a[i].kind == 'm')
			sq_bind_time(s, i + 1, a[i].i);
		else if (a[i].kind == 't')
			db_bind_text(s, i + 1, a[i].t);
		else
			sq_bind_text(s, i + 1, a[i].t);
	}
}

/* Prepare sql into *s and bind a. */
static int prepare_args(struct store *st, const char *sql, const struct sq_arg *a,
			struct db_stmt **s, struct isp_err *err)
{
	int rc = sq_prepare(st, sql, s, err);

	if (rc == 0)
		bind_args(*s, a);
	return rc;
}

/* Step s once: its first column in *out (0 when no row; out may be NULL); 0 or ISR_ESTORE
 * naming what. */
static int step_int(struct store *st, struct db_stmt *s, const char *what, int64_t *out,
		    struct isp_err *err)
{
	int rc = db_step(s);

	if (out)
		*out = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	if (rc != DB_ROW && rc != DB_DONE)
		return sq_fail(st, err, what);
	return 0;
}

int sq_kept_int(struct store *st, enum sq_kept which, const char *sql, const struct sq_arg *a,
		const char *what, int64_t *out, struct isp_err *err)
{
	struct db_stmt *s;
	int rc = sq_kept(st, which, sql, &s, err);

	if (rc)
		return rc;
	bind_args(s, a);
	rc = step_int(st, s, what, out, err);
	db_reset(s);
	return rc;
}

int sq_kept_rows(struct store *st, enum sq_kept which, const char *sql, const struct sq_arg *a,
		 const char *what, db_row_fn fn, void *ud, struct isp_err *err)
{
	struct db_stmt *s;
	int fn_rc, rc = sq_kept(st, which, sql, &s, err);

	if (rc)
		return rc;
	bind_args(s, a);
	rc = db_each_row(s, fn, ud, &fn_rc);
	if (rc == DB_ERROR)
		fn_rc = sq_fail(st, err, what);
	db_reset(s);
	return fn_rc;
}

void sq_columns(struct db_stmt *s, const struct sq_col *cols)
{
	int i;

	for (i = 0; cols[i].kind; i++) {
		switch (cols[i].kind) {
		case 't': *(const char **)cols[i].p = db_column_text(s, i); break;
		case 'l': *(long *)cols[i].p = (long)db_column_int64(s, i); break;
		case 'L': *(long long *)cols[i].p = (long long)db_column_int64(s, i); break;
		case 'n': *(int *)cols[i].p = (int)db_column_int64(s, i); break;
		case 'h':
			*(unsigned short *)cols[i].p = (unsigned short)db_column_int64(s, i);
			break;
		default: break;
		}
	}
}

int sq_rows(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	    db_row_fn fn, void *ud, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc = prepare_args(st, sql, a, &s, err);

	return rc ? rc : sq_each_row(st, s, what, fn, ud, err);
}

int sq_run(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	   struct isp_err *err)
{
	int64_t none;

	return sq_int(st, sql, a, what, &none, err);
}

int sq_change(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	      const char *name, const char *none, struct isp_err *err)
{
	int rc = sq_run(st, sql, a, what, err);

	if (rc == 0 && db_changes(st->db) == 0)
		rc = isp_err_set(err, ISR_ENOTFOUND, "%s %s", name, none);
	return rc;
}

int sq_int(struct store *st, const char *sql, const struct sq_arg *a, const char *what,
	   int64_t *out, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc = prepare_args(st, sql, a, &s, err);

	if (rc)
		return rc;
	rc = step_int(st, s, what, out, err);
	db_finalize(s);
	return rc;
}

/* Rows per INSERT of block events. PostgreSQL: one multi-row INSERT (one round trip) per
 * up to 128 events; 8 parameters each stays far below its limit. SQLite has no round trip
 * to save: one prepared single-row INSERT stepped per event is fastest there. */
#define BLOCK_ROWS_PG 128

/* Prepare the INSERT of m block events into *s. */
static int prepare_blocks(struct store *st, size_t m, struct db_stmt **s, struct isp_err *err)
{
	static const char head[] = "INSERT INTO block_events(time_ms, client, port, qname, qtype,"
				   " list, entry, reason) VALUES";
	static const char row[] = "(?, ?, ?, ?, ?, ?, ?, ?),";
	char sql[sizeof(head) + BLOCK_ROWS_PG * sizeof(row)];
	size_t k, len = sizeof(head) - 1;

	memcpy(sql, head, len);
	for (k = 0; k < m; k++) {
		memcpy(sql + len, row, sizeof(row) - 1);
		len += sizeof(row) - 1;
	}
	sql[len - 1] = '\0'; /* the last comma */
	return sq_prepare(st, sql, s, err);
}

int store_add_block_events(struct store *st, const struct store_block_event *ev, size_t n,
			   struct isp_err *err)
{
	size_t per = sq_pg(st) ? BLOCK_ROWS_PG : 1, i, k, m, prepared = 0;
	struct db_stmt *s = NULL;
	int rc;

	if (n == 0)
		return 0;
	rc = sq_exec(st, SQ_BEGIN(st), err);
	if (rc)
		return rc;
	for (i = 0; i < n; i += m) {
		m = n - i < per ? n - i : per;
		if (m != prepared) { /* the first chunk, or a shorter last one */
			db_finalize(s);
			s = NULL;
			rc = prepare_blocks(st, m, &s, err);
			if (rc)
				goto fail;
			prepared = m;
		}
		for (k = 0; k < m; k++) {
			const struct store_block_event *e = &ev[i + k];
			int p = (int)k * 8;

			db_bind_int64(s, p + 1, e->time_ms);
			db_bind_text(s, p + 2, e->client);
			db_bind_int64(s, p + 3, e->port);
			db_bind_text(s, p + 4, e->qname);
			db_bind_int64(s, p + 5, e->qtype);
			sq_bind_text(s, p + 6, e->list);
			sq_bind_text(s, p + 7, e->entry);
			sq_bind_text(s, p + 8, e->reason);
		}
		if (db_step(s) != DB_DONE) {
			rc = sq_fail(st, err, "add block events");
			goto fail;
		}
		db_reset(s);
	}
	db_finalize(s);
	return sq_exec(st, "COMMIT", err);
fail:
	db_finalize(s);
	sq_exec(st, "ROLLBACK", NULL);
	return rc;
}

int store_count_block_events(struct store *st, int64_t *out, struct isp_err *err)
{
	return sq_query_int(st, "SELECT count(*) FROM block_events", 1, out, err);
}

int store_meta_get(struct store *st, const char *key, char *out, size_t size, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc, r;

	out[0] = '\0';
	rc = sq_prepare(st, "SELECT value FROM meta WHERE key = ?1", &s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, key);
	r = db_step(s);
	if (r == DB_ROW && db_column_text(s, 0))
		snprintf(out, size, "%s", db_column_text(s, 0));
	else if (r == DB_ERROR)
		rc = sq_fail(st, err, "read meta");
	db_finalize(s);
	return rc;
}

int store_meta_set(struct store *st, const char *key, const char *value, struct isp_err *err)
{
	return sq_run(st,
		      "INSERT INTO meta(key, value) VALUES(?1, ?2)"
		      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		      SQ_ARGS(SQ_T(key), SQ_T(value)), "write meta", err);
}
