/*
 * test_store_notify.c -- the notification half of the store and block events, on SQLite
 * and (when ISP_TEST_PG is set, by tests/integration/store_pg_unit.sh) on PostgreSQL:
 * multi-row block-event inserts, ingestion exactly once (also with a writer whose
 * transaction commits a smaller id after a larger one was ingested, on PostgreSQL),
 * notices with binary bodies and idempotency keys, subscribers and opt-outs, reports,
 * the relay's books, suspensions, the schema version and the advisory lock.
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

#include "core/store/store.h"
#include "core/store/store_authwatch.h"
#include "core/store/store_blocks.h"
#include "core/store/store_notify.h"
#include "core/store/store_relay.h"
#include "pgtest.h"

static int setup(void **state)
{
	return pgtest_store_setup(state);
}

static int teardown(void **state)
{
	return pgtest_store_teardown(state);
}

static void add_blocks(struct store *st, int n, const char *prefix, const char *reason)
{
	struct store_block_event *ev = calloc((size_t)n, sizeof(*ev));
	char(*names)[64] = calloc((size_t)n, 64);
	int i;

	assert_non_null(ev);
	assert_non_null(names);
	for (i = 0; i < n; i++) {
		snprintf(names[i], 64, "%s%d.cc.example", prefix, i);
		ev[i].time_ms = 1795334400000LL + i;
		ev[i].client = "192.0.2.7";
		ev[i].port = (uint16_t)(1024 + i);
		ev[i].qname = names[i];
		ev[i].qtype = 1;
		ev[i].list = "c2";
		ev[i].entry = "*.cc.example";
		ev[i].reason = reason;
	}
	OK(store_add_block_events(st, ev, (size_t)n, E));
	free(ev);
	free(names);
}

struct count {
	long n;
	char last_raw[256];
};

static int count_event(void *ud, const struct store_event *e)
{
	struct count *c = ud;

	c->n++;
	snprintf(c->last_raw, sizeof(c->last_raw), "%s", e->raw ? e->raw : "");
	return 0;
}

static void test_block_events_ingested_once(void **state)
{
	struct store *st = *state;
	struct count c = { 0 };
	int64_t n64;
	long n;

	add_blocks(st, 300, "a", "name"); /* more than one multi-row INSERT */
	add_blocks(st, 3, "u", "url");
	OK(store_count_block_events(st, &n64, E));
	assert_int_equal(n64, 303);
	OK(store_ingest_block_events(st, &n, E));
	assert_int_equal(n, 303);
	OK(store_ingest_block_events(st, &n, E));
	assert_int_equal(n, 0);
	OK(store_each_event(st, "dns", 0, -1, count_event, &c, E));
	assert_int_equal(c.n, 300);
	assert_string_equal(c.last_raw,
			    "2026-11-22T08:00:00Z,192.0.2.7,1323,\"a299.cc.example\",c2,"
			    "\"*.cc.example\"");
	memset(&c, 0, sizeof(c));
	OK(store_each_event(st, "proxy", 0, -1, count_event, &c, E));
	assert_int_equal(c.n, 3);
	add_blocks(st, 2, "b", "cname");
	OK(store_ingest_block_events(st, &n, E));
	assert_int_equal(n, 2);
}

/* The trap of an id cursor: a writer takes id k, another takes k+1 and commits, the
 * notifier ingests; then k commits. It must be ingested by the next run. */
static void test_out_of_order_commit(void **state)
{
	struct store *st = *state;
	PGconn *a;
	PGresult *r;
	long n;

	if (!pgtest_url())
		skip(); /* SQLite writers are serialised: ids commit in order */
	a = PQconnectdb(pgtest_url());
	assert_int_equal(PQstatus(a), CONNECTION_OK);
	r = PQexec(a, "BEGIN; INSERT INTO block_events(time_ms, client, port, qname, qtype, list,"
		      " entry, reason) VALUES(1795334400000, '192.0.2.8', 53, 'slow.cc.example', 1,"
		      " 'c2', '*.cc.example', 'name')");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	add_blocks(st, 1, "fast", "name"); /* a larger id, committed first */
	OK(store_ingest_block_events(st, &n, E));
	assert_int_equal(n, 1);
	r = PQexec(a, "COMMIT");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(a);
	OK(store_ingest_block_events(st, &n, E));
	assert_int_equal(n, 1); /* the slow writer's event, not lost */
	OK(store_ingest_block_events(st, &n, E));
	assert_int_equal(n, 0);
}

static int keep_notice(void *ud, const struct store_notice *n)
{
	struct store_notice *out = ud;
	char *copy = malloc(n->message_len);

	assert_non_null(copy);
	memcpy(copy, n->message, n->message_len);
	*out = *n;
	out->message = copy;
	out->key = NULL;
	out->subscriber = out->email = out->language = out->causes = out->error = NULL;
	return 0;
}

static int count_report(void *ud, const struct store_batch_report *r)
{
	struct store_batch_report *out = ud;

	*out = *r;
	out->batch.source = out->batch.file = out->batch.format = out->batch.header = NULL;
	return 0;
}

static void test_notices_and_reports(void **state)
{
	static const char body[] = "Subject: x\r\n\r\nbinary \0 and \xff\xfe bytes\r\n";
	struct store *st = *state;
	struct store_subscriber sub = { .id = "s1", .email = "s1@example.com", .language = "en" };
	struct store_subscriber got;
	struct store_notice nt = { .key = "k1",
				   .subscriber = "s1",
				   .email = "s1@example.com",
				   .language = "en",
				   .causes = "cc",
				   .created = 1795334400,
				   .message = body,
				   .message_len = sizeof(body) - 1 };
	struct store_notice out;
	struct store_batch_report rep;
	struct store_event ev = { .time = 1795334400, .ip = "192.0.2.9", .cause = "cc" };
	int64_t batch, id, id2, recent;
	long cnt;

	OK(store_subscriber_put(st, &sub, E));
	OK(store_subscriber_opt(st, "s1", "notices", 1, 1795334000, E));
	OK(store_subscriber_get(st, "s1", &got, E));
	assert_string_equal(got.email, "s1@example.com");
	assert_int_equal(got.opt_out_notices, 1795334000);
	assert_int_equal(got.opt_out_filtering, 0);
	OK(store_subscriber_opt(st, "s1", "all", 0, 1795334001, E));
	OK(store_subscriber_get(st, "s1", &got, E));
	assert_int_equal(got.opt_out_notices, 0);

	OK(store_begin(st, E));
	OK(store_batch_begin(st, "jpcert", "f.csv", "csv", &batch, E));
	OK(store_event_add(st, batch, &ev, E));
	ev.ip = "192.0.2.10";
	OK(store_event_add(st, batch, &ev, E));
	OK(store_batch_end(st, batch, "ip,timestamp", 2, 0, E));
	OK(store_notice_add(st, &nt, &id, E));
	OK(store_notice_add(st, &nt, &id2, E)); /* the same key: the same notice */
	assert_int_equal(id, id2);
	OK(store_event_decide(st, 1, EV_NOTIFIED, "s1", NULL, id, E));
	OK(store_event_decide(st, 2, EV_RETURNED, NULL, "no session", 0, E));
	OK(store_commit(st, E));

	OK(store_notice_recent(st, "s1", "cc", 1795334000, &recent, E));
	assert_int_equal(recent, id);
	OK(store_notice_recent(st, "s1", "open-resolver", 1795334000, &recent, E));
	assert_int_equal(recent, 0);
	OK(store_notice_count(st, "s1", 1795334000, &cnt, E));
	assert_int_equal(cnt, 1);
	memset(&out, 0, sizeof(out));
	OK(store_each_undelivered(st, 1795334400, 8, keep_notice, &out, E));
	assert_int_equal(out.id, id);
	assert_int_equal(out.message_len, sizeof(body) - 1);
	assert_memory_equal(out.message, body, sizeof(body) - 1);
	free((void *)out.message);
	OK(store_notice_mark(st, id, NOTICE_SENT, 1, 0, NULL, E));
	OK(store_each_batch_report(st, "jpcert", count_report, &rep, E));
	assert_int_equal(rep.received, 2);
	assert_int_equal(rep.matched, 1);
	assert_int_equal(rep.notified, 1);
	assert_int_equal(rep.returned, 1);
	assert_int_equal(rep.pending, 0);
}

static int relay_sum(void *ud, const struct store_relay_count *c)
{
	long *sum = ud;

	sum[0] += c->sent;
	sum[1] += c->returned;
	return 0;
}

static int count_susp(void *ud, const struct store_suspension *s)
{
	(void)s;
	++*(int *)ud;
	return 0;
}

static void test_relay_and_suspensions(void **state)
{
	struct store *st = *state;
	struct store_suspension su = { .user = "u1",
				       .type = "many-sources",
				       .reason = "x",
				       .since = 1795334400,
				       .detected = 1795334400 };
	long sum[2] = { 0, 0 };
	int64_t b, used;
	int added, n = 0;

	OK(store_relay_batch(st, "jpcert", "a.csv", 10, 1, &b, E));
	OK(store_relay_sent(st, b, "isp-a", 4, E));
	OK(store_relay_sent(st, b, "isp-a", 2, E)); /* adds up */
	OK(store_relay_returned(st, 0, "isp-a", 1, &used, E));
	assert_int_equal(used, b);
	OK(store_each_relay_count(st, relay_sum, sum, E));
	assert_int_equal(sum[0], 6);
	assert_int_equal(sum[1], 1);

	OK(store_suspend(st, &su, &added, E));
	assert_int_equal(added, 1);
	OK(store_suspend(st, &su, &added, E));
	assert_int_equal(added, 0);
	OK(store_release(st, "u1", 1795334500, E));
	OK(store_suspend(st, &su, &added, E)); /* detected before the release: stays released */
	assert_int_equal(added, 0);
	OK(store_each_suspension(st, 0, count_susp, &n, E));
	assert_int_equal(n, 0);
	su.detected = 1795334600;
	OK(store_suspend(st, &su, &added, E)); /* a detection after the release */
	assert_int_equal(added, 1);
	OK(store_each_suspension(st, 0, count_susp, &n, E));
	assert_int_equal(n, 1);
}

static void test_version_and_lock(void **state)
{
	struct store *st = *state, *other = NULL;
	struct isp_err e;
	int have, want, got, i;

	OK(store_version(st, &have, &want, E));
	assert_int_equal(have, want);
	isp_err_clear(&e);
	if (!pgtest_url()) {
		assert_int_equal(store_try_lock(st, "notify", &got, &e), ISR_EINVAL);
		return;
	}
	OK(store_open(pgtest_url(), &other, E));
	OK(store_try_lock(st, "notify", &got, E));
	assert_int_equal(got, 1);
	OK(store_try_lock(other, "notify", &got, E));
	assert_int_equal(got, 0); /* another connection (another machine) holds it */
	OK(store_try_lock(other, "other-name", &got, E));
	assert_int_equal(got, 1);
	store_unlock(st, "notify");
	OK(store_try_lock(other, "notify", &got, E));
	assert_int_equal(got, 1);
	store_close(other); /* the lock goes with the connection (once its backend exits) */
	for (i = 0, got = 0; i < 100 && !got; i++) {
		OK(store_try_lock(st, "notify", &got, E));
		if (!got)
			usleep(20000);
	}
	assert_int_equal(got, 1);
	store_unlock(st, "notify");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_block_events_ingested_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notices_and_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_and_suspensions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_and_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
