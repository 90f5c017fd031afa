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
 * Thread safety: one struct store per thread.
 */
#ifndef ISP_CORE_STORE_H
#define ISP_CORE_STORE_H

#include <stdint.h>

#include "core/base/err.h"
#include "core/store/listkind.h"

struct store;
struct store_import;

struct store_list {
	int64_t id;
	char name[64];
	enum list_kind kind;
};

struct store_entry {
	const char *value; /* normalised value */
	enum list_action action;
	int64_t first_seen;    /* 0 = unknown (the store then uses the import time) */
	int64_t last_seen;     /* 0 = unknown (the store then uses the import time) */
	int64_t expires;       /* 0 = never */
	const char *category;  /* may be NULL */
	const char *reference; /* may be NULL */
	const char *source;    /* filled in by iterators; ignored by store_import_add */
};

struct store_import_result {
	int64_t import_id;
	long accepted;	 /* distinct values in this import */
	long duplicates; /* values seen again within this import (merged) */
	long added;	 /* values the source did not have before */
	long removed;	 /* values the source had and this import no longer lists */
	long unchanged;	 /* values the source had and still lists */
};

struct store_list_stats {
	struct store_list list;
	long entries;  /* entries over all sources (live and expired) */
	long distinct; /* distinct live values (what the snapshot holds) */
	long expired;  /* entries past their expiry */
	long sources;
	int64_t last_import; /* unix seconds, 0 = never */
};

struct store_import_info {
	int64_t id;
	const char *list, *source, *file, *format;
	int64_t started;
	long read, accepted, duplicates, rejected, added, removed, unchanged;
};

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

/*
 * Find list `name`. If it does not exist and create is set, create it with `kind`
 * (which must not be LIST_KIND_NONE). If it exists with another kind and kind is not
 * LIST_KIND_NONE, fails with ISR_EEXIST. Missing and !create: ISR_ENOTFOUND.
 */
int store_list_get(struct store *st, const char *name, enum list_kind kind, int create,
		   struct store_list *out, struct isp_err *err);

/*
 * Begin replacing the entries of `source` in list l. file is recorded with the import.
 * Until commit, the previous entries stay visible to other readers.
 */
int store_import_begin(struct store *st, const struct store_list *l, const char *source,
		       const char *file, struct store_import **out, struct isp_err *err);
/* Add one entry. *dup is set to 1 if the value was already added in this import (the
 * two are merged: earliest first_seen, latest last_seen, later category/reference). */
int store_import_add(struct store_import *imp, const struct store_entry *e, int *dup,
		     struct isp_err *err);
/* Commit: replace the source's entries, record the change. format (the format actually
 * read), `read` and `rejected` (the reader's counts) are recorded with the import.
 * Frees imp whatever the outcome. */
int store_import_commit(struct store_import *imp, const char *format, long read, long rejected,
			struct store_import_result *res, struct isp_err *err);
/* Roll back and free imp. */
void store_import_abort(struct store_import *imp);

typedef int (*store_entry_fn)(void *ud, const struct store_list *l, const struct store_entry *e);

/*
 * Call fn for every entry of list `list` (all lists if NULL) that has not expired at
 * `now`. With `distinct`, each (list, value) once (the fields of its earliest source).
 * A non-zero return from fn stops and is returned.
 */
int store_each_entry(struct store *st, const char *list, int64_t now, int distinct,
		     store_entry_fn fn, void *ud, struct isp_err *err);

/* Call fn for each source's entry of `value` in list l (expired ones included). */
int store_entry_sources(struct store *st, const struct store_list *l, const char *value,
			store_entry_fn fn, void *ud, struct isp_err *err);

typedef int (*store_stats_fn)(void *ud, const struct store_list_stats *s);
int store_each_list(struct store *st, int64_t now, store_stats_fn fn, void *ud,
		    struct isp_err *err);

typedef int (*store_import_fn)(void *ud, const struct store_import_info *i);
/* The last `limit` imports, newest first, of list `list` (all if NULL). */
int store_each_import(struct store *st, const char *list, int limit, store_import_fn fn, void *ud,
		      struct isp_err *err);

/* Values added/removed by import `import_id`: fn(ud, value, "added"|"removed"). */
typedef int (*store_change_fn)(void *ud, const char *value, const char *change);
int store_each_change(struct store *st, int64_t import_id, store_change_fn fn, void *ud,
		      struct isp_err *err);

/*
 * Block events: what the DNS service (and later the proxy) blocked. Only blocks are
 * recorded, never queries that were allowed (secrecy of communications).
 */
struct store_block_event {
	int64_t time_ms;    /* unix time in milliseconds */
	const char *client; /* client address, text */
	uint16_t port;	    /* client port */
	const char *qname;  /* the name asked for, normalised */
	uint16_t qtype;
	const char *list;   /* the list that matched */
	const char *entry;  /* the entry that matched ("*.example" for a wildcard) */
	const char *reason; /* "name", "cname" (an answer's CNAME target), "address" */
};

/* Append n events in one transaction. Returns 0 or ISR_ESTORE. */
int store_add_block_events(struct store *st, const struct store_block_event *ev, size_t n,
			   struct isp_err *err);

/* Number of block events recorded (for tests and the status page). */
int store_count_block_events(struct store *st, int64_t *out, struct isp_err *err);

/* ---- transactions (for callers that group many calls into one commit) ---- */

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. They nest: calls that open a transaction of their
 * own join the caller's, and a rollback undoes the whole outermost transaction. */
int store_begin(struct store *st, struct isp_err *err);
int store_commit(struct store *st, struct isp_err *err);
void store_rollback(struct store *st);

/* ---- subscribers ---- */

#define STORE_ID_MAX 128

struct store_subscriber {
	char id[STORE_ID_MAX];	   /* User-Name, circuit-id or hardware address */
	char email[256];	   /* "" = none (notices are then skipped, counted) */
	char language[8];	   /* "ja" or "en" */
	int64_t consent;	   /* unix seconds the subscriber consented; 0 = not recorded */
	int64_t opt_out_filtering; /* 0 = filtered; else since when opted out */
	int64_t opt_out_notices;   /* 0 = notified; else since when opted out */
};

/* Insert or replace one subscriber (the directory import). */
int store_subscriber_put(struct store *st, const struct store_subscriber *s, struct isp_err *err);
/* ISR_ENOTFOUND when the id is unknown. */
int store_subscriber_get(struct store *st, const char *id, struct store_subscriber *out,
			 struct isp_err *err);
/*
 * Record an opt-out (out = 1) or opt-in (out = 0) of `scope` ("filtering", "notices" or
 * "all") at time t, with the change in the subscriber's history. ISR_ENOTFOUND when the
 * id is unknown.
 */
int store_subscriber_opt(struct store *st, const char *id, const char *scope, int out, int64_t t,
			 struct isp_err *err);
typedef int (*store_subscriber_fn)(void *ud, const struct store_subscriber *s);
/* Every subscriber; with opted_out_filtering only those who opted out of filtering. */
int store_each_subscriber(struct store *st, int opted_out_filtering, store_subscriber_fn fn,
			  void *ud, struct isp_err *err);

/* ---- events: what was seen at an address, and what became of it ---- */

/* What notify decided for an event (the `state` column). */
enum store_event_state {
	EV_NEW = 0,  /* not processed yet */
	EV_HELD,     /* matched; waits for the subscriber's notice rate limit */
	EV_NOTIFIED, /* in a notice (see notice_id) */
	EV_REPEAT,   /* matched; the subscriber was told about this cause within the window */
	EV_SKIPPED,  /* matched; the subscriber opted out of notices or has no address */
	EV_RETURNED, /* nobody (known) held the address then: goes back to the sender */
	EV_STATE_N
};
const char *store_event_state_name(enum store_event_state s);

struct store_event {
	int64_t id;	       /* set by the store */
	int64_t batch_id;      /* set by the store */
	int64_t time;	       /* unix seconds */
	const char *ip;	       /* address, text */
	uint16_t port;	       /* source port, 0 = unknown */
	const char *cause;     /* cause.h name */
	const char *family;    /* may be NULL */
	const char *reference; /* may be NULL */
	const char *detail;    /* may be NULL */
	const char *raw;       /* the row as received, may be NULL */
	/* what notify decided (iterators fill these in) */
	enum store_event_state state;
	const char *subscriber; /* NULL until matched */
	const char *reason;	/* why returned/skipped, NULL otherwise */
	int64_t notice_id;	/* 0 = none */
};

struct store_batch {
	int64_t id;
	const char *source, *file, *format, *header;
	int64_t received; /* unix seconds */
	long rows, rejected;
};

/* Begin a batch of events from `source` (inside a transaction the caller opened). */
int store_batch_begin(struct store *st, const char *source, const char *file, const char *format,
		      int64_t *batch_id, struct isp_err *err);
int store_event_add(struct store *st, int64_t batch_id, const struct store_event *e,
		    struct isp_err *err);
/*
 * store_event_add for partner lists: an event identical to one already stored for
 * `source` (same ip, time and cause) is not added again and *dup is set to 1; the same
 * rule holds on SQLite and PostgreSQL (a unique index, schema version 4).
 */
int store_event_add_once(struct store *st, int64_t batch_id, const char *source,
			 const struct store_event *e, int *dup, struct isp_err *err);
/* Record the SHA-256 (64 hex digits) of the file batch_id was read from. */
int store_batch_set_sha256(struct store *st, int64_t batch_id, const char *sha256_hex,
			   struct isp_err *err);
/* The oldest batch of `source` read from a file with this SHA-256: 0 with *batch_id and
 * *received (unix seconds), ISR_ENOTFOUND when there is none, or ISR_ESTORE. */
int store_batch_find_sha256(struct store *st, const char *source, const char *sha256_hex,
			    int64_t *batch_id, int64_t *received, struct isp_err *err);
/* Record the batch's counts and its header line (for writing returned rows back). */
int store_batch_end(struct store *st, int64_t batch_id, const char *header, long rows,
		    long rejected, struct isp_err *err);

/*
 * Turn block events recorded since the last call into events of a new batch of source
 * "dns" (cause cc) or "proxy" (cause malware-site), each block once: the position is
 * kept in the store and moves in the same transaction. *n = events added.
 */
int store_ingest_block_events(struct store *st, long *n, struct isp_err *err);

typedef int (*store_event_fn)(void *ud, const struct store_event *e);
/* Events in state EV_NEW or EV_HELD, oldest first. */
int store_each_open_event(struct store *st, store_event_fn fn, void *ud, struct isp_err *err);
/* Events of source (NULL = all) and batch (0 = all) in `state` (-1 = all), by id. */
int store_each_event(struct store *st, const char *source, int64_t batch_id, int state,
		     store_event_fn fn, void *ud, struct isp_err *err);
/* Set what notify decided for event id. */
int store_event_decide(struct store *st, int64_t id, enum store_event_state state,
		       const char *subscriber, const char *reason, int64_t notice_id,
		       struct isp_err *err);

/* ---- notices ---- */

enum store_notice_state { NOTICE_PENDING = 0, NOTICE_SENDING, NOTICE_SENT, NOTICE_FAILED };
const char *store_notice_state_name(enum store_notice_state s);

struct store_notice {
	int64_t id;
	const char *key; /* idempotency key: unique */
	const char *subscriber, *email, *language;
	const char *causes; /* "cc,open-resolver" */
	int64_t created;
	enum store_notice_state state;
	int attempts;
	int64_t next_attempt, sent;
	const char *error;
	const char *message; /* the whole RFC 5322 message */
	size_t message_len;
};

/*
 * Store a new notice (state pending). If a notice with the same key exists already,
 * nothing is stored and *id is the existing one's (so a rerun after a crash cannot make
 * a second notice for the same events).
 */
int store_notice_add(struct store *st, const struct store_notice *n, int64_t *id,
		     struct isp_err *err);
/* The latest notice for subscriber that covered `cause`, created at or after since:
 * its id, or 0. */
int store_notice_recent(struct store *st, const char *subscriber, const char *cause, int64_t since,
			int64_t *id, struct isp_err *err);
/* How many notices subscriber was sent (or has pending) created at or after since. */
int store_notice_count(struct store *st, const char *subscriber, int64_t since, long *n,
		       struct isp_err *err);
typedef int (*store_notice_fn)(void *ud, const struct store_notice *n);
/* Notices that still need delivery (pending, sending, or failed with next_attempt <= now
 * and attempts < max_attempts), oldest first. */
int store_each_undelivered(struct store *st, int64_t now, int max_attempts, store_notice_fn fn,
			   void *ud, struct isp_err *err);
/* The last `limit` notices, newest first (no message bodies). */
int store_each_notice(struct store *st, int limit, store_notice_fn fn, void *ud,
		      struct isp_err *err);
/* Record a delivery state change (committed before it returns). */
int store_notice_mark(struct store *st, int64_t id, enum store_notice_state state, int attempts,
		      int64_t next_attempt, const char *error, struct isp_err *err);

/* ---- reports ---- */

struct store_batch_report {
	struct store_batch batch;
	long received, matched, notified, queued, repeat, skipped, returned, pending;
};
typedef int (*store_report_fn)(void *ud, const struct store_batch_report *r);
/* Per batch of source (NULL = all), oldest first. */
int store_each_batch_report(struct store *st, const char *source, store_report_fn fn, void *ud,
			    struct isp_err *err);

/* ---- relay (the ISAC's books) ---- */

struct store_relay_count {
	int64_t batch_id;
	const char *source, *member; /* member "" = rows that belong to no member */
	int64_t received_at;
	long rows, sent, returned; /* rows: the batch's total */
};
int store_relay_batch(struct store *st, const char *source, const char *files, long rows,
		      long rejected, int64_t *batch_id, struct isp_err *err);
int store_relay_sent(struct store *st, int64_t batch_id, const char *member, long n,
		     struct isp_err *err);
/* Add n returned rows to member's count in batch_id (0 = the member's latest batch);
 * *batch_out = the batch used. ISR_ENOTFOUND when the member was sent nothing. */
int store_relay_returned(struct store *st, int64_t batch_id, const char *member, long n,
			 int64_t *batch_out, struct isp_err *err);
typedef int (*store_relay_fn)(void *ud, const struct store_relay_count *c);
int store_each_relay_count(struct store *st, store_relay_fn fn, void *ud, struct isp_err *err);

/* ---- authwatch: accounts to suspend (store_authwatch.c) ---- */

struct store_suspension {
	const char *user;   /* the account (User-Name, SASL user) */
	const char *type;   /* the detection that suspended it ("many-sources", ...) */
	const char *reason; /* its evidence, one line */
	int64_t since;	    /* when it was suspended (unix seconds) */
	int64_t detected;   /* time of the detection (of the log lines) */
	int64_t released;   /* 0 = still suspended */
};

/*
 * Suspend s->user (s->released ignored). An account already suspended keeps its first
 * suspension and *added is 0; a released one is suspended again (*added 1) only when
 * s->detected is later than its release: a detection from before the operator released
 * it (the same log read again) leaves it released (*added 0).
 */
int store_suspend(struct store *st, const struct store_suspension *s, int *added,
		  struct isp_err *err);
/* Release user at time t. ISR_ENOTFOUND when it is not suspended. */
int store_release(struct store *st, const char *user, int64_t t, struct isp_err *err);
typedef int (*store_suspension_fn)(void *ud, const struct store_suspension *s);
/* Suspended accounts (with released, also the released ones), by user. */
int store_each_suspension(struct store *st, int released, store_suspension_fn fn, void *ud,
			  struct isp_err *err);

/* ---- status page: read-only figures of block events (store_status.c) ---- */

/* One row of a top list or of a time series: key (a name or a list; "" for events
 * without a list), bucket (unix ms of the bucket's start; 0 for top lists), count. */
struct store_block_count {
	const char *key;
	int64_t bucket_ms;
	long count;
};
typedef int (*store_block_count_fn)(void *ud, const struct store_block_count *c);

/*
 * The `limit` most blocked keys among block events at or after since_ms, most first
 * (ties by key): by = "name" groups by the name asked for, "list" by the list that
 * matched. ISR_EINVAL for another `by`. At most limit rows whatever the store holds.
 */
int store_block_top(struct store *st, const char *by, int64_t since_ms, int limit,
		    store_block_count_fn fn, void *ud, struct isp_err *err);
/*
 * Block events at or after since_ms of the `top` most blocked keys (by = "name" or
 * "list", as store_block_top) counted per bucket of bucket_ms (> 0) and key, oldest
 * bucket first: at most `limit` rows. ISR_EINVAL for another `by` or bucket_ms <= 0.
 */
int store_block_series(struct store *st, const char *by, int64_t since_ms, int64_t bucket_ms,
		       int top, int limit, store_block_count_fn fn, void *ud, struct isp_err *err);
/* Block events at or after since_ms (*out). */
int store_block_count_since(struct store *st, int64_t since_ms, int64_t *out, struct isp_err *err);

#endif
