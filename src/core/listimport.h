/*
 * listimport.h -- reading one list file into the store: reader -> normaliser -> store.
 *
 * listfmt reads the format, list_value_normalise normalises each value for the list's
 * kind, the store replaces the source's entries in one transaction. Values the reader
 * or the normaliser reject are reported as "FILE:LINE: reason" through the reject
 * callback and counted; the rest is imported. Entries of another kind than the list's
 * (rpz-ip triggers in an RPZ zone imported into a domain list) are counted as
 * other_kind and skipped: import the same file into a list of that kind to use them.
 */
#ifndef ISP_CORE_LISTIMPORT_H
#define ISP_CORE_LISTIMPORT_H

#include "core/listfmt.h"
#include "core/store.h"

struct listimport_opts {
	enum list_format format; /* LISTFMT_AUTO to detect */
	const char *source;	 /* source name; NULL = the file's base name ("stdin" for -) */
	const char *origin;	 /* RPZ origin when the file has none; may be NULL */
	int64_t expires;	 /* absolute expiry for entries that carry none; 0 = none */
	/* Called every 65536 entries with the entries so far and the bytes read (-1 when
	 * the input cannot tell, e.g. a pipe); may be NULL. */
	void (*progress)(void *ud, long entries, long long bytes);
	void *progress_ud;
};

struct listimport_result {
	struct listfmt_stats read;	  /* the reader's counts */
	struct store_import_result store; /* the store's counts */
	long bad_values;		  /* values the normaliser rejected */
	long other_kind;		  /* entries of another kind, skipped */
	char source[256];		  /* source name used */
};

/*
 * Import `path` ("-" for standard input) into list l. on_reject is called for each
 * rejected line (may be NULL). Returns 0 when the file was read and committed (check
 * res->read.rejected + res->bad_values for rejects), or an ISR code: nothing from this
 * file is then in the store.
 */
int listimport_file(struct store *st, const struct store_list *l, const char *path,
		    const struct listimport_opts *o, listfmt_reject_fn on_reject, void *ud,
		    struct listimport_result *res, struct isp_err *err);

#endif
