/*
 * store_prune.c -- retention and masking (see store_prune.h), the same SQL on SQLite and
 * PostgreSQL. Deletes go STORE_PRUNE_BATCH rows at a time through `id IN (SELECT id ...
 * LIMIT n)` (neither engine needs DELETE ... LIMIT for that); masking reads a batch of
 * ids and addresses, computes the prefixes here (core/net/ip.h) and writes them back in
 * one transaction per batch.
 */
#include "core/store/store_prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/ip.h"
#include "core/store/store_int.h"

/* Events whose notification is decided (store_notify.h): repeat, skipped, returned, and
 * notified once the notice was sent (notice state 2). */
#define DECIDED_DELETABLE                                                                          \
	"(state IN (3, 4, 5) OR (state = 2 AND NOT EXISTS(SELECT 1 FROM notices n"                 \
	" WHERE n.id = events.notice_id AND n.state <> 2)))"
/* ... and for masking, notified whatever the notice's state (its text is built). */
#define DECIDED "state >= 2"

void store_mask_address(const char *addr, char out[STORE_MASK_MAX])
{
	struct ip_prefix p;
	struct isp_err e;
	unsigned want;

	isp_err_clear(&e);
	if (!addr || ip_parse_prefix(addr, strlen(addr), &p, NULL, &e) != 0) {
		snprintf(out, STORE_MASK_MAX, "?");
		return;
	}
	want = p.family == 4 ? 24 : 56;
	if (p.len > want)
		p.len = (uint8_t)want;
	ip_mask(&p);
	ip_format_prefix(&p, out);
}

/* First column of sql's first row, with two int64 parameters. */
static int query2(struct store *st, const char *sql, int64_t a, int64_t b, long *out,
		  struct isp_err *err)
{
	int64_t v = 0;
	int rc = sq_int(st, sql, SQ_ARGS(SQ_I(a), SQ_I(b)), "prune: count", &v, err);

	*out = (long)v;
	return rc;
}

/* Run the batched DELETE sql (?1 = cutoff, ?2 = batch) until it deletes fewer rows than
 * a batch; each statement commits on its own. *n += rows deleted. */
static int delete_batched(struct store *st, const char *sql, int64_t cutoff, long batch, long *n,
			  struct isp_err *err)
{
	long changed;
	int rc;

	do {
		changed = 0;
		rc = sq_run3(st, sql, cutoff, batch, 0, &changed, err);
		if (rc)
			return rc;
		*n += changed;
	} while (changed >= batch);
	return 0;
}

struct mask_row {
	int64_t id;
	char text[STORE_MASK_MAX];
};

struct mask_batch {
	struct mask_row *rows;
	long n;
};

static int collect_row(void *ud, struct db_stmt *s)
{
	struct mask_batch *b = ud;
	struct mask_row *r = &b->rows[b->n++];

	r->id = db_column_int64(s, 0);
	store_mask_address(db_column_text(s, 1), r->text);
	return 0;
}

/*
 * Mask in batches: `select` (?1 = cutoff, ?2 = batch) gives id and address of rows to
 * mask, `update` (?1 = masked text, ?2 = now, ?3 = id) writes one. Each batch is one
 * transaction; a row is selected only while unmasked, so the loop ends.
 */
static int mask_batched(struct store *st, const char *select, const char *update, int64_t cutoff,
			int64_t now, long batch, long *n, struct isp_err *err)
{
	struct mask_batch b;
	struct db_stmt *s = NULL;
	int rc = 0;
	long i;

	b.rows = calloc((size_t)batch, sizeof(*b.rows));
	if (!b.rows)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (;;) {
		b.n = 0;
		rc = sq_prepare(st, select, &s, err);
		if (rc)
			break;
		db_bind_int64(s, 1, cutoff);
		db_bind_int64(s, 2, batch);
		rc = sq_each_row(st, s, "prune: select rows to mask", collect_row, &b, err);
		if (rc || b.n == 0)
			break;
		rc = sq_exec(st, SQ_BEGIN(st), err);
		if (rc)
			break;
		rc = sq_prepare(st, update, &s, err);
		for (i = 0; rc == 0 && i < b.n; i++) {
			db_bind_text(s, 1, b.rows[i].text);
			db_bind_int64(s, 2, now);
			db_bind_int64(s, 3, b.rows[i].id);
			if (db_step(s) != DB_DONE)
				rc = sq_fail(st, err, "prune: mask");
			db_reset(s);
		}
		db_finalize(s);
		s = NULL;
		if (rc == 0)
			rc = sq_exec(st, "COMMIT", err);
		if (rc) {
			sq_exec(st, "ROLLBACK", NULL);
			break;
		}
		*n += b.n;
		if (b.n < batch)
			break;
	}
	free(b.rows);
	return rc;
}

static int prune_delete(struct store *st, const struct store_prune_opts *o, long batch,
			struct store_prune_result *r, struct isp_err *err)
{
	int64_t cut = o->now - o->retention;
	int rc;

	if (o->dry_run) {
		rc = query2(st, "SELECT count(*) FROM block_events WHERE time_ms < ?1 AND ?2 > 0",
			    cut * 1000, 1, &r->block_events_deleted, err);
		if (rc == 0)
			rc = query2(st,
				    "SELECT count(*) FROM events WHERE time < ?1 AND ?2 > 0"
				    " AND " DECIDED_DELETABLE,
				    cut, 1, &r->events_deleted, err);
		/* batches that would be left without events */
		if (rc == 0)
			rc = query2(
				st,
				"SELECT count(*) FROM batches b WHERE b.received < ?1 AND ?2 > 0"
				" AND NOT EXISTS(SELECT 1 FROM events WHERE batch_id = b.id"
				" AND NOT (time < ?1 AND " DECIDED_DELETABLE "))",
				cut, 1, &r->batches_deleted, err);
	} else {
		rc = delete_batched(st,
				    "DELETE FROM block_events WHERE id IN (SELECT id FROM"
				    " block_events WHERE time_ms < ?1 ORDER BY time_ms LIMIT ?2)",
				    cut * 1000, batch, &r->block_events_deleted, err);
		if (rc == 0)
			rc = delete_batched(st,
					    "DELETE FROM events WHERE id IN (SELECT id FROM events"
					    " WHERE time < ?1 AND " DECIDED_DELETABLE
					    " ORDER BY time LIMIT ?2)",
					    cut, batch, &r->events_deleted, err);
		if (rc == 0)
			rc = delete_batched(st,
					    "DELETE FROM batches WHERE id IN (SELECT b.id FROM"
					    " batches b WHERE b.received < ?1 AND NOT EXISTS(SELECT"
					    " 1 FROM events e WHERE e.batch_id = b.id) LIMIT ?2)",
					    cut, batch, &r->batches_deleted, err);
	}
	if (rc == 0)
		rc = query2(st,
			    "SELECT count(*) FROM events WHERE time < ?1 AND ?2 > 0"
			    " AND NOT " DECIDED_DELETABLE,
			    cut, 1, &r->events_kept, err);
	return rc;
}

static int prune_mask(struct store *st, const struct store_prune_opts *o, long batch,
		      struct store_prune_result *r, struct isp_err *err)
{
	int64_t cut = o->now - o->mask_after;
	/* a dry run leaves out what retention would have deleted first (-1: nothing) */
	int64_t gone = o->retention > 0 ? o->now - o->retention : -1;
	int rc;

	if (o->dry_run) {
		rc = query2(st,
			    "SELECT count(*) FROM block_events WHERE time_ms < ?1"
			    " AND time_ms >= ?2 AND masked IS NULL",
			    cut * 1000, gone < 0 ? -1 : gone * 1000, &r->block_events_masked, err);
		if (rc == 0)
			rc = query2(st,
				    "SELECT count(*) FROM events WHERE time < ?1 AND masked IS NULL"
				    " AND " DECIDED " AND NOT (time < ?2 AND " DECIDED_DELETABLE
				    ")",
				    cut, gone, &r->events_masked, err);
		return rc;
	}
	rc = mask_batched(st,
			  "SELECT id, client FROM block_events WHERE time_ms < ?1"
			  " AND masked IS NULL ORDER BY time_ms LIMIT ?2",
			  "UPDATE block_events SET client = ?1, masked = ?2,"
			  " ingest_batch = coalesce(ingest_batch, 0) WHERE id = ?3",
			  cut * 1000, o->now, batch, &r->block_events_masked, err);
	if (rc == 0)
		rc = mask_batched(
			st,
			"SELECT id, ip FROM events WHERE time < ?1 AND masked IS NULL"
			" AND " DECIDED " ORDER BY time LIMIT ?2",
			"UPDATE events SET ip = ?1, raw = NULL, masked = ?2 WHERE id = ?3", cut,
			o->now, batch, &r->events_masked, err);
	return rc;
}

int store_prune(struct store *st, const struct store_prune_opts *o, struct store_prune_result *r,
		struct isp_err *err)
{
	long batch = o->batch > 0 ? o->batch : STORE_PRUNE_BATCH;
	struct isp_err e2;
	int rc = 0, rc2 = 0;

	memset(r, 0, sizeof(*r));
	if (st->depth || db_in_transaction(st->db))
		return isp_err_set(err, ISR_EINVAL, "store prune: inside a transaction");
	if (o->retention < 0 || o->mask_after < 0)
		return isp_err_set(err, ISR_EINVAL, "store prune: negative duration");
	/* delete first (nothing is masked only to be deleted), and mask even when deleting
	 * failed: an address must not outlive mask-after because of another table */
	if (o->retention > 0)
		rc = prune_delete(st, o, batch, r, err);
	isp_err_clear(&e2);
	if (o->mask_after > 0)
		rc2 = prune_mask(st, o, batch, r, rc ? &e2 : err);
	return rc ? rc : rc2;
}
