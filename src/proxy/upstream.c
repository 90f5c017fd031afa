/*
 * upstream.c -- the upstream side of a proxy connection: the request's authority
 * (host:port), the destination check (dest.h), the resolver lookup and its answers, and
 * the non-blocking connect (see proxy_int.h).
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

/* ---- authority, destination, connect ---- */

/* Split an authority "host[:port]" / "[v6][:port]" into c->host and c->port. */
int px_parse_authority(struct px_conn *c, const char *a, size_t n, uint16_t defport)
{
	const char *hs = a, *he, *colon = NULL;
	long port = defport;

	if (n == 0 || memchr(a, '@', n))
		return -1;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (!close)
			return -1;
		hs = a + 1;
		he = close;
		if (close + 1 < a + n) {
			if (close[1] != ':')
				return -1;
			colon = close + 1;
		}
	} else {
		colon = memchr(a, ':', n);
		he = colon ? colon : a + n;
	}
	if (colon) {
		const char *p = colon + 1;

		if (p == a + n || a + n - p > 5)
			return -1;
		port = 0;
		for (; p < a + n; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
	}
	if (he <= hs || (size_t)(he - hs) >= sizeof(c->host))
		return -1;
	memcpy(c->host, hs, (size_t)(he - hs));
	c->host[he - hs] = '\0';
	c->port = (uint16_t)port;
	return 0;
}

/* Start the upstream connection to c->host:c->port (reusing a kept one). */

/* Refuse the upstream address c->upaddr when dest.h says so: 403 with the reason, and
 * the metric. Returns 1 when refused. */
static int dest_refused(struct px_worker *w, struct px_conn *c)
{
	enum dest_verdict v = dest_check(&w->srv->dest, (struct sockaddr *)&c->upaddr);
	char addr[64], msg[768];
	int n;

	if (v == DEST_OK)
		return 0;
	px_count(w, P_DEST_REFUSED);
	net_addr_text((struct sockaddr *)&c->upaddr, addr, sizeof(addr));
	n = snprintf(msg, sizeof(msg),
		     "ispshield: destination refused: %s (%s) is %s.\n"
		     "This proxy does not connect to internal, reserved or ISP infrastructure "
		     "addresses.\n",
		     c->host, addr, dest_why(v));
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = (int)strlen(msg);
	px_respond(w, c, 403, "Forbidden", "text/plain; charset=utf-8", NULL, msg, (size_t)n, 0);
	return 1;
}

static void connect_now(struct px_worker *w, struct px_conn *c, int idx)
{
	struct epoll_event ev;
	int fd, one = 1;

	if (dest_refused(w, c))
		return;
	fd = socket(c->upaddr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		px_count(w, P_UPSTREAM_ERRORS);
		px_respond_error(w, c, 502);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&c->upaddr, c->upaddrlen) != 0 && errno != EINPROGRESS) {
		close(fd);
		px_count(w, P_UPSTREAM_ERRORS);
		px_respond_error(w, c, 502);
		return;
	}
	c->ufd = fd;
	c->umask = EPOLLOUT;
	ev.events = EPOLLOUT;
	ev.data.u64 = px_tag(TAG_UPSTREAM, c->gen, idx);
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	c->state = S_CONNECT;
	snprintf(c->up_key, sizeof(c->up_key), "%s:%u", c->host, c->port);
}

void px_start_upstream(struct px_worker *w, struct px_conn *c, int idx)
{
	char key[300];

	snprintf(key, sizeof(key), "%s:%u", c->host, c->port);
	if (c->ufd >= 0 && !c->is_connect && strcmp(key, c->up_key) == 0) {
		c->state = S_FORWARD; /* keep-alive upstream */
		return;
	}
	px_close_upstream(c);
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_connect_timeout * 1000;
	if (net_addr_literal(c->host, c->port, &c->upaddr, &c->upaddrlen) == 0) {
		connect_now(w, c, idx);
		return;
	}
	if (px_resolve(w->srv, w->id, idx, c->gen, c->host, c->port) != 0) {
		px_respond_error(w, c, 502);
		return;
	}
	c->state = S_RESOLVE;
}

/* The upstream socket became writable while connecting. */
void px_upstream_connected(struct px_worker *w, int idx)
{
	struct px_conn *c = &w->conns[idx];
	int e = 0;
	socklen_t el = sizeof(e);

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
		px_count(w, P_UPSTREAM_ERRORS);
		px_close_upstream(c);
		px_respond_error(w, c, 502);
		return;
	}
	if (c->is_connect) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n"
					 "Via: 1.1 ispshield\r\n\r\n";

		px_buf_put(&c->cout, ok, sizeof(ok) - 1);
		c->state = S_TUNNEL;
		c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_idle_timeout * 1000;
		px_latency(w, c);
		return;
	}
	c->state = S_FORWARD;
	c->deadline = px_now_ms() + (uint64_t)w->srv->cfg->proxy_upstream_timeout * 1000;
}

void px_resolver_answers(struct px_worker *w, const struct served *sh)
{
	struct px_job *l, *mj;
	uint64_t v;

	if (read(w->evfd, &v, sizeof(v)) < 0) {
		/* EAGAIN: woken for nothing; the lists below say so */
	}
	pthread_mutex_lock(&w->res_mu);
	l = w->res_head;
	w->res_head = NULL;
	mj = w->meta_head;
	w->meta_head = NULL;
	pthread_mutex_unlock(&w->res_mu);
	while (mj) {
		struct px_metajob *m = (struct px_metajob *)mj;
		struct px_conn *c = &w->conns[m->conn];

		mj = mj->next;
		if (c->state == S_META && c->gen == m->gen && c->hit_seq == m->seq) {
			px_render_hit(w, c, &m->m);
			px_conn_pump(w, m->conn, sh);
		}
		px_metajob_free(m);
	}
	while (l) {
		struct px_lookup *r = (struct px_lookup *)l;
		struct px_conn *c = &w->conns[r->conn];

		l = l->next;
		if (c->state == S_RESOLVE && c->gen == r->gen) {
			if (r->n == 0) {
				px_count(w, P_UPSTREAM_ERRORS);
				px_respond_error(w, c, 502);
			} else {
				/* the first allowed address; none: the first, refused */
				int k = 0, j;

				for (j = 0; j < r->n; j++)
					if (dest_check(&w->srv->dest,
						       (struct sockaddr *)&r->addr[j]) == DEST_OK) {
						k = j;
						break;
					}
				c->upaddr = r->addr[k];
				c->upaddrlen = r->addrlen[k];
				connect_now(w, c, r->conn);
			}
			px_conn_pump(w, r->conn, sh);
		}
		free(r);
	}
}
