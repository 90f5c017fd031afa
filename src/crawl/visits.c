/*
 * visits.c -- the visit log (crawl_int.h): which URL was fetched from which exit, when.
 * Some kits serve their payload once per visitor address and a decoy afterwards; a crawl
 * that fetched a kit's URL yesterday would now record the decoy (and tell the kit that
 * its URL is being watched). So before each hop, a URL that another run fetched from the
 * same exit less than crawl.revisit-after ago is not fetched: the hop is recorded as
 * "visited" and ends its chain.
 *
 * The exit is what the kit sees: "direct", or the host:port of the profile's proxy (its
 * credentials are not written). The log is a text file, one visit a line,
 * "TIME<TAB>EXIT<TAB>PROFILE<TAB>RUN<TAB>URL" (TIME unix seconds, RUN the id of the run
 * that made it: a resumed run goes on with its own id, and its own visits do not stop
 * it; within one run a URL may be fetched again, as the cloaking check does). It is
 * out/visits.log unless crawl.visit-log names one that many runs share (runs one after
 * the other: two at once may lose lines when one of them compacts it). It is appended to
 * as each chain's record is written; when it is opened and more than half of its lines
 * are older than revisit-after (and there are CRAWL_VISITS_COMPACT or more), it is
 * rewritten without them. A line that does not parse is reported as FILE:LINE and
 * skipped.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "crawl/crawl_int.h"

#define CRAWL_VISITS_COMPACT 4096

int crawl_visit_parse(char *line, size_t n, struct crawl_visit *v, const char **why)
{
	char *f[5], *p = line, *end;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		p = i < 4 ? memchr(p, '\t', n - (size_t)(p - line)) : NULL;
		if (i < 4 && !p) {
			*why = "not 5 tab-separated fields";
			return -1;
		}
		if (p)
			*p++ = '\0';
	}
	if (memchr(f[4], '\t', n - (size_t)(f[4] - line)) ||
	    strlen(f[4]) != n - (size_t)(f[4] - line)) {
		*why = "a tab or NUL in the URL";
		return -1;
	}
	errno = 0;
	v->when = strtoll(f[0], &end, 10);
	if (errno || end == f[0] || *end || v->when < 0) {
		*why = "the time is not unix seconds";
		return -1;
	}
	if (!f[1][0] || !f[4][0]) {
		*why = "no exit or no URL";
		return -1;
	}
	v->exit = f[1];
	v->profile = f[2];
	v->run = f[3];
	v->url = f[4];
	return 0;
}

/* The exit of a profile with proxy proxy (NULL/"": direct) into out. */
static void exit_of(const char *proxy, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;

	snprintf(out, outsz, "direct");
	if (!proxy || !proxy[0]) {
		curl_url_cleanup(u);
		return;
	}
	/* a proxy with no scheme is an http one (libcurl's default) */
	snprintf(out, outsz, "proxy");
	if (u && curl_url_set(u, CURLUPART_URL, proxy, CURLU_GUESS_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, outsz, "%s:%s", h, p);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
}

static void log_path(const struct crawl_ctx *cx, char *path, size_t pathsz)
{
	if (cx->o->visit_log && cx->o->visit_log[0])
		snprintf(path, pathsz, "%s", cx->o->visit_log);
	else
		snprintf(path, pathsz, "%s/visits.log", cx->o->out);
}

/* Read the log at path: the visits of other runs within the window into cx->visited;
 * *lines and *stale counted. */
static int load(struct crawl_ctx *cx, const char *path, int64_t now, long *lines, long *stale,
		struct isp_err *err)
{
	struct strbuf k = { 0 };
	char *line = NULL;
	size_t lcap = 0;
	ssize_t ll;
	long lno = 0;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0
				       : isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	while ((ll = getline(&line, &lcap, f)) >= 0) {
		struct crawl_visit v;
		struct strmap_slot *s;
		const char *why = NULL;

		lno++;
		if (ll && line[ll - 1] == '\n')
			line[--ll] = '\0';
		if (crawl_visit_parse(line, (size_t)ll, &v, &why) != 0) {
			struct isp_err e;

			isp_err_clear(&e);
			isp_err_set(&e, ISR_EFORMAT, "%s", why);
			e.file = path;
			e.line = lno;
			if (cx->o->report)
				cx->o->report(cx->o->ud, &e);
			continue;
		}
		(*lines)++;
		if (now - v.when >= cx->o->revisit_after) {
			(*stale)++;
			continue;
		}
		if (strcmp(v.run, cx->run) == 0)
			continue;
		k.len = 0;
		strbuf_fmt(&k, "%s\t%s", v.exit, v.url);
		s = k.oom ? NULL : strmap_get(&cx->visited, k.p, k.len, 1);
		if (!s) {
			rc = isp_err_set(err, ISR_ENOMEM, "%s: out of memory", path);
			break;
		}
		if (v.when > s->a)
			s->a = v.when;
	}
	free(line);
	free(k.p);
	fclose(f);
	return rc;
}

/* Rewrite the log at path with only its lines within the window. */
static int compact(struct crawl_ctx *cx, const char *path, int64_t now, struct isp_err *err)
{
	struct strbuf out = { 0 };
	char *line = NULL, *copy = NULL;
	size_t lcap = 0;
	ssize_t ll;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	while ((ll = getline(&line, &lcap, f)) >= 0) {
		struct crawl_visit v;
		const char *why;
		char *nc = realloc(copy, (size_t)ll + 1);

		if (!nc) {
			out.oom = 1; /* never replace the log with part of it */
			break;
		}
		copy = nc;
		memcpy(copy, line, (size_t)ll + 1);
		if (ll && copy[ll - 1] == '\n')
			copy[ll - 1] = '\0';
		if (crawl_visit_parse(copy, strlen(copy), &v, &why) == 0 &&
		    now - v.when < cx->o->revisit_after)
			strbuf_add(&out, line, (size_t)ll);
	}
	free(line);
	free(copy);
	fclose(f);
	rc = out.oom ? isp_err_set(err, ISR_ENOMEM, "%s: out of memory", path)
		     : fs_write_atomic(path, out.p ? out.p : "", out.len, 0600, err);
	free(out.p);
	return rc;
}

int crawl_visits_open(struct crawl_ctx *cx, struct isp_err *err)
{
	char path[4200];
	long lines = 0, stale = 0;
	int rc;

	cx->visits_fd = -1;
	exit_of(cx->o->profile.proxy, cx->exit_browser, sizeof(cx->exit_browser));
	exit_of(cx->o->bare.proxy, cx->exit_bare, sizeof(cx->exit_bare));
	if (cx->o->revisit_after <= 0)
		return 0;
	log_path(cx, path, sizeof(path));
	rc = load(cx, path, (int64_t)time(NULL), &lines, &stale, err);
	if (rc)
		return rc;
	if (stale >= CRAWL_VISITS_COMPACT && stale * 2 > lines) {
		rc = compact(cx, path, (int64_t)time(NULL), err);
		if (rc)
			return rc;
	}
	cx->visits_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (cx->visits_fd < 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

int crawl_visited(struct crawl_ctx *cx, const struct chain *c, const char *url, int64_t *when)
{
	struct strbuf k = { 0 };
	struct strmap_slot *s;

	if (!cx->visited.n)
		return 0;
	strbuf_fmt(&k, "%s\t%s", c->bare ? cx->exit_bare : cx->exit_browser, url);
	s = k.oom ? NULL : strmap_get(&cx->visited, k.p, k.len, 0);
	free(k.p);
	if (!s)
		return 0;
	*when = s->a;
	return 1;
}

void crawl_visits_log(struct crawl_ctx *cx, json_t *rec)
{
	const char *prof = json_string_value(json_object_get(rec, "profile"));
	int bare = cx->o->cloaking && prof && strcmp(prof, cx->o->bare.name) == 0;
	struct strbuf b = { 0 };
	long long now = (long long)time(NULL);
	size_t i;
	json_t *h;

	if (cx->visits_fd < 0)
		return;
	json_array_foreach(json_object_get(rec, "hops"), i, h)
	{
		const char *u = json_string_value(json_object_get(h, "url"));
		size_t k;

		/* fetched: connected to an address that was not refused (a hop not fetched
		 * because of this log has none) */
		if (!u || !json_string_value(json_object_get(h, "ip")) ||
		    json_is_true(json_object_get(h, "refused")))
			continue;
		for (k = 0; u[k] && (unsigned char)u[k] >= 0x20; k++)
			;
		if (u[k]) /* a control byte would break the line: not logged */
			continue;
		strbuf_fmt(&b, "%lld\t%s\t%s\t%s\t%s\n", now,
			   bare ? cx->exit_bare : cx->exit_browser, prof ? prof : "", cx->run, u);
	}
	if (b.len && !b.oom) {
		/* one write (O_APPEND); a short one leaves a cut line, which the next reader
		 * reports and skips */
		ssize_t w = write(cx->visits_fd, b.p, b.len);

		(void)w;
	}
	free(b.p);
}

void crawl_visits_close(struct crawl_ctx *cx)
{
	if (cx->visits_fd >= 0)
		close(cx->visits_fd);
	cx->visits_fd = -1;
}
