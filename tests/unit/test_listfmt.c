/*
 * test_listfmt.c -- unit tests of the list readers (core/lists/listfmt.h) and the line reader.
 *
 * Inputs are strings fed through fmemopen, a real pipe (fork) and a fopencookie stream
 * that returns a few bytes per read, so that the sniff-and-replay of auto-detection is
 * exercised on streams that cannot seek. Every test collects the entries and rejects
 * into a struct run and checks values, metadata, line numbers, messages and stats.
 * What is a table -- an input file and the entries and rejections it gives, per format,
 * auto-detection, CRLF, NUL bytes, UTF-8, the sample files of tests/data/lists -- is data:
 * tests/data/listfmt/NAME.in with NAME.want, run by tests/readers/readcase.c (ctest
 * readers.listfmt). What stays here is what is not a table: the RPZ reader's cases
 * (RPZ has its own work under way), streams that cannot seek, generated inputs (over-long
 * lines, random bytes), the API's arguments and the line reader.
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

#include "core/base/linereader.h"
#include "core/lists/listfmt.h"
#include "core/base/timefmt.h"

#define MAXE 64
#define MAXR 64

struct ent {
	enum list_kind kind;
	char *value;
	enum list_action action;
	int64_t first_seen;
	int64_t last_seen;
	int64_t expires;
	char *category;
	char *reference;
	char *data;
	long line;
};

struct rej {
	long line;
	char msg[ISP_ERR_MSG];
	const char *file;
};

struct run {
	struct ent e[MAXE];
	size_t ne;
	long total_e;
	struct rej r[MAXR];
	size_t nr;
	long total_r;
	struct listfmt_stats st;
	int rc;
	int stop_after; /* stop the reader after this many entries (0 = never) */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int on_entry(void *ud, const struct listfmt_entry *e)
{
	struct run *r = ud;

	assert_non_null(e->value);
	(void)strlen(e->value);
	if (e->category)
		(void)strlen(e->category);
	if (e->reference)
		(void)strlen(e->reference);
	r->total_e++;
	if (r->ne < MAXE) {
		r->e[r->ne].kind = e->kind;
		r->e[r->ne].value = strdup(e->value);
		r->e[r->ne].action = e->action;
		r->e[r->ne].data = dup_or_null(e->data);
		if (e->action != LIST_LOCAL)
			assert_null(e->data);
		r->e[r->ne].first_seen = e->first_seen;
		r->e[r->ne].last_seen = e->last_seen;
		r->e[r->ne].expires = e->expires;
		r->e[r->ne].category = dup_or_null(e->category);
		r->e[r->ne].reference = dup_or_null(e->reference);
		r->e[r->ne].line = e->line;
		r->ne++;
	}
	if (r->stop_after && r->total_e >= r->stop_after)
		return 42;
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
		free(r->e[i].value);
		free(r->e[i].category);
		free(r->e[i].reference);
		free(r->e[i].data);
	}
	free(r);
}

static struct run *run_stream(FILE *f, enum list_format fmt, const char *origin,
			      const char *filename, int stop_after)
{
	struct run *r = calloc(1, sizeof(*r));
	struct listfmt_opts o;
	struct isp_err err;

	assert_non_null(r);
	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.format = fmt;
	o.origin = origin;
	o.filename = filename ? filename : "test.txt";
	r->stop_after = stop_after;
	isp_err_clear(&err);
	r->rc = listfmt_read(f, &o, on_entry, on_reject, r, &r->st, &err);
	assert_int_equal(r->st.entries, r->total_e);
	assert_int_equal(r->st.rejected, r->total_r);
	return r;
}

static struct run *run_buf(const char *buf, size_t len, enum list_format fmt, const char *origin)
{
	FILE *f = fmemopen((void *)buf, len, "r");
	struct run *r;

	r = run_stream(f, fmt, origin, NULL, 0);
	fclose(f);
	return r;
}

static struct run *run_str(const char *s, enum list_format fmt)
{
	return run_buf(s, strlen(s), fmt, NULL);
}

/* ---- names, kinds, times ---- */

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = LISTFMT_AUTO; i <= LISTFMT_CSV; i++)
		assert_int_equal(listfmt_parse_name(listfmt_name((enum list_format)i)), i);
	assert_int_equal(listfmt_parse_name("RPZ"), LISTFMT_RPZ);
	assert_int_equal(listfmt_parse_name("json"), -1);
	assert_int_equal(listfmt_parse_name(""), -1);
	assert_int_equal(listfmt_parse_name(NULL), -1);
	assert_string_equal(listfmt_name(LISTFMT_URLHAUS), "urlhaus");
	assert_string_equal(listfmt_name((enum list_format)99), "unknown");
	assert_int_equal(list_kind_parse("domain"), LIST_DOMAIN);
	assert_int_equal(list_kind_parse("URL"), LIST_URL);
	assert_int_equal(list_kind_parse("ip"), LIST_IP);
	assert_int_equal(list_kind_parse("asn"), LIST_KIND_NONE);
	assert_int_equal(list_kind_parse(NULL), LIST_KIND_NONE);
	assert_string_equal(list_kind_name(LIST_DOMAIN), "domain");
	assert_string_equal(list_kind_name(LIST_URL), "url");
	assert_string_equal(list_kind_name(LIST_IP), "ip");
	assert_string_equal(list_kind_name(LIST_KIND_NONE), "none");
}

static int64_t tparse(const char *s)
{
	int64_t t = -1;

	if (time_parse(s, strlen(s), &t) < 0)
		return -1;
	return t;
}

static void test_time(void **state)
{
	(void)state;
	assert_int_equal(tparse("2024-03-01 10:04:06"), 1709287446);
	assert_int_equal(tparse("2024-03-01T10:04:06Z"), 1709287446);
	assert_int_equal(tparse("2024-03-01T10:04:06.123Z"), 1709287446);
	assert_int_equal(tparse("2024-03-01 10:04:06 UTC"), 1709287446);
	assert_int_equal(tparse("2024-03-01T12:04:06+02:00"), 1709287446);
	assert_int_equal(tparse("2024-03-01T09:04:06-0100"), 1709287446);
	assert_int_equal(tparse("2024-03-01 10:04"), 1709287440);
	assert_int_equal(tparse("2024-03-01"), 1709251200);
	assert_int_equal(tparse("1709287446"), 1709287446);
	assert_int_equal(tparse(" 1709287446 "), 1709287446);
	assert_int_equal(tparse("1970-01-01"), 0);
	assert_int_equal(tparse("2024-02-29"), 1709164800);
	assert_int_equal(tparse("2023-02-29"), -1);
	assert_int_equal(tparse("2024-13-01"), -1);
	assert_int_equal(tparse("2024-03-01 25:00:00"), -1);
	assert_int_equal(tparse("2024-03-01X"), -1);
	assert_int_equal(tparse("None"), -1);
	assert_int_equal(tparse(""), -1);
	assert_int_equal(tparse("-5"), -1);
	assert_int_equal(tparse("2024-3-1"), -1);
	/* n bounds the parse: the rest of the string is not read */
	{
		int64_t t = 0;

		assert_int_equal(time_parse("2024-03-01garbage", 10, &t), 0);
		assert_int_equal(t, 1709251200);
	}
}

/* ---- RPZ ---- */

static const char rpz_zone[] = "; sample zone\n"
			       "$TTL 1h\n"
			       "$ORIGIN rpz.example.\n"
			       "@ 3600 IN SOA ns1.example. hostmaster.example. (\n"
			       "\t2024030101 ; serial ( not a paren\n"
			       "\t3600 600 604800\n"
			       "\t300 )\n"
			       "\tIN NS ns1.example.\n"
			       "@ NS ns2.example.\n"
			       "evil.example CNAME .\n" /* 10 */
			       "*.evil.example 300 CNAME .\n"
			       "Upper.Example IN 1H30M cname .\n"
			       "nodata.example cname *.\n"
			       "drop.example CNAME rpz-drop.\n"
			       "ok.example CNAME rpz-passthru.\n" /* 15 */
			       "old-ok.example CNAME old-ok.example.\n"
			       "garden.example A 192.0.2.80\n"
			       "\tAAAA 2001:db8::80\n"
			       "garden2.example IN TXT \"blocked; see (cert)\" \"x\"\n"
			       "abs.example.rpz.example. CNAME .\n" /* 20 */
			       "other.zone. CNAME .\n"
			       "32.1.2.0.192.rpz-ip CNAME .\n"
			       "24.0.113.0.203.rpz-ip CNAME rpz-passthru.\n"
			       "48.zz.0.db8.2001.rpz-ip CNAME .\n"
			       "128.1.zz.rpz-ip CNAME .\n" /* 25 */
			       "64.0.0.0.0.0.0.b8.fd.rpz-ip CNAME .\n"
			       "ns.evil.example.rpz-nsdname CNAME .\n"
			       "32.1.2.0.192.rpz-nsip CNAME .\n"
			       "32.2.2.0.192.rpz-client-ip CNAME .\n"
			       "$INCLUDE other.zone\n" /* 30 */
			       "esc\\097ped.example CNAME .\n"
			       "esc\\.dot.example CNAME .\n"
			       "long.example TXT (\n"
			       "   \"part one ; with semicolon\"\n"
			       "   \"part two\" ) ; comment after\n" /* 35 */
			       "$ORIGIN sub.rpz.example.\n"
			       "deep CNAME .\n"
			       "$ORIGIN elsewhere.example.\n"
			       "lost CNAME .\n"
			       "$ORIGIN rpz.example.\n" /* 40 */
			       "back.example CNAME .\n";

static void test_rpz(void **state)
{
	struct run *r;
	size_t i = 0;

	(void)state;
	r = run_str(rpz_zone, LISTFMT_RPZ);
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->e[i].value, "evil.example");
	assert_int_equal(r->e[i].kind, LIST_DOMAIN);
	assert_int_equal(r->e[i].action, LIST_BLOCK);
	assert_int_equal(r->e[i++].line, 10);
	assert_string_equal(r->e[i++].value, "*.evil.example");
	assert_string_equal(r->e[i].value, "Upper.Example");
	assert_int_equal(r->e[i++].line, 12);
	assert_string_equal(r->e[i].value, "nodata.example");
	assert_int_equal(r->e[i++].action, LIST_NODATA);
	assert_string_equal(r->e[i].value, "drop.example");
	assert_int_equal(r->e[i++].action, LIST_DROP);
	assert_string_equal(r->e[i].value, "ok.example");
	assert_int_equal(r->e[i++].action, LIST_ALLOW);
	assert_string_equal(r->e[i].value, "old-ok.example");
	assert_int_equal(r->e[i++].action, LIST_ALLOW);
	assert_string_equal(r->e[i].value, "garden.example"); /* A + AAAA: one entry */
	assert_int_equal(r->e[i].action, LIST_LOCAL);
	assert_string_equal(r->e[i].data, "A 192.0.2.80\nAAAA 2001:db8::80");
	assert_int_equal(r->e[i++].line, 17);
	assert_string_equal(r->e[i].value, "garden2.example");
	assert_string_equal(r->e[i].data, "TXT \"blocked; see (cert)\" \"x\"");
	assert_int_equal(r->e[i++].line, 19);
	assert_string_equal(r->e[i++].value, "abs.example");
	assert_string_equal(r->e[i].value, "192.0.2.1/32");
	assert_int_equal(r->e[i].kind, LIST_IP);
	assert_int_equal(r->e[i++].line, 22);
	assert_string_equal(r->e[i].value, "203.0.113.0/24");
	assert_int_equal(r->e[i++].action, LIST_ALLOW);
	assert_string_equal(r->e[i++].value, "2001:db8::/48");
	assert_string_equal(r->e[i++].value, "::1/128");
	assert_string_equal(r->e[i++].value, "fd:b8::/64");
	assert_string_equal(r->e[i].value, "escaped.example");
	assert_int_equal(r->e[i++].line, 31);
	assert_string_equal(r->e[i].value, "long.example");
	assert_string_equal(r->e[i].data, "TXT \"part one ; with semicolon\" \"part two\"");
	assert_int_equal(r->e[i++].line, 33);
	assert_string_equal(r->e[i].value, "deep.sub");
	assert_int_equal(r->e[i++].line, 37);
	assert_string_equal(r->e[i].value, "back.example");
	assert_int_equal(r->e[i++].line, 41);
	assert_int_equal(r->ne, i);

	i = 0;
	assert_int_equal(r->r[i].line, 21);
	assert_non_null(strstr(r->r[i++].msg, "outside the zone"));
	assert_int_equal(r->r[i].line, 27);
	assert_string_equal(r->r[i++].msg, "RPZ trigger rpz-nsdname is not supported");
	assert_string_equal(r->r[i++].msg, "RPZ trigger rpz-nsip is not supported");
	assert_string_equal(r->r[i++].msg, "RPZ trigger rpz-client-ip is not supported");
	assert_int_equal(r->r[i].line, 30);
	assert_non_null(strstr(r->r[i++].msg, "$INCLUDE"));
	assert_int_equal(r->r[i].line, 32);
	assert_non_null(strstr(r->r[i++].msg, "escaped '.'"));
	assert_int_equal(r->r[i].line, 39);
	assert_non_null(strstr(r->r[i++].msg, "outside the zone"));
	assert_int_equal(r->nr, i);
	/* comment, $TTL, $ORIGIN x4, SOA, NS x2, AAAA of garden, comment-only? no */
	assert_int_equal(r->st.skipped, 1 + 1 + 4 + 1 + 2 + 1);
	assert_int_equal(r->st.lines, 41);
	assert_int_equal(r->st.detected, LISTFMT_RPZ);
	run_free(r);
}

static void test_rpz_origin(void **state)
{
	struct run *r;
	const char *noorigin = "evil.example. CNAME .\nrel.example CNAME .\n@ NS x.\n";
	const char *opt = "evil.example.rpz.test. CNAME .\nrel CNAME .\nwrong.example. CNAME .\n"
			  "$ORIGIN sub.rpz.test.\n@ A 192.0.2.1\n";
	const char *soa = "$ORIGIN example.\nrpz IN SOA a. b. 1 2 3 4 5\n"
			  "x.rpz CNAME .\ny.rpz.example. CNAME .\nz CNAME .\n";

	(void)state;
	r = run_str(noorigin, LISTFMT_RPZ);
	assert_int_equal(r->ne, 2);
	assert_string_equal(r->e[0].value, "evil.example");
	assert_string_equal(r->e[1].value, "rel.example");
	assert_int_equal(r->st.skipped, 1);
	run_free(r);

	/* --origin until the file has its own $ORIGIN, which then is the apex */
	r = run_buf(opt, strlen(opt), LISTFMT_RPZ, "rpz.test.");
	assert_int_equal(r->ne, 2);
	assert_string_equal(r->e[0].value, "evil.example");
	assert_string_equal(r->e[1].value, "rel");
	assert_int_equal(r->nr, 1);
	assert_int_equal(r->r[0].line, 3);
	assert_string_equal(r->r[0].msg, "name 'wrong.example' is outside the zone 'rpz.test'");
	assert_int_equal(r->st.skipped, 2);
	run_free(r);

	/* the SOA owner, not $ORIGIN, is the apex */
	r = run_str(soa, LISTFMT_RPZ);
	assert_int_equal(r->ne, 2);
	assert_string_equal(r->e[0].value, "x");
	assert_string_equal(r->e[1].value, "y");
	assert_int_equal(r->nr, 1);
	assert_int_equal(r->r[0].line, 5);
	run_free(r);
}

static void test_rpz_errors(void **state)
{
	const char *in = "$ORIGIN rpz.example.\n"
			 "a.example CNAME .\n"
			 "b.example CNAME ( .\n" /* 3: never closed: swallows to EOF */
			 "c.example CNAME .\n";
	const char *in2 = "$ORIGIN rpz.example.\n"
			  "a.example ) CNAME .\n"	    /* 2 */
			  "b.example TXT \"open\n"	    /* 3 */
			  "c.example 1x CNAME .\n"	    /* 4 */
			  "d.example CNAME\n"		    /* 5 */
			  "e.example CNAME a. b.\n"	    /* 6 */
			  "\tCNAME .\n"			    /* 7: blank owner = e.example */
			  "f\\999.example CNAME .\n"	    /* 8 */
			  "g..example CNAME .\n"	    /* 9 */
			  "$GENERATE 1-10 $ CNAME .\n"	    /* 10 */
			  "$FOO bar\n"			    /* 11 */
			  "$TTL forever\n"		    /* 12 */
			  "h.example CNAME rpz-tcp-only.\n" /* 13 */
			  "33.1.2.0.192.rpz-ip CNAME .\n"   /* 14 */
			  "32.1.2.192.rpz-ip CNAME .\n"	    /* 15 */
			  "48.zz.zz.2001.rpz-ip CNAME .\n"  /* 16 */
			  "sub.example NS ns.example.\n"    /* 17 */
			  "i.example CNAME .\n";	    /* 18 */
	struct run *r;

	(void)state;
	r = run_str(in, LISTFMT_RPZ);
	assert_int_equal(r->ne, 1);
	assert_int_equal(r->nr, 1);
	assert_int_equal(r->r[0].line, 3);
	assert_non_null(strstr(r->r[0].msg, "'(' not closed"));
	run_free(r);

	r = run_str(in2, LISTFMT_RPZ);
	assert_int_equal(r->ne, 3);
	assert_string_equal(r->e[0].value, "e.example");
	assert_int_equal(r->e[0].line, 7);
	assert_string_equal(r->e[1].value, "h.example"); /* rpz-tcp-only is kept now */
	assert_int_equal(r->e[1].action, LIST_TCP_ONLY);
	assert_string_equal(r->e[2].value, "i.example");
	assert_int_equal(r->nr, 14);
	assert_int_equal(r->r[0].line, 2);
	assert_non_null(strstr(r->r[0].msg, "')' without '('"));
	assert_int_equal(r->r[1].line, 3);
	assert_non_null(strstr(r->r[1].msg, "unterminated quoted string"));
	assert_non_null(strstr(r->r[2].msg, "expected a record type, got '1x'"));
	assert_non_null(strstr(r->r[3].msg, "without data"));
	assert_non_null(strstr(r->r[4].msg, "one target"));
	assert_int_equal(r->r[5].line, 8);
	assert_non_null(strstr(r->r[5].msg, "bad escape"));
	assert_non_null(strstr(r->r[6].msg, "empty label"));
	assert_non_null(strstr(r->r[7].msg, "$GENERATE"));
	assert_non_null(strstr(r->r[8].msg, "unknown directive '$FOO'"));
	assert_non_null(strstr(r->r[9].msg, "$TTL"));
	assert_non_null(strstr(r->r[10].msg, "out of range 1..32"));
	assert_non_null(strstr(r->r[11].msg, "bad rpz-ip trigger"));
	assert_non_null(strstr(r->r[12].msg, "bad rpz-ip trigger"));
	assert_int_equal(r->r[13].line, 17);
	assert_non_null(strstr(r->r[13].msg, "NS record"));
	run_free(r);

	/* a blank owner with no owner before it */
	r = run_str("  CNAME .\n", LISTFMT_RPZ);
	assert_int_equal(r->nr, 1);
	assert_non_null(strstr(r->r[0].msg, "no previous owner"));
	run_free(r);
}

/*
 * RPZ actions, one zone a vector (shaped like BIND's bin/tests/system/rpz zones): the
 * entries it gives ("value action [data]" joined by " | ") or, for a rejected record,
 * "!" and a piece of the message.
 */
struct rpzvec {
	const char *zone;
	const char *want;
};

static const struct rpzvec rpz_vectors[] = {
	{ "a1-1.tld2 CNAME .\n", "a1-1.tld2 block" },
	{ "*.a1-1.tld2 CNAME .\n", "*.a1-1.tld2 block" },
	{ "a3-1.tld2 CNAME *.\n", "a3-1.tld2 nodata" },
	{ "a4-1.tld2 CNAME rpz-drop.\n", "a4-1.tld2 drop" },
	{ "a5-1.tld2 CNAME rpz-tcp-only.\n", "a5-1.tld2 tcp-only" },
	{ "a6-1.tld2 CNAME rpz-passthru.\n", "a6-1.tld2 allow" },
	{ "a6-2.tld2 CNAME a6-2.tld2.\n", "a6-2.tld2 allow" },
	{ "a7-1.tld2 CNAME walled.example.\n", "a7-1.tld2 local CNAME walled.example." },
	{ "*.a7-2.tld2 CNAME walled.example.\n", "*.a7-2.tld2 local CNAME walled.example." },
	{ "a7-3.tld2 CNAME garden\n", "a7-3.tld2 local CNAME garden.rpz.test." },
	{ "a8-1.tld2 A 12.12.12.12\n", "a8-1.tld2 local A 12.12.12.12" },
	{ "a8-2.tld2 A 12.12.12.12\n\tA 12.12.12.13\n\tAAAA 2001:db8::12\n\tTXT \"t t\"\n",
	  "a8-2.tld2 local A 12.12.12.12\nA 12.12.12.13\nAAAA 2001:db8::12\nTXT \"t t\"" },
	{ "a8-3.tld2 TXT plain word\n", "a8-3.tld2 local TXT \"plain\" \"word\"" },
	{ "a9.tld2 A 1.2.3.4\nb9.tld2 A 1.2.3.5\n",
	  "a9.tld2 local A 1.2.3.4 | b9.tld2 local A 1.2.3.5" },
	{ "32.1.2.0.192.rpz-ip CNAME .\n", "192.0.2.1/32 block" },
	{ "32.1.2.0.192.rpz-ip CNAME rpz-drop.\n", "192.0.2.1/32 drop" },
	{ "24.0.2.0.192.rpz-ip A 127.0.0.2\n", "192.0.2.0/24 local A 127.0.0.2" },
	{ "128.1.zz.db8.2001.rpz-ip CNAME *.\n", "2001:db8::1/128 nodata" },
	{ "64.zz.1.db8.2001.rpz-ip CNAME rpz-tcp-only.\n", "2001:db8:1::/64 tcp-only" },
	/* rejected */
	{ "m.tld2 MX 10 mail.example.\n", "!type MX is not supported" },
	{ "c.tld2 CNAME x.example.\n\tA 1.2.3.4\n",
	  "c.tld2 local CNAME x.example. | !a CNAME and other" },
	{ "p.tld2 CNAME .\n\tCNAME rpz-drop.\n", "p.tld2 block | !one policy per owner" },
	{ "w.tld2 CNAME *.garden.example.\n", "!wildcard CNAME target" },
	{ "b.tld2 A 300.1.1.1\n", "!bad IPv4 address" },
	{ "b.tld2 AAAA 1.2.3.4\n", "!bad IPv6 address" },
	{ "b.tld2 A 1.2.3.4 5.6.7.8\n", "!A takes one address" },
	{ "b.tld2 CNAME bad_name!.example.\n", "!absolute host name" },
};

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? " | " : "", s);
}

static void test_rpz_actions(void **state)
{
	char got[1024], one[512];
	size_t v, i;

	(void)state;
	for (v = 0; v < sizeof(rpz_vectors) / sizeof(rpz_vectors[0]); v++) {
		char zone[512];
		struct run *r;
		size_t ie = 0, ir = 0;

		snprintf(zone, sizeof(zone), "$ORIGIN rpz.test.\n%s", rpz_vectors[v].zone);
		r = run_str(zone, LISTFMT_RPZ);
		got[0] = '\0';
		/* entries and rejects in line order (entries first on a tie: a reject comes
		 * from a later record of the same owner) */
		for (i = 0; i < r->ne + r->nr; i++) {
			if (ie < r->ne && (ir >= r->nr || r->e[ie].line <= r->r[ir].line)) {
				snprintf(one, sizeof(one), "%s %s%s%s", r->e[ie].value,
					 list_action_name(r->e[ie].action),
					 r->e[ie].data ? " " : "",
					 r->e[ie].data ? r->e[ie].data : "");
				ie++;
			} else {
				const char *m = r->r[ir].msg;

				snprintf(one, sizeof(one), "!%s", m);
				ir++;
			}
			append(got, sizeof(got), one);
		}
		if (rpz_vectors[v].want[0] == '!' || strstr(rpz_vectors[v].want, "| !")) {
			/* a reject: the message need only contain the wanted piece */
			const char *w = strchr(rpz_vectors[v].want, '!');
			const char *g = strchr(got, '!');

			if (!g || !strstr(g, w + 1) ||
			    strncmp(got, rpz_vectors[v].want, (size_t)(w - rpz_vectors[v].want)) !=
				    0)
				fail_msg("vector %zu: %s\n  got  %s\n  want %s", v,
					 rpz_vectors[v].zone, got, rpz_vectors[v].want);
		} else if (strcmp(got, rpz_vectors[v].want) != 0) {
			fail_msg("vector %zu: %s\n  got  %s\n  want %s", v, rpz_vectors[v].zone,
				 got, rpz_vectors[v].want);
		}
		run_free(r);
	}
}

static void test_rpz_paren_limit(void **state)
{
	char *buf = malloc(4096);
	size_t n = 0;
	int i;
	struct run *r;

	(void)state;
	assert_non_null(buf);
	n += (size_t)sprintf(buf + n, "x.example TXT (\n");
	for (i = 0; i < 70; i++)
		n += (size_t)sprintf(buf + n, "\"t%d\"\n", i);
	n += (size_t)sprintf(buf + n, "y.example CNAME .\n");
	r = run_buf(buf, n, LISTFMT_RPZ, NULL);
	assert_true(r->nr >= 1);
	assert_int_equal(r->r[0].line, 1);
	assert_non_null(strstr(r->r[0].msg, "not closed within 64 lines"));
	/* reading goes on: the last record is parsed */
	assert_true(r->ne >= 1);
	assert_string_equal(r->e[r->ne - 1].value, "y.example");
	run_free(r);
	free(buf);
}

static const char urlhaus_in[] =
	"################################################################\n"
	"# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #\n"
	"# Last updated: 2024-03-01 10:05:02 (UTC)                      #\n"
	"#                                                              #\n"
	"# Terms Of Use: https://urlhaus.abuse.ch/api/                  #\n"
	"# For questions please contact urlhaus [at] abuse.ch           #\n"
	"################################################################\n"
	"#\n"
	"# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
	"\"2786541\",\"2024-03-01 10:04:06\",\"http://115.55.237.69:49163/Mozi.m\",\"online\","
	"\"2024-03-01 10:04:06\",\"malware_download\",\"32-bit,elf,mips,Mozi\","
	"\"https://urlhaus.abuse.ch/url/2786541/\",\"geenensp\"\n"
	"\"2786542\",\"2024-03-01 10:05:00\",\"\",\"online\",\"\",\"malware_download\",\"\","
	"\"https://urlhaus.abuse.ch/url/2786542/\",\"x\"\n"
	"\"2786543\",\"2024-03-01 10:05:01\",\"http://a.example/x\",\"offline\",\"\","
	"\"malware_download\",\"\",\"https://urlhaus.abuse.ch/url/2786543/\",\"x\"\n";

/* ---- auto-detection ---- */

/* A stream that gives at most 7 bytes per read and cannot seek. */
struct trickle {
	const char *p;
	size_t n;
};

static ssize_t trickle_read(void *c, char *buf, size_t size)
{
	struct trickle *t = c;
	size_t k = size < 7 ? size : 7;

	if (k > t->n)
		k = t->n;
	memcpy(buf, t->p, k);
	t->p += k;
	t->n -= k;
	return (ssize_t)k;
}

static void test_detect_keeps_lines(void **state)
{
	cookie_io_functions_t io = { .read = trickle_read };
	struct trickle t;
	FILE *f;
	struct run *r;

	(void)state;
	t.p = urlhaus_in;
	t.n = strlen(urlhaus_in);
	f = fopencookie(&t, "r", io);
	assert_non_null(f);
	r = run_stream(f, LISTFMT_AUTO, NULL, "-", 0);
	fclose(f);
	assert_int_equal(r->st.detected, LISTFMT_URLHAUS);
	assert_int_equal(r->st.lines, 12);
	assert_int_equal(r->ne, 2);
	assert_int_equal(r->e[0].line, 10);
	assert_string_equal(r->r[0].file, "<stdin>");
	run_free(r);

	t.p = "0.0.0.0 first.example\n0.0.0.0 second.example";
	t.n = strlen(t.p);
	f = fopencookie(&t, "r", io);
	r = run_stream(f, LISTFMT_AUTO, NULL, "-", 0);
	fclose(f);
	assert_int_equal(r->st.detected, LISTFMT_HOSTS);
	assert_int_equal(r->ne, 2);
	assert_string_equal(r->e[0].value, "first.example");
	assert_string_equal(r->e[1].value, "second.example");
	run_free(r);
}

/* More than the 64 KiB sniff through a real pipe: every line arrives, in order. */
static void test_detect_pipe(void **state)
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
		fprintf(w, "# comment\n0.0.0.0 line2.example\n");
		for (i = 3; i <= 20000; i++)
			fprintf(w, "0.0.0.0 host%d.example\n", i);
		fclose(w);
		_exit(0);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	assert_non_null(f);
	r = run_stream(f, LISTFMT_AUTO, NULL, "-", 0);
	fclose(f);
	waitpid(pid, &status, 0);
	assert_int_equal(r->st.detected, LISTFMT_HOSTS);
	assert_int_equal(r->st.lines, 20000);
	assert_int_equal(r->st.entries, 19999);
	assert_int_equal(r->st.skipped, 1);
	assert_string_equal(r->e[0].value, "line2.example");
	assert_int_equal(r->e[0].line, 2);
	assert_string_equal(r->e[1].value, "host3.example");
	run_free(r);
}

/* ---- robustness ---- */

static void test_long_line(void **state)
{
	size_t big = 200 * 1024;
	size_t n = 0;
	char *buf = malloc(big + 3 * LISTFMT_LINE_MAX + 100);
	struct run *r;

	(void)state;
	assert_non_null(buf);
	n += (size_t)sprintf(buf, "first.example\n");
	memset(buf + n, 'a', big);
	n += big;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "next.example\n");
	memset(buf + n, 'b', LISTFMT_LINE_MAX); /* exactly the limit: accepted */
	n += LISTFMT_LINE_MAX;
	buf[n++] = '\r';
	buf[n++] = '\n';
	memset(buf + n, 'c', LISTFMT_LINE_MAX + 1); /* one over: rejected */
	n += LISTFMT_LINE_MAX + 1;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "last.example");
	r = run_buf(buf, n, LISTFMT_AUTO, NULL);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->st.lines, 6);
	assert_int_equal(r->ne, 4);
	assert_string_equal(r->e[0].value, "first.example");
	assert_string_equal(r->e[1].value, "next.example");
	assert_int_equal(r->e[1].line, 3);
	assert_int_equal(strlen(r->e[2].value), LISTFMT_LINE_MAX);
	assert_string_equal(r->e[3].value, "last.example");
	assert_int_equal(r->e[3].line, 6);
	assert_int_equal(r->nr, 2);
	assert_int_equal(r->r[0].line, 2);
	assert_non_null(strstr(r->r[0].msg, "line longer than 65536 bytes"));
	assert_int_equal(r->r[1].line, 5);
	run_free(r);

	/* an over-long last line without newline */
	memset(buf, 'x', big);
	r = run_buf(buf, big, LISTFMT_PLAIN, NULL);
	assert_int_equal(r->st.lines, 1);
	assert_int_equal(r->nr, 1);
	run_free(r);
	free(buf);
}

static void test_garbage(void **state)
{
	size_t n = 1 << 20;
	unsigned char *buf = malloc(n);
	uint32_t x = 12345;
	size_t i;
	int fmt;
	struct run *r;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (fmt = LISTFMT_AUTO; fmt <= LISTFMT_CSV; fmt++) {
		r = run_buf((const char *)buf, n, (enum list_format)fmt, "rpz.example");
		assert_int_equal(r->rc, 0);
		assert_true(r->st.lines > 1000);
		assert_true(r->st.rejected > 0);
		assert_true(r->st.entries + r->st.rejected + r->st.skipped <= r->st.lines * 64);
		run_free(r);
	}
	/* mostly printable garbage, with newlines */
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(" \t\n\"();,.#$@\\*azAZ09\r"[(x >> 16) % 22]);
	}
	for (fmt = LISTFMT_AUTO; fmt <= LISTFMT_CSV; fmt++) {
		r = run_buf((const char *)buf, n, (enum list_format)fmt, NULL);
		assert_int_equal(r->rc, 0);
		run_free(r);
	}
	free(buf);
}

static void test_stop_and_args(void **state)
{
	FILE *f;
	struct run *r;
	struct listfmt_opts o;
	struct isp_err err;

	(void)state;
	f = fmemopen((void *)"a\nb\nc\nd\n", 8, "r");
	r = run_stream(f, LISTFMT_PLAIN, NULL, NULL, 2);
	fclose(f);
	assert_int_equal(r->rc, 42);
	assert_int_equal(r->ne, 2);
	run_free(r);

	memset(&o, 0, sizeof(o));
	assert_int_equal(listfmt_read(NULL, &o, NULL, NULL, NULL, NULL, &err), ISR_EINVAL);
	f = fmemopen((void *)"a\n", 2, "r");
	assert_int_equal(listfmt_read(f, NULL, NULL, NULL, NULL, NULL, &err), ISR_EINVAL);
	o.format = (enum list_format)77;
	assert_int_equal(listfmt_read(f, &o, NULL, NULL, NULL, NULL, &err), ISR_EINVAL);
	/* no callbacks and no stats: reads anyway */
	o.format = LISTFMT_AUTO;
	assert_int_equal(listfmt_read(f, &o, NULL, NULL, NULL, NULL, NULL), 0);
	fclose(f);
}

/* ---- line reader ---- */

static void test_linereader(void **state)
{
	static const char in[] = "ab\r\n\ncd\n0123456789\nlast";
	FILE *f = fmemopen((void *)in, sizeof(in) - 1, "r");
	struct lr *r = lr_new(f, 8);
	struct lr_line ln;
	const char *p;
	size_t n;

	(void)state;
	assert_non_null(r);
	assert_null(lr_new(f, 0));
	assert_int_equal(lr_peek(r, 5, &p, &n, NULL), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "ab\r\n\n", 5);
	assert_int_equal(lr_peek(r, 100, &p, &n, NULL), ISR_EINVAL);
	assert_int_equal(lr_next(r, &ln, NULL), 1);
	assert_string_equal(ln.text, "ab");
	assert_int_equal(ln.lineno, 1);
	assert_int_equal(ln.offset, 0);
	assert_int_equal(lr_next(r, &ln, NULL), 1);
	assert_int_equal(ln.len, 0);
	assert_int_equal(ln.offset, 4);
	assert_int_equal(lr_next(r, &ln, NULL), 1);
	assert_string_equal(ln.text, "cd");
	assert_int_equal(ln.offset, 5);
	assert_int_equal(lr_next(r, &ln, NULL), 1);
	assert_true(ln.too_long);
	assert_int_equal(ln.full_len, 10);
	assert_int_equal(ln.lineno, 4);
	assert_int_equal(ln.offset, 8);
	assert_int_equal(lr_next(r, &ln, NULL), 1);
	assert_string_equal(ln.text, "last");
	assert_int_equal(ln.offset, 19);
	assert_false(ln.too_long);
	assert_int_equal(lr_next(r, &ln, NULL), 0);
	assert_int_equal(lr_next(r, &ln, NULL), 0);
	assert_true(lr_at_eof(r));
	lr_free(r);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_rpz),
		cmocka_unit_test(test_rpz_origin),
		cmocka_unit_test(test_rpz_errors),
		cmocka_unit_test(test_rpz_actions),
		cmocka_unit_test(test_rpz_paren_limit),
		cmocka_unit_test(test_detect_keeps_lines),
		cmocka_unit_test(test_detect_pipe),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_stop_and_args),
		cmocka_unit_test(test_linereader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
