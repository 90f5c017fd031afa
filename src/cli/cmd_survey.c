/*
 * cmd_survey.c -- `ispshield survey`: the options (each sets the [survey] key of the same
 * name) wired to src/survey's survey_run, which builds the scope and targets, scans and
 * probes, and writes the findings.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
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
	"built. The DNS scan needs CAP_NET_RAW (raw sockets).\n"
	"\n"
	"Options (each overrides the [survey] key of the same name; see etc/ispshield.conf):\n"
	"  --authorised CIDR,...  the only prefixes that may be probed (required)\n"
	"  --exclude FILE         prefixes never probed, one a line\n"
	"  --probe dns,http,proxy probes to run\n"
	"  --rate PPS             DNS probes per second (0 = unlimited)\n"
	"  --probe-zone NAME      the zone the probes ask in (operator-controlled)\n"
	"  --expect-a ADDR        the zone's answer for every probe name\n"
	"  --serve-zone ADDR:PORT serve the probe zone here and detect forwarders\n"
	"  --contact TEXT         who is scanning (HTTP User-Agent)\n"
	"  --source ADDR          source address of the DNS probes\n"
	"  --retries N            extra DNS passes over targets that did not answer\n"
	"  --cooldown-ms MS       wait for replies after each pass\n"
	"  --http-ports P,...     --proxy-ports P,...  --proxy-test HOST:PORT\n"
	"  --proxy-expect TEXT    --fingerprints FILE  --timeout-ms MS\n"
	"  --state FILE           save the resumable state there; --resume continues it\n"
	"  --out FILE             findings as CSV (JSON when FILE ends in .json); default stdout\n"
	"  --json                 JSON on stdout\n"
	"  --store PATH           record findings as events (open-resolver, vulnerable-router,\n"
	"                         open-proxy) for `ispshield notify`\n"
	"\n"
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

static void report(void *ud, const struct isp_err *e)
{
	(void)ud;
	cli_error(e);
}

int cmd_survey(struct cli *c, int argc, char **argv)
{
	enum {
		O_AUTH = 256,
		O_EXCL,
		O_PROBE,
		O_RATE,
		O_ZONE,
		O_EXPECT,
		O_SERVE,
		O_CONTACT,
		O_SOURCE,
		O_RETRIES,
		O_COOL,
		O_HPORTS,
		O_PPORTS,
		O_PTEST,
		O_PEXPECT,
		O_FP,
		O_TIMEOUT,
		O_STATE,
		O_RESUME,
		O_OUT,
		O_JSON,
		O_STORE,
	};
	static const struct option opts[] = {
		{ "authorised", required_argument, NULL, O_AUTH },
		{ "authorized", required_argument, NULL, O_AUTH },
		{ "exclude", required_argument, NULL, O_EXCL },
		{ "probe", required_argument, NULL, O_PROBE },
		{ "rate", required_argument, NULL, O_RATE },
		{ "probe-zone", required_argument, NULL, O_ZONE },
		{ "expect-a", required_argument, NULL, O_EXPECT },
		{ "serve-zone", required_argument, NULL, O_SERVE },
		{ "contact", required_argument, NULL, O_CONTACT },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "cooldown-ms", required_argument, NULL, O_COOL },
		{ "http-ports", required_argument, NULL, O_HPORTS },
		{ "proxy-ports", required_argument, NULL, O_PPORTS },
		{ "proxy-test", required_argument, NULL, O_PTEST },
		{ "proxy-expect", required_argument, NULL, O_PEXPECT },
		{ "fingerprints", required_argument, NULL, O_FP },
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "state", required_argument, NULL, O_STATE },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "out", required_argument, NULL, O_OUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "store", required_argument, NULL, O_STORE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const int exit_of[] = { EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAIL };
	struct survey_run_opts o;
	struct isp_err err;
	const char *key;
	int ch;

	isp_err_clear(&err);
	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		key = NULL;
		switch (ch) {
		case O_AUTH: key = "survey.authorised"; break;
		case O_EXCL: key = "survey.exclude"; break;
		case O_PROBE: key = "survey.probe"; break;
		case O_RATE: key = "survey.rate"; break;
		case O_ZONE: key = "survey.probe-zone"; break;
		case O_EXPECT: key = "survey.expect-a"; break;
		case O_SERVE: key = "survey.serve-zone"; break;
		case O_CONTACT: key = "survey.contact"; break;
		case O_SOURCE: key = "survey.source"; break;
		case O_RETRIES: key = "survey.retries"; break;
		case O_COOL: key = "survey.cooldown-ms"; break;
		case O_HPORTS: key = "survey.http-ports"; break;
		case O_PPORTS: key = "survey.proxy-ports"; break;
		case O_PTEST: key = "survey.proxy-test"; break;
		case O_PEXPECT: key = "survey.proxy-expect"; break;
		case O_FP: key = "survey.fingerprints"; break;
		case O_TIMEOUT: key = "survey.timeout-ms"; break;
		case O_STATE: key = "survey.state"; break;
		case O_RESUME: o.resume = 1; break;
		case O_OUT: o.out = optarg; break;
		case O_JSON: o.json = 1; break;
		case O_STORE: o.store_path = optarg; break;
		case 'h': fputs(survey_usage, stdout); return EXIT_OK;
		default: fputs(survey_usage, stderr); return EXIT_USAGE;
		}
		if (key && config_set(&c->cfg, key, optarg, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
	}
	o.quiet = c->quiet;
	o.progress = c->progress;
	o.report = report;
	o.on_start = on_start;
	o.stop = &stop_flag;
	return exit_of[survey_run(&c->cfg, &o, argv + optind, argc - optind)];
}
