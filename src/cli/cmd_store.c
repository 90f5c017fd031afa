/*
 * cmd_store.c -- `ispshield store migrate|version|prune`: the store's schema version,
 * applying the migrations a newer binary brings (SQLite file or PostgreSQL database),
 * and retention and masking (core/store/store_prune.h, core/events/evspool.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/base/jsonout.h"
#include "core/events/evspool.h"
#include "core/store/store.h"
#include "core/store/store_prune.h"

static const char store_usage[] =
	"usage: ispshield store COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  migrate   apply pending schema migrations (each in one transaction)\n"
	"  version   print the store's schema version and this binary's\n"
	"  prune     delete what is older than core.retention, mask client addresses older\n"
	"            than core.mask-after\n"
	"\n"
	"The store is core.store (or --store): a SQLite file path, or PostgreSQL as\n"
	"postgresql://USER@HOST:PORT/DB or pg:CONNINFO. A new SQLite file gets the whole\n"
	"schema when first opened; a PostgreSQL database needs `store migrate` once, and\n"
	"again after an upgrade that brings a new schema version (the other commands refuse\n"
	"an older schema until then).\n";

static const char migrate_usage[] =
	"usage: ispshield store migrate\n"
	"\n"
	"Apply the schema migrations between the store's version and this binary's, each in\n"
	"its own transaction (on PostgreSQL under an advisory lock, so two nodes migrating\n"
	"at once apply each step once). Prints FROM -> TO on standard output.\n";

static const char migrate_tail[] =
	"Exit status: 0 migrated (or nothing to do), 4 failed (the store stays at the last\n"
	"version that completed).\n";

static const char version_usage[] =
	"usage: ispshield store version [--json]\n"
	"\n"
	"Print the store's schema version, this binary's, and whether a migration is due.\n";

static const char version_tail[] =
	"Exit status: 0 the versions match, 1 the store needs `store migrate` (or is newer\n"
	"than this binary), 4 the store cannot be opened.\n";

static const char prune_usage[] =
	"usage: ispshield store prune [--dry-run] [--now TIME] [--json]\n"
	"\n"
	"Retention and masking (`ispshield run` runs this every run.prune-interval):\n"
	"  - delete, older than core.retention (default 90d): block events; notify events\n"
	"    whose notification is decided (repeat, skipped, returned, and notified once the\n"
	"    notice was sent), never those still new or held; batches left without events;\n"
	"    spool files in core.spool not written since and held by no node;\n"
	"  - cut the client addresses of block events and of decided events older than\n"
	"    core.mask-after (default 30d) to their /24 (IPv4) or /56 (IPv6), once per row\n"
	"    (the row's `masked` column records when); the events' raw rows are dropped.\n"
	"The subscribers' consent and opt-out history and the notices are never deleted.\n"
	"Work goes in batches of 5000 rows, each committed on its own, so services keep\n"
	"writing. Prints what was deleted and masked per table.\n";

static const char prune_tail[] =
	"Exit status: 0 done, 2 usage, 4 failed (what was committed before stays done).\n";

/* The store operations of the two commands: both report two schema versions. */
typedef int (*store_op)(struct store *st, int *a, int *b, struct isp_err *err);

/*
 * Parse the options, open the store whatever its schema version (with flags: migrate
 * creates a missing store, version does not), run op. Returns -1 when op ran (*a, *b
 * set), else the exit status (--help, usage, failure: printed).
 */
static int run_op(struct cli *c, int argc, char **argv, const struct opts_spec *spec,
		  const struct opt *opts, int flags, store_op op, int *a, int *b)
{
	struct store *st = NULL;
	struct isp_err err;
	int argi, rc = opts_parse(spec, opts, &c->cfg, argc, argv, &argi);

	if (rc >= 0)
		return rc;
	isp_err_clear(&err);
	rc = store_open_ex(c->cfg.store, STORE_OPEN_ANY_VERSION | flags, &st, &err);
	if (rc == 0) {
		rc = op(st, a, b, &err);
		store_close(st);
	}
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	return -1;
}

static int cmd_migrate(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = migrate_usage, .tail = migrate_tail };
	static const struct opt opts[] = { OPT_END };
	int from = 0, to = 0, rc = run_op(c, argc, argv, &spec, opts, 0, store_migrate, &from, &to);

	if (rc >= 0)
		return rc;
	printf("%d -> %d\n", from, to);
	if (!c->quiet)
		fprintf(stderr, "store: schema version %d%s\n", to,
			from == to ? " (nothing to migrate)" : "");
	return EXIT_OK;
}

static int cmd_version(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = version_usage, .tail = version_tail };
	int json = 0, have = 0, want = 0, rc;
	const struct opt opts[] = {
		OPT_F("json", 0, &json,
		      "{\"schema\": N, \"binary\": M, \"backend\": \"sqlite\"|\"postgresql\"}"),
		OPT_END,
	};

	rc = run_op(c, argc, argv, &spec, opts, STORE_OPEN_EXISTING, store_version, &have, &want);

	if (rc >= 0)
		return rc;
	if (json)
		store_version_json(stdout, c->cfg.store, have, want);
	else
		printf("schema %d, binary %d%s\n", have, want,
		       have < want   ? ": run ispshield store migrate"
		       : have > want ? ": the store is newer than this binary"
				     : "");
	return have == want ? EXIT_OK : EXIT_NOMATCH;
}

static void print_prune(const struct store_prune_opts *o, const struct store_prune_result *r,
			long spool, int json)
{
	const char *del = o->dry_run ? "to delete" : "deleted";
	const char *mask = o->dry_run ? "to mask" : "masked";

	if (json) {
		json_t *j = json_pack(
			"{s:b, s:I, s:I, s:I, s:{s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I}, s:{s:I}}",
			"dry_run", o->dry_run, "now", (json_int_t)o->now, "retention",
			(json_int_t)o->retention, "mask_after", (json_int_t)o->mask_after,
			"block_events", "deleted", (json_int_t)r->block_events_deleted, "masked",
			(json_int_t)r->block_events_masked, "events", "deleted",
			(json_int_t)r->events_deleted, "masked", (json_int_t)r->events_masked,
			"kept", (json_int_t)r->events_kept, "batches", "deleted",
			(json_int_t)r->batches_deleted, "spool_files", "deleted",
			(json_int_t)spool);

		jsonout_dumpf(j, stdout, JSON_INDENT(2));
		return;
	}
	printf("block_events: %ld %s, %ld %s\n", r->block_events_deleted, del,
	       r->block_events_masked, mask);
	printf("events: %ld %s, %ld %s, %ld older kept (not decided, or notice not sent)\n",
	       r->events_deleted, del, r->events_masked, mask, r->events_kept);
	printf("batches: %ld %s\n", r->batches_deleted, del);
	printf("spool files: %ld %s\n", spool, del);
}

static int cmd_prune(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = prune_usage, .tail = prune_tail };
	struct store_prune_opts o = { .now = (int64_t)time(NULL),
				      .retention = c->cfg.core_retention,
				      .mask_after = c->cfg.core_mask_after };
	struct store_prune_result r;
	char dir[CONFIG_PATH_MAX];
	struct store *st;
	struct isp_err err;
	long spool = 0;
	int rc, argi, json = 0;
	const struct opt opts[] = {
		OPT_F("dry-run", 0, &o.dry_run,
		      "count what would be deleted and masked, change nothing"),
		OPT_T("now", 0, &o.now, "TIME",
		      "count ages from TIME (ISO 8601 or unix seconds), not from now"),
		OPT_F("json", 0, &json,
		      "{\"block_events\": {\"deleted\": N, \"masked\": N}, \"events\": {..., "
		      "\"kept\": N}, \"batches\": {\"deleted\": N}, \"spool_files\": {...}}"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	rc = store_prune(st, &o, &r, &err);
	store_close(st);
	if (rc == 0 && o.retention > 0) {
		config_spool_dir(&c->cfg, dir);
		rc = evspool_prune(dir, o.now, o.retention, o.dry_run, &spool, &err);
	}
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	print_prune(&o, &r, spool, json);
	return EXIT_OK;
}

int cmd_store(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "migrate", cmd_migrate },
		{ "version", cmd_version },
		{ "prune", cmd_prune },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, store_usage, cmds);
}
