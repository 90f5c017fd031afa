/*
 * test_sync.c -- unit tests of signed list feeds: Ed25519 sign/verify round trip through
 * the key files (sync/sign.c), the manifest parser's acceptance and its line-numbered
 * rejections (core/lists/manifest.c), and sync-state.json keeping other URLs' objects
 * (sync/state.c). Files go to a fresh folder under /tmp.
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

#include "sync/sync.h"

static char dir[64];

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void test_sign_verify_round_trip(void **state)
{
	char pub[128], sec[128], pub2[128], sec2[128], sig[SYNC_SIG_HEX];
	uint8_t pk[SYNC_PK_LEN], sk[SYNC_SK_LEN], pk2[SYNC_PK_LEN];
	static const char msg[] = "ispshield-manifest 1\nfeed t\nsequence 1\n";
	char tampered[sizeof(msg)];
	struct isp_err e;
	struct stat sb;

	(void)state;
	path_of(pub, sizeof(pub), "k.pub");
	path_of(sec, sizeof(sec), "k.sec");
	path_of(pub2, sizeof(pub2), "k2.pub");
	path_of(sec2, sizeof(sec2), "k2.sec");
	isp_err_clear(&e);
	assert_int_equal(sync_keygen(pub, sec, &e), 0);
	assert_int_equal(stat(sec, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sync_keygen(pub, sec, &e), ISR_EEXIST);
	assert_int_equal(sync_keygen(pub2, sec2, &e), 0);
	assert_int_equal(sync_key_read(pub, 0, pk, &e), 0);
	assert_int_equal(sync_key_read(sec, 1, sk, &e), 0);
	assert_int_equal(sync_key_read(pub2, 0, pk2, &e), 0);
	assert_int_equal(sync_key_read(pub, 1, sk, &e), ISR_EINVAL); /* mode 0644 as secret */
	assert_int_equal(chmod(pub2, 0600), 0);
	assert_int_equal(sync_key_read(pub2, 1, sk, &e), ISR_EFORMAT); /* 32 bytes, not 64 */
	assert_int_equal(sync_key_read(sec, 1, sk, &e), 0);

	sync_sign(sk, msg, strlen(msg), sig);
	assert_int_equal(strlen(sig), 128);
	assert_int_equal(sync_verify(pk, msg, strlen(msg), sig, strlen(sig), &e), 0);
	/* one bit changed in the data, the wrong key, a damaged signature */
	memcpy(tampered, msg, sizeof(msg));
	tampered[30] ^= 1;
	assert_int_equal(sync_verify(pk, tampered, strlen(msg), sig, strlen(sig), &e),
			 ISR_ECORRUPT);
	assert_int_equal(sync_verify(pk2, msg, strlen(msg), sig, strlen(sig), &e), ISR_ECORRUPT);
	sig[5] = sig[5] == '0' ? '1' : '0';
	assert_int_equal(sync_verify(pk, msg, strlen(msg), sig, strlen(sig), &e), ISR_ECORRUPT);
	assert_int_equal(sync_verify(pk, msg, strlen(msg), "abc", 3, &e), ISR_EFORMAT);
	assert_int_equal(sync_verify(pk, msg, strlen(msg), "", 0, &e), ISR_EFORMAT);
}

struct rejects {
	long lines[16];
	int n;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct rejects *r = ud;

	assert_string_equal(e->file, "index");
	if (r->n < 16)
		r->lines[r->n++] = e->line;
}

static const char good[] = "ispshield-manifest 1\n"
			   "# published by the test\n"
			   "feed isac.example\n"
			   "sequence 42\n"
			   "created 1700000000\n"
			   "list c2 domain plain c2-42.list 25 "
			   "aa789e09907ecad91f97c312f1692cd971dbab33c08bc7c7cf9e1f9d83f22e63\n"
			   "list urls url urlhaus urls-42.list 872 "
			   "35be20ada899da0f92267016a742d7b6a6f19899d7010558427f92421882b875\n";

static void test_manifest_parse(void **state)
{
	static struct manifest m;
	struct rejects r;
	struct isp_err e;
	char hex[65];

	(void)state;
	memset(&r, 0, sizeof(r));
	isp_err_clear(&e);
	assert_int_equal(manifest_parse(good, strlen(good), "index", &m, on_reject, &r, &e), 0);
	assert_int_equal(r.n, 0);
	assert_string_equal(m.feed, "isac.example");
	assert_int_equal(m.sequence, 42);
	assert_int_equal(m.created, 1700000000);
	assert_int_equal(m.nlists, 2);
	assert_string_equal(m.lists[1].name, "urls");
	assert_int_equal(m.lists[1].kind, LIST_URL);
	assert_int_equal(m.lists[1].format, LISTFMT_URLHAUS);
	assert_int_equal(m.lists[1].size, 872);
	sha256_hex(m.lists[0].sha256, hex);
	assert_string_equal(hex,
			    "aa789e09907ecad91f97c312f1692cd971dbab33c08bc7c7cf9e1f9d83f22e63");
	assert_non_null(manifest_find(&m, "c2"));
	assert_null(manifest_find(&m, "ips"));
}

static void test_manifest_rejects(void **state)
{
	static const char bad[] =
		"ispshield-manifest 1\n"
		"feed ok\n"
		"sequence 3\n"
		"list x domain plain ../etc/passwd 1 "
		"aa789e09907ecad91f97c312f1692cd971dbab33c08bc7c7cf9e1f9d83f22e63\n" /* 4 */
		"list y host plain y.list 1 "
		"aa789e09907ecad91f97c312f1692cd971dbab33c08bc7c7cf9e1f9d83f22e63\n" /* 5 */
		"list z domain auto z.list 1 "
		"aa789e09907ecad91f97c312f1692cd971dbab33c08bc7c7cf9e1f9d83f22e63\n" /* 6 */
		"list w domain plain w.list 1 AA\n"				     /* 7 */
		"list v domain plain v.list -1 "
		"aa789e09907ecad91f97c312f1692cd971dbab33c08bc7c7cf9e1f9d83f22e63\n" /* 8 */
		"whatever\n"							     /* 9 */
		"sequence 4\n";							     /* 10 */
	static struct manifest m;
	struct rejects r;
	struct isp_err e;

	(void)state;
	memset(&r, 0, sizeof(r));
	isp_err_clear(&e);
	assert_int_equal(manifest_parse(bad, strlen(bad), "index", &m, on_reject, &r, &e),
			 ISR_EFORMAT);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.lines[0], 4);
	assert_int_equal(r.lines[6], 10);
	/* wrong first line; missing sequence; too big */
	assert_int_equal(manifest_parse("feed x\n", 7, "index", &m, NULL, NULL, &e), ISR_EFORMAT);
	assert_int_equal(
		manifest_parse("ispshield-manifest 1\nfeed x\n", 28, "index", &m, NULL, NULL, &e),
		ISR_EFORMAT);
	assert_int_equal(manifest_parse(good, MANIFEST_MAX_BYTES + 1, "index", &m, NULL, NULL, &e),
			 ISR_ELIMIT);
}

static void test_state_keeps_other_urls(void **state)
{
	static struct sync_state a, b, got;
	char path[128];
	struct isp_err e;

	(void)state;
	path_of(path, sizeof(path), "sync-state.json");
	isp_err_clear(&e);
	assert_int_equal(sync_state_get(path, "http://a/", &a, &e), 0); /* no file yet */
	assert_int_equal(a.sequence, 0);
	a.last_attempt = a.last_success = 100;
	a.result = SYNC_OK;
	a.sequence = 7;
	snprintf(a.etag, sizeof(a.etag), "\"abc\"");
	a.nlists = 1;
	snprintf(a.lists[0].name, sizeof(a.lists[0].name), "c2");
	a.lists[0].entries = 12;
	assert_int_equal(sync_state_put(path, &a, &e), 0);
	assert_int_equal(sync_state_get(path, "http://b/", &b, &e), 0);
	b.last_attempt = 200;
	b.result = SYNC_BAD_SIGNATURE;
	snprintf(b.error, sizeof(b.error), "bad \xff byte");
	assert_int_equal(sync_state_put(path, &b, &e), 0);
	a.last_attempt = 300;
	a.result = SYNC_NOT_MODIFIED;
	assert_int_equal(sync_state_put(path, &a, &e), 0);
	assert_int_equal(sync_state_get(path, "http://a/", &got, &e), 0);
	assert_int_equal(got.last_attempt, 300);
	assert_int_equal(got.sequence, 7);
	assert_int_equal(got.result, SYNC_NOT_MODIFIED);
	assert_string_equal(got.etag, "\"abc\"");
	assert_int_equal(got.nlists, 1);
	assert_int_equal(got.lists[0].entries, 12);
	assert_int_equal(sync_state_get(path, "http://b/", &got, &e), 0);
	assert_int_equal(got.result, SYNC_BAD_SIGNATURE);
	assert_string_equal(got.error, "bad ? byte");
	assert_string_equal(sync_result_name(SYNC_REPLAYED), "replayed");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_sync.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify_round_trip),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_manifest_rejects),
		cmocka_unit_test(test_state_keeps_other_urls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
