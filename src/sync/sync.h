/*
 * sync.h -- signed list feeds: how an ISAC delivers its lists to member ISPs.
 *
 * Publisher side: `lists keygen` makes an Ed25519 key pair (libsodium), `lists publish`
 * copies the list files into a folder, writes the manifest `index` (core/lists/manifest.h:
 * list name, kind, format, file, size, SHA-256, and a sequence number that increases
 * with every publication) and `index.sig`, the detached signature of the manifest's
 * bytes. Any web server serves that folder as it is. `lists sign` signs any file the
 * same way (FILE.sig).
 *
 * Subscriber side: `lists sync URL` (sync_run) fetches URL/index with If-None-Match and
 * If-Modified-Since (304: nothing to do), then URL/index.sig, and verifies the signature
 * against the feed's public key before anything reads the manifest. A sequence lower
 * than the last one imported from URL is a replay and refused. Each list file is
 * downloaded into a staging folder beside the snapshot, bounded by sync.max-bytes and
 * checked against the manifest's size and SHA-256. Only then are the lists imported
 * (core/lists/listimport.h, source "sync:FEED", under listimport_guard, strictly: one
 * rejected line, an empty list or one that shrinks by more than max_shrink fails the sync)
 * and the snapshot compiled, all inside one store transaction: the new snapshot is
 * written beside the old one, the transaction commits, and the new file is renamed over
 * the old. Any failure before the commit rolls everything back, so the store and the
 * snapshot that the DNS service and the proxy serve stay exactly as they were.
 *
 * Every attempt is recorded in sync-state.json beside the snapshot (sync_state_*), one
 * object per URL, which the status page reads. Trust rules: a 304 (or the same sequence
 * again) counts only when the state's manifest was verified with the key given now (a key
 * change forces a full fetch and verify); the last sequence and the feed's list names are
 * also kept in the store's meta table, committed with the lists, so losing the state file
 * does not reopen the replay guard; a manifest (fetched or kept by a 304) created longer
 * ago than sync.max-age is SYNC_STALE; an https feed is never followed to http.
 *
 * Key files are text: '#' comment lines, then the key in lowercase hex (32 bytes
 * public, 64 bytes secret as libsodium keeps it). Signature files: 128 hex digits and a
 * newline.
 */
#ifndef ISP_SYNC_SYNC_H
#define ISP_SYNC_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/base/err.h"
#include "core/lists/listfmt.h"
#include "core/lists/manifest.h"
#include "core/store/store.h"

#define SYNC_PK_LEN  32
#define SYNC_SK_LEN  64
#define SYNC_SIG_LEN 64
#define SYNC_SIG_HEX (2 * SYNC_SIG_LEN + 1)

/* ---- keys and signatures (sign.c) ---- */

/* Make a key pair: the public key file (mode 0644) and the secret key file (0600, which
 * must not exist yet). Returns 0 or ISR_EIO / ISR_EEXIST. */
int sync_keygen(const char *public_path, const char *secret_path, struct isp_err *err);

/* Read a key file: SYNC_PK_LEN (secret = 0) or SYNC_SK_LEN (secret = 1) bytes into key.
 * A secret key file readable by group or others is refused. Returns 0, ISR_EIO or
 * ISR_EFORMAT with err naming the file. */
int sync_key_read(const char *path, int secret, uint8_t *key, struct isp_err *err);

/* Sign data[0..len) with sk; writes the signature as hex into out. */
void sync_sign(const uint8_t sk[SYNC_SK_LEN], const void *data, size_t len, char out[SYNC_SIG_HEX]);

/* Sign the file at path into "PATH.sig" (written atomically). Reads at most 1 GiB. */
int sync_sign_file(const uint8_t sk[SYNC_SK_LEN], const char *path, struct isp_err *err);

/* 0 when sig_text (a signature file's bytes: 128 hex digits, optional newline) is a
 * valid signature of data[0..len) under pk; ISR_EFORMAT (not a signature file) or
 * ISR_ECORRUPT (the signature does not hold) otherwise. */
int sync_verify(const uint8_t pk[SYNC_PK_LEN], const void *data, size_t len, const char *sig_text,
		size_t sig_len, struct isp_err *err);

/* ---- publishing (publish.c) ---- */

struct sync_publish_item {
	const char *name; /* list name */
	enum list_kind kind;
	enum list_format format; /* not LISTFMT_AUTO: the subscriber reads it as this */
	const char *path;	 /* the file to publish */
};

/*
 * Parse spec "NAME:KIND[:FORMAT]=FILE" (modified in place: *it points into it) and read
 * FILE (- = standard input) through listfmt, calling on_reject for each rejected line.
 * Returns 0 with it->format the format read, ISR_EINVAL for a malformed spec (a usage
 * error), ISR_EIO when FILE cannot be opened, ISR_EFORMAT when a line was rejected or no
 * entry was read (not publishable), or what listfmt_read returned.
 */
int sync_publish_item_parse(char *spec, struct sync_publish_item *it, listfmt_reject_fn on_reject,
			    struct isp_err *err);

/*
 * Publish items into folder dir (created if missing): each file copied as
 * NAME-SEQUENCE.list, then index.sig and index written (each atomically), then list
 * files that neither this manifest nor the one it replaces name are removed, so that a
 * subscriber that read the previous index can still fetch its files. sequence 0 = the
 * larger of the current time and the previous manifest's sequence + 1; an explicit
 * sequence not above the previous one is refused (ISR_EINVAL). *out gets the manifest.
 */
int sync_publish(const char *dir, const char *feed, uint64_t sequence,
		 const uint8_t sk[SYNC_SK_LEN], const struct sync_publish_item *items, size_t n,
		 struct manifest *out, struct isp_err *err);

/* ---- sync state (state.c): sync-state.json ---- */

enum sync_result {
	SYNC_OK = 0,
	SYNC_NOT_MODIFIED,
	SYNC_BAD_SIGNATURE,
	SYNC_REPLAYED,
	SYNC_DOWNLOAD_FAILED,
	SYNC_IMPORT_FAILED,
	SYNC_STALE, /* the manifest (new or the one a 304 kept) is older than sync.max-age */
};

/* "ok", "not-modified", "bad-signature", "replayed", "download-failed", "import-failed",
 * "stale" */
const char *sync_result_name(enum sync_result r);

struct sync_state_list {
	char name[MANIFEST_NAME_MAX];
	long entries;
	char sha256[2 * SHA256_LEN + 1];
};

struct sync_state {
	char url[2048];
	int64_t last_attempt, last_success; /* unix seconds; 0 = never */
	enum sync_result result;
	char error[ISP_ERR_MSG + 64];
	char etag[256];
	char last_modified[64];
	uint64_t sequence;	       /* of the last manifest imported */
	int64_t created;	       /* its publication time (manifest "created") */
	char key[2 * SYNC_PK_LEN + 1]; /* hex public key that verified it; "" = none */
	char added_last[64];	       /* TAXII: X-TAXII-Date-Added-Last of the last page */
	size_t nlists;
	struct sync_state_list lists[MANIFEST_MAX_LISTS];
};

/* The state of url in the file at path; a missing file or url gives a zeroed state
 * with url set (and 0). A file that is not valid JSON is reported (ISR_EFORMAT) and
 * *s is zeroed with url set, so that the next write replaces it. */
int sync_state_get(const char *path, const char *url, struct sync_state *s, struct isp_err *err);

/* Print s as the JSON object sync-state.json holds for it (one line and a newline). */
int sync_state_print(const struct sync_state *s, FILE *out, struct isp_err *err);

/* Replace (or add) the object of s->url in the file at path, keeping the other URLs';
 * written atomically (tmp + rename). */
int sync_state_put(const char *path, const struct sync_state *s, struct isp_err *err);

/* ---- sync (sync.c) ---- */

struct sync_opts {
	const char *url;	     /* the folder URL (http, https, file) */
	const uint8_t *public_key;   /* SYNC_PK_LEN bytes (NULL for a TAXII source) */
	uint64_t max_bytes;	     /* largest list file accepted */
	long timeout;		     /* seconds one download may take */
	const char *ca_file;	     /* PEM CAs for https; NULL/"" = the system's */
	const char *snapshot;	     /* the snapshot path (its folder holds the state) */
	int64_t expires;	     /* absolute expiry of entries carrying none; 0 */
	int max_shrink;		     /* lists.max-shrink (listimport_guard); 100 = any */
	int allow_shrink;	     /* guard off for shrinking and empty lists */
	int64_t max_age;	     /* seconds a manifest may be old; 0 = no limit */
	listfmt_reject_fn on_reject; /* each rejected line of a list (may be NULL) */
	void *ud;
	const char *taxii_auth_file; /* TAXII: `basic USER:PASS` / `bearer TOKEN`; ""/NULL */
	const char *taxii_list;	     /* TAXII: lists NAME-domain, NAME-url, NAME-ip */
};

/* ---- MISP feeds by URL (misp.c) ---- */

struct sync_misp_stats {
	long fetched; /* event files downloaded (new or changed timestamp) */
	long kept;    /* event files the mirror had at the manifest's timestamp */
	long failed;  /* event files that could not be downloaded (reported, skipped) */
};

/*
 * Mirror the MISP feed at o->url (its manifest.json, or the folder holding it; http or
 * https) into DIR = misp-HASH beside o->snapshot (HASH: of the feed's URL), written into
 * dir[0..size): the manifest, then every event it lists whose timestamp differs from the
 * one the mirror's previous manifest gave, or whose file is missing (o->max_bytes,
 * o->timeout, o->ca_file apply to each download). An event that cannot be downloaded is
 * reported through o->on_reject and skipped (fetched again next time). Import DIR with
 * listimport_file afterwards. Returns 0, or an ISR code with err set (the manifest could
 * not be fetched or read; the mirror's previous manifest then stays).
 */
int sync_misp_mirror(const struct sync_opts *o, char *dir, size_t size, struct sync_misp_stats *st,
		     struct isp_err *err);

/* ---- TAXII 2.1 envelopes (taxii.c; the client is described in sync_int.h) ---- */
#define TAXII_NEXT_MAX 256

struct taxii_page {
	json_t *root;	 /* the envelope (owned) */
	json_t *objects; /* its "objects" array, or NULL */
	int more;
	char next[TAXII_NEXT_MAX]; /* "" when none */
};

/*
 * Parse one envelope buf[0..len) (name for messages): an object with optional "more"
 * (boolean), "next" (a string of printable ASCII below TAXII_NEXT_MAX bytes) and
 * "objects" (an array). Returns 0 with *p filled (taxii_page_free), or ISR_EFORMAT with
 * err naming name, line and offset.
 */
int taxii_envelope_parse(const char *buf, size_t len, const char *name, struct taxii_page *p,
			 struct isp_err *err);
void taxii_page_free(struct taxii_page *p);

/* 1 when url names a TAXII 2.1 collection (taxii2+http:// or taxii2+https://): sync_run
 * then reads it as described in sync_int.h (taxii.c) and needs no public key. */
int sync_is_taxii(const char *url);

struct isp_config;
/* Fill o's settings from cfg's [sync] and [lists] keys (max-bytes, timeout, ca-file,
 * max-age, expiry, max-shrink) and the snapshot path, written into snap (CONFIG_PATH_MAX
 * bytes, which must outlive o); url, public_key and the callbacks are the caller's. */
void sync_opts_config(struct sync_opts *o, const struct isp_config *cfg, char *snap);

/* The path of sync-state.json for snapshot path snap. */
void sync_state_path(const char *snap, char *out, size_t size);

/*
 * Run one sync of o->url into st and the snapshot. Fills *s (the state written to the
 * file, whatever the outcome) and returns its result; err holds the reason of a
 * failure. SYNC_OK and SYNC_NOT_MODIFIED are successes; every other result has changed
 * nothing in the store or the snapshot.
 */
enum sync_result sync_run(struct store *st, const struct sync_opts *o, struct sync_state *s,
			  struct isp_err *err);

#endif
