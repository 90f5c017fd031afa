/*
 * strbuf.h -- a growing NUL-terminated string for building documents in memory (notice
 * messages, the status page). Appending never fails loudly: an allocation failure sets
 * oom, later appends do nothing, and the caller checks oom once at the end, so building
 * code stays a straight sequence of appends.
 */
#ifndef ISP_CORE_STRBUF_H
#define ISP_CORE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;	 /* the text, NUL-terminated (NULL while empty); owned, free() it */
	size_t len, cap; /* bytes used (without the NUL), allocated */
	int oom;	 /* an allocation failed: the text is incomplete */
};

/* The value of the hex digit c (0-9, a-f, A-F), or -1 when c is none. The one hex-digit
 * decoder (URLs, chunked HTTP, manifests, lease and RADIUS files, DNS labels). */
static inline int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of the base64 digit c (RFC 4648: A-Z, a-z, 0-9, then + and /, or with url
 * set - and _), or -1 when c is none. The one base64-digit decoder (DoH's dns=
 * parameter, the bodies of notices read back). */
int b64_value(int c, int url);

/* 1 if s[0..n) equals the NUL-terminated word, ASCII case ignored (never the locale's):
 * the one keyword comparison of the readers (format names, header columns, months,
 * list kinds). */
int str_eq_nocase(const char *s, size_t n, const char *word);

/* A printable copy of s[0..n) for a message: bytes outside 0x20..0x7e become '?', and
 * a copy that does not fit buf[size] (size >= 8) is cut and ends in "...". The one such
 * helper of the readers' messages. Returns buf. */
const char *str_show(char *buf, size_t size, const char *s, size_t n);

/* Index of name among names[0..n) (ASCII case ignored), or -1 (also for NULL): the
 * readers' format names. */
int str_index_nocase(const char *const *names, int n, const char *name);
/* The same with case: index of name among names[0..n), or -1 (also for NULL). */
int str_index(const char *const *names, int n, const char *name);
/* The element of arr[0..n) (elem bytes each) whose first member, a NUL-terminated char
 * array, is name; NULL when none is: the lookup by name of config lists and profiles and
 * manifest lists. */
const void *str_find_named(const void *arr, size_t n, size_t elem, const char *name);
/* names[i], or "unknown" when i is not in 0..n-1 (or names[i] is NULL). */
const char *str_name_at(const char *const *names, int n, int i);
/* 1 when s[0..n) is a name as lists, profiles and [list.NAME] sections take it: 1 to
 * max - 1 bytes of letters, digits, '-', '_' and '.'. */
int str_is_name(const char *s, size_t n, size_t max);

/* Append s[0..n). */
void strbuf_add(struct strbuf *b, const char *s, size_t n);
/* Append the string s. */
void strbuf_str(struct strbuf *b, const char *s);
/* Append printf-style text (any length). */
void strbuf_fmt(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
