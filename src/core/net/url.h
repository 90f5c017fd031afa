/*
 * url.h -- URL canonicalisation as Google Safe Browsing specifies it
 * (developers.google.com/safe-browsing/v4/urls-hashing#canonicalization).
 *
 * The same function canonicalises list entries at import and request URLs at lookup
 * time, so that a listed URL matches however a client spells it. Steps: strip
 * leading/trailing whitespace and remove tab, CR, LF; add "http://" when there is no
 * scheme; drop the fragment; repeatedly percent-unescape until nothing changes; host:
 * strip leading/trailing dots, collapse consecutive dots, lower-case, IDNA to A-labels,
 * parse IPv4 in decimal/octal/hex/short forms ("0x7f.1", "2130706433") and print it as
 * dotted quad; drop the port when it is the scheme's default; path: resolve "/./" and
 * "/../", collapse "//"; finally percent-escape every byte <= 0x20, >= 0x7f, '#' and '%'
 * (upper-case hex). The query is kept (it is not path-normalised).
 *
 * Output form: "scheme://host[:port]/path[?query]", scheme lower-case ("http"/"https"/
 * other as given), path at least "/".
 */
#ifndef ISP_CORE_URL_H
#define ISP_CORE_URL_H

#include <stddef.h>

#include "core/base/err.h"

/* Longest canonical URL we accept (input and output). Longer input gets ISR_ELIMIT. */
#define URL_MAX 8192

/*
 * Canonicalise in[0..len) into out (outsz bytes, NUL-terminated on success).
 * Returns the output length (> 0), or a negative ISR code with the reason in err:
 * ISR_EINVAL for an unusable URL (no host, bad port, bad IPv6 literal, out-of-range
 * numeric IPv4 host), ISR_ELIMIT when input or output would exceed URL_MAX or outsz.
 * Control and non-ASCII bytes that IDNA cannot map stay in the host, percent-escaped,
 * as the Safe Browsing vectors require ("http://\x01\x80.com/" -> "http://%01%80.com/").
 * Deviations from Safe Browsing (see url.c): a non-default port is kept; '/', '?', '@',
 * ':', '[' and ']' produced by unescaping are escaped again so that the result is
 * idempotent; the host is unescaped and IDNA-mapped until stable (at most 4 rounds).
 * Never allocates more than O(len) memory; does not keep any pointer.
 */
int url_canonicalise(const char *in, size_t len, char *out, size_t outsz, struct isp_err *err);

/*
 * Find the host part of a canonical URL (as produced above): sets *host and *hostlen to
 * the host without port; an IPv6 literal is returned without its brackets, ready for
 * inet_pton (a ':' in the result thus always means IPv6). Returns 0, or ISR_EINVAL if
 * url is not canonical-looking.
 */
int url_host(const char *url, size_t len, const char **host, size_t *hostlen);

/*
 * Is the host of canonical URL url[0..len) one a URL list entry can name: an IPv4 or
 * IPv6 literal, or a DNS name of labels of 1..63 bytes of letters, digits, '-' and '_'
 * (as domain lists take them), at most 253 bytes in all, whose last label is not all
 * digits (that is a malformed IPv4 address)? url_canonicalise keeps any host (the Safe Browsing
 * vectors and request URLs need that); a list import checks with this, so that free text
 * in a feed's url field ("not a url" -> "http://not%20a%20url/") or a defanged
 * "hxxp://evil[.]example" is rejected instead of listed. Returns 0, or ISR_EINVAL with
 * the host and the reason in err (also for a url that is not canonical-looking).
 */
int url_host_check(const char *url, size_t len, struct isp_err *err);

/*
 * The Safe Browsing lookup expressions of a canonical URL (as url_canonicalise writes
 * it), as the Update API's clients compute them: host suffixes x path prefixes.
 *   hosts: the exact host; unless it is an IP literal, also up to 4 more formed from the
 *          last 5 labels by removing leading labels, the top-level label alone excluded
 *          ("a.b.c.d.e.f.g" -> a.b.c.d.e.f.g, c.d.e.f.g, d.e.f.g, e.f.g, f.g);
 *   paths: the exact path with the query, the exact path without it, and up to 4
 *          prefixes from "/" adding one directory at a time ("/1/2.html?x" -> /1/2.html?x,
 *          /1/2.html, /, /1/), each once.
 * The port and the scheme are dropped (an expression is "host/path"); an IPv6 host keeps
 * its brackets. For each host, then each path, fn(ud, expr, len, hostlen) is called with
 * the expression (NUL-terminated, valid during the call; expr[0..hostlen) is its host).
 * The first call is always the URL's own expression (host + whole path and query). A
 * non-zero return from fn stops the walk and is returned. Returns the number of
 * expressions (1..URL_EXPR_MAX), ISR_EINVAL when url is not canonical-looking, ISR_ELIMIT
 * when it is longer than URL_MAX. No allocation. The extension computes the same
 * (clients/webext/urlexpr.js); tests/data/urlcheck/vectors.json holds both's vectors.
 */
#define URL_EXPR_HOSTS 5
#define URL_EXPR_PATHS 6
#define URL_EXPR_MAX   (URL_EXPR_HOSTS * URL_EXPR_PATHS)
typedef int (*url_expr_fn)(void *ud, const char *expr, size_t len, size_t hostlen);
int url_expressions(const char *url, size_t len, url_expr_fn fn, void *ud);

#endif
