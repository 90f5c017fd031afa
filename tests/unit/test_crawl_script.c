/*
 * test_crawl_script.c -- unit tests for the crawler's script tier (crawl.h, script.c):
 * a table of pages whose navigations only running their scripts reveals (each with what
 * the worker must report, in order, as "kind url" lines), run through crawl_extract's
 * script collection and a real zygote and worker; the limits (a script that eats memory
 * ends with nothing reported, the page's next script still runs); and
 * crawl_script_records over hostile report lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "crawl/crawl.h"

struct page {
	const char *html;
	const char *want; /* "kind url\n" per report */
	const char *why;  /* how the run ends */
};

static const struct page pages[] = {
	{ "<script>location = atob('L25leHQ=');</script>", "js-run /next\n", "ran" },
	{ "<script>var p = ['a', 'b']; location.href = '/' + p.join('/');</script>",
	  "js-run /a/b\n", "ran" },
	{ "<script>setTimeout(\"location.replace('/t' + 1)\", 50);</script>", "js-run /t1\n",
	  "ran" },
	{ "<script>setTimeout(function () { location.assign('/late') }, 900);"
	  "setTimeout(function () { location.assign('/early') }, 10);</script>",
	  "js-run /early\njs-run /late\n", "ran" },
	{ "<script>document.write('<ifr' + 'ame src=/f' + 1 + '></iframe>')</script>",
	  "frame /f1\n", "ran" },
	{ "<script>var i = document.createElement('iframe'); i.setAttribute('src', '/c' + 2);"
	  "document.body.appendChild(i);</script>",
	  "frame /c2\n", "ran" },
	{ "<script>window.open(unescape('%2F%6F'))</script>", "js-run /o\n", "ran" },
	{ "<script>var f = document.createElement('form'); f.action = '/po' + 'st';"
	  "document.body.appendChild(f); f.submit();</script>",
	  "form-submit /post\n", "ran" },
	/* an error ends its script only */
	{ "<script>no_such_function(); location = '/x';</script>"
	  "<script>location = '/ok' + '';</script>",
	  "js-run /ok\n", "ran" },
	/* what a script writes runs too */
	{ "<script>document.write('<scr' + 'ipt>location.href = \"/w\" + \"\"</scr' + 'ipt>')"
	  "</script>",
	  "js-run /w\n", "ran" },
	{ "<script>window.onload = function () { location = '/l' + 'oad' };</script>",
	  "js-run /load\n", "ran" },
	{ "<script>if (navigator.userAgent.indexOf('UnitTest') >= 0) location = '/u' + 'a';"
	  "location.search = 'q=' + document.referrer.length;</script>",
	  "js-run /ua\njs-run /page?q=22\n", "ran" },
	/* the heap cap: the script's allocation fails, the next script still runs */
	{ "<script>var a = 'xxxxxxxx'; for (;;) a = a + a;</script>"
	  "<script>location = '/after' + '';</script>",
	  "js-run /after\n", "ran" },
	/* ES5 syntax errors and things duktape does not know are skipped */
	{ "<script>let x = () => 1; location = '/arrow'</script>", "", "ran" },
	{ "<script type=text/template>location = '/' + 'no'</script>", "", NULL },
};

static void test_pages(void **state)
{
	struct crawl_script *z = NULL;
	struct crawl_link l[CRAWL_MAX_LINKS];
	struct isp_err err;
	size_t i;

	(void)state;
	assert_int_equal(crawl_script_new(&z, NULL, NULL, &err), 0);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		const struct crawl_script_env env = { "http://t.example/page",
						      "http://search.example/",
						      "Mozilla/5.0 UnitTest" };
		struct strbuf sc;
		char got[4096], why[64] = "", base[CRAWL_MAX_URL];
		size_t off = 0;
		int n, k;

		memset(&sc, 0, sizeof(sc));
		crawl_extract(pages[i].html, strlen(pages[i].html), l, CRAWL_MAX_LINKS, base,
			      sizeof(base), &sc);
		if (!pages[i].why) {
			assert_int_equal(sc.len, 0); /* not collected: not JavaScript */
			continue;
		}
		n = crawl_script_run(z, &env, sc.p, sc.len, l, CRAWL_MAX_LINKS, why, sizeof(why));
		got[0] = '\0';
		for (k = 0; k < n; k++)
			off += (size_t)snprintf(got + off, sizeof(got) - off, "%s %s\n",
						crawl_kind_name(l[k].kind), l[k].url);
		if (strcmp(got, pages[i].want) != 0 || strcmp(why, pages[i].why) != 0)
			fprintf(stderr, "page %zu: %s\n got: %s(%s)\nwant: %s(%s)\n", i,
				pages[i].html, got, why, pages[i].want, pages[i].why);
		assert_string_equal(got, pages[i].want);
		assert_string_equal(why, pages[i].why);
		free(sc.p);
	}
	crawl_script_free(z);
}

/* The reports are hostile bytes: only well-formed lines of the kinds a worker sends. */
static void test_records(void **state)
{
	struct crawl_link l[4];
	char rec[256];
	int n;

	(void)state;
	n = snprintf(rec, sizeof(rec), "%d /a\n%d /f\n0 /start\n%d \n%d /b\x01x\n%d no-end",
		     CRAWL_JS_RUN, CRAWL_FRAME, CRAWL_JS_RUN, CRAWL_JS_RUN, CRAWL_JS_RUN);
	n = crawl_script_records(rec, (size_t)n, l, 4);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].kind, CRAWL_JS_RUN);
	assert_string_equal(l[0].url, "/a");
	assert_int_equal(l[1].kind, CRAWL_FRAME);
	assert_string_equal(l[1].url, "/f");
	/* more lines than room */
	n = snprintf(rec, sizeof(rec), "%d /1\n%d /2\n%d /3\n", CRAWL_JS_RUN, CRAWL_JS_RUN,
		     CRAWL_JS_RUN);
	assert_int_equal(crawl_script_records(rec, (size_t)n, l, 2), 2);
	assert_int_equal(crawl_script_records("", 0, l, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
