/*
 * recheck.c -- `lists recheck`, see crawl.h: the due URLs of a list are read from the
 * store first (the whole set, so that no statement stays open while fetching), fetched
 * side by side through one libcurl multi handle, and each verdict is written back as it
 * comes (in transactions of up to RECHECK_BATCH verdicts or RECHECK_BATCH_MS).
 *
 * Politeness: the due URLs are grouped by host (sorted once); a host has at most one
 * fetch under way, and the next one starts host_interval_ms after the previous one
 * started. The hosts are served round robin, so a list of many hosts is checked side by
 * side and one of many URLs on one host does not hold up the others.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "core/base/sha256.h"
#include "core/base/timefmt.h"
#include "core/store/store.h"
#include "core/store/store_urlstatus.h"
#include "crawl/crawl.h"
#include "crawl/crawl_int.h"

enum signal { SIG_ONLINE, SIG_OFFLINE, SIG_UNKNOWN };

/* verdicts per store transaction, and the longest a transaction stays open (other
 * writers of the store wait for it) */
#define RECHECK_BATCH	 500
#define RECHECK_BATCH_MS 1000

struct recheck_item {
	char *url;
	char *host; /* lowercased; "" when the URL has none */
	char prev_status[16];
	char prev_sha[SHA256_LEN * 2 + 1];
	int64_t prev_last_online, prev_fails, prev_offline_since;
	/* the fetch */
	CURL *h;
	struct crawl_guard guard;
	struct sha256 sha;
	size_t got;
	size_t hq; /* its host's queue */
};

struct due {
	struct recheck_item *v;
	size_t n, cap;
};

static int collect(void *ud, const struct store_url_status *s)
{
	struct due *d = ud;
	struct recheck_item *it = mem_next((void **)&d->v, &d->cap, d->n, sizeof(*d->v), 256);

	if (!it)
		return ISR_ENOMEM;
	it->url = strdup(s->value);
	if (!it->url)
		return ISR_ENOMEM;
	{
		CURLU *u = curl_url();
		char *h = NULL, *p;

		if (u &&
		    curl_url_set(u, CURLUPART_URL, it->url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK)
			curl_url_get(u, CURLUPART_HOST, &h, 0);
		it->host = strdup(h ? h : "");
		curl_free(h);
		curl_url_cleanup(u);
		if (!it->host) {
			free(it->url);
			return ISR_ENOMEM;
		}
		for (p = it->host; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	snprintf(it->prev_status, sizeof(it->prev_status), "%s", s->status ? s->status : "");
	snprintf(it->prev_sha, sizeof(it->prev_sha), "%s", s->sha256 ? s->sha256 : "");
	it->prev_last_online = s->last_online;
	it->prev_fails = s->fails;
	it->prev_offline_since = s->offline_since;
	d->n++;
	return 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct recheck_item *it = ud;
	size_t n = size * nmemb, take = n;

	if (it->got + take > CRAWL_RECHECK_RANGE)
		take = CRAWL_RECHECK_RANGE - it->got;
	sha256_update(&it->sha, p, take);
	it->got += take;
	return it->got >= CRAWL_RECHECK_RANGE ? 0 : n; /* enough: stop a server that ignores
							* the Range */
}

static int64_t backoff(int64_t fails)
{
	return fails <= 1 ? 3600 : fails == 2 ? 6 * 3600 : 24 * 3600;
}

/* The transfer of it ended with r: its signal, detail and the hash of what came. */
static enum signal judge(struct recheck_item *it, CURLcode r, char *detail, size_t dsz, char *hex)
{
	long code = 0;
	uint8_t d[SHA256_LEN];

	hex[0] = '\0';
	if (it->guard.verdict != DEST_OK) {
		snprintf(detail, dsz, "refused destination %s: %s", it->guard.ip,
			 dest_why((enum dest_verdict)it->guard.verdict));
		return SIG_UNKNOWN;
	}
	curl_easy_getinfo(it->h, CURLINFO_RESPONSE_CODE, &code);
	if (r == CURLE_COULDNT_RESOLVE_HOST || r == CURLE_COULDNT_CONNECT) {
		snprintf(detail, dsz, "%s", curl_easy_strerror(r));
		return SIG_OFFLINE;
	}
	if (r != CURLE_OK && !(r == CURLE_WRITE_ERROR && it->got >= CRAWL_RECHECK_RANGE)) {
		snprintf(detail, dsz, "%s", curl_easy_strerror(r));
		return SIG_UNKNOWN;
	}
	snprintf(detail, dsz, "%ld", code);
	if (code == 404 || code == 410)
		return SIG_OFFLINE;
	if (code < 200 || code >= 300)
		return SIG_UNKNOWN;
	sha256_final(&it->sha, d);
	sha256_hex(d, hex);
	if (it->prev_sha[0] && strcmp(it->prev_sha, hex) != 0) {
		snprintf(detail, dsz, "%ld, payload changed", code);
		return SIG_OFFLINE;
	}
	return SIG_ONLINE;
}

static int record(struct store *st, const struct store_list *l, const struct crawl_recheck_opts *o,
		  struct recheck_item *it, CURLcode r, int64_t now, struct crawl_recheck_stats *out,
		  struct isp_err *err)
{
	struct store_url_status s;
	char detail[160], hex[SHA256_LEN * 2 + 1];
	enum signal g = judge(it, r, detail, sizeof(detail), hex);

	memset(&s, 0, sizeof(s));
	s.value = it->url;
	s.checked = now;
	s.detail = detail;
	s.last_online = it->prev_last_online;
	s.sha256 = it->prev_sha;
	s.fails = it->prev_fails;
	if (g == SIG_ONLINE) {
		s.status = "online";
		s.last_online = now;
		s.sha256 = hex;
		s.fails = 0;
		s.next_check = now + 3600;
	} else if (g == SIG_OFFLINE) {
		s.fails = it->prev_fails + 1;
		s.status = s.fails >= o->offline_after ? "offline" : "unknown";
		s.next_check = now + backoff(s.fails);
	} else {
		s.status = strcmp(it->prev_status, "offline") == 0 ? "offline" : "unknown";
		s.next_check = now + backoff(s.fails);
	}
	if (strcmp(s.status, "offline") == 0)
		s.offline_since = it->prev_offline_since ? it->prev_offline_since : now;
	if (s.offline_since && o->offline_expiry > 0 &&
	    now - s.offline_since >= o->offline_expiry) {
		long n = 0;
		int rc = store_url_expire(st, l, it->url, now, &n, err);

		if (rc)
			return rc;
		out->expired += n;
	}
	out->checked++;
	if (strcmp(s.status, "online") == 0)
		out->online++;
	else if (strcmp(s.status, "offline") == 0)
		out->offline++;
	else
		out->unknown++;
	return store_url_status_put(st, l, &s, err);
}

/* One host's share of the due URLs: d.v[next..end), one fetch at a time. */
struct host_q {
	size_t next, end;
	int busy;
	int64_t last_ms; /* when its last fetch started (monotonic ms) */
};

static int by_host(const void *a, const void *b)
{
	return strcmp(((const struct recheck_item *)a)->host,
		      ((const struct recheck_item *)b)->host);
}

/* Sort d by host and cut it into per-host queues: *out (free it), *nh of them. */
static int group_hosts(struct due *d, struct host_q **out, size_t *nh)
{
	struct host_q *q = NULL;
	size_t i, n = 0;

	*out = NULL;
	*nh = 0;
	if (!d->n)
		return 0;
	qsort(d->v, d->n, sizeof(d->v[0]), by_host);
	q = calloc(d->n, sizeof(*q));
	if (!q)
		return ISR_ENOMEM;
	for (i = 0; i < d->n; i++) {
		if (i == 0 || strcmp(d->v[i].host, d->v[i - 1].host) != 0) {
			q[n].next = i;
			q[n].last_ms = INT64_MIN / 2;
			n++;
		}
		q[n - 1].end = i + 1;
	}
	*out = q;
	*nh = n;
	return 0;
}

static int start(CURLM *m, struct recheck_item *it, const struct crawl_recheck_opts *o,
		 const struct dest_rules *rules, struct curl_slist *hdrs)
{
	it->h = curl_easy_init();
	if (!it->h)
		return ISR_ENOMEM;
	it->guard.rules = rules;
	sha256_init(&it->sha);
	crawl_guard_set(it->h, &it->guard);
	curl_easy_setopt(it->h, CURLOPT_PRIVATE, it);
	curl_easy_setopt(it->h, CURLOPT_URL, it->url);
	curl_easy_setopt(it->h, CURLOPT_RANGE, "0-65535");
	curl_easy_setopt(it->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(it->h, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(it->h, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(it->h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(it->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(it->h, CURLOPT_WRITEDATA, it);
	if (curl_multi_add_handle(m, it->h) != CURLM_OK) {
		curl_easy_cleanup(it->h);
		it->h = NULL;
		return ISR_ENOMEM;
	}
	return 0;
}

int crawl_recheck_list(struct store *st, const struct store_list *l,
		       const struct crawl_recheck_opts *o, int64_t now,
		       struct crawl_recheck_stats *out, struct isp_err *err)
{
	struct dest_rules rules;
	struct due d = { NULL, 0, 0 };
	struct curl_slist *hdrs = NULL;
	struct host_q *hq = NULL;
	CURLM *m = NULL;
	size_t nh = 0, rr = 0, left_n, i, in_tx = 0;
	int64_t tx_ms = 0;
	int active = 0, rc;

	memset(out, 0, sizeof(*out));
	rc = dest_init(&rules, "crawl", o->allow ? o->allow : "", o->deny ? o->deny : "", "", NULL,
		       0, err);
	if (rc)
		return rc;
	rc = store_url_status_each(st, l, now, !o->all, collect, &d, err);
	if (rc) {
		if (rc == ISR_ENOMEM)
			isp_err_set(err, rc, "out of memory reading list %s", l->name);
		goto out;
	}
	rc = group_hosts(&d, &hq, &nh);
	if (rc) {
		isp_err_set(err, rc, "out of memory grouping list %s by host", l->name);
		goto out;
	}
	left_n = d.n;
	m = curl_multi_init();
	/* no body transformation: the hash is of the bytes served */
	hdrs = curl_slist_append(NULL, "Accept-Encoding: identity");
	if (!m || !hdrs) {
		rc = isp_err_set(err, ISR_ENOMEM, "libcurl: out of memory");
		goto out;
	}
	while ((left_n || active) && !(o->stop && *o->stop)) {
		CURLMsg *msg;
		int running, left, wait = 200, ended = 0;
		int64_t now_ms = time_mono_ms();
		size_t k;

		/* round robin over the hosts: each free one whose interval has passed */
		for (k = 0; k < nh && left_n && active < (o->concurrency > 0 ? o->concurrency : 1);
		     k++) {
			struct host_q *h = &hq[(rr + k) % nh];
			int64_t due = h->last_ms + o->host_interval_ms;

			if (h->busy || h->next >= h->end)
				continue;
			if (due > now_ms) {
				if (due - now_ms < wait)
					wait = (int)(due - now_ms);
				continue;
			}
			h->last_ms = now_ms;
			left_n--;
			d.v[h->next].hq = (size_t)(h - hq);
			if (start(m, &d.v[h->next++], o, &rules, hdrs) == 0) {
				h->busy = 1;
				active++;
			}
		}
		rr = nh ? (rr + 1) % nh : 0;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct recheck_item *it = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&it);
			if (in_tx == 0) {
				rc = store_begin(st, err);
				if (rc)
					goto out;
				tx_ms = time_mono_ms();
			}
			rc = record(st, l, o, it, msg->data.result, now, out, err);
			in_tx++;
			curl_multi_remove_handle(m, it->h);
			curl_easy_cleanup(it->h);
			it->h = NULL;
			hq[it->hq].busy = 0;
			active--;
			ended++;
			if (rc)
				goto out;
			if (in_tx >= RECHECK_BATCH || time_mono_ms() - tx_ms >= RECHECK_BATCH_MS) {
				in_tx = 0;
				rc = store_commit(st, err);
				if (rc)
					goto out;
			}
		}
		/* a fetch that ended frees its host: start the next one without waiting */
		if ((active || left_n) && !ended)
			curl_multi_poll(m, NULL, 0, wait > 0 ? wait : 1, NULL);
	}
	if (in_tx) {
		in_tx = 0;
		rc = store_commit(st, err);
	}
out:
	if (in_tx) { /* a failure inside a batch: what was recorded so far stays */
		struct isp_err e2;

		isp_err_clear(&e2);
		store_commit(st, &e2);
	}
	free(hq);
	for (i = 0; i < d.n; i++) {
		if (d.v[i].h) {
			curl_multi_remove_handle(m, d.v[i].h);
			curl_easy_cleanup(d.v[i].h);
		}
		free(d.v[i].url);
		free(d.v[i].host);
	}
	free(d.v);
	curl_slist_free_all(hdrs);
	if (m)
		curl_multi_cleanup(m);
	dest_free(&rules);
	return rc;
}
