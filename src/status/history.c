/*
 * history.c -- the traffic history of the status page kept across restarts: after each
 * sample the ring goes to a small text file (config_state_path "status-history",
 * replaced atomically), and a starting or reloaded status service reads it back, so the
 * charts are not empty after every restart or reload.
 *
 * Format, one point a line, oldest first:
 *   T_MS DNS_OK DNS_QPS DNS_BLOCK PROXY_OK PROXY_RPS PROXY_BLOCK
 * (unix milliseconds, 0/1, and rates with one decimal). The file is ours, but read as
 * hostile input: a bad line (fields, numbers, a time in the future or not after the
 * previous one) is reported with its line number and skipped; at most ST_RING points are
 * kept (the newest).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/base/log.h"
#include "status/status_int.h"

/* One line s[0..n) into *p; 0, or -1 with *why. */
static int parse_point(const char *s, size_t n, struct st_point *p, const char **why)
{
	char line[256], *q, *end;
	double v[4];
	long long t;
	long ok[2];
	int i;

	if (n >= sizeof(line))
		return *why = "line too long", -1;
	memcpy(line, s, n);
	line[n] = '\0';
	q = line;
	errno = 0;
	t = strtoll(q, &end, 10);
	if (end == q || errno || t <= 0)
		return *why = "bad time", -1;
	q = end;
	for (i = 0; i < 6; i++) {
		if (*q != ' ')
			return *why = "expected 7 fields separated by one space", -1;
		q++;
		if (i == 0 || i == 3) {
			ok[i == 3] = strtol(q, &end, 10);
			if (end == q || (ok[i == 3] != 0 && ok[i == 3] != 1))
				return *why = "a service flag is not 0 or 1", -1;
		} else {
			double d = strtod(q, &end);

			if (end == q || !isfinite(d) || d < 0 || d > 1e12)
				return *why = "a rate is not a number >= 0", -1;
			v[i < 3 ? i - 1 : i - 2] = d;
		}
		q = end;
	}
	if (*q != '\0')
		return *why = "text after the 7th field", -1;
	memset(p, 0, sizeof(*p));
	p->t_ms = t;
	p->dns_ok = (int)ok[0];
	p->dns_qps = v[0];
	p->dns_block = v[1];
	p->px_ok = (int)ok[1];
	p->px_rps = v[2];
	p->px_block = v[3];
	if (p->dns_block > 100 || p->px_block > 100)
		return *why = "a block rate above 100 %", -1;
	return 0;
}

long st_history_parse(struct st_sampler *s, const char *text, size_t len, const char *name,
		      int64_t now_ms)
{
	const char *p = text, *end = text + len;
	long line = 0, rejected = 0;

	s->head = s->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *why = NULL;
		struct st_point pt;

		line++;
		if (parse_point(p, n, &pt, &why) == 0) {
			const struct st_point *prev =
				s->n ? &s->ring[(s->head + ST_RING - 1) % ST_RING] : NULL;

			if (pt.t_ms > now_ms)
				why = "a time in the future";
			else if (prev && pt.t_ms <= prev->t_ms)
				why = "not after the line before";
		}
		if (why) {
			rejected++;
			log_msg(LOGS_WARNING, "status", "%s:%ld: %s: skipped", name, line, why);
		} else {
			s->ring[s->head] = pt;
			s->head = (s->head + 1) % ST_RING;
			if (s->n < ST_RING)
				s->n++;
		}
		p += n + (nl != NULL);
	}
	return rejected;
}

void st_history_load(struct st_sampler *s, const char *path, int64_t now_ms)
{
	struct isp_err err;
	char *text = NULL;
	size_t len = 0;

	isp_err_clear(&err);
	if (access(path, F_OK) != 0)
		return; /* the first start: nothing kept yet */
	if (fs_read_file(path, ST_HISTORY_MAX, &text, &len, &err) != 0) {
		log_msg(LOGS_WARNING, "status", "%s: the charts start empty", err.msg);
		return;
	}
	st_history_parse(s, text, len, path, now_ms);
	free(text);
}

int st_history_save(const struct st_sampler *s, const char *path, struct isp_err *err)
{
	char *buf = malloc((size_t)ST_RING * 96), *q = buf;
	int i, rc;

	if (!buf)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (i = 0; i < s->n; i++) {
		const struct st_point *p = &s->ring[(s->head - s->n + i + ST_RING) % ST_RING];

		q += snprintf(q, 96, "%lld %d %.1f %.1f %d %.1f %.1f\n", (long long)p->t_ms,
			      p->dns_ok, p->dns_qps, p->dns_block, p->px_ok, p->px_rps,
			      p->px_block);
	}
	rc = fs_write_atomic(path, buf, (size_t)(q - buf), 0600, err);
	free(buf);
	return rc;
}
