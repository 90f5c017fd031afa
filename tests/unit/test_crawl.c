/*
 * test_crawl.c -- unit tests for src/crawl's page reading (crawl.h): crawl_extract over a
 * table of pages (each with the links it must yield, in order, as "kind url" lines),
 * crawl_parse_refresh over Refresh/meta content forms, crawl_resolve for relative and
 * hostile references, and the limits (a page with more links than the table holds, a
 * link longer than CRAWL_MAX_URL, markup nested deeper than any stack would hold); the
 * visit log's line reader (crawl_visit_parse) over a table of lines, and the crawl's
 * string table (strmap.h) through its growth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl/crawl.h"
#include "crawl/crawl_int.h"
#include "crawl/strmap.h"

struct page {
	const char *html;
	const char *want; /* "kind url\n" per link */
	const char *base;
};

static const struct page pages[] = {
	{ "<meta http-equiv=refresh content=\"0; url=/next\">", "meta-refresh /next\n", "" },
	{ "<head><noscript><meta http-equiv='REFRESH' content=\"5;URL='http://x.example/a'\">"
	  "</noscript></head>",
	  "meta-refresh http://x.example/a\n", "" },
	{ "<meta http-equiv=refresh content=\"10\">", "", "" }, /* a reload: no URL */
	{ "<script>location = 'a.html';</script>", "js-location a.html\n", "" },
	{ "<script>window.location.href=\"/b\"</script>", "js-location /b\n", "" },
	{ "<script>if (location == 'x') {}</script>", "", "" }, /* a comparison */
	{ "<script>mylocation = '/no';</script>", "", "" },	/* another name */
	/* a literal that is only the start of an expression: the script tier's */
	{ "<script>location.href = '/a/' + x; location.replace(\"/b\".concat(y))</script>", "",
	  "" },
	{ "<script>location.replace( '/r' ); location.assign(\"/s\")</script>",
	  "js-location /r\njs-location /s\n", "" },
	{ "<script>window.open(`/w`)</script>", "js-location /w\n", "" },
	{ "<script>document.write('<iframe src=\"/dw\" width=0></iframe>')</script>", "frame /dw\n",
	  "" },
	{ "<iframe src=/f1 style=display:none></iframe><frameset><frame src=/f2></frameset>",
	  "frame /f1\n", "" }, /* a frameset after body content is ignored, as in a browser */
	{ "<frameset><frame src=/f2></frameset>", "frame /f2\n", "" },
	{ "<script src=/k.js></script><embed src=/e.swf><object data=/o.jar></object>",
	  "script /k.js\nembed /e.swf\nembed /o.jar\n", "" },
	{ "<base href='http://b.example/d/'><a href=x>", "", "http://b.example/d/" },
	{ "<form id=f action=/post><input></form><script>document.forms[0].submit()</script>",
	  "form-submit /post\n", "" },
	{ "<form action=/post></form>", "", "" }, /* never submitted */
	{ "<iframe src='  /sp  '>", "frame /sp\n", "" },
	/* a tag named "scr<script": no script, as in a browser (a regex would see one) */
	{ "<scr<script>ipt>location='/t'</script>", "", "" },
	{ "", "", "" },
};

static void run_page(const struct page *p)
{
	struct crawl_link l[CRAWL_MAX_LINKS];
	char base[CRAWL_MAX_URL], got[8192];
	size_t off = 0;
	int n, i;

	n = crawl_extract(p->html, strlen(p->html), l, CRAWL_MAX_LINKS, base, sizeof(base), NULL);
	got[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s %s\n",
					crawl_kind_name(l[i].kind), l[i].url);
	if (strcmp(got, p->want) != 0 || strcmp(base, p->base) != 0)
		fail_msg("%s\n got:\n%s(base %s)\n want:\n%s(base %s)", p->html, got, base, p->want,
			 p->base);
}

static void test_pages(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		run_page(&pages[i]);
}

static void test_refresh(void **state)
{
	static const struct {
		const char *in, *want; /* NULL: no URL */
	} v[] = {
		{ "0; url=/a", "/a" },
		{ "0;URL=/a", "/a" },
		{ " 3 , url = '/q' ", "/q" },
		{ "1.5; url=\"/d\"", "/d" },
		{ "0; http://h/", "http://h/" },
		{ "5", NULL },
		{ "", NULL },
		{ "0; url=", NULL },
		{ "0; url='", NULL },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int r = crawl_parse_refresh(v[i].in, strlen(v[i].in), out, sizeof(out));

		if (!v[i].want) {
			if (r)
				fail_msg("'%s': got '%s', want none", v[i].in, out);
			continue;
		}
		if (!r || strcmp(out, v[i].want) != 0)
			fail_msg("'%s': got %d '%s', want '%s'", v[i].in, r, r ? out : "",
				 v[i].want);
	}
	/* a NUL byte inside: refused, not cut short (fuzz.crawl) */
	static const char nul[] = "0;\0\0\0< url=/m", lf[] = "0; url=/a\nb";

	assert_int_equal(crawl_parse_refresh(nul, sizeof(nul) - 1, out, sizeof(out)), 0);
	assert_int_equal(crawl_parse_refresh(lf, sizeof(lf) - 1, out, sizeof(out)), 0);
	/* no room: not a URL */
	assert_int_equal(crawl_parse_refresh("0; url=/abcdef", 14, out, 4), 0);
}

static void test_resolve(void **state)
{
	static const struct {
		const char *base, *ref, *want; /* NULL: refused */
	} v[] = {
		{ "http://a.example/x/y", "z", "http://a.example/x/z" },
		{ "http://a.example/x/y", "/r1", "http://a.example/r1" },
		{ "http://a.example/x/y", "//b.example/p", "http://b.example/p" },
		{ "https://a.example/", "http://c.example:8080/q?x=1#frag",
		  "http://c.example:8080/q?x=1" },
		{ "http://a.example/", "file:///etc/passwd", "file:///etc/passwd" },
		{ "http://a.example/", "gopher://g.example/", "gopher://g.example/" },
		{ "http://a.example/", "http://[::1", NULL },
	};
	char out[CRAWL_MAX_URL];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int r = crawl_resolve(v[i].base, v[i].ref, out, sizeof(out));

		if (!v[i].want) {
			if (r == 0)
				fail_msg("%s + %s: got '%s', want refused", v[i].base, v[i].ref,
					 out);
			continue;
		}
		if (r != 0 || strcmp(out, v[i].want) != 0)
			fail_msg("%s + %s: got %d '%s', want '%s'", v[i].base, v[i].ref, r,
				 r ? "" : out, v[i].want);
	}
}

static void test_limits(void **state)
{
	struct crawl_link *l = malloc(CRAWL_MAX_LINKS * sizeof(*l));
	size_t cap = 1 << 20, off = 0;
	char *html = malloc(cap);
	int i, n;

	(void)state;
	assert_non_null(l);
	assert_non_null(html);
	/* more links than the table: the first max kept */
	for (i = 0; i < CRAWL_MAX_LINKS + 10; i++)
		off += (size_t)snprintf(html + off, cap - off, "<iframe src=/%d></iframe>", i);
	n = crawl_extract(html, off, l, CRAWL_MAX_LINKS, NULL, 0, NULL);
	assert_int_equal(n, CRAWL_MAX_LINKS);
	assert_string_equal(l[0].url, "/0");
	/* a link too long is skipped, the next one kept */
	off = (size_t)snprintf(html, cap, "<iframe src=/");
	memset(html + off, 'a', CRAWL_MAX_URL);
	off += CRAWL_MAX_URL;
	off += (size_t)snprintf(html + off, cap - off, "></iframe><iframe src=/ok></iframe>");
	n = crawl_extract(html, off, l, CRAWL_MAX_LINKS, NULL, 0, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].url, "/ok");
	/* nesting: walked without recursion; cut past CRAWL_MAX_DEPTH open elements (a
	 * link inside is kept, one past the cut is not), so that 50000 nested elements do
	 * not stall the parser */
	off = 0;
	for (i = 0; i < CRAWL_MAX_DEPTH - 2; i++)
		off += (size_t)snprintf(html + off, cap - off, "<div><br><li>");
	off += (size_t)snprintf(html + off, cap - off, "<iframe src=/deep></iframe>");
	for (i = 0; i < 50000; i++)
		off += (size_t)snprintf(html + off, cap - off, "<span>");
	off += (size_t)snprintf(html + off, cap - off, "<iframe src=/deeper></iframe>");
	n = crawl_extract(html, off, l, CRAWL_MAX_LINKS, NULL, 0, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].url, "/deep");
	/* NUL bytes and invalid UTF-8 inside a page */
	n = crawl_extract("<iframe src=/a></iframe>\0\xff<iframe src=/b></iframe>", 50, l,
			  CRAWL_MAX_LINKS, NULL, 0, NULL);
	assert_int_equal(n, 2);
	free(html);
	free(l);
}

/* Lines of the visit log: accepted (with what is read) or rejected (with why). */
static const struct {
	const char *line;
	const char *want; /* "when exit profile run url", or "! why" */
} visit_lines[] = {
	{ "1765000000\tdirect\tbrowser\t1a2b-7\thttp://x.example/a?b=1",
	  "1765000000 direct browser 1a2b-7 http://x.example/a?b=1" },
	{ "0\t127.0.0.1:9050\t\t\thttp://x/", "0 127.0.0.1:9050   http://x/" },
	{ "", "! not 5 tab-separated fields" },
	{ "1\tdirect\tbrowser\trun", "! not 5 tab-separated fields" },
	{ "1\tdirect\tbrowser\trun\thttp://x/\textra", "! a tab or NUL in the URL" },
	{ "x1\tdirect\tbrowser\trun\thttp://x/", "! the time is not unix seconds" },
	{ "-5\tdirect\tbrowser\trun\thttp://x/", "! the time is not unix seconds" },
	{ "99999999999999999999\tdirect\tb\tr\thttp://x/", "! the time is not unix seconds" },
	{ "1\t\tbrowser\trun\thttp://x/", "! no exit or no URL" },
	{ "1\tdirect\tbrowser\trun\t", "! no exit or no URL" },
};

static void test_visit_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(visit_lines) / sizeof(visit_lines[0]); i++) {
		char line[256], got[512];
		struct crawl_visit v;
		const char *why = NULL;

		snprintf(line, sizeof(line), "%s", visit_lines[i].line);
		if (crawl_visit_parse(line, strlen(line), &v, &why) == 0)
			snprintf(got, sizeof(got), "%lld %s %s %s %s", (long long)v.when, v.exit,
				 v.profile, v.run, v.url);
		else
			snprintf(got, sizeof(got), "! %s", why);
		if (strcmp(got, visit_lines[i].want) != 0)
			fail_msg("line %zu: got '%s', want '%s'", i, got, visit_lines[i].want);
	}
	/* a NUL inside the URL */
	{
		char line[] = "1\tdirect\tb\tr\thttp://x/\0y";
		struct crawl_visit v;
		const char *why = NULL;

		assert_int_equal(crawl_visit_parse(line, sizeof(line) - 1, &v, &why), -1);
		assert_string_equal(why, "a tab or NUL in the URL");
	}
}

static void test_strmap(void **state)
{
	struct strmap m;
	char k[32];
	int i;

	(void)state;
	strmap_init(&m);
	assert_null(strmap_get(&m, "a", 1, 0));
	for (i = 0; i < 5000; i++) {
		struct strmap_slot *s;

		snprintf(k, sizeof(k), "host%d.example", i);
		s = strmap_get(&m, k, strlen(k), 1);
		assert_non_null(s);
		assert_int_equal(s->a, 0);
		s->a = i + 1;
	}
	assert_int_equal(m.n, 5000);
	for (i = 0; i < 5000; i++) {
		struct strmap_slot *s;

		snprintf(k, sizeof(k), "host%d.example", i);
		s = strmap_get(&m, k, strlen(k), 0);
		assert_non_null(s);
		assert_int_equal(s->a, i + 1);
	}
	/* a key is its bytes: a prefix is another key */
	assert_null(strmap_get(&m, "host1", 5, 0));
	assert_non_null(strmap_get(&m, "host1.exampleXX", 13, 0));
	strmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),	    cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_resolve),	    cmocka_unit_test(test_limits),
		cmocka_unit_test(test_visit_parse), cmocka_unit_test(test_strmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
