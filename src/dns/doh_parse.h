/*
 * doh_parse.h -- the request side of DNS over HTTPS (RFC 8484), as pure functions: read an
 * HTTP/1.1 request head, and turn a request (method, target, content type, body) into the
 * DNS query it carries. HTTP/2 requests come from libnghttp2 already split into headers
 * and body; both versions meet in doh_request, so that one function decides what a DoH
 * request means whatever carried it. Nothing here allocates or keeps a pointer.
 *
 * Bounds (named, written down): a request head is at most DOH_MAX_HEAD bytes, a target at
 * most DOH_MAX_TARGET, a POST body (the DNS message) at most DOH_MAX_BODY; the base64url
 * `dns` parameter of a GET decodes to at most DOH_MAX_BODY bytes. Anything past a bound
 * is refused with its HTTP status (413, 414, 431), never truncated.
 */
#ifndef ISP_DNS_DOH_PARSE_H
#define ISP_DNS_DOH_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define DOH_MAX_HEAD   4096 /* bytes of an HTTP/1.1 request line and headers */
#define DOH_MAX_TARGET 1024 /* bytes of the request target (path and query) */
#define DOH_MAX_BODY   1024 /* bytes of a DNS query (DNS_MAX_QUERY: larger is FORMERR anyway) */
#define DOH_MAX_CTYPE  64   /* bytes of the Content-Type kept */

enum doh_method { DOH_OTHER = 0, DOH_GET, DOH_POST, DOH_HEAD };

/* A request as read: what doh_request needs. */
struct doh_req {
	enum doh_method method;
	char target[DOH_MAX_TARGET + 1]; /* the path with its query, NUL-terminated */
	char ctype[DOH_MAX_CTYPE + 1];	 /* Content-Type, lower case, parameters cut off */
	long long clen;			 /* Content-Length; -1 = none */
	int close;			 /* HTTP/1.1: "Connection: close" (or HTTP/1.0) */
	int chunked;			 /* HTTP/1.1: a Transfer-Encoding was given */
};

/*
 * Read an HTTP/1.1 request head from buf[0..len). Returns the head's length (the body
 * starts there) with *r filled; 0 when the head is not complete yet; or a negative HTTP
 * status (-400 malformed, -414 target too long, -431 head too long, -505 not HTTP/1.x),
 * with *off set to the offset of the offending byte. Headers other than Content-Type,
 * Content-Length, Connection and Transfer-Encoding are skipped.
 */
int doh_parse_head(const uint8_t *buf, size_t len, struct doh_req *r, size_t *off);

/*
 * Take header name[0..nl) = value[0..vl) into r: Content-Type (lower case, parameters
 * cut off), and HTTP/2's :method and :path. Returns 0, or the HTTP status of a header
 * that cannot be served (414: a :path longer than DOH_MAX_TARGET). Other headers are
 * ignored.
 */
int doh_req_header(struct doh_req *r, const char *name, size_t nl, const char *value, size_t vl);

/*
 * The DNS query of request r with body[0..blen) (a POST's body; ignored for GET), on a
 * service whose DoH path is `path` (e.g. "/dns-query"). Returns 0 with the query in
 * out[0..*outlen) (outsz >= DOH_MAX_BODY), or the HTTP status to answer with: 404 (other
 * path), 405 (method other than GET or POST), 415 (POST whose type is not
 * application/dns-message), 413 (query too long), 400 (no or bad `dns` parameter, or a
 * message shorter than a DNS header).
 */
int doh_request(const struct doh_req *r, const char *path, const uint8_t *body, size_t blen,
		uint8_t *out, size_t outsz, size_t *outlen);

/*
 * Decode base64url without padding (RFC 4648 section 5; padding is accepted too) from
 * in[0..len) into out (outsz bytes). Returns the decoded length, or -1 (a character
 * outside the alphabet, a length no encoding has, or more than outsz bytes).
 */
long doh_b64url_decode(const char *in, size_t len, uint8_t *out, size_t outsz);

#endif
