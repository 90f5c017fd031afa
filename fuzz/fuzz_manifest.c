/*
 * fuzz_manifest.c -- libFuzzer target for the signed-feed manifest parser
 * (core/lists/manifest.h).
 *
 * The input is the manifest's bytes. The reject callback checks that every report names
 * the file and a line within the input; on success the manifest must satisfy what sync
 * relies on: a valid feed name, at most MANIFEST_MAX_LISTS lists, each with a valid name
 * and file name (no '/'), a known kind and a concrete format, and no name or file twice.
 * A parsed manifest written back out must parse again to the same thing. Seeds:
 * fuzz/corpus/manifest/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lists/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long rejects;
	long lines;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct seen *s = ud;

	s->rejects++;
	if (!e->file || e->line < 2 || e->line > s->lines || e->msg[0] == '\0')
		abort();
}

static struct manifest m, again;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct isp_err err;
	struct seen s;
	char *text = NULL;
	size_t i, j, len = 0;
	FILE *f;
	int rc;

	memset(&s, 0, sizeof(s));
	s.lines = 1;
	for (i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	isp_err_clear(&err);
	rc = manifest_parse((const char *)data, size, "index", &m, on_reject, &s, &err);
	if (rc) {
		if (rc != ISR_EFORMAT && rc != ISR_ELIMIT)
			abort();
		if (err.code != rc)
			abort();
		return 0;
	}
	if (s.rejects || !manifest_name_ok(m.feed) || m.nlists > MANIFEST_MAX_LISTS)
		abort();
	for (i = 0; i < m.nlists; i++) {
		const struct manifest_list *l = &m.lists[i];

		if (!manifest_name_ok(l->name) || !manifest_name_ok(l->file) ||
		    strchr(l->file, '/') || l->kind == LIST_KIND_NONE || l->format == LISTFMT_AUTO)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(m.lists[j].name, l->name) == 0 ||
			    strcmp(m.lists[j].file, l->file) == 0)
				abort();
	}
	f = open_memstream(&text, &len);
	if (!f)
		return 0;
	if (manifest_write(&m, f, &err) != 0)
		abort();
	fclose(f);
	if (manifest_parse(text, len, "again", &again, NULL, NULL, &err) != 0)
		abort();
	if (again.sequence != m.sequence || again.nlists != m.nlists ||
	    strcmp(again.feed, m.feed) != 0 ||
	    memcmp(again.lists, m.lists, m.nlists * sizeof(m.lists[0])) != 0)
		abort();
	free(text);
	return 0;
}
