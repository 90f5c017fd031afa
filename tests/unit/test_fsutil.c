/*
 * test_fsutil.c -- the one way a file is replaced (core/fsutil): fs_write_atomic and its
 * streamed form fs_atomic_open/commit/abort leave either the old file or the complete new
 * one, and never a temporary file behind, whether the write is committed, aborted, hits
 * a stream error or cannot be renamed into place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsutil.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/isp-fsutil-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/file", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The number of entries in dir (without . and ..). */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void expect_content(const char *want)
{
	char *buf;
	size_t len;

	assert_int_equal(fs_read_file(path, 1 << 20, &buf, &len, NULL), 0);
	assert_string_equal(buf, want);
	free(buf);
}

static void test_write_atomic(void **state)
{
	(void)state;
	assert_int_equal(fs_write_atomic(path, "one\n", 4, 0644, NULL), 0);
	expect_content("one\n");
	assert_int_equal(fs_write_atomic(path, "two\n", 4, 0644, NULL), 0);
	expect_content("two\n");
	assert_int_equal(entries(), 1);
}

static void test_stream_commit_and_abort(void **state)
{
	struct fs_atomic a;

	(void)state;
	assert_int_equal(fs_write_atomic(path, "old\n", 4, 0644, NULL), 0);
	assert_int_equal(fs_atomic_open(&a, path, 0644, NULL), 0);
	fprintf(a.f, "new %d\n", 42);
	expect_content("old\n"); /* not in place before the commit */
	assert_int_equal(fs_atomic_commit(&a, NULL), 0);
	assert_null(a.f);
	expect_content("new 42\n");
	fs_atomic_abort(&a); /* after a commit: nothing */
	expect_content("new 42\n");

	assert_int_equal(fs_atomic_open(&a, path, 0644, NULL), 0);
	fprintf(a.f, "dropped\n");
	fs_atomic_abort(&a);
	expect_content("new 42\n");
	assert_int_equal(entries(), 1);
}

static void test_stream_error(void **state)
{
	struct fs_atomic a;
	struct isp_err err;

	(void)state;
	assert_int_equal(fs_write_atomic(path, "old\n", 4, 0644, NULL), 0);
	assert_int_equal(fs_atomic_open(&a, path, 0644, NULL), 0);
	fprintf(a.f, "half\n");
	(void)fgetc(a.f); /* reading a write-only stream sets its error indicator */
	assert_true(ferror(a.f));
	assert_int_equal(fs_atomic_commit(&a, &err), ISR_EIO);
	expect_content("old\n");
	assert_int_equal(entries(), 1);
}

static void test_rename_fails(void **state)
{
	struct fs_atomic a;
	struct isp_err err;

	(void)state;
	assert_int_equal(mkdir(path, 0755), 0); /* a folder cannot be replaced by a file */
	assert_int_equal(fs_atomic_open(&a, path, 0644, NULL), 0);
	fprintf(a.f, "x\n");
	assert_int_equal(fs_atomic_commit(&a, &err), ISR_EIO);
	assert_non_null(strstr(err.msg, "rename"));
	assert_int_equal(fs_write_atomic(path, "x\n", 2, 0644, NULL), ISR_EIO);
	assert_int_equal(entries(), 1);
	assert_int_equal(rmdir(path), 0);
}

/* A writer's own temporary file: kept (renamed over path) when it wrote, removed when
 * it failed, with the writer's code returned and path untouched. */
static void test_replace_written(void **state)
{
	char tmp[160];
	struct isp_err err;

	(void)state;
	assert_int_equal(fs_write_atomic(path, "old\n", 4, 0644, NULL), 0);
	assert_int_equal(fs_atomic_tmpname(path, tmp, sizeof(tmp), NULL), 0);
	assert_int_equal(fs_write_atomic(tmp, "half", 4, 0644, NULL), 0);
	isp_err_clear(&err);
	assert_int_equal(fs_replace_written(ISR_EIO, tmp, path, &err), ISR_EIO);
	expect_content("old\n");
	assert_int_equal(entries(), 1);
	assert_int_equal(fs_write_atomic(tmp, "new\n", 4, 0644, NULL), 0);
	assert_int_equal(fs_replace_written(0, tmp, path, &err), 0);
	expect_content("new\n");
	assert_int_equal(entries(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_commit_and_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
