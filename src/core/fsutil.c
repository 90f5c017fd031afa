/*
 * fsutil.c -- see fsutil.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"

/* mkdir -p of path[0..n). */
static int mkdir_upto(const char *path, size_t n, unsigned mode, struct isp_err *err)
{
	char buf[4096];
	size_t i;

	if (n >= sizeof(buf))
		return isp_err_set(err, ISR_EINVAL, "path too long: %.64s...", path);
	memcpy(buf, path, n);
	buf[n] = '\0';
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
			return isp_err_set(err, ISR_EIO, "cannot create folder %s: %s", buf,
					   strerror(errno));
		if (i < n)
			buf[i] = '/';
	}
	return 0;
}

int fs_mkdir_p(const char *dir, unsigned mode, struct isp_err *err)
{
	return mkdir_upto(dir, strlen(dir), mode, err);
}

int fs_mkdir_parents(const char *path, struct isp_err *err)
{
	const char *slash = strrchr(path, '/');

	return slash && slash != path ? mkdir_upto(path, (size_t)(slash - path), 0755, err) : 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
		    struct isp_err *err)
{
	char tmp[4096 + 8];
	const char *p = data;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return isp_err_set(err, ISR_EINVAL, "path too long: %.64s...", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "cannot write %s: %s", tmp, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len > 0 || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return isp_err_set(err, ISR_EIO, "cannot write %s: %s", tmp, strerror(e));
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return isp_err_set(err, ISR_EIO, "cannot replace %s: %s", path, strerror(e));
	}
	return 0;
}
