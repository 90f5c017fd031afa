/*
 * store_prune.h -- retention and masking of what the store knows about addresses
 * (store_prune.c; `ispshield store prune`, run daily by `ispshield run`).
 *
 * Retention deletes, older than `retention`:
 *   - block events (block_events, by time_ms), ingested into events or not;
 *   - partner and block events (events, by time) whose notification is decided:
 *     repeat, skipped, returned, and notified once their notice was sent. Events in state
 *     new or held (not decided yet), and notified events whose notice is still pending,
 *     being sent or failed, are never deleted;
 *   - batches (batches) received before then that no event refers to any more.
 * Masking replaces, older than `mask_after`, the client address of block events and the
 * address of decided events (as above, whatever the notice's state) by its /24 (IPv4)
 * or /56 (IPv6) in canonical prefix form ("192.0.2.0/24", "2001:db8:0:100::/56"), drops
 * the event's raw row (which holds the address too), and records when in the row's
 * `masked` column: a masked row is never masked again, and readers know a prefix is not
 * an address. Text that is no address becomes "?". A block event notify has not
 * ingested yet is marked ingested (batch 0) as it is masked: a prefix must never be
 * matched to the subscriber who held its first address.
 * Never touched: subscribers, subscriber_log (consent and opt-out history), notices,
 * lists.
 *
 * Work is done STORE_PRUNE_BATCH rows per statement (a delete) or per transaction (an
 * update), each committed on its own, so that a large table is never locked for long
 * and writers (dns, proxy, notify) interleave. The caller must not hold a transaction.
 */
#ifndef ISP_CORE_STORE_PRUNE_H
#define ISP_CORE_STORE_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

/* Rows per delete statement and per masking transaction. */
#define STORE_PRUNE_BATCH 5000

/* Masked text is at most this long, NUL included. */
#define STORE_MASK_MAX 52

struct store_prune_opts {
	int64_t now;	    /* unix seconds: ages are counted from here */
	int64_t retention;  /* seconds; 0 = delete nothing */
	int64_t mask_after; /* seconds; 0 = mask nothing */
	int dry_run;	    /* count what would be done, change nothing */
	long batch;	    /* rows per statement/transaction; 0 = STORE_PRUNE_BATCH */
};

struct store_prune_result {
	long block_events_deleted, events_deleted, batches_deleted;
	long block_events_masked, events_masked;
	long events_kept; /* older than retention, kept: undecided or notice undelivered */
};

int store_prune(struct store *st, const struct store_prune_opts *o, struct store_prune_result *r,
		struct isp_err *err);

/* The masked form of address text: "192.0.2.0/24", "2001:db8::/56", or "?" when addr is
 * no address. A prefix already shorter than /24 or /56 keeps its length. */
void store_mask_address(const char *addr, char out[STORE_MASK_MAX]);

#endif
