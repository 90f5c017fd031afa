/*
 * store_schema.c -- the store's versioned schema, for SQLite and for PostgreSQL.
 *
 * The version lives in meta('schema_version'). Each migration takes the schema from
 * version n-1 to n and is written once per back end where the engines' types differ
 * (INTEGER PRIMARY KEY / BLOB in SQLite, BIGINT GENERATED ALWAYS AS IDENTITY / BYTEA in
 * PostgreSQL). store_schema_migrate applies each pending one in its own transaction and
 * records the new version in the same transaction, so a failure leaves the store at the
 * last version that completed. On PostgreSQL a transaction-level advisory lock keeps two
 * nodes migrating at once from both applying the same step; the version is read again
 * under it.
 *
 * History:
 *   1  the schema as first built on SQLite (lists, block events, notification, authwatch)
 *   2  block_events gets an explicit id and ingest_batch (the batch that turned it into
 *      an event, NULL until then), replacing the single id cursor meta('block_cursor'),
 *      which lost rows when several writers commit ids out of order (store_notify.c)
 *   3  meta('store_id'): 16 random hex digits made with the store and kept in it, so the
 *      delivery keys (Maildir file names, Message-IDs) of two stores never collide,
 *      nor those of a store rebuilt next to an old Maildir (notify.c)
 *   4  batches.sha256 (the received file's SHA-256: `events import` refuses the same file
 *      of a source twice) and events.source with a unique index on (source, ip, time,
 *      cause): a partner's event is stored once however often it arrives. Only
 *      store_event_add_once sets events.source; events before version 4 and those of
 *      other writers keep it NULL and are not constrained (NULLs are distinct).
 *   5  allowlist: the operator's allow entries (value, kind, reason, added_by, added,
 *      expires), which win over every list at compile (store_allow.c, allowlist.h)
 *   6  entries.data: an RPZ entry's local data (the records it answers with, text form
 *      of core/lists/rpzdata.h), NULL for every other action. entries.action takes the
 *      RPZ actions besides block (0) and allow (1): nxdomain 2, nodata 3, drop 4,
 *      tcp-only 5, local 6 (core/store/listkind.h); rows before version 6 are 0 or 1.
 *   7  retention and masking (store_prune.c): block_events.masked and events.masked (unix
 *      seconds the address was cut to its /24 or /56; NULL = the address as recorded),
 *      partial indexes of the rows not masked yet, events_time for retention, events_once
 *      limited to unmasked rows (two masked addresses of one /24 may then share a time
 *      and cause), and subscriber_log.via (who recorded the change: import, command).
 *   8  subscribers.profile: the [profile.NAME] whose lists apply to the subscriber (NULL =
 *      every list); the DNS service and the proxy learn it through the opt-out file
 *   9  sites, site_urls, site_contacts, site_notices, site_notice_sites: the books of
 *      `ispshield sites` (core/store/store_sites.h): listed sites with their domestic
 *      verdict and evidence, their contacts in order, one notice per (email, day);
 *      site_lookups, the cache of contact look-ups (security.txt, RDAP, WHOIS answers)
 *  10  url_status: `lists recheck`'s verdict per (list, URL): status, checked,
 *      last_online, fails, next_check, sha256, detail, offline_since
 *      (store_urlstatus.c)
 *  11  site_lists: every list a site was found on (a site keeps its lists; sites.list is
 *      the one of its last find), filled from sites.list; site_notice_sites.round (1 the
 *      first notice of the site, 2.. the follow-ups `sites notify` sends while `lists
 *      recheck` finds the site online); url_status_value, url_status by URL alone
 *  12  site_urls.crawl: how `ispshield crawl` reached the URL (the chain, its visitor's
 *      User-Agent and Referer, SHA-256, YARA rules; JSON, sites/crawlev.c), NULL none
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store/store.h"
#include "core/store/store_notify.h"
#include "core/store/store_int.h"

/* pg_advisory_xact_lock key of migrations ("ispmigr"). */
#define MIGRATE_LOCK "7590813296412078706"

static const char *const sqlite_v1 =
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
	"CREATE TABLE IF NOT EXISTS subscribers("
	"  id TEXT PRIMARY KEY, email TEXT, language TEXT NOT NULL, consent INTEGER,"
	"  opt_out_filtering INTEGER, opt_out_notices INTEGER, updated INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS subscriber_log("
	"  subscriber TEXT NOT NULL, time INTEGER NOT NULL, change TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS subscriber_log_id ON subscriber_log(subscriber);"
	"CREATE TABLE IF NOT EXISTS batches("
	"  id INTEGER PRIMARY KEY, source TEXT NOT NULL, received INTEGER NOT NULL, file TEXT,"
	"  format TEXT, header TEXT, rows INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS events("
	"  id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batches(id),"
	"  time INTEGER NOT NULL, ip TEXT NOT NULL, port INTEGER NOT NULL DEFAULT 0,"
	"  cause TEXT NOT NULL, family TEXT, reference TEXT, detail TEXT, raw TEXT,"
	"  state INTEGER NOT NULL DEFAULT 0, subscriber TEXT, reason TEXT, notice_id INTEGER);"
	"CREATE INDEX IF NOT EXISTS events_open ON events(state) WHERE state < 2;"
	"CREATE INDEX IF NOT EXISTS events_batch ON events(batch_id, state);"
	"CREATE INDEX IF NOT EXISTS events_notice ON events(notice_id);"
	"CREATE TABLE IF NOT EXISTS notices("
	"  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, subscriber TEXT NOT NULL,"
	"  email TEXT NOT NULL, language TEXT NOT NULL, causes TEXT NOT NULL,"
	"  created INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL DEFAULT 0,"
	"  sent INTEGER, error TEXT, message BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS notices_subscriber ON notices(subscriber, created);"
	"CREATE INDEX IF NOT EXISTS notices_undelivered ON notices(state) WHERE state <> 2;"
	"CREATE TABLE IF NOT EXISTS relay_batches("
	"  id INTEGER PRIMARY KEY, source TEXT NOT NULL, received INTEGER NOT NULL,"
	"  files TEXT, rows INTEGER NOT NULL, rejected INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS relay_counts("
	"  batch_id INTEGER NOT NULL REFERENCES relay_batches(id), member TEXT NOT NULL,"
	"  sent INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(batch_id, member));"
	"CREATE TABLE IF NOT EXISTS authwatch_suspended("
	"  user TEXT PRIMARY KEY, type TEXT NOT NULL, reason TEXT, since INTEGER NOT NULL,"
	"  detected INTEGER NOT NULL, released INTEGER);";

/* Rows at or below the old cursor were ingested already: they get batch 0. */
static const char *const sqlite_v2 =
	"CREATE TABLE block_events_v2("
	"  id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, client TEXT NOT NULL, port INTEGER,"
	"  qname TEXT NOT NULL, qtype INTEGER, list TEXT, entry TEXT, reason TEXT,"
	"  ingest_batch INTEGER);"
	"INSERT INTO block_events_v2"
	" SELECT rowid, time_ms, client, port, qname, qtype, list, entry, reason,"
	"  CASE WHEN rowid <= coalesce((SELECT CAST(value AS INTEGER) FROM meta"
	"   WHERE key = 'block_cursor'), 0) THEN 0 END FROM block_events ORDER BY rowid;"
	"DROP TABLE block_events;"
	"ALTER TABLE block_events_v2 RENAME TO block_events;"
	"CREATE INDEX block_events_time ON block_events(time_ms);"
	"CREATE INDEX block_events_unclaimed ON block_events(id) WHERE ingest_batch IS NULL;"
	"DELETE FROM meta WHERE key = 'block_cursor';";

#define PG_ID "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"

static const char *const pg_v1 =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE lists(" PG_ID ", name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  created BIGINT NOT NULL);"
	"CREATE TABLE sources(" PG_ID ", list_id BIGINT NOT NULL REFERENCES lists(id),"
	"  name TEXT NOT NULL, last_import BIGINT, UNIQUE(list_id, name));"
	"CREATE TABLE entries("
	"  source_id BIGINT NOT NULL, value TEXT NOT NULL, action BIGINT NOT NULL,"
	"  first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, expires BIGINT,"
	"  category TEXT, reference TEXT, PRIMARY KEY(source_id, value));"
	"CREATE TABLE imports(" PG_ID ", source_id BIGINT NOT NULL REFERENCES sources(id),"
	"  started BIGINT NOT NULL, file TEXT, format TEXT, read BIGINT, accepted BIGINT,"
	"  duplicates BIGINT, rejected BIGINT, added BIGINT, removed BIGINT,"
	"  unchanged BIGINT);"
	"CREATE TABLE changes("
	"  import_id BIGINT NOT NULL REFERENCES imports(id), value TEXT NOT NULL,"
	"  change TEXT NOT NULL);"
	"CREATE INDEX changes_import ON changes(import_id);"
	"CREATE TABLE block_events(" PG_ID ","
	"  time_ms BIGINT NOT NULL, client TEXT NOT NULL, port BIGINT, qname TEXT NOT NULL,"
	"  qtype BIGINT, list TEXT, entry TEXT, reason TEXT);"
	"CREATE INDEX block_events_time ON block_events(time_ms);"
	"CREATE TABLE subscribers("
	"  id TEXT PRIMARY KEY, email TEXT, language TEXT NOT NULL, consent BIGINT,"
	"  opt_out_filtering BIGINT, opt_out_notices BIGINT, updated BIGINT NOT NULL);"
	"CREATE TABLE subscriber_log("
	"  subscriber TEXT NOT NULL, time BIGINT NOT NULL, change TEXT NOT NULL);"
	"CREATE INDEX subscriber_log_id ON subscriber_log(subscriber);"
	"CREATE TABLE batches(" PG_ID ", source TEXT NOT NULL, received BIGINT NOT NULL,"
	"  file TEXT, format TEXT, header TEXT, rows BIGINT NOT NULL DEFAULT 0,"
	"  rejected BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE events(" PG_ID ", batch_id BIGINT NOT NULL REFERENCES batches(id),"
	"  time BIGINT NOT NULL, ip TEXT NOT NULL, port BIGINT NOT NULL DEFAULT 0,"
	"  cause TEXT NOT NULL, family TEXT, reference TEXT, detail TEXT, raw TEXT,"
	"  state BIGINT NOT NULL DEFAULT 0, subscriber TEXT, reason TEXT, notice_id BIGINT);"
	"CREATE INDEX events_open ON events(state) WHERE state < 2;"
	"CREATE INDEX events_batch ON events(batch_id, state);"
	"CREATE INDEX events_notice ON events(notice_id);"
	"CREATE TABLE notices(" PG_ID ", key TEXT NOT NULL UNIQUE, subscriber TEXT NOT NULL,"
	"  email TEXT NOT NULL, language TEXT NOT NULL, causes TEXT NOT NULL,"
	"  created BIGINT NOT NULL, state BIGINT NOT NULL DEFAULT 0,"
	"  attempts BIGINT NOT NULL DEFAULT 0, next_attempt BIGINT NOT NULL DEFAULT 0,"
	"  sent BIGINT, error TEXT, message BYTEA NOT NULL);"
	"CREATE INDEX notices_subscriber ON notices(subscriber, created);"
	"CREATE INDEX notices_undelivered ON notices(state) WHERE state <> 2;"
	"CREATE TABLE relay_batches(" PG_ID ", source TEXT NOT NULL, received BIGINT NOT NULL,"
	"  files TEXT, rows BIGINT NOT NULL, rejected BIGINT NOT NULL);"
	"CREATE TABLE relay_counts("
	"  batch_id BIGINT NOT NULL REFERENCES relay_batches(id), member TEXT NOT NULL,"
	"  sent BIGINT NOT NULL DEFAULT 0, returned BIGINT NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(batch_id, member));"
	"CREATE TABLE authwatch_suspended("
	"  \"user\" TEXT PRIMARY KEY, type TEXT NOT NULL, reason TEXT, since BIGINT NOT NULL,"
	"  detected BIGINT NOT NULL, released BIGINT);";

static const char *const pg_v2 =
	"ALTER TABLE block_events ADD COLUMN ingest_batch BIGINT;"
	"CREATE INDEX block_events_unclaimed ON block_events(id) WHERE ingest_batch IS NULL;";

static const char *const sqlite_v3 =
	"INSERT INTO meta(key, value) VALUES('store_id', lower(hex(randomblob(8))));";

/* random() is not a secret, only distinct: md5 of it, the time and the backend's pid */
static const char *const pg_v3 =
	"INSERT INTO meta(key, value) VALUES('store_id', substr(md5(random()::text"
	" || clock_timestamp()::text || pg_backend_pid()::text), 1, 16));";

/* the same statements on both engines */
#define V4_SQL                                                                                     \
	"ALTER TABLE batches ADD COLUMN sha256 TEXT;"                                              \
	"CREATE INDEX batches_sha256 ON batches(source, sha256) WHERE sha256 IS NOT NULL;"         \
	"ALTER TABLE events ADD COLUMN source TEXT;"                                               \
	"CREATE UNIQUE INDEX events_once ON events(source, ip, time, cause);"
static const char *const sqlite_v4 = V4_SQL;
static const char *const pg_v4 = V4_SQL;

static const char *const sqlite_v5 =
	"CREATE TABLE allowlist("
	"  value TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT, added_by TEXT NOT NULL,"
	"  added INTEGER NOT NULL, expires INTEGER) WITHOUT ROWID;";
static const char *const pg_v5 =
	"CREATE TABLE allowlist("
	"  value TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT, added_by TEXT NOT NULL,"
	"  added BIGINT NOT NULL, expires BIGINT);";
#define V6_SQL "ALTER TABLE entries ADD COLUMN data TEXT;"
static const char *const sqlite_v6 = V6_SQL;
static const char *const pg_v6 = V6_SQL;
/* the same statements on both engines but the column type */
#define V7_SQL(INT)                                                                                \
	"ALTER TABLE block_events ADD COLUMN masked " INT ";"                                      \
	"ALTER TABLE events ADD COLUMN masked " INT ";"                                            \
	"ALTER TABLE subscriber_log ADD COLUMN via TEXT;"                                          \
	"CREATE INDEX block_events_unmasked ON block_events(time_ms) WHERE masked IS NULL;"        \
	"CREATE INDEX events_time ON events(time);"                                                \
	"CREATE INDEX events_unmasked ON events(time) WHERE masked IS NULL;"                       \
	"CREATE INDEX subscriber_log_time ON subscriber_log(time);"                                \
	"DROP INDEX events_once;"                                                                  \
	"CREATE UNIQUE INDEX events_once ON events(source, ip, time, cause) WHERE masked IS NULL;"
static const char *const sqlite_v7 = V7_SQL("INTEGER");
static const char *const pg_v7 = V7_SQL("BIGINT");
#define V8_SQL "ALTER TABLE subscribers ADD COLUMN profile TEXT;"
static const char *const sqlite_v8 = V8_SQL;
static const char *const pg_v8 = V8_SQL;
#define V10_SQL(INT)                                                                               \
	"CREATE TABLE url_status(list_id " INT " NOT NULL, value TEXT NOT NULL,"                   \
	"  status TEXT NOT NULL, checked " INT " NOT NULL, last_online " INT ","                   \
	"  fails " INT " NOT NULL DEFAULT 0, next_check " INT " NOT NULL, sha256 TEXT,"            \
	"  detail TEXT, offline_since " INT ", PRIMARY KEY(list_id, value));"

/* the same statements on both engines but the integer and id column types */
#define V9_SQL(INT, ID, BLOB)                                                                      \
	"CREATE TABLE sites(id " ID ", domain TEXT NOT NULL UNIQUE, list TEXT NOT NULL,"           \
	"  host TEXT NOT NULL, addr TEXT, domestic INTEGER NOT NULL, evidence TEXT,"               \
	"  found " INT " NOT NULL, updated " INT " NOT NULL, handled " INT ");"                    \
	"CREATE TABLE site_urls(site_id " INT " NOT NULL, url TEXT NOT NULL,"                      \
	"  first_seen " INT " NOT NULL, last_seen " INT " NOT NULL, PRIMARY KEY(site_id, url));"   \
	"CREATE TABLE site_contacts(site_id " INT " NOT NULL, rank INTEGER NOT NULL,"              \
	"  email TEXT NOT NULL, scope TEXT NOT NULL, source TEXT NOT NULL, bounced " INT ","       \
	"  PRIMARY KEY(site_id, rank));"                                                           \
	"CREATE TABLE site_notices(id " ID ", key TEXT NOT NULL UNIQUE, email TEXT NOT NULL,"      \
	"  day TEXT NOT NULL, created " INT " NOT NULL, state TEXT NOT NULL,"                      \
	"  attempts INTEGER NOT NULL DEFAULT 0, sent " INT ", error TEXT, UNIQUE(email, day));"    \
	"CREATE TABLE site_notice_sites(notice_id " INT " NOT NULL, site_id " INT " NOT NULL,"     \
	"  PRIMARY KEY(notice_id, site_id));"                                                      \
	"CREATE INDEX site_notice_sites_site ON site_notice_sites(site_id);"                       \
	"CREATE TABLE site_lookups(key TEXT PRIMARY KEY, status INTEGER NOT NULL,"                 \
	"  body " BLOB ", fetched " INT " NOT NULL);"
static const char *const sqlite_v9 = V9_SQL("INTEGER", "INTEGER PRIMARY KEY", "BLOB");
static const char *const pg_v9 =
	V9_SQL("BIGINT", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BYTEA");
#define V11_SQL(INT)                                                                               \
	"CREATE TABLE site_lists(site_id " INT " NOT NULL, list TEXT NOT NULL,"                    \
	"  PRIMARY KEY(site_id, list));"                                                           \
	"INSERT INTO site_lists(site_id, list) SELECT id, list FROM sites;"                        \
	"ALTER TABLE site_notice_sites ADD COLUMN round INTEGER NOT NULL DEFAULT 1;"               \
	"CREATE INDEX url_status_value ON url_status(value);"
static const char *const sqlite_v10 = V10_SQL("INTEGER");
static const char *const pg_v10 = V10_SQL("BIGINT");
static const char *const sqlite_v11 = V11_SQL("INTEGER");
static const char *const pg_v11 = V11_SQL("BIGINT");
#define V12_SQL "ALTER TABLE site_urls ADD COLUMN crawl TEXT;"
static const char *const sqlite_v12 = V12_SQL;
static const char *const pg_v12 = V12_SQL;

/* [version - 1] */
static const char *const sqlite_migrations[STORE_SCHEMA_VERSION] = {
	sqlite_v1, sqlite_v2, sqlite_v3, sqlite_v4,  sqlite_v5,	 sqlite_v6,
	sqlite_v7, sqlite_v8, sqlite_v9, sqlite_v10, sqlite_v11, sqlite_v12
};
static const char *const pg_migrations[STORE_SCHEMA_VERSION] = { pg_v1, pg_v2,	pg_v3,	pg_v4,
								 pg_v5, pg_v6,	pg_v7,	pg_v8,
								 pg_v9, pg_v10, pg_v11, pg_v12 };

int store_schema_version(struct store *st, int *version, struct isp_err *err)
{
	int64_t n = 0;
	int rc;

	*version = 0;
	rc = sq_query_int(st,
			  sq_pg(st) ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename ="
				      " 'meta' AND schemaname = current_schema() AND ?1 = 1"
				    : "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				      " AND name = 'meta'",
			  1, &n, err);
	if (rc || n == 0)
		return rc;
	rc = sq_query_int(st,
			  "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'"
			  "",
			  1, &n, err);
	if (rc)
		return rc;
	*version = (int)n;
	return 0;
}

/* Apply migration `to` (from to - 1) in one transaction, unless another process did. */
static int migrate_one(struct store *st, int to, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	char v[16];
	int rc, have;

	rc = sq_exec(st, SQ_BEGIN(st), err);
	if (rc)
		return rc;
	if (sq_pg(st))
		rc = sq_exec(st, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", err);
	if (rc == 0)
		rc = store_schema_version(st, &have, err);
	if (rc || have >= to)
		goto out;
	if (have != to - 1) {
		rc = isp_err_set(err, ISR_ESTORE, "store %s: at schema version %d, not %d",
				 st->path, have, to - 1);
		goto out;
	}
	rc = sq_exec(st, (sq_pg(st) ? pg_migrations : sqlite_migrations)[to - 1], err);
	if (rc)
		goto out;
	rc = sq_prepare(st,
			"INSERT INTO meta(key, value) VALUES('schema_version', ?1)"
			" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			&s, err);
	if (rc)
		goto out;
	snprintf(v, sizeof(v), "%d", to);
	db_bind_text(s, 1, v);
	if (db_step(s) != DB_DONE)
		rc = sq_fail(st, err, "record schema version");
	db_finalize(s);
out:
	if (rc) {
		sq_exec(st, "ROLLBACK", NULL);
		return rc;
	}
	return sq_exec(st, "COMMIT", err);
}

int store_schema_migrate(struct store *st, int *from_out, int *to_out, struct isp_err *err)
{
	int rc, from, v;

	rc = store_schema_version(st, &from, err);
	if (rc)
		return rc;
	if (from_out)
		*from_out = from;
	if (from > STORE_SCHEMA_VERSION)
		return isp_err_set(err, ISR_ESTORE,
				   "store %s: schema version %d is newer than this binary's (%d)",
				   st->path, from, STORE_SCHEMA_VERSION);
	for (v = from + 1; v <= STORE_SCHEMA_VERSION; v++) {
		rc = migrate_one(st, v, err);
		if (rc)
			return rc;
	}
	rc = store_schema_version(st, &v, err);
	if (rc == 0 && to_out)
		*to_out = v;
	return rc;
}

int store_instance_id(struct store *st, char out[STORE_INSTANCE_MAX], struct isp_err *err)
{
	struct db_stmt *s = NULL;
	const char *v;
	int rc;

	out[0] = '\0';
	rc = sq_prepare(st, "SELECT value FROM meta WHERE key = 'store_id'", &s, err);
	if (rc)
		return rc;
	rc = db_step(s);
	v = rc == DB_ROW ? db_column_text(s, 0) : NULL;
	if (v)
		snprintf(out, STORE_INSTANCE_MAX, "%s", v);
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return sq_fail(st, err, "store id");
	if (!out[0])
		return isp_err_set(err, ISR_ESTORE,
				   "store %s has no store id: run ispshield store migrate",
				   st->path);
	return 0;
}

int store_version(struct store *st, int *have, int *want, struct isp_err *err)
{
	*want = STORE_SCHEMA_VERSION;
	return store_schema_version(st, have, err);
}

int store_migrate(struct store *st, int *from, int *to, struct isp_err *err)
{
	return store_schema_migrate(st, from, to, err);
}

/* Advisory lock keys: "ispshield:" + name hashed by PostgreSQL (hashtext). */
int store_try_lock(struct store *st, const char *name, int *got, struct isp_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	*got = 0;
	if (!sq_pg(st))
		return isp_err_set(
			err, ISR_EINVAL,
			"store %s: advisory locks need PostgreSQL (SQLite: flock a file)",
			st->path);
	rc = sq_prepare(st, "SELECT pg_try_advisory_lock(hashtext('ispshield:' || ?1))", &s, err);
	if (rc)
		return rc;
	db_bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == DB_ROW)
		*got = db_column_int64(s, 0) != 0;
	db_finalize(s);
	return rc == DB_ROW ? 0 : sq_fail(st, err, "advisory lock");
}

void store_unlock(struct store *st, const char *name)
{
	struct db_stmt *s = NULL;

	if (!sq_pg(st) ||
	    db_prepare(st->db, "SELECT pg_advisory_unlock(hashtext('ispshield:' || ?1))", &s) != 0)
		return;
	db_bind_text(s, 1, name);
	db_step(s);
	db_finalize(s);
}
