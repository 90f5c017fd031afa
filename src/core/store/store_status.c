/*
 * store_status.c -- read-only figures of the block events for the status page
 * (src/status): top blocked names and lists, and their blocks per time bucket. Every
 * query carries a LIMIT, so what the page holds stays bounded whatever the store holds;
 * all of them use the block_events_time index to skip old events.
 */
#include <string.h>

#include "core/store/store.h"
#include "core/store/store_status.h"
#include "core/store/store_int.h"

/* count_each(st, sql, a, what, fn, ud, err): run sql with a, calling fn for each row. */
SQ_WALK(count, store_block_count_fn, struct store_block_count)

/* One row: key, bucket, count in columns 0, 1, 2. */
static int count_read(struct db_stmt *s, struct store_block_count *c)
{
	sq_columns(s, SQ_COLS(SQ_C(&c->key), SQ_C(&c->bucket_ms), SQ_C(&c->count)));
	if (!c->key)
		c->key = "";
	return 0;
}

int store_block_top(struct store *st, const char *by, int64_t since_ms, int limit,
		    store_block_count_fn fn, void *ud, struct isp_err *err)
{
	static const char by_name[] =
		"SELECT qname, 0, count(*) AS n FROM block_events WHERE time_ms >= ?"
		" GROUP BY qname ORDER BY n DESC, qname LIMIT ?";
	static const char by_list[] =
		"SELECT coalesce(list, ''), 0, count(*) AS n FROM block_events WHERE time_ms >= ?"
		" GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?";

	if (strcmp(by, "name") != 0 && strcmp(by, "list") != 0)
		return isp_err_set(err, ISR_EINVAL, "store_block_top: unknown grouping '%s'", by);
	return count_each(st, by[0] == 'n' ? by_name : by_list,
			  SQ_ARGS(SQ_I(since_ms), SQ_I(limit)), "top blocked", fn, ud, err);
}

int store_block_series(struct store *st, const char *by, int64_t since_ms, int64_t bucket_ms,
		       int top, int limit, store_block_count_fn fn, void *ud, struct isp_err *err)
{
	static const char by_name[] =
		"SELECT qname, (time_ms / ?2) * ?2 AS b, count(*) FROM block_events"
		" WHERE time_ms >= ?1 AND qname IN (SELECT qname FROM block_events"
		"  WHERE time_ms >= ?1 GROUP BY qname ORDER BY count(*) DESC, qname LIMIT ?3)"
		" GROUP BY b, 1 ORDER BY b, 1 LIMIT ?4";
	static const char by_list[] =
		"SELECT coalesce(list, '') AS l, (time_ms / ?2) * ?2 AS b, count(*) FROM "
		"block_events"
		" WHERE time_ms >= ?1 AND coalesce(list, '') IN (SELECT coalesce(list, '')"
		"  FROM block_events WHERE time_ms >= ?1 GROUP BY 1 ORDER BY count(*) DESC, 1"
		"  LIMIT ?3)"
		" GROUP BY b, l ORDER BY b, l LIMIT ?4";

	if (strcmp(by, "name") != 0 && strcmp(by, "list") != 0)
		return isp_err_set(err, ISR_EINVAL, "store_block_series: unknown grouping '%s'",
				   by);
	if (bucket_ms <= 0)
		return isp_err_set(err, ISR_EINVAL, "store_block_series: bucket must be > 0");
	return count_each(st, by[0] == 'n' ? by_name : by_list,
			  SQ_ARGS(SQ_I(since_ms), SQ_I(bucket_ms), SQ_I(top), SQ_I(limit)),
			  "blocks per bucket", fn, ud, err);
}

int store_block_count_since(struct store *st, int64_t since_ms, int64_t *out, struct isp_err *err)
{
	return sq_query_int(st, "SELECT count(*) FROM block_events WHERE time_ms >= ?", since_ms,
			    out, err);
}
