/*
 * server.c -- `ispshield proxy`: configuration, start-up, reload and shutdown (see
 * proxy.h). Start-up is all or nothing (addresses, prefixes, secret, snapshot and
 * opt-out file checked before a socket is opened). Loading, the main thread's signal
 * loop and the reload protocol are the DNS service's too: core/service/served.h
 * (served_slot). A reload that fails leaves the old data serving: there is never a
 * moment in which everything is allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/service/servedrun.h"
#include "core/net/netaddr.h"
#include "proxy/proxy.h"
#include "core/base/log.h"
#include "proxy/proxy_int.h"

static struct served_gate *worker_gate(void *ud, int i)
{
	return &((struct px_server *)ud)->workers[i].gate;
}

static int load_secret(struct px_server *srv, struct isp_err *err)
{
	const char *path = srv->cfg->proxy_secret_file;
	ssize_t n;
	int fd;

	if (!path[0]) {
		if (getrandom(srv->secret, 32, 0) != 32)
			return isp_err_set(err, ISR_EIO, "getrandom: %s", strerror(errno));
		srv->secretlen = 32;
		log_msg(LOGS_NOTICE, "proxy",
			"no proxy.secret-file: continue tokens are keyed "
			"by a random secret and die with this process");
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "proxy.secret-file: %s: %s", path,
				   strerror(errno));
	n = read(fd, srv->secret, sizeof(srv->secret));
	close(fd);
	if (n < 16)
		return isp_err_set(err, ISR_EINVAL,
				   "proxy.secret-file: %s holds fewer than 16 bytes (make one "
				   "with `head -c 32 /dev/urandom > FILE`)",
				   path);
	srv->secretlen = (size_t)n;
	return 0;
}

static int configure(struct px_server *srv, const struct isp_config *cfg, struct isp_err *err)
{
	int rc;

	srv->cfg = cfg;
	config_snapshot_path(cfg, srv->snap_path);
	rc = net_parse_addr_list("proxy.listen", cfg->proxy_listen, 3128, srv->listen,
				 srv->listenlen, PX_MAX_LISTEN, &srv->nlisten, err);
	if (rc)
		return rc;
	rc = prefixset_parse(cfg->proxy_subscribers, &srv->subscribers, err);
	if (rc)
		return isp_err_set(err, rc, "proxy.subscribers: %s", err ? err->msg : "");
	if (prefixset_count(srv->subscribers) == 0)
		return isp_err_set(err, ISR_EINVAL,
				   "proxy.subscribers is empty: nobody would be served (give "
				   "the subscriber prefixes)");
	srv->walled = strcmp(cfg->proxy_walled_garden, "on") == 0;
	rc = dest_init(&srv->dest, "proxy", cfg->proxy_allow_destinations,
		       cfg->proxy_deny_destinations, cfg->proxy_connect_ports, srv->listen,
		       srv->nlisten, err);
	if (rc)
		return rc;
	if (cfg->proxy_resolver[0] &&
	    net_parse_addr(cfg->proxy_resolver, strlen(cfg->proxy_resolver), 53, &srv->resolver,
			   &srv->resolverlen) != 0)
		return isp_err_set(err, ISR_EINVAL,
				   "proxy.resolver: '%s' is not ADDR[:PORT] of a DNS server",
				   cfg->proxy_resolver);
	if (cfg->proxy_threads < 1 || cfg->proxy_threads > PX_MAX_THREADS)
		return isp_err_set(err, ISR_EINVAL, "proxy.threads must be 1..%d", PX_MAX_THREADS);
	if (cfg->proxy_resolver_threads < 1 || cfg->proxy_resolver_threads > 256)
		return isp_err_set(err, ISR_EINVAL, "proxy.resolver-threads must be 1..256");
	if (cfg->proxy_max_header_bytes < 1024 || cfg->proxy_max_header_bytes > 65536)
		return isp_err_set(err, ISR_EINVAL, "proxy.max-header-bytes must be 1024..65536");
	if (cfg->proxy_max_headers < 8 || cfg->proxy_max_headers > HTTP_MAX_HEADERS)
		return isp_err_set(err, ISR_EINVAL, "proxy.max-headers must be 8..%d",
				   HTTP_MAX_HEADERS);
	if (cfg->proxy_max_connections < 1 || cfg->proxy_max_connections > 1000000)
		return isp_err_set(err, ISR_EINVAL, "proxy.max-connections must be 1..1000000");
	if (cfg->proxy_connect_timeout < 1 || cfg->proxy_header_timeout < 1 ||
	    cfg->proxy_idle_timeout < 1 || cfg->proxy_upstream_timeout < 1)
		return isp_err_set(err, ISR_EINVAL, "proxy timeouts must be at least 1 second");
	if (cfg->proxy_continue_ttl < 1)
		return isp_err_set(err, ISR_EINVAL, "proxy.continue-ttl must be at least 1s");
	return load_secret(srv, err);
}

static int workers_init(struct px_server *srv, struct isp_err *err)
{
	const struct isp_config *cfg = srv->cfg;
	int i;

	srv->nworkers = (int)cfg->proxy_threads;
	srv->workers = calloc((size_t)srv->nworkers, sizeof(*srv->workers));
	if (!srv->workers)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (i = 0; i < srv->nworkers; i++) {
		struct px_worker *w = &srv->workers[i];
		int k;

		w->srv = srv;
		w->id = i;
		w->epfd = -1;
		w->evfd = -1;
		for (k = 0; k < PX_MAX_LISTEN; k++)
			w->lfd[k] = -1;
		pthread_mutex_init(&w->res_mu, NULL);
		w->nconns_max = (int)cfg->proxy_max_connections;
		if (evring_init(&w->ring, (uint32_t)(cfg->proxy_ring > 0 ? cfg->proxy_ring : 1)) !=
		    0)
			return isp_err_set(err, ISR_ENOMEM, "out of memory for worker %d", i);
	}
	return 0;
}

static void workers_free(struct px_server *srv)
{
	int i, k;

	for (i = 0; srv->workers && i < srv->nworkers; i++) {
		struct px_worker *w = &srv->workers[i];

		for (k = 0; k < PX_MAX_LISTEN; k++)
			if (w->lfd[k] >= 0)
				close(w->lfd[k]);
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->evfd >= 0)
			close(w->evfd);
		while (w->res_head) {
			struct px_job *j = w->res_head;

			w->res_head = j->next;
			free(j); /* a px_lookup */
		}
		while (w->meta_head) {
			struct px_job *j = w->meta_head;

			w->meta_head = j->next;
			px_metajob_free((struct px_metajob *)j);
		}
		pthread_mutex_destroy(&w->res_mu);
		evring_free(&w->ring);
	}
	free(srv->workers);
}

static int threads_start(void *ud, struct isp_err *err)
{
	struct px_server *srv = ud;

	if (px_resolver_start(srv, (int)srv->cfg->proxy_resolver_threads) != 0 ||
	    px_meta_start(srv) != 0)
		return isp_err_set(err, ISR_ENOMEM, "cannot start the resolver threads");
	return 0;
}

static int worker_start(void *ud, int i, struct isp_err *err)
{
	struct px_server *srv = ud;

	if (px_worker_start(&srv->workers[i]) == 0)
		return 0;
	return isp_err_set(err, ISR_EIO, "cannot listen on %s (worker %d): %s",
			   srv->cfg->proxy_listen, i, strerror(errno));
}

static struct evring *worker_ring(void *ud, int i)
{
	return &((struct px_server *)ud)->workers[i].ring;
}

static void serving(void *ud)
{
	struct px_server *srv = ud;
	const struct isp_config *cfg = srv->cfg;
	char bound[1024] = "";

	net_addrs_text(bound, sizeof(bound), "", srv->listen, srv->nlisten);
	log_msg(LOGS_NOTICE, "proxy",
		"serving on %s with %d thread%s, snapshot %s (%u keys)%s%s%s, "
		"names resolved by %s",
		bound, srv->nworkers, srv->nworkers > 1 ? "s" : "", srv->snap_path,
		snap_keys(atomic_load(&srv->slot.cur)->snap),
		srv->walled ? ", walled garden on" : "",
		cfg->proxy_metrics[0] ? ", metrics on http://" : "", cfg->proxy_metrics,
		cfg->proxy_resolver[0] ? cfg->proxy_resolver : "the system resolver");
}

/* The workers, then the resolver pool and the meta thread they hand work to. */
static void threads_join(void *ud, int started)
{
	struct px_server *srv = ud;
	int i;

	for (i = 0; i < started; i++)
		pthread_join(srv->workers[i].thread, NULL);
	px_resolver_stop(srv);
	px_meta_stop(srv);
}

/* core/service/servedrun.h: start, serve and stop */
static const struct served_hooks hooks = { .who = "proxy",
					   .render = px_metrics_render,
					   .prepare = threads_start,
					   .start = worker_start,
					   .ring = worker_ring,
					   .serving = serving,
					   .join = threads_join };

int proxy_run(const struct isp_config *cfg, struct isp_err *err)
{
	struct px_server *srv = calloc(1, sizeof(*srv));
	int rc;

	if (!srv)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	px_jobq_init(&srv->rq);
	px_jobq_init(&srv->metaq);
	rc = configure(srv, cfg, err);
	if (rc)
		goto out;
	rc = served_slot_open(&srv->slot, "proxy", srv->snap_path, cfg->proxy_opt_out, cfg, err);
	if (rc)
		goto out;
	rc = workers_init(srv, err);
	if (rc)
		goto out;
	served_slot_workers(&srv->slot, srv->nworkers, worker_gate, srv);
	rc = served_run(&srv->slot, &hooks, cfg->proxy_listen, cfg->proxy_metrics, &srv->stop,
			&srv->writer, err);
out:
	workers_free(srv);
	served_slot_close(&srv->slot);
	prefixset_free(srv->subscribers);
	dest_free(&srv->dest);
	px_jobq_destroy(&srv->rq);
	px_jobq_destroy(&srv->metaq);
	free(srv);
	return rc;
}
