/*
 * listcheck.h -- what `lists check` does with one value: look it up in the snapshot with
 * the normaliser and lookup code the DNS and proxy services use, decide as they do
 * whether it is blocked (a hit and no allow hit), and report each match with where the
 * entry came from (each source's first/last seen, category, reference, from the store)
 * as text lines or JSON objects. Times are shown as every command shows them to people
 * (time_fmt_local).
 */
#ifndef ISP_CORE_LISTCHECK_H
#define ISP_CORE_LISTCHECK_H

#include <jansson.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/lists/allowlist.h"
#include "core/lists/snapshot.h"
#include "core/store/store.h"

struct listcheck {
	struct snap *snap;
	struct store *st;	      /* adds the sources' details; may be NULL */
	const struct allowset *allow; /* the allowlist's details; may be NULL */
	json_t *out;		      /* a JSON array to append one object per value to, or
				       * NULL: text lines on f */
	FILE *f;
};

/*
 * Check value q as kind (LIST_KIND_NONE: guessed). *blocked: 1 when the services would
 * block it. Returns the number of matches, or ISR_EINVAL with err set when q is not a
 * valid value (the message does not repeat q).
 */
int listcheck_value(struct listcheck *k, const char *q, enum list_kind kind, int *blocked,
		    struct isp_err *err);

/* Whether a list of st was imported after snap was compiled (the snapshot serves old
 * data until the next compile). */
int listcheck_stale(struct store *st, const struct snap *snap);

#endif
