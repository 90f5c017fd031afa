/*
 * test_served.c -- what the DNS service and the proxy load (core/service/served): the
 * per-list policy looked up by name into the snapshot's list indexes, the profile masks,
 * the opt-out file version 2 (opt-out and profile lines, FILE:LINE on a bad one, a
 * version-1 file still read), and served_hit, the one rule both services apply to a
 * lookup's hits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/service/config.h"
#include "core/service/served.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

struct fx {
	char dir[64], db[96], snap[96], opt[96], page[96];
	struct store *st;
};

/* Import the values (one import: the source's whole content; "!" = an allow entry). */
static void put(struct fx *f, const char *list, const char *v1, const char *v2)
{
	const char *v[2] = { v1, v2 };
	struct store_list l;
	struct store_import *imp;
	struct store_import_result r;
	struct isp_err e;
	int dup, i;

	isp_err_clear(&e);
	assert_int_equal(store_list_get(f->st, list, LIST_DOMAIN, 1, &l, &e), 0);
	assert_int_equal(store_import_begin(f->st, &l, "src", "t", &imp, &e), 0);
	for (i = 0; i < 2 && v[i]; i++) {
		struct store_entry en = { .value = v[i] + (v[i][0] == '!') };

		en.action = v[i][0] == '!' ? LIST_ALLOW : LIST_BLOCK;
		assert_int_equal(store_import_add(imp, &en, &dup, &e), 0);
	}
	assert_int_equal(store_import_commit(imp, "plain", 0, 0, &r, &e), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct snap_build_stats bs;
	struct isp_err e;

	snprintf(f->dir, sizeof(f->dir), "/tmp/ispservedXXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/s.db", f->dir);
	snprintf(f->snap, sizeof(f->snap), "%s/s.snap", f->dir);
	snprintf(f->opt, sizeof(f->opt), "%s/optout.txt", f->dir);
	snprintf(f->page, sizeof(f->page), "%s/page.html", f->dir);
	isp_err_clear(&e);
	if (store_open(f->db, &f->st, &e) != 0)
		return -1;
	/* the same name in three lists, one entry allowed by a fourth */
	put(f, "c2", "both.example", NULL);
	put(f, "trial", "both.example", "trial-only.example");
	put(f, "dga", "both.example", "allowed.example");
	put(f, "fp", "!allowed.example", NULL);
	if (snap_build(f->st, f->snap, 100, &bs, &e) != 0)
		return -1;
	write_file(f->page, "<p>{{list}}</p>\n");
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

static void config(struct isp_config *c, const struct fx *f)
{
	struct isp_err e;
	char v[128];

	config_defaults(c);
	isp_err_clear(&e);
	assert_int_equal(config_set(c, "list.trial.action", "log-only", &e), 0);
	assert_int_equal(config_set(c, "list.dga.action", "refused", &e), 0);
	assert_int_equal(config_set(c, "list.dga.events", "off", &e), 0);
	assert_int_equal(config_set(c, "list.dga.ede-text", "go away", &e), 0);
	snprintf(v, sizeof(v), "%s", f->page);
	assert_int_equal(config_set(c, "list.c2.page", v, &e), 0);
	assert_int_equal(config_set(c, "profile.dga-only.lists", "dga", &e), 0);
	assert_int_equal(config_set(c, "profile.trial-only.lists", "trial, nope", &e), 0);
}

static int list_index(const struct served *s, const char *name)
{
	struct snap_list_info li;
	unsigned i;

	for (i = 0; i < s->nlists; i++) {
		snap_list(s->snap, i, &li);
		if (strcmp(li.name, name) == 0)
			return (int)i;
	}
	return -1;
}

static struct sockaddr_in sa4(const char *a)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

/* The list name of the hit served_hit picks for name and profile, or "-". */
static const char *pick(const struct served *s, const char *name, int profile, int *action)
{
	static char buf[64];
	struct snap_result r;
	struct snap_list_info li;
	int hit = -1;

	*action = -2;
	if (snap_lookup_domain(s->snap, name, strlen(name), &r) == 0)
		return "-";
	*action = served_hit(s, &r, profile, &hit);
	if (*action < 0)
		return "-";
	snap_list(s->snap, r.hits[hit].list, &li);
	snprintf(buf, sizeof(buf), "%s", li.name);
	return buf;
}

static void test_policy_and_profiles(void **state)
{
	struct fx *f = *state;
	struct isp_config c;
	struct served *s = NULL;
	struct served_names *nm = calloc(1, sizeof(*nm));
	struct isp_err e;
	struct sockaddr_in a;
	int i, act, dga_only, trial_only;

	assert_non_null(nm);
	config(&c, f);
	write_file(f->opt, "# ispshield opt-out v2\n192.0.2.1\t# old style opt-out\n"
			   "profile=dga-only\t192.0.2.5\t# kid\n"
			   "  profile=trial-only 198.51.100.0/24 # a prefix\n"
			   "profile=none 192.0.2.9\n"
			   "profile=unknown 192.0.2.7\n\n");
	isp_err_clear(&e);
	assert_int_equal(served_load(f->snap, f->opt, &c, nm, &s, &e), 0);
	assert_int_equal(s->nlists, 4);
	i = list_index(s, "trial");
	assert_true(i >= 0);
	assert_int_equal(s->lists[i].action, LIST_ACTION_LOG_ONLY);
	assert_int_equal(s->lists[i].events, 1);
	assert_null(s->lists[i].page);
	i = list_index(s, "dga");
	assert_int_equal(s->lists[i].action, LIST_ACTION_REFUSED);
	assert_int_equal(s->lists[i].events, 0);
	assert_string_equal(s->lists[i].ede_text, "go away");
	i = list_index(s, "c2");
	assert_int_equal(s->lists[i].action, LIST_ACTION_DEFAULT);
	assert_string_equal(s->lists[i].page, "<p>{{list}}</p>\n");
	assert_int_equal(atomic_load(&nm->n), 4);
	assert_string_equal(nm->name[s->lists[i].slot], "c2");

	/* the opt-out file: old-style and profile=none lines opt out; profiles by prefix */
	a = sa4("192.0.2.1");
	assert_true(prefixset_contains_sa(s->optout, (struct sockaddr *)&a));
	a = sa4("192.0.2.9");
	assert_true(prefixset_contains_sa(s->optout, (struct sockaddr *)&a));
	a = sa4("192.0.2.5");
	assert_false(prefixset_contains_sa(s->optout, (struct sockaddr *)&a));
	dga_only = served_client_profile(s, (struct sockaddr *)&a);
	assert_int_equal(dga_only, 0);
	a = sa4("198.51.100.77");
	trial_only = served_client_profile(s, (struct sockaddr *)&a);
	assert_int_equal(trial_only, 1);
	a = sa4("192.0.2.7"); /* a profile the configuration lacks: every list */
	assert_int_equal(served_client_profile(s, (struct sockaddr *)&a), -1);
	assert_false(prefixset_contains_sa(s->optout, (struct sockaddr *)&a));

	/* served_hit: the first hit that is not log-only decides; allow wins */
	assert_string_not_equal(pick(s, "both.example", -1, &act), "trial");
	assert_string_not_equal(pick(s, "both.example", -1, &act), "-");
	assert_true(act != LIST_ACTION_LOG_ONLY);
	assert_string_equal(pick(s, "trial-only.example", -1, &act), "trial");
	assert_int_equal(act, LIST_ACTION_LOG_ONLY);
	assert_string_equal(pick(s, "allowed.example", -1, &act), "-");
	assert_string_equal(pick(s, "nothing.example", -1, &act), "-");
	/* profiles: only their lists count */
	assert_string_equal(pick(s, "both.example", dga_only, &act), "dga");
	assert_int_equal(act, LIST_ACTION_REFUSED);
	assert_string_equal(pick(s, "trial-only.example", dga_only, &act), "-");
	assert_string_equal(pick(s, "both.example", trial_only, &act), "trial");
	assert_int_equal(act, LIST_ACTION_LOG_ONLY);
	assert_string_equal(pick(s, "allowed.example", trial_only, &act), "-");
	served_free(s);

	/* a second load keeps every list's counter slot */
	s = NULL;
	assert_int_equal(served_load(f->snap, f->opt, &c, nm, &s, &e), 0);
	assert_int_equal(atomic_load(&nm->n), 4);
	served_free(s);
	free(nm);
}

static void test_bad_files(void **state)
{
	struct fx *f = *state;
	struct isp_config c;
	struct served *s = NULL;
	struct isp_err e;

	config(&c, f);
	write_file(f->opt, "192.0.2.1\nprofile=dga-only\n");
	isp_err_clear(&e);
	assert_int_equal(served_load(f->snap, f->opt, &c, NULL, &s, &e), ISR_EINVAL);
	assert_null(s);
	assert_int_equal(e.line, 2);
	write_file(f->opt, "192.0.2.1\n\nprofile=dga-only not-an-address\n");
	isp_err_clear(&e);
	assert_int_equal(served_load(f->snap, f->opt, &c, NULL, &s, &e), ISR_EINVAL);
	assert_int_equal(e.line, 3);
	/* a page template that cannot be read fails the load */
	write_file(f->opt, "192.0.2.1\n");
	unlink(f->page);
	isp_err_clear(&e);
	assert_int_not_equal(served_load(f->snap, f->opt, &c, NULL, &s, &e), 0);
	assert_non_null(strstr(e.msg, "page.html"));
	assert_null(s);
	write_file(f->page, "<p>{{list}}</p>\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_and_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
