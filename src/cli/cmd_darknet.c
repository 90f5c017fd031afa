/*
 * cmd_darknet.c -- `ispshield darknet`: parse the options, run the analysis over the
 * files (or a live interface), write the figures, and record sources inside --own as
 * infected-host events (cause cc) in one store batch for `notify`.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/events/cause.h"
#include "core/events/evbatch.h"
#include "darknet/darknet.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

static const char darknet_usage[] =
	"usage: ispshield darknet --sensor PREFIX,... [OPTIONS] FILE...\n"
	"       ispshield darknet --sensor PREFIX,... --interface IF [OPTIONS]\n"
	"\n"
	"Analyse darknet sensor captures (pcap or pcapng, gzip-compressed too; several files\n"
	"are read in the order of their first packet): packets and distinct sources per day\n"
	"and sensor, TALOT2's source count per destination port, top ports with the change\n"
	"against the previous day, countries, per-source figures, scans, backscatter victims\n"
	"and their attacks, Mirai/ZMap/masscan fingerprints, new campaigns. Sources inside\n"
	"--own become infected-host events (cause cc) for `ispshield notify`.\n";

static const char darknet_tail[] =
	"Bad input (truncated files, impossible lengths, corrupt headers, unknown link types,\n"
	"bad IP headers, fragments) is reported as FILE: record N: reason and counted; the\n"
	"rest is analysed. Exit status: 0 done, 2 usage, 3 done but some input was bad,\n"
	"4 nothing could be read or the store failed.\n";

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct evw {
	struct evbatch *b; /* NULL: a dry run, count only */
	long n;
	int rc;
	struct isp_err *err;
};

static void add_event(void *ud, const struct dn_own_host *h)
{
	struct evw *w = ud;
	struct store_event e;
	char detail[256], f[24], l[24];

	w->n++;
	if (!w->b || w->rc)
		return;
	memset(&e, 0, sizeof(e));
	cli_time(h->first, f);
	cli_time(h->last, l);
	snprintf(detail, sizeof(detail), "first %s, last %s, ports %s, packets %llu", f, l,
		 h->ports, (unsigned long long)h->packets);
	e.time = h->last;
	e.ip = h->ip;
	e.cause = cause_name(CAUSE_CC);
	e.family = h->family;
	e.detail = detail;
	w->rc = evbatch_add(w->b, &e, w->err);
}

static int add_hosts(void *ud, struct evbatch *b, struct isp_err *err)
{
	struct dn_ctx *dc = ud;
	struct evw w = { b, 0, 0, err };

	dn_each_own(dc, add_event, &w);
	return w.rc;
}

static int record_events(struct dn_ctx *dc, const char *store_path, int dry, char **files,
			 int nfiles, long *n)
{
	struct evbatch_info info = { "darknet", "live", "pcap", "ip,time,cause,family,detail" };
	struct store *st = NULL;
	struct isp_err err;
	char flist[1024] = "";
	size_t off = 0;
	int i;

	isp_err_clear(&err);
	if (dry || !store_path) {
		struct evw w = { NULL, 0, 0, &err };

		dn_each_own(dc, add_event, &w);
		*n = w.n;
		return 0;
	}
	for (i = 0; i < nfiles && off < sizeof(flist) - 1; i++)
		off += (size_t)snprintf(flist + off, sizeof(flist) - off, "%s%s", i ? " " : "",
					files[i]);
	if (nfiles)
		info.file = flist;
	if (store_open(store_path, &st, &err) != 0 ||
	    evbatch_record(st, &info, add_hosts, dc, n, &err) != 0) {
		cli_error(&err);
		store_close(st);
		return -1;
	}
	store_close(st);
	return 0;
}

static const struct opts_spec darknet_spec = {
	.usage = darknet_usage,
	.tail = darknet_tail,
	.max_args = -1,
};

int cmd_darknet(struct cli *c, int argc, char **argv)
{
	const struct isp_config *cfg = &c->cfg;
	struct ip_prefix own[1024];
	struct dn_opts o;
	struct dn_ctx *dc = NULL;
	struct dn_totals t;
	struct isp_err err;
	const char *report = NULL, *store_path = NULL, *ifname = NULL;
	int json = 0, csv = 0, dry = 0, rc = EXIT_OK, k, argi;
	int64_t duration = 0, count = 0;
	long nev = 0;
	const struct opt opts[] = {
		OPT_KEYS("darknet.sensor darknet.own"),
		OPT_F("json", 0, &json, "figures as JSON on stdout (default: a text summary)"),
		OPT_F("csv", 0, &csv, "figures as CSV on stdout"),
		OPT_S("report", 0, &report, "DIR",
		      "write DIR/index.html (charts inline), the charts as SVG files, "
		      "darknet.json and darknet.csv"),
		OPT_KEYS("darknet.geoip darknet.top darknet.sources"),
		OPT_S("store", 0, &store_path, "PATH",
		      "record own-range sources as events in this store"),
		OPT_F("dry-run", 0, &dry, "record nothing, say how many events would be recorded"),
		OPT_S("interface", 0, &ifname, "IF",
		      "capture live from IF (libpcap) instead of files"),
		OPT_I("duration", 0, &duration, "SECONDS",
		      "live: stop after this long (default: until SIGINT)"),
		OPT_I("count", 0, &count, "N",
		      "live: stop after N packets to the sensor (only those are captured: a "
		      "kernel filter on the --sensor prefixes)"),
		OPT_END,
	};

	if ((rc = opts_parse(&darknet_spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	isp_err_clear(&err);
	if (json && csv) {
		cli_fail("darknet: --json and --csv exclude each other");
		return EXIT_USAGE;
	}
	if ((argi >= argc) == !ifname) {
		cli_fail("darknet: give capture files or --interface (not both)");
		fputs(darknet_usage, stderr);
		return EXIT_USAGE;
	}
	memset(&o, 0, sizeof(o));
	if (dn_parse_prefixes(cfg->darknet_sensor, o.sensors, DN_MAX_SENSORS, &o.nsensors, &err) !=
	    0) {
		cli_fail("darknet: --sensor: %s", err.msg);
		return EXIT_USAGE;
	}
	if (o.nsensors == 0) {
		cli_fail("darknet: --sensor PREFIX,... is required");
		return EXIT_USAGE;
	}
	if (dn_parse_prefixes(cfg->darknet_own[0] ? cfg->darknet_own : cfg->core_own_networks, own,
			      1024, &o.nown, &err) != 0) {
		cli_fail("darknet: --own: %s", err.msg);
		return EXIT_USAGE;
	}
	o.own = own;
	o.exact_max = (uint64_t)cfg->darknet_exact_max;
	o.max_sources = (uint64_t)cfg->darknet_max_sources;
	o.top = cfg->darknet_top > 64 ? 64 : (int)cfg->darknet_top;
	o.list_sources = (uint64_t)cfg->darknet_sources;
	o.campaign_factor = (double)cfg->darknet_campaign_factor;
	o.campaign_min = (uint64_t)cfg->darknet_campaign_min_sources;
	o.campaign_days = cfg->darknet_campaign_days > 0 ? (int)cfg->darknet_campaign_days : 1;
	o.attack_gap = cfg->darknet_attack_gap;
	o.attack_min_packets = (uint64_t)cfg->darknet_attack_min_packets;
	o.attack_min_duration = cfg->darknet_attack_min_duration;
	o.geoip = cfg->darknet_geoip;
	if (dn_new(&o, &dc, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (ifname) {
		struct dn_read_cb cb;

		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		dn_callbacks(dc, stderr, &cb);
		if (dn_live(ifname, cfg->darknet_sensor, (int)duration, (long long)count,
			    &stop_flag, &cb, c->quiet ? NULL : stderr, &err) != 0) {
			cli_error(&err);
			dn_free(dc);
			return EXIT_FAIL;
		}
	} else {
		int r = dn_analyse_files(dc, argv + argi, argc - argi, stderr, c->progress, &err);

		if (r) {
			dn_totals(dc, &t);
			if (t.records == 0) {
				dn_free(dc);
				return EXIT_FAIL;
			}
			rc = EXIT_PARTIAL;
		}
	}
	dn_finish(dc);
	if (json)
		dn_write_json(dc, stdout);
	else if (csv)
		dn_write_csv(dc, stdout);
	else
		dn_write_text(dc, stdout);
	if (report && dn_write_report(dc, report, &err) != 0) {
		cli_error(&err);
		rc = EXIT_FAIL;
	}
	if (record_events(dc, store_path, dry, argv + argi, ifname ? 0 : argc - argi, &nev) != 0)
		rc = EXIT_FAIL;
	dn_totals(dc, &t);
	if (!c->quiet) {
		if (store_path && !dry)
			fprintf(stderr, "ispshield: darknet: %ld infected-host events recorded\n",
				nev);
		else if (nev)
			fprintf(stderr,
				"ispshield: darknet: %ld own-range sources (not recorded: no "
				"--store or "
				"--dry-run)\n",
				nev);
	}
	for (k = 0; k < DN_F_N; k++)
		if (t.fbad[k] && rc == EXIT_OK)
			rc = EXIT_PARTIAL;
	for (k = 0; k < DN_BAD_N; k++)
		if (k != DN_BAD_NOTIP && t.bad[k] && rc == EXIT_OK)
			rc = EXIT_PARTIAL;
	dn_free(dc);
	return rc;
}
