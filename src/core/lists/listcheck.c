/*
 * listcheck.c -- see listcheck.h.
 */
#include "core/lists/listcheck.h"

#include <string.h>

#include "core/base/timefmt.h"
#include "core/lists/listvalue.h"
#include "core/net/ip.h"
#include "core/net/url.h"
#include "core/store/store_lists.h"

struct src_ctx {
	json_t *arr;
	FILE *f;
};

static int on_source(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct src_ctx *x = ud;
	char t1[TIME_FMT_LOCAL_MAX], t2[TIME_FMT_LOCAL_MAX], t3[TIME_FMT_LOCAL_MAX];

	(void)l;
	if (x->arr) {
		json_array_append_new(x->arr,
				      json_pack("{s:s, s:I, s:I, s:I, s:s?, s:s?}", "source",
						e->source, "first_seen", (json_int_t)e->first_seen,
						"last_seen", (json_int_t)e->last_seen, "expires",
						(json_int_t)e->expires, "category", e->category,
						"reference", e->reference));
		return 0;
	}
	fprintf(x->f, "    source %s: first seen %s, last seen %s", e->source,
		time_fmt_local(e->first_seen, t1), time_fmt_local(e->last_seen, t2));
	if (e->expires)
		fprintf(x->f, ", expires %s", time_fmt_local(e->expires, t3));
	if (e->category)
		fprintf(x->f, ", category %s", e->category);
	if (e->reference)
		fprintf(x->f, ", reference %s", e->reference);
	fputc('\n', x->f);
	return 0;
}

/* A hit of the allowlist's snapshot list: the row covering entry, from the store. */
static void report_allowlist(struct listcheck *k, const char *q, enum list_kind kind,
			     const char *entry, json_t *matches)
{
	const struct allow_entry *a = allowset_value(k->allow, kind, entry);
	char desc[512];

	if (a)
		allow_describe(a, desc, sizeof(desc));
	else
		snprintf(desc, sizeof(desc),
			 "no longer in the store: run `ispshield lists compile`");
	if (!matches) {
		fprintf(k->f, "%s: allowed by allowlist %s (%s)\n", q, a ? a->value : entry, desc);
		return;
	}
	json_array_append_new(matches,
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:I}", "list",
					SNAP_ALLOWLIST, "kind", list_kind_name(kind), "entry",
					a ? a->value : entry, "action", "allow", "detail", desc,
					"reason", a ? a->reason : NULL, "by", a ? a->by : NULL,
					"expires", (json_int_t)(a ? a->expires : 0)));
}

/* Report the hits of r for query q (matched as kind); returns how many. *blocked is set
 * when the lookup blocks: a hit and no allow hit (the services' rule). */
static int report(struct listcheck *k, const char *q, enum list_kind kind, const char *entry,
		  const struct snap_result *r, json_t *matches, int *blocked)
{
	int i, allow = 0;

	for (i = 0; i < r->n; i++)
		allow |= r->hits[i].allow;
	if (r->n > 0 && !allow)
		*blocked = 1;

	for (i = 0; i < r->n; i++) {
		struct snap_list_info li;
		struct store_list sl;
		struct isp_err err;
		struct src_ctx sx = { NULL, k->f };

		snap_list(k->snap, r->hits[i].list, &li);
		if (strcmp(li.name, SNAP_ALLOWLIST) == 0 && li.kind == LIST_KIND_NONE) {
			report_allowlist(k, q, kind, entry, matches);
			continue;
		}
		if (matches)
			sx.arr = json_array();
		else {
			int plain = r->hits[i].allow || r->hits[i].action == LIST_BLOCK;

			fprintf(k->f, "%s: %s by list %s (%s), entry %s%s%s\n", q,
				r->hits[i].allow ? "ALLOWED"
				: allow		 ? "listed (not blocked)"
						 : "BLOCKED",
				li.name, list_kind_name(kind), entry, plain ? "" : ", action ",
				plain ? "" : list_action_name((enum list_action)r->hits[i].action));
		}
		isp_err_clear(&err);
		if (k->st && store_list_get(k->st, li.name, LIST_KIND_NONE, 0, &sl, &err) == 0)
			store_entry_sources(k->st, &sl, entry, on_source, &sx, &err);
		if (matches)
			json_array_append_new(
				matches,
				json_pack("{s:s, s:s, s:s, s:s, s:o}", "list", li.name, "kind",
					  list_kind_name(kind), "entry", entry, "action",
					  list_action_name((enum list_action)r->hits[i].action),
					  "sources", sx.arr));
	}
	return r->n;
}

static int check_domain(struct listcheck *k, const char *q, const char *name, json_t *matches,
			int *blocked)
{
	struct snap_result r;
	char entry[260];

	if (snap_lookup_domain(k->snap, name, strlen(name), &r) == 0)
		return 0;
	snprintf(entry, sizeof(entry), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen, r.key);
	return report(k, q, LIST_DOMAIN, entry, &r, matches, blocked);
}

int listcheck_value(struct listcheck *k, const char *q, enum list_kind kind, int *blocked,
		    struct isp_err *err)
{
	char norm[URL_MAX + 1];
	struct snap_result r;
	json_t *matches;
	int n, hits = 0;

	if (kind == LIST_KIND_NONE)
		kind = list_value_guess_kind(q);
	n = list_value_normalise(kind, q, norm, sizeof(norm), NULL, err);
	if (n < 0)
		return ISR_EINVAL;
	if (kind == LIST_DOMAIN && norm[0] == '*')
		return isp_err_set(err, ISR_EINVAL, "check a name, not a wildcard");
	matches = k->out ? json_array() : NULL;
	if (kind == LIST_DOMAIN) {
		hits = check_domain(k, q, norm, matches, blocked);
	} else if (kind == LIST_URL) {
		const char *host;
		size_t hl;
		char name[260];

		if (snap_lookup_url(k->snap, norm, (size_t)n, &r) > 0)
			hits += report(k, q, LIST_URL, norm, &r, matches, blocked);
		if (url_host(norm, (size_t)n, &host, &hl) == 0 && hl < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)hl, host);
			hits += check_domain(k, q, name, matches, blocked);
		}
	} else {
		struct ip_prefix p;
		char entry[IP_PREFIX_STRLEN];

		ip_parse_prefix(norm, (size_t)n, &p, NULL, NULL);
		if (snap_lookup_ip(k->snap, p.family, p.addr, &r) > 0) {
			p.len = (uint8_t)r.plen;
			ip_mask(&p);
			ip_format_prefix(&p, entry);
			hits = report(k, q, LIST_IP, entry, &r, matches, blocked);
		}
	}
	if (k->out)
		json_array_append_new(k->out, json_pack("{s:s, s:s, s:s, s:b, s:b, s:o}", "query",
							q, "normalised", norm, "kind",
							list_kind_name(kind), "matched", hits > 0,
							"blocked", *blocked, "matches", matches));
	else if (hits == 0)
		fprintf(k->f, "%s: no match (%s %s)\n", q, list_kind_name(kind), norm);
	else if (!*blocked)
		fprintf(k->f, "%s: not blocked (allowed by an allow entry above)\n", q);
	return hits;
}

static int newest_import(void *ud, const struct store_list_stats *ls)
{
	int64_t *newest = ud;

	if (ls->last_import > *newest)
		*newest = ls->last_import;
	return 0;
}

int listcheck_stale(struct store *st, const struct snap *snap)
{
	struct isp_err err;
	int64_t newest = 0;

	isp_err_clear(&err);
	return store_each_list(st, 0, newest_import, &newest, &err) == 0 &&
	       newest > (int64_t)snap_created(snap);
}
