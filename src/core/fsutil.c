/*
 * fsutil.c -- see fsutil.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
