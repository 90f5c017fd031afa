/*
 * proxyv2.c -- the PROXY protocol v2 header parser (see proxyv2.h). Every field is
 * checked against the bytes there are before it is read; nothing is copied until the
 * whole header has been checked.
 */
#include "dns/proxyv2.h"

#include <netinet/in.h>
#include <string.h>

static const uint8_t sig[PP2_SIG_LEN] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					  0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

int pp2_has_signature(const uint8_t *buf, size_t len)
{
	return len >= PP2_SIG_LEN && memcmp(buf, sig, PP2_SIG_LEN) == 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int bad(struct isp_err *err, size_t off, const char *why)
{
	return isp_err_at(err, ISR_EFORMAT, NULL, 0, (long long)off, "PROXY v2 header: %s", why);
}

/* An address of al bytes (4: IPv4, 16: IPv6) and its port, both in network order, into
 * *ss and *len. */
static void put_addr(struct sockaddr_storage *ss, socklen_t *len, size_t al, const uint8_t *ip,
		     const uint8_t *port)
{
	if (al == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, ip, 4);
		memcpy(&a->sin_port, port, 2);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, ip, 16);
		memcpy(&a->sin6_port, port, 2);
		*len = sizeof(*a);
	}
}

int pp2_parse(const uint8_t *buf, size_t len, struct pp2_header *h, struct isp_err *err)
{
	size_t n = len < PP2_SIG_LEN ? len : PP2_SIG_LEN, total, alen, off;
	unsigned fam, cmd, tr, ntlv = 0;

	memset(h, 0, sizeof(*h));
	if (memcmp(buf, sig, n) != 0)
		return bad(err, 0, "no PROXY v2 signature");
	if (len < PP2_FIXED)
		return PP2_MORE;
	if ((buf[12] >> 4) != 2)
		return bad(err, 12, "version is not 2");
	cmd = buf[12] & 0x0f;
	if (cmd > PP2_PROXY)
		return bad(err, 12, "unknown command");
	fam = buf[13] >> 4;
	tr = buf[13] & 0x0f;
	if (tr > PP2_DGRAM)
		return bad(err, 13, "unknown transport");
	if (fam == 1)
		alen = 12; /* two IPv4 addresses, two ports */
	else if (fam == 2)
		alen = 36; /* two IPv6 addresses, two ports */
	else if (fam == 0)
		alen = 0;
	else
		return bad(err, 13, fam == 3 ? "UNIX addresses are not served" : "unknown family");
	total = PP2_FIXED + get16(buf + 14);
	if (total > PP2_MAX_LEN)
		return bad(err, 14, "longer than the most accepted (1024 bytes)");
	if (total < PP2_FIXED + alen)
		return bad(err, 14, "length too short for the family's addresses");
	if (len < total)
		return PP2_MORE;
	/* TLVs: type, 16-bit length, value; they must fill the rest exactly */
	for (off = PP2_FIXED + alen; off < total;) {
		if (total - off < 3)
			return bad(err, off, "truncated TLV");
		if (get16(buf + off + 1) > total - off - 3)
			return bad(err, off, "TLV longer than the header");
		off += 3 + get16(buf + off + 1);
		ntlv++;
	}
	h->len = total;
	h->ntlv = ntlv;
	h->command = (enum pp2_command)cmd;
	h->transport = (enum pp2_transport)tr;
	if (cmd == PP2_LOCAL)
		return 0;	    /* addresses, if any, are to be ignored */
	if (fam == 1 || fam == 2) { /* source, destination, source port, destination port */
		size_t al = fam == 1 ? 4 : 16;

		put_addr(&h->src, &h->srclen, al, buf + 16, buf + 16 + 2 * al);
		put_addr(&h->dst, &h->dstlen, al, buf + 16 + al, buf + 18 + 2 * al);
	}
	return 0;
}
