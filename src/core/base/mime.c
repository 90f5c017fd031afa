/*
 * mime.c -- message encoding shared by every mail ispshield writes (mime.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/mime.h"

int mime_is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

void mime_base64(struct strbuf *b, const unsigned char *s, size_t n, size_t line)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;
	char q[4];

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		strbuf_add(b, q, 4);
		col += 4;
		if (line && col >= line && i + 3 < n) {
			strbuf_str(b, "\r\n");
			col = 0;
		}
	}
}

void mime_header_value(struct strbuf *b, const char *v)
{
	size_t n = strlen(v), at = 0;

	if (mime_is_ascii(v, n)) {
		strbuf_str(b, v);
		return;
	}
	while (at < n) {
		size_t take = n - at > 45 ? 45 : n - at;

		while (at + take < n && ((unsigned char)v[at + take] & 0xC0) == 0x80)
			take--; /* do not split a character */
		if (at)
			strbuf_str(b, "\r\n ");
		strbuf_str(b, "=?UTF-8?B?");
		mime_base64(b, (const unsigned char *)v + at, take, 0);
		strbuf_str(b, "?=");
		at += take;
	}
}

void mime_add_crlf(struct strbuf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
			strbuf_add(b, s + start, i - start);
			strbuf_str(b, "\r\n");
			start = i + 1;
		}
	}
	strbuf_add(b, s + start, n - start);
}

void mime_body(struct strbuf *b, const char *s, size_t n)
{
	struct strbuf crlf = { 0 };

	mime_add_crlf(&crlf, s, n);
	if (mime_is_ascii(s, n)) {
		strbuf_str(b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
		strbuf_add(b, crlf.p ? crlf.p : "", crlf.len);
	} else {
		strbuf_str(b, "Content-Transfer-Encoding: base64\r\n\r\n");
		mime_base64(b, (const unsigned char *)(crlf.p ? crlf.p : ""), crlf.len, 76);
		strbuf_str(b, "\r\n");
	}
	if (crlf.oom)
		b->oom = 1;
	free(crlf.p);
}
