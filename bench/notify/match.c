/*
 * bench_sessmatch -- builds and queries the sessions index on the generated month of
 * sessgen.h (bench/notify/run.sh drives it; bench/README.md has the results).
 *
 * usage:
 *   bench_sessmatch build IDX N NADDR SEED
 *       generate N intervals over NADDR addresses, feed their records (Start + Stop or
 *       Start + Interim for RADIUS, one SESS_LEASE for leases) to sess_builder, write IDX.
 *   bench_sessmatch match IDX N NADDR SEED NEVENTS SKEW [EVENTS_CSV]
 *       open IDX, make NEVENTS events (IP, port, time): ~85% inside a generated interval
 *       (whose session id is the expected answer), ~10% at addresses nobody held, ~5% at
 *       held addresses a day before the month; shuffle them; answer them with
 *       sessdb_who_batch (all at once) and with sessdb_who one by one. Every answer is
 *       checked against the generator; any wrong answer exits 1. EVENTS_CSV: the events
 *       for the SQL engines (ip, ipkey, port, t, expected session id or empty).
 *   bench_sessmatch export IDX CSV
 *       the index's intervals with their effective ends, for the SQL engines: ip, ipkey,
 *       port_lo, port_hi, start, end (open without end: 2^31 - 1), user, session id.
 *       ipkey is an integer for SQLite: the IPv4 address, or for IPv6 2^62 + the top 56
 *       bits of the prefix (the generator delegates /56 only: that is what lets a plain
 *       integer stand for an IPv6 prefix here; PostgreSQL matches inet prefixes instead).
 * Output: one "RESULT key value" line per metric on stdout. Times are wall clock
 * (CLOCK_MONOTONIC); RSS from /proc/self/status (VmRSS now, VmHWM peak).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/err.h"
#include "core/sessions/sessions.h"
#include "sessgen.h"

#define OPEN_MAX (7 * 86400) /* sess_opts.open_max of the benchmark's index */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t fl = strlen(field);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void die(const char *what, const struct isp_err *e)
{
	fprintf(stderr, "bench_sessmatch: %s: %s\n", what, e ? e->msg : strerror(errno));
	exit(2);
}

/* ---- build ---- */

struct bctx {
	struct sess_builder *b;
	long records;
	struct isp_err e;
};

static void on_build(void *ud, const struct gen_iv *iv)
{
	struct bctx *c = ud;
	struct sess_record r;
	char user[16], sid[20], nas[16];

	memset(&r, 0, sizeof(r));
	snprintf(user, sizeof(user), "sub%07u", iv->user);
	snprintf(sid, sizeof(sid), "%016" PRIx64, iv->sid);
	snprintf(nas, sizeof(nas), "10.255.0.%u", (unsigned)(iv->sid % 200));
	r.user = user;
	r.session_id = sid;
	r.nas = iv->lease ? "" : nas;
	r.addr[0] = iv->addr;
	r.naddr = 1;
	r.port_lo = iv->port_lo;
	r.port_hi = iv->port_hi;
	r.duration = -1;
	if (iv->lease) {
		r.op = SESS_LEASE;
		r.time = iv->start;
		r.end = iv->open ? 0 : iv->end;
		if (sess_builder_add(c->b, &r, &c->e))
			die("sess_builder_add", &c->e);
		c->records++;
		return;
	}
	r.op = SESS_START;
	r.time = iv->start;
	if (sess_builder_add(c->b, &r, &c->e))
		die("sess_builder_add", &c->e);
	r.op = iv->open ? SESS_INTERIM : SESS_STOP;
	r.time = iv->end;
	r.duration = iv->end - iv->start;
	if (sess_builder_add(c->b, &r, &c->e))
		die("sess_builder_add", &c->e);
	c->records += 2;
}

static int cmd_build(const char *idx, uint64_t n, uint64_t naddr, uint64_t seed)
{
	struct sess_opts o = { .open_max = OPEN_MAX };
	struct sess_build_stats st;
	struct bctx c;
	double t0, t1, t2;
	FILE *f;

	memset(&c, 0, sizeof(c));
	t0 = now_s();
	if (sess_builder_new(NULL, &o, &c.b, &c.e))
		die("sess_builder_new", &c.e);
	gen_sessions(n, naddr, seed, on_build, &c);
	t1 = now_s();
	if (sess_builder_write(c.b, idx, &st, &c.e))
		die("sess_builder_write", &c.e);
	t2 = now_s();
	sess_builder_free(c.b);
	printf("RESULT build_records %ld\n", c.records);
	printf("RESULT build_intervals %ld\n", st.intervals);
	printf("RESULT build_open %ld\n", st.open);
	printf("RESULT build_duplicates %ld\n", st.duplicates);
	printf("RESULT build_add_s %.3f\n", t1 - t0);
	printf("RESULT build_write_s %.3f\n", t2 - t1);
	printf("RESULT build_s %.3f\n", t2 - t0);
	printf("RESULT build_records_per_s %.0f\n", (double)c.records / (t2 - t0));
	printf("RESULT build_peak_rss_kb %ld\n", status_kb("VmHWM"));
	f = fopen(idx, "rb");
	if (f && fseek(f, 0, SEEK_END) == 0)
		printf("RESULT index_bytes %ld\n", ftell(f));
	if (f)
		fclose(f);
	return st.intervals == (long)n ? 0 : 1;
}

/* ---- events ---- */

struct ev {
	struct sess_query q;
	uint64_t sid; /* expected session id, 0 = nobody */
};

struct ectx {
	struct ev *ev;
	size_t n, cap;
	uint64_t s, p_hit; /* p_hit: probability x 2^32 */
	struct ip_prefix *known;
	size_t nknown, capknown;
};

static void push(struct ectx *c, const struct ev *e)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1 << 16;
		c->ev = realloc(c->ev, c->cap * sizeof(*c->ev));
		if (!c->ev)
			die("out of memory", NULL);
	}
	c->ev[c->n++] = *e;
}

static void on_event(void *ud, const struct gen_iv *iv)
{
	struct ectx *c = ud;
	uint64_t r = gen_rnd(&c->s);
	int64_t end;
	struct ev e;

	if ((r & 0xffffffffu) >= c->p_hit)
		return;
	memset(&e, 0, sizeof(e));
	e.q.addr = iv->addr;
	if (iv->addr.family == 6) { /* some host inside the /56 */
		uint64_t h = gen_rnd(&c->s);

		e.q.addr.len = 128;
		e.q.addr.addr[7] = (uint8_t)h;
		memcpy(e.q.addr.addr + 8, &h, 8);
	}
	e.q.port = iv->port_lo ? (uint16_t)(iv->port_lo + (r >> 32) % 4096) : 0;
	/* an open lease shows no sign of life after its start: it lasts open_max */
	end = iv->open && iv->lease && iv->end > iv->start + OPEN_MAX ? iv->start + OPEN_MAX
								      : iv->end;
	e.q.t = iv->start + (int64_t)((r >> 40) % (uint64_t)(end - iv->start));
	e.sid = iv->sid;
	push(c, &e);
	if (c->nknown < c->capknown && (r >> 20) % 8 == 0)
		c->known[c->nknown++] = iv->addr;
}

static void make_events(struct ectx *c, uint64_t n, uint64_t naddr, uint64_t seed, uint64_t nev)
{
	uint64_t i, nmiss = nev / 10, nold = nev / 20;
	struct ev e;

	c->s = seed ^ 0x5555;
	c->p_hit = (uint64_t)((double)(nev - nmiss - nold) / (double)n * 4294967296.0);
	c->capknown = nold + 1;
	c->known = calloc(c->capknown, sizeof(*c->known));
	gen_sessions(n, naddr, seed, on_event, c);
	for (i = 0; i < nmiss; i++) { /* addresses nobody held: 192.18.0.0/15, 2001:db9::/32 */
		uint64_t r = gen_rnd(&c->s);

		memset(&e, 0, sizeof(e));
		if (r % 10 == 0) {
			e.q.addr.family = 6;
			e.q.addr.len = 128;
			e.q.addr.addr[0] = 0x20;
			e.q.addr.addr[1] = 0x01;
			e.q.addr.addr[2] = 0x0d;
			e.q.addr.addr[3] = 0xb9;
			memcpy(e.q.addr.addr + 8, &r, 8);
		} else {
			e.q.addr.family = 4;
			e.q.addr.len = 32;
			e.q.addr.addr[0] = 198;
			e.q.addr.addr[1] = (uint8_t)(18 + (r >> 8) % 2);
			e.q.addr.addr[2] = (uint8_t)(r >> 16);
			e.q.addr.addr[3] = (uint8_t)(r >> 24);
		}
		e.q.t = GEN_T0 + (int64_t)((r >> 32) % GEN_MONTH);
		push(c, &e);
	}
	for (i = 0; i < nold && c->nknown; i++) { /* held addresses, before the month */
		uint64_t r = gen_rnd(&c->s);

		memset(&e, 0, sizeof(e));
		e.q.addr = c->known[r % c->nknown];
		if (e.q.addr.family == 6)
			e.q.addr.len = 128;
		e.q.t = GEN_T0 - 86400 - (int64_t)((r >> 32) % 86400);
		push(c, &e);
	}
	for (i = c->n; i > 1; i--) { /* shuffle */
		size_t j = (size_t)(gen_rnd(&c->s) % i);
		struct ev t = c->ev[i - 1];

		c->ev[i - 1] = c->ev[j];
		c->ev[j] = t;
	}
	free(c->known);
}

static int64_t ipkey(const struct ip_prefix *p)
{
	int64_t k = 0;
	int i;

	if (p->family == 4)
		return (int64_t)p->addr[0] << 24 | (int64_t)p->addr[1] << 16 |
		       (int64_t)p->addr[2] << 8 | p->addr[3];
	for (i = 0; i < 7; i++)
		k = k << 8 | p->addr[i];
	return (1LL << 62) + k;
}

static void write_events(const char *path, const struct ectx *c)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		die(path, NULL);
	for (i = 0; i < c->n; i++) {
		char ip[IP_PREFIX_STRLEN];

		ip_format_prefix(&c->ev[i].q.addr, ip);
		fprintf(f, "%s,%" PRId64 ",%u,%" PRId64 ",", ip, ipkey(&c->ev[i].q.addr),
			c->ev[i].q.port, c->ev[i].q.t);
		if (c->ev[i].sid)
			fprintf(f, "%016" PRIx64, c->ev[i].sid);
		fputc('\n', f);
	}
	fclose(f);
}

static double median3(const double *v)
{
	double a = v[0], b = v[1], c = v[2];

	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

/* 1 when answer (r, h) is the expected one for event e. */
static int right(const struct ev *e, enum sess_who_result r, const struct sess_hit *h)
{
	if (!e->sid)
		return r == SESS_NONE;
	return r == SESS_FOUND && strtoull(h->session_id, NULL, 16) == e->sid;
}

static int cmd_match(const char *idx, uint64_t n, uint64_t naddr, uint64_t seed, uint64_t nev,
		     int64_t skew, const char *csv)
{
	struct ectx c;
	struct sessdb *db;
	struct isp_err e;
	struct sess_query *q;
	enum sess_who_result *res;
	struct sess_hit *hits, h;
	double t0, t1, bt[3], med;
	int run;
	size_t i, wrong = 0, found = 0, expect = 0, disagree = 0;
	long rss_open;

	memset(&c, 0, sizeof(c));
	isp_err_clear(&e);
	t0 = now_s();
	if (sessdb_open(idx, &db, &e))
		die("sessdb_open", &e);
	t1 = now_s();
	rss_open = status_kb("VmRSS");
	printf("RESULT open_ms %.1f\n", (t1 - t0) * 1e3);
	printf("RESULT rss_open_kb %ld\n", rss_open);
	make_events(&c, n, naddr, seed, nev);
	if (csv)
		write_events(csv, &c);
	q = malloc(c.n * sizeof(*q));
	res = malloc(c.n * sizeof(*res));
	hits = malloc(c.n * sizeof(*hits));
	if (!q || !res || !hits)
		die("out of memory", NULL);
	for (i = 0; i < c.n; i++) {
		q[i] = c.ev[i].q;
		expect += c.ev[i].sid != 0;
	}
	/* batch, three times: the first also faults in the answer arrays (a service reuses
	 * them); the median is reported */
	for (run = 0; run < 3; run++) {
		t0 = now_s();
		if (sessdb_who_batch(db, q, c.n, skew, res, hits, &e))
			die("sessdb_who_batch", &e);
		t1 = now_s();
		bt[run] = t1 - t0;
		printf("RESULT batch_run%d_s %.4f\n", run, bt[run]);
	}
	med = median3(bt);
	printf("RESULT batch_s %.4f\n", med);
	printf("RESULT batch_per_s %.0f\n", (double)c.n / med);
	for (i = 0; i < c.n; i++) {
		if (!right(&c.ev[i], res[i], &hits[i]) && getenv("BENCH_DEBUG")) {
			char ip[IP_PREFIX_STRLEN];

			ip_format_prefix(&q[i].addr, ip);
			fprintf(stderr,
				"wrong: %s port %u t %lld expected %016llx got %d %s %lld-%lld "
				"d %lld\n",
				ip, q[i].port, (long long)q[i].t, (unsigned long long)c.ev[i].sid,
				res[i], res[i] == SESS_FOUND ? hits[i].session_id : "-",
				(long long)hits[i].start, (long long)hits[i].end,
				(long long)hits[i].distance);
		}
		wrong += !right(&c.ev[i], res[i], &hits[i]);
		found += res[i] == SESS_FOUND;
	}
	for (run = 0; run < 3; run++) {
		t0 = now_s();
		for (i = 0; i < c.n; i++) {
			enum sess_who_result r =
				sessdb_who(db, &q[i].addr, q[i].port, q[i].t, skew, &h);

			disagree += r != res[i] ||
				    (r == SESS_FOUND && h.session_id != hits[i].session_id);
		}
		t1 = now_s();
		bt[run] = t1 - t0;
	}
	med = median3(bt);
	printf("RESULT single_s %.4f\n", med);
	printf("RESULT single_per_s %.0f\n", (double)c.n / med);
	printf("RESULT events %zu\n", c.n);
	printf("RESULT expected_found %zu\n", expect);
	printf("RESULT found %zu\n", found);
	printf("RESULT wrong %zu\n", wrong);
	printf("RESULT disagree %zu\n", disagree);
	printf("RESULT rss_kb %ld\n", status_kb("VmRSS"));
	printf("RESULT peak_rss_kb %ld\n", status_kb("VmHWM"));
	sessdb_close(db);
	free(q);
	free(res);
	free(hits);
	free(c.ev);
	return wrong || disagree ? 1 : 0;
}

/* ---- export ---- */

static int on_export(void *ud, const struct sess_hit *iv)
{
	char ip[IP_PREFIX_STRLEN];

	ip_format_prefix(&iv->addr, ip);
	fprintf(ud, "%s,%" PRId64 ",%u,%u,%" PRId64 ",%" PRId64 ",%s,%s\n", ip, ipkey(&iv->addr),
		iv->port_lo, iv->port_hi, iv->start, iv->end ? iv->end : (int64_t)INT32_MAX,
		iv->user, iv->session_id);
	return 0;
}

static int cmd_export(const char *idx, const char *csv)
{
	struct sessdb *db;
	struct isp_err e;
	FILE *f = fopen(csv, "w");

	isp_err_clear(&e);
	if (!f)
		die(csv, NULL);
	if (sessdb_open(idx, &db, &e))
		die("sessdb_open", &e);
	sessdb_each(db, on_export, f);
	sessdb_close(db);
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "build") == 0)
		return cmd_build(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10),
				 strtoull(argv[5], NULL, 10));
	if ((argc == 8 || argc == 9) && strcmp(argv[1], "match") == 0)
		return cmd_match(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10),
				 strtoull(argv[5], NULL, 10), strtoull(argv[6], NULL, 10),
				 strtoll(argv[7], NULL, 10), argc == 9 ? argv[8] : NULL);
	if (argc == 4 && strcmp(argv[1], "export") == 0)
		return cmd_export(argv[2], argv[3]);
	fprintf(stderr, "usage: bench_sessmatch build IDX N NADDR SEED\n"
			"       bench_sessmatch match IDX N NADDR SEED NEVENTS SKEW [EVENTS_CSV]\n"
			"       bench_sessmatch export IDX CSV\n");
	return 2;
}
