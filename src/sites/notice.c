/*
 * notice.c -- `sites notify` (sites.h): one notice per contact per day, covering every
 * listed URL of that contact's sites, made in the store before it is delivered.
 *
 *   0. handled the sites whose every URL `lists recheck` now finds offline are marked
 *              handled (store_sites_mark_handled): no notice goes to them any more.
 *   1. make    the domestic sites with a contact and no notice yet, grouped by their
 *              first contact that has not bounced, and the follow-ups due (a site still
 *              online sites.renotify-after past its last notice, escalated to its hosting
 *              contact; at most sites.max-notices: store_sites_followups), grouped with
 *              them by contact; per contact one notice of key site-YYYYMMDD-HASH (day in
 *              JST, HASH the first 16 hex digits of the SHA-256 of the address), stored
 *              with its sites and their rounds in one transaction. (email, day) is unique
 *              in the store: a second run the same day makes nothing, so a contact never
 *              gets two notices a day.
 *   2. deliver every notice not delivered yet (new, sending, failed): state sending
 *              (committed), render the template (sites-notice.LANG.txt, or
 *              sites-renotice.LANG.txt when a site in it is a follow-up) through the
 *              notify machinery (env->render), hand over (env->send), state sent -- or
 *              failed (retried next run, up to notify.max-attempts) or refused (5xx).
 * A kill at any point loses nothing; the window SMTP leaves open (the server has the
 * message, we have not read its reply) sends the same message again with the same
 * Message-ID, as `notify run` does. Maildir delivery has no such window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/store/store_sites.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

#define JST_OFFSET ((int64_t)9 * 3600)

struct due {
	int64_t site, round;
	char email[SITES_EMAIL_MAX + 1];
};

struct due_list {
	struct due *d;
	size_t n, cap;
	int oom;
};

static int on_due(void *ud, const struct store_site_due *d)
{
	struct due_list *l = ud;
	struct due *x = mem_next((void **)&l->d, &l->cap, l->n, sizeof(*l->d), 64);

	if (!x) {
		l->oom = 1;
		return 1;
	}
	x->site = d->site;
	x->round = d->round > 1 ? d->round : 1;
	snprintf(x->email, sizeof(x->email), "%s", d->email ? d->email : "");
	l->n++;
	return 0;
}

/* by email, then site: one notice per run of equal addresses */
static int cmp_due(const void *a, const void *b)
{
	const struct due *x = a, *y = b;
	int c = strcmp(x->email, y->email);

	return c ? c : x->site < y->site ? -1 : x->site > y->site;
}

/* t in JST: what 0 "YYYY-MM-DD HH:MM", 1 "YYYY-MM-DD", 2 "YYYYMMDD" */
static void jst(int64_t t, int what, char *out, size_t size)
{
	time_t tt = (time_t)(t + JST_OFFSET);
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	if (what == 0)
		strftime(out, size, "%Y-%m-%d %H:%M", &tm);
	else if (what == 1)
		strftime(out, size, "%Y-%m-%d", &tm);
	else
		strftime(out, size, "%Y%m%d", &tm);
}

/* ---- rendering one notice ---- */

struct body {
	struct strbuf urls, domains;
	char found_as[64]; /* scope, source of the first site's contact row */
	char last_domain[256];
	long count;
	int64_t round, first_sent; /* the highest round; the earliest first notice of a
				    * follow-up site */
};

void sites_defang(struct strbuf *b, const char *url)
{
	const char *p = url, *host_end;

	if (strncmp(p, "http", 4) == 0) {
		strbuf_str(b, "hxxp");
		p += 4;
	}
	host_end = strstr(p, "://");
	host_end = host_end ? strchr(host_end + 3, '/') : NULL;
	for (; *p; p++) {
		if (*p == '.' && (!host_end || p < host_end))
			strbuf_str(b, "[.]");
		else
			strbuf_add(b, p, 1);
	}
}

static int on_url(void *ud, const struct store_site_url_row *r)
{
	struct body *b = ud;
	char first[32], last[32];

	jst(r->first_seen, 0, first, sizeof(first));
	jst(r->last_seen, 0, last, sizeof(last));
	if (!b->found_as[0] && r->scope && r->source)
		snprintf(b->found_as, sizeof(b->found_as), "%s, %s", r->scope, r->source);
	if (r->round > b->round)
		b->round = r->round;
	if (r->round > 1 && r->first_sent > 0 && (!b->first_sent || r->first_sent < b->first_sent))
		b->first_sent = r->first_sent;
	if (strcmp(b->last_domain, r->domain) != 0) {
		snprintf(b->last_domain, sizeof(b->last_domain), "%s", r->domain);
		strbuf_fmt(&b->domains, "%s%s", b->domains.len ? ", " : "", r->domain);
	}
	strbuf_str(&b->urls, "  - ");
	sites_defang(&b->urls, r->url);
	strbuf_fmt(&b->urls, "\n    first seen %s JST, last seen %s JST\n", first, last);
	if (r->crawl)
		sites_crawl_render(&b->urls, r->crawl, 1);
	b->count++;
	return 0;
}

static int deliver_one(struct store *st, const struct isp_config *cfg, const struct sites_env *env,
		       const struct store_site_notice *n, const char *store_id, int64_t now,
		       struct sites_notify_stats *s, struct isp_err *err)
{
	struct body b;
	char count[32], round[32], first[16] = "", *msg = NULL;
	size_t len = 0;
	struct isp_err e2;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = store_site_notice_urls(st, n->id, on_url, &b, err);
	if (rc)
		goto out;
	if (b.urls.oom || b.domains.oom) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(count, sizeof(count), "%ld", b.count);
	snprintf(round, sizeof(round), "%lld", (long long)(b.round > 1 ? b.round : 1));
	if (b.first_sent)
		jst(b.first_sent, 1, first, sizeof(first));
	{
		const char *vars[] = {
			"isp_name",	cfg->notify_isp_name,
			"contact",	cfg->notify_contact,
			"reference",	n->key,
			"count",	count,
			"domains",	b.domains.p ? b.domains.p : "",
			"urls",		b.urls.p ? b.urls.p : "",
			"found_as",	b.found_as,
			"round",	round,
			"first_notice", first,
		};
		const char *lang = strcmp(cfg->sites_country, "JP") == 0 ? "ja" : "en";

		rc = env->render(env->ud, b.round > 1 ? "sites-renotice" : "sites-notice", lang,
				 vars, sizeof(vars) / sizeof(vars[0]) / 2, n->email, n->key,
				 store_id, now, &msg, &len, err);
	}
	if (rc == 0)
		rc = sites_notice_xarf(st, cfg, n, &msg, &len, err);
	if (rc)
		goto out;
	rc = store_site_notice_state(st, n->id, "sending", NULL, now, err);
	if (rc)
		goto out;
	isp_err_clear(&e2);
	rc = env->send(env->ud, n->key, n->email, msg, len, &e2);
	if (rc == 0) {
		s->delivered++;
		rc = store_site_notice_state(st, n->id, "sent", NULL, now, err);
	} else {
		int final = rc == ISR_EINVAL || n->attempts + 1 >= cfg->notify_max_attempts;

		if (env->log)
			fprintf(env->log, "sites notify: %s to %s: %s%s\n", n->key, n->email,
				e2.msg, final ? " (given up)" : " (will retry)");
		if (final)
			s->given_up++;
		else
			s->failed++;
		rc = store_site_notice_state(st, n->id, final ? "refused" : "failed", e2.msg, now,
					     err);
	}
out:
	free(msg);
	free(b.urls.p);
	free(b.domains.p);
	return rc;
}

/* A notice to deliver, copied out of the statement that read it (n's strings point into
 * key and email). */
struct open_notice {
	struct store_site_notice n;
	char key[64];
	char email[SITES_EMAIL_MAX + 1];
};

struct open_list {
	struct open_notice *v;
	size_t count, cap;
	int oom;
};

static int on_open(void *ud, const struct store_site_notice *n)
{
	struct open_list *l = ud;
	struct open_notice *o = mem_next((void **)&l->v, &l->cap, l->count, sizeof(*l->v), 32);

	if (!o) {
		l->oom = 1;
		return 1;
	}
	l->count++;
	o->n = *n;
	snprintf(o->key, sizeof(o->key), "%s", n->key);
	snprintf(o->email, sizeof(o->email), "%s", n->email);
	o->n.state = NULL;
	return 0;
}

int sites_notify(struct store *st, const struct isp_config *cfg, const struct sites_env *env,
		 int64_t now, struct sites_notify_stats *s, struct isp_err *err)
{
	struct due_list dl = { 0 };
	struct open_list ol = { 0 };
	char day[16], daykey[16], store_id[STORE_INSTANCE_MAX];
	int64_t *ids = NULL, *rounds = NULL;
	size_t i, j;
	int rc;

	memset(s, 0, sizeof(*s));
	jst(now, 1, day, sizeof(day));
	jst(now, 2, daykey, sizeof(daykey));
	rc = store_instance_id(st, store_id, err);
	if (rc == 0)
		rc = store_sites_mark_handled(st, &s->handled, &s->back_online, err);
	if (rc == 0)
		rc = store_sites_due(st, on_due, &dl, err);
	if (rc == 0 && !dl.oom && cfg->sites_max_notices > 1)
		rc = store_sites_followups(st, now, cfg->sites_renotify_after,
					   cfg->sites_max_notices, on_due, &dl, err);
	if (rc == 0 && dl.n)
		qsort(dl.d, dl.n, sizeof(*dl.d), cmp_due);
	if (rc == 0 && dl.oom)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc == 0 && dl.n) {
		ids = malloc(dl.n * sizeof(*ids));
		rounds = malloc(dl.n * sizeof(*rounds));
		if (!ids || !rounds)
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	/* sorted by email (cmp_due): one notice per run of equal addresses */
	for (i = 0; rc == 0 && ids && rounds && i < dl.n; i = j) {
		uint8_t h[SHA256_LEN];
		char key[64];
		size_t k = 0;
		int made = 0;

		for (j = i; j < dl.n && strcmp(dl.d[j].email, dl.d[i].email) == 0; j++) {
			if (k && ids[k - 1] == dl.d[j].site)
				continue; /* due twice: first notice and follow-up cannot both be */
			rounds[k] = dl.d[j].round;
			ids[k++] = dl.d[j].site;
		}
		{
			struct sha256 c;

			sha256_init(&c);
			sha256_update(&c, dl.d[i].email, strlen(dl.d[i].email));
			sha256_final(&c, h);
		}
		snprintf(key, sizeof(key), "site-%s-%02x%02x%02x%02x%02x%02x%02x%02x", daykey, h[0],
			 h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
		rc = store_site_notice_make(st, key, dl.d[i].email, day, ids, rounds, k, now, &made,
					    err);
		if (made) {
			s->notices++;
			for (size_t r = 0; r < k; r++)
				if (rounds[r] > 1) {
					s->followups++;
					break;
				}
		}
	}
	if (rc == 0)
		rc = store_site_notices_open(st, on_open, &ol, err);
	if (rc == 0 && ol.oom)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < ol.count; i++) {
		ol.v[i].n.key = ol.v[i].key; /* here: the array no longer moves */
		ol.v[i].n.email = ol.v[i].email;
		rc = deliver_one(st, cfg, env, &ol.v[i].n, store_id, now, s, err);
	}
	if (rc == 0) {
		int64_t u = 0;

		rc = store_sites_unchecked(st, &u, err);
		s->unchecked = (long)u;
	}
	free(ids);
	free(rounds);
	free(dl.d);
	free(ol.v);
	return rc;
}
