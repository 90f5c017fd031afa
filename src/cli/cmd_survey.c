/*
 * cmd_survey.c -- `ispshield survey`: the options (most mirror the [survey] key of the
 * same name: opts.h, OPT_K) wired to src/survey's survey_run, which builds the scope and targets, scans and
 * probes, and writes the findings.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/events/cause.h"
#include "core/base/siphash.h"
#include "survey/survey.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

static const char survey_usage[] =
	"usage: ispshield survey --authorised CIDR,... [OPTIONS] [TARGET-CIDR...]\n"
	"\n"
	"Survey the ISP's own ranges for open resolvers (DNS probe), router admin pages\n"
	"reachable from the internet (HTTP probe + fingerprint file) and open proxies\n"
	"(CONNECT and absolute-form GET to the operator's test server). Targets default to\n"
	"the authorised prefixes; a target outside them is refused before any packet is\n"
	"built. The DNS scan needs CAP_NET_RAW (raw sockets).\n";

static const char survey_tail[] =
	"Exit status: 0 done, 2 usage, 3 done but a target was refused (outside the\n"
	"authorised prefixes), 4 failed.\n";

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_start(void *ud)
{
	(void)ud;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

static const struct opts_spec survey_spec = {
	.usage = survey_usage,
	.tail = survey_tail,
	.max_args = -1,
};

int cmd_survey(struct cli *c, int argc, char **argv)
{
	static const int exit_of[] = { EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAIL };
	struct survey_run_opts o;
	int rc, argi;

	memset(&o, 0, sizeof(o));
	{
		const struct opt opts[] = {
			OPT_KEYS("survey.authorised"),
			OPT_KH("authorized", "survey.authorised", "CIDR,...",
			       "same as --authorised"),
			OPT_KEYS("survey.exclude survey.probe survey.rate survey.probe-zone "
				 "survey.expect-a survey.serve-zone survey.contact survey.source "
				 "survey.retries survey.cooldown-ms survey.http-ports "
				 "survey.proxy-ports survey.proxy-test survey.proxy-expect "
				 "survey.fingerprints survey.timeout-ms survey.state"),
			OPT_F("resume", 0, &o.resume, "continue the DNS scan saved in --state"),
			OPT_S("out", 0, &o.out, "FILE",
			      "findings as CSV (JSON when FILE ends in .json); default stdout"),
			OPT_F("json", 0, &o.json, "JSON on stdout"),
			OPT_S("store", 0, &o.store_path, "PATH",
			      "record findings as events (open-resolver, vulnerable-router, "
			      "open-proxy) for `ispshield notify`"),
			OPT_END,
		};

		if ((rc = opts_parse(&survey_spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
			return rc;
	}
	o.quiet = c->quiet;
	o.progress = c->progress;
	o.report = cli_reject;
	o.on_start = on_start;
	o.stop = &stop_flag;
	return exit_of[survey_run(&c->cfg, &o, argv + argi, argc - argi)];
}
