/*
 * store_authwatch.h -- accounts authwatch suspended (store_authwatch.c).
 */
#ifndef ISP_CORE_STORE_AUTHWATCH_H
#define ISP_CORE_STORE_AUTHWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

/* ---- authwatch: accounts to suspend (store_authwatch.c) ---- */

struct store_suspension {
	const char *user;   /* the account (User-Name, SASL user) */
	const char *type;   /* the detection that suspended it ("many-sources", ...) */
	const char *reason; /* its evidence, one line */
	int64_t since;	    /* when it was suspended (unix seconds) */
	int64_t detected;   /* time of the detection (of the log lines) */
	int64_t released;   /* 0 = still suspended */
};

/*
 * Suspend s->user (s->released ignored). An account already suspended keeps its first
 * suspension and *added is 0; a released one is suspended again (*added 1) only when
 * s->detected is later than its release: a detection from before the operator released
 * it (the same log read again) leaves it released (*added 0).
 */
int store_suspend(struct store *st, const struct store_suspension *s, int *added,
		  struct isp_err *err);
/* Release user at time t. ISR_ENOTFOUND when it is not suspended. */
int store_release(struct store *st, const char *user, int64_t t, struct isp_err *err);
typedef int (*store_suspension_fn)(void *ud, const struct store_suspension *s);
/* Suspended accounts (with released, also the released ones), by user. */
int store_each_suspension(struct store *st, int released, store_suspension_fn fn, void *ud,
			  struct isp_err *err);

#endif
