/*
 * allowlist.c -- the allowlist's rules (allowlist.h): validation, the in-memory set the
 * snapshot build and `lists check` / `lists export` ask whether an entry is covered, and
 * the listing.
 *
 * The set keeps every row's strings in one allocation per row, plus three sorted index
 * arrays: exact domains, wildcard suffixes (the part after "*.") and URLs, searched with
 * bsearch; prefixes are few and scanned. Covering a domain entry walks its parent
 * names (one bsearch each), so a compile costs O(entries x labels x log allows).
 */
#include "core/lists/allowlist.h"

#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/binwrite.h"
#include "core/base/timefmt.h"
#include "core/lists/listvalue.h"
#include "core/net/url.h"
#include "core/store/store_allow.h"

/* An index entry: one row of the set. */
struct aref {
	const struct allow_entry *e;
};

struct allowset {
	struct allow_entry *rows;
	size_t n, cap;
	/* indexes into rows, sorted by key (domains without "*."); room for n each, all four
	 * in one block that exact owns */
	struct aref *exact, *wild, *urls, *ips;
	size_t nexact, nwild, nurls, nips;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int load_row(void *ud, const struct store_allow *a)
{
	struct allowset *set = ud;
	struct allow_entry *e;

	e = mem_next((void **)&set->rows, &set->cap, set->n, sizeof(*e), 16);
	if (!e)
		return ISR_ENOMEM;
	e->kind = a->kind;
	e->added = a->added;
	e->expires = a->expires;
	e->value = strdup(a->value);
	e->by = strdup(a->by);
	e->reason = dup_or_null(a->reason);
	if (!e->value || !e->by || (a->reason && !e->reason)) {
		free((char *)e->value);
		free((char *)e->by);
		free((char *)e->reason);
		return ISR_ENOMEM;
	}
	if (e->kind == LIST_IP &&
	    ip_parse_prefix(e->value, strlen(e->value), &e->prefix, NULL, NULL) != 0)
		e->kind = LIST_KIND_NONE; /* a hand-edited row: never applies */
	set->n++;
	return 0;
}

/* The key a domain row is indexed by: the name without "*.". */
static const char *dkey(const struct allow_entry *e)
{
	return e->value[0] == '*' && e->value[1] == '.' ? e->value + 2 : e->value;
}

static int cmp_dkey(const void *a, const void *b)
{
	return strcmp(dkey(((const struct aref *)a)->e), dkey(((const struct aref *)b)->e));
}

struct key {
	const char *p;
	size_t len;
};

static int cmp_find(const void *k, const void *e)
{
	const struct key *key = k;
	const char *s = dkey(((const struct aref *)e)->e);
	size_t sl = strlen(s);
	int c = memcmp(key->p, s, key->len < sl ? key->len : sl);

	if (c)
		return c;
	return key->len < sl ? -1 : key->len > sl;
}

static const struct allow_entry *find(const struct aref *idx, size_t n, const char *p, size_t len)
{
	struct key k = { p, len };
	const struct aref *r;

	if (n == 0)
		return NULL;
	r = bsearch(&k, idx, n, sizeof(struct aref), cmp_find);
	return r ? r->e : NULL;
}

int allowset_load(struct store *st, int64_t now, struct allowset **out, struct isp_err *err)
{
	struct allowset *set = calloc(1, sizeof(*set));
	size_t i, room;
	int rc;

	*out = NULL;
	if (!set)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = store_allow_each(st, now > 0 ? now : 1, load_row, set, err);
	if (rc == ISR_ENOMEM)
		isp_err_set(err, rc, "out of memory loading the allowlist");
	/* the four indexes, room for n each, in one block (exact owns it) */
	room = set->n ? set->n : 1;
	if (rc == 0) {
		set->exact = calloc(4 * room, sizeof(struct aref));
		if (!set->exact) {
			rc = ISR_ENOMEM;
			isp_err_set(err, rc, "out of memory");
		}
	}
	if (rc) {
		allowset_free(set);
		return rc;
	}
	set->wild = set->exact + room;
	set->urls = set->wild + room;
	set->ips = set->urls + room;
	for (i = 0; i < set->n; i++) {
		const struct allow_entry *e = &set->rows[i];

		switch (e->kind) {
		case LIST_DOMAIN:
			if (e->value[0] == '*')
				set->wild[set->nwild++].e = e;
			else
				set->exact[set->nexact++].e = e;
			break;
		case LIST_URL: set->urls[set->nurls++].e = e; break;
		case LIST_IP: set->ips[set->nips++].e = e; break;
		case LIST_KIND_NONE: break;
		}
	}
	qsort(set->exact, set->nexact, sizeof(struct aref), cmp_dkey);
	qsort(set->wild, set->nwild, sizeof(struct aref), cmp_dkey);
	qsort(set->urls, set->nurls, sizeof(struct aref), cmp_dkey);
	*out = set;
	return 0;
}

void allowset_free(struct allowset *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free((char *)set->rows[i].value);
		free((char *)set->rows[i].by);
		free((char *)set->rows[i].reason);
	}
	free(set->rows);
	free(set->exact); /* and wild, urls, ips */
	free(set);
}

size_t allowset_count(const struct allowset *set)
{
	return set ? set->n : 0;
}

const struct allow_entry *allowset_at(const struct allowset *set, size_t i)
{
	return set && i < set->n ? &set->rows[i] : NULL;
}

const struct allow_entry *allowset_domain(const struct allowset *set, const char *key, size_t len,
					  int wildcard)
{
	const struct allow_entry *e;
	size_t i;

	if (!set || len == 0)
		return NULL;
	if (!wildcard) {
		e = find(set->exact, set->nexact, key, len);
		if (e)
			return e;
	} else {
		/* "*.key" allowed covers "*.key" listed */
		e = find(set->wild, set->nwild, key, len);
		if (e)
			return e;
	}
	/* a "*.S" allow for every proper parent S of key */
	for (i = 0; i < len; i++) {
		if (key[i] != '.' || i + 1 >= len)
			continue;
		e = find(set->wild, set->nwild, key + i + 1, len - i - 1);
		if (e)
			return e;
	}
	return NULL;
}

const struct allow_entry *allowset_ip(const struct allowset *set, const struct ip_prefix *p)
{
	const struct allow_entry *best = NULL;
	size_t i;

	for (i = 0; set && i < set->nips; i++) {
		const struct allow_entry *e = set->ips[i].e;

		if (e->prefix.family == p->family && e->prefix.len <= p->len &&
		    ip_bits_match(p->addr, e->prefix.addr, e->prefix.len) &&
		    (!best || e->prefix.len < best->prefix.len))
			best = e;
	}
	return best;
}

const struct allow_entry *allowset_url(const struct allowset *set, const char *url, size_t len)
{
	return set ? find(set->urls, set->nurls, url, len) : NULL;
}

const struct allow_entry *allowset_value(const struct allowset *set, enum list_kind kind,
					 const char *value)
{
	struct ip_prefix p;

	switch (kind) {
	case LIST_DOMAIN:
		if (value[0] == '*' && value[1] == '.')
			return allowset_domain(set, value + 2, strlen(value + 2), 1);
		return allowset_domain(set, value, strlen(value), 0);
	case LIST_URL: return allowset_url(set, value, strlen(value));
	case LIST_IP:
		if (ip_parse_prefix(value, strlen(value), &p, NULL, NULL) != 0)
			return NULL;
		return allowset_ip(set, &p);
	case LIST_KIND_NONE: break;
	}
	return NULL;
}

int allow_normalise(const char *raw, enum list_kind kind, char *out, size_t outsz,
		    enum list_kind *kind_out, struct isp_err *err)
{
	int n;

	if (kind == LIST_KIND_NONE)
		kind = list_value_guess_kind(raw);
	n = list_value_normalise(kind, raw, out, outsz, NULL, err);
	if (n < 0)
		return n;
	/* one typo away from turning the filter off for a whole top-level domain */
	if (kind == LIST_DOMAIN && out[0] == '*' && !strchr(out + 2, '.'))
		return isp_err_set(err, ISR_EINVAL,
				   "%s would allow every name under a top-level domain", out);
	if (kind_out)
		*kind_out = kind;
	return 0;
}

void allow_user_name(char *out, size_t outsz)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (getuid() == 0 && sudo && *sudo) {
		snprintf(out, outsz, "%s", sudo);
		return;
	}
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(out, outsz, "%s", pw->pw_name);
	else
		snprintf(out, outsz, "uid %u", (unsigned)getuid());
}

int allow_add(struct store *st, const char *raw, enum list_kind kind, const char *reason,
	      const char *by, int64_t expires, char *norm, size_t outsz, int *replaced,
	      struct isp_err *err)
{
	struct store_allow a;
	char who[256];
	int rc;

	rc = allow_normalise(raw, kind, norm, outsz, &kind, err);
	if (rc)
		return rc;
	if (!by || !*by) {
		allow_user_name(who, sizeof(who));
		by = who;
	}
	memset(&a, 0, sizeof(a));
	a.value = norm;
	a.kind = kind;
	a.reason = reason;
	a.by = by;
	a.expires = expires;
	return store_allow_add(st, &a, replaced, err);
}

int allow_remove(struct store *st, const char *raw, enum list_kind kind, char *norm, size_t outsz,
		 struct isp_err *err)
{
	int rc = allow_normalise(raw, kind, norm, outsz, NULL, err);

	if (rc)
		return rc;
	return store_allow_remove(st, norm, err);
}

void allow_describe(const struct allow_entry *a, char *out, size_t outsz)
{
	char t[TIME_FMT_LOCAL_MAX];

	snprintf(out, outsz, "%s%s%sby %s, expires %s", a->reason ? "reason " : "",
		 a->reason ? a->reason : "", a->reason ? ", " : "", a->by,
		 a->expires ? time_fmt_local(a->expires, t) : "never");
}

struct show {
	int64_t now;
	int json;
	FILE *f;
	int expired; /* which pass: 0 active, 1 expired */
	long n;
	json_t *arr;
};

static int show_row(void *ud, const struct store_allow *a)
{
	struct show *s = ud;
	int expired = a->expires != 0 && a->expires <= s->now;
	char t1[TIME_FMT_LOCAL_MAX], t2[TIME_FMT_LOCAL_MAX];

	if (expired != s->expired)
		return 0;
	s->n++;
	if (s->json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:I}", "value", a->value, "kind",
				      list_kind_name(a->kind), "reason", a->reason, "by", a->by,
				      "added", (json_int_t)a->added);

		json_object_set_new(o, "expires",
				    a->expires ? json_integer(a->expires) : json_null());
		json_array_append_new(s->arr, o);
		return 0;
	}
	fprintf(s->f, "  %-40s %-6s by %s, added %s, %s %s", a->value, list_kind_name(a->kind),
		a->by, time_fmt_local(a->added, t1), expired ? "expired" : "expires",
		a->expires ? time_fmt_local(a->expires, t2) : "never");
	if (a->reason)
		fprintf(s->f, ": %s", a->reason);
	fputc('\n', s->f);
	return 0;
}

int allow_show(struct store *st, int64_t now, int json, FILE *f, struct isp_err *err)
{
	struct show s = { now, json, f, 0, 0, NULL };
	json_t *o = json ? json_object() : NULL;
	int rc = 0;

	for (s.expired = 0; s.expired < 2 && rc == 0; s.expired++) {
		s.n = 0;
		if (json)
			s.arr = json_array();
		else
			fprintf(f, "%s:\n", s.expired ? "expired" : "active");
		rc = store_allow_each(st, 0, show_row, &s, err);
		if (json)
			json_object_set_new(o, s.expired ? "expired" : "active", s.arr);
		else if (rc == 0 && s.n == 0)
			fputs("  (none)\n", f);
	}
	if (json && rc == 0) {
		json_dumpf(o, f, JSON_INDENT(2));
		fputc('\n', f);
	}
	json_decref(o);
	if (rc == 0 && ferror(f))
		rc = isp_err_set(err, ISR_EIO, "write: output error");
	return rc;
}
