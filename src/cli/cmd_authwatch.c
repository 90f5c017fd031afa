/*
 * cmd_authwatch.c -- `ispshield authwatch`: the arguments of the watcher and of
 * `suspend-list`, `suspended` and `release`, wired to src/authwatch (parsing, detection,
 * the runtime that records detections and suspensions, the suspend list).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authwatch/authwatch.h"
#include "cli/cli.h"
#include "core/events/cause.h"
#include "core/net/prefixset.h"
#include "core/sessions/sessfmt.h"
#include "core/store/store.h"
#include "core/store/store_authwatch.h"
#include "core/store/store_notify.h"

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
	"authwatch.suspend on the suspend list.\n"
	"\n"
	"Options (each overrides the [authwatch] key of the same name):\n"
	"  --format FMT        radius (radius.log, linelog), postfix, dovecot, json, auto\n"
	"                      (default; the first line of each file decides)\n"
	"  --acct FILE         RADIUS accounting (FreeRADIUS detail, CSV) for concurrent\n"
	"                      sessions of one User-Name (repeatable; read whole, not followed)\n"
	"  --own PREFIX,...    the ISP's access network (logins from outside are detections)\n"
	"  --json              one JSON object a line\n"
	"  -f, --follow        follow the files as they grow and rotate; the position is kept\n"
	"                      in the state file, so a restart neither loses nor repeats lines\n"
	"  --state-file FILE   (-f) where positions are kept\n"
	"  --idle-exit SECONDS (-f) stop after this long without a new line (scripts, tests)\n"
	"  --dry-run           print detections, change nothing on disk (no events, no\n"
	"                      suspensions, no positions in the state file)\n"
	"\n"
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

/* The settings from the keys (options already applied), the own network into *own.
 * 0 or -1 (reported). */
static int settings(struct cli *c, struct aw_conf *conf, struct aw_run_opts *o,
		    struct prefixset **own)
{
	struct isp_err err;
	int fmt = aw_format_parse(c->cfg.authwatch_format);

	isp_err_clear(&err);
	if (fmt < 0) {
		cli_fail("authwatch: unknown format '%s' (radius, postfix, dovecot, json, auto)",
			 c->cfg.authwatch_format);
		return -1;
	}
	o->format = (enum aw_format)fmt;
	if (aw_conf_from_config(&c->cfg, conf, &o->suspend_types, &err) != 0) {
		cli_error(&err);
		return -1;
	}
	if (prefixset_parse(c->cfg.authwatch_own, own, &err) != 0) {
		cli_fail("authwatch: own: %s", err.msg);
		return -1;
	}
	conf->own = *own;
	return 0;
}

static int watch(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 256, O_ACCT, O_OWN, O_JSON, O_DRY, O_STATE, O_IDLE };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "acct", required_argument, NULL, O_ACCT },
		{ "own", required_argument, NULL, O_OWN },
		{ "json", no_argument, NULL, O_JSON },
		{ "follow", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "state-file", required_argument, NULL, O_STATE },
		{ "idle-exit", required_argument, NULL, O_IDLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct aw_run_opts o;
	struct aw_conf conf;
	struct aw_run *r;
	struct prefixset *own = NULL;
	struct isp_err err;
	const char *acct[16], *state_opt = NULL;
	char state[CONFIG_PATH_MAX];
	int nacct = 0, ch, i, rc = EXIT_OK;

	memset(&o, 0, sizeof(o));
	isp_err_clear(&err);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		const char *key = NULL;

		switch (ch) {
		case O_FORMAT: key = "authwatch.format"; break;
		case O_OWN: key = "authwatch.own"; break;
		case O_ACCT:
			if (nacct == 16) {
				cli_fail("authwatch: at most 16 --acct files");
				return EXIT_USAGE;
			}
			acct[nacct++] = optarg;
			break;
		case O_JSON: o.json = 1; break;
		case 'f': o.follow = 1; break;
		case O_DRY: o.dry = 1; break;
		case O_STATE: state_opt = optarg; break;
		case O_IDLE: o.idle_exit = atol(optarg); break;
		case 'h': fputs(authwatch_usage, stdout); return EXIT_OK;
		default: fputs(authwatch_usage, stderr); return EXIT_USAGE;
		}
		if (key && config_set(&c->cfg, key, optarg, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 1 && nacct == 0) {
		cli_fail("authwatch: give log files (or --acct files)");
		fputs(authwatch_usage, stderr);
		return EXIT_USAGE;
	}
	if (settings(c, &conf, &o, &own) != 0) {
		prefixset_free(own);
		return EXIT_USAGE;
	}
	aw_state_path(&c->cfg, state_opt, state);
	o.state = state;
	o.stop = &stop_flag;
	o.progress = c->progress;
	o.clock_skew = c->cfg.sessions_clock_skew;
	o.report = report;
	o.open_store = open_store;
	o.ud = c;
	r = aw_run_new(&conf, &o, nacct > 0);
	if (!r) {
		cli_fail("authwatch: out of memory");
		prefixset_free(own);
		return EXIT_FAIL;
	}
	for (i = 0; i < nacct; i++) {
		FILE *f = cli_fopen(acct[i]);

		if (!f || aw_run_acct(r, f, acct[i]) != 0)
			rc = EXIT_FAIL;
		cli_fclose(f);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (aw_run_files(r, argc - optind, argv + optind) != 0)
		rc = EXIT_FAIL;
	if (!c->quiet)
		aw_run_summary(r, stderr);
	if (rc == EXIT_OK && aw_run_partial(r))
		rc = EXIT_PARTIAL;
	aw_run_free(r);
	prefixset_free(own);
	return rc;
}

static int suspend_list(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 256, O_OUT };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "out", required_argument, NULL, O_OUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st;
	struct isp_err err;
	const char *out = NULL;
	int ch, rc, users = 1;
	long n = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case O_FORMAT:
			if (strcmp(optarg, "users") != 0 && strcmp(optarg, "list") != 0) {
				cli_fail("authwatch suspend-list: --format users or list");
				return EXIT_USAGE;
			}
			users = strcmp(optarg, "users") == 0;
			break;
		case O_OUT: out = optarg; break;
		case 'h': fputs(authwatch_usage, stdout); return EXIT_OK;
		default: fputs(authwatch_usage, stderr); return EXIT_USAGE;
		}
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	rc = aw_suspend_list(st, out, users, &n, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "authwatch: %ld accounts suspended\n", n);
	return EXIT_OK;
}

static int suspended(struct cli *c, int argc, char **argv)
{
	struct store *st;
	struct isp_err err;
	int i, all = 0, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) {
			all = 1;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else {
			fputs(authwatch_usage, strcmp(argv[i], "--help") ? stderr : stdout);
			return strcmp(argv[i], "--help") ? EXIT_USAGE : EXIT_OK;
		}
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	rc = aw_suspended(st, all, json, stdout, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int release(struct cli *c, int argc, char **argv)
{
	struct store *st;
	struct isp_err err;
	int i, rc = EXIT_OK;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(authwatch_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	for (i = 1; i < argc; i++) {
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
