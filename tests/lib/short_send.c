/*
 * short_send.c -- failure injection for integration tests (LD_PRELOAD): send(2) on a
 * stream socket writes at most $SHORT_SEND bytes, and every third call fails with EAGAIN
 * although the socket could take more, as a kernel does whose send buffer is full for a
 * client that reads slowly. A loopback socket's send buffer grows to 4 MB, so a real slow
 * reader reaches that path in a test only with megabytes of answers, past the limit at
 * which the service closes it; this reaches it at once, with real clients.
 *
 * SHORT_SEND=stall refuses every such call with EAGAIN: output that never moves, as from
 * a client that stopped reading.
 *
 * Each injection appends a line to $SHORT_SEND_LOG ("short" or "again"), so the test can
 * tell that the paths it means to check were taken. Datagram sockets, and every call when
 * SHORT_SEND is unset, go to the real send(2).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

ssize_t send(int fd, const void *buf, size_t n, int flags);

static void note(const char *what)
{
	const char *path = getenv("SHORT_SEND_LOG");
	int fd, saved = errno;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)!write(fd, what, strlen(what));
		close(fd);
	}
	errno = saved;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	static ssize_t (*real)(int, const void *, size_t, int);
	static unsigned long calls;
	const char *lim = getenv("SHORT_SEND");
	int type = 0;
	socklen_t tl = sizeof(type);

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
	if (lim && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM) {
		size_t max = strtoul(lim, NULL, 10);

		if (strcmp(lim, "stall") == 0) {
			static int noted;

			if (!noted++) /* once: the service retries as fast as the socket says */
				note("stall\n");
			errno = EAGAIN;
			return -1;
		}

		if (__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED) % 3 == 2) {
			note("again\n");
			errno = EAGAIN;
			return -1;
		}
		if (max > 0 && n > max) {
			note("short\n");
			n = max;
		}
	}
	return real(fd, buf, n, flags);
}
