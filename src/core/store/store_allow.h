/*
 * store_allow.h -- the operator's allowlist in the store (store_allow.c): values that no
 * list may block, each with who added it, when, why and until when.
 *
 * One table, `allowlist` (schema version 5), keyed by the normalised value; the kind
 * (domain, url, ip) is stored beside it. The store keeps rows as given: validation
 * (list_value_normalise) and how an allow applies (the snapshot build) live in
 * core/lists/allowlist.h. Expired rows stay until removed, so `lists allow show` can
 * list them apart from the active ones.
 */
#ifndef ISP_CORE_STORE_ALLOW_H
#define ISP_CORE_STORE_ALLOW_H

#include <stdint.h>

#include "core/base/err.h"
#include "core/store/listkind.h"
#include "core/store/store.h"

struct store_allow {
	const char *value; /* normalised: "example.com", "*.example.com", URL, prefix */
	enum list_kind kind;
	const char *reason; /* may be NULL */
	const char *by;	    /* who added it */
	int64_t added;	    /* unix seconds */
	int64_t expires;    /* unix seconds; 0 = never */
};

/*
 * Add a->value, or replace the row of the same value (reason, by, added and expires are
 * the new ones: adding again renews a time-boxed allow). a->added 0 = now.
 * *replaced (may be NULL): 1 when a row of that value existed.
 */
int store_allow_add(struct store *st, const struct store_allow *a, int *replaced,
		    struct isp_err *err);
/* Remove the row of value. ISR_ENOTFOUND when there is none. */
int store_allow_remove(struct store *st, const char *value, struct isp_err *err);

typedef int (*store_allow_fn)(void *ud, const struct store_allow *a);
/*
 * Call fn for every row, ordered by value; with now > 0, only those not expired at now
 * (expires 0 or > now). The strings are valid during the call only. A nonzero return
 * from fn stops the walk and is returned.
 */
int store_allow_each(struct store *st, int64_t now, store_allow_fn fn, void *ud,
		     struct isp_err *err);

#endif
