/*
 * fuzz_listfmt.c -- libFuzzer target for the list readers (core/lists/listfmt.h).
 *
 * The first input byte picks the format (its low 7 bits mod 9: auto, plain, hosts, rpz,
 * urlhaus, feodo, csv, stix, misp) and, through its high bit, whether an RPZ origin is
 * given; the rest is
 * read through fmemopen like a file. The callbacks read every field of every entry and
 * reject so that a dangling or unterminated pointer shows up under ASan, and check the
 * invariants the importer relies on (counts agree, line numbers never go backwards).
 * Seeds: fuzz/corpus/listfmt/ (first byte = format number, then a sample file).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lists/listfmt.h"
#include "core/lists/rpzdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long entries;
	long rejects;
	long last_line;
	size_t sum;
};

static int on_entry(void *ud, const struct listfmt_entry *e)
{
	struct seen *s = ud;

	s->entries++;
	s->sum += strlen(e->value) + (size_t)e->kind + (size_t)e->action;
	if (e->category)
		s->sum += strlen(e->category);
	if (e->reference)
		s->sum += strlen(e->reference);
	/* local data comes with LIST_LOCAL and only then, and it encodes (rpzdata.h) */
	if ((e->data != NULL) != (e->action == LIST_LOCAL) ||
	    (e->data && rpzdata_encode(e->data, strlen(e->data), NULL, 0, NULL, 0) <= 0))
		abort();
	s->sum += (size_t)(e->first_seen + e->last_seen + e->expires);
	if (e->line < 1 || e->line < s->last_line)
		abort();
	s->last_line = e->line;
	return 0;
}

static void on_reject(void *ud, const struct isp_err *err)
{
	struct seen *s = ud;

	s->rejects++;
	s->sum += strlen(err->msg) + (err->file ? strlen(err->file) : 0);
	if (err->line < 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listfmt_opts o;
	struct listfmt_stats st;
	struct seen s;
	FILE *f;
	long limit;
	int rc;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.format = (enum list_format)((data[0] & 0x7f) % 9);
	o.filename = "fuzz";
	o.origin = (data[0] & 0x80) ? "rpz.example." : NULL;
	f = fmemopen((void *)(data + 1), size - 1, "r");
	if (!f)
		return 0;
	rc = listfmt_read(f, &o, on_entry, on_reject, &s, &st, NULL);
	fclose(f);
	/* a JSON document may be one line of many objects: bound by its bytes instead */
	limit = st.detected == LISTFMT_STIX || st.detected == LISTFMT_MISP ? (long)size
									   : st.lines * 1024 + 1;
	if (rc != 0 || st.entries != s.entries || st.rejected != s.rejects ||
	    st.entries + st.rejected > limit ||
	    (o.format != LISTFMT_AUTO && st.detected != o.format))
		abort();
	return 0;
}
