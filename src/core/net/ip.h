/*
 * ip.h -- IPv4/IPv6 addresses and CIDR prefixes as list entries and lookup keys.
 *
 * Addresses are kept in network byte order in 16 bytes; IPv4 uses the first 4.
 * A prefix's host bits are always zero (parsing masks them and says so).
 */
#ifndef ISP_CORE_IP_H
#define ISP_CORE_IP_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

struct ip_prefix {
	uint8_t family;	  /* 4 or 6 */
	uint8_t len;	  /* prefix length: 0..32 or 0..128 */
	uint8_t addr[16]; /* network byte order, host bits zero */
};

/* Longest text form: an IPv6 address, "/128" and NUL. */
#define IP_PREFIX_STRLEN 52

/*
 * Parse "192.0.2.1", "192.0.2.0/24", "2001:db8::/32", "[2001:db8::1]" from s[0..n).
 * A plain address becomes a /32 or /128. Host bits set under the mask are cleared and
 * *masked (if not NULL) is set to 1. Returns 0 or ISR_EINVAL with the reason in err.
 */
int ip_parse_prefix(const char *s, size_t n, struct ip_prefix *out, int *masked,
		    struct isp_err *err);

/* Write the canonical text form ("192.0.2.0/24"; "/32" and "/128" omitted) into buf. */
void ip_format_prefix(const struct ip_prefix *p, char buf[IP_PREFIX_STRLEN]);

/* Clear the bits of p->addr past p->len. */
void ip_mask(struct ip_prefix *p);

/* Whether the first len bits (0..128) of addresses a and p are equal: a lies in the
 * prefix p/len. The one prefix containment test; inline and byte by byte, without a call
 * (it runs once per packet in darknet and once per connection in the proxy). */
static inline int ip_bits_match(const uint8_t *a, const uint8_t *p, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8, i;

	for (i = 0; i < whole; i++)
		if (a[i] != p[i])
			return 0;
	return rest == 0 || ((a[whole] ^ p[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Whether the address a of family (4 or 6) lies in prefix p. */
static inline int ip_prefix_contains(const struct ip_prefix *p, int family, const uint8_t *a)
{
	return p->family == family && ip_bits_match(a, p->addr, p->len);
}

#endif
