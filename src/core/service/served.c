/*
 * served.c -- see served.h.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
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

int served_slot_open(struct served_slot *s, const char *who, const char *snap_path,
		     const char *optout_path, struct isp_err *err)
{
	struct served *sh = NULL;
	int rc;

	s->snap_st = filestamp_of(snap_path);
	s->opt_st = filestamp_of(optout_path);
	rc = served_load(snap_path, optout_path, &sh, err);
	if (rc || !sh)
		return rc ? rc : ISR_ENOMEM;
	s->who = who;
	s->snap_path = snap_path;
	s->optout_path = optout_path;
	atomic_store(&s->cur, sh);
	atomic_store(&s->serial, snap_serial(sh->snap));
	return 0;
}

void served_slot_workers(struct served_slot *s, int n, struct served_gate *(*gate)(void *ud, int i),
			 void *ud)
{
	s->nworkers = n;
	s->gate = gate;
	s->ud = ud;
}

void served_slot_reload(struct served_slot *s, const char *why)
{
	struct served *sh, *old;
	struct isp_err err;
	char buf[ISP_ERR_MSG + 256];

	isp_err_clear(&err);
	if (served_load(s->snap_path, s->optout_path, &sh, &err) != 0 || !sh) {
		atomic_fetch_add(&s->reload_failures, 1);
		fprintf(stderr,
			"ispshield %s: reload (%s) failed, still serving the old data: %s\n",
			s->who, why, isp_err_str(&err, buf, sizeof(buf)));
		return;
	}
	old = atomic_exchange(&s->cur, sh);
	served_quiesce(s->nworkers, s->gate, s->ud);
	served_free(old);
	atomic_store(&s->serial, snap_serial(sh->snap));
	atomic_fetch_add(&s->reloads, 1);
	fprintf(stderr, "ispshield %s: reloaded (%s): snapshot %u keys, %zu opt-out prefixes\n",
		s->who, why, snap_keys(sh->snap), prefixset_count(sh->optout));
}

void served_slot_close(struct served_slot *s)
{
	served_free(atomic_exchange(&s->cur, NULL));
}

void served_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void served_slot_loop(struct served_slot *s, const sigset_t *set)
{
	for (;;) {
		struct timespec one = { 1, 0 };
		struct filestamp s2, o2;
		int sig = sigtimedwait(set, NULL, &one);

		if (sig == SIGTERM || sig == SIGINT)
			return;
		s2 = filestamp_of(s->snap_path);
		o2 = filestamp_of(s->optout_path);
		if (sig == SIGHUP)
			served_slot_reload(s, "SIGHUP");
		else if (!filestamp_eq(&s2, &s->snap_st) && s2.exists)
			served_slot_reload(s, "snapshot changed");
		else if (!filestamp_eq(&o2, &s->opt_st))
			served_slot_reload(s, "opt-out file changed");
		s->snap_st = s2;
		s->opt_st = o2;
	}
}
