/*
 * sites_int.h -- what the files of src/sites share (not for callers of sites.h).
 */
#ifndef ISP_SITES_INT_H
#define ISP_SITES_INT_H

#include <stddef.h>

#include "core/base/err.h"
#include "core/base/strbuf.h"

/* Report one rejected line (line > 0) or offset (off >= 0) of file through rej (nothing
 * when rej is NULL): the one reject helper of the parsers (contact.c). */
void sites_reject(isp_reject_fn rej, void *ud, const char *file, long line, long long off,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * A cursor over the lines of text[0..len), the one line reader of the folder's parsers:
 * set text, len, file (names it in rejections), the rest 0.
 */
struct sites_lines {
	const char *text, *file;
	size_t len, at;
	long lineno; /* of the line last returned, 1-based */
};
/* The next line into *line, *n, without its "\n" or "\r\n": 1, or 0 at the end of the
 * text. A line longer than max bytes goes to rej as FILE:LINE and is passed over. */
int sites_line(struct sites_lines *l, size_t max, isp_reject_fn rej, void *ud, const char **line,
	       size_t *n);

/* With sites.notice-format = xarf, turn the rendered notice *msg[0..*len) of n into a
 * multipart/report carrying its X-ARF report (notice_xarf.c; *msg replaced, the old one
 * freed); otherwise nothing. Returns 0 or an ISR code with err set. */
struct store;
struct isp_config;
struct store_site_notice;
int sites_notice_xarf(struct store *st, const struct isp_config *cfg,
		      const struct store_site_notice *n, char **msg, size_t *len,
		      struct isp_err *err);

/* Append url defanged to b: hxxp(s)://, and every '.' of the host as [.] (notice.c). */
void sites_defang(struct strbuf *b, const char *url);

/*
 * Append the crawl evidence json (a site_urls.crawl value, crawlev.c) to b: with human,
 * the notice's indented lines (the chain defanged, the User-Agent and Referer to
 * reproduce it, SHA-256 and file type, rule names); else tab-separated fields for the
 * X-ARF evidence line of the URL. Returns 0, or -1 (nothing appended) when json is not
 * such a record.
 */
int sites_crawl_render(struct strbuf *b, const char *json, int human);

#endif
