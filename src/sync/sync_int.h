/*
 * sync_int.h -- inside the sync component: the HTTP(S) fetcher (fetch.c), the commit
 * every sync ends with (sync.c), the TAXII 2.1 client (taxii.c).
 */
#ifndef ISP_SYNC_INT_H
#define ISP_SYNC_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/base/sha256.h"
#include "sync/sync.h"

struct fetch_req {
	const char *url;
	const char *etag;	   /* If-None-Match; NULL or "" = none */
	const char *last_modified; /* If-Modified-Since as the server sent it; NULL/"" = none */
	uint64_t max_bytes;	   /* a larger body fails with ISR_ELIMIT */
	long timeout;		   /* seconds for the whole transfer */
	const char *ca_file;	   /* PEM CAs for https; NULL/"" = the system's store */
	FILE *out;		   /* body goes here; NULL = into res->body (malloc'd) */
	const char *accept;	   /* Accept header; NULL = libcurl's */
	const char *authorization; /* Authorization header value; NULL = none */
	const char *capture;	   /* a response header whose value goes to res->captured */
};

struct fetch_res {
	long status;	  /* HTTP status (0 for file://) */
	int not_modified; /* 304 */
	char *body;	  /* when req->out is NULL: the body, NUL-terminated; caller frees */
	uint64_t len;	  /* body bytes */
	uint8_t sha256[SHA256_LEN];
	char etag[256]; /* the response's ETag, "" if none */
	char last_modified[64];
	char captured[64]; /* req->capture's value, "" when absent (or longer) */
};

/* A request for url from o's settings (timeout, ca_file), bounded by max_bytes; the rest
 * zero (the caller sets out, etag, ... as it needs). */
struct sync_opts;
void fetch_req_init(struct fetch_req *q, const struct sync_opts *o, const char *url,
		    uint64_t max_bytes);

/*
 * GET req->url (http, https or file; at most 3 redirects, to http or https only).
 * Returns 0 with *res filled for a 200 (or file) body or a 304 (res->not_modified);
 * ISR_EIO for a transport error, timeout, truncated transfer or other status;
 * ISR_ELIMIT when the body exceeds max_bytes. On failure res->body is NULL.
 */
int fetch_url(const struct fetch_req *req, struct fetch_res *res, struct isp_err *err);

/*
 * Build the snapshot from st beside o->snapshot, commit the transaction the caller opened
 * and put the new snapshot in place (a failure before the commit rolls it back). The end
 * of every sync, signed feed or TAXII. Returns 0 or an ISR code with err set.
 */
struct store;
int sync_commit(struct store *st, const char *snapshot, struct isp_err *err);

/* One list of a sync: path read as format into list name (made with kind unless
 * LIST_KIND_NONE) as source, under the import guard (strict: one rejected line refuses
 * it; allow_shrink: the guard off, as is o->allow_shrink). */
struct sync_import {
	const struct sync_opts *o;
	const char *name;
	enum list_kind kind;
	enum list_format format;
	const char *path, *source;
	int strict, allow_shrink;
	listfmt_reject_fn on_reject;
	void *ud;
};

/* Import si inside the caller's transaction; *entries: the values accepted. Returns 0 or
 * an ISR code with err set ("list NAME: why" when the guard refused it). */
int sync_import_list(struct store *st, const struct sync_import *si, long *entries,
		     struct isp_err *err);

/* Record a failed attempt in s (result why, error: err's message) and return why: how
 * every step of a sync gives up. */
enum sync_result sync_fail(struct sync_state *s, const struct isp_err *err, enum sync_result why);

/* ---- TAXII 2.1 (taxii.c) ----
 *
 * sync.url = taxii2+https://HOST/API-ROOT/collections/ID/ (taxii2+http for tests): GET
 * .../objects/ with Accept: application/taxii+json;version=2.1, the credentials of
 * sync.taxii-auth-file (first line `basic USER:PASSWORD` or `bearer TOKEN`; mode 0600),
 * added_after = the X-TAXII-Date-Added-Last of the previous sync's last page, and the
 * envelope's `next` while `more` is true (at most TAXII_MAX_PAGES pages, each at most
 * sync.max-bytes). The objects are merged by id (the later `modified` wins) into the
 * collection's local copy beside the snapshot (taxii-HASH.json, a STIX bundle), which
 * the STIX reader (listfmt_stix.c) imports into the lists NAME-domain, NAME-url and
 * NAME-ip (sync.taxii-list), source taxii:ID, all in one transaction with the added_last
 * kept in the store's meta table; the copy is replaced only after the commit. A revoked
 * version replaces the indicator and so removes its entry; valid_until expires it.
 */
#define TAXII_MAX_PAGES 10000

/* One TAXII sync of o->url (sync_run's lock held, s loaded). Same contract as sync_run. */
enum sync_result sync_taxii(struct store *st, const struct sync_opts *o, struct sync_state *s,
			    struct isp_err *err);

#endif
