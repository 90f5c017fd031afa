/*
 * gen.c -- the darknet benchmark's capture: a pcap (Ethernet) of N packets from S
 * sources to a /16 sensor over D days, shaped like a darknet's traffic: source activity
 * heavy-tailed (a few sources send most packets), most packets TCP SYN scans of a dozen
 * popular ports (each scanner mostly its own; Mirai-, ZMap- and masscan-style ones
 * among them), vertical scanners
 * over random ports, UDP and ICMP probes, and backscatter (SYN-ACK, RST) from DoS
 * victims. Deterministic (fixed seed). Usage: gen OUT.pcap [PACKETS [SOURCES [DAYS]]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static const uint16_t popular[] = { 23, 23, 23, 2323, 445, 80, 8080, 22, 3389, 1433, 5555, 6379 };

int main(int argc, char **argv)
{
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 30000000ULL;
	uint32_t nsrc = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 400000;
	uint32_t days = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 7;
	const uint32_t t0 = 1700006400, sensor = 0xC6330000; /* 198.51.0.0/16 */
	uint32_t *src;
	uint8_t rec[16 + 64];
	uint64_t i;
	FILE *f;
	static char buf[1 << 22];

	if (argc < 2 || !nsrc || !days) {
		fprintf(stderr, "usage: gen OUT.pcap [PACKETS [SOURCES [DAYS]]]\n");
		return 2;
	}
	f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	src = malloc(sizeof(*src) * nsrc);
	if (!src)
		return 1;
	for (i = 0; i < nsrc; i++) /* sources anywhere but the sensor */
		src[i] = (uint32_t)(next() % 0xDF000000u) + 0x01000000u;
	{
		uint32_t h[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1 };

		fwrite(h, 4, 6, f);
	}
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < n; i++) {
		uint64_t r = next(), r2 = next();
		/* heavy tail: the square of a uniform number favours low indexes */
		uint64_t u = r % nsrc;
		uint32_t si = (uint32_t)(u * (r2 % nsrc) / nsrc), s = src[si];
		uint32_t dst = sensor | (uint32_t)(r2 >> 48);
		uint32_t ts = t0 + (uint32_t)(i * (uint64_t)days * 86400 / n);
		uint8_t *e = rec + 16, *ip = e + 14, *l4 = ip + 20;
		uint32_t kind = (uint32_t)(r >> 56) % 100, len, seq = (uint32_t)(r2 >> 16);
		uint16_t ipid = (uint16_t)(r >> 24), dport, proto = 6, flags = 0x02;

		if (si % 17 == 0) /* vertical scanner */
			dport = (uint16_t)(r2 >> 8);
		else if ((r >> 40) % 10 == 0) /* now and then another popular port */
			dport = popular[(r >> 44) % (sizeof(popular) / sizeof(popular[0]))];
		else /* each scanner's own port, as bots and masscan runs have */
			dport = popular[si % (sizeof(popular) / sizeof(popular[0]))];
		if (kind < 8) { /* backscatter from a victim */
			flags = kind < 5 ? 0x12 : 0x14;
			s = src[si % 2000];
			dport = (uint16_t)(1024 + (r2 >> 40) % 60000);
		} else if (kind < 20) {
			proto = 17;
			dport = (r >> 32) & 1 ? 53 : 123;
		} else if (kind < 24) {
			proto = 1;
		} else if (si % 5 == 1 && dport == 23) {
			seq = dst; /* Mirai */
		} else if (si % 7 == 2) {
			ipid = 54321; /* ZMap */
		} else if (si % 11 == 3) {
			ipid = (uint16_t)(dst ^ dport ^ seq); /* masscan */
		}
		memset(e, 0, 14);
		e[12] = 0x08;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		be16(ip + 4, ipid);
		ip[8] = 240;
		ip[9] = (uint8_t)proto;
		be32(ip + 12, s);
		be32(ip + 16, dst);
		if (proto == 6) {
			memset(l4, 0, 20);
			be16(l4, 40000 + (uint32_t)(r & 0x3fff));
			be16(l4 + 2, dport);
			be32(l4 + 4, seq);
			l4[12] = 0x50;
			l4[13] = (uint8_t)flags;
			len = 20;
		} else if (proto == 17) {
			memset(l4, 0, 8);
			be16(l4, 40000 + (uint32_t)(r & 0x3fff));
			be16(l4 + 2, dport);
			be16(l4 + 4, 8);
			len = 8;
		} else {
			memset(l4, 0, 8);
			l4[0] = 8;
			len = 8;
		}
		be16(ip + 2, 20 + len);
		len += 14 + 20;
		{
			uint32_t h[4] = { ts, (uint32_t)(i % 1000000), len, len };

			memcpy(rec, h, 16);
		}
		fwrite(rec, 1, 16 + len, f);
	}
	free(src);
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
