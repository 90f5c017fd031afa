/*
 * warn.c -- the warning page of a blocked request: the continue token cut out of
 * the URL, the page rendered from the entry's metadata, and its sending (see page.h,
 * token.h, proxy_int.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/net/domain.h"
#include "core/net/netaddr.h"
#include "core/net/url.h"
#include "core/base/timefmt.h"
#include "proxy/page.h"
#include "proxy/proxy_int.h"
#include "proxy/token.h"

#define TOKEN_PARAM "ispshield-continue="

/* Find and cut "[?&]ispshield-continue=TOKEN" at the end of target t[0..*n). Returns
 * the token (in t) and its length, or NULL. */
const char *px_cut_token(const char *t, size_t *n, size_t *toklen)
{
	const char *q = memchr(t, '?', *n);
	const char *p;

	if (!q)
		return NULL;
	for (p = q; p && p < t + *n;) {
		const char *next = memchr(p + 1, '&', (size_t)(t + *n - p - 1));

		if ((size_t)(t + *n - p - 1) >= sizeof(TOKEN_PARAM) - 1 &&
		    memcmp(p + 1, TOKEN_PARAM, sizeof(TOKEN_PARAM) - 1) == 0 && !next) {
			const char *tok = p + sizeof(TOKEN_PARAM);

			*toklen = (size_t)(t + *n - tok);
			*n = (size_t)(p - t);
			return tok;
		}
		p = next;
	}
	return NULL;
}

/* Send the warning page of c->hit, with the store's metadata m (NULL: not known, the
 * list name only), and free the hit. */
void px_render_hit(struct px_worker *w, struct px_conn *c, const struct px_meta *m)
{
	char *page = w->scratch.page;
	struct px_hit *hit = c->hit;
	struct page_info pi;
	size_t n;

	memset(&pi, 0, sizeof(pi));
	pi.ja = hit->ja;
	pi.url = hit->canon;
	pi.list = config_list_display(w->srv->cfg, hit->list, hit->ja);
	if (m) {
		pi.source = m->source;
		pi.reference = m->reference;
		pi.category = m->category;
		pi.first_seen = m->first_seen;
	}
	pi.continue_url = hit->href;
	pi.isp = w->srv->cfg->notify_isp_name;
	pi.contact = w->srv->cfg->notify_contact;
	pi.token_problem = hit->token_problem;
	n = hit->tpl ? page_template(hit->tpl, &pi, page, sizeof(w->scratch.page)) : 0;
	if (n == 0) /* no template, or it did not fit with its values: the built-in page */
		n = page_warning(&pi, page, sizeof(w->scratch.page));
	c->hit = NULL;
	free(hit->tpl);
	free(hit->canon);
	free(hit->href);
	free(hit);
	px_respond(w, c, 403, "Forbidden", "text/html; charset=utf-8", "Vary: Accept-Language\r\n",
		   page, n, c->req_body == B_NONE && !c->close_after);
}

/* A listed URL: make the continue link, then ask the meta thread for the list's
 * metadata and park the connection in S_META until it answers, or for at most
 * proxy.connect-timeout (the store is treated like an upstream); the store is never read
 * on this thread. */
void px_warn_page(struct px_worker *w, struct px_conn *c, int idx, const struct http_head *h,
		  const char *list, const char *tpl, const char *canon, size_t clen,
		  const char *target, size_t tlen, int token_problem)
{
	char tok[PTOKEN_MAX];
	size_t alen = 0, hlen = tlen + sizeof(TOKEN_PARAM) + PTOKEN_MAX + 2;
	const char *al = http_field_get(h, "accept-language", &alen);
	int64_t exp = px_wall_s() + w->srv->cfg->proxy_continue_ttl;
	int has_q = memchr(target, '?', tlen) != NULL;
	struct px_hit *hit = calloc(1, sizeof(*hit));

	if (hit)
		hit->canon = malloc(clen + 1);
	if (!hit || !hit->canon) {
		free(hit);
		px_respond_error(w, c, 502);
		return;
	}
	memcpy(hit->canon, canon, clen);
	hit->canon[clen] = '\0';
	/* a copy: the page is rendered after the metadata read, maybe after a reload */
	if (tpl)
		hit->tpl = strdup(tpl);
	snprintf(hit->list, sizeof(hit->list), "%s", list);
	hit->ja = page_prefer_ja(al, alen);
	hit->token_problem = token_problem;
	ptoken_make(w->srv->secret, w->srv->secretlen, c->peer_text, canon, clen, exp, tok);
	hit->href = malloc(hlen);
	if (hit->href)
		snprintf(hit->href, hlen, "%.*s%c%s%s", (int)tlen, target, has_q ? '&' : '?',
			 TOKEN_PARAM, tok);
	c->hit = hit;
	c->hit_seq++;
	if (px_meta_ask(w->srv, w->id, idx, c->gen, c->hit_seq, list, canon, clen) != 0) {
		px_render_hit(w, c, NULL);
		return;
	}
	c->state = S_META;
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_connect_timeout * 1000;
}
