/*
 * lookups.c -- the urlcheck benchmark's measuring program (bench/urlcheck/run.sh).
 *
 * Usage: bench_urlcheck SNAPSHOT [LOOKUPS]
 * Builds the urlcheck table of SNAPSHOT as the service does (served_load, uc_table_build;
 * no store: no categories), then prints one "key value" line each:
 *   build_s          seconds to build the table
 *   prefixes         distinct 4-byte prefixes
 *   full_bytes       the whole list as the service sends it (GET /v1/prefixes, JSON)
 *   raw_bytes        the same prefixes as raw 4-byte values (what it is compared with)
 *   diff1_bytes      a 1 % difference (1 % of the prefixes removed, as many random ones
 *                    added) as the service sends it (GET /v1/prefixes?since=)
 *   find_per_s       uc_table_find alone, one core (half the prefixes listed, half random)
 *   fullhash_per_s   whole full-hash answers (uc_table_find + the JSON of
 *                    GET /v1/fullhashes for one prefix), one core, half of them matches
 *   fullhash_hit_per_s  the same for listed prefixes only (every answer a match)
 * Times are the median of 5 rounds of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/service/config.h"
#include "core/service/served.h"
#include "urlcheck/urlcheck.h"

#define ROUNDS 5

/* CPU time of this thread: "per second on one core" on a machine others load too (wall
 * time there measures the neighbours) */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct isp_config cfg;
	struct served *sh = NULL;
	struct uc_table *t = NULL;
	struct isp_err err;
	uint32_t *ask, *old;
	size_t n = argc > 2 ? (size_t)atol(argv[2]) : 1000000, i, len, first, nold, w;
	double t0, times[ROUNDS], sink = 0;
	char *s;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_urlcheck SNAPSHOT [LOOKUPS]\n");
		return 2;
	}
	config_defaults(&cfg);
	isp_err_clear(&err);
	if (served_load(argv[1], "", &cfg, NULL, &sh, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	t0 = now();
	if (uc_table_build(sh, &cfg, NULL, 0, &t, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("build_s %.2f\n", now() - t0);
	printf("prefixes %zu\n", t->np);
	s = uc_json_full(t, 1800, &len);
	printf("full_bytes %zu\nraw_bytes %zu\n", len, t->np * 4);
	free(s);

	/* the previous version: 1 % of today's prefixes were not there, 1 % others were */
	old = malloc((t->np + t->np / 100 + 1) * sizeof(uint32_t));
	for (i = 0, nold = 0; i < t->np; i++)
		if (rnd() % 100 != 0)
			old[nold++] = t->prefixes[i];
	for (i = 0; i < t->np / 100; i++)
		old[nold++] = rnd();
	qsort(old, nold, sizeof(uint32_t), cmp_u32);
	for (i = 1, w = nold ? 1 : 0; i < nold; i++) /* distinct, as the service keeps them */
		if (old[i] != old[w - 1])
			old[w++] = old[i];
	nold = w;
	s = uc_json_diff(t, 1, old, nold, 1800, &len);
	printf("diff1_bytes %zu\n", len);
	free(s);
	free(old);

	ask = malloc(n * sizeof(uint32_t));
	for (i = 0; i < n; i++)
		ask[i] = i % 2 && t->np ? t->prefixes[rnd() % t->np] : rnd();
	for (r = 0; r < ROUNDS; r++) {
		t0 = now();
		for (i = 0; i < n; i++)
			sink += (double)uc_table_find(t, ask[i], &first);
		times[r] = now() - t0;
	}
	qsort(times, ROUNDS, sizeof(double), cmp_d);
	printf("find_per_s %.0f\n", (double)n / times[ROUNDS / 2]);
	for (r = 0; r < ROUNDS; r++) {
		size_t m = n / 10;

		t0 = now();
		for (i = 0; i < m; i++) {
			s = uc_json_fullhashes(t, &ask[i], 1, 300, &len);
			sink += (double)len;
			free(s);
		}
		times[r] = now() - t0;
	}
	qsort(times, ROUNDS, sizeof(double), cmp_d);
	printf("fullhash_per_s %.0f\n", (double)(n / 10) / times[ROUNDS / 2]);
	for (r = 0; r < ROUNDS; r++) { /* listed prefixes only: every answer has a match */
		size_t m = n / 20;

		t0 = now();
		for (i = 0; i < m; i++) {
			s = uc_json_fullhashes(t, &ask[2 * i + 1], 1, 300, &len);
			sink += (double)len;
			free(s);
		}
		times[r] = now() - t0;
	}
	qsort(times, ROUNDS, sizeof(double), cmp_d);
	printf("fullhash_hit_per_s %.0f\n", (double)(n / 20) / times[ROUNDS / 2]);
	fprintf(stderr, "(%g)\n", sink);
	free(ask);
	uc_table_free(t);
	served_free(sh);
	return 0;
}
