/*
 * run.c -- one survey run (survey.h, "run"): keep only the raw-socket capability, build
 * the scope and the targets (refusing, and saying so, any target outside the authorised
 * prefixes), run the DNS scan (serving the probe zone when asked), then the admin-page
 * and open-proxy probes, and write the findings as CSV/JSON and as store events for
 * `notify`. The settings are the [survey] keys; `ispshield survey` only parses options.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/base/binwrite.h"
#include "core/events/cause.h"
#include "core/service/config.h"
#include "core/events/evbatch.h"
#include "core/base/siphash.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"
#include "survey/survey.h"

static volatile int never_stop;

/* What a run carries between its steps. */
struct run {
	const struct isp_config *cfg;
	const struct survey_run_opts *o;
	struct survey_scope scope;
	struct survey_targets *tg;
	struct survey_dns dns;
	struct survey_fps fps;
	struct survey_findings fs;
	struct survey_zone *zone;
	uint32_t *addrs;
	size_t naddrs;
	char ua[640];
};

/* Report err (or, with a format, a message of its own) through the caller's report. */
static void say(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct run *r, const char *fmt, ...)
{
	struct isp_err e;
	va_list ap;

	isp_err_clear(&e);
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	e.code = ISR_EINVAL;
	if (r->o->report)
		r->o->report(r->o->ud, &e);
}

static void say_err(const struct run *r, const struct isp_err *e)
{
	if (r->o->report)
		r->o->report(r->o->ud, e);
}

struct replies {
	struct survey_dns_result *r;
	size_t n, cap;
	int oom;
};

static void on_reply(void *ud, const struct survey_dns_result *r)
{
	struct replies *rs = ud;

	if (mem_grow_from((void **)&rs->r, &rs->cap, rs->n + 1, sizeof(*rs->r), 256)) {
		rs->oom = 1;
		return;
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

/* One finding a cause applies to as an event. */
static int add_findings(void *ud, struct evbatch *b, struct isp_err *err)
{
	const struct survey_findings *fs = ud;
	size_t i;
	int rc;

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
		rc = evbatch_add(b, &e, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int record_events(const struct run *r, const char *store_path,
			 const struct survey_findings *fs, long *n)
{
	static const struct evbatch_info info = { "survey", "survey", "survey",
						  "ip,time,port,cause,family,reference,detail" };
	struct store *st = NULL;
	struct isp_err err;

	isp_err_clear(&err);
	*n = 0;
	if (store_open(store_path, &st, &err) != 0 ||
	    evbatch_record(st, &info, add_findings, (void *)fs, n, &err) != 0) {
		say_err(r, &err);
		store_close(st);
		return -1;
	}
	store_close(st);
	return 0;
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
static int add_targets(const struct run *r, struct survey_targets *t, const struct survey_scope *s,
		       char *const *v, int n, const char *authorised, int *refused)
{
	char buf[4096], *save = NULL, *tok;
	struct isp_err err;
	int i;

	if (n == 0) { /* default: the authorised prefixes themselves */
		snprintf(buf, sizeof(buf), "%s", authorised);
		for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			if (survey_targets_add(t, s, tok, &err) != 0) {
				say(r, "survey: %s", err.msg);
				(*refused)++;
			}
		return 0;
	}
	for (i = 0; i < n; i++) {
		isp_err_clear(&err);
		if (survey_targets_add(t, s, v[i], &err) != 0) {
			say(r, "survey: %s", err.msg);
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

/* The DNS scan: probe every target, serve the probe zone when asked, and turn the
 * replies into findings; the probed addresses (those that replied) go to r->addrs for
 * the TCP probes. */
static enum survey_status scan_dns(struct run *r, uint64_t seed)
{
	const struct isp_config *cfg = r->cfg;
	struct survey_scan_opts so;
	struct survey_scan_stats st;
	struct replies rs;
	struct isp_err err;
	enum survey_status rc = SURVEY_DONE;
	long closed = 0;
	uint64_t n = 0;
	size_t i;

	isp_err_clear(&err);
	memset(&rs, 0, sizeof(rs));
	if (!r->dns.zone[0] || parse_ip4(cfg->survey_expect_a, &r->dns.expect_a) != 0) {
		say(r, "survey: the DNS probe needs --probe-zone and --expect-a ADDR");
		return SURVEY_BAD_SETTINGS;
	}
	memset(&so, 0, sizeof(so));
	so.dns = &r->dns;
	so.targets = r->tg;
	so.rate = cfg->survey_rate > 0 ? (uint64_t)cfg->survey_rate : 0;
	so.retries = (int)cfg->survey_retries;
	so.cooldown_ms = (int)cfg->survey_cooldown_ms;
	so.seed = seed;
	so.state_file = cfg->survey_state[0] ? cfg->survey_state : NULL;
	so.stop = r->o->stop ? r->o->stop : &never_stop;
	so.progress = r->o->progress ? stderr : NULL;
	so.on_reply = on_reply;
	so.ud = &rs;
	if (cfg->survey_source[0] && parse_ip4(cfg->survey_source, &so.source) != 0) {
		say(r, "survey: source: %s is not an IPv4 address", cfg->survey_source);
		return SURVEY_BAD_SETTINGS;
	}
	if (r->o->resume) {
		if (!so.state_file) {
			say(r, "survey: --resume needs --state FILE");
			return SURVEY_BAD_SETTINGS;
		}
		if (survey_state_load(so.state_file, &r->dns.key, &n, &so.g, &so.first, &so.pos,
				      &so.pass, &err) != 0) {
			say_err(r, &err);
			return SURVEY_FAILED;
		}
		if (n != r->tg->total) {
			say(r, "survey: %s was saved for %llu targets, not %llu", so.state_file,
			    (unsigned long long)n, (unsigned long long)r->tg->total);
			return SURVEY_BAD_SETTINGS;
		}
		so.resume = 1;
	}
	if (cfg->survey_serve_zone[0] &&
	    survey_zone_start(&r->dns, cfg->survey_serve_zone, &r->zone, &err) != 0) {
		say_err(r, &err);
		return SURVEY_FAILED;
	}
	if (r->o->on_start)
		r->o->on_start(r->o->ud);
	if (survey_scan_dns(&so, &st, &err) != 0) {
		say_err(r, &err);
		free(rs.r);
		return SURVEY_FAILED;
	}
	dns_findings(&rs, r->zone, &r->fs, &closed);
	if (!r->o->quiet)
		fprintf(stderr,
			"ispshield: survey: dns: %llu targets, sent %llu in %.2fs (%.0f "
			"probes/s), skipped %llu out of scope, replies %llu, valid %llu, "
			"duplicates %llu, rejected scope %llu port %llu id %llu question "
			"%llu malformed %llu; open %zu, closed %ld%s\n",
			(unsigned long long)r->tg->total, (unsigned long long)st.sent,
			st.send_seconds,
			st.send_seconds > 0 ? (double)st.sent / st.send_seconds : 0.0,
			(unsigned long long)st.refused, (unsigned long long)st.received,
			(unsigned long long)st.valid, (unsigned long long)st.duplicate,
			(unsigned long long)st.rejected[SR_SCOPE],
			(unsigned long long)st.rejected[SR_PORT],
			(unsigned long long)st.rejected[SR_ID],
			(unsigned long long)st.rejected[SR_QUESTION],
			(unsigned long long)st.rejected[SR_MALFORMED], r->fs.n, closed,
			st.stopped ? " (stopped; state saved)" : "");
	if (st.stopped)
		rc = SURVEY_PARTIAL;
	r->naddrs = rs.n;
	r->addrs = calloc(r->naddrs ? r->naddrs : 1, sizeof(*r->addrs));
	for (i = 0; r->addrs && i < rs.n; i++)
		r->addrs[i] = rs.r[i].addr;
	free(rs.r);
	return rc;
}

/* The figures of one TCP probe on stderr (unless quiet); matched: what a match is. */
static void say_stats(const struct run *r, const char *probe, const struct survey_tcp_stats *ts,
		      const char *matched)
{
	if (!r->o->quiet)
		fprintf(stderr, "ispshield: survey: %s: %llu probes, %llu answered, %llu %s\n",
			probe, (unsigned long long)ts->attempted, (unsigned long long)ts->connected,
			(unsigned long long)ts->matched, matched);
}

/* The admin-page (do_http) and open-proxy (do_proxy) probes over r->addrs. */
static enum survey_status probe_tcp(struct run *r, int do_http, int do_proxy)
{
	const struct isp_config *cfg = r->cfg;
	struct survey_tcp_opts to;
	struct survey_tcp_stats ts;
	struct isp_err err;
	uint16_t hp[32], pp[32];
	size_t nhp = 0, npp = 0;
	char paths[512], *save = NULL, *t;

	isp_err_clear(&err);
	memset(&to, 0, sizeof(to));
	to.scope = &r->scope;
	to.addrs = r->addrs;
	to.naddrs = r->naddrs;
	to.user_agent = r->ua;
	to.timeout_ms = (int)cfg->survey_timeout_ms;
	to.threads = (int)cfg->survey_threads;
	to.rate = cfg->survey_tcp_rate > 0 ? (uint64_t)cfg->survey_tcp_rate : 0;
	snprintf(paths, sizeof(paths), "%s", cfg->survey_http_paths);
	for (t = strtok_r(paths, ", ", &save); t && to.npaths < 8; t = strtok_r(NULL, ", ", &save))
		to.paths[to.npaths++] = t;
	if (to.npaths == 0)
		to.paths[to.npaths++] = "/";
	if (parse_ports(cfg->survey_http_ports, hp, 32, &nhp) != 0 ||
	    parse_ports(cfg->survey_proxy_ports, pp, 32, &npp) != 0) {
		say(r, "survey: bad port list");
		return SURVEY_BAD_SETTINGS;
	}
	if (do_http) {
		if (survey_fps_load(&r->fps, cfg->survey_fingerprints, &err) != 0) {
			say_err(r, &err);
			return SURVEY_BAD_SETTINGS;
		}
		to.fps = &r->fps;
		to.ports = hp;
		to.nports = nhp;
		if (survey_probe_http(&to, &r->fs, &ts, &err) != 0) {
			say_err(r, &err);
			return SURVEY_FAILED;
		}
		say_stats(r, "http", &ts, "matched a fingerprint");
	}
	if (do_proxy) {
		to.ports = pp;
		to.nports = npp;
		to.proxy_host = cfg->survey_proxy_test;
		to.proxy_expect = cfg->survey_proxy_expect;
		if (survey_probe_proxy(&to, &r->fs, &ts, &err) != 0) {
			say_err(r, &err);
			return SURVEY_BAD_SETTINGS;
		}
		say_stats(r, "proxy", &ts, "relay");
	}
	return SURVEY_DONE;
}

/* The findings as CSV or JSON (o->out, by its name; else stdout), then as events. */
static enum survey_status write_findings(struct run *r)
{
	enum survey_status rc = SURVEY_DONE;
	const char *out = r->o->out;
	long nev = 0;

	if (out) {
		FILE *f = fopen(out, "w");
		size_t ol = strlen(out);

		if (!f) {
			say(r, "survey: %s: cannot write", out);
			return SURVEY_FAILED;
		}
		if (ol > 5 && strcmp(out + ol - 5, ".json") == 0) {
			if (survey_write_json(&r->fs, f) != 0)
				rc = SURVEY_FAILED;
		} else {
			survey_write_csv(&r->fs, f);
		}
		if (fclose(f) != 0)
			rc = SURVEY_FAILED;
	} else if (r->o->json) {
		survey_write_json(&r->fs, stdout);
	} else {
		survey_write_csv(&r->fs, stdout);
	}
	if (r->o->store_path) {
		if (record_events(r, r->o->store_path, &r->fs, &nev) != 0)
			rc = SURVEY_FAILED;
		else if (!r->o->quiet)
			fprintf(stderr, "ispshield: survey: %ld events recorded\n", nev);
	}
	return rc;
}

/* The later status wins unless it is milder (done < partial < the failures). */
static enum survey_status worst(enum survey_status a, enum survey_status b)
{
	return b > a ? b : a;
}

/* Scope and targets; SURVEY_DONE or why not. */
static enum survey_status targets(struct run *r, char *const *targets_v, int ntargets)
{
	const struct isp_config *cfg = r->cfg;
	struct isp_err err;
	int refused = 0;

	isp_err_clear(&err);
	if (survey_scope_init(&r->scope, cfg->survey_authorised, cfg->survey_exclude, &err) != 0) {
		say(r, "survey: %s", err.msg);
		return SURVEY_BAD_SETTINGS;
	}
	r->tg = calloc(1, sizeof(*r->tg));
	if (!r->tg)
		return SURVEY_FAILED;
	add_targets(r, r->tg, &r->scope, targets_v, ntargets, cfg->survey_authorised, &refused);
	if (r->tg->total == 0) {
		say(r, "survey: no target inside the authorised prefixes; nothing sent");
		return refused ? SURVEY_PARTIAL : SURVEY_BAD_SETTINGS;
	}
	return refused ? SURVEY_PARTIAL : SURVEY_DONE;
}

enum survey_status survey_run(const struct isp_config *cfg, const struct survey_run_opts *o,
			      char *const *targets_v, int ntargets)
{
	struct run *r = calloc(1, sizeof(*r));
	enum survey_status rc;
	struct isp_err err;
	const char *colon;
	int do_dns, do_http, do_proxy, raw = 0;
	uint64_t seed = 0;

	if (!r)
		return SURVEY_FAILED;
	isp_err_clear(&err);
	r->cfg = cfg;
	r->o = o;
	/* before any target is read or socket opened: CAP_NET_RAW (the DNS probe's raw
	 * sockets) is the only capability a survey keeps, with CAP_NET_BIND_SERVICE when
	 * --serve-zone binds a port below 1024 */
	colon = strrchr(cfg->survey_serve_zone, ':');
	if (survey_keep_net_raw(colon && atoi(colon + 1) < 1024, &raw, &err) != 0) {
		say_err(r, &err);
		free(r);
		return SURVEY_FAILED;
	}
	do_dns = has_probe(cfg->survey_probe, "dns");
	do_http = has_probe(cfg->survey_probe, "http");
	do_proxy = has_probe(cfg->survey_probe, "proxy");
	if (!do_dns && !do_http && !do_proxy) {
		say(r, "survey: --probe: give dns, http and/or proxy");
		free(r);
		return SURVEY_BAD_SETTINGS;
	}
	rc = targets(r, targets_v, ntargets);
	if (!r->tg || r->tg->total == 0)
		goto out;
	snprintf(r->ua, sizeof(r->ua), "ispshield-survey/%s%s%s%s", ISP_VERSION,
		 cfg->survey_contact[0] ? " (+" : "", cfg->survey_contact,
		 cfg->survey_contact[0] ? ")" : "");
	r->dns.scope = &r->scope;
	snprintf(r->dns.zone, sizeof(r->dns.zone), "%s", cfg->survey_probe_zone);
	if (r->dns.zone[0] && r->dns.zone[strlen(r->dns.zone) - 1] == '.')
		r->dns.zone[strlen(r->dns.zone) - 1] = '\0';
	snprintf(r->dns.contact, sizeof(r->dns.contact), "%s", cfg->survey_contact_label);
	r->dns.edns =
		(uint16_t)(cfg->survey_edns > 0 && cfg->survey_edns < 65536 ? cfg->survey_edns : 0);
	siphash_key(&r->dns.key.k0, &r->dns.key.k1, &r->dns);
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) ^ r->dns.key.k0;
	if (do_dns) {
		enum survey_status d = scan_dns(r, seed);

		if (d != SURVEY_DONE && d != SURVEY_PARTIAL) {
			rc = d;
			goto out;
		}
		rc = worst(rc, d);
	} else {
		size_t i;

		r->naddrs = r->tg->total > (1u << 24) ? (1u << 24) : (size_t)r->tg->total;
		r->addrs = calloc(r->naddrs ? r->naddrs : 1, sizeof(*r->addrs));
		for (i = 0; r->addrs && i < r->naddrs; i++)
			r->addrs[i] = survey_targets_at(r->tg, i);
	}
	if (!r->addrs) {
		rc = SURVEY_FAILED;
		goto out;
	}
	if ((do_http || do_proxy) && !(o->stop && *o->stop) && r->naddrs) {
		enum survey_status t = probe_tcp(r, do_http, do_proxy);

		if (t != SURVEY_DONE) {
			rc = t;
			goto out;
		}
	}
	rc = worst(rc, write_findings(r));
out:
	survey_zone_stop(r->zone);
	survey_fps_free(&r->fps);
	survey_findings_free(&r->fs);
	free(r->addrs);
	free(r->tg);
	survey_scope_free(&r->scope);
	free(r);
	return rc;
}
