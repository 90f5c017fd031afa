/*
 * cmd_lists.c -- `ispshield lists`: import, compile, stats, history; check, export and
 * allow live in cmd_lists_check.c, cmd_lists_export.c and cmd_lists_allow.c,
 * keygen/sign/publish/sync in cmd_lists_sync.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/cmd_lists.h"
#include "core/lists/listimport.h"
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

static const char import_usage[] =
	"usage: ispshield lists import --list NAME [OPTIONS] FILE...\n"
	"\n"
	"Read threat-list files into list NAME. Each FILE (- for standard input) is one\n"
	"import of its source: the source's previous entries are replaced, and what was\n"
	"added and removed is recorded (see `lists history`). Rejected lines are reported\n"
	"as FILE:LINE: reason; the rest is imported.\n";

static const char import_tail[] =
	"Entries of another kind than the list's (a URL feed into a domain list) are\n"
	"skipped and named as FILE:LINE like rejected lines.\n"
	"\n"
	"Threat-intel exchange formats (detected, or --format stix / misp):\n"
	"  stix  a STIX 2.1 bundle or TAXII 2.1 envelope: indicators whose pattern is one\n"
	"        or more equalities on domain-name:value, url:value, ipv4-addr:value or\n"
	"        ipv6-addr:value joined by OR; valid_until is the expiry; revoked ones and\n"
	"        other objects are skipped; any other pattern is rejected as\n"
	"        FILE:LINE: indicator--ID: pattern REASON\n"
	"  misp  a MISP event JSON, or a MISP feed directory (its manifest.json and the\n"
	"        event files it lists): attributes of type domain, hostname, url, ip-dst,\n"
	"        ip-src, domain|ip and the |port forms with to_ids set, not deleted or\n"
	"        decayed; the event's tags become the category, its info the reference\n"
	"Both are read as a stream: one object or attribute in memory at a time.\n"
	"\n"
	"Exit status: 0 imported, 3 imported but lines were rejected or skipped, 4 failed or\n"
	"refused (nothing from that FILE changed).\n";

int cli_import_file(struct cli *c, struct store *st, const struct store_list *l, const char *path,
		    struct listimport_opts *io)
{
	struct listimport_result res;
	struct listreport_progress pg;
	struct isp_err err;

	listreport_progress_start(&pg, path);
	io->progress = c->progress ? listreport_progress : NULL;
	io->progress_ud = &pg;
	isp_err_clear(&err);
	if (listimport_file(st, l, path, io, cli_reject, NULL, &res, &err) != 0) {
		if (c->progress)
			fputc('\n', stderr);
		if (res.refused)
			cli_fail("%s: list %s, %s", path, l->name, err.msg);
		else
			cli_error(&err);
		return EXIT_FAIL;
	}
	if (c->progress)
		fputs("\r\033[K", stderr);
	if (!c->quiet)
		listreport_import(stderr, path, l->name, &res);
	return res.read.rejected + res.bad_values || res.other_kind ? EXIT_PARTIAL : EXIT_OK;
}

static int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = import_usage, .tail = import_tail, .min_args = 1, .max_args = -1
	};
	const char *list = NULL, *kind_s = NULL;
	struct listimport_opts io;
	struct store_list l;
	struct store *st;
	struct isp_err err;
	int i, rc, argi;
	enum list_kind kind = LIST_KIND_NONE;
	const struct opt opts[] = {
		OPT_S("list", 'l', &list, "NAME", "the list (created if --kind is given)"),
		OPT_S("kind", 'k', &kind_s, "KIND",
		      "domain (C&C host names, exact or *.suffix), url (malware-distribution "
		      "URLs), ip (addresses, prefixes)"),
		OPT_KS("format", 'f', "lists.format", "FORMAT"),
		OPT_S("source", 's', &io.source, "NAME",
		      "source name (default: the file's base name; required with -)"),
		OPT_S("origin", 0, &io.origin, "ZONE",
		      "RPZ: the zone origin when the file has no $ORIGIN/SOA"),
		OPT_K("expires", "lists.expiry", "DUR"),
		OPT_F("allow-shrink", 0, &io.allow_shrink,
		      "import even what looks like a failed download: by default a FILE with no "
		      "accepted value, more rejected lines than accepted values, or one that "
		      "would remove more than lists.max-shrink percent of the source's entries "
		      "changes nothing"),
		OPT_END,
	};

	memset(&io, 0, sizeof(io));
	io.max_shrink = (int)(c->cfg.lists_max_shrink > 100 ? 100 : c->cfg.lists_max_shrink);
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	if (!list)
		return opts_usage(&spec, opts);
	if (kind_s) {
		kind = list_kind_parse(kind_s);
		if (kind == LIST_KIND_NONE) {
			cli_fail("--kind %s: expected domain, url or ip", kind_s);
			return EXIT_USAGE;
		}
	}
	/* lists.format is a K_FORMAT key: config_set has checked the name */
	io.format = (enum list_format)listfmt_parse_name(c->cfg.lists_format);
	io.expires = c->cfg.lists_expiry ? (int64_t)time(NULL) + c->cfg.lists_expiry : 0;
	if (io.source && argc - argi > 1) {
		cli_fail("--source names one source; give one FILE with it (each file is "
			 "its own source otherwise)");
		return EXIT_USAGE;
	}
	for (i = argi; i < argc && !io.source; i++)
		if (strcmp(argv[i], "-") == 0) {
			/* every pipe would otherwise be the one source "stdin", and each
			 * import would replace what the previous pipe listed */
			cli_fail("-: standard input needs --source NAME (the feed it comes from)");
			return EXIT_USAGE;
		}
	st = cli_create_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	if (store_list_get(st, list, kind, 1, &l, &err) != 0) {
		cli_error(&err);
		store_close(st);
		return err.code == ISR_EINVAL || err.code == ISR_EEXIST ? EXIT_USAGE : EXIT_FAIL;
	}
	for (i = argi; i < argc; i++) {
		int r = cli_import_file(c, st, &l, argv[i], &io);

		if (r == EXIT_FAIL || (r == EXIT_PARTIAL && rc == EXIT_OK))
			rc = r;
	}
	store_close(st);
	return rc;
}

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
	int json = 0, rc, argi;
	const struct opt opts[] = {
		OPT_F("json", 'j', &json, "JSON instead of a table"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st)) >= 0)
		return rc;
	config_snapshot_path(&c->cfg, path);
	isp_err_clear(&err);
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
		{ "import", cmd_import },
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
