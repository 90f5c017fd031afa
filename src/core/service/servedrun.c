/*
 * servedrun.c -- see servedrun.h (moved here from the DNS service's and the proxy's
 * server.c and metrics.c, which were the same code twice).
 */
#include "core/base/log.h"
#include "core/service/servedrun.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int served_run(struct served_slot *s, const struct served_hooks *h, const char *listen,
	       const char *metrics_addr, _Atomic int *stop, struct evwriter **writer_out,
	       struct isp_err *err)
{
	struct evwriter writer;
	struct metricsd metrics;
	char spool[CONFIG_PATH_MAX], key[64];
	struct evring **rings;
	int started = 0, rc = 0, i;
	sigset_t set;

	memset(&writer, 0, sizeof(writer));
	memset(&metrics, 0, sizeof(metrics));
	metrics.fd = -1; /* not started: metricsd_join does nothing (metrics may be off) */
	rings = calloc((size_t)(s->nworkers > 0 ? s->nworkers : 1), sizeof(struct evring *));
	if (!rings)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	served_block_signals(&set); /* before any thread starts */
	if (h->prepare) {
		rc = h->prepare(s->ud, err);
		if (rc)
			goto stop;
	}
	for (i = 0; i < s->nworkers; i++) {
		rc = h->start(s->ud, i, err);
		if (rc)
			goto stop;
		started++;
		rings[i] = h->ring(s->ud, i);
	}
	rc = evwriter_setup(&writer, h->who, s->cfg, listen, spool, sizeof(spool), err);
	if (rc)
		goto stop;
	writer.rings = rings;
	writer.nrings = s->nworkers;
	rc = evwriter_start(&writer, err);
	if (rc)
		goto stop;
	*writer_out = &writer;
	if (metrics_addr[0]) {
		metrics.render = h->render;
		metrics.ud = s->ud;
		metrics.stop = stop;
		snprintf(key, sizeof(key), "%s.metrics", h->who);
		rc = metricsd_start(&metrics, key, metrics_addr, err);
		if (rc)
			goto stop;
	}
	h->serving(s->ud);
	served_slot_loop(s, &set);
	log_msg(LOGS_NOTICE, h->who, "stopping");
	rc = 0;
stop:
	atomic_store(stop, 1);
	h->join(s->ud, started);
	evwriter_stop(&writer);
	metricsd_join(&metrics);
	*writer_out = NULL;
	free(rings);
	return rc;
}

static uint64_t load(const _Atomic uint64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

/* The per-list counters, labelled by list name, for the lists of the snapshot in use. */
static void render_lists(const struct served_metrics *m, const struct served_names *nm,
			 int nworkers, void *ud, struct prom *p)
{
	unsigned i, n = nm ? atomic_load(&nm->n) : 0;
	struct served_wcounters wc;
	int pass, w;

	for (pass = 0; pass < 2; pass++) {
		const char *name = pass ? "list_logged_total" : "list_blocked_total";

		prom_family(p, "counter", name, pass ? m->logged_help : m->blocked_help);
		for (i = 0; i < n; i++) {
			uint64_t t = 0;

			if (!atomic_load(&nm->live[i]))
				continue;
			for (w = 0; w < nworkers; w++) {
				m->worker(ud, w, &wc);
				t += load(pass ? &wc.list_logged[i] : &wc.list_blocked[i]);
			}
			prom_labelled(p, name, "list", nm->name[i], (unsigned long long)t);
		}
	}
}

size_t served_metrics_render(const struct served_metrics *m, const struct served_slot *s,
			     struct evwriter *writer, int nworkers, void *ud, char *buf,
			     size_t size)
{
	struct prom p = { buf, size, 0, m->prefix };
	uint64_t lat[SERVED_LAT_MAX + 1] = { 0 }, lat_sum = 0;
	struct served_wcounters wc;
	int nb = m->nbounds < SERVED_LAT_MAX ? m->nbounds : SERVED_LAT_MAX;
	size_t i;
	int b, w;

	for (i = 0; i < m->ncounters; i++) {
		uint64_t t = 0;

		for (w = 0; w < nworkers; w++) {
			m->worker(ud, w, &wc);
			t += load(&wc.counters[m->counters[i].c]);
		}
		prom_value(&p, "counter", m->counters[i].name, m->counters[i].help,
			   (unsigned long long)t);
	}
	for (w = 0; w < nworkers; w++) {
		m->worker(ud, w, &wc);
		for (b = 0; b <= nb; b++)
			lat[b] += load(&wc.lat[b]);
		lat_sum += load(wc.lat_sum_us);
	}
	prom_histogram(&p, m->lat_name, m->lat_help, m->lat_bounds, nb, lat, lat_sum);
	{
		const struct prom_row rows[] = {
			{ "gauge", "snapshot_serial", "Serial of the snapshot in use.",
			  atomic_load(&s->serial) },
			{ "counter", "reloads_total", "Snapshot and opt-out reloads.",
			  atomic_load(&s->reloads) },
			{ "counter", "reload_failures_total", "Reloads refused (old data kept).",
			  atomic_load(&s->reload_failures) },
		};

		prom_rows(&p, rows, sizeof(rows) / sizeof(rows[0]));
	}
	render_lists(m, s->names, nworkers, ud, &p);
	if (writer)
		evwriter_metrics(writer, &p);
	return prom_end(&p);
}
