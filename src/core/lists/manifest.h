/*
 * manifest.h -- the signed list manifest of `ispshield lists publish` / `lists sync`.
 *
 * A list feed (an ISAC's lists for its member ISPs) is a plain file tree any web server
 * can serve: the list files, a manifest `index` that names them, and `index.sig`, a
 * detached Ed25519 signature of the manifest's bytes (src/sync/sign.c). The subscriber
 * verifies index.sig against the feed's public key before this parser sees a byte, then
 * checks every list file's size and SHA-256 against the manifest, so one signature
 * covers the whole tree.
 *
 * Format (text, LF line ends, '#' comment lines and blank lines ignored):
 *   ispshield-manifest 1                 first line, exactly
 *   feed NAME                            the feed's name; sources become "sync:NAME"
 *   sequence N                           increases with every publication (replay guard)
 *   created UNIX                         when it was published (informative)
 *   list NAME KIND FORMAT FILE SIZE SHA256     one per list, at most MANIFEST_MAX_LISTS
 * NAME, FILE: 1-63 characters of [A-Za-z0-9._-], not starting with '.'; FILE holds no
 * '/', so a manifest can only name files beside itself. KIND: domain, url, ip. FORMAT:
 * a listfmt name (plain, hosts, rpz, urlhaus, feodo, csv, stix, misp; not auto). SIZE: bytes,
 * decimal. SHA256: 64 lowercase hex digits. A list name or a file may appear once.
 *
 * The parser reports every line it rejects as "FILE:LINE: reason" through a callback
 * and keeps going, then fails the manifest as a whole (ISR_EFORMAT) if anything was
 * rejected or a required line is missing: a half-understood manifest is never used.
 * Input is bounded by MANIFEST_MAX_BYTES; nothing is allocated.
 */
#ifndef ISP_CORE_MANIFEST_H
#define ISP_CORE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/lists/listfmt.h"
#include "core/base/sha256.h"

#define MANIFEST_MAX_LISTS 64
#define MANIFEST_MAX_BYTES 65536
#define MANIFEST_NAME_MAX  64 /* names and file names: at most 63 characters */

struct manifest_list {
	char name[MANIFEST_NAME_MAX];
	enum list_kind kind;
	enum list_format format;
	char file[MANIFEST_NAME_MAX];
	uint64_t size;
	uint8_t sha256[SHA256_LEN];
};

struct manifest {
	char feed[MANIFEST_NAME_MAX];
	uint64_t sequence;
	int64_t created;
	size_t nlists;
	struct manifest_list lists[MANIFEST_MAX_LISTS];
};

/*
 * Parse data[0..len) (not NUL-terminated) into *m. filename names the input in reports.
 * on_reject (may be NULL) gets each rejected line. Returns 0, or ISR_EFORMAT (something
 * was rejected or missing; err says what) / ISR_ELIMIT (over MANIFEST_MAX_BYTES); *m is
 * then unusable.
 */
int manifest_parse(const char *data, size_t len, const char *filename, struct manifest *m,
		   listfmt_reject_fn on_reject, void *ud, struct isp_err *err);

/* Write m in the format above to f. Returns 0 or ISR_EIO. */
int manifest_write(const struct manifest *m, FILE *f, struct isp_err *err);

/* 1 when s is a valid NAME / FILE of the format above. */
int manifest_name_ok(const char *s);

/* The list of m named name, or NULL. */
const struct manifest_list *manifest_find(const struct manifest *m, const char *name);

#endif
