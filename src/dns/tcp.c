/*
 * tcp.c -- DNS over TCP for the DNS service (RFC 7766): clients' connections, and the
 * worker's own TCP exchanges with an upstream whose UDP answer came back truncated.
 *
 * Client side: each worker listens on every listen address (SO_REUSEPORT) and owns up
 * to dns.max-connections connections (slots taken from a free stack); a client outside
 * dns.subscribers is closed at accept. Messages are length-prefixed; a connection may
 * pipeline many queries, and their answers go back in whatever order they complete
 * (allowed by RFC 7766 section 6.2.1.1). A connection with nothing pending is closed
 * dns.idle-timeout after its last complete message; one whose message is not whole
 * DNS_TCP_MSG_MS after its first byte is closed whatever it is doing (bytes trickling
 * in refresh neither timer); one whose reader does not keep up (more than DNS_TCP_WBUF
 * unsent, or answers waiting and none of their bytes taken for dns.idle-timeout) is
 * closed rather than let it hold memory and a slot. A client that ends its side while
 * answers are due is no longer read (its end would be reported at every wait), only
 * written to until they are out.
 *
 * Memory: an idle connection holds no buffer of its own, so that ten thousand of them
 * (phones keep DoT open) cost their TLS state and little else. Every connection reads
 * into its worker's scratch buffer and takes the whole messages from there; only the
 * start of a message that has not all arrived is copied into a buffer of its own, freed
 * once the message is whole. The output buffer grows as answers wait in it (from
 * DNS_TCP_WBUF_MIN up to DNS_TCP_WBUF) and is freed once the connection has been idle
 * DNS_TCP_SHRINK_MS (not at every answer: no allocation per query while it is busy).
 * Answers for a connection that has since closed are dropped (the slot's generation
 * number tells).
 *
 * Upstream side: a non-blocking connect, the query with its length, the answer read
 * back and handed to dns_handle_upstream as if it had come over UDP. The pending
 * query's timeout covers the whole exchange.
 */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/net/netaddr.h"
#include "dns/dns_int.h"

#define DNS_TCP_WBUF_MIN ((size_t)4096)
#define DNS_TCP_RBUF	 ((size_t)2 + 65535)
#define DNS_TRIM_AFTER	 256   /* connections closed or shrunk before a malloc_trim */
#define DNS_TRIM_MS	 10000 /* at most one a worker this often */

int dns_stream_listen(struct dns_worker *w, const struct sockaddr_storage *ss, socklen_t len,
		      int tag)
{
	struct epoll_event ev;
	int fd = net_listen_tcp(ss, len, 256);

	if (fd < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t)tag;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

int dns_tcp_listen(struct dns_worker *w)
{
	struct dns_server *srv = w->srv;
	int i;

	w->nconns = (int)srv->cfg->dns_max_connections;
	w->conns = calloc((size_t)w->nconns, sizeof(*w->conns));
	w->conn_free = calloc((size_t)w->nconns, sizeof(*w->conn_free));
	w->rscratch = malloc(DNS_TCP_RBUF);
	w->uptcp = calloc(DNS_MAX_UPTCP, sizeof(*w->uptcp));
	if (!w->conns || !w->conn_free || !w->rscratch || !w->uptcp)
		return -1;
	for (i = 0; i < w->nconns; i++) {
		w->conns[i].fd = -1;
		w->conn_free[i] = w->nconns - 1 - i; /* slot 0 on top */
	}
	w->nconn_free = w->nconns;
	for (i = 0; i < DNS_MAX_UPTCP; i++)
		w->uptcp[i].fd = -1;
	for (i = 0; i < srv->nlisten; i++) {
		w->tcp_fd[i] =
			dns_stream_listen(w, &srv->listen[i], srv->listenlen[i], DNS_TAG_TCPL + i);
		if (w->tcp_fd[i] < 0)
			return -1;
	}
	return dns_tls_listen(w);
}

static void conn_close(struct dns_worker *w, int ci)
{
	struct dns_tcp_conn *c = &w->conns[ci];

	if (c->fd < 0)
		return;
	dns_doh_free(c);
	dns_tls_free(c);
	close(c->fd); /* also removes it from the epoll set */
	if (c->rbuf != w->rscratch)
		free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->fd = -1;
	c->rlen = c->wlen = c->wcap = 0;
	c->inflight = 0;
	c->batch = 0;
	c->gen++;
	w->conn_free[w->nconn_free++] = ci;
	w->freed_since_trim++;
}

void dns_tcp_close(struct dns_worker *w, int ci)
{
	conn_close(w, ci);
}

void dns_tcp_accept(struct dns_worker *w, int li)
{
	/* li: a TCP listener, or DNS_LI_TLS + i (DoT), DNS_LI_HTTPS + i (DoH) */
	int kind = li >= DNS_LI_HTTPS ? DNS_CONN_DOH
		   : li >= DNS_LI_TLS ? DNS_CONN_DOT
				      : DNS_CONN_TCP;
	int lfd = kind == DNS_CONN_DOH	 ? w->https_fd[li - DNS_LI_HTTPS]
		  : kind == DNS_CONN_DOT ? w->tls_fd[li - DNS_LI_TLS]
					 : w->tcp_fd[li];

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int ci, proxy;

		if (fd < 0)
			return;
		/* The access list at accept: a non-subscriber gets no slot, no buffer. A
		 * trusted terminator is let in: its PROXY v2 header names the subscriber, whom
		 * every query is checked for (proxied.c; over DoT and DoH the header comes
		 * before TLS, tls.c). */
		proxy = dns_proxy_trusted(w->srv, (const struct sockaddr *)&ss);
		if (!proxy &&
		    !prefixset_contains_sa(w->srv->subscribers, (const struct sockaddr *)&ss)) {
			dns_count(w, C_REFUSED_ACL);
			close(fd);
			continue;
		}
		if (w->nconn_free == 0) {
			close(fd); /* full: the client retries or uses another server */
			continue;
		}
		ci = w->conn_free[--w->nconn_free];
		if (ci >= w->conn_hi)
			w->conn_hi = ci + 1;
		w->conns[ci].rbuf = NULL; /* the worker's rscratch while it reads */
		w->conns[ci].fd = fd;
		w->conns[ci].addr = ss;
		w->conns[ci].addrlen = sl;
		w->conns[ci].rlen = 0;
		w->conns[ci].wlen = 0;
		w->conns[ci].inflight = 0;
		w->conns[ci].last_ms = dns_now_ms();
		/* DoT, DoH: the PROXY header (if any) and the handshake must be done by then */
		w->conns[ci].msg_deadline_ms =
			kind == DNS_CONN_TCP ? 0 : w->conns[ci].last_ms + DNS_TCP_MSG_MS;
		w->conns[ci].proxy = (uint8_t)proxy;
		w->conns[ci].listen = (uint8_t)(kind == DNS_CONN_TCP ? li : DNS_LISTEN_NONE);
		w->conns[ci].started = 0;
		w->conns[ci].shrunk = 0;
		w->conns[ci].rd_closed = 0;
		w->conns[ci].kind = kind; /* DoT, DoH: TLS starts at the first bytes (tls.c) */
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.u32 = (uint32_t)(DNS_TAG_CONN + ci);
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			conn_close(w, ci);
	}
}

void dns_tcp_want_write(struct dns_worker *w, int ci, int on)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = (w->conns[ci].rd_closed ? 0 : EPOLLIN | EPOLLRDHUP) | (on ? EPOLLOUT : 0);
	ev.data.u32 = (uint32_t)(DNS_TAG_CONN + ci);
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->conns[ci].fd, &ev);
}

/* recv(2) and send(2) on connection ci, through its TLS if it has one */
static ssize_t conn_recv(struct dns_worker *w, int ci, void *buf, size_t n)
{
	if (w->conns[ci].tls)
		return dns_tls_recv(w, ci, buf, n);
	return recv(w->conns[ci].fd, buf, n, MSG_DONTWAIT);
}

static ssize_t conn_send(struct dns_worker *w, int ci, const void *buf, size_t n)
{
	if (w->conns[ci].tls)
		return dns_tls_send(w, ci, buf, n);
	return send(w->conns[ci].fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int dns_tcp_flush(struct dns_worker *w, int ci)
{
	struct dns_tcp_conn *c = &w->conns[ci];

	while (c->wlen > 0) {
		ssize_t n = conn_send(w, ci, c->wbuf, c->wlen);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			dns_tcp_want_write(w, ci, 1);
			return 0;
		}
		if (n <= 0)
			return -1;
		c->wprog_ms = dns_now_ms();
		memmove(c->wbuf, c->wbuf + n, c->wlen - (size_t)n);
		c->wlen -= (size_t)n;
	}
	dns_tcp_want_write(w, ci, 0);
	return 0;
}

/* Room for n more bytes in c's output buffer (grown by doubling): 0, or -1 when it would
 * pass DNS_TCP_WBUF (the client does not read: do not hold its answers) or no memory. */
static int wbuf_reserve(struct dns_tcp_conn *c, size_t n)
{
	size_t cap = c->wcap ? c->wcap : DNS_TCP_WBUF_MIN;
	uint8_t *nb;

	if (c->wlen + n > DNS_TCP_WBUF)
		return -1;
	if (c->wlen == 0) /* output begins to wait: its clock starts */
		c->wprog_ms = dns_now_ms();
	if (c->wbuf && c->wlen + n <= c->wcap)
		return 0;
	while (cap < c->wlen + n)
		cap *= 2;
	if (cap > DNS_TCP_WBUF)
		cap = DNS_TCP_WBUF;
	nb = realloc(c->wbuf, cap);
	if (!nb)
		return -1;
	c->wbuf = nb;
	c->wcap = cap;
	return 0;
}

int dns_conn_queue(struct dns_worker *w, int ci, const uint8_t *p, size_t n)
{
	struct dns_tcp_conn *c = &w->conns[ci];

	if (wbuf_reserve(c, n) != 0)
		return -1;
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
	return 0;
}

void dns_tcp_send(struct dns_worker *w, const struct dns_client *cl, const uint8_t *msg, size_t len)
{
	struct dns_tcp_conn *c;
	uint8_t lenb[2];
	size_t off = 0;

	if (cl->conn < 0 || cl->conn >= w->nconns)
		return;
	c = &w->conns[cl->conn];
	if (c->fd < 0 || c->gen != cl->gen || len > 65535)
		return;
	if (c->kind == DNS_CONN_DOH) {
		dns_doh_send(w, cl, msg, len);
		return;
	}
	dnsw_put16(lenb, (uint16_t)len);
	if (c->tls) { /* DoT: the length and the message in one TLS record, and the answers
		       * of one read (pipelined queries) together: dns_tcp_event writes them */
		if ((c->batch && c->wlen + len + 2 > DNS_TCP_WBUF / 2 &&
		     dns_tcp_flush(w, cl->conn) != 0) ||
		    dns_conn_queue(w, cl->conn, lenb, 2) != 0 ||
		    dns_conn_queue(w, cl->conn, msg, len) != 0 ||
		    (!c->batch && dns_tcp_flush(w, cl->conn) != 0))
			conn_close(w, cl->conn);
		return;
	}
	if (c->wlen == 0) {
		struct iovec iov[2] = { { lenb, 2 }, { (void *)msg, len } };
		ssize_t n = writev(c->fd, iov, 2);

		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_close(w, cl->conn);
			return;
		}
		off = n > 0 ? (size_t)n : 0;
		if (off == len + 2)
			return;
	}
	/* keep the rest for when the socket is writable */
	if (wbuf_reserve(c, len + 2 - off) != 0) {
		conn_close(w, cl->conn); /* the client does not read: do not hold its answers */
		return;
	}
	if (off < 2) {
		memcpy(c->wbuf + c->wlen, lenb + off, 2 - off);
		c->wlen += 2 - off;
		off = 2;
	}
	memcpy(c->wbuf + c->wlen, msg + (off - 2), len - (off - 2));
	c->wlen += len - (off - 2);
	dns_tcp_want_write(w, cl->conn, 1);
}

void dns_tcp_done(struct dns_worker *w, const struct dns_client *cl)
{
	struct dns_tcp_conn *c;

	if (cl->conn < 0 || cl->conn >= w->nconns)
		return;
	c = &w->conns[cl->conn];
	if (c->fd >= 0 && c->gen == cl->gen && c->inflight > 0)
		c->inflight--;
}

/* The start of connection ci's stream, before its first message: a PROXY v2 header
 * (taken off, its source made the connection's client) or none (proxied.c decides which
 * is allowed). Returns 1 when the stream may go on, 0 to wait for more bytes, -1 when
 * the connection was closed. */
static int stream_start(struct dns_worker *w, int ci)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	int hl = dns_proxy_stream(w, c->proxy, c->rbuf, c->rlen, &c->addr, &c->addrlen);

	if (hl == DNS_PROXY_MORE)
		return 0;
	if (hl < 0) {
		conn_close(w, ci);
		return -1;
	}
	memmove(c->rbuf, c->rbuf + hl, c->rlen - (size_t)hl);
	c->rlen -= (size_t)hl;
	c->started = 1;
	return 1;
}

static void conn_event(struct dns_worker *w, const struct served *sh, int ci, uint32_t events)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	int closed = 0;

	if (c->kind == DNS_CONN_DOH) {
		dns_doh_event(w, ci, events);
		return;
	}
	if ((events & EPOLLOUT) && dns_tcp_flush(w, ci) != 0) {
		conn_close(w, ci);
		return;
	}
	/* TLS may want to read while the socket said it is writable (its handshake) */
	if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && !c->tls)
		return;
	c->batch = c->tls != NULL;
	for (;;) {
		ssize_t n = conn_recv(w, ci, c->rbuf + c->rlen, DNS_TCP_RBUF - c->rlen);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			closed = 1;
			break;
		}
		if (c->rlen == 0) /* a new message starts: its deadline runs from now */
			c->msg_deadline_ms = dns_now_ms() + DNS_TCP_MSG_MS;
		c->rlen += (size_t)n;
		if (!c->started) {
			int st = stream_start(w, ci);

			if (st < 0)
				return;
			if (st == 0)
				continue;
		}
		/* every complete message in the buffer (pipelining) */
		while (c->rlen >= 2) {
			size_t mlen = dnsw_get16(c->rbuf);
			struct dns_client cl;
			uint32_t gen = c->gen;

			if (mlen < DNSW_HEADER) { /* not a DNS message: end the connection */
				conn_close(w, ci);
				return;
			}
			if (c->rlen < 2 + mlen)
				break;
			cl.addr = c->addr;
			cl.addrlen = c->addrlen;
			cl.peer = c->addr; /* unused: answers go by connection */
			cl.peerlen = c->addrlen;
			cl.fd = -1;
			cl.conn = ci;
			cl.gen = gen;
			cl.stream = 0;
			dns_handle_query(w, sh, c->rbuf + 2, mlen, &cl);
			if (c->fd < 0 || c->gen != gen)
				return; /* closed while answering */
			memmove(c->rbuf, c->rbuf + 2 + mlen, c->rlen - 2 - mlen);
			c->rlen -= 2 + mlen;
			c->last_ms = dns_now_ms(); /* a whole message: the connection is in use */
			c->msg_deadline_ms = c->rlen > 0 ? c->last_ms + DNS_TCP_MSG_MS : 0;
		}
	}
	if (c->batch) { /* DoT: the answers this read produced, in as few records as fit */
		c->batch = 0;
		if (c->wlen > 0 && dns_tcp_flush(w, ci) != 0) {
			conn_close(w, ci);
			return;
		}
	}
	/* The client closed its side: answers still pending cannot be read back by most
	 * clients, but RFC 7766 allows a half-close after the last query, so keep the
	 * connection until they are sent (the idle sweep ends it). */
	if (closed && (c->inflight == 0 && c->wlen == 0)) {
		conn_close(w, ci);
	} else if (closed) {
		c->last_ms = 0; /* let the sweep close it once nothing is pending */
		c->rd_closed = 1;
		dns_tcp_want_write(w, ci, c->wlen > 0);
	}
}

/* After connection ci's event: what is left unread moves from the worker's scratch
 * buffer into one of the connection's own, and an own buffer that was emptied goes.
 * Returns 0, or -1 when the connection was closed (no memory). */
static int rbuf_settle(struct dns_worker *w, int ci)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	uint8_t *own;

	if (c->rlen == 0) {
		if (c->rbuf != w->rscratch)
			free(c->rbuf);
		c->rbuf = NULL;
		return 0;
	}
	if (c->rbuf != w->rscratch)
		return 0;
	own = malloc(c->rlen); /* only what is left: the next event reads in rscratch again */
	if (!own) {
		conn_close(w, ci);
		return -1;
	}
	memcpy(own, c->rbuf, c->rlen);
	c->rbuf = own;
	return 0;
}

void dns_tcp_event(struct dns_worker *w, const struct served *sh, int ci, uint32_t events)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	uint32_t gen = c->gen;

	if (c->fd < 0)
		return;
	if (!c->rbuf) {
		c->rbuf = w->rscratch;
	} else if (c->rbuf != w->rscratch) { /* a message begun in an earlier event */
		memcpy(w->rscratch, c->rbuf, c->rlen);
		free(c->rbuf);
		c->rbuf = w->rscratch;
	}
	c->shrunk = 0;
	if (c->kind == DNS_CONN_TCP || c->tls || dns_tls_preface(w, ci) > 0)
		conn_event(w, sh, ci, events);
	if (c->fd >= 0 && c->gen == gen)
		rbuf_settle(w, ci);
}

void dns_tcp_sweep(struct dns_worker *w, uint64_t now)
{
	int ci;

	/* only the slots ever used: the free stack hands out the lowest ones first, so
	 * conn_hi is the most connections open at once, not dns.max-connections */
	for (ci = 0; ci < w->conn_hi; ci++) {
		struct dns_tcp_conn *c = &w->conns[ci];

		if (c->fd < 0)
			continue;
		/* a message trickling in, or never finished (DoT, DoH: or the PROXY header
		 * and the TLS handshake); or nothing going on */
		if (c->msg_deadline_ms != 0 && now >= c->msg_deadline_ms && c->rlen == 0 &&
		    c->kind != DNS_CONN_TCP && dns_tls_ready(c))
			c->msg_deadline_ms = 0; /* the handshake was done in time */
		if ((c->msg_deadline_ms != 0 && now >= c->msg_deadline_ms &&
		     (c->rlen > 0 || c->kind != DNS_CONN_TCP)) ||
		    (c->rlen == 0 && c->inflight == 0 && c->wlen == 0 &&
		     now - c->last_ms > w->srv->idle_ms) ||
		    (c->wlen > 0 && now - c->wprog_ms > w->srv->idle_ms)) {
			conn_close(w, ci);
			continue;
		}
		if (!c->shrunk && c->wlen == 0 && c->rlen == 0 &&
		    now - c->last_ms >= DNS_TCP_SHRINK_MS) {
			free(c->wbuf); /* idle: give the output buffers back */
			c->wbuf = NULL;
			c->wcap = 0;
			dns_tls_idle(c);
			c->shrunk = 1; /* until its next event */
			dns_count(w, C_CONN_IDLE);
			w->freed_since_trim++;
		}
	}
	/* After many connections closed or went idle, give the heap's free pages back to
	 * the system (glibc keeps them otherwise: the state of thousands of handshakes). */
	if (w->freed_since_trim >= DNS_TRIM_AFTER && now - w->last_trim_ms >= DNS_TRIM_MS) {
		malloc_trim(0);
		w->freed_since_trim = 0;
		w->last_trim_ms = now;
	}
}

void dns_uptcp_abort(struct dns_worker *w, int ui)
{
	struct dns_uptcp *u;

	if (ui < 0 || ui >= DNS_MAX_UPTCP)
		return;
	u = &w->uptcp[ui];
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

void dns_tcp_close_all(struct dns_worker *w)
{
	int i;

	for (i = 0; w->conns && i < w->nconns; i++)
		conn_close(w, i);
	for (i = 0; w->uptcp && i < DNS_MAX_UPTCP; i++)
		dns_uptcp_abort(w, i);
	for (i = 0; i < w->srv->nlisten; i++)
		if (w->tcp_fd[i] >= 0) {
			close(w->tcp_fd[i]);
			w->tcp_fd[i] = -1;
		}
	for (i = 0; i < DNS_MAX_LISTEN; i++) { /* DoT and DoH */
		if (w->tls_fd[i] >= 0)
			close(w->tls_fd[i]);
		if (w->https_fd[i] >= 0)
			close(w->https_fd[i]);
		w->tls_fd[i] = w->https_fd[i] = -1;
	}
	free(w->conns);
	free(w->conn_free);
	free(w->rscratch);
	free(w->uptcp);
	w->conns = NULL;
	w->conn_free = NULL;
	w->rscratch = NULL;
	w->uptcp = NULL;
	dns_tls_unlisten(w);
}

int dns_uptcp_start(struct dns_worker *w, int pi)
{
	struct dns_pending *p = &w->pending[pi];
	struct dns_upstream *up = &w->srv->up[p->upstream];
	struct epoll_event ev;
	struct dns_uptcp *u;
	int ui, fd;

	for (ui = 0; ui < DNS_MAX_UPTCP; ui++)
		if (w->uptcp[ui].fd < 0)
			break;
	if (ui == DNS_MAX_UPTCP)
		return -1;
	fd = socket(up->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&up->addr, up->addrlen) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	u = &w->uptcp[ui];
	u->fd = fd;
	u->pending = pi;
	dnsw_put16(u->buf, p->query_len);
	memcpy(u->buf + 2, p->query, p->query_len);
	u->want = 2 + (size_t)p->query_len;
	u->len = 0;
	u->sending = 1;
	u->start_ms = dns_now_ms();
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.u32 = (uint32_t)(DNS_TAG_UPTCP + ui);
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		dns_uptcp_abort(w, ui);
		return -1;
	}
	p->uptcp = ui;
	p->sent_ms = u->start_ms; /* the timeout now covers the TCP exchange */
	return 0;
}

void dns_uptcp_event(struct dns_worker *w, const struct served *sh, int ui, uint32_t events)
{
	struct dns_uptcp *u = &w->uptcp[ui];
	struct dns_pending *p;
	ssize_t n;

	if (u->fd < 0)
		return;
	p = &w->pending[u->pending];
	if (!p->used || p->uptcp != ui) {
		dns_uptcp_abort(w, ui);
		return;
	}
	if (u->sending) {
		if (events & (EPOLLERR | EPOLLHUP))
			goto fail;
		n = send(u->fd, u->buf + u->len, u->want - u->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
			return;
		if (n <= 0)
			goto fail;
		u->len += (size_t)n;
		if (u->len == u->want) {
			struct epoll_event ev;

			u->sending = 0;
			u->len = 0;
			u->want = 2;
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.u32 = (uint32_t)(DNS_TAG_UPTCP + ui);
			epoll_ctl(w->epfd, EPOLL_CTL_MOD, u->fd, &ev);
		}
		return;
	}
	for (;;) {
		n = recv(u->fd, u->buf + u->len, u->want - u->len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			goto fail;
		u->len += (size_t)n;
		if (u->len == 2 && u->want == 2) {
			u->want = 2 + (size_t)dnsw_get16(u->buf);
			if (u->want == 2)
				goto fail;
		}
		if (u->len == u->want && u->want > 2) {
			/* hands the answer over; frees p and, through it, this exchange */
			dns_handle_upstream(w, sh, -1, u->buf + 2, u->want - 2, 0);
			if (w->uptcp[ui].fd >= 0 && (!p->used || p->uptcp != ui))
				dns_uptcp_abort(w, ui);
			return;
		}
	}
fail:
	/* Leave the query pending: its timeout retries (over UDP, then TCP again). */
	dns_uptcp_abort(w, ui);
	p->uptcp = -1;
}
