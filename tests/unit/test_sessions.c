/*
 * test_sessions.c -- the sessions index: pairing RADIUS records (in any order, across
 * builds, repeated, with lost Starts), effective ends (open sessions cut by the next
 * holder or expiring after open_max, overlapping closed ones), IPv6 by delegated prefix,
 * leases and releases, CGNAT port blocks, skew and ambiguity; the batch agrees with the
 * single lookup on a random index; and the safety properties: a truncated, bit-flipped
 * or foreign file is refused, and a reader keeps its index while the file is replaced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sessions/sessions.h"

struct fx {
	char dir[64], path[96];
	struct sess_builder *b;
	struct sessdb *db;
	struct sess_build_stats st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ispsessXXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/sessions.idx", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sess_builder_free(f->b);
	sessdb_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Start a build on top of the open index (if any), with open_max. */
static void begin(struct fx *f, int64_t open_max)
{
	struct sess_opts o = { .open_max = open_max };
	struct isp_err e;

	isp_err_clear(&e);
	sess_builder_free(f->b);
	f->b = NULL;
	assert_int_equal(sess_builder_new(f->db, &o, &f->b, &e), 0);
}

/* Write the build, reopen the index. */
static void finish(struct fx *f)
{
	struct isp_err e;

	isp_err_clear(&e);
	assert_int_equal(sess_builder_write(f->b, f->path, &f->st, &e), 0);
	sess_builder_free(f->b);
	f->b = NULL;
	sessdb_close(f->db);
	f->db = NULL;
	assert_int_equal(sessdb_open(f->path, &f->db, &e), 0);
	assert_int_equal(sessdb_count(f->db), (size_t)f->st.intervals);
}

static struct ip_prefix pfx(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_parse_prefix(s, strlen(s), &p, NULL, NULL), 0);
	return p;
}

/* Add one record. addrs: space-separated prefixes ("" = none). */
static void add_full(struct fx *f, enum sess_op op, int64_t t, int64_t end, int64_t dur,
		     const char *user, const char *sid, const char *addrs, uint16_t lo, uint16_t hi)
{
	struct sess_record r;
	struct isp_err e;
	char buf[256], *tok, *save = NULL;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.time = t;
	r.end = end;
	r.duration = dur;
	r.user = user;
	r.session_id = sid;
	r.nas = "192.0.2.1";
	r.port_lo = lo;
	r.port_hi = hi;
	snprintf(buf, sizeof(buf), "%s", addrs);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		r.addr[r.naddr++] = pfx(tok);
	isp_err_clear(&e);
	if (sess_builder_add(f->b, &r, &e) != 0)
		fail_msg("sess_builder_add: %s", e.msg);
}

static void add(struct fx *f, enum sess_op op, int64_t t, const char *user, const char *sid,
		const char *addrs)
{
	add_full(f, op, t, 0, -1, user, sid, addrs, 0, 0);
}

/* "user@start-end" of the answer (end "open" when 0), "-" none, "?" ambiguous. */
static const char *who(struct fx *f, const char *ip, uint16_t port, int64_t t, int64_t skew,
		       struct sess_hit *h)
{
	static char buf[200];
	struct ip_prefix p = pfx(ip);
	enum sess_who_result r = sessdb_who(f->db, &p, port, t, skew, h);

	if (r == SESS_NONE)
		return "-";
	if (r == SESS_AMBIGUOUS)
		return "?";
	assert_int_equal(r, SESS_FOUND);
	if (h->end)
		snprintf(buf, sizeof(buf), "%s@%lld-%lld", h->user, (long long)h->start,
			 (long long)h->end);
	else
		snprintf(buf, sizeof(buf), "%s@%lld-open", h->user, (long long)h->start);
	return buf;
}

static void test_start_interim_stop(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1");
	add(f, SESS_INTERIM, 1300, "alice", "s1", "10.0.0.1");
	add(f, SESS_STOP, 1600, "alice", "s1", "10.0.0.1");
	finish(f);
	assert_int_equal(f->st.records, 3);
	assert_int_equal(f->st.intervals, 1);
	assert_int_equal(f->st.added, 1);
	assert_int_equal(f->st.open, 0);
	assert_string_equal(who(f, "10.0.0.1", 0, 999, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.1", 0, 1000, 0, &h), "alice@1000-1600");
	assert_int_equal(h.open, 0);
	assert_int_equal(h.last_seen, 1600);
	assert_string_equal(h.session_id, "s1");
	assert_string_equal(h.nas, "192.0.2.1");
	assert_int_equal(h.addr.family, 4);
	assert_int_equal(h.addr.len, 32);
	assert_int_equal(h.distance, 0);
	assert_string_equal(who(f, "10.0.0.1", 0, 1599, 0, &h), "alice@1000-1600");
	assert_string_equal(who(f, "10.0.0.1", 0, 1600, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.2", 0, 1200, 0, &h), "-");
}

static void test_stop_before_start(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add_full(f, SESS_STOP, 1600, 0, 600, "alice", "s1", "10.0.0.1", 0, 0);
	add_full(f, SESS_INTERIM, 1300, 0, 300, "alice", "s1", "10.0.0.1", 0, 0);
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1");
	/* a Stop without duration, then its Start */
	add(f, SESS_STOP, 5000, "bob", "s2", "10.0.0.2");
	add(f, SESS_START, 4000, "bob", "s2", "10.0.0.2");
	finish(f);
	assert_int_equal(f->st.intervals, 2);
	assert_string_equal(who(f, "10.0.0.1", 0, 1100, 0, &h), "alice@1000-1600");
	assert_string_equal(who(f, "10.0.0.2", 0, 4500, 0, &h), "bob@4000-5000");
}

static void test_across_builds_and_duplicates(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add(f, SESS_INTERIM, 1300, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1 2001:db8:1::/56"); /* again */
	finish(f);
	assert_int_equal(f->st.intervals, 2);
	assert_int_equal(f->st.duplicates, 1);
	assert_int_equal(f->st.open, 2);
	/* open: lasts open_max after the last Interim */
	assert_string_equal(who(f, "10.0.0.1", 0, 4000, 0, &h), "alice@1000-4900");
	assert_int_equal(h.open, 1);
	assert_string_equal(who(f, "10.0.0.1", 0, 5000, 0, &h), "-");

	/* build 2 on top: the Stop closes the session opened in build 1 */
	begin(f, 3600);
	add(f, SESS_STOP, 8000, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	finish(f);
	assert_int_equal(f->st.intervals, 2);
	assert_int_equal(f->st.added, 0);
	assert_int_equal(f->st.closed, 2);
	assert_int_equal(f->st.open, 0);
	assert_string_equal(who(f, "10.0.0.1", 0, 5000, 0, &h), "alice@1000-8000");
	assert_int_equal(h.open, 0);
	assert_string_equal(who(f, "2001:db8:1:ff::1", 0, 7999, 0, &h), "alice@1000-8000");

	/* build 3: every record of builds 1 and 2 again changes nothing */
	begin(f, 3600);
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add(f, SESS_INTERIM, 1300, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add(f, SESS_STOP, 8000, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add(f, SESS_STOP, 8000, "alice", "s1", ""); /* a Stop naming no address */
	finish(f);
	assert_int_equal(f->st.records, 4);
	assert_int_equal(f->st.duplicates, 4);
	assert_int_equal(f->st.added, 0);
	assert_int_equal(f->st.closed, 0);
	assert_int_equal(f->st.intervals, 2);
	assert_string_equal(who(f, "10.0.0.1", 0, 5000, 0, &h), "alice@1000-8000");

	/* an Interim of an unknown session without an address is an orphan */
	begin(f, 3600);
	add(f, SESS_INTERIM, 9000, "carol", "s9", "");
	finish(f);
	assert_int_equal(f->st.orphans, 1);
	assert_int_equal(f->st.intervals, 2);
}

static void test_lost_start(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add_full(f, SESS_INTERIM, 2000, 0, 500, "alice", "s1", "10.0.0.1", 0, 0);
	add_full(f, SESS_STOP, 3000, 0, 1500, "alice", "s1", "10.0.0.1", 0, 0);
	add_full(f, SESS_STOP, 6000, 0, 1000, "bob", "s2", "10.0.0.2", 0, 0);
	add(f, SESS_INTERIM, 7000, "carol", "s3", "10.0.0.3"); /* no duration: from itself */
	finish(f);
	assert_int_equal(f->st.intervals, 3);
	assert_string_equal(who(f, "10.0.0.1", 0, 1500, 0, &h), "alice@1500-3000");
	assert_string_equal(who(f, "10.0.0.2", 0, 5000, 0, &h), "bob@5000-6000");
	assert_string_equal(who(f, "10.0.0.3", 0, 7000, 0, &h), "carol@7000-10600");
	assert_int_equal(h.open, 1);
}

/* Add a record naming the NAS as a proxy forwards it: nas_ip / nas_id "" = absent. */
static void add_nas(struct fx *f, enum sess_op op, int64_t t, int64_t dur, const char *user,
		    const char *sid, const char *addr, const char *nas_ip, const char *nas_id)
{
	struct sess_record r;
	struct isp_err e;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.time = t;
	r.duration = dur;
	r.user = user;
	r.session_id = sid;
	r.nas_ip = nas_ip;
	r.nas_id = nas_id;
	r.nas = nas_ip[0] ? nas_ip : nas_id;
	if (addr[0])
		r.addr[r.naddr++] = pfx(addr);
	isp_err_clear(&e);
	if (sess_builder_add(f->b, &r, &e) != 0)
		fail_msg("sess_builder_add: %s", e.msg);
}

/* Behind a RADIUS proxy the Interim and Stop lack the NAS-IP-Address the Start had:
 * they still pair (in one build and across builds), and sessions of two NASes that
 * reuse one Acct-Session-Id stay apart by what their records do carry. */
static void test_nas_missing_after_start(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add_nas(f, SESS_START, 1000, -1, "alice", "s1", "10.0.0.1", "192.0.2.1", "bras1");
	add_nas(f, SESS_INTERIM, 1300, 300, "alice", "s1", "10.0.0.1", "", "bras1");
	add_nas(f, SESS_STOP, 1600, 600, "alice", "s1", "10.0.0.1", "", "");
	/* one Acct-Session-Id on three NASes */
	add_nas(f, SESS_START, 2000, -1, "bob", "1", "10.0.0.2", "192.0.2.1", "");
	add_nas(f, SESS_START, 2010, -1, "carol", "1", "10.0.0.3", "192.0.2.2", "");
	add_nas(f, SESS_START, 2020, -1, "dave", "1", "10.0.0.4", "", "bras3");
	add_nas(f, SESS_STOP, 2500, 490, "carol", "1", "10.0.0.3", "", "");	 /* carol's */
	add_nas(f, SESS_STOP, 2600, 580, "", "1", "10.0.0.4", "", "");		 /* dave's */
	add_nas(f, SESS_STOP, 2700, 0, "bob", "1", "10.0.0.2", "192.0.2.9", ""); /* not bob's */
	finish(f);
	assert_int_equal(f->st.records, 9);
	assert_int_equal(f->st.intervals, 5);
	assert_string_equal(who(f, "10.0.0.1", 0, 1599, 0, &h), "alice@1000-1600");
	assert_string_equal(h.nas, "192.0.2.1");
	assert_int_equal(h.open, 0);
	assert_string_equal(who(f, "10.0.0.1", 0, 1600, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.1", 0, 2000, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.3", 0, 2600, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.4", 0, 2599, 0, &h), "dave@2020-2600");
	assert_string_equal(h.nas, "bras3");
	assert_string_equal(who(f, "10.0.0.4", 0, 2600, 0, &h), "-");
	/* the Stop from another NAS left bob open (a session of its own, which cuts his) */
	assert_string_equal(who(f, "10.0.0.2", 0, 2650, 0, &h), "bob@2000-2700");
	assert_int_equal(h.open, 1);

	/* across builds: the Start in one, the Stop (NAS-Identifier only) in the next */
	begin(f, 3600);
	add_nas(f, SESS_START, 10000, -1, "erin", "e1", "10.0.1.1", "192.0.2.1", "bras1");
	finish(f);
	assert_string_equal(who(f, "10.0.1.1", 0, 12000, 0, &h), "erin@10000-13600");
	begin(f, 3600);
	add_nas(f, SESS_INTERIM, 10600, 600, "erin", "e1", "10.0.1.1", "", "bras1");
	add_nas(f, SESS_STOP, 11200, 1200, "erin", "e1", "10.0.1.1", "", "bras1");
	finish(f);
	assert_int_equal(f->st.closed, 1);
	assert_int_equal(f->st.added, 0);
	assert_string_equal(who(f, "10.0.1.1", 0, 11199, 0, &h), "erin@10000-11200");
	assert_string_equal(h.nas, "192.0.2.1");
	assert_string_equal(who(f, "10.0.1.1", 0, 11200, 0, &h), "-");
	/* every record again: nothing changes */
	begin(f, 3600);
	add_nas(f, SESS_START, 10000, -1, "erin", "e1", "10.0.1.1", "192.0.2.1", "bras1");
	add_nas(f, SESS_INTERIM, 10600, 600, "erin", "e1", "10.0.1.1", "", "bras1");
	add_nas(f, SESS_STOP, 11200, 1200, "erin", "e1", "10.0.1.1", "", "bras1");
	finish(f);
	assert_int_equal(f->st.duplicates, 3);
	assert_int_equal(f->st.added, 0);
	assert_string_equal(who(f, "10.0.1.1", 0, 11200, 0, &h), "-");
}

static void test_cut_and_expiry(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 600);
	/* open session cut by the next holder */
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1");
	add(f, SESS_INTERIM, 1500, "alice", "s1", "10.0.0.1");
	add(f, SESS_START, 1800, "bob", "s2", "10.0.0.1");
	add(f, SESS_STOP, 2500, "bob", "s2", "10.0.0.1");
	/* open session expiring open_max after its last Interim */
	add(f, SESS_START, 1000, "carol", "s3", "10.0.0.2");
	add(f, SESS_INTERIM, 1500, "carol", "s3", "10.0.0.2");
	/* closed interval overlapping the next holder's */
	add(f, SESS_START, 1000, "dave", "s4", "10.0.0.3");
	add(f, SESS_STOP, 3000, "dave", "s4", "10.0.0.3");
	add(f, SESS_START, 2000, "erin", "s5", "10.0.0.3");
	finish(f);
	assert_string_equal(who(f, "10.0.0.1", 0, 1700, 0, &h), "alice@1000-1800");
	assert_int_equal(h.open, 1);
	assert_string_equal(who(f, "10.0.0.1", 0, 1800, 0, &h), "bob@1800-2500");
	assert_string_equal(who(f, "10.0.0.2", 0, 2099, 0, &h), "carol@1000-2100");
	assert_string_equal(who(f, "10.0.0.2", 0, 2100, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.3", 0, 1999, 0, &h), "dave@1000-2000");
	assert_string_equal(who(f, "10.0.0.3", 0, 2500, 0, &h), "erin@2000-2600");
	assert_int_equal(f->st.open, 3); /* alice, carol, erin: no Stop */

	/* open_max 0: an open session without a next holder stays open (end 0) */
	begin(f, 0);
	add(f, SESS_START, 5000, "frank", "s6", "10.0.0.4");
	finish(f);
	assert_string_equal(who(f, "10.0.0.4", 0, 900000, 0, &h), "frank@5000-open");
	assert_int_equal(sessdb_opts(f->db)->open_max, 0);
}

static void test_ipv6_prefixes(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;
	char buf[IP_PREFIX_STRLEN];

	begin(f, 3600);
	add(f, SESS_START, 1000, "alice", "s1", "100.64.0.1 2001:db8:100::/56");
	add(f, SESS_STOP, 2000, "alice", "s1", "100.64.0.1 2001:db8:100::/56");
	/* two prefix lengths: a /48 and a /64 inside it, different subscribers */
	add(f, SESS_START, 1000, "bob", "s2", "2001:db8:200::/48");
	add(f, SESS_START, 1000, "carol", "s3", "2001:db8:200:5::/64");
	finish(f);
	assert_int_equal(f->st.intervals, 4);
	assert_string_equal(who(f, "2001:db8:100:ab::1", 0, 1500, 0, &h), "alice@1000-2000");
	assert_int_equal(h.addr.family, 6);
	assert_int_equal(h.addr.len, 56);
	ip_format_prefix(&h.addr, buf);
	assert_string_equal(buf, "2001:db8:100::/56");
	assert_string_equal(who(f, "2001:db8:101::1", 0, 1500, 0, &h), "-");
	assert_string_equal(who(f, "100.64.0.1", 0, 1500, 0, &h), "alice@1000-2000");
	assert_string_equal(who(f, "2001:db8:200:5::77", 0, 1500, 0, &h), "carol@1000-4600");
	assert_int_equal(h.addr.len, 64);
	assert_string_equal(who(f, "2001:db8:200:6::77", 0, 1500, 0, &h), "bob@1000-4600");
	assert_int_equal(h.addr.len, 48);
	/* the /64 has nobody at 900: the /48 has nobody either */
	assert_string_equal(who(f, "2001:db8:200:5::77", 0, 900, 0, &h), "-");
}

static void test_leases(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add_full(f, SESS_LEASE, 1000, 4600, -1, "circuit-1", "aa:bb", "10.1.1.1", 0, 0);
	/* a renewal extends the lease it continues */
	add_full(f, SESS_LEASE, 3000, 6600, -1, "circuit-1", "aa:bb", "10.1.1.1", 0, 0);
	/* Kea release: valid_lifetime 0 at 5000 ends it there */
	add_full(f, SESS_RELEASE, 5000, 0, -1, "", "aa:bb", "10.1.1.1", 0, 0);
	/* a release at the lease's own start (Kea's cltt) keeps the expiry */
	add_full(f, SESS_LEASE, 1000, 4600, -1, "circuit-2", "cc:dd", "10.1.1.2", 0, 0);
	add_full(f, SESS_RELEASE, 1000, 0, -1, "", "cc:dd", "10.1.1.2", 0, 0);
	/* a release of a lease nobody knows */
	add_full(f, SESS_RELEASE, 1000, 0, -1, "", "ee:ff", "10.1.1.3", 0, 0);
	/* an open lease (radacct without stop time), then the same with its end */
	add_full(f, SESS_LEASE, 1000, 0, -1, "circuit-4", "11:22", "10.1.1.4", 0, 0);
	add_full(f, SESS_LEASE, 1000, 2000, -1, "circuit-4", "11:22", "10.1.1.4", 0, 0);
	add_full(f, SESS_LEASE, 1000, 0, -1, "circuit-4", "11:22", "10.1.1.4", 0, 0);
	finish(f);
	assert_int_equal(f->st.intervals, 3);
	assert_int_equal(f->st.orphans, 1);
	assert_int_equal(f->st.duplicates, 2);
	assert_string_equal(who(f, "10.1.1.1", 0, 4800, 0, &h), "circuit-1@1000-5000");
	assert_string_equal(h.session_id, "aa:bb");
	assert_string_equal(who(f, "10.1.1.1", 0, 5000, 0, &h), "-");
	assert_string_equal(who(f, "10.1.1.2", 0, 4500, 0, &h), "circuit-2@1000-4600");
	assert_string_equal(who(f, "10.1.1.4", 0, 1999, 0, &h), "circuit-4@1000-2000");
	assert_int_equal(h.open, 0);

	/* the same leases again on top: nothing changes */
	begin(f, 3600);
	add_full(f, SESS_LEASE, 1000, 4600, -1, "circuit-1", "aa:bb", "10.1.1.1", 0, 0);
	add_full(f, SESS_LEASE, 3000, 6600, -1, "circuit-1", "aa:bb", "10.1.1.1", 0, 0);
	finish(f);
	assert_int_equal(f->st.intervals, 3);
}

static void test_cgnat_ports(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add_full(f, SESS_START, 1000, 0, -1, "alice", "s1", "100.64.1.1", 1024, 2047);
	add_full(f, SESS_STOP, 5000, 0, -1, "alice", "s1", "100.64.1.1", 1024, 2047);
	add_full(f, SESS_START, 1000, 0, -1, "bob", "s2", "100.64.1.1", 2048, 3071);
	add_full(f, SESS_STOP, 5000, 0, -1, "bob", "s2", "100.64.1.1", 2048, 3071);
	/* the next holder of alice's block only cuts alice's */
	add_full(f, SESS_START, 3000, 0, -1, "carol", "s3", "100.64.1.1", 1024, 2047);
	finish(f);
	assert_string_equal(who(f, "100.64.1.1", 1500, 2000, 0, &h), "alice@1000-3000");
	assert_int_equal(h.port_lo, 1024);
	assert_int_equal(h.port_hi, 2047);
	assert_string_equal(who(f, "100.64.1.1", 2500, 2000, 0, &h), "bob@1000-5000");
	assert_string_equal(who(f, "100.64.1.1", 2500, 4000, 0, &h), "bob@1000-5000");
	assert_string_equal(who(f, "100.64.1.1", 1500, 4000, 0, &h), "carol@3000-6600");
	assert_string_equal(who(f, "100.64.1.1", 0, 2000, 0, &h), "?"); /* port unknown */
	assert_string_equal(who(f, "100.64.1.1", 5000, 2000, 0, &h), "-");
}

static void test_skew(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;

	begin(f, 3600);
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1");
	add(f, SESS_STOP, 2000, "alice", "s1", "10.0.0.1");
	add(f, SESS_START, 2010, "bob", "s2", "10.0.0.1");
	add(f, SESS_STOP, 3000, "bob", "s2", "10.0.0.1");
	/* the same subscriber twice, a gap between */
	add(f, SESS_START, 1000, "carol", "s3", "10.0.0.2");
	add(f, SESS_STOP, 2000, "carol", "s3", "10.0.0.2");
	add(f, SESS_START, 2010, "carol", "s4", "10.0.0.2");
	finish(f);
	assert_string_equal(who(f, "10.0.0.1", 0, 995, 0, &h), "-");
	assert_string_equal(who(f, "10.0.0.1", 0, 995, 10, &h), "alice@1000-2000");
	assert_int_equal(h.distance, 5);
	/* 2005: alice ended 6 s before (last second 1999), bob starts 5 s after */
	assert_string_equal(who(f, "10.0.0.1", 0, 2005, 10, &h), "?");
	assert_string_equal(who(f, "10.0.0.1", 0, 2005, 5, &h), "bob@2010-3000");
	assert_int_equal(h.distance, 5);
	assert_string_equal(who(f, "10.0.0.1", 0, 2005, 4, &h), "-");
	/* inside wins over another subscriber within skew */
	assert_string_equal(who(f, "10.0.0.1", 0, 1999, 60, &h), "alice@1000-2000");
	assert_int_equal(h.distance, 0);
	/* the same subscriber on both sides: not ambiguous */
	assert_string_equal(who(f, "10.0.0.2", 0, 2005, 10, &h), "carol@2010-5610");
}

/* ---- batch against single, on a random index ---- */

static uint64_t rs = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static void test_batch_matches_single(void **state)
{
	struct fx *f = *state;
	enum { NQ = 20000 };
	struct sess_query *q = calloc(NQ, sizeof(*q));
	enum sess_who_result *res = calloc(NQ, sizeof(*res));
	struct sess_hit *hits = calloc(NQ, sizeof(*hits)), h;
	static const enum sess_op ops[] = { SESS_START, SESS_INTERIM, SESS_STOP, SESS_LEASE };
	struct isp_err e;
	char a[64], user[16], sid[16];
	int i, found = 0, amb = 0, skew;

	begin(f, 900);
	for (i = 0; i < 6000; i++) {
		unsigned ip = (unsigned)(rnd() % 300);
		int s = (int)(rnd() % 2500), v6 = rnd() % 5 == 0, cg = rnd() % 7 == 0;
		uint16_t lo = 0, hi = 0;

		if (v6)
			snprintf(a, sizeof(a), "2001:db8:%x:%x00::/%d", ip, (unsigned)(rnd() % 4),
				 rnd() % 2 ? 56 : 64);
		else
			snprintf(a, sizeof(a), "10.0.%u.%u", ip / 256, ip % 256);
		if (cg && !v6) {
			lo = (uint16_t)(1024 + (rnd() % 8) * 1024);
			hi = (uint16_t)(lo + 1023);
		}
		snprintf(user, sizeof(user), "u%u", (unsigned)(rnd() % 40));
		snprintf(sid, sizeof(sid), "s%d", s);
		add_full(f, ops[rnd() % 4], 100000 + (int64_t)(rnd() % 200000),
			 100000 + (int64_t)(rnd() % 300000), (int64_t)(rnd() % 3000) - 1, user, sid,
			 a, lo, hi);
	}
	finish(f);
	for (skew = 0; skew <= 120; skew += 120) {
		for (i = 0; i < NQ; i++) {
			unsigned ip = (unsigned)(rnd() % 320);

			if (rnd() % 5 == 0)
				snprintf(a, sizeof(a), "2001:db8:%x:%x%02x::%x", ip,
					 (unsigned)(rnd() % 4), (unsigned)(rnd() % 256),
					 (unsigned)(rnd() & 0xffff));
			else
				snprintf(a, sizeof(a), "10.0.%u.%u", ip / 256, ip % 256);
			q[i].addr = pfx(a);
			q[i].port = rnd() % 3 ? 0 : (uint16_t)(rnd() % 10000);
			q[i].t = 90000 + (int64_t)(rnd() % 420000);
		}
		isp_err_clear(&e);
		assert_int_equal(sessdb_who_batch(f->db, q, NQ, skew, res, hits, &e), 0);
		for (i = 0; i < NQ; i++) {
			enum sess_who_result r1 =
				sessdb_who(f->db, &q[i].addr, q[i].port, q[i].t, skew, &h);

			assert_int_equal(res[i], r1);
			if (r1 != SESS_FOUND)
				continue;
			found++;
			assert_int_equal(hits[i].start, h.start);
			assert_int_equal(hits[i].end, h.end);
			assert_int_equal(hits[i].distance, h.distance);
			assert_ptr_equal(hits[i].user, h.user);
			assert_memory_equal(&hits[i].addr, &h.addr, sizeof(h.addr));
			/* the answer is right about itself */
			assert_true(h.distance <= skew);
			if (h.distance == 0)
				assert_true(h.start <= q[i].t && (h.end == 0 || q[i].t < h.end));
		}
		for (i = 0; i < NQ; i++)
			amb += res[i] == SESS_AMBIGUOUS;
	}
	assert_true(found > 1000);
	assert_true(amb > 0);
	free(q);
	free(res);
	free(hits);
}

/* ---- the file ---- */

static int count_iv(void *ud, const struct sess_hit *iv)
{
	(void)iv;
	(*(long *)ud)++;
	return 0;
}

static void write_file(const char *path, const unsigned char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

static void test_corrupt_refused_reader_kept(void **state)
{
	struct fx *f = *state;
	struct sessdb *db2 = NULL;
	struct sess_hit h;
	struct isp_err e;
	unsigned char *buf;
	char bad[128];
	struct stat sb;
	size_t n, i;
	FILE *fp;
	long cnt = 0;

	begin(f, 3600);
	add(f, SESS_START, 1000, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add(f, SESS_STOP, 2000, "alice", "s1", "10.0.0.1 2001:db8:1::/56");
	add_full(f, SESS_LEASE, 1000, 4600, -1, "circuit-1", "aa:bb", "10.1.1.1", 0, 0);
	finish(f);
	assert_int_equal(sessdb_each(f->db, count_iv, &cnt), 0);
	assert_int_equal(cnt, 3);

	assert_int_equal(stat(f->path, &sb), 0);
	n = (size_t)sb.st_size;
	buf = malloc(n);
	fp = fopen(f->path, "rb");
	assert_int_equal(fread(buf, 1, n, fp), n);
	fclose(fp);
	snprintf(bad, sizeof(bad), "%s/bad.idx", f->dir);
	isp_err_clear(&e);
	assert_int_equal(sessdb_open(bad, &db2, &e), ISR_ENOTFOUND);
	/* truncated anywhere */
	for (i = 0; i < n; i += 7) {
		write_file(bad, buf, i);
		assert_int_equal(sessdb_open(bad, &db2, &e), ISR_ECORRUPT);
	}
	/* one bit flipped anywhere */
	for (i = 0; i < n; i++) {
		buf[i] ^= (unsigned char)(1u << (i % 8));
		write_file(bad, buf, n);
		assert_int_equal(sessdb_open(bad, &db2, &e), ISR_ECORRUPT);
		buf[i] ^= (unsigned char)(1u << (i % 8));
	}
	/* a foreign file */
	write_file(bad, (const unsigned char *)"ISPSNAP\x1a not a sessions index at all...", 40);
	assert_int_equal(sessdb_open(bad, &db2, &e), ISR_ECORRUPT);
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)rnd();
	write_file(bad, buf, n);
	assert_int_equal(sessdb_open(bad, &db2, &e), ISR_ECORRUPT);
	free(buf);

	/* a reader keeps its index while a new one is renamed over the file */
	db2 = f->db;
	f->db = NULL;
	begin(f, 3600);
	add(f, SESS_START, 1000, "bob", "s9", "10.0.0.9");
	finish(f);
	assert_string_equal(who(f, "10.0.0.9", 0, 1500, 0, &h), "bob@1000-4600");
	assert_string_equal(who(f, "10.0.0.1", 0, 1500, 0, &h), "-");
	{
		struct ip_prefix p = pfx("10.0.0.1");

		assert_int_equal(sessdb_who(db2, &p, 0, 1500, 0, &h), SESS_FOUND);
		assert_string_equal(h.user, "alice");
	}
	/* and a corrupt file written over it is refused; the open readers go on */
	sessdb_close(f->db);
	f->db = NULL;
	write_file(f->path, (const unsigned char *)"garbage", 7);
	assert_int_equal(sessdb_open(f->path, &f->db, &e), ISR_ECORRUPT);
	assert_null(f->db);
	{
		struct ip_prefix p = pfx("10.0.0.1");

		assert_int_equal(sessdb_who(db2, &p, 0, 1500, 0, &h), SESS_FOUND);
	}
	sessdb_close(db2);
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	struct sess_hit h;
	struct sess_query q = { .t = 5 };
	enum sess_who_result r = SESS_FOUND;
	struct isp_err e;

	begin(f, 3600);
	finish(f);
	assert_int_equal(sessdb_count(f->db), 0);
	assert_string_equal(who(f, "10.0.0.1", 0, 1000, 100, &h), "-");
	assert_string_equal(who(f, "2001:db8::1", 0, 1000, 100, &h), "-");
	q.addr = pfx("10.0.0.1");
	isp_err_clear(&e);
	assert_int_equal(sessdb_who_batch(f->db, &q, 1, 0, &r, &h, &e), 0);
	assert_int_equal(r, SESS_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_interim_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_before_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_across_builds_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nas_missing_after_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgnat_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_matches_single, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_refused_reader_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
