/*
 * fuzz_evfmt.c -- libFuzzer target for the partner event-list readers (core/events/evfmt.h).
 *
 * The first input byte picks the format (mod 4: auto, csv, shadowserver, shadowserver
 * with the report named scan_dns); the rest is read through fmemopen like a file. The
 * Shadowserver report schema is the repository's data/shadowserver/schema.json, loaded
 * once. The callbacks read every field of every record
 * and reject so that a dangling or unterminated pointer shows up under ASan, and check
 * the invariants the importer relies on: a host address (/32 or /128), a known cause,
 * raw and header never longer than a line, line numbers that never go backwards, and
 * counts that agree with the stats. Seeds: fuzz/corpus/evfmt/ (first byte = format
 * number, then a sample report).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events/evfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	enum ev_format fmt;
	long records;
	long rejects;
	long last_line;
	size_t sum;
};

static int on_record(void *ud, const struct ev_record *r)
{
	struct seen *s = ud;
	size_t i;

	s->records++;
	if (r->ip.family == 4) {
		if (r->ip.len != 32)
			abort();
	} else if (r->ip.family != 6 || r->ip.len != 128) {
		abort();
	}
	if ((int)r->cause < CAUSE_NONE || r->cause >= CAUSE_N)
		abort();
	/* a Shadowserver row always has its report type's cause */
	if (s->fmt == EVFMT_SHADOWSERVER && r->cause == CAUSE_NONE)
		abort();
	if (strlen(r->raw) > EVFMT_LINE_MAX || strlen(r->header) > EVFMT_LINE_MAX)
		abort();
	s->sum += strlen(r->family) + strlen(r->reference) + strlen(r->detail);
	for (i = 0; r->detail[i]; i++) {
		if ((unsigned char)r->detail[i] < 0x20)
			abort();
	}
	s->sum += (size_t)r->time + r->port + r->ip.addr[0] + r->ip.addr[15];
	if (r->line < 2 || r->line < s->last_line)
		abort();
	s->last_line = r->line;
	return 0;
}

static void on_reject(void *ud, const struct isp_err *err)
{
	struct seen *s = ud;

	s->rejects++;
	s->sum += strlen(err->msg) + (err->file ? strlen(err->file) : 0);
	if (err->line < 2 || err->msg[0] == '\0')
		abort();
}

static struct ss_schema *schema(void)
{
	static struct ss_schema *s;

	if (!s) {
		s = ss_schema_load(ISP_SOURCE_DIR "/data/shadowserver/schema.json", NULL, NULL,
				   NULL);
		if (!s)
			abort();
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evfmt_opts o;
	struct evfmt_stats st;
	struct isp_err err;
	struct seen s;
	FILE *f;
	int rc;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.format = (enum ev_format)(data[0] % 4 == 3 ? EVFMT_SHADOWSERVER : data[0] % 4);
	o.report = data[0] % 4 == 3 ? "scan_dns" : NULL;
	o.schema = schema();
	o.filename = "fuzz";
	s.fmt = o.format;
	f = fmemopen((void *)(data + 1), size - 1, "r");
	if (!f)
		return 0;
	isp_err_clear(&err);
	rc = evfmt_read(f, &o, on_record, on_reject, &s, &st, &err);
	fclose(f);
	if (st.records != s.records || st.rejected != s.rejects)
		abort();
	if (rc == 0) {
		if (st.lines != st.records + st.rejected + st.skipped)
			abort();
		if (o.format != EVFMT_AUTO && st.detected != o.format)
			abort();
	} else if (rc != ISR_EFORMAT || err.code != ISR_EFORMAT || err.line < 1 ||
		   st.records != 0 || st.rejected != 0) {
		abort();
	}
	return 0;
}
