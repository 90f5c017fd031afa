/*
 * linereader.c -- bounded line reader. See linereader.h.
 *
 * One buffer buf[0..cap] with the unread bytes in buf[start..end). A line is looked for
 * with memchr; when the buffer holds no newline it is compacted and refilled with fread.
 * Since cap >= 2 * max_line + 2, a buffer without a newline that holds max_line + 2 bytes
 * proves the line too long: it is then skipped chunk by chunk, never stored. The byte at
 * buf[cap] is spare room for the NUL after a last line that fills the buffer.
 */
#include "core/base/linereader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LR_MAX_LINE_LIMIT ((size_t)64 * 1024 * 1024)

struct lr {
	FILE *f;
	size_t max_line;
	char *buf; /* cap + 1 bytes */
	size_t cap;
	size_t start;	    /* first unread byte */
	size_t end;	    /* one past the last buffered byte */
	long long base_off; /* stream offset of buf[0] */
	long lineno;	    /* lines returned so far */
	int eof;	    /* fread reported end of stream */
};

struct lr *lr_new(FILE *f, size_t max_line)
{
	size_t cap = 2 * max_line + 2;
	struct lr *r;

	if (!f || max_line == 0 || max_line > LR_MAX_LINE_LIMIT)
		return NULL;
	r = calloc(1, sizeof(*r) + cap + 1); /* the reader, then its buffer */
	if (!r)
		return NULL;
	r->f = f;
	r->max_line = max_line;
	r->cap = cap;
	r->buf = (char *)(r + 1);
	return r;
}

void lr_free(struct lr *r)
{
	free(r); /* its buffer with it */
}

/* Move the unread bytes to the front and read more. 0 or ISR_EIO; sets eof. */
static int fill(struct lr *r, struct isp_err *err)
{
	size_t n;
	size_t room;

	if (r->eof)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->base_off += (long long)r->start;
		r->start = 0;
	}
	if (r->end >= r->cap)
		return 0;
	room = r->cap - r->end;
	n = fread(r->buf + r->end, 1, room, r->f);
	r->end += n;
	if (n < room) {
		if (ferror(r->f))
			return isp_err_set(err, ISR_EIO, "read failed: %s",
					   errno ? strerror(errno) : "stream error");
		r->eof = 1;
	}
	return 0;
}

/* Skip the rest of an over-long line up to and including its newline. */
static int skip_line(struct lr *r, long long *full_len, struct isp_err *err)
{
	char *nl;
	int rc;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			*full_len += nl - (r->buf + r->start);
			r->start = (size_t)(nl - r->buf) + 1;
			return 0;
		}
		*full_len += (long long)(r->end - r->start);
		r->base_off += (long long)r->end;
		r->start = 0;
		r->end = 0;
		if (r->eof)
			return 0;
		rc = fill(r, err);
		if (rc < 0)
			return rc;
		if (r->eof && r->end == 0)
			return 0;
	}
}

int lr_next(struct lr *r, struct lr_line *out, struct isp_err *err)
{
	char *line;
	char *nl;
	size_t len;
	size_t used;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			len = (size_t)(nl - (r->buf + r->start));
			used = len + 1;
			break;
		}
		if (r->end - r->start >= r->max_line + 2) {
			out->lineno = ++r->lineno;
			out->offset = r->base_off + (long long)r->start;
			out->too_long = 1;
			out->text = r->buf + r->cap; /* the spare byte, made "" */
			*out->text = '\0';
			rc = skip_line(r, &out->full_len, err);
			return rc < 0 ? rc : 1;
		}
		if (r->eof) {
			if (r->end == r->start)
				return 0;
			len = r->end - r->start;
			used = len;
			break;
		}
		rc = fill(r, err);
		if (rc < 0)
			return rc;
	}
	line = r->buf + r->start;
	out->lineno = ++r->lineno;
	out->offset = r->base_off + (long long)r->start;
	out->full_len = (long long)len;
	r->start += used;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > r->max_line) {
		out->too_long = 1;
		out->text = r->buf + r->cap;
		*out->text = '\0';
		return 1;
	}
	line[len] = '\0';
	out->text = line;
	out->len = len;
	out->has_nul = memchr(line, '\0', len) != NULL;
	return 1;
}

int lr_peek(struct lr *r, size_t want, const char **data, size_t *len, struct isp_err *err)
{
	int rc;

	if (want > r->cap - 2)
		return isp_err_set(err, ISR_EINVAL, "peek of %zu bytes exceeds the buffer", want);
	while (r->end - r->start < want && !r->eof) {
		rc = fill(r, err);
		if (rc < 0)
			return rc;
	}
	*data = r->buf + r->start;
	*len = r->end - r->start < want ? r->end - r->start : want;
	return 0;
}

int lr_take(struct lr *r, const char **data, size_t *len, struct isp_err *err)
{
	int rc;

	if (r->start == r->end) {
		rc = fill(r, err);
		if (rc < 0)
			return rc;
	}
	if (r->start == r->end)
		return 0;
	*data = r->buf + r->start;
	*len = r->end - r->start;
	r->base_off += (long long)r->end;
	r->start = 0;
	r->end = 0;
	return 1;
}

int lr_at_eof(const struct lr *r)
{
	return r->eof;
}

void lr_drop_bom(struct lr_line *ln)
{
	if (ln->lineno == 1 && ln->len >= 3 && memcmp(ln->text, LR_UTF8_BOM, 3) == 0) {
		ln->text += 3;
		ln->len -= 3;
	}
}

void lr_sniff_init(struct lr_sniff *s, const char *p, size_t n, int complete)
{
	if (n >= 3 && memcmp(p, LR_UTF8_BOM, 3) == 0) {
		p += 3;
		n -= 3;
	}
	s->p = p;
	s->n = n;
	s->complete = complete;
}

int lr_sniff_next(struct lr_sniff *s, const char **line, size_t *len)
{
	const char *nl;

	if (s->n == 0)
		return 0;
	nl = memchr(s->p, '\n', s->n);
	if (!nl && !s->complete)
		return 0;
	*line = s->p;
	*len = nl ? (size_t)(nl - s->p) : s->n;
	if (nl) {
		s->n -= *len + 1;
		s->p = nl + 1;
	} else {
		s->p += s->n;
		s->n = 0;
	}
	return 1;
}

const char *lr_file_name(const char *name)
{
	return name && strcmp(name, "-") == 0 ? "<stdin>" : name;
}
