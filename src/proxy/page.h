/*
 * page.h -- the pages the proxy answers with instead of a site: the malware-site
 * warning (with "continue anyway"), the walled-garden page for a PC that tried to
 * contact a C&C server, and the plain-text refusal of a CONNECT. Server-rendered HTML,
 * self-contained (inline style, no external resource: the page must show even when
 * everything else is blocked), in Japanese or English; every value that comes from the
 * request or the lists is HTML-escaped.
 */
#ifndef ISP_PROXY_PAGE_H
#define ISP_PROXY_PAGE_H

#include <stddef.h>
#include <stdint.h>

struct page_info {
	int ja;			  /* 1: Japanese, 0: English */
	const char *url;	  /* canonical URL (warning) or host (walled garden) */
	const char *list;	  /* list that matched */
	const char *source;	  /* where the list has it from; NULL/"" = unknown */
	const char *reference;	  /* the list's reference (URL, ticket); may be NULL */
	const char *category;	  /* e.g. "malware_download"; may be NULL */
	int64_t first_seen;	  /* unix seconds; 0 = unknown */
	const char *continue_url; /* href of "continue anyway"; NULL = none */
	const char *isp;	  /* the ISP's name */
	const char *contact;	  /* whom to ask */
	int token_problem;	  /* 0; 1 = a continue token was refused; 2 = expired */
};

/* 1 when Accept-Language value al[0..n) prefers Japanese over English (by q-value,
 * then by order); English otherwise (also for NULL). */
int page_prefer_ja(const char *al, size_t n);

/* Render into out (size bytes, NUL-terminated). Return the length, or 0 if it did not
 * fit. */
size_t page_warning(const struct page_info *pi, char *out, size_t size);
size_t page_walled(const struct page_info *pi, char *out, size_t size);
/*
 * Render an operator's page template ([list.NAME] page): the file's text with the
 * placeholders {{url}} {{list}} {{source}} {{reference}} {{category}} {{isp_name}}
 * {{contact}} {{continue_url}} replaced by pi's values, HTML-escaped ("" when not
 * known); any other {{...}} is left as it is. Same contract as page_warning.
 */
size_t page_template(const char *tpl, const struct page_info *pi, char *out, size_t size);

/* Plain text for a refused CONNECT (both languages, one after the other). */
size_t page_connect_refused(const char *host, const char *list, char *out, size_t size);

/* HTML-escape s[0..n) into out; returns the length written (truncated to fit). */
size_t page_escape(const char *s, size_t n, char *out, size_t size);

#endif
