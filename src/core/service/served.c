/*
 * served.c -- see served.h.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "core/net/ip.h"
#include "core/base/log.h"
#include "core/service/served.h"

#define SERVED_CHUNK	64
#define SERVED_PAGE_MAX ((size_t)16 * 1024) /* largest page template (the proxy's pages: 24 KB) */

void served_free(struct served *s)
{
	unsigned i;
	int p;

	if (!s)
		return;
	snap_close(s->snap);
	prefixset_free(s->optout);
	for (i = 0; s->lists && i < s->nlists; i++)
		free(s->lists[i].page);
	free(s->lists);
	free(s->masks);
	for (p = 0; s->profile_sets && p < s->nprofiles; p++)
		prefixset_free(s->profile_sets[p]);
	free(s->profile_sets);
	free(s);
}

/* The counter slot of list `name`: its slot from an earlier load, or a new one. */
static unsigned short name_slot(struct served_names *nm, const char *name)
{
	unsigned i, n = atomic_load(&nm->n);

	for (i = 0; i < n; i++)
		if (strcmp(nm->name[i], name) == 0)
			return (unsigned short)i;
	if (n == SERVED_LIST_SLOTS - 1) { /* full: the last slot takes the rest */
		snprintf(nm->name[n], sizeof(nm->name[n]), "(other)");
		atomic_store(&nm->n, n + 1);
		return (unsigned short)n;
	}
	if (n == SERVED_LIST_SLOTS)
		return SERVED_LIST_SLOTS - 1;
	snprintf(nm->name[n], sizeof(nm->name[n]), "%s", name);
	atomic_store(&nm->n, n + 1);
	return (unsigned short)n;
}

/* The page template at path (NUL-terminated): errors name it "page template PATH"; one
 * over SERVED_PAGE_MAX bytes is ISR_EINVAL. */
static int read_page(const char *path, char **out, size_t *len, struct isp_err *err)
{
	struct isp_err e;
	int rc;

	isp_err_clear(&e);
	rc = fs_read_file(path, SERVED_PAGE_MAX, out, len, &e);
	if (rc)
		return isp_err_set(err, rc == ISR_ELIMIT ? ISR_EINVAL : rc, "page template %s",
				   e.msg);
	return 0;
}

/* The per-list policy and the profile masks of s->snap under cfg. */
static int build_policy(struct served *s, const struct isp_config *cfg, struct served_names *nm,
			struct isp_err *err)
{
	unsigned i;
	int p, rc;

	s->nlists = snap_nlists(s->snap);
	s->lists = calloc(s->nlists ? s->nlists : 1, sizeof(*s->lists));
	s->nprofiles = cfg ? cfg->nprofiles : 0;
	s->words = (s->nlists + 63) / 64;
	s->masks = calloc((size_t)(s->nprofiles ? s->nprofiles : 1) * (s->words ? s->words : 1),
			  sizeof(uint64_t));
	s->profile_sets = calloc((size_t)(s->nprofiles ? s->nprofiles : 1), sizeof(void *));
	if (!s->lists || !s->masks || !s->profile_sets)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (i = 0; i < s->nlists; i++) {
		struct snap_list_info li;
		const struct config_list *cl;
		struct served_list *l = &s->lists[i];

		snap_list(s->snap, i, &li);
		l->events = l->notify = 1;
		l->slot = nm ? name_slot(nm, li.name) : 0;
		cl = cfg ? config_list_policy(cfg, li.name) : NULL;
		if (cl) {
			l->action = (unsigned char)cl->action;
			l->events = (unsigned char)cl->events;
			l->notify = (unsigned char)cl->notify;
			l->ede_text = cl->ede_text[0] ? cl->ede_text : NULL;
			if (cl->page[0]) {
				rc = read_page(cl->page, &l->page, &l->page_len, err);
				if (rc)
					return rc;
			}
		}
		for (p = 0; p < s->nprofiles; p++)
			if (config_profile_has_list(&cfg->profiles[p], li.name))
				s->masks[(size_t)p * s->words + i / 64] |= (uint64_t)1 << (i % 64);
	}
	return 0;
}

/* A growing comma-separated list of prefixes, for prefixset_parse. */
struct pfxbuf {
	char *v;
	size_t n, cap;
};

static int pfxbuf_add(struct pfxbuf *b, const char *s, size_t n)
{
	if (mem_grow((void **)&b->v, &b->cap, b->n + n + 2, 1))
		return -1;
	if (b->n)
		b->v[b->n++] = ',';
	memcpy(b->v + b->n, s, n);
	b->n += n;
	b->v[b->n] = '\0';
	return 0;
}

/* Read the opt-out file (served.h): opt-out prefixes into s->optout, profile prefixes
 * into s->profile_sets. */
static int load_optout(struct served *s, const char *path, const struct isp_config *cfg,
		       struct isp_err *err)
{
	struct pfxbuf opt = { 0 }, *prof;
	char line[512], *b = NULL;
	long lineno = 0;
	size_t n = 0;
	FILE *f;
	int rc = 0, p;

	f = fopen(path, "r");
	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	prof = calloc((size_t)(s->nprofiles ? s->nprofiles : 1), sizeof(*prof));
	if (!prof) {
		fclose(f);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	while ((rc = prefixset_next_word(f, path, line, sizeof(line), &lineno, &b, &n, err)) == 1) {
		struct ip_prefix pf;
		struct pfxbuf *into = &opt;

		if (n > 8 && strncmp(b, "profile=", 8) == 0) {
			char name[CONFIG_NAME_MAX];

			if (n - 8 >= sizeof(name)) {
				rc = isp_err_at(err, ISR_EINVAL, path, lineno, -1,
						"profile name too long");
				break;
			}
			memcpy(name, b + 8, n - 8);
			name[n - 8] = '\0';
			into = NULL;
			if (strcmp(name, "none") == 0)
				into = &opt;
			for (p = 0; !into && p < s->nprofiles; p++)
				if (strcmp(cfg->profiles[p].name, name) == 0)
					into = &prof[p];
			b += n;
			b += strspn(b, " \t\r\n");
			n = strcspn(b, " \t\r\n");
			if (n == 0) {
				rc = isp_err_at(err, ISR_EINVAL, path, lineno, -1,
						"profile=%s without a prefix", name);
				break;
			}
		}
		rc = prefixset_parse_word(b, n, &pf, path, lineno, err);
		if (rc)
			break;
		/* a profile this configuration does not have: every list, as without one */
		if (into && pfxbuf_add(into, b, n) != 0) {
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
			break;
		}
	}
	fclose(f);
	if (rc == 0)
		rc = prefixset_parse(opt.v ? opt.v : "", &s->optout, err);
	for (p = 0; rc == 0 && p < s->nprofiles; p++)
		rc = prefixset_parse(prof[p].v ? prof[p].v : "", &s->profile_sets[p], err);
	free(opt.v);
	for (p = 0; p < s->nprofiles; p++)
		free(prof[p].v);
	free(prof);
	return rc;
}

int served_hit(const struct served *sh, const struct snap_result *r, int profile, int *hit)
{
	int i, logged = -1;

	for (i = 0; i < r->n; i++)
		if (r->hits[i].allow)
			return -1;
	for (i = 0; i < r->n; i++) {
		unsigned l = r->hits[i].list;
		int action = l < sh->nlists ? sh->lists[l].action : LIST_ACTION_DEFAULT;

		if (!served_list_applies(sh, profile, l))
			continue;
		if (action == LIST_ACTION_LOG_ONLY) {
			if (logged < 0)
				logged = i;
			continue;
		}
		*hit = i;
		return action;
	}
	if (logged >= 0) {
		*hit = logged;
		return LIST_ACTION_LOG_ONLY;
	}
	return -1;
}

int served_client_profile(const struct served *sh, const struct sockaddr *sa)
{
	int p;

	for (p = 0; p < sh->nprofiles; p++)
		if (sh->profile_sets[p] && prefixset_contains_sa(sh->profile_sets[p], sa))
			return p;
	return -1;
}

int served_load(const char *snap_path, const char *optout_path, const struct isp_config *cfg,
		struct served_names *names, struct served **out, struct isp_err *err)
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
	rc = build_policy(s, cfg, names, err);
	if (rc)
		goto fail;
	if (optout_path && optout_path[0]) {
		rc = load_optout(s, optout_path, cfg, err);
		if (rc)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	served_free(s);
	return rc;
}

/* Mark the lists of sh as the ones the metrics show. */
static void mark_live(struct served_names *nm, const struct served *sh)
{
	unsigned i;

	if (!nm)
		return;
	for (i = 0; i < SERVED_LIST_SLOTS; i++)
		atomic_store(&nm->live[i], 0);
	for (i = 0; i < sh->nlists; i++)
		atomic_store(&nm->live[sh->lists[i].slot], 1);
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
		     const char *optout_path, const struct isp_config *cfg, struct isp_err *err)
{
	struct served *sh = NULL;
	int rc;

	s->snap_st = filestamp_of(snap_path);
	s->opt_st = filestamp_of(optout_path);
	s->cfg = cfg;
	s->names = calloc(1, sizeof(*s->names));
	if (!s->names)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = served_load(snap_path, optout_path, cfg, s->names, &sh, err);
	if (rc || !sh)
		return rc ? rc : ISR_ENOMEM;
	mark_live(s->names, sh);
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
	if (served_load(s->snap_path, s->optout_path, s->cfg, s->names, &sh, &err) != 0 || !sh) {
		atomic_fetch_add(&s->reload_failures, 1);
		log_msg(LOGS_ERROR, s->who, "reload (%s) failed, still serving the old data: %s",
			why, isp_err_str(&err, buf, sizeof(buf)));
		return;
	}
	old = atomic_exchange(&s->cur, sh);
	mark_live(s->names, sh);
	served_quiesce(s->nworkers, s->gate, s->ud);
	served_free(old);
	atomic_store(&s->serial, snap_serial(sh->snap));
	atomic_fetch_add(&s->reloads, 1);
	log_msg(LOGS_NOTICE, s->who, "reloaded (%s): snapshot %u keys, %zu opt-out prefixes", why,
		snap_keys(sh->snap), prefixset_count(sh->optout));
}

void served_slot_close(struct served_slot *s)
{
	served_free(atomic_exchange(&s->cur, NULL));
	free(s->names);
	s->names = NULL;
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
		if (sig == SIGHUP && s->hup)
			s->hup(s->ud);
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
