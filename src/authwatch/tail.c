/*
 * tail.c -- reading log files to the end, or following them as they grow and rotate,
 * without losing or repeating a line across rotations and restarts.
 *
 * Position: the offset of the first byte not yet passed on (always a line start), the
 * file's inode, and a hash of its first line. Lines are passed only when complete
 * (newline seen) while following, so the offset never points into a line. Rotation:
 *   - rename + new file (logrotate's default): PATH's inode changes; the old file,
 *     still open, is read to its end, then PATH is opened from offset 0;
 *   - copytruncate: PATH's size drops below the offset; reading starts again at 0 (lines
 *     written between the copy and the truncation are lost -- copytruncate's own
 *     window, which no reader can close).
 * Restart: the state file holds "inode offset hash lineno path" per file. Same inode,
 * same first-line hash and a size not below the offset: resume there. Otherwise, if
 * PATH.1 has the saved inode and hash (rotated while we were stopped), its rest is
 * read first, then PATH from 0; anything else starts PATH from 0.
 *
 * Memory: one buffer of 1 MiB per file; a line longer than 64 KiB is skipped (counted).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authwatch/authwatch.h"
#include "core/base/fsutil.h"

#define BUF_SIZE (1u << 20)
#define LINE_MAX (64u << 10)

struct aw_tail {
	char path[4096];
	char cur[4096]; /* the file being read: path, or path.1 on a resumed rotation */
	int fd;
	int then_path; /* cur is a rotated file: continue with path from 0 at its end */
	ino_t ino;
	long long off; /* bytes of cur passed on (or skipped) */
	uint64_t hash; /* FNV-1a of the first line of cur, 0 = not read yet */
	long lineno;   /* lines of cur passed on */
	long toolong;
	int skipping; /* inside a line longer than LINE_MAX */
	char *buf;
	size_t start, have;
};

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	return h | 1;
}

/* Hash of the first line of fd (up to 4 KiB of it); 0 when the file has no complete
 * first line yet. */
static uint64_t first_line_hash(int fd)
{
	char b[4096];
	ssize_t n = pread(fd, b, sizeof(b), 0);
	char *nl;

	if (n <= 0)
		return 0;
	nl = memchr(b, '\n', (size_t)n);
	if (!nl && n < (ssize_t)sizeof(b))
		return 0;
	return fnv(b, nl ? (size_t)(nl - b) : (size_t)n);
}

static int open_file(struct aw_tail *t, const char *path, struct isp_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	snprintf(t->cur, sizeof(t->cur), "%s", path);
	t->ino = st.st_ino;
	t->off = 0;
	t->hash = 0;
	t->lineno = 0;
	t->skipping = 0;
	t->start = t->have = 0;
	return 0;
}

struct saved {
	unsigned long long ino;
	long long off;
	unsigned long long hash;
	long lineno;
};

static int load_state(const char *state_file, const char *path, struct saved *s)
{
	FILE *f = state_file ? fopen(state_file, "r") : NULL;
	char line[4500], p[4200];
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct saved x;

		if (sscanf(line, "%llu %lld %llx %ld %4199[^\n]", &x.ino, &x.off, &x.hash,
			   &x.lineno, p) == 5 &&
		    strcmp(p, path) == 0) {
			*s = x;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int resume(struct aw_tail *t, const struct saved *s, const char *path)
{
	struct stat st;

	if (fstat(t->fd, &st) != 0 || (unsigned long long)st.st_ino != s->ino ||
	    st.st_size < s->off || first_line_hash(t->fd) != s->hash)
		return 0;
	if (lseek(t->fd, s->off, SEEK_SET) != s->off)
		return 0;
	t->off = s->off;
	t->hash = s->hash;
	t->lineno = s->lineno;
	(void)path;
	return 1;
}

int aw_tail_open(const char *path, const char *state_file, struct aw_tail **out,
		 struct isp_err *err)
{
	struct aw_tail *t = calloc(1, sizeof(*t));
	struct saved s;
	char rotated[4200];
	int rc;

	*out = NULL;
	if (!t)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	t->fd = -1;
	t->buf = malloc(BUF_SIZE);
	if (!t->buf) {
		free(t);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	if (load_state(state_file, path, &s)) {
		snprintf(rotated, sizeof(rotated), "%s.1", path);
		if (open_file(t, rotated, NULL) == 0 && resume(t, &s, rotated)) {
			t->then_path = 1;
			*out = t;
			return 0;
		}
		rc = open_file(t, path, err);
		if (rc == 0 && !resume(t, &s, path) && t->off == 0)
			t->lineno = 0;
	} else {
		rc = open_file(t, path, err);
	}
	if (rc) {
		aw_tail_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void aw_tail_free(struct aw_tail *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}

long aw_tail_toolong(const struct aw_tail *t)
{
	return t->toolong;
}

/* Pass the line buf[start, start + len) on (or count it as too long). */
static int emit(struct aw_tail *t, size_t len, size_t consumed, aw_line_fn fn, void *ud, long *n)
{
	const char *line = t->buf + t->start;
	int rc = 0;

	if (t->lineno == 0 && t->hash == 0 && t->off == 0)
		t->hash = fnv(line, len < 4096 ? len : 4096);
	t->lineno++;
	if (t->skipping) {
		t->skipping = 0;
		t->toolong++;
	} else if (len > LINE_MAX) {
		t->toolong++;
	} else {
		rc = fn(ud, t->cur, t->lineno, line, len);
		(*n)++;
	}
	t->start += consumed;
	t->off += (long long)consumed;
	return rc;
}

/* At the end of cur while following: has PATH been rotated? 1 = switched or truncated
 * (read again), 0 = nothing new, < 0 error. */
static int check_rotation(struct aw_tail *t, struct isp_err *err)
{
	struct stat st, cst;

	if (t->then_path)
		return open_file(t, t->path, err) == 0 ? (t->then_path = 0, 1) : 0;
	if (stat(t->path, &st) != 0)
		return 0;	   /* renamed away, new file not there yet */
	if (st.st_ino != t->ino) { /* renamed: read the old file to its end once more */
		t->then_path = 1;
		return 1;
	}
	if (fstat(t->fd, &cst) == 0 && cst.st_size < t->off) { /* copytruncate */
		if (lseek(t->fd, 0, SEEK_SET) != 0)
			return isp_err_set(err, ISR_EIO, "%s: %s", t->path, strerror(errno));
		t->off = 0;
		t->hash = 0;
		t->lineno = 0;
		t->start = t->have = 0;
		t->skipping = 0;
		return 1;
	}
	return 0;
}

long aw_tail_read(struct aw_tail *t, int follow, aw_line_fn fn, void *ud, struct isp_err *err)
{
	long n = 0;

	for (;;) {
		ssize_t r;
		char *nl;

		/* complete lines already buffered first: a caller that stopped after a line
		 * (fn returned nonzero) gets the next one from the buffer, not a read */
		while (t->start < t->have &&
		       (nl = memchr(t->buf + t->start, '\n', t->have - t->start)) != NULL) {
			size_t len = (size_t)(nl - (t->buf + t->start));

			if (len && t->buf[t->start + len - 1] == '\r')
				len--;
			if (emit(t, len, (size_t)(nl - (t->buf + t->start)) + 1, fn, ud, &n))
				return n;
		}
		if (t->start > 0 && t->start == t->have)
			t->start = t->have = 0;
		if (t->have == BUF_SIZE) {
			if (t->start == 0) { /* a line longer than the buffer: skip its bytes */
				t->off += (long long)t->have;
				t->have = 0;
				t->skipping = 1;
			} else {
				memmove(t->buf, t->buf + t->start, t->have - t->start);
				t->have -= t->start;
				t->start = 0;
			}
		}
		r = read(t->fd, t->buf + t->have, BUF_SIZE - t->have);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return isp_err_set(err, ISR_EIO, "%s: %s", t->cur, strerror(errno));
		}
		if (r == 0) {
			int rc;

			if (!follow || t->then_path) {
				if (t->have > t->start &&
				    emit(t, t->have - t->start, t->have - t->start, fn, ud, &n))
					return n;
			}
			if (!follow && !t->then_path)
				return n;
			rc = check_rotation(t, err);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return n;
			continue;
		}
		t->have += (size_t)r;
	}
}

int aw_tail_save(const struct aw_tail *t, const char *state_file, struct isp_err *err)
{
	char line[4500], p[4200];
	struct fs_atomic at;
	FILE *in, *out;
	unsigned long long a, c;
	long long b;
	long d;
	int rc;

	rc = fs_atomic_open(&at, state_file, 0666, err);
	if (rc)
		return rc;
	out = at.f;
	in = fopen(state_file, "r");
	while (in && fgets(line, sizeof(line), in))
		if (sscanf(line, "%llu %lld %llx %ld %4199[^\n]", &a, &b, &c, &d, p) == 5 &&
		    strcmp(p, t->path) != 0)
			fputs(line, out);
	if (in)
		fclose(in);
	/* on a rotated file (PATH.1) the position is kept under PATH's name: a restart
	 * looks for it there first */
	fprintf(out, "%llu %lld %llx %ld %s\n", (unsigned long long)t->ino, t->off,
		(unsigned long long)t->hash, t->lineno, t->path);
	return fs_atomic_commit(&at, err);
}
