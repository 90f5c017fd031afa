/*
 * test_xarf.c -- unit tests for core/base/mime and core/events/xarf: base64 against the
 * RFC 4648 section 10 vectors, RFC 2047 header words, the mbox's mboxrd quoting, the
 * multipart/report a rendered notice is turned into (headers kept, Content-* moved to
 * part 1, the JSON part, the closing boundary), the operator's party from the notify
 * settings, stable report ids, the cause -> category/type table, and refusals. The
 * schema validation of whole reports is integration.xarf's (Python jsonschema).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/mime.h"
#include "core/events/xarf.h"

static void test_base64(void **state)
{
	static const char *const v[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct strbuf b = { 0 };

		mime_base64(&b, (const unsigned char *)v[i][0], strlen(v[i][0]), 0);
		assert_string_equal(b.p ? b.p : "", v[i][1]);
		free(b.p);
	}
}

static void test_header_and_body(void **state)
{
	struct strbuf b = { 0 };

	(void)state;
	mime_header_value(&b, "plain");
	mime_header_value(&b, " \xe3\x81\x82");
	assert_string_equal(b.p, "plain=?UTF-8?B?IOOBgg==?=");
	free(b.p);
	memset(&b, 0, sizeof(b));
	mime_body(&b, "a\nb\r\n", 5);
	assert_string_equal(b.p, "Content-Transfer-Encoding: 7bit\r\n\r\na\r\nb\r\n");
	free(b.p);
}

static void test_mbox_quoting(void **state)
{
	const char msg[] = "From: <a@b.example>\r\n\r\nFrom here\r\n>From there\r\nok\r\n";
	char *text = NULL;
	size_t len = 0;
	struct isp_err err;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(xarf_mbox_add(f, "a@b.example", 0, msg, sizeof(msg) - 1, &err), 0);
	fclose(f);
	assert_string_equal(text, "From a@b.example Thu Jan  1 00:00:00 1970\n"
				  "From: <a@b.example>\n\n>From here\n>>From there\nok\n\n");
	free(text);
}

static void test_wrap(void **state)
{
	const char msg[] = "From: ISP <abuse@isp.example>\r\nTo: <x@site.example>\r\n"
			   "Subject: notice\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: text/plain;\r\n charset=UTF-8\r\n"
			   "Content-Transfer-Encoding: 7bit\r\n\r\nhello\r\n";
	char *out = NULL;
	size_t len = 0;
	struct isp_err err;
	const char *p1, *p2, *end;

	(void)state;
	assert_int_equal(xarf_mail_wrap(msg, sizeof(msg) - 1, "{}", &out, &len, &err), 0);
	assert_int_equal(strlen(out), len);
	/* the header keeps From/To/Subject, one MIME-Version, the report type */
	assert_non_null(strstr(out, "Subject: notice\r\nX-XARF: PLAIN\r\nMIME-Version: 1.0\r\n"));
	assert_null(strstr(strstr(out, "MIME-Version") + 1, "MIME-Version"));
	assert_non_null(strstr(out, "Content-Type: multipart/report; report-type=xarf;"));
	/* part 1: the text with its own (folded) Content-Type; part 2: the JSON */
	p1 = strstr(out, "Content-Type: text/plain;\r\n charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: 7bit\r\n\r\nhello\r\n");
	p2 = strstr(out, "Content-Type: application/json; charset=UTF-8\r\n");
	end = strstr(out, "--\r\n");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_non_null(end);
	assert_true(p1 < p2 && p2 < end);
	free(out);
	assert_int_equal(xarf_mail_wrap("no split", 8, "{}", &out, &len, &err), ISR_EFORMAT);
	assert_null(out);
}

static void test_party(void **state)
{
	struct xarf_party p;

	(void)state;
	xarf_party_from(&p, "Example ISP", "abuse@isp.example", "noc@mail.isp.example");
	assert_string_equal(p.domain, "mail.isp.example");
	xarf_party_from(&p, "", "abuse@isp.example", "");
	assert_string_equal(p.org, "ispshield");
	assert_string_equal(p.domain, "isp.example");
	xarf_party_from(&p, "X", "", "nobody");
	assert_string_equal(p.domain, "invalid");
}

/* The report of a row of cause c (port): category/type, and one type field. */
static void classify(enum cause c, uint16_t port, const char *url, const char *cat,
		     const char *type, const char *field)
{
	struct xarf_party me;
	struct xarf_event e;
	struct isp_err err;
	char *a = NULL, *b = NULL;
	json_t *o;

	xarf_party_from(&me, "ISP", "abuse@isp.example", NULL);
	memset(&e, 0, sizeof(e));
	e.time = 1795344000;
	e.source = "192.0.2.1";
	e.port = port;
	e.cause = c;
	e.url = url;
	e.evidence = "ip\n192.0.2.1\n";
	assert_int_equal(xarf_report(&me, &e, &a, &err), 0);
	assert_int_equal(xarf_report(&me, &e, &b, &err), 0);
	o = json_loads(a, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "category")), cat);
	assert_string_equal(json_string_value(json_object_get(o, "type")), type);
	assert_non_null(json_object_get(o, field));
	assert_string_equal(json_string_value(json_object_get(o, "timestamp")),
			    "2026-11-22T10:40:00Z");
	assert_string_equal(a, b); /* the same row, the same report (and id) */
	json_decref(o);
	free(a);
	free(b);
}

static void test_causes(void **state)
{
	(void)state;
	classify(CAUSE_CC, 0, NULL, "infrastructure", "botnet", "compromise_evidence");
	classify(CAUSE_MALWARE_SITE, 0, "http://x.example/a", "content", "malware", "url");
	classify(CAUSE_MALWARE_SITE, 0, NULL, "reputation", "threat_intelligence", "threat_type");
	classify(CAUSE_OPEN_RESOLVER, 0, NULL, "vulnerability", "open_service", "service");
	classify(CAUSE_OPEN_PROXY, 0, NULL, "vulnerability", "open_service", "service");
	classify(CAUSE_VULNERABLE_ROUTER, 0, NULL, "vulnerability", "misconfiguration", "service");
	classify(CAUSE_CREDENTIAL, 22, NULL, "connection", "login_attack", "first_seen");
	classify(CAUSE_CREDENTIAL, 0, NULL, "reputation", "threat_intelligence", "threat_type");
	classify(CAUSE_NONE, 0, NULL, "reputation", "threat_intelligence", "threat_type");
}

static void test_refusals(void **state)
{
	struct xarf_party me;
	struct xarf_event e;
	struct isp_err err;
	char *out = (char *)1;

	(void)state;
	xarf_party_from(&me, "ISP", "abuse@isp.example", NULL);
	memset(&e, 0, sizeof(e));
	assert_int_equal(xarf_report(&me, &e, &out, &err), ISR_EINVAL);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),	     cmocka_unit_test(test_header_and_body),
		cmocka_unit_test(test_mbox_quoting), cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_party),	     cmocka_unit_test(test_causes),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
