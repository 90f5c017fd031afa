/*
 * sessidx.h -- the on-disk layout of the sessions index, shared by the builder
 * (sessbuild.c) and the reader (sessions.c). See sessions.h for the design. Internal.
 *
 * File: header | IPv4 intervals | IPv6 intervals | IPv4 table | IPv6 table | string pool.
 *   - IPv4 intervals (struct sessidx_v4, 40 bytes) sorted by (address, start, port_lo);
 *     IPv6 intervals (struct sessidx_v6, 56 bytes) sorted by (prefix, length, start).
 *     The intervals of one address (one "group") are adjacent.
 *   - Tables: open addressing (linear probing, Lemire range map of the hash) from an
 *     address to the index of its group's first interval: the single lookup reads one
 *     slot and then the group (two or three cache misses). IPv4 slot: address << 32 |
 *     (index + 1); IPv6 slot: hash tag << 32 | (index + 1); 0 = empty. Load <= 1/2.
 *   - String pool: NUL-terminated strings, deduplicated, offset 0 = "". Intervals name
 *     their user, session id and NAS by pool offset (32 bits).
 *   - Times are unix seconds in 32 bits (1970..2106); `end` is the effective end the
 *     lookups use (0 = none: open with no maximum and not cut), `stop` the end a Stop or
 *     lease gave (what a later build starts from), `seen` the last sign of life.
 * Checksum: the body (everything after the header) in blocks of SESSIDX_BLOCK bytes,
 * each hashed with hash_checksum and chained, so the builder checksums what it streams
 * to the file without holding or re-reading it; then the header (checksum field 0).
 *
 * Version history: 1 -- first layout.
 */
#ifndef ISP_CORE_SESSIDX_H
#define ISP_CORE_SESSIDX_H

#include <stdint.h>

#include "core/base/hash.h"

#define SESSIDX_MAGIC	"ISPSESS\x1a"
#define SESSIDX_VERSION 1
#define SESSIDX_BLOCK	(1u << 20)

/* Interval flags. */
#define SESSIDX_OPEN  1u /* no Stop / lease end known */
#define SESSIDX_LEASE 2u /* from a lease (SESS_LEASE), not a RADIUS session */
/* start comes from a Start record (not derived from Acct-Session-Time) */
#define SESSIDX_SKNOWN 4u
#define SESSIDX_FLAGS  (SESSIDX_OPEN | SESSIDX_LEASE | SESSIDX_SKNOWN)

struct sessidx_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size; /* sizeof(struct sessidx_header) */
	uint64_t file_size;
	uint64_t checksum; /* blocks of the body, then the header (see above) */
	uint64_t created;  /* unix seconds */
	int64_t open_max;  /* sess_opts.open_max the index was built with */
	uint64_t n4, n6;   /* intervals */
	uint64_t v4_off, v6_off;
	uint64_t t4_off, t4_slots;
	uint64_t t6_off, t6_slots;
	uint64_t pool_off, pool_size;
	uint64_t v6_lens[3]; /* bit i of word i/64: some IPv6 interval has prefix length i */
	uint64_t nopen;	     /* intervals with SESSIDX_OPEN */
	uint8_t reserved[32];
};

struct sessidx_tail {
	uint32_t start, end, stop, seen;
	uint32_t user, sid, nas; /* pool offsets */
	uint32_t flags;
};

struct sessidx_v4 {
	uint32_t addr; /* host byte order */
	uint16_t port_lo, port_hi;
	struct sessidx_tail t;
};

struct sessidx_v6 {
	uint8_t addr[16]; /* network byte order, host bits zero */
	uint8_t len;
	uint8_t pad[3];
	uint16_t port_lo, port_hi;
	struct sessidx_tail t;
};

_Static_assert(sizeof(struct sessidx_header) % 8 == 0, "sections stay 8-byte aligned");
_Static_assert(sizeof(struct sessidx_v4) == 40, "IPv4 interval is 40 bytes");
_Static_assert(sizeof(struct sessidx_v6) == 56, "IPv6 interval is 56 bytes");

/* Hash of an IPv4 address (host order) for the IPv4 table. */
static inline uint64_t sessidx_hash4(uint32_t a)
{
	return hash_final(a, '4');
}

/* Hash of an IPv6 prefix (bytes, length) for the IPv6 table. */
static inline uint64_t sessidx_hash6(const uint8_t *a, unsigned len)
{
	uint64_t x, y;

	__builtin_memcpy(&x, a, 8);
	__builtin_memcpy(&y, a + 8, 8);
	return hash_final(hash_final(x, '6') ^ y ^ ((uint64_t)len << 48), '6');
}

/* Slot index of hash h in a table of n slots (Lemire's multiply-shift range map). */
static inline uint64_t sessidx_slot(uint64_t h, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)h * n) >> 64);
}

/* Chain one block's checksum into the running value. */
static inline uint64_t sessidx_chain(uint64_t acc, uint64_t block)
{
	return hash_final(acc ^ block, 'S');
}

/* For the builder (sessbuild.c): the raw sections of an open index (sessions.c). */
struct sessdb;
struct sessidx_raw {
	const struct sessidx_v4 *v4;
	const struct sessidx_v6 *v6;
	uint64_t n4, n6;
	const char *pool;
	uint64_t pool_size;
};
void sessidx_get_raw(const struct sessdb *db, struct sessidx_raw *out);

#endif
