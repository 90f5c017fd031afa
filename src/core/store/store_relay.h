/*
 * store_relay.h -- the relay's books: rows of partner lists sent to and returned by
 * members (store_notify.c; data model in store.h).
 */
#ifndef ISP_CORE_STORE_RELAY_H
#define ISP_CORE_STORE_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

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

#endif
