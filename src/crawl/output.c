/*
 * output.c -- what a crawl writes (crawl_int.h): each hop's role (libmagic's type,
 * YARA's rule names, libpsl's registrable domains), the chain records of chains.jsonl and
 * what is made of each record (its hop lines, found.txt and found.csv, relays.csv, its
 * visits), the cloaking check over held records, the HAR files. Everything but the HAR
 * file is made from the record (crawl_emit), so that a resumed run writes the records it
 * keeps exactly as a run that made them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpsl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/csv.h"
#include "core/base/fsutil.h"
#include "core/base/jsonout.h"
#include "core/base/timefmt.h"
#include "crawl/crawl_int.h"

/* The host of url into out ("" when it has none). */
static void host_of(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *s = NULL;

	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &s, 0) == CURLUE_OK && strlen(s) < outsz)
		memcpy(out, s, strlen(s) + 1);
	curl_free(s);
	curl_url_cleanup(u);
}

static int is_payload(const char *mime, const char *ctype)
{
	static const char *const payload[] = {
		"application/x-dosexec",
		"application/vnd.microsoft.portable-executable",
		"application/x-executable",
		"application/x-sharedlib",
		"application/x-pie-executable",
		"application/x-mach-binary",
		"application/java-archive",
		"application/vnd.android.package-archive",
		"application/x-msi",
		"application/x-ole-storage",
		"application/vnd.ms-office",
		"application/zip",
		"application/x-rar",
		"application/x-7z-compressed",
		"text/x-shellscript",
		"text/x-msdos-batch",
	};
	size_t i;

	for (i = 0; i < sizeof(payload) / sizeof(payload[0]); i++)
		if (strcmp(mime, payload[i]) == 0)
			return 1;
	/* the type contradicts a text/html Content-Type: binary served as a page */
	return strncasecmp(ctype, "text/html", 9) == 0 && mime[0] &&
	       strncmp(mime, "text/", 5) != 0 && strcmp(mime, "application/x-empty") != 0 &&
	       strcmp(mime, "application/octet-stream") != 0 && strcmp(mime, "inode/x-empty") != 0;
}

/* The registrable domain of url's host (libpsl: "www.example.co.jp" ->
 * "example.co.jp"), or the host itself for an address or a public suffix. */
static void site_of(const char *url, char *out, size_t outsz)
{
	const char *rd;
	size_t i;

	host_of(url, out, outsz);
	for (i = 0; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	rd = psl_registrable_domain(psl_builtin(), out);
	if (rd && rd != out)
		memmove(out, rd, strlen(rd) + 1);
}

static void classify(struct chain *c)
{
	char a[256], b[256];
	int i;

	for (i = 0; i < c->nhops; i++) {
		struct hop *hp = &c->hops[i];

		if (hp->mime[0] && is_payload(hp->mime, hp->ctype))
			hp->role = "distribution";
		else if (hp->yara[0])
			hp->role = "attack";
		else if (i == 0)
			hp->role = "entry";
		else if (i + 1 < c->nhops) {
			site_of(hp->url, a, sizeof(a));
			site_of(c->hops[i + 1].url, b, sizeof(b));
			hp->role = strcmp(a, b) != 0 ? "relay" : "hop";
		} else
			hp->role = "landing";
	}
}

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? jsonout_str(s) : json_null();
}

/* "a,b" -> ["a", "b"] */
static json_t *yara_names(const char *s)
{
	json_t *a = json_array();

	while (*s) {
		size_t n = strcspn(s, ",");

		json_array_append_new(a, jsonout_strn(s, n));
		s += n;
		if (*s)
			s++;
	}
	return a;
}

static json_t *hop_json(const struct hop *hp)
{
	json_t *h =
		json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:o}", "url",
			  jsonout_str(hp->url), "kind", crawl_kind_name(hp->kind), "role", hp->role,
			  "status", hp->status ? json_integer(hp->status) : json_null(), "ip",
			  str_or_null(hp->ip), "content_type", str_or_null(hp->ctype), "file_type",
			  str_or_null(hp->mime), "bytes", (json_int_t)hp->bytes, "sha256",
			  str_or_null(hp->sha), "yara", yara_names(hp->yara));

	if (!h)
		return NULL;
	if (hp->scripts[0])
		json_object_set_new(h, "scripts", jsonout_str(hp->scripts));
	if (hp->truncated)
		json_object_set_new(h, "truncated", json_true());
	if (hp->refused)
		json_object_set_new(h, "refused", json_true());
	json_object_set_new(h, "error", str_or_null(hp->error));
	return h;
}

void crawl_write_chain(struct chain *c)
{
	struct crawl_ctx *cx = c->cx;
	json_t *o, *hops = json_array();
	char har[64];
	int i;

	classify(c);
	for (i = 0; i < c->nhops; i++)
		json_array_append_new(hops, hop_json(&c->hops[i]));
	o = json_pack("{s:I, s:s, s:o, s:i, s:o, s:s, s:o}", "id", (json_int_t)c->id, "run",
		      cx->run, "start", jsonout_str(c->nhops ? c->hops[0].url : ""), "depth",
		      c->depth, "referer", str_or_null(c->referer), "end", c->end ? c->end : "done",
		      "profile", jsonout_str(c->profile->name ? c->profile->name : ""));
	if (!o) {
		json_decref(hops);
		return;
	}
	if (crawl_write_har(c, c->id, har, sizeof(har)) == 0)
		json_object_set_new(o, "har", json_string(har));
	if (c->queued)
		json_object_set_new(o, "queued", json_incref(c->queued));
	json_object_set_new(o, "hops", hops);
	cx->st->chains++;
	if (cx->held) {
		json_array_append_new(cx->held, o);
		return;
	}
	crawl_emit(cx, o, strcmp(c->end ? c->end : "done", "stopped") != 0);
	json_decref(o);
}

/* 1 when host is an address (a relay's host that is no domain, for no domain list). */
static int is_address(const char *host)
{
	unsigned char a[16];
	char b[64];
	size_t n = strlen(host);

	if (n > 2 && n < sizeof(b) && host[0] == '[') {
		memcpy(b, host + 1, n - 2);
		b[n - 2] = '\0';
		return inet_pton(AF_INET6, b, a) == 1;
	}
	return inet_pton(AF_INET, host, a) == 1;
}

/* One CSV row value,category,reference (core/base/csv.h's quoting). */
static void csv_row(FILE *f, const char *value, const char *category, const char *ref)
{
	csv_write_field(f, value);
	fputc(',', f);
	csv_write_field(f, category);
	fputc(',', f);
	csv_write_field(f, ref);
	fputc('\n', f);
}

void crawl_emit(struct crawl_ctx *cx, json_t *rec, int fresh)
{
	const char *prof = json_string_value(json_object_get(rec, "profile"));
	const char *har = json_string_value(json_object_get(rec, "har"));
	int bare = cx->o->cloaking && prof && strcmp(prof, cx->o->bare.name) == 0;
	char ref[4200];
	size_t i;
	json_t *h;

	snprintf(ref, sizeof(ref), "%s/%s", cx->outabs, har ? har : "chains.jsonl");
	json_array_foreach(json_object_get(rec, "hops"), i, h)
	{
		const char *role = json_string_value(json_object_get(h, "role"));
		const char *url = json_string_value(json_object_get(h, "url"));
		json_t *l = json_pack("{s:O, s:I, s:O, s:O}", "chain", json_object_get(rec, "id"),
				      "hop", (json_int_t)i, "start", json_object_get(rec, "start"),
				      "profile", json_object_get(rec, "profile"));

		if (l && json_object_update(l, h) == 0)
			jsonout_dumpf(json_incref(l), cx->hops, JSON_COMPACT);
		json_decref(l);
		if (bare || !role || !url || !json_is_null(json_object_get(h, "error")))
			continue;
		if (strcmp(role, "distribution") == 0 || strcmp(role, "attack") == 0) {
			fprintf(cx->found, "%s\n", url);
			csv_row(cx->found_csv, url, role, ref);
			cx->st->distribution++;
		} else if (strcmp(role, "relay") == 0) {
			char host[256];
			struct strmap_slot *s;

			host_of(url, host, sizeof(host));
			if (!host[0] || is_address(host))
				continue;
			s = strmap_get(&cx->relayed, host, strlen(host), 1);
			if (!s || s->a)
				continue;
			s->a = 1;
			csv_row(cx->relays, host, role, ref);
			cx->st->relays++;
		}
	}
	jsonout_dumpf(json_incref(rec), cx->chains, JSON_COMPACT);
	/* whole records on disk as each chain ends (a killed run is resumed from them) */
	fflush(cx->hops);
	fflush(cx->found);
	fflush(cx->found_csv);
	fflush(cx->relays);
	fflush(cx->chains);
	if (fresh)
		crawl_visits_log(cx, rec);
}

/* The cloaking check, at the end of a run: a hop of a start URL's browser chain whose URL
 * the bare chain of the same start URL did not reach is marked "cloaked" (only a
 * browser-like visitor gets it), and so is the chain. Then every record is written. */
void crawl_write_held(struct crawl_ctx *cx)
{
	size_t i, j, k, m;
	json_t *b, *bare, *h;

	json_array_foreach(cx->held, i, b)
	{
		const char *start = json_string_value(json_object_get(b, "start"));
		int any = 0;

		if (strcmp(json_string_value(json_object_get(b, "profile")), cx->o->profile.name) !=
			    0 ||
		    json_integer_value(json_object_get(b, "depth")) != 0)
			continue;
		bare = NULL;
		json_array_foreach(cx->held, j,
				   h) if (strcmp(json_string_value(json_object_get(h, "profile")),
						 cx->o->bare.name) == 0 &&
					  strcmp(json_string_value(json_object_get(h, "start")),
						 start) == 0) bare = h;
		if (!bare)
			continue;
		json_array_foreach(json_object_get(b, "hops"), k, h)
		{
			const char *u = json_string_value(json_object_get(h, "url"));
			json_t *bh;
			int seen = 0;

			json_array_foreach(json_object_get(bare, "hops"), m, bh) seen |=
				strcmp(json_string_value(json_object_get(bh, "url")), u) == 0;
			json_object_set_new(h, "cloaked", json_boolean(!seen));
			any |= !seen;
		}
		json_object_set_new(b, "cloaked", json_boolean(any));
	}
	json_array_foreach(cx->held, i, b)
	{
		const char *end = json_string_value(json_object_get(b, "end"));

		crawl_emit(cx, b, !end || strcmp(end, "stopped") != 0);
	}
}

/* ---- the output folder */

static FILE *open_out(const char *dir, const char *name, const char *head, struct isp_err *err)
{
	char path[4200];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (head)
		fputs(head, f);
	return f;
}

/* The output folder and its files (crawl.h); with o->resume, the records kept first. */
int crawl_close_outputs(struct crawl_ctx *cx)
{
	FILE **f[] = { &cx->chains, &cx->hops, &cx->found, &cx->found_csv, &cx->relays };
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (*f[i] && fclose(*f[i]) != 0)
			rc = -1;
		*f[i] = NULL;
	}
	return rc;
}

int crawl_open_outputs(struct crawl_ctx *cx, struct isp_err *err)
{
	static const char csv_head[] = "value,category,reference\n";
	const char *out = cx->o->out;
	json_t *prior = NULL;
	char har[4200];
	size_t i;
	json_t *r;
	int rc;

	rc = fs_mkdir_p(out, 0700, err);
	if (rc)
		return rc;
	snprintf(cx->bodies, sizeof(cx->bodies), "%s/bodies", out);
	snprintf(har, sizeof(har), "%s/har", out);
	rc = fs_mkdir_p(cx->bodies, 0700, err);
	if (rc == 0)
		rc = fs_mkdir_p(har, 0700, err);
	if (rc)
		return rc;
	if (!realpath(out, cx->outabs))
		snprintf(cx->outabs, sizeof(cx->outabs), "%s", out);
	if (cx->o->resume) {
		rc = crawl_resume_read(cx, &prior, err);
		if (rc) {
			json_decref(prior);
			return rc == ISR_ENOMEM ? isp_err_set(err, rc, "out of memory resuming")
						: rc;
		}
	}
	if (!cx->run[0])
		snprintf(cx->run, sizeof(cx->run), "%llx-%x", (long long)time_wall_ms(),
			 (unsigned)getpid());
	cx->chains = open_out(out, "chains.jsonl", NULL, err);
	cx->hops = cx->chains ? open_out(out, "hops.jsonl", NULL, err) : NULL;
	cx->found = cx->hops ? open_out(out, "found.txt", NULL, err) : NULL;
	cx->found_csv = cx->found ? open_out(out, "found.csv", csv_head, err) : NULL;
	cx->relays = cx->found_csv ? open_out(out, "relays.csv", csv_head, err) : NULL;
	if (!cx->relays) {
		json_decref(prior);
		return ISR_EIO;
	}
	/* the kept records, written again as they were (their visits are logged) */
	json_array_foreach(prior, i, r)
	{
		crawl_emit(cx, r, 0);
		cx->st->resumed++;
	}
	rc = prior ? crawl_resume_queue(cx, prior) : 0;
	json_decref(prior);
	return rc ? isp_err_set(err, rc, "out of memory resuming") : 0;
}

/* ---- HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), for Lookyloo-style
 * tools: one page per chain, one entry per hop fetched */

/* "2026-12-07T03:40:01.123Z" */
static json_t *har_time(int64_t ms)
{
	char b[40];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(b + n, sizeof(b) - n, ".%03dZ", (int)(ms % 1000));
	return json_string(b);
}

/* The header block hb as HAR name/value pairs; its first line (request or status line)
 * into first. */
static json_t *har_headers(const struct strbuf *hb, char *first, size_t firstsz)
{
	json_t *a = json_array();
	const char *p = hb->p ? hb->p : "", *end = p + hb->len;
	int line = 0;

	first[0] = '\0';
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p)), *colon;
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (line++ == 0) {
			snprintf(first, firstsz, "%.*s", (int)n, p);
		} else if (n && (colon = memchr(p, ':', n)) != NULL) {
			const char *v = colon + 1;

			while (v < p + n && (*v == ' ' || *v == '\t'))
				v++;
			json_array_append_new(a, json_pack("{s:o, s:o}", "name",
							   jsonout_strn(p, (size_t)(colon - p)),
							   "value",
							   jsonout_strn(v, (size_t)(p + n - v))));
		}
		p = e ? e + 1 : end;
	}
	return a;
}

int crawl_write_har(const struct chain *c, long seq, char *name, size_t namesz)
{
	const struct crawl_ctx *cx = c->cx;
	json_t *entries = json_array(), *log, *pages;
	char path[4200], first[512];
	int i, rc, fd;
	FILE *f;

	for (i = 0; i < c->nhops; i++) {
		const struct hop *hp = &c->hops[i];
		json_t *rqh, *rsh, *req, *resp;
		char version[16] = "HTTP/1.1", text[128] = "";
		const char *sp;

		if (hp->refused || !hp->started_ms)
			continue;
		rqh = har_headers(&hp->req_hdrs, first, sizeof(first));
		sp = strrchr(first, ' ');
		if (sp && strncmp(sp + 1, "HTTP/", 5) == 0)
			snprintf(version, sizeof(version), "%s", sp + 1);
		req = json_pack("{s:s, s:o, s:s, s:[], s:o, s:[], s:i, s:i}", "method", "GET",
				"url", jsonout_str(hp->url), "httpVersion", version, "cookies",
				"headers", rqh, "queryString", "headersSize", -1, "bodySize", 0);
		rsh = har_headers(&hp->resp_hdrs, first, sizeof(first));
		sp = strchr(first, ' ');
		if (sp && (sp = strchr(sp + 1, ' ')) != NULL)
			snprintf(text, sizeof(text), "%s", sp + 1);
		resp = json_pack("{s:I, s:o, s:s, s:[], s:o, s:{s:I, s:o, s:o}, s:o, s:i, s:I}",
				 "status", (json_int_t)hp->status, "statusText", jsonout_str(text),
				 "httpVersion", version, "cookies", "headers", rsh, "content",
				 "size", (json_int_t)hp->bytes, "mimeType",
				 jsonout_str(hp->ctype[0] ? hp->ctype : "x-unknown"), "_sha256",
				 jsonout_str(hp->sha), "redirectURL",
				 jsonout_str(i + 1 < c->nhops && c->hops[i + 1].kind == CRAWL_HTTP
						     ? c->hops[i + 1].url
						     : ""),
				 "headersSize", -1, "bodySize", (json_int_t)hp->bytes);
		json_array_append_new(
			entries,
			json_pack("{s:s, s:o, s:f, s:o, s:o, s:{}, s:{s:f, s:f, s:f}, s:o}",
				  "pageref", "page_1", "startedDateTime", har_time(hp->started_ms),
				  "time", (double)hp->total_us / 1000.0, "request", req, "response",
				  resp, "cache", "timings", "send", 0.0, "wait",
				  (double)hp->wait_us / 1000.0, "receive",
				  (double)(hp->total_us - hp->wait_us) / 1000.0, "serverIPAddress",
				  jsonout_str(hp->ip)));
	}
	pages = json_pack("[{s:o, s:s, s:o, s:{}}]", "startedDateTime",
			  har_time(c->nhops ? c->hops[0].started_ms : 0), "id", "page_1", "title",
			  jsonout_str(c->nhops ? c->hops[0].url : ""), "pageTimings");
	log = json_pack("{s:{s:s, s:{s:s, s:s}, s:o, s:o}}", "log", "version", "1.2", "creator",
			"name", "ispshield", "version", ISP_VERSION, "pages", pages, "entries",
			entries);
	snprintf(name, namesz, "har/%06ld.har", seq);
	snprintf(path, sizeof(path), "%s/%s", cx->o->out, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		json_decref(log);
		name[0] = '\0';
		return -1;
	}
	rc = jsonout_dumpf(log, f, JSON_INDENT(1));
	if (fclose(f) != 0 || rc != 0) {
		name[0] = '\0';
		return -1;
	}
	return 0;
}
