/*
 * fuzz_taxii.c -- libFuzzer target for the TAXII 2.1 envelope parser (sync/sync.h,
 * taxii_envelope_parse), what `lists sync` reads of every page a TAXII server sends.
 *
 * The input is one page's body. A failure must name the page and say why, with a line
 * within the input; a success must give what the client relies on: an objects member
 * that is an array (or none), a next token of printable ASCII shorter than
 * TAXII_NEXT_MAX, and more only as a boolean. Seeds: fuzz/corpus/taxii/ (the envelopes
 * of the TAXII 2.1 specification's examples and of tests/data/taxii's server).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taxii_page p;
	struct isp_err err;
	long lines = 1;
	size_t i;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	isp_err_clear(&err);
	if (taxii_envelope_parse((const char *)data, size, "page", &p, &err) != 0) {
		if (err.code != ISR_EFORMAT || !err.file || strcmp(err.file, "page") != 0 ||
		    err.line > lines || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(p.root) || (p.objects && !json_is_array(p.objects)) ||
	    (p.more != 0 && p.more != 1) || strlen(p.next) >= TAXII_NEXT_MAX)
		abort();
	for (i = 0; p.next[i]; i++)
		if ((unsigned char)p.next[i] < 0x21 || (unsigned char)p.next[i] > 0x7e)
			abort();
	taxii_page_free(&p);
	return 0;
}
