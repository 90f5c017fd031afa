/*
 * mapfile.c -- see mapfile.h.
 */
#include "core/base/mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int mapfile_corrupt(const struct mapfile_kind *k, const char *path, const char *why,
		    struct isp_err *err)
{
	return isp_err_set(err, ISR_ECORRUPT, "%s %s is not usable: %s", k->what, path, why);
}

/* The checks of the head h of a file of size bytes; 0 or ISR_ECORRUPT. */
static int check_head(const struct mapfile_kind *k, const char *path, const struct mapfile_head *h,
		      size_t header_size, size_t size, struct isp_err *err)
{
	if (memcmp(h->magic, k->magic, sizeof(h->magic)) != 0)
		return isp_err_set(err, ISR_ECORRUPT,
				   "%s %s is not usable: not a %s file (bad magic)", k->what, path,
				   k->what);
	if (h->version != k->version || h->header_size != header_size)
		return isp_err_set(err, ISR_ECORRUPT,
				   "%s %s has format version %u; this build reads version %u: %s",
				   k->what, path, h->version, k->version, k->rebuild);
	if (h->file_size != size)
		return isp_err_set(err, ISR_ECORRUPT,
				   "%s %s is %zu bytes, its header says %llu (truncated or being "
				   "written)",
				   k->what, path, size, (unsigned long long)h->file_size);
	return 0;
}

int mapfile_open(const char *path, const struct mapfile_kind *k, size_t header_size,
		 const unsigned char **map, size_t *size, struct isp_err *err)
{
	struct mapfile_head h;
	struct stat sb;
	void *m;
	int fd, rc;

	*map = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return isp_err_set(err, errno == ENOENT ? ISR_ENOTFOUND : ISR_EIO, "%s %s: %s",
				   k->what, path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		rc = isp_err_set(err, ISR_EIO, "%s %s: %s", k->what, path, strerror(errno));
		close(fd);
		return rc;
	}
	if ((size_t)sb.st_size < header_size) {
		close(fd);
		return mapfile_corrupt(k, path, "shorter than its header (truncated?)", err);
	}
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return isp_err_set(err, ISR_EIO, "%s %s: mmap: %s", k->what, path, strerror(errno));
	memcpy(&h, m, sizeof(h));
	rc = check_head(k, path, &h, header_size, (size_t)sb.st_size, err);
	if (rc) {
		munmap(m, (size_t)sb.st_size);
		return rc;
	}
	*map = m;
	*size = (size_t)sb.st_size;
	return 0;
}
