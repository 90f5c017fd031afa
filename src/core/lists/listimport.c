/*
 * listimport.c -- see listimport.h.
 */
#include "core/lists/listimport.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/lists/listvalue.h"
#include "core/net/url.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

#define OTHER_KIND_SHOWN 10 /* skipped entries of another kind named per file */

struct ctx {
	struct store_import *imp;
	const struct store_list *list;
	const struct listimport_opts *o;
	const char *file;
	listfmt_reject_fn on_reject;
	void *ud;
	struct listimport_result *res;
	struct isp_err *err; /* where a store failure is reported */
	FILE *f;
	long seen;
	char value[URL_MAX + 1];
};

static void reject(struct ctx *c, long line, const char *raw, const struct isp_err *why)
{
	struct isp_err e;

	if (!c->on_reject)
		return;
	isp_err_clear(&e);
	isp_err_at(&e, why->code ? why->code : ISR_EINVAL, c->file, line, -1, "%.80s%s: %s", raw,
		   strlen(raw) > 80 ? "..." : "", why->msg);
	c->on_reject(c->ud, &e);
}

static int on_entry(void *ud, const struct listfmt_entry *fe)
{
	struct ctx *c = ud;
	struct store_entry e;
	struct isp_err why;
	const char *note;
	enum list_kind kind = fe->kind == LIST_KIND_NONE ? c->list->kind : fe->kind;
	int n, dup, rc;

	if (c->o->progress && (++c->seen & 0xffff) == 0)
		c->o->progress(c->o->progress_ud, c->seen, (long long)ftello(c->f));
	if (kind != c->list->kind) {
		/* named, like a rejected line, so the operator sees what was not imported;
		 * the first OTHER_KIND_SHOWN per file, then only counted */
		if (c->res->other_kind++ < OTHER_KIND_SHOWN) {
			isp_err_clear(&why);
			isp_err_set(
				&why, ISR_EINVAL, "skipped: kind %s, list %s takes %s entries%s",
				list_kind_name(kind), c->list->name, list_kind_name(c->list->kind),
				c->res->other_kind == OTHER_KIND_SHOWN
					? " (further ones are only counted)"
					: "");
			reject(c, fe->line, fe->value, &why);
		}
		return 0;
	}
	isp_err_clear(&why);
	n = list_value_normalise(kind, fe->value, c->value, sizeof(c->value), &note, &why);
	if (n < 0) {
		c->res->bad_values++;
		reject(c, fe->line, fe->value, &why);
		return 0;
	}
	memset(&e, 0, sizeof(e));
	e.value = c->value;
	e.action = fe->action;
	e.data = fe->action == LIST_LOCAL ? fe->data : NULL;
	e.first_seen = fe->first_seen;
	e.last_seen = fe->last_seen;
	e.expires = fe->expires ? fe->expires : c->o->expires;
	e.category = fe->category;
	e.reference = fe->reference;
	rc = store_import_add(c->imp, &e, &dup, c->err);
	return rc ? rc : 0;
}

static void on_read_reject(void *ud, const struct isp_err *e)
{
	struct ctx *c = ud;

	if (c->on_reject)
		c->on_reject(c->ud, e);
}

int listimport_guard(const struct listimport_result *res, const struct listimport_opts *o,
		     struct isp_err *err)
{
	long rejected = res->read.rejected + res->bad_values, accepted = res->store.accepted;
	long removed = res->store.removed, before = res->before;
	const char *why = NULL;
	char detail[160];

	if (o->allow_shrink)
		return 0;
	if (o->strict && rejected) {
		why = "a line was rejected (this import must be whole)";
	} else if (accepted == 0 && res->other_kind) {
		snprintf(detail, sizeof(detail),
			 "no value was accepted, %ld entries were of another kind (import the "
			 "file into a list of their kind)",
			 res->other_kind);
		why = detail;
	} else if (accepted == 0) {
		why = "no value was accepted";
	} else if (rejected > accepted) {
		why = "more lines were rejected than accepted";
	} else if (before > 0 && o->max_shrink < 100 &&
		   (double)removed * 100.0 > (double)o->max_shrink * (double)before) {
		snprintf(detail, sizeof(detail),
			 "it would remove %.0f %% of the source's entries, more than "
			 "lists.max-shrink (%d %%)",
			 100.0 * (double)removed / (double)before, o->max_shrink);
		why = detail;
	}
	if (!why)
		return 0;
	return isp_err_set(err, ISR_EFORMAT,
			   "source %s: refused, nothing changed: %s (%ld accepted, %ld rejected, "
			   "%ld would be removed of %ld); a failed download or the wrong --format? "
			   "--allow-shrink imports it anyway",
			   res->source, why, accepted, rejected, removed, before);
}

static void default_source(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');

	snprintf(out, size, "%s", strcmp(path, "-") == 0 ? "stdin" : b ? b + 1 : path);
}

int listimport_file(struct store *st, const struct store_list *l, const char *path,
		    const struct listimport_opts *o, listfmt_reject_fn on_reject, void *ud,
		    struct listimport_result *res, struct isp_err *err)
{
	struct listfmt_opts fo;
	struct ctx *c = NULL;
	FILE *f;
	int is_stdin = strcmp(path, "-") == 0, rc;

	memset(res, 0, sizeof(*res));
	if (o->source && *o->source)
		snprintf(res->source, sizeof(res->source), "%s", o->source);
	else
		default_source(path, res->source, sizeof(res->source));
	f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	c->list = l;
	c->o = o;
	c->file = is_stdin ? "<stdin>" : path;
	c->on_reject = on_reject;
	c->ud = ud;
	c->res = res;
	c->err = err;
	c->f = f;
	/* an outer transaction, so that the guard can undo a committed import */
	rc = store_begin(st, err);
	if (rc)
		goto out;
	rc = store_import_begin(st, l, res->source, c->file, &c->imp, err);
	if (rc) {
		store_rollback(st);
		goto out;
	}
	memset(&fo, 0, sizeof(fo));
	fo.format = o->format;
	fo.filename = c->file;
	fo.origin = o->origin;
	rc = listfmt_read(f, &fo, on_entry, on_read_reject, c, &res->read, err);
	if (rc) {
		store_import_abort(c->imp);
		store_rollback(st);
		goto out;
	}
	rc = store_import_commit(c->imp, listfmt_name(res->read.detected), res->read.lines,
				 res->read.rejected + res->bad_values, &res->store, err);
	if (rc) {
		store_rollback(st);
		goto out;
	}
	res->before = res->store.removed + res->store.unchanged;
	rc = listimport_guard(res, o, err);
	if (rc) {
		res->refused = 1;
		store_rollback(st);
		goto out;
	}
	rc = store_commit(st, err);
out:
	free(c);
	if (!is_stdin)
		fclose(f);
	return rc;
}
