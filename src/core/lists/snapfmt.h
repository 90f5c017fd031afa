/*
 * snapfmt.h -- the on-disk layout of a snapshot, shared by the builder (snapbuild.c)
 * and the reader (snapshot.c). See snapshot.h for the design. Internal header.
 *
 * Version history: 1 -- first layout; 2 -- hits carry the RPZ action byte, records
 * carry local data after their hits.
 */
#ifndef ISP_CORE_SNAPFMT_H
#define ISP_CORE_SNAPFMT_H

#include <stdint.h>

#define SNAP_MAGIC   "ISPSNAP\x1a"
#define SNAP_VERSION 2

struct snap_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size; /* sizeof(struct snap_header) */
	uint64_t file_size;
	uint64_t checksum; /* hash_checksum over bytes [header_size, file_size) */
	uint64_t created;  /* unix seconds */
	uint64_t serial;   /* created in nanoseconds: increases with every build */
	uint32_t nlists;
	uint32_t nkeys;
	uint64_t lists_off;
	uint64_t table_off;
	uint64_t nslots;
	uint64_t pool_off;
	uint64_t pool_size;
	uint64_t v4_lens;    /* bit i: some IPv4 key has prefix length i (0..32) */
	uint64_t v6_lens[3]; /* bit i of word i/64: IPv6 prefix length i (0..128) */
	uint8_t reserved[32];
};

struct snap_list_rec {
	char name[64];
	uint32_t kind;
	uint32_t keys;
	uint64_t bytes;
};

/* Slot: low 32 bits tag, high 32 bits record offset + 1 (0 = empty). */
#define SNAP_SLOT(tag, off) ((uint64_t)(off + 1) << 32 | (uint32_t)(tag))
#define SNAP_SLOT_TAG(s)    ((uint32_t)(s))
#define SNAP_SLOT_OFF(s)    ((uint32_t)((s) >> 32))

/*
 * Record: u16 keylen, u8 type, key, u8 nhits, nhits x {u16 list, u8 flags, u8 actions},
 * then the local data: for each hit in order, for its exact action (low 4 bits of
 * actions) and then its wildcard action (high 4 bits) that is LIST_LOCAL, {u16 len,
 * len bytes of wire form (core/lists/rpzdata.h)}. An action is an enum list_action;
 * the action of a flag not set is 0 (block) and means nothing. A record without local
 * data ends after its hits, as in version 1 with one byte more per hit.
 */
#define SNAP_REC_HEAD 3
#define SNAP_HIT_SIZE 4

/* Key types. */
#define SNAP_KEY_DOMAIN 'D'
#define SNAP_KEY_URL	'U'
#define SNAP_KEY_IP4	'4'
#define SNAP_KEY_IP6	'6'

/* Slot index of hash h in a table of n slots (Lemire's multiply-shift range map). */
static inline uint64_t snap_slot_index(uint64_t h, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)h * n) >> 64);
}

#endif
