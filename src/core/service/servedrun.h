/*
 * servedrun.h -- the run of a serving service (the DNS service, the proxy), written once:
 * start the workers, the block-event writer over their rings and the metrics responder,
 * serve (served_slot_loop) until SIGTERM or SIGINT, stop it all in order; and its
 * /metrics page: the workers' counters summed, the latency histogram, the reload
 * counters, the per-list counters and the event writer's.
 *
 * A service keeps only what is its own: configuration, its workers, the log line that
 * says it serves, and the table of its counters (struct served_metrics).
 */
#ifndef ISP_CORE_SERVEDRUN_H
#define ISP_CORE_SERVEDRUN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/service/config.h"
#include "core/service/evring.h"
#include "core/service/metricsd.h"
#include "core/service/served.h"

/* What served_run needs of a service (one constant table a service); the hooks get the
 * ud given to served_slot_workers. */
struct served_hooks {
	const char *who; /* "dns", "proxy": the event writer's service, log prefix, WHO.metrics */
	metricsd_render_fn render;
	/* Optional: start what the workers need, after the signals are blocked; 0 or err set. */
	int (*prepare)(void *ud, struct isp_err *err);
	/* Start worker i: 0, or the error (with the service's own message) set in err. */
	int (*start)(void *ud, int i, struct isp_err *err);
	struct evring *(*ring)(void *ud, int i); /* worker i's block-event ring */
	void (*serving)(void *ud);		 /* write the "serving on" log line */
	/* After *stop was set: join the `started` first workers (and what prepare started). */
	void (*join)(void *ud, int started);
};

/*
 * Block the signals, prepare, start the s->nworkers workers (served_slot_workers), the
 * event writer over their rings (spool named after listen) and the metrics responder (on
 * metrics_addr, when not empty; key "WHO.metrics" in errors), log, and serve s until
 * SIGTERM or SIGINT; then set *stop and stop everything that started (also after a
 * failed start) in order: workers (join), writer (last drain), metrics. *writer points at
 * the running writer (the metrics read it). Returns 0 or the first start error.
 */
int served_run(struct served_slot *s, const struct served_hooks *h, const char *listen,
	       const char *metrics_addr, _Atomic int *stop, struct evwriter **writer,
	       struct isp_err *err);

/* One worker's counters as its metrics read them (relaxed atomic loads). */
struct served_wcounters {
	const _Atomic uint64_t *counters;		    /* indexed by served_counter.c */
	const _Atomic uint64_t *lat;			    /* served_metrics.nbounds + 1 buckets */
	const _Atomic uint64_t *lat_sum_us;		    /* microseconds */
	const _Atomic uint64_t *list_blocked, *list_logged; /* SERVED_LIST_SLOTS each */
};

/* Fill *out from a worker struct w that names its counters as served_wcounters does. */
#define SERVED_WCOUNTERS(out, w)                                                                   \
	((out)->counters = (w)->counters, (out)->lat = (w)->lat,                                   \
	 (out)->lat_sum_us = &(w)->lat_sum_us, (out)->list_blocked = (w)->list_blocked,            \
	 (out)->list_logged = (w)->list_logged)

/* A row of a service's counter table: counters[c] summed over the workers. */
struct served_counter {
	unsigned c;
	const char *name, *help;
};

#define SERVED_LAT_MAX 32 /* the most histogram bounds */

/* A service's metrics page. */
struct served_metrics {
	const char *prefix; /* "dns": ispshield_dns_... */
	const struct served_counter *counters;
	size_t ncounters;
	const char *lat_name, *lat_help;
	const double *lat_bounds; /* milliseconds, nbounds <= SERVED_LAT_MAX */
	int nbounds;
	const char *blocked_help, *logged_help; /* list_blocked_total, list_logged_total */
	/* fill *out with worker i's counters */
	void (*worker)(void *ud, int i, struct served_wcounters *out);
};

/*
 * Render the page into buf (size bytes; returns its length, as a metricsd render
 * callback does): the counter table, the latency histogram, snapshot_serial,
 * reloads_total, reload_failures_total, the per-list counters (labelled list="NAME", for
 * the lists of the snapshot in use) and, when writer is set, the event writer's.
 */
size_t served_metrics_render(const struct served_metrics *m, const struct served_slot *s,
			     struct evwriter *writer, int nworkers, void *ud, char *buf,
			     size_t size);

#endif
