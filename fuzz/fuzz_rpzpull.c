/*
 * fuzz_rpzpull.c -- libFuzzer target for `lists pull`'s response path (src/rpz/pull_in.c,
 * pull_copy.c, tsig_client.c): an input is a TCP conversation as it passed, the
 * 2-byte-length-framed queries and answers one after the other. Each query (QR clear)
 * sets up the read of its answer: its ID, type and zone, an IXFR's serial from its
 * authority SOA, and, when it carries a TSIG, the chain of MACs from it with key k1 (the
 * secret of tests/data/rpz). The messages after it are read as its answer, each at the
 * time its own TSIG names (so the captured seeds verify), until the read completes or
 * fails; a whole zone becomes the copy, differences are applied to it.
 * Seeds: conversations between `lists pull` and BIND 9 recorded by
 * tests/data/rpzpull/relay.py (RPZPULL_SEEDS=DIR tests/integration/rpz_pull.sh): SOA,
 * AXFR, IXFR, an IXFR with nothing newer, a wrong secret (BADSIG), no key (REFUSED).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "rpz/pull_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rpz_key k1;

struct conv {
	struct pull_lines zone, del, add, full;
	int in_diff;
};

static int on_rec(void *ud, enum pull_rec kind, const char *line, size_t len)
{
	struct conv *c = ud;

	CHECK(len == strlen(line) && len < PULL_LINE_MAX);
	return pull_lines_add(kind == PULL_FULL	 ? &c->full
			      : kind == PULL_DEL ? &c->del
						 : &c->add,
			      line, len);
}

static void apply(struct conv *c)
{
	const char *missing;
	size_t i;

	if (!c->in_diff)
		return;
	c->in_diff = 0;
	if (pull_lines_apply(&c->zone, &c->del, &c->add, &missing) == ISR_ECORRUPT)
		CHECK(missing != NULL);
	for (i = 1; i < c->zone.n; i++) /* sorted and distinct */
		CHECK(strcmp(pull_line(&c->zone, i - 1), pull_line(&c->zone, i)) < 0);
	pull_lines_free(&c->del);
	pull_lines_free(&c->add);
}

static int on_diff(void *ud, uint32_t from)
{
	struct conv *c = ud;

	(void)from;
	apply(c);
	c->in_diff = 1;
	return 0;
}

/* Set up x for the answer to the query q[0..n). 0, or -1 (not a query we would send). */
static int start(struct pull_in *x, struct rpz_tsig_client *tc, const uint8_t *q, size_t n,
		 struct conv *c)
{
	if (pull_in_replay(x, tc, &k1, q, n) != 0)
		return -1;
	x->on_rec = on_rec;
	x->on_diff = on_diff;
	x->ud = c;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char secret[] = "aXNwc2hpZWxkLXJwei10ZXN0LXNlY3JldC1rMS0zMmI=";
	struct rpz_tsig_client tc;
	struct pull_in x;
	struct conv c;
	struct isp_err err;
	size_t off = 0;
	int active = 0, rc;

	if (!k1.secret_len) {
		snprintf(k1.name, sizeof(k1.name), "k1");
		k1.wire_len = (size_t)dnsw_name_wire("k1", k1.wire, sizeof(k1.wire));
		CHECK(rpz_key_secret(&k1, secret, strlen(secret)) == 0);
	}
	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	while (off + 2 <= size) {
		size_t n = dnsw_get16(data + off);
		const uint8_t *m = data + off + 2;
		struct rpz_tsig_rr t;

		if (off + 2 + n > size)
			break;
		off += 2 + n;
		if (n >= DNSW_HEADER && !(dnsw_get16(m + 2) & DNSW_QR)) {
			if (active)
				pull_in_free(&x);
			active = start(&x, &tc, m, n, &c) == 0;
			continue;
		}
		if (!active)
			continue;
		isp_err_clear(&err);
		rc = pull_in_msg(&x, m, n, rpz_tsig_find(m, n, &t) == 1 ? t.time : 0, &err);
		CHECK(rc == 0 || rc == 1 || (rc < 0 && err.code != 0 && err.msg[0]));
		CHECK(x.recs <= x.max_records);
		if (rc == 1 && x.outcome == PULL_ZONE) {
			pull_lines_free(&c.zone);
			c.zone = c.full;
			memset(&c.full, 0, sizeof(c.full));
			pull_lines_sort(&c.zone);
		} else if (rc == 1 && x.outcome == PULL_INCREMENTAL) {
			apply(&c);
		}
		if (rc != 0) {
			CHECK(rc < 0 || x.outcome != PULL_MORE);
			pull_in_free(&x);
			active = 0;
			pull_lines_free(&c.full);
			pull_lines_free(&c.del);
			pull_lines_free(&c.add);
			c.in_diff = 0;
		}
	}
	if (active)
		pull_in_free(&x);
	pull_lines_free(&c.zone);
	pull_lines_free(&c.del);
	pull_lines_free(&c.add);
	pull_lines_free(&c.full);
	return 0;
}
