/*
 * http.c -- see http.h. The head is located first (CRLF CRLF, searched incrementally),
 * then parsed line by line with explicit byte classes; nothing is copied.
 */
#include "proxy/http.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/base/strbuf.h"

static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field-value byte: VCHAR, obs-text, SP, HTAB. */
static int is_vbyte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int http_name_is(const struct http_field *f, const char *name)
{
	return strlen(name) == f->nlen && strncasecmp(f->name, name, f->nlen) == 0;
}

const char *http_field_get(const struct http_head *h, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < h->nfields; i++)
		if (http_name_is(&h->f[i], name)) {
			*len = h->f[i].vlen;
			return h->f[i].value;
		}
	return NULL;
}

/* Find CRLF CRLF; returns the head length or 0. */
static size_t find_end(const char *buf, size_t len, size_t *scanned)
{
	size_t i = *scanned > 3 ? *scanned - 3 : 0;

	for (; i + 3 < len; i++) {
		const char *p = memchr(buf + i, '\r', len - i - 3);

		if (!p)
			break;
		i = (size_t)(p - buf);
		if (p[1] == '\n' && p[2] == '\r' && p[3] == '\n')
			return i + 4;
	}
	*scanned = len;
	return 0;
}

/* Does the comma-separated list v[0..n) contain token tok (case-insensitive)? */
static int list_has(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

/* Parse the header fields from p (after the start line) to end (the final CRLF). */
static int parse_fields(const char *p, const char *end, size_t max_headers, int request,
			struct http_head *h)
{
	int have_cl = 0, keepalive = 0;

	h->nfields = 0;
	h->chunked = 0;
	h->content_length = -1;
	h->host_field = 0;
	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p) + 1);
		const char *q = p, *v, *ve;
		struct http_field *f;

		if (!eol || eol[1] != '\n')
			return HTTP_EBAD;
		if (*p == ' ' || *p == '\t')
			return HTTP_EBAD; /* obs-fold */
		while (q < eol && is_tchar((unsigned char)*q))
			q++;
		if (q == p || q == eol || *q != ':')
			return HTTP_EBAD;
		if (h->nfields >= max_headers)
			return HTTP_ETOOBIG;
		f = &h->f[h->nfields++];
		f->name = p;
		f->nlen = (size_t)(q - p);
		v = q + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (q = v; q < ve; q++)
			if (!is_vbyte((unsigned char)*q))
				return HTTP_EBAD;
		f->value = v;
		f->vlen = (size_t)(ve - v);
		if (http_name_is(f, "content-length")) {
			int64_t cl = 0;
			size_t i;

			if (f->vlen == 0 || f->vlen > 18)
				return HTTP_EBAD;
			for (i = 0; i < f->vlen; i++) {
				if (v[i] < '0' || v[i] > '9')
					return HTTP_EBAD;
				cl = cl * 10 + (v[i] - '0');
			}
			if (have_cl && cl != h->content_length)
				return HTTP_EBAD;
			have_cl = 1;
			h->content_length = cl;
		} else if (http_name_is(f, "transfer-encoding")) {
			if (h->chunked)
				return HTTP_EBAD;
			if (f->vlen != 7 || strncasecmp(v, "chunked", 7) != 0)
				return HTTP_ECODING;
			h->chunked = 1;
		} else if (http_name_is(f, "connection")) {
			if (list_has(v, f->vlen, "close"))
				h->conn_close = 1;
			if (list_has(v, f->vlen, "keep-alive"))
				keepalive = 1;
		} else if (http_name_is(f, "host")) {
			if (request && h->host_field)
				return HTTP_EBAD;
			h->host_field = (int)h->nfields;
		}
		p = eol + 2;
	}
	if (h->chunked) {
		if (request && (have_cl || h->minor == 0))
			return HTTP_EBAD;
		h->content_length = -1; /* a response: chunked wins (RFC 9112 6.3) */
	}
	if (h->minor == 0 && !keepalive)
		h->conn_close = 1;
	return 0;
}

/* "HTTP/1.x": returns the minor version, or an error. */
static int version(const char *p, size_t n)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' || p[5] < '0' || p[5] > '9' ||
	    p[7] < '0' || p[7] > '9')
		return HTTP_EBAD;
	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return HTTP_EVERSION;
	return p[7] - '0';
}

int http_parse_request(const char *buf, size_t len, size_t *scanned, size_t max_bytes,
		       size_t max_headers, struct http_head *h)
{
	size_t hl = find_end(buf, len < max_bytes ? len : max_bytes, scanned);
	const char *p = buf, *eol, *sp1, *sp2;
	int v, rc;

	if (hl == 0) {
		/* a bare LF or CR anywhere before the end cannot become valid */
		return len >= max_bytes ? HTTP_ETOOBIG : HTTP_INCOMPLETE;
	}
	memset(h, 0, offsetof(struct http_head, f));
	eol = memchr(p, '\r', hl);
	if (!eol || eol[1] != '\n')
		return HTTP_EBAD;
	sp1 = p;
	while (sp1 < eol && is_tchar((unsigned char)*sp1))
		sp1++;
	if (sp1 == p || sp1 == eol || *sp1 != ' ')
		return HTTP_EBAD;
	sp2 = sp1 + 1;
	while (sp2 < eol && (unsigned char)*sp2 > 0x20 && (unsigned char)*sp2 < 0x7f)
		sp2++;
	if (sp2 == sp1 + 1 || sp2 == eol || *sp2 != ' ')
		return HTTP_EBAD;
	v = version(sp2 + 1, (size_t)(eol - sp2 - 1));
	if (v < 0)
		return v;
	h->method = p;
	h->mlen = (size_t)(sp1 - p);
	h->target = sp1 + 1;
	h->tlen = (size_t)(sp2 - sp1 - 1);
	h->minor = v;
	rc = parse_fields(eol + 2, buf + hl - 2, max_headers, 1, h);
	if (rc)
		return rc;
	if (h->minor == 1 && !h->host_field)
		return HTTP_EBAD; /* RFC 9112 3.2: a 1.1 request without Host */
	h->head_len = hl;
	return (int)hl;
}

int http_parse_response(const char *buf, size_t len, size_t *scanned, size_t max_bytes,
			size_t max_headers, struct http_head *h)
{
	size_t hl = find_end(buf, len < max_bytes ? len : max_bytes, scanned);
	const char *p = buf, *eol, *q;
	int v, rc;

	if (hl == 0)
		return len >= max_bytes ? HTTP_ETOOBIG : HTTP_INCOMPLETE;
	memset(h, 0, offsetof(struct http_head, f));
	eol = memchr(p, '\r', hl);
	if (!eol || eol[1] != '\n' || eol - p < 12 || p[8] != ' ')
		return HTTP_EBAD;
	v = version(p, 8);
	if (v < 0)
		return v;
	h->minor = v;
	if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (eol - p > 12 && p[12] != ' '))
		return HTTP_EBAD;
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	h->reason = eol - p > 12 ? p + 13 : eol;
	h->rlen = (size_t)(eol - h->reason);
	for (q = h->reason; q < eol; q++)
		if (!is_vbyte((unsigned char)*q))
			return HTTP_EBAD;
	rc = parse_fields(eol + 2, buf + hl - 2, max_headers, 0, h);
	if (rc)
		return rc;
	h->head_len = hl;
	return (int)hl;
}

int http_is_hop(const struct http_head *h, const char *n, size_t len)
{
	static const char *const hop[] = {
		"connection", "proxy-connection",    "keep-alive",
		"te",	      "transfer-encoding",   "upgrade",
		"trailer",    "proxy-authorization", "proxy-authenticate"
	};
	char name[64];
	size_t i;

	if (len >= sizeof(name))
		return 0;
	for (i = 0; i < len; i++)
		name[i] = (char)lower((unsigned char)n[i]);
	name[len] = '\0';
	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (strcmp(hop[i], name) == 0)
			return 1;
	/* Connection cannot make the framing or the target hop-by-hop: dropping them while
	 * the body is still relayed lets a body pass as the next request (smuggling) */
	if (strcmp(name, "content-length") == 0 || strcmp(name, "host") == 0)
		return 0;
	for (i = 0; i < h->nfields; i++)
		if (http_name_is(&h->f[i], "connection") &&
		    list_has(h->f[i].value, h->f[i].vlen, name))
			return 1;
	return 0;
}

ssize_t http_forward_fields(const struct http_head *h, int drop_host, int framing, char *out,
			    size_t size)
{
	size_t n = 0, i;
	int k;

	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->f[i];

		if ((drop_host && http_name_is(f, "host")) || http_name_is(f, "content-length") ||
		    http_is_hop(h, f->name, f->nlen))
			continue;
		if (f->nlen + f->vlen + 4 > size - n)
			return -1;
		memcpy(out + n, f->name, f->nlen);
		n += f->nlen;
		out[n++] = ':';
		out[n++] = ' ';
		memcpy(out + n, f->value, f->vlen);
		n += f->vlen;
		out[n++] = '\r';
		out[n++] = '\n';
	}
	if (!framing)
		return (ssize_t)n;
	if (h->chunked)
		k = snprintf(out + n, size - n, "Transfer-Encoding: chunked\r\n");
	else if (h->content_length >= 0)
		k = snprintf(out + n, size - n, "Content-Length: %lld\r\n",
			     (long long)h->content_length);
	else
		k = 0;
	if (k < 0 || (size_t)k >= size - n)
		return -1;
	return (ssize_t)(n + (size_t)k);
}

enum {
	CH_SIZE0,
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER0,
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE,
};

#define CH_LINE_MAX 4096 /* chunk extensions and trailer lines */

/* The states that want one exact byte, and the state it leads to. */
static const struct {
	char want;
	unsigned char next;
} ch_byte[] = {
	[CH_DATA_CR] = { '\r', CH_DATA_LF },
	[CH_DATA_LF] = { '\n', CH_SIZE0 },
	[CH_TRAILER_LF] = { '\n', CH_TRAILER0 },
	[CH_END_LF] = { '\n', CH_DONE },
};

ssize_t http_chunked_feed(struct http_chunked *c, const char *p, size_t n, int *done)
{
	size_t i = 0;

	*done = c->state == CH_DONE;
	while (i < n && c->state != CH_DONE) {
		int ch = (unsigned char)p[i];

		if (c->state == CH_DATA) {
			size_t k = n - i;

			if (k > c->remain)
				k = (size_t)c->remain;
			c->remain -= k;
			i += k;
			if (c->remain == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		i++; /* every other state reads one byte */
		switch (c->state) {
		case CH_SIZE0:
		case CH_SIZE: {
			int d = hex_value(ch);

			if (d >= 0) {
				if (++c->digits > 15)
					return -1;
				c->remain = c->remain * 16 + (uint64_t)d;
				c->state = CH_SIZE;
			} else if (c->state == CH_SIZE && ch == ';') {
				c->state = CH_EXT;
				c->line = 0;
			} else if (c->state == CH_SIZE && ch == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				return -1;
			}
			break;
		}
		case CH_EXT: /* a chunk extension, or a trailer line: up to its CR */
		case CH_TRAILER:
			if (ch == '\r')
				c->state = c->state == CH_EXT ? CH_SIZE_LF : CH_TRAILER_LF;
			else if (ch == '\n' || ++c->line > CH_LINE_MAX)
				return -1;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			c->state = c->remain ? CH_DATA : CH_TRAILER0;
			c->digits = 0;
			break;
		case CH_TRAILER0:
			c->line = 0;
			c->state = ch == '\r' ? CH_END_LF : CH_TRAILER;
			if (ch == '\n')
				return -1;
			break;
		case CH_DATA_CR:
		case CH_DATA_LF:
		case CH_TRAILER_LF:
		case CH_END_LF:
			if (ch != ch_byte[c->state].want)
				return -1;
			c->state = ch_byte[c->state].next;
			break;
		default: return -1;
		}
	}
	*done = c->state == CH_DONE;
	return (ssize_t)i;
}
