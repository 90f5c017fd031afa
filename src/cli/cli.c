/*
 * cli.c -- the helpers the subcommands share (cli.h): configuration, errors, opening the
 * store, times for people and for files, input files, subcommand dispatch.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/base/fsutil.h"
#include "core/base/timefmt.h"
#include "core/events/evfmt.h"
#include "core/store/store.h"

static volatile int stopped;

static void on_stop(int sig)
{
	(void)sig;
	stopped = 1;
}

volatile int *cli_stop_on_signals(void)
{
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	return &stopped;
}

void cli_error(const struct isp_err *err)
{
	char buf[ISP_ERR_MSG + 512];

	fprintf(stderr, "ispshield: %s\n", isp_err_str(err, buf, sizeof(buf)));
}

void cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("ispshield: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct store *open_store(const struct cli *c, int flags)
{
	struct store *st = NULL;
	struct isp_err err;

	isp_err_clear(&err);
	if (store_open_ex(c->cfg.store, flags, &st, &err) != 0) {
		cli_error(&err);
		return NULL;
	}
	return st;
}

struct store *cli_open_store(const struct cli *c)
{
	return open_store(c, STORE_OPEN_EXISTING);
}

struct store *cli_create_store(const struct cli *c)
{
	return open_store(c, 0);
}

const char *cli_time(long long t, char buf[24])
{
	return time_fmt_utc(t, buf);
}

const char *cli_when(long long t, char buf[CLI_WHEN_MAX])
{
	return time_fmt_local(t, buf);
}

void cli_reject(void *ud, const struct isp_err *e)
{
	(void)ud;
	cli_error(e);
}

int cli_open_args(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc,
		  char **argv, int *argi, struct store **st, struct isp_err *err)
{
	int rc = opts_parse(s, o, &c->cfg, argc, argv, argi);

	if (rc >= 0)
		return rc;
	isp_err_clear(err);
	*st = cli_open_store(c);
	return *st ? -1 : EXIT_FAIL;
}

/* cli_serve and cli_serve_reload: one of run, rrun is set. A service without a reload
 * treats a missing file (ISR_ENOTFOUND) as a usage error too. */
static int serve(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc,
		 char **argv, int (*run)(const struct isp_config *cfg, struct isp_err *err),
		 cli_reloading_run_fn rrun)
{
	struct cli_reload r = { c, s, o, argc, argv };
	struct isp_err err;
	int rc, argi;

	rc = opts_parse(s, o, &c->cfg, argc, argv, &argi);
	if (rc >= 0)
		return rc;
	isp_err_clear(&err);
	if (rrun)
		rc = rrun(&c->cfg, cli_reload, &r, &err);
	else if (run)
		rc = run(&c->cfg, &err);
	else
		rc = isp_err_set(&err, ISR_EINVAL, "no service to run");
	if (rc == 0)
		return EXIT_OK;
	cli_error(&err);
	return rc == ISR_EINVAL || (run && rc == ISR_ENOTFOUND) ? EXIT_USAGE : EXIT_FAIL;
}

int cli_serve(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc, char **argv,
	      int (*run)(const struct isp_config *cfg, struct isp_err *err))
{
	return serve(c, s, o, argc, argv, run, NULL);
}

int cli_serve_reload(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc,
		     char **argv, cli_reloading_run_fn run)
{
	return serve(c, s, o, argc, argv, NULL, run);
}

int cli_open_json(struct cli *c, const struct opts_spec *s, int argc, char **argv, int *argi,
		  int *json, struct store **st, struct isp_err *err)
{
	const struct opt opts[] = {
		OPT_F("json", 'j', json, s->json ? s->json : "JSON instead of a table"),
		OPT_END,
	};

	*json = 0;
	return cli_open_args(c, s, opts, argc, argv, argi, st, err);
}

int cli_report(struct cli *c, const struct opts_spec *s, int argc, char **argv, cli_report_fn *fn)
{
	struct isp_err err;
	struct store *st;
	int json, rc, argi;

	rc = cli_open_json(c, s, argc, argv, &argi, &json, &st, &err);
	if (rc >= 0)
		return rc;
	return cli_store_done(st, fn(st, json, stdout, &err), &err);
}

int cli_store_done(struct store *st, int rc, const struct isp_err *err)
{
	store_close(st);
	if (rc) {
		cli_error(err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

FILE *cli_fopen(const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdin;
	f = fopen(path, "rb");
	if (!f)
		cli_fail("%s: %s", path, strerror(errno));
	return f;
}

/*
 * The schema file: events.shadowserver-schema; when it is the default (relative) path and
 * not there (the command runs elsewhere than the source tree), the copy beside the
 * binary: BINDIR/../share/ispshield/shadowserver/ (installed) or BINDIR/../data/shadowserver/
 * (a build folder in the source tree). Into out[size]; "" when the key is empty.
 */
static void schema_path(const struct cli *c, char *out, size_t size)
{
	static const char *const beside[] = { "/../share/ispshield/shadowserver/schema.json",
					      "/../data/shadowserver/schema.json" };
	const char *path = c->cfg.events_shadowserver_schema;
	char exe[CONFIG_PATH_MAX];
	ssize_t n;
	size_t i;

	snprintf(out, size, "%s", path);
	if (!*path || path[0] == '/' || access(path, R_OK) == 0 ||
	    strcmp(path, ISP_SS_SCHEMA_DEFAULT) != 0)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	for (i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		snprintf(out, size, "%s%s", exe, beside[i]);
		if (access(out, R_OK) == 0)
			return;
	}
	snprintf(out, size, "%s", path);
}

int cli_evfmt_opts(const struct cli *c, const char *fmt_s, const char *name,
		   struct ss_schema **schema, struct evfmt_opts *fo)
{
	char path[CONFIG_PATH_MAX + 64];
	struct isp_err err;
	int fmt = evfmt_parse_name(fmt_s);
	int report = fmt < 0;

	memset(fo, 0, sizeof(*fo));
	fo->filename = name;
	schema_path(c, path, sizeof(path));
	if (fmt != EVFMT_CSV && !*schema && *path) {
		isp_err_clear(&err);
		*schema = ss_schema_load(path, cli_reject, NULL, &err);
		if (!*schema) {
			/* fail closed: a Shadowserver report read as generic CSV would tell the
			 * subscriber the wrong thing */
			cli_error(&err);
			cli_fail("events.shadowserver-schema: needed to tell Shadowserver reports "
				 "from other lists (set it, or --format csv)");
			return EXIT_FAIL;
		}
	}
	if (report) {
		if (!ss_schema_find(*schema, fmt_s)) {
			cli_fail(
				"--format %s: expected auto, csv, shadowserver or a report type of "
				"the Shadowserver schema (%s)",
				fmt_s, *path ? path : "events.shadowserver-schema is empty");
			return EXIT_USAGE;
		}
		fmt = EVFMT_SHADOWSERVER;
		fo->report = fmt_s;
	} else if (fmt == EVFMT_SHADOWSERVER && ss_schema_find(*schema, fmt_s)) {
		fo->report = fmt_s; /* scan_dns, event4_sinkhole, ...: that report type */
	}
	fo->format = (enum ev_format)fmt;
	fo->schema = *schema;
	return 0;
}

void cli_fclose(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

int cli_dispatch(struct cli *c, int argc, char **argv, const char *usage,
		 const struct cli_cmd *cmds)
{
	const struct cli_cmd *k;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (k = cmds; k->name; k++)
		if (strcmp(k->name, argv[1]) == 0)
			return k->fn(c, argc - 1, argv + 1);
	cli_fail("unknown %s command '%s' (see ispshield %s --help)", argv[0], argv[1], argv[0]);
	return EXIT_USAGE;
}

int cli_reload(void *ud, struct isp_config *cfg, struct isp_err *err)
{
	struct cli_reload *r = ud;
	int rc = cli_config_read(r->c, cfg, err), argi;

	if (rc)
		return rc;
	if (opts_parse(r->spec, r->opts, cfg, r->argc, r->argv, &argi) >= 0)
		return isp_err_set(err, ISR_EINVAL, "the command line no longer applies");
	return 0;
}

int cli_config_read(const struct cli *c, struct isp_config *cfg, struct isp_err *err)
{
	int i, rc;

	config_defaults(cfg);
	if (c->conf && *c->conf && (rc = config_load(cfg, c->conf, err)) != 0)
		return rc;
	for (i = 0; i < c->nset; i++) {
		const char *eq = strchr(c->set[i], '=');
		char key[128];

		if (!eq || (size_t)(eq - c->set[i]) >= sizeof(key))
			return isp_err_set(err, ISR_EINVAL, "-o %s: expected SECTION.KEY=VALUE",
					   c->set[i]);
		memcpy(key, c->set[i], (size_t)(eq - c->set[i]));
		key[eq - c->set[i]] = '\0';
		if ((rc = config_set(cfg, key, eq + 1, err)) != 0)
			return rc;
	}
	if (c->store && (rc = config_set(cfg, "core.store", c->store, err)) != 0)
		return rc;
	if (c->snapshot && (rc = config_set(cfg, "core.snapshot", c->snapshot, err)) != 0)
		return rc;
	fs_set_private_group(-1);
	if (cfg->store_group[0]) {
		struct group *g = getgrnam(cfg->store_group);

		if (!g)
			return isp_err_set(err, ISR_EINVAL, "core.store-group: no group '%s'",
					   cfg->store_group);
		fs_set_private_group((long)g->gr_gid);
	}
	return 0;
}

int cli_set_smtp(void *cfg, const char *v, struct isp_err *err)
{
	struct isp_config *c = cfg;

	if (config_set(c, "notify.smtp", v, err) != 0)
		return -1;
	c->notify_maildir[0] = '\0';
	return 0;
}
