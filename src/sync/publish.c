/*
 * publish.c -- `lists publish`: the signed file tree of a feed, see sync.h.
 *
 * Order matters for subscribers fetching while we write: new list files go under new
 * names (NAME-SEQUENCE.list) first, so the index being replaced still finds its files;
 * then index.sig and index are each renamed into place (sync retries once when it reads
 * a signature and an index of two different publications); last, files no longer named
 * by this index or the previous one are removed.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "sync/sync.h"

#define PUBLISH_FILE_MAX ((size_t)1 << 32)

/* The manifest already in dir, if any (it is ours: read without the signature). */
static int previous(const char *dir, struct manifest *prev)
{
	char path[4200];
	char *text = NULL;
	size_t len;
	int rc;

	memset(prev, 0, sizeof(*prev));
	snprintf(path, sizeof(path), "%s/index", dir);
	if (fs_read_file(path, MANIFEST_MAX_BYTES, &text, &len, NULL) != 0)
		return 0;
	rc = manifest_parse(text, len, path, prev, NULL, NULL, NULL);
	free(text);
	if (rc)
		memset(prev, 0, sizeof(*prev));
	return rc == 0;
}

static int named(const struct manifest *m, const char *file)
{
	size_t i;

	for (i = 0; i < m->nlists; i++)
		if (strcmp(m->lists[i].file, file) == 0)
			return 1;
	return 0;
}

/* Remove *.list files of dir that neither m nor prev names. */
static void prune(const char *dir, const struct manifest *m, const struct manifest *prev)
{
	struct dirent *d;
	DIR *dh = opendir(dir);
	char path[4400];

	if (!dh)
		return;
	while ((d = readdir(dh)) != NULL) {
		size_t n = strlen(d->d_name);

		if (n < 6 || strcmp(d->d_name + n - 5, ".list") != 0)
			continue;
		if (named(m, d->d_name) || named(prev, d->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dh);
}

/*
 * Web servers derive ETag and Last-Modified from the file's mtime (nginx: mtime-size),
 * in whole seconds: a new index written within the second of the old one, with the same
 * size, would look unchanged and get 304 forever. Give it a later second than the old.
 */
static void bump_mtime(const char *path, int64_t old_mtime)
{
	struct stat sb;
	struct timespec ts[2];

	if (old_mtime == 0 || stat(path, &sb) != 0 || (int64_t)sb.st_mtime > old_mtime)
		return;
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(old_mtime + 1);
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	utimensat(AT_FDCWD, path, ts, 0);
}

int sync_publish(const char *dir, const char *feed, uint64_t sequence,
		 const uint8_t sk[SYNC_SK_LEN], const struct sync_publish_item *items, size_t n,
		 struct manifest *out, struct isp_err *err)
{
	struct manifest *prev;
	char path[4400], sig[SYNC_SIG_HEX + 1];
	char *text = NULL;
	size_t i, len, mlen = 0;
	struct stat sb;
	int64_t old_mtime;
	FILE *mf;
	int rc, had;

	memset(out, 0, sizeof(*out));
	if (!manifest_name_ok(feed))
		return isp_err_set(err, ISR_EINVAL, "feed name '%s': 1-63 of [A-Za-z0-9._-]", feed);
	if (n == 0 || n > MANIFEST_MAX_LISTS)
		return isp_err_set(err, ISR_EINVAL, "1 to %d lists per feed", MANIFEST_MAX_LISTS);
	prev = calloc(1, sizeof(*prev));
	if (!prev)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = fs_mkdir_p(dir, 0755, err);
	if (rc)
		goto out;
	had = previous(dir, prev);
	if (sequence == 0) {
		sequence = (uint64_t)time(NULL);
		if (had && prev->sequence >= sequence)
			sequence = prev->sequence + 1;
	} else if (had && sequence <= prev->sequence) {
		rc = isp_err_set(err, ISR_EINVAL,
				 "sequence %" PRIu64 " is not above the published %" PRIu64
				 ": subscribers would refuse it as a replay",
				 sequence, prev->sequence);
		goto out;
	}
	snprintf(out->feed, sizeof(out->feed), "%s", feed);
	out->sequence = sequence;
	out->created = (int64_t)time(NULL);
	for (i = 0; i < n; i++) {
		struct manifest_list *l = &out->lists[i];
		struct sha256 h;

		if (!manifest_name_ok(items[i].name) || strlen(items[i].name) > 40) {
			rc = isp_err_set(err, ISR_EINVAL,
					 "list name '%s': 1-40 of [A-Za-z0-9._-], not starting "
					 "with '.'",
					 items[i].name);
			goto out;
		}
		if (manifest_find(out, items[i].name)) {
			rc = isp_err_set(err, ISR_EINVAL, "list %s given twice", items[i].name);
			goto out;
		}
		snprintf(l->name, sizeof(l->name), "%s", items[i].name);
		l->kind = items[i].kind;
		l->format = items[i].format;
		snprintf(l->file, sizeof(l->file), "%s-%" PRIu64 ".list", items[i].name, sequence);
		rc = fs_read_file(items[i].path, PUBLISH_FILE_MAX, &text, &len, err);
		if (rc)
			goto out;
		sha256_init(&h);
		sha256_update(&h, text, len);
		sha256_final(&h, l->sha256);
		l->size = len;
		snprintf(path, sizeof(path), "%s/%s", dir, l->file);
		rc = fs_write_atomic(path, text, len, 0644, err);
		free(text);
		text = NULL;
		if (rc)
			goto out;
		out->nlists = i + 1;
	}
	mf = open_memstream(&text, &mlen);
	if (!mf) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	rc = manifest_write(out, mf, err);
	if (fclose(mf) != 0 && rc == 0)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc)
		goto out;
	sync_sign(sk, text, mlen, sig);
	sig[SYNC_SIG_HEX - 1] = '\n';
	snprintf(path, sizeof(path), "%s/index.sig", dir);
	rc = fs_write_atomic(path, sig, SYNC_SIG_HEX, 0644, err);
	if (rc)
		goto out;
	snprintf(path, sizeof(path), "%s/index", dir);
	old_mtime = stat(path, &sb) == 0 ? (int64_t)sb.st_mtime : 0;
	rc = fs_write_atomic(path, text, mlen, 0644, err);
	if (rc)
		goto out;
	bump_mtime(path, old_mtime);
	prune(dir, out, prev);
out:
	free(text);
	free(prev);
	return rc;
}

static int count_entry(void *ud, const struct listfmt_entry *e)
{
	long *n = ud;

	(void)e;
	(*n)++;
	return 0;
}

int sync_publish_item_parse(char *spec, struct sync_publish_item *it, listfmt_reject_fn on_reject,
			    struct isp_err *err)
{
	char *eq = strchr(spec, '='), *kind, *fmt;
	struct listfmt_opts fo;
	struct listfmt_stats st;
	long n = 0;
	FILE *f;
	int rc, fmt_id = LISTFMT_AUTO;

	kind = strchr(spec, ':');
	if (!eq || !kind || kind > eq)
		return isp_err_set(err, ISR_EINVAL, "%s: expected NAME:KIND[:FORMAT]=FILE", spec);
	*eq = '\0';
	*kind++ = '\0';
	fmt = strchr(kind, ':');
	if (fmt)
		*fmt++ = '\0';
	it->name = spec;
	it->path = eq + 1;
	it->kind = list_kind_parse(kind);
	if (it->kind == LIST_KIND_NONE)
		return isp_err_set(err, ISR_EINVAL, "%s: kind '%s': expected domain, url or ip",
				   spec, kind);
	if (fmt) {
		fmt_id = listfmt_parse_name(fmt);
		if (fmt_id < 0)
			return isp_err_set(err, ISR_EINVAL, "%s: unknown format '%s'", spec, fmt);
	}
	f = strcmp(it->path, "-") == 0 ? stdin : fopen(it->path, "rb");
	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", it->path, strerror(errno));
	memset(&fo, 0, sizeof(fo));
	fo.format = (enum list_format)fmt_id;
	fo.filename = it->path;
	rc = listfmt_read(f, &fo, count_entry, on_reject, &n, &st, err);
	if (f != stdin)
		fclose(f);
	if (rc)
		return rc == ISR_EINVAL ? ISR_EIO : rc; /* EINVAL is the spec's */
	if (st.rejected || n == 0)
		return isp_err_set(err, ISR_EFORMAT,
				   "%s: %ld line(s) rejected, %ld entries: not published", it->path,
				   st.rejected, n);
	it->format = st.detected;
	return 0;
}
