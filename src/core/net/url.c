/*
 * url.c -- URL canonicalisation as Google Safe Browsing specifies it. See url.h.
 *
 * How it is built, and why:
 *
 * - One pass over the input copies it into a bounded work buffer (URL_MAX bytes on the
 *   stack), trimming leading/trailing bytes <= 0x20, dropping TAB/CR/LF and cutting the
 *   fragment. Scheme, authority, path and query are then found on the still-escaped text,
 *   so that an escaped '#', '/' or '?' ("host%23.com", "ab%23cd") never moves a boundary.
 *   Each component is unescaped, normalised and re-escaped in place: every step only
 *   shrinks its span, so nothing but libidn2's result is ever allocated (and that is freed
 *   before return).
 *
 * - "Repeatedly unescape until nothing changes" is done in one left-to-right pass with a
 *   stack-like write pointer: after each byte is appended, while the last three output
 *   bytes are "%HH" they are replaced by the byte they encode. Two "%HH" can never overlap
 *   ('%' is not a hex digit), so the rewriting is confluent and this pass reaches the same
 *   fixed point as repeated rounds, in O(len) time and no extra memory, on any input
 *   ("%25252525..." included).
 *
 * - Host: unescape, lower-case, strip/collapse dots, IDNA (libidn2, UTS#46
 *   non-transitional, then transitional) when non-ASCII, strip/collapse dots again (IDNA
 *   maps U+3002 and friends to '.') and unescape again if IDNA made a '%' (from U+FF05),
 *   repeated until nothing changes; then IPv4 in any inet_aton form. IDNA runs before the
 *   IPv4 parse so that a full-width "０x7f.1" ends up as 127.0.0.1 in one pass, not two. A
 *   host libidn2 rejects (invalid UTF-8, disallowed code points) is kept as bytes and
 *   escaped, as the Safe Browsing vector "http://\x01\x80.com/" -> "http://%01%80.com/"
 *   requires. IPv6 literals are normalised with inet_pton/inet_ntop.
 *
 * - Path: after unescaping, "." and ".." segments are resolved and empty segments dropped
 *   in place; the query is unescaped and re-escaped but otherwise kept.
 *
 * Deviations from Safe Browsing, each made so that canonicalisation is idempotent
 * (canonical(canonical(u)) == canonical(u)) or because our list entries need it:
 *   - a port other than the scheme's default (80 http, 443 https) is kept;
 *   - besides the bytes SB escapes (<= 0x20, >= 0x7f, '#', '%'), the host also escapes
 *     '/', '?', '@', ':', '[' and ']' and the path escapes '?', when unescaping produced
 *     them ("a%2Fb.com", "/a%3Fb"); SB would print them raw, and the result would parse
 *     differently the next time;
 *   - IPv4 forms are read as Chromium did before WHATWG: more than four parts, or a part
 *     that is not a number in its base ("09", "1e5"), makes a host name; a numeric host
 *     out of range ("256.1.1.1", "4294967296") is rejected (ISR_EINVAL).
 */
#include "core/net/url.h"

#include <arpa/inet.h>
#include <assert.h>
#include <idn2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"

/* Bytes escaped in every component, besides <= 0x20 and >= 0x7f. */
#define ESC_QUERY "#%"
#define ESC_PATH  "#%?"
#define ESC_HOST  "#%/?@:[]"

/* Longest host we hand to libidn2 (an A-label name is at most 253 bytes). */
#define IDN_IN_MAX 1024

/* Most IDNA-then-unescape rounds a host may take to settle (see canon_hostname). */
#define IDN_ROUNDS 4

/* Output cursor: writes at most cap bytes, remembers when more did not fit. */
struct wr {
	char *buf;
	size_t len;
	size_t cap;
	int full;
};

static void wr_byte(struct wr *w, char c)
{
	if (w->len >= w->cap) {
		w->full = 1;
		return;
	}
	w->buf[w->len++] = c;
}

static void wr_mem(struct wr *w, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		wr_byte(w, s[i]);
}

/* Write s[0..n), percent-escaping bytes <= 0x20, >= 0x7f and those in special. */
static void wr_escaped(struct wr *w, const char *s, size_t n, const char *special)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr(special, c)) {
			wr_byte(w, '%');
			wr_byte(w, hex[c >> 4]);
			wr_byte(w, hex[c & 15]);
		} else {
			wr_byte(w, (char)c);
		}
	}
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_scheme_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

static void lower_ascii(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/*
 * Percent-decode s[0..n) in place until no "%HH" is left (see the file comment for why
 * one pass suffices). Returns the new length (<= n).
 */
static size_t unescape_all(char *s, size_t n)
{
	size_t r, w = 0;

	for (r = 0; r < n; r++) {
		s[w++] = s[r];
		while (w >= 3 && s[w - 3] == '%') {
			int hi = hex_value(s[w - 2]);
			int lo = hex_value(s[w - 1]);

			if (hi < 0 || lo < 0)
				break;
			s[w - 3] = (char)(hi * 16 + lo);
			w -= 2;
		}
	}
	return w;
}

/*
 * Copy in[0..len) to w without leading/trailing bytes <= 0x20, without TAB/CR/LF, and
 * without the fragment. Returns the length written (<= len).
 */
static size_t clean_input(const char *in, size_t len, char *w)
{
	size_t b = 0, e = len, n = 0, i;

	while (b < e && (unsigned char)in[b] <= 0x20)
		b++;
	while (e > b && (unsigned char)in[e - 1] <= 0x20)
		e--;
	for (i = b; i < e; i++) {
		if (in[i] == '#')
			break;
		if (in[i] == '\t' || in[i] == '\r' || in[i] == '\n')
			continue;
		w[n++] = in[i];
	}
	return n;
}

static int scheme_is(const char *s, size_t n, const char *name)
{
	size_t i;

	if (n != strlen(name))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return 0;
	}
	return 1;
}

/*
 * Find the scheme of s[0..n): returns its length, 0 when there is none ("www.x.com/",
 * "host:8080/"). A scheme is [A-Za-z][A-Za-z0-9+.-]* followed by "://", or for http and
 * https by ':' alone ("http:host"). *rest is set to where the authority starts, after
 * any slashes.
 */
static size_t find_scheme(const char *s, size_t n, size_t *rest)
{
	size_t i = 0, len = 0, r = 0;

	if (n > 0 && is_alpha(s[0])) {
		while (i < n && is_scheme_char(s[i]))
			i++;
		if (i < n && s[i] == ':') {
			if ((i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/') ||
			    scheme_is(s, i, "http") || scheme_is(s, i, "https")) {
				len = i;
				r = i + 1;
			}
		}
	}
	while (r < n && s[r] == '/')
		r++;
	*rest = r;
	return len;
}

/* Strip leading/trailing dots and collapse runs of dots in h[0..n), in place. */
static size_t clean_dots(char *h, size_t n)
{
	size_t r, w = 0;

	for (r = 0; r < n; r++) {
		if (h[r] == '.' && (w == 0 || h[w - 1] == '.'))
			continue;
		h[w++] = h[r];
	}
	if (w > 0 && h[w - 1] == '.')
		w--;
	return w;
}

static int digit_in_base(char c, unsigned base)
{
	int v = hex_value(c);

	if (v < 0 || (unsigned)v >= base)
		return -1;
	if (base != 16 && !is_digit(c))
		return -1;
	return v;
}

/*
 * Parse h[0..n) (lower-case, dots cleaned) as an IPv4 address in any inet_aton form:
 * 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
 * remaining bytes. Returns 1 with *addr set (host order), 0 when h is a host name, or
 * ISR_EINVAL when h is numeric but out of range.
 */
static int parse_ipv4(const char *h, size_t n, uint32_t *addr)
{
	uint64_t part[4];
	uint64_t limit;
	uint32_t a = 0;
	size_t np = 0, i = 0, k;

	if (n == 0)
		return 0;
	for (;;) {
		size_t s = i, e;
		unsigned base = 10;
		uint64_t v = 0;

		while (i < n && h[i] != '.')
			i++;
		e = i;
		if (np == 4 || e == s)
			return 0;
		if (e - s >= 2 && h[s] == '0' && h[s + 1] == 'x') {
			base = 16;
			s += 2;
		} else if (e - s >= 2 && h[s] == '0') {
			base = 8;
			s += 1;
		}
		for (; s < e; s++) {
			int d = digit_in_base(h[s], base);

			if (d < 0)
				return 0;
			if (v <= 0xFFFFFFFFu) /* saturates above, never wraps */
				v = v * base + (unsigned)d;
		}
		part[np++] = v;
		if (i >= n)
			break;
		i++;
	}
	for (k = 0; k + 1 < np; k++) {
		if (part[k] > 255)
			return ISR_EINVAL;
		a |= (uint32_t)part[k] << (24 - 8 * k);
	}
	limit = np == 1 ? 0xFFFFFFFFu : ((uint64_t)1 << (8 * (5 - np))) - 1;
	if (part[np - 1] > limit)
		return ISR_EINVAL;
	*addr = a | (uint32_t)part[np - 1];
	return 1;
}

/*
 * Convert a non-ASCII host to A-labels. Returns 1 with *res set (free with idn2_free)
 * when libidn2 accepted it, 0 when the host is to be kept as bytes.
 */
static int to_alabels(const char *h, size_t n, char **res)
{
	char z[IDN_IN_MAX];
	int ascii = 1;
	size_t i;

	*res = NULL;
	if (n >= sizeof(z))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c <= 0x20 || c == 0x7f)
			return 0; /* NUL would truncate; controls and space are never valid */
		if (c >= 0x80)
			ascii = 0;
	}
	if (ascii)
		return 0;
	memcpy(z, h, n);
	z[n] = '\0';
	if (idn2_to_ascii_8z(z, res, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) == IDN2_OK)
		return 1;
	*res = NULL;
	if (idn2_to_ascii_8z(z, res, IDN2_NFC_INPUT | IDN2_TRANSITIONAL) == IDN2_OK)
		return 1;
	*res = NULL;
	return 0;
}

/*
 * Unescape, lower-case, clean dots and IDNA-convert the host *h[0..*n), in place or into
 * a libidn2 buffer returned in *idn (the caller frees it with idn2_free; *h may point
 * into it). IDNA maps full-width '%' (U+FF05) and friends to '%', which can form new
 * "%HH"; so after IDNA the result is unescaped again and the steps repeated until
 * nothing changes, at most IDN_ROUNDS times (a host that has not settled by then is
 * rejected, so that the result is always a fixed point and canonicalisation stays
 * idempotent).
 */
static int canon_hostname(char **h, size_t *n, char **idn, struct isp_err *err)
{
	char *host = *h;
	size_t len = *n, m;
	int round;

	len = unescape_all(host, len);
	lower_ascii(host, len);
	len = clean_dots(host, len);
	for (round = 0;; round++) {
		char *res;

		if (!to_alabels(host, len, &res))
			break;
		if (*idn)
			idn2_free(*idn);
		*idn = res;
		host = res;
		len = strlen(res);
		lower_ascii(host, len);
		len = clean_dots(host, len);
		if (!memchr(host, '%', len))
			break;
		m = unescape_all(host, len);
		if (m == len)
			break;
		if (round + 1 >= IDN_ROUNDS)
			return isp_err_set(err, ISR_EINVAL,
					   "host does not settle under unescaping and IDNA");
		len = m;
		lower_ascii(host, len);
		len = clean_dots(host, len);
	}
	*h = host;
	*n = len;
	return 0;
}

/*
 * Resolve "." and ".." segments and drop empty ones in p[0..n), which is empty or starts
 * with '/'. Works in place (the write position never passes the read position). Returns
 * the new length; 0 means the path is "/".
 */
static size_t normalise_path(char *p, size_t n)
{
	size_t r = 0, w = 0;
	int trailing = 0;

	while (r < n) {
		size_t start, seg;

		while (r < n && p[r] == '/')
			r++;
		if (r >= n) {
			trailing = 1;
			break;
		}
		start = r;
		while (r < n && p[r] != '/')
			r++;
		seg = r - start;
		if (seg == 1 && p[start] == '.') {
			trailing = 1;
			continue;
		}
		if (seg == 2 && p[start] == '.' && p[start + 1] == '.') {
			while (w > 0 && p[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
			trailing = 1;
			continue;
		}
		assert(w < start);
		p[w++] = '/';
		memmove(p + w, p + start, seg);
		w += seg;
		trailing = 0;
	}
	if (trailing && w > 0)
		p[w++] = '/';
	assert(w <= n);
	return w;
}

/* Parse the decimal port p[0..n) into *port (-1 when empty). */
static int parse_port(const char *p, size_t n, long *port, struct isp_err *err)
{
	long v = 0;
	size_t i;

	*port = -1;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return isp_err_set(err, ISR_EINVAL, "bad port \"%.*s\" in URL",
					   (int)(n > 32 ? 32 : n), p);
		if (v <= 65535)
			v = v * 10 + (p[i] - '0');
	}
	if (v > 65535)
		return isp_err_set(err, ISR_EINVAL, "port \"%.*s\" out of range in URL",
				   (int)(n > 32 ? 32 : n), p);
	*port = v;
	return 0;
}

/* Normalise the IPv6 literal s[0..n) (without brackets) into buf. */
static int canon_ipv6(char *s, size_t n, char *buf, size_t bufsz, struct isp_err *err)
{
	char z[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (n == 0 || n >= sizeof(z))
		return isp_err_set(err, ISR_EINVAL, "bad IPv6 literal in URL");
	memcpy(z, s, n);
	z[n] = '\0';
	if (inet_pton(AF_INET6, z, &a) != 1)
		return isp_err_set(err, ISR_EINVAL, "bad IPv6 literal \"%s\" in URL", z);
	if (!inet_ntop(AF_INET6, &a, buf, (socklen_t)bufsz))
		return isp_err_set(err, ISR_EINVAL, "bad IPv6 literal \"%s\" in URL", z);
	return 0;
}

int url_canonicalise(const char *in, size_t len, char *out, size_t outsz, struct isp_err *err)
{
	char work[URL_MAX];
	char v6[INET6_ADDRSTRLEN];
	char v4[16];
	char *idn = NULL;
	char *scheme, *host, *path = NULL, *query = NULL;
	size_t n, slen, rest, aend, hs, he, ps, i;
	size_t hlen, plen = 0, qlen = 0;
	int is_v6 = 0, has_query = 0, rc;
	long port = -1;
	uint32_t a4;
	struct wr w;

	if (!out || outsz == 0 || (!in && len > 0))
		return isp_err_set(err, ISR_EINVAL, "url_canonicalise: bad arguments");
	out[0] = '\0';
	if (len > URL_MAX)
		return isp_err_set(err, ISR_ELIMIT, "URL longer than %d bytes", URL_MAX);

	n = clean_input(in, len, work);
	slen = find_scheme(work, n, &rest);
	scheme = work;
	lower_ascii(scheme, slen);

	/* Authority: up to the first '/' or '?'; the host follows the last '@'. */
	for (aend = rest; aend < n && work[aend] != '/' && work[aend] != '?'; aend++)
		;
	hs = rest;
	for (i = rest; i < aend; i++)
		if (work[i] == '@')
			hs = i + 1;
	if (hs < aend && work[hs] == '[') {
		for (he = hs; he < aend && work[he] != ']'; he++)
			;
		if (he >= aend)
			return isp_err_set(err, ISR_EINVAL, "unterminated IPv6 literal in URL");
		if (he + 1 < aend && work[he + 1] != ':')
			return isp_err_set(err, ISR_EINVAL, "junk after IPv6 literal in URL");
		ps = he + 1;
		is_v6 = 1;
	} else {
		for (he = hs; he < aend && work[he] != ':'; he++)
			;
		ps = he;
	}
	if (ps < aend) {
		rc = parse_port(work + ps + 1, aend - ps - 1, &port, err);
		if (rc < 0)
			return rc;
	}

	/* Path and query: still escaped, so their bounds are the literal '?' only. */
	if (aend < n && work[aend] == '/') {
		path = work + aend;
		for (plen = 0; aend + plen < n && path[plen] != '?'; plen++)
			;
	}
	i = aend + plen;
	if (i < n) {
		has_query = 1;
		query = work + i + 1;
		qlen = n - i - 1;
	}

	/* Host. */
	if (is_v6) {
		lower_ascii(work + hs + 1, he - hs - 1);
		rc = canon_ipv6(work + hs + 1, he - hs - 1, v6, sizeof(v6), err);
		if (rc < 0)
			return rc;
		host = v6;
		hlen = strlen(v6);
	} else {
		host = work + hs;
		hlen = he - hs;
		rc = canon_hostname(&host, &hlen, &idn, err);
		if (rc < 0)
			goto out;
		if (hlen == 0) {
			rc = isp_err_set(err, ISR_EINVAL, "URL has no host (or only dots)");
			goto out;
		}
		rc = parse_ipv4(host, hlen, &a4);
		if (rc < 0) {
			rc = isp_err_set(err, ISR_EINVAL,
					 "IPv4 address \"%.*s\" out of range in URL",
					 (int)(hlen > 64 ? 64 : hlen), host);
			goto out;
		}
		if (rc == 1) {
			snprintf(v4, sizeof(v4), "%u.%u.%u.%u", (unsigned)(a4 >> 24),
				 (unsigned)(a4 >> 16) & 255, (unsigned)(a4 >> 8) & 255,
				 (unsigned)a4 & 255);
			host = v4;
			hlen = strlen(v4);
		}
	}

	if (path) {
		plen = unescape_all(path, plen);
		plen = normalise_path(path, plen);
	}
	if (query)
		qlen = unescape_all(query, qlen);

	/* Assemble. */
	w.buf = out;
	w.len = 0;
	w.cap = outsz - 1 < URL_MAX ? outsz - 1 : URL_MAX;
	w.full = 0;
	if (slen > 0)
		wr_mem(&w, scheme, slen);
	else
		wr_mem(&w, "http", 4);
	wr_mem(&w, "://", 3);
	if (is_v6) {
		wr_byte(&w, '[');
		wr_mem(&w, host, hlen);
		wr_byte(&w, ']');
	} else {
		wr_escaped(&w, host, hlen, ESC_HOST);
	}
	if (port >= 0 && !(slen == 0 && port == 80) &&
	    !(scheme_is(scheme, slen, "http") && port == 80) &&
	    !(scheme_is(scheme, slen, "https") && port == 443)) {
		char pb[8];

		snprintf(pb, sizeof(pb), ":%ld", port);
		wr_mem(&w, pb, strlen(pb));
	}
	if (plen == 0)
		wr_byte(&w, '/');
	else
		wr_escaped(&w, path, plen, ESC_PATH);
	if (has_query) {
		wr_byte(&w, '?');
		wr_escaped(&w, query, qlen, ESC_QUERY);
	}
	if (w.full) {
		out[0] = '\0';
		if (outsz - 1 < URL_MAX)
			rc = isp_err_set(err, ISR_ELIMIT,
					 "canonical URL does not fit the %zu-byte buffer", outsz);
		else
			rc = isp_err_set(err, ISR_ELIMIT, "canonical URL longer than %d bytes",
					 URL_MAX);
		goto out;
	}
	out[w.len] = '\0';
	rc = (int)w.len;
out:
	if (idn)
		idn2_free(idn);
	return rc;
}

int url_host_check(const char *url, size_t len, struct isp_err *err)
{
	const char *h, *why = NULL;
	size_t hl, i, label = 0;
	int digits = 1;

	if (url_host(url, len, &h, &hl) != 0)
		return isp_err_set(err, ISR_EINVAL, "not a canonical URL");
	if (memchr(h, ':', hl))
		return 0; /* an IPv6 literal: url_canonicalise parsed it */
	if (hl > 253)
		why = "longer than 253 bytes";
	for (i = 0; i < hl && !why; i++) {
		unsigned char ch = (unsigned char)h[i];

		if (ch == '.') {
			if (label == 0)
				why = "an empty label";
			label = 0;
			digits = 1;
			continue;
		}
		if (!is_alpha((char)ch) && !is_digit((char)ch) && ch != '-' && ch != '_')
			why = ch == '%' ? "a byte that had to be escaped (a space, a control, "
					  "a non-ASCII byte IDNA refused, or one of #%/?@:[])"
					: "a character not allowed in a host name";
		else if (++label > 63)
			why = "a label longer than 63 bytes";
		digits &= is_digit((char)ch);
	}
	if (!why && label == 0)
		why = "an empty label";
	if (!why && digits) { /* url_canonicalise printed an IPv4 address as a dotted quad */
		struct in_addr a;
		char v4[16];

		if (hl < sizeof(v4)) {
			memcpy(v4, h, hl);
			v4[hl] = '\0';
		}
		if (hl < sizeof(v4) && inet_pton(AF_INET, v4, &a) == 1)
			return 0;
		why = "numbers that are not an IPv4 address";
	}
	if (!why)
		return 0;
	return isp_err_set(err, ISR_EINVAL,
			   "URL host \"%.*s\" is not a host name or IP address: %s",
			   (int)(hl > 80 ? 80 : hl), h, why);
}

int url_host(const char *url, size_t len, const char **host, size_t *hostlen)
{
	size_t i = 0, hs, he;

	if (!url || !host || !hostlen)
		return ISR_EINVAL;
	if (len == 0 || !is_alpha(url[0]))
		return ISR_EINVAL;
	while (i < len && is_scheme_char(url[i]))
		i++;
	if (len - i < 3 || memcmp(url + i, "://", 3) != 0)
		return ISR_EINVAL;
	hs = i + 3;
	if (hs < len && url[hs] == '[') {
		for (he = hs + 1; he < len && url[he] != ']'; he++)
			;
		if (he >= len)
			return ISR_EINVAL;
		i = he + 1;
		hs++;
	} else {
		for (he = hs; he < len && url[he] != ':' && url[he] != '/'; he++)
			;
		i = he;
	}
	if (he == hs)
		return ISR_EINVAL;
	if (i < len && url[i] == ':') {
		size_t d = ++i;

		while (i < len && is_digit(url[i]))
			i++;
		if (i == d)
			return ISR_EINVAL;
	}
	if (i >= len || url[i] != '/')
		return ISR_EINVAL;
	*host = url + hs;
	*hostlen = he - hs;
	return 0;
}

/* Whether h[0..n) is a dotted-quad IPv4 address (what url_canonicalise prints). */
static int is_dotted_quad(const char *h, size_t n)
{
	size_t i, dots = 0;

	for (i = 0; i < n; i++) {
		if (h[i] == '.')
			dots++;
		else if (!is_digit(h[i]))
			return 0;
	}
	return dots == 3;
}

int url_expressions(const char *url, size_t len, url_expr_fn fn, void *ud)
{
	char buf[URL_MAX + 1];
	size_t hs, he, ps, i, nh = 0, np = 0, hosts[URL_EXPR_HOSTS], paths[URL_EXPR_PATHS];
	size_t plen, qpos, dirs = 0, h, p;
	int n = 0, rc;

	if (len > URL_MAX)
		return ISR_ELIMIT;
	/* scheme "://" host [":" port] path */
	for (i = 0; i < len && is_scheme_char(url[i]); i++)
		;
	if (i == 0 || len - i < 3 || memcmp(url + i, "://", 3) != 0)
		return ISR_EINVAL;
	hs = i + 3;
	if (hs < len && url[hs] == '[') {
		for (he = hs; he < len && url[he] != ']'; he++)
			;
		if (he >= len)
			return ISR_EINVAL;
		he++;
	} else {
		for (he = hs; he < len && url[he] != ':' && url[he] != '/'; he++)
			;
	}
	for (ps = he; ps < len && url[ps] != '/'; ps++)
		;
	if (he == hs || ps >= len)
		return ISR_EINVAL;
	plen = len - ps;
	for (qpos = 0; qpos < plen && url[ps + qpos] != '?'; qpos++)
		;

	/* hosts: offsets into url[hs..he) where each suffix starts */
	hosts[nh++] = hs;
	if (url[hs] != '[' && !is_dotted_quad(url + hs, he - hs)) {
		size_t dots[URL_EXPR_HOSTS + 1], nd = 0;

		/* the last 5 dots from the right: suffixes of 5, 4, 3 and 2 labels */
		for (i = he; i > hs && nd < URL_EXPR_HOSTS; i--)
			if (url[i - 1] == '.')
				dots[nd++] = i;
		/* dots[k] starts the suffix of k + 1 labels, longest first; dots[0] (the
		 * top-level label alone) never */
		for (i = nd; i-- > 1;)
			hosts[nh++] = dots[i];
	}

	/* paths: lengths of prefixes of url[ps..len) */
	paths[np++] = plen;
	if (qpos < plen)
		paths[np++] = qpos;
	for (i = 0; i < qpos && dirs < 4; i++) {
		if (url[ps + i] != '/')
			continue;
		dirs++;
		for (p = 0; p < np && paths[p] != i + 1; p++)
			;
		if (p == np)
			paths[np++] = i + 1;
	}

	for (h = 0; h < nh; h++) {
		size_t hl = he - hosts[h];

		for (p = 0; p < np; p++) {
			memcpy(buf, url + hosts[h], hl);
			memcpy(buf + hl, url + ps, paths[p]);
			buf[hl + paths[p]] = '\0';
			n++;
			rc = fn(ud, buf, hl + paths[p], hl);
			if (rc)
				return rc;
		}
	}
	return n;
}
