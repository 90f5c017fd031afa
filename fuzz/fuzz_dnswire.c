/*
 * fuzz_dnswire.c -- libFuzzer target for the DNS wire codec (src/core/net/dnswire.h).
 *
 * The input is a UDP payload. It is parsed as a query; when that gives something to
 * answer, every kind of response is built and read back with the codec's own readers,
 * which must accept it and agree with what was asked for (ID, flags, question, OPT,
 * EDE, address). The raw input also goes through the response readers (walk, cache
 * TTL, match, and ageing on a copy, which must leave a malformed message unchanged
 * and a well-formed one still well-formed). Any disagreement aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/cache.h"
#include "core/net/dnswire.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	int n, answers, opts;
	struct dnsw_rr answer, opt;
};

static int seen_cb(void *ud, const struct dnsw_rr *rr)
{
	struct seen *s = ud;

	s->n++;
	CHECK(rr->section >= 1 && rr->section <= 3);
	CHECK(strlen(rr->owner) < 256 && strlen(rr->target) < 256);
	if (rr->type == DNSW_OPT) {
		s->opts++;
		s->opt = *rr;
	} else if (rr->section == 1) {
		s->answers++;
		s->answer = *rr;
	}
	return 0;
}

/* The EDE in an OPT's RDATA: its code, or -1; text and length through the pointers. */
static int ede_of(const struct dnsw_rr *opt, const uint8_t **text, size_t *tlen)
{
	size_t olen;

	if (opt->rdlen < 6 || dnsw_get16(opt->rdata) != DNSW_OPT_EDE)
		return -1;
	olen = dnsw_get16(opt->rdata + 2);
	CHECK(olen >= 2 && 4 + olen == opt->rdlen);
	*text = opt->rdata + 6;
	*tlen = olen - 2;
	return dnsw_get16(opt->rdata + 4);
}

/* Check a response we built for q: header, question, OPT and EDE. */
static void check_built(const struct dnsw_query *q, const uint8_t *out, int n, int rcode, int ede,
			const char *text, struct seen *s)
{
	uint16_t flags;
	const uint8_t *t;
	size_t tlen;
	uint32_t ttl;

	CHECK(n >= DNSW_HEADER);
	flags = dnsw_get16(out + 2);
	CHECK(dnsw_get16(out) == q->id);
	/* opcode copied from the query (RFC 1035 4.1.1) */
	CHECK(flags ==
	      (DNSW_QR | DNSW_RA | (q->flags & (DNSW_RD | DNSW_CD | 0x7800)) | (rcode & 0xf)));
	memset(s, 0, sizeof(*s));
	CHECK(dnsw_walk_response(out, (size_t)n, seen_cb, s) == 0);
	if (q->qname_len > 0) {
		CHECK(dnsw_response_matches(out, (size_t)n, q->id, q->qname, q->qname_len, q->qtype,
					    q->qclass) == 1);
		CHECK(memcmp(out + DNSW_HEADER, q->qname, q->qname_len) == 0);
	} else {
		CHECK(dnsw_get16(out + 4) == 0);
	}
	CHECK(s->opts == (q->has_edns ? 1 : 0));
	(void)dnsw_cache_ttl(out, (size_t)n, &ttl);
	if (!q->has_edns)
		return;
	CHECK(s->opt.rclass == DNSW_MAX_UDP);
	CHECK(s->opt.ttl == ((uint32_t)(rcode >> 4) << 24 | (q->edns_do ? 0x8000u : 0)));
	CHECK(strcmp(s->opt.owner, "") == 0);
	if (ede < 0) {
		CHECK(s->opt.rdlen == 0);
		return;
	}
	CHECK(ede_of(&s->opt, &t, &tlen) == ede);
	CHECK(tlen <= strlen(text) && memcmp(t, text, tlen) == 0);
	CHECK((size_t)n <= q->udp_size || tlen == 0);
}

static void build_all(const struct dnsw_query *q, int rc)
{
	static const int rcodes[] = { DNSW_NOERROR, DNSW_FORMERR, DNSW_SERVFAIL, DNSW_NXDOMAIN,
				      DNSW_NOTIMP,  DNSW_REFUSED, DNSW_BADVERS };
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, [15] = 9 };
	static char longtext[1500];
	const char *texts[3] = { NULL, "urlhaus", longtext };
	uint8_t out[DNSW_MAX_UDP];
	struct seen s;
	size_t i, k;
	int n, fam, ede;
	uint32_t ttl;

	if (longtext[0] == '\0')
		memset(longtext, 'x', sizeof(longtext) - 1);
	for (i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++) {
		for (k = 0; k < 3; k++) {
			ede = k == 0 ? -1 : DNSW_EDE_FILTERED;
			n = dnsw_build_response(q, rcodes[i], ede, texts[k], out, sizeof(out));
			if (rcodes[i] > 15 && !q->has_edns) {
				CHECK(n == -1);
				continue;
			}
			CHECK(n > 0);
			check_built(q, out, n, rcodes[i], ede, texts[k] ? texts[k] : "", &s);
			CHECK(s.answers == 0);
		}
	}
	if (rc > 0) {
		n = dnsw_build_response(q, rc, -1, NULL, out, sizeof(out));
		CHECK(n > 0);
	}
	for (fam = 4; fam <= 6; fam += 2) {
		n = dnsw_build_address(q, fam, addr, 77, DNSW_EDE_FILTERED, "list", out,
				       sizeof(out));
		if (q->qname_len == 0) {
			CHECK(n == -1);
			continue;
		}
		CHECK(n > 0);
		check_built(q, out, n, DNSW_NOERROR, DNSW_EDE_FILTERED, "list", &s);
		if (q->qtype == (fam == 4 ? DNSW_A : DNSW_AAAA) && q->qclass == DNSW_CLASS_IN) {
			CHECK(s.answers == 1);
			CHECK(s.answer.type == q->qtype && s.answer.ttl == 77);
			CHECK(s.answer.rdlen == (fam == 4 ? 4 : 16));
			CHECK(memcmp(s.answer.rdata, addr, s.answer.rdlen) == 0);
			CHECK(strcmp(s.answer.owner, q->name) == 0);
			CHECK(dnsw_cache_ttl(out, (size_t)n, &ttl) == 0 && ttl == 77);
		} else {
			CHECK(s.answers == 0);
		}
	}
}

static int count_cb(void *ud, const struct dnsw_rr *rr)
{
	(void)rr;
	++*(int *)ud;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[65536];
	static struct dcache *cache;
	struct dnsw_query q;
	uint32_t ttl;
	int rc, walked, nrr = 0, before;

	rc = dnsw_parse_query(data, size, &q);
	CHECK(rc == DNSW_DROP || rc == 0 || rc == DNSW_FORMERR || rc == DNSW_NOTIMP);
	if (rc != DNSW_DROP) {
		CHECK(q.qname_len <= DNSW_MAX_NAME && strlen(q.name) == q.name_len);
		CHECK(q.qname_len > 0 || q.name_len == 0);
		CHECK(q.udp_size >= DNSW_MIN_UDP);
		CHECK(rc != 0 || (q.qname_len > 0 && q.question_end <= size));
		build_all(&q, rc);
	}

	walked = dnsw_walk_response(data, size, count_cb, &nrr);
	CHECK(walked == 0 || walked == -1);
	if (dnsw_cache_ttl(data, size, &ttl) == 0)
		CHECK(walked == 0);
	if (rc != DNSW_DROP && q.qname_len > 0) {
		uint8_t fwd[DNSW_HEADER + DNSW_MAX_NAME + 4 + 11];
		struct dnsw_query back;
		int n;

		(void)dnsw_response_matches(data, size, q.id, q.qname, q.qname_len, q.qtype,
					    q.qclass);
		/* the upstream query built from it parses back to the same question */
		n = dnsw_build_query(q.id, q.flags, q.qname, q.qname_len, q.qtype, q.qclass, 1232,
				     q.edns_do, fwd, sizeof(fwd));
		CHECK(n > 0);
		CHECK(dnsw_parse_query(fwd, (size_t)n, &back) == 0);
		CHECK(back.qname_len == q.qname_len && back.udp_size == 1232);
		CHECK(dnsw_question_is(fwd, (size_t)n, q.qname, q.qname_len) == 1);
		/* the 0x20 check and the case restore on the raw input, on a copy */
		if (size <= sizeof(copy)) {
			memcpy(copy, data, size);
			if (dnsw_set_question_name(copy, size, q.qname, q.qname_len) == 0)
				CHECK(dnsw_question_is(copy, size, q.qname, q.qname_len) == 1);
			else
				CHECK(memcmp(copy, data, size) == 0);
		}
	} else
		(void)dnsw_response_matches(data, size, 0, (const uint8_t *)"\1a\0", 3, 1, 1);
	/* Ageing, as the packet cache does it: stored (when well-formed), fetched 1000 s
	 * later with its TTLs aged at the offsets found on insert. Pointers into TTL fields
	 * may read differently then; where the walk still succeeds, it finds as many
	 * records. */
	if (!cache)
		cache = dcache_new(1 << 24, 86400, 86400);
	if (cache && dcache_put(cache, (const uint8_t *)"\1k", 3, data, size, 3600, 0, 0, 0) == 0 &&
	    size >= DNSW_HEADER) {
		int n = dcache_get(cache, (const uint8_t *)"\1k", 3, 1000 * 1000, copy,
				   sizeof(copy), NULL);

		CHECK(walked == 0);
		CHECK(n == (int)size);
		before = nrr;
		nrr = 0;
		if (dnsw_walk_response(copy, size, count_cb, &nrr) == 0)
			CHECK(nrr == before);
	}
	return 0;
}
