/*
 * doh_parse.c -- DoH requests read and checked (see doh_parse.h). Every reader is bounded
 * by its input's length and by the limits of the header; nothing allocates.
 */
#include "dns/doh_parse.h"

#include <string.h>

#include "core/base/strbuf.h"
#include "core/net/dnswire.h"

static const char *const methods[] = { "GET", "POST", "HEAD" };

/* Find "\r\n\r\n" (or "\n\n") in buf[0..len): the head's length, or 0. */
static size_t head_end(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int doh_req_header(struct doh_req *r, const char *name, size_t nl, const char *v, size_t vl)
{
	size_t i;
	int m;

	if (str_eq_nocase(name, nl, "content-type")) {
		for (i = 0; i < vl && v[i] != ';' && v[i] != ' ' && i < DOH_MAX_CTYPE; i++)
			r->ctype[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
		r->ctype[i] = 0;
	} else if (nl == 7 && memcmp(name, ":method", 7) == 0) {
		for (m = 0; m < 3; m++)
			if (vl == strlen(methods[m]) && memcmp(v, methods[m], vl) == 0)
				break;
		r->method = m == 0 ? DOH_GET : m == 1 ? DOH_POST : m == 2 ? DOH_HEAD : DOH_OTHER;
	} else if (nl == 5 && memcmp(name, ":path", 5) == 0) {
		if (vl > DOH_MAX_TARGET)
			return 414;
		memcpy(r->target, v, vl);
		r->target[vl] = 0;
		if (memchr(v, 0, vl))
			r->target[0] = 0; /* no path: 404 */
	}
	return 0;
}

/* One header line s[0..n) (no CRLF) into r; -400 with *bad its offset when malformed. */
static int header(const char *s, size_t n, struct doh_req *r, size_t *bad)
{
	const char *colon = memchr(s, ':', n);
	size_t nl, vl, i;
	const char *v;

	if (!colon || colon == s) {
		*bad = 0;
		return -400;
	}
	nl = (size_t)(colon - s);
	for (i = 0; i < nl; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f) { /* no space before the colon (RFC 9112 5.1) */
			*bad = i;
			return -400;
		}
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (str_eq_nocase(s, nl, "content-type")) {
		doh_req_header(r, s, nl, v, vl);
	} else if (str_eq_nocase(s, nl, "content-length")) {
		long long x = 0;

		if (vl == 0 || r->clen >= 0) { /* empty, or given twice */
			*bad = (size_t)(v - s);
			return -400;
		}
		for (i = 0; i < vl; i++) {
			if (v[i] < '0' || v[i] > '9' || x > 1000000000LL) {
				*bad = (size_t)(v - s) + i;
				return -400;
			}
			x = x * 10 + (v[i] - '0');
		}
		r->clen = x;
	} else if (str_eq_nocase(s, nl, "connection")) {
		if (str_eq_nocase(v, vl, "close"))
			r->close = 1;
	} else if (str_eq_nocase(s, nl, "transfer-encoding")) {
		r->chunked = 1;
	}
	return 0;
}

int doh_parse_head(const uint8_t *buf, size_t len, struct doh_req *r, size_t *off)
{
	const char *s = (const char *)buf, *sp1, *sp2, *eol;
	size_t end, pos, tl, bad;
	int rc;

	memset(r, 0, sizeof(*r));
	r->clen = -1;
	*off = 0;
	end = head_end(buf, len > DOH_MAX_HEAD ? DOH_MAX_HEAD : len);
	if (end == 0) {
		if (len >= DOH_MAX_HEAD) {
			*off = DOH_MAX_HEAD;
			return -431;
		}
		return 0;
	}
	/* the request line: METHOD SP TARGET SP HTTP/1.x */
	eol = memchr(s, '\n', end);
	sp1 = memchr(s, ' ', (size_t)(eol - s));
	if (!sp1)
		return -400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2) {
		*off = (size_t)(sp1 - s);
		return -400;
	}
	doh_req_header(r, ":method", 7, s, (size_t)(sp1 - s));
	tl = (size_t)(sp2 - sp1 - 1);
	if (tl == 0 || tl > DOH_MAX_TARGET) {
		*off = (size_t)(sp1 - s) + 1;
		return tl == 0 ? -400 : -414;
	}
	memcpy(r->target, sp1 + 1, tl);
	r->target[tl] = 0;
	if (memchr(r->target, 0, tl)) {
		*off = (size_t)(sp1 - s) + 1;
		return -400;
	}
	{
		size_t vl = (size_t)(eol - sp2 - 1);

		if (vl > 0 && sp2[vl] == '\r')
			vl--;
		if (vl != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
		    (sp2[8] != '0' && sp2[8] != '1')) {
			*off = (size_t)(sp2 - s) + 1;
			return -505;
		}
		if (sp2[8] == '0')
			r->close = 1;
	}
	/* the headers, one a line, up to the empty line */
	pos = (size_t)(eol - s) + 1;
	while (pos < end) {
		const char *l = s + pos, *e = memchr(l, '\n', end - pos);
		size_t n = (size_t)(e - l);

		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		rc = header(l, n, r, &bad);
		if (rc) {
			*off = pos + bad;
			return rc;
		}
		pos += (size_t)(e - l) + 1;
	}
	return (int)end;
}

long doh_b64url_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i], 1);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outsz)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}

/* The value of parameter `name` in query string q (after the '?'), or NULL; *len its
 * length. */
static const char *param(const char *q, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	while (*q) {
		const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);

		if ((size_t)(end - q) > nl && memcmp(q, name, nl) == 0 && q[nl] == '=') {
			*len = (size_t)(end - q) - nl - 1;
			return q + nl + 1;
		}
		if (!amp)
			break;
		q = amp + 1;
	}
	return NULL;
}

int doh_request(const struct doh_req *r, const char *path, const uint8_t *body, size_t blen,
		uint8_t *out, size_t outsz, size_t *outlen)
{
	const char *qm = strchr(r->target, '?');
	size_t pl = qm ? (size_t)(qm - r->target) : strlen(r->target);

	*outlen = 0;
	if (pl != strlen(path) || memcmp(r->target, path, pl) != 0)
		return 404;
	if (r->method == DOH_GET) {
		size_t vl;
		const char *v = qm ? param(qm + 1, "dns", &vl) : NULL;
		long n;

		if (!v || vl == 0)
			return 400;
		if ((vl * 3) / 4 > DOH_MAX_BODY || (vl * 3) / 4 > outsz)
			return vl > (size_t)4 * DOH_MAX_BODY ? 414 : 413;
		n = doh_b64url_decode(v, vl, out, outsz);
		if (n < 0)
			return 400;
		*outlen = (size_t)n;
	} else if (r->method == DOH_POST) {
		if (strcmp(r->ctype, "application/dns-message") != 0)
			return 415;
		if (blen > DOH_MAX_BODY || blen > outsz)
			return 413;
		if (blen > 0)
			memcpy(out, body, blen);
		*outlen = blen;
	} else {
		return 405;
	}
	if (*outlen < DNSW_HEADER)
		return 400;
	return 0;
}
