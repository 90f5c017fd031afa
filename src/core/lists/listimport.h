/*
 * listimport.h -- reading one list file into the store: reader -> normaliser -> store.
 *
 * listfmt reads the format, list_value_normalise normalises each value for the list's
 * kind, the store replaces the source's entries in one transaction. Values the reader
 * or the normaliser reject are reported as "FILE:LINE: reason" through the reject
 * callback and counted; the rest is imported. Entries of another kind than the list's
 * (rpz-ip triggers in an RPZ zone imported into a domain list, a URL feed imported into
 * a domain list) are counted as other_kind and skipped, the first ten of a file named
 * through the reject callback as "FILE:LINE: value: skipped: kind KIND, ...": import the
 * same file into a list of that kind to use them.
 *
 * The guard (listimport_guard, the one rule `lists import` and `lists sync` share): an
 * import whose result looks like a failed download -- an empty body, an HTML error page,
 * a file read in the wrong format -- must not replace what the source listed. Such an
 * import changes nothing: no accepted value at all, more rejected lines than accepted
 * values (or any rejected line, for strict callers), or removing more than max_shrink
 * percent of the source's entries.
 */
#ifndef ISP_CORE_LISTIMPORT_H
#define ISP_CORE_LISTIMPORT_H

#include "core/lists/listfmt.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

struct listimport_opts {
	enum list_format format; /* LISTFMT_AUTO to detect */
	const char *source;	 /* source name; NULL = the file's base name ("stdin" for -) */
	const char *origin;	 /* RPZ origin when the file has none; may be NULL */
	int64_t expires;	 /* absolute expiry for entries that carry none; 0 = none */
	/* Called every 65536 entries with the entries so far and the bytes read (-1 when
	 * the input cannot tell, e.g. a pipe); may be NULL. */
	void (*progress)(void *ud, long entries, long long bytes);
	void *progress_ud;
	int max_shrink;	  /* guard: percent of the source's entries one import may remove
			   * (lists.max-shrink); 100 = any */
	int allow_shrink; /* guard off: the import goes through whatever it removes */
	int strict;	  /* guard: one rejected line refuses the import (lists sync) */
};

struct listimport_result {
	struct listfmt_stats read;	  /* the reader's counts */
	struct store_import_result store; /* the store's counts */
	long bad_values;		  /* values the normaliser rejected */
	long other_kind;		  /* entries of another kind, skipped */
	long before;			  /* the source's entries before this import */
	int refused;			  /* 1: the guard refused it, nothing changed */
	char source[256];		  /* source name used */
};

/*
 * The guard's rule: 0 when an import with result res (read, normalised and staged:
 * res->store and res->before filled in) may replace the source's entries under o, else
 * ISR_EFORMAT with err saying why (counts, and that --allow-shrink overrides).
 */
int listimport_guard(const struct listimport_result *res, const struct listimport_opts *o,
		     struct isp_err *err);

/*
 * Import `path` ("-" for standard input) into list l. on_reject is called for each
 * rejected line (may be NULL). Returns 0 when the file was read and committed (check
 * res->read.rejected + res->bad_values for rejects), or an ISR code: nothing from this
 * file is then in the store. When listimport_guard refuses the import, res->refused is
 * 1, res holds the counts the import would have had, and the store is rolled back (a
 * transaction the caller opened included).
 */
int listimport_file(struct store *st, const struct store_list *l, const char *path,
		    const struct listimport_opts *o, listfmt_reject_fn on_reject, void *ud,
		    struct listimport_result *res, struct isp_err *err);

#endif
