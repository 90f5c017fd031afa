/*
 * evbatch.c -- detections recorded as one event batch (evbatch.h).
 */
#include "core/events/evbatch.h"

struct evbatch {
	struct store *st;
	int64_t id;
	long n;
};

int evbatch_record(struct store *st, const struct evbatch_info *info, evbatch_fill_fn fill,
		   void *ud, long *n, struct isp_err *err)
{
	struct evbatch b = { st, 0, 0 };
	int rc = store_begin(st, err);

	if (n)
		*n = 0;
	if (rc != 0)
		return rc;
	rc = store_batch_begin(st, info->source, info->file, info->format, &b.id, err);
	if (rc == 0)
		rc = fill(ud, &b, err);
	if (rc == 0)
		rc = store_batch_end(st, b.id, info->header, b.n, 0, err);
	if (rc == 0)
		rc = store_commit(st, err);
	if (rc != 0)
		store_rollback(st);
	else if (n)
		*n = b.n;
	return rc;
}

int evbatch_add(struct evbatch *b, const struct store_event *e, struct isp_err *err)
{
	int rc = store_event_add(b->st, b->id, e, err);

	if (rc == 0)
		b->n++;
	return rc;
}

struct store *evbatch_store(const struct evbatch *b)
{
	return b->st;
}
