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

#endif
