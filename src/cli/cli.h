/*
 * cli.h -- what the subcommands of the ispshield binary share: the parsed global
 * options and configuration, exit codes, and small helpers. The CLI only parses
 * arguments and wires core components; no logic of its own lives here.
 */
#ifndef ISP_CLI_H
#define ISP_CLI_H

#include <stdio.h>

#include "core/config.h"
#include "core/err.h"
#include "core/store.h"

/* Exit codes (documented in `ispshield --help` and the README). */
enum {
	EXIT_OK = 0,	  /* success; `lists check`: something matched */
	EXIT_NOMATCH = 1, /* `lists check`: nothing matched */
	EXIT_USAGE = 2,	  /* bad command line or configuration */
	EXIT_PARTIAL = 3, /* done, but some input lines were rejected (see stderr) */
	EXIT_FAIL = 4,	  /* failed: nothing was changed */
};

struct cli {
	struct isp_config cfg;
	int quiet;    /* -q: no progress or summaries on stderr */
	int progress; /* stderr is a terminal and not quiet */
};

/* Print "ispshield: <formatted err>" to stderr. */
void cli_error(const struct isp_err *err);
/* Print "ispshield: msg" to stderr (printf-style). */
void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the configured store; on failure prints the error and returns NULL. */
struct store *cli_open_store(const struct cli *c);

/* Format unix time t as "2026-11-23 06:20:51" (UTC) into buf (20 bytes); "-" for 0. */
const char *cli_time(long long t, char buf[24]);

int cmd_lists(struct cli *c, int argc, char **argv);
int cmd_dns(struct cli *c, int argc, char **argv);
int cmd_darknet(struct cli *c, int argc, char **argv);

#endif
