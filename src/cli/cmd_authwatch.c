/*
 * cmd_authwatch.c -- `ispshield authwatch`: read (or follow) authentication logs, print
 * each detection, record them as credential-abuse events for `notify`, keep the
 * suspend list; `suspend-list`, `suspended` and `release` read and change that list.
 * Parsing and detection live in src/authwatch; this file only wires them.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authwatch/authwatch.h"
#include "cli/cli.h"
#include "core/events/cause.h"
#include "core/net/prefixset.h"
#include "core/sessions/sessfmt.h"
#include "core/store/store.h"
#include "core/store/store_authwatch.h"
#include "core/store/store_notify.h"

static const char authwatch_usage[] =
	"usage: ispshield authwatch [OPTIONS] FILE...\n"
	"       ispshield authwatch suspend-list [--format users|list] [--out FILE]\n"
	"       ispshield authwatch suspended [--all] [--json]\n"
	"       ispshield authwatch release USER...\n"
	"\n"
	"Watch authentication logs for stolen credentials: brute force on one account,\n"
	"password spraying from one source or network, credential-stuffing waves, one\n"
	"account used from many sources, concurrently (RADIUS accounting) or from outside\n"
	"the access network, SMTP AUTH abuse. Prints one detection a line, records each as a\n"
	"credential-abuse event for `ispshield notify` and puts the accounts of the types in\n"
	"authwatch.suspend on the suspend list.\n"
	"\n"
	"Options (each overrides the [authwatch] key of the same name):\n"
	"  --format FMT        radius (radius.log, linelog), postfix, dovecot, json, auto\n"
	"                      (default; the first line of each file decides)\n"
	"  --acct FILE         RADIUS accounting (FreeRADIUS detail, CSV) for concurrent\n"
	"                      sessions of one User-Name (repeatable; read whole, not followed)\n"
	"  --own PREFIX,...    the ISP's access network (logins from outside are detections)\n"
	"  --json              one JSON object a line\n"
	"  -f, --follow        follow the files as they grow and rotate; the position is kept\n"
	"                      in the state file, so a restart neither loses nor repeats lines\n"
	"  --state-file FILE   (-f) where positions are kept\n"
	"  --idle-exit SECONDS (-f) stop after this long without a new line (scripts, tests)\n"
	"  --dry-run           print detections, change nothing on disk (no events, no\n"
	"                      suspensions, no positions in the state file)\n"
	"\n"
	"suspend-list writes the suspended accounts for FREERADIUS: --format users (default)\n"
	"gives rlm_files entries rejecting each account (include it first in\n"
	"mods-config/files/authorize), --format list one account a line. release takes an\n"
	"account off the list (after the subscriber changed the password).\n"
	"\n"
	"Several files (mail.log.1 mail.log, in any order) are merged by time. Times without a\n"
	"zone (syslog) are in core.timezone (default: the system's zone); detections print\n"
	"UTC.\n"
	"\n"
	"Bad lines (cut short, binary, unknown format) are reported as FILE:LINE: reason (the\n"
	"first 10 per file) and counted, as are times going backwards. Exit status: 0 done,\n"
	"2 usage, 3 done but some lines were rejected, 4 a file or the store failed.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* A detection waiting to be recorded. */
struct pending {
	int64_t time;
	char *ip, *type, *key, *detail, *raw;
	int suspend;
};

/*
 * One input file. Files are merged by time: each holds its next record (`have`), and the
 * record with the earliest time of all files goes to the detector next, so the lines of
 * several files (mail.log.1 and mail.log, or logs of several servers) reach it in the
 * order they happened whatever order the files were named in. Each file has its own
 * clock (year of year-less syslog times) and format.
 */
struct src {
	struct aw_tail *t;
	struct aw_clock clk;
	enum aw_format fmt;
	long rejected; /* of this file: the first 10 are reported */
	struct aw_rec rec;
	int have; /* rec is the file's next record, not fed yet */
	int dry;  /* no more lines available now */
};

struct run {
	struct cli *c;
	struct aw_det *det, *acct_det;
	enum aw_format want;
	int json, dry, follow;
	unsigned suspend_types;
	struct src *cur; /* the file being read by on_line */
	/* totals */
	long lines, records, ignored, rejected, unknown;
	long nsusp;
	struct pending *pend;
	size_t npend, cappend;
	int oom;
};

static void iso(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, 32, "%lld", (long long)t);
		return;
	}
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *key_kind(enum aw_type t, const char *key)
{
	if (t == AWT_STUFFING)
		return "all";
	if (t == AWT_SPRAY)
		return strchr(key, '/') ? "network" : "source";
	return "account";
}

static char *json_line(const struct aw_detection *d)
{
	json_t *o = json_object(), *s = json_array();
	char f[32], l[32], *out, *tok, *save = NULL, *copy = strdup(d->samples ? d->samples : "");

	iso(d->first, f);
	iso(d->last, l);
	json_object_set_new(o, "type", json_string(aw_type_name(d->type)));
	json_object_set_new(o, key_kind(d->type, d->key), json_string(d->key));
	json_object_set_new(o, "reason", json_string(d->reason));
	json_object_set_new(o, "first", json_string(f));
	json_object_set_new(o, "last", json_string(l));
	json_object_set_new(o, "window", json_integer(d->window));
	if (d->failures)
		json_object_set_new(o, "failures", json_integer(d->failures));
	if (d->successes)
		json_object_set_new(o, "successes", json_integer(d->successes));
	if (d->type == AWT_SMTP) {
		json_object_set_new(o, "sends", json_integer(d->sends));
		json_object_set_new(o, "baseline", json_real(d->baseline));
	}
	json_object_set_new(o, "accounts", json_integer(d->accounts));
	if (d->sources >= 0)
		json_object_set_new(o, "sources", json_integer(d->sources));
	if (d->saturated)
		json_object_set_new(o, "at_least", json_true());
	if (d->services && d->services[0])
		json_object_set_new(o, "service", json_string(d->services));
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save))
		json_array_append_new(s, json_string(tok));
	json_object_set_new(o, "samples", s);
	free(copy);
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

static void text_line(const struct aw_detection *d, char *buf, size_t size)
{
	char f[32], l[32];
	size_t off;

	iso(d->first, f);
	iso(d->last, l);
	off = (size_t)snprintf(buf, size, "%s %s %s=%s reason=%s window=%llds first=%s", l,
			       aw_type_name(d->type), key_kind(d->type, d->key), d->key, d->reason,
			       (long long)d->window, f);
	if (d->failures && off < size)
		off += (size_t)snprintf(buf + off, size - off, " failures=%ld", d->failures);
	if (d->successes && off < size)
		off += (size_t)snprintf(buf + off, size - off, " successes=%ld", d->successes);
	if (d->type == AWT_SMTP && off < size)
		off += (size_t)snprintf(buf + off, size - off, " sends=%ld baseline=%.1f", d->sends,
					d->baseline);
	if (off < size)
		off += (size_t)snprintf(buf + off, size - off, " accounts=%ld%s", d->accounts,
					d->saturated ? "+" : "");
	if (d->sources >= 0 && off < size)
		off += (size_t)snprintf(buf + off, size - off, " sources=%ld%s", d->sources,
					d->saturated ? "+" : "");
	if (d->services && d->services[0] && off < size)
		off += (size_t)snprintf(buf + off, size - off, " service=%s", d->services);
	if (d->samples && d->samples[0] && off < size)
		snprintf(buf + off, size - off, " samples=%s", d->samples);
}

static void on_detect(void *ud, const struct aw_detection *d)
{
	struct run *r = ud;
	char line[1024];
	char *js = json_line(d);
	struct pending *p;

	text_line(d, line, sizeof(line));
	if (r->json)
		printf("%s\n", js ? js : "{}");
	else
		printf("%s\n", line);
	if (r->follow)
		fflush(stdout);
	if (r->dry || r->oom) {
		free(js);
		return;
	}
	if (r->npend == r->cappend) {
		size_t cap = r->cappend ? r->cappend * 2 : 64;
		struct pending *v = realloc(r->pend, cap * sizeof(*v));

		if (!v) {
			r->oom = 1;
			free(js);
			return;
		}
		r->pend = v;
		r->cappend = cap;
	}
	p = &r->pend[r->npend++];
	p->time = d->last;
	p->ip = strdup(d->ip ? d->ip : "");
	p->type = strdup(aw_type_name(d->type));
	p->key = strdup(d->key);
	p->detail = strdup(line);
	p->raw = js;
	p->suspend = (r->suspend_types >> d->type) & 1 &&
		     strcmp(key_kind(d->type, d->key), "account") == 0;
	if (!p->ip || !p->type || !p->key || !p->detail)
		r->oom = 1;
}

static void pending_clear(struct run *r)
{
	size_t i;

	for (i = 0; i < r->npend; i++) {
		free(r->pend[i].ip);
		free(r->pend[i].type);
		free(r->pend[i].key);
		free(r->pend[i].detail);
		free(r->pend[i].raw);
	}
	r->npend = 0;
}

/* Record the pending detections as one batch (and the suspensions), in one
 * transaction. 0 or -1 (error printed). */
static int flush(struct run *r, const char *files)
{
	struct store *st;
	struct isp_err err;
	int64_t batch;
	size_t i;
	int added;

	if (r->oom) {
		cli_fail("authwatch: out of memory keeping detections");
		return -1;
	}
	if (r->dry || r->npend == 0)
		return 0;
	isp_err_clear(&err);
	st = cli_create_store(r->c);
	if (!st)
		return -1;
	if (store_begin(st, &err) != 0 ||
	    store_batch_begin(st, "authwatch", files, "authlog", &batch, &err) != 0)
		goto fail;
	for (i = 0; i < r->npend; i++) {
		struct pending *p = &r->pend[i];
		struct store_event e;

		memset(&e, 0, sizeof(e));
		e.time = p->time;
		e.ip = p->ip;
		e.cause = cause_name(CAUSE_CREDENTIAL);
		e.family = p->type;
		e.reference = p->key;
		e.detail = p->detail;
		e.raw = p->raw;
		if (store_event_add(st, batch, &e, &err) != 0)
			goto fail;
		if (p->suspend) {
			struct store_suspension s;

			memset(&s, 0, sizeof(s));
			s.user = p->key;
			s.type = p->type;
			s.reason = p->detail;
			s.detected = p->time;
			if (store_suspend(st, &s, &added, &err) != 0)
				goto fail;
			r->nsusp += added;
		}
	}
	if (store_batch_end(st, batch, "type,key,detail", (long)r->npend, 0, &err) != 0 ||
	    store_commit(st, &err) != 0)
		goto fail;
	store_close(st);
	pending_clear(r);
	return 0;
fail:
	cli_error(&err);
	store_rollback(st);
	store_close(st);
	return -1;
}

/* One line of r->cur's file: a record is kept in r->cur->rec and reading stops there
 * (1); other lines are counted and reading goes on (0). */
static int on_line(void *ud, const char *file, long lineno, const char *line, size_t len)
{
	struct run *r = ud;
	struct src *s = r->cur;
	struct isp_err err;
	int rc;

	r->lines++;
	if (s->fmt == AWF_AUTO) {
		size_t i = 0;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len || line[i] == '#')
			return 0;
		s->fmt = aw_detect_format(line, len);
		if (s->fmt == AWF_AUTO) {
			r->unknown++;
			if (r->unknown <= 10)
				cli_fail("%s:%ld: not a line of a known format", file, lineno);
			return 0;
		}
	}
	isp_err_clear(&err);
	rc = aw_parse_line(s->fmt, line, len, &s->clk, &s->rec, &err);
	if (rc == 1) {
		s->have = 1;
	} else if (rc == 0) {
		r->ignored++;
	} else {
		r->rejected++;
		if (++s->rejected <= 10) {
			err.file = file;
			err.line = lineno;
			cli_error(&err);
		}
	}
	if (r->c->progress && r->lines % 1000000 == 0) {
		fprintf(stderr, "\rauthwatch: %ld lines", r->lines);
		fflush(stderr);
	}
	return s->have || stop_flag ? 1 : 0;
}

/* Read s up to its next record, unless it holds one or has nothing more now. -1 when
 * the file failed (error printed). */
static int fill(struct run *r, struct src *s)
{
	struct isp_err err;
	long n;

	if (s->have || s->dry || !s->t)
		return 0;
	isp_err_clear(&err);
	r->cur = s;
	n = aw_tail_read(s->t, r->follow, on_line, r, &err);
	r->cur = NULL;
	if (!s->have)
		s->dry = 1;
	if (n < 0) {
		cli_error(&err);
		return -1;
	}
	return 0;
}

/* Feed the detector every record available now in the n files, earliest first (ties:
 * the file named first). -1 when a file failed. */
static int drain(struct run *r, struct src *srcs, int n)
{
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		srcs[i].dry = 0;
		if (fill(r, &srcs[i]) != 0)
			rc = -1;
	}
	for (;;) {
		struct src *best = NULL;

		for (i = 0; i < n; i++)
			if (srcs[i].have && (!best || srcs[i].rec.time < best->rec.time))
				best = &srcs[i];
		if (!best)
			return rc;
		r->records++;
		aw_det_add(r->det, &best->rec);
		best->have = 0;
		if (!stop_flag && fill(r, best) != 0)
			rc = -1;
	}
}

/* ---- accounting ---- */

static int on_acct(void *ud, const struct sess_record *s)
{
	struct run *r = ud;
	struct aw_rec rec;

	if (s->op != SESS_START && s->op != SESS_INTERIM && s->op != SESS_STOP)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.time = s->time;
	rec.result = s->op == SESS_STOP ? AWR_SESS_STOP : AWR_SESS_START;
	rec.service = AWS_PPP;
	rec.count = 1;
	snprintf(rec.user, sizeof(rec.user), "%s", s->user);
	snprintf(rec.nas, sizeof(rec.nas), "%s", s->nas);
	snprintf(rec.session, sizeof(rec.session), "%s", s->session_id);
	if (s->naddr) {
		rec.src = s->addr[0];
		ip_format_prefix(&s->addr[0], rec.source);
	}
	aw_det_add(r->acct_det, &rec);
	return 0;
}

static int read_acct(struct run *r, const char *path)
{
	struct sessfmt_opts o;
	struct sessfmt_stats ss;
	struct isp_err err;
	FILE *f = cli_fopen(path);
	int rc;

	if (!f)
		return -1;
	memset(&o, 0, sizeof(o));
	o.format = SESSFMT_AUTO;
	o.filename = path;
	o.max_skew = r->c->cfg.sessions_clock_skew;
	isp_err_clear(&err);
	rc = sessfmt_read(f, &o, on_acct, cli_reject, r, &ss, &err);
	cli_fclose(f);
	if (rc < 0) {
		cli_error(&err);
		return -1;
	}
	r->rejected += ss.rejected;
	r->records += ss.records;
	return 0;
}

/* ---- the watcher ---- */

static int parse_types(const char *list, unsigned *out)
{
	char buf[256], *tok, *save = NULL;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int t = aw_type_parse(tok);

		if (t < 0) {
			cli_fail("authwatch.suspend: unknown detection type '%s'", tok);
			return -1;
		}
		*out |= 1u << t;
	}
	return 0;
}

static int parse_services(const char *list, unsigned *out)
{
	static const char *const names[] = { "other", "ppp", "smtp", "imap", "pop3", "web" };
	char buf[128], *tok, *save = NULL;
	int i;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		for (i = 0; i < AWS_N; i++)
			if (strcmp(tok, names[i]) == 0)
				break;
		if (i == AWS_N) {
			cli_fail("authwatch.outside-services: unknown service '%s'", tok);
			return -1;
		}
		*out |= 1u << i;
	}
	return 0;
}

static int make_conf(const struct isp_config *cfg, struct aw_conf *a)
{
	aw_conf_defaults(a);
	a->brute_window = cfg->authwatch_brute_window;
	a->brute_failures = (long)cfg->authwatch_brute_failures;
	a->spray_window = cfg->authwatch_spray_window;
	a->spray_accounts = (long)cfg->authwatch_spray_accounts;
	a->spray_max_tries = (long)cfg->authwatch_spray_max_tries;
	a->wave_window = cfg->authwatch_wave_window;
	a->wave_accounts = (long)cfg->authwatch_wave_accounts;
	a->wave_sources = (long)cfg->authwatch_wave_sources;
	a->sources_window = cfg->authwatch_sources_window;
	a->sources_max = (long)cfg->authwatch_sources_max;
	a->session_max = cfg->authwatch_session_max;
	a->concurrent_max = (long)cfg->authwatch_concurrent_max;
	a->smtp_window = cfg->authwatch_smtp_window;
	a->smtp_min = (long)cfg->authwatch_smtp_min;
	a->smtp_factor = (long)cfg->authwatch_smtp_factor;
	a->smtp_sources = (long)cfg->authwatch_smtp_sources;
	a->max_keys = (long)cfg->authwatch_max_keys;
	if (a->brute_window < 1 || a->spray_window < 1 || a->wave_window < 1 ||
	    a->sources_window < 1 || a->smtp_window < 1 || a->session_max < 1) {
		cli_fail("authwatch: windows must be at least 1s");
		return -1;
	}
	if (a->spray_accounts > AW_SAMPLES || a->sources_max > AW_SAMPLES ||
	    a->smtp_sources > AW_SAMPLES || a->concurrent_max > 3 || a->spray_accounts < 1 ||
	    a->sources_max < 1 || a->smtp_sources < 1 || a->brute_failures < 1) {
		cli_fail("authwatch: spray-accounts, sources-max and smtp-sources must be 1..%d, "
			 "concurrent-max 0..3, brute-failures at least 1",
			 AW_SAMPLES);
		return -1;
	}
	if (a->max_keys < 8 || a->max_keys > (1L << 24)) {
		cli_fail("authwatch.max-keys: 8 .. 16777216");
		return -1;
	}
	return parse_services(cfg->authwatch_outside_services, &a->outside_services);
}

static void state_path(const struct isp_config *cfg, const char *opt, char out[CONFIG_PATH_MAX])
{
	if (opt) {
		snprintf(out, CONFIG_PATH_MAX, "%s", opt);
		return;
	}
	if (cfg->authwatch_state_file[0]) {
		snprintf(out, CONFIG_PATH_MAX, "%s", cfg->authwatch_state_file);
		return;
	}
	config_state_path(cfg, "authwatch.state", out);
}

/* Record where each file was read to (-f), so a restart neither loses nor repeats lines.
 * A dry run records nothing: the real run after it must still read those lines. */
static void save_positions(const struct run *r, const struct src *srcs, int n, const char *state)
{
	struct isp_err err;
	int i;

	if (r->dry)
		return;
	for (i = 0; i < n; i++) {
		isp_err_clear(&err);
		if (srcs[i].t && aw_tail_save(srcs[i].t, state, &err) != 0)
			cli_error(&err);
	}
}

static void summary(const struct run *r)
{
	struct aw_det_stats s;
	int i;

	aw_det_stats(r->det, &s);
	if (r->c->progress)
		fputc('\r', stderr);
	fprintf(stderr,
		"authwatch: %ld lines, %ld records, %ld other lines, %ld rejected, %ld unknown, "
		"%ld backwards in time, %ld keys evicted; detections:",
		r->lines, r->records, r->ignored, r->rejected, r->unknown, s.backwards, s.evicted);
	for (i = 0; i < AWT_N; i++)
		fprintf(stderr, " %s %ld", aw_type_name((enum aw_type)i), s.detections[i]);
	if (r->acct_det) {
		struct aw_det_stats a;

		aw_det_stats(r->acct_det, &a);
		fprintf(stderr, " (accounting: concurrent %ld)", a.detections[AWT_CONCURRENT]);
	}
	fprintf(stderr, "; %ld accounts suspended%s\n", r->nsusp, r->dry ? " (dry run)" : "");
}

static int watch(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 256, O_ACCT, O_OWN, O_JSON, O_DRY, O_STATE, O_IDLE };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "acct", required_argument, NULL, O_ACCT },
		{ "own", required_argument, NULL, O_OWN },
		{ "json", no_argument, NULL, O_JSON },
		{ "follow", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "state-file", required_argument, NULL, O_STATE },
		{ "idle-exit", required_argument, NULL, O_IDLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r;
	struct aw_conf conf;
	struct prefixset *own = NULL;
	struct src *srcs = NULL;
	struct isp_err err;
	const char *acct[16], *state_opt = NULL;
	char state[CONFIG_PATH_MAX], files[1024] = "";
	int nacct = 0, ch, i, nfiles, rc = EXIT_OK, fmt;
	long idle_exit = 0;
	size_t off = 0;

	memset(&r, 0, sizeof(r));
	r.c = c;
	isp_err_clear(&err);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		const char *key = NULL;

		switch (ch) {
		case O_FORMAT: key = "authwatch.format"; break;
		case O_OWN: key = "authwatch.own"; break;
		case O_ACCT:
			if (nacct == 16) {
				cli_fail("authwatch: at most 16 --acct files");
				return EXIT_USAGE;
			}
			acct[nacct++] = optarg;
			break;
		case O_JSON: r.json = 1; break;
		case 'f': r.follow = 1; break;
		case O_DRY: r.dry = 1; break;
		case O_STATE: state_opt = optarg; break;
		case O_IDLE: idle_exit = atol(optarg); break;
		case 'h': fputs(authwatch_usage, stdout); return EXIT_OK;
		default: fputs(authwatch_usage, stderr); return EXIT_USAGE;
		}
		if (key && config_set(&c->cfg, key, optarg, &err) != 0) {
			cli_error(&err);
			return EXIT_USAGE;
		}
	}
	nfiles = argc - optind;
	if (nfiles < 1 && nacct == 0) {
		cli_fail("authwatch: give log files (or --acct files)");
		fputs(authwatch_usage, stderr);
		return EXIT_USAGE;
	}
	fmt = aw_format_parse(c->cfg.authwatch_format);
	if (fmt < 0) {
		cli_fail("authwatch: unknown format '%s' (radius, postfix, dovecot, json, auto)",
			 c->cfg.authwatch_format);
		return EXIT_USAGE;
	}
	r.want = (enum aw_format)fmt;
	if (make_conf(&c->cfg, &conf) != 0 ||
	    parse_types(c->cfg.authwatch_suspend, &r.suspend_types))
		return EXIT_USAGE;
	if (prefixset_parse(c->cfg.authwatch_own, &own, &err) != 0) {
		cli_fail("authwatch: own: %s", err.msg);
		return EXIT_USAGE;
	}
	conf.own = own;
	state_path(&c->cfg, state_opt, state);
	r.det = aw_det_new(&conf, on_detect, &r);
	if (nacct)
		r.acct_det = aw_det_new(&conf, on_detect, &r);
	srcs = calloc((size_t)nfiles + 1, sizeof(*srcs));
	if (!r.det || (nacct && !r.acct_det) || !srcs) {
		cli_fail("authwatch: out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	for (i = optind; i < argc && off < sizeof(files) - 1; i++)
		off += (size_t)snprintf(files + off, sizeof(files) - off, "%s%s",
					i > optind ? " " : "", argv[i]);
	for (i = 0; i < nacct; i++)
		if (read_acct(&r, acct[i]) != 0)
			rc = EXIT_FAIL;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (i = 0; i < nfiles; i++) {
		struct stat st;

		if (aw_tail_open(argv[optind + i], r.follow ? state : NULL, &srcs[i].t, &err) !=
		    0) {
			cli_error(&err);
			rc = EXIT_FAIL;
		}
		/* a year-less time gets its year from the file's last change (now when
		 * following: the lines read are being written now) */
		aw_clock_init_local(&srcs[i].clk, !r.follow && stat(argv[optind + i], &st) == 0
							  ? st.st_mtime
							  : time(NULL));
		srcs[i].fmt = r.want;
	}
	if (!r.follow) {
		if (drain(&r, srcs, nfiles) != 0)
			rc = EXIT_FAIL;
		for (i = 0; i < nfiles; i++)
			if (srcs[i].t)
				r.rejected += aw_tail_toolong(srcs[i].t);
		if (flush(&r, files) != 0)
			rc = EXIT_FAIL;
	} else {
		time_t last_line = time(NULL);

		while (!stop_flag) {
			long before = r.lines;

			drain(&r, srcs, nfiles);
			if (r.lines != before) {
				last_line = time(NULL);
				if (flush(&r, files) != 0) {
					rc = EXIT_FAIL;
					break;
				}
				save_positions(&r, srcs, nfiles, state);
			} else if (idle_exit && time(NULL) - last_line >= idle_exit) {
				break;
			}
			usleep(200000);
		}
		if (flush(&r, files) != 0)
			rc = EXIT_FAIL;
		save_positions(&r, srcs, nfiles, state);
	}
	if (!c->quiet)
		summary(&r);
	if (rc == EXIT_OK && (r.rejected || r.unknown))
		rc = EXIT_PARTIAL;
out:
	for (i = 0; srcs && i < nfiles; i++)
		aw_tail_free(srcs[i].t);
	free(srcs);
	pending_clear(&r);
	free(r.pend);
	aw_det_free(r.det);
	aw_det_free(r.acct_det);
	prefixset_free(own);
	return rc;
}

/* ---- the suspend list ---- */

struct listw {
	FILE *out;
	int users, json;
	long n;
	json_t *arr;
};

static int write_one(void *ud, const struct store_suspension *s)
{
	struct listw *w = ud;
	char t[CLI_WHEN_MAX];
	const char *p;

	w->n++;
	if (w->arr) {
		json_t *o = json_object();
		char a[32];

		json_object_set_new(o, "user", json_string(s->user));
		json_object_set_new(o, "type", json_string(s->type));
		iso(s->since, a);
		json_object_set_new(o, "since", json_string(a));
		if (s->released) {
			iso(s->released, a);
			json_object_set_new(o, "released", json_string(a));
		}
		json_object_set_new(o, "reason", json_string(s->reason ? s->reason : ""));
		json_array_append_new(w->arr, o);
		return 0;
	}
	if (!w->users) {
		fprintf(w->out, "%s\n", s->user);
		return 0;
	}
	/* rlm_files: a quoted name; '"' and '\' escaped. The reason is a comment. */
	fprintf(w->out, "# %s: %s since %s\n", s->user, s->type, cli_when(s->since, t));
	fputc('"', w->out);
	for (p = s->user; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', w->out);
		fputc((unsigned char)*p >= 0x20 ? *p : '?', w->out);
	}
	fprintf(w->out,
		"\"\tAuth-Type := Reject\n"
		"\tReply-Message := \"Account suspended (%s): please change your password\"\n\n",
		s->type);
	return 0;
}

static int suspend_list(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 256, O_OUT };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "out", required_argument, NULL, O_OUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct listw w;
	struct store *st;
	struct isp_err err;
	const char *out = NULL;
	char tmp[CONFIG_PATH_MAX + 32], t[CLI_WHEN_MAX];
	int ch, rc;

	memset(&w, 0, sizeof(w));
	w.users = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case O_FORMAT:
			if (strcmp(optarg, "users") != 0 && strcmp(optarg, "list") != 0) {
				cli_fail("authwatch suspend-list: --format users or list");
				return EXIT_USAGE;
			}
			w.users = strcmp(optarg, "users") == 0;
			break;
		case O_OUT: out = optarg; break;
		case 'h': fputs(authwatch_usage, stdout); return EXIT_OK;
		default: fputs(authwatch_usage, stderr); return EXIT_USAGE;
		}
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	w.out = stdout;
	if (out) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
		w.out = fopen(tmp, "w");
		if (!w.out) {
			cli_fail("%s: cannot write", tmp);
			store_close(st);
			return EXIT_FAIL;
		}
	}
	if (w.users)
		fprintf(w.out,
			"# ispshield authwatch suspend list, written %s.\n"
			"# Include it first in mods-config/files/authorize: each account is "
			"rejected.\n"
			"# Release one with `ispshield authwatch release USER`, then write this "
			"again.\n\n",
			cli_when(time(NULL), t));
	isp_err_clear(&err);
	rc = store_each_suspension(st, 0, write_one, &w, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		if (out) {
			fclose(w.out);
			unlink(tmp);
		}
		return EXIT_FAIL;
	}
	if (out) {
		if (fflush(w.out) != 0 || fsync(fileno(w.out)) != 0 || fclose(w.out) != 0 ||
		    rename(tmp, out) != 0) {
			cli_fail("%s: cannot write", out);
			unlink(tmp);
			return EXIT_FAIL;
		}
	}
	if (!c->quiet)
		fprintf(stderr, "authwatch: %ld accounts suspended\n", w.n);
	return EXIT_OK;
}

static int suspended(struct cli *c, int argc, char **argv)
{
	struct listw w;
	struct store *st;
	struct isp_err err;
	int i, all = 0, rc;

	memset(&w, 0, sizeof(w));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) {
			all = 1;
		} else if (strcmp(argv[i], "--json") == 0) {
			w.json = 1;
		} else {
			fputs(authwatch_usage, strcmp(argv[i], "--help") ? stderr : stdout);
			return strcmp(argv[i], "--help") ? EXIT_USAGE : EXIT_OK;
		}
	}
	w.arr = json_array(); /* text output is the JSON's fields in columns */
	st = cli_open_store(c);
	if (!st) {
		json_decref(w.arr);
		return EXIT_FAIL;
	}
	isp_err_clear(&err);
	rc = store_each_suspension(st, all, write_one, &w, &err);
	store_close(st);
	if (rc) {
		cli_error(&err);
		json_decref(w.arr);
		return EXIT_FAIL;
	}
	if (w.json) {
		json_dumpf(w.arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		size_t k;
		json_t *o;

		json_array_foreach(w.arr, k, o)
		{
			json_t *rel = json_object_get(o, "released");

			printf("%s\t%s\tsince %s%s%s\t%s\n",
			       json_string_value(json_object_get(o, "user")),
			       json_string_value(json_object_get(o, "type")),
			       json_string_value(json_object_get(o, "since")),
			       rel ? ", released " : "", rel ? json_string_value(rel) : "",
			       json_string_value(json_object_get(o, "reason")));
		}
	}
	json_decref(w.arr);
	return EXIT_OK;
}

static int release(struct cli *c, int argc, char **argv)
{
	struct store *st;
	struct isp_err err;
	int i, rc = EXIT_OK;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(authwatch_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	st = cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	for (i = 1; i < argc; i++) {
		isp_err_clear(&err);
		if (store_release(st, argv[i], 0, &err) != 0) {
			cli_error(&err);
			rc = EXIT_FAIL;
		} else if (!c->quiet) {
			fprintf(stderr, "authwatch: %s released\n", argv[i]);
		}
	}
	store_close(st);
	return rc;
}

int cmd_authwatch(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "suspend-list") == 0)
		return suspend_list(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "suspended") == 0)
		return suspended(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "release") == 0)
		return release(c, argc - 1, argv + 1);
	if (argc < 2) {
		fputs(authwatch_usage, stderr);
		return EXIT_USAGE;
	}
	return watch(c, argc, argv);
}
