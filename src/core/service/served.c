/*
 * served.c -- see served.h.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/service/served.h"

#define SERVED_CHUNK 64

void served_free(struct served *s)
{
	if (!s)
		return;
	snap_close(s->snap);
	prefixset_free(s->optout);
	free(s);
}

int served_load(const char *snap_path, const char *optout_path, struct served **out,
		struct isp_err *err)
{
	struct served *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = snap_open(snap_path, &s->snap, err);
	if (rc) {
		if (rc == ISR_ENOTFOUND)
			isp_err_set(err, rc,
				    "no snapshot at %s: run `ispshield lists compile` first",
				    snap_path);
		goto fail;
	}
	if (optout_path && optout_path[0]) {
		rc = prefixset_load(optout_path, &s->optout, err);
		if (rc)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	served_free(s);
	return rc;
}

void served_quiesce(int n, struct served_gate *(*gate)(void *ud, int i), void *ud)
{
	uint64_t seen[SERVED_CHUNK];
	int at, i, m;

	/* Called after the swap, so any worker seen past a quiescent point from here on is
	 * safe: workers can be taken a chunk at a time. */
	for (at = 0; at < n; at += m) {
		m = n - at < SERVED_CHUNK ? n - at : SERVED_CHUNK;
		for (i = 0; i < m; i++)
			seen[i] = atomic_load(&gate(ud, at + i)->quiescent);
		for (i = 0; i < m; i++) {
			struct served_gate *g = gate(ud, at + i);

			while (!atomic_load(&g->idle) && atomic_load(&g->quiescent) == seen[i]) {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
			}
		}
	}
}
