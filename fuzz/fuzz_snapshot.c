/*
 * fuzz_snapshot.c -- libFuzzer target for the snapshot reader (snapshot.c).
 *
 * The input is the snapshot file itself, opened through a memfd. The fuzz build skips
 * the checksum (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION), so the fuzzer reaches the
 * header checks and the per-record bounds checks of the lookups. When the file opens,
 * domain, URL and IP lookups run over a fixed set of keys, every hit's local data is
 * read (snap_hit_data), and the list table is read.
 * Seeds: real snapshots compiled from the sample lists.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "core/lists/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

/* Read every hit of r, and the local data of those that have it, byte by byte (ASan
 * sees a read past the mapping). */
static void touch(const struct snap *s, const struct snap_result *r)
{
	const uint8_t *d;
	size_t n, k;
	int i;

	for (i = 0; i < r->n; i++) {
		sink += r->hits[i].list + r->hits[i].action;
		d = snap_hit_data(s, &r->hits[i], &n);
		for (k = 0; d && k < n; k++)
			sink += d[k];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "cc1.botnet.example", "a.b.dga-family.example", "example",
				       "x", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.example" };
	static const char *urls[] = { "http://malware-dist.example/invoice.exe", "http://a/" };
	uint8_t a[16] = { 198, 51, 100, 7 };
	struct snap_result r;
	struct snap *s = NULL;
	char path[64];
	unsigned i;
	int fd = fuzz_file(data, size, path);

	if (fd < 0)
		return 0;
	if (snap_open(path, &s, NULL) == 0) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snap_lookup_domain(s, names[i], strlen(names[i]), &r);
			touch(s, &r);
		}
		for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
			snap_lookup_url(s, urls[i], strlen(urls[i]), &r);
			touch(s, &r);
		}
		snap_lookup_ip(s, 4, a, &r);
		touch(s, &r);
		snap_lookup_ip(s, 6, a, &r);
		touch(s, &r);
		for (i = 0; i < snap_nlists(s); i++) {
			struct snap_list_info li;

			snap_list(s, i, &li);
		}
		snap_close(s);
	}
	close(fd);
	return 0;
}
