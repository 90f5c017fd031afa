/*
 * store_urlstatus.h -- whether the URLs of a url list are still served (`lists
 * recheck`, issue 18), like URLhaus's url_status.
 *
 * One table, `url_status` (schema version 9), keyed by (list, value): the status of the
 * last verdict (online, offline, unknown), when it was checked, when it was last online,
 * the consecutive offline signals, when it is due again, the SHA-256 of the start of the
 * payload last seen, and a short detail (the status code or error). A value's row stays
 * while the value is listed by any source of the list; rows of values no longer listed
 * are not shown (they are joined to the entries).
 */
#ifndef ISP_CORE_STORE_URLSTATUS_H
#define ISP_CORE_STORE_URLSTATUS_H

#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

struct store_url_status {
	const char *value;  /* the listed URL */
	const char *status; /* "online", "offline", "unknown"; NULL/"" = never checked */
	int64_t checked;    /* unix seconds of the last check; 0 = never */
	int64_t last_online;
	int64_t fails;	       /* consecutive offline signals */
	int64_t next_check;    /* due at; 0 = now */
	const char *sha256;    /* of the payload's first bytes last seen online; may be NULL */
	const char *detail;    /* "404", "could not resolve host" ...; may be NULL */
	int64_t offline_since; /* when the status became offline; 0 = not offline */
};

typedef int (*store_url_status_fn)(void *ud, const struct store_url_status *s);
/*
 * Call fn for each distinct value of list l listed and not expired at now, with its
 * status row (fields 0/NULL when never checked), ordered by value; with due, only those
 * whose next_check is at or before now. Strings are valid during the call only; a
 * nonzero return from fn stops the walk and is returned.
 */
int store_url_status_each(struct store *st, const struct store_list *l, int64_t now, int due,
			  store_url_status_fn fn, void *ud, struct isp_err *err);

/* Insert or replace the status row of s->value in list l. */
int store_url_status_put(struct store *st, const struct store_list *l,
			 const struct store_url_status *s, struct isp_err *err);

/*
 * lists.offline-expiry: the entries of value in every source of list l that are live at
 * now expire at now (the same expiry a feed gives; the snapshot leaves them out from the
 * next compile). *n (may be NULL): entries changed.
 */
int store_url_expire(struct store *st, const struct store_list *l, const char *value, int64_t now,
		     long *n, struct isp_err *err);

#endif
