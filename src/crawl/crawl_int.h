/*
 * crawl_int.h -- what crawl.c and recheck.c share: the set-up of an easy handle that
 * fetches hostile URLs (http/https only, no redirect following, no signals) and checks
 * every address it connects to against the destination rules (core/net/dest.h).
 */
#ifndef ISP_CRAWL_INT_H
#define ISP_CRAWL_INT_H

#include <curl/curl.h>

#include "core/net/dest.h"

struct crawl_guard {
	const struct dest_rules *rules;
	int verdict; /* enum dest_verdict of the last refusal; DEST_OK = none */
	char ip[64]; /* the address refused */
};

/* Set h up for hostile URLs with g as its destination check (g must outlive the
 * transfers; reset g->verdict before each). */
void crawl_guard_set(CURL *h, struct crawl_guard *g);

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
