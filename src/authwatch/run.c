/*
 * run.c -- authwatch's runtime (authwatch.h, "run"): the input files merged by time and
 * fed to the detector, read once or followed (-f) with their positions kept in the state
 * file, RADIUS accounting for concurrent sessions, each detection printed and kept until
 * the next flush, which records the pending detections as one event batch (cause
 * credential) and the suspensions in one store transaction. The settings come from the
 * [authwatch] keys (aw_conf_from_config).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authwatch/aw_int.h"
#include "core/base/jsonout.h"
#include "core/events/cause.h"
#include "core/service/config.h"
#include "core/events/evbatch.h"
#include "core/net/prefixset.h"
#include "core/sessions/sessfmt.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"
#include "core/store/store_authwatch.h"

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

struct aw_run {
	struct aw_run_opts o;
	struct aw_det *det, *acct_det;
	struct src *cur; /* the file being read by on_line */
	/* totals */
	long lines, records, ignored, rejected, unknown;
	long nsusp;
	struct pending *pend;
	size_t npend, cappend;
	int oom;
};

/* The caller's stop flag is set (a signal). */
static int stopped(const struct aw_run *r)
{
	return r->o.stop && *r->o.stop;
}

static void report(const struct aw_run *r, const struct isp_err *e)
{
	if (r->o.report)
		r->o.report(r->o.ud, e);
}

void aw_iso_time(int64_t t, char buf[32])
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

	aw_iso_time(d->first, f);
	aw_iso_time(d->last, l);
	json_object_set_new(o, "type", json_string(aw_type_name(d->type)));
	json_object_set_new(o, key_kind(d->type, d->key), jsonout_str(d->key));
	json_object_set_new(o, "reason", jsonout_str(d->reason));
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
		json_object_set_new(o, "service", jsonout_str(d->services));
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save))
		json_array_append_new(s, jsonout_str(tok));
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

	aw_iso_time(d->first, f);
	aw_iso_time(d->last, l);
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
	struct aw_run *r = ud;
	char line[1024];
	char *js = json_line(d);
	struct pending *p;

	text_line(d, line, sizeof(line));
	fprintf(r->o.out, "%s\n", r->o.json ? (js ? js : "{}") : line);
	if (r->o.follow)
		fflush(r->o.out);
	if (r->o.dry || r->oom) {
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
	p->suspend = (r->o.suspend_types >> d->type) & 1 &&
		     strcmp(key_kind(d->type, d->key), "account") == 0;
	if (!p->ip || !p->type || !p->key || !p->detail)
		r->oom = 1;
}

static void pending_clear(struct aw_run *r)
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

/* The pending detections as events, and the suspensions, in the batch's transaction. */
static int add_pending(void *ud, struct evbatch *b, struct isp_err *err)
{
	struct aw_run *r = ud;
	size_t i;
	int added, rc;

	for (i = 0; i < r->npend; i++) {
		const struct pending *p = &r->pend[i];
		struct store_event e;

		memset(&e, 0, sizeof(e));
		e.time = p->time;
		e.ip = p->ip;
		e.cause = cause_name(CAUSE_CREDENTIAL);
		e.family = p->type;
		e.reference = p->key;
		e.detail = p->detail;
		e.raw = p->raw;
		rc = evbatch_add(b, &e, err);
		if (rc == 0 && p->suspend) {
			struct store_suspension s;

			memset(&s, 0, sizeof(s));
			s.user = p->key;
			s.type = p->type;
			s.reason = p->detail;
			s.detected = p->time;
			rc = store_suspend(evbatch_store(b), &s, &added, err);
			if (rc == 0)
				r->nsusp += added;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Record the pending detections as one batch (and the suspensions), in one
 * transaction. 0 or -1 (error reported). */
static int flush(struct aw_run *r, const char *files)
{
	const struct evbatch_info info = { "authwatch", files, "authlog", "type,key,detail" };
	struct store *st;
	struct isp_err err;

	if (r->oom) {
		isp_err_clear(&err);
		isp_err_set(&err, ISR_ENOMEM, "authwatch: out of memory keeping detections");
		report(r, &err);
		return -1;
	}
	if (r->o.dry || r->npend == 0)
		return 0;
	isp_err_clear(&err);
	st = r->o.open_store(r->o.ud);
	if (!st)
		return -1;
	if (evbatch_record(st, &info, add_pending, r, NULL, &err) != 0) {
		report(r, &err);
		store_close(st);
		return -1;
	}
	store_close(st);
	pending_clear(r);
	return 0;
}

/* One line of r->cur's file: a record is kept in r->cur->rec and reading stops there
 * (1); other lines are counted and reading goes on (0). */
static int on_line(void *ud, const char *file, long lineno, const char *line, size_t len)
{
	struct aw_run *r = ud;
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
			if (r->unknown <= 10) {
				isp_err_clear(&err);
				isp_err_at(&err, ISR_EFORMAT, file, lineno, -1,
					   "not a line of a known format");
				report(r, &err);
			}
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
			report(r, &err);
		}
	}
	if (r->o.progress && r->lines % 1000000 == 0) {
		fprintf(stderr, "\rauthwatch: %ld lines", r->lines);
		fflush(stderr);
	}
	return s->have || stopped(r) ? 1 : 0;
}

/* Read s up to its next record, unless it holds one or has nothing more now. -1 when
 * the file failed (error printed). */
static int fill(struct aw_run *r, struct src *s)
{
	struct isp_err err;
	long n;

	if (s->have || s->dry || !s->t)
		return 0;
	isp_err_clear(&err);
	r->cur = s;
	n = aw_tail_read(s->t, r->o.follow, on_line, r, &err);
	r->cur = NULL;
	if (!s->have)
		s->dry = 1;
	if (n < 0) {
		report(r, &err);
		return -1;
	}
	return 0;
}

/* Feed the detector every record available now in the n files, earliest first (ties:
 * the file named first). -1 when a file failed. */
static int drain(struct aw_run *r, struct src *srcs, int n)
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
		if (!stopped(r) && fill(r, best) != 0)
			rc = -1;
	}
}

/* ---- accounting ---- */

static int on_acct(void *ud, const struct sess_record *s)
{
	struct aw_run *r = ud;
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

static void acct_reject(void *ud, const struct isp_err *e)
{
	report(ud, e);
}

int aw_run_acct(struct aw_run *r, FILE *f, const char *path)
{
	struct sessfmt_opts o;
	struct sessfmt_stats ss;
	struct isp_err err;
	int rc;

	memset(&o, 0, sizeof(o));
	o.format = SESSFMT_AUTO;
	o.filename = path;
	o.max_skew = r->o.clock_skew;
	isp_err_clear(&err);
	rc = sessfmt_read(f, &o, on_acct, acct_reject, r, &ss, &err);
	if (rc < 0) {
		report(r, &err);
		return -1;
	}
	r->rejected += ss.rejected;
	r->records += ss.records;
	return 0;
}

/* ---- the watcher ---- */

static int parse_types(const char *list, unsigned *out, struct isp_err *err)
{
	char buf[256], *tok, *save = NULL;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int t = aw_type_parse(tok);

		if (t < 0) {
			return isp_err_set(err, ISR_EINVAL,
					   "authwatch.suspend: unknown detection type '%s'", tok);
		}
		*out |= 1u << t;
	}
	return 0;
}

static int parse_services(const char *list, unsigned *out, struct isp_err *err)
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
			return isp_err_set(err, ISR_EINVAL,
					   "authwatch.outside-services: unknown service '%s'", tok);
		}
		*out |= 1u << i;
	}
	return 0;
}

int aw_conf_from_config(const struct isp_config *cfg, struct aw_conf *a, unsigned *suspend_types,
			struct isp_err *err)
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
	a->typo_window = cfg->authwatch_typo_window;
	a->own_spray = strcmp(cfg->authwatch_own_spray, "on") == 0;
	if (a->brute_window < 1 || a->spray_window < 1 || a->wave_window < 1 ||
	    a->sources_window < 1 || a->smtp_window < 1 || a->session_max < 1) {
		return isp_err_set(err, ISR_EINVAL, "authwatch: windows must be at least 1s");
	}
	if (a->spray_accounts > AW_SAMPLES || a->sources_max > AW_SAMPLES ||
	    a->smtp_sources > AW_SAMPLES || a->concurrent_max > 3 || a->spray_accounts < 1 ||
	    a->sources_max < 1 || a->smtp_sources < 1 || a->brute_failures < 1) {
		return isp_err_set(
			err, ISR_EINVAL,
			"authwatch: spray-accounts, sources-max and smtp-sources must be "
			"1..%d, concurrent-max 0..3, brute-failures at least 1",
			AW_SAMPLES);
	}
	if (a->max_keys < 8 || a->max_keys > (1L << 24)) {
		return isp_err_set(err, ISR_EINVAL, "authwatch.max-keys: 8 .. 16777216");
	}
	if (parse_services(cfg->authwatch_outside_services, &a->outside_services, err) != 0)
		return ISR_EINVAL;
	return parse_types(cfg->authwatch_suspend, suspend_types, err);
}

int aw_run_settings(const struct isp_config *cfg, struct aw_conf *conf, struct aw_run_opts *o,
		    struct prefixset **own, struct isp_err *err)
{
	int fmt = aw_format_parse(cfg->authwatch_format);

	if (fmt < 0)
		return isp_err_set(
			err, ISR_EINVAL,
			"authwatch: unknown format '%s' (radius, postfix, dovecot, json, "
			"auto)",
			cfg->authwatch_format);
	o->format = (enum aw_format)fmt;
	if (aw_conf_from_config(cfg, conf, &o->suspend_types, err) != 0)
		return ISR_EINVAL;
	if (prefixset_parse(cfg->authwatch_own[0] ? cfg->authwatch_own : cfg->core_own_networks,
			    own, err) != 0) {
		char why[ISP_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err->msg);
		return isp_err_set(err, ISR_EINVAL, "authwatch: own: %.400s", why);
	}
	conf->own = *own;
	o->clock_skew = cfg->sessions_clock_skew;
	return 0;
}

void aw_state_path(const struct isp_config *cfg, const char *opt, char *out)
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
static void save_positions(const struct aw_run *r, const struct src *srcs, int n, const char *state)
{
	struct isp_err err;
	int i;

	if (r->o.dry)
		return;
	for (i = 0; i < n; i++) {
		isp_err_clear(&err);
		if (srcs[i].t && aw_tail_save(srcs[i].t, state, &err) != 0)
			report(r, &err);
	}
}

void aw_run_summary(const struct aw_run *r, FILE *out)
{
	struct aw_det_stats s;
	int i;

	aw_det_stats(r->det, &s);
	if (r->o.progress)
		fputc('\r', out);
	fprintf(out,
		"authwatch: %ld lines, %ld records, %ld other lines, %ld rejected, %ld unknown, "
		"%ld backwards in time, %ld keys evicted, %ld typos withdrawn; detections:",
		r->lines, r->records, r->ignored, r->rejected, r->unknown, s.backwards, s.evicted,
		s.typos);
	for (i = 0; i < AWT_N; i++)
		fprintf(out, " %s %ld", aw_type_name((enum aw_type)i), s.detections[i]);
	if (r->acct_det) {
		struct aw_det_stats a;

		aw_det_stats(r->acct_det, &a);
		fprintf(out, " (accounting: concurrent %ld)", a.detections[AWT_CONCURRENT]);
	}
	fprintf(out, "; %ld accounts suspended%s\n", r->nsusp, r->o.dry ? " (dry run)" : "");
}
struct aw_run *aw_run_new(const struct aw_conf *conf, const struct aw_run_opts *o, int acct)
{
	struct aw_run *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->o = *o;
	if (!r->o.out)
		r->o.out = stdout;
	r->det = aw_det_new(conf, on_detect, r);
	if (acct)
		r->acct_det = aw_det_new(conf, on_detect, r);
	if (!r->det || (acct && !r->acct_det)) {
		aw_run_free(r);
		return NULL;
	}
	return r;
}

void aw_run_free(struct aw_run *r)
{
	if (!r)
		return;
	pending_clear(r);
	free(r->pend);
	aw_det_free(r->det);
	aw_det_free(r->acct_det);
	free(r);
}

int aw_run_partial(const struct aw_run *r)
{
	return r->rejected || r->unknown;
}

/* Read the files to their end, then record what was found. */
static int run_once(struct aw_run *r, struct src *srcs, int n, const char *files)
{
	int i, rc = 0;

	if (drain(r, srcs, n) != 0)
		rc = -1;
	for (i = 0; i < n; i++)
		if (srcs[i].t)
			r->rejected += aw_tail_toolong(srcs[i].t);
	if (flush(r, files) != 0)
		rc = -1;
	return rc;
}

/* Follow the files until *o.stop is set or idle_exit seconds without a new line,
 * recording after every round that read lines, and keeping the positions. */
static int run_follow(struct aw_run *r, struct src *srcs, int n, const char *files)
{
	time_t last_line = time(NULL);
	int rc = 0;

	while (!stopped(r)) {
		long before = r->lines;

		drain(r, srcs, n);
		if (r->lines != before) {
			last_line = time(NULL);
			if (flush(r, files) != 0) {
				rc = -1;
				break;
			}
			save_positions(r, srcs, n, r->o.state);
		} else if (r->o.idle_exit && time(NULL) - last_line >= r->o.idle_exit) {
			break;
		}
		usleep(200000);
	}
	if (flush(r, files) != 0)
		rc = -1;
	save_positions(r, srcs, n, r->o.state);
	return rc;
}

int aw_run_files(struct aw_run *r, int n, char *const *paths)
{
	struct src *srcs = calloc((size_t)n + 1, sizeof(*srcs));
	char files[1024] = "";
	struct isp_err err;
	size_t off = 0;
	int i, rc = 0;

	if (!srcs) {
		isp_err_clear(&err);
		isp_err_set(&err, ISR_ENOMEM, "authwatch: out of memory");
		report(r, &err);
		return -1;
	}
	for (i = 0; i < n && off < sizeof(files) - 1; i++)
		off += (size_t)snprintf(files + off, sizeof(files) - off, "%s%s", i ? " " : "",
					paths[i]);
	for (i = 0; i < n; i++) {
		struct stat st;

		isp_err_clear(&err);
		if (aw_tail_open(paths[i], r->o.follow ? r->o.state : NULL, &srcs[i].t, &err) !=
		    0) {
			report(r, &err);
			rc = -1;
		}
		/* a year-less time gets its year from the file's last change (now when
		 * following: the lines read are being written now) */
		aw_clock_init_local(&srcs[i].clk, !r->o.follow && stat(paths[i], &st) == 0
							  ? st.st_mtime
							  : time(NULL));
		srcs[i].fmt = r->o.format;
	}
	if ((r->o.follow ? run_follow(r, srcs, n, files) : run_once(r, srcs, n, files)) != 0)
		rc = -1;
	for (i = 0; i < n; i++)
		aw_tail_free(srcs[i].t);
	free(srcs);
	return rc;
}
