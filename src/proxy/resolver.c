/*
 * resolver.c -- upstream name lookups off the event loops: a pool of threads calling
 * getaddrinfo(3), fed by one mutex-protected queue; each answer goes to the asking
 * worker's answer list and wakes it through its eventfd. With proxy.resolver set, the
 * threads ask that DNS server instead (dnsstub.h). A lookup returns up to PX_MAX_ADDRS
 * addresses; the worker checks them (dest.h) and connects to the first allowed one.
 *
 * Why a thread pool: getaddrinfo is the resolver the rest of the system uses
 * (/etc/hosts, nsswitch, the ISP's resolv.conf), it blocks, and a handful of threads
 * are enough for the names a proxy sees (keep-alive reuses upstream connections).
 * getaddrinfo_a is the same pool inside glibc with signal or thread callbacks, and
 * c-ares would bypass nsswitch. A lookup whose connection has gone by the time it
 * answers is dropped by the worker (the connection slot's generation changed).
 */
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/dnsstub.h"
#include "proxy/proxy_int.h"

static void *resolver_main(void *arg)
{
	struct px_server *srv = arg;

	for (;;) {
		struct px_lookup *l;
		struct addrinfo hints, *res = NULL;
		struct px_worker *w;
		char port[8];
		uint64_t one = 1;

		pthread_mutex_lock(&srv->rq_mu);
		while (!srv->rq_head && !atomic_load(&srv->stop))
			pthread_cond_wait(&srv->rq_cv, &srv->rq_mu);
		if (!srv->rq_head) {
			pthread_mutex_unlock(&srv->rq_mu);
			return NULL;
		}
		l = srv->rq_head;
		srv->rq_head = l->next;
		if (!srv->rq_head)
			srv->rq_tail = NULL;
		pthread_mutex_unlock(&srv->rq_mu);

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		snprintf(port, sizeof(port), "%u", l->port);
		l->n = 0;
		if (srv->resolver.ss_family) {
			int n = pxdns_lookup((struct sockaddr *)&srv->resolver, srv->resolverlen,
					     l->host, l->port,
					     (int)srv->cfg->proxy_connect_timeout * 1000, l->addr,
					     l->addrlen, PX_MAX_ADDRS);

			l->n = n > 0 ? n : 0;
		} else if (getaddrinfo(l->host, port, &hints, &res) == 0) {
			const struct addrinfo *ai;

			for (ai = res; ai && l->n < PX_MAX_ADDRS; ai = ai->ai_next) {
				if (ai->ai_addrlen > sizeof(l->addr[0]))
					continue;
				memcpy(&l->addr[l->n], ai->ai_addr, ai->ai_addrlen);
				l->addrlen[l->n++] = ai->ai_addrlen;
			}
		}
		if (res)
			freeaddrinfo(res);
		w = &srv->workers[l->worker];
		pthread_mutex_lock(&w->res_mu);
		l->next = w->res_head;
		w->res_head = l;
		pthread_mutex_unlock(&w->res_mu);
		if (write(w->evfd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is full, the loop wakes anyway */
		}
	}
}

int px_resolve(struct px_server *srv, int worker, int conn, uint32_t gen, const char *host,
	       uint16_t port)
{
	struct px_lookup *l = calloc(1, sizeof(*l));

	if (!l)
		return -1;
	l->worker = worker;
	l->conn = conn;
	l->gen = gen;
	snprintf(l->host, sizeof(l->host), "%s", host);
	l->port = port;
	pthread_mutex_lock(&srv->rq_mu);
	if (srv->rq_tail)
		srv->rq_tail->next = l;
	else
		srv->rq_head = l;
	srv->rq_tail = l;
	pthread_cond_signal(&srv->rq_cv);
	pthread_mutex_unlock(&srv->rq_mu);
	return 0;
}

int px_resolver_start(struct px_server *srv, int n)
{
	int i;

	srv->resolvers = calloc((size_t)n, sizeof(*srv->resolvers));
	if (!srv->resolvers)
		return -1;
	for (i = 0; i < n; i++) {
		if (pthread_create(&srv->resolvers[i], NULL, resolver_main, srv) != 0)
			return -1;
		srv->nresolvers++;
	}
	return 0;
}

void px_resolver_stop(struct px_server *srv)
{
	int i;

	pthread_mutex_lock(&srv->rq_mu);
	pthread_cond_broadcast(&srv->rq_cv);
	pthread_mutex_unlock(&srv->rq_mu);
	for (i = 0; i < srv->nresolvers; i++)
		pthread_join(srv->resolvers[i], NULL);
	free(srv->resolvers);
	srv->resolvers = NULL;
	srv->nresolvers = 0;
	while (srv->rq_head) {
		struct px_lookup *l = srv->rq_head;

		srv->rq_head = l->next;
		free(l);
	}
	srv->rq_tail = NULL;
}
