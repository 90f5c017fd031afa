/*
 * cmd_authwatch.c -- `ispshield authwatch`: the arguments of the watcher and of
 * `suspend-list`, `suspended` and `release`, wired to src/authwatch (parsing, detection,
 * the runtime that records detections and suspensions, the suspend list).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "authwatch/authwatch.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/net/prefixset.h"
#include "core/store/store.h"
#include "core/store/store_authwatch.h"

static const char authwatch_usage[] =
	"usage: ispshield authwatch [OPTIONS] FILE...\n"
	"       ispshield authwatch suspend-list [--format users|list] [--out FILE]\n"
	"       ispshield authwatch suspended [--all] [--json]\n"
	"       ispshield authwatch release USER...\n"
	"\n"
	"Watch authentication logs for stolen credentials: brute force on one account,\n"
	"password spraying from one source or network, credential-stuffing waves, one\n"
	"account used from many sources, concurrently (RADIUS accounting) or from outside\n"
	"the access network, SMTP AUTH abuse. Prints one detection a line, records each as a\n"
	"credential-abuse event for `ispshield notify` and puts the accounts of the types in\n"
	"authwatch.suspend on the suspend list.\n";

static const char authwatch_tail[] =
	"suspend-list writes the suspended accounts for FREERADIUS: --format users (default)\n"
	"gives rlm_files entries rejecting each account (include it first in\n"
	"mods-config/files/authorize), --format list one account a line. release takes an\n"
	"account off the list (after the subscriber changed the password).\n"
	"\n"
	"Several files (mail.log.1 mail.log, in any order) are merged by time. Times without a\n"
	"zone (syslog) are in core.timezone (default: the system's zone); detections print\n"
	"UTC.\n"
	"\n"
	"Bad lines (cut short, binary, unknown format) are reported as FILE:LINE: reason (the\n"
	"first 10 per file) and counted, as are times going backwards. Exit status: 0 done,\n"
	"2 usage, 3 done but some lines were rejected, 4 a file or the store failed.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void report(void *ud, const struct isp_err *e)
{
	(void)ud;
	cli_error(e);
}

static struct store *open_store(void *ud)
{
	return cli_create_store(ud);
}

struct accts {
	const char *v[16];
	int n;
};

static int add_acct(void *ptr, const char *v, struct isp_err *err)
{
	struct accts *a = ptr;

	if (a->n == 16)
		return isp_err_set(err, ISR_EINVAL, "authwatch: at most 16 --acct files");
	a->v[a->n++] = v;
	return 0;
}

static const struct opts_spec watch_spec = { .usage = authwatch_usage,
					     .tail = authwatch_tail,
					     .max_args = -1 };

static int watch(struct cli *c, int argc, char **argv)
{
	struct aw_run_opts o;
	struct aw_conf conf;
	struct aw_run *r;
	struct prefixset *own = NULL;
	struct accts acct = { { NULL }, 0 };
	const char *state_opt = NULL;
	char state[CONFIG_PATH_MAX];
	struct isp_err err;
	int64_t idle = 0;
	int i, rc, argi;
	const struct opt opts[] = {
		OPT_KEYS("authwatch.format"),
		OPT_FN_("acct", 0, add_acct, &acct, "FILE",
			"RADIUS accounting (FreeRADIUS detail, CSV) for concurrent sessions of one "
			"User-Name (repeatable; read whole, not followed)"),
		OPT_KEYS("authwatch.own"),
		OPT_F("json", 0, &o.json, "one JSON object a line"),
		OPT_F("follow", 'f', &o.follow,
		      "follow the files as they grow and rotate; the position is kept in the "
		      "state file, so a restart neither loses nor repeats lines"),
		OPT_S("state-file", 0, &state_opt, "FILE", "(-f) where positions are kept"),
		OPT_I("idle-exit", 0, &idle, "SECONDS",
		      "(-f) stop after this long without a new line (scripts, tests)"),
		OPT_F("dry-run", 0, &o.dry,
		      "print detections, change nothing on disk (no events, no suspensions, no "
		      "positions in the state file)"),
		OPT_END,
	};

	memset(&o, 0, sizeof(o));
	if ((rc = opts_parse(&watch_spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	o.idle_exit = (long)idle;
	if (argc - argi < 1 && acct.n == 0) {
		cli_fail("authwatch: give log files (or --acct files)");
		return opts_usage(&watch_spec, opts);
	}
	isp_err_clear(&err);
	if (aw_run_settings(&c->cfg, &conf, &o, &own, &err) != 0) {
		cli_error(&err);
		prefixset_free(own);
		return EXIT_USAGE;
	}
	aw_state_path(&c->cfg, state_opt, state);
	o.state = state;
	o.stop = &stop_flag;
	o.progress = c->progress;
	o.report = report;
	o.open_store = open_store;
	o.ud = c;
	r = aw_run_new(&conf, &o, acct.n > 0);
	if (!r) {
		cli_fail("authwatch: out of memory");
		prefixset_free(own);
		return EXIT_FAIL;
	}
	for (i = 0; i < acct.n; i++) {
		FILE *f = cli_fopen(acct.v[i]);

		if (!f || aw_run_acct(r, f, acct.v[i]) != 0)
			rc = EXIT_FAIL;
		cli_fclose(f);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (aw_run_files(r, argc - argi, argv + argi) != 0)
		rc = EXIT_FAIL;
	if (!c->quiet)
		aw_run_summary(r, stderr);
	if (rc == EXIT_OK && aw_run_partial(r))
		rc = EXIT_PARTIAL;
	aw_run_free(r);
	prefixset_free(own);
	return rc;
}

static int parse_listfmt(void *ptr, const char *v, struct isp_err *err)
{
	if (strcmp(v, "users") != 0 && strcmp(v, "list") != 0)
		return isp_err_set(err, ISR_EINVAL,
				   "authwatch suspend-list: --format users or list");
	*(int *)ptr = strcmp(v, "users") == 0;
	return 0;
}

static int suspend_list(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = "usage: ispshield authwatch suspend-list [--format users|list] [--out "
			 "FILE]\n"
			 "\n"
			 "Write the suspended accounts for FreeRADIUS.\n",
	};
	struct store *st;
	struct isp_err err;
	const char *out = NULL;
	int rc, users = 1, argi;
	long n = 0;
	const struct opt opts[] = {
		OPT_FN_("format", 0, parse_listfmt, &users, "users|list",
			"users (default): rlm_files entries rejecting each account (include it "
			"first in mods-config/files/authorize); list: one account a line"),
		OPT_S("out", 0, &out, "FILE", "write there, atomically (default: standard output)"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	if ((rc = cli_store_done(st, aw_suspend_list(st, out, users, &n, &err), &err)) != EXIT_OK)
		return rc;
	if (!c->quiet)
		fprintf(stderr, "authwatch: %ld accounts suspended\n", n);
	return EXIT_OK;
}

static int suspended(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = "usage: ispshield authwatch suspended [--all] [--json]\n"
			 "\n"
			 "List the accounts on the suspend list.\n",
	};
	struct store *st;
	struct isp_err err;
	int all = 0, json = 0, rc, argi;
	const struct opt opts[] = {
		OPT_F("all", 0, &all, "also the accounts released since"),
		OPT_F("json", 0, &json, "JSON instead of a table"),
		OPT_END,
	};

	if ((rc = cli_open_args(c, &spec, opts, argc, argv, &argi, &st, &err)) >= 0)
		return rc;
	return cli_store_done(st, aw_suspended(st, all, json, stdout, &err), &err);
}

static int release(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = "usage: ispshield authwatch release USER...\n"
			 "\n"
			 "Take accounts off the suspend list (after the subscriber changed the "
			 "password).\n",
		.min_args = 1,
		.max_args = -1,
	};
	static const struct opt opts[] = { OPT_END };
	struct store *st;
	struct isp_err err;
	int i, rc, argi;

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	for (i = argi; i < argc; i++) {
		isp_err_clear(&err);
		if (store_release(st, argv[i], 0, &err) != 0) {
			cli_error(&err);
			rc = EXIT_FAIL;
		} else if (!c->quiet) {
			fprintf(stderr, "authwatch: %s released\n", argv[i]);
		}
	}
	store_close(st);
	return rc;
}

int cmd_authwatch(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "suspend-list") == 0)
		return suspend_list(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "suspended") == 0)
		return suspended(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "release") == 0)
		return release(c, argc - 1, argv + 1);
	if (argc < 2) {
		fputs(authwatch_usage, stderr);
		return EXIT_USAGE;
	}
	return watch(c, argc, argv);
}
