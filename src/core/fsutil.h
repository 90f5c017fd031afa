/*
 * fsutil.h -- small file-system helpers shared by the store, the index writers and
 * delivery.
 */
#ifndef ISP_CORE_FSUTIL_H
#define ISP_CORE_FSUTIL_H

#include <stddef.h>

#include "core/err.h"

/* Create dir and the folders leading to it (mkdir -p) with mode (before umask). */
int fs_mkdir_p(const char *dir, unsigned mode, struct isp_err *err);
/* Create the folders leading to the file path (mkdir -p of its dirname), mode 0755. */
int fs_mkdir_parents(const char *path, struct isp_err *err);

/* Replace path with data[0..len) atomically: write PATH.tmp with mode, fsync, rename.
 * A crash leaves either the old file or the new one. Returns 0 or ISR_EIO. */
int fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
		    struct isp_err *err);

#endif
