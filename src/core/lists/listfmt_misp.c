/*
 * listfmt_misp.c -- the MISP reader: network attributes of MISP events become entries.
 *
 * A MISP event is JSON ({"Event": {...}}, as a feed's <uuid>.json holds it); a
 * document may also be a list of events or the REST API's {"response": [{"Event":
 * ...}]}. The document is walked by core/base/jsonscan.h and only these values are
 * parsed: the event's info and Tag (event metadata), each element of its Attribute
 * array, and each element of the Attribute array of each of its Object entries. Memory
 * is one attribute at a time, whatever the size of the event.
 *
 * An attribute is an entry when its type is one a list can hold (table below), to_ids
 * is true (MISP's "use for detection" flag: the rest is context), and it is neither
 * deleted nor decayed (decay_score[].decayed, as MISP exports it with
 * includeDecayScore). Attributes of other types, without to_ids, deleted or decayed are
 * skipped (counted, not rejected); an attribute that is not an object, has no value, or
 * has a value that does not split as its composite type says, is rejected with its line.
 *
 * The event's tags and info become the entries' category and reference; MISP writes
 * them before or after the attributes depending on the exporter. Attributes read while
 * the event's info or Tag is still to come wait in a pending queue (json references,
 * at most MISP_PENDING_MAX; past that they go out without the event's metadata) that is
 * emitted as soon as both are known or the event ends, so entries keep the file's order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonscan.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/lists/listfmt_int.h"

#define MISP_PENDING_MAX 65536
#define MISP_META_MAX	 2048 /* bytes of the event's tags or info kept */

/* Attribute types read, the kind of each part (composite "a|b" types: second part
 * LIST_KIND_NONE = not an entry). */
static const struct {
	const char *type;
	enum list_kind first, second;
} types[] = {
	{ "domain", LIST_DOMAIN, LIST_KIND_NONE },
	{ "hostname", LIST_DOMAIN, LIST_KIND_NONE },
	{ "url", LIST_URL, LIST_KIND_NONE },
	{ "ip-dst", LIST_IP, LIST_KIND_NONE },
	{ "ip-src", LIST_IP, LIST_KIND_NONE },
	{ "domain|ip", LIST_DOMAIN, LIST_IP },
	{ "hostname|port", LIST_DOMAIN, LIST_KIND_NONE },
	{ "ip-dst|port", LIST_IP, LIST_KIND_NONE },
	{ "ip-src|port", LIST_IP, LIST_KIND_NONE },
};

struct pending {
	json_t *attr;
	long line;
	long long off;
};

struct misp {
	struct lf_ctx *c;
	int have_info, have_tags;
	int stop; /* a callback's non-zero value from a flush at an event's start */
	char info[MISP_META_MAX];
	char tags[MISP_META_MAX];
	struct pending *q;
	size_t nq;
	char cat[MISP_META_MAX * 2];
};

/* true, "1", "true", 1 (MISP has written each). */
static int truthy(json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_true(v))
		return 1;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	return s && (strcmp(s, "1") == 0 || strcmp(s, "true") == 0);
}

static int64_t time_member(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	int64_t t = 0;

	if (!s || time_parse(s, strlen(s), &t) < 0)
		return 0;
	return t;
}

/* Tag names of a Tag array appended to buf (space-separated), tlp: markings left out. */
static void add_tags(char *buf, size_t size, json_t *tags)
{
	size_t used = strlen(buf);
	size_t i;
	const char *name;

	for (i = 0; i < json_array_size(tags); i++) {
		name = json_string_value(json_object_get(json_array_get(tags, i), "name"));
		if (!name || !*name || strncmp(name, "tlp:", 4) == 0 ||
		    used + strlen(name) + 2 >= size)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? " " : "", name);
	}
}

static int decayed(json_t *a)
{
	json_t *ds = json_object_get(a, "decay_score");
	size_t i;

	for (i = 0; i < json_array_size(ds); i++) {
		if (truthy(json_object_get(json_array_get(ds, i), "decayed")))
			return 1;
	}
	return 0;
}

static int emit_part(struct misp *m, const char *v, size_t n, enum list_kind kind, json_t *a,
		     const char *cat, long line, long long off)
{
	struct listfmt_entry e;
	char *val = m->c->scratch;

	if (n == 0 || n >= LF_SCRATCH) {
		lf_reject(m->c, line, off, "attribute with an empty value part");
		return 0;
	}
	memcpy(val, v, n);
	val[n] = '\0';
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.value = val;
	e.first_seen = time_member(a, "first_seen");
	e.last_seen = time_member(a, "last_seen");
	e.category = cat;
	e.reference = m->info[0] ? m->info : NULL;
	e.line = line;
	return lf_emit(m->c, &e, off);
}

static int attribute(struct misp *m, json_t *a, long line, long long off)
{
	struct lf_ctx *c = m->c;
	const char *type = json_string_value(json_object_get(a, "type"));
	const char *value = json_string_value(json_object_get(a, "value"));
	const char *bar;
	const char *acat;
	char shown[48];
	size_t k;
	int rc;

	if (!json_is_object(a))
		return lf_reject(c, line, off, "Attribute element is not an object"), 0;
	if (!type || !value || !*value)
		return lf_reject(c, line, off, "attribute without a type or a value"), 0;
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		if (strcmp(type, types[k].type) == 0)
			break;
	}
	if (k == sizeof(types) / sizeof(types[0]) || !truthy(json_object_get(a, "to_ids")) ||
	    truthy(json_object_get(a, "deleted")) || decayed(a)) {
		c->st->skipped++;
		return 0;
	}
	snprintf(m->cat, sizeof(m->cat), "%s", m->tags);
	add_tags(m->cat, sizeof(m->cat), json_object_get(a, "Tag"));
	acat = json_string_value(json_object_get(a, "category"));
	if (!m->cat[0] && acat)
		snprintf(m->cat, sizeof(m->cat), "%s", acat);
	bar = strchr(value, '|');
	if (strchr(type, '|')) {
		if (!bar || strchr(bar + 1, '|'))
			return lf_reject(c, line, off,
					 "%s value '%s' is not two parts split by '|'", type,
					 str_show(shown, sizeof(shown), value, strlen(value))),
			       0;
	} else if (bar) {
		bar = NULL; /* a '|' inside a URL is part of it */
	}
	rc = emit_part(m, value, bar ? (size_t)(bar - value) : strlen(value), types[k].first, a,
		       m->cat[0] ? m->cat : NULL, line, off);
	if (rc != 0 || !bar || types[k].second == LIST_KIND_NONE)
		return rc;
	return emit_part(m, bar + 1, strlen(bar + 1), types[k].second, a, m->cat[0] ? m->cat : NULL,
			 line, off);
}

/* Emit the pending attributes, in order (drop: only release them). */
static int release(struct misp *m, int drop)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nq; i++) {
		if (rc == 0 && !drop)
			rc = attribute(m, m->q[i].attr, m->q[i].line, m->q[i].off);
		json_decref(m->q[i].attr);
	}
	m->nq = 0;
	return rc;
}

static int flush(struct misp *m)
{
	return release(m, 0);
}

/* The step index where the event's members start for path p, or -1: "Event" at the
 * root, in a root array, or in the response array. */
static int event_base(const struct js_path *p)
{
	if (js_path_key(p, 0, "Event"))
		return 1;
	if (p->depth >= 2 && p->step[0].is_index && js_path_key(p, 1, "Event"))
		return 2;
	if (p->depth >= 3 && js_path_key(p, 0, "response") && p->step[1].is_index &&
	    js_path_key(p, 2, "Event"))
		return 3;
	return -1;
}

static int want(void *ud, const struct js_path *p)
{
	struct misp *m = ud;
	int b = event_base(p);
	int r;

	if (b < 0 || p->depth < b)
		return 0;
	if (p->depth == b) { /* the Event value itself: the last one ended */
		if (m->nq > 0 && m->stop == 0)
			m->stop = flush(m);
		m->have_info = m->have_tags = 0;
		m->info[0] = m->tags[0] = '\0';
		return 0;
	}
	r = p->depth - b; /* steps below the event */
	if (r == 1)
		return js_path_key(p, b, "info") || js_path_key(p, b, "Tag");
	if (r == 2)
		return js_path_key(p, b, "Attribute") && p->step[b + 1].is_index;
	if (r == 4)
		return js_path_key(p, b, "Object") && p->step[b + 1].is_index &&
		       js_path_key(p, b + 2, "Attribute") && p->step[b + 3].is_index;
	return 0;
}

static int on_value(void *ud, const struct js_path *p, json_t *v, const char *bad, long line,
		    long long off)
{
	struct misp *m = ud;
	int b = event_base(p);
	const char *s;

	if (m->stop != 0)
		return m->stop;
	if (p->depth == b + 1) {
		if (js_path_key(p, b, "info")) {
			s = json_string_value(v);
			snprintf(m->info, sizeof(m->info), "%s", s ? s : "");
			m->have_info = 1;
		} else {
			add_tags(m->tags, sizeof(m->tags), v);
			m->have_tags = 1;
		}
		return m->have_info && m->have_tags ? flush(m) : 0;
	}
	if (!v) {
		lf_reject(m->c, line, off, "attribute: %s", bad);
		return 0;
	}
	if (m->have_info && m->have_tags)
		return attribute(m, v, line, off);
	if (m->nq == MISP_PENDING_MAX) {
		int rc = flush(m);

		if (rc != 0)
			return rc;
	}
	m->q[m->nq].attr = json_incref(v);
	m->q[m->nq].line = line;
	m->q[m->nq].off = off;
	m->nq++;
	return 0;
}

int lf_read_misp(struct lf_ctx *c)
{
	struct misp *m = calloc(1, sizeof(*m));
	int rc;

	if (m)
		m->q = calloc(MISP_PENDING_MAX, sizeof(*m->q));
	if (!m || !m->q) {
		free(m);
		return isp_err_set(c->err, ISR_ENOMEM, "out of memory for the MISP reader");
	}
	m->c = c;
	rc = lf_read_json(c, want, on_value, m);
	if (rc == 0)
		rc = m->stop != 0 ? m->stop : flush(m);
	release(m, 1);
	free(m->q);
	free(m);
	return rc;
}

/* ---- feed directories ---- */

struct feed {
	const char *dir;
	const char *file; /* the manifest's path, for messages */
	listfmt_event_fn fn;
	listfmt_reject_fn on_reject;
	void *ud;
	char path[4096];
};

static int is_uuid(const struct js_step *s)
{
	size_t i;
	const char *k = s->key;

	if (s->key_cut || strlen(k) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (k[i] != '-')
				return 0;
		} else if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f') ||
			     (k[i] >= 'A' && k[i] <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

static int feed_want(void *ud, const struct js_path *p)
{
	(void)ud;
	return p->depth == 1 && !p->step[0].is_index;
}

static void feed_reject(struct feed *fd, long line, long long off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void feed_reject(struct feed *fd, long line, long long off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	isp_vreject(fd->on_reject, fd->ud, fd->file, line, off, fmt, ap);
	va_end(ap);
}

static int feed_value(void *ud, const struct js_path *p, json_t *v, const char *bad, long line,
		      long long off)
{
	struct feed *fd = ud;
	char shown[48];
	json_t *ts;

	if (!is_uuid(&p->step[0])) {
		feed_reject(fd, line, off, "'%s' is not an event UUID, skipped",
			    str_show(shown, sizeof(shown), p->step[0].key, strlen(p->step[0].key)));
		return 0;
	}
	if (!v || !json_is_object(v)) {
		feed_reject(fd, line, off, "event %s: %s", p->step[0].key,
			    bad ? bad : "not an object");
		return 0;
	}
	ts = json_object_get(v, "timestamp");
	snprintf(fd->path, sizeof(fd->path), "%s/%s.json", fd->dir, p->step[0].key);
	return fd->fn(
		fd->ud, fd->path,
		json_is_integer(ts)
			? (int64_t)json_integer_value(ts)
			: (int64_t)strtoll(json_string_value(ts) ? json_string_value(ts) : "0",
					   NULL, 10));
}

int listfmt_misp_feed(const char *dir, listfmt_event_fn fn, listfmt_reject_fn on_reject, void *ud,
		      struct isp_err *err)
{
	struct feed *fd = calloc(1, sizeof(*fd));
	struct js_stats js;
	struct isp_err e;
	struct lr *lr = NULL;
	char *file = NULL;
	FILE *f = NULL;
	int rc;
	size_t n = strlen(dir) + sizeof("/manifest.json");

	if (fd)
		file = malloc(n);
	if (!fd || !file) {
		free(fd);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	snprintf(file, n, "%s/manifest.json", dir);
	f = fopen(file, "rb");
	if (!f) {
		rc = isp_err_set(err, ISR_EIO, "%s: %s (a MISP feed directory has one)", file,
				 strerror(errno));
		goto out;
	}
	lr = lr_new(f, LISTFMT_LINE_MAX);
	if (!lr) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	fd->dir = dir;
	fd->file = file;
	fd->fn = fn;
	fd->on_reject = on_reject;
	fd->ud = ud;
	isp_err_clear(&e);
	rc = js_scan(lr, LF_JSON_VALUE_MAX, feed_want, feed_value, fd, &js, &e);
	if (rc < 0 && e.code != 0) {
		if (err) {
			*err = e;
			err->file = NULL;
		}
		rc = isp_err_at(err, rc, NULL, e.line, e.offset, "%s:%ld: %s", file, e.line, e.msg);
	}
out:
	lr_free(lr);
	if (f)
		fclose(f);
	free(file);
	free(fd);
	return rc;
}
