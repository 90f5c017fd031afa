/*
 * decode.c -- one captured frame -> struct dn_pkt: the link header (Ethernet with VLAN
 * tags, Linux cooked v1/v2, raw IP, BSD/OpenBSD loopback), IPv4 or IPv6 (extension
 * headers skipped, fragments recognised), then TCP, UDP or ICMP. Every read is checked
 * against the captured length; nothing is allocated. Then the packet is classified:
 * scan (TCP SYN, UDP, ICMP echo request), backscatter (SYN-ACK, RST, ICMP errors and
 * echo replies: what a victim of a spoofed-source attack sends back), or other; and the
 * fingerprints of Mirai, ZMap and masscan are checked on TCP SYNs.
 */
#include <string.h>

#include "darknet/darknet.h"

static const char *const bad_names[DN_BAD_N] = {
	"ok",	    "unknown link type",	"frame too short", "not IP", "bad IP header",
	"fragment", "transport header cut off",
};

const char *dn_bad_name(enum dn_bad b)
{
	return (unsigned)b < DN_BAD_N ? bad_names[b] : "?";
}

const char *dn_class_name(enum dn_class c)
{
	static const char *const n[DN_CLASS_N] = { "scan", "backscatter", "other" };

	return (unsigned)c < DN_CLASS_N ? n[c] : "?";
}

const char *dn_proto_name(enum dn_proto p)
{
	static const char *const n[DN_P_N] = { "tcp", "udp", "icmp", "other" };

	return (unsigned)p < DN_P_N ? n[p] : "?";
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

static void classify(struct dn_pkt *p)
{
	p->klass = DN_OTHER;
	p->fp = 0;
	switch (p->proto) {
	case DN_P_TCP: {
		uint8_t f = p->tcp_flags & 0x17; /* FIN SYN RST ACK */

		if (f == 0x02) {
			p->klass = DN_SCAN;
			if (p->family == 4) {
				uint32_t dst = rd32(p->dst);

				if (p->seq == dst)
					p->fp |= DN_FP_MIRAI;
				if (p->ipid == 54321)
					p->fp |= DN_FP_ZMAP;
				if (p->ipid == (uint16_t)(dst ^ p->dport ^ p->seq))
					p->fp |= DN_FP_MASSCAN;
			}
		} else if (f == 0x12 || (f & 0x04)) {
			p->klass = DN_BACKSCATTER;
		}
		break;
	}
	case DN_P_UDP: p->klass = DN_SCAN; break;
	case DN_P_ICMP:
		if (p->family == 4) {
			if (p->icmp_type == 8 || p->icmp_type == 13 || p->icmp_type == 17)
				p->klass = DN_SCAN; /* echo, timestamp, mask requests */
			else if (p->icmp_type == 0 || p->icmp_type == 3 || p->icmp_type == 4 ||
				 p->icmp_type == 5 || p->icmp_type == 11 || p->icmp_type == 12 ||
				 p->icmp_type == 14 || p->icmp_type == 18)
				p->klass = DN_BACKSCATTER;
		} else {
			if (p->icmp_type == 128)
				p->klass = DN_SCAN;
			else if (p->icmp_type <= 4 || p->icmp_type == 129)
				p->klass = DN_BACKSCATTER;
		}
		break;
	default: break;
	}
}

/* The transport header at t[0..n): ports, flags, ICMP type. */
static enum dn_bad transport(struct dn_pkt *p, const uint8_t *t, size_t n)
{
	switch (p->ipproto) {
	case 6:
		p->proto = DN_P_TCP;
		if (n < 14) /* ports, seq, ack, offset, flags */
			return DN_BAD_TRANSPORT;
		p->sport = rd16(t);
		p->dport = rd16(t + 2);
		p->seq = rd32(t + 4);
		p->tcp_flags = t[13];
		break;
	case 17:
		p->proto = DN_P_UDP;
		if (n < 4)
			return DN_BAD_TRANSPORT;
		p->sport = rd16(t);
		p->dport = rd16(t + 2);
		break;
	case 1:
	case 58:
		if ((p->ipproto == 1) != (p->family == 4)) {
			p->proto = DN_P_OTHER;
			break;
		}
		p->proto = DN_P_ICMP;
		if (n < 2)
			return DN_BAD_TRANSPORT;
		p->icmp_type = t[0];
		p->icmp_code = t[1];
		p->dport = t[0];
		break;
	default: p->proto = DN_P_OTHER; break;
	}
	classify(p);
	return DN_OK;
}

static enum dn_bad ipv4(struct dn_pkt *p, const uint8_t *d, size_t n)
{
	size_t ihl, tot;
	uint16_t frag;

	if (n < 20)
		return DN_BAD_SHORT;
	if (d[0] >> 4 != 4)
		return DN_BAD_IPHDR;
	ihl = (size_t)(d[0] & 15) * 4;
	tot = rd16(d + 2);
	if (ihl < 20 || tot < ihl)
		return DN_BAD_IPHDR;
	if (n < ihl)
		return DN_BAD_SHORT;
	p->family = 4;
	p->iplen = (uint32_t)tot;
	p->ipid = rd16(d + 4);
	p->ipproto = d[9];
	memcpy(p->src, d + 12, 4);
	memcpy(p->dst, d + 16, 4);
	frag = rd16(d + 6);
	if (frag & 0x1fff)
		return DN_BAD_FRAGMENT;
	/* The captured bytes may stop short of tot (snap length); never read past either. */
	if (tot < n)
		n = tot;
	return transport(p, d + ihl, n - ihl);
}

static enum dn_bad ipv6(struct dn_pkt *p, const uint8_t *d, size_t n)
{
	size_t off = 40, plen;
	uint8_t nh;
	int hops;

	if (n < 40)
		return DN_BAD_SHORT;
	if (d[0] >> 4 != 6)
		return DN_BAD_IPHDR;
	plen = rd16(d + 4);
	p->family = 6;
	p->iplen = (uint32_t)(plen + 40);
	memcpy(p->src, d + 8, 16);
	memcpy(p->dst, d + 24, 16);
	if (plen + 40 < n)
		n = plen + 40;
	nh = d[6];
	for (hops = 0; hops < 8; hops++) {
		if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, dest. options */
			if (off + 2 > n)
				return DN_BAD_TRANSPORT;
			nh = d[off];
			off += ((size_t)d[off + 1] + 1) * 8;
		} else if (nh == 44) { /* fragment */
			if (off + 8 > n)
				return DN_BAD_TRANSPORT;
			if (rd16(d + off + 2) & 0xfff8)
				return DN_BAD_FRAGMENT;
			nh = d[off];
			off += 8;
		} else {
			break;
		}
		if (off > n)
			return DN_BAD_TRANSPORT;
	}
	p->ipproto = nh;
	return transport(p, d + off, n - off);
}

static enum dn_bad ip_any(struct dn_pkt *p, const uint8_t *d, size_t n)
{
	if (n < 1)
		return DN_BAD_SHORT;
	if (d[0] >> 4 == 4)
		return ipv4(p, d, n);
	if (d[0] >> 4 == 6)
		return ipv6(p, d, n);
	return DN_BAD_IPHDR;
}

static enum dn_bad by_ethertype(struct dn_pkt *p, uint16_t et, const uint8_t *d, size_t n)
{
	if (et == ETH_IPV4)
		return ipv4(p, d, n);
	if (et == ETH_IPV6)
		return ipv6(p, d, n);
	return DN_BAD_NOTIP;
}

enum dn_bad dn_decode(int link, const uint8_t *d, size_t n, struct dn_pkt *p)
{
	memset(p, 0, sizeof(*p));
	switch (link) {
	case DN_LINK_ETHERNET: {
		size_t off = 12;
		uint16_t et;
		int tags;

		if (n < 14)
			return DN_BAD_SHORT;
		et = rd16(d + off);
		for (tags = 0; (et == 0x8100 || et == 0x88a8 || et == 0x9100) && tags < 4; tags++) {
			off += 4;
			if (off + 2 > n)
				return DN_BAD_SHORT;
			et = rd16(d + off);
		}
		return by_ethertype(p, et, d + off + 2, n - off - 2);
	}
	case DN_LINK_RAW:
	case 12:
	case 14: return ip_any(p, d, n);
	case DN_LINK_IPV4: return ipv4(p, d, n);
	case DN_LINK_IPV6: return ipv6(p, d, n);
	case DN_LINK_SLL: {
		uint16_t et;

		if (n < 16)
			return DN_BAD_SHORT;
		et = rd16(d + 14);
		if (et == 0x8100) { /* a VLAN tag the kernel left in place */
			if (n < 20)
				return DN_BAD_SHORT;
			return by_ethertype(p, rd16(d + 18), d + 20, n - 20);
		}
		return by_ethertype(p, et, d + 16, n - 16);
	}
	case DN_LINK_SLL2:
		if (n < 20)
			return DN_BAD_SHORT;
		return by_ethertype(p, rd16(d), d + 20, n - 20);
	case DN_LINK_NULL:
	case DN_LINK_LOOP: {
		uint32_t fam;

		if (n < 4)
			return DN_BAD_SHORT;
		memcpy(&fam, d, 4); /* host order (NULL) or network order (LOOP): accept both */
		if (fam == 2 || fam == 0x02000000u)
			return ipv4(p, d + 4, n - 4);
		if (fam == 24 || fam == 28 || fam == 30 || fam == 0x18000000u ||
		    fam == 0x1c000000u || fam == 0x1e000000u)
			return ipv6(p, d + 4, n - 4);
		return DN_BAD_NOTIP;
	}
	default: return DN_BAD_LINK;
	}
}
