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

/*
 * Write data[0..len) to path atomically: a temporary file beside it ("PATH.tmp.PID",
 * created with mode before umask), fsync, rename over path. A reader sees the old file
 * or the new one, never a part. On failure the temporary file is removed and path is
 * left as it was.
 */
int fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
		    struct isp_err *err);

/*
 * Read the whole file at path into a new NUL-terminated buffer (*out, freed by the
 * caller with free; *len excludes the NUL). A file larger than max bytes is refused with
 * ISR_ELIMIT before anything is allocated for it.
 */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct isp_err *err);

#endif
