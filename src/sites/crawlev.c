/*
 * crawlev.c -- the crawl evidence of listed URLs (sites.h): how `ispshield crawl` reached
 * a distribution or attack URL, read from its output folder, so that the notice can say
 * how to see what the crawler saw.
 *
 * `crawl --list NAME --import` imports found.txt, bare URLs: the list entry keeps no
 * trace of the chain. The crawl's folder keeps it all: chains.jsonl (one record per
 * chain: start, referer, profile, cloaked, hops with url, kind, status, role, sha256,
 * file_type, yara, error) and har/NNNNNN.har (the headers as sent: the User-Agent, and
 * when the chain began). `sites find` reads the folder named by sites.crawl-dir (a
 * crawl's --out folder, or a folder of them, read in name order so that a later run's
 * record of a URL wins) and stores each listed URL's record with the URL
 * (site_urls.crawl): the notice is then made from the store, whatever happens to the
 * folder later.
 *
 * Records are kept under the URL's canonical form, as a url list keeps its entries. A
 * URL's record is the one found.txt was written from: a hop with role distribution or
 * attack and no error, of a chain not fetched as the cloaking check's "bare" visitor. It
 * holds the hops from the chain's start to that URL (at most CRAWL_HOPS_MAX), the
 * visitor (profile, User-Agent, start Referer, cloaked), and the hop's SHA-256, file
 * type and YARA rule names, as one compact JSON object.
 *
 * chains.jsonl is our own output, but it is read as hostile input all the same: a line
 * that is not a chain record goes to rej as FILE:LINE and the rest is read; a "har" that
 * is not a plain name under the folder (har/NNNNNN.har) is not opened.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "core/base/jsonout.h"
#include "core/base/strbuf.h"
#include "core/net/url.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

#define CRAWL_HOPS_MAX	 64 /* hops kept before the URL (crawl.max-hops <= 64) */
#define CHAINS_LINE_MAX	 ((size_t)64 * 1024 * 1024) /* one chain record at most */
#define CHAINS_FILE_MAX	 ((size_t)1 << 30)	    /* chains.jsonl read at most */
#define HAR_FILE_MAX	 ((size_t)16 * 1024 * 1024) /* one HAR file read at most */
#define CRAWL_RUNS_MAX	 4096			    /* run folders read under sites.crawl-dir */
#define CRAWL_TEXT_FIELD 2048			    /* longest header value rendered */

struct crawl_ev {
	char *url, *json;
	long seq; /* order added: a later one wins */
};

struct sites_crawl {
	struct crawl_ev *v;
	size_t n, cap;
	long seq;
};

struct sites_crawl *sites_crawl_new(void)
{
	return calloc(1, sizeof(struct sites_crawl));
}

void sites_crawl_free(struct sites_crawl *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].url);
		free(c->v[i].json);
	}
	free(c->v);
	free(c);
}

size_t sites_crawl_count(const struct sites_crawl *c)
{
	return c ? c->n : 0;
}

const char *sites_crawl_url(const struct sites_crawl *c, size_t i)
{
	return c && i < c->n ? c->v[i].url : NULL;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *str0(const json_t *o, const char *key)
{
	const char *s = str(o, key);

	return s ? s : "";
}

/* The User-Agent the first request of the HAR file dir/har sent, and when it began. */
static void har_visitor(const char *dir, const char *har, json_t *ev)
{
	char path[4200], *text = NULL;
	size_t len = 0, i;
	struct isp_err err;
	json_t *h, *e0, *hd, *x;

	if (!dir || !har || har[0] == '/' || strstr(har, "..") ||
	    strspn(har, "abcdefghijklmnopqrstuvwxyz0123456789./_-") != strlen(har))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, har);
	isp_err_clear(&err);
	if (fs_read_file(path, HAR_FILE_MAX, &text, &len, &err) != 0)
		return;
	h = json_loadb(text, len, 0, NULL);
	free(text);
	e0 = json_array_get(json_object_get(json_object_get(h, "log"), "entries"), 0);
	if (json_is_string(json_object_get(e0, "startedDateTime")))
		json_object_set(ev, "time", json_object_get(e0, "startedDateTime"));
	hd = json_object_get(json_object_get(e0, "request"), "headers");
	json_array_foreach(hd, i, x)
	{
		const char *name = str(x, "name"), *value = str(x, "value");

		if (name && value && strcasecmp(name, "User-Agent") == 0) {
			json_object_set_new(ev, "user_agent", jsonout_str(value));
			break;
		}
	}
	json_decref(h);
}

/* Keep ev under url's canonical form (core/net/url.h), the form a url list stores: the
 * crawler records URLs as it met them ("HTTP://Shop.JP", a fragment), the list does not. */
static int keep(struct sites_crawl *c, const char *url, json_t *ev, struct isp_err *err)
{
	char canon[URL_MAX + 1], *j, *u;
	struct isp_err e2;

	if (url_canonicalise(url, strlen(url), canon, sizeof(canon), &e2) > 0)
		url = canon;
	j = json_dumps(ev, JSON_COMPACT);
	u = strdup(url);

	if (!j || !u || mem_grow_from((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v), 64)) {
		free(j);
		free(u);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	c->v[c->n].url = u;
	c->v[c->n].json = j;
	c->v[c->n].seq = c->seq++;
	c->n++;
	return 0;
}

/* The records of the reportable hops of one chain record rec. */
static int one_chain(struct sites_crawl *c, json_t *rec, const char *dir, const char *file,
		     long line, isp_reject_fn rej, void *ud, struct isp_err *err)
{
	json_t *hops = json_object_get(rec, "hops"), *h, *ev = NULL;
	const char *profile = str(rec, "profile");
	size_t i;
	int rc = 0;

	if (!json_is_object(rec) || !json_is_array(hops) || !str(rec, "start")) {
		sites_reject(rej, ud, file, line, -1, "not a chain record (start, hops)");
		return 0;
	}
	if (profile && strcmp(profile, "bare") == 0)
		return 0; /* the cloaking check's visit: found.txt takes nothing from it */
	json_array_foreach(hops, i, h)
	{
		const char *role = str(h, "role"), *url = str(h, "url");
		json_t *path;

		if (!role || !url ||
		    (strcmp(role, "distribution") != 0 && strcmp(role, "attack") != 0) ||
		    (str(h, "error") && str(h, "error")[0]))
			continue;
		if (!ev) {
			ev = json_object();
			json_object_set_new(ev, "start", jsonout_str(str(rec, "start")));
			if (str(rec, "referer"))
				json_object_set_new(ev, "referer",
						    jsonout_str(str(rec, "referer")));
			json_object_set_new(ev, "profile", jsonout_str(profile ? profile : ""));
			json_object_set_new(
				ev, "cloaked",
				json_boolean(json_is_true(json_object_get(rec, "cloaked"))));
			har_visitor(dir, str(rec, "har"), ev);
		}
		path = json_array();
		for (size_t k = i >= CRAWL_HOPS_MAX ? i + 1 - CRAWL_HOPS_MAX : 0; k <= i; k++) {
			json_t *p = json_array_get(hops, k);

			json_array_append_new(path,
					      json_pack("{s:o, s:o, s:O}", "url",
							jsonout_str(str0(p, "url")), "kind",
							jsonout_str(str0(p, "kind")), "status",
							json_object_get(p, "status")
								? json_object_get(p, "status")
								: json_null()));
		}
		json_object_set_new(ev, "hops", path);
		json_object_set_new(ev, "role", jsonout_str(role));
		json_object_set_new(ev, "sha256", jsonout_str(str0(h, "sha256")));
		json_object_set_new(ev, "file_type", jsonout_str(str0(h, "file_type")));
		json_object_set_new(ev, "yara",
				    json_is_array(json_object_get(h, "yara"))
					    ? json_incref(json_object_get(h, "yara"))
					    : json_array());
		rc = keep(c, url, ev, err);
		if (rc)
			break;
	}
	json_decref(ev);
	return rc;
}

int sites_crawl_add(struct sites_crawl *c, const char *text, size_t len, const char *file,
		    const char *dir, isp_reject_fn rej, void *ud, struct isp_err *err)
{
	struct sites_lines l = { text, file, len, 0, 0 };
	const char *line;
	size_t n;
	int rc = 0;

	while (rc == 0 && sites_line(&l, CHAINS_LINE_MAX, rej, ud, &line, &n)) {
		json_error_t je;
		json_t *rec;

		if (n == 0)
			continue;
		rec = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
		if (!rec)
			sites_reject(rej, ud, file, l.lineno, -1, "%s", je.text);
		else
			rc = one_chain(c, rec, dir, file, l.lineno, rej, ud, err);
		json_decref(rec);
	}
	return rc;
}

/* url, then the later record first */
static int cmp_ev(const void *a, const void *b)
{
	const struct crawl_ev *x = a, *y = b;
	int k = strcmp(x->url, y->url);

	return k ? k : x->seq > y->seq ? -1 : x->seq < y->seq;
}

void sites_crawl_index(struct sites_crawl *c)
{
	size_t i, k = 0;

	if (!c || c->n == 0)
		return;
	qsort(c->v, c->n, sizeof(*c->v), cmp_ev);
	for (i = 0; i < c->n; i++) {
		if (k && strcmp(c->v[k - 1].url, c->v[i].url) == 0) {
			free(c->v[i].url);
			free(c->v[i].json);
			continue;
		}
		c->v[k++] = c->v[i];
	}
	c->n = k;
}

const char *sites_crawl_get(const struct sites_crawl *c, const char *url)
{
	size_t lo = 0, hi = c ? c->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = strcmp(url, c->v[mid].url);

		if (k == 0)
			return c->v[mid].json;
		if (k < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Read run folder dir's chains.jsonl into c; 0 when it has none. */
static int add_run(struct sites_crawl *c, const char *dir, isp_reject_fn rej, void *ud,
		   struct isp_err *err)
{
	char path[4200], *text = NULL;
	size_t len = 0;
	struct stat sb;
	int rc;

	snprintf(path, sizeof(path), "%s/chains.jsonl", dir);
	if (stat(path, &sb) != 0)
		return 0;
	rc = fs_read_file(path, CHAINS_FILE_MAX, &text, &len, err);
	if (rc == 0)
		rc = sites_crawl_add(c, text, len, path, dir, rej, ud, err);
	free(text);
	return rc;
}

int sites_crawl_load(struct sites_crawl *c, const char *dir, isp_reject_fn rej, void *ud,
		     struct isp_err *err)
{
	char path[4200];
	struct dirent **names = NULL;
	struct stat sb;
	int n, rc = 0;

	snprintf(path, sizeof(path), "%s/chains.jsonl", dir);
	if (stat(path, &sb) == 0) {
		rc = add_run(c, dir, rej, ud, err);
	} else {
		n = scandir(dir, &names, NULL, alphasort);
		if (n < 0)
			return isp_err_set(err, ISR_EIO, "sites.crawl-dir %s: cannot be read", dir);
		for (int i = 0; i < n; i++) {
			if (rc == 0 && i < CRAWL_RUNS_MAX && names[i]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
				rc = add_run(c, path, rej, ud, err);
			}
			free(names[i]);
		}
		free(names);
	}
	sites_crawl_index(c);
	return rc;
}

/* ---- rendering: the notice's lines, the X-ARF evidence's fields ---- */

/* Append s cut at CRAWL_TEXT_FIELD bytes, control characters as '?' (a header value of
 * our own crawl, but it goes into a mail body). */
static void plain(struct strbuf *b, const char *s)
{
	for (size_t i = 0; s && s[i] && i < CRAWL_TEXT_FIELD; i++)
		strbuf_add(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? "?" : &s[i], 1);
}

int sites_crawl_render(struct strbuf *b, const char *json, int human)
{
	json_t *ev = json_loads(json, 0, NULL), *hops, *h, *y;
	const char *ua, *ref, *sha, *ft;
	size_t i;

	hops = json_object_get(ev, "hops");
	if (!json_is_object(ev) || !json_is_array(hops)) {
		json_decref(ev);
		return -1;
	}
	ua = str(ev, "user_agent");
	ref = str(ev, "referer");
	sha = str(ev, "sha256");
	ft = str(ev, "file_type");
	if (human) {
		strbuf_str(b, "    reached by our crawler");
		if (str(ev, "time")) {
			strbuf_str(b, " at ");
			plain(b, str(ev, "time"));
		}
		strbuf_str(b, " through\n");
		json_array_foreach(hops, i, h)
		{
			strbuf_fmt(b, "      %zu. ", i + 1);
			sites_defang(b, str0(h, "url"));
			strbuf_str(b, " (");
			plain(b, str(h, "kind"));
			if (json_is_integer(json_object_get(h, "status")))
				strbuf_fmt(b, ", %lld",
					   (long long)json_integer_value(
						   json_object_get(h, "status")));
			strbuf_str(b, ")\n");
		}
		if (json_is_true(json_object_get(ev, "cloaked")))
			strbuf_str(
				b,
				"    cloaked: a client without a browser's User-Agent and Referer"
				" was not served it\n");
		strbuf_str(b, "    to reproduce, request the first URL with\n");
		strbuf_str(b, "      User-Agent: ");
		plain(b, ua ? ua : "(none)");
		strbuf_str(b, "\n      Referer: ");
		plain(b, ref ? ref : "(none)");
		strbuf_str(b, "\n");
		if (sha && sha[0]) {
			strbuf_str(b, "    SHA-256: ");
			plain(b, sha);
			if (ft && ft[0]) {
				strbuf_str(b, " (");
				plain(b, ft);
				strbuf_str(b, ")");
			}
			strbuf_str(b, "\n");
		}
	} else {
		strbuf_str(b, "\tcrawl ");
		json_array_foreach(hops, i, h)
		{
			strbuf_str(b, i ? " -> " : "");
			plain(b, str(h, "url"));
		}
		strbuf_str(b, "\tUser-Agent: ");
		plain(b, ua ? ua : "");
		strbuf_str(b, "\tReferer: ");
		plain(b, ref ? ref : "");
		strbuf_str(b, json_is_true(json_object_get(ev, "cloaked")) ? "\tcloaked" : "");
		strbuf_str(b, "\tsha256 ");
		plain(b, sha && sha[0] ? sha : "-");
	}
	y = json_object_get(ev, "yara");
	if (json_array_size(y)) {
		strbuf_str(b, human ? "    rules: " : "\trules ");
		json_array_foreach(y, i, h)
		{
			strbuf_str(b, i ? ", " : "");
			plain(b, json_string_value(h));
		}
		strbuf_str(b, human ? "\n" : "");
	}
	json_decref(ev);
	return 0;
}
