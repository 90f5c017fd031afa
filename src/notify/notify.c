/*
 * notify.c -- one run of the notifier (notify.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/base/binwrite.h"
#include "core/events/cause.h"
#include "core/sessions/sessions.h"
#include "notify/deliver.h"
#include "notify/notify.h"
#include "notify/render.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

#define CHUNK_SUBSCRIBERS 256 /* subscribers decided per transaction */
#define RETRY_MAX	  ((int64_t)6 * 3600)

struct ev {
	int64_t id, time;
	uint16_t port;
	enum cause cause;
	struct ip_prefix ip;
	char *ipstr, *family, *detail;
	char *account; /* credential-abuse events of authwatch: the account itself */
	enum sess_who_result res;
	const char *user; /* into the sessions index, or the account */
};

struct evlist {
	struct ev *v;
	size_t n, cap;
	int oom;
};

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int collect(void *ud, const struct store_event *e)
{
	struct evlist *l = ud;
	struct ev *x;
	int masked;

	x = mem_next((void **)&l->v, &l->cap, l->n, sizeof(*x), 1024);
	if (!x) {
		l->oom = 1;
		return 1;
	}
	x->id = e->id;
	x->time = e->time;
	x->port = e->port;
	x->cause = cause_parse(e->cause);
	if (x->cause == CAUSE_NONE)
		x->cause = CAUSE_CC;
	if (ip_parse_prefix(e->ip, strlen(e->ip), &x->ip, &masked, NULL) != 0)
		x->ip.family = 0; /* cannot match: returned */
	x->ipstr = strdup(e->ip);
	x->family = dup_or_null(e->family);
	x->detail = dup_or_null(e->detail);
	/* authwatch names the account whose credentials were abused: its holder is the
	 * subscriber, wherever the logins came from (spraying/stuffing events name a
	 * source instead and are matched by address like the rest) */
	if (x->cause == CAUSE_CREDENTIAL && e->reference && e->family &&
	    strcmp(e->family, "spray") != 0 && strcmp(e->family, "stuffing") != 0)
		x->account = dup_or_null(e->reference);
	if (!x->ipstr) {
		l->oom = 1;
		return 1;
	}
	l->n++;
	return 0;
}

static void evlist_free(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].ipstr);
		free(l->v[i].family);
		free(l->v[i].detail);
		free(l->v[i].account);
	}
	free(l->v);
}

static int by_user_cause_time(const void *a, const void *b)
{
	const struct ev *x = *(const struct ev *const *)a, *y = *(const struct ev *const *)b;
	int c = strcmp(x->user, y->user);

	if (c)
		return c;
	if (x->cause != y->cause)
		return x->cause < y->cause ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int decide_all(struct store *st, struct ev *const *g, size_t n, enum store_event_state state,
		      const char *user, const char *reason, int64_t notice, struct isp_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = store_event_decide(st, g[i]->id, state, user, reason, notice, err);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * One subscriber's events g[0..n) (sorted by cause, time): the decision of notify.h
 * step 3, and the notice if one is due (sid: the store's id, for its Message-ID).
 */
static int decide_subscriber(struct store *st, const struct isp_config *cfg,
			     const struct notify_opts *o, const char *sid, struct ev *const *g,
			     size_t n, struct notify_stats *stats, struct isp_err *err)
{
	const char *user = g[0]->user;
	struct store_subscriber sub;
	struct render_section secs[CAUSE_N];
	struct render_event *rev = NULL;
	struct ev **fresh = NULL;
	size_t i, j, nfresh = 0, nsec = 0, at;
	int64_t first_id = INT64_MAX;
	char causes[256] = "";
	long count;
	int rc;

	rc = store_subscriber_get(st, user, &sub, err);
	if (rc == ISR_ENOTFOUND) {
		stats->returned += (long)n;
		return decide_all(st, g, n, EV_RETURNED, user, "unknown subscriber", 0, err);
	}
	if (rc)
		return rc;
	stats->matched += (long)n;
	if (sub.opt_out_notices || !sub.email[0]) {
		stats->skipped += (long)n;
		return decide_all(
			st, g, n, EV_SKIPPED, user,
			sub.opt_out_notices ? "opted out of notices" : "no e-mail address", 0, err);
	}
	fresh = malloc(n * sizeof(struct ev *));
	rev = malloc(n * sizeof(*rev));
	if (!fresh || !rev) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	/* Per cause: a repeat of a recent notice, or part of the new one. */
	for (i = 0; i < n; i = j) {
		int64_t recent = 0;

		for (j = i; j < n && g[j]->cause == g[i]->cause; j++)
			;
		rc = store_notice_recent(st, user, cause_name(g[i]->cause),
					 o->now - cfg->notify_dedup_window, &recent, err);
		if (rc)
			goto out;
		if (recent) {
			stats->repeats += (long)(j - i);
			rc = decide_all(st, g + i, j - i, EV_REPEAT, user, NULL, recent, err);
			if (rc)
				goto out;
			continue;
		}
		at = nfresh;
		for (; i < j; i++) {
			fresh[nfresh] = g[i];
			rev[nfresh] = (struct render_event){ g[i]->time, g[i]->ipstr, g[i]->port,
							     g[i]->family, g[i]->detail };
			if (g[i]->id < first_id)
				first_id = g[i]->id;
			nfresh++;
		}
		secs[nsec++] = (struct render_section){ fresh[at]->cause, rev + at, nfresh - at };
		snprintf(causes + strlen(causes), sizeof(causes) - strlen(causes), "%s%s",
			 causes[0] ? "," : "", cause_name(fresh[at]->cause));
	}
	if (!nfresh)
		goto out;
	rc = store_notice_count(st, user, o->now - cfg->notify_rate_window, &count, err);
	if (rc)
		goto out;
	if (count >= cfg->notify_max_per_window) {
		stats->held += (long)nfresh;
		rc = decide_all(st, fresh, nfresh, EV_HELD, user, "notice limit reached", 0, err);
		goto out;
	}
	{
		const struct render_ctx rc_ctx = {
			cfg->notify_templates,	  cfg->notify_isp_name, cfg->notify_contact,
			cfg->notify_opt_out_info, cfg->notify_from,	cfg->notify_opt_out_info_ja
		};
		char key[64];
		struct render_notice rn = { sub.language, sub.id, sub.email, key,
					    o->now,	  secs,	  nsec,	     sid };
		struct store_notice sn;
		char *msg = NULL;
		size_t len = 0;
		int64_t id = 0;

		snprintf(key, sizeof(key), "ispshield-n%lld", (long long)first_id);
		rc = render_notice(&rc_ctx, &rn, &msg, &len, err);
		if (rc)
			goto out;
		memset(&sn, 0, sizeof(sn));
		sn.key = key;
		sn.subscriber = sub.id;
		sn.email = sub.email;
		sn.language = strcmp(sub.language, "en") == 0 ? "en" : "ja";
		sn.causes = causes;
		sn.created = o->now;
		sn.message = msg;
		sn.message_len = len;
		rc = store_notice_add(st, &sn, &id, err);
		free(msg);
		if (rc == 0)
			rc = decide_all(st, fresh, nfresh, EV_NOTIFIED, user, NULL, id, err);
		if (rc == 0) {
			stats->notices++;
			if (o->preview)
				fprintf(o->preview, "notice %s to %s <%s> (%s): %zu event%s, %s\n",
					key, sub.id, sub.email, sn.language, nfresh,
					nfresh == 1 ? "" : "s", causes);
		}
	}
out:
	free(fresh);
	free(rev);
	return rc;
}

/* Whether e is a block event (DNS or proxy) of a list whose [list.NAME] notify is off:
 * its family is the list's name. */
static int list_quiet(const struct isp_config *cfg, const struct ev *e)
{
	const struct config_list *l;

	if ((e->cause != CAUSE_CC && e->cause != CAUSE_MALWARE_SITE) || !e->family)
		return 0;
	l = config_list_policy(cfg, e->family);
	return l && !l->notify;
}

static int decide(struct store *st, const struct isp_config *cfg, const struct notify_opts *o,
		  const char *sid, struct notify_stats *stats, struct isp_err *err)
{
	char path[CONFIG_PATH_MAX];
	struct evlist l = { 0 };
	struct sessdb *db = NULL;
	struct sess_query *q = NULL;
	enum sess_who_result *res = NULL;
	struct sess_hit *hits = NULL;
	struct ev **m = NULL;
	size_t i, j, nm = 0, groups = 0;
	int rc;

	rc = store_each_open_event(st, collect, &l, err);
	if (rc == 0 && l.oom)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory reading events");
	if (rc || l.n == 0)
		goto out;
	stats->events = (long)l.n;
	config_sessions_path(cfg, path);
	rc = sessdb_open(path, &db, err);
	if (rc == ISR_ENOTFOUND)
		rc = isp_err_set(err, ISR_ENOTFOUND,
				 "no sessions index at %s: run `ispshield sessions import` first",
				 path);
	if (rc)
		goto out;
	q = calloc(l.n, sizeof(*q));
	res = calloc(l.n, sizeof(*res));
	hits = calloc(l.n, sizeof(*hits));
	m = calloc(l.n, sizeof(struct ev *));
	if (!q || !res || !hits || !m) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < l.n; i++)
		q[i] = (struct sess_query){ l.v[i].ip, l.v[i].port, l.v[i].time };
	rc = sessdb_who_batch(db, q, l.n, cfg->notify_skew, res, hits, err);
	if (rc)
		goto out;
	rc = store_begin(st, err);
	if (rc)
		goto out;
	for (i = 0; i < l.n && rc == 0; i++) {
		struct ev *e = &l.v[i];

		e->res = e->ip.family ? res[i] : SESS_NONE;
		if (list_quiet(cfg, e)) {
			char why[128];

			/* [list.NAME] notify = off: recorded, never notified */
			snprintf(why, sizeof(why), "list %s: notify = off", e->family);
			stats->skipped++;
			rc = store_event_decide(st, e->id, EV_SKIPPED,
						e->res == SESS_FOUND ? hits[i].user : NULL, why, 0,
						err);
			continue;
		}
		if (e->account) {
			e->user = e->account;
			m[nm++] = e;
			continue;
		}
		if (e->res == SESS_FOUND) {
			e->user = hits[i].user;
			m[nm++] = e;
			continue;
		}
		stats->returned++;
		if (e->res == SESS_AMBIGUOUS)
			stats->ambiguous++;
		rc = store_event_decide(st, e->id, EV_RETURNED, NULL,
					e->res == SESS_AMBIGUOUS ? "ambiguous: two subscribers"
								 : "no session",
					0, err);
	}
	qsort(m, nm, sizeof(struct ev *), by_user_cause_time);
	for (i = 0; i < nm && rc == 0; i = j) {
		for (j = i; j < nm && strcmp(m[j]->user, m[i]->user) == 0; j++)
			;
		rc = decide_subscriber(st, cfg, o, sid, m + i, j - i, stats, err);
		if (rc == 0 && !o->dry_run && ++groups % CHUNK_SUBSCRIBERS == 0) {
			rc = store_commit(st, err);
			if (rc == 0)
				rc = store_begin(st, err);
		}
	}
	if (rc || o->dry_run)
		store_rollback(st);
	else
		rc = store_commit(st, err);
out:
	free(q);
	free(res);
	free(hits);
	free(m);
	sessdb_close(db);
	evlist_free(&l);
	return rc;
}

struct delivery {
	struct store *st;
	const struct isp_config *cfg;
	const struct notify_opts *o;
	struct deliver *d;
	struct notify_stats *stats;
	struct isp_err *err;
	const char *sid; /* the store's id */
};

static int deliver_one(void *ud, const struct store_notice *n)
{
	struct delivery *dv = ud;
	struct isp_err derr;
	char dkey[256];
	int64_t wait;
	int rc, k, attempts = n->attempts + 1;

	rc = store_notice_mark(dv->st, n->id, NOTICE_SENDING, n->attempts, n->next_attempt, NULL,
			       dv->err);
	if (rc)
		return rc;
	/* The delivery key (Maildir file name) is KEY.STORE_ID: the key alone (ispshield-n1)
	 * is unique in one store only, and another store's notice, or an old store's in a
	 * Maildir a rebuilt store delivers into, may have it. */
	snprintf(dkey, sizeof(dkey), "%s.%s", n->key, dv->sid);
	isp_err_clear(&derr);
	rc = deliver_send(dv->d, dkey, n->email, n->message, n->message_len, &derr);
	if (rc == 0) {
		dv->stats->delivered++;
		return store_notice_mark(dv->st, n->id, NOTICE_SENT, attempts, 0, NULL, dv->err);
	}
	if (dv->o->log)
		fprintf(dv->o->log, "ispshield: notice %s to %s: %s\n", n->key, n->email, derr.msg);
	wait = dv->cfg->notify_retry;
	for (k = 1; k < attempts && wait < RETRY_MAX; k++)
		wait *= 2;
	if (wait > RETRY_MAX)
		wait = RETRY_MAX;
	if (rc == ISR_EINVAL || attempts >= dv->cfg->notify_max_attempts) {
		dv->stats->given_up++;
		attempts = (int)dv->cfg->notify_max_attempts;
	} else {
		dv->stats->failed++;
	}
	return store_notice_mark(dv->st, n->id, NOTICE_FAILED, attempts, dv->o->now + wait,
				 derr.msg, dv->err);
}

static int run_locked(struct store *st, const struct isp_config *cfg, const struct notify_opts *o,
		      struct notify_stats *stats, struct isp_err *err);

/*
 * One notifier at a time per store: two runs started by overlapping cron jobs would
 * deliver the same pending notice twice. SQLite: an flock on STORE.notify-lock, released
 * by the kernel whatever way the process ends. PostgreSQL: the notifiers may run on
 * different machines, so the lock is the database's (a session advisory lock, released
 * with the connection).
 */
static int take_lock(struct store *st, const struct isp_config *cfg, int *fd, struct isp_err *err)
{
	const char *store = strncmp(cfg->store, "sqlite:", 7) == 0 ? cfg->store + 7 : cfg->store;
	char path[CONFIG_PATH_MAX + 16];

	if (store_is_pg(cfg->store)) {
		int got = 0, rc = store_try_lock(st, "notify", &got, err);

		if (rc == 0 && !got)
			rc = isp_err_set(err, ISR_EIO,
					 "another notify run holds this store's lock (PostgreSQL "
					 "advisory lock)");
		return rc;
	}
	snprintf(path, sizeof(path), "%s.notify-lock", store);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		return isp_err_set(err, ISR_EIO, "%s: %s", path,
				   e == EWOULDBLOCK ? "another notify run holds this store's lock"
						    : strerror(e));
	}
	return 0;
}

int notify_run(struct store *st, const struct isp_config *cfg, const struct notify_opts *o,
	       struct notify_stats *stats, struct isp_err *err)
{
	int lock = -1, rc = take_lock(st, cfg, &lock, err);

	if (rc == 0) {
		rc = run_locked(st, cfg, o, stats, err);
		if (store_is_pg(cfg->store))
			store_unlock(st, "notify");
	}
	if (lock >= 0)
		close(lock);
	return rc;
}

static int run_locked(struct store *st, const struct isp_config *cfg, const struct notify_opts *o,
		      struct notify_stats *stats, struct isp_err *err)
{
	char sid[STORE_INSTANCE_MAX];
	struct delivery dv = { st, cfg, o, NULL, stats, err, sid };
	long n = 0;
	int rc;

	memset(stats, 0, sizeof(*stats));
	rc = store_instance_id(st, sid, err);
	if (rc)
		return rc;
	/* A dry run does everything inside one transaction that it rolls back. */
	if (o->dry_run)
		rc = store_begin(st, err);
	if (rc == 0)
		rc = store_ingest_block_events(st, &n, err);
	stats->ingested = n;
	if (rc == 0)
		rc = decide(st, cfg, o, sid, stats, err);
	if (o->dry_run)
		store_rollback(st);
	if (rc || o->dry_run || o->no_deliver)
		return rc;
	rc = deliver_open(cfg, &dv.d, err);
	if (rc)
		return rc;
	rc = store_each_undelivered(st, o->now, (int)cfg->notify_max_attempts, deliver_one, &dv,
				    err);
	deliver_close(dv.d);
	return rc;
}
