/*
 * ip.c -- parsing and printing of IPv4/IPv6 prefixes (see ip.h).
 *
 * Parsing goes through inet_pton, which accepts only the strict dotted-quad and RFC 4291
 * forms: list entries should not be guessed at (URLs get the lenient IPv4 forms in
 * url.c, because browsers accept them there).
 */
#include "core/net/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void ip_mask(struct ip_prefix *p)
{
	unsigned bits = p->family == 4 ? 32 : 128;
	unsigned i;

	for (i = p->len; i < bits; i++)
		p->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	if (p->family == 4)
		memset(p->addr + 4, 0, 12);
}

int ip_parse_prefix(const char *s, size_t n, struct ip_prefix *out, int *masked,
		    struct isp_err *err)
{
	char buf[IP_PREFIX_STRLEN];
	const char *slash;
	size_t alen;
	long plen = -1;
	struct ip_prefix p;

	memset(&p, 0, sizeof(p));
	if (masked)
		*masked = 0;
	if (n >= 2 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return isp_err_set(err, ISR_EINVAL, "missing ']' in IPv6 address");
		/* "[addr]" or "[addr]/len" */
		alen = (size_t)(close - s - 1);
		if (alen >= sizeof(buf))
			return isp_err_set(err, ISR_EINVAL, "IP address too long");
		memcpy(buf, s + 1, alen);
		buf[alen] = '\0';
		slash = close + 1 < s + n && close[1] == '/' ? close + 1 : NULL;
		if (!slash && close + 1 != s + n)
			return isp_err_set(err, ISR_EINVAL, "junk after ']' in IPv6 address");
	} else {
		slash = memchr(s, '/', n);
		alen = slash ? (size_t)(slash - s) : n;
		if (alen >= sizeof(buf))
			return isp_err_set(err, ISR_EINVAL, "IP address too long");
		memcpy(buf, s, alen);
		buf[alen] = '\0';
	}
	if (slash) {
		const char *q = slash + 1, *end = s + n;

		if (q == end || end - q > 3)
			return isp_err_set(err, ISR_EINVAL, "bad prefix length");
		plen = 0;
		for (; q < end; q++) {
			if (*q < '0' || *q > '9')
				return isp_err_set(err, ISR_EINVAL, "bad prefix length");
			plen = plen * 10 + (*q - '0');
		}
	}
	if (inet_pton(AF_INET, buf, p.addr) == 1) {
		p.family = 4;
		if (plen > 32)
			return isp_err_set(err, ISR_EINVAL, "IPv4 prefix length over 32");
		p.len = (uint8_t)(plen < 0 ? 32 : plen);
	} else if (inet_pton(AF_INET6, buf, p.addr) == 1) {
		p.family = 6;
		if (plen > 128)
			return isp_err_set(err, ISR_EINVAL, "IPv6 prefix length over 128");
		p.len = (uint8_t)(plen < 0 ? 128 : plen);
	} else {
		return isp_err_set(err, ISR_EINVAL, "not an IP address or prefix");
	}
	{
		struct ip_prefix m = p;

		ip_mask(&m);
		if (masked && memcmp(m.addr, p.addr, 16) != 0)
			*masked = 1;
		*out = m;
	}
	return 0;
}

void ip_format_prefix(const struct ip_prefix *p, char buf[IP_PREFIX_STRLEN])
{
	char a[INET6_ADDRSTRLEN];
	unsigned full = p->family == 4 ? 32 : 128;

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->len == full)
		snprintf(buf, IP_PREFIX_STRLEN, "%s", a);
	else
		snprintf(buf, IP_PREFIX_STRLEN, "%s/%u", a, p->len);
}
