/*
 * cmd_lists.c -- `ispshield lists`: compile, stats, history; import, check, export and
 * allow live in cmd_lists_import.c, cmd_lists_check.c, cmd_lists_export.c and
 * cmd_lists_allow.c, keygen/sign/publish/sync in cmd_lists_sync.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/cmd_lists.h"
#include "core/lists/listreport.h"
#include "core/lists/snapshot.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

int cli_parse_kind(void *ptr, const char *v, struct isp_err *err)
{
	enum list_kind k = list_kind_parse(v);

	if (k == LIST_KIND_NONE)
		return isp_err_set(err, ISR_EINVAL, "--kind %s: expected domain, url or ip", v);
	*(enum list_kind *)ptr = k;
	return 0;
}

static const char lists_usage[] =
	"usage: ispshield lists COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Commands:\n"
	"  import   --list NAME [--kind K] [--format F] [--source S] FILE...\n"
	"           read list files (- = stdin) into the store, replacing what SOURCE\n"
	"           listed before\n"
	"  compile  [--out FILE]  write the snapshot the DNS and proxy services read\n"
	"  check    [--json] NAME|URL|IP...  look values up in the snapshot\n"
	"  export   --list NAME --format rpz|domains|hosts|csv [--origin ZONE] [--out FILE]\n"
	"  stats    [--json]  entries, sources, last import and snapshot bytes per list\n"
	"  history  [--list NAME] [--limit N] [--changes ID] [--json]  past imports\n"
	"  recheck  --list NAME [--all]  are the listed URLs still served? (online, offline)\n"
	"  keygen   --public FILE --secret FILE  Ed25519 key pair for signed feeds\n"
	"  sign     --key SECRET FILE...  detached signatures (FILE.sig)\n"
	"  publish  --key SECRET DIR NAME:KIND[:FORMAT]=FILE...  write a signed feed\n"
	"  sync     [--public KEY] [URL]  fetch, verify, import and compile a signed feed\n"
	"  pull     --list NAME [--tsig KEY] HOST[:PORT] ZONE  an RPZ zone by IXFR/AXFR\n"
	"  allow    add VALUE [--reason T] [--expires DUR] | remove VALUE | show [--json]\n"
	"           the allowlist, which wins over every list at compile\n"
	"\n"
	"`ispshield lists COMMAND --help` describes each command.\n";

static const char compile_usage[] =
	"usage: ispshield lists compile [--out FILE]\n"
	"\n"
	"Compile every live (not expired) entry of every list into the snapshot that the\n"
	"DNS and proxy services map. The new file replaces the old one atomically.\n";

static int cmd_compile(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = compile_usage, .heading = "" };
	char path[CONFIG_PATH_MAX];
	struct snap_build_stats bs;
	struct store *st;
	struct isp_err err;
	const char *out = NULL;
	int rc, argi;
	const struct opt opts[] = {
		OPT_S("out", 'o', &out, "FILE",
		      "where to write (default: the configured snapshot path)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	config_snapshot_path(&c->cfg, path);
	if (out)
		snprintf(path, sizeof(path), "%s", out);
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	if (snap_build(st, path, (int64_t)time(NULL), &bs, &err) != 0) {
		cli_error(&err);
		store_close(st);
		return EXIT_FAIL;
	}
	store_close(st);
	if (!c->quiet)
		listreport_compile(stderr, path, &bs);
	return EXIT_OK;
}

static const char stats_usage[] =
	"usage: ispshield lists stats [--json]\n"
	"\n"
	"Per list: kind, entries over all sources, distinct live values, expired entries,\n"
	"sources, last import, and the list's share of the snapshot (keys, bytes).\n";

static int cmd_stats(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = stats_usage, .max_args = -1 };
	char path[CONFIG_PATH_MAX];
	struct snap *snap = NULL;
	struct store *st;
	struct isp_err err;
	int json, rc, argi;

	if ((rc = cli_open_json(c, &spec, argc, argv, &argi, &json, &st, &err)) >= 0)
		return rc;
	config_snapshot_path(&c->cfg, path);
	if (snap_open(path, &snap, &err) != 0 && err.code != ISR_ENOTFOUND)
		cli_error(&err); /* stats still useful without the snapshot */
	isp_err_clear(&err);
	rc = listreport_stats(st, snap, path, json, (int64_t)time(NULL), stdout, &err);
	snap_close(snap);
	return cli_store_done(st, rc, &err);
}

static const char history_usage[] =
	"usage: ispshield lists history [--list NAME] [--limit N] [--json]\n"
	"       ispshield lists history --changes IMPORT-ID [--json]\n"
	"\n"
	"Past imports, newest first, with their counts; with --changes, the values that\n"
	"import added and removed (recorded from a source's second import on).\n";

static int cmd_history(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = history_usage, .max_args = -1 };
	const char *list = NULL;
	int64_t changes = -1, limit = 20;
	int json = 0, rc, argi;
	struct store *st;
	struct isp_err err;
	const struct opt opts[] = {
		OPT_S("list", 'l', &list, "NAME", "only the imports into this list"),
		OPT_I("limit", 'n', &limit, "N", "the N newest imports (default 20)"),
		OPT_I("changes", 0, &changes, "IMPORT-ID",
		      "the values this import added and removed"),
		OPT_F("json", 'j', &json, "JSON instead of a table"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (limit <= 0) {
		cli_fail("--limit must be a positive number");
		return EXIT_USAGE;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	return cli_store_done(
		st,
		listreport_history(st, list, (int)limit, (long long)changes, json, stdout, &err),
		&err);
}

int cmd_lists(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "import", cmd_lists_import }, /* cmd_lists_import.c */
		{ "compile", cmd_compile },
		{ "check", cmd_lists_check },
		{ "export", cmd_lists_export },
		{ "stats", cmd_stats },
		{ "history", cmd_history },
		{ "recheck", cmd_lists_recheck }, /* cmd_lists_recheck.c */
		{ "keygen", cmd_lists_keygen },
		{ "sign", cmd_lists_sign },
		{ "publish", cmd_lists_publish },
		{ "sync", cmd_lists_sync },
		{ "pull", cmd_lists_pull },   /* cmd_lists_pull.c */
		{ "allow", cmd_lists_allow }, /* the allowlist: cmd_lists_allow.c */
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, lists_usage, cmds);
}
