/*
 * figures.c -- the status page's figures as one JSON object (the answer of GET
 * /api/status; the HTML page is rendered from the same object). Built once per interval
 * by status_run's thread: the store's block events, notification funnel, recent notices
 * and lists (every query bounded), the snapshot header, sync-state.json beside the
 * snapshot, a darknet report, and the sampler's traffic figures. A part that cannot be
 * read says so in its "state"/"error" and the rest is still shown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/lists/snapshot.h"
#include "status/status.h"
#include "status/status_int.h"
#include "core/store/store.h"
#include "core/store/store_blocks.h"
#include "core/store/store_lists.h"
#include "core/store/store_notify.h"
#include "core/store/store_sites.h"
#include "core/store/store_status.h"

#define TOP_N	    10	      /* top names and lists */
#define SERIES_TOP  5	      /* lists and names with a blocks-per-bucket series */
#define SERIES_MAX  (49 * 5)  /* rows of such a series: 49 buckets at most */
#define SOURCES_MAX 64	      /* notification sources in the funnel */
#define NOTICES_N   20	      /* recent notices */
#define LISTS_MAX   256	      /* lists shown (store and snapshot) */
#define SYNC_MAX    (1 << 20) /* bytes of sync-state.json */
#define DARKNET_MAX (16 << 20)

/* ---- block events ---- */

static int add_count(void *ud, const struct store_block_count *c)
{
	json_array_append_new(
		ud, json_pack("{s:s, s:I}", "key", c->key, "count", (json_int_t)c->count));
	return 0;
}

static int add_bucket(void *ud, const struct store_block_count *c)
{
	json_array_append_new(ud,
			      json_pack("{s:I, s:s, s:I}", "t", (json_int_t)(c->bucket_ms / 1000),
					"key", c->key, "count", (json_int_t)c->count));
	return 0;
}

static json_t *blocks_json(struct store *st, int64_t now, int64_t window, struct isp_err *err)
{
	json_t *o = json_object(), *names = json_array(), *lists = json_array(),
	       *series = json_array(), *name_series = json_array();
	int64_t since = (now - window) * 1000, total = 0, in_window = 0;
	/* whole hours, at most 48 buckets (49 with the one the window starts in) */
	const int64_t most = (int64_t)48 * 3600;
	int64_t bucket = (window + most - 1) / most * 3600;
	int rc;

	json_object_set_new(o, "window", json_integer(window));
	json_object_set_new(o, "bucket", json_integer(bucket));
	json_object_set_new(o, "top_names", names);
	json_object_set_new(o, "top_lists", lists);
	json_object_set_new(o, "series", series);
	json_object_set_new(o, "name_series", name_series);
	rc = store_count_block_events(st, &total, err);
	if (!rc)
		rc = store_block_count_since(st, since, &in_window, err);
	if (!rc)
		rc = store_block_top(st, "name", since, TOP_N, add_count, names, err);
	if (!rc)
		rc = store_block_top(st, "list", since, TOP_N, add_count, lists, err);
	if (!rc)
		rc = store_block_series(st, "list", since, bucket * 1000, SERIES_TOP, SERIES_MAX,
					add_bucket, series, err);
	if (!rc)
		rc = store_block_series(st, "name", since, bucket * 1000, SERIES_TOP, SERIES_MAX,
					add_bucket, name_series, err);
	json_object_set_new(o, "total", json_integer(total));
	json_object_set_new(o, "in_window", json_integer(in_window));
	json_object_set_new(o, "state", json_string(rc ? "error" : "ok"));
	if (rc)
		json_object_set_new(o, "error", json_string(err->msg));
	return o;
}

/* ---- the notification funnel, per source ---- */

struct funnel {
	int n;
	long other; /* batches of sources beyond SOURCES_MAX (summed into "(other)") */
	struct {
		char source[64];
		long batches, received, matched, notified, returned, skipped, pending;
	} s[SOURCES_MAX + 1];
};

static int add_batch(void *ud, const struct store_batch_report *r)
{
	struct funnel *f = ud;
	const char *src = r->batch.source ? r->batch.source : "";
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->s[i].source, src) == 0)
			break;
	if (i == f->n) {
		if (f->n == SOURCES_MAX) {
			i = SOURCES_MAX; /* the "(other)" row */
			snprintf(f->s[i].source, sizeof(f->s[i].source), "(other)");
		} else {
			snprintf(f->s[i].source, sizeof(f->s[i].source), "%s", src);
			f->n++;
		}
	}
	f->s[i].batches++;
	f->s[i].received += r->received;
	f->s[i].matched += r->matched;
	f->s[i].notified += r->notified;
	f->s[i].returned += r->returned;
	f->s[i].skipped += r->skipped;
	f->s[i].pending += r->pending;
	return 0;
}

static json_t *funnel_json(struct store *st, struct isp_err *err)
{
	struct funnel *f = calloc(1, sizeof(*f));
	json_t *arr = json_array();
	int i, n;

	if (!f)
		return arr;
	if (store_each_batch_report(st, NULL, add_batch, f, err) == 0) {
		n = f->n + (f->s[SOURCES_MAX].batches ? 1 : 0);
		for (i = 0; i < n; i++) {
			int k = i < f->n ? i : SOURCES_MAX;

			json_array_append_new(
				arr,
				json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "source",
					  f->s[k].source, "batches", (json_int_t)f->s[k].batches,
					  "received", (json_int_t)f->s[k].received, "matched",
					  (json_int_t)f->s[k].matched, "notified",
					  (json_int_t)f->s[k].notified, "returned",
					  (json_int_t)f->s[k].returned, "skipped",
					  (json_int_t)f->s[k].skipped, "pending",
					  (json_int_t)f->s[k].pending, "handled_rate",
					  st_round1(f->s[k].received
							    ? 100.0 * (double)f->s[k].notified /
								      (double)f->s[k].received
							    : 0)));
		}
	}
	free(f);
	return arr;
}

/* ---- sites: `sites report`'s rows (a store without them: none) ---- */

static json_t *sites_json(struct store *st)
{
	struct isp_err err;
	json_t *a;

	isp_err_clear(&err);
	a = store_sites_report_json(st, &err);
	return a ? a : json_array();
}

/* ---- recent notices: no body, no e-mail address ---- */

static int add_notice(void *ud, const struct store_notice *n)
{
	json_array_append_new(
		ud,
		json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:i}", "id", (json_int_t)n->id, "key",
			  n->key ? n->key : "", "subscriber", n->subscriber ? n->subscriber : "",
			  "causes", n->causes ? n->causes : "", "created", (json_int_t)n->created,
			  "state", store_notice_state_name(n->state), "attempts", n->attempts));
	return 0;
}

/* ---- lists: the store's, the snapshot's, sync state ---- */

static int add_list(void *ud, const struct store_list_stats *s)
{
	if (json_array_size(ud) >= LISTS_MAX)
		return 0;
	json_array_append_new(ud,
			      json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
					s->list.name, "kind", list_kind_name(s->list.kind),
					"entries", (json_int_t)s->entries, "distinct",
					(json_int_t)s->distinct, "sources", (json_int_t)s->sources,
					"last_import", (json_int_t)s->last_import, "online",
					(json_int_t)s->online, "offline", (json_int_t)s->offline));
	return 0;
}

static json_t *snapshot_json(const char *path)
{
	struct isp_err err;
	struct snap *s = NULL;
	json_t *o, *lists;
	unsigned i, n;

	isp_err_clear(&err);
	if (snap_open(path, &s, &err) != 0)
		return json_pack("{s:s, s:s, s:s}", "path", path, "state", "error", "error",
				 err.msg);
	lists = json_array();
	n = snap_nlists(s);
	for (i = 0; i < n && i < LISTS_MAX; i++) {
		struct snap_list_info li;

		snap_list(s, i, &li);
		json_array_append_new(lists, json_pack("{s:s, s:s, s:I}", "name", li.name, "kind",
						       list_kind_name(li.kind), "keys",
						       (json_int_t)li.keys));
	}
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "path", path, "state", "ok", "serial",
		      (json_int_t)snap_serial(s), "created", (json_int_t)snap_created(s), "bytes",
		      (json_int_t)snap_bytes(s), "keys", (json_int_t)snap_keys(s), "lists", lists);
	snap_close(s);
	return o;
}

/* Read at most max bytes of path into a new buffer (*len); NULL with why set. */
static char *read_small(const char *path, size_t max, size_t *len, char *why, size_t whysize)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *buf;

	if (!f) {
		snprintf(why, whysize, "%s", errno == ENOENT ? "absent" : strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) != 0 || (size_t)sb.st_size > max) {
		fclose(f);
		snprintf(why, whysize, "larger than %zu bytes", max);
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		fclose(f);
		snprintf(why, whysize, "out of memory");
		return NULL;
	}
	*len = fread(buf, 1, (size_t)sb.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

struct rejects {
	json_t *arr;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct rejects *r = ud;
	char buf[ISP_ERR_MSG + 512];

	if (json_array_size(r->arr) < 20)
		json_array_append_new(r->arr, json_string(isp_err_str(e, buf, sizeof(buf))));
}

typedef json_t *(*parse_fn)(const char *, size_t, const char *, status_reject_fn, void *,
			    struct isp_err *);

/* {"state": ok|absent|malformed|error, "error", "rejected": [...], fields of parse}. */
static json_t *file_json(const char *path, size_t max, parse_fn parse)
{
	struct rejects r = { json_array() };
	struct isp_err err;
	char why[256];
	size_t len = 0;
	char *text = read_small(path, max, &len, why, sizeof(why));
	json_t *o;

	if (!text) {
		json_decref(r.arr);
		return json_pack("{s:s, s:s, s:s}", "path", path, "state",
				 strcmp(why, "absent") == 0 ? "absent" : "error", "error",
				 strcmp(why, "absent") == 0 ? "" : why);
	}
	isp_err_clear(&err);
	o = parse(text, len, path, on_reject, &r, &err);
	free(text);
	if (!o) {
		char buf[ISP_ERR_MSG + 512];

		json_decref(r.arr);
		return json_pack("{s:s, s:s, s:s}", "path", path, "state", "malformed", "error",
				 isp_err_str(&err, buf, sizeof(buf)));
	}
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "state", json_string("ok"));
	json_object_set_new(o, "error", json_string(""));
	json_object_set_new(o, "rejected", r.arr);
	return o;
}

/* The figures of path through cache k: make() runs only when the file changed. A new
 * reference is returned. */
static json_t *cached(struct st_cached *k, const char *path, json_t *(*make)(const char *, void *),
		      void *ud)
{
	struct filestamp now = filestamp_of(path);

	if (!k->j || strcmp(k->path, path) != 0 || !filestamp_eq(&now, &k->stamp) || !now.exists) {
		json_decref(k->j);
		k->j = make(path, ud);
		k->stamp = now;
		snprintf(k->path, sizeof(k->path), "%s", path);
	}
	return json_incref(k->j);
}

static json_t *make_snapshot(const char *path, void *ud)
{
	(void)ud;
	return snapshot_json(path);
}

struct file_kind {
	size_t max;
	parse_fn parse;
};

static json_t *make_file(const char *path, void *ud)
{
	const struct file_kind *fk = ud;

	return file_json(path, fk->max, fk->parse);
}

void st_figures_free(struct st_ctx *c)
{
	json_decref(c->snapshot.j);
	json_decref(c->sync.j);
	json_decref(c->darknet.j);
	c->snapshot.j = c->sync.j = c->darknet.j = NULL;
}

static json_t *lists_json(struct st_ctx *c, int64_t now, struct isp_err *err)
{
	char snap[CONFIG_PATH_MAX], sync[CONFIG_PATH_MAX + 32];
	json_t *o = json_object(), *store_lists = json_array();
	const char *slash;

	if (c->st && store_each_list(c->st, now, add_list, store_lists, err) != 0)
		json_object_set_new(o, "error", json_string(err->msg));
	json_object_set_new(o, "store", store_lists);
	config_snapshot_path(&c->cfg, snap);
	json_object_set_new(o, "snapshot", cached(&c->snapshot, snap, make_snapshot, NULL));
	slash = strrchr(snap, '/');
	if (slash)
		snprintf(sync, sizeof(sync), "%.*s/sync-state.json", (int)(slash - snap), snap);
	else
		snprintf(sync, sizeof(sync), "sync-state.json");
	{
		struct file_kind fk = { SYNC_MAX, status_sync_parse };

		json_object_set_new(o, "sync", cached(&c->sync, sync, make_file, &fk));
	}
	return o;
}

json_t *st_figures(struct st_ctx *c, int64_t now)
{
	json_t *f = json_object(), *notices = json_array();
	struct isp_err err;

	isp_err_clear(&err);
	json_object_set_new(f, "generated", json_integer(now));
	json_object_set_new(f, "version", json_string(ISP_VERSION));
	json_object_set_new(f, "traffic", st_traffic_json(&c->sampler, c->cfg.status_interval));
	if (c->st) {
		json_object_set_new(f, "store",
				    json_pack("{s:s, s:s}", "state", "ok", "error", ""));
		json_object_set_new(f, "blocks",
				    blocks_json(c->st, now, c->cfg.status_window, &err));
		json_object_set_new(f, "funnel", funnel_json(c->st, &err));
		json_object_set_new(f, "sites", sites_json(c->st));
		store_each_notice(c->st, NULL, NOTICES_N, add_notice, notices, &err);
	} else {
		json_object_set_new(
			f, "store",
			json_pack("{s:s, s:s}", "state", "error", "error", c->store_error));
		json_object_set_new(f, "blocks", json_null());
		json_object_set_new(f, "funnel", json_array());
		json_object_set_new(f, "sites", json_array());
	}
	json_object_set_new(f, "notices", notices);
	json_object_set_new(f, "lists", lists_json(c, now, &err));
	if (c->cfg.status_darknet[0]) {
		struct file_kind fk = { DARKNET_MAX, status_darknet_parse };

		json_object_set_new(f, "darknet",
				    cached(&c->darknet, c->cfg.status_darknet, make_file, &fk));
	} else
		json_object_set_new(f, "darknet", json_null());
	return f;
}
