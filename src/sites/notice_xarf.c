/*
 * notice_xarf.c -- a site notice with its X-ARF v4 report (sites.notice-format = xarf,
 * `sites notify --format xarf`): the rendered notice becomes part 1 of a multipart/report
 * whose part 2 is one X-ARF content/malware report for the notice (core/events/xarf.h,
 * the renderer `notify returned` and `relay split` use too).
 *
 * One notice covers every listed URL of one contact's sites; the report is about the
 * first site (source_identifier its domain, url its first listed URL, first/last seen
 * over all of them) and carries every URL of the notice as its text/plain evidence, one
 * line each: the times, the evidence of the domestic verdict, and for a URL the crawler
 * reached, the chain, the User-Agent and Referer it sent, the SHA-256 of what it got and
 * the YARA rules that matched (sites_crawl_render) -- so nothing of the notice is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/events/xarf.h"
#include "core/service/config.h"
#include "core/store/store_sites.h"
#include "sites/sites_int.h"

struct xctx {
	struct strbuf ev;
	char domain[256];
	char *url;
	int64_t first, last;
	long count;
};

static int on_url(void *ud, const struct store_site_url_row *r)
{
	struct xctx *x = ud;
	char a[TIME_FMT_UTC_MAX], b[TIME_FMT_UTC_MAX];

	if (!x->url) {
		snprintf(x->domain, sizeof(x->domain), "%s", r->domain);
		x->url = strdup(r->url);
		x->first = r->first_seen;
		x->last = r->last_seen;
	}
	if (r->first_seen < x->first)
		x->first = r->first_seen;
	if (r->last_seen > x->last)
		x->last = r->last_seen;
	strbuf_fmt(&x->ev, "%s\tfirst seen %s UTC\tlast seen %s UTC%s%s", r->url,
		   time_fmt_utc(r->first_seen, a), time_fmt_utc(r->last_seen, b),
		   r->evidence && r->evidence[0] ? "\tdomestic: " : "",
		   r->evidence ? r->evidence : "");
	if (r->crawl)
		sites_crawl_render(&x->ev, r->crawl, 0);
	strbuf_str(&x->ev, "\n");
	x->count++;
	return 0;
}

int sites_notice_xarf(struct store *st, const struct isp_config *cfg,
		      const struct store_site_notice *n, char **msg, size_t *len,
		      struct isp_err *err)
{
	struct xctx x;
	struct xarf_party me;
	struct xarf_event e;
	char desc[256], *json = NULL, *out = NULL;
	size_t outlen = 0;
	int rc;

	if (strcmp(cfg->sites_notice_format, "xarf") != 0)
		return 0;
	memset(&x, 0, sizeof(x));
	rc = store_site_notice_urls(st, n->id, on_url, &x, err);
	if (rc == 0 && (x.ev.oom || (x.count && !x.url)))
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc == 0 && !x.url)
		rc = isp_err_set(err, ISR_EINVAL, "notice %s has no URL", n->key);
	if (rc)
		goto out;
	xarf_party_from(&me, cfg->notify_isp_name, cfg->notify_contact, cfg->notify_from);
	snprintf(desc, sizeof(desc), "%ld listed malware URL%s on the sites of this contact",
		 x.count, x.count == 1 ? "" : "s");
	memset(&e, 0, sizeof(e));
	e.time = x.last;
	e.first_seen = x.first;
	e.last_seen = x.last;
	e.source = x.domain;
	e.cause = CAUSE_MALWARE_SITE;
	e.url = x.url;
	e.reference = n->key;
	e.description = desc;
	e.tag = "status:site-notice";
	e.ev_type = "text/plain";
	e.ev_desc = "every URL of the notice, one a line: URL, first and last seen, the domestic"
		    " verdict's evidence; the crawl chain, User-Agent, Referer, SHA-256, rules";
	e.evidence = x.ev.p;
	rc = xarf_report(&me, &e, &json, err);
	if (rc == 0)
		rc = xarf_mail_wrap(*msg, *len, json, &out, &outlen, err);
	if (rc == 0) {
		free(*msg);
		*msg = out;
		*len = outlen;
	}
out:
	free(json);
	free(x.url);
	free(x.ev.p);
	return rc;
}
