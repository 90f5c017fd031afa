/*
 * store_status.h -- read-only figures of block events for the status page (store_status.c).
 */
#ifndef ISP_CORE_STORE_STATUS_H
#define ISP_CORE_STORE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

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
