/*
 * test_evfmt.c -- unit tests of the partner event-list readers (core/events/evfmt.h).
 *
 * The sample reports under tests/data/events (Shadowserver scan_dns, event4_sinkhole,
 * event4_sinkhole_http as Shadowserver quotes them, a generic CSV, bad rows, a file
 * without a header, binary garbage) are read by name and by auto-detection; inline
 * inputs go through fmemopen and a real pipe. Every test collects the records and
 * rejects into a struct run and checks fields, line numbers, messages and stats.
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

static struct run *run_str(const char *s, enum ev_format fmt)
{
	return run_buf(s, strlen(s), fmt);
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

static struct run *run_file(const char *name, enum ev_format fmt)
{
	FILE *f = open_data(name);
	struct run *r;

	if (!f)
		fail_msg("%s: not found (set ISP_TESTDATA)", name);
	r = run_stream(f, fmt, name, 0);
	fclose(f);
	return r;
}

/* Line n (1-based) of a data file, without CR/LF, into buf. */
static const char *file_line(const char *name, long n, char *buf, size_t size)
{
	FILE *f = open_data(name);
	long i;
	size_t len;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_non_null(fgets(buf, (int)size, f));
	fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return buf;
}

static int64_t t(const char *s)
{
	int64_t v = 0;

	assert_int_equal(time_parse(s, strlen(s), &v), 0);
	return v;
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
	assert_int_equal(evfmt_parse_name("scan_dns"), EVFMT_SCAN_DNS);
	assert_int_equal(evfmt_parse_name("SINKHOLE"), EVFMT_SINKHOLE);
	assert_int_equal(evfmt_parse_name("event4_sinkhole"), EVFMT_SINKHOLE);
	assert_int_equal(evfmt_parse_name("event4_sinkhole_http"), EVFMT_SINKHOLE);
	assert_int_equal(evfmt_parse_name("scan"), -1);
	assert_int_equal(evfmt_parse_name(""), -1);
	assert_int_equal(evfmt_parse_name(NULL), -1);
	assert_string_equal(evfmt_name(EVFMT_AUTO), "auto");
	assert_string_equal(evfmt_name(EVFMT_CSV), "csv");
	assert_string_equal(evfmt_name(EVFMT_SCAN_DNS), "scan_dns");
	assert_string_equal(evfmt_name(EVFMT_SINKHOLE), "sinkhole");
	assert_string_equal(evfmt_name((enum ev_format)99), "unknown");
}

/* ---- the sample reports ---- */

static void check_scan_dns(const struct run *r)
{
	char line[2048];

	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_SCAN_DNS);
	assert_int_equal(r->st.lines, 5);
	assert_int_equal(r->st.records, 4);
	assert_int_equal(r->st.rejected, 0);
	assert_int_equal(r->st.skipped, 1);
	assert_ip(&r->e[0].ip, "192.0.2.10");
	assert_int_equal(r->e[0].time, t("2026-11-22 10:41:24"));
	assert_int_equal(r->e[0].port, 53);
	assert_int_equal(r->e[0].cause, CAUSE_OPEN_RESOLVER);
	assert_string_equal(r->e[0].family, "openresolver");
	assert_string_equal(r->e[0].reference, "");
	assert_string_equal(r->e[0].detail,
			    "port=53/udp; dns_version=dnsmasq-2.80; min_amplification=42.13");
	assert_int_equal(r->e[0].line, 2);
	/* raw and header are the lines exactly as read, quotes and quoted commas kept */
	assert_string_equal(r->e[0].raw, file_line("scan_dns.csv", 2, line, sizeof(line)));
	assert_string_equal(r->e[0].header, file_line("scan_dns.csv", 1, line, sizeof(line)));
	assert_non_null(strstr(r->e[0].raw, "\"Communications, Service Provider, and"));
	assert_string_equal(r->e[1].detail, "port=53/udp; min_amplification=28.50");
	assert_string_equal(r->e[2].family, "openresolver;dnsmasq");
	assert_ip(&r->e[3].ip, "2001:db8:40::1");
	assert_int_equal(r->e[3].ip.family, 6);
	assert_int_equal(r->e[3].ip.len, 128);
	assert_string_equal(r->e[3].detail, "port=53/udp; dns_version=unbound 1.9.4");
	assert_int_equal(r->e[3].line, 5);
}

static void test_scan_dns(void **state)
{
	struct run *r;

	(void)state;
	r = run_file("scan_dns.csv", EVFMT_AUTO);
	check_scan_dns(r);
	run_free(r);
	r = run_file("scan_dns.csv", EVFMT_SCAN_DNS);
	check_scan_dns(r);
	run_free(r);
}

static void check_sinkhole(const struct run *r)
{
	char line[2048];

	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_SINKHOLE);
	assert_int_equal(r->st.records, 3);
	assert_int_equal(r->st.rejected, 0);
	assert_ip(&r->e[0].ip, "198.51.100.23");
	assert_int_equal(r->e[0].port, 49822);
	assert_int_equal(r->e[0].time, t("2026-11-22T00:00:03Z"));
	assert_int_equal(r->e[0].cause, CAUSE_CC);
	assert_string_equal(r->e[0].family, "andromeda");
	assert_string_equal(r->e[0].reference, "4f3d8a2e-6b1c-4d7e-9a0f-2c5b7e1d9a01");
	assert_string_equal(r->e[0].detail, "dst=203.0.113.80:80");
	assert_string_equal(r->e[0].raw, file_line("event4_sinkhole.csv", 2, line, sizeof(line)));
	assert_string_equal(r->e[0].header,
			    file_line("event4_sinkhole.csv", 1, line, sizeof(line)));
	/* infection empty: the family column */
	assert_string_equal(r->e[1].family, "sality");
	assert_string_equal(r->e[1].reference, "");
	assert_string_equal(r->e[1].detail, "dst=203.0.113.53:53; tag=p2p");
	assert_ip(&r->e[2].ip, "2001:db8:1:2::42");
	assert_int_equal(r->e[2].port, 51515);
	assert_string_equal(r->e[2].detail, "dst=[2001:db8:ffff::80]:443; tag=dga");
	assert_int_equal(r->e[2].line, 4);
}

static void test_sinkhole(void **state)
{
	struct run *r;

	(void)state;
	r = run_file("event4_sinkhole.csv", EVFMT_AUTO);
	check_sinkhole(r);
	run_free(r);
	r = run_file("event4_sinkhole.csv", EVFMT_SINKHOLE);
	check_sinkhole(r);
	run_free(r);
}

static void test_sinkhole_http(void **state)
{
	struct run *r;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		r = run_file("event4_sinkhole_http.csv", pass ? EVFMT_SINKHOLE : EVFMT_AUTO);
		assert_int_equal(r->rc, 0);
		assert_int_equal(r->st.detected, EVFMT_SINKHOLE);
		assert_int_equal(r->st.records, 2);
		assert_int_equal(r->st.rejected, 0);
		assert_ip(&r->e[0].ip, "203.0.113.9");
		assert_int_equal(r->e[0].port, 50123);
		assert_string_equal(r->e[0].family, "qsnatch");
		assert_string_equal(r->e[0].reference, "ab12cd34-0000-4000-8000-000000000001");
		assert_string_equal(r->e[0].detail,
				    "dst=198.51.100.200:80; host=qnap-update.example.org");
		assert_string_equal(r->e[1].family, "emotet");
		assert_string_equal(r->e[1].reference, "");
		assert_string_equal(
			r->e[1].detail,
			"dst=198.51.100.201:8080; host=c2.sinkhole.example; tag=epoch4");
		run_free(r);
	}
}

static void test_generic(void **state)
{
	struct run *r;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		r = run_file("generic.csv", pass ? EVFMT_CSV : EVFMT_AUTO);
		assert_int_equal(r->rc, 0);
		assert_int_equal(r->st.detected, EVFMT_CSV);
		assert_int_equal(r->st.lines, 6);
		assert_int_equal(r->st.records, 4);
		assert_int_equal(r->st.skipped, 2);
		assert_int_equal(r->st.rejected, 0);
		assert_ip(&r->e[0].ip, "192.0.2.50");
		assert_int_equal(r->e[0].time, t("2026-11-22 09:00:00"));
		assert_int_equal(r->e[0].port, 51234);
		assert_int_equal(r->e[0].cause, CAUSE_CC);
		assert_string_equal(r->e[0].family, "gameover-zeus");
		assert_string_equal(r->e[0].reference, "CERT-2026-1122-001");
		assert_string_equal(r->e[0].detail, "seen by sinkhole A, wave 2");
		assert_string_equal(r->e[0].header,
				    "ip,timestamp,port,family,reference,cause,detail");
		assert_int_equal(r->e[0].line, 3);
		/* unix seconds; no cause = the import's default */
		assert_int_equal(r->e[1].time, 1795338000);
		assert_int_equal(r->e[1].time, t("2026-11-22 09:00:00"));
		assert_int_equal(r->e[1].port, 0);
		assert_int_equal(r->e[1].cause, CAUSE_NONE);
		assert_string_equal(r->e[1].reference, "https://cert.example/t/1002");
		assert_string_equal(r->e[1].detail, "");
		assert_ip(&r->e[2].ip, "2001:db8::beef");
		assert_int_equal(r->e[2].cause, CAUSE_MALWARE_SITE);
		assert_string_equal(r->e[2].family, "");
		/* quoted everything, cause in another case */
		assert_ip(&r->e[3].ip, "198.51.100.99");
		assert_int_equal(r->e[3].time, t("2026-11-22"));
		assert_int_equal(r->e[3].port, 443);
		assert_int_equal(r->e[3].cause, CAUSE_OPEN_PROXY);
		assert_string_equal(r->e[3].raw,
				    "\"198.51.100.99\",\"2026-11-22\",\"443\",\"\",\"\","
				    "\"Open-Proxy\",\"\"");
		run_free(r);
	}
}

/* Every kind of bad row is rejected with FILE:LINE and a reason; the rest is read. */
static void test_bad_rows(void **state)
{
	struct run *r;

	(void)state;
	r = run_file("bad-rows.csv", EVFMT_AUTO);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_CSV);
	assert_int_equal(r->st.lines, 13);
	assert_int_equal(r->st.records, 2);
	assert_int_equal(r->st.rejected, 10);
	assert_int_equal(r->e[0].line, 2);
	assert_int_equal(r->e[1].line, 13);
	assert_int_equal(r->e[1].port, 65535);
	assert_string_equal(r->r[0].file, "bad-rows.csv");
	assert_reject(r, 0, 3, "4 columns, the header on line 1 has 5");
	assert_reject(r, 1, 4, "quote");
	assert_reject(r, 2, 5, "bad address '192.0.2.300'");
	assert_reject(r, 3, 6, "bad address '192.0.2.0/24': a prefix, not a host address");
	assert_reject(r, 4, 7, "bad time '2026-02-30 10:00:00'");
	assert_reject(r, 5, 8, "bad port '70000'");
	assert_reject(r, 6, 9, "unknown cause 'botnet' (expected cc, malware-site,");
	assert_reject(r, 7, 10, "no time in column 'timestamp'");
	assert_reject(r, 8, 11, "no address in column 'ip'");
	assert_reject(r, 9, 12, "bad port 'http'");
	run_free(r);
}

/* Columns in another order, optional columns missing, extra unknown ones. */
static void test_reordered(void **state)
{
	static const char scan[] = "\"min_amplification\",\"extra\",\"port\",\"ip\",\"timestamp\"\n"
				   "\"7.5\",\"x\",\"5353\",\"192.0.2.5\",\"2026-11-22 10:00:00\"\n";
	static const char sink[] = "infection,dst_port,timestamp,src_ip\n"
				   "mirai,23,2026-11-22 10:00:00Z,203.0.113.4\n";
	static const char generic[] = "Time,Address,Malware\n"
				      "2026-11-22T10:00:00+09:00,192.0.2.6,zeus\n";
	struct run *r;

	(void)state;
	r = run_str(scan, EVFMT_AUTO);
	assert_int_equal(r->st.detected, EVFMT_SCAN_DNS);
	assert_int_equal(r->ne, 1);
	assert_ip(&r->e[0].ip, "192.0.2.5");
	assert_int_equal(r->e[0].port, 5353);
	assert_string_equal(r->e[0].family, "");
	assert_string_equal(r->e[0].detail, "port=5353; min_amplification=7.5");
	run_free(r);

	r = run_str(sink, EVFMT_AUTO);
	assert_int_equal(r->st.detected, EVFMT_SINKHOLE);
	assert_int_equal(r->ne, 1);
	assert_ip(&r->e[0].ip, "203.0.113.4");
	assert_int_equal(r->e[0].port, 0);
	assert_string_equal(r->e[0].family, "mirai");
	assert_string_equal(r->e[0].reference, "");
	assert_string_equal(r->e[0].detail, "dst_port=23");
	run_free(r);

	r = run_str(generic, EVFMT_AUTO);
	assert_int_equal(r->st.detected, EVFMT_CSV);
	assert_int_equal(r->ne, 1);
	assert_int_equal(r->e[0].time, t("2026-11-22 01:00:00"));
	assert_string_equal(r->e[0].family, "zeus");
	run_free(r);
}

/* A report concatenated after another: BOM, CRLF, the header again in another order. */
static void test_repeated_header(void **state)
{
	static const char mixed[] = "src_ip,timestamp,infection\n"
				    "192.0.2.1,2026-11-22 10:00:00,zeus\n"
				    "ip,timestamp,dns_version\n"
				    "192.0.2.2,2026-11-22 11:00:00,BIND\n";
	char line[2048];
	struct run *r;

	(void)state;
	r = run_file("scan_dns-concat.csv", EVFMT_AUTO);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_SCAN_DNS);
	assert_int_equal(r->st.lines, 5);
	assert_int_equal(r->st.records, 3);
	assert_int_equal(r->st.skipped, 2);
	assert_int_equal(r->st.rejected, 0);
	/* the BOM is dropped, the CR too */
	assert_string_equal(r->e[0].header, file_line("scan_dns.csv", 1, line, sizeof(line)));
	assert_string_equal(r->e[1].raw, file_line("scan_dns.csv", 3, line, sizeof(line)));
	assert_ip(&r->e[2].ip, "192.0.2.200");
	assert_int_equal(r->e[2].time, t("2026-11-23 01:00:00"));
	assert_int_equal(r->e[2].line, 5);
	assert_string_equal(r->e[2].family, "openresolver");
	assert_string_equal(r->e[2].detail,
			    "port=53/udp; dns_version=BIND 9.11; min_amplification=11.0");
	assert_string_equal(r->e[2].header, "\"ip\",\"timestamp\",\"port\",\"protocol\","
					    "\"min_amplification\",\"dns_version\",\"tag\"");
	run_free(r);

	/* auto decides again at each header */
	r = run_str(mixed, EVFMT_AUTO);
	assert_int_equal(r->st.detected, EVFMT_SINKHOLE);
	assert_int_equal(r->ne, 2);
	assert_int_equal(r->e[0].cause, CAUSE_CC);
	assert_int_equal(r->e[1].cause, CAUSE_OPEN_RESOLVER);
	assert_string_equal(r->e[1].detail, "dns_version=BIND");
	run_free(r);

	/* a format given: a header of another format is not one, and is rejected; the next
	   row is read under the first header */
	r = run_str(mixed, EVFMT_SINKHOLE);
	assert_int_equal(r->ne, 2);
	assert_int_equal(r->nr, 1);
	assert_reject(r, 0, 3, "bad address 'ip'");
	assert_int_equal(r->e[1].cause, CAUSE_CC);
	assert_string_equal(r->e[1].family, "BIND");
	run_free(r);
}

/* No usable header: one ISR_EFORMAT naming FILE:LINE, no rows, no rejects. */
static void test_no_header(void **state)
{
	static const char bin[] = "ip,time\x01stamp\0\n192.0.2.1,1\n";
	struct run *r;
	char buf[ISP_ERR_MSG + 64];
	char big[EVFMT_LINE_MAX + 64];

	(void)state;
	r = run_file("no-header.csv", EVFMT_AUTO);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_int_equal(r->err.code, ISR_EFORMAT);
	assert_int_equal(r->err.line, 1);
	assert_string_equal(r->err.file, "no-header.csv");
	assert_int_equal(r->st.records, 0);
	assert_int_equal(r->st.rejected, 0);
	isp_err_str(&r->err, buf, sizeof(buf));
	assert_non_null(strstr(buf, "no-header.csv:1: no usable auto header: no address column "
				    "(expected ip, src_ip or address)"));
	run_free(r);

	r = run_file("garbage.bin", EVFMT_AUTO);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_int_equal(r->st.records, 0);
	assert_int_equal(r->st.rejected, 0);
	run_free(r);

	/* the format's own names */
	r = run_file("scan_dns.csv", EVFMT_SINKHOLE);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_non_null(strstr(r->err.msg, "sinkhole header: no address column (expected src_ip)"));
	run_free(r);
	r = run_str("# a comment\n\nip,port\n192.0.2.1,80\n", EVFMT_CSV);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_int_equal(r->err.line, 3);
	assert_non_null(strstr(r->err.msg, "no time column (expected timestamp, time or date)"));
	run_free(r);
	r = run_str("\"ip,timestamp\n192.0.2.1,1\n", EVFMT_AUTO);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_non_null(strstr(r->err.msg, "quote"));
	run_free(r);
	r = run_buf(bin, sizeof(bin) - 1, EVFMT_AUTO);
	assert_int_equal(r->rc, ISR_EFORMAT);
	run_free(r);
	/* an over-long first line */
	memset(big, 'a', sizeof(big));
	r = run_buf(big, sizeof(big), EVFMT_AUTO);
	assert_int_equal(r->rc, ISR_EFORMAT);
	assert_non_null(strstr(r->err.msg, "line longer than 65536 bytes"));
	run_free(r);

	/* a header and nothing else, or nothing at all, is fine */
	r = run_str("ip,timestamp\n", EVFMT_AUTO);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_CSV);
	assert_int_equal(r->st.records, 0);
	run_free(r);
	r = run_str("", EVFMT_AUTO);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_AUTO);
	assert_int_equal(r->st.lines, 0);
	run_free(r);
	r = run_str("# only a comment\n\n", EVFMT_SCAN_DNS);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.detected, EVFMT_SCAN_DNS);
	assert_int_equal(r->st.skipped, 2);
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

/* Control characters in quoted text fields reach the callback as '?'; raw keeps them. */
static void test_control_chars(void **state)
{
	static const char in[] = "ip,timestamp,family,reference\n"
				 "192.0.2.1,1700000000,\"ze\tus\",\"a\x1b[31m\"\n";
	struct run *r;

	(void)state;
	r = run_str(in, EVFMT_CSV);
	assert_int_equal(r->ne, 1);
	assert_string_equal(r->e[0].family, "ze?us");
	assert_string_equal(r->e[0].reference, "a?[31m");
	assert_non_null(strchr(r->e[0].raw, '\t'));
	run_free(r);
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
	assert_int_equal(r->st.detected, EVFMT_SINKHOLE);
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
		cmocka_unit_test(test_names),	      cmocka_unit_test(test_scan_dns),
		cmocka_unit_test(test_sinkhole),      cmocka_unit_test(test_sinkhole_http),
		cmocka_unit_test(test_generic),	      cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_reordered),     cmocka_unit_test(test_repeated_header),
		cmocka_unit_test(test_no_header),     cmocka_unit_test(test_long_and_binary),
		cmocka_unit_test(test_control_chars), cmocka_unit_test(test_stop_and_args),
		cmocka_unit_test(test_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
