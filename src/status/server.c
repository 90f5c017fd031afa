/*
 * server.c -- `ispshield status`'s loop and HTTP server. The calling thread samples and
 * rebuilds the figures every interval; libmicrohttpd's own thread answers GET / (the
 * page) and GET /api/status (the figures as JSON) from the latest figures object, taken
 * under a mutex with a reference, so a request never waits for the store or a scrape.
 * Optional HTTP basic auth: user and password are compared through SHA-256 digests with
 * sha256_equal, so the time taken does not depend on where they differ or on their
 * lengths. SIGTERM/SIGINT stop, SIGHUP reloads (status.h).
 */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/fsutil.h"
#include "core/service/httpd.h"
#include "core/service/httpsig.h"
#include "core/base/sha256.h"
#include "core/base/timefmt.h"
#include "status/status.h"
#include "core/base/log.h"
#include "status/status_int.h"
#include "core/store/store.h"

struct srv {
	pthread_mutex_t lock;
	json_t *figures; /* latest, under lock */
	int auth;	 /* basic auth required */
	uint8_t user_h[SHA256_LEN], pass_h[SHA256_LEN];
	struct MHD_Daemon *d;
	char listen[128];
};

static void digest(const char *s, uint8_t out[SHA256_LEN])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, s, strlen(s));
	sha256_final(&c, out);
}

static int authorised(struct srv *s, struct MHD_Connection *conn)
{
	char *pass = NULL, *user;
	uint8_t uh[SHA256_LEN], ph[SHA256_LEN], want_u[SHA256_LEN], want_p[SHA256_LEN];
	int ok, auth;

	pthread_mutex_lock(&s->lock); /* a reload may change them */
	auth = s->auth;
	memcpy(want_u, s->user_h, SHA256_LEN);
	memcpy(want_p, s->pass_h, SHA256_LEN);
	pthread_mutex_unlock(&s->lock);
	if (!auth)
		return 1;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	if (!user) {
		MHD_free(pass);
		return 0;
	}
	digest(user, uh);
	digest(pass ? pass : "", ph);
	/* both compared whatever the first gives: no early exit */
	ok = sha256_equal(uh, want_u, SHA256_LEN) & sha256_equal(ph, want_p, SHA256_LEN);
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned code, const char *type,
			      char *body, size_t len)
{
	return httpd_queue(conn, code,
			   httpd_response(type, body, len, MHD_RESPMEM_MUST_FREE,
					  "default-src 'none'; style-src 'unsafe-inline'; "
					  "img-src 'self' data:"));
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned code, const char *msg)
{
	char *b = strdup(msg);

	return b ? answer(conn, code, "text/plain; charset=utf-8", b, strlen(b)) : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **req_cls)
{
	struct srv *s = cls;
	json_t *f;
	char *body;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	if (httpd_not_yet(s, req_cls, upload_size))
		return MHD_YES;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!authorised(s, conn)) {
		struct MHD_Response *r = MHD_create_response_from_buffer(
			13, (void *)"unauthorised\n", MHD_RESPMEM_PERSISTENT);
		enum MHD_Result rc;

		if (!r)
			return MHD_NO;
		rc = MHD_queue_basic_auth_fail_response(conn, "ispshield status", r);
		MHD_destroy_response(r);
		return rc;
	}
	if (strcmp(url, "/") != 0 && strcmp(url, "/api/status") != 0)
		return text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	pthread_mutex_lock(&s->lock);
	f = json_incref(s->figures);
	pthread_mutex_unlock(&s->lock);
	if (!f)
		return text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
	if (url[1] == '\0') {
		body = st_page(f, &len);
		json_decref(f);
		return body ? answer(conn, MHD_HTTP_OK, "text/html; charset=utf-8", body, len)
			    : MHD_NO;
	}
	body = json_dumps(f, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(f);
	if (!body)
		return MHD_NO;
	len = strlen(body);
	return answer(conn, MHD_HTTP_OK, "application/json", body, len);
}

/* Read the password (first line of the file) and set *auth and the digests. */
static int load_auth(const struct isp_config *cfg, int *auth, uint8_t user_h[SHA256_LEN],
		     uint8_t pass_h[SHA256_LEN], struct isp_err *err)
{
	char line[1024];
	FILE *f;

	*auth = 0;
	if (!cfg->status_user[0])
		return 0;
	if (!cfg->status_password_file[0])
		return isp_err_set(err, ISR_EINVAL,
				   "status.user is set but status.password-file "
				   "is not");
	f = fopen(cfg->status_password_file, "r");
	if (!f)
		return isp_err_set(err, ISR_EIO, "status.password-file %s: %s",
				   cfg->status_password_file, strerror(errno));
	if (fs_check_secret(cfg->status_password_file, fileno(f), "status.password-file", err) !=
	    0) {
		fclose(f);
		return ISR_EINVAL;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (!line[0])
		return isp_err_set(err, ISR_EINVAL, "status.password-file %s: empty password",
				   cfg->status_password_file);
	digest(cfg->status_user, user_h);
	digest(line, pass_h);
	explicit_bzero(line, sizeof(line));
	*auth = 1;
	return 0;
}

static int start_http(struct srv *s, const char *listen, struct isp_err *err)
{
	int rc = httpd_start(&s->d, "status.listen", listen, 8053, NULL, NULL, 64, 1, on_request, s,
			     err);

	if (rc == 0)
		snprintf(s->listen, sizeof(s->listen), "%s", listen);
	return rc;
}

/* Apply cfg's [status] keys and store to c (sampler, store, auth). */
static int configure(struct st_ctx *c, struct srv *s, const struct isp_config *cfg,
		     struct isp_err *err)
{
	char scrape[sizeof(cfg->status_scrape)];
	uint8_t uh[SHA256_LEN], ph[SHA256_LEN];
	struct st_sampler smp;
	struct store *st = NULL;
	int rc, auth;

	if (cfg->status_interval < 1)
		return isp_err_set(err, ISR_EINVAL, "status.interval: at least 1 s");
	if (cfg->status_window < 60)
		return isp_err_set(err, ISR_EINVAL, "status.window: at least 60 s");
	rc = load_auth(cfg, &auth, uh, ph, err);
	if (rc)
		return rc;
	if (cfg->status_scrape[0])
		snprintf(scrape, sizeof(scrape), "%s", cfg->status_scrape);
	else
		snprintf(scrape, sizeof(scrape), "%s%s%s", cfg->dns_metrics,
			 cfg->dns_metrics[0] && cfg->proxy_metrics[0] ? ", " : "",
			 cfg->proxy_metrics);
	rc = st_sampler_init(&smp, cfg->status_scrape[0] ? "status.scrape" : "dns/proxy.metrics",
			     scrape, err);
	if (rc)
		return rc;
	/* accepted: swap in, with the history the last run kept */
	{
		char path[CONFIG_PATH_MAX];

		config_state_path(cfg, "status-history", path);
		st_history_load(&smp, path, time_wall_ms());
	}
	st_sampler_free(&c->sampler);
	c->sampler = smp;
	pthread_mutex_lock(&s->lock);
	s->auth = auth;
	memcpy(s->user_h, uh, SHA256_LEN);
	memcpy(s->pass_h, ph, SHA256_LEN);
	pthread_mutex_unlock(&s->lock);
	if (c->st)
		store_close(c->st);
	c->st = NULL;
	c->store_error[0] = '\0';
	{
		struct isp_err e;

		isp_err_clear(&e);
		if (store_open(cfg->store, &st, &e) != 0)
			isp_err_str(&e, c->store_error, sizeof(c->store_error));
		else
			c->st = st;
	}
	c->cfg = *cfg;
	return 0;
}

static void refresh(struct st_ctx *c, struct srv *s)
{
	int64_t t = time_wall_ms();
	json_t *f, *old;

	st_sample(&c->sampler, t);
	if (c->sampler.n) {
		char path[CONFIG_PATH_MAX];
		struct isp_err e;

		isp_err_clear(&e);
		config_state_path(&c->cfg, "status-history", path);
		if (st_history_save(&c->sampler, path, &e) != 0)
			log_msg(LOGS_WARNING, "status", "%s", e.msg);
	}
	f = st_figures(c, t / 1000);
	pthread_mutex_lock(&s->lock);
	old = s->figures;
	s->figures = f;
	pthread_mutex_unlock(&s->lock);
	json_decref(old);
}

int status_run(const struct isp_config *cfg, config_reload_fn reload, void *reload_ud,
	       struct isp_err *err)
{
	struct st_ctx *c = calloc(1, sizeof(*c));
	struct srv s;
	int64_t next = 0;
	int rc;

	if (!c)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.lock, NULL);
	rc = configure(c, &s, cfg, err);
	if (rc)
		goto out;
	rc = start_http(&s, cfg->status_listen, err);
	if (rc)
		goto out;
	httpsig_install();
	log_msg(LOGS_NOTICE, "status",
		"serving http://%s/ (API /api/status)%s, sampling %d endpoint%s "
		"every %lld s",
		cfg->status_listen, s.auth ? " with basic auth" : "", c->sampler.ntargets,
		c->sampler.ntargets == 1 ? "" : "s", (long long)cfg->status_interval);
	while (!httpsig_stop) {
		struct timespec ts = { 0, 100 * 1000000L };

		if (httpsig_hup) {
			struct isp_config nc;
			struct isp_err e;
			char msg[ISP_ERR_MSG + 512];

			httpsig_hup = 0;
			isp_err_clear(&e);
			if (reload &&
			    (reload(reload_ud, &nc, &e) != 0 || configure(c, &s, &nc, &e) != 0)) {
				log_msg(LOGS_ERROR, "status",
					"reload refused, old configuration kept: %s",
					isp_err_str(&e, msg, sizeof(msg)));
			} else if (reload && strcmp(nc.status_listen, s.listen) != 0) {
				struct MHD_Daemon *old = s.d;

				MHD_stop_daemon(old);
				s.d = NULL;
				if (start_http(&s, nc.status_listen, &e) != 0) {
					log_msg(LOGS_NOTICE, "status", "%s; staying on %s",
						isp_err_str(&e, msg, sizeof(msg)), s.listen);
					isp_err_clear(&e);
					if (start_http(&s, s.listen, &e) != 0) {
						rc = isp_err_set(err, e.code, "%s", e.msg);
						goto out;
					}
				} else {
					log_msg(LOGS_NOTICE, "status", "now serving http://%s/",
						s.listen);
				}
			} else {
				log_msg(LOGS_NOTICE, "status", "reloaded");
			}
			next = 0;
		}
		if (time_wall_ms() >= next) {
			refresh(c, &s);
			next = time_wall_ms() + c->cfg.status_interval * 1000;
		}
		nanosleep(&ts, NULL);
	}
	log_msg(LOGS_NOTICE, "status", "stopping");
	rc = 0;
out:
	if (s.d)
		MHD_stop_daemon(s.d);
	json_decref(s.figures);
	st_figures_free(c);
	st_sampler_free(&c->sampler);
	if (c->st)
		store_close(c->st);
	pthread_mutex_destroy(&s.lock);
	free(c);
	return rc;
}
