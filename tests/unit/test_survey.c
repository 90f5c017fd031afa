/*
 * test_survey.c -- the survey's stateless parts: the cyclic-group permutation visits
 * every target exactly once (and resumes where it stopped), the scope refuses targets
 * outside the authorised prefixes and excluded addresses before a packet is built, the
 * keyed validation rejects spoofed, wrong-ID, wrong-port and wrong-question replies and
 * accepts the right one, the probe zone decodes its labels, the fingerprint parser
 * reports FILE:LINE and matches, the HTTP reader is bounded, and the JSON writer turns
 * hostile strings (quotes, backslashes, control bytes, invalid UTF-8) into JSON that
 * jansson reads back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/net/dnswire.h"
#include "survey/survey.h"

static void check_perm(uint64_t n, uint64_t seed)
{
	struct survey_perm pm;
	uint8_t *seen = calloc(n, 1);
	uint64_t idx, count = 0;

	assert_non_null(seen);
	assert_int_equal(survey_perm_init(&pm, n, seed), 0);
	assert_true(survey_is_primitive_root(pm.g, pm.p));
	while (survey_perm_next(&pm, &idx)) {
		assert_true(idx < n);
		assert_int_equal(seen[idx], 0);
		seen[idx] = 1;
		count++;
	}
	assert_int_equal(count, n);
	free(seen);
}

static void test_perm_every_target_once(void **state)
{
	uint64_t n;

	(void)state;
	for (n = 1; n < 300; n++)
		check_perm(n, n * 7919);
	check_perm(65536, 1);
	check_perm(65536, 2);
	check_perm(1 << 20, 3);
}

static void test_perm_random_and_resume(void **state)
{
	struct survey_perm a, b, r;
	uint64_t x, y, i;
	int differ = 0;

	(void)state;
	assert_int_equal(survey_perm_init(&a, 1000, 1), 0);
	assert_int_equal(survey_perm_init(&b, 1000, 2), 0);
	for (i = 0; i < 20; i++) {
		assert_true(survey_perm_next(&a, &x));
		assert_true(survey_perm_next(&b, &y));
		differ |= x != y;
	}
	assert_true(differ); /* another seed, another order */
	/* resume from the saved position continues the same order */
	assert_int_equal(survey_perm_resume(&r, 1000, a.g, a.first, a.pos), 0);
	while (survey_perm_next(&a, &x)) {
		assert_true(survey_perm_next(&r, &y));
		assert_int_equal(x, y);
	}
	assert_false(survey_perm_next(&r, &y));
	/* a generator that is not a primitive root is refused */
	assert_int_equal(survey_perm_resume(&r, 1000, 1, 1, 0), ISR_EINVAL);
}

static void test_scope(void **state)
{
	struct survey_scope s;
	struct survey_targets *t = calloc(1, sizeof(*t));
	struct isp_err err;
	char path[] = "/tmp/test_survey_exclXXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "192.0.2.7\n# x\n", 14), 14);
	close(fd);
	assert_int_equal(survey_scope_init(&s, "", NULL, &err), ISR_EINVAL);
	assert_int_equal(survey_scope_init(&s, "192.0.2.0/24, 203.0.113.0/25", path, &err), 0);
	assert_true(survey_scope_allows(&s, 0xc0000201));
	assert_false(survey_scope_allows(&s, 0xc0000207)); /* excluded */
	assert_false(survey_scope_allows(&s, 0xc6336401)); /* 198.51.100.1 */
	assert_false(survey_scope_allows(&s, 0xcb007180)); /* 203.0.113.128 */
	assert_int_equal(survey_targets_add(t, &s, "192.0.2.0/25", &err), 0);
	assert_int_equal(survey_targets_add(t, &s, "198.51.100.0/24", &err), ISR_EINVAL);
	assert_non_null(strstr(err.msg, "refused"));
	assert_int_equal(survey_targets_add(t, &s, "203.0.113.0/24", &err), ISR_EINVAL);
	assert_int_equal(survey_targets_add(t, &s, "203.0.113.0/26", &err), 0);
	assert_int_equal(survey_targets_add(t, &s, "2001:db8::/64", &err), ISR_EINVAL);
	assert_int_equal(survey_targets_add(t, &s, "10.0.0.0/7", &err), ISR_ELIMIT);
	assert_int_equal(t->total, 128 + 64);
	assert_int_equal(survey_targets_at(t, 0), 0xc0000200);
	assert_int_equal(survey_targets_at(t, 128), 0xcb007100);
	survey_scope_free(&s);
	unlink(path);
	free(t);
}

static void setup_dns(struct survey_dns *d, struct survey_scope *s)
{
	struct isp_err err;

	assert_int_equal(survey_scope_init(s, "192.0.2.0/24", NULL, &err), 0);
	memset(d, 0, sizeof(*d));
	d->scope = s;
	d->key.k0 = 0x0123456789abcdefULL;
	d->key.k1 = 0xfedcba9876543210ULL;
	strcpy(d->zone, "probe.test");
	strcpy(d->contact, "ispshield-survey");
	d->expect_a = 0xc0000235;
	d->edns = 1232;
}

/* Answer a probe the way a resolver would: parse it, add an A record for `a`. */
static int answer(const uint8_t *q, int ql, uint32_t a, int ra, uint8_t *out)
{
	struct dnsw_query dq;
	uint8_t ab[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a };
	int n;

	assert_int_equal(dnsw_parse_query(q, (size_t)ql, &dq), 0);
	n = dnsw_build_address(&dq, 4, ab, 60, -1, NULL, out, 1500);
	assert_true(n > 0);
	if (!ra)
		out[3] &= (uint8_t)~0x80;
	return n;
}

static void test_dns_validation(void **state)
{
	struct survey_scope s;
	struct survey_dns d, other;
	struct survey_token t;
	struct survey_dns_result r;
	struct isp_err err;
	uint8_t q[SURVEY_DNS_MAX_QUERY], resp[1500];
	uint32_t target = 0xc000020b, dec = 0;
	int ql, n;

	(void)state;
	setup_dns(&d, &s);
	/* outside the scope: no packet is built */
	assert_int_equal(survey_dns_query(&d, 0xc6336401, q, sizeof(q), &err), ISR_EINVAL);
	assert_non_null(strstr(err.msg, "no packet built"));
	ql = survey_dns_query(&d, target, q, sizeof(q), &err);
	assert_true(ql > 0);
	survey_token(&d.key, target, &t);
	assert_true(t.sport >= 32768 && t.sport < 61184);
	assert_int_equal(survey_label_decode(&d.key, t.label, strlen(t.label), &dec), 0);
	assert_int_equal(dec, target);
	n = answer(q, ql, d.expect_a, 1, resp);

	/* the right reply */
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)n, &r), SR_OK);
	assert_true(r.open && r.answer_ok && r.has_a);
	assert_int_equal(r.answer, d.expect_a);
	assert_int_equal(r.query_size, ql);
	assert_int_equal(r.resp_size, n);
	/* from another address (spoofed source or another target): its token differs */
	assert_int_not_equal(survey_dns_check(&d, target + 1, 53, t.sport, resp, (size_t)n, &r),
			     SR_OK);
	/* from outside the scope */
	assert_int_equal(survey_dns_check(&d, 0xc6336401, 53, t.sport, resp, (size_t)n, &r),
			 SR_SCOPE);
	/* wrong ports */
	assert_int_equal(survey_dns_check(&d, target, 5353, t.sport, resp, (size_t)n, &r), SR_PORT);
	assert_int_equal(
		survey_dns_check(&d, target, 53, (uint16_t)(t.sport + 1), resp, (size_t)n, &r),
		SR_PORT);
	/* wrong ID */
	resp[1] ^= 1;
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)n, &r), SR_ID);
	resp[1] ^= 1;
	/* another scan's key (a replayed or forged answer): port or ID differ */
	other = d;
	other.key.k0 ^= 1;
	assert_int_not_equal(survey_dns_check(&other, target, 53, t.sport, resp, (size_t)n, &r),
			     SR_OK);
	/* wrong question: change a character of the label */
	resp[DNSW_HEADER + 1] = resp[DNSW_HEADER + 1] == 'a' ? 'b' : 'a';
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)n, &r),
			 SR_QUESTION);
	resp[DNSW_HEADER + 1] = (uint8_t)t.label[0];
	/* truncated: the answer record cut */
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)n - 3, &r),
			 SR_MALFORMED);
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, 5, &r), SR_MALFORMED);
	/* another address: bogus; no RA: not open */
	n = answer(q, ql, 0x0a000001, 1, resp);
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)n, &r), SR_OK);
	assert_true(r.open && !r.answer_ok);
	n = answer(q, ql, d.expect_a, 0, resp);
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)n, &r), SR_OK);
	assert_false(r.open);
	/* REFUSED without a question: closed, never open */
	memset(resp, 0, 12);
	resp[0] = (uint8_t)(t.id >> 8);
	resp[1] = (uint8_t)t.id;
	resp[2] = 0x81;
	resp[3] = 0x85;
	assert_int_equal(survey_dns_check(&d, target, 53, t.sport, resp, 12, &r), SR_OK);
	assert_false(r.open);
	assert_int_equal(r.rcode, 5);
	/* a forged label does not decode */
	assert_int_equal(survey_label_decode(&d.key, "0000000000000000", 16, &dec), -1);
	survey_scope_free(&s);
}

static void test_compression_loop(void **state)
{
	struct survey_scope s;
	struct survey_dns d;
	struct survey_token t;
	struct survey_dns_result r;
	uint8_t q[SURVEY_DNS_MAX_QUERY], resp[512];
	uint32_t target = 0xc000020c;
	int ql;

	(void)state;
	setup_dns(&d, &s);
	ql = survey_dns_query(&d, target, q, sizeof(q), NULL);
	survey_token(&d.key, target, &t);
	memcpy(resp, q, (size_t)ql);
	resp[2] |= 0x80;
	resp[3] = 0x80;
	dnsw_put16(resp + 6, 1);
	dnsw_put16(resp + 10, 0);
	/* the answer's owner points at itself */
	ql -= 11; /* drop the OPT */
	resp[ql] = 0xc0;
	resp[ql + 1] = (uint8_t)ql;
	memset(resp + ql + 2, 0, 10);
	assert_int_not_equal(survey_dns_check(&d, target, 53, t.sport, resp, (size_t)ql + 12, &r),
			     SR_OK);
	survey_scope_free(&s);
}

static void test_zone_answer(void **state)
{
	struct survey_scope s;
	struct survey_dns d;
	uint8_t q[SURVEY_DNS_MAX_QUERY], out[512];
	uint32_t target = 0xc000020d, got;
	int ql, n;

	(void)state;
	setup_dns(&d, &s);
	ql = survey_dns_query(&d, target, q, sizeof(q), NULL);
	n = survey_zone_answer(&d, q, (size_t)ql, out, sizeof(out), &got);
	assert_true(n > 0);
	assert_int_equal(got, target);
	assert_true(dnsw_get16(out + 2) & DNSW_AA);
	assert_int_equal(dnsw_get16(out + 6), 1); /* one answer */
	/* a name outside the zone is refused */
	q[DNSW_HEADER + 20] = 'x';
	memcpy(q + ql - 11 - 5 - 4, "xxxx", 4);
	n = survey_zone_answer(&d, q, (size_t)ql, out, sizeof(out), &got);
	assert_true(n > 0);
	assert_int_equal(got, 0);
	survey_scope_free(&s);
}

static const char fp_good[] = "# comment\n"
			      "[br500]\n"
			      "vendor = ExampleNet\n"
			      "model = BR-500\n"
			      "vulnerable = yes\n"
			      "advice = update-firmware\n"
			      "title = BR-500 Setup\n"
			      "body = PPPoE\n"
			      "\n"
			      "[auth]\n"
			      "vendor = Other\n"
			      "status = 401\n"
			      "realm = Router\n";

static void test_fingerprints(void **state)
{
	struct survey_fps f;
	struct survey_http_resp r;
	struct isp_err err;
	char buf[128];
	static const char page[] = "HTTP/1.1 200 OK\r\nServer: micro\r\nContent-Type: text/html\r\n"
				   "\r\n<html><TITLE>BR-500 Setup</title>pppoe id</html>";
	static const char auth[] = "HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic "
				   "realm=\"Router Admin\"\r\n\r\n";
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "vendor = x\n", "t:1: key before the first [fingerprint]" },
		{ "[a]\nvendor = x\ntitle = y\nfoo = 1\n", "t:4: unknown key: foo" },
		{ "[a]\nvendor = x\n", "t:2: fingerprint has no condition" },
		{ "[a]\ntitle = y\n[b]\n", "t:2: fingerprint has no vendor" },
		{ "[a]\nvendor = x\nvulnerable = maybe\n", "t:3: bad or too long value" },
		{ "[a]\nvendor\n", "t:2: expected KEY = VALUE" },
		{ "[a\n", "t:1: bad section header" },
		{ "[a]\nvendor = x\nstatus = 99\n", "t:3: bad or too long value" },
	};
	size_t i;

	(void)state;
	assert_int_equal(survey_fps_parse(&f, "t", fp_good, strlen(fp_good), &err), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(survey_http_parse(page, strlen(page), &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.server, "micro");
	assert_string_equal(r.title, "BR-500 Setup");
	assert_string_equal(survey_fps_match(&f, &r)->id, "br500");
	assert_int_equal(survey_http_parse(auth, strlen(auth), &r), 0);
	assert_string_equal(r.realm, "Router Admin");
	assert_string_equal(survey_fps_match(&f, &r)->id, "auth");
	/* cut in the middle of the header: still parsed, nothing matched */
	assert_int_equal(survey_http_parse(page, 40, &r), 0);
	assert_null(survey_fps_match(&f, &r));
	assert_int_equal(survey_http_parse("SSH-2.0-OpenSSH\r\n", 17, &r), -1);
	survey_fps_free(&f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		isp_err_clear(&err);
		assert_int_not_equal(
			survey_fps_parse(&f, "t", bad[i].text, strlen(bad[i].text), &err), 0);
		isp_err_str(&err, buf, sizeof(buf));
		if (!strstr(buf, bad[i].want))
			fail_msg("'%s': got '%s', want '%s'", bad[i].text, buf, bad[i].want);
		assert_null(f.fp);
	}
}

static void test_ip_udp(void **state)
{
	uint8_t p[64] = { 0x45, 0, 0,  40,  0, 0, 0x40, 0, 64, 17,   0,	   0, 192,
			  0,	2, 11, 192, 0, 2, 1,	0, 53, 0x80, 0x01, 0, 20 };
	uint32_t s, d;
	uint16_t sp, dp;
	const uint8_t *pl;
	size_t pln;

	(void)state;
	assert_int_equal(survey_ip_udp(p, 40, &s, &d, &sp, &dp, &pl, &pln), 0);
	assert_int_equal(s, 0xc000020b);
	assert_int_equal(sp, 53);
	assert_int_equal(dp, 0x8001);
	assert_int_equal(pln, 12);
	assert_int_equal(survey_ip_udp(p, 39, &s, &d, &sp, &dp, &pl, &pln), -1); /* truncated */
	p[6] = 0x20; /* more fragments */
	assert_int_equal(survey_ip_udp(p, 40, &s, &d, &sp, &dp, &pl, &pln), -1);
	p[6] = 0x40;
	p[25] = 200; /* UDP length past the packet */
	assert_int_equal(survey_ip_udp(p, 40, &s, &d, &sp, &dp, &pl, &pln), -1);
}

/* The findings through survey_write_json, parsed back; the caller decrefs. */
static json_t *findings_roundtrip(const struct survey_findings *fs)
{
	char *buf = NULL;
	size_t len = 0;
	json_error_t je;
	FILE *f = open_memstream(&buf, &len);
	json_t *v;

	assert_non_null(f);
	assert_int_equal(survey_write_json(fs, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 0 && buf[len - 1] == '\n');
	v = json_loadb(buf, len, 0, &je);
	if (!v)
		fail_msg("JSON does not parse: %s at %d: %s", je.text, je.position, buf);
	free(buf);
	return v;
}

static const char *member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_json_hostile(void **state)
{
	struct survey_findings fs = { 0 };
	struct survey_finding f;
	json_t *v, *o;

	(void)state;
	v = findings_roundtrip(&fs);
	assert_true(json_is_array(v) && json_array_size(v) == 0);
	json_decref(v);

	memset(&f, 0, sizeof(f));
	f.addr = 0xc0000201;
	f.time = 1700000000;
	f.proto = 6;
	f.port = 80;
	f.cause = CAUSE_NONE;
	snprintf(f.tag, sizeof(f.tag), "router\"admin\\\"}, {\"x\": 1");
	snprintf(f.vendor, sizeof(f.vendor), "bad\xff\xfe utf8 \xc0\xaf \xed\xa0\x80 end\xe3\x81");
	snprintf(f.model, sizeof(f.model), "\xe6\x97\xa5\xe6\x9c\xac model"); /* valid: kept */
	snprintf(f.firmware, sizeof(f.firmware), "ctl\x01\x1f\x7f\ttab\nnl\rcr");
	snprintf(f.detail, sizeof(f.detail), "</script>\\u0000 \"quoted\" \\");
	f.vulnerable = 1;
	assert_int_equal(survey_findings_add(&fs, &f), 0);
	memset(&f, 0, sizeof(f));
	f.addr = 0xc0000202;
	f.proto = 17;
	f.port = 53;
	f.cause = CAUSE_OPEN_RESOLVER;
	f.query_size = 30;
	f.resp_size = 100;
	snprintf(f.tag, sizeof(f.tag), "open-resolver");
	assert_int_equal(survey_findings_add(&fs, &f), 0);

	v = findings_roundtrip(&fs);
	assert_true(json_is_array(v) && json_array_size(v) == 2);
	o = json_array_get(v, 0);
	assert_string_equal(member(o, "ip"), "192.0.2.1");
	assert_string_equal(member(o, "tag"), "router\"admin\\\"}, {\"x\": 1");
	assert_string_equal(member(o, "vendor"), "bad\xef\xbf\xbd\xef\xbf\xbd utf8 "
						 "\xef\xbf\xbd\xef\xbf\xbd "
						 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
						 "end\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(member(o, "model"), "\xe6\x97\xa5\xe6\x9c\xac model");
	assert_string_equal(member(o, "firmware"), "ctl\x01\x1f\x7f\ttab\nnl\rcr");
	assert_string_equal(member(o, "detail"), "</script>\\u0000 \"quoted\" \\");
	assert_true(json_is_true(json_object_get(o, "vulnerable")));
	assert_true(json_is_null(json_object_get(o, "cause")));
	assert_int_equal(json_integer_value(json_object_get(o, "port")), 80);
	o = json_array_get(v, 1);
	assert_string_equal(member(o, "cause"), cause_name(CAUSE_OPEN_RESOLVER));
	assert_true(json_is_real(json_object_get(o, "min_amplification")));
	assert_true(json_real_value(json_object_get(o, "min_amplification")) == 3.33);
	assert_int_equal(json_integer_value(json_object_get(o, "response_size")), 100);
	json_decref(v);
	survey_findings_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perm_every_target_once),
		cmocka_unit_test(test_perm_random_and_resume),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_dns_validation),
		cmocka_unit_test(test_compression_loop),
		cmocka_unit_test(test_zone_answer),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_ip_udp),
		cmocka_unit_test(test_json_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
