/*
 * test_jsonscan.c -- unit tests of the streaming JSON scanner (core/base/jsonscan.h):
 * that a document reads the same whatever the size of the chunks it arrives in.
 *
 * The scanner has two ways through a wanted value -- the quick loop over a value that
 * lies whole in the current chunk, and the byte-by-byte walk for one that straddles
 * chunks or is broken -- and a raw hook that is offered the chunk itself first and the
 * copied value after. Each document below is scanned with line readers of every small
 * buffer size (chunks of 4 to 84 bytes: every value boundary falls at every place in a
 * chunk) and once with a large one; the log of what came out (each value's line, offset
 * and canonical JSON or reason, who took it, the final result, the error's position and
 * text, the counts) must be the same for all. The test hook takes the objects that carry
 * "take": true, reading them with jansson up to their end, as the STIX fast path does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonscan.h"
#include "core/base/linereader.h"
#include "core/base/strbuf.h"

struct log {
	struct strbuf b; /* what came out, a line per value */
	int raw_calls;
};

/* The elements of a root "objects" array (of each document of the file). */
static int want(void *ud, const struct js_path *p)
{
	(void)ud;
	return p->depth == 2 && js_path_key(p, 0, "objects");
}

static void dump(struct log *l, const char *who, json_t *v, long line, long long off)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	assert_non_null(s);
	strbuf_fmt(&l->b, "%s %ld %lld %s\n", who, line, off, s);
	free(s);
}

static int raw(void *ud, const struct js_path *p, const char *buf, size_t len, long line,
	       long long off, size_t *used)
{
	struct log *l = ud;
	json_error_t je;
	json_t *v;

	(void)p;
	l->raw_calls++;
	v = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return 0;
	if (json_is_object(v) && json_is_true(json_object_get(v, "take"))) {
		*used = (size_t)je.position;
		assert_true(*used <= len);
		dump(l, "raw", v, line, off);
	}
	json_decref(v);
	return 0;
}

static int on_value(void *ud, const struct js_path *p, json_t *v, const char *bad, long line,
		    long long off)
{
	struct log *l = ud;

	(void)p;
	if (v)
		dump(l, "value", v, line, off);
	else
		strbuf_fmt(&l->b, "bad %ld %lld %s\n", line, off, bad);
	return 0;
}

/* Scan doc with a line reader of max_line (chunks of 2 * max_line + 2 bytes). */
static char *scan(const char *doc, size_t max_line, int with_raw, int *raw_calls)
{
	struct log l = { 0 };
	struct js_stats st;
	struct isp_err err;
	FILE *f = fmemopen((void *)doc, strlen(doc), "r");
	struct lr *r;
	int rc;

	assert_non_null(f);
	r = lr_new(f, max_line);
	assert_non_null(r);
	isp_err_clear(&err);
	rc = js_scan_ex(r, 4096, want, with_raw ? raw : NULL, on_value, &l, &st, &err);
	strbuf_fmt(&l.b, "rc=%d line=%ld off=%lld msg=%s lines=%ld docs=%ld bytes=%lld\n", rc,
		   rc ? err.line : 0, rc ? err.offset : 0, rc ? err.msg : "", st.lines,
		   st.documents, st.bytes);
	lr_free(r);
	fclose(f);
	if (raw_calls)
		*raw_calls = l.raw_calls;
	assert_false(l.b.oom);
	return l.b.p;
}

static void same_for_all_chunks(const char *doc)
{
	int with_raw;
	size_t m;

	for (with_raw = 0; with_raw < 2; with_raw++) {
		char *want_log = scan(doc, 65536, with_raw, NULL);

		for (m = 1; m <= 41; m++) {
			char *got = scan(doc, m, with_raw, NULL);

			if (strcmp(got, want_log) != 0)
				fail_msg("max_line %zu, raw %d:\n%s\n-- differs from --\n%s", m,
					 with_raw, got, want_log);
			free(got);
		}
		free(want_log);
	}
}

static const char bundle[] =
	"{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n"
	"{\"type\":\"indicator\",\"take\":true,\"id\":\"indicator--1\",\"labels\":[\"a\",\"b\"]},\n"
	"  { \"type\" : \"indicator\" , \"take\" : true , \"n\" : -1.5e3 , \"x\" : null } ,\n"
	"{\"take\":true,\"esc\":\"a\\\"b\\\\c\\u00e9\",\"utf8\":\"\xc3\xa9t\xc3\xa9\"},\n"
	"{\"take\":false,\"nested\":{\"a\":[1,2,{\"b\":[]}],\"c\":{}},\"e\":[]},\n"
	"\"a string element\", 12345, true, [1, [2, [3]]], {},\n"
	"{\"take\":true,\"long\":\"" /* longer than some chunks */
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},\n"
	"{\"dup\":1,\"dup\":2},\n"
	"{\"a\":tru},\n"
	"{\"take\":true,\"last\":\"\\\\\"}\n"
	"]}\n"
	"{\"objects\":[{\"take\":true,\"second\":\"document\"}]}\n";

static void test_bundle_any_chunks(void **state)
{
	int calls = 0;
	char *l;

	(void)state;
	same_for_all_chunks(bundle);
	/* and the log says what it should: the hook took the objects with "take" */
	l = scan(bundle, 65536, 1, &calls);
	if (getenv("JSONSCAN_LOG"))
		fputs(l, stderr);
	assert_non_null(strstr(l, "raw 2 51 {\"id\":\"indicator--1\",\"labels\":[\"a\",\"b\"],"
				  "\"take\":true,\"type\":\"indicator\"}"));
	assert_non_null(strstr(l, "value 5 "));
	assert_non_null(strstr(l, "bad 9 "));
	assert_non_null(strstr(l, "raw 12 "));
	assert_non_null(strstr(l, "\"second\":\"document\""));
	assert_non_null(strstr(l, "rc=0 "));
	assert_true(calls > 0);
	free(l);
}

/* Broken structure: the scan ends, at the same byte and with the same words. */
static void test_broken_any_chunks(void **state)
{
	static const char *const docs[] = {
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\" \"b\"}]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":\"b\",}]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":[1 2]}]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":\"b\"",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":\"b\\",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":}]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":1}}]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{\"a\":1]]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},{1:2}]}",
		"{\"objects\":[{\"take\":true,\"a\":\"b\"},12",
		"{\"objects\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]"
		"]]]"
		"]]]]]]]]]]]]]]]]]]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		same_for_all_chunks(docs[i]);
}

/* Nesting past JS_DEPTH_MAX inside a wanted value: the same error either way. */
static void test_depth_limit(void **state)
{
	char doc[2 * JS_DEPTH_MAX + 64];
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{\"objects\":[");
	for (i = 0; i < JS_DEPTH_MAX; i++)
		doc[n++] = '[';
	doc[n++] = '1';
	for (i = 0; i < JS_DEPTH_MAX; i++)
		doc[n++] = ']';
	n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]}");
	doc[n] = '\0';
	same_for_all_chunks(doc);
}

/* js_text_run: the runs it finds, against a byte-by-byte reading. */
static void test_text_run(void **state)
{
	char s[64];
	size_t len, at, k, want_plain, want_any;
	static const unsigned char stops[] = { '"', '\\', 0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xff };

	(void)state;
	for (len = 0; len < 40; len++) {
		for (at = 0; at <= len; at++) {
			for (k = 0; k < sizeof(stops); k++) {
				memset(s, 'a', sizeof(s));
				if (at < len)
					s[at] = (char)stops[k];
				want_plain = at;
				want_any = at < len && (stops[k] == '"' || stops[k] == '\\') ? at
											     : len;
				assert_int_equal(js_text_run(s, len, 0), want_plain);
				assert_int_equal(js_text_run(s, len, 1), want_any);
			}
		}
	}
	assert_int_equal(js_text_run(" ~!#[]{}", 8, 0), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_any_chunks),
		cmocka_unit_test(test_broken_any_chunks),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_text_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
