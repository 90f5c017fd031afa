/*
 * dnsstub.c -- see dnsstub.h. Just enough DNS (RFC 1035) for a stub: build one
 * question, read names with compression pointers (bounded: at most 64 jumps, names of
 * at most 255 bytes), walk the answer section once following the CNAME chain.
 */
#include "proxy/dnsstub.h"
#include "core/base/timefmt.h"
#include "core/net/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define T_A	      1
#define T_CNAME	      5
#define T_AAAA	      28
#define NAME_MAX_TEXT 256

static int valid_label_byte(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int pxdns_query(const char *host, uint16_t qtype, uint16_t id, uint8_t *buf, size_t size)
{
	size_t n = 12, hl = strlen(host);
	const char *p = host, *end;

	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (hl == 0 || hl > 253 || size < 12 + hl + 2 + 4)
		return -1;
	end = host + hl;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t ll = dot ? (size_t)(dot - p) : (size_t)(end - p), i;

		if (ll == 0 || ll > 63)
			return -1;
		for (i = 0; i < ll; i++)
			if (!valid_label_byte((unsigned char)p[i]))
				return -1;
		buf[n++] = (uint8_t)ll;
		memcpy(buf + n, p, ll);
		n += ll;
		p += ll + (dot ? 1 : 0);
		if (dot && p == end)
			return -1; /* "a..": an empty label */
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = 0;
	buf[n++] = 1; /* IN */
	return (int)n;
}

/* Read the name at pkt[*off] as lower-case dotted text (no final dot; "" for the
 * root) into out[NAME_MAX_TEXT]; *off moves past it. Returns 0 or -1. */
static int read_name(const uint8_t *pkt, size_t len, size_t *off, char *out)
{
	size_t p = *off, o = 0;
	int jumps = 0, jumped = 0;

	for (;;) {
		unsigned l;

		if (p >= len)
			return -1;
		l = pkt[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++jumps > 64)
				return -1;
			if (!jumped)
				*off = p + 2;
			jumped = 1;
			p = ((l & 0x3f) << 8) | pkt[p + 1];
			continue;
		}
		if (l & 0xc0)
			return -1;
		if (l == 0) {
			if (!jumped)
				*off = p + 1;
			out[o] = '\0';
			return 0;
		}
		if (p + 1 + l > len || o + l + 2 > NAME_MAX_TEXT)
			return -1;
		if (o)
			out[o++] = '.';
		for (unsigned i = 0; i < l; i++) {
			int c = pkt[p + 1 + i];

			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		p += 1 + l;
	}
}

static int same_name(const char *a, const char *host)
{
	size_t hl = strlen(host);

	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	return strlen(a) == hl && strncasecmp(a, host, hl) == 0;
}

int pxdns_answer(const uint8_t *pkt, size_t len, const char *host, uint16_t qtype, uint16_t id,
		 uint16_t port, struct sockaddr_storage *out, socklen_t *lens, int max)
{
	char name[NAME_MAX_TEXT], cur[NAME_MAX_TEXT];
	size_t off = 12;
	unsigned an, i;
	int n = 0;

	if (len < 12 || ((pkt[0] << 8) | pkt[1]) != id || !(pkt[2] & 0x80) || (pkt[2] & 0x78))
		return -1; /* not a response to a standard query with our ID */
	if (pkt[2] & 0x02)
		return -2;
	if (((pkt[4] << 8) | pkt[5]) != 1)
		return -1;
	if (read_name(pkt, len, &off, name) != 0 || !same_name(name, host) || off + 4 > len ||
	    ((pkt[off] << 8) | pkt[off + 1]) != qtype || ((pkt[off + 2] << 8) | pkt[off + 3]) != 1)
		return -1;
	off += 4;
	if ((pkt[3] & 0x0f) != 0)
		return 0; /* NXDOMAIN, SERVFAIL, REFUSED ...: no address */
	snprintf(cur, sizeof(cur), "%s", name);
	an = (pkt[6] << 8) | pkt[7];
	for (i = 0; i < an; i++) {
		unsigned type, cls, rdlen;

		if (read_name(pkt, len, &off, name) != 0 || off + 10 > len)
			return -1;
		type = (pkt[off] << 8) | pkt[off + 1];
		cls = (pkt[off + 2] << 8) | pkt[off + 3];
		rdlen = (pkt[off + 8] << 8) | pkt[off + 9];
		off += 10;
		if (off + rdlen > len)
			return -1;
		if (cls == 1 && strcmp(name, cur) == 0) {
			if (type == T_CNAME) {
				size_t t = off;

				if (read_name(pkt, len, &t, cur) != 0)
					return -1;
			} else if (type == qtype && n < max && rdlen == (qtype == T_A ? 4u : 16u)) {
				memset(&out[n], 0, sizeof(out[n]));
				if (qtype == T_A) {
					struct sockaddr_in *in = (struct sockaddr_in *)&out[n];

					in->sin_family = AF_INET;
					in->sin_port = htons(port);
					memcpy(&in->sin_addr, pkt + off, 4);
					lens[n] = sizeof(*in);
				} else {
					struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out[n];

					in6->sin6_family = AF_INET6;
					in6->sin6_port = htons(port);
					memcpy(&in6->sin6_addr, pkt + off, 16);
					lens[n] = sizeof(*in6);
				}
				n++;
			}
		}
		off += rdlen;
	}
	return n;
}

/* One question over TCP (after a truncated UDP answer). */
static int ask_tcp(const struct sockaddr *server, socklen_t slen, const uint8_t *q, int qlen,
		   uint8_t *ans, size_t size, int64_t deadline)
{
	uint8_t lenbuf[2] = { (uint8_t)(qlen >> 8), (uint8_t)qlen };
	int fd = socket(server->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0, want = 0;
	int rc = -1;

	if (fd < 0)
		return -1;
	{
		struct timeval tv;
		int64_t left = deadline - time_mono_ms();

		if (left <= 0)
			goto out;
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, server, slen) != 0 || send(fd, lenbuf, 2, MSG_NOSIGNAL) != 2 ||
	    send(fd, q, (size_t)qlen, MSG_NOSIGNAL) != qlen)
		goto out;
	while (got < 2 || got < 2 + want) {
		ssize_t k;

		if (net_wait_fd(fd, POLLIN, deadline) <= 0)
			goto out;
		k = got < 2 ? recv(fd, lenbuf + got, 2 - got, 0)
			    : recv(fd, ans + got - 2, want - (got - 2), 0);
		if (k <= 0)
			goto out;
		got += (size_t)k;
		if (got == 2) {
			want = (size_t)(lenbuf[0] << 8 | lenbuf[1]);
			if (want > size || want < 12)
				goto out;
		}
	}
	rc = (int)want;
out:
	close(fd);
	return rc;
}

/* One question (qtype) to server; answers into out. Returns the count or 0. */
static int ask(const struct sockaddr *server, socklen_t slen, const char *host, uint16_t qtype,
	       uint16_t port, int64_t deadline, struct sockaddr_storage *out, socklen_t *lens,
	       int max)
{
	uint8_t q[512], ans[65535];
	uint16_t id;
	int qlen, fd, n = 0;

	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		return 0;
	qlen = pxdns_query(host, qtype, id, q, sizeof(q));
	if (qlen < 0)
		return 0;
	fd = socket(server->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, server, slen) != 0 || send(fd, q, (size_t)qlen, 0) != qlen) {
		close(fd);
		return 0;
	}
	for (;;) {
		ssize_t k;

		if (net_wait_fd(fd, POLLIN, deadline) <= 0)
			break;
		k = recv(fd, ans, sizeof(ans), 0);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break; /* ICMP refused: nobody there */
		}
		n = pxdns_answer(ans, (size_t)k, host, qtype, id, port, out, lens, max);
		if (n == -2) {
			k = ask_tcp(server, slen, q, qlen, ans, sizeof(ans), deadline);
			n = k > 0 ? pxdns_answer(ans, (size_t)k, host, qtype, id, port, out, lens,
						 max)
				  : 0;
		}
		if (n >= 0)
			break;
		/* a stray or forged packet: keep waiting for the real answer */
	}
	close(fd);
	return n > 0 ? n : 0;
}

int pxdns_lookup(const struct sockaddr *server, socklen_t slen, const char *host, uint16_t port,
		 int timeout_ms, struct sockaddr_storage *out, socklen_t *lens, int max)
{
	uint8_t probe[512];
	int64_t deadline = time_mono_ms() + timeout_ms;
	int n;

	if (pxdns_query(host, T_A, 0, probe, sizeof(probe)) < 0)
		return -1;
	n = ask(server, slen, host, T_A, port, deadline, out, lens, max);
	if (n < max)
		n += ask(server, slen, host, T_AAAA, port, deadline, out + n, lens + n, max - n);
	return n;
}
