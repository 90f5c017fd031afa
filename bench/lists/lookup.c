/*
 * bench_lookup -- times snapshot domain lookups (bench/lists/run.sh drives it).
 *
 * usage: bench_lookup SNAPSHOT NAMES [LOOKUPS_PER_BATCH [BATCHES [SEED]]]
 *
 * SNAPSHOT is a compiled snapshot whose domain lists contain exactly the exact-match
 * (not wildcard) names in NAMES (one per line, normalised, e.g. c2.txt of the workload).
 * Measured, each as BATCHES batches of LOOKUPS_PER_BATCH lookups (default 1000000 x 7)
 * in a freshly shuffled order per batch, reporting the median (and min/max) of the
 * per-batch ns/lookup:
 *   hit        snap_lookup_domain on names drawn at random from NAMES
 *   miss       names not in NAMES: 80% flat random names with the workload's alphabet,
 *              lengths and TLDs; 20% deeper names "x.y.<listed name>" whose parent is
 *              listed (exact only, so it must not match) -- these walk more labels
 *   norm_hit / norm_miss   the path a DNS query takes: domain_normalise on the raw name
 *              as a query spells it (random upper/lower case as with DNS 0x20, trailing
 *              dot), then snap_lookup_domain
 *   hit_serial / miss_serial   the same lookups made dependent on each other, so that
 *              the CPU cannot overlap one lookup's memory reads with the next one's: the
 *              latency of one lookup (hit/miss above are throughput: ns per lookup in a
 *              tight loop of independent lookups)
 *   normalise_only         domain_normalise alone on those raw names;
 *              normalise_only_lower: on the already lower-case names (no 0x20 mixing)
 *   mem_random_read        reference: one dependent random read in a buffer the size of
 *              the snapshot (this machine's memory + TLB latency at that working set);
 *              mem_random_read_hugepages: the same in 2 MB pages (MADV_HUGEPAGE), i.e.
 *              without most TLB misses -- what a hugepage-backed snapshot could gain
 * Query names are laid out sequentially in the shuffled order, so that the cost measured
 * is the snapshot's (the query name of a real DNS packet is in cache already).
 * Also: open_ns = snap_open + the first lookup (the service's start-up), the process RSS
 * after that, and the snapshot's size (what the service maps).
 *
 * Every query is checked before it is timed: a hit must return the listed name itself
 * (exact, not wildcard), a miss must return nothing; any disagreement exits 1. Timed loops
 * count their results and are checked again. Every metric X_ns_* is wall time
 * (CLOCK_MONOTONIC); X_cpu_ns_median is the same loops' thread CPU time, which leaves out
 * time spent descheduled on a busy machine. Output: one "RESULT key value" line per
 * metric on stdout.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/net/domain.h"
#include "core/base/err.h"
#include "core/lists/snapshot.h"

static const char ALPHA[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char *const TLDS[] = { "com",  "net", "org", "ru",	 "cn",
				    "info", "top", "xyz", "biz", "jp" };

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "bench_lookup: out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
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

/* ---- the listed names: one buffer, an index, and a hash set as ground truth ---- */

static char *names_buf;
static size_t *name_off; /* start of name i in names_buf */
static uint8_t *name_len;
static size_t nnames;
static uint32_t *set_slots; /* name index + 1, 0 = empty */
static size_t set_mask;

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	while (n--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static int set_has(const char *p, size_t n)
{
	size_t i = fnv(p, n) & set_mask;
	for (; set_slots[i]; i = (i + 1) & set_mask) {
		size_t k = set_slots[i] - 1;
		if (name_len[k] == n && memcmp(names_buf + name_off[k], p, n) == 0)
			return 1;
	}
	return 0;
}

static void load_names(const char *path)
{
	FILE *f = fopen(path, "rb");
	long sz;
	size_t i, cap = 1 << 16, slots = 1;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "bench_lookup: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	names_buf = xmalloc((size_t)sz + 1);
	if (fread(names_buf, 1, (size_t)sz, f) != (size_t)sz) {
		fprintf(stderr, "bench_lookup: %s: short read\n", path);
		exit(2);
	}
	fclose(f);
	names_buf[sz] = '\n';
	name_off = xmalloc(cap * sizeof *name_off);
	name_len = xmalloc(cap);
	for (i = 0; i < (size_t)sz;) {
		char *nl = memchr(names_buf + i, '\n', (size_t)sz + 1 - i);
		size_t l = (size_t)(nl - (names_buf + i));
		if (l > 0 && names_buf[i + l - 1] == '\r')
			l--;
		if (l > 0 && l <= DOMAIN_MAX) {
			if (nnames == cap) {
				cap *= 2;
				name_off = realloc(name_off, cap * sizeof *name_off);
				name_len = realloc(name_len, cap);
				if (!name_off || !name_len) {
					fprintf(stderr, "bench_lookup: out of memory\n");
					exit(2);
				}
			}
			name_off[nnames] = i;
			name_len[nnames] = (uint8_t)l;
			nnames++;
		}
		i = (size_t)(nl - names_buf) + 1;
	}
	if (nnames == 0) {
		fprintf(stderr, "bench_lookup: %s: no names\n", path);
		exit(2);
	}
	while (slots < nnames * 2)
		slots <<= 1;
	set_mask = slots - 1;
	set_slots = calloc(slots, sizeof *set_slots);
	if (!set_slots) {
		fprintf(stderr, "bench_lookup: out of memory\n");
		exit(2);
	}
	for (i = 0; i < nnames; i++) {
		const char *p = names_buf + name_off[i];
		size_t j = fnv(p, name_len[i]) & set_mask;
		while (set_slots[j])
			j = (j + 1) & set_mask;
		set_slots[j] = (uint32_t)(i + 1);
	}
}

/* ---- query sets: n names, each stored as {u8 len, bytes} in a packed buffer ---- */

struct qset {
	size_t n;
	char **name; /* NUL-terminated copies */
	uint8_t *len;
	char *packed; /* the current (shuffled) order, sequential */
	size_t packed_len;
};

static void qset_init(struct qset *q, size_t n)
{
	q->n = n;
	q->name = xmalloc(n * sizeof *q->name);
	q->len = xmalloc(n);
	q->packed = NULL;
	q->packed_len = 0;
}

static void qset_set(struct qset *q, size_t i, const char *s, size_t l)
{
	q->name[i] = xmalloc(l + 1);
	memcpy(q->name[i], s, l);
	q->name[i][l] = 0;
	q->len[i] = (uint8_t)l;
}

/* Shuffle (Fisher-Yates) and lay the names out sequentially in the new order. */
static void qset_shuffle(struct qset *q)
{
	size_t i, o = 0;

	for (i = q->n; i > 1; i--) {
		size_t j = rnd_below(i);
		char *t = q->name[i - 1];
		uint8_t tl = q->len[i - 1];
		q->name[i - 1] = q->name[j];
		q->len[i - 1] = q->len[j];
		q->name[j] = t;
		q->len[j] = tl;
	}
	if (!q->packed) {
		size_t need = 0;
		for (i = 0; i < q->n; i++)
			need += (size_t)q->len[i] + 2;
		q->packed = xmalloc(need);
	}
	for (i = 0; i < q->n; i++) {
		q->packed[o++] = (char)q->len[i];
		memcpy(q->packed + o, q->name[i], q->len[i]);
		o += q->len[i];
		q->packed[o++] = 0;
	}
	q->packed_len = o;
}

static size_t rand_label(char *out, size_t lo, size_t hi)
{
	size_t l = lo + rnd_below(hi - lo + 1), i;
	for (i = 0; i < l; i++)
		out[i] = ALPHA[rnd_below(sizeof ALPHA - 1)];
	return l;
}

/* A raw query spelling of a normalised name: random case per letter, trailing dot. */
static size_t rawify(char *out, const char *in, size_t l)
{
	size_t i;
	for (i = 0; i < l; i++) {
		char c = in[i];
		if (c >= 'a' && c <= 'z' && (rnd() & 1))
			c = (char)(c - 'a' + 'A');
		out[i] = c;
	}
	out[l] = '.';
	return l + 1;
}

/* ---- checks and timing ---- */

static int check_hit(const struct snap *s, const char *n, size_t l)
{
	struct snap_result r;
	int k = snap_lookup_domain(s, n, l, &r);
	if (k <= 0 || r.wildcard || r.keylen != l || !r.key || memcmp(r.key, n, l) != 0) {
		fprintf(stderr, "bench_lookup: WRONG: listed name %.*s: %d hits, key %.*s%s\n",
			(int)l, n, k, r.key ? (int)r.keylen : 6, r.key ? r.key : "(none)",
			r.wildcard ? " (wildcard)" : "");
		return 1;
	}
	return 0;
}

static int check_miss(const struct snap *s, const char *n, size_t l)
{
	struct snap_result r;
	int k = snap_lookup_domain(s, n, l, &r);
	if (k != 0) {
		fprintf(stderr, "bench_lookup: WRONG: unlisted name %.*s matched %.*s (%d hits)\n",
			(int)l, n, r.key ? (int)r.keylen : 0, r.key ? r.key : "", k);
		return 1;
	}
	return 0;
}

static volatile long sink;

/* Each timed loop also takes this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a busy
 * machine the wall time includes time spent descheduled, the CPU time does not. */
static double cpu_t0, cpu_elapsed, last_cpu;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double tbegin(void)
{
	cpu_t0 = cpu_now();
	return now_ns();
}

static double tend(void)
{
	double w = now_ns();
	cpu_elapsed = cpu_now() - cpu_t0;
	return w;
}

#define HUGE_SZ ((size_t)2 << 20)

/* One timed batch over q's packed order; returns ns/lookup, *hits = lookups that hit. */
static volatile size_t zero_mask; /* always 0; the compiler cannot know */

/* Batched: queries in groups of BATCH through snap_lookup_domain_batch, as a DNS worker
 * that reads a batch of packets (recvmmsg) would look them up. */
#define BATCH 32
static double time_lookup_batch(const struct snap *s, const struct qset *q, long *hits)
{
	static struct snap_result r[BATCH];
	const char *ptrs[BATCH];
	size_t lens[BATCH];
	const char *p = q->packed, *end = q->packed + q->packed_len;
	long h = 0;
	double t0 = tbegin(), t1;

	while (p < end) {
		size_t n = 0;

		while (n < BATCH && p < end) {
			lens[n] = (unsigned char)*p;
			ptrs[n] = p + 1;
			p += lens[n] + 2;
			n++;
		}
		h += snap_lookup_domain_batch(s, ptrs, lens, n, r);
	}
	t1 = tend();
	*hits = h;
	sink += h;
	last_cpu = cpu_elapsed / (double)q->n;
	return (t1 - t0) / (double)q->n;
}

/* serial: each lookup's query address depends on the previous lookup's result (through
 * zero_mask), so lookups cannot overlap in the CPU: latency rather than throughput. */
static double time_lookup(const struct snap *s, const struct qset *q, long *hits, int serial)
{
	struct snap_result r;
	const char *p = q->packed, *end = q->packed + q->packed_len;
	long h = 0;
	size_t dep = serial ? zero_mask : 0;
	double t0 = tbegin(), t1;

	if (serial) {
		while (p < end) {
			size_t l = (unsigned char)*p;
			int k = snap_lookup_domain(s, p + 1, l, &r);
			h += k > 0;
			p += l + 2 + ((size_t)k & dep);
		}
	} else {
		while (p < end) {
			size_t l = (unsigned char)*p;
			h += snap_lookup_domain(s, p + 1, l, &r) > 0;
			p += l + 2;
		}
	}
	t1 = tend();
	*hits = h;
	sink += h;
	last_cpu = cpu_elapsed / (double)q->n;
	return (t1 - t0) / (double)q->n;
}

static double time_norm_lookup(const struct snap *s, const struct qset *q, long *hits, long *bad)
{
	struct snap_result r;
	char norm[DOMAIN_BUFSZ];
	const char *p = q->packed, *end = q->packed + q->packed_len;
	long h = 0, b = 0;
	double t0 = tbegin(), t1;

	while (p < end) {
		size_t l = (unsigned char)*p;
		int nl = domain_normalise(p + 1, l, norm, NULL);
		if (nl > 0)
			h += snap_lookup_domain(s, norm, (size_t)nl, &r) > 0;
		else
			b++;
		p += l + 2;
	}
	t1 = tend();
	*hits = h;
	*bad = b;
	sink += h;
	last_cpu = cpu_elapsed / (double)q->n;
	return (t1 - t0) / (double)q->n;
}

/* Normalisation alone (no lookup), for splitting the DNS path's cost. */
static double time_norm_only(const struct qset *q, long *bad)
{
	char norm[DOMAIN_BUFSZ];
	const char *p = q->packed, *end = q->packed + q->packed_len;
	long b = 0, sum = 0;
	double t0 = tbegin(), t1;

	while (p < end) {
		size_t l = (unsigned char)*p;
		int nl = domain_normalise(p + 1, l, norm, NULL);
		if (nl > 0)
			sum += norm[nl - 1];
		else
			b++;
		p += l + 2;
	}
	t1 = tend();
	*bad = b;
	sink += sum;
	last_cpu = cpu_elapsed / (double)q->n;
	return (t1 - t0) / (double)q->n;
}

/* Reference: one dependent random read (pointer chase over 64-byte lines, a random
 * cycle) in a buffer as large as the snapshot -- this machine's memory latency at that
 * working-set size, including TLB misses. A hit needs two dependent reads (slot, record). */
static double time_mem_chase(size_t bytes, size_t steps, int huge)
{
	size_t nl = bytes / 64 < 2 ? 2 : bytes / 64, i, j,
	       sz = (nl * 64 + HUGE_SZ - 1) & ~(HUGE_SZ - 1);
	uint64_t *a, *perm = xmalloc(nl * sizeof *perm);
	double t0, t1;

	a = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		fprintf(stderr, "bench_lookup: mmap: %s\n", strerror(errno));
		exit(2);
	}
	madvise(a, sz, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);

	for (i = 0; i < nl; i++)
		perm[i] = i;
	for (i = nl; i > 1; i--) {
		uint64_t t;
		j = rnd_below(i);
		t = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < nl; i++)
		a[perm[i] * 8] = perm[(i + 1) % nl] * 8;
	free(perm);
	j = 0;
	for (i = 0; i < nl; i++) /* warm the pages */
		j = a[j];
	t0 = tbegin();
	for (i = 0; i < steps; i++)
		j = a[j];
	t1 = tend();
	sink += (long)j;
	munmap(a, sz);
	last_cpu = cpu_elapsed / (double)steps;
	return (t1 - t0) / (double)steps;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double vcpu[1024];

static void report(const char *what, double *v, int nb)
{
	qsort(vcpu, (size_t)nb, sizeof *vcpu, cmp_double);
	printf("RESULT %s_cpu_ns_median %.1f\n", what,
	       nb % 2 ? vcpu[nb / 2] : (vcpu[nb / 2 - 1] + vcpu[nb / 2]) / 2);
	qsort(v, (size_t)nb, sizeof *v, cmp_double);
	printf("RESULT %s_ns_median %.1f\n", what,
	       nb % 2 ? v[nb / 2] : (v[nb / 2 - 1] + v[nb / 2]) / 2);
	printf("RESULT %s_ns_min %.1f\n", what, v[0]);
	printf("RESULT %s_ns_max %.1f\n", what, v[nb - 1]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct isp_err err;
	struct snap *s = NULL;
	struct snap_result r;
	struct qset hit, miss, rhit, rmiss;
	size_t per = 1000000, i;
	int batches = 7, b, wrong = 0;
	double t0, t1, *v;
	char buf[DOMAIN_BUFSZ + 8];

	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: bench_lookup SNAPSHOT NAMES [LOOKUPS_PER_BATCH [BATCHES "
				"[SEED]]]\n");
		return 2;
	}
	if (argc > 3)
		per = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		batches = atoi(argv[4]);
	rng_state = argc > 5 ? strtoull(argv[5], NULL, 10) : 20240601;
	if (per == 0 || batches <= 0 || batches > 1024) {
		fprintf(stderr, "bench_lookup: bad LOOKUPS_PER_BATCH or BATCHES\n");
		return 2;
	}

	/* Start-up: map + verify, then one lookup (of an arbitrary name). */
	isp_err_clear(&err);
	t0 = now_ns();
	if (snap_open(argv[1], &s, &err) != 0) {
		fprintf(stderr, "bench_lookup: %s: %s\n", argv[1], err.msg);
		return 2;
	}
	sink += snap_lookup_domain(s, "example.com", 11, &r);
	t1 = now_ns();
	printf("RESULT open_ns %.0f\n", t1 - t0);
	printf("RESULT rss_open_kb %ld\n", status_kb("VmRSS"));
	printf("RESULT snapshot_bytes %llu\n", (unsigned long long)snap_bytes(s));
	printf("RESULT snapshot_keys %u\n", snap_keys(s));
	fflush(stdout);

	load_names(argv[2]);
	printf("RESULT names %zu\n", nnames);
	if (snap_keys(s) != nnames)
		fprintf(stderr, "bench_lookup: note: snapshot has %u keys, names file %zu\n",
			snap_keys(s), nnames);

	/* Query sets. */
	qset_init(&hit, per);
	qset_init(&miss, per);
	qset_init(&rhit, per);
	qset_init(&rmiss, per);
	for (i = 0; i < per; i++) {
		size_t k = rnd_below(nnames);
		qset_set(&hit, i, names_buf + name_off[k], name_len[k]);
	}
	for (i = 0; i < per;) {
		size_t l;
		if (rnd_below(5) == 0) {
			/* deeper name under a listed (exact-only) parent */
			size_t k = rnd_below(nnames);
			l = rand_label(buf, 1, 3);
			buf[l++] = '.';
			l += rand_label(buf + l, 1, 8);
			buf[l++] = '.';
			if (l + name_len[k] > DOMAIN_MAX)
				continue;
			memcpy(buf + l, names_buf + name_off[k], name_len[k]);
			l += name_len[k];
		} else {
			const char *tld = TLDS[rnd_below(sizeof TLDS / sizeof TLDS[0])];
			l = rand_label(buf, 6, 14);
			buf[l++] = '.';
			memcpy(buf + l, tld, strlen(tld));
			l += strlen(tld);
		}
		if (set_has(buf, l))
			continue;
		qset_set(&miss, i, buf, l);
		i++;
	}
	for (i = 0; i < per; i++) {
		size_t l = rawify(buf, hit.name[i], hit.len[i]);
		qset_set(&rhit, i, buf, l);
		l = rawify(buf, miss.name[i], miss.len[i]);
		qset_set(&rmiss, i, buf, l);
	}

	/* Verify every query before timing anything. */
	for (i = 0; i < per && wrong < 20; i++) {
		int nl;
		wrong += check_hit(s, hit.name[i], hit.len[i]);
		wrong += check_miss(s, miss.name[i], miss.len[i]);
		nl = domain_normalise(rhit.name[i], rhit.len[i], buf, NULL);
		if (nl != (int)hit.len[i] || memcmp(buf, hit.name[i], hit.len[i]) != 0) {
			fprintf(stderr, "bench_lookup: WRONG: %s normalised to %s\n", rhit.name[i],
				nl > 0 ? buf : "(error)");
			wrong++;
		}
		nl = domain_normalise(rmiss.name[i], rmiss.len[i], buf, NULL);
		if (nl != (int)miss.len[i] || memcmp(buf, miss.name[i], miss.len[i]) != 0) {
			fprintf(stderr, "bench_lookup: WRONG: %s normalised to %s\n", rmiss.name[i],
				nl > 0 ? buf : "(error)");
			wrong++;
		}
	}
	if (wrong) {
		fprintf(stderr, "bench_lookup: %d wrong results: not timing a broken lookup\n",
			wrong);
		return 1;
	}
	printf("RESULT verified %zu\n", per * 2);
	printf("RESULT lookups_per_batch %zu\n", per);
	printf("RESULT batches %d\n", batches);
	fflush(stdout);

	v = xmalloc((size_t)batches * sizeof *v);
	{
		struct qset *qs[8] = { &hit, &miss, &rhit, &rmiss, &hit, &miss, &hit, &miss };
		const char *names[8] = { "lookup_hit",	      "lookup_miss",
					 "norm_lookup_hit",   "norm_lookup_miss",
					 "lookup_hit_serial", "lookup_miss_serial",
					 "lookup_hit_batch",  "lookup_miss_batch" };
		int q;
		for (q = 0; q < 8; q++) {
			int want_hit = q % 2 == 0;
			for (b = 0; b < batches; b++) {
				long h, bad = 0;
				qset_shuffle(qs[q]);
				v[b] = q == 2 || q == 3 ? time_norm_lookup(s, qs[q], &h, &bad)
				       : q >= 6		? time_lookup_batch(s, qs[q], &h)
							: time_lookup(s, qs[q], &h, q >= 4);
				vcpu[b] = last_cpu;
				if (bad || h != (want_hit ? (long)per : 0)) {
					fprintf(stderr,
						"bench_lookup: WRONG: %s batch %d: %ld of %zu hit, "
						"%ld not normalised\n",
						names[q], b, h, per, bad);
					return 1;
				}
			}
			report(names[q], v, batches);
		}
	}
	for (b = 0; b < batches; b++) {
		long bad;
		qset_shuffle(&rhit);
		v[b] = time_norm_only(&rhit, &bad);
		vcpu[b] = last_cpu;
		if (bad) {
			fprintf(stderr, "bench_lookup: WRONG: %ld names not normalised\n", bad);
			return 1;
		}
	}
	report("normalise_only", v, batches);
	for (b = 0; b < batches; b++) {
		long bad;
		qset_shuffle(&hit);
		v[b] = time_norm_only(&hit, &bad);
		vcpu[b] = last_cpu;
	}
	report("normalise_only_lower", v, batches);
	for (b = 0; b < batches; b++) {
		v[b] = time_mem_chase((size_t)snap_bytes(s), per, 0);
		vcpu[b] = last_cpu;
	}
	report("mem_random_read", v, batches);
	for (b = 0; b < batches; b++) {
		v[b] = time_mem_chase((size_t)snap_bytes(s), per, 1);
		vcpu[b] = last_cpu;
	}
	report("mem_random_read_hugepages", v, batches);
	printf("RESULT rss_end_kb %ld\n", status_kb("VmRSS"));
	printf("RESULT rss_file_end_kb %ld\n", status_kb("RssFile"));
	snap_close(s);
	return 0;
}
