/*
 * store_notify.h -- subscribers, events and their batches, notices and batch reports
 * (store_notify.c; data model in store.h).
 */
#ifndef ISP_CORE_STORE_NOTIFY_H
#define ISP_CORE_STORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

/* ---- subscribers ---- */

#define STORE_ID_MAX 128

#define STORE_PROFILE_MAX 64

struct store_subscriber {
	char id[STORE_ID_MAX];	   /* User-Name, circuit-id or hardware address */
	char email[256];	   /* "" = none (notices are then skipped, counted) */
	char language[8];	   /* "ja" or "en" */
	int64_t consent;	   /* unix seconds the subscriber consented; 0 = not recorded */
	int64_t opt_out_filtering; /* 0 = filtered; else since when opted out */
	int64_t opt_out_notices;   /* 0 = notified; else since when opted out */
	char profile[STORE_PROFILE_MAX]; /* [profile.NAME] of its lists; "" = every list */
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
/*
 * The consent and opt-out history (subscriber_log): store_subscriber_put logs what an
 * import changed (via "import": "consent", "consent withdrawn", "opt-out filtering",
 * "opt-in notices", ...), store_subscriber_opt each opt-out and opt-in (via "command":
 * "opt-out filtering", "opt-in all", ...). Retention (store_prune.h) never deletes it.
 */
struct store_subscriber_change {
	const char *subscriber;
	int64_t time; /* unix seconds */
	const char *change;
	const char *via; /* "import", "command", or NULL (before schema version 5) */
};
typedef int (*store_sub_change_fn)(void *ud, const struct store_subscriber_change *c);
/* The history of subscriber (NULL = everyone's) from since on (0 = all), oldest first. */
int store_each_subscriber_change(struct store *st, const char *subscriber, int64_t since,
				 store_sub_change_fn fn, void *ud, struct isp_err *err);
typedef int (*store_subscriber_fn)(void *ud, const struct store_subscriber *s);
/* Every subscriber; with opted_out_filtering (1) only those who opted out of filtering, or
 * (STORE_SUB_FILTER_SET) those who opted out or have a profile: what the DNS and the
 * proxy must know of. */
#define STORE_SUB_FILTER_SET 2
int store_each_subscriber(struct store *st, int opted_out_filtering, store_subscriber_fn fn,
			  void *ud, struct isp_err *err);

/* What store_subscriber_delete removed (or, dry run, would remove). */
struct store_sub_removed {
	long history; /* consent and opt-out changes */
	long notices; /* notices, with their messages */
	long events;  /* events that no longer name the subscriber (kept for the reports) */
};
/*
 * The end of a contract: remove subscriber id from the directory with its consent and
 * opt-out history and its notices; its events stay (batch reports count them) without
 * the subscriber's id or notice. One transaction; dry_run counts and changes nothing.
 * ISR_ENOTFOUND when there is no such subscriber.
 */
int store_subscriber_delete(struct store *st, const char *id, int dry_run,
			    struct store_sub_removed *n, struct isp_err *err);

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
	const char *source;	/* of the event's batch (iterators fill it in) */
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
/* The last `limit` notices (of subscriber; NULL = everyone's), newest first (no message
 * bodies). */
int store_each_notice(struct store *st, const char *subscriber, int limit, store_notice_fn fn,
		      void *ud, struct isp_err *err);
/* The notice ref names, with its message: ref is its key ("ispshield-n42", what a
 * subscriber quotes) or its id in digits. fn is called once, or not at all when there is
 * no such notice. */
int store_notice_get(struct store *st, const char *ref, store_notice_fn fn, void *ud,
		     struct isp_err *err);
/* The events of notice notice_id: those it told of, and the repeats that pointed to it,
 * oldest first. */
int store_each_notice_event(struct store *st, int64_t notice_id, store_event_fn fn, void *ud,
			    struct isp_err *err);

/* Which events store_each_event_where walks; NULL / 0 fields take any value. */
struct store_event_filter {
	const char *subscriber; /* matched to this subscriber */
	const char *ip;		/* seen at this address, as the store writes it */
	const char *name;	/* detail or reference contains this text (a name, a URL) */
	const char *source;	/* in a batch of this source ("dns", "proxy", a partner) */
	int64_t since, until;	/* event time in [since, until), unix seconds */
	int limit;		/* at most this many (0: 1000), newest first */
};
int store_each_event_where(struct store *st, const struct store_event_filter *f, store_event_fn fn,
			   void *ud, struct isp_err *err);
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

#endif
