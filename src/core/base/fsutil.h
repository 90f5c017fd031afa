/*
 * fsutil.h -- small file-system helpers shared by the store, the index writers and
 * delivery.
 */
#ifndef ISP_CORE_FSUTIL_H
#define ISP_CORE_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "core/base/err.h"

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
 * The same, streamed: the one way ispshield replaces a file. fs_atomic_open creates the
 * temporary file (the name fs_write_atomic uses, mode before umask) and opens a->f on it
 * for writing; path must outlive a. fs_atomic_commit flushes, fsyncs and closes a->f,
 * renames the file over path and fsyncs the folder; on failure (a write error on a->f
 * included) it removes the temporary file, leaves path as it was and returns ISR_EIO.
 * fs_atomic_abort closes and removes the temporary file. After commit or abort, a->f is
 * NULL; abort after commit does nothing.
 */
struct fs_atomic {
	FILE *f;
	const char *path;
	char tmp[4200];
};
int fs_atomic_open(struct fs_atomic *a, const char *path, unsigned mode, struct isp_err *err);
int fs_atomic_commit(struct fs_atomic *a, struct isp_err *err);
void fs_atomic_abort(struct fs_atomic *a);

/*
 * For writers that make the file themselves (by path or fd): the temporary name for path
 * ("PATH.tmp.PID") into tmp (size tmpsz; ISR_EINVAL when it does not fit), and the final
 * step, fs_replace: rename the complete, fsynced tmp over path and fsync the folder
 * holding path; on failure tmp is removed and ISR_EIO returned.
 */
int fs_atomic_tmpname(const char *path, char *tmp, size_t tmpsz, struct isp_err *err);
int fs_replace(const char *tmp, const char *path, struct isp_err *err);
/* The end of such a writer: rc is what writing tmp returned. Nonzero: tmp is removed and
 * rc returned (err as the writer set it); 0: fs_replace(tmp, path, err). */
int fs_replace_written(int rc, const char *tmp, const char *path, struct isp_err *err);

/*
 * Read the whole file at path into a new NUL-terminated buffer (*out, freed by the
 * caller with free; *len excludes the NUL). A file larger than max bytes is refused with
 * ISR_ELIMIT before anything is allocated for it.
 */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct isp_err *err);

/*
 * Private files: the SQLite store with its -wal/-shm and the sessions index hold personal
 * data (e-mail addresses, who held which address when, block events). They are created
 * 0600, or 0640 owned by the group set here (core.store-group, for operators' read-only
 * tools). fs_set_private_group is process-wide and called once at start-up (cli/main.c)
 * before any such file is made: gid < 0 (the default) means no group.
 */
void fs_set_private_group(long gid);
/* The mode private files are made with: 0600, or 0640 with a group set. */
unsigned fs_private_mode(void);
/*
 * Make the file open as fd private: chown to the private group (when one is set) and
 * chmod to fs_private_mode(), whatever the umask. ISR_EIO with path in err on failure.
 */
int fs_make_private(int fd, const char *path, struct isp_err *err);
/*
 * Tighten an existing file at path (not followed if a symlink) that is ours to the private
 * mode when it grants more than that mode does (an older ispshield made stores 0644).
 * Missing files and files of another owner are left as they are; 0 or ISR_EIO.
 */
int fs_tighten_private(const char *path, struct isp_err *err);

/*
 * Refuse a secret file (a signing key, a password, a token key) that anyone but its owner
 * may read or write: 0 when path is a file whose group and other permission bits are all
 * clear; ISR_EINVAL when any is set, with "WHAT PATH: readable by group or others (mode
 * 0640): chmod 600 it" in err (what names the configuration key or option, e.g.
 * "status.password-file"); ISR_EIO when path cannot be looked at. The check is made on the
 * open descriptor when fd >= 0 (no window between check and read), else on path.
 */
int fs_check_secret(const char *path, int fd, const char *what, struct isp_err *err);

#endif
