/*
 * test_evbatch.c -- detections recorded as one event batch (core/evbatch): every event
 * added is stored and counted, and a fill that fails part-way leaves nothing behind
 * (the batch row and its events roll back together), the store staying usable.
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

#include "core/events/cause.h"
#include "core/events/evbatch.h"

static char dir[64];

static int setup(void **state)
{
	struct store *st = NULL;
	struct isp_err e;
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/ispevbXXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	isp_err_clear(&e);
	if (store_open(path, &st, &e) != 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	char cmd[96];

	store_close(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct fill {
	int events; /* events to add */
	int fail;   /* then fail */
};

static int fill(void *ud, struct evbatch *b, struct isp_err *err)
{
	const struct fill *f = ud;
	int i;

	for (i = 0; i < f->events; i++) {
		struct store_event e;
		char ip[32];

		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		memset(&e, 0, sizeof(e));
		e.time = 1795000000 + i;
		e.ip = ip;
		e.cause = cause_name(CAUSE_CC);
		e.family = "test";
		e.detail = "d";
		if (evbatch_add(b, &e, err) != 0)
			return err->code;
	}
	return f->fail ? isp_err_set(err, ISR_EINVAL, "fill failed") : 0;
}

static int count_one(void *ud, const struct store_event *e)
{
	(void)e;
	(*(long *)ud)++;
	return 0;
}

static long stored(struct store *st)
{
	struct isp_err e;
	long n = 0;

	isp_err_clear(&e);
	assert_int_equal(store_each_event(st, "evtest", 0, -1, count_one, &n, &e), 0);
	return n;
}

static void test_batch(void **state)
{
	static const struct evbatch_info info = { "evtest", "f.log", "test", "ip,time" };
	struct store *st = *state;
	struct fill ok = { 3, 0 }, bad = { 2, 1 };
	struct isp_err e;
	long n = -1;

	isp_err_clear(&e);
	assert_int_equal(evbatch_record(st, &info, fill, &ok, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(stored(st), 3);
	/* a failure after two events: nothing of this batch stays */
	assert_int_equal(evbatch_record(st, &info, fill, &bad, &n, &e), ISR_EINVAL);
	assert_string_equal(e.msg, "fill failed");
	assert_int_equal(n, 0);
	assert_int_equal(stored(st), 3);
	/* and the store takes the next batch */
	isp_err_clear(&e);
	assert_int_equal(evbatch_record(st, &info, fill, &ok, NULL, &e), 0);
	assert_int_equal(stored(st), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
