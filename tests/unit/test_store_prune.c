/*
 * test_store_prune.c -- retention and masking (core/store/store_prune.h) and the
 * subscribers' consent history, on SQLite and (when ISP_TEST_PG is set, by
 * tests/integration/store_pg_unit.sh) on PostgreSQL: rows at known ages from a fixed
 * `now` (never the wall clock); undecided events and notified events whose notice is not
 * sent survive; batches go once empty; addresses become exactly their /24 or /56, once;
 * a dry run counts what the real run then does and changes nothing; small batches give
 * the same result as one; subscriber_log is never pruned.
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

#include "core/store/db.h"
#include "core/store/store.h"
#include "core/store/store_blocks.h"
#include "core/store/store_notify.h"
#include "core/store/store_prune.h"
#include "pgtest.h"

#define NOW 1800000000LL
#define DAY 86400LL

static int setup(void **state)
{
	return pgtest_store_setup(state);
}

static int teardown(void **state)
{
	return pgtest_store_teardown(state);
}

/* A second connection to the test store, to look at (and age) rows as they are. */
static struct db *peek(void)
{
	struct isp_err e;
	struct db *db = NULL;

	isp_err_clear(&e);
	if (pgtest_url())
		assert_int_equal(db_open_pg(pgtest_url(), &db, &e), 0);
	else
		assert_int_equal(db_open_sqlite(pgtest_store_path(), &db, &e), 0);
	return db;
}

/* The first column of the first row of sql as text into out ("NULL", "" when no row). */
static const char *q(const char *sql, char out[128])
{
	struct db *db = peek();
	struct db_stmt *s = NULL;
	int rc;

	out[0] = '\0';
	assert_int_equal(db_prepare(db, sql, &s), 0);
	rc = db_step(s);
	if (rc == DB_ERROR)
		fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
	assert_int_not_equal(rc, DB_ERROR);
	if (rc == DB_ROW)
		snprintf(out, 128, "%s", db_column_text(s, 0) ? db_column_text(s, 0) : "NULL");
	db_finalize(s);
	db_close(db);
	return out;
}

static long qn(const char *sql)
{
	char b[128];

	return atol(q(sql, b));
}

static void exec(const char *sql)
{
	struct db *db = peek();

	if (db_exec(db, sql) != 0)
		fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
	assert_int_equal(db_exec(db, sql), 0);
	db_close(db);
}

static void test_mask_address(void **state)
{
	char b[STORE_MASK_MAX];

	(void)state;
	store_mask_address("192.0.2.77", b);
	assert_string_equal(b, "192.0.2.0/24");
	store_mask_address("198.51.100.255", b);
	assert_string_equal(b, "198.51.100.0/24");
	store_mask_address("2001:db8:1234:56ab:1::7", b);
	assert_string_equal(b, "2001:db8:1234:5600::/56");
	store_mask_address("2001:db8:1234:56ff:ffff:ffff:ffff:ffff", b);
	assert_string_equal(b, "2001:db8:1234:5600::/56");
	store_mask_address("[2001:db8::1]", b);
	assert_string_equal(b, "2001:db8::/56");
	store_mask_address("10.0.0.0/8", b); /* already coarser: kept */
	assert_string_equal(b, "10.0.0.0/8");
	store_mask_address("192.0.2.0/24", b); /* idempotent */
	assert_string_equal(b, "192.0.2.0/24");
	store_mask_address("not an address", b);
	assert_string_equal(b, "?");
	store_mask_address(NULL, b);
	assert_string_equal(b, "?");
}

static void add_block(struct store *st, int64_t age, const char *client, const char *qname)
{
	struct store_block_event ev = { .time_ms = (NOW - age) * 1000 + 123,
					.client = client,
					.port = 5353,
					.qname = qname,
					.qtype = 1,
					.list = "c2",
					.entry = qname,
					.reason = "block" };

	OK(store_add_block_events(st, &ev, 1, E));
}

struct ids {
	int64_t id[32];
	int n;
};

static int collect(void *ud, const struct store_event *e)
{
	struct ids *x = ud;

	x->id[x->n++] = e->id;
	return 0;
}

/*
 * Batch "old" (received 100 days ago): events 100 days old in every state, two notified
 * ones (notice sent / still pending). Batch "gone" (100 days): only deletable events.
 * Batch "recent": events 50 days old (to mask when decided) and 1 day old (untouched).
 */
static void fill(struct store *st)
{
	static const char body[] = "Subject: x\r\n\r\nx\r\n";
	struct store_notice nt = { .subscriber = "s1",
				   .email = "s1@example.com",
				   .language = "en",
				   .causes = "cc",
				   .created = NOW - 100 * DAY,
				   .message = body,
				   .message_len = sizeof(body) - 1 };
	struct store_event ev = { .cause = "cc", .raw = "raw row with the address" };
	int64_t b_old, b_gone, b_recent, sent, pending;
	struct ids x = { .n = 0 };
	char sql[160];

	add_block(st, 100 * DAY, "192.0.2.1", "a.example");
	add_block(st, 91 * DAY, "2001:db8:1234:56ab::1", "b.example");
	add_block(st, 50 * DAY, "192.0.2.77", "c.example");
	add_block(st, 31 * DAY, "2001:db8:1234:56ab:1::7", "d.example");
	add_block(st, 29 * DAY, "192.0.2.78", "e.example");
	add_block(st, 1 * DAY, "2001:db8::9", "f.example");

	OK(store_begin(st, E));
	OK(store_batch_begin(st, "old", NULL, "csv", &b_old, E));
	ev.time = NOW - 100 * DAY;
	for (int i = 0; i < 7; i++) { /* ids 1..7 */
		char ip[32];

		snprintf(ip, sizeof(ip), "203.0.113.%d", 10 + i);
		ev.ip = ip;
		OK(store_event_add(st, b_old, &ev, E));
	}
	OK(store_batch_begin(st, "gone", NULL, "csv", &b_gone, E));
	ev.ip = "198.51.100.1";
	OK(store_event_add(st, b_gone, &ev, E)); /* 8 */
	ev.ip = "198.51.100.2";
	OK(store_event_add(st, b_gone, &ev, E)); /* 9 */
	OK(store_batch_begin(st, "recent", NULL, "csv", &b_recent, E));
	ev.time = NOW - 50 * DAY;
	ev.ip = "2001:db8:aaaa:bbcc::1";
	OK(store_event_add(st, b_recent, &ev, E)); /* 10: repeat -> masked */
	ev.ip = "203.0.113.200";
	OK(store_event_add(st, b_recent, &ev, E)); /* 11: new -> kept as it is */
	ev.ip = "203.0.113.201";
	OK(store_event_add(st, b_recent, &ev, E)); /* 12: notified, pending -> masked */
	ev.time = NOW - DAY;
	ev.ip = "203.0.113.202";
	OK(store_event_add(st, b_recent, &ev, E)); /* 13: skipped, recent -> untouched */
	nt.key = "sent";
	OK(store_notice_add(st, &nt, &sent, E));
	nt.key = "pending";
	OK(store_notice_add(st, &nt, &pending, E));
	OK(store_commit(st, E));
	OK(store_each_event(st, NULL, 0, -1, collect, &x, E));
	assert_int_equal(x.n, 13);
	/* old: 1 new, 2 held, 3 repeat, 4 skipped, 5 returned, 6 notified+sent,
	 * 7 notified+pending */
	OK(store_event_decide(st, x.id[1], EV_HELD, "s1", NULL, 0, E));
	OK(store_event_decide(st, x.id[2], EV_REPEAT, "s1", NULL, 0, E));
	OK(store_event_decide(st, x.id[3], EV_SKIPPED, "s1", "opted out", 0, E));
	OK(store_event_decide(st, x.id[4], EV_RETURNED, NULL, "no session", 0, E));
	OK(store_event_decide(st, x.id[5], EV_NOTIFIED, "s1", NULL, sent, E));
	OK(store_event_decide(st, x.id[6], EV_NOTIFIED, "s1", NULL, pending, E));
	OK(store_event_decide(st, x.id[7], EV_REPEAT, "s1", NULL, 0, E));
	OK(store_event_decide(st, x.id[8], EV_RETURNED, NULL, "no session", 0, E));
	OK(store_event_decide(st, x.id[9], EV_REPEAT, "s1", NULL, 0, E));
	OK(store_event_decide(st, x.id[11], EV_NOTIFIED, "s1", NULL, pending, E));
	OK(store_event_decide(st, x.id[12], EV_SKIPPED, "s1", "opted out", 0, E));
	OK(store_notice_mark(st, sent, NOTICE_SENT, 1, 0, NULL, E));
	/* the store stamps batches with the wall clock: age them by hand */
	snprintf(sql, sizeof(sql), "UPDATE batches SET received = %lld WHERE source <> 'recent'",
		 NOW - 100 * DAY);
	exec(sql);
	snprintf(sql, sizeof(sql), "UPDATE batches SET received = %lld WHERE source = 'recent'",
		 NOW - 50 * DAY);
	exec(sql);
}

static void test_prune(void **state)
{
	struct store *st = *state;
	struct store_prune_opts o = { .now = NOW, .retention = 90 * DAY, .mask_after = 30 * DAY };
	struct store_prune_result dry, r, again;
	long ingested = 0;
	char b[128];

	fill(st);
	o.dry_run = 1;
	OK(store_prune(st, &o, &dry, E));
	assert_int_equal(qn("SELECT count(*) FROM block_events"), 6);
	assert_int_equal(qn("SELECT count(*) FROM events"), 13);
	assert_int_equal(qn("SELECT count(*) FROM block_events WHERE masked IS NOT NULL"), 0);

	o.dry_run = 0;
	OK(store_prune(st, &o, &r, E));
	assert_int_equal(r.block_events_deleted, 2);
	assert_int_equal(r.block_events_masked, 2);
	assert_int_equal(r.events_deleted, 6); /* 3, 4, 5, 6 of old; 8, 9 of gone */
	assert_int_equal(r.events_kept, 3);    /* new, held, notified with a pending notice */
	assert_int_equal(r.batches_deleted, 1);
	/* masked: 7 (decided, kept: notice pending), 10 and 12 of recent */
	assert_int_equal(r.events_masked, 3);
	assert_int_equal(dry.block_events_deleted, r.block_events_deleted);
	assert_int_equal(dry.block_events_masked, r.block_events_masked);
	assert_int_equal(dry.events_deleted, r.events_deleted);
	assert_int_equal(dry.events_masked, r.events_masked);
	assert_int_equal(dry.events_kept, r.events_kept);
	assert_int_equal(dry.batches_deleted, r.batches_deleted);

	assert_int_equal(qn("SELECT count(*) FROM block_events"), 4);
	assert_string_equal(q("SELECT client FROM block_events WHERE qname = 'c.example'", b),
			    "192.0.2.0/24");
	assert_string_equal(q("SELECT client FROM block_events WHERE qname = 'd.example'", b),
			    "2001:db8:1234:5600::/56");
	assert_string_equal(q("SELECT client FROM block_events WHERE qname = 'e.example'", b),
			    "192.0.2.78");
	assert_string_equal(q("SELECT client FROM block_events WHERE qname = 'f.example'", b),
			    "2001:db8::9");
	assert_int_equal(qn("SELECT count(*) FROM block_events WHERE masked = 1800000000"), 2);
	/* notify never ingests a masked block event (a prefix must not name a subscriber) */
	assert_int_equal(qn("SELECT count(*) FROM block_events WHERE masked IS NOT NULL"
			    " AND ingest_batch = 0"),
			 2);

	/* what is left of "old": new and held as they came; the notified one whose notice is
	 * pending, masked */
	assert_string_equal(q("SELECT count(*) || ':' || min(state) || ':' || max(state) FROM"
			      " events WHERE batch_id = 1",
			      b),
			    "3:0:2");
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '203.0.113.10' AND state = 0"
			    " AND masked IS NULL AND raw IS NOT NULL"),
			 1);
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '203.0.113.11' AND state = 1"
			    " AND masked IS NULL"),
			 1);
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '203.0.113.0/24' AND state = 2"
			    " AND masked = 1800000000 AND raw IS NULL AND batch_id = 1"),
			 1);
	/* batch "gone" is gone, its events with it; "old" and "recent" stay */
	assert_int_equal(qn("SELECT count(*) FROM batches WHERE source = 'gone'"), 0);
	assert_int_equal(qn("SELECT count(*) FROM batches"), 2);
	/* recent: the repeat's IPv6 address cut to /56, the new one untouched, the notified
	 * one to /24, the skipped one of yesterday untouched */
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '2001:db8:aaaa:bb00::/56'"
			    " AND state = 3 AND raw IS NULL"),
			 1);
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '203.0.113.200' AND state = 0"),
			 1);
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '203.0.113.0/24'"
			    " AND batch_id = 3"),
			 1);
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip = '203.0.113.202' AND state = 4"
			    " AND masked IS NULL"),
			 1);
	assert_int_equal(qn("SELECT count(*) FROM notices"), 2); /* never pruned */

	/* again, two days later: nothing more to delete, and masked rows keep their mark */
	o.now = NOW + 2 * DAY;
	OK(store_prune(st, &o, &again, E));
	assert_int_equal(again.block_events_deleted + again.events_deleted + again.batches_deleted,
			 0);
	assert_int_equal(again.block_events_masked, 1); /* e.example, now 31 days old */
	assert_int_equal(again.events_masked, 0);
	assert_int_equal(qn("SELECT count(*) FROM block_events WHERE masked = 1800000000"), 2);
	assert_string_equal(q("SELECT client FROM block_events WHERE qname = 'e.example'", b),
			    "192.0.2.0/24");
	assert_int_equal(again.events_kept, 3);
	OK(store_ingest_block_events(st, &ingested, E));
	assert_int_equal(ingested, 1); /* f.example: the three others are masked */
	assert_int_equal(qn("SELECT count(*) FROM events WHERE ip LIKE '%/%' AND batch_id > 3"), 0);
}

/* Batches of 2 rows give what one statement gives. */
static void test_prune_small_batches(void **state)
{
	struct store *st = *state;
	struct store_prune_opts o = {
		.now = NOW, .retention = 90 * DAY, .mask_after = 30 * DAY, .batch = 2
	};
	struct store_prune_result r;

	fill(st);
	OK(store_prune(st, &o, &r, E));
	assert_int_equal(r.block_events_deleted, 2);
	assert_int_equal(r.block_events_masked, 2);
	assert_int_equal(r.events_deleted, 6);
	assert_int_equal(r.events_masked, 3);
	assert_int_equal(r.batches_deleted, 1);
	assert_int_equal(qn("SELECT count(*) FROM events"), 7);
}

/* retention 0 and mask-after 0: nothing happens. */
static void test_prune_off(void **state)
{
	struct store *st = *state;
	struct store_prune_opts o = { .now = NOW };
	struct store_prune_result r;

	fill(st);
	OK(store_prune(st, &o, &r, E));
	assert_int_equal(r.block_events_deleted + r.block_events_masked + r.events_deleted +
				 r.events_masked + r.batches_deleted,
			 0);
	assert_int_equal(qn("SELECT count(*) FROM block_events WHERE client LIKE '%/%'"), 0);
	assert_int_equal(qn("SELECT count(*) FROM events"), 13);
}

struct hist {
	char text[1024];
	int n;
};

static int add_hist(void *ud, const struct store_subscriber_change *c)
{
	struct hist *h = ud;
	size_t len = strlen(h->text);

	snprintf(h->text + len, sizeof(h->text) - len, "%s%s %lld %s %s", h->n ? "; " : "",
		 c->subscriber, (long long)c->time, c->change, c->via ? c->via : "NULL");
	h->n++;
	return 0;
}

static void test_history(void **state)
{
	struct store *st = *state;
	struct store_subscriber a = { .id = "a", .language = "ja", .consent = 1700000000 };
	struct store_subscriber b2 = { .id = "b", .language = "en" };
	struct store_prune_opts o = { .now = NOW, .retention = DAY, .mask_after = DAY };
	struct store_prune_result r;
	struct hist h = { "", 0 };

	OK(store_subscriber_put(st, &a, E));
	OK(store_subscriber_put(st, &a, E)); /* the same again: nothing new */
	OK(store_subscriber_put(st, &b2, E));
	OK(store_subscriber_opt(st, "b", "notices", 1, 1700000100, E));
	a.opt_out_filtering = 1700000200;
	OK(store_subscriber_put(st, &a, E));
	OK(store_subscriber_opt(st, "a", "all", 0, 1700000300, E));
	OK(store_each_subscriber_change(st, NULL, 0, add_hist, &h, E));
	assert_string_equal(h.text, "a 1700000000 consent import; b 1700000100 opt-out notices "
				    "command; a 1700000200 opt-out filtering import; a 1700000300 "
				    "opt-in all command");
	memset(&h, 0, sizeof(h));
	OK(store_each_subscriber_change(st, "a", 1700000100, add_hist, &h, E));
	assert_string_equal(h.text, "a 1700000200 opt-out filtering import; a 1700000300 opt-in "
				    "all command");
	/* retention never touches the history, however old */
	OK(store_prune(st, &o, &r, E));
	assert_int_equal(qn("SELECT count(*) FROM subscriber_log"), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_address),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_small_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
