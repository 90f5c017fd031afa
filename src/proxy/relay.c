/*
 * relay.c -- the response side and body relaying of a proxy connection: request and
 * response bodies relayed byte for byte, the upstream response head, and the latency
 * histogram (see proxy_int.h).
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

/* ---- relaying ---- */

/*
 * Move body bytes from `from` to `to`, as many as `to` has room for, for a body framed as
 * `body`: with B_LENGTH at most *remain (taken off it), with B_CHUNKED what the chunk
 * decoder ch takes, with B_CLOSE all. *done is set when the body has ended (the bytes
 * after it stay in from). Returns 0, or -1 for broken chunking.
 */
static int relay_body(struct px_buf *to, struct px_buf *from, enum px_body body, int64_t *remain,
		      struct http_chunked *ch, int *done)
{
	*done = 0;
	while (!*done && from->len > 0) {
		size_t n = px_buf_space(to);

		if (n == 0)
			return 0;
		if (n > from->len)
			n = from->len;
		if (body == B_LENGTH) {
			if ((int64_t)n > *remain)
				n = (size_t)*remain;
			*remain -= (int64_t)n;
			*done = *remain == 0;
		} else if (body == B_CHUNKED) {
			ssize_t k = http_chunked_feed(ch, from->d + from->off, n, done);

			if (k < 0)
				return -1;
			n = (size_t)k;
		}
		px_buf_move(to, from, n);
	}
	return 0;
}

/* Move request body bytes from cin to uout. */
void px_relay_request_body(struct px_conn *c)
{
	int done;

	if (c->req_done)
		return;
	if (relay_body(&c->uout, &c->cin, c->req_body, &c->req_remain, &c->req_ch, &done) < 0) {
		c->close_after = 1; /* the upstream sees a broken body and ends */
		c->req_done = 1;
		return;
	}
	c->req_done = done;
}

/* Move response body bytes from uin to cout. */
void px_relay_response_body(struct px_conn *c)
{
	int done;

	if (c->resp != RS_BODY)
		return;
	if (relay_body(&c->cout, &c->uin, c->resp_body, &c->resp_remain, &c->resp_ch, &done) < 0) {
		c->close_after = 1;
		c->up_keep = 0;
		c->resp = RS_DONE;
		return;
	}
	if (done)
		c->resp = RS_DONE;
	if (c->resp == RS_DONE && c->uin.len > 0)
		c->up_keep = 0; /* extra bytes after the response: do not reuse */
}

void px_latency(struct px_worker *w, struct px_conn *c)
{
	uint64_t ms = px_now_ms() - c->t_start;
	int b = 0;

	while (b < PX_LAT_BUCKETS && (double)ms > px_lat_bounds[b])
		b++;
	atomic_fetch_add_explicit(&w->lat[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->lat_sum_us, ms * 1000, memory_order_relaxed);
}

/* Parse a response head in uin and write it, rewritten, into cout. */
void px_response_head(struct px_worker *w, struct px_conn *c)
{
	struct http_head *h = malloc(sizeof(*h));
	const struct isp_config *cfg = w->srv->cfg;
	ssize_t k;
	int rc;

	if (!h) {
		c->close_after = 1;
		return;
	}
	while (c->resp == RS_HEAD && c->uin.len > 0) {
		rc = http_parse_response(c->uin.d + c->uin.off, c->uin.len, &c->uscan,
					 (size_t)cfg->proxy_max_header_bytes,
					 (size_t)cfg->proxy_max_headers, h);
		if (rc == HTTP_INCOMPLETE)
			break;
		if (rc < 0 || h->status == 101) {
			px_count(w, P_UPSTREAM_ERRORS);
			px_close_upstream(c);
			px_respond_error(w, c, 502);
			break;
		}
		if (px_buf_space(&c->cout) < h->head_len + 256)
			break; /* wait until the client has taken what came before */
		c->uscan = 0;
		if (h->status >= 100 && h->status < 200) {
			/* interim (100 Continue, 103): pass on, wait for the final one */
			px_buf_printf(&c->cout, "HTTP/1.1 %d %.*s\r\n\r\n", h->status, (int)h->rlen,
				      h->reason);
			px_buf_consume(&c->uin, h->head_len);
			continue;
		}
		c->up_keep = !h->conn_close;
		if (c->is_head || h->status == 204 || h->status == 304) {
			c->resp_body = B_NONE;
		} else if (h->chunked) {
			c->resp_body = B_CHUNKED;
		} else if (h->content_length >= 0) {
			c->resp_body = B_LENGTH;
			c->resp_remain = h->content_length;
		} else {
			c->resp_body = B_CLOSE;
			c->up_keep = 0;
			c->close_after = 1;
		}
		if (!c->req_done)
			c->close_after = 1; /* answered before the body was sent */
		px_buf_printf(&c->cout, "HTTP/1.1 %d %.*s\r\n", h->status, (int)h->rlen, h->reason);
		/* framing from the parsed values (a response with both Transfer-Encoding
		 * and Content-Length loses the Content-Length; HEAD and 304 keep theirs) */
		k = http_forward_fields(h, 0, h->status != 204 && c->resp_body != B_CLOSE,
					px_buf_tail(&c->cout), px_buf_space(&c->cout));
		if (k < 0) {
			px_count(w, P_UPSTREAM_ERRORS);
			px_close_upstream(c);
			px_respond_error(w, c, 502);
			break;
		}
		c->cout.len += (size_t)k;
		px_buf_printf(&c->cout, "Via: 1.%d ispshield\r\n%s\r\n", h->minor,
			      c->close_after ? "Connection: close\r\n" : "");
		px_buf_consume(&c->uin, h->head_len);
		c->resp_sent = 1;
		px_latency(w, c);
		c->resp = (c->resp_body == B_NONE ||
			   (c->resp_body == B_LENGTH && c->resp_remain == 0))
				  ? RS_DONE
				  : RS_BODY;
		c->deadline = px_now_ms() + (uint64_t)cfg->proxy_idle_timeout * 1000;
	}
	free(h);
}
