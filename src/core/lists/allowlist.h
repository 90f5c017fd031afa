/*
 * allowlist.h -- the operator's allowlist: values no list may block, whatever list or
 * partner names them (the remedy for a false positive in someone else's feed).
 *
 * Rows live in the store (store_allow.h: value, kind, reason, who, when, expiry). Values
 * are validated and normalised by the importers' normaliser (listvalue.h): a domain
 * ("example.com" exact, "*.example.com" every name under it, RPZ semantics: not
 * example.com itself), a URL (canonical form) or an IP prefix.
 *
 * How an allow applies: at compile (snap_build), never at lookup time. The snapshot gets
 * one more list, SNAP_ALLOWLIST ("allowlist"), whose hits are allow hits, and every block
 * entry of any list that an active allow covers is *marked*: its record gets an allow hit
 * of that list too. The services already let any allow hit in a lookup's result win, so
 * nothing in src/dns or src/proxy knows about the allowlist. Marking (rather than
 * dropping) keeps `lists check` able to say which list would have blocked. Covered:
 *   - "*.S" allowed: an entry "x.S" (exact, any depth) or "*.S", "*.x.S" (wildcards);
 *   - "N" allowed: the entry "N" (the same record; its allow hit wins there);
 *   - a prefix P allowed: every IP entry inside P (P itself or longer);
 *   - a URL allowed: the same canonical URL (the same record).
 * A lookup that would reach a less specific block entry ("*.example" for the allowed
 * "good.example") stops at the allowlist's own record first, which is more specific.
 * An allow expires by itself: rows past their expiry are left out of the next compile.
 */
#ifndef ISP_CORE_ALLOWLIST_H
#define ISP_CORE_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/net/ip.h"
#include "core/store/listkind.h"

struct store;

/* The name of the snapshot list that holds the allowlist's entries. Its kind in the
 * snapshot's list table is LIST_KIND_NONE (it holds all three kinds). */
#define SNAP_ALLOWLIST LIST_NAME_RESERVED

struct allow_entry {
	const char *value; /* normalised, as stored */
	enum list_kind kind;
	const char *reason; /* NULL when none was given */
	const char *by;
	int64_t added;
	int64_t expires;	 /* 0 = never */
	struct ip_prefix prefix; /* kind ip: the parsed value */
};

/* An immutable, in-memory copy of the allow rows active at one time, indexed for the
 * coverage questions below (sorted arrays: the allowlist is small, the lists are not). */
struct allowset;

/* Load the rows active at now (expires 0 or > now). *out owned by the caller. */
int allowset_load(struct store *st, int64_t now, struct allowset **out, struct isp_err *err);
void allowset_free(struct allowset *set);
size_t allowset_count(const struct allowset *set);
/* Row i (< allowset_count), ordered by value. */
const struct allow_entry *allowset_at(const struct allowset *set, size_t i);

/*
 * The allow entry covering a list entry (see the rules above), or NULL.
 * allowset_domain: the domain entry key[0..len) (without "*."; wildcard says whether the
 * entry is "*.key"); a name looked up (`lists check`) is an exact entry.
 * allowset_ip: the prefix p (an address is a /32 or /128); the shortest allowed prefix
 * containing it. allowset_url: the canonical URL.
 * allowset_value: any normalised value of kind, as the store holds it.
 */
const struct allow_entry *allowset_domain(const struct allowset *set, const char *key, size_t len,
					  int wildcard);
const struct allow_entry *allowset_ip(const struct allowset *set, const struct ip_prefix *p);
const struct allow_entry *allowset_url(const struct allowset *set, const char *url, size_t len);
const struct allow_entry *allowset_value(const struct allowset *set, enum list_kind kind,
					 const char *value);

/*
 * Validate and normalise a value typed by the operator, as imports do (listvalue.h);
 * kind LIST_KIND_NONE guesses it (list_value_guess_kind). Writes the normalised value
 * to out (outsz: URL_MAX + 1 is always enough) and its kind to *kind_out. Returns 0 or
 * ISR_EINVAL with err saying why ("*." anywhere but in front, a /0 prefix, ...). A
 * wildcard over a top-level domain ("*.com") is refused too: one allow would turn the
 * filter off for every name under it.
 */
int allow_normalise(const char *raw, enum list_kind kind, char *out, size_t outsz,
		    enum list_kind *kind_out, struct isp_err *err);

/*
 * Add (or renew) an allow of raw. by: who (allow_user_name if NULL); reason may be
 * NULL; expires 0 = never, else unix seconds. The normalised value goes to norm (outsz
 * bytes). *replaced: 1 when that value was on the allowlist already (now replaced).
 */
int allow_add(struct store *st, const char *raw, enum list_kind kind, const char *reason,
	      const char *by, int64_t expires, char *norm, size_t outsz, int *replaced,
	      struct isp_err *err);
/* Remove the allow of raw (normalised first). ISR_ENOTFOUND when it has none. */
int allow_remove(struct store *st, const char *raw, enum list_kind kind, char *norm, size_t outsz,
		 struct isp_err *err);

/* The invoking user's name for "by": $SUDO_USER under sudo, else the password entry of
 * the real uid, else "uid N". */
void allow_user_name(char *out, size_t outsz);

/*
 * Print the allowlist to f: active rows, then expired ones (at now), apart. Text: one
 * line per row; json: {"active": [...], "expired": [...]}, each row {value, kind,
 * reason, by, added, expires} (expires null = never). Times in text are
 * time_fmt_local, in JSON unix seconds.
 */
int allow_show(struct store *st, int64_t now, int json, FILE *f, struct isp_err *err);

/* One line describing a (for `lists check`): "reason R, by U, expires T" (T "never"). */
void allow_describe(const struct allow_entry *a, char *out, size_t outsz);

#endif
