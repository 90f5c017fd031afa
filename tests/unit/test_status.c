/*
 * test_status.c -- the status page's parts that do not need a network: the parsers of
 * what it reads from elsewhere (Prometheus text, sync-state.json, a darknet report: what
 * they accept, what they reject and where), the block-event figures of the store
 * (store_status.c: top names and lists, buckets, LIMIT), and the page's escaping and
 * its figure-by-figure agreement with the JSON it is rendered from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/store/store.h"
#include "core/store/store_blocks.h"
#include "core/store/store_status.h"
#include "status/status.h"
#include "status/status_int.h"

#define BUCKET "ispshield_dns_upstream_latency_seconds_bucket"

struct seen {
	double queries, blocked, bucket_sum;
	int samples, labelled;
	char rejects[8][256];
	int nrej;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct seen *s = ud;
	char buf[ISP_ERR_MSG + 512];

	if (s->nrej < 8)
		snprintf(s->rejects[s->nrej], sizeof(s->rejects[0]), "%s",
			 isp_err_str(e, buf, sizeof(buf)));
	s->nrej++;
}

static int on_sample(void *ud, const char *name, size_t n, int labelled, double v)
{
	struct seen *s = ud;

	s->samples++;
	s->labelled += labelled;
	if (n == 27 && memcmp(name, "ispshield_dns_queries_total", n) == 0)
		s->queries = v;
	if (n == 27 && memcmp(name, "ispshield_dns_blocked_total", n) == 0)
		s->blocked = v;
	if (labelled && n == strlen(BUCKET) && memcmp(name, BUCKET, n) == 0)
		s->bucket_sum += v;
	return 0;
}

static void test_prom(void **state)
{
	static const char text[] =
		"# HELP ispshield_dns_queries_total Queries received.\n"
		"# TYPE ispshield_dns_queries_total counter\n"
		"ispshield_dns_queries_total 1234\r\n"
		"ispshield_dns_blocked_total 5.5e1 1795436005000\n"
		"\n"
		"ispshield_dns_upstream_latency_seconds_bucket{le=\"0.001\"} 3\n"
		"ispshield_dns_upstream_latency_seconds_bucket{le=\"+Inf\",x=\"a\\\"b\"} 4\n"
		"nan_metric NaN\n"
		"bad line here\n"
		"1bad 3\n"
		"x{le=\"1\" 3\n"
		"y 12abc\n"
		"z 1 2 3\n";
	struct seen s;
	long rej;

	(void)state;
	memset(&s, 0, sizeof(s));
	rej = status_prom_parse(text, strlen(text), "http://t/metrics", on_sample, on_reject, &s);
	assert_int_equal(rej, 5);
	assert_int_equal(s.nrej, 5);
	assert_int_equal(s.samples, 5);
	assert_int_equal(s.labelled, 2);
	assert_true(s.queries == 1234);
	assert_true(s.blocked == 55);
	assert_true(s.bucket_sum == 7);
	assert_string_equal(s.rejects[0], "http://t/metrics:9: bad value");
	assert_non_null(strstr(s.rejects[1], ":10: expected a metric name"));
	assert_non_null(strstr(s.rejects[2], ":11: malformed label set"));
	assert_non_null(strstr(s.rejects[3], ":12: bad value"));
	assert_non_null(strstr(s.rejects[4], ":13: bad timestamp"));
	/* empty input, no newline at the end, NUL byte */
	memset(&s, 0, sizeof(s));
	assert_int_equal(status_prom_parse("", 0, "e", on_sample, on_reject, &s), 0);
	assert_int_equal(status_prom_parse("a 1", 3, "e", on_sample, on_reject, &s), 0);
	assert_int_equal(s.samples, 1);
	assert_int_equal(status_prom_parse("a\0 1\nb 2", 8, "e", on_sample, on_reject, &s), 1);
	assert_int_equal(s.samples, 2);
}

static void test_sync(void **state)
{
	static const char good[] =
		"{\"syncs\":[{\"url\":\"https://isac.example/c2\",\"last_attempt\":100,"
		"\"last_success\":90,\"result\":\"ok\",\"error\":\"\",\"etag\":\"\\\"e\\\"\","
		"\"last_modified\":\"\",\"sequence\":7,\"extra\":[1,2],"
		"\"lists\":[{\"name\":\"c2\",\"entries\":123,\"sha256\":\"ab\"},5]},"
		"\"not an object\","
		"{\"url\":7,\"result\":\"bad-signature\",\"sequence\":\"x\"}]}";
	struct seen s;
	struct isp_err e;
	json_t *o, *s0, *s1;

	(void)state;
	memset(&s, 0, sizeof(s));
	isp_err_clear(&e);
	o = status_sync_parse(good, strlen(good), "sync-state.json", on_reject, &s, &e);
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(o, "syncs")), 2);
	s0 = json_array_get(json_object_get(o, "syncs"), 0);
	s1 = json_array_get(json_object_get(o, "syncs"), 1);
	assert_string_equal(json_string_value(json_object_get(s0, "url")),
			    "https://isac.example/c2");
	assert_int_equal(json_integer_value(json_object_get(s0, "sequence")), 7);
	assert_null(json_object_get(s0, "extra"));
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(s0, "lists"), 0), "entries")),
			 123);
	assert_int_equal(json_array_size(json_object_get(s0, "lists")), 1);
	assert_null(json_object_get(s1, "url"));
	assert_null(json_object_get(s1, "sequence"));
	assert_string_equal(json_string_value(json_object_get(s1, "result")), "bad-signature");
	assert_int_equal(s.nrej, 4); /* lists[1], syncs[1], syncs[2].url, syncs[2].sequence */
	json_decref(o);

	/* syntax error: file, line */
	isp_err_clear(&e);
	assert_null(status_sync_parse("{\"syncs\": [\n  {\"url\": ", 22, "sync-state.json", NULL,
				      NULL, &e));
	assert_string_equal(e.file, "sync-state.json");
	assert_int_equal(e.line, 2);
	isp_err_clear(&e);
	assert_null(status_sync_parse("[1]", 3, "s", NULL, NULL, &e));
	assert_int_equal(e.code, ISR_EFORMAT);
}

static void test_sync_bounded(void **state)
{
	char *text = malloc(100000);
	size_t n = 0;
	int i;
	json_t *o;
	struct isp_err e;

	(void)state;
	assert_non_null(text);
	n += (size_t)sprintf(text + n, "{\"syncs\":[");
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(text + n, "%s{\"url\":\"u%d\",\"sequence\":%d}", i ? "," : "",
				     i, i);
	n += (size_t)sprintf(text + n, "]}");
	isp_err_clear(&e);
	o = status_sync_parse(text, n, "s", NULL, NULL, &e);
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(o, "syncs")), STATUS_SYNC_MAX);
	json_decref(o);
	free(text);
}

static void test_darknet(void **state)
{
	char text[8192];
	size_t n = 0;
	int i;
	json_t *o, *days;
	struct isp_err e;
	struct seen s;

	(void)state;
	n += (size_t)snprintf(text, sizeof(text),
			      "{\"records\": 519, \"packets\": 509, \"sources\": \"many\", "
			      "\"estimated\": false, \"days\": [");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s{\"day\": \"2023-11-%02d\", \"packets\": %d}",
				      i ? "," : "", i + 1, i);
	snprintf(
		text + n, sizeof(text) - n,
		"], \"ports\": {\"top\": [{\"proto\": \"tcp\", \"port\": 23, \"packets\": 301}]}}");
	memset(&s, 0, sizeof(s));
	isp_err_clear(&e);
	o = status_darknet_parse(text, strlen(text), "dn.json", on_reject, &s, &e);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "records")), 519);
	assert_null(json_object_get(o, "sources")); /* a string: rejected */
	assert_true(json_is_false(json_object_get(o, "estimated")));
	days = json_object_get(o, "days");
	assert_int_equal(json_array_size(days), STATUS_DARKNET_DAYS);
	/* the last days are kept */
	assert_string_equal(json_string_value(json_object_get(json_array_get(days, 13), "day")),
			    "2023-11-20");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(o, "top_ports"), 0), "port")),
			 23);
	assert_int_equal(s.nrej, 2); /* sources, days cut */
	json_decref(o);
}

/* ---- store_status.c ---- */

static int add_top(void *ud, const struct store_block_count *c)
{
	char *out = ud;

	snprintf(out + strlen(out), 512 - strlen(out), "%s=%ld@%lld ", c->key, c->count,
		 (long long)c->bucket_ms);
	return 0;
}

static void test_store_figures(void **state)
{
	char path[64], out[512];
	struct store *st = NULL;
	struct isp_err e;
	struct store_block_event ev[6];
	int64_t n = 0;
	int fd, i;
	static const char *const names[6] = { "a.example", "b.example", "a.example",
					      "c.example", "a.example", "b.example" };

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ispstatusXXXXXX");
	fd = mkstemp(path);
	close(fd);
	unlink(path);
	isp_err_clear(&e);
	assert_int_equal(store_open(path, &st, &e), 0);
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < 6; i++) {
		ev[i].time_ms = 3600000LL * (i < 2 ? 1 : 2) + i; /* 2 in hour 1, 4 in hour 2 */
		ev[i].client = "127.0.0.1";
		ev[i].qname = names[i];
		ev[i].qtype = 1;
		ev[i].list = i == 3 ? NULL : (i % 2 ? "l2" : "l1");
		ev[i].reason = "name";
	}
	assert_int_equal(store_add_block_events(st, ev, 6, &e), 0);
	out[0] = '\0';
	assert_int_equal(store_block_top(st, "name", 0, 2, add_top, out, &e), 0);
	assert_string_equal(out, "a.example=3@0 b.example=2@0 ");
	out[0] = '\0';
	assert_int_equal(store_block_top(st, "list", 0, 10, add_top, out, &e), 0);
	assert_string_equal(out, "l1=3@0 l2=2@0 =1@0 ");
	out[0] = '\0';
	assert_int_equal(store_block_top(st, "name", 7200000, 10, add_top, out, &e), 0);
	assert_string_equal(out, "a.example=2@0 b.example=1@0 c.example=1@0 ");
	out[0] = '\0';
	assert_int_equal(store_block_series(st, "list", 0, 3600000, 10, 10, add_top, out, &e), 0);
	assert_string_equal(out, "l1=1@3600000 l2=1@3600000 =1@7200000 l1=2@7200000 l2=1@7200000 ");
	out[0] = '\0';
	assert_int_equal(store_block_series(st, "list", 0, 3600000, 10, 2, add_top, out, &e), 0);
	assert_string_equal(out, "l1=1@3600000 l2=1@3600000 ");
	out[0] = '\0'; /* the top 2 names only: a.example 3, b.example 2 */
	assert_int_equal(store_block_series(st, "name", 0, 3600000, 2, 10, add_top, out, &e), 0);
	assert_string_equal(out, "a.example=1@3600000 b.example=1@3600000 a.example=2@7200000 "
				 "b.example=1@7200000 ");
	assert_int_equal(store_block_count_since(st, 7200000, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_block_top(st, "client", 0, 2, add_top, out, &e), ISR_EINVAL);
	assert_int_equal(store_block_series(st, "list", 0, 0, 2, 2, add_top, out, &e), ISR_EINVAL);
	assert_int_equal(store_block_series(st, "qtype", 0, 1, 2, 2, add_top, out, &e), ISR_EINVAL);
	store_close(st);
	unlink(path);
}

/* ---- the page ---- */

static void test_page_escapes(void **state)
{
	json_t *f =
		json_pack("{s:I, s:s, s:{s:s, s:s}, s:{s:I, s:I, s:I, s:s, s:[{s:s, s:I}], "
			  "s:[], s:[]}, s:[], s:[], s:n, s:{}, s:{s:I, s:[], s:[], s:{}, s:{}}}",
			  "generated", (json_int_t)1795436005, "version", "0.1.0", "store", "state",
			  "ok", "error", "", "blocks", "total", (json_int_t)1, "in_window",
			  (json_int_t)1, "window", (json_int_t)86400, "state", "ok", "top_names",
			  "key", "<script>alert(1)</script>\"'&", "count", (json_int_t)1,
			  "top_lists", "series", "funnel", "notices", "darknet", "lists", "traffic",
			  "interval", (json_int_t)10, "targets", "series", "dns", "proxy");
	size_t len = 0;
	char *page;

	(void)state;
	assert_non_null(f);
	page = st_page(f, &len);
	assert_non_null(page);
	assert_int_equal(strlen(page), len);
	assert_null(strstr(page, "<script"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
	assert_non_null(strstr(page, "<span data-fig=\"blocks.top_names.0.count\">1</span>"));
	assert_non_null(strstr(page, "<span data-fig=\".generated\">1795436005</span>"));
	/* durations in human units, the seconds in the title (issue 25) */
	assert_non_null(strstr(page, "in the last <span data-fig-duration=\"blocks.window\" "
				     "title=\"86400 s\">1 day</span>"));
	assert_null(strstr(page, "86400 s ("));
	free(page);
	json_decref(f);
	assert_true(st_round1(66.66666) == 66.7);
	assert_true(st_round1(NAN) == 0);
}

/* The traffic history kept across restarts: save, parse back, bad lines skipped. */
static void test_history(void **state)
{
	static struct st_sampler a, b;
	char path[] = "/tmp/ispshield-test-history-XXXXXX";
	struct isp_err err;
	static const char bad[] =
		"1796000000000 1 12.5 3.2 0 0.0 0.0\n"
		"1796000000000 1 1.0 1.0 1 1.0 1.0\n" /* not after the one before */
		"x\n"
		"1796000010000 2 1 1 1 1 1\n"	/* a flag is 0 or 1 */
		"1796000020000 1 1 1 1 1\n"	/* 6 fields */
		"9999999999999 1 1 1 1 1 1\n"	/* the future */
		"1796000030000 1 1 101 1 1 1\n" /* a rate over 100 % */
		"1796000040000 1 14.0 3.0 1 4.0 10.0\n";
	int fd, i;

	(void)state;
	isp_err_clear(&err);
	assert_int_equal(st_history_parse(&a, bad, strlen(bad), "h", 1797000000000LL), 6);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.ring[0].t_ms, 1796000000000LL);
	assert_int_equal(a.ring[1].t_ms, 1796000040000LL);
	assert_true(a.ring[1].px_ok && a.ring[1].px_block == 10.0);
	/* more than the ring holds: the newest ST_RING points are kept */
	memset(&a, 0, sizeof(a));
	for (i = 0; i < ST_RING + 5; i++) {
		a.ring[a.head] = (struct st_point){ .t_ms = 1796000000000LL + i * 10000LL,
						    .dns_qps = i,
						    .dns_ok = 1 };
		a.head = (a.head + 1) % ST_RING;
		if (a.n < ST_RING)
			a.n++;
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(st_history_save(&a, path, &err), 0);
	st_history_load(&b, path, 1797000000000LL);
	unlink(path);
	assert_int_equal(b.n, ST_RING);
	assert_int_equal(b.ring[(b.head - 1 + ST_RING) % ST_RING].t_ms,
			 1796000000000LL + (ST_RING + 4) * 10000LL);
	assert_true(b.ring[(b.head - 1 + ST_RING) % ST_RING].dns_qps == (double)(ST_RING + 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom),	      cmocka_unit_test(test_sync),
		cmocka_unit_test(test_sync_bounded),  cmocka_unit_test(test_darknet),
		cmocka_unit_test(test_store_figures), cmocka_unit_test(test_page_escapes),
		cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
