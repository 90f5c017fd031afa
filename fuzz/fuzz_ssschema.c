/*
 * fuzz_ssschema.c -- libFuzzer target for the Shadowserver report schema loader
 * (core/events/ssschema.h): an operator points events.shadowserver-schema at a file
 * downloaded from the internet, so the loader reads hostile JSON.
 *
 * The input is the schema file (through a memfd: the loader reads by path). Every report
 * loaded must have its address and time columns, at most SS_COLUMNS_MAX columns, column
 * names that are strings, and be found again by its name; rejects name the file. The
 * header and file-name matchers then run over the loaded reports with a header made of
 * the first report's columns. Seeds: fuzz/corpus/ssschema/ (the shipped schema and
 * malformed variants).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/events/ssschema.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_reject(void *ud, const struct isp_err *e)
{
	(*(long *)ud)++;
	if (!e->file || e->msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_field f[SS_COLUMNS_MAX];
	struct ss_schema *s;
	struct isp_err err;
	char path[64];
	char fname[SS_NAME_MAX + 32];
	long rejects = 0;
	size_t i, k, nf = 0;
	int fd = fuzz_file(data, size, path);

	if (fd < 0)
		return 0;
	isp_err_clear(&err);
	s = ss_schema_load(path, on_reject, &rejects, &err);
	close(fd);
	if (!s) {
		if (err.code == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if ((long)s->rejected != rejects || s->n == 0)
		abort();
	for (i = 0; i < s->n; i++) {
		const struct ss_report *r = &s->r[i];

		if (!r->col[SS_C_IP] || !r->col[SS_C_TIME] || r->nall > SS_COLUMNS_MAX ||
		    r->nextra > SS_COLUMNS_MAX || (int)r->cause < 0 || r->cause >= CAUSE_N)
			abort();
		for (k = 0; k < r->nall; k++) {
			if (strlen(r->all[k]) == 0)
				abort();
		}
		if (ss_schema_find(s, r->name) == NULL)
			abort();
		snprintf(fname, sizeof(fname), "2026-01-01-%s.csv", r->name);
		if (!ss_schema_by_filename(s, fname))
			abort();
	}
	for (k = 0; k < s->r[0].nall; k++) {
		f[nf].s = (char *)s->r[0].all[k];
		f[nf].len = strlen(s->r[0].all[k]);
		f[nf].quoted = 0;
		nf++;
	}
	(void)ss_schema_by_header(s, f, nf);
	ss_schema_free(s);
	return 0;
}
