/*
 * sessgen.h -- the generated address-assignment month of the notify benchmark
 * (bench/notify/run.sh), shared by its programs. Deterministic from a seed: the builder
 * and the matcher regenerate the same sessions without storing them.
 *
 * Addresses: 90% plain IPv4 (10.0.0.0/8 upwards), 9% IPv6 delegated /56 (2001:db8::/32),
 * 1% CGNAT IPv4 (100.64.0.0/10) shared by 8 port blocks of 4096 ports. Each address (each
 * block) is assigned about `per` times over 30 days starting 2026-01-01: sessions follow
 * one another with short gaps; the last one is left open (no Stop) with probability 0.3.
 * Half the addresses come from RADIUS (Start + Stop with Acct-Session-Time, or Start +
 * Interim when open), half from DHCP leases (one SESS_LEASE record per interval).
 * Subscribers: 1.5 M user names, drawn at random per session; session ids unique.
 */
#ifndef ISP_BENCH_SESSGEN_H
#define ISP_BENCH_SESSGEN_H

#include <stdint.h>

#include "core/sessions/sessions.h"

#define GEN_T0	  1767225600LL /* 2026-01-01 00:00 UTC */
#define GEN_MONTH (30LL * 86400)

struct gen_iv {
	struct ip_prefix addr;
	uint16_t port_lo, port_hi;
	int64_t start, end; /* end: Stop / lease end; for an open one, its last Interim */
	int open;
	int lease;
	uint64_t sid; /* session id number (written as %016llx) */
	uint32_t user;
};

/* Called for each interval, in rounds (every address's k-th session, k = 0, 1, ...),
 * which keeps the stream roughly in time order as a real log is. */
typedef void (*gen_fn)(void *ud, const struct gen_iv *iv);

/* Generate n intervals over about naddr addresses from seed. */
void gen_sessions(uint64_t n, uint64_t naddr, uint64_t seed, gen_fn fn, void *ud);

/* splitmix64 step. */
uint64_t gen_rnd(uint64_t *s);

#endif
