/*
 * taxii.c -- `lists sync` from a TAXII 2.1 collection (sync_int.h has the protocol and
 * the order of the steps).
 *
 * Why a local copy of the collection: added_after makes each sync return only what was
 * added since the last one, while an import replaces everything a source listed. So the
 * pages are merged into the copy (one object per id, the latest version) and the whole
 * copy is imported; an indicator's revoked or expired version then removes it, as the
 * publisher meant. The copy is a STIX bundle, read by the same streaming STIX reader
 * as `lists import --format stix`. The merge is kept in a private SQLite file (SQLite's
 * temporary database: deleted when closed), one row per id with the object's JSON text:
 * the old copy is streamed in (core/base/jsonscan.h, an object at a time), each page is
 * merged as it comes and freed, and the new copy is written row by row, so memory holds
 * one page (sync.max-bytes) and SQLite's page cache, whatever the collection's size.
 *
 * The copy is written beside the snapshot as taxii-HASH.json (HASH: the first 16 hex
 * digits of the SHA-256 of the URL) only after the store has committed; a sync that
 * fails leaves the copy, the store and the snapshot as they were, and the next sync asks
 * again from the same added_after.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include "core/base/fsutil.h"
#include "core/base/jsonscan.h"
#include "core/base/mime.h"
#include "core/base/strbuf.h"
#include "core/lists/listimport.h"
#include "core/store/db.h"
#include "core/store/store_lists.h"
#include "sync/sync_int.h"

#define TAXII_ACCEPT   "application/taxii+json;version=2.1"
#define TAXII_AUTH_MAX 1024
/* The largest object read back from the copy (an indicator is a few hundred bytes). */
#define TAXII_OBJECT_MAX ((size_t)1024 * 1024)

static const enum list_kind kinds[3] = { LIST_DOMAIN, LIST_URL, LIST_IP };
static const char *const kind_names[3] = { "domain", "url", "ip" };

int taxii_envelope_parse(const char *buf, size_t len, const char *name, struct taxii_page *p,
			 struct isp_err *err)
{
	json_error_t je;
	json_t *more, *next;
	const char *n;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!p->root)
		return isp_err_at(err, ISR_EFORMAT, name, je.line > 0 ? je.line : 0,
				  (long long)je.position, "not a TAXII envelope: %s", je.text);
	if (!json_is_object(p->root)) {
		taxii_page_free(p);
		return isp_err_at(err, ISR_EFORMAT, name, 1, 0,
				  "not a TAXII envelope: not a JSON object");
	}
	more = json_object_get(p->root, "more");
	next = json_object_get(p->root, "next");
	p->objects = json_object_get(p->root, "objects");
	if ((more && !json_is_boolean(more)) || (next && !json_is_string(next)) ||
	    (p->objects && !json_is_array(p->objects))) {
		taxii_page_free(p);
		return isp_err_at(err, ISR_EFORMAT, name, 1, 0,
				  "TAXII envelope: more must be a boolean, next a string, objects "
				  "an array");
	}
	p->more = json_is_true(more);
	n = next ? json_string_value(next) : "";
	for (i = 0; n[i]; i++)
		if ((unsigned char)n[i] < 0x21 || (unsigned char)n[i] > 0x7e ||
		    i + 1 >= TAXII_NEXT_MAX)
			break;
	if (n[i]) {
		taxii_page_free(p);
		return isp_err_at(err, ISR_EFORMAT, name, 1, 0,
				  "TAXII envelope: next is not a short printable token");
	}
	memcpy(p->next, n, i + 1);
	return 0;
}

void taxii_page_free(struct taxii_page *p)
{
	json_decref(p->root);
	memset(p, 0, sizeof(*p));
}

struct tx {
	const struct sync_opts *o;
	struct sync_state *s;
	struct isp_err *err;
	char base[2048];	      /* http(s)://.../collections/ID/ */
	char coll[256];		      /* ID */
	char copy[4200], fresh[4300]; /* the local copy, and its next version */
	char auth[TAXII_AUTH_MAX];    /* Authorization value, "" = none */
	char meta[2200];	      /* the store's meta key of added_last */
	char added_after[64];	      /* asked with; "" = from the start */
	char added_last[64];	      /* of the last page */
	struct db *m;		      /* the merge: m(id, modified, obj) */
	struct db_stmt *put;	      /* the later `modified` of an id wins */
	long got, rejected;
	int present[3]; /* a live indicator of that kind is in the copy */
};

static enum sync_result tfail(struct tx *t, enum sync_result why)
{
	return sync_fail(t->s, t->err, why);
}

/* An element of a page's objects that is no STIX object with an id: reported, skipped. */
static void reject(struct tx *t, const char *page, long index)
{
	struct isp_err e;

	t->rejected++;
	isp_err_clear(&e);
	isp_err_at(&e, ISR_EFORMAT, page, 1, -1, "objects[%ld]: not a STIX object with an id",
		   index);
	if (t->o->on_reject)
		t->o->on_reject(t->o->ud, &e);
}

/* The base URL, the collection id and the copy's path from o->url. */
static int setup(struct tx *t)
{
	const char *u = t->o->url + 7; /* after "taxii2+" */
	const char *slash = strrchr(t->o->snapshot, '/'), *end, *start;
	size_t n = strlen(u);
	uint8_t h[SHA256_LEN];
	struct sha256 c;

	if (snprintf(t->base, sizeof(t->base), "%s%s", u, n && u[n - 1] == '/' ? "" : "/") >=
	    (int)sizeof(t->base))
		return isp_err_set(t->err, ISR_EINVAL, "%s: URL too long", t->o->url);
	end = t->base + strlen(t->base) - 1; /* the trailing '/' */
	start = end;
	while (start > t->base && start[-1] != '/')
		start--;
	if (end == start || (size_t)(end - start) >= sizeof(t->coll) ||
	    !strstr(t->base, "/collections/"))
		return isp_err_set(t->err, ISR_EINVAL,
				   "%s: not a TAXII 2.1 collection URL "
				   "(taxii2+https://HOST/API-ROOT/collections/ID/)",
				   t->o->url);
	memcpy(t->coll, start, (size_t)(end - start));
	t->coll[end - start] = '\0';
	sha256_init(&c);
	sha256_update(&c, t->o->url, strlen(t->o->url));
	sha256_final(&c, h);
	snprintf(t->copy, sizeof(t->copy), "%.*s/taxii-%02x%02x%02x%02x%02x%02x%02x%02x.json",
		 slash ? (int)(slash - t->o->snapshot) : 1, slash ? t->o->snapshot : ".", h[0],
		 h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
	snprintf(t->fresh, sizeof(t->fresh), "%s.new", t->copy);
	snprintf(t->meta, sizeof(t->meta), "taxii_added_last %s", t->o->url);
	return 0;
}

/* The Authorization value from the secret file: `basic USER:PASS` or `bearer TOKEN`. */
static int read_auth(struct tx *t)
{
	const char *path = t->o->taxii_auth_file;
	char line[TAXII_AUTH_MAX / 2];
	struct strbuf b = { 0 };
	size_t n;
	FILE *f;
	int rc;

	if (!path || !path[0])
		return 0;
	f = fopen(path, "r");
	if (!f)
		return isp_err_set(t->err, ISR_EIO, "sync.taxii-auth-file %s: %s", path,
				   strerror(errno));
	rc = fs_check_secret(path, fileno(f), "sync.taxii-auth-file", t->err);
	if (rc == 0 && !fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	if (rc)
		return rc;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (strncasecmp(line, "bearer ", 7) == 0 && line[7]) {
		strbuf_fmt(&b, "Bearer %s", line + 7);
	} else if (strncasecmp(line, "basic ", 6) == 0 && strchr(line + 6, ':')) {
		strbuf_str(&b, "Basic ");
		mime_base64(&b, (const unsigned char *)line + 6, strlen(line + 6), 0);
	} else {
		rc = isp_err_set(t->err, ISR_EINVAL,
				 "sync.taxii-auth-file %s: the first line must be `basic "
				 "USER:PASSWORD` or `bearer TOKEN`",
				 path);
	}
	if (rc == 0 && (b.oom || b.len >= sizeof(t->auth)))
		rc = isp_err_set(t->err, ISR_ELIMIT, "sync.taxii-auth-file %s: too long", path);
	if (rc == 0)
		memcpy(t->auth, b.p, b.len + 1);
	if (b.p)
		memset(b.p, 0, b.len);
	free(b.p);
	memset(line, 0, sizeof(line));
	return rc;
}

/* Append s percent-encoded (RFC 3986 unreserved kept). */
static void qvalue(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			strbuf_add(b, s, 1);
		else
			strbuf_fmt(b, "%%%02X", c);
	}
}

/* Put obj (an object with an id) into the merge unless the kept version of its id is
 * later: 1 when it went in, 0 when not, or ISR_ESTORE / ISR_ENOMEM. */
static int put(struct tx *t, json_t *obj, const char *id)
{
	const char *mod = json_string_value(json_object_get(obj, "modified"));
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int rc;

	if (!text)
		return isp_err_set(t->err, ISR_ENOMEM, "out of memory");
	db_bind_text(t->put, 1, id);
	db_bind_text(t->put, 2, mod);
	db_bind_text(t->put, 3, text);
	rc = db_step(t->put);
	db_reset(t->put);
	free(text);
	if (rc != DB_DONE)
		return isp_err_set(t->err, ISR_ESTORE, "TAXII merge: %s", db_errmsg(t->m));
	return db_changes(t->m) > 0;
}

/* Merge one object of a page: the later `modified` of an id wins. */
static int merge(struct tx *t, json_t *obj, const char *page, long index)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	int rc;

	if (!json_is_object(obj) || !id || !strstr(id, "--") || strlen(id) > 200) {
		reject(t, page, index);
		return 0;
	}
	rc = put(t, obj, id);
	if (rc < 0)
		return rc;
	t->got += rc;
	return 0;
}

/* The merge's private database (SQLite's temporary file: "" as the name). */
static int open_merge(struct tx *t)
{
	int rc = db_open_sqlite("", &t->m, t->err);

	if (rc)
		return rc;
	if (db_exec(t->m,
		    "PRAGMA journal_mode=OFF; BEGIN;"
		    "CREATE TABLE m(id TEXT PRIMARY KEY, modified TEXT, obj TEXT NOT NULL)") != 0 ||
	    db_prepare(t->m,
		       "INSERT INTO m(id, modified, obj) VALUES(?1, ?2, ?3) ON CONFLICT(id) DO "
		       "UPDATE SET modified = excluded.modified, obj = excluded.obj WHERE NOT "
		       "(m.modified IS NOT NULL AND excluded.modified IS NOT NULL AND "
		       "m.modified > excluded.modified)",
		       &t->put) != 0)
		return isp_err_set(t->err, ISR_ESTORE, "TAXII merge: %s", db_errmsg(t->m));
	return 0;
}

struct copy_read {
	struct tx *t;
	int objects; /* the root's "objects" was seen */
	int rc;
};

static int copy_want(void *ud, const struct js_path *p)
{
	struct copy_read *r = ud;

	if (p->depth == 1 && js_path_key(p, 0, "objects"))
		r->objects = 1;
	return p->depth == 2 && js_path_key(p, 0, "objects") && p->step[1].is_index;
}

static int copy_value(void *ud, const struct js_path *p, json_t *o, const char *bad, long line,
		      long long off)
{
	struct copy_read *r = ud;
	const char *id = json_string_value(json_object_get(o, "id"));
	int rc;

	(void)p;
	(void)line;
	(void)off;
	if (bad || !id)
		return 0; /* as before: what is no object with an id is dropped */
	rc = put(r->t, o, id);
	return rc < 0 ? rc : 0;
}

/* Stream the local copy into the merge (missing: an empty collection). */
static int load_copy(struct tx *t, int *have)
{
	struct copy_read r = { t, 0, 0 };
	struct lr *lr;
	FILE *f;
	int rc;

	*have = 0;
	rc = open_merge(t);
	if (rc)
		return rc;
	f = fopen(t->copy, "rb");
	if (!f)
		return 0;
	lr = lr_new(f, 65536);
	rc = lr ? js_scan(lr, TAXII_OBJECT_MAX, copy_want, copy_value, &r, NULL, t->err)
		: isp_err_set(t->err, ISR_ENOMEM, "out of memory");
	lr_free(lr);
	fclose(f);
	if (rc == ISR_ESTORE || rc == ISR_ENOMEM)
		return rc;
	if (rc != 0 || !r.objects) {
		/* a broken copy: start the collection again from the beginning */
		if (db_exec(t->m, "DELETE FROM m") != 0)
			return isp_err_set(t->err, ISR_ESTORE, "TAXII merge: %s", db_errmsg(t->m));
		isp_err_clear(t->err);
		return 0;
	}
	*have = 1;
	return 0;
}

/* Fetch every page from added_after on and merge it. */
static enum sync_result fetch_pages(struct tx *t)
{
	char next[TAXII_NEXT_MAX] = "", prev[TAXII_NEXT_MAX] = "", pname[320];
	long page;

	for (page = 1; page <= TAXII_MAX_PAGES; page++) {
		struct strbuf url = { 0 };
		struct fetch_req q;
		struct fetch_res res;
		struct taxii_page p;
		json_t *o;
		size_t i;
		int rc;

		strbuf_fmt(&url, "%sobjects/", t->base);
		if (t->added_after[0] || next[0])
			strbuf_str(&url, "?");
		if (t->added_after[0]) {
			strbuf_str(&url, "added_after=");
			qvalue(&url, t->added_after);
		}
		if (next[0]) {
			strbuf_str(&url, t->added_after[0] ? "&next=" : "next=");
			qvalue(&url, next);
		}
		if (url.oom) {
			free(url.p);
			isp_err_set(t->err, ISR_ENOMEM, "out of memory");
			return tfail(t, SYNC_DOWNLOAD_FAILED);
		}
		fetch_req_init(&q, t->o, url.p, t->o->max_bytes);
		q.accept = TAXII_ACCEPT;
		q.authorization = t->auth[0] ? t->auth : NULL;
		q.capture = "X-TAXII-Date-Added-Last";
		rc = fetch_url(&q, &res, t->err);
		free(url.p);
		if (rc)
			return tfail(t, SYNC_DOWNLOAD_FAILED);
		snprintf(pname, sizeof(pname), "%s page %ld", t->coll, page);
		rc = taxii_envelope_parse(res.body, (size_t)res.len, pname, &p, t->err);
		free(res.body);
		if (rc)
			return tfail(t, SYNC_DOWNLOAD_FAILED);
		rc = 0;
		json_array_foreach(p.objects, i, o)
		{
			if (rc == 0)
				rc = merge(t, o, pname, (long)i);
		}
		if (rc) {
			taxii_page_free(&p);
			return tfail(t, SYNC_IMPORT_FAILED);
		}
		if (res.captured[0])
			snprintf(t->added_last, sizeof(t->added_last), "%s", res.captured);
		snprintf(prev, sizeof(prev), "%s", next);
		snprintf(next, sizeof(next), "%s", p.next);
		if (!p.more) {
			taxii_page_free(&p);
			return SYNC_OK;
		}
		taxii_page_free(&p);
		if (!next[0]) {
			/* more without next: page on by the date of the last object */
			if (!res.captured[0] || strcmp(res.captured, t->added_after) == 0) {
				isp_err_set(t->err, ISR_EFORMAT,
					    "%s: more pages but neither next nor a new "
					    "X-TAXII-Date-Added-Last to ask for them",
					    pname);
				return tfail(t, SYNC_DOWNLOAD_FAILED);
			}
			snprintf(t->added_after, sizeof(t->added_after), "%s", res.captured);
		} else if (strcmp(next, prev) == 0) {
			isp_err_set(t->err, ISR_EFORMAT, "%s: the same next token again (a loop)",
				    pname);
			return tfail(t, SYNC_DOWNLOAD_FAILED);
		}
	}
	isp_err_set(t->err, ISR_ELIMIT, "%s: more than %d pages", t->coll, TAXII_MAX_PAGES);
	return tfail(t, SYNC_DOWNLOAD_FAILED);
}

/* Note which kinds of live indicator the object text o holds. */
static void note_kinds(struct tx *t, const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *pat = json_string_value(json_object_get(o, "pattern"));

	if (type && strcmp(type, "indicator") == 0 && pat &&
	    !json_is_true(json_object_get(o, "revoked"))) {
		t->present[0] |= strstr(pat, "domain-name:value") != NULL;
		t->present[1] |= strstr(pat, "url:value") != NULL;
		t->present[2] |= strstr(pat, "ipv4-addr:value") || strstr(pat, "ipv6-addr:value");
	}
	json_decref(o);
}

struct copy_write {
	struct tx *t;
	FILE *f;
	long n;
};

static int write_row(void *ud, struct db_stmt *s)
{
	struct copy_write *w = ud;
	const char *text = db_column_text(s, 0);

	note_kinds(w->t, text);
	fputs(w->n++ ? ",\n" : "\n", w->f);
	fputs(text, w->f);
	return 0;
}

/* Write the merge to t->fresh (0600), a row at a time, and note which kinds it holds. */
static int write_copy(struct tx *t)
{
	struct copy_write w = { t, NULL, 0 };
	struct db_stmt *s = NULL;
	int fd, fn_rc = 0, rc;

	memset(t->present, 0, sizeof(t->present));
	unlink(t->fresh);
	fd = open(t->fresh, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	w.f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!w.f) {
		if (fd >= 0)
			close(fd);
		return isp_err_set(t->err, ISR_EIO, "%s: %s", t->fresh, strerror(errno));
	}
	fputs("{\"type\":\"bundle\",\"objects\":[", w.f);
	rc = db_prepare(t->m, "SELECT obj FROM m", &s);
	if (rc == 0)
		rc = db_each_row(s, write_row, &w, &fn_rc) == DB_DONE ? 0 : -1;
	db_finalize(s);
	fputs("\n]}\n", w.f);
	if (rc != 0)
		rc = isp_err_set(t->err, ISR_ESTORE, "TAXII merge: %s", db_errmsg(t->m));
	else if (ferror(w.f) || fflush(w.f) != 0 || fsync(fileno(w.f)) != 0)
		rc = isp_err_set(t->err, ISR_EIO, "%s: cannot write", t->fresh);
	if (fclose(w.f) != 0 && rc == 0)
		rc = isp_err_set(t->err, ISR_EIO, "%s: cannot write", t->fresh);
	if (rc)
		unlink(t->fresh);
	return rc;
}

struct rej_filter {
	struct tx *t;
	int report;
};

/* The STIX reader's rejects, once (the first import); "skipped: kind" notes never: every
 * kind's list reads the same copy. */
static void on_import_reject(void *ud, const struct isp_err *e)
{
	struct rej_filter *f = ud;

	if (!f->report || strstr(e->msg, ": skipped: kind "))
		return;
	f->t->rejected++;
	if (f->t->o->on_reject)
		f->t->o->on_reject(f->t->o->ud, e);
}

/* 1 when the state lists list name (imported by an earlier sync). */
static int had_list(const struct tx *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->s->nlists; i++)
		if (strcmp(t->s->lists[i].name, name) == 0)
			return 1;
	return 0;
}

/* Import the copy into the kinds' lists, record added_last, commit, snapshot. */
static enum sync_result import_copy(struct tx *t, struct store *st)
{
	struct sync_state_list done[3];
	struct rej_filter rf = { t, 1 };
	char source[300];
	size_t nd = 0;
	int k, rc;

	snprintf(source, sizeof(source), "taxii:%s", t->coll);
	rc = store_begin(st, t->err);
	if (rc)
		return tfail(t, SYNC_IMPORT_FAILED);
	for (k = 0; k < 3; k++) {
		/* the copy is the collection as its publisher keeps it: revocations and
		 * indicators of other patterns are its decision, not a failed download */
		struct sync_import si = { t->o,	  NULL, kinds[k], LISTFMT_STIX,	    t->fresh,
					  source, 0,	1,	  on_import_reject, &rf };
		char name[64];

		snprintf(name, sizeof(name), "%s-%s",
			 t->o->taxii_list && t->o->taxii_list[0] ? t->o->taxii_list : "taxii",
			 kind_names[k]);
		if (!t->present[k] && !had_list(t, name))
			continue;
		si.name = name;
		rc = sync_import_list(st, &si, &done[nd].entries, t->err);
		rf.report = 0;
		if (rc)
			goto rollback;
		snprintf(done[nd].name, sizeof(done[nd].name), "%s", name);
		done[nd].sha256[0] = '\0';
		nd++;
	}
	if (t->added_last[0]) {
		rc = store_meta_set(st, t->meta, t->added_last, t->err);
		if (rc)
			goto rollback;
	}
	if (sync_commit(st, t->o->snapshot, t->err) != 0) {
		unlink(t->fresh);
		return tfail(t, SYNC_IMPORT_FAILED);
	}
	if (fs_replace(t->fresh, t->copy, t->err) != 0) {
		/* the store has the lists; without the copy the next sync starts over */
		unlink(t->copy);
		return tfail(t, SYNC_IMPORT_FAILED);
	}
	memcpy(t->s->lists, done, nd * sizeof(done[0]));
	t->s->nlists = nd;
	return SYNC_OK;
rollback:
	store_rollback(st);
	unlink(t->fresh);
	return tfail(t, SYNC_IMPORT_FAILED);
}

/* 1 when the lists of the last sync and the snapshot are still there. */
static int lists_current(struct tx *t, struct store *st)
{
	struct store_list l;
	size_t i;

	if (access(t->o->snapshot, F_OK) != 0)
		return 0;
	for (i = 0; i < t->s->nlists; i++)
		if (store_list_get(st, t->s->lists[i].name, LIST_KIND_NONE, 0, &l, NULL) != 0)
			return 0;
	return 1;
}

enum sync_result sync_taxii(struct store *st, const struct sync_opts *o, struct sync_state *s,
			    struct isp_err *err)
{
	struct tx *t = calloc(1, sizeof(*t));
	enum sync_result res;
	char stored[64];
	int have = 0;

	if (!t) {
		isp_err_set(err, ISR_ENOMEM, "out of memory");
		return sync_fail(s, err, SYNC_DOWNLOAD_FAILED);
	}
	t->o = o;
	t->s = s;
	t->err = err;
	if (setup(t) != 0 || read_auth(t) != 0) {
		res = tfail(t, SYNC_DOWNLOAD_FAILED);
		goto out;
	}
	if (load_copy(t, &have) != 0) {
		res = tfail(t, SYNC_IMPORT_FAILED);
		goto out;
	}
	/* added_after only with the copy it continues; the store's value (committed with
	 * the lists) wins over a state file that was lost or restored from an older copy */
	stored[0] = '\0';
	if (store_meta_get(st, t->meta, stored, sizeof(stored), NULL) != 0)
		stored[0] = '\0';
	if (have)
		snprintf(t->added_after, sizeof(t->added_after), "%s",
			 stored[0] ? stored : s->added_last);
	snprintf(t->added_last, sizeof(t->added_last), "%s", t->added_after);
	res = fetch_pages(t);
	if (res != SYNC_OK)
		goto out;
	if (have && t->got == 0 && lists_current(t, st)) {
		res = SYNC_NOT_MODIFIED;
		goto out;
	}
	if (write_copy(t) != 0) {
		res = tfail(t, SYNC_IMPORT_FAILED);
		goto out;
	}
	res = import_copy(t, st);
	if (res == SYNC_OK)
		snprintf(s->added_last, sizeof(s->added_last), "%s", t->added_last);
out:
	db_finalize(t->put);
	db_close(t->m);
	memset(t->auth, 0, sizeof(t->auth));
	free(t);
	return res;
}
