/*
 * fuzz_authlog.c -- libFuzzer target for authwatch's line parsers (authwatch.h).
 *
 * The first input byte picks the parser (mod 5: auto-detection, radius, postfix,
 * dovecot, json); the rest is split into lines, each parsed (auto: the detected format,
 * when any) and every parsed record fed to a detector with small tables and thresholds
 * of 1-2, so that the windows, evictions and every detection path run too. Checks:
 * strings NUL-terminated within their arrays, count >= 1, result in range.
 * Seeds: fuzz/corpus/authlog/ (first byte = format number, then lines of the scenarios).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authwatch/authwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_detect(void *ud, const struct aw_detection *d)
{
	size_t *sum = ud;

	*sum += strlen(d->key) + strlen(d->reason) + (d->samples ? strlen(d->samples) : 0) +
		(d->ip ? strlen(d->ip) : 0) + (d->services ? strlen(d->services) : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aw_conf conf;
	struct aw_det *det;
	struct aw_clock clk;
	struct aw_rec rec;
	struct isp_err err;
	enum aw_format fmt;
	const char *p, *end, *nl;
	size_t sum = 0;

	if (size < 1)
		return 0;
	fmt = (enum aw_format)(data[0] % AWF_N);
	aw_conf_defaults(&conf);
	conf.max_keys = 16;
	conf.brute_failures = 2;
	conf.spray_accounts = 2;
	conf.wave_accounts = 2;
	conf.wave_sources = 2;
	conf.sources_max = 2;
	conf.smtp_min = 2;
	conf.smtp_factor = 1;
	conf.smtp_sources = 2;
	conf.concurrent_max = 0;
	conf.outside_services = ~0u;
	det = aw_det_new(&conf, on_detect, &sum);
	if (!det)
		return 0;
	aw_clock_init(&clk, 1795344000, 9 * 3600);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (; p < end; p = nl + 1) {
		enum aw_format f = fmt;
		int rc;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (f == AWF_AUTO)
			f = aw_detect_format(p, (size_t)(nl - p));
		if (f == AWF_AUTO)
			continue;
		isp_err_clear(&err);
		rc = aw_parse_line(f, p, (size_t)(nl - p), &clk, &rec, &err);
		if (rc == 1) {
			if (memchr(rec.user, 0, sizeof(rec.user)) == NULL ||
			    memchr(rec.source, 0, sizeof(rec.source)) == NULL ||
			    memchr(rec.nas, 0, sizeof(rec.nas)) == NULL || rec.count < 1 ||
			    rec.result < AWR_FAIL || rec.result > AWR_SESS_STOP)
				abort();
			aw_det_add(det, &rec);
			if (rec.result == AWR_OK) { /* sessions too */
				rec.result = AWR_SESS_START;
				snprintf(rec.session, sizeof(rec.session), "%zu", sum % 7);
				aw_det_add(det, &rec);
			}
		} else if (rc != 0 && (rc != ISR_EFORMAT || err.msg[0] == '\0')) {
			abort();
		}
	}
	aw_det_free(det);
	return sum == (size_t)-1;
}
