/*
 * fuzz_statusin.c -- libFuzzer target for what the status page reads from elsewhere
 * (status/status.h): the first input byte picks the parser ('H': the traffic history
 * file; else mod 3: Prometheus text, sync-state.json, darknet report), the rest is its
 * input. Checks: every rejected
 * Prometheus line is numbered within the input's line count and the count returned
 * matches the callbacks; the JSON parsers return NULL with an error or an object whose
 * arrays stay within their bounds and whose strings are at most 512 bytes; the page
 * renders from a figures object holding the result (escaping every string).
 * Seeds: fuzz/corpus/statusin/ (first byte = parser number, then a sample).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status/status.h"
#include "status/status_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long lines, rejects, samples;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct seen *s = ud;

	if (s->lines && (e->line < 1 || e->line > s->lines))
		abort();
	s->rejects++;
}

static int on_sample(void *ud, const char *name, size_t n, int labelled, double v)
{
	struct seen *s = ud;

	(void)labelled;
	(void)v;
	if (n == 0 || name[0] == '#')
		abort();
	s->samples++;
	return 0;
}

static void check_strings(const json_t *v, int depth)
{
	const char *k;
	json_t *e;
	size_t i;

	if (depth > 5)
		abort(); /* sync state: syncs, a sync, lists, a list, a field */
	if (json_is_string(v) && json_string_length(v) > 512)
		abort();
	if (json_is_array(v)) {
		if (json_array_size(v) > STATUS_SYNC_LISTS)
			abort();
		json_array_foreach(v, i, e) check_strings(e, depth + 1);
	}
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, e) check_strings(e, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 1, 0, 0 };
	const char *text = (const char *)data + 1;
	struct isp_err err;
	json_t *o = NULL;
	size_t i, n;

	if (size < 1)
		return 0;
	n = size - 1;
	for (i = 0; i < n; i++)
		if (text[i] == '\n')
			s.lines++;
	isp_err_clear(&err);
	if (data[0] == 'H') { /* the traffic history file (history.c) */
		static struct st_sampler smp;
		long rej = st_history_parse(&smp, text, n, "fuzz", 1900000000000LL);

		if (rej < 0 || rej > s.lines || smp.n < 0 || smp.n > ST_RING)
			abort();
		for (i = 1; i < (size_t)smp.n; i++)
			if (smp.ring[(smp.head - smp.n + (int)i + ST_RING) % ST_RING].t_ms <=
			    smp.ring[(smp.head - smp.n + (int)i - 1 + ST_RING) % ST_RING].t_ms)
				abort();
		return 0;
	}
	switch (data[0] % 3) {
	case 0:
		if (status_prom_parse(text, n, "fuzz", on_sample, on_reject, &s) != s.rejects)
			abort();
		return 0;
	case 1:
		s.lines = 0; /* a JSON field is named by its path ("syncs[2].url"), not a line */
		o = status_sync_parse(text, n, "fuzz", on_reject, &s, &err);
		break;
	default:
		s.lines = 0;
		o = status_darknet_parse(text, n, "fuzz", on_reject, &s, &err);
		break;
	}
	if (!o) {
		if (err.code == 0)
			abort();
		return 0;
	}
	check_strings(o, 0);
	{
		json_t *f = json_pack("{s:I, s:{s:o}, s:o}", "generated", (json_int_t)1, "lists",
				      "sync", json_incref(o), "darknet", json_incref(o));
		size_t len = 0;
		char *page = f ? st_page(f, &len) : NULL;

		if (page && (strlen(page) != len || strstr(page, "<script")))
			abort();
		free(page);
		json_decref(f);
	}
	json_decref(o);
	return 0;
}
