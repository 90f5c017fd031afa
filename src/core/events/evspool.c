/*
 * evspool.c -- see evspool.h. The file is written with pwrite at its tracked end and
 * read with pread into one fixed buffer; the only state kept on disk besides the records
 * is the header's `done` offset.
 */
#include "core/events/evspool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/base/siphash.h"
#include "core/store/store_blocks.h"

/* Fixed keys: the checksum guards against torn writes and flipped bits, not attackers
 * (whoever can write the spool can write the store). */
#define K0	0x69737073706f6f6cULL /* "ispspool" */
#define K1	0x6576656e74733031ULL /* "events01" */
#define MAGIC	0x45565349u	      /* "ISVE" read little-endian */
#define VERSION 1u

static const unsigned char head_magic[8] = { 'I', 'S', 'P', 'S', 'P', 'O', 'O', 'L' };

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | ((uint64_t)get32(p + 4) << 32);
}

int evspool_path(const char *dir, const char *service, const char *listen, char *out, size_t size)
{
	size_t dl = strlen(dir), sl = strlen(service), i, o;
	const char *p;

	if (dl + sl + 16 >= size)
		return ISR_ELIMIT;
	o = (size_t)snprintf(out, size, "%s%s%s-", dir, dl && dir[dl - 1] != '/' ? "/" : "",
			     service);
	while (*listen == ' ')
		listen++;
	for (p = listen, i = 0; *p && *p != ',' && o + 7 < size; p++, i++) {
		char c = *p;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '.' || c == '-';

		out[o++] = keep ? c : '_';
	}
	if (*p && *p != ',')
		return ISR_ELIMIT;
	if (i == 0)
		out[o++] = '_';
	memcpy(out + o, ".spool", 7);
	return 0;
}

static void reject(struct evspool *sp, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct evspool *sp, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	sp->rejected++;
	va_start(ap, fmt);
	isp_vreject(sp->on_reject, sp->ud, sp->path, 0, (long long)off, fmt, ap);
	va_end(ap);
}

static int write_header(struct evspool *sp, struct isp_err *err)
{
	unsigned char h[EVSPOOL_HEADER];

	memcpy(h, head_magic, sizeof(head_magic));
	put32(h + 8, VERSION);
	put32(h + 12, 0);
	put64(h + 16, sp->done);
	put64(h + 24, siphash13(K0, K1, h, 24));
	if (pwrite(sp->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || fdatasync(sp->fd) != 0)
		return isp_err_set(err, ISR_EIO, "%s: cannot write the spool header: %s", sp->path,
				   strerror(errno));
	return 0;
}

int evspool_open(const char *path, int64_t max_bytes, isp_reject_fn on_reject, void *ud,
		 struct evspool **out, struct isp_err *err)
{
	struct evspool *sp;
	unsigned char h[EVSPOOL_HEADER];
	struct stat st;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(sp->path))
		return isp_err_set(err, ISR_ELIMIT, "spool path too long");
	rc = fs_mkdir_parents(path, err);
	if (rc)
		return rc;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	sp->buf = malloc(EVSPOOL_BUF);
	snprintf(sp->path, sizeof(sp->path), "%s", path);
	sp->max_bytes = max_bytes < EVSPOOL_HEADER ? EVSPOOL_HEADER : max_bytes;
	sp->on_reject = on_reject;
	sp->ud = ud;
	sp->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (!sp->buf || sp->fd < 0) {
		rc = sp->buf ? isp_err_set(err, ISR_EIO, "%s: cannot open the spool: %s", path,
					   strerror(errno))
			     : isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto fail;
	}
	if (flock(sp->fd, LOCK_EX | LOCK_NB) != 0) {
		rc = isp_err_set(err, ISR_EEXIST,
				 "%s: the spool is held by another process (two nodes with the "
				 "same service and listen address?)",
				 path);
		goto fail;
	}
	if (fstat(sp->fd, &st) != 0) {
		rc = isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	sp->size = (uint64_t)st.st_size;
	sp->done = EVSPOOL_HEADER;
	if (sp->size >= EVSPOOL_HEADER && pread(sp->fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	    memcmp(h, head_magic, sizeof(head_magic)) == 0 && get32(h + 8) == VERSION &&
	    get64(h + 24) == siphash13(K0, K1, h, 24)) {
		sp->done = get64(h + 16);
		if (sp->done < EVSPOOL_HEADER)
			sp->done = EVSPOOL_HEADER;
		if (sp->done > sp->size)
			sp->done = sp->size; /* truncated before the header was written */
	} else if (sp->size > 0) {
		reject(sp, 0, "bad spool header: every record in the file is read again");
	}
	if (sp->size < EVSPOOL_HEADER)
		sp->size = EVSPOOL_HEADER;
	rc = write_header(sp, err);
	if (rc)
		goto fail;
	*out = sp;
	return 0;
fail:
	evspool_close(sp);
	return rc;
}

void evspool_close(struct evspool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0)
		close(sp->fd); /* releases the lock */
	free(sp->buf);
	free(sp);
}

int evspool_pending(const struct evspool *sp)
{
	return sp && sp->done < sp->size;
}

/* Length of s cut to max; NULL is "". */
static size_t cut(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return 0;
	while (n < max && s[n])
		n++;
	return n;
}

/* Encode ev at p (room for EVSPOOL_REC_HEADER + EVSPOOL_PAYLOAD_MAX); returns its size. */
static size_t encode(unsigned char *p, const struct store_block_event *ev)
{
	const char *s[5] = { ev->client, ev->qname, ev->list, ev->entry, ev->reason };
	static const size_t max[5] = { EVSPOOL_CLIENT_MAX, EVSPOOL_NAME_MAX, EVSPOOL_LIST_MAX,
				       EVSPOOL_NAME_MAX, EVSPOOL_REASON_MAX };
	unsigned char *q = p + EVSPOOL_REC_HEADER;
	size_t len[5], i, plen;

	put64(q, (uint64_t)ev->time_ms);
	put16(q + 8, ev->port);
	put16(q + 10, ev->qtype);
	plen = 22;
	for (i = 0; i < 5; i++) {
		len[i] = cut(s[i], max[i]);
		put16(q + 12 + 2 * i, (uint16_t)len[i]);
	}
	for (i = 0; i < 5; i++) {
		if (len[i])
			memcpy(q + plen, s[i], len[i]);
		plen += len[i];
	}
	put32(p, MAGIC);
	put32(p + 4, (uint32_t)plen);
	put64(p + 8, siphash13(K0, K1, q, plen));
	return EVSPOOL_REC_HEADER + plen;
}

int evspool_append(struct evspool *sp, const struct store_block_event *ev, size_t n,
		   size_t *dropped, struct isp_err *err)
{
	size_t i, fill = 0, dropn = 0;
	uint64_t end = sp->size;
	int rc = 0;

	*dropped = 0;
	for (i = 0; i < n; i++) {
		unsigned char *p;
		size_t len;

		if (fill + EVSPOOL_REC_HEADER + EVSPOOL_PAYLOAD_MAX > EVSPOOL_BUF) {
			if (pwrite(sp->fd, sp->buf, fill, (off_t)sp->size) != (ssize_t)fill)
				goto io;
			sp->size += fill;
			fill = 0;
		}
		p = sp->buf + fill;
		len = encode(p, &ev[i]);
		if (end + len > (uint64_t)sp->max_bytes) {
			dropn++;
			continue;
		}
		end += len;
		fill += len;
	}
	if (fill && pwrite(sp->fd, sp->buf, fill, (off_t)sp->size) != (ssize_t)fill)
		goto io;
	sp->size += fill;
	if (fdatasync(sp->fd) != 0)
		goto io;
	*dropped = dropn;
	return 0;
io:
	rc = isp_err_set(err, ISR_EIO, "%s: cannot append to the spool: %s", sp->path,
			 strerror(errno));
	{
		struct stat st;

		/* a short write leaves a torn record the reader will skip; go on after it */
		if (fstat(sp->fd, &st) == 0 && (uint64_t)st.st_size > sp->size)
			sp->size = (uint64_t)st.st_size;
	}
	*dropped = n; /* what was written before the failure stays, uncounted */
	return rc;
}

int evspool_decode(const unsigned char *p, size_t avail, struct evspool_event *out, size_t *used,
		   char reason[64])
{
	static const size_t max[5] = { EVSPOOL_CLIENT_MAX, EVSPOOL_NAME_MAX, EVSPOOL_LIST_MAX,
				       EVSPOOL_NAME_MAX, EVSPOOL_REASON_MAX };
	char *dst[5] = { out->client, out->qname, out->list, out->entry, out->reason };
	const unsigned char *q, *m;
	size_t plen, len[5], i, at, sum = 22;
	static const unsigned char magic[4] = { 'I', 'S', 'V', 'E' };

	if (avail < EVSPOOL_REC_HEADER)
		return 0;
	if (get32(p) != MAGIC) {
		snprintf(reason, 64, "bad record magic");
		goto skip;
	}
	plen = get32(p + 4);
	if (plen < 22 || plen > EVSPOOL_PAYLOAD_MAX) {
		snprintf(reason, 64, "bad record length %zu", plen);
		goto skip;
	}
	if (avail < EVSPOOL_REC_HEADER + plen)
		return 0;
	q = p + EVSPOOL_REC_HEADER;
	if (get64(p + 8) != siphash13(K0, K1, q, plen)) {
		snprintf(reason, 64, "bad record checksum");
		goto skip;
	}
	for (i = 0; i < 5; i++) {
		len[i] = get16(q + 12 + 2 * i);
		if (len[i] > max[i]) {
			snprintf(reason, 64, "field %zu too long (%zu bytes)", i, len[i]);
			*used = EVSPOOL_REC_HEADER + plen;
			return -1;
		}
		sum += len[i];
	}
	if (sum != plen) {
		snprintf(reason, 64, "field lengths %zu do not add up to %zu", sum, plen);
		*used = EVSPOOL_REC_HEADER + plen;
		return -1;
	}
	for (i = 0, at = 22; i < 5; i++) {
		memcpy(dst[i], q + at, len[i]);
		dst[i][len[i]] = '\0';
		at += len[i];
	}
	out->ev.time_ms = (int64_t)get64(q);
	out->ev.port = get16(q + 8);
	out->ev.qtype = get16(q + 10);
	out->ev.client = out->client;
	out->ev.qname = out->qname;
	out->ev.list = out->list;
	out->ev.entry = out->entry;
	out->ev.reason = out->reason;
	*used = EVSPOOL_REC_HEADER + plen;
	return 1;
skip:
	/* resynchronise on the next magic; keep the last 3 bytes, which may start one */
	m = avail > 4 ? memmem(p + 1, avail - 1, magic, 4) : NULL;
	*used = m ? (size_t)(m - p) : (avail > 3 ? avail - 3 : 1);
	return -1;
}

int evspool_read(struct evspool *sp, struct evspool_event *out, size_t max, size_t *n,
		 uint64_t *next, struct isp_err *err)
{
	uint64_t off = sp->done;
	int resync = 0;

	*n = 0;
	if (max > EVSPOOL_BATCH)
		max = EVSPOOL_BATCH;
	while (*n < max && off < sp->size) {
		size_t want = sp->size - off > EVSPOOL_BUF ? EVSPOOL_BUF : (size_t)(sp->size - off);
		ssize_t got = pread(sp->fd, sp->buf, want, (off_t)off);
		size_t pos = 0;
		int eof;

		if (got < 0)
			return isp_err_set(err, ISR_EIO, "%s: cannot read the spool: %s", sp->path,
					   strerror(errno));
		if (got == 0) {
			sp->size = off; /* shrunk under us: nothing more to read */
			break;
		}
		eof = off + (uint64_t)got >= sp->size;
		while (pos < (size_t)got && *n < max) {
			char reason[64];
			size_t used = 0;
			int r = evspool_decode(sp->buf + pos, (size_t)got - pos, &out[*n], &used,
					       reason);

			if (r == 1) {
				(*n)++;
				resync = 0;
			} else if (r == 0) {
				if (!eof)
					break; /* read on from this record */
				if (!resync)
					reject(sp, off + pos, "torn record: %zu bytes at the end",
					       (size_t)got - pos);
				used = (size_t)got - pos;
			} else {
				if (!resync)
					reject(sp, off + pos, "%s; skipped", reason);
				resync = 1;
			}
			pos += used;
		}
		off += pos;
		if (pos == 0)
			break; /* cannot happen: a record always fits the buffer */
	}
	*next = off;
	return 0;
}

int evspool_consume(struct evspool *sp, uint64_t next, struct isp_err *err)
{
	if (next > sp->size)
		next = sp->size;
	if (next < sp->done)
		return 0;
	if (next == sp->size) {
		if (ftruncate(sp->fd, EVSPOOL_HEADER) != 0)
			return isp_err_set(err, ISR_EIO, "%s: cannot truncate the spool: %s",
					   sp->path, strerror(errno));
		sp->size = EVSPOOL_HEADER;
		next = EVSPOOL_HEADER;
	}
	sp->done = next;
	return write_header(sp, err);
}

int evspool_prune(const char *dir, int64_t now, int64_t age, int dry_run, long *removed,
		  struct isp_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	int rc = 0;

	*removed = 0;
	if (!d)
		return errno == ENOENT ? 0
				       : isp_err_set(err, ISR_EIO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		struct stat sb;
		int fd;

		if (n <= 6 || strcmp(de->d_name + n - 6, ".spool") != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    (int64_t)sb.st_mtime >= now - age || flock(fd, LOCK_EX | LOCK_NB) != 0) {
			close(fd);
			continue;
		}
		if (!dry_run && unlink(path) != 0) {
			rc = isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
			close(fd);
			break;
		}
		(*removed)++;
		close(fd);
	}
	closedir(d);
	return rc;
}
