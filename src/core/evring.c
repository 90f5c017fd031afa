/*
 * evring.c -- see evring.h (moved here from the DNS service, src/dns/events.c, when the
 * proxy needed the same rings and writer).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/evring.h"
#include "core/netaddr.h"
#include "core/store.h"

int evring_init(struct evring *r, uint32_t size)
{
	uint32_t n = 1;

	while (n < size && n < (1u << 24))
		n <<= 1;
	r->ev = calloc(n, sizeof(*r->ev));
	if (!r->ev)
		return ISR_ENOMEM;
	r->size = n;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

void evring_free(struct evring *r)
{
	free(r->ev);
	r->ev = NULL;
}

int evring_push(struct evring *r, const struct ev_block *ev)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail >= r->size)
		return -1;
	r->ev[head & (r->size - 1)] = *ev;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return 0;
}

#define WRITE_BATCH 1024

/* Take up to WRITE_BATCH events from r into out; returns how many. */
static size_t ring_take(struct evring *r, struct ev_block *out, size_t max)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t n = 0;

	while (tail != head && n < max) {
		out[n++] = r->ev[tail & (r->size - 1)];
		tail++;
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	return n;
}

static void sa_text(const struct sockaddr_storage *ss, char *buf, size_t size, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)size);
		*port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)size);
		*port = ntohs(in6->sin6_port);
	}
}

/* Drain every ring once; returns the number of events written. */
static size_t drain(struct evwriter *w, struct store *st, struct ev_block *buf,
		    struct store_block_event *sev, char (*addr)[64])
{
	size_t total = 0;
	int i;

	for (i = 0; i < w->nrings; i++) {
		for (;;) {
			size_t n = ring_take(w->rings[i], buf, WRITE_BATCH), k;
			struct isp_err err;

			if (n == 0)
				break;
			for (k = 0; k < n; k++) {
				sa_text(&buf[k].client, addr[k], 64, &sev[k].port);
				sev[k].time_ms = buf[k].time_ms;
				sev[k].client = addr[k];
				sev[k].qname = buf[k].qname;
				sev[k].qtype = buf[k].qtype;
				sev[k].list = buf[k].list;
				sev[k].entry = buf[k].entry;
				sev[k].reason = buf[k].reason;
				/* one line per block on stderr: syslog/journald-friendly */
				fprintf(stderr,
					"ispshield %s: blocked client=%s port=%u qname=%s "
					"qtype=%u list=%s entry=%s reason=%s\n",
					w->service, addr[k], sev[k].port, buf[k].qname,
					buf[k].qtype, buf[k].list, buf[k].entry, buf[k].reason);
			}
			isp_err_clear(&err);
			if (st && store_add_block_events(st, sev, n, &err) != 0)
				fprintf(stderr,
					"ispshield %s: cannot record %zu block events: %s\n",
					w->service, n, err.msg);
			total += n;
		}
	}
	return total;
}

static void *writer_main(void *arg)
{
	struct evwriter *w = arg;
	struct ev_block *buf = calloc(WRITE_BATCH, sizeof(*buf));
	struct store_block_event *sev = calloc(WRITE_BATCH, sizeof(*sev));
	char(*addr)[64] = calloc(WRITE_BATCH, 64);
	struct store *st = NULL;
	struct isp_err err;

	isp_err_clear(&err);
	if (store_open(w->store, &st, &err) != 0) {
		fprintf(stderr, "ispshield %s: block events will not be stored: %s\n", w->service,
			err.msg);
		st = NULL;
	}
	if (!buf || !sev || !addr) {
		fprintf(stderr, "ispshield %s: out of memory in the event writer\n", w->service);
		goto out;
	}
	while (!atomic_load(&w->stop)) {
		struct timespec ts = { 0, 100 * 1000000L };

		drain(w, st, buf, sev, addr);
		nanosleep(&ts, NULL);
	}
	drain(w, st, buf, sev, addr); /* the producers have stopped: nothing is lost */
out:
	store_close(st);
	free(buf);
	free(sev);
	free(addr);
	return NULL;
}

int evwriter_start(struct evwriter *w, struct isp_err *err)
{
	atomic_store(&w->stop, 0);
	w->started = 0;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		return isp_err_set(err, ISR_ENOMEM, "cannot start the event writer thread");
	w->started = 1;
	return 0;
}

void evwriter_stop(struct evwriter *w)
{
	atomic_store(&w->stop, 1);
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}
