/*
 * cmd_survey.c -- `ispshield survey`: parse the options, build the scope and the
 * targets (refusing, and saying so, any target outside the authorised prefixes), run the
 * DNS scan (serving the probe zone when asked), then the admin-page and open-proxy
 * probes, and write the findings as CSV/JSON and as store events for `notify`.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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

struct replies {
	struct survey_dns_result *r;
	size_t n, cap;
	int oom;
};

static void on_reply(void *ud, const struct survey_dns_result *r)
{
	struct replies *rs = ud;

	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 256;
		struct survey_dns_result *nr = realloc(rs->r, nc * sizeof(*nr));

		if (!nr) {
			rs->oom = 1;
			return;
		}
		rs->r = nr;
		rs->cap = nc;
	}
	rs->r[rs->n++] = *r;
}

static int parse_ports(const char *s, uint16_t *out, size_t max, size_t *n)
{
	char buf[256], *save = NULL, *t;

	*n = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *e;
		long v = strtol(t, &e, 10);

		if (*e || v < 1 || v > 65535 || *n >= max)
			return -1;
		out[(*n)++] = (uint16_t)v;
	}
	return 0;
}

static int parse_ip4(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*a = ntohl(in.s_addr);
	return 0;
}

static int record_events(const char *store_path, const struct survey_findings *fs, long *n)
{
	struct store *st = NULL;
	struct isp_err err;
	int64_t batch;
	size_t i;

	isp_err_clear(&err);
	*n = 0;
	if (store_open(store_path, &st, &err) != 0 || store_begin(st, &err) != 0)
		goto fail;
	if (store_batch_begin(st, "survey", "survey", "survey", &batch, &err) != 0)
		goto fail_rb;
	for (i = 0; i < fs->n; i++) {
		const struct survey_finding *f = &fs->f[i];
		struct store_event e;
		char ip[16], detail[512];

		if (f->cause == CAUSE_NONE)
			continue;
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", f->addr >> 24, (f->addr >> 16) & 255,
			 (f->addr >> 8) & 255, f->addr & 255);
		snprintf(detail, sizeof(detail), "%s/%u %s%s%s%s%s", f->proto == 17 ? "udp" : "tcp",
			 f->port, f->tag, f->vendor[0] ? ", " : "", f->vendor,
			 f->detail[0] ? ", " : "", f->detail);
		memset(&e, 0, sizeof(e));
		e.time = f->time;
		e.ip = ip;
		e.port = f->port;
		e.cause = cause_name(f->cause);
		e.family = f->tag;
		e.reference = f->advice[0] ? f->advice : NULL;
		e.detail = detail;
		if (store_event_add(st, batch, &e, &err) != 0)
			goto fail_rb;
		(*n)++;
	}
	if (store_batch_end(st, batch, "ip,time,port,cause,family,reference,detail", *n, 0, &err) !=
		    0 ||
	    store_commit(st, &err) != 0)
		goto fail_rb;
	store_close(st);
	return 0;
fail_rb:
	store_rollback(st);
fail:
	cli_error(&err);
	if (st)
		store_close(st);
	return -1;
}

static int has_probe(const char *list, const char *p)
{
	size_t l = strlen(p);
	const char *s = list;

	while ((s = strstr(s, p))) {
		if ((s == list || s[-1] == ',' || s[-1] == ' ') &&
		    (s[l] == '\0' || s[l] == ',' || s[l] == ' '))
			return 1;
		s += l;
	}
	return 0;
}

/* Add each target CIDR; refusals are printed (the log) and counted. */
static int add_targets(struct survey_targets *t, const struct survey_scope *s, char **v, int n,
		       const char *authorised, int *refused)
{
	char buf[4096], *save = NULL, *tok;
	struct isp_err err;
	int i;

	if (n == 0) { /* default: the authorised prefixes themselves */
		snprintf(buf, sizeof(buf), "%s", authorised);
		for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			if (survey_targets_add(t, s, tok, &err) != 0) {
				cli_fail("survey: %s", err.msg);
				(*refused)++;
			}
		return 0;
	}
	for (i = 0; i < n; i++) {
		isp_err_clear(&err);
		if (survey_targets_add(t, s, v[i], &err) != 0) {
			cli_fail("survey: %s", err.msg);
			(*refused)++;
		}
	}
	return 0;
}

static void dns_findings(const struct replies *rs, const struct survey_zone *z,
			 struct survey_findings *fs, long *closed)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct survey_dns_result *r = &rs->r[i];
		struct survey_finding f;
		uint32_t via = 0;

		if (!r->open) {
			(*closed)++;
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.addr = r->addr;
		f.time = time(NULL);
		f.proto = 17;
		f.port = 53;
		f.rcode = r->rcode;
		f.flags = r->flags;
		f.answer = r->answer;
		f.edns_size = r->edns_size;
		f.resp_size = r->resp_size;
		f.query_size = r->query_size;
		f.cause = CAUSE_OPEN_RESOLVER;
		snprintf(f.advice, sizeof(f.advice), "close-resolver");
		snprintf(f.tag, sizeof(f.tag), "open-resolver%s", r->answer_ok ? "" : ";bogus");
		if (z && survey_zone_forwarded(z, r->addr, &via)) {
			f.via = via;
			strncat(f.tag, ";forwarder", sizeof(f.tag) - strlen(f.tag) - 1);
		}
		survey_findings_add(fs, &f);
	}
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
	const struct isp_config *cfg = &c->cfg;
	struct survey_scope scope;
	struct survey_targets *tg = NULL;
	struct survey_dns dns;
	struct survey_fps fps;
	struct survey_findings fs;
	struct replies rs;
	struct survey_zone *zone = NULL;
	struct isp_err err;
	const char *key, *out = NULL, *store_path = NULL;
	char ua[640];
	int ch, json = 0, resume = 0, refused = 0, rc = EXIT_OK;
	int do_dns, do_http, do_proxy, raw = 0;
	const char *colon;
	long closed = 0, nev = 0;
	uint64_t seed = 0;
	uint32_t *addrs = NULL;
	size_t naddrs = 0, i;

	isp_err_clear(&err);
	memset(&fs, 0, sizeof(fs));
	memset(&rs, 0, sizeof(rs));
	memset(&fps, 0, sizeof(fps));
	memset(&scope, 0, sizeof(scope));
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
		case O_RESUME: resume = 1; break;
		case O_OUT: out = optarg; break;
		case O_JSON: json = 1; break;
		case O_STORE: store_path = optarg; break;
		case 'h': fputs(survey_usage, stdout); return EXIT_OK;
		default: fputs(survey_usage, stderr); return EXIT_USAGE;
		}
		if (key && config_set(&c->cfg, key, optarg, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
	}
	/* before any target is read or socket opened: CAP_NET_RAW (the DNS probe's raw
	 * sockets) is the only capability a survey keeps, with CAP_NET_BIND_SERVICE when
	 * --serve-zone binds a port below 1024 */
	colon = strrchr(cfg->survey_serve_zone, ':');
	if (survey_keep_net_raw(colon && atoi(colon + 1) < 1024, &raw, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	do_dns = has_probe(cfg->survey_probe, "dns");
	do_http = has_probe(cfg->survey_probe, "http");
	do_proxy = has_probe(cfg->survey_probe, "proxy");
	if (!do_dns && !do_http && !do_proxy) {
		cli_fail("survey: --probe: give dns, http and/or proxy");
		return EXIT_USAGE;
	}
	if (survey_scope_init(&scope, cfg->survey_authorised, cfg->survey_exclude, &err) != 0) {
		cli_fail("survey: %s", err.msg);
		return EXIT_USAGE;
	}
	tg = calloc(1, sizeof(*tg));
	if (!tg) {
		rc = EXIT_FAIL;
		goto out;
	}
	add_targets(tg, &scope, argv + optind, argc - optind, cfg->survey_authorised, &refused);
	if (refused)
		rc = EXIT_PARTIAL;
	if (tg->total == 0) {
		cli_fail("survey: no target inside the authorised prefixes; nothing sent");
		rc = refused ? EXIT_PARTIAL : EXIT_USAGE;
		goto out;
	}
	snprintf(ua, sizeof(ua), "ispshield-survey/%s%s%s%s", ISP_VERSION,
		 cfg->survey_contact[0] ? " (+" : "", cfg->survey_contact,
		 cfg->survey_contact[0] ? ")" : "");

	memset(&dns, 0, sizeof(dns));
	dns.scope = &scope;
	snprintf(dns.zone, sizeof(dns.zone), "%s", cfg->survey_probe_zone);
	if (dns.zone[0] && dns.zone[strlen(dns.zone) - 1] == '.')
		dns.zone[strlen(dns.zone) - 1] = '\0';
	snprintf(dns.contact, sizeof(dns.contact), "%s", cfg->survey_contact_label);
	dns.edns =
		(uint16_t)(cfg->survey_edns > 0 && cfg->survey_edns < 65536 ? cfg->survey_edns : 0);
	siphash_key(&dns.key.k0, &dns.key.k1, &dns);
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) ^ dns.key.k0;

	if (do_dns) {
		struct survey_scan_opts so;
		struct survey_scan_stats st;
		uint64_t n = 0;

		if (!dns.zone[0] || parse_ip4(cfg->survey_expect_a, &dns.expect_a) != 0) {
			cli_fail("survey: the DNS probe needs --probe-zone and --expect-a ADDR");
			rc = EXIT_USAGE;
			goto out;
		}
		memset(&so, 0, sizeof(so));
		so.dns = &dns;
		so.targets = tg;
		so.rate = cfg->survey_rate > 0 ? (uint64_t)cfg->survey_rate : 0;
		so.retries = (int)cfg->survey_retries;
		so.cooldown_ms = (int)cfg->survey_cooldown_ms;
		so.seed = seed;
		so.state_file = cfg->survey_state[0] ? cfg->survey_state : NULL;
		so.stop = &stop_flag;
		so.progress = c->progress ? stderr : NULL;
		so.on_reply = on_reply;
		so.ud = &rs;
		if (cfg->survey_source[0] && parse_ip4(cfg->survey_source, &so.source) != 0) {
			cli_fail("survey: source: %s is not an IPv4 address", cfg->survey_source);
			rc = EXIT_USAGE;
			goto out;
		}
		if (resume) {
			if (!so.state_file) {
				cli_fail("survey: --resume needs --state FILE");
				rc = EXIT_USAGE;
				goto out;
			}
			if (survey_state_load(so.state_file, &dns.key, &n, &so.g, &so.first,
					      &so.pos, &so.pass, &err) != 0) {
				cli_error(&err);
				rc = EXIT_FAIL;
				goto out;
			}
			if (n != tg->total) {
				cli_fail("survey: %s was saved for %llu targets, not %llu",
					 so.state_file, (unsigned long long)n,
					 (unsigned long long)tg->total);
				rc = EXIT_USAGE;
				goto out;
			}
			so.resume = 1;
		}
		if (cfg->survey_serve_zone[0] &&
		    survey_zone_start(&dns, cfg->survey_serve_zone, &zone, &err) != 0) {
			cli_error(&err);
			rc = EXIT_FAIL;
			goto out;
		}
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		if (survey_scan_dns(&so, &st, &err) != 0) {
			cli_error(&err);
			rc = EXIT_FAIL;
			goto out;
		}
		dns_findings(&rs, zone, &fs, &closed);
		if (!c->quiet)
			fprintf(stderr,
				"ispshield: survey: dns: %llu targets, sent %llu in %.2fs (%.0f "
				"probes/s), skipped %llu out of scope, replies %llu, valid %llu, "
				"duplicates %llu, rejected scope %llu port %llu id %llu question "
				"%llu malformed %llu; open %zu, closed %ld%s\n",
				(unsigned long long)tg->total, (unsigned long long)st.sent,
				st.send_seconds,
				st.send_seconds > 0 ? (double)st.sent / st.send_seconds : 0.0,
				(unsigned long long)st.refused, (unsigned long long)st.received,
				(unsigned long long)st.valid, (unsigned long long)st.duplicate,
				(unsigned long long)st.rejected[SR_SCOPE],
				(unsigned long long)st.rejected[SR_PORT],
				(unsigned long long)st.rejected[SR_ID],
				(unsigned long long)st.rejected[SR_QUESTION],
				(unsigned long long)st.rejected[SR_MALFORMED], fs.n, closed,
				st.stopped ? " (stopped; state saved)" : "");
		if (st.stopped)
			rc = EXIT_PARTIAL;
		naddrs = rs.n;
		addrs = calloc(naddrs ? naddrs : 1, sizeof(*addrs));
		for (i = 0; addrs && i < rs.n; i++)
			addrs[i] = rs.r[i].addr;
	} else {
		naddrs = tg->total > (1u << 24) ? (1u << 24) : (size_t)tg->total;
		addrs = calloc(naddrs ? naddrs : 1, sizeof(*addrs));
		for (i = 0; addrs && i < naddrs; i++)
			addrs[i] = survey_targets_at(tg, i);
	}
	if (!addrs) {
		rc = EXIT_FAIL;
		goto out;
	}
	if ((do_http || do_proxy) && !stop_flag && naddrs) {
		struct survey_tcp_opts to;
		struct survey_tcp_stats ts;
		uint16_t hp[32], pp[32];
		size_t nhp = 0, npp = 0;
		char paths[512], *save = NULL, *t;

		memset(&to, 0, sizeof(to));
		to.scope = &scope;
		to.addrs = addrs;
		to.naddrs = naddrs;
		to.user_agent = ua;
		to.timeout_ms = (int)cfg->survey_timeout_ms;
		to.threads = (int)cfg->survey_threads;
		to.rate = cfg->survey_tcp_rate > 0 ? (uint64_t)cfg->survey_tcp_rate : 0;
		snprintf(paths, sizeof(paths), "%s", cfg->survey_http_paths);
		for (t = strtok_r(paths, ", ", &save); t && to.npaths < 8;
		     t = strtok_r(NULL, ", ", &save))
			to.paths[to.npaths++] = t;
		if (to.npaths == 0)
			to.paths[to.npaths++] = "/";
		if (parse_ports(cfg->survey_http_ports, hp, 32, &nhp) != 0 ||
		    parse_ports(cfg->survey_proxy_ports, pp, 32, &npp) != 0) {
			cli_fail("survey: bad port list");
			rc = EXIT_USAGE;
			goto out;
		}
		if (do_http) {
			if (survey_fps_load(&fps, cfg->survey_fingerprints, &err) != 0) {
				cli_error(&err);
				rc = EXIT_USAGE;
				goto out;
			}
			to.fps = &fps;
			to.ports = hp;
			to.nports = nhp;
			if (survey_probe_http(&to, &fs, &ts, &err) != 0) {
				cli_error(&err);
				rc = EXIT_FAIL;
				goto out;
			}
			if (!c->quiet)
				fprintf(stderr,
					"ispshield: survey: http: %llu probes, %llu answered, %llu "
					"matched a fingerprint\n",
					(unsigned long long)ts.attempted,
					(unsigned long long)ts.connected,
					(unsigned long long)ts.matched);
		}
		if (do_proxy) {
			to.ports = pp;
			to.nports = npp;
			to.proxy_host = cfg->survey_proxy_test;
			to.proxy_expect = cfg->survey_proxy_expect;
			if (survey_probe_proxy(&to, &fs, &ts, &err) != 0) {
				cli_error(&err);
				rc = EXIT_USAGE;
				goto out;
			}
			if (!c->quiet)
				fprintf(stderr,
					"ispshield: survey: proxy: %llu probes, %llu answered, "
					"%llu "
					"relay\n",
					(unsigned long long)ts.attempted,
					(unsigned long long)ts.connected,
					(unsigned long long)ts.matched);
		}
	}
	if (out) {
		FILE *f = fopen(out, "w");
		size_t ol = strlen(out);

		if (!f) {
			cli_fail("survey: %s: cannot write", out);
			rc = EXIT_FAIL;
			goto out;
		}
		if (ol > 5 && strcmp(out + ol - 5, ".json") == 0)
			survey_write_json(&fs, f);
		else
			survey_write_csv(&fs, f);
		if (fclose(f) != 0)
			rc = EXIT_FAIL;
	} else if (json) {
		survey_write_json(&fs, stdout);
	} else {
		survey_write_csv(&fs, stdout);
	}
	if (store_path) {
		if (record_events(store_path, &fs, &nev) != 0)
			rc = EXIT_FAIL;
		else if (!c->quiet)
			fprintf(stderr, "ispshield: survey: %ld events recorded\n", nev);
	}
out:
	survey_zone_stop(zone);
	survey_fps_free(&fps);
	survey_findings_free(&fs);
	free(rs.r);
	free(addrs);
	free(tg);
	survey_scope_free(&scope);
	return rc;
}
