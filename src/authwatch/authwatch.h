/*
 * authwatch.h -- credential-abuse detection over an ISP's authentication logs.
 *
 * Three parts, each usable alone:
 *
 *   parse   one log line -> one struct aw_rec (time, user, source, NAS, result,
 *           service). Formats: FreeRADIUS radius.log ("Login OK" / "Login incorrect")
 *           and linelog lines of Name=value pairs, Postfix smtpd SASL lines, Dovecot
 *           login-process lines, JSON lines. Syslog headers (RFC 3164 "Nov 22 10:40:31",
 *           RFC 3339 "2026-11-22T10:40:31+09:00", and radius.log's "Sun Nov 22 10:40:31
 *           2026") are read by one function; a year-less syslog time gets its year from
 *           a struct aw_clock (reference time, December -> January turn).
 *   detect  a struct aw_det holds the sliding windows: three set-associative tables of
 *           fixed size (accounts, sources, /24 or /48 networks), a global pair of
 *           HyperLogLogs for stuffing waves; memory is fixed at aw_det_new whatever the
 *           input. Detections are handed to a callback, each (type, key) at most once per
 *           window. A failure followed soon by a success of the same account from the
 *           same source is a typo and withdrawn (the rule: detect.c's header).
 *   tail    reading files to the end or following them (-f) across rotation, keeping the
 *           position (inode, offset, hash of the first line) in a state file.
 *
 *   run     (run.c) the runtime of `ispshield authwatch`: files merged by time into the
 *           detector, read once or followed, each detection printed and recorded (one
 *           event batch and the suspensions per store transaction).
 *   suspend (suspend.c) the suspend list read back: rlm_files entries, the listing.
 *
 * parse, detect and tail touch neither the store nor the configuration; run and suspend
 * do, and src/cli/cmd_authwatch.c only parses the arguments and calls them.
 */
#ifndef ISP_AUTHWATCH_H
#define ISP_AUTHWATCH_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/net/ip.h"

/* ---- records ---- */

enum aw_format { AWF_AUTO = 0, AWF_RADIUS, AWF_POSTFIX, AWF_DOVECOT, AWF_JSON, AWF_N };

enum aw_result {
	AWR_FAIL = 1,	/* authentication failed */
	AWR_OK,		/* authentication succeeded (a login) */
	AWR_SEND,	/* Postfix: a message submitted by an authenticated client (also OK) */
	AWR_SESS_START, /* accounting: a session of the user began (sessfmt) */
	AWR_SESS_STOP,	/* accounting: it ended */
};

enum aw_service { AWS_OTHER = 0, AWS_PPP, AWS_SMTP, AWS_IMAP, AWS_POP3, AWS_WEB, AWS_N };

#define AW_USER_MAX 256 /* longer user names are truncated (and hashed truncated) */
#define AW_SRC_MAX  128

/* One authentication record. Strings are NUL-terminated copies in the struct. */
struct aw_rec {
	int64_t time; /* unix seconds */
	enum aw_result result;
	enum aw_service service;
	char user[AW_USER_MAX];	  /* "" when the line names none (Postfix failures) */
	char source[AW_SRC_MAX];  /* client address, Calling-Station-Id, "" = unknown */
	struct ip_prefix src;	  /* source parsed as an address; family 0 when it is not */
	char nas[AW_SRC_MAX];	  /* NAS-IP-Address / NAS-Identifier / RADIUS client name */
	char session[AW_SRC_MAX]; /* accounting session id (AWR_SESS_*), else "" */
	long count;		  /* attempts this line stands for (Dovecot "3 attempts"); >= 1 */
};

/* Year inference for syslog times that carry none. */
struct aw_clock {
	int64_t ref;	 /* a time near the end of the input (file mtime, now) */
	int ref_year;	 /* civil year and month of ref (set by aw_clock_init) */
	int ref_month;	 /* 1..12 */
	int year;	 /* year of the last year-less line, 0 = none yet */
	int last_month;	 /* its month */
	int64_t utc_off; /* seconds east of UTC of the log's local time (unless local) */
	int local;	 /* 1: times without a zone are civil times in the process's zone */
};

/* Set c for input whose last lines were written near ref, local time utc_off seconds
 * east of UTC. The first year-less line gets ref's year, or the year before when its
 * month is later than ref's (a log from last December read in January); afterwards the
 * year goes up when the month goes from December to January. */
void aw_clock_init(struct aw_clock *c, int64_t ref, int64_t utc_off);

/* aw_clock_init for logs written in the process's zone (core.timezone, default the
 * system's; TZ): each zone-less time is converted by the zone's rules for that time, so
 * lines on both sides of a daylight-saving change keep their true order. */
void aw_clock_init_local(struct aw_clock *c, int64_t ref);

/*
 * Parse one line (len bytes, need not be NUL-terminated; may hold any bytes) in format
 * fmt (not AWF_AUTO). Returns 1 and *out for an authentication record, 0 for a line of
 * the format that says nothing about authentication (other Postfix lines, a radius.log
 * "Info" line), or ISR_EFORMAT for a line that is not in the format or is cut short,
 * with the reason in err (no position: the caller adds file and line).
 */
int aw_parse_line(enum aw_format fmt, const char *line, size_t len, struct aw_clock *clk,
		  struct aw_rec *out, struct isp_err *err);

/* Guess the format of a line: AWF_AUTO when none fits. */
enum aw_format aw_detect_format(const char *line, size_t len);

/* "radius", "postfix", ... "auto" <-> enum; -1 for an unknown name. */
int aw_format_parse(const char *name);
const char *aw_format_name(enum aw_format f);
const char *aw_service_name(enum aw_service s);

/*
 * Parse a syslog-style time at the start of s: "Nov 22 10:40:31" (year from clk),
 * "Sun Nov 22 10:40:31 2026" (radius.log), or RFC 3339 "2026-11-22T10:40:31[.frac]
 * (Z|+HH:MM)". Returns the bytes used (> 0) and *t, or 0 when s does not start with one.
 */
size_t aw_parse_time(const char *s, size_t n, struct aw_clock *clk, int64_t *t);

/* ---- detection ---- */

enum aw_type {
	AWT_BRUTE = 0,	/* many failures for one account */
	AWT_SPRAY,	/* one source (or network) failing on many accounts, few tries each */
	AWT_STUFFING,	/* many accounts failing from many sources (global) */
	AWT_SOURCES,	/* one account logged in from many sources */
	AWT_CONCURRENT, /* one account with sessions open on several NAS / lines */
	AWT_OUTSIDE,	/* one account logged in from outside the ISP's access network */
	AWT_SMTP,	/* SMTP AUTH: an account sending far above its baseline / from many */
	AWT_N
};
const char *aw_type_name(enum aw_type t);
/* "brute-force" ... -> type; -1 when unknown. */
int aw_type_parse(const char *name);

struct aw_conf {
	int64_t brute_window; /* seconds */
	long brute_failures;  /* failures of one account in the window */
	int64_t spray_window;
	long spray_accounts;  /* distinct accounts failing from one source / network */
	long spray_max_tries; /* ... with at most this many failures per account on average */
	int64_t wave_window;
	long wave_accounts; /* distinct failing accounts, all sources together */
	long wave_sources;  /* distinct failing sources */
	int64_t sources_window;
	long sources_max;    /* distinct sources of successful logins of one account */
	int64_t session_max; /* an accounting session not seen for this long is closed */
	long concurrent_max; /* open sessions of one account allowed */
	int64_t smtp_window;
	long smtp_min;		     /* messages in the window before volume is judged at all */
	long smtp_factor;	     /* ... and this many times the account's baseline */
	long smtp_sources;	     /* distinct sources submitting for one account */
	long max_keys;		     /* entries per table (accounts, sources, networks) */
	unsigned outside_services;   /* bit (1 << enum aw_service): logins from outside count */
	const struct prefixset *own; /* the ISP's access network; NULL = no outside check */
	int64_t typo_window;	     /* a success this soon after failures withdraws them; 0 off */
	int own_spray;		     /* 1: own addresses are aggregated into spray networks too */
};

/* The defaults documented in etc/ispshield.conf. */
void aw_conf_defaults(struct aw_conf *c);

#define AW_SAMPLES 16 /* distinct values tracked per table entry (and listed at most) */
/* A success withdraws the failures of its account and source (a typo) only when they
 * were at most this many: more failures before a success look like guessing. */
#define AW_TYPO_MAX 3

struct aw_detection {
	enum aw_type type;
	const char *key;     /* account, source or network ("*" for a wave) */
	const char *reason;  /* a few words: "failures", "volume", "sources", ... */
	int64_t first, last; /* first and last record of the evidence in the window */
	int64_t window;	     /* seconds */
	long failures, successes, sends;
	long accounts, sources; /* distinct; saturated at AW_SAMPLES (then `saturated`) */
	int saturated;		/* 1: the distinct count is at least what is shown */
	double baseline;	/* smtp: messages per window before */
	const char *samples;	/* "192.0.2.9 198.51.100.7 ..." (sources or accounts) */
	const char *services;	/* "smtp,imap" */
	const char *ip;		/* one source address of the evidence, "" if none */
};

typedef void (*aw_detect_fn)(void *ud, const struct aw_detection *d);

struct aw_det;

/* A detector with conf's thresholds (copied; conf->own must outlive it). NULL when
 * memory is short. Memory: 3 * max_keys * sizeof(entry) + max_keys * 32 bytes (the
 * account-and-source pairs of the typo rule) + 20 KiB, allocated here. */
struct aw_det *aw_det_new(const struct aw_conf *conf, aw_detect_fn fn, void *ud);
void aw_det_free(struct aw_det *d);
/* Bytes the detector holds. */
size_t aw_det_memory(const struct aw_det *d);

/* Feed one record. Times should not go backwards: the caller merges several files by
 * time. A record older than the newest seen (lines of one file slightly out of order) is
 * counted at the newest time, and one more than 60 s older is counted in `backwards`. */
void aw_det_add(struct aw_det *d, const struct aw_rec *r);

struct aw_det_stats {
	long records;	/* records fed */
	long backwards; /* records more than 60 s older than the newest seen */
	long evicted;	/* table entries evicted while in use (memory bound hit) */
	long typos;	/* failures withdrawn as typos (a success followed them) */
	long detections[AWT_N];
};
void aw_det_stats(const struct aw_det *d, struct aw_det_stats *s);

/* ---- reading and following files ---- */

struct aw_tail;

typedef int (*aw_line_fn)(void *ud, const char *file, long lineno, const char *line, size_t len);

/*
 * Open path for reading from its start, or from the position state_file records for it
 * (same inode, same first-line hash, size not below the offset; a rotated-away file of
 * the same inode as PATH.1 is read to its end first). state_file may be NULL.
 */
int aw_tail_open(const char *path, const char *state_file, struct aw_tail **out,
		 struct isp_err *err);
void aw_tail_free(struct aw_tail *t);

/*
 * Read complete lines available now, calling fn for each (a line longer than 64 KiB is
 * skipped and counted). With follow, a partial last line waits for its newline, and a
 * rotation (PATH renamed and a new file created: the old one is read to its end first;
 * or truncated in place) is followed. Without follow, the last line is passed even
 * without a newline. When fn returns nonzero, reading stops after that line (it counts as
 * passed) and the next call goes on with the line after it: a caller can pull one line at
 * a time (authwatch merges several files by time so). Returns lines passed (>= 0; 0 = none
 * available now), or a negative ISR code.
 */
long aw_tail_read(struct aw_tail *t, int follow, aw_line_fn fn, void *ud, struct isp_err *err);

/* Lines skipped as too long so far. */
long aw_tail_toolong(const struct aw_tail *t);

/* Record t's position in state_file (all tails of one run share the file: each call
 * rewrites the entry for its path, atomically by rename). */
int aw_tail_save(const struct aw_tail *t, const char *state_file, struct isp_err *err);

/* ---- run: the watcher (run.c) ---- */

struct isp_config;
struct store;

/*
 * The detector's settings and the detection types whose accounts are suspended
 * (bit 1 << enum aw_type) from the [authwatch] keys of cfg. Returns 0, or ISR_EINVAL
 * with the key and the reason in err.
 */
int aw_conf_from_config(const struct isp_config *cfg, struct aw_conf *a, unsigned *suspend_types,
			struct isp_err *err);

struct aw_run_opts;
struct prefixset;
/* The watcher's settings from cfg (options already applied): the detector's (as
 * aw_conf_from_config), o's format, suspend types and clock skew, and the ISP's own
 * network parsed into *own (conf->own points to it; the caller frees it, also on
 * error). Returns 0, or ISR_EINVAL with the key and the reason in err. */
int aw_run_settings(const struct isp_config *cfg, struct aw_conf *conf, struct aw_run_opts *o,
		    struct prefixset **own, struct isp_err *err);

/* The state file for followed positions: opt if set, else authwatch.state-file, else
 * authwatch.state in the state folder. out has CONFIG_PATH_MAX bytes. */
void aw_state_path(const struct isp_config *cfg, const char *opt, char *out);

struct aw_run_opts {
	enum aw_format format;	     /* AWF_AUTO: the first line of each file decides */
	int json;		     /* print detections as JSON lines, else as text */
	int dry;		     /* print only: no events, suspensions or positions */
	int follow;		     /* follow the files as they grow and rotate */
	int progress;		     /* line count on stderr every million lines */
	long idle_exit;		     /* (follow) stop after this many seconds without a line */
	volatile sig_atomic_t *stop; /* set (by a signal handler) to stop; NULL: none */
	const char *state;	     /* (follow) the positions file */
	unsigned suspend_types;	     /* from aw_conf_from_config */
	long clock_skew;	     /* accounting: sessions.clock-skew */
	FILE *out;		     /* detections go here (NULL: stdout) */
	/* errors and rejected lines (FILE:LINE: reason), the first 10 a file */
	void (*report)(void *ud, const struct isp_err *e);
	/* the store, opened (created if missing) for each flush; NULL: reported by it */
	struct store *(*open_store)(void *ud);
	void *ud; /* for report and open_store */
};

struct aw_run;

/* A run with detector conf (conf.own stays the caller's); acct: also a detector for
 * accounting. NULL when out of memory. */
struct aw_run *aw_run_new(const struct aw_conf *conf, const struct aw_run_opts *o, int acct);
void aw_run_free(struct aw_run *r);

/* Feed the RADIUS accounting in f (named path; FreeRADIUS detail or CSV, read whole) to
 * the accounting detector. 0, or -1 (reported). */
int aw_run_acct(struct aw_run *r, FILE *f, const char *path);

/*
 * Read the n log files (merged by time) to their end, or follow them until *o->stop
 * or idle_exit, and record the detections: one event batch of cause credential and the
 * suspensions per store transaction (none in a dry run). Also records what aw_run_acct
 * found. 0, or -1 when a file or the store failed (reported; the rest went on).
 */
int aw_run_files(struct aw_run *r, int n, char *const *paths);

/* 1 when lines were rejected or of no known format. */
int aw_run_partial(const struct aw_run *r);

/* One line of totals: lines, records, rejected, detections by type, suspensions. */
void aw_run_summary(const struct aw_run *r, FILE *out);

/* ---- suspend list (suspend.c) ---- */

/*
 * Write the suspended accounts for FreeRADIUS to path (atomically: a fsync'ed temporary
 * file renamed) or to stdout when path is NULL: users set gives rlm_files entries
 * rejecting each account (times as shown to people: time_fmt_local), else one account a
 * line. Sets *n. Returns 0
 * or an ISR code with err set.
 */
int aw_suspend_list(struct store *st, const char *path, int users, long *n, struct isp_err *err);

/* List the suspensions (all: released ones too) to out as a JSON array or text
 * columns. Returns 0 or an ISR code with err set. */
int aw_suspended(struct store *st, int all, int json, FILE *out, struct isp_err *err);

#endif
