/*
 * test_evspool.c -- the block-event spool (core/events/evspool.h) and the event writer that uses
 * it (core/service/evring.h), against a real SQLite store made unreachable (its folder's path
 * runs through a regular file) and reachable again (the file removed): no mocks.
 * Covers: round trip, truncation when drained, a torn tail and a flipped bit reported
 * with their offsets and skipped, a bad header, the size bound (drops), the per-node
 * lock, the writer spooling while the store is down and draining exactly once when it
 * comes back, and a spool left by a previous run drained at start.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/service/evring.h"
#include "core/events/evspool.h"
#include "core/store/store.h"
#include "core/store/store_blocks.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ispspoolXXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct rejects {
	int n;
	long long off[8];
	char msg[8][ISP_ERR_MSG];
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct rejects *r = ud;

	if (r->n < 8) {
		r->off[r->n] = e->offset;
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", e->msg);
	}
	r->n++;
}

static void event(struct store_block_event *ev, int i, char qname[64])
{
	snprintf(qname, 64, "c%04d.botnet.example", i);
	ev->time_ms = 1700000000000LL + i;
	ev->client = "192.0.2.1";
	ev->port = (uint16_t)(1000 + i);
	ev->qname = qname;
	ev->qtype = 1;
	ev->list = "c2";
	ev->entry = qname;
	ev->reason = "name";
}

/* Append n events numbered from first. */
static void append(struct evspool *sp, int first, int n, size_t *dropped)
{
	static char names[64][64];
	struct store_block_event ev[64];
	struct isp_err err;
	int i = 0;

	*dropped = 0;
	while (i < n) {
		int k, m = n - i > 64 ? 64 : n - i;
		size_t d;

		for (k = 0; k < m; k++)
			event(&ev[k], first + i + k, names[k]);
		assert_int_equal(evspool_append(sp, ev, (size_t)m, &d, &err), 0);
		*dropped += d;
		i += m;
	}
}

static struct evspool_event out[EVSPOOL_BATCH];

/* Read everything, check numbering (skipping the numbers in `missing`), consume. */
static int read_all(struct evspool *sp, int expect_first, const int *missing, int nmissing)
{
	struct isp_err err;
	int count = 0, want = expect_first;
	size_t n, k;
	uint64_t next;

	do {
		assert_int_equal(evspool_read(sp, out, EVSPOOL_BATCH, &n, &next, &err), 0);
		for (k = 0; k < n; k++) {
			char name[64];
			int j;

			for (j = 0; j < nmissing; j++)
				if (missing[j] == want)
					want++;
			snprintf(name, sizeof(name), "c%04d.botnet.example", want);
			assert_string_equal(out[k].ev.qname, name);
			assert_string_equal(out[k].ev.entry, name);
			assert_string_equal(out[k].ev.client, "192.0.2.1");
			assert_string_equal(out[k].ev.list, "c2");
			assert_string_equal(out[k].ev.reason, "name");
			assert_int_equal(out[k].ev.port, 1000 + want);
			assert_int_equal(out[k].ev.time_ms, 1700000000000LL + want);
			want++;
			count++;
		}
		assert_int_equal(evspool_consume(sp, next, &err), 0);
	} while (n > 0);
	return count;
}

static void spool_file(char *path, size_t size)
{
	snprintf(path, size, "%s/sp/dns-127.0.0.1_5353.spool", dir);
}

static void test_path(void **state)
{
	char p[128];

	(void)state;
	assert_int_equal(
		evspool_path("/var/spool", "dns", "127.0.0.1:5353, [::1]:5353", p, sizeof(p)), 0);
	assert_string_equal(p, "/var/spool/dns-127.0.0.1_5353.spool");
	assert_int_equal(evspool_path("s/", "proxy", "[::1]:8080", p, sizeof(p)), 0);
	assert_string_equal(p, "s/proxy-___1__8080.spool");
	assert_int_equal(evspool_path("s", "dns", "", p, sizeof(p)), 0);
	assert_string_equal(p, "s/dns-_.spool");
	assert_int_equal(evspool_path("s", "dns", "0123456789012345678901234567890", p, 24),
			 ISR_ELIMIT);
}

static void test_roundtrip_and_truncate(void **state)
{
	struct evspool *sp = NULL;
	struct isp_err err;
	struct rejects r = { 0 };
	char path[128];
	size_t dropped;
	struct stat st;

	(void)state;
	spool_file(path, sizeof(path));
	assert_int_equal(evspool_open(path, 1 << 24, on_reject, &r, &sp, &err), 0);
	assert_false(evspool_pending(sp));
	append(sp, 0, 3000, &dropped);
	assert_int_equal(dropped, 0);
	assert_true(evspool_pending(sp));
	assert_int_equal(read_all(sp, 0, NULL, 0), 3000);
	assert_false(evspool_pending(sp));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, EVSPOOL_HEADER);
	assert_int_equal(r.n, 0);
	/* a second node on the same file is refused */
	{
		struct evspool *sp2 = NULL;

		assert_int_equal(evspool_open(path, 1 << 24, NULL, NULL, &sp2, &err), ISR_EEXIST);
		assert_null(sp2);
	}
	evspool_close(sp);
}

static void test_partial_consume_survives_reopen(void **state)
{
	struct evspool *sp = NULL;
	struct isp_err err;
	char path[128];
	size_t n, dropped;
	uint64_t next;

	(void)state;
	spool_file(path, sizeof(path));
	assert_int_equal(evspool_open(path, 1 << 24, NULL, NULL, &sp, &err), 0);
	append(sp, 0, 100, &dropped);
	assert_int_equal(evspool_read(sp, out, 40, &n, &next, &err), 0);
	assert_int_equal(n, 40);
	assert_int_equal(evspool_consume(sp, next, &err), 0);
	evspool_close(sp); /* a restart: the next run starts at event 40 */
	assert_int_equal(evspool_open(path, 1 << 24, NULL, NULL, &sp, &err), 0);
	assert_int_equal(read_all(sp, 40, NULL, 0), 60);
	evspool_close(sp);
}

static void test_torn_tail_and_bad_record(void **state)
{
	struct evspool *sp = NULL;
	struct isp_err err;
	struct rejects r = { 0 };
	char path[128];
	size_t dropped, reclen;
	struct stat st;
	int fd, missing[2] = { 3, 9 };
	unsigned char b;

	(void)state;
	spool_file(path, sizeof(path));
	assert_int_equal(evspool_open(path, 1 << 24, NULL, NULL, &sp, &err), 0);
	append(sp, 0, 10, &dropped);
	evspool_close(sp);
	assert_int_equal(stat(path, &st), 0);
	reclen = (size_t)(st.st_size - EVSPOOL_HEADER) / 10; /* all records the same size */
	/* flip a bit in record 3's payload, tear record 9 (a crash mid-write) */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)(EVSPOOL_HEADER + 3 * reclen + 30)), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)(EVSPOOL_HEADER + 3 * reclen + 30)), 1);
	assert_int_equal(ftruncate(fd, st.st_size - 7), 0);
	close(fd);
	assert_int_equal(evspool_open(path, 1 << 24, on_reject, &r, &sp, &err), 0);
	assert_int_equal(read_all(sp, 0, missing, 2), 8);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.off[0], (long long)(EVSPOOL_HEADER + 3 * reclen));
	assert_non_null(strstr(r.msg[0], "checksum"));
	assert_int_equal(r.off[1], (long long)(EVSPOOL_HEADER + 9 * reclen));
	assert_non_null(strstr(r.msg[1], "torn"));
	assert_false(evspool_pending(sp));
	/* appends after a torn tail read back fine */
	append(sp, 20, 5, &dropped);
	assert_int_equal(read_all(sp, 20, NULL, 0), 5);
	evspool_close(sp);
}

static void test_bad_header_rereads(void **state)
{
	struct evspool *sp = NULL;
	struct isp_err err;
	struct rejects r = { 0 };
	char path[128];
	size_t n, dropped;
	uint64_t next;
	int fd;

	(void)state;
	spool_file(path, sizeof(path));
	assert_int_equal(evspool_open(path, 1 << 24, NULL, NULL, &sp, &err), 0);
	append(sp, 0, 20, &dropped);
	assert_int_equal(evspool_read(sp, out, 10, &n, &next, &err), 0);
	assert_int_equal(evspool_consume(sp, next, &err), 0);
	evspool_close(sp);
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "X", 1, 20), 1); /* inside `done` */
	close(fd);
	assert_int_equal(evspool_open(path, 1 << 24, on_reject, &r, &sp, &err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.off[0], 0);
	assert_int_equal(read_all(sp, 0, NULL, 0), 20); /* at least once: all again */
	evspool_close(sp);
}

static void test_full_drops(void **state)
{
	struct evspool *sp = NULL;
	struct isp_err err;
	char path[128];
	size_t dropped;
	struct stat st;

	(void)state;
	spool_file(path, sizeof(path));
	assert_int_equal(evspool_open(path, 2048, NULL, NULL, &sp, &err), 0);
	append(sp, 0, 100, &dropped);
	assert_true(dropped > 0);
	assert_true(dropped < 100);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 2048);
	assert_int_equal(read_all(sp, 0, NULL, 0), 100 - (int)dropped);
	/* drained: room again */
	append(sp, 0, 3, &dropped);
	assert_int_equal(dropped, 0);
	evspool_close(sp);
}

/* ---- the writer against a real store ---- */

static int wait_for(_Atomic uint64_t *v, uint64_t want, int ms)
{
	struct timespec ts = { 0, 20 * 1000000L };
	int i;

	for (i = 0; i < ms / 20; i++) {
		if (atomic_load(v) == want)
			return 1;
		nanosleep(&ts, NULL);
	}
	return atomic_load(v) == want;
}

static void push(struct evring *ring, int first, int n)
{
	struct ev_block ev;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.client.ss_family = AF_INET;
	ev.qtype = 1;
	snprintf(ev.list, sizeof(ev.list), "c2");
	snprintf(ev.reason, sizeof(ev.reason), "name");
	for (i = 0; i < n; i++) {
		ev.time_ms = first + i;
		snprintf(ev.qname, sizeof(ev.qname), "c%04d.botnet.example", first + i);
		snprintf(ev.entry, sizeof(ev.entry), "%s", ev.qname);
		assert_int_equal(evring_push(ring, &ev), 0);
	}
}

/* A writer of one ring into store spec, spooling to path (16 MiB at most). */
static void writer_setup(struct evwriter *w, struct evring **rings, const char *spec,
			 const char *path)
{
	memset(w, 0, sizeof(*w));
	w->service = "test";
	w->store = spec;
	w->spool = path;
	w->spool_max = 1 << 24;
	w->rings = rings;
	w->nrings = 1;
}

static int64_t count_store(const char *spec)
{
	struct store *st = NULL;
	struct isp_err err;
	int64_t n = -1;

	assert_int_equal(store_open(spec, &st, &err), 0);
	assert_int_equal(store_count_block_events(st, &n, &err), 0);
	store_close(st);
	return n;
}

static void test_writer_store_down_then_up(void **state)
{
	struct evwriter w;
	struct evring ring, *rings[1] = { &ring };
	struct isp_err err;
	char blocker[128], spec[160], path[128];
	FILE *f;

	(void)state;
	snprintf(blocker, sizeof(blocker), "%s/store", dir);
	snprintf(spec, sizeof(spec), "%s/sub/events.db", blocker);
	spool_file(path, sizeof(path));
	f = fopen(blocker, "w"); /* the store's folder path runs through a file */
	assert_non_null(f);
	fclose(f);
	assert_int_equal(evring_init(&ring, 4096), 0);
	writer_setup(&w, rings, spec, path);
	assert_int_equal(evwriter_start(&w, &err), 0);
	push(&ring, 0, 1500);
	assert_true(wait_for(&w.spooled, 1500, 5000));
	assert_int_equal(atomic_load(&w.written), 0);
	assert_true(atomic_load(&w.store_failures) > 0);
	assert_true(atomic_load(&w.spool_bytes) > 0);
	push(&ring, 1500, 500); /* still down */
	assert_true(wait_for(&w.spooled, 2000, 5000));
	assert_int_equal(unlink(blocker), 0); /* the store comes back */
	assert_true(wait_for(&w.written, 2000, 10000));
	assert_true(wait_for(&w.spool_bytes, 0, 2000));
	push(&ring, 2000, 10); /* straight to the store now */
	assert_true(wait_for(&w.written, 2010, 5000));
	evwriter_stop(&w);
	assert_int_equal(atomic_load(&w.spooled), 2000);
	assert_int_equal(atomic_load(&w.spool_dropped), 0);
	assert_int_equal(count_store(spec), 2010);
	evring_free(&ring);
}

static void test_writer_drains_left_spool_at_start(void **state)
{
	struct evwriter w;
	struct evring ring, *rings[1] = { &ring };
	struct evspool *sp = NULL;
	struct isp_err err;
	char spec[160], path[128];
	size_t dropped;

	(void)state;
	snprintf(spec, sizeof(spec), "%s/ok/events.db", dir);
	spool_file(path, sizeof(path));
	assert_int_equal(evspool_open(path, 1 << 24, NULL, NULL, &sp, &err), 0);
	append(sp, 0, 777, &dropped); /* what a previous run left */
	evspool_close(sp);
	assert_int_equal(evring_init(&ring, 64), 0);
	writer_setup(&w, rings, spec, path);
	assert_int_equal(evwriter_start(&w, &err), 0);
	assert_true(wait_for(&w.written, 777, 5000));
	evwriter_stop(&w);
	assert_int_equal(count_store(spec), 777);
	evring_free(&ring);
}

static void test_writer_events_off(void **state)
{
	struct evwriter w;
	struct evring ring, *rings[1] = { &ring };
	struct isp_err err;
	char spec[160], path[128];
	struct timespec ts = { 0, 300 * 1000000L };

	(void)state;
	snprintf(spec, sizeof(spec), "%s/off/events.db", dir);
	spool_file(path, sizeof(path));
	assert_int_equal(evring_init(&ring, 64), 0);
	writer_setup(&w, rings, spec, path);
	w.events_off = 1;
	assert_int_equal(evwriter_start(&w, &err), 0);
	push(&ring, 0, 10);
	nanosleep(&ts, NULL);
	evwriter_stop(&w);
	assert_int_equal(atomic_load(&w.written), 0);
	assert_int_equal(atomic_load(&w.spooled), 0);
	assert_int_equal(access(spec, F_OK), -1); /* no store opened */
	assert_int_equal(access(path, F_OK), -1); /* no spool made */
	evring_free(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test_setup_teardown(test_roundtrip_and_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_consume_survives_reopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_and_bad_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header_rereads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_store_down_then_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_drains_left_spool_at_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_events_off, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
