/*
 * store.h -- the persistent store of lists, sources and entries (later: events, notices).
 *
 * One interface, two back ends: SQLite (WAL) is the embedded default; PostgreSQL lets
 * several DNS and proxy nodes write block events that one notifier reads. The store's
 * files write their SQL once over db.h, whose two drivers run it; store_open picks the
 * driver from the spec ("postgresql://..."). Callers never see SQL.
 *
 * Data model for lists:
 *   list    name + kind (domain | url | ip)
 *   source  where a list's entries came from (a feed, a partner file); a list has many
 *   entry   (source, value) unique; value normalised; action block|allow; first/last seen,
 *           expiry, category, reference. The same value from two sources is two entries
 *           that the snapshot merges.
 *   import  one run of `lists import` for one source: counts read/accepted/duplicates/
 *           rejected/added/removed/unchanged, and the values added and removed.
 * A re-import of a source replaces that source's entries in one transaction: a crash or
 * an error leaves the previous entries as they were.
 *
 * Data model for notification (store_notify.c):
 *   subscriber  the directory: id, e-mail, language, consent, opt-outs (with history)
 *   batch       one received partner list (or one ingest of block events): source, time,
 *               file, header, row counts
 *   event       one (IP, time, cause) of a batch, the row as received, and what notify
 *               decided: notified / repeat / skipped / returned / held
 *   notice      one message to one subscriber, stored with its idempotency key before
 *               delivery; delivery state, attempts
 *   relay       the ISAC's split of partner lists: rows sent to and returned by members
 *
 * This header holds opening, closing, meta facts, locks and transactions; each area has
 * its own header beside it: store_lists.h, store_blocks.h, store_notify.h,
 * store_relay.h, store_authwatch.h, store_status.h.
 *
 * Thread safety: one struct store per thread.
 */
#ifndef ISP_CORE_STORE_H
#define ISP_CORE_STORE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "core/base/err.h"

struct store;

/*
 * Open the store named by spec:
 *   postgresql://... or postgres://...   PostgreSQL, a libpq URI
 *   pg:CONNINFO                          PostgreSQL, a libpq conninfo ("host=... dbname=...")
 *   sqlite:PATH or PATH                  SQLite; the file and its folder are created if
 *                                        missing, and a new file gets the whole schema
 * A store whose schema version is older than this binary's is refused with "run
 * ispshield store migrate" (PostgreSQL: also an empty database), one that is newer with
 * "upgrade ispshield". Returns 0 and *out, or an ISR code with err set. The store is
 * closed with store_close.
 */
int store_open(const char *spec, struct store **out, struct isp_err *err);
/* store_open with flags: STORE_OPEN_ANY_VERSION opens an older (or empty) schema too,
 * for `store migrate` and `store version`; STORE_OPEN_EXISTING never creates a SQLite
 * store (nor its folder): a missing file is ISR_ENOTFOUND, for the commands that only
 * read or change what a store already holds. */
#define STORE_OPEN_ANY_VERSION 1
#define STORE_OPEN_EXISTING    2
int store_open_ex(const char *spec, int flags, struct store **out, struct isp_err *err);

/*
 * Small facts kept in the store's meta table, for what must survive the loss of a local
 * file (the last sequence imported from a list feed: a replay guard). Keys other than
 * 'schema_version' only. store_meta_get: 0 and the value in out[0..size) ("" when the
 * key is absent). store_meta_set: insert or replace, inside the caller's transaction
 * when one is open. ISR_ESTORE on a store error.
 */
int store_meta_get(struct store *st, const char *key, char *out, size_t size, struct isp_err *err);
int store_meta_set(struct store *st, const char *key, const char *value, struct isp_err *err);
/* Whether spec names a PostgreSQL store. */
int store_is_pg(const char *spec);
/* The store's schema version (*have, 0 = none yet) and this binary's (*want). */
int store_version(struct store *st, int *have, int *want, struct isp_err *err);
/* `store version --json`: {"schema": have, "binary": want, "backend": "sqlite" or
 * "postgresql"} and a newline to out. 0, or ISR_EIO / ISR_ENOMEM. */
int store_version_json(FILE *out, const char *spec, int have, int want);
/* Apply pending migrations, each in one transaction; *from, *to: versions before and
 * after (either may be NULL). */
int store_migrate(struct store *st, int *from, int *to, struct isp_err *err);
#define STORE_INSTANCE_MAX 40
/* The store's id (meta 'store_id': random hex made with the store, kept for its life)
 * into out. Two stores, or a store and the one it replaced, have different ids: notify
 * puts it in delivery keys. ISR_ESTORE when the store has none (older schema). */
int store_instance_id(struct store *st, char out[STORE_INSTANCE_MAX], struct isp_err *err);
/*
 * Try to take the session-level advisory lock `name` (PostgreSQL only: one lock across
 * every machine on the database, released by store_unlock or when the connection ends,
 * however the process ends). *got = 1 when taken, 0 when another session holds it.
 * SQLite: ISR_EINVAL (callers use an flock beside the file).
 */
int store_try_lock(struct store *st, const char *name, int *got, struct isp_err *err);
void store_unlock(struct store *st, const char *name);
void store_close(struct store *st);

/* ---- transactions (for callers that group many calls into one commit) ---- */

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. They nest: calls that open a transaction of their
 * own join the caller's, and a rollback undoes the whole outermost transaction. */
int store_begin(struct store *st, struct isp_err *err);
int store_commit(struct store *st, struct isp_err *err);
void store_rollback(struct store *st);

#endif
