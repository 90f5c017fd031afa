/*
 * test_snapshot.c -- the compiled snapshot: exact and wildcard semantics, most specific
 * match first, allow entries, several lists, URLs, longest-prefix IP matching, merging,
 * expiry; RPZ actions and local data per hit (merged across sources and lists); a
 * randomised comparison against a brute-force reference; and the safety
 * properties: a truncated, bit-flipped or foreign file is refused, and a reader keeps
 * its open snapshot while the file is replaced or a corrupt one is written over it; the
 * allowlist winning over every list (a wildcard allow over a list's more specific entry,
 * a prefix over the addresses inside it) and expiring by itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lists/allowlist.h"
#include "core/lists/snapshot.h"
#include "core/store/store.h"
#include "core/store/store_allow.h"
#include "core/store/store_lists.h"

struct fx {
	char dir[64], db[96], snap[96];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct isp_err e;

	snprintf(f->dir, sizeof(f->dir), "/tmp/ispsnapXXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/s.db", f->dir);
	snprintf(f->snap, sizeof(f->snap), "%s/s.snap", f->dir);
	isp_err_clear(&e);
	if (store_open(f->db, &f->st, &e) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Import values (prefix "!" = allow entry, "~" = already expired) into list/source. */
static void put(struct fx *f, const char *list, enum list_kind kind, const char *source,
		const char **values)
{
	struct store_list l;
	struct store_import *imp;
	struct store_import_result r;
	struct isp_err e;
	int dup;

	isp_err_clear(&e);
	assert_int_equal(store_list_get(f->st, list, kind, 1, &l, &e), 0);
	assert_int_equal(store_import_begin(f->st, &l, source, "t", &imp, &e), 0);
	for (; *values; values++) {
		struct store_entry en = { .value = *values };

		if (**values == '!') {
			en.value++;
			en.action = LIST_ALLOW;
		} else if (**values == '~') {
			en.value++;
			en.expires = 1;
		}
		assert_int_equal(store_import_add(imp, &en, &dup, &e), 0);
	}
	assert_int_equal(store_import_commit(imp, "plain", 0, 0, &r, &e), 0);
}

static struct snap *build_open(struct fx *f)
{
	struct snap_build_stats bs;
	struct snap *s = NULL;
	struct isp_err e;

	isp_err_clear(&e);
	assert_int_equal(snap_build(f->st, f->snap, 100, &bs, &e), 0);
	assert_int_equal(snap_open(f->snap, &s, &e), 0);
	return s;
}

static const char *dom(struct snap *s, const char *name, struct snap_result *r)
{
	static char buf[300];
	struct snap_list_info li;

	if (snap_lookup_domain(s, name, strlen(name), r) == 0)
		return "-";
	snap_list(s, r->hits[0].list, &li);
	snprintf(buf, sizeof(buf), "%s%s%.*s@%s", r->hits[0].allow ? "allow:" : "",
		 r->wildcard ? "*." : "", (int)r->keylen, r->key, li.name);
	return buf;
}

static void test_domain_semantics(void **state)
{
	struct fx *f = *state;
	struct snap_result r;
	struct snap *s;
	const char *c2[] = { "evil.example",	 "*.botnet.example",
			     "*.example.org",	 "!ok.example.org",
			     "*.deep.a.example", "x.deep.a.example",
			     "~gone.example",	 NULL };

	put(f, "c2", LIST_DOMAIN, "feed", c2);
	s = build_open(f);
	assert_string_equal(dom(s, "evil.example", &r), "evil.example@c2");
	assert_string_equal(dom(s, "www.evil.example", &r), "-"); /* exact only */
	assert_string_equal(dom(s, "botnet.example", &r), "-");	  /* *.x is not x */
	assert_string_equal(dom(s, "a.botnet.example", &r), "*.botnet.example@c2");
	assert_string_equal(dom(s, "a.b.c.botnet.example", &r), "*.botnet.example@c2");
	assert_string_equal(dom(s, "ok.example.org", &r), "allow:ok.example.org@c2");
	assert_string_equal(dom(s, "bad.example.org", &r), "*.example.org@c2");
	/* most specific wins: the exact x.deep.a.example over *.deep.a.example */
	assert_string_equal(dom(s, "x.deep.a.example", &r), "x.deep.a.example@c2");
	assert_int_equal(r.wildcard, 0);
	assert_string_equal(dom(s, "y.deep.a.example", &r), "*.deep.a.example@c2");
	assert_string_equal(dom(s, "gone.example", &r), "-"); /* expired */
	assert_string_equal(dom(s, "example", &r), "-");
	assert_string_equal(dom(s, "", &r), "-");
	snap_close(s);
}

/* Entries with an action and local data, for test_rpz_actions. */
struct aent {
	const char *value;
	enum list_action action;
	const char *data;
};

static void put_actions(struct fx *f, const char *list, enum list_kind kind, const char *source,
			const struct aent *v)
{
	struct store_list l;
	struct store_import *imp;
	struct store_import_result r;
	struct isp_err e;
	int dup;

	isp_err_clear(&e);
	assert_int_equal(store_list_get(f->st, list, kind, 1, &l, &e), 0);
	assert_int_equal(store_import_begin(f->st, &l, source, "t", &imp, &e), 0);
	for (; v->value; v++) {
		struct store_entry en = { .value = v->value, .action = v->action, .data = v->data };

		assert_int_equal(store_import_add(imp, &en, &dup, &e), 0);
	}
	assert_int_equal(store_import_commit(imp, "rpz", 0, 0, &r, &e), 0);
}

/* "action" of hit i, or "action:TYPE/RDLEN,..." for local data (its wire records). */
static const char *act(const struct snap *s, const struct snap_result *r, int i)
{
	static char buf[256];
	const uint8_t *d;
	size_t n, off = 0, o;

	if (i >= r->n)
		return "-";
	o = (size_t)snprintf(buf, sizeof(buf), "%s", list_action_name(r->hits[i].action));
	d = snap_hit_data(s, &r->hits[i], &n);
	if (r->hits[i].action == LIST_LOCAL)
		assert_non_null(d);
	else
		assert_null(d);
	while (d && off + 4 <= n && o < sizeof(buf) - 16) {
		unsigned t = (unsigned)(d[off] << 8 | d[off + 1]),
			 l = (unsigned)(d[off + 2] << 8 | d[off + 3]);

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%c%u/%u", off ? ',' : ':', t, l);
		off += 4 + l;
	}
	if (d)
		assert_int_equal(off, n); /* the records fill the data exactly */
	return buf;
}

static void test_rpz_actions(void **state)
{
	struct fx *f = *state;
	struct snap_result r;
	struct snap *s;
	uint8_t a4[4];
	const struct aent feed[] = {
		{ "nodata.example", LIST_NODATA, NULL },
		{ "*.nodata.example", LIST_LOCAL, "CNAME walled.example." },
		{ "drop.example", LIST_DROP, NULL },
		{ "tcp.example", LIST_TCP_ONLY, NULL },
		{ "local.example", LIST_LOCAL, "A 192.0.2.1\nAAAA 2001:db8::1\nTXT \"x y\"" },
		{ "both.example", LIST_LOCAL, "A 192.0.2.7" },
		{ "merge.example", LIST_BLOCK, NULL },
		{ "pass.example", LIST_LOCAL, "A 192.0.2.9" },
		{ "bad.example", LIST_LOCAL, "MX 10 x." }, /* not encodable: a plain block */
		{ "nodatafor.example", LIST_LOCAL, NULL },
		{ NULL, 0, NULL },
	};
	const struct aent feed2[] = {
		{ "merge.example", LIST_DROP, NULL }, /* stronger than block: wins */
		{ "pass.example", LIST_ALLOW, NULL }, /* passthru wins over all */
		{ NULL, 0, NULL },
	};
	const struct aent other[] = {
		{ "both.example", LIST_LOCAL, "TXT \"other list\"\nA 192.0.2.8" },
		{ NULL, 0, NULL },
	};
	const struct aent ips[] = {
		{ "192.0.2.0/24", LIST_LOCAL, "A 127.0.0.3" },
		{ "2001:db8::/32", LIST_NODATA, NULL },
		{ NULL, 0, NULL },
	};

	put_actions(f, "feed", LIST_DOMAIN, "a", feed);
	put_actions(f, "feed", LIST_DOMAIN, "b", feed2);
	put_actions(f, "other", LIST_DOMAIN, "a", other);
	put_actions(f, "ips", LIST_IP, "a", ips);
	s = build_open(f);

	assert_int_equal(snap_lookup_domain(s, "nodata.example", 14, &r), 1);
	assert_string_equal(act(s, &r, 0), "nodata"); /* exact: its own action */
	assert_int_equal(snap_lookup_domain(s, "a.nodata.example", 16, &r), 1);
	assert_string_equal(act(s, &r, 0), "local:5/16"); /* wildcard of the same key */
	assert_int_equal(snap_lookup_domain(s, "drop.example", 12, &r), 1);
	assert_string_equal(act(s, &r, 0), "drop");
	assert_int_equal(snap_lookup_domain(s, "tcp.example", 11, &r), 1);
	assert_string_equal(act(s, &r, 0), "tcp-only");
	assert_int_equal(snap_lookup_domain(s, "local.example", 13, &r), 1);
	assert_string_equal(act(s, &r, 0), "local:1/4,28/16,16/4");
	/* two lists, both local: the second hit's data is found past the first's */
	assert_int_equal(snap_lookup_domain(s, "both.example", 12, &r), 2);
	assert_string_equal(act(s, &r, 0), "local:1/4");
	assert_string_equal(act(s, &r, 1), "local:16/11,1/4");
	assert_int_equal(snap_lookup_domain(s, "merge.example", 13, &r), 1);
	assert_string_equal(act(s, &r, 0), "drop");
	assert_int_equal(snap_lookup_domain(s, "pass.example", 12, &r), 1);
	assert_int_equal(r.hits[0].allow, 1);
	assert_string_equal(act(s, &r, 0), "allow");
	assert_int_equal(snap_lookup_domain(s, "bad.example", 11, &r), 1);
	assert_string_equal(act(s, &r, 0), "block");
	assert_int_equal(snap_lookup_domain(s, "nodatafor.example", 17, &r), 1);
	assert_string_equal(act(s, &r, 0), "block");
	assert_int_equal(inet_pton(AF_INET, "192.0.2.77", a4), 1);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r), 1);
	assert_string_equal(act(s, &r, 0), "local:1/4");
	{
		uint8_t a6[16];

		assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", a6), 1);
		assert_int_equal(snap_lookup_ip(s, 6, a6, &r), 1);
		assert_string_equal(act(s, &r, 0), "nodata");
	}
	snap_close(s);
}

static void test_lists_merge_and_kinds(void **state)
{
	struct fx *f = *state;
	struct snap_result r;
	struct snap_list_info li;
	struct snap *s;
	const char *a[] = { "shared.example", "only-a.example", NULL };
	const char *b[] = { "shared.example", "*.shared.example", NULL };
	const char *urls[] = { "http://evil.example/payload.exe", NULL };
	const char *ips[] = { "192.0.2.0/24",	    "192.0.2.128/25", "198.51.100.7",
			      "2001:db8:abcd::/48", "!192.0.2.200",   NULL };
	uint8_t a4[16] = { 0 }, a6[16];
	unsigned i;

	put(f, "alpha", LIST_DOMAIN, "s1", a);
	put(f, "alpha", LIST_DOMAIN, "s2", a); /* same values, second source: merged */
	put(f, "beta", LIST_DOMAIN, "s1", b);
	put(f, "urls", LIST_URL, "s1", urls);
	put(f, "ips", LIST_IP, "s1", ips);
	s = build_open(f);
	assert_int_equal(snap_nlists(s), 4);
	assert_int_equal(snap_lookup_domain(s, "shared.example", 14, &r), 2);
	for (i = 0; i < 2; i++) {
		snap_list(s, r.hits[i].list, &li);
		assert_true(strcmp(li.name, "alpha") == 0 || strcmp(li.name, "beta") == 0);
	}
	assert_int_equal(snap_lookup_domain(s, "x.shared.example", 16, &r), 1);
	assert_int_equal(r.wildcard, 1);
	assert_int_equal(snap_lookup_url(s, urls[0], strlen(urls[0]), &r), 1);
	snap_list(s, r.hits[0].list, &li);
	assert_string_equal(li.name, "urls");
	assert_int_equal(li.kind, LIST_URL);
	assert_int_equal(snap_lookup_url(s, "http://evil.example/", 20, &r), 0);
	/* a URL key never matches as a domain and vice versa */
	assert_int_equal(snap_lookup_domain(s, urls[0], strlen(urls[0]), &r), 0);

	inet_pton(AF_INET, "192.0.2.5", a4);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r), 1);
	assert_int_equal(r.plen, 24);
	inet_pton(AF_INET, "192.0.2.130", a4);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r), 1);
	assert_int_equal(r.plen, 25); /* longest prefix */
	inet_pton(AF_INET, "192.0.2.200", a4);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r), 1);
	assert_int_equal(r.plen, 32);
	assert_int_equal(r.hits[0].allow, 1);
	inet_pton(AF_INET, "198.51.100.7", a4);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r), 1);
	inet_pton(AF_INET, "198.51.100.8", a4);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r), 0);
	inet_pton(AF_INET6, "2001:db8:abcd:1::5", a6);
	assert_int_equal(snap_lookup_ip(s, 6, a6, &r), 1);
	assert_int_equal(r.plen, 48);
	inet_pton(AF_INET6, "2001:db8:abce::5", a6);
	assert_int_equal(snap_lookup_ip(s, 6, a6, &r), 0);
	assert_int_equal(snap_lookup_ip(s, 5, a6, &r), 0);
	snap_close(s);
}

/* Random names and entries, checked against a brute-force reference. */
static int ref_match(char **ents, int n, const char *name)
{
	size_t ln = strlen(name);
	int i, best = -1;
	size_t bestlen = 0;

	for (i = 0; i < n; i++) {
		const char *e = ents[i];

		if (e[0] == '*') {
			size_t le = strlen(e + 2);

			if (ln > le + 1 && name[ln - le - 1] == '.' &&
			    strcmp(name + ln - le, e + 2) == 0 && le + 1 > bestlen) {
				best = i;
				bestlen = le + 1;
			}
		} else if (strcmp(e, name) == 0) {
			return i;
		}
	}
	return best;
}

static void random_name(char *out, unsigned *seed, int labels)
{
	static const char *parts[] = { "a", "b", "c", "evil", "cc", "x1", "bad-host", "q" };
	int i;

	out[0] = '\0';
	for (i = 0; i < labels; i++) {
		if (i)
			strcat(out, ".");
		strcat(out, parts[rand_r(seed) % 8]);
	}
}

static void test_random_vs_reference(void **state)
{
	struct fx *f = *state;
	enum { N = 300, Q = 20000 };
	char **ents = calloc(N + 1, sizeof(char *));
	struct snap_result r;
	struct snap *s;
	unsigned seed = 12345;
	char name[200];
	int i, n = 0, hits = 0;

	for (i = 0; i < N; i++) {
		char *e = malloc(220);

		random_name(name, &seed, 1 + (int)(rand_r(&seed) % 4));
		snprintf(e, 220, "%s%s", rand_r(&seed) % 3 == 0 ? "*." : "", name);
		if (ref_match(ents, n, e) >= 0 && strcmp(ents[ref_match(ents, n, e)], e) == 0) {
			free(e);
			continue; /* keep values unique */
		}
		ents[n++] = e;
	}
	ents[n] = NULL;
	put(f, "c2", LIST_DOMAIN, "feed", (const char **)ents);
	s = build_open(f);
	for (i = 0; i < Q; i++) {
		int want, got;

		random_name(name, &seed, 1 + (int)(rand_r(&seed) % 6));
		want = ref_match(ents, n, name);
		got = snap_lookup_domain(s, name, strlen(name), &r);
		if ((want >= 0) != (got > 0))
			fail_msg("%s: reference %s, snapshot %d", name,
				 want >= 0 ? ents[want] : "-", got);
		if (want >= 0) {
			char m[220];

			snprintf(m, sizeof(m), "%s%.*s", r.wildcard ? "*." : "", (int)r.keylen,
				 r.key);
			assert_string_equal(m, ents[want]);
			hits++;
		}
	}
	assert_true(hits > Q / 20); /* the test exercises matches, not only misses */
	snap_close(s);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

/* The batch lookup answers exactly as the single one, for every batch size, deep names
 * (past the batch's label limit) and empty names included. */
static void test_batch_matches_single(void **state)
{
	struct fx *f = *state;
	const char *c2[] = { "evil.example", "*.botnet.example", "*.a", "!ok.a",
			     "b.c",	     "*.q.x1",		 NULL };
	static char names[SNAP_BATCH_MAX][400];
	const char *ptrs[SNAP_BATCH_MAX];
	size_t lens[SNAP_BATCH_MAX];
	struct snap_result rb[SNAP_BATCH_MAX], r1;
	struct snap *s;
	unsigned seed = 99;
	int round, i, hits = 0;

	put(f, "c2", LIST_DOMAIN, "feed", c2);
	s = build_open(f);
	for (round = 0; round < 300; round++) {
		int count = 1 + round % SNAP_BATCH_MAX, matched, want = 0;

		for (i = 0; i < count; i++) {
			int labels = rand_r(&seed) % 10 == 0 ? 20 + (int)(rand_r(&seed) % 30)
							     : 1 + (int)(rand_r(&seed) % 5);

			random_name(names[i], &seed, labels);
			if (rand_r(&seed) % 4 == 0)
				strcat(names[i], rand_r(&seed) % 2 ? ".botnet.example" : ".a");
			if (rand_r(&seed) % 50 == 0)
				names[i][0] = '\0';
			ptrs[i] = names[i];
			lens[i] = strlen(names[i]);
		}
		matched = snap_lookup_domain_batch(s, ptrs, lens, (size_t)count, rb);
		for (i = 0; i < count; i++) {
			int n1 = snap_lookup_domain(s, ptrs[i], lens[i], &r1);

			assert_int_equal(rb[i].n, n1);
			want += n1 > 0;
			if (n1 > 0) {
				assert_int_equal(rb[i].keylen, r1.keylen);
				assert_memory_equal(rb[i].key, r1.key, r1.keylen);
				assert_int_equal(rb[i].wildcard, r1.wildcard);
				assert_int_equal(rb[i].hits[0].allow, r1.hits[0].allow);
			}
		}
		assert_int_equal(matched, want);
		hits += want;
	}
	assert_true(hits > 1000);
	snap_close(s);
}

static void copy_file(const char *from, const char *to, long truncate_at, long flip_at)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	long pos = 0;
	int c;

	assert_non_null(a);
	assert_non_null(b);
	while ((c = fgetc(a)) != EOF) {
		if (truncate_at >= 0 && pos == truncate_at)
			break;
		if (pos == flip_at)
			c ^= 0x10;
		fputc(c, b);
		pos++;
	}
	fclose(a);
	fclose(b);
}

static void test_corrupt_refused_old_kept(void **state)
{
	struct fx *f = *state;
	const char *c2[] = { "evil.example", NULL };
	const char *c2b[] = { "other.example", NULL };
	char bad[128];
	struct snap_result r;
	struct snap *s, *s2 = NULL;
	struct isp_err e;
	struct stat sb;

	put(f, "c2", LIST_DOMAIN, "feed", c2);
	s = build_open(f);
	assert_int_equal(stat(f->snap, &sb), 0);
	snprintf(bad, sizeof(bad), "%s/bad.snap", f->dir);

	copy_file(f->snap, bad, sb.st_size - 3, -1); /* truncated */
	isp_err_clear(&e);
	assert_int_equal(snap_open(bad, &s2, &e), ISR_ECORRUPT);
	assert_non_null(strstr(e.msg, "truncated"));
	copy_file(f->snap, bad, 10, -1); /* header cut */
	assert_int_equal(snap_open(bad, &s2, &e), ISR_ECORRUPT);
	copy_file(f->snap, bad, -1, sb.st_size - 2); /* a bit flipped */
	assert_int_equal(snap_open(bad, &s2, &e), ISR_ECORRUPT);
	assert_non_null(strstr(e.msg, "checksum"));
	copy_file(f->snap, bad, -1, 0); /* magic */
	assert_int_equal(snap_open(bad, &s2, &e), ISR_ECORRUPT);
	copy_file(f->snap, bad, -1, 8); /* version */
	assert_int_equal(snap_open(bad, &s2, &e), ISR_ECORRUPT);
	assert_non_null(strstr(e.msg, "version"));
	assert_int_equal(snap_open("/nonexistent.snap", &s2, &e), ISR_ENOTFOUND);
	assert_null(s2);

	/* A corrupt file renamed over the live one: the open reader is unaffected, and
	 * opening the new file fails -- the caller keeps the old snapshot. */
	assert_int_equal(rename(bad, f->snap), 0);
	assert_int_equal(snap_open(f->snap, &s2, &e), ISR_ECORRUPT);
	assert_int_equal(snap_lookup_domain(s, "evil.example", 12, &r), 1);

	/* A rebuild replaces the file atomically; the old mapping still answers old data. */
	put(f, "c2", LIST_DOMAIN, "feed", c2b);
	s2 = build_open(f);
	assert_int_equal(snap_lookup_domain(s2, "other.example", 13, &r), 1);
	assert_int_equal(snap_lookup_domain(s2, "evil.example", 12, &r), 0);
	assert_int_equal(snap_lookup_domain(s, "evil.example", 12, &r), 1);
	assert_true(snap_serial(s2) > snap_serial(s));
	snap_close(s);
	snap_close(s2);
}

static void test_empty_store(void **state)
{
	struct fx *f = *state;
	struct snap_result r;
	struct snap *s = build_open(f);
	uint8_t a[16] = { 0 };

	assert_int_equal(snap_nlists(s), 0);
	assert_int_equal(snap_lookup_domain(s, "a.example", 9, &r), 0);
	assert_int_equal(snap_lookup_url(s, "http://a/", 9, &r), 0);
	assert_int_equal(snap_lookup_ip(s, 4, a, &r), 0);
	snap_close(s);
}

/* Whether the services would block: a hit and no allow hit (dns/worker.c, proxy). */
static int blocks(const struct snap_result *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->hits[i].allow)
			return 0;
	return r->n > 0;
}

static void allow(struct fx *f, const char *value, enum list_kind kind, int64_t expires)
{
	struct store_allow a = { value, kind, "test", "unit", 50, expires };
	struct isp_err e;

	isp_err_clear(&e);
	assert_int_equal(store_allow_add(f->st, &a, NULL, &e), 0);
}

static void test_allowlist_wins(void **state)
{
	struct fx *f = *state;
	struct snap_result r;
	struct snap_list_info li;
	struct snap *s;
	const char *feed[] = { "bad.example.com", "*.sub.example.com", "example.com",
			       "*.org",		  "x.other.example",   NULL };
	const char *partner[] = { "bad.example.com", "good.example.org", NULL };
	const char *ips[] = { "192.0.2.5", "192.0.2.64/26", "192.0.0.0/16", "198.51.100.1", NULL };
	uint8_t a4[4];
	int i, seen_allowlist = 0;

	put(f, "feed", LIST_DOMAIN, "s1", feed);
	put(f, "partner", LIST_DOMAIN, "s1", partner);
	put(f, "ips", LIST_IP, "s1", ips);
	s = build_open(f);
	assert_int_equal(snap_lookup_domain(s, "bad.example.com", 15, &r), 2);
	assert_true(blocks(&r));
	snap_close(s);

	allow(f, "*.example.com", LIST_DOMAIN, 0);
	allow(f, "good.example.org", LIST_DOMAIN, 0);
	allow(f, "192.0.2.0/24", LIST_IP, 0);
	allow(f, "x.other.example", LIST_DOMAIN, 99); /* expired at the build's time 100 */
	s = build_open(f);
	/* the wildcard allow wins over both lists' more specific exact entry */
	assert_int_equal(snap_lookup_domain(s, "bad.example.com", 15, &r), 3);
	assert_false(blocks(&r));
	for (i = 0; i < r.n; i++) {
		snap_list(s, r.hits[i].list, &li);
		if (strcmp(li.name, SNAP_ALLOWLIST) == 0) {
			seen_allowlist = 1;
			assert_int_equal(li.kind, LIST_KIND_NONE);
			assert_int_equal(r.hits[i].allow, 1);
		}
	}
	assert_true(seen_allowlist);
	/* and over a more specific wildcard, at any depth */
	snap_lookup_domain(s, "a.b.sub.example.com", 19, &r);
	assert_false(blocks(&r));
	snap_lookup_domain(s, "unlisted.example.com", 20, &r);
	assert_false(blocks(&r));
	/* *.example.com does not cover example.com itself (RPZ semantics) */
	snap_lookup_domain(s, "example.com", 11, &r);
	assert_true(blocks(&r));
	/* an exact allow beats a less specific wildcard (*.org) and the same entry */
	snap_lookup_domain(s, "good.example.org", 16, &r);
	assert_false(blocks(&r));
	snap_lookup_domain(s, "bad.example.org", 15, &r);
	assert_true(blocks(&r));
	/* the expired allow no longer applies */
	snap_lookup_domain(s, "x.other.example", 15, &r);
	assert_true(blocks(&r));
	/* a prefix allow: addresses and longer prefixes inside it, not the /16 outside */
	inet_pton(AF_INET, "192.0.2.5", a4);
	assert_int_equal(snap_lookup_ip(s, 4, a4, &r) > 0, 1);
	assert_false(blocks(&r));
	inet_pton(AF_INET, "192.0.2.70", a4);
	snap_lookup_ip(s, 4, a4, &r);
	assert_false(blocks(&r));
	inet_pton(AF_INET, "192.0.3.1", a4);
	snap_lookup_ip(s, 4, a4, &r);
	assert_true(blocks(&r));
	inet_pton(AF_INET, "198.51.100.1", a4);
	snap_lookup_ip(s, 4, a4, &r);
	assert_true(blocks(&r));
	snap_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domain_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists_merge_and_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpz_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_vs_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_matches_single, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_refused_old_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowlist_wins, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
