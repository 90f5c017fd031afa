/*
 * cmd_store.c -- `ispshield store migrate|version`: the store's schema version, and
 * applying the migrations a newer binary brings (SQLite file or PostgreSQL database).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/store/store.h"

static const char store_usage[] =
	"usage: ispshield store COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  migrate   apply pending schema migrations (each in one transaction)\n"
	"  version   print the store's schema version and this binary's\n"
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

int cmd_store(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "migrate", cmd_migrate },
		{ "version", cmd_version },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, store_usage, cmds);
}
