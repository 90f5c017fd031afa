/*
 * cmd_events.c -- `ispshield events import`: partner lists of hosts seen doing something
 * (IP, time, what) become events, one batch per file, for `notify`. A file whose SHA-256
 * a batch of the same source already has is a repeat, refused unless --again; an event
 * the source sent before (ip, time, cause) is stored once (store_event_add_once).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_trace.h"
#include "cli/opts.h"
#include "core/events/evfmt.h"
#include "core/lists/manifest.h"
#include "core/base/linereader.h"
#include "core/base/sha256.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

static const char events_usage[] =
	"usage: ispshield events COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Commands:\n"
	"  import --source NAME [--format F] [--cause C] [--again] FILE...  add partner\n"
	"         lists\n"
	"  show   [--subscriber ID] [--client ADDR] [--name TEXT] [--since T] [--json]\n"
	"         events and what became of each\n"
	"\n"
	"Block events of `ispshield dns` (and the proxy) need no import: `notify run` takes\n"
	"them from the store.\n";

static const char import_usage[] =
	"usage: ispshield events import --source NAME [--format F] [--cause C] [--again]\n"
	"                               FILE...\n"
	"\n"
	"Read partner lists of hosts seen doing something (- = standard input). Each FILE is\n"
	"one batch of SOURCE: its rows, the time it was received and its header are kept,\n"
	"so that `notify report` can count what became of them and `notify returned` can\n"
	"send the unmatched rows back. Rejected rows are reported as FILE:LINE: reason; the\n"
	"rest is imported. A file identical (SHA-256) to one SOURCE sent before is refused\n"
	"as a repeat; an event SOURCE sent before (same address, time and cause) is kept\n"
	"once and counted as a duplicate.\n";

static const char import_tail[] =
	"Exit status: 0 imported, 3 imported but rows were rejected, 4 failed or refused\n"
	"as a repeat (nothing of that FILE imported).\n";

struct import_ctx {
	struct store *st;
	const char *source;
	int64_t batch;
	enum cause cause;
	char header[4096];
	long rows, dups;
	struct isp_err *err;
	int failed;
};

static int add_event(void *ud, const struct ev_record *r)
{
	struct import_ctx *x = ud;
	char ip[IP_PREFIX_STRLEN], *slash;
	struct store_event e;
	int dup;

	ip_format_prefix(&r->ip, ip);
	slash = strchr(ip, '/');
	if (slash)
		*slash = '\0';
	memset(&e, 0, sizeof(e));
	e.time = r->time;
	e.ip = ip;
	e.port = r->port;
	e.cause = cause_name(r->cause != CAUSE_NONE ? r->cause : x->cause);
	e.family = r->family;
	e.reference = r->reference;
	e.detail = r->detail;
	e.raw = r->raw;
	if (r->header && !x->header[0])
		snprintf(x->header, sizeof(x->header), "%s", r->header);
	if (store_event_add_once(x->st, x->batch, x->source, &e, &dup, x->err) != 0) {
		x->failed = 1;
		return 1;
	}
	if (dup)
		x->dups++;
	else
		x->rows++;
	return 0;
}

/*
 * Hash *f into hex and leave *f at its start: a regular file is read twice, standard
 * input or a pipe is copied into a temporary file while it is hashed, and *f becomes
 * that copy (the original is closed unless it is stdin). Returns 0, or -1 with the
 * reason printed.
 */
static int hash_input(FILE **f, const char *name, char hex[2 * SHA256_LEN + 1])
{
	unsigned char buf[65536];
	uint8_t sum[SHA256_LEN];
	struct sha256 h;
	FILE *copy = NULL;
	size_t n;

	if (*f == stdin || fseek(*f, 0, SEEK_CUR) != 0) {
		copy = tmpfile();
		if (!copy) {
			cli_fail("%s: no temporary file for standard input", name);
			return -1;
		}
	}
	sha256_init(&h);
	while ((n = fread(buf, 1, sizeof(buf), *f)) > 0) {
		sha256_update(&h, buf, n);
		if (copy && fwrite(buf, 1, n, copy) != n) {
			cli_fail("%s: writing a temporary copy failed", name);
			fclose(copy);
			return -1;
		}
	}
	if (ferror(*f)) {
		cli_fail("%s: read error", name);
		if (copy)
			fclose(copy);
		return -1;
	}
	sha256_final(&h, sum);
	sha256_hex(sum, hex);
	if (copy) {
		if (*f != stdin)
			fclose(*f);
		*f = copy;
	}
	if (fseek(*f, 0, SEEK_SET) != 0) {
		cli_fail("%s: cannot read it a second time (not a regular file?)", name);
		return -1;
	}
	return 0;
}

/* 1 (message printed) when source already has a batch from a file with this hash. */
static int is_repeat(struct store *st, const char *source, const char *name, const char *hex)
{
	int64_t batch = 0, received = 0;
	struct isp_err err;
	char t[24];
	int rc;

	isp_err_clear(&err);
	rc = store_batch_find_sha256(st, source, hex, &batch, &received, &err);
	if (rc == ISR_ENOTFOUND)
		return 0;
	if (rc) {
		cli_error(&err);
		return 1;
	}
	cli_fail("%s: the same file (SHA-256 %.16s...) as batch %lld of source %s, received "
		 "%s UTC: refused as a repeat, nothing imported (--again imports it; events "
		 "already stored are kept once)",
		 name, hex, (long long)batch, source, cli_time(received, t));
	return 1;
}

static int parse_cause(void *ptr, const char *v, struct isp_err *err)
{
	enum cause c = cause_parse(v);

	if (c == CAUSE_NONE)
		return isp_err_set(err, ISR_EINVAL,
				   "--cause %s: expected cc, malware-site, open-resolver, "
				   "vulnerable-router, open-proxy or credential-abuse",
				   v);
	*(enum cause *)ptr = c;
	return 0;
}

static int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = import_usage, .tail = import_tail, .min_args = 1, .max_args = -1
	};
	const char *source = NULL, *fmt_s = "auto";
	enum cause cause = CAUSE_CC;
	struct import_ctx x;
	struct isp_err err;
	struct store *st;
	struct ss_schema *schema = NULL;
	struct evfmt_opts fo0;
	int i, rc, again = 0, argi;
	const struct opt opts[] = {
		OPT_S("source", 's', &source, "NAME",
		      "who sent the list (jpcert, shadowserver, police, ...)"),
		OPT_S("format", 'f', &fmt_s, "F",
		      "auto (default: by the header), csv (ip, timestamp and optionally port, "
		      "family, reference, cause), shadowserver (any report type of "
		      "events.shadowserver-schema, found by the header or the file name), or "
		      "one report type by name (scan_dns, event4_sinkhole_http, ...)"),
		OPT_FN_("cause", 'c', parse_cause, &cause, "C",
			"cause of rows that do not carry one (csv; default cc): cc, "
			"malware-site, open-resolver, vulnerable-router, open-proxy, "
			"credential-abuse"),
		OPT_F("again", 0, &again,
		      "import a repeated file anyway (its events already stored are still kept "
		      "once)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (!source || !*source)
		return opts_usage(&spec, opts);
	rc = cli_evfmt_opts(c, fmt_s, "-", &schema, &fo0);
	if (rc != 0)
		goto done;
	rc = EXIT_OK;
	st = cli_create_store(c);
	if (!st) {
		rc = EXIT_FAIL;
		goto done;
	}
	for (i = argi; i < argc; i++) {
		const char *name = lr_file_name(argv[i]);
		struct evfmt_opts fo = fo0;
		struct evfmt_stats fs;
		char fmt_name[80];
		char hex[2 * SHA256_LEN + 1];
		FILE *f = cli_fopen(argv[i]);

		fo.filename = name;
		if (!f) {
			rc = EXIT_FAIL;
			continue;
		}
		if (hash_input(&f, name, hex) != 0 ||
		    (!again && is_repeat(st, source, name, hex))) {
			rc = EXIT_FAIL;
			cli_fclose(f);
			continue;
		}
		memset(&x, 0, sizeof(x));
		x.st = st;
		x.source = source;
		x.cause = cause;
		x.err = &err;
		isp_err_clear(&err);
		if (store_begin(st, &err) != 0 ||
		    store_batch_begin(st, source, name, fmt_s, &x.batch, &err) != 0 ||
		    store_batch_set_sha256(st, x.batch, hex, &err) != 0 ||
		    evfmt_read(f, &fo, add_event, cli_reject, &x, &fs, &err) != 0 || x.failed ||
		    store_batch_end(st, x.batch, x.header, x.rows, fs.rejected, &err) != 0 ||
		    store_commit(st, &err) != 0) {
			store_rollback(st);
			cli_error(&err);
			cli_fail("%s: nothing imported", name);
			rc = EXIT_FAIL;
			cli_fclose(f);
			continue;
		}
		cli_fclose(f);
		snprintf(fmt_name, sizeof(fmt_name), "%s%s%s", evfmt_name(fs.detected),
			 fs.report ? " " : "", fs.report ? fs.report : "");
		if (!c->quiet)
			fprintf(stderr,
				"%s: source %s, format %s: batch %lld, %ld rows imported, %ld "
				"rejected, %ld duplicate (events the source sent before)\n",
				name, source, fmt_name, (long long)x.batch, x.rows, fs.rejected,
				x.dups);
		if (fs.rejected && rc == EXIT_OK)
			rc = EXIT_PARTIAL;
	}
	store_close(st);
done:
	ss_schema_free(schema);
	return rc;
}

int cmd_events(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "import", cmd_import },
		{ "show", cmd_events_show },
		{ NULL, NULL },
	};

	return cli_dispatch(c, argc, argv, events_usage, cmds);
}
