/*
 * siphash.h -- SipHash-1-3, a keyed hash for tables whose keys an outsider chooses (DNS
 * names in the packet cache, client addresses and zones in the rate limiters): with a
 * random key per table, nobody can make many keys collide on purpose. The snapshot uses
 * the unkeyed hash.h instead: its keys come from the operator's own lists.
 */
#ifndef ISP_CORE_SIPHASH_H
#define ISP_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-1-3 of p[0..len) under the key (k0, k1). */
uint64_t siphash13(uint64_t k0, uint64_t k1, const void *p, size_t len);

/* A random key from the kernel (getrandom); should that fail, one from the clock and
 * the address of `salt` -- weak, but the table still works. */
void siphash_key(uint64_t *k0, uint64_t *k1, const void *salt);

#endif
