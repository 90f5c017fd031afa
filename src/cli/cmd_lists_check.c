/*
 * cmd_lists_check.c -- `ispshield lists check`: look values up in the snapshot with the
 * same normaliser and lookup code the DNS and proxy services use, then show where the
 * matched entry came from (sources, first/last seen, category, reference) from the
 * store.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/base/jsonout.h"
#include "cli/cmd_lists.h"
#include "core/net/ip.h"
#include "core/lists/allowlist.h"
#include "core/lists/listvalue.h"
#include "core/lists/snapshot.h"
#include "core/net/url.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

static const char check_usage[] =
	"usage: ispshield lists check [--json] [--kind K] NAME|URL|IP...\n"
	"\n"
	"Look each value up in the snapshot, as the DNS and proxy services would: a name\n"
	"matches an exact entry or a *.suffix entry of a parent; a URL matches its\n"
	"canonical form exactly (and its host is checked against domain lists); an\n"
	"address matches the longest listed prefix. For each match: list, the entry that\n"
	"matched, and each source's first/last seen, category and reference.\n";

static const char check_tail[] =
	"A value is blocked when a lookup matches and no allow (rpz-passthru) entry of that\n"
	"lookup matched, as the services decide; JSON says so in \"blocked\". A value on\n"
	"the allowlist (`lists allow`) is reported as \"allowed by allowlist\" with its\n"
	"reason, author and expiry; the lists that name it are still shown.\n"
	"\n"
	"Exit status: 0 if any value is blocked, 1 if none (no match, or allowed by an\n"
	"allow entry), 2 usage, 4 failure (no snapshot).\n";

struct check {
	struct cli *c;
	struct snap *snap;
	struct store *st;
	struct allowset *allow; /* the store's allowlist now, for its details; may be NULL */
	json_t *out;		/* JSON array, or NULL for text */
	int blocked;		/* some value would be blocked */
};

struct src_ctx {
	json_t *arr;
	int json;
};

static int on_source(void *ud, const struct store_list *l, const struct store_entry *e)
{
	struct src_ctx *x = ud;
	char t1[CLI_WHEN_MAX], t2[CLI_WHEN_MAX], t3[CLI_WHEN_MAX];

	(void)l;
	if (x->json) {
		json_array_append_new(x->arr,
				      json_pack("{s:s, s:I, s:I, s:I, s:s?, s:s?}", "source",
						e->source, "first_seen", (json_int_t)e->first_seen,
						"last_seen", (json_int_t)e->last_seen, "expires",
						(json_int_t)e->expires, "category", e->category,
						"reference", e->reference));
		return 0;
	}
	printf("    source %s: first seen %s, last seen %s", e->source, cli_when(e->first_seen, t1),
	       cli_when(e->last_seen, t2));
	if (e->expires)
		printf(", expires %s", cli_when(e->expires, t3));
	if (e->category)
		printf(", category %s", e->category);
	if (e->reference)
		printf(", reference %s", e->reference);
	putchar('\n');
	return 0;
}

/* A hit of the allowlist's snapshot list: the row covering entry, from the store. */
static void report_allowlist(struct check *k, const char *q, enum list_kind kind, const char *entry,
			     json_t *matches)
{
	const struct allow_entry *a = allowset_value(k->allow, kind, entry);
	char desc[512];

	if (a)
		allow_describe(a, desc, sizeof(desc));
	else
		snprintf(desc, sizeof(desc),
			 "no longer in the store: run `ispshield lists compile`");
	if (!matches) {
		printf("%s: allowed by allowlist %s (%s)\n", q, a ? a->value : entry, desc);
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
static int report(struct check *k, const char *q, enum list_kind kind, const char *entry,
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
		struct src_ctx sx = { NULL, matches != NULL };

		snap_list(k->snap, r->hits[i].list, &li);
		if (strcmp(li.name, SNAP_ALLOWLIST) == 0 && li.kind == LIST_KIND_NONE) {
			report_allowlist(k, q, kind, entry, matches);
			continue;
		}
		if (matches)
			sx.arr = json_array();
		else {
			int plain = r->hits[i].allow || r->hits[i].action == LIST_BLOCK;

			printf("%s: %s by list %s (%s), entry %s%s%s\n", q,
			       r->hits[i].allow ? "ALLOWED"
			       : allow		? "listed (not blocked)"
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

static int check_domain(struct check *k, const char *q, const char *name, json_t *matches,
			int *blocked)
{
	struct snap_result r;
	char entry[260];

	if (snap_lookup_domain(k->snap, name, strlen(name), &r) == 0)
		return 0;
	snprintf(entry, sizeof(entry), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen, r.key);
	return report(k, q, LIST_DOMAIN, entry, &r, matches, blocked);
}

/* Check one value; returns the number of matches, or -1 if it is not a valid value.
 * *blocked: 1 when the services would block it. */
static int check_one(struct check *k, const char *q, enum list_kind kind, int *blocked)
{
	char norm[URL_MAX + 1];
	struct snap_result r;
	struct isp_err err;
	json_t *matches = k->out ? json_array() : NULL;
	int n, hits = 0;

	if (kind == LIST_KIND_NONE)
		kind = list_value_guess_kind(q);
	isp_err_clear(&err);
	n = list_value_normalise(kind, q, norm, sizeof(norm), NULL, &err);
	if (n < 0) {
		cli_fail("%s: %s", q, err.msg);
		json_decref(matches);
		return -1;
	}
	if (kind == LIST_DOMAIN) {
		if (norm[0] == '*') {
			cli_fail("%s: check a name, not a wildcard", q);
			json_decref(matches);
			return -1;
		}
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
		printf("%s: no match (%s %s)\n", q, list_kind_name(kind), norm);
	else if (!*blocked)
		printf("%s: not blocked (allowed by an allow entry above)\n", q);
	return hits;
}

static int newest_import(void *ud, const struct store_list_stats *ls)
{
	int64_t *newest = ud;

	if (ls->last_import > *newest)
		*newest = ls->last_import;
	return 0;
}

int cmd_lists_check(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = check_usage,
					       .tail = check_tail,
					       .heading = "",
					       .min_args = 1,
					       .max_args = -1 };
	struct check k;
	char path[CONFIG_PATH_MAX];
	struct isp_err err;
	enum list_kind kind = LIST_KIND_NONE;
	int i, bad = 0, json = 0, rc, argi;
	const struct opt opts[] = {
		OPT_F("json", 'j', &json, "one JSON object per value, in an array"),
		OPT_FN_("kind", 'k', cli_parse_kind, &kind, "KIND",
			"treat every value as domain, url or ip (default: guess)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	memset(&k, 0, sizeof(k));
	k.c = c;
	k.out = json ? json_array() : NULL;
	config_snapshot_path(&c->cfg, path);
	isp_err_clear(&err);
	if (snap_open(path, &k.snap, &err) != 0) {
		cli_error(&err);
		if (err.code == ISR_ENOTFOUND)
			cli_fail("no snapshot yet: run `ispshield lists compile` first");
		json_decref(k.out);
		return EXIT_FAIL;
	}
	/* The store only adds detail (sources, references); check works without it. */
	if (store_open_ex(c->cfg.store, STORE_OPEN_EXISTING, &k.st, &err) != 0) {
		k.st = NULL;
	} else if (allowset_load(k.st, (int64_t)time(NULL), &k.allow, &err) != 0) {
		k.allow = NULL; /* a store before schema version 5: details only */
	}
	if (k.st && !c->quiet) {
		int64_t newest = 0;

		if (store_each_list(k.st, 0, newest_import, &newest, &err) == 0 &&
		    newest > (int64_t)snap_created(k.snap))
			cli_fail("warning: lists were imported after the snapshot was compiled; "
				 "run `ispshield lists compile` to serve them");
	}
	for (i = argi; i < argc; i++) {
		int blocked = 0, n = check_one(&k, argv[i], kind, &blocked);

		if (n == -1)
			bad = 1;
		else if (blocked)
			k.blocked = 1;
	}
	if (k.out) {
		jsonout_dumpf(k.out, stdout, JSON_INDENT(2));
	}
	snap_close(k.snap);
	allowset_free(k.allow);
	store_close(k.st);
	if (k.blocked)
		return EXIT_OK;
	return bad ? EXIT_USAGE : EXIT_NOMATCH;
}
