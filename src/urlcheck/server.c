/*
 * server.c -- `ispshield urlcheck`'s loop and HTTP(S) server (urlcheck.h).
 *
 * The calling thread loads the snapshot, builds the table and the answers that do not
 * depend on the request (the whole prefix list and the difference from each kept
 * version: a client's update is a copy of bytes built once, however many subscribers
 * ask), and swaps them in under a mutex with a reference count; libmicrohttpd's thread
 * answers from the current state, so a request never waits for a build and a build
 * never stops the answers (the old state serves until the new one is whole: fail
 * closed, never an empty list while reloading). The snapshot's file stamp is polled
 * every second, as `rpz` does.
 *
 * Privacy by construction: the request handler reads the path and one query parameter
 * and nothing else (no cookies, no client address, no other header but Origin for
 * CORS), and writes no log line; it only counts (urlcheck.metrics). libmicrohttpd's
 * error log is off so that not even a failed TLS handshake names a client.
 */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/fsutil.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/net/netaddr.h"
#include "core/service/httpd.h"
#include "core/service/httpsig.h"
#include "core/service/metricsd.h"
#include "core/service/served.h"
#include "core/store/store.h"
#include "urlcheck/urlcheck.h"

#define UC_VERSIONS_MAX 64 /* urlcheck.versions at most */
#define UC_CERT_MAX	(1 << 20)

/* What the answers are built from; reference-counted under srv.lock. */
struct state {
	int refs;
	struct uc_table *t;
	char *full;
	size_t fulllen;
	int ndiffs;
	struct {
		uint64_t since;
		char *json;
		size_t len;
	} diffs[UC_VERSIONS_MAX + 1];
};

/* A previous version's prefixes, kept for differences. */
struct old {
	uint64_t version;
	uint32_t *prefixes;
	size_t np;
};

enum {
	C_FULL,
	C_DIFF,
	C_FULLHASH,
	C_PREFIXES_ASKED,
	C_MATCHES,
	C_BAD,
	C_NOTFOUND,
	C_CORS_REFUSED,
	C_RELOADS,
	C_RELOAD_FAILURES,
	C_N
};

static const struct {
	const char *name, *help;
} counter_names[C_N] = {
	{ "prefix_lists_total", "whole prefix lists served" },
	{ "prefix_diffs_total", "prefix list differences served" },
	{ "fullhash_requests_total", "full-hash requests answered" },
	{ "prefixes_asked_total", "prefixes asked for in full-hash requests" },
	{ "fullhash_matches_total", "full hashes returned" },
	{ "bad_requests_total", "requests refused as malformed" },
	{ "not_found_total", "requests for an unknown path" },
	{ "cors_refused_total", "requests from an origin other than urlcheck.origin" },
	{ "reloads_total", "tables built after a snapshot change or SIGHUP" },
	{ "reload_failures_total", "table builds that failed (the old table kept serving)" },
};

struct srv {
	pthread_mutex_t lock;
	struct state *cur;
	struct isp_config cfg; /* the keys in effect (under lock for the handler) */
	struct MHD_Daemon *d;
	_Atomic unsigned long long c[C_N];
	_Atomic unsigned long long entries, prefixes, version;
	struct old olds[UC_VERSIONS_MAX];
	int nolds;
	struct filestamp snap_st;
	char *cert, *key;
};

static void state_free(struct state *s)
{
	int i;

	if (!s)
		return;
	uc_table_free(s->t);
	free(s->full);
	for (i = 0; i < s->ndiffs; i++)
		free(s->diffs[i].json);
	free(s);
}

static struct state *state_get(struct srv *s)
{
	struct state *st;

	pthread_mutex_lock(&s->lock);
	st = s->cur;
	if (st)
		st->refs++;
	pthread_mutex_unlock(&s->lock);
	return st;
}

static void state_put(struct srv *s, struct state *st)
{
	int last;

	if (!st)
		return;
	pthread_mutex_lock(&s->lock);
	last = --st->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last)
		state_free(st);
}

static void count(struct srv *s, int c, unsigned long long n)
{
	atomic_fetch_add_explicit(&s->c[c], n, memory_order_relaxed);
}

/* ---- answers ---- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode, const char *origin)
{
	struct MHD_Response *r = httpd_response("application/json", body, len, mode, NULL);

	if (r) {
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
		if (origin) {
			MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
			MHD_add_response_header(r, "Vary", "Origin");
		}
	}
	return httpd_queue(conn, code, r);
}

static enum MHD_Result error(struct MHD_Connection *conn, unsigned code, const char *msg,
			     const char *origin)
{
	char buf[ISP_ERR_MSG + 32];
	json_t *o = json_pack("{s:s}", "error", msg);
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!t) {
		snprintf(buf, sizeof(buf), "{}");
		return reply(conn, code, buf, strlen(buf), MHD_RESPMEM_MUST_COPY, origin);
	}
	return reply(conn, code, t, strlen(t), MHD_RESPMEM_MUST_FREE, origin);
}

static enum MHD_Result prefixes(struct srv *s, struct MHD_Connection *conn, struct state *st,
				const char *origin)
{
	const char *since = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since");
	struct isp_err e;
	uint64_t v;
	int i;

	if (since) {
		isp_err_clear(&e);
		if (uc_parse_version(since, strlen(since), &v, &e) != 0) {
			count(s, C_BAD, 1);
			return error(conn, MHD_HTTP_BAD_REQUEST, e.msg, origin);
		}
		for (i = 0; i < st->ndiffs; i++)
			if (st->diffs[i].since == v) {
				count(s, C_DIFF, 1);
				return reply(conn, MHD_HTTP_OK, st->diffs[i].json, st->diffs[i].len,
					     MHD_RESPMEM_MUST_COPY, origin);
			}
	}
	count(s, C_FULL, 1);
	return reply(conn, MHD_HTTP_OK, st->full, st->fulllen, MHD_RESPMEM_MUST_COPY, origin);
}

static enum MHD_Result fullhashes(struct srv *s, struct MHD_Connection *conn, struct state *st,
				  int64_t cache, const char *origin)
{
	const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "prefixes");
	uint32_t p[UC_PREFIXES_MAX];
	struct isp_err e;
	size_t n, len = 0, i, first;
	char *body;

	isp_err_clear(&e);
	if (!q || uc_parse_prefixes(q, strlen(q), p, &n, &e) != 0) {
		count(s, C_BAD, 1);
		return error(conn, MHD_HTTP_BAD_REQUEST, q ? e.msg : "prefixes= is missing",
			     origin);
	}
	count(s, C_FULLHASH, 1);
	count(s, C_PREFIXES_ASKED, n);
	for (i = 0; i < n; i++)
		count(s, C_MATCHES, uc_table_find(st->t, p[i], &first));
	body = uc_json_fullhashes(st->t, p, n, cache, &len);
	if (!body)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, body, len, MHD_RESPMEM_MUST_FREE, origin);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **req_cls)
{
	struct srv *s = cls;
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	char allowed[sizeof(s->cfg.urlcheck_origin)];
	const char *cors = NULL;
	int64_t cache;
	struct state *st;
	enum MHD_Result rc;

	(void)version;
	(void)upload_data;
	if (httpd_not_yet(s, req_cls, upload_size))
		return MHD_YES;
	pthread_mutex_lock(&s->lock);
	snprintf(allowed, sizeof(allowed), "%s", s->cfg.urlcheck_origin);
	cache = s->cfg.urlcheck_cache;
	pthread_mutex_unlock(&s->lock);
	if (origin) {
		if (allowed[0] && strcmp(origin, allowed) == 0)
			cors = allowed;
		else
			count(s, C_CORS_REFUSED, 1);
	}
	if (strcmp(method, "OPTIONS") == 0) {
		struct MHD_Response *r =
			MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

		if (!r)
			return MHD_NO;
		if (cors) {
			MHD_add_response_header(r, "Access-Control-Allow-Origin", cors);
			MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET");
			MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
			MHD_add_response_header(r, "Vary", "Origin");
		}
		rc = MHD_queue_response(conn, cors ? MHD_HTTP_NO_CONTENT : MHD_HTTP_FORBIDDEN, r);
		MHD_destroy_response(r);
		return rc;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		count(s, C_BAD, 1);
		return error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", cors);
	}
	st = state_get(s);
	if (!st)
		return error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "starting", cors);
	if (strcmp(url, "/v1/prefixes") == 0) {
		rc = prefixes(s, conn, st, cors);
	} else if (strcmp(url, "/v1/fullhashes") == 0) {
		rc = fullhashes(s, conn, st, cache, cors);
	} else {
		count(s, C_NOTFOUND, 1);
		rc = error(conn, MHD_HTTP_NOT_FOUND, "not found", cors);
	}
	state_put(s, st);
	return rc;
}

/* ---- building ---- */

/* Build the state of the snapshot now at cfg's path, with differences from the kept
 * versions; on success keep the new version's prefixes among them. */
static int build(struct srv *s, const struct isp_config *cfg, struct state **out,
		 struct isp_err *err)
{
	char path[CONFIG_PATH_MAX];
	struct state *st = calloc(1, sizeof(*st));
	struct served *sh = NULL;
	struct store *store = NULL;
	struct filestamp fs;
	int rc, i;

	*out = NULL;
	if (!st)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	config_snapshot_path(cfg, path);
	fs = filestamp_of(path);
	rc = served_load(path, "", cfg, NULL, &sh, err);
	if (rc)
		goto fail;
	{
		struct isp_err se;

		isp_err_clear(&se);
		if (store_open(cfg->store, &store, &se) != 0) {
			log_msg(LOGS_WARNING, "urlcheck", "no categories or references: store: %s",
				se.msg);
			store = NULL;
		}
	}
	rc = uc_table_build(sh, cfg, store, time(NULL), &st->t, err);
	if (store)
		store_close(store);
	served_free(sh);
	if (rc)
		goto fail;
	st->full = uc_json_full(st->t, cfg->urlcheck_update_interval, &st->fulllen);
	if (!st->full)
		goto oom;
	for (i = 0; i < s->nolds && st->ndiffs < UC_VERSIONS_MAX; i++) {
		struct old *o = &s->olds[i];
		int k = st->ndiffs;

		st->diffs[k].since = o->version;
		st->diffs[k].json = uc_json_diff(st->t, o->version, o->prefixes, o->np,
						 cfg->urlcheck_update_interval, &st->diffs[k].len);
		if (!st->diffs[k].json)
			goto oom;
		st->ndiffs++;
	}
	/* and from itself: a client that is up to date gets an empty difference */
	st->diffs[st->ndiffs].since = st->t->version;
	st->diffs[st->ndiffs].json =
		uc_json_diff(st->t, st->t->version, st->t->prefixes, st->t->np,
			     cfg->urlcheck_update_interval, &st->diffs[st->ndiffs].len);
	if (!st->diffs[st->ndiffs].json)
		goto oom;
	st->ndiffs++;
	/* keep this version's prefixes for the next build's differences */
	if (s->nolds == 0 || s->olds[0].version != st->t->version) {
		struct old o = { st->t->version, malloc(st->t->np * 4 + 4), st->t->np };
		int keep = (int)cfg->urlcheck_versions;

		if (!o.prefixes)
			goto oom;
		memcpy(o.prefixes, st->t->prefixes, st->t->np * 4);
		if (keep > UC_VERSIONS_MAX)
			keep = UC_VERSIONS_MAX;
		while (s->nolds > 0 && s->nolds >= keep)
			free(s->olds[--s->nolds].prefixes);
		if (keep > 0) {
			memmove(&s->olds[1], &s->olds[0], (size_t)s->nolds * sizeof(s->olds[0]));
			s->olds[0] = o;
			s->nolds++;
		} else {
			free(o.prefixes);
		}
	}
	s->snap_st = fs;
	st->refs = 1;
	*out = st;
	return 0;
oom:
	rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
fail:
	state_free(st);
	return rc;
}

static void swap_in(struct srv *s, struct state *st)
{
	struct state *old;

	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = st;
	pthread_mutex_unlock(&s->lock);
	state_put(s, old);
	atomic_store(&s->entries, st->t->n);
	atomic_store(&s->prefixes, st->t->np);
	atomic_store(&s->version, st->t->version);
	log_msg(LOGS_NOTICE, "urlcheck",
		"version %llu: %zu prefixes, %zu full hashes (left out: %ld allowlisted, %ld "
		"log-only, %ld IP prefixes)",
		(unsigned long long)st->t->version, st->t->np, st->t->n, st->t->allowed,
		st->t->logonly, st->t->others);
}

/* ---- metrics ---- */

static size_t render(void *ud, char *buf, size_t size)
{
	struct srv *s = ud;
	struct prom p = { buf, size, 0, "urlcheck" };
	int i;

	for (i = 0; i < C_N; i++)
		prom_value(&p, "counter", counter_names[i].name, counter_names[i].help,
			   atomic_load(&s->c[i]));
	prom_value(&p, "gauge", "version", "version of the prefix list served",
		   atomic_load(&s->version));
	prom_value(&p, "gauge", "prefixes", "distinct prefixes served", atomic_load(&s->prefixes));
	prom_value(&p, "gauge", "full_hashes", "full hashes held", atomic_load(&s->entries));
	return prom_end(&p);
}

/* ---- start-up ---- */

static int read_pem(const char *path, const char *key, char **out, struct isp_err *err)
{
	FILE *f = fopen(path, "r");
	size_t n;
	char *b;

	if (!f)
		return isp_err_set(err, ISR_EIO, "%s %s: %s", key, path, strerror(errno));
	b = malloc(UC_CERT_MAX + 1);
	if (!b) {
		fclose(f);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	if (strcmp(key, "urlcheck.tls-key") == 0 &&
	    fs_check_secret(path, fileno(f), key, err) != 0) {
		fclose(f);
		free(b);
		return ISR_EINVAL;
	}
	n = fread(b, 1, UC_CERT_MAX, f);
	fclose(f);
	if (n == 0 || n == UC_CERT_MAX) {
		free(b);
		return isp_err_set(err, ISR_EINVAL, "%s %s: empty or larger than %d bytes", key,
				   path, UC_CERT_MAX);
	}
	b[n] = '\0';
	*out = b;
	return 0;
}

static int check_keys(const struct isp_config *cfg, struct isp_err *err)
{
	if (!cfg->urlcheck_listen[0])
		return isp_err_set(err, ISR_EINVAL,
				   "urlcheck.listen is not set (ADDR:PORT to serve on)");
	if (!cfg->urlcheck_tls_cert[0] != !cfg->urlcheck_tls_key[0])
		return isp_err_set(err, ISR_EINVAL,
				   "urlcheck.tls-cert and urlcheck.tls-key go together");
	if (cfg->urlcheck_origin[0] && !strstr(cfg->urlcheck_origin, "://"))
		return isp_err_set(err, ISR_EINVAL,
				   "urlcheck.origin: '%s' is not an origin "
				   "(chrome-extension://ID, https://HOST)",
				   cfg->urlcheck_origin);
	if (cfg->urlcheck_versions > UC_VERSIONS_MAX)
		return isp_err_set(err, ISR_EINVAL, "urlcheck.versions: at most %d",
				   UC_VERSIONS_MAX);
	return 0;
}

static int start_http(struct srv *s, const struct isp_config *cfg, struct isp_err *err)
{
	int rc;

	if (cfg->urlcheck_tls_cert[0]) {
		rc = read_pem(cfg->urlcheck_tls_cert, "urlcheck.tls-cert", &s->cert, err);
		if (rc == 0)
			rc = read_pem(cfg->urlcheck_tls_key, "urlcheck.tls-key", &s->key, err);
		if (rc)
			return rc;
	}
	/* no error log: not even a failed TLS handshake may name a client */
	return httpd_start(&s->d, "urlcheck.listen", cfg->urlcheck_listen, 443, s->cert, s->key,
			   1024, 0, on_request, s, err);
}

int urlcheck_run(const struct isp_config *cfg, config_reload_fn reload, void *reload_ud,
		 struct isp_err *err)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct metricsd m;
	_Atomic int mstop = 0;
	int mstarted = 0, rc, i;
	struct state *st;
	char path[CONFIG_PATH_MAX];
	int64_t next = 0;

	if (!s)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	s->cfg = *cfg;
	rc = check_keys(cfg, err);
	if (rc)
		goto out;
	rc = build(s, cfg, &st, err);
	if (rc || !st) {
		if (rc == ISR_ENOTFOUND || rc == 0)
			rc = ISR_EIO;
		goto out;
	}
	swap_in(s, st);
	rc = start_http(s, cfg, err);
	if (rc)
		goto out;
	if (cfg->urlcheck_metrics[0]) {
		memset(&m, 0, sizeof(m));
		m.render = render;
		m.ud = s;
		m.stop = &mstop;
		rc = metricsd_start(&m, "urlcheck.metrics", cfg->urlcheck_metrics, err);
		if (rc)
			goto out;
		mstarted = 1;
	}
	httpsig_install();
	log_msg(LOGS_NOTICE, "urlcheck", "serving %s://%s/v1/ (origin %s)%s%s",
		cfg->urlcheck_tls_cert[0] ? "https" : "http", cfg->urlcheck_listen,
		cfg->urlcheck_origin[0] ? cfg->urlcheck_origin : "none",
		cfg->urlcheck_metrics[0] ? ", metrics on " : "", cfg->urlcheck_metrics);
	while (!httpsig_stop) {
		struct timespec ts = { 0, 100 * 1000000L };
		struct isp_config nc;
		struct isp_err e;
		int changed = 0;

		if (httpsig_hup) {
			httpsig_hup = 0;
			isp_err_clear(&e);
			if (reload &&
			    (reload(reload_ud, &nc, &e) != 0 || check_keys(&nc, &e) != 0)) {
				log_msg(LOGS_ERROR, "urlcheck",
					"reload refused, old configuration kept: %s", e.msg);
			} else {
				if (reload) {
					pthread_mutex_lock(&s->lock);
					s->cfg = nc;
					pthread_mutex_unlock(&s->lock);
				}
				changed = 1;
			}
		}
		if (!changed && time_mono_ms() >= next) {
			struct filestamp fs;

			config_snapshot_path(&s->cfg, path);
			fs = filestamp_of(path);
			changed = !filestamp_eq(&fs, &s->snap_st);
			next = time_mono_ms() + 1000;
		}
		if (changed) {
			isp_err_clear(&e);
			count(s, C_RELOADS, 1);
			if (build(s, &s->cfg, &st, &e) != 0 || !st) {
				count(s, C_RELOAD_FAILURES, 1);
				config_snapshot_path(&s->cfg, path);
				s->snap_st = filestamp_of(path); /* not again until it changes */
				log_msg(LOGS_ERROR, "urlcheck",
					"reload failed, version %llu keeps serving: %s",
					(unsigned long long)atomic_load(&s->version), e.msg);
			} else {
				swap_in(s, st);
			}
		}
		nanosleep(&ts, NULL);
	}
	log_msg(LOGS_NOTICE, "urlcheck", "stopping");
	rc = 0;
out:
	if (mstarted) {
		mstop = 1;
		metricsd_join(&m);
	}
	if (s->d)
		MHD_stop_daemon(s->d);
	state_put(s, s->cur);
	for (i = 0; i < s->nolds; i++)
		free(s->olds[i].prefixes);
	free(s->cert);
	if (s->key)
		explicit_bzero(s->key, strlen(s->key));
	free(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}
