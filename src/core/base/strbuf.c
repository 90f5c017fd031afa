/*
 * strbuf.c -- see strbuf.h. The buffer doubles (from 1 KiB) so appends are amortised
 * O(1).
 */
#include "core/base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void strbuf_fmt(struct strbuf *b, const char *fmt, ...)
{
	char tmp[1024], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		strbuf_add(b, tmp, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	strbuf_add(b, big, (size_t)n);
	free(big);
}

int str_eq_nocase(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)word[i];

		if (b == '\0')
			return 0;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return word[n] == '\0';
}

const char *str_show(char *buf, size_t size, const char *s, size_t n)
{
	size_t i;
	size_t k = 0;

	for (i = 0; i < n && k + 4 < size; i++)
		buf[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n) {
		buf[k++] = '.';
		buf[k++] = '.';
		buf[k++] = '.';
	}
	buf[k] = '\0';
	return buf;
}

const void *str_find_named(const void *arr, size_t n, size_t elem, const char *name)
{
	const char *p = arr;
	size_t i;

	for (i = 0; i < n; i++, p += elem) {
		if (strcmp(p, name) == 0)
			return p;
	}
	return NULL;
}

int str_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; name && i < n; i++) {
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

int str_index_nocase(const char *const *names, int n, const char *name)
{
	size_t len;
	int i;

	if (!name)
		return -1;
	len = strlen(name);
	for (i = 0; i < n; i++) {
		if (names[i] && str_eq_nocase(name, len, names[i]))
			return i;
	}
	return -1;
}

const char *str_name_at(const char *const *names, int n, int i)
{
	if (i < 0 || i >= n || !names[i])
		return "unknown";
	return names[i];
}

int str_is_name(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n >= max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

int b64_value(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	return c == (url ? '_' : '/') ? 63 : -1;
}
