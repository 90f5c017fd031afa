/*
 * cmd_lists_pull.c -- `ispshield lists pull`: an RPZ zone fetched from a primary by IXFR
 * or AXFR with TSIG and imported into a list (src/rpz/pull.h does the work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "cli/opts.h"
#include "core/lists/listreport.h"
#include "rpz/pull.h"

static const char pull_usage[] =
	"usage: ispshield lists pull --list NAME [--tsig NAME:ALG:FILE] HOST[:PORT] ZONE\n"
	"\n"
	"Fetch the RPZ zone ZONE from the primary HOST (port 53 by default) by zone\n"
	"transfer and import it into list NAME: a SOA query first (nothing more when the\n"
	"serial has not moved), then an IXFR from the serial pulled last, or an AXFR the\n"
	"first time, with --full, or when the server answers the IXFR with the whole zone.\n"
	"Every message of the answer must carry a TSIG that verifies with the key (when one\n"
	"is given). The zone is kept as a zone copy, pull/NAME.zone beside the snapshot, and\n"
	"imported from it as source pull:ZONE through the RPZ reader of `lists import`:\n"
	"history, the shrink guard, rejected records reported as COPY:LINE (unsupported\n"
	"triggers such as rpz-nsdname and rpz-client-ip among them), then compiled, in one\n"
	"transaction: a failure changes nothing.\n";

static const char pull_tail[] =
	"RPZ records become entries as `lists import --format rpz` reads them: name CNAME .\n"
	"(the list's block), *.name (wildcard), CNAME *. (NODATA), CNAME rpz-passthru.\n"
	"(allow), rpz-drop., rpz-tcp-only., local data (A, AAAA, TXT, a CNAME target), and\n"
	"rpz-ip triggers into an ip list.\n"
	"\n"
	"Exit status: 0 pulled or already current, 2 usage, 3 pulled but records were\n"
	"rejected or skipped, 4 failed (nothing changed: the reason is printed).\n";

static const char *const kind_names[] = { "current", "AXFR", "IXFR" };

int cmd_lists_pull(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = pull_usage, .tail = pull_tail, .min_args = 2, .max_args = 2
	};
	struct rpz_pull_opts o;
	struct rpz_pull_result *r;
	char snap[CONFIG_PATH_MAX];
	const char *kind_s = NULL;
	struct store *st;
	struct isp_err err;
	int64_t timeout = 10;
	int rc, argi;
	const struct opt opts[] = {
		OPT_S("list", 'l', &o.list, "NAME", "the list (created if --kind is given)"),
		OPT_S("kind", 'k', &kind_s, "KIND",
		      "create the list with this kind: domain (the QNAME triggers) or ip (the "
		      "rpz-ip triggers)"),
		OPT_S("tsig", 0, &o.tsig, "NAME:ALG:FILE",
		      "sign the queries and verify every answer with this key: ALG "
		      "hmac-sha256 or hmac-sha512, FILE the base64 secret or a BIND key file "
		      "(readable by its owner only)"),
		OPT_I("timeout", 0, &timeout, "SECONDS",
		      "how long each step (connect, each message) may wait for the server "
		      "(default 10)"),
		OPT_F("full", 0, &o.full, "ask for the whole zone (AXFR) even when an IXFR could do"),
		OPT_K("expires", "lists.expiry", "DUR"),
		OPT_F("allow-shrink", 0, &o.import.allow_shrink,
		      "import even a zone that lost more than lists.max-shrink percent of the "
		      "list's entries from it"),
		OPT_END,
	};

	memset(&o, 0, sizeof(o));
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (!o.list)
		return opts_usage(&spec, opts);
	if (kind_s && cli_parse_kind(&o.kind, kind_s, &err) != 0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	if (timeout <= 0 || timeout > 3600) {
		cli_fail("--timeout must be 1..3600 seconds");
		return EXIT_USAGE;
	}
	config_snapshot_path(&c->cfg, snap);
	o.server = argv[argi];
	o.zone = argv[argi + 1];
	o.snapshot = snap;
	o.timeout = (int)timeout;
	o.import.max_shrink =
		(int)(c->cfg.lists_max_shrink > 100 ? 100 : c->cfg.lists_max_shrink);
	o.import.expires = c->cfg.lists_expiry ? (int64_t)time(NULL) + c->cfg.lists_expiry : 0;
	o.on_reject = cli_reject;
	r = malloc(sizeof(*r));
	st = r ? cli_create_store(c) : NULL;
	if (!st) {
		free(r);
		return EXIT_FAIL;
	}
	isp_err_clear(&err);
	rc = rpz_pull(st, &o, r, &err);
	store_close(st);
	if (rc) {
		if (r->imp.refused)
			cli_fail("%s: list %s, %s", r->copy, o.list, err.msg);
		else
			cli_fail("pull %s from %s: %s; nothing changed", o.zone, o.server, err.msg);
		free(r);
		return rc == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!c->quiet && r->kind == RPZ_PULL_CURRENT)
		fprintf(stderr, "pull %s from %s: serial %u, current (%ld records)\n", o.zone,
			o.server, (unsigned)r->serial, r->zone_records);
	else if (!c->quiet)
		fprintf(stderr,
			"pull %s from %s: %s serial %u -> %u%s, %ld messages, %ld records%s%ld "
			"differences, zone %ld records\n",
			o.zone, o.server, kind_names[r->kind], (unsigned)r->from,
			(unsigned)r->serial,
			r->ixfr_fell_back ? " (IXFR asked, the whole zone used)" : "", r->messages,
			r->records, ", ", r->diffs, r->zone_records);
	if (!c->quiet && r->kind != RPZ_PULL_CURRENT) {
		listreport_import(stderr, r->copy, o.list, &r->imp);
		listreport_compile(stderr, snap, &r->bs);
	}
	rc = r->kind != RPZ_PULL_CURRENT && (r->imp.read.rejected + r->imp.bad_values ||
					      r->imp.other_kind)
		     ? EXIT_PARTIAL
		     : EXIT_OK;
	free(r);
	return rc;
}
