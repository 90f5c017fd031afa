/*
 * metricsd.c -- see metricsd.h (moved here from the DNS service, src/dns/metrics.c,
 * which now only renders its counters).
 */
#include "core/service/metricsd.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/net/netaddr.h"

/* The exposition text's room: a scrape that would not fit is cut by prom_end. */
#define METRICSD_BODY_MAX 262144

static void serve_one(struct metricsd *m, int c, char *body)
{
	char req[1024], head[256];
	struct pollfd pf = { c, POLLIN, 0 };
	ssize_t got = 0, r;
	size_t blen;

	/* read the request line (bounded, with a timeout: a slow client cannot hold us) */
	while (got < (ssize_t)sizeof(req) - 1 && poll(&pf, 1, 2000) > 0) {
		r = read(c, req + got, sizeof(req) - 1 - (size_t)got);
		if (r <= 0)
			break;
		got += r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got > 0 ? got : 0] = '\0';
	if (strncmp(req, "GET /metrics ", 13) != 0 && strncmp(req, "GET /metrics?", 13) != 0) {
		static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 10\r\n"
					 "Connection: close\r\n\r\nnot found\n";

		if (write(c, nf, sizeof(nf) - 1) < 0) {
			/* the scraper went away; nothing to tell it */
		}
		return;
	}
	blen = m->render(m->ud, body, METRICSD_BODY_MAX);
	snprintf(head, sizeof(head),
		 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 blen);
	if (write(c, head, strlen(head)) > 0 && write(c, body, blen) < 0) {
		/* the scraper went away; nothing to tell it */
	}
}

static void *metrics_main(void *arg)
{
	struct metricsd *m = arg;
	/* the thread's own room for the text (one scrape at a time), not a thread-local */
	char *body = malloc(METRICSD_BODY_MAX);

	while (!atomic_load(m->stop)) {
		struct pollfd pf = { m->fd, POLLIN, 0 };
		int c;

		if (poll(&pf, 1, 200) <= 0)
			continue;
		c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		if (body)
			serve_one(m, c, body);
		close(c);
	}
	free(body);
	return NULL;
}

int metricsd_start(struct metricsd *m, const char *key, const char *a, struct isp_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd;

	m->fd = -1;
	if (net_parse_addr(a, strlen(a), 9100, &ss, &len) != 0)
		return isp_err_set(err, ISR_EINVAL, "%s: '%s' is not ADDR:PORT", key, a);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "metrics socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 16) != 0) {
		int e = errno;

		close(fd);
		return isp_err_set(err, ISR_EIO, "metrics on %s: %s", a, strerror(e));
	}
	m->fd = fd;
	if (pthread_create(&m->thread, NULL, metrics_main, m) != 0) {
		close(fd);
		m->fd = -1;
		return isp_err_set(err, ISR_ENOMEM, "cannot start the metrics thread");
	}
	return 0;
}

void metricsd_join(struct metricsd *m)
{
	if (m->fd < 0)
		return;
	pthread_join(m->thread, NULL);
	close(m->fd);
	m->fd = -1;
}

static void prom_out(struct prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void prom_out(struct prom *p, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(p->buf + (p->n < p->size ? p->n : p->size),
		      p->n < p->size ? p->size - p->n : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		p->n += (size_t)k;
}

void prom_value(struct prom *p, const char *type, const char *name, const char *help,
		unsigned long long v)
{
	prom_out(p, "# HELP ispshield_%s_%s %s\n# TYPE ispshield_%s_%s %s\nispshield_%s_%s %llu\n",
		 p->prefix, name, help, p->prefix, name, type, p->prefix, name, v);
}

void prom_rows(struct prom *p, const struct prom_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		prom_value(p, rows[i].type, rows[i].name, rows[i].help, rows[i].v);
}

void prom_family(struct prom *p, const char *type, const char *name, const char *help)
{
	prom_out(p, "# HELP ispshield_%s_%s %s\n# TYPE ispshield_%s_%s %s\n", p->prefix, name, help,
		 p->prefix, name, type);
}

void prom_labelled(struct prom *p, const char *name, const char *label, const char *value,
		   unsigned long long v)
{
	char esc[256];
	size_t o = 0;

	for (; *value && o + 3 < sizeof(esc); value++) {
		if (*value == '\\' || *value == '"') {
			esc[o++] = '\\';
			esc[o++] = *value;
		} else if (*value == '\n') {
			esc[o++] = '\\';
			esc[o++] = 'n';
		} else {
			esc[o++] = *value;
		}
	}
	esc[o] = '\0';
	prom_out(p, "ispshield_%s_%s{%s=\"%s\"} %llu\n", p->prefix, name, label, esc, v);
}

void prom_histogram(struct prom *p, const char *name, const char *help, const double *bounds_ms,
		    int nbounds, const uint64_t *counts, uint64_t sum_us)
{
	unsigned long long cum = 0;
	int b;

	prom_out(p, "# HELP ispshield_%s_%s %s\n# TYPE ispshield_%s_%s histogram\n", p->prefix,
		 name, help, p->prefix, name);
	for (b = 0; b <= nbounds; b++) {
		cum += counts[b];
		if (b < nbounds)
			prom_out(p, "ispshield_%s_%s_bucket{le=\"%g\"} %llu\n", p->prefix, name,
				 bounds_ms[b] / 1000.0, cum);
		else
			prom_out(p, "ispshield_%s_%s_bucket{le=\"+Inf\"} %llu\n", p->prefix, name,
				 cum);
	}
	prom_out(p, "ispshield_%s_%s_sum %.6f\nispshield_%s_%s_count %llu\n", p->prefix, name,
		 (double)sum_us / 1e6, p->prefix, name, cum);
}

size_t prom_end(const struct prom *p)
{
	return p->n < p->size ? p->n : p->size - 1;
}
