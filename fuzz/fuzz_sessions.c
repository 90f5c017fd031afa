/*
 * fuzz_sessions.c -- libFuzzer target for the sessions index reader (sessions.c).
 *
 * The input is the index file itself, opened through a memfd. The fuzz build skips the
 * checksum (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION), so the fuzzer reaches the
 * structural checks of sessdb_open: a file it accepts must be safe to query. When the
 * file opens, single and batch lookups of IPv4 and IPv6 addresses at a few times, ports
 * and skews run, sessdb_each walks every interval (reading every string), and, as the
 * next import would, a builder starts from it and writes it again.
 * Seeds: small indexes written by the builder (fuzz/corpus/sessions/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "core/sessions/sessions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int walk(void *ud, const struct sess_hit *iv)
{
	size_t *n = ud;

	*n += strlen(iv->user) + strlen(iv->session_id) + strlen(iv->nas);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *addrs[] = { "10.0.0.1", "100.64.1.1",       "10.1.1.1",
				       "0.0.0.0",  "2001:db8:1:ff::1", "2001:db8:200:5::77",
				       "::" };
	static const int64_t times[] = { 0, 1000, 1500, 2005, 4000, INT64_MAX, INT64_MIN };
	enum { NQ = sizeof(addrs) / sizeof(addrs[0]) * sizeof(times) / sizeof(times[0]) };
	struct sess_query q[NQ];
	enum sess_who_result res[NQ];
	struct sess_hit hits[NQ], h;
	struct sessdb *db = NULL;
	struct sess_builder *b = NULL;
	char path[64], out[128];
	size_t i, j, n = 0, k = 0;
	int fd = fuzz_file(data, size, path);

	if (fd < 0)
		return 0;
	if (sessdb_open(path, &db, NULL) == 0) {
		for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			struct ip_prefix p;

			if (ip_parse_prefix(addrs[i], strlen(addrs[i]), &p, NULL, NULL) != 0)
				continue;
			for (j = 0; j < sizeof(times) / sizeof(times[0]); j++) {
				sessdb_who(db, &p, (uint16_t)(j * 700), times[j], (int64_t)j * 30,
					   &h);
				q[k].addr = p;
				q[k].port = (uint16_t)(i * 1000);
				q[k].t = times[j];
				k++;
			}
		}
		sessdb_who_batch(db, q, k, 60, res, hits, NULL);
		sessdb_who_batch(db, q, k, INT64_MAX, res, hits, NULL);
		sessdb_each(db, walk, &n);
		(void)sessdb_count(db);
		(void)sessdb_opts(db);
		snprintf(out, sizeof(out), "/tmp/fuzz_sessions.%ld.idx", (long)getpid());
		if (sess_builder_new(db, NULL, &b, NULL) == 0 &&
		    sess_builder_write(b, out, NULL, NULL) == 0) {
			struct sessdb *db2 = NULL;

			/* what the builder writes from an accepted index opens again */
			if (sessdb_open(out, &db2, NULL) != 0)
				abort();
			sessdb_close(db2);
		}
		unlink(out);
		sess_builder_free(b);
		sessdb_close(db);
	}
	close(fd);
	return 0;
}
