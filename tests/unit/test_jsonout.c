/*
 * test_jsonout.c -- core/base/jsonout: any bytes become a valid JSON string (invalid
 * UTF-8 replaced by U+FFFD, valid UTF-8 kept), rounded reals print as their decimal, and
 * a streamed array, alone or as the last member of an object, parses back whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonout.h"

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{ "plain", 1 },
		{ "\xe6\x97\xa5\xe6\x9c\xac", 1 }, /* 日本 */
		{ "\xf0\x9f\x98\x80", 1 },	   /* U+1F600 */
		{ "\xc0\xaf", 0 },		   /* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		   /* overlong, three bytes */
		{ "\xed\xa0\x80", 0 },		   /* surrogate D800 */
		{ "\xf4\x90\x80\x80", 0 },	   /* above U+10FFFF */
		{ "\xe3\x81", 0 },		   /* cut short */
		{ "\x80", 0 },			   /* a lone continuation byte */
		{ "\xff", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = jsonout_str(cases[i].s);

		assert_int_equal(jsonout_utf8_ok(cases[i].s, strlen(cases[i].s)), cases[i].ok);
		assert_non_null(v);
		if (cases[i].ok)
			assert_string_equal(json_string_value(v), cases[i].s);
		else
			assert_non_null(strstr(json_string_value(v), "\xef\xbf\xbd"));
		json_decref(v);
	}
	{
		json_t *v = jsonout_strn("a\0b\xff", 4);

		assert_int_equal(json_string_length(v), 6);
		assert_memory_equal(json_string_value(v), "a\0b\xef\xbf\xbd", 6);
		json_decref(v);
	}
	{
		json_t *v = jsonout_str(NULL);

		assert_string_equal(json_string_value(v), "");
		json_decref(v);
	}
}

/* Dump into memory with fn and return the text (caller frees). */
static char *dumped(void (*fn)(FILE *f))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void write_reals(FILE *f)
{
	assert_int_equal(jsonout_dumpf(json_pack("{s:o, s:o, s:o}", "a", jsonout_real(0.016249, 4),
						 "b", jsonout_real(2.0 / 3.0, 2), "c",
						 jsonout_real(1.0 / 0.0, 2)),
				       f, JSON_COMPACT),
			 0);
}

static void test_reals(void **state)
{
	char *t = dumped(write_reals);

	(void)state;
	assert_string_equal(t, "{\"a\":0.0162,\"b\":0.67,\"c\":null}\n");
	free(t);
}

static void write_seq_object(FILE *f)
{
	struct jsonout_seq q;
	int i;

	jsonout_seq_open(&q, f, json_pack("{s:i, s:[i]}", "n", 3, "a", 1), "list\"x",
			 JSON_INDENT(1));
	for (i = 0; i < 3; i++)
		assert_int_equal(jsonout_seq_add(&q, json_pack("{s:i, s:o}", "i", i, "s",
							       jsonout_str("q\"\\\x01\xff"))),
				 0);
	assert_int_equal(jsonout_seq_close(&q), 0);
}

static void write_seq_empty(FILE *f)
{
	struct jsonout_seq q;

	jsonout_seq_open(&q, f, json_object(), "list", JSON_INDENT(2));
	assert_int_equal(jsonout_seq_close(&q), 0);
	jsonout_seq_open(&q, f, NULL, NULL, JSON_INDENT(2));
	assert_int_equal(jsonout_seq_close(&q), 0);
	jsonout_seq_open(&q, f, NULL, NULL, JSON_COMPACT);
	jsonout_seq_add(&q, json_integer(1));
	jsonout_seq_add(&q, json_integer(2));
	assert_int_equal(jsonout_seq_close(&q), 0);
}

static void test_seq(void **state)
{
	char *t = dumped(write_seq_object);
	json_error_t je;
	json_t *v = json_loads(t, 0, &je), *l;
	size_t i;

	(void)state;
	if (!v)
		fail_msg("does not parse: %s: %s", je.text, t);
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
	l = json_object_get(v, "list\"x");
	assert_true(json_is_array(l) && json_array_size(l) == 3);
	for (i = 0; i < 3; i++) {
		json_t *e = json_array_get(l, i);

		assert_int_equal(json_integer_value(json_object_get(e, "i")), (json_int_t)i);
		assert_string_equal(json_string_value(json_object_get(e, "s")),
				    "q\"\\\x01\xef\xbf\xbd");
	}
	/* one element per line */
	assert_non_null(strstr(t, "\n  {\"i\": 1, \"s\": "));
	json_decref(v);
	free(t);
	t = dumped(write_seq_empty);
	assert_string_equal(t, "{\n  \"list\": []\n}\n[]\n[1,2]\n");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_reals),
		cmocka_unit_test(test_seq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
