/*
 * store_blocks.h -- block events recorded by the DNS service and the proxy (see store.h).
 */
#ifndef ISP_CORE_STORE_BLOCKS_H
#define ISP_CORE_STORE_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

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

#endif
