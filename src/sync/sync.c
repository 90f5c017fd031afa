/*
 * sync.c -- `lists sync`: fetch, verify, import, compile, record; see sync.h for the
 * order of the checks and why nothing is committed until all of them hold.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/lists/listimport.h"
#include "core/lists/snapshot.h"
#include "core/service/config.h"
#include "sync/sync.h"
#include "sync/sync_int.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

#define SIG_MAX_BYTES 1024

struct run {
	const struct sync_opts *o;
	struct sync_state *s;
	struct isp_err *err;
	char base[2048]; /* the URL with a trailing '/' */
	char stage[4200];
	struct manifest m;
	long rejected;
	char key[2 * SYNC_PK_LEN + 1]; /* o->public_key in hex, as the state keeps it */
	char meta[2200];	       /* the store's meta key of this URL's sequence */
};

static void set_base(struct run *r)
{
	size_t n = strlen(r->o->url);

	snprintf(r->base, sizeof(r->base), "%s%s", r->o->url,
		 n && r->o->url[n - 1] == '/' ? "" : "/");
}

enum sync_result sync_fail(struct sync_state *s, const struct isp_err *err, enum sync_result why)
{
	char msg[ISP_ERR_MSG + 64];

	isp_err_str(err, msg, sizeof(msg));
	snprintf(s->error, sizeof(s->error), "%s", msg);
	s->result = why;
	return why;
}

static enum sync_result fail(struct run *r, enum sync_result why)
{
	return sync_fail(r->s, r->err, why);
}

/* Fetch index (conditionally) and index.sig, verify. Fills *idx (caller frees body). */
static enum sync_result fetch_verified(struct run *r, struct fetch_res *idx, int conditional)
{
	struct fetch_req q;
	struct fetch_res sig;
	char url[2100];
	int rc;

	snprintf(url, sizeof(url), "%sindex", r->base);
	fetch_req_init(&q, r->o, url, MANIFEST_MAX_BYTES);
	q.etag = conditional ? r->s->etag : NULL;
	q.last_modified = conditional ? r->s->last_modified : NULL;
	rc = fetch_url(&q, idx, r->err);
	if (rc)
		return fail(r, SYNC_DOWNLOAD_FAILED);
	if (idx->not_modified)
		return SYNC_NOT_MODIFIED;
	snprintf(url, sizeof(url), "%sindex.sig", r->base);
	q.etag = q.last_modified = NULL;
	q.max_bytes = SIG_MAX_BYTES;
	rc = fetch_url(&q, &sig, r->err);
	if (rc) {
		free(idx->body);
		idx->body = NULL;
		return fail(r, SYNC_DOWNLOAD_FAILED);
	}
	rc = sync_verify(r->o->public_key, idx->body, (size_t)idx->len, sig.body, (size_t)sig.len,
			 r->err);
	free(sig.body);
	if (rc) {
		char msg[ISP_ERR_MSG];

		snprintf(msg, sizeof(msg), "%s", r->err->msg);
		isp_err_set(r->err, rc, "%sindex.sig: %s", r->base, msg);
		free(idx->body);
		idx->body = NULL;
		return fail(r, SYNC_BAD_SIGNATURE);
	}
	return SYNC_OK;
}

static void on_manifest_reject(void *ud, const struct isp_err *e)
{
	struct run *r = ud;

	if (r->o->on_reject)
		r->o->on_reject(r->o->ud, e);
}

/* Download every list file into the staging folder, checking size and SHA-256. */
static enum sync_result download_lists(struct run *r)
{
	size_t i;

	for (i = 0; i < r->m.nlists; i++) {
		const struct manifest_list *l = &r->m.lists[i];
		struct fetch_req q;
		struct fetch_res res;
		char url[2200], path[4400];
		FILE *f;
		int rc;

		if (l->size > r->o->max_bytes) {
			isp_err_set(
				r->err, ISR_ELIMIT,
				"%s%s: the manifest says %llu bytes, over sync.max-bytes (%llu)",
				r->base, l->file, (unsigned long long)l->size,
				(unsigned long long)r->o->max_bytes);
			return fail(r, SYNC_DOWNLOAD_FAILED);
		}
		snprintf(url, sizeof(url), "%s%s", r->base, l->file);
		snprintf(path, sizeof(path), "%s/%s", r->stage, l->file);
		f = fopen(path, "wbx");
		if (!f) {
			isp_err_set(r->err, ISR_EIO, "%s: %s", path, strerror(errno));
			return fail(r, SYNC_DOWNLOAD_FAILED);
		}
		/* more than the manifest says is wrong already */
		fetch_req_init(&q, r->o, url, l->size);
		q.out = f;
		rc = fetch_url(&q, &res, r->err);
		if (fclose(f) != 0 && rc == 0)
			rc = isp_err_set(r->err, ISR_EIO, "%s: %s", path, strerror(errno));
		if (rc == ISR_ELIMIT)
			isp_err_set(r->err, ISR_ECORRUPT,
				    "%s: longer than the %llu bytes the signed manifest says "
				    "(altered file)",
				    url, (unsigned long long)l->size);
		if (rc)
			return fail(r, SYNC_DOWNLOAD_FAILED);
		if (res.len != l->size) {
			isp_err_set(r->err, ISR_ECORRUPT,
				    "%s: %llu bytes, the signed manifest says %llu (truncated?)",
				    url, (unsigned long long)res.len, (unsigned long long)l->size);
			return fail(r, SYNC_DOWNLOAD_FAILED);
		}
		if (!sha256_equal(res.sha256, l->sha256, SHA256_LEN)) {
			isp_err_set(r->err, ISR_ECORRUPT,
				    "%s: SHA-256 differs from the signed manifest (altered file)",
				    url);
			return fail(r, SYNC_DOWNLOAD_FAILED);
		}
	}
	return SYNC_OK;
}

static void on_list_reject(void *ud, const struct isp_err *e)
{
	struct run *r = ud;

	r->rejected++;
	if (r->o->on_reject)
		r->o->on_reject(r->o->ud, e);
}

int sync_import_list(struct store *st, const struct sync_import *si, long *entries,
		     struct isp_err *err)
{
	struct listimport_opts io;
	struct listimport_result res;
	struct store_list l;
	int rc;

	rc = store_list_get(st, si->name, si->kind, si->kind != LIST_KIND_NONE, &l, err);
	if (rc)
		return rc;
	memset(&io, 0, sizeof(io));
	io.format = si->format;
	io.source = si->source;
	io.expires = si->o->expires;
	io.strict = si->strict;
	io.max_shrink = si->o->max_shrink;
	io.allow_shrink = si->allow_shrink || si->o->allow_shrink;
	rc = listimport_file(st, &l, si->path, &io, si->on_reject, si->ud, &res, err);
	if (rc && res.refused) {
		char why[ISP_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err->msg);
		return isp_err_set(err, rc, "list %s: %s", si->name, why);
	}
	if (rc)
		return rc;
	*entries = res.store.accepted;
	return 0;
}

/* Import one file (path) as source "sync:FEED" of list name/kind under the import guard
 * (strict: one rejected line fails); entries -> *entries. dropped: the list left the
 * feed, so its (empty) import may remove everything. */
static int import_one(struct run *r, struct store *st, const char *name, enum list_kind kind,
		      enum list_format fmt, const char *path, int dropped, long *entries)
{
	char source[MANIFEST_NAME_MAX + 8];
	struct sync_import si = {
		r->o, name, kind, fmt, path, source, 1, dropped, on_list_reject, r
	};

	snprintf(source, sizeof(source), "sync:%s", r->m.feed);
	return sync_import_list(st, &si, entries, r->err);
}

/* Import every list, empty the lists the previous manifest had and this one dropped,
 * compile the snapshot beside the old one, commit, and put the new snapshot in place. */
int sync_commit(struct store *st, const char *snapshot, struct isp_err *err)
{
	struct snap_build_stats bs;

	/* a failed rename leaves the store with the lists; `lists compile` (or the next
	 * sync) rebuilds the snapshot */
	return snap_build_commit(st, snapshot, (int64_t)time(NULL), &bs, err);
}

static enum sync_result import_all(struct run *r, struct store *st, struct sync_state *next)
{
	char path[4400];
	size_t i;
	int rc;

	rc = store_begin(st, r->err);
	if (rc)
		return fail(r, SYNC_IMPORT_FAILED);
	for (i = 0; i < r->m.nlists; i++) {
		const struct manifest_list *l = &r->m.lists[i];
		struct sync_state_list *sl = &next->lists[i];

		snprintf(path, sizeof(path), "%s/%s", r->stage, l->file);
		rc = import_one(r, st, l->name, l->kind, l->format, path, 0, &sl->entries);
		if (rc)
			goto rollback;
		snprintf(sl->name, sizeof(sl->name), "%s", l->name);
		sha256_hex(l->sha256, sl->sha256);
	}
	next->nlists = r->m.nlists;
	for (i = 0; i < r->s->nlists; i++) {
		long n;

		if (manifest_find(&r->m, r->s->lists[i].name))
			continue;
		/* dropped from the feed: its entries from this feed go (an empty import) */
		rc = import_one(r, st, r->s->lists[i].name, LIST_KIND_NONE, LISTFMT_PLAIN,
				"/dev/null", 1, &n);
		if (rc && rc != ISR_ENOTFOUND)
			goto rollback;
	}
	/* the replay guard and the feed's list names also live in the store, committed with
	 * the lists: losing sync-state.json must not let an older signed manifest back in,
	 * nor keep a list the feed drops */
	snprintf(path, sizeof(path), "%llu", (unsigned long long)r->m.sequence);
	for (i = 0; i < r->m.nlists; i++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), " %s",
			 r->m.lists[i].name);
	rc = store_meta_set(st, r->meta, path, r->err);
	if (rc)
		goto rollback;
	if (sync_commit(st, r->o->snapshot, r->err) != 0)
		return fail(r, SYNC_IMPORT_FAILED);
	return SYNC_OK;
rollback:
	store_rollback(st);
	return fail(r, SYNC_IMPORT_FAILED);
}

static void remove_stage(struct run *r)
{
	size_t i;
	char path[4400];

	if (!r->stage[0])
		return;
	for (i = 0; i < r->m.nlists; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->stage, r->m.lists[i].file);
		unlink(path);
	}
	rmdir(r->stage);
}

/*
 * 1 when what the state says was imported is still there: the snapshot file exists, the
 * store has every list of the last import, and that import was verified with the key
 * given now. A new store, a deleted snapshot beside an old sync-state.json or a new key
 * must get (and verify) the lists again, not a 304.
 */
static int state_current(struct run *r, struct store *st)
{
	struct store_list l;
	size_t i;

	if (r->s->sequence == 0 || access(r->o->snapshot, F_OK) != 0)
		return 0;
	/* only a manifest verified with this key counts: after a key change (or with a state
	 * that never recorded one) a 304 would skip the check of the signature */
	if (strcmp(r->s->key, r->key) != 0)
		return 0;
	for (i = 0; i < r->s->nlists; i++)
		if (store_list_get(st, r->s->lists[i].name, LIST_KIND_NONE, 0, &l, NULL) != 0)
			return 0;
	return 1;
}

/* SYNC_OK when a manifest published at created is within sync.max-age, else SYNC_STALE
 * (recorded): a feed that stopped publishing must not look healthy. */
static enum sync_result check_age(struct run *r, int64_t created)
{
	int64_t now = (int64_t)time(NULL);

	if (r->o->max_age <= 0 || created + r->o->max_age >= now)
		return SYNC_OK;
	isp_err_set(r->err, ISR_ECORRUPT,
		    "the feed's manifest was published %lld s ago (created %lld), older than "
		    "sync.max-age (%lld s): the publisher has stopped, or the feed is held back",
		    (long long)(now - created), (long long)created, (long long)r->o->max_age);
	return fail(r, SYNC_STALE);
}

/*
 * What the store keeps of this URL's last import ("SEQUENCE NAME NAME ..."): when it is
 * newer than the state (sync-state.json lost, or an older copy restored), the state takes
 * the sequence and the list names from it, and no key: the next fetch is verified whole.
 */
static int state_from_store(struct run *r, struct store *st)
{
	char v[MANIFEST_MAX_LISTS * MANIFEST_NAME_MAX + 32], *p, *save = NULL;
	uint64_t seq;
	int rc = store_meta_get(st, r->meta, v, sizeof(v), r->err);

	if (rc || !v[0])
		return rc;
	seq = strtoull(v, &p, 10);
	if (seq <= r->s->sequence)
		return 0;
	r->s->sequence = seq;
	r->s->key[0] = '\0';
	r->s->nlists = 0;
	for (p = strtok_r(p, " ", &save); p && r->s->nlists < MANIFEST_MAX_LISTS;
	     p = strtok_r(NULL, " ", &save)) {
		struct sync_state_list *sl = &r->s->lists[r->s->nlists++];

		memset(sl, 0, sizeof(*sl));
		snprintf(sl->name, sizeof(sl->name), "%s", p);
	}
	return 0;
}

static enum sync_result run_checked(struct run *r, struct store *st)
{
	struct fetch_res idx;
	struct sync_state *next;
	enum sync_result res;
	const char *slash;
	int rc, current;

	if (state_from_store(r, st) != 0)
		return fail(r, SYNC_IMPORT_FAILED);
	current = state_current(r, st);

	res = fetch_verified(r, &idx, current);
	if (res == SYNC_BAD_SIGNATURE) {
		/* a publisher replaces index.sig, then index: a fetch between the two sees
		 * a mismatch. One unconditional retry tells that from a real failure. */
		isp_err_clear(r->err);
		res = fetch_verified(r, &idx, 0);
	}
	if (res == SYNC_NOT_MODIFIED)
		return check_age(r, r->s->created) == SYNC_OK ? SYNC_NOT_MODIFIED : SYNC_STALE;
	if (res != SYNC_OK)
		return res;
	rc = manifest_parse(idx.body, (size_t)idx.len, "index", &r->m, on_manifest_reject, r,
			    r->err);
	free(idx.body);
	if (rc)
		return fail(r, SYNC_IMPORT_FAILED);
	if (check_age(r, r->m.created) != SYNC_OK)
		return SYNC_STALE;
	if (r->m.sequence < r->s->sequence) {
		isp_err_set(r->err, ISR_ECORRUPT,
			    "manifest sequence %llu is older than the %llu already imported from "
			    "this URL: a replayed (or rolled back) feed, refused",
			    (unsigned long long)r->m.sequence, (unsigned long long)r->s->sequence);
		return fail(r, SYNC_REPLAYED);
	}
	if (r->m.sequence == r->s->sequence && current) {
		/* the same signed publication again (the server does no ETag/304) */
		snprintf(r->s->etag, sizeof(r->s->etag), "%s", idx.etag);
		snprintf(r->s->last_modified, sizeof(r->s->last_modified), "%s", idx.last_modified);
		r->s->created = r->m.created;
		return SYNC_NOT_MODIFIED;
	}
	slash = strrchr(r->o->snapshot, '/');
	snprintf(r->stage, sizeof(r->stage), "%.*s/.sync.XXXXXX",
		 slash ? (int)(slash - r->o->snapshot) : 1, slash ? r->o->snapshot : ".");
	if (!mkdtemp(r->stage)) {
		isp_err_set(r->err, ISR_EIO, "%s: %s", r->stage, strerror(errno));
		r->stage[0] = '\0';
		return fail(r, SYNC_DOWNLOAD_FAILED);
	}
	res = download_lists(r);
	if (res != SYNC_OK)
		return res;
	next = calloc(1, sizeof(*next));
	if (!next) {
		isp_err_set(r->err, ISR_ENOMEM, "out of memory");
		return fail(r, SYNC_IMPORT_FAILED);
	}
	res = import_all(r, st, next);
	if (res == SYNC_OK) {
		memcpy(r->s->lists, next->lists, sizeof(next->lists));
		r->s->nlists = next->nlists;
		r->s->sequence = r->m.sequence;
		r->s->created = r->m.created;
		snprintf(r->s->key, sizeof(r->s->key), "%s", r->key);
		snprintf(r->s->etag, sizeof(r->s->etag), "%s", idx.etag);
		snprintf(r->s->last_modified, sizeof(r->s->last_modified), "%s", idx.last_modified);
	}
	free(next);
	return res;
}

/*
 * One sync at a time per snapshot folder (a manual run beside `ispshield run`'s timer):
 * an exclusive flock on sync-state.json.lock, held until the state is written. Returns
 * the descriptor, or -1 when no lock file can be made (the sync then runs unlocked; the
 * store's own write lock still serialises the imports).
 */
static int lock_state(const char *state_path)
{
	char path[4300];
	int fd;

	snprintf(path, sizeof(path), "%s.lock", state_path);
	if (fs_mkdir_parents(path, NULL) != 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

enum sync_result sync_run(struct store *st, const struct sync_opts *o, struct sync_state *s,
			  struct isp_err *err)
{
	struct run *r;
	char path[4200];
	struct isp_err werr;
	enum sync_result res;
	int lock;

	sync_state_path(o->snapshot, path, sizeof(path));
	lock = lock_state(path);
	isp_err_clear(&werr);
	sync_state_get(path, o->url, s, &werr); /* a broken file is replaced below */
	r = calloc(1, sizeof(*r));
	if (!r) {
		isp_err_set(err, ISR_ENOMEM, "out of memory");
		s->result = SYNC_DOWNLOAD_FAILED;
		return s->result;
	}
	r->o = o;
	r->s = s;
	r->err = err;
	set_base(r);
	if (o->public_key)
		sodium_bin2hex(r->key, sizeof(r->key), o->public_key, SYNC_PK_LEN);
	snprintf(r->meta, sizeof(r->meta), "sync_sequence %s", o->url);
	s->last_attempt = (int64_t)time(NULL);
	s->error[0] = '\0';
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		isp_err_set(err, ISR_EIO, "cannot initialise libcurl");
		res = fail(r, SYNC_DOWNLOAD_FAILED);
	} else {
		res = sync_is_taxii(o->url) ? sync_taxii(st, o, s, err) : run_checked(r, st);
		curl_global_cleanup();
	}
	remove_stage(r);
	free(r);
	s->result = res;
	if (res == SYNC_OK || res == SYNC_NOT_MODIFIED)
		s->last_success = s->last_attempt;
	isp_err_clear(&werr);
	if (sync_state_put(path, s, &werr) != 0 && res <= SYNC_NOT_MODIFIED) {
		*err = werr;
		err->file = NULL;
	}
	if (lock >= 0)
		close(lock); /* releases the flock */
	return res;
}

void sync_opts_config(struct sync_opts *o, const struct isp_config *cfg, char *snap)
{
	config_snapshot_path(cfg, snap);
	o->max_bytes = (uint64_t)cfg->sync_max_bytes;
	o->timeout = (long)cfg->sync_timeout;
	o->ca_file = cfg->sync_ca_file;
	o->max_age = cfg->sync_max_age;
	o->snapshot = snap;
	o->expires = config_list_expires(cfg, (int64_t)time(NULL));
	o->max_shrink = config_list_max_shrink(cfg);
	o->taxii_auth_file = cfg->sync_taxii_auth_file;
	o->taxii_list = cfg->sync_taxii_list;
}

int sync_is_taxii(const char *url)
{
	return strncasecmp(url, "taxii2+http://", 14) == 0 ||
	       strncasecmp(url, "taxii2+https://", 15) == 0;
}
