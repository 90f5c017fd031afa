/*
 * snapshot.h -- the compiled list set: one immutable file, mmap'd read-only, shared by
 * every worker thread of the DNS and proxy services.
 *
 * Built from the store by snap_build, which writes a temporary file beside the target,
 * fsyncs it and renames it over the target: a reader never sees a half-written file,
 * and a reader that has the old file mapped keeps using it until it opens the new one.
 * snap_open checks magic, version, size, section bounds and a checksum over the whole
 * body, so a truncated or corrupted file is refused (and the caller keeps serving its
 * old snapshot). Lookups also bounds-check every record they touch.
 *
 * Layout (all integers little-endian; see snapfmt.h):
 *   header   magic, version, sizes, section offsets, checksum, creation time
 *   lists    one fixed-size record per list: name, kind, keys, bytes
 *   table    open-addressing hash table of 8-byte slots {tag: low 32 bits of the key
 *            hash, record offset + 1 (0 = empty)}, linear probing, about 80% full
 *   pool     records: u16 key length, u8 key type, key bytes, u8 hit count, hits of
 *            {u16 list, u8 flags, u8 actions}, then the local data of the hits whose
 *            action is local ({u16 length, wire-form records}, core/lists/rpzdata.h)
 * Key types: 'D' domain (name without "*."), 'U' canonical URL, '4'/'6' IP prefix (u8
 * length + 4/16 masked address bytes). A domain record's hit flags say whether the list
 * has the exact name, the wildcard "*.name", or both, and whether as block or allow;
 * its actions byte holds the RPZ action (enum list_action) of the exact entry in the
 * low 4 bits and of the wildcard entry in the high 4 bits (snapfmt.h). A lookup reads
 * the byte with the flags (same cache line); only a local-data hit walks on to find
 * its data.
 *
 * The allowlist (allowlist.h) is compiled in as one more list, SNAP_ALLOWLIST (kind
 * LIST_KIND_NONE), of allow hits; every block entry an allow covers is marked with an allow
 * hit of that list in its own record (entries are never dropped), so a lookup's result
 * holds an allow hit wherever the allowlist wins, and callers need no rule of their own.
 *
 * Lookups: a domain walks its labels from the most specific name to the top-level label
 * with one probe per label (all suffix hashes come from one right-to-left pass, see
 * hash.h): the full name matches exact entries, each parent matches wildcard entries,
 * and the most specific hit wins. A URL is one probe of its canonical form. An address
 * is one probe per prefix length present in the snapshot, longest first.
 */
#ifndef ISP_CORE_SNAPSHOT_H
#define ISP_CORE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/listkind.h"

struct snap;
struct store; /* core/store/store.h: snap_build reads it; lookups never need it */

/* Hit flags (bit set per list in a record). */
enum {
	SNAP_EXACT_BLOCK = 1,
	SNAP_EXACT_ALLOW = 2,
	SNAP_WILD_BLOCK = 4,
	SNAP_WILD_ALLOW = 8,
};

#define SNAP_BATCH_MAX	  64 /* names per snap_lookup_domain_batch call */
#define SNAP_MAX_HITS	  32 /* at most this many lists reported per lookup */
#define SNAP_MAX_LISTS	  4096
#define DOMAIN_LABELS_MAX 128 /* a 253-octet name has at most 127 labels */

struct snap_hit {
	uint16_t list;	/* index for snap_list_name/snap_list_kind */
	uint8_t allow;	/* 1: the entry is an allow (rpz-passthru) entry */
	uint8_t action; /* enum list_action of the matching entry (LIST_ALLOW iff allow) */
	uint32_t data;	/* LIST_LOCAL: where its data is (read it with snap_hit_data) */
};

struct snap_result {
	const char *key; /* matched value as stored (domain without "*.", URL); points
				 into the snapshot, valid while it is open; for IPs NULL */
	size_t keylen;
	int wildcard;  /* domain matched through a "*.key" entry */
	unsigned plen; /* IP: matched prefix length */
	int n;	       /* number of hits (lists) */
	struct snap_hit hits[SNAP_MAX_HITS];
};

struct snap_build_stats {
	long entries; /* entries read from the store */
	long keys;    /* distinct keys written */
	long merged;  /* entries merged into an existing key (same value, other source
			      or list) */
	long lists;
	uint64_t bytes; /* file size */
	double seconds;
};

struct snap_list_info {
	char name[64];
	enum list_kind kind;
	uint32_t keys;	/* keys holding a hit of this list */
	uint64_t bytes; /* this list's share of the snapshot */
};

/*
 * Compile every live entry of the store (not expired at `now`) into a snapshot at path.
 * Atomic: writes path.tmp.PID, fsyncs, renames. Returns 0 or an ISR code (the old file,
 * if any, is untouched on failure).
 */
int snap_build(struct store *st, const char *path, int64_t now, struct snap_build_stats *bs,
	       struct isp_err *err);

/*
 * The end of an import that compiles in its own transaction (`lists sync`, `lists
 * pull`): inside the caller's open store transaction, compile into a file beside path
 * (fs_atomic_tmpname), commit, and rename it over path. Before the commit a failure
 * rolls the transaction back (nothing changed); a failed rename leaves the store
 * committed (the next compile writes the snapshot) and is returned. 0 or an ISR code
 * with err set.
 */
int snap_build_commit(struct store *st, const char *path, int64_t now, struct snap_build_stats *bs,
		      struct isp_err *err);

/* Map and verify the snapshot at path. Returns 0 and *out, or ISR_EIO / ISR_ECORRUPT. */
int snap_open(const char *path, struct snap **out, struct isp_err *err);
void snap_close(struct snap *s);

/* name: normalised (domain.h) name, no trailing dot. Returns the number of hits. */
int snap_lookup_domain(const struct snap *s, const char *name, size_t len, struct snap_result *r);
/*
 * Look up count names (at most SNAP_BATCH_MAX; the rest are ignored) as
 * snap_lookup_domain would, results in res[0..count). The slots, then the records, of
 * all names are prefetched before any is read, so that their memory latencies overlap
 * instead of adding up: a DNS worker that reads a batch of queries (recvmmsg) looks
 * them up this way. Returns the number of names that matched.
 */
int snap_lookup_domain_batch(const struct snap *s, const char *const *names, const size_t *lens,
			     size_t count, struct snap_result *res);

/* url: canonical (url.h). Returns the number of hits. */
int snap_lookup_url(const struct snap *s, const char *url, size_t len, struct snap_result *r);
/* family 4 or 6, addr in network order (4 or 16 bytes). Returns the number of hits. */
int snap_lookup_ip(const struct snap *s, int family, const uint8_t *addr, struct snap_result *r);

/*
 * The local data of hit h (a hit of a result of snapshot s, action LIST_LOCAL): the
 * wire form of core/lists/rpzdata.h, *len bytes, pointing into the snapshot (valid
 * while it is open). NULL (and *len 0) for another action or data that would reach
 * past the pool (bounds-checked). Callers still parse the bytes as hostile.
 */
const uint8_t *snap_hit_data(const struct snap *s, const struct snap_hit *h, size_t *len);

/* One key of a snapshot, for snap_each_key. */
struct snap_key {
	unsigned char type; /* SNAP_KEY_DOMAIN 'D', _URL 'U', _IP4 '4', _IP6 '6' (snapfmt.h) */
	const char *key;    /* into the snapshot: a domain (no "*."), a URL, or for an IP u8
			       length + 4/16 address bytes */
	size_t keylen;
	struct snap_result exact; /* the hits of the exact entry (wildcard 0) */
	struct snap_result wild;  /* the hits of the wildcard "*.key" (domains only) */
};

/*
 * Call fn for every key of s, in the order of the hash table (no order a caller may rely
 * on), with its exact and wildcard hits as the lookups give them (allow hits win, bad
 * local data reads as block). Records that do not fit the pool are skipped. A non-zero
 * return from fn stops the walk and is returned; else 0. Used by the RPZ service, which
 * serves every entry of some lists as a zone.
 */
int snap_each_key(const struct snap *s, int (*fn)(void *ud, const struct snap_key *k), void *ud);

unsigned snap_nlists(const struct snap *s);
/* Information on list index i (< snap_nlists). */
void snap_list(const struct snap *s, unsigned i, struct snap_list_info *out);
uint64_t snap_created(const struct snap *s); /* unix seconds */
uint64_t snap_serial(const struct snap *s);  /* increases with every build */
uint64_t snap_bytes(const struct snap *s);
uint32_t snap_keys(const struct snap *s);

#endif
