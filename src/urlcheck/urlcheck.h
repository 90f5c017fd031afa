/*
 * urlcheck.h -- `ispshield urlcheck`: URL checks in the subscriber's browser without
 * telling the ISP where the subscriber browses (issue 23), the way Safe Browsing's
 * Update API works.
 *
 * From the compiled snapshot's URL and domain lists the service computes, for every
 * listed entry, the Safe Browsing expression that a browser's URL would produce
 * (core/net/url.h url_expressions: a URL entry "http://evil.example/x?y" is the
 * expression "evil.example/x?y", a domain entry "evil.example" or "*.evil.example" is
 * "evil.example/") and its SHA-256. It serves over HTTP(S) (libmicrohttpd, as `status`):
 *
 *   GET /v1/prefixes              every 4-byte hash prefix, sorted, Rice-Golomb coded,
 *                                 with the version (the snapshot's serial) and the
 *                                 SHA-256 of the sorted list (the client's check)
 *   GET /v1/prefixes?since=V      the difference from version V (removals as indexes
 *                                 into V's sorted list, additions as prefixes, both Rice
 *                                 coded); the whole list when V is not kept any more
 *   GET /v1/fullhashes?prefixes=HEX8,HEX8,...
 *                                 the full hashes under those prefixes, each with its
 *                                 list (name and display names in both languages), its
 *                                 match rule, category and reference
 *
 * The client (clients/webext) holds the prefix list, computes the expressions of each
 * URL it checks, and asks for full hashes only when a prefix matches: the server sees
 * 4-byte prefixes, never a URL or a full hash (docs/security.md says what a prefix tells).
 * Requests carry no identity and nothing is logged per request: counters only.
 *
 * Match rules (the client applies them, the server cannot: it never sees the URL):
 * UC_MATCH_URL  the expression must be the URL's own (host + path + query: a URL list is
 *               an exact-URL list; scheme and port are not compared),
 * UC_MATCH_HOST the expression's host must be the URL's host (a domain entry "name"),
 * UC_MATCH_SUB  the expression's host must be a parent of the URL's host ("*.name").
 *
 * UC_MATCH_ALLOW (with HOST or SUB) an allowed domain: a domain block the URL matches
 *               does not count (URL entries are not: an allowed URL is left out).
 *
 * Policy as the DNS service and the proxy apply it (served_hit over every list, no
 * profile: a request has no subscriber): an allowlisted URL is left out, an allowed
 * domain is served as an allow entry (so that "ok.wild.example" allowed beats
 * "*.wild.example" listed, as in DNS), a log-only list is left out, every other list is
 * served (notify=off and events=off change what is recorded elsewhere, not what is
 * warned).
 */
#ifndef ISP_URLCHECK_URLCHECK_H
#define ISP_URLCHECK_URLCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/service/config.h"

struct served;
struct store;

enum {
	UC_MATCH_URL = 1,
	UC_MATCH_HOST = 2,
	UC_MATCH_SUB = 4,
	UC_MATCH_ALLOW = 8, /* an allow (the allowlist, an RPZ passthru) of a domain */
};

/* Most prefixes one full-hash request may ask for; a request is at most this long. */
#define UC_PREFIXES_MAX 64
#define UC_QUERY_MAX	576 /* UC_PREFIXES_MAX * 9 */

/* One (full hash, list) of the table. */
struct uc_entry {
	uint8_t hash[32];
	uint16_t list; /* the snapshot's list index */
	uint8_t match; /* UC_MATCH_* bits */
	uint32_t meta; /* offset + 1 into the table's meta pool ("category\0reference\0"),
			   0 = none */
};

/* A snapshot list as the full-hash answer names it. */
struct uc_list {
	char name[64];
	char display[2][128]; /* [0] English, [1] Japanese; "" = none configured */
};

/* What the service serves for one snapshot; immutable once built. */
struct uc_table {
	uint64_t version; /* the snapshot's serial */
	size_t n;	  /* entries, sorted by hash then list */
	struct uc_entry *e;
	size_t np;	    /* distinct prefixes, sorted */
	uint32_t *prefixes; /* the first 4 bytes of each hash, big-endian */
	uint8_t sha256[32]; /* of prefixes[] as 4-byte big-endian values, in order */
	unsigned nlists;
	struct uc_list *lists;
	char *meta;
	size_t metalen;
	long allowed, logonly, others; /* keys left out: allowlisted, log-only, not servable
					  (an IP prefix shorter than the address) */
};

/*
 * Build the table of sh's snapshot (served_load: its per-list policy applies) with the
 * display names of cfg's [list.NAME] sections. When st is not NULL, the category and
 * reference of each entry are read from it (the live entries at `now`); without it the
 * answers carry none. Returns 0 and *out (free with uc_table_free), or ISR_ENOMEM /
 * ISR_ESTORE with err set.
 */
int uc_table_build(const struct served *sh, const struct isp_config *cfg, struct store *st,
		   int64_t now, struct uc_table **out, struct isp_err *err);
void uc_table_free(struct uc_table *t);
/* The entries whose hash starts with prefix: *first and the count (0: none). */
size_t uc_table_find(const struct uc_table *t, uint32_t prefix, size_t *first);
/* The category ([0]) and reference ([1]) of entry e ("" when unknown). */
void uc_entry_meta(const struct uc_table *t, const struct uc_entry *e, const char *out[2]);

/*
 * Rice-Golomb coding of a sorted list of 32-bit values (Safe Browsing v4's
 * RiceDeltaEncoding): `first` is v[0]; each following difference d is written as d >> k
 * in unary (that many 1 bits, then a 0) and then the low k bits of d, least significant
 * first; bits are packed into bytes from the least significant bit. k is chosen from
 * the mean difference. A client decodes with clients/webext/rice.js.
 */
struct uc_rice {
	uint32_t first;
	unsigned k;
	size_t n; /* values in all (0: first is meaningless) */
	uint8_t *data;
	size_t len;
};
/* Encode v[0..n) (ascending; equal values allowed). 0, or ISR_ENOMEM. Free with
 * uc_rice_free. */
int uc_rice_encode(const uint32_t *v, size_t n, struct uc_rice *out);
/* Decode r into out[0..max); sets *n. 0, or ISR_EFORMAT (data too short, a value past
 * 2^32, more than max values). */
int uc_rice_decode(const struct uc_rice *r, uint32_t *out, size_t max, size_t *n);
void uc_rice_free(struct uc_rice *r);

/*
 * The difference between two sorted, distinct lists: rem[] the indexes into old of the
 * values new does not hold (ascending), add[] the values of new that old does not hold
 * (ascending). Both malloc'd (may be NULL when empty). 0, or ISR_ENOMEM.
 */
int uc_diff(const uint32_t *old, size_t nold, const uint32_t *nw, size_t nnew, uint32_t **add,
	    size_t *nadd, uint32_t **rem, size_t *nrem);

/*
 * Parse the value of `prefixes=` (already URL-decoded): 1..UC_PREFIXES_MAX prefixes of 8
 * hexadecimal digits, comma-separated. Sets out[0..*n). Returns 0, or ISR_EINVAL /
 * ISR_ELIMIT with the offset of what was refused in err (offset). No allocation.
 */
int uc_parse_prefixes(const char *s, size_t len, uint32_t *out, size_t *n, struct isp_err *err);
/* Parse the value of `since=`: a decimal version (1..2^64-1). 0 or ISR_EINVAL. */
int uc_parse_version(const char *s, size_t len, uint64_t *v, struct isp_err *err);

/*
 * The JSON answers (malloc'd text, *len bytes, NUL-terminated; NULL when out of memory).
 * full:      {"version","count","sha256","prefixes":{rice},"min_wait"}; versions are
 *            decimal strings (64-bit serials), rice is {"first","k","n","data":base64}
 * diff:      the same with "since", "additions" and "removals" instead of "prefixes"
 * fullhash:  {"matches":[{"hash","list","display":{"en","ja"},"match":[...],
 *             "category","reference"}...],"cache_seconds"}
 */
char *uc_json_full(const struct uc_table *t, int64_t min_wait, size_t *len);
char *uc_json_diff(const struct uc_table *t, uint64_t since, const uint32_t *old, size_t nold,
		   int64_t min_wait, size_t *len);
char *uc_json_fullhashes(const struct uc_table *t, const uint32_t *p, size_t n,
			 int64_t cache_seconds, size_t *len);

/*
 * Serve with cfg's [urlcheck] keys until SIGTERM or SIGINT: load the snapshot (fail
 * closed: no snapshot, no service), serve, and build a new table whenever the snapshot
 * file changes or SIGHUP comes (the old one keeps serving until the new one is whole;
 * the last urlcheck.versions versions are kept for differences). Returns 0 on a clean
 * stop, or an ISR code with err set when it cannot start.
 */
int urlcheck_run(const struct isp_config *cfg, config_reload_fn reload, void *reload_ud,
		 struct isp_err *err);

#endif
