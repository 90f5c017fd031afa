/*
 * ssschema.c -- see ssschema.h.
 *
 * The schema is read whole with jansson (it is a configuration file of a few hundred
 * kilobytes, bounded by SS_FILE_MAX) into a flat table: one struct ss_report per usable
 * report, the column names copied into one string block, so that the table outlives the
 * jansson tree and is freed with two calls.
 */
#include "core/events/ssschema.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/strbuf.h"

/* Columns every report carries: not evidence for a notice. */
static const char *const ss_common[] = {
	"severity",	   "naics",	    "sic",	   "sector",
	"hostname_source", "public_source", "source_type", "tag",
	"event_id",	   "family",	    NULL
};

/* Which IntelMQ field fills which of our columns (first match wins). */
static const struct {
	const char *field;
	enum ss_col col;
} fields[] = {
	{ "source.ip", SS_C_IP },
	{ "time.source", SS_C_TIME },
	{ "source.port", SS_C_PORT },
	{ "protocol.transport", SS_C_PROTO },
	{ "malware.name", SS_C_FAMILY },
	{ "destination.ip", SS_C_DST_IP },
	{ "destination.port", SS_C_DST_PORT },
	{ "destination.fqdn", SS_C_HOST },
	{ "source.fqdn", SS_C_HOST },
};

enum cause ss_cause(const char *type, const char *id)
{
	static const char *const cc_types[] = { "infected-system",
						"system-compromise",
						"compromised",
						"brute-force",
						"ddos",
						"scanner",
						"exploit",
						"blacklist",
						"malware-distribution",
						"phishing",
						"spam",
						NULL };
	static const char *const vuln_types[] = { "vulnerable-system",
						  "vulnerable-service",
						  "potentially-unwanted-accessible",
						  "ddos-amplifier",
						  "information-disclosure",
						  "weak-crypto",
						  NULL };
	size_t i;

	if (!type)
		type = "";
	if (!id)
		id = "";
	if (strstr(id, "dns") && (strstr(id, "open") || strstr(id, "resolver")))
		return CAUSE_OPEN_RESOLVER;
	if (strstr(id, "proxy"))
		return CAUSE_OPEN_PROXY;
	if (strstr(id, "account") || strcmp(type, "data-leak") == 0)
		return CAUSE_CREDENTIAL;
	for (i = 0; cc_types[i]; i++) {
		if (strcmp(type, cc_types[i]) == 0)
			return CAUSE_CC;
	}
	for (i = 0; vuln_types[i]; i++) {
		if (strcmp(type, vuln_types[i]) == 0)
			return CAUSE_VULNERABLE_ROUTER;
	}
	return CAUSE_NONE;
}

struct loader {
	const char *path;
	isp_reject_fn on_reject;
	void *ud;
	struct strbuf names; /* column names, NUL-separated; offsets until the end */
};

static void bad(struct loader *l, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rej(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rej(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	isp_vreject(l->on_reject, l->ud, l->path, 0, -1, fmt, ap);
	va_end(ap);
}

static void bad(struct loader *l, const char *name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rej(l, "report %.64s: %s", name, msg);
}

/* Offsets into names are stored as pointers until the block is final (fix_up). */
static const char *keep(struct loader *l, const char *s)
{
	size_t at = l->names.len;

	strbuf_add(&l->names, s, strlen(s) + 1);
	return (const char *)(uintptr_t)(at + 1); /* +1: never NULL */
}

static int is_common(const char *col)
{
	size_t i;

	if (strncmp(col, "src_", 4) == 0 || strncmp(col, "dst_", 4) == 0)
		col += 4;
	for (i = 0; ss_common[i]; i++) {
		if (strcmp(col, ss_common[i]) == 0)
			return 1;
	}
	return 0;
}

/* One [FIELD, COLUMN, ...] list into r; 0, or -1 with *why. */
static int take_fields(struct loader *l, struct ss_report *r, json_t *list, const char **why)
{
	size_t i, k;
	json_t *it;
	const char *field;
	const char *col;

	if (!list)
		return 0;
	if (!json_is_array(list)) {
		*why = "a field list is not a list";
		return -1;
	}
	json_array_foreach(list, i, it)
	{
		field = json_string_value(json_array_get(it, 0));
		col = json_string_value(json_array_get(it, 1));
		if (!field || !col || !*col || strlen(col) > 255) {
			*why = "a field is not [FIELD, COLUMN, ...]";
			return -1;
		}
		if (r->nall == SS_COLUMNS_MAX) {
			*why = "more than 256 columns";
			return -1;
		}
		r->all[r->nall++] = keep(l, col);
		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			if (strcmp(field, fields[k].field) == 0 && !r->col[fields[k].col]) {
				r->col[fields[k].col] = keep(l, col);
				break;
			}
		}
		if (strcmp(col, "family") == 0 && !r->col[SS_C_FAMILY2])
			r->col[SS_C_FAMILY2] = keep(l, col);
		if (strcmp(col, "tag") == 0 && !r->col[SS_C_TAG])
			r->col[SS_C_TAG] = keep(l, col);
		if (strcmp(col, "event_id") == 0 && !r->col[SS_C_REF])
			r->col[SS_C_REF] = keep(l, col);
		if (strncmp(field, "extra.", 6) == 0 && !is_common(col) &&
		    r->nextra < SS_COLUMNS_MAX)
			r->extra[r->nextra++] = keep(l, col);
	}
	return 0;
}

static int take_report(struct loader *l, const char *name, json_t *o, struct ss_report *r)
{
	json_t *cf = json_object_get(o, "constant_fields");
	const char *type = json_string_value(json_object_get(cf, "classification.type"));
	const char *id = json_string_value(json_object_get(cf, "classification.identifier"));
	const char *why = NULL;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return bad(l, name, "not an object"), -1;
	if (strlen(name) >= SS_NAME_MAX)
		return bad(l, name, "name longer than %d bytes", SS_NAME_MAX - 1), -1;
	/* a report type is found in file names ("2026-12-07-scan_dns-asn1.csv"): letters,
	 * digits and '_' only, as Shadowserver names them */
	if (!*name || name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789_")] != '\0')
		return bad(l, name, "not a report name (letters, digits and '_')"), -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->type, sizeof(r->type), "%.*s", SS_NAME_MAX - 1, type ? type : "");
	if (take_fields(l, r, json_object_get(o, "required_fields"), &why) < 0 ||
	    take_fields(l, r, json_object_get(o, "optional_fields"), &why) < 0)
		return bad(l, name, "%s", why), -1;
	if (!r->col[SS_C_IP]) /* a report of accounts or networks: no host to tell */
		return 1;
	if (!r->col[SS_C_TIME])
		return bad(l, name, "no time.source column"), -1;
	r->cause = ss_cause(type, id);
	return 0;
}

static const char *fix(const char *p, const char *block)
{
	return p ? block + ((uintptr_t)p - 1) : NULL;
}

struct ss_schema *ss_schema_load(const char *path, isp_reject_fn on_reject, void *ud,
				 struct isp_err *err)
{
	struct ss_schema *s = NULL;
	struct loader l;
	json_error_t je;
	struct stat sb;
	json_t *root = NULL;
	json_t *o;
	const char *name;
	size_t i, k;

	memset(&l, 0, sizeof(l));
	l.path = path;
	l.on_reject = on_reject;
	l.ud = ud;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		isp_err_set(err, ISR_EIO, "%s: cannot read the Shadowserver schema", path);
		return NULL;
	}
	if (sb.st_size > SS_FILE_MAX) {
		isp_err_set(err, ISR_ELIMIT, "%s: larger than %ld bytes", path, SS_FILE_MAX);
		return NULL;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		isp_err_at(err, ISR_EFORMAT, path, je.line, je.position, "%s:%d: %s", path, je.line,
			   je.text);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->r = calloc(json_is_object(root) ? json_object_size(root) + 1 : 1, sizeof(*s->r));
	if (!s || !s->r) {
		isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto fail;
	}
	json_object_foreach(root, name, o)
	{
		if (name[0] == '_') /* "_meta": the schema's own date and change log */
			continue;
		switch (take_report(&l, name, o, &s->r[s->n])) {
		case 0: s->n++; break;
		case 1: s->skipped++; break;
		default: s->rejected++; break;
		}
	}
	if (l.names.oom) {
		isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto fail;
	}
	if (s->n == 0) {
		isp_err_set(err, ISR_EFORMAT, "%s: no usable Shadowserver report in it", path);
		goto fail;
	}
	s->strings = l.names.p;
	l.names.p = NULL;
	for (i = 0; i < s->n; i++) {
		struct ss_report *r = &s->r[i];

		for (k = 0; k < SS_C_N; k++)
			r->col[k] = fix(r->col[k], s->strings);
		for (k = 0; k < r->nextra; k++)
			r->extra[k] = fix(r->extra[k], s->strings);
		for (k = 0; k < r->nall; k++)
			r->all[k] = fix(r->all[k], s->strings);
	}
	json_decref(root);
	return s;
fail:
	free(l.names.p);
	json_decref(root);
	ss_schema_free(s);
	return NULL;
}

void ss_schema_free(struct ss_schema *s)
{
	if (!s)
		return;
	free(s->strings);
	free(s->r);
	free(s);
}

const struct ss_report *ss_schema_find(const struct ss_schema *s, const char *name)
{
	size_t i;

	for (i = 0; s && name && i < s->n; i++) {
		if (strcmp(s->r[i].name, name) == 0)
			return &s->r[i];
	}
	return NULL;
}

const struct ss_report *ss_schema_by_filename(const struct ss_schema *s, const char *path)
{
	const struct ss_report *best = NULL;
	const char *base = path ? strrchr(path, '/') : NULL;
	const char *p;
	size_t i, n;

	base = base ? base + 1 : path;
	for (i = 0; s && base && i < s->n; i++) {
		n = strlen(s->r[i].name);
		for (p = strstr(base, s->r[i].name); p; p = strstr(p + 1, s->r[i].name)) {
			if ((p == base || p[-1] == '-') && (p[n] == '-' || p[n] == '.') &&
			    (!best || n > strlen(best->name)))
				best = &s->r[i];
		}
	}
	return best;
}

static int in_header(const char *col, const struct csv_field *f, size_t nf)
{
	const char *const names[] = { col, NULL };
	size_t i;

	for (i = 0; i < nf; i++) {
		if (csv_name_is(&f[i], names, 0))
			return 1;
	}
	return 0;
}

const struct ss_report *ss_schema_by_header(const struct ss_schema *s, const struct csv_field *f,
					    size_t nf)
{
	const struct ss_report *best = NULL;
	size_t best_have = 0, best_miss = 0;
	size_t i, k, have, miss;

	for (i = 0; s && i < s->n; i++) {
		const struct ss_report *r = &s->r[i];

		if (!in_header(r->col[SS_C_IP], f, nf) || !in_header(r->col[SS_C_TIME], f, nf))
			continue;
		have = 0;
		for (k = 0; k < r->nall; k++)
			have += (size_t)in_header(r->all[k], f, nf);
		miss = r->nall - have;
		if (have * 100 < (size_t)SS_MATCH_PERCENT * r->nall)
			continue;
		if (!best || have > best_have || (have == best_have && miss < best_miss)) {
			best = r;
			best_have = have;
			best_miss = miss;
		}
	}
	return best;
}
