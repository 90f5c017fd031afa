/*
 * test_csv.c -- unit tests of the one-line RFC 4180 splitter and of the CSV record reader
 * (core/base/csv.h: byte-order mark, CRLF, quoted fields across lines, a quote that never
 * closes handed back line by line).
 *
 * Each case is a line and the fields it must split into (or the error it must give),
 * run through one helper that copies the line into a buffer with a guard byte after
 * its NUL so that a write past line[len] is caught.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/csv.h"

#define GUARD '\x5a'

struct split {
	char buf[256];
	struct csv_field f[16];
	size_t n;
	int rc;
	struct isp_err err;
};

static void split(struct split *s, const char *line, size_t max)
{
	size_t len = strlen(line);

	assert_true(len + 2 < sizeof(s->buf));
	memcpy(s->buf, line, len + 1);
	s->buf[len + 1] = GUARD;
	isp_err_clear(&s->err);
	s->rc = csv_split(s->buf, len, s->f, max, &s->n, &s->err);
	assert_int_equal(s->buf[len + 1], GUARD);
}

static void expect(const char *line, size_t nf, const char *const *want)
{
	struct split s;
	size_t i;

	split(&s, line, 16);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, nf);
	for (i = 0; i < nf; i++) {
		assert_string_equal(s.f[i].s, want[i]);
		assert_int_equal(s.f[i].len, strlen(want[i]));
	}
}

static void test_plain_fields(void **state)
{
	static const char *const a[] = { "a", "b", "c" };
	static const char *const b[] = { "", "", "" };
	static const char *const c[] = { "" };
	static const char *const d[] = { "a b", "c", "" };
	static const char *const e[] = { "x\"y", "z" };

	(void)state;
	expect("a,b,c", 3, a);
	expect(" a ,\tb\t, c ", 3, a);
	expect(",,", 3, b);
	expect("", 1, c);
	expect("  a b  ,c,", 3, d);
	expect("x\"y,z", 2, e); /* a quote inside an unquoted field is kept */
}

/* csv_field_at: a field trimmed of blanks (a quoted field keeps them from the splitter),
 * NULL when empty or outside the row. */
static void test_field_at(void **state)
{
	static const struct {
		int i;
		const char *want; /* NULL: none */
	} v[] = { { 0, "a b" }, { 1, NULL }, { 2, "c" }, { 3, NULL }, { -1, NULL }, { 9, NULL } };
	struct split s;
	size_t k;

	(void)state;
	split(&s, "\" a b \",\" \t \",c", 16);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 3);
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		const char *got = csv_field_at(s.f, s.n, v[k].i);

		if (v[k].want)
			assert_string_equal(got, v[k].want);
		else
			assert_null(got);
	}
}

static void test_quoted(void **state)
{
	static const char *const a[] = { "a,b", "say \"hi\"", "" };
	static const char *const b[] = { " padded ", "x" };
	static const char *const c[] = { "\"", "\"\"" };
	static const char *const d[] = { "2786541", "2024-03-01 10:04:06",
					 "http://115.55.237.69:49163/Mozi.m",
					 "32-bit,elf,mips,Mozi" };
	struct split s;

	(void)state;
	expect("\"a,b\",\"say \"\"hi\"\"\",\"\"", 3, a);
	expect("  \" padded \"  , x", 2, b);
	expect("\"\"\"\",\"\"\"\"\"\"", 2, c);
	expect("\"2786541\",\"2024-03-01 10:04:06\",\"http://115.55.237.69:49163/Mozi.m\","
	       "\"32-bit,elf,mips,Mozi\"",
	       4, d);
	split(&s, "\"q\",u", 16);
	assert_int_equal(s.f[0].quoted, 1);
	assert_int_equal(s.f[1].quoted, 0);
}

static void test_errors(void **state)
{
	struct split s;

	(void)state;
	split(&s, "a,\"open", 16);
	assert_int_equal(s.rc, ISR_EFORMAT);
	assert_non_null(strstr(s.err.msg, "unterminated quote in field 2"));
	split(&s, "\"a\"b,c", 16);
	assert_int_equal(s.rc, ISR_EFORMAT);
	assert_non_null(strstr(s.err.msg, "after the closing quote of field 1"));
	split(&s, "\"", 16);
	assert_int_equal(s.rc, ISR_EFORMAT);
	split(&s, "a,b,c,d", 3);
	assert_int_equal(s.rc, ISR_ELIMIT);
	assert_non_null(strstr(s.err.msg, "more than 3 fields"));
	split(&s, "a,b,c", 3);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 3);
	/* err may be NULL */
	assert_int_equal(csv_split(s.buf, 0, s.f, 0, &s.n, NULL), ISR_ELIMIT);
}

static void test_embedded_nul(void **state)
{
	char line[] = "\"a\0b\",c";
	struct csv_field f[4];
	size_t n;

	(void)state;
	assert_int_equal(csv_split(line, sizeof(line) - 1, f, 4, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(f[0].len, 3);
	assert_memory_equal(f[0].s, "a\0b", 3);
	assert_string_equal(f[1].s, "c");
}

/* Read data through csv_next (lines and records of at most max bytes); check that the
 * records are want[i] starting at line lines[i]. */
static void records(const char *data, size_t max, size_t n, const char *const *want,
		    const long *lines)
{
	FILE *f = fmemopen((void *)data, strlen(data), "r");
	struct lr *lr;
	struct csv_reader *r;
	struct lr_line ln;
	size_t i;

	assert_non_null(f);
	lr = lr_new(f, max);
	r = csv_reader_new(lr, max);
	assert_non_null(r);
	for (i = 0; i < n; i++) {
		assert_int_equal(csv_next(r, &ln, NULL), 1);
		assert_int_equal(ln.len, strlen(want[i]));
		assert_string_equal(ln.text, want[i]);
		assert_int_equal(ln.lineno, lines[i]);
	}
	assert_int_equal(csv_next(r, &ln, NULL), 0);
	csv_reader_free(r);
	lr_free(lr);
	fclose(f);
}

static void test_reader_excel(void **state)
{
	/* Excel's "CSV UTF-8": BOM, CRLF, a cell with a line break (and a quote) */
	static const char *const want[] = { "id,email,note",
					    "s1,a@x.example,\"two\nlines, \"\"q\"\"\"",
					    "s2,b@x.example,plain" };
	static const long lines[] = { 1, 2, 4 };

	(void)state;
	records("\xef\xbb\xbfid,email,note\r\ns1,a@x.example,\"two\r\nlines, \"\"q\"\"\"\r\n"
		"s2,b@x.example,plain\r\n",
		256, 3, want, lines);
}

static void test_reader_comment_and_quote_in_unquoted(void **state)
{
	static const char *const want[] = { "# a \"comment", "x\"y,z", "\"1\",\"2\"" };
	static const long lines[] = { 1, 2, 3 };

	(void)state;
	records("# a \"comment\nx\"y,z\n\"1\",\"2\"\n", 256, 3, want, lines);
}

static void test_reader_unterminated(void **state)
{
	/* a quote never closed: the line alone, the lines after it read again */
	static const char *const want[] = { "a,\"open", "b,c", "d,e" };
	static const long lines[] = { 1, 2, 3 };
	/* over the record size: the same */
	static const char *const want2[] = { "\"aaaa", "bbbbbbbbbbbb", "\"cc\"" };
	static const long lines2[] = { 1, 2, 3 };

	(void)state;
	records("a,\"open\nb,c\nd,e\n", 256, 3, want, lines);
	records("\"aaaa\nbbbbbbbbbbbb\n\"cc\"\n", 16, 3, want2, lines2);
}

static void test_reader_join_limit(void **state)
{
	/* more lines than CSV_JOIN_MAX after an open quote: each comes back once, in order,
	 * the handed-back lines first, then the line reader's */
	enum { N = CSV_JOIN_MAX + 10 };
	static char data[N * 8 + 16];
	static char bufs[N][8];
	const char *want[N];
	long lines[N];
	size_t i, o = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), i == 0 ? "\"q%zu" : "r%zu", i);
		o += (size_t)sprintf(data + o, "%s\n", bufs[i]);
		want[i] = bufs[i];
		lines[i] = (long)i + 1;
	}
	records(data, 256, N, want, lines);
}

/* The one CSV field writer: plain text as it is, quoted (quotes doubled) when needed,
 * and what it writes splits back to the same text. */
static void test_write_field(void **state)
{
	static const char *const in[] = { "plain", "a,b", "say \"hi\"", "two\nlines", "" };
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct csv_field fld[2];
		size_t nf;
		FILE *f;

		memset(buf, 0, sizeof(buf));
		f = fmemopen(buf, sizeof(buf), "w");
		assert_non_null(f);
		csv_write_field(f, in[i]);
		csv_write_field(f, NULL); /* nothing */
		assert_int_equal(fclose(f), 0);
		if (i == 0)
			assert_string_equal(buf, "plain");
		if (i == 2)
			assert_string_equal(buf, "\"say \"\"hi\"\"\"");
		if (i == 3) { /* a line break is quoted; lines are joined by csv_next, not here */
			assert_string_equal(buf, "\"two\nlines\"");
			continue;
		}
		assert_int_equal(csv_split(buf, strlen(buf), fld, 2, &nf, NULL), 0);
		assert_int_equal(nf, 1);
		assert_string_equal(fld[0].s, in[i]);
	}
}

/* ---- the column mapper ---- */

static const char *const m_value[] = { "value", "domain", "host", NULL };
static const char *const m_cat[] = { "category", "threat", NULL };
static const char *const m_ref[] = { "reference", NULL };
static const struct csv_col m_cols[] = { { m_value, 1 }, { m_cat, 0 }, { m_ref, 0 } };

static int map(const char *header, unsigned flags, int *idx, struct csv_colmap *info)
{
	static char buf[256];
	static struct csv_field f[16];
	size_t nf;

	snprintf(buf, sizeof(buf), "%s", header);
	assert_int_equal(csv_split(buf, strlen(buf), f, 16, &nf, NULL), 0);
	return csv_map_header(m_cols, 3, f, nf, flags, idx, info);
}

static void test_map_header(void **state)
{
	struct csv_colmap info;
	struct isp_err err;
	int idx[3];

	(void)state;
	/* any order, any case; the most preferred name wins over a column further left */
	assert_int_equal(map("Host,x,THREAT,Domain", 0, idx, &info), 0);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 2);
	assert_int_equal(idx[2], -1);
	assert_int_equal(info.missing, -1);
	assert_int_equal(info.unknown, 1);
	assert_int_equal(info.mapped, 2);
	/* Host is an alias of the value column, which Domain names: a repeat */
	assert_int_equal(info.dup, 0);
	assert_int_equal(info.dup_field, 0);
	assert_int_equal(map("domain,category,domain", 0, idx, &info), 0);
	assert_int_equal(idx[0], 0);
	assert_int_equal(info.dup, 0);
	assert_int_equal(info.dup_field, 2);
	isp_err_clear(&err);
	assert_int_equal(csv_map_report(m_cols, &info, "f.csv", 1, 0, &err), ISR_EFORMAT);
	assert_string_equal(err.msg, "column 'value' named twice (field 3 again)");
	assert_int_equal(err.line, 1);
	/* a required column missing */
	assert_int_equal(map("category,reference,extra,more", 0, idx, &info), ISR_EFORMAT);
	assert_int_equal(idx[0], -1);
	assert_int_equal(idx[1], 0);
	assert_int_equal(info.missing, 0);
	assert_int_equal(csv_map_report(m_cols, &info, "f.csv", 4, 10, &err), ISR_EFORMAT);
	assert_string_equal(err.msg, "no 'value', 'domain' or 'host' column");
	assert_string_equal(err.file, "f.csv");
	assert_int_equal(err.line, 4);
	/* only unknown columns left to report */
	assert_int_equal(map("value,extra,more", 0, idx, &info), 0);
	assert_int_equal(csv_map_report(m_cols, &info, "f.csv", 1, 0, &err), ISR_EFORMAT);
	assert_string_equal(err.msg, "2 unknown columns");
	assert_int_equal(map("value,category", 0, idx, &info), 0);
	assert_int_equal(csv_map_report(m_cols, &info, "f.csv", 1, 0, &err), 0);
	/* exact but for case: no '-', '_' or blanks ignored unless CSV_MAP_LOOSE */
	assert_int_equal(map("Do-main", 0, idx, &info), ISR_EFORMAT);
	assert_int_equal(map(" \"Do-Ma_in \" ,Cate_gory", CSV_MAP_LOOSE, idx, &info), 0);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_int_equal(map("-_-,domainx", CSV_MAP_LOOSE, idx, &info), ISR_EFORMAT);
	assert_int_equal(info.unknown, 2);
	/* no fields at all; info may be NULL */
	assert_int_equal(csv_map_header(m_cols, 3, NULL, 0, 0, idx, NULL), ISR_EFORMAT);
	assert_int_equal(idx[1], -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_fields),
		cmocka_unit_test(test_write_field),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_field_at),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_reader_excel),
		cmocka_unit_test(test_reader_comment_and_quote_in_unquoted),
		cmocka_unit_test(test_reader_unterminated),
		cmocka_unit_test(test_reader_join_limit),
		cmocka_unit_test(test_map_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
