/*
 * http.h -- a small strict HTTP/1.1 message-head parser and chunked-body tracker for the
 * proxy (RFC 9110, RFC 9112). No allocation: the parsed head points into the caller's
 * buffer.
 *
 * Why our own and not libhttp-parser (the brief's choice): the proxy needs the head
 * only (bodies are relayed byte for byte, with a tracker that finds where they end),
 * the parser must be *strict* (a forward proxy that is lenient where the upstream is
 * strict, or the reverse, is the recipe for request smuggling), libhttp-parser is
 * unmaintained upstream and accepts obs-fold, bare LF and odd Content-Length forms we
 * want to refuse, and its callback interface costs more code to drive than this file.
 *
 * Strictness: request line `method SP target SP HTTP/1.x CRLF`, exactly; lines end in
 * CRLF (a bare CR or LF is an error); field names are tokens followed directly by ':';
 * values hold no control bytes but HTAB; obs-fold is refused; Content-Length is digits
 * only and repeated values must agree; Transfer-Encoding must be exactly "chunked" (a
 * request carrying both it and Content-Length is refused); a request has at most one
 * Host. Sizes: the head is at most max_bytes, at most max_headers fields.
 */
#ifndef ISP_PROXY_HTTP_H
#define ISP_PROXY_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEADERS 256 /* hard cap; the configured limit is at most this */

/* Results of the parsers (negative: the status to answer and close with). */
enum http_status {
	HTTP_INCOMPLETE = 0,
	HTTP_EBAD = -400,     /* malformed: 400 */
	HTTP_ETOOBIG = -431,  /* head too large or too many fields: 431 */
	HTTP_EVERSION = -505, /* not HTTP/1.0 or 1.1: 505 */
	HTTP_ECODING = -501,  /* a transfer coding other than chunked: 501 */
};

struct http_field {
	const char *name, *value; /* value without surrounding whitespace */
	size_t nlen, vlen;
};

struct http_head {
	/* request */
	const char *method, *target;
	size_t mlen, tlen;
	/* response */
	int status;
	const char *reason;
	size_t rlen;
	int minor; /* HTTP/1.minor */
	size_t nfields;
	size_t head_len;	/* bytes of the head, final CRLF included */
	int chunked;		/* Transfer-Encoding: chunked */
	int64_t content_length; /* -1: none */
	int conn_close;		/* Connection: close (or HTTP/1.0 without keep-alive) */
	int host_field;		/* index of Host + 1, 0 = none */
	struct http_field f[HTTP_MAX_HEADERS]; /* last: the parser clears what is before */
};

/*
 * Parse the head at buf[0..len). *scanned (0 on the first call) remembers how far the
 * search for the end of the head got, so that calling again as bytes arrive costs
 * O(new bytes). Returns the head length (> 0, filling h), HTTP_INCOMPLETE, or an
 * enum http_status error.
 */
int http_parse_request(const char *buf, size_t len, size_t *scanned, size_t max_bytes,
		       size_t max_headers, struct http_head *h);
int http_parse_response(const char *buf, size_t len, size_t *scanned, size_t max_bytes,
			size_t max_headers, struct http_head *h);

/* 1 if field name n[0..len) is hop-by-hop for a message with head h: the fixed set of
 * RFC 9110 7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
 * Upgrade, Trailer, Proxy-Authorization, Proxy-Authenticate) or a name listed in a
 * Connection field of h -- except Content-Length and Host, which a Connection field
 * never makes hop-by-hop (dropping the framing of a body that is still relayed is
 * request smuggling). Transfer-Encoding is reported as hop-by-hop: the proxy writes the
 * framing of what it forwards (Transfer-Encoding or Content-Length) from the parsed
 * values, never by copying these fields. */
int http_is_hop(const struct http_head *h, const char *n, size_t len);

/*
 * Write the fields of h that a proxy forwards, as "Name: value" CRLF lines, into
 * out[0..size): every field except the hop-by-hop ones (http_is_hop), Content-Length,
 * and Host when drop_host (a request, whose Host the proxy writes from the target). Then
 * the framing from the parsed values, when framing is set: "Transfer-Encoding: chunked"
 * if h->chunked, else "Content-Length: N" if h->content_length >= 0. Framing is never
 * copied, so a field named in Connection cannot take it away and a response with both
 * codings goes on without Content-Length (RFC 9112 6.3). Returns the bytes written (no
 * NUL), or -1 when they do not fit.
 */
ssize_t http_forward_fields(const struct http_head *h, int drop_host, int framing, char *out,
			    size_t size);

/* Case-insensitive compare of a field name with a NUL-terminated name. */
int http_name_is(const struct http_field *f, const char *name);

/* The value of the first field named name, or NULL (and *len untouched). */
const char *http_field_get(const struct http_head *h, const char *name, size_t *len);

/* Tracker of a chunked body passing through (RFC 9112 7.1): finds where it ends. */
struct http_chunked {
	int state;
	uint64_t remain;
	unsigned digits;
	size_t line; /* bytes of the current extension or trailer line */
};

/* Feed n bytes; returns how many belong to the body (<= n; fewer only when the body
 * ended inside p, *done is then 1), or -1 on a malformed body. */
ssize_t http_chunked_feed(struct http_chunked *c, const char *p, size_t n, int *done);

#endif
