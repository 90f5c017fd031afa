/*
 * parse.c -- the parsers of what the status page reads from elsewhere: the Prometheus
 * text the services expose, the sync state of `lists sync`, a darknet JSON report. All
 * three are untrusted input; see status.h for their contracts. The Prometheus parser
 * works in place (no allocation); the JSON ones let jansson parse the bounded text and
 * copy out only known fields, so what reaches the page has fixed types and sizes.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "status/status.h"
#include "core/base/jsonout.h"

#define STR_MAX 512 /* longest string copied out of a JSON input */

static void reject(status_reject_fn rej, void *ud, const char *src, long line, long long off,
		   const char *msg)
{
	struct isp_err e;

	if (!rej)
		return;
	isp_err_clear(&e);
	isp_err_at(&e, ISR_EFORMAT, src, line, off, "%s", msg);
	rej(ud, &e);
}

static int name_start(int c)
{
	return isalpha(c) || c == '_' || c == ':';
}

static int name_char(int c)
{
	return isalnum(c) || c == '_' || c == ':';
}

/* Skip a label set "{a="x",b="y"}" starting at p[0] == '{'; returns the position after
 * '}', or NULL when malformed. */
static const char *skip_labels(const char *p, const char *end)
{
	p++;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '}')
			return p + 1;
		if (p >= end || !name_start((unsigned char)*p))
			return NULL;
		while (p < end && name_char((unsigned char)*p))
			p++;
		if (p >= end || *p != '=' || p + 1 >= end || p[1] != '"')
			return NULL;
		for (p += 2; p < end && *p != '"'; p++)
			if (*p == '\\' && ++p >= end)
				return NULL;
		if (p >= end)
			return NULL;
		p++;
		if (p < end && *p == ',')
			p++;
		else if (p >= end || *p != '}')
			return NULL;
	}
}

/* Parse the value token p[0..n): a float, NaN, +Inf, -Inf. */
static int parse_value(const char *p, size_t n, double *v)
{
	char tok[64], *e;

	if (n == 0 || n >= sizeof(tok))
		return -1;
	memcpy(tok, p, n);
	tok[n] = '\0';
	if (strcmp(tok, "+Inf") == 0 || strcmp(tok, "Inf") == 0) {
		*v = INFINITY;
		return 0;
	}
	if (strcmp(tok, "-Inf") == 0) {
		*v = -INFINITY;
		return 0;
	}
	if (strcmp(tok, "NaN") == 0) {
		*v = NAN;
		return 0;
	}
	*v = strtod(tok, &e);
	return *e || !isfinite(*v) ? -1 : 0;
}

/* One line p[0..n); 0 = a sample or nothing, else the reason it is rejected in *why. */
static int prom_line(const char *p, size_t n, status_prom_fn fn, void *ud, int *stop,
		     const char **why)
{
	const char *end = p + n, *name, *v;
	size_t namelen;
	int labelled = 0;
	double val;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	if (!name_start((unsigned char)*p)) {
		*why = "expected a metric name";
		return -1;
	}
	name = p;
	while (p < end && name_char((unsigned char)*p))
		p++;
	namelen = (size_t)(p - name);
	if (p < end && *p == '{') {
		p = skip_labels(p, end);
		if (!p) {
			*why = "malformed label set";
			return -1;
		}
		labelled = 1;
	}
	if (p == end || (*p != ' ' && *p != '\t')) {
		*why = "expected a blank and a value after the name";
		return -1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	v = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (parse_value(v, (size_t)(p - v), &val) != 0) {
		*why = "bad value";
		return -1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end) { /* an optional timestamp: an integer (ms) */
		if (*p == '-')
			p++;
		if (p == end) {
			*why = "bad timestamp";
			return -1;
		}
		while (p < end && isdigit((unsigned char)*p))
			p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end) {
			*why = "bad timestamp or trailing text";
			return -1;
		}
	}
	if (fn(ud, name, namelen, labelled, val))
		*stop = 1;
	return 0;
}

long status_prom_parse(const char *text, size_t len, const char *src, status_prom_fn fn,
		       status_reject_fn rej, void *ud)
{
	const char *p = text, *end = text + len;
	long line = 0, rejected = 0;
	int stop = 0;

	while (p < end && !stop) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *why = NULL;

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n)) {
			why = "NUL byte in line";
		} else if (prom_line(p, n, fn, ud, &stop, &why) == 0) {
			why = NULL;
		}
		if (why) {
			reject(rej, ud, src, line, (long long)(p - text), why);
			rejected++;
		}
		p = nl ? nl + 1 : end;
	}
	return rejected;
}

/* ---- JSON inputs ---- */

static json_t *load(const char *text, size_t len, const char *src, struct isp_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!root) {
		isp_err_at(err, ISR_EFORMAT, src, je.line, je.position, "not JSON: %s", je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		isp_err_at(err, ISR_EFORMAT, src, 1, 0, "expected a JSON object");
		return NULL;
	}
	return root;
}

/* Copy field `key` of `from` into `to` if it has the expected type: 's' string (cut at
 * STR_MAX bytes), 'i' integer, 'n' number, 'b' boolean. A field of another type is
 * reported as "src: where.key: reason"; a missing one is left out silently. */
static void copy_field(json_t *to, const json_t *from, const char *key, char type, const char *src,
		       const char *where, status_reject_fn rej, void *ud)
{
	json_t *v = json_object_get(from, key);
	char msg[256];
	int ok;

	if (!v || json_is_null(v))
		return;
	switch (type) {
	case 's': ok = json_is_string(v); break;
	case 'i': ok = json_is_integer(v); break;
	case 'n': ok = json_is_number(v); break;
	default: ok = json_is_boolean(v); break;
	}
	if (!ok) {
		snprintf(msg, sizeof(msg), "%s.%s: expected %s", where, key,
			 type == 's'   ? "a string"
			 : type == 'i' ? "an integer"
			 : type == 'n' ? "a number"
				       : "true or false");
		reject(rej, ud, src, 0, -1, msg);
		return;
	}
	if (type == 's' && json_string_length(v) > STR_MAX)
		json_object_set_new(to, key, jsonout_strn(json_string_value(v), STR_MAX));
	else if (type == 's')
		json_object_set_new(to, key,
				    json_stringn(json_string_value(v), json_string_length(v)));
	else
		json_object_set(to, key, v);
}

/* A copy of each object element of array `key` of from (at most max, the last max when
 * last is set), with fields[] ("name:t") copied; non-objects are reported. */
static json_t *copy_array(const json_t *from, const char *key, size_t max, int last,
			  const char *const *fields, const char *src, const char *where,
			  status_reject_fn rej, void *ud)
{
	json_t *arr = json_object_get(from, key), *out = json_array(), *e;
	size_t i, n, first = 0;
	char w[96], msg[160];

	if (!out)
		return NULL;
	if (!arr)
		return out;
	if (!json_is_array(arr)) {
		snprintf(msg, sizeof(msg), "%s.%s: expected an array", where, key);
		reject(rej, ud, src, 0, -1, msg);
		return out;
	}
	n = json_array_size(arr);
	if (n > max) {
		snprintf(msg, sizeof(msg), "%s.%s: %zu elements, only %zu shown", where, key, n,
			 max);
		reject(rej, ud, src, 0, -1, msg);
		if (last)
			first = n - max;
		n = first + max;
	}
	for (i = first; i < n; i++) {
		json_t *o, *src_o = json_array_get(arr, i);
		const char *const *f;

		snprintf(w, sizeof(w), "%s.%s[%zu]", where, key, i);
		if (!json_is_object(src_o)) {
			snprintf(msg, sizeof(msg), "%s: expected an object", w);
			reject(rej, ud, src, 0, -1, msg);
			continue;
		}
		o = json_object();
		if (!o)
			break;
		for (f = fields; *f; f++) {
			char name[48];
			size_t nl = strcspn(*f, ":");

			snprintf(name, sizeof(name), "%.*s", (int)nl, *f);
			copy_field(o, src_o, name, (*f)[nl + 1], src, w, rej, ud);
		}
		e = o;
		json_array_append_new(out, e);
	}
	return out;
}

json_t *status_sync_parse(const char *text, size_t len, const char *src, status_reject_fn rej,
			  void *ud, struct isp_err *err)
{
	static const char *const sync_fields[] = {
		"url:s",  "last_attempt:i",  "last_success:i", "result:s", "error:s",
		"etag:s", "last_modified:s", "sequence:i",     NULL,
	};
	static const char *const list_fields[] = { "name:s", "entries:i", "sha256:s", NULL };
	json_t *root = load(text, len, src, err), *out, *syncs, *in;
	size_t i, j;

	if (!root)
		return NULL;
	out = json_object();
	syncs = copy_array(root, "syncs", STATUS_SYNC_MAX, 0, sync_fields, src, "", rej, ud);
	in = json_object_get(root, "syncs");
	/* copy_array kept the objects among the first STATUS_SYNC_MAX elements, in order */
	for (i = 0, j = 0;
	     syncs && json_is_array(in) && i < json_array_size(in) && i < STATUS_SYNC_MAX; i++) {
		json_t *one = json_array_get(in, i);
		char w[32];

		if (!json_is_object(one))
			continue;
		snprintf(w, sizeof(w), ".syncs[%zu]", i);
		json_object_set_new(json_array_get(syncs, j++), "lists",
				    copy_array(one, "lists", STATUS_SYNC_LISTS, 0, list_fields, src,
					       w, rej, ud));
	}
	json_object_set_new(out, "syncs", syncs ? syncs : json_array());
	json_decref(root);
	return out;
}

json_t *status_darknet_parse(const char *text, size_t len, const char *src, status_reject_fn rej,
			     void *ud, struct isp_err *err)
{
	static const char *const day_fields[] = { "day:s",  "packets:i",     "sources:i",
						  "scan:i", "backscatter:i", "other:i",
						  NULL };
	static const char *const port_fields[] = { "proto:s", "port:i", "packets:i",
						   "source_days:i", NULL };
	static const char *const totals[] = {
		"records:i",	       "packets:i",   "sources:i", "outside_sensors:i",
		"untracked_sources:i", "estimated:b", NULL
	};
	json_t *root = load(text, len, src, err), *out, *ports;
	const char *const *f;

	if (!root)
		return NULL;
	out = json_object();
	for (f = totals; *f; f++) {
		char name[48];
		size_t nl = strcspn(*f, ":");

		snprintf(name, sizeof(name), "%.*s", (int)nl, *f);
		copy_field(out, root, name, (*f)[nl + 1], src, "", rej, ud);
	}
	json_object_set_new(
		out, "days",
		copy_array(root, "days", STATUS_DARKNET_DAYS, 1, day_fields, src, "", rej, ud));
	ports = json_object_get(root, "ports");
	if (json_is_object(ports))
		json_object_set_new(out, "top_ports",
				    copy_array(ports, "top", STATUS_DARKNET_PORTS, 0, port_fields,
					       src, ".ports", rej, ud));
	else
		json_object_set_new(out, "top_ports", json_array());
	json_decref(root);
	return out;
}
