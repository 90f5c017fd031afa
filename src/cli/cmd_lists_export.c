/*
 * cmd_lists_export.c -- `ispshield lists export`: write a list for other tools: an RPZ
 * zone for BIND 9 and Unbound, a plain list, a hosts file, or CSV (which `lists import
 * --format csv` reads back). The writers are core/lists/listexport.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/cmd_lists.h"
#include "core/base/fsutil.h"
#include "core/lists/listexport.h"
#include "core/net/domain.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

static const char export_usage[] =
	"usage: ispshield lists export --list NAME --format FORMAT [--origin ZONE] [--out FILE]\n"
	"\n"
	"Write the live entries of list NAME (one line per distinct value).\n";

static const char export_tail[] =
	"Formats:\n"
	"  rpz      RPZ zone (domain and ip lists): name CNAME ., *.name CNAME ., each\n"
	"           entry's RPZ action written back (CNAME *., rpz-passthru., rpz-drop.,\n"
	"           rpz-tcp-only., local data records), addresses as rpz-ip triggers;\n"
	"           loads in BIND 9 and Unbound\n"
	"  domains  one value a line (any kind; allow entries left out)\n"
	"  hosts    0.0.0.0 name (domain lists; *.name and allow entries cannot be\n"
	"           expressed and are left out)\n"
	"  csv      value,action,first_seen,last_seen,expires,category,reference,source\n"
	"           (read back by import --format csv)\n"
	"  stix     STIX 2.1 bundle, one indicator per entry (any kind): pattern\n"
	"           [domain-name:value = 'V'] (url, ipv4-addr, ipv6-addr), name = category,\n"
	"           valid_from = first seen, valid_until = expiry, ids stable from one\n"
	"           export to the next; *.name, allow and local-data entries left out\n"
	"           (read back by import --format stix)\n"
	"\n"
	"The allowlist (`lists allow`) applies as at compile: in rpz, every active allow of\n"
	"the list's kind is written as CNAME rpz-passthru. and so is each entry an allow\n"
	"covers (a resolver prefers the more specific trigger, so bad.example CNAME . would\n"
	"beat *.example CNAME rpz-passthru.); domains, hosts and stix leave covered entries\n"
	"out;\n"
	"csv writes the list as stored.\n";

int cmd_lists_export(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = export_usage,
					       .tail = export_tail,
					       .heading = "" };
	const char *list = NULL, *fmt_s = NULL, *origin = c->cfg.lists_rpz_origin, *out = NULL;
	char zone[DOMAIN_BUFSZ];
	struct listexport_opts xo = { .zone = zone,
				      .ttl = c->cfg.lists_rpz_ttl,
				      .now = (int64_t)time(NULL) };
	struct listexport_stats xs;
	struct fs_atomic at;
	struct store_list l;
	struct store *st;
	struct isp_err err;
	int rc, argi, fmt;
	const struct opt opts[] = {
		OPT_S("list", 'l', &list, "NAME", "the list"),
		OPT_S("format", 'f', &fmt_s, "FORMAT", "rpz, domains, hosts, csv or stix (below)"),
		OPT_K("origin", "lists.rpz-origin", "ZONE"),
		OPT_S("out", 'o', &out, "FILE",
		      "write to FILE (atomically) instead of standard output"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	fmt = listexport_format(fmt_s);
	if (!list || fmt < 0) {
		if (fmt_s && fmt < 0)
			cli_fail("--format %s: expected rpz, domains, hosts, csv or stix", fmt_s);
		return opts_usage(&spec, opts);
	}
	xo.fmt = (enum listexport_fmt)fmt;
	isp_err_clear(&err);
	if (domain_normalise(origin, strlen(origin), zone, &err) < 0) {
		cli_fail("--origin %s: %s", origin, err.msg);
		return EXIT_USAGE;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	if (store_list_get(st, list, LIST_KIND_NONE, 0, &l, &err) != 0) {
		cli_error(&err);
		store_close(st);
		return EXIT_USAGE;
	}
	if (!listexport_fits(xo.fmt, l.kind)) {
		cli_fail("list %s holds %s entries, which format %s cannot express", l.name,
			 list_kind_name(l.kind), fmt_s);
		store_close(st);
		return EXIT_USAGE;
	}
	if (out && (rc = fs_atomic_open(&at, out, 0666, &err)) != 0)
		return cli_store_done(st, rc, &err);
	rc = listexport_write(st, &l, &xo, out ? at.f : stdout, &xs, &err);
	if (out && rc)
		fs_atomic_abort(&at);
	else if (out)
		rc = fs_atomic_commit(&at, &err);
	else if (fflush(stdout) != 0)
		rc = isp_err_set(&err, ISR_EIO, "standard output: %s", strerror(errno));
	if (rc)
		cli_error(&err);
	if (!c->quiet)
		listexport_summary(stderr, &l, &xo, &xs);
	store_close(st);
	return rc ? EXIT_FAIL : EXIT_OK;
}
