/*
 * metricsd.h -- the Prometheus endpoint of a service: GET /metrics on one address,
 * answered by a small blocking HTTP/1.0 responder on its own thread. Shared by
 * `ispshield dns` and `ispshield proxy`.
 *
 * Scrapes come a few times a minute, so it needs no event loop and no library. It reads
 * the request head only (bounded, 2 s timeout: a slow client cannot hold it), answers
 * with the text the service's render callback writes, and closes the connection;
 * anything but GET /metrics gets 404.
 */
#ifndef ISP_CORE_METRICSD_H
#define ISP_CORE_METRICSD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

/* Write the exposition text into buf (size bytes); return its length (< size). Called
 * on the metrics thread: read the service's counters with atomic loads only. */
typedef size_t (*metricsd_render_fn)(void *ud, char *buf, size_t size);

struct metricsd {
	metricsd_render_fn render;
	void *ud;
	const _Atomic int *stop; /* the thread returns within 200 ms of *stop != 0 */
	int fd;
	pthread_t thread;
};

/*
 * Writing the exposition text: both services render counters, a few gauges and one
 * latency histogram the same way, named "ispshield_<prefix>_<name>".
 */
struct prom {
	char *buf;
	size_t size, n;	    /* n may pass size: what did not fit is cut by prom_end */
	const char *prefix; /* "dns", "proxy" */
};
/* type: "counter" or "gauge". */
void prom_value(struct prom *p, const char *type, const char *name, const char *help,
		unsigned long long v);
/* One row of a table of values, written in order by prom_rows. */
struct prom_row {
	const char *type; /* "counter" or "gauge" */
	const char *name, *help;
	unsigned long long v;
};
/* prom_value for each of the n rows. */
void prom_rows(struct prom *p, const struct prom_row *rows, size_t n);
/* The HELP and TYPE lines of a labelled family, then one prom_labelled per sample. */
void prom_family(struct prom *p, const char *type, const char *name, const char *help);
/* One sample name{label="value"} v of the family opened by prom_family; the value is
 * escaped as the text format asks (backslash, double quote, newline). */
void prom_labelled(struct prom *p, const char *name, const char *label, const char *value,
		   unsigned long long v);
/* A histogram from per-bucket counts (nbounds + 1 of them, the last one +Inf; not
 * cumulative), bounds in milliseconds, the sum in microseconds. */
void prom_histogram(struct prom *p, const char *name, const char *help, const double *bounds_ms,
		    int nbounds, const uint64_t *counts, uint64_t sum_us);
/* The text's length, as a render callback returns it. */
size_t prom_end(const struct prom *p);

/* Bind addr ("ADDR:PORT", key names it in errors) and start the thread. m->render, ud
 * and stop are set by the caller. Returns 0 or ISR_EINVAL / ISR_EIO / ISR_ENOMEM. */
int metricsd_start(struct metricsd *m, const char *key, const char *addr, struct isp_err *err);
/* Join the thread (after *stop was set) and close the socket. */
void metricsd_join(struct metricsd *m);

#endif
