/*
 * evbatch.h -- detections recorded as one event batch: the one way survey, darknet and
 * authwatch turn what they found into events for `notify` (a batch row, its events,
 * its counts and header) inside one store transaction, rolled back whole on failure.
 */
#ifndef ISP_CORE_EVBATCH_H
#define ISP_CORE_EVBATCH_H

#include "core/base/err.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

/* The batch row: where the events came from. */
struct evbatch_info {
	const char *source; /* the detector: "survey", "darknet", "authwatch" */
	const char *file;   /* the files read (space separated), or what stands for them */
	const char *format; /* the input's format name */
	const char *header; /* the columns of the batch's events, for writing them back */
};

struct evbatch;

/* Adds the events (evbatch_add) and anything else that belongs in the same transaction
 * (evbatch_store); returns 0, or an ISR code with err set to roll back. */
typedef int (*evbatch_fill_fn)(void *ud, struct evbatch *b, struct isp_err *err);

/*
 * In one transaction on st: begin a batch described by info, call fill, record the
 * batch's row count (the events added) and header, commit. On any failure the
 * transaction is rolled back and the ISR code returned with err set; *n (may be NULL)
 * is the number of events added.
 */
int evbatch_record(struct store *st, const struct evbatch_info *info, evbatch_fill_fn fill,
		   void *ud, long *n, struct isp_err *err);

/* Add one event to the batch (e->time, ip, cause, ...). 0 or an ISR code with err set. */
int evbatch_add(struct evbatch *b, const struct store_event *e, struct isp_err *err);

/* The store the batch is written to, for rows that belong in the same transaction. */
struct store *evbatch_store(const struct evbatch *b);

#endif
