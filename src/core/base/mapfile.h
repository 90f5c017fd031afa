/*
 * mapfile.h -- opening the files ispshield's builders write to be mapped and read in
 * place (the snapshot, the sessions index). Each such file opens with the same four
 * fields (struct mapfile_head); mapfile_open maps one read-only and checks them, so
 * that a reader goes on to its own sections knowing the magic, the version and the size
 * are right. A file that fails a check is refused with a message that names its kind and
 * path and says what to do; it is never half-read.
 */
#ifndef ISP_CORE_MAPFILE_H
#define ISP_CORE_MAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

/* The first fields of every mapped file's header, in this order. */
struct mapfile_head {
	char magic[8];
	uint32_t version;
	uint32_t header_size; /* sizeof the file's whole header */
	uint64_t file_size;
};

/* What a kind of file must be, and the words of its messages. */
struct mapfile_kind {
	const char *what;    /* "snapshot": starts every message, followed by the path */
	const char *magic;   /* its 8 bytes */
	uint32_t version;    /* the version this build reads */
	const char *rebuild; /* the advice after another version ("recompile it with ...") */
};

/*
 * Map path read-only and check its head against k: magic ("not a WHAT file" when it
 * differs), version and header size (header_size, the size of the kind's whole header),
 * and a header file_size equal to the file's. Returns 0 with *map (size bytes, at least
 * header_size) for the caller to munmap; else, nothing mapped, ISR_ENOTFOUND (no such
 * file), ISR_EIO (open, fstat, mmap) or ISR_ECORRUPT (shorter than its header, or a check
 * failed), with err saying which.
 */
int mapfile_open(const char *path, const struct mapfile_kind *k, size_t header_size,
		 const unsigned char **map, size_t *size, struct isp_err *err);

/* ISR_ECORRUPT with "WHAT PATH is not usable: why" in err: for the reader's own checks. */
int mapfile_corrupt(const struct mapfile_kind *k, const char *path, const char *why,
		    struct isp_err *err);

#endif
