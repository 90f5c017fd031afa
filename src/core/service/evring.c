/*
 * evring.c -- see evring.h (moved here from the DNS service, src/dns/events.c, when the
 * proxy needed the same rings and writer).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/log.h"
#include "core/service/evring.h"
#include "core/service/config.h"
#include "core/events/evspool.h"
#include "core/service/metricsd.h"
#include "core/net/netaddr.h"
#include "core/store/store.h"
#include "core/store/store_blocks.h"
#include "core/base/timefmt.h"

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

/* The writer thread's own state. */
struct wstate {
	struct store *st;     /* NULL while the store is unreachable */
	int64_t next_try_ms;  /* when to try opening it again */
	int64_t backoff_ms;   /* 100 ms doubling to 5 s */
	int down_logged;      /* the outage was reported once */
	struct ev_block *buf; /* WRITE_BATCH events taken from a ring */
	struct store_block_event *sev;
	char (*addr)[64];
	struct evspool_event *spooled; /* WRITE_BATCH events read back from the spool */
	/* core.log-blocks = summary: blocks per list since sum_start_ms */
	struct {
		char list[64];
		uint64_t n;
	} sum[SUMMARY_LISTS];
	int nsum;
	uint64_t sum_other; /* of lists beyond SUMMARY_LISTS */
	int64_t sum_start_ms;
};

/* core.log-blocks = summary: one line per list with blocks in the minute, then start a
 * new minute. */
static void summary_flush(struct evwriter *w, struct wstate *ws)
{
	int i;

	for (i = 0; i < ws->nsum; i++)
		log_msg(LOGS_INFO, w->service, "blocked in the last minute: list=%s count=%llu",
			ws->sum[i].list, (unsigned long long)ws->sum[i].n);
	if (ws->sum_other)
		log_msg(LOGS_INFO, w->service,
			"blocked in the last minute: list=(other lists) count=%llu",
			(unsigned long long)ws->sum_other);
	ws->nsum = 0;
	ws->sum_other = 0;
	ws->sum_start_ms = time_mono_ms();
}

static void summary_add(struct wstate *ws, const char *list)
{
	int i;

	for (i = 0; i < ws->nsum; i++)
		if (strcmp(ws->sum[i].list, list) == 0) {
			ws->sum[i].n++;
			return;
		}
	if (ws->nsum == SUMMARY_LISTS) {
		ws->sum_other++;
		return;
	}
	snprintf(ws->sum[ws->nsum].list, sizeof(ws->sum[0].list), "%s", list);
	ws->sum[ws->nsum++].n = 1;
}

/* The store failed (open or write): close it, count it, schedule the next try. */
static void store_down(struct evwriter *w, struct wstate *ws, const struct isp_err *err)
{
	atomic_fetch_add(&w->store_failures, 1);
	store_close(ws->st);
	ws->st = NULL;
	ws->backoff_ms = ws->backoff_ms ? ws->backoff_ms * 2 : 100;
	if (ws->backoff_ms > 5000)
		ws->backoff_ms = 5000;
	ws->next_try_ms = time_mono_ms() + ws->backoff_ms;
	if (!ws->down_logged)
		log_msg(LOGS_ERROR, w->service, "store unreachable (%s); block events go to %s",
			err->msg, w->sp ? w->sp->path : "nowhere (no spool): they are dropped");
	ws->down_logged = 1;
}

static void try_store(struct evwriter *w, struct wstate *ws)
{
	struct isp_err err;

	if (ws->st || w->events_off || time_mono_ms() < ws->next_try_ms)
		return;
	isp_err_clear(&err);
	if (store_open(w->store, &ws->st, &err) != 0) {
		ws->st = NULL;
		store_down(w, ws, &err);
		return;
	}
	if (ws->down_logged)
		log_msg(LOGS_NOTICE, w->service, "store reachable again%s",
			evspool_pending(w->sp) ? "; draining the spool" : "");
	ws->down_logged = 0;
	ws->backoff_ms = 0;
}

static void spool_gauge(struct evwriter *w)
{
	atomic_store(&w->spool_bytes, w->sp ? w->sp->size - w->sp->done : 0);
}

/* n events taken from the rings: into the store if it answers and nothing older waits in
 * the spool, else into the spool. */
static void deliver(struct evwriter *w, struct wstate *ws, size_t n)
{
	struct isp_err err;
	size_t dropped = n;

	if (w->events_off)
		return;
	isp_err_clear(&err);
	if (ws->st && !evspool_pending(w->sp)) {
		if (store_add_block_events(ws->st, ws->sev, n, &err) == 0) {
			atomic_fetch_add(&w->written, n);
			return;
		}
		store_down(w, ws, &err);
		isp_err_clear(&err);
	}
	if (w->sp && evspool_append(w->sp, ws->sev, n, &dropped, &err) != 0)
		log_msg(LOGS_ERROR, w->service, "%s", err.msg);
	atomic_fetch_add(&w->spooled, n - dropped);
	atomic_fetch_add(&w->spool_dropped, dropped);
	spool_gauge(w);
}

/* Drain every ring once; returns the number of events taken. */
static size_t drain(struct evwriter *w, struct wstate *ws)
{
	struct store_block_event *sev = ws->sev;
	struct ev_block *buf = ws->buf;
	size_t total = 0;
	int i;

	for (i = 0; i < w->nrings; i++) {
		for (;;) {
			size_t n = ring_take(w->rings[i], buf, WRITE_BATCH), k;

			if (n == 0)
				break;
			for (k = 0; k < n; k++) {
				sa_text(&buf[k].client, ws->addr[k], 64, &sev[k].port);
				sev[k].time_ms = buf[k].time_ms;
				sev[k].client = ws->addr[k];
				sev[k].qname = buf[k].qname;
				sev[k].qtype = buf[k].qtype;
				sev[k].list = buf[k].list;
				sev[k].entry = buf[k].entry;
				sev[k].reason = buf[k].reason;
				if (w->log_blocks == EVLOG_EACH)
					log_msg(LOGS_INFO, w->service,
						"blocked client=%s port=%u qname=%s qtype=%u "
						"list=%s entry=%s reason=%s",
						ws->addr[k], sev[k].port, buf[k].qname,
						buf[k].qtype, buf[k].list, buf[k].entry,
						buf[k].reason);
				else if (w->log_blocks == EVLOG_SUMMARY)
					summary_add(ws, buf[k].list);
			}
			deliver(w, ws, n);
			total += n;
		}
	}
	return total;
}

/* Move spooled events into the store, oldest first, for up to budget_ms. */
static void drain_spool(struct evwriter *w, struct wstate *ws, int64_t budget_ms)
{
	int64_t until = time_mono_ms() + budget_ms;

	while (ws->st && evspool_pending(w->sp) && time_mono_ms() < until) {
		struct isp_err err;
		uint64_t next;
		size_t n, k;

		isp_err_clear(&err);
		if (evspool_read(w->sp, ws->spooled, WRITE_BATCH, &n, &next, &err) != 0) {
			log_msg(LOGS_ERROR, w->service, "%s", err.msg);
			break;
		}
		for (k = 0; k < n; k++)
			ws->sev[k] = ws->spooled[k].ev;
		if (n && store_add_block_events(ws->st, ws->sev, n, &err) != 0) {
			store_down(w, ws, &err);
			break;
		}
		atomic_fetch_add(&w->written, n);
		/* committed: a crash before this line sends this batch again (at least once) */
		if (evspool_consume(w->sp, next, &err) != 0) {
			log_msg(LOGS_ERROR, w->service, "%s", err.msg);
			break;
		}
	}
	spool_gauge(w);
}

static void on_spool_reject(void *ud, const struct isp_err *e)
{
	struct evwriter *w = ud;
	char msg[1024];

	atomic_fetch_add(&w->spool_rejected, 1);
	log_msg(LOGS_WARNING, w->service, "spool: %s", isp_err_str(e, msg, sizeof(msg)));
}

static void *writer_main(void *arg)
{
	struct evwriter *w = arg;
	struct wstate ws;

	memset(&ws, 0, sizeof(ws));
	ws.sum_start_ms = time_mono_ms();
	ws.buf = calloc(WRITE_BATCH, sizeof(*ws.buf));
	ws.sev = calloc(WRITE_BATCH, sizeof(*ws.sev));
	ws.addr = calloc(WRITE_BATCH, 64);
	ws.spooled = w->sp ? calloc(WRITE_BATCH, sizeof(*ws.spooled)) : NULL;
	if (!ws.buf || !ws.sev || !ws.addr || (w->sp && !ws.spooled)) {
		log_msg(LOGS_ERROR, w->service, "out of memory in the event writer");
		goto out;
	}
	spool_gauge(w);
	while (!atomic_load(&w->stop)) {
		struct timespec ts = { 0, 100 * 1000000L };

		try_store(w, &ws);
		drain(w, &ws);
		drain_spool(w, &ws, 250);
		if (w->log_blocks == EVLOG_SUMMARY && time_mono_ms() - ws.sum_start_ms >= 60000)
			summary_flush(w, &ws);
		nanosleep(&ts, NULL);
	}
	drain(w, &ws); /* the producers have stopped: nothing is lost */
	if (w->log_blocks == EVLOG_SUMMARY)
		summary_flush(w, &ws);
	ws.next_try_ms = 0;
	try_store(w, &ws);
	drain_spool(w, &ws, 2000);
out:
	store_close(ws.st);
	free(ws.buf);
	free(ws.sev);
	free(ws.addr);
	free(ws.spooled);
	return NULL;
}

int evwriter_setup(struct evwriter *w, const char *service, const struct isp_config *cfg,
		   const char *listen, char *spool, size_t size, struct isp_err *err)
{
	char dir[CONFIG_PATH_MAX];

	memset(w, 0, sizeof(*w));
	w->service = service;
	w->store = cfg->store;
	w->events_off = strcmp(cfg->events, "off") == 0;
	w->log_blocks = strcmp(cfg->core_log_blocks, "each") == 0      ? EVLOG_EACH
			: strcmp(cfg->core_log_blocks, "summary") == 0 ? EVLOG_SUMMARY
								       : EVLOG_OFF;
	w->spool_max = cfg->spool_max;
	config_spool_dir(cfg, dir);
	if (evspool_path(dir, service, listen, spool, size) != 0)
		return isp_err_set(err, ISR_ELIMIT, "core.spool: path too long");
	w->spool = spool;
	return 0;
}

int evwriter_start(struct evwriter *w, struct isp_err *err)
{
	int rc;

	atomic_store(&w->stop, 0);
	w->started = 0;
	w->sp = NULL;
	if (!w->events_off && w->spool && w->spool[0]) {
		struct isp_err e;

		isp_err_clear(&e);
		rc = evspool_open(w->spool, w->spool_max, on_spool_reject, w, &w->sp, &e);
		if (rc)
			return isp_err_set(err, rc, "core.spool: %s", e.msg);
		if (evspool_pending(w->sp))
			log_msg(LOGS_NOTICE, w->service,
				"%llu bytes of block events left in %s: draining them first",
				(unsigned long long)(w->sp->size - w->sp->done), w->sp->path);
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		evspool_close(w->sp);
		w->sp = NULL;
		return isp_err_set(err, ISR_ENOMEM, "cannot start the event writer thread");
	}
	w->started = 1;
	return 0;
}

void evwriter_stop(struct evwriter *w)
{
	atomic_store(&w->stop, 1);
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
	evspool_close(w->sp);
	w->sp = NULL;
}

void evwriter_metrics(struct evwriter *w, struct prom *p)
{
	const struct prom_row rows[] = {
		{ "counter", "events_written_total",
		  "Block events committed to the store (drained from the spool included).",
		  atomic_load(&w->written) },
		{ "counter", "events_spooled_total",
		  "Block events appended to the local spool while the store was unreachable.",
		  atomic_load(&w->spooled) },
		{ "gauge", "events_spool_bytes", "Bytes of block events waiting in the spool.",
		  atomic_load(&w->spool_bytes) },
		{ "counter", "events_spool_dropped_total",
		  "Block events dropped because the spool was full or unwritable (or absent).",
		  atomic_load(&w->spool_dropped) },
		{ "counter", "events_store_failures_total",
		  "Failed store opens and writes of the event writer.",
		  atomic_load(&w->store_failures) },
		{ "counter", "events_spool_rejected_total",
		  "Bad spool records skipped (torn tail, checksum).",
		  atomic_load(&w->spool_rejected) },
	};

	prom_rows(p, rows, sizeof(rows) / sizeof(rows[0]));
}
