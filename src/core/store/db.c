/*
 * db.c -- the two drivers of db.h: SQLite (sqlite3 API, statements prepared and stepped
 * as sqlite3 does) and PostgreSQL (libpq).
 *
 * The PostgreSQL driver keeps a statement as its translated SQL plus its bindings; the
 * first db_step after a bind or reset sends it with PQexecParams (one round trip: parse,
 * bind and execute together; the whole result comes back) and later steps walk the rows
 * of that result. Statements of the store run once per call, so preparing them
 * server-side would cost a second round trip for nothing; the hot writes (block events)
 * are batched into multi-row INSERTs by the caller instead.
 */
#include "core/store/db.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_OID_BOOL  16
#define PG_OID_BYTEA 17
#define PG_OID_INT8  20
#define PG_OID_TEXT  25

struct db {
	enum db_kind kind;
	sqlite3 *sq;
	PGconn *pg;
	long changes;
	int txn;      /* PostgreSQL: a transaction was open after the last statement */
	int txn_lost; /* PostgreSQL: the connection broke inside it; only ROLLBACK works */
	char errmsg[512];
};

struct db_stmt {
	struct db *db;
	sqlite3_stmt *sq;
	/* PostgreSQL */
	char *sql;
	int nparams;
	char **vals; /* nparams each: vals, then lens, fmts and types in the same block */
	int *lens, *fmts;
	unsigned *types;
	PGresult *res;
	int row, nrows;	     /* current row (row - 1 after a DB_ROW), rows in res */
	unsigned char *blob; /* the last unescaped bytea column */
	size_t blob_len;
};

static void pg_noticeless(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void set_err(struct db *db, const char *msg)
{
	size_t n;

	snprintf(db->errmsg, sizeof(db->errmsg), "%s", msg ? msg : "unknown error");
	n = strlen(db->errmsg);
	while (n && (db->errmsg[n - 1] == '\n' || db->errmsg[n - 1] == ' '))
		db->errmsg[--n] = '\0';
}

int db_open_sqlite(const char *path, struct db **out, struct isp_err *err)
{
	struct db *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (!db)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	db->kind = DB_SQLITE;
	if (sqlite3_open_v2(path, &db->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		isp_err_set(err, ISR_ESTORE, "store %s: open: %s", path,
			    db->sq ? sqlite3_errmsg(db->sq) : "out of memory");
		db_close(db);
		return ISR_ESTORE;
	}
	sqlite3_busy_timeout(db->sq, 10000);
	*out = db;
	return 0;
}

int db_open_pg(const char *conninfo, struct db **out, struct isp_err *err)
{
	struct db *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (!db)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	db->kind = DB_PG;
	db->pg = PQconnectdb(conninfo);
	if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
		set_err(db, db->pg ? PQerrorMessage(db->pg) : "out of memory");
		isp_err_set(err, ISR_ESTORE, "store: connect to PostgreSQL: %s", db->errmsg);
		db_close(db);
		return ISR_ESTORE;
	}
	/* CREATE ... IF NOT EXISTS and friends send NOTICEs; libpq prints them on stderr. */
	PQsetNoticeProcessor(db->pg, pg_noticeless, NULL);
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->sq)
		sqlite3_close(db->sq);
	if (db->pg)
		PQfinish(db->pg);
	free(db);
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

const char *db_errmsg(const struct db *db)
{
	if (db->kind == DB_SQLITE && !db->errmsg[0])
		return sqlite3_errmsg(db->sq);
	return db->errmsg;
}

/*
 * A connection that broke (server restarted, network) is opened again before the next
 * statement: a node keeps writing once the database is back. If it broke inside a
 * transaction, the server has lost that transaction's earlier statements: every
 * statement then fails until the caller's ROLLBACK, so that nothing of it runs outside
 * the transaction (a half-done ingest committed piecemeal). Returns 0 or DB_ERROR.
 */
static int pg_revive(struct db *db, const char *sql)
{
	int rollback = strncmp(sql, "ROLLBACK", 8) == 0;

	if (PQstatus(db->pg) == CONNECTION_BAD) {
		PQreset(db->pg);
		if (db->txn)
			db->txn_lost = 1;
		db->txn = 0;
	}
	if (db->txn_lost) {
		if (rollback) {
			db->txn_lost = 0;
			return DB_ERROR; /* nothing to roll back on the new connection */
		}
		set_err(db, "connection to PostgreSQL lost inside a transaction");
		return DB_ERROR;
	}
	return 0;
}

static void pg_track(struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->pg);

	db->txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

int db_exec(struct db *db, const char *sql)
{
	db->errmsg[0] = '\0';
	if (db->kind == DB_SQLITE) {
		char *msg = NULL;

		if (sqlite3_exec(db->sq, sql, NULL, NULL, &msg) != SQLITE_OK) {
			set_err(db, msg ? msg : sqlite3_errmsg(db->sq));
			sqlite3_free(msg);
			return DB_ERROR;
		}
		db->changes = sqlite3_changes(db->sq);
		return 0;
	} else {
		PGresult *r;
		ExecStatusType t;
		int rc = 0;

		if (pg_revive(db, sql) != 0)
			return DB_ERROR;
		r = PQexec(db->pg, sql);
		t = PQresultStatus(r);
		pg_track(db);

		if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
			set_err(db, PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
							       : PQerrorMessage(db->pg));
			rc = DB_ERROR;
		} else {
			db->changes = atol(PQcmdTuples(r));
		}
		PQclear(r);
		return rc;
	}
}

int db_pg_placeholders(const char *sql, char *out, size_t outsz)
{
	size_t o = 0;
	int max = 0;
	char quote = 0;

	for (; *sql; sql++) {
		char num[16];
		size_t k;

		if (quote) {
			if (*sql == quote)
				quote = 0;
		} else if (*sql == '\'' || *sql == '"') {
			quote = *sql;
		} else if (*sql == '?') {
			int n = 0;

			while (sql[1] >= '0' && sql[1] <= '9' && n < 100000)
				n = n * 10 + (*++sql - '0');
			if (n == 0)
				n = max + 1;
			if (n > max)
				max = n;
			snprintf(num, sizeof(num), "$%d", n);
			for (k = 0; num[k]; k++) {
				if (o + 1 >= outsz)
					return -1;
				out[o++] = num[k];
			}
			continue;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = *sql;
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return max;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *s;
	size_t cap;
	int n;

	*out = NULL;
	db->errmsg[0] = '\0';
	s = calloc(1, sizeof(*s));
	if (!s) {
		set_err(db, "out of memory");
		return DB_ERROR;
	}
	s->db = db;
	if (db->kind == DB_SQLITE) {
		if (sqlite3_prepare_v2(db->sq, sql, -1, &s->sq, NULL) != SQLITE_OK) {
			free(s);
			return DB_ERROR;
		}
		*out = s;
		return 0;
	}
	/* "$12345" is at most 6 bytes for each 1-byte `?`, plus digits that shrink. */
	cap = strlen(sql) * 6 + 1;
	s->sql = malloc(cap);
	if (!s->sql)
		goto nomem;
	n = db_pg_placeholders(sql, s->sql, cap);
	if (n < 0) {
		set_err(db, "statement too long");
		db_finalize(s);
		return DB_ERROR;
	}
	s->nparams = n;
	if (n) {
		/* the four arrays PQexecParams takes, in one block (vals owns it) */
		s->vals = calloc((size_t)n, sizeof(*s->vals) + sizeof(*s->lens) + sizeof(*s->fmts) +
						    sizeof(*s->types));
		if (!s->vals)
			goto nomem;
		s->lens = (int *)(s->vals + n);
		s->fmts = s->lens + n;
		s->types = (unsigned *)(s->fmts + n);
	}
	*out = s;
	return 0;
nomem:
	set_err(db, "out of memory");
	db_finalize(s);
	return DB_ERROR;
}

static void pg_clear_result(struct db_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	PQfreemem(s->blob);
	s->blob = NULL;
}

/* Set parameter i (1-based) of a PostgreSQL statement to a copy of p..p+n. */
static void pg_bind(struct db_stmt *s, int i, const void *p, size_t n, int binary, unsigned type)
{
	char *v = NULL;

	if (i < 1 || i > s->nparams)
		return;
	pg_clear_result(s);
	free(s->vals[i - 1]);
	s->vals[i - 1] = NULL;
	s->types[i - 1] = 0;
	s->fmts[i - 1] = 0;
	s->lens[i - 1] = 0;
	if (!p)
		return;
	v = malloc(n + 1);
	if (!v)
		return; /* sent as NULL; the statement then fails on a NOT NULL column */
	memcpy(v, p, n);
	v[n] = '\0';
	s->vals[i - 1] = v;
	s->lens[i - 1] = (int)n;
	s->fmts[i - 1] = binary;
	s->types[i - 1] = type;
}

void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	char buf[24];
	int n;

	if (s->sq) {
		sqlite3_bind_int64(s->sq, i, v);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	pg_bind(s, i, buf, (size_t)n, 0, PG_OID_INT8);
}

void db_bind_text(struct db_stmt *s, int i, const char *v)
{
	if (s->sq) {
		if (v)
			sqlite3_bind_text(s->sq, i, v, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s->sq, i);
		return;
	}
	pg_bind(s, i, v, v ? strlen(v) : 0, 0, PG_OID_TEXT);
}

void db_bind_text_ref(struct db_stmt *s, int i, const char *v)
{
	if (s->sq && v)
		sqlite3_bind_text(s->sq, i, v, -1, SQLITE_STATIC);
	else
		db_bind_text(s, i, v);
}

void db_clear_bindings(struct db_stmt *s)
{
	int i;

	if (s->sq) {
		sqlite3_clear_bindings(s->sq);
		return;
	}
	for (i = 1; i <= s->nparams; i++)
		pg_bind(s, i, NULL, 0, 0, 0);
}

void db_bind_blob(struct db_stmt *s, int i, const void *p, size_t n)
{
	if (s->sq) {
		sqlite3_bind_blob64(s->sq, i, p ? p : "", n, SQLITE_TRANSIENT);
		return;
	}
	pg_bind(s, i, p ? p : "", n, 1, PG_OID_BYTEA);
}

void db_bind_null(struct db_stmt *s, int i)
{
	if (s->sq) {
		sqlite3_bind_null(s->sq, i);
		return;
	}
	pg_bind(s, i, NULL, 0, 0, 0);
}

int db_step(struct db_stmt *s)
{
	struct db *db = s->db;
	ExecStatusType t;

	if (s->sq) {
		int rc = sqlite3_step(s->sq);

		if (rc == SQLITE_ROW)
			return DB_ROW;
		if (rc == SQLITE_DONE) {
			db->changes = sqlite3_changes(db->sq);
			return DB_DONE;
		}
		db->errmsg[0] = '\0';
		return DB_ERROR;
	}
	if (!s->res) {
		db->errmsg[0] = '\0';
		if (pg_revive(db, s->sql) != 0)
			return DB_ERROR;
		s->res = PQexecParams(db->pg, s->sql, s->nparams, s->types,
				      (const char *const *)s->vals, s->lens, s->fmts, 0);
		t = PQresultStatus(s->res);
		pg_track(db);
		if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
			set_err(db, s->res && PQresultErrorMessage(s->res)[0]
					    ? PQresultErrorMessage(s->res)
					    : PQerrorMessage(db->pg));
			pg_clear_result(s);
			return DB_ERROR;
		}
		db->changes = atol(PQcmdTuples(s->res));
		s->nrows = t == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
		s->row = 0;
	}
	PQfreemem(s->blob);
	s->blob = NULL;
	if (s->row < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	return DB_DONE;
}

/* The current row's value of column i, or NULL (SQL NULL, no row, no such column). */
static const char *pg_value(struct db_stmt *s, int i)
{
	if (!s->res || s->row < 1 || i < 0 || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row - 1, i))
		return NULL;
	return PQgetvalue(s->res, s->row - 1, i);
}

int64_t db_column_int64(struct db_stmt *s, int i)
{
	const char *v;

	if (s->sq)
		return sqlite3_column_int64(s->sq, i);
	v = pg_value(s, i);
	if (!v)
		return 0;
	if (PQftype(s->res, i) == PG_OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

const char *db_column_text(struct db_stmt *s, int i)
{
	if (s->sq)
		return (const char *)sqlite3_column_text(s->sq, i);
	return pg_value(s, i);
}

const void *db_column_blob(struct db_stmt *s, int i)
{
	const char *v;

	if (s->sq)
		return sqlite3_column_blob(s->sq, i);
	v = pg_value(s, i);
	if (!v)
		return NULL;
	if (PQftype(s->res, i) != PG_OID_BYTEA) {
		s->blob_len = strlen(v);
		return v;
	}
	PQfreemem(s->blob);
	s->blob = PQunescapeBytea((const unsigned char *)v, &s->blob_len);
	return s->blob;
}

size_t db_column_bytes(struct db_stmt *s, int i)
{
	if (s->sq)
		return (size_t)sqlite3_column_bytes(s->sq, i);
	/* After db_column_blob of the same column, as with sqlite3. */
	return pg_value(s, i) ? s->blob_len : 0;
}

void db_reset(struct db_stmt *s)
{
	if (s->sq)
		sqlite3_reset(s->sq);
	else
		pg_clear_result(s);
}

int db_each_row(struct db_stmt *s, db_row_fn fn, void *ud, int *fn_rc)
{
	int rc;

	*fn_rc = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		*fn_rc = fn(ud, s);
		if (*fn_rc)
			return DB_DONE;
	}
	return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

void db_finalize(struct db_stmt *s)
{
	int i;

	if (!s)
		return;
	if (s->sq)
		sqlite3_finalize(s->sq);
	pg_clear_result(s);
	for (i = 0; s->vals && i < s->nparams; i++)
		free(s->vals[i]);
	free(s->vals); /* and lens, fmts, types */
	free(s->sql);
	free(s);
}

long db_changes(const struct db *db)
{
	return db->changes;
}

int db_in_transaction(const struct db *db)
{
	if (db->kind == DB_SQLITE)
		return !sqlite3_get_autocommit(db->sq);
	return db->txn_lost || PQtransactionStatus(db->pg) != PQTRANS_IDLE;
}
