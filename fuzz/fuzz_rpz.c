/*
 * fuzz_rpz.c -- libFuzzer target for the RPZ service's request path (src/rpz): the TSIG
 * check and rpz_handle (SOA, AXFR, IXFR, errors), over UDP and over TCP, against a small
 * zone with one journal difference. Each input is checked at the time its own TSIG says
 * (so the kdig-signed seeds verify and reach the signed transfer), and every message a
 * transfer sends is drained and must be a well-formed response no larger than its buffer.
 * The input is also checked as the answer to a NOTIFY of ours (rpz_tsig_check_response).
 * Seeds: queries kdig sent (tests/data/rpz/capture.py), in fuzz/corpus/rpz/, and the
 * NOTIFY answers made from them (QR and opcode NOTIFY set: notify_answer_*.bin).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpz/rpz_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the code under test: stop here, so libFuzzer keeps the input. */
static void check(int ok)
{
	if (!ok)
		abort();
}

/* The zone's records (rpz_int.h layout): apex NS, "x CNAME .", "y CNAME *." */
static uint8_t arena[] = {
	0, 0,	2, 0, 11, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0,   2,
	1, 'x', 0, 5, 0,  1, 0,	  2,   1,   'y', 0,   5,   0,	3,   1,	  '*', 0
};
static uint32_t recs[] = { 0, 16, 24 };
static uint32_t del[] = { 24 };

static struct rpz_ctx ctx;
static struct rpz_zone zone = {
	.serial = 101, .ttl = 60, .arena = arena, .recs = recs, .n = 3, .refs = 1
};
static struct rpz_diff diff = { .from = 100,
				.to = 101,
				.arena = arena,
				.del = del,
				.ndel = 1,
				.add = recs + 1,
				.nadd = 1,
				.refs = 1 };
static struct rpz_diff *journal[1] = { &diff };

static void init(void)
{
	static const char *const secrets[] = {
		"aXNwc2hpZWxkLXJwei10ZXN0LXNlY3JldC1rMS0zMmI=",
		"aXNwc2hpZWxkLXJwei10ZXN0LXNlY3JldC1rNS1zaGE1MTIta2V5"
		"LTY0LWJ5dGVzLWxvbmctMDEyMzQ1Njc4OQ=="
	};
	struct isp_err e;
	int i;

	for (i = 0; i < 2; i++) {
		struct rpz_key *k = &ctx.keys[i];

		snprintf(k->name, sizeof(k->name), "%s", i ? "k5" : "k1");
		k->wire_len = (size_t)dnsw_name_wire(k->name, k->wire, sizeof(k->wire));
		k->alg = i ? RPZ_HMAC_SHA512 : RPZ_HMAC_SHA256;
		check(rpz_key_secret(k, secrets[i], strlen(secrets[i])) == 0);
	}
	ctx.nkeys = 2;
	check(rpz_zone_spec("rpz.test:dom", &ctx.zones[0], &e) == 0);
	ctx.nzones = 1;
	check(rpz_acl_parse(&ctx, "127.0.0.0/8, key:k1, key:k5", &e) == 0);
	snprintf(zone.name, sizeof(zone.name), "rpz.test");
	zone.origin_len = (size_t)dnsw_name_wire("rpz.test", zone.origin, sizeof(zone.origin));
	zone.arena_len = sizeof(arena);
	ctx.zones[0].cur = &zone;
	ctx.zones[0].journal =
		(struct rpz_journal){ .d = journal, .n = 1, .cap = 1, .recs = 2, .max = 100 };
}

static int count_rr(void *ud, const struct dnsw_rr *rr)
{
	(void)rr;
	++*(int *)ud;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[RPZ_MSG_CAP];
	static int ready;
	struct sockaddr_in sa;
	struct rpz_tsig_req t;
	struct rpz_outcome o;
	struct rpz_xfr *x;
	uint64_t now = 0;
	size_t n;
	int tcp, msgs, rrs;

	if (!ready) {
		init();
		ready = 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(size % 3 ? INADDR_LOOPBACK : 0x0a000001);
	if (rpz_tsig_check(data, size, ctx.keys, ctx.nkeys, 0, &t) == 2)
		now = t.time;
	for (tcp = 0; tcp < 2; tcp++) {
		n = rpz_handle(&ctx, data, size, (struct sockaddr *)&sa, tcp, 1, now, out,
			       sizeof(out), &x, &o);
		check(n <= sizeof(out));
		check(tcp || !x);
		for (msgs = 0; n; msgs++) {
			rrs = 0;
			check(n >= DNSW_HEADER && (dnsw_get16(out + 2) & DNSW_QR));
			check(dnsw_walk_response(out, n, count_rr, &rrs) == 0);
			check(msgs < 100);
			n = x ? rpz_xfr_next(x, out, sizeof(out)) : 0;
		}
		rpz_xfr_free(x);
	}
	check(zone.refs == 1 && diff.refs == 1);
	/* the same bytes as the answer to a NOTIFY we signed (its TSIG checked over our MAC);
	 * a MAC no input can know must never verify */
	{
		static const uint8_t prior[32] = { 0x5a, 0xa5, 1, 2, 3 };
		struct rpz_tsig_client c;

		memset(&c, 0, sizeof(c));
		c.key = &ctx.keys[size % 2];
		memcpy(c.prior, prior, sizeof(prior));
		c.prior_len = sizeof(prior);
		check(rpz_tsig_verify(&c, data, size, now, 1) != RPZ_TV_OK);
	}
	return 0;
}
