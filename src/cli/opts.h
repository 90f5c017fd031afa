/*
 * opts.h -- the one option parser of the subcommands. A command describes its options
 * as a table of struct opt (long name, short letter, kind, where the value goes, help)
 * and calls opts_parse(), which parses argv with getopt_long, stores each value, checks
 * the number of positional arguments, and prints --help from the same table, so that
 * what a command accepts and what its help says cannot drift apart.
 *
 * A flag that only mirrors a configuration key is an entry of kind OPT_KEY naming the
 * key ("dns.listen"): its value is set in the loaded configuration with the key table's
 * own validation (config_set), and its help text is the key's description. Where the
 * flag is --NAME of key SECTION.NAME, one entry OPT_KEYS("dns.listen dns.upstream ...")
 * stands for the flags of several keys: their argument names and whether they repeat are
 * those of the table in optkeys.c.
 */
#ifndef ISP_CLI_OPTS_H
#define ISP_CLI_OPTS_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/service/config.h"

enum opt_kind {
	OPT_FLAG,     /* no argument: *(int *)ptr = 1 */
	OPT_STR,      /* *(const char **)ptr = the argument (last one wins) */
	OPT_STR_REQ,  /* the same, and the command needs it: missing, a usage error */
	OPT_INT,      /* *(int64_t *)ptr = the argument, a whole number >= 0 */
	OPT_DURATION, /* *(int64_t *)ptr = seconds: 300, 30m, 12h, 7d (config durations) */
	OPT_TIME,     /* *(int64_t *)ptr = unix time: ISO 8601 or unix seconds; a civil
		       * time without a zone is in core.timezone (time_parse_local) */
	OPT_KEY,      /* configuration key `key` = the argument (config_set) */
	OPT_KEY_LIST, /* repeatable: the arguments, comma-joined, replace key's list */
	OPT_FN,	      /* fn(ptr, argument, err): anything else (times, addresses) */
	OPT_KEYS,     /* `key`: keys, space-separated, each an OPT_KEY or OPT_KEY_LIST
		       * entry --NAME as optkeys.c describes it */
};

struct opt {
	const char *name; /* long name without "--"; NULL ends the table */
	int shortopt;	  /* the letter of -X, or 0 */
	enum opt_kind kind;
	void *ptr;	  /* where the value goes (not for OPT_KEY*) */
	const char *key;  /* OPT_KEY, OPT_KEY_LIST: "section.key" */
	const char *arg;  /* the argument's name in the help ("ADDR:PORT"); NULL: flag */
	const char *help; /* NULL for OPT_KEY*: the key's description (+ " [section.key]") */
	int (*fn)(void *ptr, const char *arg, struct isp_err *err); /* OPT_FN */
};

/* One row of the table: every OPT_* below is this with some fields fixed. */
#define OPT_ROW(n, s, kind, p, k, a, h, f)                                                         \
	{                                                                                          \
		(n), (s), (kind), (p), (k), (a), (h), (f)                                          \
	}
#define OPT_F(n, s, p, h)	  OPT_ROW(n, s, OPT_FLAG, p, NULL, NULL, h, NULL)
#define OPT_S(n, s, p, a, h)	  OPT_ROW(n, s, OPT_STR, p, NULL, a, h, NULL)
#define OPT_SR(n, s, p, a, h)	  OPT_ROW(n, s, OPT_STR_REQ, p, NULL, a, h, NULL)
#define OPT_I(n, s, p, a, h)	  OPT_ROW(n, s, OPT_INT, p, NULL, a, h, NULL)
#define OPT_D(n, s, p, a, h)	  OPT_ROW(n, s, OPT_DURATION, p, NULL, a, h, NULL)
#define OPT_T(n, s, p, a, h)	  OPT_ROW(n, s, OPT_TIME, p, NULL, a, h, NULL)
#define OPT_K(n, k, a)		  OPT_ROW(n, 0, OPT_KEY, NULL, k, a, NULL, NULL)
#define OPT_KS(n, s, k, a)	  OPT_ROW(n, s, OPT_KEY, NULL, k, a, NULL, NULL)
#define OPT_KH(n, k, a, h)	  OPT_ROW(n, 0, OPT_KEY, NULL, k, a, h, NULL)
#define OPT_KL(n, k, a)		  OPT_ROW(n, 0, OPT_KEY_LIST, NULL, k, a, NULL, NULL)
#define OPT_KEYS(keys)		  OPT_ROW("", 0, OPT_KEYS, NULL, keys, NULL, NULL, NULL)
#define OPT_FN_(n, s, f, p, a, h) OPT_ROW(n, s, OPT_FN, p, NULL, a, h, f)
#define OPT_END			  OPT_ROW(NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL, NULL)

/* A key offered as a flag by OPT_KEYS (optkeys.c): "section.name", the argument's name
 * in the help, 1 when the flag repeats (OPT_KEY_LIST). */
struct opt_keyflag {
	const char *key, *arg;
	int list;
};
/* The entry of key (len bytes, not terminated), or NULL when optkeys.c has none. */
const struct opt_keyflag *opt_keyflag(const char *key, size_t len);

/* What a command's --help prints around its option table, and its positional arguments. */
struct opts_spec {
	const char *usage;   /* "usage: ..." line(s) and the description, ending in "\n" */
	const char *heading; /* line before the options; NULL = "Options:", "" = none */
	const char *section; /* a service's [section]: the heading says its flags override
			      * the keys of the configuration file (heading NULL) */
	const char *tail;    /* printed after the options (exit status...), or NULL */
	const char *json;    /* cli_open_json: the help of --json; NULL = "JSON instead of a
			      * table" */
	int min_args;	     /* positional arguments required */
	int max_args;	     /* at most; -1 = any number */
};

/* Parse argv[1..] by the table o (ended by OPT_END); OPT_KEY* entries change *cfg.
 * Returns -1 when the command goes on, with *argi the index of the first positional
 * argument; otherwise the exit status to return: 0 after --help (printed on stdout), 2
 * after a usage error (message and the help on stderr). */
int opts_parse(const struct opts_spec *s, const struct opt *o, struct isp_config *cfg, int argc,
	       char **argv, int *argi);

/* Print the help: s->usage, the options of o, s->tail. */
void opts_help(const struct opts_spec *s, const struct opt *o, FILE *out);

/* A usage error found after opts_parse (a required option missing, a bad argument): print
 * the help on stderr and return 2, the exit status to end with. */
int opts_usage(const struct opts_spec *s, const struct opt *o);

#endif
