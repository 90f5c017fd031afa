/*
 * buf.c -- the proxy's connection buffers (struct px_buf) and the non-blocking
 * read and write of a socket into and out of them (see proxy_int.h).
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

/* ---- buffers ---- */

int px_buf_init(struct px_buf *b, size_t cap)
{
	b->d = malloc(cap);
	b->off = b->len = 0;
	b->cap = cap;
	return b->d ? 0 : -1;
}

size_t px_buf_space(struct px_buf *b)
{
	if (b->len == 0)
		b->off = 0;
	if (b->off > 0 && b->off + b->len > b->cap / 2) {
		memmove(b->d, b->d + b->off, b->len);
		b->off = 0;
	}
	return b->cap - b->off - b->len;
}

char *px_buf_tail(struct px_buf *b)
{
	return b->d + b->off + b->len;
}

void px_buf_consume(struct px_buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

/* Append (fails, returns -1, when it does not fit). */
int px_buf_put(struct px_buf *b, const void *p, size_t n)
{
	if (px_buf_space(b) < n)
		return -1;
	memcpy(px_buf_tail(b), p, n);
	b->len += n;
	return 0;
}

size_t px_buf_move(struct px_buf *to, struct px_buf *from, size_t n)
{
	size_t space = px_buf_space(to);

	if (n > from->len)
		n = from->len;
	if (n > space)
		n = space;
	px_buf_put(to, from->d + from->off, n);
	px_buf_consume(from, n);
	return n;
}

int px_buf_printf(struct px_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t space = px_buf_space(b);
	int k;

	va_start(ap, fmt);
	k = vsnprintf(px_buf_tail(b), space, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= space)
		return -1;
	b->len += (size_t)k;
	return 0;
}

/* ---- socket I/O ---- */

int px_do_read(int fd, struct px_buf *b)
{
	size_t space = px_buf_space(b);
	ssize_t n;

	if (space == 0)
		return 0;
	n = read(fd, px_buf_tail(b), space);
	if (n > 0) {
		b->len += (size_t)n;
		return 1;
	}
	if (n == 0)
		return -1; /* EOF */
	return errno == EAGAIN || errno == EINTR ? 0 : -2;
}

int px_do_write(int fd, struct px_buf *b)
{
	ssize_t n;

	if (b->len == 0 || fd < 0)
		return 0;
	n = send(fd, b->d + b->off, b->len, MSG_NOSIGNAL);
	if (n > 0) {
		px_buf_consume(b, (size_t)n);
		return 1;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -2;
}
