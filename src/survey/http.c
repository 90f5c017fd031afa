/*
 * http.c -- the TCP probes: one HTTP exchange with a deadline and a bounded read, the
 * response reader (status, Server, WWW-Authenticate realm, <title>, body), the router
 * fingerprint probe and the open-proxy probe, run by a small pool of worker threads
 * that take targets from a shared counter. See survey.h.
 *
 * Bounds: at most SURVEY_HTTP_MAX bytes are read from a peer, and the whole exchange
 * (connect, send, read) must finish within timeout_ms; a response that never ends or is
 * gigabytes long costs that much and no more.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/base/timefmt.h"
#include "core/net/netaddr.h"
#include "survey/survey.h"

static int send_all(int fd, const char *s, int64_t deadline)
{
	size_t n = strlen(s), off = 0;

	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (net_wait_fd(fd, POLLOUT, deadline) <= 0)
			return -1;
	}
	return 0;
}

/* Read until EOF, max bytes or the deadline; with head_only, stop after the header. */
static ssize_t read_bounded(int fd, char *buf, size_t max, int64_t deadline, int head_only)
{
	size_t got = 0;

	while (got < max) {
		ssize_t r = recv(fd, buf + got, max - got, 0);

		if (r > 0) {
			got += (size_t)r;
			if (head_only && memmem(buf, got, "\r\n\r\n", 4))
				break;
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			break;
		if (net_wait_fd(fd, POLLIN, deadline) <= 0)
			break;
	}
	return (ssize_t)got;
}

int survey_http_exchange(const struct survey_scope *s, uint32_t addr, uint16_t port,
			 const char *req, const char *tunnel_req, char *buf, size_t max,
			 int timeout_ms)
{
	struct sockaddr_in sin;
	int64_t deadline = time_mono_ms() + timeout_ms;
	int fd, err = 0;
	socklen_t el = sizeof(err);
	ssize_t n;

	if (!survey_scope_allows(s, addr))
		return ISR_EINVAL; /* never connect outside the scope */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ISR_EIO;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 && errno != EINPROGRESS)
		goto fail;
	if (net_wait_fd(fd, POLLOUT, deadline) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
		goto fail;
	if (send_all(fd, req, deadline) != 0)
		goto fail;
	n = read_bounded(fd, buf, max, deadline, tunnel_req != NULL);
	if (tunnel_req) {
		struct survey_http_resp r;

		if (survey_http_parse(buf, (size_t)n, &r) != 0 || r.status < 200 || r.status > 299)
			goto fail;
		if (send_all(fd, tunnel_req, deadline) != 0)
			goto fail;
		n = read_bounded(fd, buf, max, deadline, 0);
	}
	close(fd);
	return (int)n;
fail:
	close(fd);
	return ISR_EIO;
}

static void header_value(const char *v, const char *e, char *out, size_t outsz)
{
	size_t n;

	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	n = (size_t)(e - v);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++) /* keep output printable */
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

/* Case-insensitive memmem for ASCII needles. */
static const char *find_ci(const char *h, size_t hl, const char *n)
{
	size_t nl = strlen(n), i;

	for (i = 0; i + nl <= hl; i++)
		if (strncasecmp(h + i, n, nl) == 0)
			return h + i;
	return NULL;
}

int survey_http_parse(const char *buf, size_t len, struct survey_http_resp *r)
{
	const char *p = buf, *end = buf + len, *hend, *t;
	int code = 0, i;

	memset(r, 0, sizeof(*r));
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + (buf[i] - '0');
	}
	if (code < 100)
		return -1;
	r->status = code;
	hend = memmem(buf, len, "\r\n\r\n", 4);
	hend = hend ? hend + 4 : end;
	p = memchr(buf, '\n', (size_t)(hend - buf));
	while (p && p + 1 < hend) {
		const char *ls = p + 1, *le = memchr(ls, '\n', (size_t)(hend - ls)), *colon;
		size_t kl;

		if (!le)
			le = hend;
		colon = memchr(ls, ':', (size_t)(le - ls));
		if (colon) {
			kl = (size_t)(colon - ls);
			if (kl == 6 && strncasecmp(ls, "server", 6) == 0) {
				header_value(colon + 1, le, r->server, sizeof(r->server));
			} else if (kl == 16 && strncasecmp(ls, "www-authenticate", 16) == 0) {
				const char *rv =
					find_ci(colon + 1, (size_t)(le - colon - 1), "realm=");

				if (rv) {
					const char *vs = rv + 6, *ve;

					if (vs < le && *vs == '"')
						vs++;
					ve = vs;
					while (ve < le && *ve != '"' && *ve != '\r' && *ve != ',')
						ve++;
					header_value(vs, ve, r->realm, sizeof(r->realm));
				}
			}
		}
		p = le < hend ? le : NULL;
	}
	r->body = hend;
	r->body_len = (size_t)(end - hend);
	t = find_ci(r->body, r->body_len, "<title");
	if (t) {
		const char *gt = memchr(t, '>', (size_t)(end - t));

		if (gt) {
			const char *te = find_ci(gt + 1, (size_t)(end - gt - 1), "</title");

			header_value(gt + 1, te ? te : end, r->title, sizeof(r->title));
		}
	}
	return 0;
}

/* ---- the worker pool ---- */

struct pool {
	const struct survey_tcp_opts *o;
	int proxy;
	size_t next; /* next (address, port) job, atomically taken */
	pthread_mutex_t mu;
	struct survey_findings *out;
	struct survey_tcp_stats st;
	int64_t t0;
	int rc;
};

static void fmt_ip(uint32_t a, char *b, size_t n)
{
	snprintf(b, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void add(struct pool *pl, const struct survey_finding *f)
{
	pthread_mutex_lock(&pl->mu);
	if (survey_findings_add(pl->out, f) != 0)
		pl->rc = ISR_ENOMEM;
	pl->st.matched++;
	pthread_mutex_unlock(&pl->mu);
}

/* A TCP finding at a:port, found now, with its cause and tag; the rest zero. */
static void tcp_finding(struct survey_finding *f, uint32_t a, uint16_t port, enum cause cause,
			const char *tag)
{
	memset(f, 0, sizeof(*f));
	f->addr = a;
	f->time = time(NULL);
	f->proto = 6;
	f->port = port;
	f->cause = cause;
	snprintf(f->tag, sizeof(f->tag), "%s", tag);
}

static void job_http(struct pool *pl, uint32_t a, uint16_t port, char *buf)
{
	const struct survey_tcp_opts *o = pl->o;
	char req[1024], ip[16];
	size_t k;

	fmt_ip(a, ip, sizeof(ip));
	for (k = 0; k < o->npaths; k++) {
		struct survey_http_resp r;
		const struct survey_fp *fp;
		struct survey_finding f;
		int n;

		snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
			 "Connection: close\r\n\r\n",
			 o->paths[k], ip, o->user_agent);
		n = survey_http_exchange(o->scope, a, port, req, NULL, buf, SURVEY_HTTP_MAX,
					 o->timeout_ms);
		if (n < 0) {
			if (k == 0)
				return; /* nothing listens: skip the other paths */
			continue;
		}
		__atomic_add_fetch(&pl->st.connected, 1, __ATOMIC_RELAXED);
		if (survey_http_parse(buf, (size_t)n, &r) != 0)
			continue;
		fp = survey_fps_match(o->fps, &r);
		if (!fp)
			continue;
		tcp_finding(&f, a, port, fp->vulnerable ? CAUSE_VULNERABLE_ROUTER : CAUSE_NONE,
			    fp->vulnerable ? "vulnerable-router" : "router-admin");
		f.vulnerable = fp->vulnerable;
		snprintf(f.vendor, sizeof(f.vendor), "%s", fp->vendor);
		snprintf(f.model, sizeof(f.model), "%s", fp->model);
		snprintf(f.firmware, sizeof(f.firmware), "%s", fp->firmware);
		snprintf(f.advice, sizeof(f.advice), "%s", fp->advice);
		snprintf(f.detail, sizeof(f.detail), "fingerprint %s, path %s, status %d, title %s",
			 fp->id, o->paths[k], r.status, r.title);
		add(pl, &f);
		return;
	}
}

static void job_proxy(struct pool *pl, uint32_t a, uint16_t port, char *buf)
{
	const struct survey_tcp_opts *o = pl->o;
	char req[1024], tun[1024];
	char how[32] = "";
	struct survey_finding f;
	int n;

	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n\r\n",
		 o->proxy_host, o->proxy_host, o->user_agent);
	snprintf(tun, sizeof(tun),
		 "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n",
		 o->proxy_host, o->user_agent);
	n = survey_http_exchange(o->scope, a, port, req, tun, buf, SURVEY_HTTP_MAX - 1,
				 o->timeout_ms);
	if (n >= 0)
		__atomic_add_fetch(&pl->st.connected, 1, __ATOMIC_RELAXED);
	if (n > 0 && memmem(buf, (size_t)n, o->proxy_expect, strlen(o->proxy_expect)))
		snprintf(how, sizeof(how), "connect");
	snprintf(req, sizeof(req),
		 "GET http://%s/ HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: "
		 "close\r\n\r\n",
		 o->proxy_host, o->proxy_host, o->user_agent);
	n = survey_http_exchange(o->scope, a, port, req, NULL, buf, SURVEY_HTTP_MAX - 1,
				 o->timeout_ms);
	if (n > 0 && memmem(buf, (size_t)n, o->proxy_expect, strlen(o->proxy_expect)))
		snprintf(how + strlen(how), sizeof(how) - strlen(how), "%sget", how[0] ? "," : "");
	if (!how[0])
		return;
	tcp_finding(&f, a, port, CAUSE_OPEN_PROXY, "open-proxy");
	snprintf(f.advice, sizeof(f.advice), "close-proxy");
	snprintf(f.detail, sizeof(f.detail), "relays %s to %s", how, o->proxy_host);
	add(pl, &f);
}

static void *worker(void *arg)
{
	struct pool *pl = arg;
	const struct survey_tcp_opts *o = pl->o;
	size_t total = o->naddrs * o->nports;
	char *buf = malloc(SURVEY_HTTP_MAX);

	if (!buf)
		return NULL;
	for (;;) {
		size_t j = __atomic_fetch_add(&pl->next, 1, __ATOMIC_RELAXED);
		uint32_t a;
		uint16_t port;

		if (j >= total)
			break;
		if (o->rate) { /* pace connections: job j starts at t0 + j / rate */
			int64_t at = pl->t0 + (int64_t)(j * 1000 / o->rate),
				w = at - time_mono_ms();

			if (w > 0) {
				struct timespec ts = { w / 1000, (w % 1000) * 1000000 };

				nanosleep(&ts, NULL);
			}
		}
		a = o->addrs[j / o->nports];
		port = o->ports[j % o->nports];
		__atomic_add_fetch(&pl->st.attempted, 1, __ATOMIC_RELAXED);
		if (!survey_scope_allows(o->scope, a)) {
			__atomic_add_fetch(&pl->st.refused_scope, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (pl->proxy)
			job_proxy(pl, a, port, buf);
		else
			job_http(pl, a, port, buf);
	}
	free(buf);
	return NULL;
}

static int run_pool(const struct survey_tcp_opts *o, int proxy, struct survey_findings *out,
		    struct survey_tcp_stats *st, struct isp_err *err)
{
	struct pool pl;
	pthread_t th[256];
	int n = o->threads < 1 ? 1 : o->threads > 256 ? 256 : o->threads, i, started = 0;

	memset(&pl, 0, sizeof(pl));
	pl.o = o;
	pl.proxy = proxy;
	pl.out = out;
	pl.t0 = time_mono_ms();
	pthread_mutex_init(&pl.mu, NULL);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, &pl) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&pl.mu);
	*st = pl.st;
	if (!started)
		return isp_err_set(err, ISR_EIO, "cannot start probe threads");
	if (pl.rc)
		return isp_err_set(err, pl.rc, "out of memory");
	return 0;
}

int survey_probe_http(const struct survey_tcp_opts *o, struct survey_findings *out,
		      struct survey_tcp_stats *st, struct isp_err *err)
{
	return run_pool(o, 0, out, st, err);
}

int survey_probe_proxy(const struct survey_tcp_opts *o, struct survey_findings *out,
		       struct survey_tcp_stats *st, struct isp_err *err)
{
	if (!o->proxy_host || !*o->proxy_host || !o->proxy_expect || !*o->proxy_expect)
		return isp_err_set(
			err, ISR_EINVAL,
			"the proxy probe needs survey.proxy-test and survey.proxy-expect");
	return run_pool(o, 1, out, st, err);
}
