/*
 * test_evfmt.c -- unit tests of the partner event-list readers (core/events/evfmt.h).
 *
 * What is a table -- the sample reports under tests/data/events (Shadowserver scan_dns,
 * event4_sinkhole, event4_sinkhole_http, a generic CSV, bad rows, a file without a header,
 * binary garbage) read by name and by auto-detection, columns reordered, repeated headers,
 * control characters -- is data: tests/data/evfmt/NAME.in with NAME.want, run by
 * tests/readers/readcase.c (ctest readers.evfmt). What stays here is what is not a table:
 * generated inputs (over-long lines), a real pipe, stopping, the API's arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/events/evfmt.h"
#include "core/base/timefmt.h"

#define MAXE 32
#define MAXR 32

struct rec {
	int64_t time;
	struct ip_prefix ip;
	uint16_t port;
	enum cause cause;
	char *family;
	char *reference;
	char *detail;
	char *header;
	char *raw;
	long line;
};

struct rej {
	long line;
	char msg[ISP_ERR_MSG];
	const char *file;
};

struct run {
	struct rec e[MAXE];
	size_t ne;
	long total_e;
	struct rej r[MAXR];
	size_t nr;
	long total_r;
	struct evfmt_stats st;
	struct isp_err err;
	int rc;
	int stop_after;
};

static int on_record(void *ud, const struct ev_record *e)
{
	struct run *r = ud;

	assert_non_null(e->family);
	assert_non_null(e->reference);
	assert_non_null(e->detail);
	assert_non_null(e->header);
	assert_non_null(e->raw);
	assert_true(e->line > 0);
	assert_true(e->ip.len == (e->ip.family == 4 ? 32 : 128));
	r->total_e++;
	if (r->ne < MAXE) {
		r->e[r->ne].time = e->time;
		r->e[r->ne].ip = e->ip;
		r->e[r->ne].port = e->port;
		r->e[r->ne].cause = e->cause;
		r->e[r->ne].family = strdup(e->family);
		r->e[r->ne].reference = strdup(e->reference);
		r->e[r->ne].detail = strdup(e->detail);
		r->e[r->ne].header = strdup(e->header);
		r->e[r->ne].raw = strdup(e->raw);
		r->e[r->ne].line = e->line;
		r->ne++;
	}
	if (r->stop_after && r->total_e >= r->stop_after)
		return 7;
	return 0;
}

static void on_reject(void *ud, const struct isp_err *err)
{
	struct run *r = ud;

	assert_true(err->line > 0);
	assert_true(err->msg[0] != '\0');
	r->total_r++;
	if (r->nr < MAXR) {
		r->r[r->nr].line = err->line;
		snprintf(r->r[r->nr].msg, sizeof(r->r[r->nr].msg), "%s", err->msg);
		r->r[r->nr].file = err->file;
		r->nr++;
	}
}

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ne; i++) {
		free(r->e[i].family);
		free(r->e[i].reference);
		free(r->e[i].detail);
		free(r->e[i].header);
		free(r->e[i].raw);
	}
	free(r);
}

static struct run *run_stream(FILE *f, enum ev_format fmt, const char *filename, int stop_after)
{
	struct run *r = calloc(1, sizeof(*r));
	struct evfmt_opts o;

	assert_non_null(r);
	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.format = fmt;
	o.filename = filename ? filename : "test.csv";
	r->stop_after = stop_after;
	isp_err_clear(&r->err);
	r->rc = evfmt_read(f, &o, on_record, on_reject, r, &r->st, &r->err);
	assert_int_equal(r->st.records, r->total_e);
	assert_int_equal(r->st.rejected, r->total_r);
	if (r->rc == 0 && !stop_after)
		assert_int_equal(r->st.lines, r->st.records + r->st.rejected + r->st.skipped);
	return r;
}

static struct run *run_buf(const char *buf, size_t len, enum ev_format fmt)
{
	FILE *f = fmemopen((void *)buf, len, "r");
	struct run *r;

	r = run_stream(f, fmt, NULL, 0);
	fclose(f);
	return r;
}

static FILE *open_data(const char *name)
{
	char path[1024];
	const char *dir = getenv("ISP_TESTDATA");
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/%s", dir ? dir : "tests/data", name);
	f = fopen(path, "rb");
	if (!f && !dir) {
		snprintf(path, sizeof(path), "../tests/data/events/%s", name);
		f = fopen(path, "rb");
	}
	return f;
}

static void assert_ip(const struct ip_prefix *p, const char *want)
{
	char buf[IP_PREFIX_STRLEN];

	ip_format_prefix(p, buf);
	assert_string_equal(buf, want);
}

static void assert_reject(const struct run *r, size_t i, long line, const char *part)
{
	assert_true(i < r->nr);
	if (r->r[i].line != line || !strstr(r->r[i].msg, part))
		fail_msg("reject %zu: line %ld '%s', want line %ld with '%s'", i, r->r[i].line,
			 r->r[i].msg, line, part);
}

/* ---- names ---- */

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(evfmt_parse_name("auto"), EVFMT_AUTO);
	assert_int_equal(evfmt_parse_name("csv"), EVFMT_CSV);
	assert_int_equal(evfmt_parse_name("shadowserver"), EVFMT_SHADOWSERVER);
	/* the hand-written readers' names now name the schema-driven one */
	assert_int_equal(evfmt_parse_name("scan_dns"), EVFMT_SHADOWSERVER);
	assert_int_equal(evfmt_parse_name("SINKHOLE"), EVFMT_SHADOWSERVER);
	assert_int_equal(evfmt_parse_name("event4_sinkhole"), EVFMT_SHADOWSERVER);
	assert_int_equal(evfmt_parse_name("event4_sinkhole_http"), EVFMT_SHADOWSERVER);
	assert_int_equal(evfmt_parse_name("scan"), -1);
	assert_int_equal(evfmt_parse_name(""), -1);
	assert_int_equal(evfmt_parse_name(NULL), -1);
	assert_string_equal(evfmt_name(EVFMT_AUTO), "auto");
	assert_string_equal(evfmt_name(EVFMT_CSV), "csv");
	assert_string_equal(evfmt_name(EVFMT_SHADOWSERVER), "shadowserver");
	assert_string_equal(evfmt_name((enum ev_format)99), "unknown");
}

/* ---- the sample reports ---- */

/* An over-long first line (generated) is no header: one ISR_EFORMAT. The other inputs
 * without a usable header are tests/data/evfmt (no_header, garbage, binary_header, ...). */
static void test_no_header(void **state)
{
	struct run *r;
	char big[EVFMT_LINE_MAX + 64];

	(void)state;
	/* an over-long first line */
	memset(big, 'a', sizeof(big));
	r = run_buf(big, sizeof(big), EVFMT_AUTO);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_non_null(strstr(r->err.msg, "line longer than 65536 bytes"));
	run_free(r);
}

/* Over-long lines and NUL bytes after the header are rejected rows. */
static void test_long_and_binary(void **state)
{
	static const char nul_row[] = "192.0.2.4,17"
				      "\0"
				      "00,d\n";
	size_t n = 0;
	char *buf = malloc(3 * EVFMT_LINE_MAX + 200);
	struct run *r;

	(void)state;
	assert_non_null(buf);
	n += (size_t)sprintf(buf, "ip,timestamp,family\n192.0.2.1,1700000000,a\n");
	n += (size_t)sprintf(buf + n, "192.0.2.2,1700000000,");
	memset(buf + n, 'b', EVFMT_LINE_MAX); /* over the limit with the rest of the row */
	n += EVFMT_LINE_MAX;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "192.0.2.3,1700000000,c\n");
	memcpy(buf + n, nul_row, sizeof(nul_row) - 1);
	n += sizeof(nul_row) - 1;
	n += (size_t)sprintf(buf + n, "192.0.2.5,1700000000,e");
	r = run_buf(buf, n, EVFMT_CSV);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.lines, 6);
	assert_int_equal(r->ne, 3);
	assert_ip(&r->e[1].ip, "192.0.2.3");
	assert_int_equal(r->e[1].line, 4);
	assert_ip(&r->e[2].ip, "192.0.2.5");
	assert_string_equal(r->e[2].raw, "192.0.2.5,1700000000,e");
	assert_int_equal(r->nr, 2);
	assert_reject(r, 0, 3, "line longer than 65536 bytes");
	assert_reject(r, 1, 5, "NUL byte");
	run_free(r);

	/* exactly EVFMT_LINE_MAX is read; raw is all of it */
	n = (size_t)sprintf(buf, "ip,timestamp,family\n192.0.2.1,1700000000,");
	memset(buf + n, 'f', EVFMT_LINE_MAX - 21);
	n += EVFMT_LINE_MAX - 21;
	buf[n++] = '\n';
	r = run_buf(buf, n, EVFMT_CSV);
	assert_int_equal(r->ne, 1);
	assert_int_equal(strlen(r->e[0].raw), EVFMT_LINE_MAX);
	assert_int_equal(strlen(r->e[0].family), EVFMT_LINE_MAX - 21);
	run_free(r);
	free(buf);
}

static void test_stop_and_args(void **state)
{
	struct evfmt_opts o;
	struct evfmt_stats st;
	struct isp_err err;
	FILE *f;
	struct run *r;

	(void)state;
	f = open_data("scan_dns.csv");
	assert_non_null(f);
	r = run_stream(f, EVFMT_AUTO, "scan_dns.csv", 2);
	fclose(f);
	assert_int_equal(r->rc, 7);
	assert_int_equal(r->ne, 2);
	run_free(r);

	memset(&o, 0, sizeof(o));
	isp_err_clear(&err);
	assert_int_equal(evfmt_read(NULL, &o, NULL, NULL, NULL, &st, &err), ISR_EINVAL);
	f = fmemopen((void *)"ip,timestamp\n192.0.2.1,1\n", 25, "r");
	assert_non_null(f);
	assert_int_equal(evfmt_read(f, NULL, NULL, NULL, NULL, NULL, &err), ISR_EINVAL);
	o.format = (enum ev_format)9;
	assert_int_equal(evfmt_read(f, &o, NULL, NULL, NULL, NULL, &err), ISR_EINVAL);
	/* no callbacks, no stats, no err: counts only */
	o.format = EVFMT_AUTO;
	assert_int_equal(evfmt_read(f, &o, NULL, NULL, NULL, &st, NULL), 0);
	assert_int_equal(st.records, 1);
	fclose(f);
}

/* A real pipe, longer than any buffer: every row arrives in order; "-" is <stdin>. */
static void test_pipe(void **state)
{
	int fd[2];
	pid_t pid;
	FILE *f;
	struct run *r;
	int status;
	int i;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *w = fdopen(fd[1], "w");

		close(fd[0]);
		fprintf(w, "\"timestamp\",\"src_ip\",\"src_port\",\"infection\"\n");
		for (i = 2; i <= 20000; i++)
			fprintf(w, "\"2026-11-22 00:00:00\",\"2001:db8::%x\",\"%d\",\"x\"\n", i, i);
		fprintf(w, "\"2026-11-22 00:00:00\",\"bad\",\"1\",\"x\"\n");
		fclose(w);
		_exit(0);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	assert_non_null(f);
	r = run_stream(f, EVFMT_AUTO, "-", 0);
	fclose(f);
	waitpid(pid, &status, 0);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_CSV); /* no schema given: the generic reader */
	assert_int_equal(r->st.lines, 20001);
	assert_int_equal(r->st.records, 19999);
	assert_int_equal(r->e[0].line, 2);
	assert_ip(&r->e[0].ip, "2001:db8::2");
	assert_int_equal(r->e[1].port, 3);
	assert_int_equal(r->nr, 1);
	assert_string_equal(r->r[0].file, "<stdin>");
	assert_int_equal(r->r[0].line, 20001);
	run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_long_and_binary),
		cmocka_unit_test(test_stop_and_args),
		cmocka_unit_test(test_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
