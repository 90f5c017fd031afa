/*
 * store_lists.h -- lists, sources, entries and imports in the store (store_sqlite.c;
 * data model in store.h).
 */
#ifndef ISP_CORE_STORE_LISTS_H
#define ISP_CORE_STORE_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"
#include "core/store/listkind.h"

struct store_import;

struct store_list {
	int64_t id;
	char name[64];
	enum list_kind kind;
};

struct store_entry {
	const char *value; /* normalised value */
	enum list_action action;
	const char *data;      /* LIST_LOCAL: the records (core/lists/rpzdata.h text form);
				  NULL otherwise */
	int64_t first_seen;    /* 0 = unknown (the store then uses the import time) */
	int64_t last_seen;     /* 0 = unknown (the store then uses the import time) */
	int64_t expires;       /* 0 = never */
	const char *category;  /* may be NULL */
	const char *reference; /* may be NULL */
	const char *source;    /* filled in by iterators; ignored by store_import_add */
};

struct store_import_result {
	int64_t import_id;
	long accepted;	 /* distinct values in this import */
	long duplicates; /* values seen again within this import (merged) */
	long added;	 /* values the source did not have before */
	long removed;	 /* values the source had and this import no longer lists */
	long unchanged;	 /* values the source had and still lists */
};

struct store_list_stats {
	struct store_list list;
	long entries;  /* entries over all sources (live and expired) */
	long distinct; /* distinct live values (what the snapshot holds) */
	long expired;  /* entries past their expiry */
	long sources;
	int64_t last_import;  /* unix seconds, 0 = never */
	long online, offline; /* live values `lists recheck` found online / offline
				 * (store_urlstatus.h) */
};

struct store_import_info {
	int64_t id;
	const char *list, *source, *file, *format;
	int64_t started;
	long read, accepted, duplicates, rejected, added, removed, unchanged;
};

/*
 * Find list `name`. If it does not exist and create is set, create it with `kind`
 * (which must not be LIST_KIND_NONE). If it exists with another kind and kind is not
 * LIST_KIND_NONE, fails with ISR_EEXIST. Missing and !create: ISR_ENOTFOUND.
 */
int store_list_get(struct store *st, const char *name, enum list_kind kind, int create,
		   struct store_list *out, struct isp_err *err);

/*
 * Begin replacing the entries of `source` in list l. file is recorded with the import.
 * Until commit, the previous entries stay visible to other readers.
 */
int store_import_begin(struct store *st, const struct store_list *l, const char *source,
		       const char *file, struct store_import **out, struct isp_err *err);
/* Add one entry. *dup is set to 1 if the value was already added in this import (the
 * two are merged: earliest first_seen, latest last_seen, later category/reference). */
int store_import_add(struct store_import *imp, const struct store_entry *e, int *dup,
		     struct isp_err *err);
/* Commit: replace the source's entries, record the change. format (the format actually
 * read), `read` and `rejected` (the reader's counts) are recorded with the import.
 * Frees imp whatever the outcome. */
int store_import_commit(struct store_import *imp, const char *format, long read, long rejected,
			struct store_import_result *res, struct isp_err *err);
/* Roll back and free imp. */
void store_import_abort(struct store_import *imp);

typedef int (*store_entry_fn)(void *ud, const struct store_list *l, const struct store_entry *e);

/*
 * Call fn for every entry of list `list` (all lists if NULL) that has not expired at
 * `now`. With `distinct`, each (list, value) once: an allow entry if any source has one
 * (passthru wins), else the earliest source's (first_seen, then source id), whose action
 * and data are then the value's.
 * A non-zero return from fn stops and is returned.
 */
int store_each_entry(struct store *st, const char *list, int64_t now, int distinct,
		     store_entry_fn fn, void *ud, struct isp_err *err);

/* Call fn for each source's entry of `value` in list l (expired ones included). */
int store_entry_sources(struct store *st, const struct store_list *l, const char *value,
			store_entry_fn fn, void *ud, struct isp_err *err);

typedef int (*store_stats_fn)(void *ud, const struct store_list_stats *s);
int store_each_list(struct store *st, int64_t now, store_stats_fn fn, void *ud,
		    struct isp_err *err);

typedef int (*store_import_fn)(void *ud, const struct store_import_info *i);
/* The last `limit` imports, newest first, of list `list` (all if NULL). */
int store_each_import(struct store *st, const char *list, int limit, store_import_fn fn, void *ud,
		      struct isp_err *err);

/* Values added/removed by import `import_id`: fn(ud, value, "added"|"removed"). */
typedef int (*store_change_fn)(void *ud, const char *value, const char *change);
int store_each_change(struct store *st, int64_t import_id, store_change_fn fn, void *ud,
		      struct isp_err *err);

#endif
