/*
 * linereader.h -- a bounded line reader over a FILE*.
 *
 * Threat lists come from the network and from operators' scripts; a reader must survive
 * a 2 GB file without a newline, NUL bytes and binary garbage. This reader owns one
 * buffer of 2 * max_line + 2 bytes, allocated once in lr_new, and never grows it: a
 * line longer than max_line is reported (too_long) and skipped up to its newline
 * without being stored, so memory is O(max_line) whatever the input.
 *
 * Lines are returned in place in that buffer, NUL-terminated, without the "\n" or
 * "\r\n" that ended them; a last line without a newline is returned too; an empty
 * stream has no lines. Each line carries its 1-based number and the byte offset of its
 * first byte in the stream.
 *
 * lr_peek lets a caller look at the first bytes of the stream (format auto-detection)
 * before reading lines: the peeked bytes stay in the buffer and lr_next returns them
 * again, so detection works on pipes and standard input, where nothing can be re-read.
 */
#ifndef ISP_CORE_LINEREADER_H
#define ISP_CORE_LINEREADER_H

#include <stddef.h>
#include <stdio.h>

#include "core/base/err.h"

/* Opaque reader state (buffer, position, counters). */
struct lr;

/* One line, as returned by lr_next. Valid until the next lr_next / lr_free. */
struct lr_line {
	char *text;	    /* the line, NUL-terminated, no CR/LF; "" when too_long.
				May contain NUL bytes before text[len] when has_nul is set. */
	size_t len;	    /* bytes in text (0 when too_long) */
	long lineno;	    /* 1-based line number */
	long long offset;   /* byte offset of the line's first byte in the stream */
	int too_long;	    /* 1 when the line exceeded max_line and was skipped */
	long long full_len; /* length of the line as in the stream (also when too_long;
				for a line that ran to EOF without newline, to EOF) */
	int has_nul;	    /* 1 when the line contains a NUL byte */
};

/*
 * Create a reader of f for lines of at most max_line bytes (1 .. 64 MiB; CR/LF not
 * counted). f is not owned: the caller closes it after lr_free. Returns NULL when
 * max_line is out of range or memory is short.
 */
struct lr *lr_new(FILE *f, size_t max_line);
/* The name messages give a file: "<stdin>" for "-", else name itself (may be NULL). */
const char *lr_file_name(const char *name);

/* Free r (NULL is a no-op). Does not close the stream. */
void lr_free(struct lr *r);

/*
 * Read the next line into *out. Returns 1 when a line was read (which may be too_long
 * or has_nul: the caller decides what to do with it), 0 at end of stream, or ISR_EIO
 * when reading failed (err says why; the stream's position is then unknown).
 */
int lr_next(struct lr *r, struct lr_line *out, struct isp_err *err);

/*
 * Make up to want bytes of the unread stream visible without consuming them: *data and
 * *len are set to the buffered bytes (fewer than want only at end of stream). want must
 * not exceed 2 * max_line. The pointer is valid until the next lr_next or lr_free; the
 * bytes may contain NULs and end in the middle of a line. Returns 0, ISR_EINVAL for a
 * too large want, or ISR_EIO.
 */
int lr_peek(struct lr *r, size_t want, const char **data, size_t *len, struct isp_err *err);

/*
 * 1 once the end of the stream has been read into the buffer: after an lr_peek that
 * returned fewer bytes than wanted, the bytes seen are the whole rest of the stream.
 */
int lr_at_eof(const struct lr *r);

/*
 * Consume the unread bytes as one chunk, for a reader of a format that is not made of
 * lines (JSON: core/base/jsonscan.h): *data and *len are set to what the buffer holds
 * (peeked bytes first), reading more when it is empty. The chunk is valid until the
 * next call on r. Lines are not counted: a caller uses either lr_take or lr_next.
 * Returns 1 with a chunk, 0 at end of stream, or ISR_EIO.
 */
int lr_take(struct lr *r, const char **data, size_t *len, struct isp_err *err);

#define LR_UTF8_BOM "\xef\xbb\xbf"

/* Drop a UTF-8 byte-order mark (a Windows or Excel export) from the start of line 1. */
void lr_drop_bom(struct lr_line *ln);

/*
 * The lines of a sniffed prefix p[0..n) (lr_peek's bytes), for the readers' format
 * detection: a byte-order mark at the start dropped, lines split at '\n' (not included;
 * a CR before it is kept), the last one only when it ends in '\n' or complete says the
 * prefix is the whole stream. Nothing is copied: lines point into p.
 */
struct lr_sniff {
	const char *p; /* the rest, after the line last returned */
	size_t n;
	int complete;
};

void lr_sniff_init(struct lr_sniff *s, const char *p, size_t n, int complete);
/* The next line into *line, *len: 1, or 0 when no whole line is left. */
int lr_sniff_next(struct lr_sniff *s, const char **line, size_t *len);

#endif
