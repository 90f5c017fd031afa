/*
 * binwrite.c -- the buffered writer of the binary index files (binwrite.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/binwrite.h"

void binw_flush(struct binw *w)
{
	size_t off = 0;

	if (w->n == 0)
		return;
	if (w->on_block)
		w->on_block(w->ud, w->buf, w->n);
	while (!w->failed && off < w->n) {
		ssize_t k = write(w->fd, w->buf + off, w->n - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			w->failed = errno ? errno : EIO;
		else
			off += (size_t)k;
	}
	w->n = 0;
}

size_t mem_fill(void *buf, size_t cap, size_t *n, const unsigned char **p, size_t *len)
{
	size_t k = cap - *n;

	if (k > *len)
		k = *len;
	memcpy((unsigned char *)buf + *n, *p, k);
	*n += k;
	*p += k;
	*len -= k;
	return k;
}

void binw_put(struct binw *w, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len > 0) {
		w->written += mem_fill(w->buf, w->cap, &w->n, &s, &len);
		if (w->n == w->cap)
			binw_flush(w);
	}
}

int binw_header_sync(int fd, const void *h, size_t hsz, const char *path, struct isp_err *err)
{
	if (pwrite(fd, h, hsz, 0) != (ssize_t)hsz || fsync(fd) != 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

int mem_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	return mem_grow_from(p, cap, need, elem, 1024);
}

int mem_grow_from(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t n = *cap ? *cap : first;
	void *q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	q = realloc(*p, n * elem);
	if (!q)
		return ISR_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

void *mem_next(void **p, size_t *cap, size_t n, size_t elem, size_t first)
{
	unsigned char *e;

	if (mem_grow_from(p, cap, n + 1, elem, first))
		return NULL;
	e = (unsigned char *)*p + n * elem;
	memset(e, 0, elem);
	return e;
}
