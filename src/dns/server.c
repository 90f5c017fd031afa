/*
 * server.c -- `ispshield dns`: configuration, start-up, reload and shutdown (see dns.h).
 *
 * Start-up is all or nothing: every address, prefix list, the snapshot and the opt-out
 * file are checked before a socket is opened, and a problem stops the start with the
 * key and the reason (fail closed: a DNS service without its lists would serve
 * unfiltered). Loading, the main thread's signal loop and the reload protocol are the
 * proxy's too: core/service/served.h (served_slot).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/net/netaddr.h"
#include "dns/dns.h"
#include "core/service/servedrun.h"
#include "core/base/log.h"
#include "dns/dns_int.h"

static struct served_gate *worker_gate(void *ud, int i)
{
	return &((struct dns_server *)ud)->workers[i].gate;
}

/* The walled-garden address of family af in config key `key` (value v; empty: none) into
 * dst, *have = 1: 0, or ISR_EINVAL naming the key. */
static int wg_address(int af, const char *key, const char *v, void *dst, int *have,
		      struct isp_err *err)
{
	if (!v[0])
		return 0;
	if (inet_pton(af, v, dst) != 1)
		return isp_err_set(err, ISR_EINVAL, "%s: '%s' is not an %s address", key, v,
				   af == AF_INET ? "IPv4" : "IPv6");
	*have = 1;
	return 0;
}

static int configure(struct dns_server *srv, const struct isp_config *cfg, struct isp_err *err)
{
	int rc;

	srv->cfg = cfg;
	config_snapshot_path(cfg, srv->snap_path);
	rc = net_parse_addr_list("dns.listen", cfg->dns_listen, 53, srv->listen, srv->listenlen,
				 DNS_MAX_LISTEN, &srv->nlisten, err);
	if (rc)
		return rc;
	{
		struct sockaddr_storage a[DNS_MAX_UPSTREAM];
		socklen_t l[DNS_MAX_UPSTREAM];
		int i;

		rc = net_parse_addr_list("dns.upstream", cfg->dns_upstream, 53, a, l,
					 DNS_MAX_UPSTREAM, &srv->nup, err);
		if (rc)
			return rc;
		for (i = 0; i < srv->nup; i++) {
			srv->up[i].addr = a[i];
			srv->up[i].addrlen = l[i];
		}
	}
	rc = prefixset_parse(cfg->dns_subscribers, &srv->subscribers, err);
	if (rc)
		return isp_err_set(err, rc, "dns.subscribers: %s", err ? err->msg : "");
	if (prefixset_count(srv->subscribers) == 0)
		return isp_err_set(err, ISR_EINVAL,
				   "dns.subscribers is empty: nobody would be "
				   "answered (give the subscriber prefixes)");
	rc = prefixset_parse(cfg->dns_exempt, &srv->exempt, err);
	if (rc)
		return isp_err_set(err, rc, "dns.exempt: %s", err ? err->msg : "");
	if (cfg->dns_proxy_from[0]) {
		rc = prefixset_parse(cfg->dns_proxy_from, &srv->proxy_from, err);
		if (rc)
			return isp_err_set(err, rc, "dns.proxy-protocol-from: %s",
					   err ? err->msg : "");
	}
	srv->walled = strcmp(cfg->dns_block_action, "walled-garden") == 0;
	srv->qname_0x20 = strcmp(cfg->dns_upstream_0x20, "off") != 0;
	rc = wg_address(AF_INET, "dns.walled-garden-a", cfg->dns_walled_garden_a, srv->wg_a,
			&srv->have_wg_a, err);
	if (rc == 0)
		rc = wg_address(AF_INET6, "dns.walled-garden-aaaa", cfg->dns_walled_garden_aaaa,
				srv->wg_aaaa, &srv->have_wg_aaaa, err);
	if (rc)
		return rc;
	{
		int n, i;

		n = dnsw_name_wire(cfg->dns_soa_mname, srv->soa.mname, sizeof(srv->soa.mname));
		if (n < 0)
			return isp_err_set(err, ISR_EINVAL, "dns.soa-mname: '%s' is not a name",
					   cfg->dns_soa_mname);
		srv->soa.mname_len = (size_t)n;
		n = dnsw_name_wire(cfg->dns_soa_rname, srv->soa.rname, sizeof(srv->soa.rname));
		if (n < 0)
			return isp_err_set(err, ISR_EINVAL, "dns.soa-rname: '%s' is not a name",
					   cfg->dns_soa_rname);
		srv->soa.rname_len = (size_t)n;
		srv->soa.ttl =
			cfg->dns_block_ttl > 0x7fffffff ? 0x7fffffff : (uint32_t)cfg->dns_block_ttl;
		srv->soa.serial = 1;
		srv->canary = strcmp(cfg->dns_canary, "on") == 0;
		srv->own_records = strcmp(cfg->dns_tls_records, "openssl") != 0;
		for (i = 0; i < cfg->nlists; i++)
			if (cfg->lists[i].action == LIST_ACTION_WALLED && !srv->have_wg_a &&
			    !srv->have_wg_aaaa)
				return isp_err_set(err, ISR_EINVAL,
						   "list.%s.action = walled-garden needs "
						   "dns.walled-garden-a or dns.walled-garden-aaaa",
						   cfg->lists[i].name);
	}
	if (srv->walled && !srv->have_wg_a && !srv->have_wg_aaaa)
		return isp_err_set(err, ISR_EINVAL,
				   "dns.block-action = walled-garden needs "
				   "dns.walled-garden-a or dns.walled-garden-aaaa");
	rc = dns_tls_configure(srv, err); /* DoT and DoH (tls.c) */
	if (rc == 0)
		rc = dns_ddr_configure(srv, cfg, err); /* after it: DDR names its endpoints */
	if (rc)
		return rc;
	if (cfg->dns_threads < 1 || cfg->dns_threads > DNS_MAX_THREADS)
		return isp_err_set(err, ISR_EINVAL, "dns.threads must be 1..%d", DNS_MAX_THREADS);
	if (cfg->dns_max_connections < 1 || cfg->dns_max_connections > DNS_MAX_CONNS)
		return isp_err_set(err, ISR_EINVAL, "dns.max-connections must be 1..%d",
				   DNS_MAX_CONNS);
	if (cfg->dns_idle_timeout < 1)
		return isp_err_set(err, ISR_EINVAL, "dns.idle-timeout must be at least 1 s");
	srv->idle_ms = (uint64_t)cfg->dns_idle_timeout * 1000;
	if (cfg->dns_timeout_ms < 10 || cfg->dns_tries < 1 || cfg->dns_tries > 10)
		return isp_err_set(err, ISR_EINVAL,
				   "dns.timeout-ms must be >= 10 and dns.tries 1..10");
	return 0;
}

static int workers_init(struct dns_server *srv, struct isp_err *err)
{
	const struct isp_config *cfg = srv->cfg;
	struct drl_config rc;
	int i;

	memset(&rc, 0, sizeof(rc));
	rc.client_qps = (uint32_t)cfg->dns_client_qps;
	rc.client_burst = (uint32_t)cfg->dns_client_burst;
	rc.rrl_rps = (uint32_t)cfg->dns_rrl_rps;
	rc.rrl_slip = (uint32_t)cfg->dns_rrl_slip;
	rc.wt_min_names = (uint32_t)cfg->dns_wt_min_names;
	rc.wt_nx_percent = (uint32_t)cfg->dns_wt_nx_percent;
	rc.wt_qps = (uint32_t)cfg->dns_wt_qps;
	rc.wt_window = (uint32_t)cfg->dns_wt_window;
	rc.wt_hold = (uint32_t)cfg->dns_wt_hold;
	rc.wt_client_nx = (uint32_t)cfg->dns_wt_client_nx;
	rc.table_size = 16384; /* per table and worker: about 3 MB */
	srv->nworkers = (int)cfg->dns_threads;
	srv->workers = calloc((size_t)srv->nworkers, sizeof(*srv->workers));
	if (!srv->workers)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (i = 0; i < srv->nworkers; i++) {
		struct dns_worker *w = &srv->workers[i];
		int k;

		w->srv = srv;
		w->id = i;
		w->epfd = -1;
		for (k = 0; k < DNS_MAX_LISTEN; k++)
			w->udp_fd[k] = w->tcp_fd[k] = w->tls_fd[k] = w->https_fd[k] = -1;
		w->upsock = calloc(DNS_UP_SOCKS, sizeof(*w->upsock));
		w->upsock_free = calloc(DNS_UP_SOCKS, sizeof(*w->upsock_free));
		if (!w->upsock || !w->upsock_free)
			return isp_err_set(err, ISR_ENOMEM, "out of memory for worker %d", i);
		for (k = 0; k < DNS_UP_SOCKS; k++) {
			w->upsock[k].fd = -1;
			w->upsock_free[k] = (uint16_t)(DNS_UP_SOCKS - 1 - k);
		}
		w->nupsock_free = DNS_UP_SOCKS;
		w->pending = calloc(DNS_MAX_INFLIGHT, sizeof(*w->pending));
		w->by_id = calloc(65536, sizeof(*w->by_id));
		w->rl = drl_new(&rc);
		if (cfg->dns_cache_mb > 0)
			w->cache = dcache_new((size_t)cfg->dns_cache_mb << 20,
					      (uint32_t)cfg->dns_cache_max_ttl, 300);
		if (!w->pending || !w->by_id || !w->rl || (cfg->dns_cache_mb > 0 && !w->cache) ||
		    evring_init(&w->ring, (uint32_t)(cfg->dns_ring ? cfg->dns_ring : 1)) != 0)
			return isp_err_set(err, ISR_ENOMEM, "out of memory for worker %d", i);
	}
	return 0;
}

static void workers_free(struct dns_server *srv)
{
	int i, k;

	for (i = 0; srv->workers && i < srv->nworkers; i++) {
		struct dns_worker *w = &srv->workers[i];

		for (k = 0; k < DNS_MAX_LISTEN; k++)
			if (w->udp_fd[k] >= 0)
				close(w->udp_fd[k]);
		for (k = 0; w->upsock && k < DNS_UP_SOCKS; k++)
			if (w->upsock[k].fd >= 0)
				close(w->upsock[k].fd);
		free(w->upsock);
		free(w->upsock_free);
		if (w->epfd >= 0)
			close(w->epfd);
		free(w->pending);
		free(w->by_id);
		free(w->outq);
		free(w->rxbuf);
		drl_free(w->rl);
		dcache_free(w->cache);
		evring_free(&w->ring);
	}
	free(srv->workers);
}

static int worker_start(void *ud, int i, struct isp_err *err)
{
	struct dns_server *srv = ud;

	if (dns_worker_start(&srv->workers[i]) == 0)
		return 0;
	return isp_err_set(err, ISR_EIO,
			   "cannot open the sockets of worker %d (listen %s, "
			   "upstream %s): %s",
			   i, srv->cfg->dns_listen, srv->cfg->dns_upstream, strerror(errno));
}

static struct evring *worker_ring(void *ud, int i)
{
	return &((struct dns_server *)ud)->workers[i].ring;
}

static void serving(void *ud)
{
	struct dns_server *srv = ud;
	const struct isp_config *cfg = srv->cfg;
	char bound[1024] = "";

	net_addrs_text(bound, sizeof(bound), "", srv->listen, srv->nlisten);
	net_addrs_text(bound, sizeof(bound), "DoT ", srv->tls_listen, srv->ntls);
	net_addrs_text(bound, sizeof(bound), "DoH ", srv->https_listen, srv->nhttps);
	log_msg(LOGS_NOTICE, "dns",
		"serving on %s with %d thread%s, upstream %s, snapshot %s "
		"(%u keys)%s%s",
		bound, srv->nworkers, srv->nworkers > 1 ? "s" : "", cfg->dns_upstream,
		srv->snap_path, snap_keys(atomic_load(&srv->slot.cur)->snap),
		cfg->dns_metrics[0] ? ", metrics on http://" : "", cfg->dns_metrics);
}

/* dns.dnstap: libfstrm's writer thread, started once the signals are blocked (so that
 * SIGTERM and SIGHUP reach the main thread, never this one). */
static int prepare(void *ud, struct isp_err *err)
{
	struct dns_server *srv = ud;

	if (!srv->cfg->dns_dnstap[0])
		return 0;
	return dns_tap_open(srv->cfg->dns_dnstap, (unsigned)srv->nworkers, &srv->tap, err);
}

static void workers_join(void *ud, int started)
{
	struct dns_server *srv = ud;
	int i;

	for (i = 0; i < started; i++)
		pthread_join(srv->workers[i].thread, NULL);
	dns_tap_close(srv->tap); /* after the workers: writes what they queued */
	srv->tap = NULL;
}

/* core/service/servedrun.h: start, serve and stop */
static const struct served_hooks hooks = { .who = "dns",
					   .render = dns_metrics_render,
					   .prepare = prepare,
					   .start = worker_start,
					   .ring = worker_ring,
					   .serving = serving,
					   .join = workers_join };

int dns_run(const struct isp_config *cfg, struct isp_err *err)
{
	struct dns_server *srv = calloc(1, sizeof(*srv));
	int rc;

	if (!srv)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = configure(srv, cfg, err);
	if (rc)
		goto out;
	rc = served_slot_open(&srv->slot, "dns", srv->snap_path, cfg->dns_opt_out, cfg, err);
	if (rc)
		goto out;
	/* Buffers of 16 KB and more (TLS records, the HTTP/2 frame buffer of a DoH session)
	 * come from mmap, not the heap: given back whole when freed, and only the pages
	 * written are resident, so that the handshakes of thousands of connections do not
	 * leave the heap full of holes (bench/dns/idle.sh). Nothing that size is allocated
	 * per query. */
	(void)mallopt(M_MMAP_THRESHOLD, 16 * 1024);
	rc = workers_init(srv, err);
	if (rc)
		goto out;
	served_slot_workers(&srv->slot, srv->nworkers, worker_gate, srv);
	srv->slot.hup = dns_tls_reload; /* SIGHUP reloads the DoT/DoH certificate too */
	{
		/* Each worker may hold DNS_UP_SOCKS upstream sockets and dns.max-connections
		 * client connections: raise the soft descriptor limit to the hard one (a worker
		 * that still runs out shares upstream sockets rather than fail queries, and
		 * refuses connections beyond it: said once here). */
		struct rlimit rl;
		uint64_t need = (uint64_t)srv->nworkers *
					(DNS_UP_SOCKS + (uint64_t)cfg->dns_max_connections) +
				64;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < need)
			fprintf(stderr,
				"ispshield dns: open files limit %llu is below the %llu that "
				"dns.threads x (dns.max-connections + %d) need: raise "
				"LimitNOFILE\n",
				(unsigned long long)rl.rlim_cur, (unsigned long long)need,
				DNS_UP_SOCKS);
	}
	rc = served_run(&srv->slot, &hooks, cfg->dns_listen, cfg->dns_metrics, &srv->stop,
			&srv->writer, err);
out:
	workers_free(srv);
	served_slot_close(&srv->slot);
	prefixset_free(srv->subscribers);
	prefixset_free(srv->exempt);
	prefixset_free(srv->proxy_from);
	dns_tls_free_ctx(srv);
	free(srv);
	return rc;
}
