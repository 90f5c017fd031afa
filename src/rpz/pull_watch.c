/*
 * pull_watch.c -- `lists pull --watch` (see pull.h): the configured pulls, each at its
 * zone's SOA refresh, and NOTIFY (RFC 1996) taken on a UDP address to pull at once. One
 * thread: poll(2) on the NOTIFY socket until the next pull is due, then the pull runs to
 * its end (a NOTIFY that arrives meanwhile waits in the socket's buffer).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/timefmt.h"
#include "core/net/domain.h"
#include "core/net/netaddr.h"
#include "rpz/pull.h"
#include "rpz/pull_int.h"

static int64_t clamp_wait(uint32_t s)
{
	int64_t w = s ? (int64_t)s : RPZ_PULL_RETRY;

	if (w < RPZ_PULL_MIN_WAIT)
		w = RPZ_PULL_MIN_WAIT;
	if (w > RPZ_PULL_MAX_WAIT)
		w = RPZ_PULL_MAX_WAIT;
	return 1000 * w;
}

/* A UDP socket bound to addr, or -1 with err set. */
static int open_notify(const char *addr, struct isp_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (net_parse_addr(addr, strlen(addr), 53, &ss, &len) != 0) {
		isp_err_set(err, ISR_EINVAL, "pull.notify-listen: %s: not ADDR:PORT", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0) {
		isp_err_set(err, ISR_EIO, "pull.notify-listen: %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read the NOTIFY messages waiting on fd; each for a job's zone, from that zone's primary,
 * makes it due now (any other is REFUSED and changes nothing). */
static void take_notify(int fd, struct rpz_pull_job *jobs, int n, int64_t now)
{
	uint8_t pkt[DNSW_MAX_UDP], out[DNSW_MAX_UDP];
	struct sockaddr_storage from;
	struct dnsw_query q;
	socklen_t fl;
	ssize_t len;
	int i, k, rc, m, hit;

	for (;;) {
		fl = sizeof(from);
		len = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
		if (len < 0)
			return;
		rc = dnsw_parse_query(pkt, (size_t)len, &q);
		/* dnsw_parse_query reads a NOTIFY (opcode 4) as NOTIMP, its question parsed */
		if (rc == DNSW_DROP || DNSW_OPCODE(q.flags) != DNSW_OPCODE_NOTIFY ||
		    q.qname_len == 0 || !q.name_ok)
			continue;
		hit = 0;
		for (i = 0; i < n; i++) {
			if (!jobs[i].zone[0] || strcmp(jobs[i].zone, q.name) != 0)
				continue;
			for (k = 0; k < jobs[i].nprim; k++)
				if (net_addr_same_ip((struct sockaddr *)&jobs[i].prim[k],
						     (struct sockaddr *)&from))
					break;
			if (k < jobs[i].nprim) {
				jobs[i].due = now;
				jobs[i].notified = 1;
				hit = 1;
			}
		}
		m = dnsw_build_response(&q, hit ? DNSW_NOERROR : DNSW_REFUSED, -1, NULL, out,
					sizeof(out));
		if (m > 0) {
			if (hit)
				out[2] |= DNSW_AA >> 8;
			sendto(fd, out, (size_t)m, 0, (struct sockaddr *)&from, fl);
		}
	}
}

int rpz_pull_watch(struct rpz_pull_job *jobs, int n, const char *notify, volatile int *stop,
		   rpz_pull_run_fn run, void *ud, struct isp_err *err)
{
	struct rpz_pull_result *r = calloc(1, sizeof(*r));
	struct isp_err e;
	int64_t now, next;
	int fd = -1, i;

	if (!r)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (notify && *notify) {
		fd = open_notify(notify, err);
		if (fd < 0) {
			free(r);
			return err->code;
		}
	}
	now = time_mono_ms();
	for (i = 0; i < n; i++) {
		const char *z = jobs[i].o.zone;

		jobs[i].due = now;
		if (domain_normalise(z, strlen(z), jobs[i].zone, NULL) <= 0)
			jobs[i].zone[0] = '\0'; /* no NOTIFY matches it */
	}
	while (!*stop) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		now = time_mono_ms();
		next = now + 1000LL * RPZ_PULL_MAX_WAIT;
		for (i = 0; i < n && !*stop; i++) {
			if (jobs[i].due <= now) {
				/* the primary's addresses again before each pull (a name may move) */
				jobs[i].nprim = rpz_pull_primaries(jobs[i].o.server, jobs[i].prim,
								   RPZ_PULL_PRIMARIES);
				isp_err_clear(&e);
				if (run(ud, &jobs[i], r, &e) == 0)
					jobs[i].due = time_mono_ms() + clamp_wait(r->refresh);
				else
					jobs[i].due = time_mono_ms() + clamp_wait(r->retry);
				jobs[i].notified = 0;
			}
			if (jobs[i].due < next)
				next = jobs[i].due;
		}
		now = time_mono_ms();
		if (*stop || next <= now)
			continue;
		/* wake at least each second to see *stop (a signal may land outside poll) */
		if (poll(&pfd, fd >= 0 ? 1 : 0, next - now > 1000 ? 1000 : (int)(next - now)) > 0)
			take_notify(fd, jobs, n, time_mono_ms());
	}
	if (fd >= 0)
		close(fd);
	free(r);
	return 0;
}
