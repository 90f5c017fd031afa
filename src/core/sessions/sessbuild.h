/*
 * sessbuild.h -- the sessions builder's state, shared by its two halves: pairing records
 * into intervals (sessbuild.c) and writing the index (sesswrite.c). Internal header.
 */
#ifndef ISP_CORE_SESSBUILD_H
#define ISP_CORE_SESSBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "core/sessions/sessions.h"

#define NONE	    UINT32_MAX
#define B_V6	    0x100u /* a is an index into the IPv6 table */
#define B_BASE	    0x200u /* came from the base index */
#define TIME_MAX    (UINT32_MAX - 1)
#define CUT_SCAN    4096 /* intervals scanned for the next holder of a port block */
#define DEF_OPENMAX 86400
/* Hash table slots: the hash's high 32 bits as a tag (compared before the entry is read:
 * one cache miss less per probe), the value + 1 in the low 32. */
#define TAG(h)	    ((h)&0xffffffff00000000ULL)
#define SLOT_TAG(v) ((v)&0xffffffff00000000ULL)
#define SLOT_VAL(v) ((uint32_t)(v)-1u)
/* First slot to probe for hash (or slot value) h: from the tag bits, so that a table
 * grows without reading its entries again. */
#define HOME(h, mask) ((size_t)((h) >> 32) & (mask))

struct biv {
	uint32_t a; /* IPv4 address (host order), or index into the IPv6 table (B_V6) */
	uint16_t port_lo, port_hi;
	uint32_t start, stop, seen; /* stop: 0 while SESSIDX_OPEN */
	uint32_t user, sid;	    /* pool offsets (0 = "": not known) */
	uint32_t nasip, nasid;	    /* pool offsets of NAS-IP-Address, NAS-Identifier */
	uint32_t next;		    /* next interval of the same session, NONE */
	uint32_t flags;		    /* SESSIDX_* | B_* */
};

struct b6 {
	uint8_t addr[16];
	uint8_t len;
};

/* An address of a record, normalised. */
struct baddr {
	int v6;
	uint32_t a4;
	struct b6 p6;
};

struct sess_builder {
	struct sess_opts opts;
	struct biv *iv;
	size_t niv, capiv;
	struct b6 *a6;
	size_t na6, capa6;
	char *pool;
	size_t npool, cappool;
	uint64_t *strtab; /* hash tag << 32 | pool offset + 1; 0 = empty */
	size_t strmask, nstr;
	uint64_t *sestab; /* hash tag << 32 | head interval + 1; 0 = empty */
	size_t sesmask, nses;
	uint64_t k0, k1;
	struct sess_build_stats st;
	int written;
};

/* Sort b's intervals and write them as an index to tmp (sesswrite.c). The pairing tables
 * must be freed already (their memory goes to the sort). */
int sess_write_index(struct sess_builder *b, const char *tmp, struct isp_err *err);

#endif
