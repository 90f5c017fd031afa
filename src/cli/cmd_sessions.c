/*
 * cmd_sessions.c -- `ispshield sessions`: import address-assignment logs into the
 * sessions index; ask who held an address at a time.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/base/jsonout.h"
#include "core/base/fsutil.h"
#include "core/base/linereader.h"
#include "core/sessions/sessions.h"
#include "core/base/timefmt.h"

static const char sessions_usage[] =
	"usage: ispshield sessions COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Commands:\n"
	"  import  [--format F] FILE...  add RADIUS accounting or DHCP lease files to the\n"
	"          sessions index\n"
	"  who     [--json] [--port N] IP TIME  who held IP at TIME\n"
	"\n"
	"`ispshield sessions COMMAND --help` describes each command.\n";

static const char import_usage[] =
	"usage: ispshield sessions import [--format F] FILE...\n"
	"\n"
	"Read address-assignment logs (- = standard input) and merge them into the sessions\n"
	"index (core.sessions), which is rewritten atomically. Records pair across files and\n"
	"across imports: a Start read today and its Stop read tomorrow make one session.\n"
	"Reading the same file again changes nothing. Rejected records are reported as\n"
	"FILE:LINE: reason; the rest is imported.\n";

static const char import_tail[] =
	"Sessions without a Stop stay open until the address goes to someone else or\n"
	"sessions.open-max after their last Start/Interim-Update. FreeRADIUS Event-Timestamp\n"
	"is trusted within sessions.clock-skew of the receive time.\n"
	"\n"
	"Exit status: 0 imported, 3 imported but records were rejected, 4 failed.\n";

static const char who_usage[] =
	"usage: ispshield sessions who [--json] [--port N] [--skew DUR] IP TIME\n"
	"\n"
	"Print the subscriber and session that held IP (IPv4, or IPv6 inside a delegated\n"
	"prefix) at TIME (ISO 8601 such as 2026-11-22T10:45:00Z, or unix seconds; a time\n"
	"without a zone, such as '2026-11-22 19:45', is in core.timezone, default the\n"
	"system's zone). Times are printed in core.timezone with their UTC offset.\n";

static const char who_tail[] =
	"Exit status: 0 found, 1 nobody held it (or two subscribers are equally close),\n"
	"2 usage, 4 failure.\n";

struct import_ctx {
	struct sess_builder *b;
	struct isp_err *err;
	const char *file;
	long rejected; /* records the builder refused (impossible times) */
	int failed;
};

static int add_record(void *ud, const struct sess_record *r)
{
	struct import_ctx *x = ud;
	int rc = sess_builder_add(x->b, r, x->err);

	if (rc == ISR_EINVAL) { /* this record only: report it, go on */
		isp_err_at(x->err, rc, x->file, r->line, -1, "%s", x->err->msg);
		cli_error(x->err);
		isp_err_clear(x->err);
		x->rejected++;
		return 0;
	}
	if (rc) {
		x->failed = 1;
		return 1;
	}
	return 0;
}

static int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = import_usage, .tail = import_tail, .min_args = 1, .max_args = -1
	};
	char path[CONFIG_PATH_MAX];
	struct sess_opts so = { c->cfg.sessions_open_max };
	struct sess_build_stats bs;
	struct sessdb *base = NULL;
	struct import_ctx x = { 0 };
	struct isp_err err;
	long rejected = 0;
	int i, fmt, rc, argi;
	const struct opt opts[] = {
		OPT_KS("format", 'f', "sessions.format", "F"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	fmt = sessfmt_parse_name(c->cfg.sessions_format);
	if (fmt < 0) {
		cli_fail("--format %s: expected auto, detail, radcsv, dhcpd or kea",
			 c->cfg.sessions_format);
		return EXIT_USAGE;
	}
	isp_err_clear(&err);
	config_sessions_path(&c->cfg, path);
	rc = sessdb_open(path, &base, &err);
	if (rc && rc != ISR_ENOTFOUND) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (base)
		so = *sessdb_opts(base);
	so.open_max = c->cfg.sessions_open_max;
	x.err = &err;
	if (sess_builder_new(base, &so, &x.b, &err) != 0) {
		cli_error(&err);
		sessdb_close(base);
		return EXIT_FAIL;
	}
	for (i = argi; i < argc; i++) {
		struct sessfmt_opts fo = { (enum sess_format)fmt, argv[i],
					   c->cfg.sessions_clock_skew };
		struct sessfmt_stats fs;
		FILE *f = cli_fopen(argv[i]);

		if (!f) {
			x.failed = 1;
			break;
		}
		fo.filename = lr_file_name(fo.filename);
		x.file = fo.filename;
		rc = sessfmt_read(f, &fo, add_record, cli_reject, &x, &fs, &err);
		cli_fclose(f);
		if (rc || x.failed) {
			cli_error(&err);
			x.failed = 1;
			break;
		}
		rejected += fs.rejected;
		if (!c->quiet)
			fprintf(stderr,
				"%s: format %s: %ld lines, %ld records, %ld rejected, %ld "
				"skipped%s\n",
				fo.filename, sessfmt_name(fs.detected), fs.lines, fs.records,
				fs.rejected, fs.skipped,
				fs.skewed ? " (some NAS clocks off: receive time used)" : "");
	}
	if (!x.failed &&
	    (fs_mkdir_parents(path, &err) != 0 || sess_builder_write(x.b, path, &bs, &err) != 0)) {
		cli_error(&err);
		x.failed = 1;
	}
	sess_builder_free(x.b);
	sessdb_close(base);
	if (x.failed) {
		cli_fail("nothing was changed: %s is as it was", path);
		return EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr,
			"%s: %ld intervals (%ld new, %ld closed by this import, %ld open); %ld "
			"records, %ld already known, %ld without a session\n",
			path, bs.intervals, bs.added, bs.closed, bs.open, bs.records, bs.duplicates,
			bs.orphans);
	if (cli_write_optout(c) != 0)
		return EXIT_FAIL;
	return rejected || x.rejected ? EXIT_PARTIAL : EXIT_OK;
}

int cli_parse_when(const char *s, int64_t *t)
{
	if (time_parse_local(s, strlen(s), t) != 0) {
		cli_fail("'%s': not a time (ISO 8601 such as 2026-11-22T10:45:00Z or "
			 "'2026-11-22 19:45' in core.timezone, or unix seconds)",
			 s);
		return -1;
	}
	return 0;
}

int cli_parse_ip(const char *s, struct ip_prefix *ip)
{
	int masked;

	if (ip_parse_prefix(s, strlen(s), ip, &masked, NULL) != 0 ||
	    ip->len != (ip->family == 4 ? 32 : 128)) {
		cli_fail("'%s': not an IPv4 or IPv6 address", s);
		return -1;
	}
	return 0;
}

static int cmd_who(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = who_usage, .tail = who_tail, .heading = "", .min_args = 2, .max_args = 2
	};
	char path[CONFIG_PATH_MAX], a[CLI_WHEN_MAX], b[CLI_WHEN_MAX], pfx[IP_PREFIX_STRLEN];
	struct ip_prefix ip;
	struct sess_hit hit;
	struct sessdb *db = NULL;
	struct isp_err err;
	enum sess_who_result r;
	int64_t t, skew = 0, port = 0;
	int json = 0, rc, argi;
	const struct opt opts[] = {
		OPT_I("port", 'p', &port, "N",
		      "the source port, for CGNAT addresses shared by port blocks"),
		OPT_D("skew", 0, &skew, "DUR",
		      "also accept a session ending or starting within DUR of TIME (default 0: "
		      "TIME must be inside the session)"),
		OPT_F("json", 'j', &json, "one JSON object"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (port > 65535) {
		cli_fail("--port %lld: expected 0..65535", (long long)port);
		return EXIT_USAGE;
	}
	if (cli_parse_ip(argv[argi], &ip) || cli_parse_when(argv[argi + 1], &t))
		return EXIT_USAGE;
	isp_err_clear(&err);
	config_sessions_path(&c->cfg, path);
	if (sessdb_open(path, &db, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	r = sessdb_who(db, &ip, (uint16_t)port, t, skew, &hit);
	if (r != SESS_FOUND) {
		const char *why = r == SESS_AMBIGUOUS ? "ambiguous: sessions of two subscribers "
							"are equally close"
						      : "nobody held it";

		if (json) {
			json_t *o = json_pack("{s:s, s:I, s:b, s:s}", "ip", argv[argi], "time",
					      (json_int_t)t, "found", 0, "reason", why);

			jsonout_dumpf(o, stdout, JSON_INDENT(2));
		} else {
			printf("%s at %s: %s\n", argv[argi], cli_when(t, a), why);
		}
		sessdb_close(db);
		return EXIT_NOMATCH;
	}
	ip_format_prefix(&hit.addr, pfx);
	if (json) {
		json_t *o = json_pack(
			"{s:s, s:I, s:b, s:s, s:s, s:s, s:s, s:I, s:o?, s:b, s:I, s:I}", "ip",
			argv[argi], "time", (json_int_t)t, "found", 1, "subscriber", hit.user,
			"session", hit.session_id, "nas", hit.nas, "address", pfx, "start",
			(json_int_t)hit.start, "end", hit.end ? json_integer(hit.end) : NULL,
			"open", hit.open, "last_seen", (json_int_t)hit.last_seen, "distance",
			(json_int_t)hit.distance);

		if (hit.port_lo || hit.port_hi) {
			json_object_set_new(o, "port_lo", json_integer(hit.port_lo));
			json_object_set_new(o, "port_hi", json_integer(hit.port_hi));
		}
		jsonout_dumpf(o, stdout, JSON_INDENT(2));
	} else {
		printf("%s at %s: %s\n", argv[argi], cli_when(t, a), hit.user);
		printf("  session %s, NAS %s, address %s", hit.session_id[0] ? hit.session_id : "-",
		       hit.nas[0] ? hit.nas : "-", pfx);
		if (hit.port_lo || hit.port_hi)
			printf(" ports %u-%u", (unsigned)hit.port_lo, (unsigned)hit.port_hi);
		printf("\n  from %s to %s%s\n", cli_when(hit.start, a),
		       hit.end ? cli_when(hit.end, b) : "(open)",
		       hit.open ? " (no Stop seen)" : "");
		if (hit.distance)
			printf("  note: TIME is %lld s outside the session (within --skew)\n",
			       (long long)hit.distance);
	}
	sessdb_close(db);
	return EXIT_OK;
}

int cmd_sessions(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "import", cmd_import },
		{ "who", cmd_who },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, sessions_usage, cmds);
}
