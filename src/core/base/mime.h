/*
 * mime.h -- the pieces of an Internet message (RFC 5322, MIME RFC 2045-2047) that every
 * mail ispshield writes shares: ASCII test, base64, header values (RFC 2047 encoded-words
 * when not ASCII), CRLF line ends, and a text body as 7bit or base64. One place, so the
 * notices (notify/render.c) and the X-ARF reports (core/events/xarf.c) encode alike.
 * All appends go to a struct strbuf (strbuf.h): failures set its oom, checked once.
 */
#ifndef ISP_CORE_MIME_H
#define ISP_CORE_MIME_H

#include <stddef.h>

#include "core/base/strbuf.h"

/* 1 when s[0..n) has no byte >= 0x80. */
int mime_is_ascii(const char *s, size_t n);

/* Append s[0..n) in base64; line > 0 breaks the output with CRLF every line characters
 * (76 for a MIME body), 0 never. */
void mime_base64(struct strbuf *b, const unsigned char *s, size_t n, size_t line);

/* Append a header value: as is when ASCII, else one RFC 2047 encoded-word per <= 45
 * bytes of whole UTF-8 characters, folded. */
void mime_header_value(struct strbuf *b, const char *v);

/* Append s[0..n) with every bare LF turned into CRLF. */
void mime_add_crlf(struct strbuf *b, const char *s, size_t n);

/* Append "Content-Transfer-Encoding: 7bit" (text ASCII) or "base64", the blank line and
 * the text s[0..n) with CRLF line ends, encoded so. */
void mime_body(struct strbuf *b, const char *s, size_t n);

#endif
