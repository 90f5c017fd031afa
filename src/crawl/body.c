/*
 * body.c -- what is done with a body once per content (crawl_int.h): the HTML sniff that
 * spares libmagic the pages, the memo of bodies seen in the run (a body met again takes
 * its type and YARA names from there), and the store of bodies by SHA-256.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/base/strbuf.h"
#include "crawl/crawl_int.h"

/* 1 when body[0..n) opens (after a BOM and blanks) with one of the tags by which
 * browsers sniff HTML (Chromium's kSniffableTags, the WHATWG MIME sniffing list): libmagic
 * would say text/html too, and no payload's magic starts with '<'. libmagic walks its
 * whole database for a text body (half of a crawl's CPU time on HTML pages), so pages
 * skip it. */
int crawl_html_sniff(const char *b, size_t n)
{
	static const char *const tags[] = {
		"!doctype html", "html", "head",  "script", "iframe", "h1",   "div", "font",
		"table",	 "a",	 "style", "title",  "b",      "body", "br",  "p",
		"!--",		 "meta"
	};
	size_t i = 0, k;

	if (n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n &&
	       (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '\f'))
		i++;
	if (i >= n || b[i] != '<')
		return 0;
	i++;
	for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
		size_t tl = strlen(tags[k]);

		if (n - i > tl && strncasecmp(b + i, tags[k], tl) == 0 &&
		    (b[i + tl] == ' ' || b[i + tl] == '>' || tags[k][0] == '!'))
			return 1;
	}
	return 0;
}

/* The memo of bodies seen in this run (crawl_int.h): a body met again (a kit's shared
 * redirector script, the same payload behind many entry URLs) takes its type and YARA
 * names from there, and is stored already. CRAWL_MEMO_PROBE slots from the hash's. */
#define CRAWL_MEMO_PROBE 8

static size_t memo_slot(const char *sha)
{
	size_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = h << 4 | (size_t)(hex_value(sha[i]) & 15);
	return h & (CRAWL_MEMO - 1);
}

int crawl_memo_get(struct crawl_ctx *cx, struct hop *hp)
{
	size_t i, k = memo_slot(hp->sha);

	for (i = 0; cx->memo && i < CRAWL_MEMO_PROBE; i++) {
		const struct body_memo *m = &cx->memo[(k + i) & (CRAWL_MEMO - 1)];

		if (strcmp(m->sha, hp->sha) == 0) {
			memcpy(hp->mime, m->mime, sizeof(hp->mime));
			memcpy(hp->yara, m->yara, sizeof(hp->yara));
			return 1;
		}
	}
	return 0;
}

void crawl_memo_put(struct crawl_ctx *cx, const struct hop *hp)
{
	size_t i, k = memo_slot(hp->sha);
	struct body_memo *m;

	if (!cx->memo)
		return;
	m = &cx->memo[k]; /* full: the first slot is overwritten */
	for (i = 0; i < CRAWL_MEMO_PROBE; i++)
		if (!cx->memo[(k + i) & (CRAWL_MEMO - 1)].sha[0]) {
			m = &cx->memo[(k + i) & (CRAWL_MEMO - 1)];
			break;
		}
	memcpy(m->sha, hp->sha, sizeof(m->sha));
	memcpy(m->mime, hp->mime, sizeof(m->mime));
	memcpy(m->yara, hp->yara, sizeof(m->yara));
}

void crawl_store_body(struct crawl_ctx *cx, const struct hop *hp, const char *b, size_t n)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cx->bodies, hp->sha);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return; /* stored already (EEXIST), or not storable: the record keeps the hash */
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w <= 0)
			break;
		b += w;
		n -= (size_t)w;
	}
	/* a body cut short (disk full) must not stand under its hash: later runs would take
	 * it as stored and never write it again */
	if (close(fd) != 0 || n)
		unlink(path);
}
