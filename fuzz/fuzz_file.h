/*
 * fuzz_file.h -- for fuzz targets whose code under test reads a file by path: put the
 * input into an anonymous memory file (memfd) and name it through /proc/self/fd, so
 * nothing touches the disk. Header-only; each target includes it once.
 */
#ifndef ISP_FUZZ_FILE_H
#define ISP_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Write data[0..size) to a new memfd and its path into path (64 bytes). Returns the fd
 * (close it when done) or -1. */
static inline int fuzz_file(const uint8_t *data, size_t size, char path[64])
{
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
