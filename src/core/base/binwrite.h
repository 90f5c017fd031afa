/*
 * binwrite.h -- the buffered writer of the binary index files (the lists snapshot, the
 * sessions index) and the growing arrays their builders fill.
 */
#ifndef ISP_CORE_BINWRITE_H
#define ISP_CORE_BINWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

/*
 * Buffered writer to fd. binw_put copies into buf (cap bytes, the caller's) and writes each
 * full buffer; the first write error is kept in failed (an errno), after which nothing more
 * is written. on_block, when set, sees each buffer's bytes just before they are written
 * (a per-block checksum).
 */
struct binw {
	int fd;
	unsigned char *buf;
	size_t cap, n;
	uint64_t written; /* bytes put */
	int failed;
	void (*on_block)(void *ud, const void *p, size_t n);
	void *ud;
};

void binw_put(struct binw *w, const void *p, size_t len);
/* Write what is buffered. */
void binw_flush(struct binw *w);
/* Write the header h (hsz bytes) over the file's start and fsync fd: 0, or ISR_EIO naming
 * path in err. */
int binw_header_sync(int fd, const void *h, size_t hsz, const char *path, struct isp_err *err);

/* Copy into the block buffer buf (cap bytes, *n in use) as much of the *len bytes at *p as
 * fits, advancing *n, *p and *len; returns how many bytes were copied. The caller
 * empties buf when *n reaches cap: the one block-filling loop of binw_put and sha256. */
size_t mem_fill(void *buf, size_t cap, size_t *n, const unsigned char **p, size_t *len);

/* Make room for need elements of elem bytes in *p (capacity *cap, doubling from 1024):
 * 0, or ISR_ENOMEM with *p and *cap untouched. */
int mem_grow(void **p, size_t *cap, size_t need, size_t elem);
/* mem_grow with the first capacity `first` (> 0) instead of 1024: the one growing array
 * of the code base, for arrays that are usually small. */
int mem_grow_from(void **p, size_t *cap, size_t need, size_t elem, size_t first);
/* Element n of the array *p (grown as mem_grow_from does to hold n + 1), zeroed: the
 * caller fills it and then counts it. NULL when out of memory (nothing changed). */
void *mem_next(void **p, size_t *cap, size_t n, size_t elem, size_t first);

#endif
