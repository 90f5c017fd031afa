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

		j = (struct px_metajob *)px_jobq_pop(&srv->metaq, &srv->stop);
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
		px_job_post(w, &w->meta_head, &j->job);
	}
	store_close(st);
	return NULL;
}

int px_meta_ask(struct px_server *srv, int worker, int conn, uint32_t gen, uint32_t seq,
		const char *list, const char *value, size_t vlen)
{
	struct px_metajob *j = calloc(1, sizeof(*j) + vlen + 1);

	if (!j)
		return -1;
	memcpy(j->value, value, vlen);
	j->value[vlen] = '\0';
	snprintf(j->list, sizeof(j->list), "%s", list);
	j->worker = worker;
	j->conn = conn;
	j->gen = gen;
	j->seq = seq;
	px_jobq_push(&srv->metaq, &j->job);
	return 0;
}

void px_metajob_free(struct px_metajob *j)
{
	free(j); /* its value with it */
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
	struct px_job *j;

	if (srv->meta_started) {
		px_jobq_wake(&srv->metaq);
		pthread_join(srv->meta_thread, NULL);
		srv->meta_started = 0;
	}
	for (j = px_jobq_take(&srv->metaq); j;) {
		struct px_job *next = j->next;

		px_metajob_free((struct px_metajob *)j);
		j = next;
	}
}
