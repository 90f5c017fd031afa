/*
 * fuzz_survey.c -- libFuzzer target for what the survey reads from outside: DNS replies
 * (through the IPv4/UDP reader, and as payloads carrying the right ID and ports so that
 * the question and record checks are reached), queries to the probe zone's server,
 * HTTP responses (matched against a fingerprint set), and fingerprint files. The first
 * byte picks the reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/dnswire.h"
#include "survey/survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fp_text[] = "[a]\nvendor = V\ntitle = Setup\nbody = PPPoE\n"
			      "[b]\nvendor = W\nstatus = 401\nrealm = Router\n"
			      "[c]\nvendor = X\nserver = micro\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct survey_scope scope;
	static struct survey_dns d;
	static struct survey_fps fps;
	static int init;
	static uint8_t buf[70000];
	struct survey_dns_result r;
	uint32_t target = 0xc000020b;

	if (!init) {
		struct isp_err err;

		if (survey_scope_init(&scope, "192.0.2.0/24", NULL, &err) != 0 ||
		    survey_fps_parse(&fps, "fp", fp_text, strlen(fp_text), &err) != 0)
			abort();
		d.scope = &scope;
		d.key.k0 = 1;
		d.key.k1 = 2;
		strcpy(d.zone, "probe.test");
		strcpy(d.contact, "ispshield-survey");
		d.expect_a = 0xc0000235;
		d.edns = 1232;
		init = 1;
	}
	if (size < 1 || size > sizeof(buf))
		return 0;
	memcpy(buf, data + 1, size - 1);
	size--;
	switch (data[0] % 5) {
	case 0: { /* a raw IPv4 packet as the receiver gets it */
		uint32_t s, t;
		uint16_t sp, dp;
		const uint8_t *pl;
		size_t pln;

		if (survey_ip_udp(buf, size, &s, &t, &sp, &dp, &pl, &pln) == 0) {
			if (pl < buf || pl + pln > buf + size)
				abort();
			(void)survey_dns_check(&d, s, sp, dp, pl, pln, &r);
		}
		break;
	}
	case 1: { /* a reply with the right ID and ports: the question and records */
		struct survey_token tk;

		survey_token(&d.key, target, &tk);
		if (size >= 2) {
			buf[0] = (uint8_t)(tk.id >> 8);
			buf[1] = (uint8_t)tk.id;
		}
		if (survey_dns_check(&d, target, 53, tk.sport, buf, size, &r) == SR_OK) {
			if (r.addr != target || (r.open && !r.has_a) || (r.answer_ok && !r.has_a))
				abort();
		}
		break;
	}
	case 2: { /* a query to the probe zone's server */
		uint8_t out[1232];
		uint32_t got;
		int n = survey_zone_answer(&d, buf, size, out, sizeof(out), &got);

		if (n > (int)sizeof(out))
			abort();
		if (got && !survey_scope_allows(&scope, got) && got == target)
			abort();
		break;
	}
	case 3: { /* an HTTP response, cut where the bounded read would cut it */
		struct survey_http_resp hr;

		if (size > SURVEY_HTTP_MAX)
			size = SURVEY_HTTP_MAX;
		if (survey_http_parse((const char *)buf, size, &hr) == 0) {
			if (hr.body < (const char *)buf ||
			    hr.body + hr.body_len > (char *)buf + size)
				abort();
			(void)survey_fps_match(&fps, &hr);
		}
		break;
	}
	default: { /* a fingerprint file */
		struct survey_fps f;
		struct isp_err err;

		if (survey_fps_parse(&f, "fuzz", (const char *)buf, size, &err) == 0)
			survey_fps_free(&f);
		else if (f.fp)
			abort();
		break;
	}
	}
	return 0;
}
