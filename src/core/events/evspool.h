/*
 * evspool.h -- a bounded local file of block events that could not reach the store.
 *
 * When the store is unreachable (PostgreSQL down, a disk full, a lock held) the event
 * writer (core/service/evring.h) appends what it took from the rings here instead of waiting,
 * and drains the file, oldest first, once the store answers again. One spool per node:
 * the file is named after the service and its first listen address (evspool_path) and
 * held with an exclusive flock, so two nodes on one host never share one.
 *
 * File layout (all integers little-endian):
 *   header, 32 bytes: "ISPSPOOL" | u32 version (1) | u32 0 | u64 done | u64 check
 *       done  = offset of the first record not yet in the store (32 = none drained);
 *       check = SipHash-1-3 (fixed key) of the first 24 bytes.
 *   records, from offset 32: u32 magic "ISVE" | u32 len | u64 check | payload[len]
 *       check = SipHash-1-3 (fixed key) of the payload;
 *       payload = i64 time_ms | u16 port | u16 qtype | u16 lengths of client, qname,
 *       list, entry, reason | those five strings, without NUL.
 * A record whose magic, length, checksum or field lengths do not hold (a torn tail after
 * a crash or a power cut, a flipped bit) is reported through the reject callback with
 * its file offset and skipped: the reader looks for the next magic and goes on. A tail
 * shorter than its record's length is reported as torn at its offset.
 *
 * Crash semantics: events are in the store at least once. The writer commits a batch
 * to the store, then moves `done` past it (pwrite + fdatasync of the header). A crash
 * between the two sends that one batch (at most EVSPOOL_BATCH events) again at the next
 * start; nothing older, because `done` moved after every earlier batch. When `done`
 * reaches the end the file is truncated to its header (truncate first, then the header,
 * so a crash in between leaves `done` past the end, which reads as "all drained").
 * Events still in the rings when a node is killed (at most ~100 ms of them) are lost;
 * the spool protects against a store outage, not against the node's own death.
 *
 * Memory: one read buffer of EVSPOOL_BUF bytes, whatever the file holds.
 * Thread safety: one struct evspool per thread (the writer's).
 */
#ifndef ISP_CORE_EVSPOOL_H
#define ISP_CORE_EVSPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store_blocks.h"

#define EVSPOOL_HEADER	    32
#define EVSPOOL_REC_HEADER  16
#define EVSPOOL_CLIENT_MAX  63	 /* longest client address text */
#define EVSPOOL_NAME_MAX    1023 /* qname, entry (EV_NAME_MAX - 1) */
#define EVSPOOL_LIST_MAX    63	 /* list name */
#define EVSPOOL_REASON_MAX  15	 /* reason */
#define EVSPOOL_PAYLOAD_MAX (22 + 63 + 1023 + 63 + 1023 + 15)
#define EVSPOOL_BUF	    65536
#define EVSPOOL_BATCH	    1024 /* events per evspool_read call at most */

struct evspool {
	int fd;
	char path[4096];
	int64_t max_bytes; /* the file never grows past this */
	uint64_t done;	   /* offset of the first record not drained */
	uint64_t size;	   /* file size (end of the last record written) */
	isp_reject_fn on_reject;
	void *ud;
	uint64_t rejected; /* bad records skipped since open */
	unsigned char *buf;
};

/* One decoded event; the strings point into storage owned by the reader. */
struct evspool_event {
	struct store_block_event ev;
	char client[EVSPOOL_CLIENT_MAX + 1];
	char qname[EVSPOOL_NAME_MAX + 1];
	char list[EVSPOOL_LIST_MAX + 1];
	char entry[EVSPOOL_NAME_MAX + 1];
	char reason[EVSPOOL_REASON_MAX + 1];
};

/*
 * Write the spool file name of a node into out: DIR/SERVICE-ADDR.spool, ADDR being the
 * first address of listen (up to a comma) with every character other than letters,
 * digits, '.' and '-' turned into '_' (so "127.0.0.1:5353, [::1]:5353" -> dns-127.0.0.1_5353).
 * Returns 0 or ISR_ELIMIT when it does not fit.
 */
int evspool_path(const char *dir, const char *service, const char *listen, char *out, size_t size);

/*
 * Open (creating it and its folder if missing) the spool file path, lock it, and check
 * its header. A file left by a previous run keeps its records (they are drained first);
 * a bad header is reported through on_reject (offset 0) and the whole file is read
 * again from its first record. on_reject/ud (may be NULL) receive every bad record
 * found by later reads. Returns 0 and *out (free with evspool_close), ISR_EEXIST when
 * another process holds the file, ISR_EIO, ISR_ENOMEM.
 */
int evspool_open(const char *path, int64_t max_bytes, isp_reject_fn on_reject, void *ud,
		 struct evspool **out, struct isp_err *err);
void evspool_close(struct evspool *sp);

/* Events waiting to be drained? */
int evspool_pending(const struct evspool *sp);

/*
 * Append n events (one write, then fdatasync). Events that would take the file past
 * max_bytes are not written: *dropped = how many (the first ones fit, the rest not).
 * Returns 0 (even when some were dropped) or ISR_EIO (nothing written, *dropped = n).
 */
int evspool_append(struct evspool *sp, const struct store_block_event *ev, size_t n,
		   size_t *dropped, struct isp_err *err);

/*
 * Read up to max (<= EVSPOOL_BATCH) events from `done` on into out[]. *n = how many,
 * *next = the offset after the last record read (pass it to evspool_consume once they
 * are in the store). Bad records are reported and skipped. Returns 0 (with *n = 0 at the
 * end), or ISR_EIO.
 */
int evspool_read(struct evspool *sp, struct evspool_event *out, size_t max, size_t *n,
		 uint64_t *next, struct isp_err *err);

/* Mark everything before next as in the store; at the end, truncate the file to its
 * header. Returns 0 or ISR_EIO. */
int evspool_consume(struct evspool *sp, uint64_t next, struct isp_err *err);

/*
 * The parser under evspool_read, exposed for the fuzzer: decode one record at p[0..avail)
 * (file offset off). Returns 1 and *used (the record's size) for a good record, 0 when
 * more bytes are needed (avail shorter than the record), or -1 with *used = bytes to skip
 * (always >= 1) and reason (64 bytes) set for a bad one.
 */
int evspool_decode(const unsigned char *p, size_t avail, struct evspool_event *out, size_t *used,
		   char reason[64]);

/*
 * Retention of spool files (`store prune`): remove the spool files (NAME.spool) in dir
 * last written before now - age that no node holds (flock): those of a node that moved
 * to another address or is gone, whose events are older than the store keeps anyway.
 * A held file is left alone whatever its age. With dry_run, only count. *removed = files
 * (removed or to remove); a missing dir is no error. Returns 0 or ISR_EIO.
 */
int evspool_prune(const char *dir, int64_t now, int64_t age, int dry_run, long *removed,
		  struct isp_err *err);

#endif
