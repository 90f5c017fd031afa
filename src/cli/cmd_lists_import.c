/*
 * cmd_lists_import.c -- `ispshield lists import`: list files (or a MISP feed by URL) into
 * the store through the one import path (core/lists/listimport); cli_import_file is
 * also what `crawl --import` uses.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/cmd_lists.h"
#include "core/lists/listimport.h"
#include "core/lists/listreport.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"
#include "sync/sync.h"

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
	"        event files it lists), or a feed's URL (https://.../manifest.json or the\n"
	"        folder; mirrored beside the snapshot, only events whose manifest timestamp\n"
	"        changed are downloaded): attributes of type domain, hostname, url, ip-dst,\n"
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

static int is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* A MISP feed by URL: mirror the changed events (src/sync), then import the mirror as a
 * feed directory; the source is the URL unless --source names one. */
static int import_misp_url(struct cli *c, struct store *st, const struct store_list *l,
			   const char *url, struct listimport_opts *io)
{
	struct listimport_opts o = *io;
	struct sync_misp_stats ms;
	struct sync_opts so;
	struct isp_err err;
	char snap[CONFIG_PATH_MAX], dir[4200];
	int rc;

	memset(&so, 0, sizeof(so));
	sync_opts_config(&so, &c->cfg, snap);
	so.url = url;
	so.on_reject = cli_reject;
	isp_err_clear(&err);
	if (sync_misp_mirror(&so, dir, sizeof(dir), &ms, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%s: %ld events fetched, %ld unchanged, %ld failed\n", url,
			ms.fetched, ms.kept, ms.failed);
	if (!o.source)
		o.source = url;
	rc = cli_import_file(c, st, l, dir, &o);
	return rc == EXIT_OK && ms.failed ? EXIT_PARTIAL : rc;
}

int cmd_lists_import(struct cli *c, int argc, char **argv)
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
		OPT_SR("list", 'l', &list, "NAME", "the list (created if --kind is given)"),
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
	io.max_shrink = config_list_max_shrink(&c->cfg);
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	if (kind_s) {
		kind = list_kind_parse(kind_s);
		if (kind == LIST_KIND_NONE) {
			cli_fail("--kind %s: expected domain, url or ip", kind_s);
			return EXIT_USAGE;
		}
	}
	/* lists.format is a K_FORMAT key: config_set has checked the name */
	io.format = (enum list_format)listfmt_parse_name(c->cfg.lists_format);
	io.expires = config_list_expires(&c->cfg, (int64_t)time(NULL));
	if (io.source && argc - argi > 1) {
		cli_fail("--source names one source; give one FILE with it (each file is "
			 "its own source otherwise)");
		return EXIT_USAGE;
	}
	for (i = argi; i < argc; i++)
		if (is_url(argv[i]) && io.format != LISTFMT_MISP) {
			cli_fail("%s: a URL is read only as a MISP feed (--format misp)", argv[i]);
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
		int r = is_url(argv[i]) ? import_misp_url(c, st, &l, argv[i], &io)
					: cli_import_file(c, st, &l, argv[i], &io);

		if (r == EXIT_FAIL || (r == EXIT_PARTIAL && rc == EXIT_OK))
			rc = r;
	}
	store_close(st);
	return rc;
}
