/*
 * queue.c -- the chains a run crawls (crawl_int.h): the start values read from the
 * command line and files, the chains of frames and scripts queued by pages, each queued
 * once per run (by its key: depth, cloaking visit, referer, URL), and resuming: a run
 * with o->resume reads the records of chains.jsonl that a previous run in the same
 * folder completed, keeps them, and queues again only what did not complete.
 *
 * A record is the unit of completion: crawl_emit flushes each one whole, so a run killed
 * with SIGKILL leaves at most one cut line at the end of chains.jsonl, which does not
 * parse and is dropped here. A chain under way then is crawled again; so is one that
 * ended "stopped" (SIGINT/SIGTERM), whose record is written but is not a result. The
 * chains a completed one queued are in its record ("queued"): those that did not
 * complete are queued again.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/binwrite.h"
#include "core/base/strbuf.h"
#include "crawl/crawl_int.h"

void crawl_item_key(struct strbuf *k, int depth, int bare, const char *referer, const char *url)
{
	k->len = 0;
	strbuf_fmt(k, "%d\t%d\t%s\t%s", depth, bare, referer ? referer : "", url);
}

int crawl_enqueue(struct crawl_ctx *cx, const char *url, const char *referer, int depth, int bare)
{
	struct strbuf k = { 0 };
	struct strmap_slot *s;
	struct item *it;
	int rc = ISR_ENOMEM;

	crawl_item_key(&k, depth, bare, referer, url);
	if (k.oom)
		goto out;
	rc = 0;
	if (strmap_get(&cx->done, k.p, k.len, 0))
		goto out; /* completed by the run resumed */
	s = strmap_get(&cx->queued, k.p, k.len, 1);
	rc = ISR_ENOMEM;
	if (!s)
		goto out;
	rc = 0;
	if (s->a)
		goto out; /* queued already */
	rc = ISR_ENOMEM;
	it = mem_next((void **)&cx->q, &cx->capq, cx->nq, sizeof(*cx->q), 64);
	if (!it)
		goto out;
	it->url = strdup(url);
	it->referer = strdup(referer ? referer : "");
	it->depth = depth;
	it->bare = bare;
	it->id = ++cx->last_id;
	if (!it->url || !it->referer) {
		free(it->url);
		free(it->referer);
		goto out;
	}
	s->a = 1;
	cx->nq++;
	rc = 0;
out:
	free(k.p);
	return rc;
}

/* A start URL: once with the browser profile, and once more without it when the
 * cloaking check is on. */
static int enqueue_start(struct crawl_ctx *cx, const char *url)
{
	int rc = crawl_enqueue(cx, url, NULL, 0, 0);

	return rc || !cx->o->cloaking ? rc : crawl_enqueue(cx, url, NULL, 0, 1);
}

/* A start value that cannot be read: said through o->report, counted. */
static void report(struct crawl_ctx *cx, const struct isp_err *e)
{
	if (cx->o->report)
		cx->o->report(cx->o->ud, e);
	cx->st->bad_start++;
}

int crawl_read_starts(struct crawl_ctx *cx, char **urls, int n)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		struct isp_err e;
		struct stat sb;
		FILE *f;
		char *line = NULL;
		size_t lcap = 0;
		ssize_t ll;
		long lno = 0;

		isp_err_clear(&e);
		if (strstr(urls[i], "://") || stat(urls[i], &sb) != 0 || !S_ISREG(sb.st_mode)) {
			rc = enqueue_start(cx, urls[i]);
			if (rc)
				return rc;
			continue;
		}
		f = fopen(urls[i], "r");
		if (!f) {
			isp_err_set(&e, ISR_EIO, "%s: %s", urls[i], strerror(errno));
			report(cx, &e);
			continue;
		}
		while ((ll = getline(&line, &lcap, f)) >= 0) {
			char *p = line;

			lno++;
			while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r' ||
				      line[ll - 1] == ' ' || line[ll - 1] == '\t'))
				line[--ll] = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '#')
				continue;
			if (strlen(p) >= CRAWL_MAX_URL) {
				isp_err_set(&e, ISR_EFORMAT, "%s:%ld: URL longer than %d bytes",
					    urls[i], lno, CRAWL_MAX_URL - 1);
				report(cx, &e);
				continue;
			}
			rc = enqueue_start(cx, p);
			if (rc) {
				free(line);
				fclose(f);
				return rc;
			}
		}
		free(line);
		fclose(f);
	}
	return 0;
}

/* The key of the chain of record r into k (0), or -1 when r is not a chain's record. */
static int record_key(struct crawl_ctx *cx, json_t *r, struct strbuf *k)
{
	const char *start = json_string_value(json_object_get(r, "start"));
	const char *prof = json_string_value(json_object_get(r, "profile"));
	const char *ref = json_string_value(json_object_get(r, "referer"));
	json_t *d = json_object_get(r, "depth");
	int bare;

	if (!start || !prof || !json_is_integer(d) || !json_is_integer(json_object_get(r, "id")))
		return -1;
	/* the cloaking check's visit is the profile bare of a run with o->cloaking */
	bare = cx->o->cloaking && strcmp(prof, cx->o->bare.name) == 0;
	/* a start URL's referer in the record is its profile's, not the item's "" */
	crawl_item_key(k, (int)json_integer_value(d), bare,
		       json_integer_value(d) > 0 && ref ? ref : "", start);
	return k->oom ? -1 : 0;
}

int crawl_resume_read(struct crawl_ctx *cx, json_t **prior, struct isp_err *err)
{
	char path[4200];
	struct strbuf k = { 0 };
	char *line = NULL;
	size_t lcap = 0;
	ssize_t ll;
	FILE *f;
	int rc = 0;

	*prior = json_array();
	if (!*prior)
		return ISR_ENOMEM;
	snprintf(path, sizeof(path), "%s/chains.jsonl", cx->o->out);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0
				       : isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	while ((ll = getline(&line, &lcap, f)) > 0) {
		json_t *r;
		const char *end, *run;

		if (line[ll - 1] != '\n')
			break; /* cut by a kill */
		r = json_loadb(line, (size_t)ll, 0, NULL);
		end = json_string_value(json_object_get(r, "end"));
		if (!r || !end || strcmp(end, "stopped") == 0 || record_key(cx, r, &k) != 0) {
			json_decref(r);
			continue;
		}
		run = json_string_value(json_object_get(r, "run"));
		if (run && strlen(run) < sizeof(cx->run))
			memcpy(cx->run, run, strlen(run) + 1);
		if (json_integer_value(json_object_get(r, "id")) > cx->last_id)
			cx->last_id = (long)json_integer_value(json_object_get(r, "id"));
		if (!strmap_get(&cx->done, k.p, k.len, 1) || json_array_append_new(*prior, r)) {
			rc = ISR_ENOMEM;
			break;
		}
	}
	free(line);
	free(k.p);
	fclose(f);
	return rc;
}

int crawl_resume_queue(struct crawl_ctx *cx, json_t *prior)
{
	size_t i, j;
	json_t *r, *q;

	json_array_foreach(prior, i, r)
	{
		const char *prof = json_string_value(json_object_get(r, "profile"));
		int bare = cx->o->cloaking && prof && strcmp(prof, cx->o->bare.name) == 0;
		int depth = (int)json_integer_value(json_object_get(r, "depth"));

		json_array_foreach(json_object_get(r, "queued"), j, q)
		{
			const char *u = json_string_value(json_array_get(q, 0));
			const char *ref = json_string_value(json_array_get(q, 1));

			if (u && ref && crawl_enqueue(cx, u, ref, depth + 1, bare) != 0)
				return ISR_ENOMEM;
		}
	}
	return 0;
}
