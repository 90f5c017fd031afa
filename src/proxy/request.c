/*
 * request.c -- acting on a parsed request head: the subscriber and walled-garden
 * checks, the list lookups (URL and host), CONNECT, the block events, and the request
 * head sent upstream (see proxy_int.h).
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

/* ---- events, lists, requests ---- */

/* The hit that counts for a client (served_hit): its list and what to do. */
struct px_pick {
	int action; /* enum config_list_action */
	unsigned list;
	char name[64];
};

/* The hit of r that counts for a client of `profile`: 1 and *pk, or 0 (nothing matched,
 * an allow entry wins, or no hit is of a list of the profile). */
static int pick(const struct served *sh, const struct snap_result *r, int profile,
		struct px_pick *pk)
{
	struct snap_list_info li;
	int i = 0;

	pk->action = served_hit(sh, r, profile, &i);
	if (pk->action < 0)
		return 0;
	pk->list = r->hits[i].list;
	snap_list(sh->snap, pk->list, &li);
	snprintf(pk->name, sizeof(pk->name), "%s", li.name);
	return 1;
}

/* Count the hit pk (a block, or a log-only hit) and record it, unless its list records
 * nothing ([list.NAME] events = off). */
static void record(struct px_worker *w, const struct served *sh, struct px_conn *c,
		   const char *what, const struct px_pick *pk, const char *entry, size_t elen,
		   const char *reason)
{
	struct ev_block ev;

	if (pk->list < sh->nlists) {
		_Atomic uint64_t *ctr =
			pk->action == LIST_ACTION_LOG_ONLY ? w->list_logged : w->list_blocked;

		atomic_fetch_add_explicit(&ctr[sh->lists[pk->list].slot], 1, memory_order_relaxed);
		if (!sh->lists[pk->list].events)
			return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = time_wall_ms();
	ev.client = c->peer;
	snprintf(ev.qname, sizeof(ev.qname), "%s", what);
	snprintf(ev.list, sizeof(ev.list), "%s", pk->name);
	snprintf(ev.entry, sizeof(ev.entry), "%.*s", (int)elen, entry);
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	if (evring_push(&w->ring, &ev) != 0)
		px_count(w, P_EVENTS_DROPPED);
}

/* The page template of pk's list, or NULL (the built-in page). */
static const char *list_page(const struct served *sh, const struct px_pick *pk)
{
	return pk->list < sh->nlists ? sh->lists[pk->list].page : NULL;
}

/* Render the walled-garden page of pi: the list's template, else the built-in one. */
static size_t walled_page(const char *tpl, const struct page_info *pi, char *out, size_t size)
{
	size_t n = tpl ? page_template(tpl, pi, out, size) : 0;

	return n ? n : page_walled(pi, out, size);
}

/* Write the request head for the upstream into uout. target: origin-form. */
static int build_request(struct px_worker *w, struct px_conn *c, const struct http_head *h,
			 const char *path, size_t plen, const char *authority, size_t alen)
{
	ssize_t k;

	(void)w;
	if (px_buf_printf(&c->uout, "%.*s %.*s HTTP/1.1\r\nHost: %.*s\r\n", (int)h->mlen, h->method,
			  (int)plen, path, (int)alen, authority) != 0)
		return -1;
	k = http_forward_fields(h, 1, 1, px_buf_tail(&c->uout), px_buf_space(&c->uout));
	if (k < 0)
		return -1;
	c->uout.len += (size_t)k;
	return px_buf_printf(&c->uout, "Via: 1.%d ispshield\r\n\r\n", h->minor);
}

/* A plain-text refusal, counted under ctr; the connection closes after it. */
static void refuse(struct px_worker *w, struct px_conn *c, enum px_counter ctr, int status,
		   const char *reason, const char *msg)
{
	px_count(w, ctr);
	px_respond(w, c, status, reason, "text/plain; charset=utf-8", NULL, msg, strlen(msg), 0);
}

/* The walled-garden page for the listed host name: the list's template (tpl), else the
 * built-in page, made in w's scratch space. */
static void respond_walled(struct px_worker *w, struct px_conn *c, const struct http_head *h,
			   const char *name, const char *list, const char *tpl)
{
	size_t alen = 0, n;
	const char *al = http_field_get(h, "accept-language", &alen);
	struct page_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.ja = page_prefer_ja(al, alen);
	pi.url = name;
	pi.list = config_list_display(w->srv->cfg, list, pi.ja);
	pi.isp = w->srv->cfg->notify_isp_name;
	pi.contact = w->srv->cfg->notify_contact;
	n = walled_page(tpl, &pi, w->scratch.page, sizeof(w->scratch.page));
	px_respond(w, c, 403, "Forbidden", "text/html; charset=utf-8", "Vary: Accept-Language\r\n",
		   w->scratch.page, n, c->req_body == B_NONE && !c->close_after);
}

static void handle_connect(struct px_worker *w, struct px_conn *c, int idx,
			   const struct http_head *h, const struct served *sh, int optout,
			   int profile)
{
	char name[DOMAIN_BUFSZ];
	struct snap_result r;
	struct px_pick pk;

	c->is_connect = 1;
	px_count(w, P_CONNECTS);
	if (px_parse_authority(c, h->target, h->tlen, 0) != 0 || c->port == 0) {
		px_count(w, P_BAD_REQUESTS);
		px_respond_error(w, c, 400);
		return;
	}
	if (!optout && domain_normalise(c->host, strlen(c->host), name, NULL) > 0 &&
	    snap_lookup_domain(sh->snap, name, strlen(name), &r) > 0 &&
	    pick(sh, &r, profile, &pk)) {
		char *text = w->scratch.page;
		char entry[DOMAIN_BUFSZ + 2];
		size_t n;

		snprintf(entry, sizeof(entry), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen,
			 r.key);
		record(w, sh, c, name, &pk, entry, strlen(entry), "connect");
		if (pk.action == LIST_ACTION_LOG_ONLY) {
			px_count(w, P_LOGGED);
			goto pass;
		}
		px_count(w, P_HITS_CONNECT);
		n = page_connect_refused(name, pk.name, text, sizeof(w->scratch.page));
		px_respond(w, c, 403, "Forbidden", "text/plain; charset=utf-8", NULL, text, n, 0);
		return;
	}
pass:
	if (!dest_port_ok(&w->srv->dest, c->port)) {
		refuse(w, c, P_PORT_REFUSED, 403, "Forbidden",
		       "ispshield: CONNECT refused: this proxy tunnels only to the HTTPS port "
		       "(proxy.connect-ports)\n");
		return;
	}
	c->req_done = 1;
	px_start_upstream(w, c, idx);
}

static void handle_walled(struct px_worker *w, struct px_conn *c, const struct http_head *h,
			  const struct served *sh, int profile)
{
	char name[DOMAIN_BUFSZ];
	struct snap_result r;
	struct px_pick pk;
	const char *list = NULL, *hv;
	size_t hl = 0;

	hv = http_field_get(h, "host", &hl);
	if (w->srv->walled && hv && px_parse_authority(c, hv, hl, 80) == 0 &&
	    domain_normalise(c->host, strlen(c->host), name, NULL) > 0 &&
	    snap_lookup_domain(sh->snap, name, strlen(name), &r) > 0 &&
	    pick(sh, &r, profile, &pk) && pk.action != LIST_ACTION_LOG_ONLY)
		list = pk.name;
	if (!list) {
		refuse(w, c, P_BAD_REQUESTS, 400, "Bad Request",
		       "ispshield: this is a proxy; send absolute-form requests "
		       "(http://host/path)\n");
		return;
	}
	px_count(w, P_WALLED);
	/* the DNS service already recorded this block (cause C&C): nothing recorded here */
	respond_walled(w, c, h, name, list, list_page(sh, &pk));
}

/* A plain-HTTP request to a host in a domain list (a C&C name): the walled-garden
 * page, and a block event (reason "name", as the DNS service records the same name).
 * Returns 1 when it answered. */
static int host_listed(struct px_worker *w, struct px_conn *c, const struct http_head *h,
		       const struct served *sh, int profile)
{
	char name[DOMAIN_BUFSZ], entry[DOMAIN_BUFSZ + 2];
	struct snap_result r;
	struct px_pick pk;

	if (domain_normalise(c->host, strlen(c->host), name, NULL) <= 0 ||
	    snap_lookup_domain(sh->snap, name, strlen(name), &r) <= 0 ||
	    !pick(sh, &r, profile, &pk))
		return 0;
	snprintf(entry, sizeof(entry), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen, r.key);
	record(w, sh, c, name, &pk, entry, strlen(entry), "name");
	if (pk.action == LIST_ACTION_LOG_ONLY) {
		px_count(w, P_LOGGED);
		return 0;
	}
	px_count(w, P_HITS_DOMAIN);
	respond_walled(w, c, h, name, pk.name, list_page(sh, &pk));
	return 1;
}

void px_handle_request(struct px_worker *w, struct px_conn *c, int idx, const struct http_head *h,
		       const struct served *sh)
{
	char *canon = w->scratch.canon;
	const char *t = h->target, *auth, *path, *tok;
	size_t tlen = h->tlen, alen, plen, toklen = 0;
	int optout, clen, profile = -1;
	struct snap_result r;
	struct px_pick pk;
	const char *list = NULL;

	px_count(w, P_REQUESTS);
	c->t_start = px_now_ms();
	c->close_after = h->conn_close;
	c->is_head = h->mlen == 4 && memcmp(h->method, "HEAD", 4) == 0;
	c->req_body = h->chunked ? B_CHUNKED : h->content_length > 0 ? B_LENGTH : B_NONE;
	c->req_remain = h->content_length > 0 ? h->content_length : 0;
	if (!prefixset_contains_sa(w->srv->subscribers, (struct sockaddr *)&c->peer)) {
		px_count(w, P_REFUSED_ACL);
		px_respond_error(w, c, 403);
		return;
	}
	optout = sh->optout && prefixset_contains_sa(sh->optout, (struct sockaddr *)&c->peer);
	if (optout)
		px_count(w, P_OPTOUT);
	else if (sh->nprofiles > 0)
		profile = served_client_profile(sh, (struct sockaddr *)&c->peer);
	if (h->mlen == 7 && memcmp(h->method, "CONNECT", 7) == 0) {
		handle_connect(w, c, idx, h, sh, optout, profile);
		return;
	}
	if (tlen > 0 && t[0] == '/') {
		handle_walled(w, c, h, sh, profile);
		return;
	}
	if (tlen < 8 || strncasecmp(t, "http://", 7) != 0) {
		px_count(w, P_BAD_REQUESTS);
		px_respond_error(w, c, tlen > 8 && strncasecmp(t, "https://", 8) == 0 ? 400 : 501);
		return;
	}
	auth = t + 7;
	alen = strcspn(auth, "/?# ");
	if (auth + alen > t + tlen)
		alen = (size_t)(t + tlen - auth);
	path = auth + alen;
	plen = (size_t)(t + tlen - path);
	if (px_parse_authority(c, auth, alen, 80) != 0) {
		px_count(w, P_BAD_REQUESTS);
		px_respond_error(w, c, 400);
		return;
	}
	tok = px_cut_token(t, &tlen, &toklen);
	if (tok)
		plen = (size_t)(t + tlen - path);
	clen = url_canonicalise(t, tlen, canon, sizeof(w->scratch.canon), NULL);
	if (clen <= 0) {
		px_count(w, P_BAD_REQUESTS);
		px_respond_error(w, c, 400);
		return;
	}
	if (!optout && snap_lookup_url(sh->snap, canon, (size_t)clen, &r) > 0 &&
	    pick(sh, &r, profile, &pk)) {
		list = pk.name;
		if (pk.action == LIST_ACTION_LOG_ONLY) {
			px_count(w, P_LOGGED);
			record(w, sh, c, canon, &pk, r.key, r.keylen, "url");
			list = NULL;
		}
	}
	if (list) {
		int tp = 0;

		if (tok) {
			tp = ptoken_check(w->srv->secret, w->srv->secretlen, c->peer_text, canon,
					  (size_t)clen, tok, toklen, px_wall_s());
			if (tp == PTOKEN_OK) {
				px_count(w, P_CONTINUES);
				list = NULL;
			} else {
				px_count(w, P_TOKENS_REFUSED);
				tp = tp == PTOKEN_EXPIRED ? 2 : 1;
			}
		}
		if (list) {
			px_count(w, P_HITS);
			record(w, sh, c, canon, &pk, r.key, r.keylen, "url");
			px_warn_page(w, c, idx, h, list, list_page(sh, &pk), canon, (size_t)clen, t,
				     tlen, tp);
			return;
		}
	}
	if (!optout && host_listed(w, c, h, sh, profile))
		return;
	if (plen == 0) {
		path = "/";
		plen = 1;
	}
	c->uout.len = c->uout.off = 0;
	if (build_request(w, c, h, path, plen, auth, alen) != 0) {
		px_count(w, P_TOO_LARGE);
		px_respond_error(w, c, 431);
		return;
	}
	if (c->req_body == B_NONE)
		c->req_done = 1;
	px_start_upstream(w, c, idx);
}
