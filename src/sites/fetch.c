/*
 * fetch.c -- the look-ups of `sites` on the network (sites.h): HTTP GET for
 * security.txt and RDAP, WHOIS over TCP port 43.
 *
 * Every connection is made on a listed site's behalf to a server that the site or a
 * registry names, so every address is hostile input: the host is resolved through the
 * caller (env->resolve: the configured resolver or the system's), each address is checked
 * with env->refuse (the proxy's destination rule: loopback, private, link-local, the
 * host's own addresses ... refused unless sites.allow-destinations lets them), and the
 * connection goes to the first address that passes -- curl is pinned to it with
 * CURLOPT_RESOLVE and follows no redirect, so no second lookup can bring it elsewhere
 * (DNS rebinding). Answers are read up to SITES_ANSWER_MAX; the time of one look-up is
 * bounded by sites.timeout.
 */
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/base/strbuf.h"
#include "core/net/netaddr.h"
#include "sites/sites.h"

#define FETCH_MAX_ADDRS 8

/* The first address of host that env allows, in *out (port set). */
static int pick_addr(const struct sites_env *env, const char *host, uint16_t port,
		     struct sockaddr_storage *out, struct isp_err *err)
{
	struct sockaddr_storage a[FETCH_MAX_ADDRS];
	const char *why = NULL;
	int n, i;

	memset(a, 0, sizeof(a));
	n = env->resolve(env->ud, host, port, a, FETCH_MAX_ADDRS);
	if (n <= 0)
		return isp_err_set(err, ISR_EIO, "%s: no address", host);
	for (i = 0; i < n; i++) {
		why = env->refuse(env->ud, (struct sockaddr *)&a[i]);
		if (!why) {
			*out = a[i];
			return 0;
		}
	}
	{
		char buf[64];

		return isp_err_set(err, ISR_EIO, "%s: refused destination %s (%s)", host,
				   net_addr_text((struct sockaddr *)&a[0], buf, sizeof(buf)), why);
	}
}

static size_t body_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct strbuf *b = ud;
	size_t n = size * nmemb;

	if (b->len + n > SITES_ANSWER_MAX)
		return 0; /* too large: the transfer fails */
	strbuf_add(b, p, n);
	return b->oom ? 0 : n;
}

int sites_http_get(const struct sites_env *env, const struct isp_config *cfg, const char *url,
		   char **body, size_t *len, long *status, struct isp_err *err)
{
	struct strbuf b = { 0 };
	struct sockaddr_storage ss;
	struct curl_slist *pin = NULL;
	char *host = NULL, *port = NULL, *scheme = NULL, pinline[400], abuf[64];
	CURLU *u = curl_url();
	CURL *c = NULL;
	CURLcode cc;
	long portnum;
	int rc;

	*body = NULL;
	*len = 0;
	*status = 0;
	if (!u)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		rc = isp_err_set(err, ISR_EINVAL, "'%.200s': not an http(s) URL", url);
		goto out;
	}
	portnum = strtol(port, NULL, 10);
	{
		char h[256];
		size_t hn = strlen(host);

		/* [v6] literal: the resolver gets the bare address */
		if (hn >= 2 && host[0] == '[' && hn - 2 < sizeof(h)) {
			memcpy(h, host + 1, hn - 2);
			h[hn - 2] = '\0';
		} else {
			snprintf(h, sizeof(h), "%s", host);
		}
		rc = pick_addr(env, h, (uint16_t)portnum, &ss, err);
	}
	if (rc)
		goto out;
	net_addr_text((struct sockaddr *)&ss, abuf, sizeof(abuf));
	snprintf(pinline, sizeof(pinline), ss.ss_family == AF_INET6 ? "%s:%ld:[%s]" : "%s:%ld:%s",
		 host, portnum, abuf);
	pin = curl_slist_append(NULL, pinline);
	c = curl_easy_init();
	if (!c || !pin) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT,
			 (long)(cfg->sites_timeout > 0 ? cfg->sites_timeout : 10));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ispshield-sites (+abuse contact look-up)");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (cfg->sites_ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->sites_ca_file);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rc = isp_err_set(err, ISR_EIO, "%.200s: %s", url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (!b.p)
		b.p = calloc(1, 1);
	if (b.oom || !b.p) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	*body = b.p;
	*len = b.len;
	b.p = NULL;
	rc = 0;
out:
	free(b.p);
	curl_slist_free_all(pin);
	if (c)
		curl_easy_cleanup(c);
	curl_free(host);
	curl_free(port);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for ev until deadline (ms). 0, or ISR_EIO on time-out. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { fd, ev, 0 };
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return ISR_EIO;
	return poll(&p, 1, (int)left) == 1 ? 0 : ISR_EIO;
}

int sites_whois(const struct sites_env *env, const struct isp_config *cfg, const char *hostport,
		const char *query, char **body, size_t *len, struct isp_err *err)
{
	struct sockaddr_storage ss;
	struct strbuf b = { 0 }, q = { 0 };
	char host[256];
	const char *colon = strrchr(hostport, ':');
	int64_t deadline = now_ms() + (cfg->sites_timeout > 0 ? cfg->sites_timeout : 10) * 1000;
	long port = colon ? strtol(colon + 1, NULL, 10) : 43;
	size_t hn = colon ? (size_t)(colon - hostport) : strlen(hostport), sent = 0;
	int fd = -1, rc, so = 0;
	socklen_t sl = sizeof(so);

	*body = NULL;
	*len = 0;
	if (hn >= 2 && hostport[0] == '[')
		hostport++, hn -= 2;
	if (hn == 0 || hn >= sizeof(host) || port <= 0 || port > 65535 || strpbrk(query, "\r\n"))
		return isp_err_set(err, ISR_EINVAL, "whois '%s' '%.100s': bad server or query",
				   hostport, query);
	memcpy(host, hostport, hn);
	host[hn] = '\0';
	memset(&ss, 0, sizeof(ss));
	rc = pick_addr(env, host, (uint16_t)port, &ss, err);
	if (rc)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "whois %s: socket: %s", hostport, strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss,
		    ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
					    : sizeof(struct sockaddr_in6)) != 0 &&
	    errno != EINPROGRESS) {
		rc = isp_err_set(err, ISR_EIO, "whois %s: %s", hostport, strerror(errno));
		goto out;
	}
	if (wait_fd(fd, POLLOUT, deadline) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0 || so != 0) {
		rc = isp_err_set(err, ISR_EIO, "whois %s: %s", hostport,
				 so ? strerror(so) : "no connection in time");
		goto out;
	}
	strbuf_fmt(&q, "%s\r\n", query);
	while (!q.oom && sent < q.len) {
		ssize_t w = send(fd, q.p + sent, q.len - sent, MSG_NOSIGNAL);

		if (w > 0) {
			sent += (size_t)w;
		} else if (w < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, deadline) == 0) {
			continue;
		} else {
			rc = isp_err_set(err, ISR_EIO, "whois %s: send failed", hostport);
			goto out;
		}
	}
	for (;;) {
		char buf[4096];
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r > 0) {
			if (b.len + (size_t)r > SITES_ANSWER_MAX) {
				rc = isp_err_set(err, ISR_ELIMIT, "whois %s: answer over %zu bytes",
						 hostport, SITES_ANSWER_MAX);
				goto out;
			}
			strbuf_add(&b, buf, (size_t)r);
		} else if (r == 0) {
			break;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (wait_fd(fd, POLLIN, deadline) != 0) {
				rc = isp_err_set(err, ISR_EIO, "whois %s: no answer in time",
						 hostport);
				goto out;
			}
		} else {
			rc = isp_err_set(err, ISR_EIO, "whois %s: %s", hostport, strerror(errno));
			goto out;
		}
	}
	if (!b.p)
		b.p = calloc(1, 1);
	if (b.oom || q.oom || !b.p) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	*body = b.p;
	*len = b.len;
	b.p = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(b.p);
	free(q.p);
	return rc;
}

int sites_resolve(const char *host, uint16_t port, struct sockaddr_storage *out, int max,
		  sites_resolve_fn stub, void *stub_ud)
{
	struct addrinfo hints, *res = NULL, *ai;
	char pstr[8];
	int n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	snprintf(pstr, sizeof(pstr), "%u", (unsigned)port);
	if (getaddrinfo(host, pstr, &hints, &res) != 0) {
		res = NULL;
		if (stub)
			return stub(stub_ud, host, port, out, max);
		hints.ai_flags = 0;
		if (getaddrinfo(host, pstr, &hints, &res) != 0)
			return 0;
	}
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(&out[n], ai->ai_addr, ai->ai_addrlen);
		n++;
	}
	freeaddrinfo(res);
	return n;
}
