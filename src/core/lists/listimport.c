/*
 * listimport.c -- see listimport.h.
 */
#include "core/lists/listimport.h"

#include <errno.h>
#include <sys/stat.h>
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

/* Read one file (c->file, opened as f) into the import; its counts added to res->read. */
static int read_one(struct ctx *c, FILE *f, struct isp_err *err)
{
	struct listfmt_opts fo;
	struct listfmt_stats st;
	struct listfmt_stats *sum = &c->res->read;
	int rc;

	memset(&fo, 0, sizeof(fo));
	fo.format = c->o->format;
	fo.filename = c->file;
	fo.origin = c->o->origin;
	c->f = f;
	memset(&st, 0, sizeof(st));
	rc = listfmt_read(f, &fo, on_entry, on_read_reject, c, &st, err);
	sum->lines += st.lines;
	sum->entries += st.entries;
	sum->rejected += st.rejected;
	sum->skipped += st.skipped;
	sum->detected = st.detected;
	return rc;
}

/* One event file of a MISP feed (listfmt_misp_feed's callback). */
static int read_event(void *ud, const char *path, int64_t timestamp)
{
	struct ctx *c = ud;
	struct isp_err e;
	FILE *f;
	int rc;

	(void)timestamp;
	f = fopen(path, "rb");
	if (!f) {
		c->res->read.rejected++;
		isp_err_clear(&e);
		isp_err_at(&e, ISR_EIO, path, 0, -1, "event listed in the manifest: %s",
			   strerror(errno));
		on_read_reject(c, &e);
		return 0;
	}
	c->file = path;
	rc = read_one(c, f, c->err);
	c->file = NULL;
	fclose(f);
	return rc;
}

/* The file, or for a directory (a MISP feed) every event its manifest lists. */
static int read_input(struct ctx *c, const char *path, int is_dir, struct isp_err *err)
{
	if (!is_dir)
		return read_one(c, c->f, err);
	c->res->read.detected = LISTFMT_MISP;
	return listfmt_misp_feed(path, read_event, on_read_reject, c, err);
}

int listimport_file(struct store *st, const struct store_list *l, const char *path,
		    const struct listimport_opts *o, listfmt_reject_fn on_reject, void *ud,
		    struct listimport_result *res, struct isp_err *err)
{
	struct ctx *c = NULL;
	struct stat sb;
	FILE *f = NULL;
	int is_stdin = strcmp(path, "-") == 0, rc;
	int is_dir = !is_stdin && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);

	memset(res, 0, sizeof(*res));
	if (o->source && *o->source)
		snprintf(res->source, sizeof(res->source), "%s", o->source);
	else
		default_source(path, res->source, sizeof(res->source));
	if (is_dir && o->format != LISTFMT_AUTO && o->format != LISTFMT_MISP)
		return isp_err_set(err, ISR_EINVAL,
				   "%s is a directory: only a MISP feed (--format misp) is read "
				   "from one",
				   path);
	f = is_stdin ? stdin : is_dir ? NULL : fopen(path, "rb");
	if (!f && !is_dir)
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
	rc = read_input(c, path, is_dir, err);
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
	if (f && !is_stdin)
		fclose(f);
	return rc;
}
