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
#include "crawl/strmap.h"

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
	long id;		   /* the item's: its HAR file's number, its hop lines' "chain" */
	struct chain *prev, *next; /* the active chains */
	int bare;		   /* the cloaking check's visit (item.bare) */
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
	char host[256]; /* the host of the hop under way (or waiting for it) */
	int parked;	/* the hop waits for its host (crawl.host-concurrency, ...) */
	json_t *queued; /* [[url, referer], ...] of the chains this one queued; NULL: none */
};

struct item {
	char *url, *referer;
	int depth;
	int bare; /* the cloaking check's second visit: no browser profile */
	long id;  /* 1, 2, ... in the order queued (a resumed run goes on from the last) */
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
	FILE *chains, *hops, *found, *found_csv, *relays;
	char bodies[4096];
	char outabs[4096]; /* o->out made absolute: the import's references name the HAR */
	struct item *q;
	size_t nq, capq, next;
	long last_id;
	int active, nparked;
	struct chain *act, *act_tail; /* the active chains, in the order they started */
	json_t *held;		      /* with o->cloaking: every chain record, written at the end */
	struct strmap hosts;	      /* a: fetches under way, b: when the last one started (ms) */
	struct strmap queued;	      /* the items of this run, by item_key: each queued once */
	struct strmap done;	      /* with o->resume: the chains completed before, by item_key */
	struct strmap relayed;	      /* the relay hosts written to relays.csv */
	/* the visit log (visits.c) */
	struct strmap visited;			/* "exit\tURL" of earlier runs: a = when (unix s) */
	int visits_fd;				/* appended to; -1: none */
	char run[40];				/* this run's id (kept by a resumed run) */
	char exit_browser[300], exit_bare[300]; /* each profile's exit: "direct", host:port */
};

/* ---- the queue and resuming (queue.c) ---- */

/* The key of a chain: depth, bare, referer, url (two chains with the same key are the
 * same work). */
void crawl_item_key(struct strbuf *k, int depth, int bare, const char *referer, const char *url);
/* Queue the chain of url (a new id), unless one of this key was queued in this run or
 * completed before (cx->done). 0, or ISR_ENOMEM. */
int crawl_enqueue(struct crawl_ctx *cx, const char *url, const char *referer, int depth, int bare);
/* Read the start values urls[0..n): URLs, and files of URLs ('#' comments; problems
 * through o->report, counted in bad_start). 0, or ISR_ENOMEM. */
int crawl_read_starts(struct crawl_ctx *cx, char **urls, int n);
/* With o->resume: the records of cx->o->out/chains.jsonl whose chain completed (a line
 * that does not parse -- cut by a kill -- and a chain that was stopped are left out) into
 * *prior (a new array), their keys into cx->done, the run id into cx->run, the highest
 * id into cx->last_id. No file: an empty array. 0, ISR_ENOMEM, or ISR_EIO with err. */
int crawl_resume_read(struct crawl_ctx *cx, json_t **prior, struct isp_err *err);
/* Queue what the records prior queued (the chains of their frames and scripts) that did
 * not complete. */
int crawl_resume_queue(struct crawl_ctx *cx, json_t *prior);

/* ---- the visit log (visits.c) ---- */

/* One line of the log: "TIME\tEXIT\tPROFILE\tRUN\tURL" (TIME unix seconds). */
struct crawl_visit {
	int64_t when;
	const char *exit, *profile, *run, *url; /* into the line (tabs replaced by NULs) */
};
/* Split line[0..n) (NUL-terminated at n, written) into v. 0, or -1 with why naming what
 * is wrong. */
int crawl_visit_parse(char *line, size_t n, struct crawl_visit *v, const char **why);
/* Read the log (o->visit_log, or out/visits.log), keeping the visits of other runs within
 * o->revisit_after, and open it to append. 0, or ISR_EIO with err. Nothing with
 * revisit_after 0. */
int crawl_visits_open(struct crawl_ctx *cx, struct isp_err *err);
/* 1 when url was fetched from c's exit by another run within o->revisit_after: when
 * into *when. */
int crawl_visited(struct crawl_ctx *cx, const struct chain *c, const char *url, int64_t *when);
/* Log the hops of record rec that were fetched. */
void crawl_visits_log(struct crawl_ctx *cx, json_t *rec);
void crawl_visits_close(struct crawl_ctx *cx);

/* ---- what a crawl writes (output.c) ---- */

/* Make the output folder and open its files (crawl.h); with o->resume, the records of
 * the run resumed written again first, and what they queued queued. 0, or an ISR code
 * with err. */
int crawl_open_outputs(struct crawl_ctx *cx, struct isp_err *err);
/* Close the files crawl_open_outputs opened (those still open): 0, or -1 when one could
 * not be written out. */
int crawl_close_outputs(struct crawl_ctx *cx);
/* Give each hop of c its role, then write the chain's record (or hold it, with
 * o->cloaking: crawl_write_held). */
void crawl_write_chain(struct chain *c);
/* Write record rec (takes no reference) and what is made of it: its hop lines
 * (hops.jsonl), its distribution and attack URLs (found.txt, found.csv), its relay hosts
 * (relays.csv); with fresh (a chain of this run, not a resumed one's record), its visits.
 * Each file is flushed: a killed run leaves whole records (crawl_resume_read). */
void crawl_emit(struct crawl_ctx *cx, json_t *rec, int fresh);
/* Write chain c as a HAR 1.2 file under cx->out/har/ (one page, one entry per hop that
 * was fetched); its name relative to cx->out into name. 0, or -1 when it cannot be
 * written (the record then has no "har"). */
int crawl_write_har(const struct chain *c, long seq, char *name, size_t namesz);
/* With o->cloaking, at the end of the run: mark the cloaked hops, write every record. */
void crawl_write_held(struct crawl_ctx *cx);

/* ---- bodies (body.c) ---- */

/* 1 when body b[0..n) opens with a tag by which browsers sniff HTML. */
int crawl_html_sniff(const char *b, size_t n);
/* The memo of bodies seen in this run (struct body_memo): 1 when hp->sha is there (its
 * mime and yara copied into hp). */
int crawl_memo_get(struct crawl_ctx *cx, struct hop *hp);
void crawl_memo_put(struct crawl_ctx *cx, const struct hop *hp);
/* Store body b[0..n) as cx->bodies/<hp->sha> (once; mode 0600). */
void crawl_store_body(struct crawl_ctx *cx, const struct hop *hp, const char *b, size_t n);

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
