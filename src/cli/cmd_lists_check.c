/*
 * cmd_lists_check.c -- `ispshield lists check`: look values up in the snapshot with the
 * same normaliser and lookup code the DNS and proxy services use, then show where the
 * matched entry came from (sources, first/last seen, category, reference) from the
 * store. The lookups and what they print are core/lists/listcheck.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "cli/opts.h"
#include "core/base/jsonout.h"
#include "core/lists/allowlist.h"
#include "core/lists/listcheck.h"
#include "core/lists/snapshot.h"
#include "core/store/store.h"

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

int cmd_lists_check(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = check_usage,
					       .tail = check_tail,
					       .heading = "",
					       .min_args = 1,
					       .max_args = -1 };
	struct listcheck k;
	struct allowset *allow = NULL;
	char path[CONFIG_PATH_MAX];
	struct isp_err err;
	enum list_kind kind = LIST_KIND_NONE;
	int i, bad = 0, any = 0, json = 0, rc, argi;
	const struct opt opts[] = {
		OPT_F("json", 'j', &json, "one JSON object per value, in an array"),
		OPT_FN_("kind", 'k', cli_parse_kind, &kind, "KIND",
			"treat every value as domain, url or ip (default: guess)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	memset(&k, 0, sizeof(k));
	k.f = stdout;
	config_snapshot_path(&c->cfg, path);
	isp_err_clear(&err);
	if (snap_open(path, &k.snap, &err) != 0) {
		cli_error(&err);
		if (err.code == ISR_ENOTFOUND)
			cli_fail("no snapshot yet: run `ispshield lists compile` first");
		return EXIT_FAIL;
	}
	/* The store only adds detail (sources, references); check works without it. */
	if (store_open_ex(c->cfg.store, STORE_OPEN_EXISTING, &k.st, &err) != 0)
		k.st = NULL;
	else if (allowset_load(k.st, (int64_t)time(NULL), &allow, &err) != 0)
		allow = NULL; /* a store before schema version 5: details only */
	k.allow = allow;
	if (k.st && !c->quiet && listcheck_stale(k.st, k.snap))
		cli_fail("warning: lists were imported after the snapshot was compiled; "
			 "run `ispshield lists compile` to serve them");
	k.out = json ? json_array() : NULL;
	for (i = argi; i < argc; i++) {
		int blocked = 0;

		isp_err_clear(&err);
		if (listcheck_value(&k, argv[i], kind, &blocked, &err) < 0) {
			cli_fail("%s: %s", argv[i], err.msg);
			bad = 1;
		}
		any |= blocked;
	}
	if (k.out)
		jsonout_dumpf(k.out, stdout, JSON_INDENT(2));
	snap_close(k.snap);
	allowset_free(allow);
	store_close(k.st);
	if (any)
		return EXIT_OK;
	return bad ? EXIT_USAGE : EXIT_NOMATCH;
}
