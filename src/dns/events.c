/*
 * events.c -- block events from the workers to the store.
 *
 * Each worker pushes into its own single-producer single-consumer ring (no lock, no
 * allocation, no system call: a query is never delayed by the store); a full ring drops
 * the event and the worker counts it. One writer thread drains every ring about ten
 * times a second and writes what it took in one SQLite transaction. On stop it drains
 * the rings once more, so nothing that was recorded is lost on a clean shutdown.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/store.h"
#include "dns/dns_int.h"

int dns_ring_init(struct dns_ring *r, uint32_t size)
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

void dns_ring_free(struct dns_ring *r)
{
	free(r->ev);
	r->ev = NULL;
}

int dns_ring_push(struct dns_ring *r, const struct dns_event *ev)
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
static size_t ring_take(struct dns_ring *r, struct dns_event *out, size_t max)
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
static size_t drain(struct dns_server *srv, struct store *st, struct dns_event *buf,
		    struct store_block_event *sev, char (*addr)[64])
{
	size_t total = 0;
	int i;

	for (i = 0; i < srv->nworkers; i++) {
		for (;;) {
			size_t n = ring_take(&srv->workers[i].ring, buf, WRITE_BATCH), k;
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
					"ispshield dns: blocked client=%s port=%u qname=%s "
					"qtype=%u list=%s entry=%s reason=%s\n",
					addr[k], sev[k].port, buf[k].qname, buf[k].qtype,
					buf[k].list, buf[k].entry, buf[k].reason);
			}
			isp_err_clear(&err);
			if (st && store_add_block_events(st, sev, n, &err) != 0)
				fprintf(stderr,
					"ispshield dns: cannot record %zu block events: %s\n", n,
					err.msg);
			total += n;
		}
	}
	return total;
}

void *dns_writer_main(void *arg)
{
	struct dns_server *srv = arg;
	struct dns_event *buf = calloc(WRITE_BATCH, sizeof(*buf));
	struct store_block_event *sev = calloc(WRITE_BATCH, sizeof(*sev));
	char(*addr)[64] = calloc(WRITE_BATCH, 64);
	struct store *st = NULL;
	struct isp_err err;

	isp_err_clear(&err);
	if (store_open(srv->cfg->store, &st, &err) != 0) {
		fprintf(stderr, "ispshield dns: block events will not be stored: %s\n", err.msg);
		st = NULL;
	}
	if (!buf || !sev || !addr) {
		fprintf(stderr, "ispshield dns: out of memory in the event writer\n");
		goto out;
	}
	while (!atomic_load(&srv->writer_stop)) {
		struct timespec ts = { 0, 100 * 1000000L };

		drain(srv, st, buf, sev, addr);
		nanosleep(&ts, NULL);
	}
	drain(srv, st, buf, sev, addr); /* the workers have stopped: nothing is lost */
out:
	store_close(st);
	free(buf);
	free(sev);
	free(addr);
	return NULL;
}
