/*
 * netaddr.c -- see netaddr.h (moved here from the DNS service when the proxy needed the
 * same parsing and file polling).
 */
#include "core/net/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/timefmt.h"

int net_parse_addr(const char *s, size_t n, uint16_t defport, struct sockaddr_storage *out,
		   socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hl;
	long p = defport;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return ISR_EINVAL;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return ISR_EINVAL;
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			return ISR_EINVAL;
		memcpy(host, s + 1, hl);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return ISR_EINVAL;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);

		if (colon && memchr(colon + 1, ':', (size_t)(s + n - colon - 1)))
			colon = NULL; /* a bare IPv6 address */
		hl = colon ? (size_t)(colon - s) : n;
		if (hl >= sizeof(host))
			return ISR_EINVAL;
		memcpy(host, s, hl);
		if (colon)
			port = colon + 1;
	}
	host[hl] = '\0';
	if (port) {
		char *end;
		char pb[8];
		size_t pl = (size_t)(s + n - port);

		if (pl == 0 || pl >= sizeof(pb))
			return ISR_EINVAL;
		memcpy(pb, port, pl);
		pb[pl] = '\0';
		p = strtol(pb, &end, 10);
		if (*end || p <= 0 || p > 65535)
			return ISR_EINVAL;
	}
	return net_addr_literal(host, (uint16_t)p, out, len);
}

int net_addr_literal(const char *host, uint16_t port, struct sockaddr_storage *out, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return ISR_EINVAL;
}

int net_parse_addr_list(const char *key, const char *list, uint16_t defport,
			struct sockaddr_storage *arr, socklen_t *lens, int max, int *n,
			struct isp_err *err)
{
	const char *p = list;

	*n = 0;
	while (*p) {
		size_t k = strcspn(p, ",");

		if (k > 0 && strspn(p, " \t") < k) {
			if (*n == max)
				return isp_err_set(err, ISR_EINVAL, "%s: more than %d addresses",
						   key, max);
			if (net_parse_addr(p, k, defport, &arr[*n], &lens[*n]) != 0)
				return isp_err_set(err, ISR_EINVAL,
						   "%s: '%.*s' is not ADDR:PORT or [ADDR]:PORT",
						   key, (int)k, p);
			(*n)++;
		}
		p += k;
		if (*p == ',')
			p++;
	}
	if (*n == 0)
		return isp_err_set(err, ISR_EINVAL, "%s: no address given", key);
	return 0;
}

struct filestamp filestamp_of(const char *path)
{
	struct filestamp f;
	struct stat sb;

	memset(&f, 0, sizeof(f));
	if (path && *path && stat(path, &sb) == 0) {
		f.exists = 1;
		f.dev = sb.st_dev;
		f.ino = sb.st_ino;
		f.size = sb.st_size;
		f.mtime = sb.st_mtim;
	}
	return f;
}

int filestamp_eq(const struct filestamp *a, const struct filestamp *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

const char *net_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
			  (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)size);
	else
		snprintf(buf, size, "?");
	return buf;
}

int net_listen_tcp(const struct sockaddr_storage *sa, socklen_t len, int backlog)
{
	int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, saved;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (sa->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, len) != 0 || listen(fd, backlog) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int net_wait_fd(int fd, short ev, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd pf = { fd, ev, 0 };
		int64_t left = deadline_ms - time_mono_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		return r > 0;
	}
}

void net_addrs_text(char *out, size_t size, const char *what, const struct sockaddr_storage *a,
		    int n)
{
	char host[64];
	int i;

	for (i = 0; i < n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&a[i];
		unsigned port = ntohs(sa->sa_family == AF_INET6
					      ? ((const struct sockaddr_in6 *)sa)->sin6_port
					      : ((const struct sockaddr_in *)sa)->sin_port);
		size_t k = strlen(out);

		if (k + 1 >= size)
			return;
		net_addr_text(sa, host, sizeof(host));
		snprintf(out + k, size - k, "%s%s%s%s%s:%u",
			 i   ? ", "
			 : k ? "; "
			     : "",
			 i ? "" : what, sa->sa_family == AF_INET6 ? "[" : "", host,
			 sa->sa_family == AF_INET6 ? "]" : "", port);
	}
}

int net_addr_same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}
