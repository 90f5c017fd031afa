/*
 * fuzz_subfmt.c -- libFuzzer target for the subscriber directory reader (core/sessions/subfmt.h).
 *
 * The input is read through fmemopen like a file. The callbacks check what the store and
 * the notice renderer rely on: ids non-empty and NUL-free, e-mail addresses with an '@'
 * and nothing that could break a mail header, language ja or en, counts that agree.
 * Seeds: fuzz/corpus/subfmt/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sessions/subfmt.h"
#include "core/store/store_notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long rows, rejects;
};

static int on_row(void *ud, const struct store_subscriber *s)
{
	struct seen *x = ud;
	const char *p;

	x->rows++;
	if (!s->id[0] || (strcmp(s->language, "ja") != 0 && strcmp(s->language, "en") != 0))
		abort();
	if (s->email[0] && !strchr(s->email, '@'))
		abort();
	for (p = s->email; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>')
			abort();
	return 0;
}

static void on_reject(void *ud, const struct isp_err *err)
{
	struct seen *x = ud;

	x->rejects++;
	if (err->line < 1 || !err->msg[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct subfmt_stats st;
	struct seen x = { 0, 0 };
	struct isp_err err;
	FILE *f;
	int rc;

	f = fmemopen((void *)data, size ? size : 1, "r");
	if (!f)
		return 0;
	isp_err_clear(&err);
	rc = subfmt_read(f, "fuzz", on_row, on_reject, &x, &st, &err);
	fclose(f);
	if (rc == 0 && (st.rows != x.rows || st.rejected != x.rejects))
		abort();
	if (rc != 0 && rc != ISR_EFORMAT)
		abort();
	return 0;
}
