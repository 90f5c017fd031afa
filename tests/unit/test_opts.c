/*
 * test_opts.c -- unit tests for the CLI's option parser (src/cli/opts.c): one table of
 * options of every kind, and vectors of argv with the values (or the exit status) they
 * must give: flags, short and long forms, -sVALUE and --long=VALUE, prefixes, numbers
 * and durations checked, configuration keys set through the key table's validation,
 * repeated list flags joined, positional argument counts, --help, unknown options.
 * Then the help printed from the same table: every option, and a key's description;
 * keys listed by name (OPT_KEYS) and required strings (OPT_SR).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"

struct vals {
	int json;
	const char *source;
	int64_t limit, expiry, even, when;
};

struct vec {
	const char *argv[10];
	int rc; /* -1: parsed, 0: help, 2: usage error */
	struct vals want;
	int64_t threads;    /* dns.threads; -1: the default */
	const char *action; /* dns.block-action; NULL: the default */
	const char *listen; /* dns.listen; NULL: the default */
	int nargs;	    /* positional arguments */
	const char *first;  /* the first of them */
};

static int parse_even(void *ptr, const char *arg, struct isp_err *err)
{
	int64_t n = strtoll(arg, NULL, 10);

	if (n % 2)
		return isp_err_set(err, ISR_EINVAL, "--even: %s is odd", arg);
	*(int64_t *)ptr = n;
	return 0;
}

static const struct opts_spec spec = {
	.usage = "usage: test [OPTIONS] [ARG [ARG]]\n",
	.tail = "Exit status: 0.\n",
	.min_args = 0,
	.max_args = 2,
};

#define A(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}
#define NOV                                                                                        \
	{                                                                                          \
		0, NULL, 0, 0, 0, 0                                                                \
	}

static const struct vec vecs[] = {
	{ A("t"), -1, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "-j", "--source", "a", "-n", "5", "--expiry", "2h"),
	  -1,
	  { 1, "a", 5, 7200, 0, 0 },
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ A("t", "-sfoo", "-n7"), -1, { 0, "foo", 7, 0, 0, 0 }, -1, NULL, NULL, 0, NULL },
	{ A("t", "--source=b", "--limit=0"), -1, { 0, "b", 0, 0, 0, 0 }, -1, NULL, NULL, 0, NULL },
	{ A("t", "--sou", "c"), -1, { 0, "c", 0, 0, 0, 0 }, -1, NULL, NULL, 0, NULL },
	{ A("t", "--source", "a", "--source", "z"),
	  -1,
	  { 0, "z", 0, 0, 0, 0 },
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ A("t", "p1", "-j", "p2"), -1, { 1, NULL, 0, 0, 0, 0 }, -1, NULL, NULL, 2, "p1" },
	{ A("t", "--", "-j"), -1, NOV, -1, NULL, NULL, 1, "-j" },
	{ A("t", "p1", "p2", "p3"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--nope"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "-x"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--source"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--json=1"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "-n", "x5"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "-n", "-3"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "-n", "5x"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--expiry", "soon"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--expiry", "30m"), -1, { 0, NULL, 0, 1800, 0, 0 }, -1, NULL, NULL, 0, NULL },
	{ A("t", "--threads", "4"), -1, NOV, 4, NULL, NULL, 0, NULL },
	{ A("t", "-t2"), -1, NOV, 2, NULL, NULL, 0, NULL },
	{ A("t", "--threads", "four"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--block-action", "walled-garden"), -1, NOV, -1, "walled-garden", NULL, 0, NULL },
	{ A("t", "--block-action", "drop"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--listen", "127.0.0.1:1"), -1, NOV, -1, NULL, "127.0.0.1:1", 0, NULL },
	{ A("t", "--listen", "127.0.0.1:1", "-j", "--listen", "[::1]:2"),
	  -1,
	  { 1, NULL, 0, 0, 0, 0 },
	  -1,
	  NULL,
	  "127.0.0.1:1, [::1]:2",
	  0,
	  NULL },
	{ A("t", "--even", "4"), -1, { 0, NULL, 0, 0, 4, 0 }, -1, NULL, NULL, 0, NULL },
	{ A("t", "--even", "3"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--now", "2026-11-22T10:45:00Z"),
	  -1,
	  { 0, NULL, 0, 0, 0, 1795344300 },
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ A("t", "--now", "1000"), -1, { 0, NULL, 0, 0, 0, 1000 }, -1, NULL, NULL, 0, NULL },
	{ A("t", "--now", "yesterday"), 2, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "--help"), 0, NOV, -1, NULL, NULL, 0, NULL },
	{ A("t", "-h", "--nope"), 0, NOV, -1, NULL, NULL, 0, NULL },
};

static void run_vec(const struct vec *v)
{
	struct vals got = { 0, NULL, 0, 0, 0, 0 };
	const struct opt o[] = {
		OPT_F("json", 'j', &got.json, "JSON output"),
		OPT_S("source", 's', &got.source, "NAME", "who sent it"),
		OPT_I("limit", 'n', &got.limit, "N", "at most N"),
		OPT_D("expiry", 0, &got.expiry, "DURATION", "lifetime"),
		OPT_KS("threads", 't', "dns.threads", "N"),
		OPT_K("block-action", "dns.block-action", "ACTION"),
		OPT_KL("listen", "dns.listen", "ADDR:PORT"),
		OPT_FN_("even", 0, parse_even, &got.even, "N", "an even number"),
		OPT_T("now", 0, &got.when, "TIME", "as if it were TIME"),
		OPT_END,
	};
	struct isp_config cfg, def;
	char *argv[10];
	int argc = 0, argi = -7, rc;

	while (v->argv[argc]) {
		argv[argc] = (char *)v->argv[argc];
		argc++;
	}
	argv[argc] = NULL;
	config_defaults(&cfg);
	config_defaults(&def);
	rc = opts_parse(&spec, o, &cfg, argc, argv, &argi);
	if (rc != v->rc)
		fail_msg("%s %s: rc %d, want %d", v->argv[1] ? v->argv[1] : "",
			 v->argv[1] && v->argv[2] ? v->argv[2] : "", rc, v->rc);
	if (rc >= 0)
		return;
	assert_int_equal(got.json, v->want.json);
	if (v->want.source)
		assert_string_equal(got.source, v->want.source);
	else
		assert_null(got.source);
	assert_int_equal(got.limit, v->want.limit);
	assert_int_equal(got.expiry, v->want.expiry);
	assert_int_equal(got.even, v->want.even);
	assert_int_equal(got.when, v->want.when);
	assert_int_equal(cfg.dns_threads, v->threads >= 0 ? v->threads : def.dns_threads);
	assert_string_equal(cfg.dns_block_action, v->action ? v->action : def.dns_block_action);
	assert_string_equal(cfg.dns_listen, v->listen ? v->listen : def.dns_listen);
	assert_int_equal(argc - argi, v->nargs);
	if (v->first)
		assert_string_equal(argv[argi], v->first);
}

static void test_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		run_vec(&vecs[i]);
}

/* A command needing arguments: too few is a usage error. */
static void test_min_args(void **state)
{
	static const struct opts_spec need = { .usage = "usage: t FILE...\n",
					       .min_args = 1,
					       .max_args = -1 };
	static const struct opt none[] = { OPT_END };
	char *a0[] = { "t", NULL }, *a3[] = { "t", "a", "b", "c", NULL };
	struct isp_config cfg;
	int argi = 0;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(opts_parse(&need, none, &cfg, 1, a0, &argi), 2);
	assert_int_equal(opts_parse(&need, none, &cfg, 4, a3, &argi), -1);
	assert_int_equal(argi, 1);
}

/* What opts_help prints for spec s and table o (malloc'd). */
static char *help_of(const struct opts_spec *s, const struct opt *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	opts_help(s, o, f);
	fclose(f);
	return buf;
}

/* The help comes from the same table: every option, its argument, its help; a key's
 * flag shows the key table's description and the key's name. */
static void test_help(void **state)
{
	int json = 0;
	const char *src = NULL;
	const struct opt o[] = {
		OPT_F("json", 'j', &json, "JSON output"),
		OPT_S("source", 's', &src, "NAME", "who sent it"),
		OPT_K("threads", "dns.threads", "N"),
		OPT_KL("listen", "dns.listen", "ADDR:PORT"),
		OPT_K("bogus", "dns.no-such-key", "X"),
		OPT_END,
	};
	char *buf, doc[64];

	(void)state;
	buf = help_of(&spec, o);
	assert_non_null(strstr(buf, "usage: test [OPTIONS]"));
	assert_non_null(strstr(buf, "\nOptions:\n"));
	assert_non_null(strstr(buf, "  -j, --json "));
	assert_non_null(strstr(buf, "  -s, --source NAME "));
	assert_non_null(strstr(buf, "who sent it"));
	assert_non_null(strstr(buf, "      --threads N "));
	assert_non_null(strstr(buf, "[dns.threads]"));
	assert_non_null(strstr(buf, "repeatable [dns.listen]"));
	assert_non_null(strstr(buf, "(no such key)"));
	assert_non_null(strstr(buf, "Exit status: 0.\n"));
	/* the first words of dns.threads' description, from the key table */
	assert_non_null(config_key_help("dns.threads"));
	snprintf(doc, sizeof(doc), "%.20s", config_key_help("dns.threads"));
	assert_non_null(strstr(buf, doc));
	assert_null(config_key_help("dns.no-such-key"));
	assert_null(config_key_help("nodot"));
	free(buf);
}

/* OPT_KEYS: keys listed by name become --NAME flags with optkeys.c's argument names
 * (a list key repeatable); a key optkeys.c does not know is the table's mistake, a usage
 * error. OPT_SR: a string the command needs; without it, a usage error. A spec's section
 * names the keys in the heading. */
static void test_keys_required(void **state)
{
	static const struct opts_spec svc = { .usage = "usage: t\n", .section = "dns" };
	const char *name = NULL;
	const struct opt o[] = {
		OPT_SR("name", 'N', &name, "NAME", "the name"),
		OPT_KEYS("dns.threads dns.listen  core.store"),
		OPT_END,
	};
	static const struct opt bad[] = { OPT_KEYS("dns.threads dns.nope"), OPT_END };
	char *a0[] = { "t", NULL };
	char *a1[] = {
		"t", "--name", "x", "--threads", "3", "--listen", "a", "--listen", "b", NULL
	};
	char *buf;
	struct isp_config cfg;
	int argi = 0;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(opts_parse(&svc, o, &cfg, 1, a0, &argi), 2);
	assert_int_equal(opts_parse(&svc, o, &cfg, 9, a1, &argi), -1);
	assert_string_equal(name, "x");
	assert_int_equal(cfg.dns_threads, 3);
	assert_string_equal(cfg.dns_listen, "a, b");
	assert_int_equal(opts_parse(&svc, bad, &cfg, 1, a0, &argi), 2);
	buf = help_of(&svc, o);
	assert_non_null(strstr(buf, "each overrides the [dns] key of the same name"));
	assert_non_null(strstr(buf, "  -N, --name NAME "));
	assert_non_null(strstr(buf, "      --threads N "));
	assert_non_null(strstr(buf, "repeatable [dns.listen]"));
	assert_non_null(strstr(buf, "      --store PATH "));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_min_args),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_keys_required),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
