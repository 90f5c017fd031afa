/*
 * sample.c -- sampling the services' Prometheus endpoints: every interval, GET /metrics
 * of each target (libcurl, ST_TIMEOUT_MS for connect and answer together, at most
 * ST_SCRAPE_MAX bytes, proxies of the environment ignored), read the counters through
 * status_prom_parse, and turn the differences since the previous sample into rates kept
 * in a fixed ring. A target that is down or answers garbage is marked unreachable with
 * the reason, and its next good sample starts a new difference (no spike).
 *
 * Which service a target is comes from its metric names (ispshield_dns_*, see
 * src/dns/metrics.c; ispshield_proxy_*, src/proxy/metrics.c): DNS queries_total and
 * blocked_total + blocked_cname_total + blocked_address_total; proxy requests_total and
 * hits_total + connect_hits_total + walled_garden_total.
 */
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/netaddr.h"
#include "status/status.h"
#include "status/status_int.h"

double st_round1(double v)
{
	if (!isfinite(v))
		return 0;
	return round(v * 10.0) / 10.0;
}

int st_sampler_init(struct st_sampler *s, const char *key, const char *list, struct isp_err *err)
{
	const char *p = list;

	memset(s, 0, sizeof(*s));
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		struct sockaddr_storage ss;
		socklen_t sl;

		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n) {
			if (s->ntargets == ST_TARGETS_MAX)
				return isp_err_set(err, ISR_EINVAL, "%s: more than %d addresses",
						   key, ST_TARGETS_MAX);
			if (n >= sizeof(s->t[0].addr) || net_parse_addr(p, n, 0, &ss, &sl) != 0 ||
			    memchr(p, ':', n) == NULL)
				return isp_err_set(err, ISR_EINVAL, "%s: '%.*s' is not ADDR:PORT",
						   key, (int)n, p);
			memcpy(s->t[s->ntargets].addr, p, n);
			s->t[s->ntargets].addr[n] = '\0';
			snprintf(s->t[s->ntargets].error, sizeof(s->t[0].error), "not sampled yet");
			s->ntargets++;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	s->buf = malloc(ST_SCRAPE_MAX + 1);
	if (!s->buf)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	s->curl = curl_easy_init();
	if (!s->curl) {
		free(s->buf);
		s->buf = NULL;
		return isp_err_set(err, ISR_ENOMEM, "curl_easy_init failed");
	}
	return 0;
}

void st_sampler_free(struct st_sampler *s)
{
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free(s->buf);
	s->curl = NULL;
	s->buf = NULL;
}

struct sink {
	char *buf;
	size_t n, max;
	int over;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *k = ud;
	size_t n = size * nmemb;

	if (n > k->max - k->n) {
		k->over = 1;
		return 0; /* aborts the transfer */
	}
	memcpy(k->buf + k->n, p, n);
	k->n += n;
	return n;
}

/* What one scrape found. */
struct found {
	int dns, proxy; /* names of that service seen */
	double dq, db, pq, pb;
};

static int on_sample(void *ud, const char *name, size_t n, int labelled, double v)
{
	static const struct {
		const char *name;
		int field; /* 0 dq, 1 db, 2 pq, 3 pb */
	} wanted[] = {
		{ "ispshield_dns_queries_total", 0 },
		{ "ispshield_dns_blocked_total", 1 },
		{ "ispshield_dns_blocked_cname_total", 1 },
		{ "ispshield_dns_blocked_address_total", 1 },
		{ "ispshield_proxy_requests_total", 2 },
		{ "ispshield_proxy_hits_total", 3 },
		{ "ispshield_proxy_connect_hits_total", 3 },
		{ "ispshield_proxy_walled_garden_total", 3 },
	};
	struct found *f = ud;
	double *fields[4] = { &f->dq, &f->db, &f->pq, &f->pb };
	size_t i;

	if (n > 14 && memcmp(name, "ispshield_dns_", 14) == 0)
		f->dns = 1;
	if (n > 16 && memcmp(name, "ispshield_proxy_", 16) == 0)
		f->proxy = 1;
	if (labelled || !(v >= 0))
		return 0;
	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (strlen(wanted[i].name) == n && memcmp(wanted[i].name, name, n) == 0)
			*fields[wanted[i].field] += v;
	return 0;
}

/* Scrape target t into f; 0, or -1 with t->error set. */
static int scrape(struct st_sampler *s, struct st_target *t, struct found *f)
{
	struct sink k = { s->buf, 0, ST_SCRAPE_MAX, 0 };
	char url[200], cerr[CURL_ERROR_SIZE] = "";
	CURL *c = s->curl;
	long code = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "http://%s/metrics", t->addr);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ST_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ST_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(c);
	if (k.over) {
		snprintf(t->error, sizeof(t->error), "answer larger than %d bytes", ST_SCRAPE_MAX);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(t->error, sizeof(t->error), "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		snprintf(t->error, sizeof(t->error), "HTTP status %ld", code);
		return -1;
	}
	memset(f, 0, sizeof(*f));
	t->rejected = status_prom_parse(s->buf, k.n, url, on_sample, NULL, f);
	if (!f->dns && !f->proxy) {
		snprintf(t->error, sizeof(t->error), "no ispshield metrics in the answer");
		return -1;
	}
	return 0;
}

void st_sample(struct st_sampler *s, int64_t now_ms)
{
	struct st_point p;
	double dq = 0, db = 0, pq = 0, pb = 0;
	int i;

	memset(&p, 0, sizeof(p));
	p.t_ms = now_ms;
	for (i = 0; i < s->ntargets; i++) {
		struct st_target *t = &s->t[i];
		struct found f;
		uint64_t q, b;
		double dt;
		int was_up = t->up;

		if (scrape(s, t, &f) != 0) {
			t->up = 0;
			continue;
		}
		snprintf(t->service, sizeof(t->service), "%s", f.dns ? "dns" : "proxy");
		q = (uint64_t)(f.dns ? f.dq : f.pq);
		b = (uint64_t)(f.dns ? f.db : f.pb);
		dt = (double)(now_ms - t->t_ms) / 1000.0;
		if (was_up && t->t_ms && dt > 0) {
			/* a restarted service starts its counters again from 0 */
			double rq = (double)(q >= t->queries ? q - t->queries : q);
			double rb = (double)(b >= t->blocked ? b - t->blocked : b);

			if (f.dns) {
				dq += rq / dt;
				db += rb / dt;
				p.dns_ok = 1;
			} else {
				pq += rq / dt;
				pb += rb / dt;
				p.px_ok = 1;
			}
		}
		t->up = 1;
		t->error[0] = '\0';
		t->queries = q;
		t->blocked = b;
		t->t_ms = now_ms;
	}
	p.dns_qps = st_round1(dq);
	p.dns_block = st_round1(dq > 0 ? 100.0 * db / dq : 0);
	p.px_rps = st_round1(pq);
	p.px_block = st_round1(pq > 0 ? 100.0 * pb / pq : 0);
	if (!p.dns_ok && !p.px_ok && s->n == 0)
		return; /* the first sample only sets the counters */
	s->ring[s->head] = p;
	s->head = (s->head + 1) % ST_RING;
	if (s->n < ST_RING)
		s->n++;
}

/* The service's current figures: the last point's rates and the totals of its targets. */
static json_t *service_json(const struct st_sampler *s, const char *svc,
			    const struct st_point *last)
{
	uint64_t q = 0, b = 0;
	int i, up = 0, known = 0, dns = strcmp(svc, "dns") == 0;

	for (i = 0; i < s->ntargets; i++) {
		if (strcmp(s->t[i].service, svc) != 0)
			continue;
		known++;
		if (!s->t[i].up)
			continue;
		up++;
		q += s->t[i].queries;
		b += s->t[i].blocked;
	}
	if (!known)
		return json_pack("{s:s}", "state", "not sampled");
	if (!up || !last || !(dns ? last->dns_ok : last->px_ok))
		return json_pack("{s:s, s:I, s:I}", "state", up ? "starting" : "unreachable",
				 dns ? "queries_total" : "requests_total", (json_int_t)q,
				 "blocked_total", (json_int_t)b);
	return json_pack("{s:s, s:f, s:f, s:I, s:I}", "state", "ok", dns ? "qps" : "rps",
			 dns ? last->dns_qps : last->px_rps, "block_rate",
			 dns ? last->dns_block : last->px_block,
			 dns ? "queries_total" : "requests_total", (json_int_t)q, "blocked_total",
			 (json_int_t)b);
}

json_t *st_traffic_json(const struct st_sampler *s, int64_t interval)
{
	json_t *o = json_object(), *targets = json_array(), *series = json_array();
	const struct st_point *last = NULL;
	int i;

	for (i = 0; i < s->ntargets; i++) {
		const struct st_target *t = &s->t[i];

		json_array_append_new(
			targets, json_pack("{s:s, s:s, s:s, s:s, s:I}", "addr", t->addr, "service",
					   t->service[0] ? t->service : "unknown", "state",
					   t->up ? "ok" : "unreachable", "error", t->error,
					   "rejected_lines", (json_int_t)t->rejected));
	}
	for (i = 0; i < s->n; i++) {
		const struct st_point *p = &s->ring[(s->head - s->n + i + ST_RING) % ST_RING];

		json_array_append_new(
			series,
			json_pack("{s:I, s:o, s:o, s:o, s:o}", "t", (json_int_t)(p->t_ms / 1000),
				  "dns_qps", p->dns_ok ? json_real(p->dns_qps) : json_null(),
				  "dns_block_rate",
				  p->dns_ok ? json_real(p->dns_block) : json_null(), "proxy_rps",
				  p->px_ok ? json_real(p->px_rps) : json_null(), "proxy_block_rate",
				  p->px_ok ? json_real(p->px_block) : json_null()));
		last = p;
	}
	json_object_set_new(o, "interval", json_integer(interval));
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "dns", service_json(s, "dns", last));
	json_object_set_new(o, "proxy", service_json(s, "proxy", last));
	json_object_set_new(o, "series", series);
	return o;
}
