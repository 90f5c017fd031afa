/*
 * notify.h -- one run of the notifier: from new events to delivered notices.
 *
 *   1. ingest  block events the DNS service and the proxy recorded since the last run
 *              become events (store_ingest_block_events).
 *   2. match   every open event (new, or held by the rate limit) is matched to the
 *              session that held its address at its time (sessions index, notify.skew;
 *              CGNAT port blocks where the index has them). No session, or two
 *              subscribers equally close: returned, with the reason.
 *   3. decide  per subscriber: unknown to the directory -> returned; opted out of notices
 *              or no e-mail address -> skipped; a cause told within dedup-window ->
 *              repeat of that notice; the rest -> one notice for all its causes, unless
 *              the subscriber had max-per-window notices within rate-window (held).
 *              A notice is stored with its idempotency key in the same transaction that
 *              marks its events, one transaction per subscriber.
 *   4. deliver every undelivered notice: state sending (committed), hand it over, state
 *              sent, or failed with a retry time (notify.retry doubling, up to 6 h,
 *              notify.max-attempts in all); a 5xx refusal is final.
 *
 * A kill at any point loses nothing and sends nothing twice, except in the one window
 * SMTP leaves open: after the server has read the message and before its reply reached
 * us (RFC 1047). A notice found in state sending is sent again, with the same
 * Message-ID. Maildir delivery has no such window. Only one run at a time works on a
 * store (an flock on STORE.notify-lock); a second one fails at once.
 */
#ifndef ISP_NOTIFY_NOTIFY_H
#define ISP_NOTIFY_NOTIFY_H

#include <stdint.h>
#include <stdio.h>

#include "core/service/config.h"
#include "core/base/err.h"
#include "core/events/xarf.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

struct notify_stats {
	long ingested;	/* block events turned into events */
	long events;	/* open events considered */
	long matched;	/* held by a known subscriber */
	long returned;	/* nobody (known) held the address */
	long ambiguous; /* of returned: two subscribers equally close */
	long skipped;	/* opted out of notices / no e-mail */
	long repeats;	/* told about the cause within dedup-window */
	long held;	/* over the per-subscriber limit; next run */
	long notices;	/* notices created */
	long delivered; /* notices delivered in this run */
	long failed;	/* deliveries that failed in this run (will retry) */
	long given_up;	/* notices that reached max-attempts or were refused */
};

struct notify_opts {
	int dry_run;	/* decide and print, change nothing, deliver nothing */
	int no_deliver; /* decide only */
	int64_t now;	/* unix seconds (tests pass a fixed time) */
	FILE *preview;	/* dry run: one line per notice that would be made (may be NULL) */
	FILE *log;	/* one line per delivery problem (may be NULL) */
};

int notify_run(struct store *st, const struct isp_config *cfg, const struct notify_opts *o,
	       struct notify_stats *stats, struct isp_err *err);

/*
 * The per-batch report of source (NULL: every source) to out (listing.c): a table with
 * received, matched, notified, queued, skipped, returned, pending and the handled rate
 * (notified / received) per batch, "no batches ..." when there is none; with json, one
 * JSON array of objects instead. Returns 0, or the store's error (JSON: nothing written).
 */
int notify_report(struct store *st, const char *source, int json, FILE *out, struct isp_err *err);

/*
 * The limit most recent notices and their delivery state to out: a table with a header
 * line, or with json one JSON array. A failed notice with fewer than max_attempts
 * attempts is shown as "retrying", with its next attempt's time. Returns 0 or the store's
 * error.
 */
int notify_notices(struct store *st, const char *subscriber, int limit, int max_attempts, int json,
		   FILE *out, struct isp_err *err);

/*
 * `events show`: the events f picks, newest first, each with what became of it (state,
 * subscriber, notice id or the reason it was returned or skipped): a table, or with json
 * one JSON array. Returns 0 or the store's error. (trace.c)
 */
int notify_events_show(struct store *st, const struct store_event_filter *f, int json, FILE *out,
		       struct isp_err *err);
/*
 * `notify show REF`: one notice (REF: its reference ispshield-nN, or its id), its recipient,
 * causes, delivery state (retrying with the next attempt while attempts remain), its
 * events and its message as the subscriber got it, decoded. ISR_ENOTFOUND when there is
 * no such notice. (trace.c)
 */
int notify_show(struct store *st, const char *ref, int max_attempts, int json, FILE *out,
		struct isp_err *err);
/*
 * `subscribers show ID`: the subscriber s, the sessions of the index at sessions_path that
 * were open at or after since (none when there is no index), the consent and opt-out
 * history and the last 20 notices. json: one object (s's fields, "sessions", "notices").
 * (trace.c)
 */
int notify_subscriber_show(struct store *st, const struct store_subscriber *s,
			   const char *sessions_path, int64_t since, int max_attempts, int json,
			   FILE *out, struct isp_err *err);

/* Which CSV header the returned rows of a source are written with. */
struct notify_returned_pick {
	int64_t want;	   /* the batch asked for, 0: all */
	char header[4096]; /* the first (or the wanted) batch's header, "" if none */
	int found;	   /* the wanted batch (or one with returned rows) exists */
	int mixed;	   /* batches with returned rows have different headers */
};

/*
 * Fill *p for the returned rows of source, batch (0: every batch with returned rows).
 * Returns 0 or the store's error.
 */
int notify_returned_header(struct store *st, const char *source, int64_t batch,
			   struct notify_returned_pick *p, struct isp_err *err);

/* X-ARF output of the returned rows (core/events/xarf.h): who reports, to whom. */
struct notify_xarf {
	const struct xarf_party *me;
	const char *to; /* NULL: undisclosed recipients */
	int64_t now;	/* the mails' date */
};

/*
 * Write the returned rows of source, batch (0: all) to out as CSV: the line header (NULL:
 * "timestamp,ip") plus ",reason", then each row as received (or its time and address)
 * with its reason quoted. With xarf set, instead one X-ARF mail per row (the report of
 * the row's cause, the header and row as evidence, the reason in the description and a
 * tag status:returned) appended to out as an mbox. *rows: the rows written. Returns 0,
 * the store's error or the writer's.
 */
int notify_write_returned(struct store *st, const char *source, int64_t batch, const char *header,
			  const struct notify_xarf *xarf, FILE *out, long *rows,
			  struct isp_err *err);

#endif
