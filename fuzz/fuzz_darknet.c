/*
 * fuzz_darknet.c -- libFuzzer target for the darknet packet decoder and capture reader
 * (darknet/darknet.h).
 *
 * Each input is decoded as one frame of every link type the decoder knows (and one it
 * does not), then read as a capture file (pcap, pcapng, gzip: the reader sniffs) through
 * the whole analysis with a tiny exact-counting bound and source limit, so that the
 * HyperLogLog paths run too; finally the figures are written as JSON and CSV into
 * memory. Invariants checked: decoded packets have family 4 or 6 and a known class and
 * protocol; records handed out lie inside the reader's buffer lengths (ASan checks the
 * reads). Seeds: fuzz/corpus/darknet/ (short captures cut from the integration test's
 * files, pcapng and gzip copies, and single frames; the ng-*.pcapng seeds, remade by
 * tests/data/darknet/pcapng_seeds.sh, reach simple packet blocks, nanosecond
 * resolution, two interfaces, a big-endian section and a 12-byte simple packet block).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darknet/darknet.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {
	DN_LINK_NULL, DN_LINK_ETHERNET, DN_LINK_RAW, DN_LINK_LOOP, DN_LINK_SLL, DN_LINK_IPV4,
	DN_LINK_IPV6, DN_LINK_SLL2,	12,	     14,	   147
};

struct fz {
	struct dn_ctx *c;
	long long last;
};

static int on_rec(void *ud, const struct dn_rec *r)
{
	struct fz *z = ud;
	volatile uint8_t sink = 0;
	uint32_t i;

	if (r->recno <= z->last)
		abort();
	z->last = r->recno;
	for (i = 0; i < r->caplen; i++)
		sink ^= r->data[i];
	(void)sink;
	dn_add_record(z->c, "fuzz", r);
	return 0;
}

static void on_bad(void *ud, const char *file, long long recno, enum dn_fbad k, const char *m)
{
	(void)ud;
	(void)file;
	(void)recno;
	if ((unsigned)k >= DN_F_N || strlen(m) > 200)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dn_pkt p;
	struct dn_opts o;
	struct fz z;
	struct dn_read_cb cb = { on_rec, on_bad, &z };
	char path[64], *buf = NULL;
	size_t i, len = 0;
	int fd, n = 0;
	FILE *f;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		enum dn_bad b = dn_decode(links[i], data, size, &p);

		if (b == DN_OK && ((p.family != 4 && p.family != 6) || p.klass >= DN_CLASS_N ||
				   p.proto >= DN_P_N))
			abort();
	}
	memset(&o, 0, sizeof(o));
	if (dn_parse_prefixes("0.0.0.0/1, 128.0.0.0/1, ::/0", o.sensors, DN_MAX_SENSORS, &n,
			      NULL) != 0)
		abort();
	o.nsensors = n;
	o.exact_max = 64; /* raised to the minimum (1024) by dn_new */
	o.max_sources = 8;
	o.top = 5;
	o.campaign_factor = 2;
	o.campaign_min = 1;
	o.campaign_days = 3;
	o.attack_gap = 300;
	o.attack_min_packets = 2;
	o.attack_min_duration = 0;
	memset(&z, 0, sizeof(z));
	if (dn_new(&o, &z.c, NULL) != 0)
		return 0;
	fd = fuzz_file(data, size, path);
	if (fd >= 0) {
		dn_read_file(path, &cb, NULL);
		close(fd);
	}
	dn_finish(z.c);
	f = open_memstream(&buf, &len);
	if (f) {
		dn_write_json(z.c, f);
		dn_write_csv(z.c, f);
		dn_write_text(z.c, f);
		fclose(f);
		free(buf);
	}
	dn_free(z.c);
	return 0;
}
