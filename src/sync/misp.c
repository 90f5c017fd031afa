/*
 * misp.c -- a MISP feed by URL (`lists import --format misp https://.../manifest.json`):
 * the feed is mirrored into a folder beside the snapshot, fetching only the events whose
 * manifest timestamp changed, and the folder is then imported like a local feed
 * directory (listimport_file, listfmt_misp_feed). See sync.h, sync_misp_mirror.
 *
 * The manifest is read by the same streaming walker as a local feed's
 * (listfmt_misp_feed): member names must be event UUIDs, so an event file name can never
 * leave the mirror. The new manifest is staged in MIRROR/.new/ and walked there; each
 * changed event is downloaded to MIRROR/UUID.json.part and renamed; the manifest takes
 * its place last, so an interrupted mirror is completed (not trusted) by the next run:
 * an event whose file is missing is fetched whatever its timestamp.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "core/base/sha256.h"
#include "core/lists/listfmt.h"
#include "sync/sync_int.h"

#define MISP_MAX_EVENTS 1000000

struct seen {
	char uuid[40];
	int64_t ts;
};

struct mirror {
	const struct sync_opts *o;
	char base[2048]; /* the feed's URL, ending in '/' */
	char dir[4200];	 /* the mirror */
	struct seen *old;
	size_t nold, cap;
	struct sync_misp_stats *st;
	struct isp_err *err;
	int oom;
};

/* "dir/UUID.json" -> UUID into out (40 bytes). */
static void uuid_of(const char *path, char *out)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 5)
		n -= 5; /* ".json" */
	snprintf(out, 40, "%.*s", (int)(n < 39 ? n : 39), b);
}

static int on_old(void *ud, const char *path, int64_t ts)
{
	struct mirror *m = ud;

	if (m->nold == MISP_MAX_EVENTS ||
	    mem_grow_from((void **)&m->old, &m->cap, m->nold + 1, sizeof(*m->old), 256)) {
		m->oom = 1;
		return 1;
	}
	uuid_of(path, m->old[m->nold].uuid);
	m->old[m->nold++].ts = ts;
	return 0;
}

static int by_uuid(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->uuid, ((const struct seen *)b)->uuid);
}

/* GET url into path (written whole, then renamed), at most o->max_bytes. */
static int fetch_to(struct mirror *m, const char *url, const char *path)
{
	struct fs_atomic a;
	struct fetch_req q;
	struct fetch_res res;
	int rc;

	rc = fs_atomic_open(&a, path, fs_private_mode(), m->err);
	if (rc)
		return rc;
	fetch_req_init(&q, m->o, url, m->o->max_bytes);
	q.out = a.f;
	rc = fetch_url(&q, &res, m->err);
	if (rc) {
		fs_atomic_abort(&a);
		return rc;
	}
	return fs_atomic_commit(&a, m->err);
}

/* One event of the new manifest: fetched unless the mirror has it at this timestamp. */
static int on_new(void *ud, const char *path, int64_t ts)
{
	struct mirror *m = ud;
	struct seen key, *hit;
	char url[2200], local[4300];

	uuid_of(path, key.uuid);
	snprintf(local, sizeof(local), "%s/%s.json", m->dir, key.uuid);
	hit = m->nold ? bsearch(&key, m->old, m->nold, sizeof(*m->old), by_uuid) : NULL;
	if (hit && hit->ts == ts && ts != 0 && access(local, F_OK) == 0) {
		m->st->kept++;
		return 0;
	}
	snprintf(url, sizeof(url), "%s%s.json", m->base, key.uuid);
	if (fetch_to(m, url, local) != 0) {
		/* reported like a local feed's missing event file; the file goes, so that
		 * the next run fetches it whatever the manifest says */
		struct isp_err e = *m->err;

		unlink(local);
		e.file = NULL;
		e.line = 0;
		if (m->o->on_reject)
			m->o->on_reject(m->o->ud, &e);
		isp_err_clear(m->err);
		m->st->failed++;
		return 0;
	}
	m->st->fetched++;
	return 0;
}

static void on_reject(void *ud, const struct isp_err *e)
{
	struct mirror *m = ud;

	if (m->o->on_reject)
		m->o->on_reject(m->o->ud, e);
}

int sync_misp_mirror(const struct sync_opts *o, char *dir, size_t size, struct sync_misp_stats *st,
		     struct isp_err *err)
{
	struct mirror *m = calloc(1, sizeof(*m));
	const char *u = o->url, *slash = strrchr(o->snapshot, '/');
	char stage[4300], path[4400], staged[4400], url[2200];
	size_t n = strlen(u);
	uint8_t h[SHA256_LEN];
	struct sha256 c;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!m)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	m->o = o;
	m->st = st;
	m->err = err;
	if (n >= 13 && strcmp(u + n - 13, "manifest.json") == 0)
		n -= 13;
	snprintf(m->base, sizeof(m->base), "%.*s%s", (int)n, u, n && u[n - 1] == '/' ? "" : "/");
	sha256_init(&c);
	sha256_update(&c, m->base, strlen(m->base));
	sha256_final(&c, h);
	snprintf(m->dir, sizeof(m->dir), "%.*s/misp-%02x%02x%02x%02x%02x%02x%02x%02x",
		 slash ? (int)(slash - o->snapshot) : 1, slash ? o->snapshot : ".", h[0], h[1],
		 h[2], h[3], h[4], h[5], h[6], h[7]);
	snprintf(stage, sizeof(stage), "%s/.new", m->dir);
	snprintf(staged, sizeof(staged), "%s/manifest.json", stage);
	rc = fs_mkdir_p(stage, 0755, err);
	if (rc)
		goto out;
	/* what the mirror holds: the previous manifest's timestamps (none the first time) */
	snprintf(path, sizeof(path), "%s/manifest.json", m->dir);
	if (access(path, F_OK) == 0 && listfmt_misp_feed(m->dir, on_old, NULL, m, NULL) != 0)
		m->nold = 0; /* a broken old manifest: fetch everything again */
	if (m->oom) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	if (m->nold)
		qsort(m->old, m->nold, sizeof(*m->old), by_uuid);
	snprintf(url, sizeof(url), "%smanifest.json", m->base);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		rc = isp_err_set(err, ISR_EIO, "cannot initialise libcurl");
		goto out;
	}
	rc = fetch_to(m, url, staged);
	if (rc == 0)
		rc = listfmt_misp_feed(stage, on_new, on_reject, m, err);
	curl_global_cleanup();
	/* the manifest last: a mirror interrupted before this keeps the old one */
	if (rc == 0)
		rc = fs_replace(staged, path, err); /* fsynced by fetch_to */
	snprintf(dir, size, "%s", m->dir);
out:
	unlink(staged); /* what a failed run staged */
	rmdir(stage);
	free(m->old);
	free(m);
	return rc;
}
