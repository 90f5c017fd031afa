/*
 * test_config.c -- configuration: defaults, file parsing, overrides, errors with file
 * and line, and that etc/ispshield.conf documents exactly the keys the code knows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/service/config.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/ispcfgXXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	struct isp_config c;
	char snap[CONFIG_PATH_MAX];

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.store, "var/ispshield.db");
	assert_string_equal(c.lists_format, "auto");
	assert_int_equal(c.lists_rpz_ttl, 300);
	config_snapshot_path(&c, snap);
	assert_string_equal(snap, "var/ispshield.snap");
	strcpy(c.store, "sqlite:/srv/isp/x.db");
	config_snapshot_path(&c, snap);
	assert_string_equal(snap, "/srv/isp/ispshield.snap");
	strcpy(c.snapshot, "/run/s.snap");
	config_snapshot_path(&c, snap);
	assert_string_equal(snap, "/run/s.snap");
}

static void test_load_and_set(void **state)
{
	struct isp_config c;
	struct isp_err e;
	char *p = write_tmp("; comment\n[core]\nstore = /tmp/a.db\n\n[lists]\nexpiry = 7d\n"
			    "format = rpz\n");

	(void)state;
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), 0);
	assert_string_equal(c.store, "/tmp/a.db");
	assert_int_equal(c.lists_expiry, 7 * 86400);
	assert_string_equal(c.lists_format, "rpz");
	assert_int_equal(config_set(&c, "lists.rpz-ttl", "1h", &e), 0);
	assert_int_equal(c.lists_rpz_ttl, 3600);
	assert_int_equal(config_set(&c, "lists.nope", "1", &e), ISR_EINVAL);
	assert_int_equal(config_set(&c, "nodot", "1", &e), ISR_EINVAL);
	assert_int_equal(config_set(&c, "lists.format", "xml", &e), ISR_EINVAL);
	unlink(p);
}

static void test_errors_name_line(void **state)
{
	struct isp_config c;
	struct isp_err e;
	char *p;

	(void)state;
	config_defaults(&c);
	p = write_tmp("[core]\nstore = x.db\n[lists]\n\nexpiry = soon\n");
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 5);
	assert_non_null(strstr(e.msg, "lists.expiry"));
	unlink(p);
	p = write_tmp("[core]\nstroe = x.db\n");
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "stroe"));
	unlink(p);
	p = write_tmp("[core]\nthis is not ini\n");
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 2);
	unlink(p);
	assert_int_equal(config_load(&c, "/nonexistent/x.conf", &e), ISR_EIO);
}

static void test_durations(void **state)
{
	int64_t d;

	(void)state;
	assert_int_equal(config_parse_duration("0", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(config_parse_duration("90s", &d), 0);
	assert_int_equal(d, 90);
	assert_int_equal(config_parse_duration("2w", &d), 0);
	assert_int_equal(d, 14 * 86400);
	assert_int_equal(config_parse_duration("-1", &d), ISR_EINVAL);
	assert_int_equal(config_parse_duration("5x", &d), ISR_EINVAL);
	assert_int_equal(config_parse_duration("5dd", &d), ISR_EINVAL);
	assert_int_equal(config_parse_duration("", &d), ISR_EINVAL);
	assert_int_equal(config_parse_duration("99999999999999999999d", &d), ISR_EINVAL);
}

/* Every key of the code is in etc/ispshield.conf with its default, and the file has no
 * key the code does not know (loading it must succeed). */
struct doc {
	char text[65536]; /* the whole of etc/ispshield.conf */
	int missing;
};

static void check_key(void *ud, const char *section, const char *key)
{
	struct doc *d = ud;
	char sect[80], line[160];
	const char *s;

	snprintf(sect, sizeof(sect), "[%s]", section);
	snprintf(line, sizeof(line), "\n%s =", key);
	s = strstr(d->text, sect);
	if (!s || !strstr(s, line)) {
		fprintf(stderr, "etc/ispshield.conf does not document %s.%s\n", section, key);
		d->missing++;
	}
}

/* config_print's output is read back by the services `ispshield run` starts, through
 * inih, which cuts lines at INI_MAX_LINE (200) bytes: a longer doc string comment would
 * spill its tail onto a line of its own, a syntax error. */
static void test_printed_lines_fit_inih(void **state)
{
	struct isp_config c;
	char *buf = NULL, *line, *save = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	(void)state;
	assert_non_null(f);
	config_defaults(&c);
	config_print(&c, f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) >= 199)
			fail_msg("config_print line of %zu bytes (inih reads 199): %.60s...",
				 strlen(line), line);
	free(buf);
}

static void test_sample_config_documents_every_key(void **state)
{
	static struct doc d;
	char path[4096];
	const char *src = getenv("ISP_SRCDIR");
	struct isp_config c;
	struct isp_err e;
	FILE *f;
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/ispshield.conf", src ? src : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(d.text, 1, sizeof(d.text) - 1, f);
	d.text[n] = '\0';
	fclose(f);
	config_each_key(check_key, &d);
	assert_int_equal(d.missing, 0);
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, path, &e), 0);
}

/* What config_print writes (the file `ispshield run` hands its services, every key with
 * its doc as a comment) loads back: no doc line too long for the reader. */
/* [list.NAME] and [profile.NAME]: parsed, checked with FILE:LINE, printed and loaded
 * back (the file `run` hands its services), settable with -o list.NAME.KEY. */
static void test_list_sections(void **state)
{
	struct isp_config c, back;
	const struct config_list *l;
	const struct config_profile *pr;
	struct isp_err e;
	char path[] = "/tmp/test_config_lists_XXXXXX";
	char *p;
	FILE *f;
	int fd;

	(void)state;
	config_defaults(&c);
	p = write_tmp("[list.dga]\naction = refused\nede-text = go away\n"
		      "[list.trial.feed]\naction = log-only\nevents = off\nnotify = off\n"
		      "page = /tmp/page.html\n[profile.cc-only]\nlists = dga, c2\n"
		      "[profile.all]\n[dns]\nblock-ttl = 300\n");
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), 0);
	unlink(p);
	assert_int_equal(c.nlists, 2);
	l = config_list_policy(&c, "dga");
	assert_non_null(l);
	assert_int_equal(l->action, LIST_ACTION_REFUSED);
	assert_string_equal(l->ede_text, "go away");
	assert_int_equal(l->events, 1);
	assert_int_equal(l->notify, 1);
	l = config_list_policy(&c, "trial.feed");
	assert_non_null(l);
	assert_int_equal(l->action, LIST_ACTION_LOG_ONLY);
	assert_int_equal(l->events, 0);
	assert_int_equal(l->notify, 0);
	assert_string_equal(l->page, "/tmp/page.html");
	assert_null(config_list_policy(&c, "c2"));
	pr = config_profile(&c, "cc-only");
	assert_non_null(pr);
	assert_true(config_profile_has_list(pr, "dga"));
	assert_true(config_profile_has_list(pr, "c2"));
	assert_false(config_profile_has_list(pr, "c"));
	assert_false(config_profile_has_list(pr, "dga2"));
	assert_null(config_profile(&c, "all")); /* a section without keys: nothing */
	assert_int_equal(c.dns_block_ttl, 300);

	/* -o list.NAME.KEY, the name may hold dots */
	assert_int_equal(config_set(&c, "list.trial.feed.action", "walled-garden", &e), 0);
	assert_int_equal(config_list_policy(&c, "trial.feed")->action, LIST_ACTION_WALLED);
	assert_int_equal(config_set(&c, "list.dga.colour", "red", &e), ISR_EINVAL);
	assert_int_equal(config_set(&c, "list.action", "refused", &e), ISR_EINVAL);
	assert_int_equal(config_set(&c, "profile.kids.lists", "dga", &e), 0);
	assert_false(config_profile_has_list(config_profile(&c, "kids"), "c2"));

	/* printed and loaded back */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	config_print(&c, f);
	fclose(f);
	config_defaults(&back);
	isp_err_clear(&e);
	assert_int_equal(config_load(&back, path, &e), 0);
	unlink(path);
	assert_int_equal(back.nlists, 2);
	assert_int_equal(config_list_policy(&back, "trial.feed")->action, LIST_ACTION_WALLED);
	assert_int_equal(config_list_policy(&back, "trial.feed")->events, 0);
	assert_string_equal(config_list_policy(&back, "dga")->ede_text, "go away");
	assert_int_equal(back.nprofiles, 2);
	assert_true(config_profile_has_list(config_profile(&back, "cc-only"), "c2"));
	assert_false(config_profile_has_list(config_profile(&back, "kids"), "c2"));

	/* errors name the file's line */
	p = write_tmp("[list.dga]\naction = refused\n\nacton = nxdomain\n");
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 4);
	assert_non_null(strstr(e.msg, "acton"));
	unlink(p);
	p = write_tmp("[list.dga]\naction = block\n");
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "log-only"));
	unlink(p);
	p = write_tmp("[list.dga]\nevents = maybe\n");
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 2);
	unlink(p);
	p = write_tmp("[profile.none]\nlists = dga\n");
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	unlink(p);
	p = write_tmp("[list.bad name]\naction = refused\n");
	config_defaults(&c);
	isp_err_clear(&e);
	assert_int_equal(config_load(&c, p, &e), ISR_EINVAL);
	assert_int_equal(e.line, 2);
	unlink(p);
}

static void test_print_loads_back(void **state)
{
	struct isp_config c, back;
	struct isp_err err;
	char path[] = "/tmp/test_config_print_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	config_defaults(&c);
	config_print(&c, f);
	fclose(f);
	config_defaults(&back);
	isp_err_clear(&err);
	assert_int_equal(config_load(&back, path, &err), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_load_and_set),
		cmocka_unit_test(test_errors_name_line),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sample_config_documents_every_key),
		cmocka_unit_test(test_printed_lines_fit_inih),
		cmocka_unit_test(test_print_loads_back),
		cmocka_unit_test(test_list_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
