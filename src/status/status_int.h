/*
 * status_int.h -- what the files of src/status share (not for callers of status.h): the
 * sampler of the Prometheus endpoints, the figures (one JSON object), the HTML page and
 * the HTTP server.
 */
#ifndef ISP_STATUS_INT_H
#define ISP_STATUS_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/service/config.h"
#include "core/base/err.h"
#include "core/net/netaddr.h"
#include "core/store/store.h"

#define ST_TARGETS_MAX 16	 /* scraped endpoints */
#define ST_RING	       360	 /* samples kept (an hour at 10 s) */
#define ST_SCRAPE_MAX  (1 << 20) /* bytes of one scrape */
#define ST_TIMEOUT_MS  1000	 /* connect + answer of one scrape */

/* One scraped endpoint. */
struct st_target {
	char addr[128];	  /* ADDR:PORT */
	char service[8];  /* "dns", "proxy", "" (not known yet) */
	int up;		  /* the last scrape worked */
	char error[200];  /* why not */
	uint64_t queries; /* last values: DNS queries / proxy requests */
	uint64_t blocked; /* blocked queries / warned requests */
	int64_t t_ms;	  /* when they were read; 0 = never */
	long rejected;	  /* lines of its text rejected by the parser (last scrape) */
};

/* One point of the history: rates between two samples. ok: the service had a target
 * that answered both times. */
struct st_point {
	int64_t t_ms;
	double dns_qps, dns_block, px_rps, px_block;
	int dns_ok, px_ok;
};

struct st_sampler {
	int ntargets;
	struct st_target t[ST_TARGETS_MAX];
	struct st_point ring[ST_RING];
	int head, n; /* ring[head] is the next slot; n points held */
	char *buf;   /* ST_SCRAPE_MAX + 1 bytes */
	void *curl;  /* CURL easy handle, reused */
};

/* Set up from the comma-separated list of ADDR:PORT (at most ST_TARGETS_MAX; ISR_EINVAL
 * naming key on a bad item). An empty list samples nothing. */
int st_sampler_init(struct st_sampler *s, const char *key, const char *list, struct isp_err *err);
void st_sampler_free(struct st_sampler *s);
/* Scrape every target once (each within ST_TIMEOUT_MS) and add a point. */
void st_sample(struct st_sampler *s, int64_t now_ms);
/* The traffic figures as JSON: targets, current rates and totals, the history. */
json_t *st_traffic_json(const struct st_sampler *s, int64_t interval);

/* The history kept across restarts (history.c): the ring as text, a point a line. */
#define ST_HISTORY_MAX ((size_t)ST_RING * 128) /* bytes of the file read at most */
/* Replace s's points by those of text[0..len) (named name in messages; points after
 * now_ms or not in order are rejected); returns the lines rejected, each logged. */
long st_history_parse(struct st_sampler *s, const char *text, size_t len, const char *name,
		      int64_t now_ms);
/* st_history_parse of the file at path; nothing when it does not exist (a warning when
 * it cannot be read). */
void st_history_load(struct st_sampler *s, const char *path, int64_t now_ms);
/* Write s's points to path (replaced atomically, mode 0600). */
int st_history_save(const struct st_sampler *s, const char *path, struct isp_err *err);

/* A file's figures kept until the file changes (snapshot, sync state, darknet report:
 * the snapshot's checksum covers the whole file, a report can be megabytes). */
struct st_cached {
	char path[CONFIG_PATH_MAX + 32];
	struct filestamp stamp;
	json_t *j; /* NULL = not read yet */
};

/* Everything the figures are built from that lives across refreshes. */
struct st_ctx {
	struct st_cached snapshot, sync, darknet;
	struct isp_config cfg;
	struct store *st; /* NULL when it could not be opened (error in store_error) */
	char store_error[ISP_ERR_MSG + 512];
	struct st_sampler sampler;
};

/* Build the whole figures object (the JSON API's answer) at now (unix seconds). */
json_t *st_figures(struct st_ctx *c, int64_t now);
/* Drop the cached file figures of c. */
void st_figures_free(struct st_ctx *c);

/* Render the HTML page for figures f into a new malloc'd NUL-terminated string (*len
 * bytes); NULL when out of memory. */
char *st_page(const json_t *f, size_t *len);

/* Round v to one decimal: how rates appear in both the API and the page. */
double st_round1(double v);

#endif
