/*
 * meta.c -- the list metadata of the warning page (source, reference, category, first
 * seen), read from the store by one thread of its own, never on a worker's event loop
 * (issue 17): a store read can take as long as the store does (a PostgreSQL lock, a
 * busy SQLite file), and every connection of that worker would wait with it.
 *
 * A worker that renders a warning page queues a job (list, entry) and parks the
 * connection in S_META; this thread answers into the worker's answer list and wakes it
 * through its eventfd, as the resolver pool does. The worker renders the page when the
  * answer comes, or without metadata (the list name only) when it has not come within
 * proxy.connect-timeout. A job whose connection has moved on is dropped by the worker (slot
 * generation and the connection's hit sequence number). One thread, one store handle,
 * opened at the first job: hits are rare next to the traffic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/proxy_int.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

static int on_source(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct px_meta *m = ud;

	(void)l;
	if (m->found)
		return 0;
	m->found = 1;
	snprintf(m->source, sizeof(m->source), "%s", e->source ? e->source : "");
	snprintf(m->reference, sizeof(m->reference), "%s", e->reference ? e->reference : "");
	snprintf(m->category, sizeof(m->category), "%s", e->category ? e->category : "");
	m->first_seen = e->first_seen;
	return 0;
}

static void *meta_main(void *arg)
{
	struct px_server *srv = arg;
	struct store *st = NULL;
	int tried = 0;

	for (;;) {
		struct px_metajob *j;
		struct px_worker *w;
		struct store_list sl;
		struct isp_err err;
		uint64_t one = 1;

		pthread_mutex_lock(&srv->meta_mu);
		while (!srv->meta_head && !atomic_load(&srv->stop))
			pthread_cond_wait(&srv->meta_cv, &srv->meta_mu);
		j = srv->meta_head;
		if (j) {
			srv->meta_head = j->next;
			if (!srv->meta_head)
				srv->meta_tail = NULL;
		}
		pthread_mutex_unlock(&srv->meta_mu);
		if (!j)
			break;
		if (!tried) {
			tried = 1;
			isp_err_clear(&err);
			if (store_open(srv->cfg->store, &st, &err) != 0)
				st = NULL;
		}
		memset(&j->m, 0, sizeof(j->m));
		isp_err_clear(&err);
		if (st && store_list_get(st, j->list, LIST_KIND_NONE, 0, &sl, &err) == 0)
			store_entry_sources(st, &sl, j->value, on_source, &j->m, &err);
		w = &srv->workers[j->worker];
		pthread_mutex_lock(&w->res_mu);
		j->next = w->meta_head;
		w->meta_head = j;
		pthread_mutex_unlock(&w->res_mu);
		if (write(w->evfd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is full, the loop wakes anyway */
		}
	}
	store_close(st);
	return NULL;
}

int px_meta_ask(struct px_server *srv, int worker, int conn, uint32_t gen, uint32_t seq,
		const char *list, const char *value, size_t vlen)
{
	struct px_metajob *j = calloc(1, sizeof(*j));

	if (!j)
		return -1;
	j->value = malloc(vlen + 1);
	if (!j->value) {
		free(j);
		return -1;
	}
	memcpy(j->value, value, vlen);
	j->value[vlen] = '\0';
	snprintf(j->list, sizeof(j->list), "%s", list);
	j->worker = worker;
	j->conn = conn;
	j->gen = gen;
	j->seq = seq;
	pthread_mutex_lock(&srv->meta_mu);
	if (srv->meta_tail)
		srv->meta_tail->next = j;
	else
		srv->meta_head = j;
	srv->meta_tail = j;
	pthread_cond_signal(&srv->meta_cv);
	pthread_mutex_unlock(&srv->meta_mu);
	return 0;
}

void px_metajob_free(struct px_metajob *j)
{
	if (!j)
		return;
	free(j->value);
	free(j);
}

int px_meta_start(struct px_server *srv)
{
	if (pthread_create(&srv->meta_thread, NULL, meta_main, srv) != 0)
		return -1;
	srv->meta_started = 1;
	return 0;
}

void px_meta_stop(struct px_server *srv)
{
	if (srv->meta_started) {
		pthread_mutex_lock(&srv->meta_mu);
		pthread_cond_broadcast(&srv->meta_cv);
		pthread_mutex_unlock(&srv->meta_mu);
		pthread_join(srv->meta_thread, NULL);
		srv->meta_started = 0;
	}
	while (srv->meta_head) {
		struct px_metajob *j = srv->meta_head;

		srv->meta_head = j->next;
		px_metajob_free(j);
	}
	srv->meta_tail = NULL;
}
