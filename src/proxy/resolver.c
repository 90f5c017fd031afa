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

void px_jobq_init(struct px_jobq *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = q->tail = NULL;
}

void px_jobq_destroy(struct px_jobq *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

void px_jobq_push(struct px_jobq *q, struct px_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

struct px_job *px_jobq_pop(struct px_jobq *q, _Atomic int *stop)
{
	struct px_job *j;

	pthread_mutex_lock(&q->mu);
	while (!q->head && !atomic_load(stop))
		pthread_cond_wait(&q->cv, &q->mu);
	j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return j;
}

void px_jobq_wake(struct px_jobq *q)
{
	pthread_mutex_lock(&q->mu);
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

struct px_job *px_jobq_take(struct px_jobq *q)
{
	struct px_job *j;

	pthread_mutex_lock(&q->mu);
	j = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return j;
}

void px_job_post(struct px_worker *w, struct px_job **list, struct px_job *j)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->res_mu);
	j->next = *list;
	*list = j;
	pthread_mutex_unlock(&w->res_mu);
	if (write(w->evfd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, the loop wakes anyway */
	}
}

static void *resolver_main(void *arg)
{
	struct px_server *srv = arg;

	for (;;) {
		struct px_lookup *l;
		struct addrinfo hints, *res = NULL;
		struct px_worker *w;
		char port[8];

		l = (struct px_lookup *)px_jobq_pop(&srv->rq, &srv->stop);
		if (!l)
			return NULL;

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
		px_job_post(w, &w->res_head, &l->job);
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
	px_jobq_push(&srv->rq, &l->job);
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
	struct px_job *j;
	int i;

	px_jobq_wake(&srv->rq);
	for (i = 0; i < srv->nresolvers; i++)
		pthread_join(srv->resolvers[i], NULL);
	free(srv->resolvers);
	srv->resolvers = NULL;
	srv->nresolvers = 0;
	for (j = px_jobq_take(&srv->rq); j;) {
		struct px_job *next = j->next;

		free(j); /* a px_lookup */
		j = next;
	}
}
