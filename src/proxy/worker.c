/*
 * worker.c -- one worker thread of the proxy: accept, the per-connection state machine
 * and the epoll loop (see proxy.h, proxy_int.h).
 *
 * A connection owns a client socket, at most one upstream socket (kept between
 * requests to the same host:port: keep-alive on both sides) and four buffers: client
 * in/out, upstream in/out. Everything a connection can do is done by conn_pump, which
 * loops over read client -> act on the request -> write upstream -> read upstream ->
 * act on the response -> write client until nothing moves, then sets the epoll
 * interests (level-triggered) from what it is waiting for. Bodies are relayed as they
 * come, byte for byte; Content-Length and a chunked tracker (http.h) find their end so
 * that the next request on the connection is never mistaken for body.
 *
 * Per request: parse strictly (400/431/501/505 and close on error), check the client
 * against the subscriber prefixes, then (unless it opted out) canonicalise the URL
 * with the same code as `lists` and look it up in the snapshot; a hit answers the
 * warning page (or the CONNECT refusal) and records a block event in the ring. Nothing
 * is recorded or logged for requests that were not blocked. Timeouts are deadlines per
 * connection, swept every 100 ms.
 *
 * The parts a connection calls live beside this file: buf.c (buffers, socket I/O),
 * upstream.c (authority, destination check, resolving, connect), request.c (acting on a
 * request head, list checks), warn.c (the warning page) and relay.c (bodies, the
 * response head).
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

#define SWEEP_MS 100
uint64_t px_now_ms(void)
{
	return (uint64_t)time_mono_ms();
}

int64_t px_wall_s(void)
{
	return (int64_t)time(NULL);
}

void px_count(struct px_worker *w, enum px_counter c)
{
	atomic_fetch_add_explicit(&w->counters[c], 1, memory_order_relaxed);
}

uint64_t px_tag(unsigned type, uint32_t gen, int idx)
{
	return (uint64_t)type << 56 | (uint64_t)(gen & 0xffffff) << 32 | (uint32_t)idx;
}

/* ---- connections ---- */

static void set_mask(struct px_worker *w, struct px_conn *c, int idx, int up, uint32_t mask)
{
	uint32_t *cur = up ? &c->umask : &c->cmask;
	int fd = up ? c->ufd : c->cfd;
	struct epoll_event ev;

	if (fd < 0 || *cur == mask)
		return;
	ev.events = mask;
	ev.data.u64 = px_tag(up ? TAG_UPSTREAM : TAG_CLIENT, c->gen, idx);
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev);
	*cur = mask;
}

void px_close_upstream(struct px_conn *c)
{
	if (c->ufd >= 0)
		close(c->ufd); /* closing removes it from the epoll set */
	c->ufd = -1;
	c->umask = 0;
	c->up_key[0] = '\0';
	c->uin.len = c->uin.off = 0; /* uout may hold the next request's head */
	c->uscan = 0;
}

static void conn_close(struct px_worker *w, int idx)
{
	struct px_conn *c = &w->conns[idx];

	px_close_upstream(c);
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	if (c->hit) {
		free(c->hit->tpl);
		free(c->hit->canon);
		free(c->hit->href);
		free(c->hit);
		c->hit = NULL;
	}
	c->state = S_FREE;
	c->gen++;
	w->free_list[w->nfree++] = idx;
}

static void reset_request(struct px_worker *w, struct px_conn *c)
{
	c->state = S_HEAD;
	c->cscan = 0;
	c->head_started = c->cin.len > 0;
	c->is_head = c->is_connect = 0;
	c->req_body = B_NONE;
	c->req_remain = 0;
	memset(&c->req_ch, 0, sizeof(c->req_ch));
	c->req_done = 0;
	c->resp = RS_HEAD;
	c->resp_body = B_NONE;
	c->resp_remain = 0;
	memset(&c->resp_ch, 0, sizeof(c->resp_ch));
	c->resp_sent = 0;
	c->uscan = 0;
	c->deadline = px_now_ms() + (uint64_t)(c->head_started ? w->srv->cfg->proxy_header_timeout
							       : w->srv->cfg->proxy_idle_timeout) *
					    1000;
}

/* Our own response (page, error) to the client; keep: the connection stays open. */
void px_respond(struct px_worker *w, struct px_conn *c, int status, const char *reason,
		const char *ctype, const char *extra, const char *body, size_t blen, int keep)
{
	if (!keep)
		c->close_after = 1;
	c->cout.len = c->cout.off = 0; /* nothing of another response was sent yet */
	if (px_buf_printf(&c->cout,
			  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			  "Cache-Control: no-store\r\nVia: 1.1 ispshield\r\n%s%s\r\n",
			  status, reason, ctype, blen, extra ? extra : "",
			  c->close_after ? "Connection: close\r\n" : "") != 0 ||
	    px_buf_put(&c->cout, body, blen) != 0) {
		c->cout.len = 0;
		c->close_after = 1;
	}
	c->state = S_RESPOND;
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_idle_timeout * 1000;
}

void px_respond_error(struct px_worker *w, struct px_conn *c, int status)
{
	const char *reason = "Bad Request", *msg = "ispshield: malformed request\n";

	switch (status) {
	case 403:
		reason = "Forbidden";
		msg = "ispshield: this proxy serves the ISP's subscribers only\n";
		break;
	case 408:
		reason = "Request Timeout";
		msg = "ispshield: the request head did not arrive in time\n";
		break;
	case 431:
		reason = "Request Header Fields Too Large";
		msg = "ispshield: request header fields too large\n";
		break;
	case 501:
		reason = "Not Implemented";
		msg = "ispshield: transfer coding or scheme not supported\n";
		break;
	case 502:
		reason = "Bad Gateway";
		msg = "ispshield: the site could not be reached\n";
		break;
	case 504:
		reason = "Gateway Timeout";
		msg = "ispshield: the site did not answer in time\n";
		break;
	case 505:
		reason = "HTTP Version Not Supported";
		msg = "ispshield: HTTP/1.0 and HTTP/1.1 only\n";
		break;
	default: break;
	}
	px_respond(w, c, status, reason, "text/plain; charset=utf-8", NULL, msg, strlen(msg), 0);
}

/* ---- the pump ---- */

static void parse_head(struct px_worker *w, struct px_conn *c, int idx, const struct served *sh)
{
	const struct isp_config *cfg = w->srv->cfg;
	struct http_head *h = &w->scratch.head;
	int rc;

	if (c->cin.len > 0 && !c->head_started) {
		c->head_started = 1;
		c->deadline = px_now_ms() + (uint64_t)cfg->proxy_header_timeout * 1000;
	}
	rc = http_parse_request(c->cin.d + c->cin.off, c->cin.len, &c->cscan,
				(size_t)cfg->proxy_max_header_bytes, (size_t)cfg->proxy_max_headers,
				h);
	if (rc == HTTP_INCOMPLETE)
		return;
	if (rc < 0) {
		px_count(w, rc == HTTP_ETOOBIG ? P_TOO_LARGE : P_BAD_REQUESTS);
		c->cin.len = 0;
		px_respond_error(w, c, -rc);
		return;
	}
	if (c->uout.len > 0 || c->uin.len > 0)
		px_close_upstream(c); /* a kept upstream that spoke out of turn */
	c->uout.len = c->uout.off = 0;
	px_handle_request(w, c, idx, h, sh);
	px_buf_consume(&c->cin, h->head_len);
	c->cscan = 0;
}

void px_conn_pump(struct px_worker *w, int idx, const struct served *sh)
{
	struct px_conn *c = &w->conns[idx];
	const struct isp_config *cfg = w->srv->cfg;
	int progress, rounds = 0;

	do {
		int r;

		progress = 0;
		if (c->state == S_FREE)
			return;
		/* client -> */
		if (c->state == S_HEAD || (c->state == S_FORWARD && !c->req_done) ||
		    (c->state == S_TUNNEL && !c->client_eof)) {
			r = px_do_read(c->cfd, &c->cin);
			if (r > 0)
				progress = 1;
			if (r == -1 && c->state == S_TUNNEL) {
				c->client_eof = 1;
				progress = 1;
				if (c->ufd >= 0 && c->uout.len == 0)
					shutdown(c->ufd, SHUT_WR);
			} else if (r < 0) {
				conn_close(w, idx);
				return;
			}
		}
		if (c->state == S_HEAD && c->cin.len > 0) {
			size_t before = c->cin.len;

			parse_head(w, c, idx, sh);
			if (c->state != S_HEAD || c->cin.len != before)
				progress = 1;
			if (c->state == S_FREE)
				return;
		}
		if (c->state == S_FORWARD && !c->req_done)
			px_relay_request_body(c);
		if (c->state == S_TUNNEL)
			px_buf_move(&c->uout, &c->cin, c->cin.len);
		/* -> upstream */
		if (c->state == S_FORWARD || c->state == S_TUNNEL) {
			r = px_do_write(c->ufd, &c->uout);
			if (r > 0)
				progress = 1;
			if (r < 0) {
				if (c->state == S_FORWARD && !c->resp_sent) {
					px_count(w, P_UPSTREAM_ERRORS);
					px_close_upstream(c);
					px_respond_error(w, c, 502);
				} else {
					conn_close(w, idx);
					return;
				}
			}
			if (c->state == S_TUNNEL && c->client_eof && c->uout.len == 0 &&
			    c->ufd >= 0)
				shutdown(c->ufd, SHUT_WR);
		}
		/* upstream -> */
		if ((c->state == S_FORWARD && c->resp != RS_DONE) ||
		    (c->state == S_TUNNEL && !c->upstream_eof)) {
			r = px_do_read(c->ufd, &c->uin);
			if (r > 0) {
				progress = 1;
				if (c->state == S_TUNNEL || c->resp == RS_BODY)
					c->deadline = px_now_ms() +
						      (uint64_t)cfg->proxy_idle_timeout * 1000;
			} else if (r < 0) {
				if (c->state == S_TUNNEL) {
					c->upstream_eof = 1;
					progress = 1;
				} else if (c->resp == RS_BODY && c->resp_body == B_CLOSE) {
					c->resp = RS_DONE;
					px_close_upstream(c);
					progress = 1;
				} else if (!c->resp_sent) {
					px_count(w, P_UPSTREAM_ERRORS);
					px_close_upstream(c);
					px_respond_error(w, c, 502);
					progress = 1;
				} else {
					/* truncated body: the client must see the connection end */
					c->close_after = 1;
					c->resp = RS_DONE;
					px_close_upstream(c);
					progress = 1;
				}
			}
		}
		if (c->state == S_FORWARD && c->resp == RS_HEAD && c->uin.len > 0)
			px_response_head(w, c);
		if (c->state == S_FORWARD && c->resp == RS_BODY)
			px_relay_response_body(c);
		if (c->state == S_TUNNEL)
			px_buf_move(&c->cout, &c->uin, c->uin.len);
		/* -> client */
		r = px_do_write(c->cfd, &c->cout);
		if (r > 0) {
			progress = 1;
			if (c->state == S_TUNNEL || c->state == S_FORWARD)
				c->deadline =
					px_now_ms() + (uint64_t)cfg->proxy_idle_timeout * 1000;
		}
		if (r < 0) {
			conn_close(w, idx);
			return;
		}
		/* transitions */
		if (c->state == S_TUNNEL && c->upstream_eof && c->uin.len == 0 &&
		    c->cout.len == 0) {
			if (c->client_eof) {
				conn_close(w, idx);
				return;
			}
			shutdown(c->cfd, SHUT_WR);
		}
		if (c->state == S_FORWARD && c->resp == RS_DONE && c->req_done &&
		    c->cout.len == 0) {
			if (!c->up_keep)
				px_close_upstream(c);
			if (c->close_after) {
				conn_close(w, idx);
				return;
			}
			reset_request(w, c);
			progress = 1;
		}
		if (c->state == S_RESPOND && c->cout.len == 0) {
			if (c->close_after) {
				conn_close(w, idx);
				return;
			}
			reset_request(w, c);
			progress = 1;
		}
	} while (progress && ++rounds < 64);
	/* interests */
	{
		uint32_t cm = 0, um = 0;

		if (c->cout.len > 0)
			cm |= EPOLLOUT;
		if ((c->state == S_HEAD || (c->state == S_FORWARD && !c->req_done) ||
		     (c->state == S_TUNNEL && !c->client_eof)) &&
		    px_buf_space(&c->cin) > 0)
			cm |= EPOLLIN;
		if (c->ufd >= 0) {
			if (c->state == S_CONNECT || c->uout.len > 0)
				um |= EPOLLOUT;
			if (((c->state == S_FORWARD && c->resp != RS_DONE) ||
			     (c->state == S_TUNNEL && !c->upstream_eof)) &&
			    px_buf_space(&c->uin) > 0)
				um |= EPOLLIN;
			if (c->state == S_HEAD || c->state == S_RESPOND || c->state == S_META)
				um |= EPOLLIN; /* a kept upstream that closes */
		}
		set_mask(w, c, idx, 0, cm);
		set_mask(w, c, idx, 1, um);
	}
}

static void accept_all(struct px_worker *w, int lfd)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct px_conn *c;
		int idx, one = 1;

		if (fd < 0)
			return;
		if (!prefixset_contains_sa(w->srv->subscribers, (struct sockaddr *)&ss)) {
			/* not a subscriber: closed before it can hold a slot or send a byte */
			px_count(w, P_REFUSED_ACL);
			close(fd);
			continue;
		}
		if (w->nfree == 0) {
			px_count(w, P_CONN_REFUSED_FULL);
			close(fd);
			continue;
		}
		idx = w->free_list[--w->nfree];
		c = &w->conns[idx];
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((!c->cin.d &&
		     (px_buf_init(&c->cin, (size_t)w->srv->cfg->proxy_max_header_bytes + PX_BUF) !=
			      0 ||
		      px_buf_init(&c->cout, PX_BUF + PAGE_MAX) != 0 ||
		      px_buf_init(&c->uin, (size_t)w->srv->cfg->proxy_max_header_bytes + PX_BUF) !=
			      0 ||
		      px_buf_init(&c->uout, (size_t)w->srv->cfg->proxy_max_header_bytes + PX_BUF +
						    1024) != 0))) {
			close(fd);
			w->free_list[w->nfree++] = idx;
			continue;
		}
		c->cfd = fd;
		c->ufd = -1;
		c->peer = ss;
		net_addr_text((struct sockaddr *)&ss, c->peer_text, sizeof(c->peer_text));
		c->cin.len = c->cout.len = c->uin.len = c->uout.len = 0;
		c->cin.off = c->cout.off = c->uin.off = c->uout.off = 0;
		c->close_after = c->client_eof = c->upstream_eof = 0;
		c->up_key[0] = '\0';
		c->up_keep = 0;
		reset_request(w, c);
		c->cmask = EPOLLIN;
		c->umask = 0;
		ev.events = EPOLLIN;
		ev.data.u64 = px_tag(TAG_CLIENT, c->gen, idx);
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void sweep(struct px_worker *w, const struct served *sh, uint64_t now)
{
	int i;

	for (i = 0; i < w->nconns_max; i++) {
		struct px_conn *c = &w->conns[i];

		if (c->state == S_FREE || now < c->deadline)
			continue;
		switch (c->state) {
		case S_HEAD:
			px_count(w, P_CLIENT_TIMEOUTS);
			if (c->head_started) {
				px_respond_error(w, c, 408);
				px_conn_pump(w, i, sh);
				if (c->state != S_FREE && c->gen == w->conns[i].gen)
					conn_close(w, i); /* a slow reader gets no second chance */
			} else {
				conn_close(w, i);
			}
			break;
		case S_META: /* the store is slow: the page without its metadata */
			px_render_hit(w, c, NULL);
			px_conn_pump(w, i, sh);
			break;
		case S_RESOLVE:
		case S_CONNECT:
			px_count(w, P_UPSTREAM_TIMEOUTS);
			px_close_upstream(c);
			px_respond_error(w, c, 504);
			px_conn_pump(w, i, sh);
			break;
		case S_FORWARD:
			if (!c->resp_sent) {
				px_count(w, P_UPSTREAM_TIMEOUTS);
				px_close_upstream(c);
				px_respond_error(w, c, 504);
				px_conn_pump(w, i, sh);
			} else {
				conn_close(w, i);
			}
			break;
		default: conn_close(w, i); break;
		}
	}
}

static int open_listeners(struct px_worker *w)
{
	struct px_server *srv = w->srv;
	int i;

	for (i = 0; i < srv->nlisten; i++) {
		int fd = net_listen_tcp(&srv->listen[i], srv->listenlen[i], 1024);
		struct epoll_event ev;

		if (fd < 0)
			return -1;
		w->lfd[i] = fd;
		ev.events = EPOLLIN;
		ev.data.u64 = px_tag(TAG_LISTEN, 0, i);
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct px_worker *w = arg;
	struct px_server *srv = w->srv;
	struct epoll_event evs[64];
	uint64_t next_sweep = px_now_ms() + SWEEP_MS;
	int i;

	while (!atomic_load(&srv->stop)) {
		const struct served *sh;
		uint64_t now;
		int n;

		atomic_store(&w->gate.idle, 1);
		n = epoll_wait(w->epfd, evs, 64, SWEEP_MS);
		atomic_store(&w->gate.idle, 0);
		sh = atomic_load(&srv->slot.cur);
		for (i = 0; i < n; i++) {
			uint64_t t = evs[i].data.u64;
			unsigned type = (unsigned)(t >> 56);
			uint32_t gen = (uint32_t)(t >> 32) & 0xffffff;
			int idx = (int)(uint32_t)t;

			if (type == TAG_LISTEN) {
				accept_all(w, w->lfd[idx]);
			} else if (type == TAG_RESOLVER) {
				px_resolver_answers(w, sh);
			} else if (idx >= 0 && idx < w->nconns_max) {
				struct px_conn *c = &w->conns[idx];

				if (c->state == S_FREE || (c->gen & 0xffffff) != gen)
					continue;
				if (type == TAG_CLIENT && (evs[i].events & (EPOLLHUP | EPOLLERR)) &&
				    (c->state == S_META || c->state == S_RESOLVE)) {
					conn_close(w,
						   idx); /* gone while we wait: nothing to send */
					continue;
				}
				if (type == TAG_UPSTREAM && c->state == S_CONNECT)
					px_upstream_connected(w, idx);
				else if (type == TAG_UPSTREAM &&
					 (c->state == S_HEAD || c->state == S_RESPOND ||
					  c->state == S_META) &&
					 c->ufd >= 0) {
					px_close_upstream(c); /* a kept upstream closed or spoke */
					c->umask = 0;
					continue;
				}
				px_conn_pump(w, idx, sh);
			}
		}
		now = px_now_ms();
		if (now >= next_sweep) {
			sweep(w, sh, now);
			next_sweep = now + SWEEP_MS;
		}
		atomic_fetch_add(&w->gate.quiescent, 1);
	}
	for (i = 0; i < w->nconns_max; i++) {
		struct px_conn *c = &w->conns[i];

		if (c->state != S_FREE)
			conn_close(w, i);
		free(c->cin.d);
		free(c->cout.d);
		free(c->uin.d);
		free(c->uout.d);
	}
	free(w->conns);
	free(w->free_list);
	w->conns = NULL;
	return NULL;
}

int px_worker_start(struct px_worker *w)
{
	struct epoll_event ev;
	int i;

	w->conns = calloc((size_t)w->nconns_max, sizeof(*w->conns));
	w->free_list = calloc((size_t)w->nconns_max, sizeof(*w->free_list));
	if (!w->conns || !w->free_list)
		return -1;
	for (i = 0; i < w->nconns_max; i++) {
		w->conns[i].cfd = w->conns[i].ufd = -1;
		w->free_list[i] = w->nconns_max - 1 - i;
	}
	w->nfree = w->nconns_max;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->evfd < 0 || open_listeners(w) != 0)
		return -1;
	ev.events = EPOLLIN;
	ev.data.u64 = px_tag(TAG_RESOLVER, 0, 0);
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) != 0)
		return -1;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	return 0;
}
