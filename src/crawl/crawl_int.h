/*
 * crawl_int.h -- what crawl.c and recheck.c share: the set-up of an easy handle that
 * fetches hostile URLs (http/https only, no redirect following, no signals) and checks
 * every address it connects to against the destination rules (core/net/dest.h).
 */
#ifndef ISP_CRAWL_INT_H
#define ISP_CRAWL_INT_H

#include <curl/curl.h>
#include <jansson.h>
#include <magic.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/net/dest.h"
#include "crawl/crawl.h"

struct crawl_guard {
	const struct dest_rules *rules;
	int verdict; /* enum dest_verdict of the last refusal; DEST_OK = none */
	char ip[64]; /* the address refused */
	int proxied; /* every connection is to the profile's proxy: not checked */
};

/* Set h up for hostile URLs with g as its destination check (g must outlive the
 * transfers; reset g->verdict before each). */
void crawl_guard_set(CURL *h, struct crawl_guard *g);

struct crawl_rules;

/* ---- the crawl's state (crawl.c) ---- */

/* What one hop was; a chain is up to CRAWL_MAX_HOPS_CAP + 1 of them. */
struct hop {
	char url[CRAWL_MAX_URL];
	enum crawl_kind kind; /* how this hop was reached */
	long status;
	char ip[64];
	char ctype[128];
	char mime[96]; /* libmagic's type of the body */
	char sha[SHA256_LEN * 2 + 1];
	char yara[256];	  /* names of the YARA rules that match the body, comma-separated */
	char scripts[64]; /* how the script tier's run of the page ended; "" = not run */
	long long bytes;
	int truncated;
	int refused;
	const char *role;
	char error[200]; /* "" = fetched */
	/* for the HAR file: the request and response header blocks as sent and received
	 * (each at most CRAWL_HAR_HEADERS bytes), the start (unix ms), the times (µs) */
	struct strbuf req_hdrs, resp_hdrs;
	int64_t started_ms, total_us, wait_us;
};
#define CRAWL_HAR_HEADERS 16384

struct chain {
	struct crawl_ctx *cx;
	struct chain *prev, *next;	     /* the active chains */
	int bare;			     /* the cloaking check's visit (item.bare) */
	const struct crawl_profile *profile; /* o->profile or o->bare */
	int linked;			     /* on that list */
	CURL *h;
	int depth;
	int64_t t0;
	struct hop hops[CRAWL_MAX_HOPS_CAP + 1];
	int nhops;
	const char *end; /* why the chain ended */
	char referer[CRAWL_MAX_URL];
	/* the transfer under way */
	struct strbuf body; /* reset (len 0) before each hop; kept allocated */
	int over;
	struct crawl_guard guard;
	char refresh[CRAWL_MAX_URL]; /* Refresh header's URL */
	char ebuf[CURL_ERROR_SIZE];  /* libcurl's words for a failed transfer */
	struct curl_slist *hdrs;
};

struct item {
	char *url, *referer;
	int depth;
	int bare; /* the cloaking check's second visit: no browser profile */
};

/* What a body was found to be, by its SHA-256 (crawl.c's memo: libmagic takes a
 * millisecond or more per body, YARA more). CRAWL_MEMO slots, a power of two. */
#define CRAWL_MEMO 4096
struct body_memo {
	char sha[SHA256_LEN * 2 + 1]; /* "" = free */
	char mime[96];
	char yara[256];
};

struct crawl_ctx {
	const struct crawl_opts *o;
	struct crawl_stats *st;
	struct dest_rules rules;
	CURLM *m;
	magic_t magic;
	struct crawl_rules *yara; /* NULL: no crawl.rules */
	struct crawl_script *js;  /* the script tier; NULL: o->scripts off */
	struct body_memo *memo;	  /* CRAWL_MEMO slots; NULL: no memo */
	FILE *chains, *found;
	char bodies[4096];
	struct item *q;
	size_t nq, capq, next;
	int active;
	struct chain *act; /* the active chains, to end them on a stop */
	json_t *held;	   /* with o->cloaking: every chain record, written at the end */
};

/* ---- what a crawl writes (output.c) ---- */

/* Store body b[0..n) as cx->bodies/<hp->sha> (once; mode 0600). */
void crawl_store_body(struct crawl_ctx *cx, const struct hop *hp, const char *b, size_t n);
/* Give each hop of c its role, then write the chain's record (or hold it, with
 * o->cloaking) and its distribution and attack URLs (found.txt). */
void crawl_write_chain(struct chain *c);
/* Write chain c as a HAR 1.2 file under cx->out/har/ (one page, one entry per hop that
 * was fetched); its name relative to cx->out into name. 0, or -1 when it cannot be
 * written (the record then has no "har"). */
int crawl_write_har(const struct chain *c, long seq, char *name, size_t namesz);
/* With o->cloaking, at the end of the run: mark the cloaked hops, write every record. */
void crawl_write_held(struct crawl_ctx *cx);

/* ---- YARA rules (rules.c) ---- */
struct crawl_rules;

/*
 * Compile the rule files named in files (comma-separated paths) with libyara. Returns
 * 0 and *out (crawl_rules_free), or ISR_EINVAL with err naming "crawl.rules: FILE:LINE:
 * message" of the first error (ISR_EIO: a file that cannot be read).
 */
int crawl_rules_load(const char *files, struct crawl_rules **out, struct isp_err *err);
/* Scan buf[0..n): the names of the rules that match, comma-separated, into names ("" for
 * none; cut at namesz). Returns the number of rules that matched (0 also when the scan
 * failed or timed out: CRAWL_RULES_TIMEOUT seconds). */
#define CRAWL_RULES_TIMEOUT 5
int crawl_rules_scan(struct crawl_rules *r, const void *buf, size_t n, char *names, size_t namesz);
void crawl_rules_free(struct crawl_rules *r);

#endif
