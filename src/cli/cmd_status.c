/*
 * cmd_status.c -- `ispshield status`: the operator's status page and its JSON API.
 * Every [status] key has a flag here; the flags override the file, and a SIGHUP reload
 * builds the configuration again (file, -o, --store, then these flags).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "status/status.h"

static const char status_usage[] =
	"usage: ispshield status [OPTIONS]\n"
	"\n"
	"Serve the operator's status page (GET /) and the same figures as JSON (GET\n"
	"/api/status): DNS QPS and block rate and the proxy's requests and warnings over\n"
	"time (sampled from their Prometheus endpoints), top blocked names and lists, the\n"
	"notification funnel per source, recent notices (no bodies, no addresses), darknet\n"
	"figures, list versions and list sync state. Loopback by default; optional HTTP\n"
	"basic auth. Runs until SIGTERM/SIGINT; SIGHUP re-reads the configuration.\n"
	"\n"
	"Options (each overrides the [status] key of the same name; see etc/ispshield.conf):\n"
	"  --listen ADDR:PORT       serve on ADDR:PORT (default 127.0.0.1:8053)\n"
	"  --user NAME              require HTTP basic auth as NAME ...\n"
	"  --password-file FILE     ... with the password on FILE's first line\n"
	"  --scrape ADDR:PORT,...   Prometheus endpoints to sample (default: dns.metrics,\n"
	"                           proxy.metrics)\n"
	"  --interval DURATION      sampling and refresh period (default 10 s)\n"
	"  --window DURATION        time covered by the top lists and the blocks chart (1d)\n"
	"  --darknet FILE           show the figures of this `darknet --json` report\n"
	"\n"
	"Exit status: 0 stopped by a signal, 2 bad option or configuration (a bad [status]\n"
	"key, user without password-file), 4 cannot serve (address in use, file unreadable).\n";

struct flags {
	int n;
	const char *key[16], *value[16];
};

struct reload_ctx {
	struct cli *c;
	const struct flags *f;
};

static int apply(const struct flags *f, struct isp_config *cfg, struct isp_err *err)
{
	int i, rc;

	for (i = 0; i < f->n; i++) {
		rc = config_set(cfg, f->key[i], f->value[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

static int reload(void *ud, struct isp_config *cfg, struct isp_err *err)
{
	struct reload_ctx *r = ud;
	int rc = cli_config_read(r->c, cfg, err);

	return rc ? rc : apply(r->f, cfg, err);
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "scrape", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "window", required_argument, NULL, 'w' },
		{ "darknet", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct flags f = { 0, { NULL }, { NULL } };
	struct reload_ctx r = { c, &f };
	struct isp_err err;
	const char *key;
	int ch, rc;

	isp_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': key = "status.listen"; break;
		case 'u': key = "status.user"; break;
		case 'p': key = "status.password-file"; break;
		case 's': key = "status.scrape"; break;
		case 'i': key = "status.interval"; break;
		case 'w': key = "status.window"; break;
		case 'd': key = "status.darknet"; break;
		case 'h': fputs(status_usage, stdout); return EXIT_OK;
		default: fputs(status_usage, stderr); return EXIT_USAGE;
		}
		if (f.n == (int)(sizeof(f.key) / sizeof(f.key[0]))) {
			cli_fail("status: too many options");
			return EXIT_USAGE;
		}
		f.key[f.n] = key;
		f.value[f.n++] = optarg;
	}
	if (optind < argc) {
		fputs(status_usage, stderr);
		return EXIT_USAGE;
	}
	if (apply(&f, &c->cfg, &err) != 0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	rc = status_run(&c->cfg, reload, &r, &err);
	if (rc) {
		cli_error(&err);
		return rc == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
}
