/*
 * cli.h -- what the subcommands of the ispshield binary share: the parsed global
 * options and configuration, exit codes, and small helpers. The CLI only parses
 * arguments and wires core components; no logic of its own lives here.
 */
#ifndef ISP_CLI_H
#define ISP_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/service/config.h"
#include "core/base/err.h"
#include "core/store/store.h"

/* Exit codes (documented in `ispshield --help` and the README). */
enum {
	EXIT_OK = 0,	  /* success; `lists check`: something matched */
	EXIT_NOMATCH = 1, /* `lists check`: nothing blocked (no match, or allowed) */
	EXIT_USAGE = 2,	  /* bad command line or configuration */
	EXIT_PARTIAL = 3, /* done, but some input lines were rejected (see stderr) */
	EXIT_FAIL = 4,	  /* failed: nothing was changed */
};

struct cli {
	struct isp_config cfg;
	int quiet;    /* -q: no progress or summaries on stderr */
	int progress; /* stderr is a terminal and not quiet */
	/* where cfg came from, so that `run` can read it again on SIGHUP */
	const char *conf;    /* -c FILE or $ISPSHIELD_CONFIG; NULL = none */
	const char *set[64]; /* -o SECTION.KEY=VALUE, in order */
	int nset;
	const char *store, *snapshot; /* --store, --snapshot; NULL = not given */
};

/* Fill cfg from the defaults, c->conf, c->set, c->store and c->snapshot (in that
 * order). Returns 0 or ISR_EINVAL / ISR_EIO with err set. */
int cli_config_read(const struct cli *c, struct isp_config *cfg, struct isp_err *err);

/*
 * A serving command's SIGHUP reload (status, urlcheck): the configuration built again as
 * at start (cli_config_read: the file, -o, --store, --snapshot), then the command's own
 * flags parsed again over it (spec, opts, argc, argv as the command got them). Pass
 * cli_reload as the service's reload callback with a struct cli_reload as its ud.
 */
struct opts_spec;
struct opt;
struct cli_reload {
	struct cli *c;
	const struct opts_spec *spec;
	const struct opt *opts;
	int argc;
	char **argv;
};
int cli_reload(void *ud, struct isp_config *cfg, struct isp_err *err);

/* SIGINT and SIGTERM set the flag returned (0 until then): a long command (crawl, lists
 * recheck) polls it, finishes what it can and records the rest as stopped. */
volatile int *cli_stop_on_signals(void);

/* Print "ispshield: <formatted err>" to stderr. */
void cli_error(const struct isp_err *err);
/* Print "ispshield: msg" to stderr (printf-style). */
void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the configured store, which must exist (a SQLite file that does not is an error,
 * never created: a typo in --store must not yield an empty store); on failure prints
 * the error and returns NULL. For commands that read or change what a store holds. */
struct store *cli_open_store(const struct cli *c);
/* Open the configured store, creating a SQLite store (and its folder) that does not exist
 * yet. Only for the commands that put data in: imports (lists, subscribers, sessions,
 * events), lists sync, relay split, and the services (`store migrate` has its own). */
struct store *cli_create_store(const struct cli *c);

/* The start of a command that reads or changes the store: parse argv by s and o
 * (opts_parse), then open the store (cli_open_store). Returns -1 when the command goes
 * on, with *st open, *argi its first positional argument and *err cleared for its work;
 * otherwise the exit status to return (after --help, a usage error, or a store that
 * cannot be opened: printed). */
struct opts_spec;
struct opt;
int cli_open_args(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc,
		  char **argv, int *argi, struct store **st, struct isp_err *err);

/* cli_open_args for a command whose only option is --json (-j), its help s->json (or
 * "JSON instead of a table"): *json is 1 when it was given. */
int cli_open_json(struct cli *c, const struct opts_spec *s, int argc, char **argv, int *argi,
		  int *json, struct store **st, struct isp_err *err);

/* A service command (dns, proxy, rpz): parse argv by s and o, then run(&c->cfg, err)
 * until a signal stops it. Returns the exit status: EXIT_OK when it stopped, EXIT_USAGE
 * after --help, a usage error or a configuration run refuses (ISR_EINVAL, ISR_ENOTFOUND),
 * else EXIT_FAIL (the error printed). */
int cli_serve(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc, char **argv,
	      int (*run)(const struct isp_config *cfg, struct isp_err *err));
/* The same for a service that reloads its configuration on SIGHUP (status, urlcheck,
 * run): run gets cli_reload over the command's own arguments. Only ISR_EINVAL is a usage
 * error here (a missing file is a failure to serve). */
typedef int (*cli_reloading_run_fn)(const struct isp_config *cfg, config_reload_fn reload, void *ud,
				    struct isp_err *err);
int cli_serve_reload(struct cli *c, const struct opts_spec *s, const struct opt *o, int argc,
		     char **argv, cli_reloading_run_fn run);

/* A report of what the store holds, on out: a table, or JSON when json is 1. */
typedef int cli_report_fn(struct store *st, int json, FILE *out, struct isp_err *err);
/* A command that prints one report and whose only option is --json (-j): parse argv by
 * s, open the store, fn(st, json, stdout, err), close it. Returns the exit status
 * (cli_store_done's, or opts_parse's after --help or a usage error). */
int cli_report(struct cli *c, const struct opts_spec *s, int argc, char **argv, cli_report_fn *fn);

/* The end of a command that worked on the store: close st, then EXIT_OK when rc is 0,
 * else print err and return EXIT_FAIL. */
int cli_store_done(struct store *st, int rc, const struct isp_err *err);

/* Format unix time t as "2026-11-23 06:20:51" (UTC) into buf; "-" for 0. For files
 * written for machines (CSV exports), whose times are UTC by their format
 * (core/base/timefmt.h's time_fmt_utc). */
const char *cli_time(long long t, char buf[24]);

#define CLI_WHEN_MAX 32
/* Format unix time t for people: "2026-11-23 15:20:51 +0900", in core.timezone (the
 * process's zone) and always with its UTC offset; "-" for 0 (time_fmt_local). */
const char *cli_when(long long t, char buf[CLI_WHEN_MAX]);

/* Parse TIME (ISO 8601 or unix seconds; without a zone, a civil time in core.timezone:
 * time_parse_local) / a host address; print the error, return -1. */
int cli_parse_when(const char *s, int64_t *t);
struct ip_prefix;
int cli_parse_ip(const char *s, struct ip_prefix *ip);

/* When dns.opt-out is set, rewrite that file with the prefixes subscribers who opted
 * out of filtering hold now. 0 or -1 (error printed). */
int cli_write_optout(struct cli *c);

/* The OPT_FN of --smtp URL (notify run, sites notify), for &c->cfg: sets notify.smtp and
 * empties notify.maildir (one way of delivery). 0 or -1 with err set. */
int cli_set_smtp(void *cfg, const char *v, struct isp_err *err);

/* Reject callback of the readers (and the report callback of crawl and survey): prints
 * "ispshield: FILE:LINE: reason" (cli_error). */
void cli_reject(void *ud, const struct isp_err *e);

/* Open path for reading ("-" = standard input); prints the error and returns NULL. */
FILE *cli_fopen(const char *path);
void cli_fclose(FILE *f);

/*
 * The event reader's options for --format fmt_s (auto, csv, shadowserver, the old
 * scan_dns / sinkhole, or a Shadowserver report type such as event4_sinkhole_http) on
 * file name: fills *fo. The schema of events.shadowserver-schema is loaded into *schema
 * (once: pass the same pointer, NULL at first, for every file; the caller frees
 * it with ss_schema_free) when the format may need it. Returns 0, or EXIT_USAGE / EXIT_FAIL
 * after printing why (an unknown format, a schema that does not load when the format
 * is shadowserver; for auto a schema that does not load is a warning and Shadowserver
 * reports are read as generic CSV).
 */
struct evfmt_opts;
struct ss_schema;
int cli_evfmt_opts(const struct cli *c, const char *fmt_s, const char *name,
		   struct ss_schema **schema, struct evfmt_opts *fo);

/* A command or subcommand: argv[0] is its name; returns the exit status. */
typedef int cli_cmd_fn(struct cli *c, int argc, char **argv);

/* A command with subcommands: argv[1] picks one of cmds (NULL-terminated); --help and
 * no subcommand print usage. */
struct cli_cmd {
	const char *name;
	cli_cmd_fn *fn;
};
int cli_dispatch(struct cli *c, int argc, char **argv, const char *usage,
		 const struct cli_cmd *cmds);

int cmd_lists(struct cli *c, int argc, char **argv);
int cmd_dns(struct cli *c, int argc, char **argv);
int cmd_sessions(struct cli *c, int argc, char **argv);
int cmd_subscribers(struct cli *c, int argc, char **argv);
int cmd_events(struct cli *c, int argc, char **argv);
int cmd_notify(struct cli *c, int argc, char **argv);
int cmd_relay(struct cli *c, int argc, char **argv);
int cmd_sites(struct cli *c, int argc, char **argv);
int cmd_proxy(struct cli *c, int argc, char **argv);
int cmd_darknet(struct cli *c, int argc, char **argv);
int cmd_survey(struct cli *c, int argc, char **argv);
int cmd_crawl(struct cli *c, int argc, char **argv);
int cmd_authwatch(struct cli *c, int argc, char **argv);
int cmd_runall(struct cli *c, int argc, char **argv);
int cmd_store(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_urlcheck(struct cli *c, int argc, char **argv);
int cmd_rpz(struct cli *c, int argc, char **argv);

#endif
