/*
 * rpzdata.h -- the local data of an RPZ entry (the records a "local data" policy answers
 * with instead of the real ones), in the two forms ispshield keeps it.
 *
 * Text form (the store's entries.data, `lists export --format rpz`): one record a line,
 * "TYPE RDATA", lines separated by '\n', at most RPZDATA_MAX bytes:
 *   A 192.0.2.1
 *   AAAA 2001:db8::1
 *   TXT "a string" "another"      (quoted strings, zone-file escapes \X and \DDD,
 *                                  each at most 255 bytes decoded)
 *   CNAME walled.example.         (an absolute host name with its final dot)
 * Only these four types. The RPZ reader builds it from the zone's records of one owner
 * (listfmt_rpz.c), and nothing else writes it, but the store is still read as hostile:
 * the snapshot builder encodes with rpzdata_encode and skips what does not encode.
 *
 * Wire form (the snapshot, what `dns` answers with): the records one after the other as
 * {u16 type, u16 rdlength, rdata} in network byte order, rdata as on the wire (a CNAME
 * target uncompressed), at most RPZDATA_WIRE_MAX bytes. No owner, class or TTL: the
 * owner is the query name, the class IN, the TTL dns.block-ttl.
 */
#ifndef ISP_CORE_LISTS_RPZDATA_H
#define ISP_CORE_LISTS_RPZDATA_H

#include <stddef.h>
#include <stdint.h>

#define RPZDATA_MAX	 4096 /* bytes of text form */
#define RPZDATA_WIRE_MAX 4096 /* bytes of wire form */

/*
 * Encode text[0..len) (text form) into out[0..size) (wire form). Returns the wire
 * length, or -1 with a reason in msg[msgsz] (msg may be NULL): an unknown type, a bad
 * address, name or string, a text longer than RPZDATA_MAX, or out too small. No
 * allocation; out may be NULL with size 0 to only check the text.
 */
int rpzdata_encode(const char *text, size_t len, uint8_t *out, size_t size, char *msg,
		   size_t msgsz);

#endif
