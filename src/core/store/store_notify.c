/*
 * store_notify.c -- the notification half of store.h (SQLite and PostgreSQL, db.h):
 * subscribers, batches of events, notices, and the relay's books.
 *
 * Exactly-once notices rest on two rules kept here. A notice is inserted with a unique
 * idempotency key in the same transaction that marks its events EV_NOTIFIED, so a crash
 * leaves either both or neither. Delivery state changes are committed one by one
 * (pending -> sending -> sent), so a restarted notifier knows which notices may have
 * reached the server (sending) and which certainly did not (pending).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/binwrite.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"
#include "core/store/store_relay.h"
#include "core/store/store_int.h"

/* ---- transactions ---- */

/* Transactions nest: an inner begin/commit pair is part of the outer transaction, and a
 * rollback at any depth rolls back the whole of it. */
int store_begin(struct store *st, struct isp_err *err)
{
	int rc = st->depth ? 0 : sq_exec(st, SQ_BEGIN(st), err);

	if (rc == 0)
		st->depth++;
	return rc;
}

int store_commit(struct store *st, struct isp_err *err)
{
	if (st->depth == 0)
		return isp_err_set(err, ISR_EINVAL, "commit without a transaction");
	if (--st->depth)
		return 0;
	return sq_exec(st, "COMMIT", err);
}

void store_rollback(struct store *st)
{
	st->depth = 0;
	if (db_in_transaction(st->db))
		sq_exec(st, "ROLLBACK", NULL);
}

/* Run a prepared statement that returns no rows, then finalize it. */
static int step_done(struct store *st, struct db_stmt *s, const char *what, struct isp_err *err)
{
	int rc = db_step(s);

	db_finalize(s);
	if (rc != DB_DONE && rc != DB_ROW)
		return sq_fail(st, err, what);
	return 0;
}

static const char *col_text(struct db_stmt *s, int i)
{
	return db_column_text(s, i);
}

static void copy_col(char *dst, size_t size, struct db_stmt *s, int i)
{
	const char *v = col_text(s, i);

	snprintf(dst, size, "%s", v ? v : "");
}

/* ---- subscribers ---- */

/* Append one change to subscriber_log. */
static int log_change(struct store *st, const char *id, int64_t t, const char *change,
		      const char *via, struct isp_err *err)
{
	return sq_run(
		st, "INSERT INTO subscriber_log(subscriber, time, change, via) VALUES(?, ?, ?, ?)",
		SQ_ARGS(SQ_T(id), SQ_I(t), SQ_T(change), SQ_T(via)), "subscriber log", err);
}

/*
 * Log what an import changes of consent and opt-outs, before the row is written: one
 * statement compares the stored values (none for a new subscriber) with the new ones
 * (0 = none). A new value is logged at its own time (when the subscriber consented or
 * opted out), a withdrawn one at the import's.
 */
static int log_import(struct store *st, const struct store_subscriber *sub, int64_t t,
		      struct isp_err *err)
{
	struct db_stmt *s;

	/* kept prepared: an import runs it for every row */
	if (sq_kept(st, SQ_SUB_LOG,
		    "WITH v(k, val, set_name, clear_name) AS (VALUES"
		    " (1, ?2, 'consent', 'consent withdrawn'),"
		    " (2, ?3, 'opt-out filtering', 'opt-in filtering'),"
		    " (3, ?4, 'opt-out notices', 'opt-in notices'))"
		    " INSERT INTO subscriber_log(subscriber, time, change, via)"
		    " SELECT ?1, CASE WHEN v.val <> 0 THEN v.val ELSE ?5 END,"
		    " CASE WHEN v.val <> 0 THEN v.set_name ELSE v.clear_name END, 'import'"
		    " FROM v LEFT JOIN subscribers s ON s.id = ?1"
		    " WHERE coalesce(CASE v.k WHEN 1 THEN s.consent WHEN 2 THEN"
		    " s.opt_out_filtering ELSE s.opt_out_notices END, 0) <> v.val ORDER BY v.k",
		    &s, err) != 0)
		return ISR_ESTORE;
	db_bind_text(s, 1, sub->id);
	db_bind_int64(s, 2, sub->consent);
	db_bind_int64(s, 3, sub->opt_out_filtering);
	db_bind_int64(s, 4, sub->opt_out_notices);
	db_bind_int64(s, 5, t);
	if (db_step(s) != DB_DONE) {
		db_reset(s);
		return sq_fail(st, err, "subscriber log");
	}
	db_reset(s);
	return 0;
}

int store_subscriber_put(struct store *st, const struct store_subscriber *sub, struct isp_err *err)
{
	int64_t t = sq_now();
	int rc;

	rc = store_begin(st, err);
	if (rc)
		return rc;
	rc = log_import(st, sub, t, err);
	if (rc)
		goto fail;
	rc = sq_run(st,
		    "INSERT INTO subscribers(id, email, language, consent, opt_out_filtering,"
		    " opt_out_notices, updated, profile) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		    " ON CONFLICT(id) DO UPDATE SET email = ?2, language = ?3, consent = ?4,"
		    " opt_out_filtering = ?5, opt_out_notices = ?6, updated = ?7, profile = ?8",
		    SQ_ARGS(SQ_T(sub->id), SQ_OPT(sub->email),
			    SQ_T(sub->language[0] ? sub->language : "ja"), SQ_TIME(sub->consent),
			    SQ_TIME(sub->opt_out_filtering), SQ_TIME(sub->opt_out_notices), SQ_I(t),
			    SQ_OPT(sub->profile)),
		    "put subscriber", err);
	if (rc == 0)
		return store_commit(st, err);
fail:
	store_rollback(st);
	return rc;
}

static void row_subscriber(struct db_stmt *s, struct store_subscriber *out)
{
	memset(out, 0, sizeof(*out));
	copy_col(out->id, sizeof(out->id), s, 0);
	copy_col(out->email, sizeof(out->email), s, 1);
	copy_col(out->language, sizeof(out->language), s, 2);
	out->consent = db_column_int64(s, 3);
	out->opt_out_filtering = db_column_int64(s, 4);
	out->opt_out_notices = db_column_int64(s, 5);
	copy_col(out->profile, sizeof(out->profile), s, 6);
}

#define SUBSCRIBER_COLS "id, email, language, consent, opt_out_filtering, opt_out_notices, profile"

int store_subscriber_get(struct store *st, const char *id, struct store_subscriber *out,
			 struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st, "SELECT " SUBSCRIBER_COLS " FROM subscribers WHERE id = ?", &s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		row_subscriber(s, out);
	db_finalize(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return isp_err_set(err, ISR_ENOTFOUND, "no subscriber '%s'", id);
	return sq_fail(st, err, "get subscriber");
}

int store_subscriber_opt(struct store *st, const char *id, const char *scope, int out, int64_t t,
			 struct isp_err *err)
{
	static const char *const sql[2][2] = {
		/* [filtering][out] */
		{ "UPDATE subscribers SET opt_out_notices = NULL, updated = ?2 WHERE id = ?1",
		  "UPDATE subscribers SET opt_out_notices = coalesce(opt_out_notices, ?2),"
		  " updated = ?2 WHERE id = ?1" },
		{ "UPDATE subscribers SET opt_out_filtering = NULL, updated = ?2 WHERE id = ?1",
		  "UPDATE subscribers SET opt_out_filtering = coalesce(opt_out_filtering, ?2),"
		  " updated = ?2 WHERE id = ?1" },
	};
	int filtering = strcmp(scope, "filtering") == 0, all = strcmp(scope, "all") == 0;
	int notices = strcmp(scope, "notices") == 0;
	char change[64];
	struct db_stmt *s = NULL;
	int rc, pass;

	if (!filtering && !all && !notices)
		return isp_err_set(err, ISR_EINVAL,
				   "scope '%s': expected filtering, notices or all", scope);
	rc = store_begin(st, err);
	if (rc)
		return rc;
	for (pass = 0; pass < 2; pass++) {
		if ((pass == 0 && filtering) || (pass == 1 && notices))
			continue;
		rc = sq_prepare(st, sql[pass][out ? 1 : 0], &s, err);
		if (rc)
			goto fail;
		db_bind_text(s, 1, id);
		db_bind_int64(s, 2, t);
		rc = step_done(st, s, "opt-out", err);
		if (rc)
			goto fail;
		if (db_changes(st->db) == 0) {
			rc = isp_err_set(err, ISR_ENOTFOUND, "no subscriber '%s'", id);
			goto fail;
		}
	}
	snprintf(change, sizeof(change), "%s %s", out ? "opt-out" : "opt-in", scope);
	rc = log_change(st, id, t, change, "command", err);
	if (rc)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return rc;
}

SQ_WALK(change, store_sub_change_fn, struct store_subscriber_change)

static int change_read(struct db_stmt *s, struct store_subscriber_change *c)
{
	sq_columns(s,
		   SQ_COLS(SQ_C(&c->subscriber), SQ_C(&c->time), SQ_C(&c->change), SQ_C(&c->via)));
	return 0;
}

int store_each_subscriber_change(struct store *st, const char *subscriber, int64_t since,
				 store_sub_change_fn fn, void *ud, struct isp_err *err)
{
	return change_each(st,
			   "SELECT subscriber, time, change, via FROM subscriber_log"
			   " WHERE (CAST(?1 AS TEXT) IS NULL OR subscriber = ?1) AND time >= ?2"
			   " ORDER BY time, subscriber",
			   SQ_ARGS(SQ_OPT(subscriber), SQ_I(since)), "subscriber history", fn, ud,
			   err);
}

SQ_WALK(subscriber, store_subscriber_fn, struct store_subscriber)

static int subscriber_read(struct db_stmt *s, struct store_subscriber *sub)
{
	row_subscriber(s, sub);
	return 0;
}

int store_each_subscriber(struct store *st, int opted_out_filtering, store_subscriber_fn fn,
			  void *ud, struct isp_err *err)
{
	return subscriber_each(
		st,
		opted_out_filtering == STORE_SUB_FILTER_SET
			? "SELECT " SUBSCRIBER_COLS " FROM subscribers"
			  " WHERE opt_out_filtering IS NOT NULL OR profile IS NOT NULL"
			  " ORDER BY id"
		: opted_out_filtering ? "SELECT " SUBSCRIBER_COLS " FROM subscribers"
					" WHERE opt_out_filtering IS NOT NULL ORDER BY id"
				      : "SELECT " SUBSCRIBER_COLS " FROM subscribers ORDER BY id",
		NULL, "list subscribers", fn, ud, err);
}

int store_subscriber_delete(struct store *st, const char *id, int dry_run,
			    struct store_sub_removed *n, struct isp_err *err)
{
	static const char *const count_sql[] = {
		"SELECT count(*) FROM subscribers WHERE id = ?",
		"SELECT count(*) FROM subscriber_log WHERE subscriber = ?",
		"SELECT count(*) FROM notices WHERE subscriber = ?",
		"SELECT count(*) FROM events WHERE subscriber = ?",
	};
	/* events keep their state for the batch reports; only whose they were goes */
	static const char *const delete_sql[] = {
		"UPDATE events SET subscriber = NULL, notice_id = NULL WHERE subscriber = ?",
		"DELETE FROM notices WHERE subscriber = ?",
		"DELETE FROM subscriber_log WHERE subscriber = ?",
		"DELETE FROM subscribers WHERE id = ?",
	};
	int64_t v[4];
	size_t i;
	int rc;

	memset(n, 0, sizeof(*n));
	rc = store_begin(st, err);
	for (i = 0; i < 4 && rc == 0; i++)
		rc = sq_int(st, count_sql[i], SQ_ARGS(SQ_T(id)), "count what to remove", &v[i],
			    err);
	if (rc == 0 && v[0] == 0)
		rc = isp_err_set(err, ISR_ENOTFOUND, "no subscriber %s", id);
	for (i = 0; i < 4 && rc == 0 && !dry_run; i++)
		rc = sq_run(st, delete_sql[i], SQ_ARGS(SQ_T(id)), "remove the subscriber", err);
	if (rc == 0 && !dry_run)
		rc = store_commit(st, err);
	else
		store_rollback(st);
	if (rc == 0) {
		n->history = (long)v[1];
		n->notices = (long)v[2];
		n->events = (long)v[3];
	}
	return rc;
}

/* ---- batches and events ---- */

const char *store_event_state_name(enum store_event_state s)
{
	static const char *const names[EV_STATE_N] = { "new",	 "held",    "notified",
						       "repeat", "skipped", "returned" };

	return (unsigned)s < EV_STATE_N ? names[s] : "?";
}

int store_batch_begin(struct store *st, const char *source, const char *file, const char *format,
		      int64_t *batch_id, struct isp_err *err)
{
	return sq_int(st,
		      "INSERT INTO batches(source, received, file, format) VALUES(?, ?, ?, ?)"
		      " RETURNING id",
		      SQ_ARGS(SQ_T(source), SQ_I(sq_now()), SQ_OPT(file), SQ_OPT(format)),
		      "new batch", batch_id, err);
}

/* Bind the event's columns (parameters 1..9 of both event INSERTs), run the statement and
 * reset it for the next event. */
static int run_event_insert(struct store *st, struct db_stmt *s, int64_t batch_id,
			    const struct store_event *e, struct isp_err *err)
{
	db_bind_int64(s, 1, batch_id);
	db_bind_int64(s, 2, e->time);
	db_bind_text(s, 3, e->ip);
	db_bind_int64(s, 4, e->port);
	db_bind_text(s, 5, e->cause);
	sq_bind_text(s, 6, e->family);
	sq_bind_text(s, 7, e->reference);
	sq_bind_text(s, 8, e->detail);
	sq_bind_text(s, 9, e->raw);
	if (db_step(s) != DB_DONE) {
		db_reset(s);
		return sq_fail(st, err, "add event");
	}
	db_reset(s);
	return 0;
}

int store_event_add(struct store *st, int64_t batch_id, const struct store_event *e,
		    struct isp_err *err)
{
	struct db_stmt *s;

	if (sq_kept(st, SQ_EV_INS,
		    "INSERT INTO events(batch_id, time, ip, port, cause, family,"
		    " reference, detail, raw) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    &s, err) != 0)
		return ISR_ESTORE;
	return run_event_insert(st, s, batch_id, e, err);
}

int store_event_add_once(struct store *st, int64_t batch_id, const char *source,
			 const struct store_event *e, int *dup, struct isp_err *err)
{
	struct db_stmt *s;
	int rc;

	*dup = 0;
	if (sq_kept(st, SQ_EV_ONCE,
		    "INSERT INTO events(batch_id, time, ip, port, cause, family,"
		    " reference, detail, raw, source) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		    " ON CONFLICT DO NOTHING",
		    &s, err) != 0)
		return ISR_ESTORE;
	db_bind_text(s, 10, source);
	rc = run_event_insert(st, s, batch_id, e, err);
	if (rc)
		return rc;
	*dup = db_changes(st->db) == 0;
	return 0;
}

int store_batch_set_sha256(struct store *st, int64_t batch_id, const char *sha256_hex,
			   struct isp_err *err)
{
	return sq_run(st, "UPDATE batches SET sha256 = ? WHERE id = ?",
		      SQ_ARGS(SQ_T(sha256_hex), SQ_I(batch_id)), "record the batch's SHA-256", err);
}

int store_batch_find_sha256(struct store *st, const char *source, const char *sha256_hex,
			    int64_t *batch_id, int64_t *received, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc = sq_prepare(st,
			    "SELECT id, received FROM batches WHERE source = ? AND sha256 = ?"
			    " ORDER BY id LIMIT 1",
			    &s, err);

	if (rc)
		return rc;
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, sha256_hex);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*batch_id = db_column_int64(s, 0);
		*received = db_column_int64(s, 1);
	}
	db_finalize(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return ISR_ENOTFOUND;
	return sq_fail(st, err, "find batch by SHA-256");
}

int store_batch_end(struct store *st, int64_t batch_id, const char *header, long rows,
		    long rejected, struct isp_err *err)
{
	return sq_run(st, "UPDATE batches SET header = ?, rows = ?, rejected = ? WHERE id = ?",
		      SQ_ARGS(SQ_OPT(header), SQ_I(rows), SQ_I(rejected), SQ_I(batch_id)),
		      "end batch", err);
}

/*
 * Block events become events: the proxy's (reason "url" or "connect") with cause
 * malware-site, the DNS service's with cause cc. The row kept for returning is
 * "timestamp,ip,port,name,list,entry" in CSV.
 *
 * Exactly once, with several writers: each block event carries the batch that ingested
 * it (ingest_batch, NULL until then). An ingest first claims the unclaimed rows it can
 * see (UPDATE ... SET ingest_batch = this batch), then copies exactly the rows it
 * claimed. A DNS node's transaction that commits later, with a smaller id than rows
 * already ingested, still has ingest_batch NULL and is taken by the next run; an id
 * cursor would skip it forever. Two concurrent ingests cannot claim one row twice: the
 * second's UPDATE waits for the first's row lock and then sees the row claimed.
 */
#define INGEST_TS_SQLITE "strftime('%Y-%m-%dT%H:%M:%SZ', time_ms / 1000, 'unixepoch')"
#define INGEST_TS_PG                                                                               \
	"to_char(to_timestamp(time_ms / 1000) AT TIME ZONE 'UTC', "                                \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define INGEST_SQL(TS)                                                                             \
	"INSERT INTO events(batch_id, time, ip, port, cause, family, reference, detail, raw)"      \
	" SELECT CAST(?1 AS BIGINT), time_ms / 1000, client, coalesce(port, 0), ?2, list, entry,"  \
	"  CASE WHEN reason IN ('url', 'connect') THEN 'url ' || qname"                            \
	"   ELSE 'name ' || qname || ' (' || coalesce(reason, 'name') || ')' END,"                 \
	"  " TS " || ',' || client || ',' || coalesce(port, 0) || ',\"'"                           \
	"   || replace(qname, '\"', '\"\"') || '\",' || coalesce(list, '') || ','"                 \
	"   || '\"' || replace(coalesce(entry, ''), '\"', '\"\"') || '\"'"                         \
	" FROM block_events WHERE ingest_batch = ?1 ORDER BY id"
static const char *const ingest_sql = INGEST_SQL(INGEST_TS_SQLITE);
static const char *const ingest_sql_pg = INGEST_SQL(INGEST_TS_PG);
/* [proxy?]: claim the unclaimed block events of the DNS service or of the proxy. */
static const char *const claim_sql[2] = {
	"UPDATE block_events SET ingest_batch = ?1 WHERE ingest_batch IS NULL"
	" AND coalesce(reason, '') NOT IN ('url', 'connect')",
	"UPDATE block_events SET ingest_batch = ?1 WHERE ingest_batch IS NULL"
	" AND reason IN ('url', 'connect')",
};

int store_ingest_block_events(struct store *st, long *n, struct isp_err *err)
{
	static const char *const sources[2] = { "dns", "proxy" };
	static const char *const causes[2] = { "cc", "malware-site" };
	int64_t batch;
	struct db_stmt *s = NULL;
	long claimed;
	int rc, i;

	*n = 0;
	rc = store_begin(st, err);
	if (rc)
		return rc;
	for (i = 0; i < 2; i++) {
		rc = store_batch_begin(st, sources[i], NULL, "block-events", &batch, err);
		if (rc)
			goto out;
		rc = sq_run3(st, claim_sql[i], batch, 0, 0, &claimed, err);
		if (rc)
			goto out;
		if (claimed == 0) {
			rc = sq_run3(st, "DELETE FROM batches WHERE id = ?", batch, 0, 0, NULL,
				     err);
			if (rc)
				goto out;
			continue;
		}
		rc = sq_prepare(st, sq_pg(st) ? ingest_sql_pg : ingest_sql, &s, err);
		if (rc)
			goto out;
		db_bind_int64(s, 1, batch);
		db_bind_text(s, 2, causes[i]);
		rc = step_done(st, s, "ingest block events", err);
		if (rc)
			goto out;
		*n += db_changes(st->db);
		rc = sq_run3(st,
			     "UPDATE batches SET rows = (SELECT count(*) FROM events"
			     " WHERE batch_id = ?1), header ="
			     " 'timestamp,ip,port,name,list,entry' WHERE id = ?1",
			     batch, 0, 0, NULL, err);
		if (rc)
			goto out;
	}
out:
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

#define EVENT_COLS                                                                                 \
	"e.id, e.batch_id, e.time, e.ip, e.port, e.cause, e.family, e.reference, e.detail,"        \
	" e.raw, e.state, e.subscriber, e.reason, e.notice_id,"                                    \
	" (SELECT source FROM batches WHERE id = e.batch_id)"

SQ_WALK(event, store_event_fn, struct store_event)

static int event_read(struct db_stmt *s, struct store_event *e)
{
	sq_columns(s,
		   SQ_COLS(SQ_C(&e->id), SQ_C(&e->batch_id), SQ_C(&e->time), SQ_C(&e->ip),
			   SQ_C(&e->port), SQ_C(&e->cause), SQ_C(&e->family), SQ_C(&e->reference),
			   SQ_C(&e->detail), SQ_C(&e->raw), SQ_SKIP, SQ_C(&e->subscriber),
			   SQ_C(&e->reason), SQ_C(&e->notice_id), SQ_C(&e->source)));
	e->state = (enum store_event_state)(int)db_column_int64(s, 10);
	return 0;
}

int store_each_open_event(struct store *st, store_event_fn fn, void *ud, struct isp_err *err)
{
	return event_each(st,
			  "SELECT " EVENT_COLS " FROM events e WHERE e.state < 2"
			  " ORDER BY e.time, e.id",
			  NULL, "read events", fn, ud, err);
}

int store_each_event(struct store *st, const char *source, int64_t batch_id, int state,
		     store_event_fn fn, void *ud, struct isp_err *err)
{
	return event_each(
		st,
		"SELECT " EVENT_COLS " FROM events e JOIN batches b ON b.id = e.batch_id"
		" WHERE (CAST(?1 AS TEXT) IS NULL OR b.source = ?1) AND (?2 = 0 OR e.batch_id = ?2)"
		" AND (?3 < 0 OR e.state = ?3) ORDER BY e.id",
		SQ_ARGS(SQ_OPT(source), SQ_I(batch_id), SQ_I(state)), "read events", fn, ud, err);
}

int store_event_decide(struct store *st, int64_t id, enum store_event_state state,
		       const char *subscriber, const char *reason, int64_t notice_id,
		       struct isp_err *err)
{
	struct db_stmt *s;

	if (sq_kept(st, SQ_EV_DECIDE,
		    "UPDATE events SET state = ?, subscriber = ?, reason = ?, notice_id = ? WHERE "
		    "id = ?",
		    &s, err) != 0)
		return ISR_ESTORE;
	db_bind_int64(s, 1, (int)state);
	sq_bind_text(s, 2, subscriber);
	sq_bind_text(s, 3, reason);
	if (notice_id)
		db_bind_int64(s, 4, notice_id);
	else
		db_bind_null(s, 4);
	db_bind_int64(s, 5, id);
	if (db_step(s) != DB_DONE) {
		db_reset(s);
		return sq_fail(st, err, "decide event");
	}
	db_reset(s);
	return 0;
}

/* ---- notices ---- */

const char *store_notice_state_name(enum store_notice_state s)
{
	static const char *const names[] = { "pending", "sending", "sent", "failed" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int store_notice_add(struct store *st, const struct store_notice *n, int64_t *id,
		     struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st,
			"INSERT INTO notices(key, subscriber, email, language, causes, created,"
			" next_attempt, message) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
			" ON CONFLICT(key) DO NOTHING",
			&s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, n->key);
	db_bind_text(s, 2, n->subscriber);
	db_bind_text(s, 3, n->email);
	db_bind_text(s, 4, n->language);
	db_bind_text(s, 5, n->causes);
	db_bind_int64(s, 6, n->created);
	db_bind_int64(s, 7, n->created);
	db_bind_blob(s, 8, n->message, n->message_len);
	rc = step_done(st, s, "add notice", err);
	if (rc)
		return rc;
	return sq_int(st, "SELECT id FROM notices WHERE key = ?", SQ_ARGS(SQ_T(n->key)),
		      "find notice", id, err);
}

int store_notice_recent(struct store *st, const char *subscriber, const char *cause, int64_t since,
			int64_t *id, struct isp_err *err)
{
	return sq_int(st,
		      "SELECT max(n.id) FROM notices n WHERE n.subscriber = ?1 AND n.created >= ?3"
		      " AND EXISTS(SELECT 1 FROM events e WHERE e.notice_id = n.id"
		      " AND e.cause = ?2 AND e.state = 2)",
		      SQ_ARGS(SQ_T(subscriber), SQ_T(cause), SQ_I(since)), "recent notice", id,
		      err);
}

int store_notice_count(struct store *st, const char *subscriber, int64_t since, long *n,
		       struct isp_err *err)
{
	int64_t v = 0;
	int rc = sq_int(st,
			"SELECT count(*) FROM notices WHERE subscriber = ? AND created >= ?"
			" AND state <> 3",
			SQ_ARGS(SQ_T(subscriber), SQ_I(since)), "count notices", &v, err);

	*n = (long)v;
	return rc;
}

SQ_WALK(notice, store_notice_fn, struct store_notice)

/* The columns NOTICE_COLS, then the message or NULL (a NULL message reads as none). */
static int notice_read(struct db_stmt *s, struct store_notice *n)
{
	sq_columns(s, SQ_COLS(SQ_C(&n->id), SQ_C(&n->key), SQ_C(&n->subscriber), SQ_C(&n->email),
			      SQ_C(&n->language), SQ_C(&n->causes), SQ_C(&n->created), SQ_SKIP,
			      SQ_C(&n->attempts), SQ_C(&n->next_attempt), SQ_C(&n->sent),
			      SQ_C(&n->error)));
	n->state = (enum store_notice_state)(int)db_column_int64(s, 7);
	n->message = db_column_blob(s, 12);
	n->message_len = n->message ? (size_t)db_column_bytes(s, 12) : 0;
	return 0;
}

#define NOTICE_COLS                                                                                \
	"id, key, subscriber, email, language, causes, created, state, attempts,"                  \
	" next_attempt, sent, error"

struct id_list {
	int64_t *ids;
	size_t n, cap;
};

/* Append the row's first column to the id_list ud; ISR_ENOMEM when it cannot grow. */
static int id_row(void *ud, struct db_stmt *s)
{
	struct id_list *l = ud;

	if (mem_grow_from((void **)&l->ids, &l->cap, l->n + 1, sizeof(*l->ids), 64))
		return ISR_ENOMEM;
	l->ids[l->n++] = db_column_int64(s, 0);
	return 0;
}

int store_each_undelivered(struct store *st, int64_t now, int max_attempts, store_notice_fn fn,
			   void *ud, struct isp_err *err)
{
	struct id_list l = { NULL, 0, 0 };
	size_t i;
	int rc;

	/* Collect the ids first: fn commits state changes, which must not happen while a
	 * read statement walks the same table. */
	rc = sq_rows(st,
		     "SELECT id FROM notices WHERE state <> 2 AND attempts < ?1"
		     " AND (state <> 3 OR next_attempt <= ?2) ORDER BY id",
		     SQ_ARGS(SQ_I(max_attempts), SQ_I(now)), "undelivered notices", id_row, &l,
		     err);
	if (rc == ISR_ENOMEM)
		isp_err_set(err, rc, "out of memory");
	for (i = 0; i < l.n && rc == 0; i++)
		rc = notice_each(st, "SELECT " NOTICE_COLS ", message FROM notices WHERE id = ?",
				 SQ_ARGS(SQ_I(l.ids[i])), "read notices", fn, ud, err);
	free(l.ids);
	return rc;
}

int store_each_notice(struct store *st, const char *subscriber, int limit, store_notice_fn fn,
		      void *ud, struct isp_err *err)
{
	return notice_each(st,
			   "SELECT " NOTICE_COLS
			   ", NULL FROM notices WHERE (CAST(?1 AS TEXT) IS NULL"
			   " OR subscriber = ?1) ORDER BY id DESC LIMIT ?2",
			   SQ_ARGS(SQ_OPT(subscriber), SQ_I(limit)), "read notices", fn, ud, err);
}

int store_notice_get(struct store *st, const char *ref, store_notice_fn fn, void *ud,
		     struct isp_err *err)
{
	char *end;
	long long id = strtoll(ref, &end, 10);
	int rc;

	/* "ispshield-n42" is the key of the notice whose first event is 42, not notice 42:
	 * a reference is looked up as a key, a bare number as an id */
	if (*ref && *end == '\0')
		rc = notice_each(st, "SELECT " NOTICE_COLS ", message FROM notices WHERE id = ?",
				 SQ_ARGS(SQ_I(id)), "read notices", fn, ud, err);
	else
		rc = notice_each(st, "SELECT " NOTICE_COLS ", message FROM notices WHERE key = ?",
				 SQ_ARGS(SQ_T(ref)), "read notices", fn, ud, err);
	return rc;
}

int store_each_notice_event(struct store *st, int64_t notice_id, store_event_fn fn, void *ud,
			    struct isp_err *err)
{
	return event_each(st,
			  "SELECT " EVENT_COLS " FROM events e WHERE e.notice_id = ?"
			  " ORDER BY e.time, e.id",
			  SQ_ARGS(SQ_I(notice_id)), "read events", fn, ud, err);
}

int store_each_event_where(struct store *st, const struct store_event_filter *f, store_event_fn fn,
			   void *ud, struct isp_err *err)
{
	char like[600] = "";

	if (f->name && *f->name) {
		if (strlen(f->name) > 500)
			return isp_err_set(err, ISR_EINVAL, "name too long");
		snprintf(like, sizeof(like), "%%%s%%", f->name);
	}
	return event_each(
		st,
		"SELECT " EVENT_COLS " FROM events e WHERE (CAST(?1 AS TEXT) IS NULL"
		" OR e.subscriber = ?1) AND (CAST(?2 AS TEXT) IS NULL OR e.ip = ?2)"
		" AND (CAST(?3 AS TEXT) IS NULL OR e.detail LIKE ?3 OR e.reference LIKE ?3)"
		" AND (CAST(?4 AS TEXT) IS NULL OR e.batch_id IN"
		" (SELECT id FROM batches WHERE source = ?4))"
		" AND (?5 = 0 OR e.time >= ?5) AND (?6 = 0 OR e.time < ?6)"
		" ORDER BY e.time DESC, e.id DESC LIMIT ?7",
		SQ_ARGS(SQ_OPT(f->subscriber), SQ_OPT(f->ip), SQ_OPT(like), SQ_OPT(f->source),
			SQ_I(f->since), SQ_I(f->until), SQ_I(f->limit > 0 ? f->limit : 1000)),
		"read events", fn, ud, err);
}

int store_notice_mark(struct store *st, int64_t id, enum store_notice_state state, int attempts,
		      int64_t next_attempt, const char *error, struct isp_err *err)
{
	return sq_run(st,
		      "UPDATE notices SET state = ?, attempts = ?, next_attempt = ?, error = ?,"
		      " sent = CASE WHEN ?1 = 2 THEN ? ELSE sent END WHERE id = ?",
		      SQ_ARGS(SQ_I((int)state), SQ_I(attempts), SQ_I(next_attempt), SQ_OPT(error),
			      SQ_I(sq_now()), SQ_I(id)),
		      "mark notice", err);
}

/* ---- reports ---- */

SQ_WALK(report, store_report_fn, struct store_batch_report)

static int report_read(struct db_stmt *s, struct store_batch_report *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->batch.id), SQ_C(&r->batch.source), SQ_C(&r->batch.file),
			      SQ_C(&r->batch.format), SQ_C(&r->batch.header),
			      SQ_C(&r->batch.received), SQ_C(&r->batch.rows),
			      SQ_C(&r->batch.rejected), SQ_C(&r->received), SQ_C(&r->matched),
			      SQ_C(&r->notified), SQ_C(&r->queued), SQ_C(&r->repeat),
			      SQ_C(&r->skipped), SQ_C(&r->returned), SQ_C(&r->pending)));
	return 0;
}

int store_each_batch_report(struct store *st, const char *source, store_report_fn fn, void *ud,
			    struct isp_err *err)
{
	return report_each(
		st,
		"SELECT b.id, b.source, b.file, b.format, b.header, b.received, b.rows, b.rejected,"
		" count(e.id), count(*) FILTER (WHERE e.state IN (1, 2, 3, 4)),"
		" count(*) FILTER (WHERE (e.state = 2 AND n.state = 2) OR e.state = 3),"
		" count(*) FILTER (WHERE e.state = 2 AND n.state <> 2),"
		" count(*) FILTER (WHERE e.state = 3), count(*) FILTER (WHERE e.state = 4),"
		" count(*) FILTER (WHERE e.state = 5), count(*) FILTER (WHERE e.state IN (0, 1))"
		" FROM batches b LEFT JOIN events e ON e.batch_id = b.id"
		" LEFT JOIN notices n ON n.id = e.notice_id"
		" WHERE CAST(?1 AS TEXT) IS NULL OR b.source = ?1 GROUP BY b.id ORDER BY b.id",
		SQ_ARGS(SQ_OPT(source)), "report", fn, ud, err);
}

/* ---- relay ---- */

int store_relay_batch(struct store *st, const char *source, const char *files, long rows,
		      long rejected, int64_t *batch_id, struct isp_err *err)
{
	return sq_int(
		st,
		"INSERT INTO relay_batches(source, received, files, rows, rejected)"
		" VALUES(?, ?, ?, ?, ?) RETURNING id",
		SQ_ARGS(SQ_T(source), SQ_I(sq_now()), SQ_OPT(files), SQ_I(rows), SQ_I(rejected)),
		"relay batch", batch_id, err);
}

int store_relay_sent(struct store *st, int64_t batch_id, const char *member, long n,
		     struct isp_err *err)
{
	return sq_run(st,
		      "INSERT INTO relay_counts(batch_id, member, sent) VALUES(?1, ?2, ?3)"
		      " ON CONFLICT(batch_id, member) DO UPDATE SET sent = relay_counts.sent + ?3",
		      SQ_ARGS(SQ_I(batch_id), SQ_T(member), SQ_I(n)), "relay sent", err);
}

int store_relay_returned(struct store *st, int64_t batch_id, const char *member, long n,
			 int64_t *batch_out, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st,
			"SELECT max(batch_id) FROM relay_counts WHERE member = ?1 AND sent > 0"
			" AND (?2 = 0 OR batch_id = ?2)",
			&s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, member);
	db_bind_int64(s, 2, batch_id);
	rc = db_step(s);
	*batch_out = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	db_finalize(s);
	if (rc != DB_ROW)
		return sq_fail(st, err, "relay returns");
	if (*batch_out == 0) {
		if (batch_id)
			return isp_err_set(err, ISR_ENOTFOUND,
					   "member '%s' was sent nothing in batch %lld", member,
					   (long long)batch_id);
		return isp_err_set(err, ISR_ENOTFOUND, "member '%s' was never sent anything",
				   member);
	}
	return sq_run(st,
		      "UPDATE relay_counts SET returned = returned + ?3"
		      " WHERE batch_id = ?1 AND member = ?2",
		      SQ_ARGS(SQ_I(*batch_out), SQ_T(member), SQ_I(n)), "relay returns", err);
}

SQ_WALK(relay, store_relay_fn, struct store_relay_count)

static int relay_read(struct db_stmt *s, struct store_relay_count *c)
{
	sq_columns(s, SQ_COLS(SQ_C(&c->batch_id), SQ_C(&c->source), SQ_C(&c->member),
			      SQ_C(&c->received_at), SQ_C(&c->rows), SQ_C(&c->sent),
			      SQ_C(&c->returned)));
	return 0;
}

int store_each_relay_count(struct store *st, store_relay_fn fn, void *ud, struct isp_err *err)
{
	return relay_each(st,
			  "SELECT b.id, b.source, c.member, b.received, b.rows, c.sent, c.returned"
			  " FROM relay_batches b JOIN relay_counts c ON c.batch_id = b.id"
			  " ORDER BY b.id, c.member = '', c.member",
			  NULL, "relay report", fn, ud, err);
}
