/*
 * fsutil.c -- see fsutil.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsutil.h"

/* The group of private files (fs_set_private_group), -1 for none. Set once at start-up,
 * before any thread: read without a lock. */
static long private_gid = -1;

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

int fs_atomic_tmpname(const char *path, char *tmp, size_t tmpsz, struct isp_err *err)
{
	int n = snprintf(tmp, tmpsz, "%s.tmp.%ld", path, (long)getpid());

	if (n < 0 || (size_t)n >= tmpsz)
		return isp_err_set(err, ISR_EINVAL, "path too long: %.64s...", path);
	return 0;
}

/* fsync the folder holding path, so that a rename into it survives a crash. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ? (int)(slash - path) : 1,
			 path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int fs_replace(const char *tmp, const char *path, struct isp_err *err)
{
	if (rename(tmp, path) != 0) {
		isp_err_set(err, ISR_EIO, "rename %s -> %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return ISR_EIO;
	}
	sync_dir(path);
	return 0;
}

int fs_replace_written(int rc, const char *tmp, const char *path, struct isp_err *err)
{
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return fs_replace(tmp, path, err);
}

int fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
		    struct isp_err *err)
{
	char tmp[4200];
	const char *p = data;
	size_t done = 0;
	int fd, rc;

	rc = fs_atomic_tmpname(path, tmp, sizeof(tmp), err);
	if (rc)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "cannot create %s: %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || fsync(fd) != 0) {
		isp_err_set(err, ISR_EIO, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return ISR_EIO;
	}
	if (close(fd) != 0) {
		isp_err_set(err, ISR_EIO, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return ISR_EIO;
	}
	return fs_replace(tmp, path, err);
}

int fs_atomic_open(struct fs_atomic *a, const char *path, unsigned mode, struct isp_err *err)
{
	int fd, rc;

	a->f = NULL;
	a->path = path;
	rc = fs_atomic_tmpname(path, a->tmp, sizeof(a->tmp), err);
	if (rc)
		return rc;
	fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "cannot create %s: %s", a->tmp, strerror(errno));
	a->f = fdopen(fd, "w");
	if (!a->f) {
		rc = isp_err_set(err, ISR_EIO, "cannot create %s: %s", a->tmp, strerror(errno));
		close(fd);
		unlink(a->tmp);
	}
	return rc;
}

int fs_atomic_commit(struct fs_atomic *a, struct isp_err *err)
{
	FILE *f = a->f;
	int bad;

	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: not open", a->path);
	a->f = NULL;
	bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
	if (bad)
		isp_err_set(err, ISR_EIO, "cannot write %s: %s", a->tmp, strerror(errno));
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		isp_err_set(err, ISR_EIO, "cannot write %s: %s", a->tmp, strerror(errno));
	}
	if (bad) {
		unlink(a->tmp);
		return ISR_EIO;
	}
	return fs_replace(a->tmp, a->path, err);
}

void fs_atomic_abort(struct fs_atomic *a)
{
	if (!a->f)
		return;
	fclose(a->f);
	a->f = NULL;
	unlink(a->tmp);
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct isp_err *err)
{
	struct stat sb;
	char *buf;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return isp_err_set(err, ISR_EIO, "%s: not a regular file", path);
	}
	if ((unsigned long long)sb.st_size > max) {
		close(fd);
		return isp_err_set(err, ISR_ELIMIT, "%s: larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	while (n < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return ISR_EIO;
		}
		if (r == 0)
			break; /* shrank while read: take what is there */
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int fs_check_secret(const char *path, int fd, const char *what, struct isp_err *err)
{
	struct stat sb;
	int r = fd >= 0 ? fstat(fd, &sb) : stat(path, &sb);

	if (r != 0)
		return isp_err_set(err, ISR_EIO, "%s %s: %s", what, path, strerror(errno));
	if (sb.st_mode & 077)
		return isp_err_set(err, ISR_EINVAL,
				   "%s %s: readable by group or others (mode %04o): chmod 600 it",
				   what, path, (unsigned)(sb.st_mode & 07777));
	return 0;
}

void fs_set_private_group(long gid)
{
	private_gid = gid;
}

unsigned fs_private_mode(void)
{
	return private_gid >= 0 ? 0640 : 0600;
}

int fs_make_private(int fd, const char *path, struct isp_err *err)
{
	if (private_gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)private_gid) != 0)
		return isp_err_set(err, ISR_EIO, "%s: cannot give it group %ld: %s", path,
				   private_gid, strerror(errno));
	if (fchmod(fd, (mode_t)fs_private_mode()) != 0)
		return isp_err_set(err, ISR_EIO, "%s: chmod %o: %s", path, fs_private_mode(),
				   strerror(errno));
	return 0;
}

int fs_tighten_private(const char *path, struct isp_err *err)
{
	struct stat sb;
	unsigned want = fs_private_mode();
	int fd, rc;

	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid())
		return 0;
	if ((sb.st_mode & 0777 & ~(mode_t)want) == 0 &&
	    (private_gid < 0 || sb.st_gid == (gid_t)private_gid))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone since: nothing to tighten */
	rc = fs_make_private(fd, path, err);
	close(fd);
	return rc;
}
