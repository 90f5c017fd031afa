/*
 * sync_int.h -- inside the sync component: the HTTP(S) fetcher (fetch.c).
 */
#ifndef ISP_SYNC_INT_H
#define ISP_SYNC_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/base/sha256.h"

struct fetch_req {
	const char *url;
	const char *etag;	   /* If-None-Match; NULL or "" = none */
	const char *last_modified; /* If-Modified-Since as the server sent it; NULL/"" = none */
	uint64_t max_bytes;	   /* a larger body fails with ISR_ELIMIT */
	long timeout;		   /* seconds for the whole transfer */
	const char *ca_file;	   /* PEM CAs for https; NULL/"" = the system's store */
	FILE *out;		   /* body goes here; NULL = into res->body (malloc'd) */
};

struct fetch_res {
	long status;	  /* HTTP status (0 for file://) */
	int not_modified; /* 304 */
	char *body;	  /* when req->out is NULL: the body, NUL-terminated; caller frees */
	uint64_t len;	  /* body bytes */
	uint8_t sha256[SHA256_LEN];
	char etag[256]; /* the response's ETag, "" if none */
	char last_modified[64];
};

/*
 * GET req->url (http, https or file; at most 3 redirects, to http or https only).
 * Returns 0 with *res filled for a 200 (or file) body or a 304 (res->not_modified);
 * ISR_EIO for a transport error, timeout, truncated transfer or other status;
 * ISR_ELIMIT when the body exceeds max_bytes. On failure res->body is NULL.
 */
int fetch_url(const struct fetch_req *req, struct fetch_res *res, struct isp_err *err);

#endif
