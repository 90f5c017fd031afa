/*
 * pull_int.h -- the parts of `lists pull` (pull.h), internal to src/rpz:
 *
 *   pull_in.c    a transfer read: the response messages of an AXFR or IXFR, checked one
 *                by one (ID, question, rcode, TSIG chain, owners inside the zone, the SOA
 *                framing of RFC 1995/5936) and turned into record lines. Pure: bytes in,
 *                lines out, so the fuzz target runs it on captured BIND transfers.
 *   pull_copy.c  the zone copy: the zone's records as sorted, distinct text lines, an
 *                IXFR's differences applied to it, and the file `lists import`'s RPZ
 *                reader takes (pull/LIST.zone beside the snapshot).
 *   pull.c       the exchange over TCP (SOA, then IXFR or AXFR), the state kept in the
 *                store, the import and the compile.
 *
 * A record line is the record in zone-file syntax without its TTL, "owner. IN TYPE
 * RDATA": names lower-cased and absolute, bytes outside [a-z0-9-_*] as \DDD, TXT strings
 * quoted with \" \\ and \DDD, A/AAAA/names/SOA/MX as text, any other type as its
 * mnemonic (TYPEnnn) and RFC 3597's \# form. One record has one line, so the line is the
 * record's identity: an IXFR deletion removes the equal line.
 */
#ifndef ISP_RPZ_PULL_INT_H
#define ISP_RPZ_PULL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/net/dnswire.h"
#include "rpz/rpz_int.h"

#define PULL_MSG_MAX	 65535		      /* a TCP DNS message (its length prefix) */
#define PULL_LINE_MAX	 (4 * 65535 + 1024)   /* a record line: rdata as \DDD, names */
#define PULL_MAX_RECORDS 10000000L	      /* records of one transfer, and of the zone */
#define PULL_MAX_BYTES	 ((long long)2 << 30) /* bytes of one transfer */

/* What a record line is in the transfer. */
enum pull_rec { PULL_FULL, PULL_DEL, PULL_ADD };

/* How a transfer ended (struct pull_in's outcome). */
enum pull_outcome {
	PULL_MORE = 0,	  /* not yet */
	PULL_ZONE,	  /* a whole zone (AXFR, or IXFR answered by one) */
	PULL_INCREMENTAL, /* differences (IXFR) */
	PULL_CURRENT,	  /* one SOA only: nothing newer (IXFR) or a SOA query's answer */
};

/* An incoming transfer (or SOA answer) being read. */
struct pull_in {
	/* set by the caller (pull_in_init) */
	uint8_t origin[DNSW_MAX_NAME]; /* the zone, wire form, lower-cased */
	size_t origin_len;
	uint16_t id, qtype;	      /* of the request */
	uint32_t have;		      /* IXFR: the serial asked from */
	struct rpz_tsig_client *tsig; /* NULL: unsigned */
	long max_records;
	/* a record line (not the zone's SOA); kind PULL_DEL/ADD inside the difference
	 * that pull_diff announced. A non-zero return stops the read with that value. */
	int (*on_rec)(void *ud, enum pull_rec kind, const char *line, size_t len);
	/* the start of a difference from serial `from` (IXFR) */
	int (*on_diff)(void *ud, uint32_t from);
	void *ud;
	/* the result */
	enum pull_outcome outcome;
	uint32_t serial;		  /* the server's (its first SOA) */
	uint32_t refresh, retry;	  /* of that SOA */
	char soa[DNSW_MAX_NAME * 8 + 96]; /* that SOA as a record line */
	long msgs, recs, diffs;
	/* progress */
	int state;
	uint32_t cur; /* IXFR: the serial the difference in progress goes to */
	char *line;   /* PULL_LINE_MAX bytes */
	int failed;   /* a record was bad: err set */
	struct isp_err *err;
};

/*
 * Set up x for the answer to a request of type qtype (DNSW_SOA, DNSW_AXFR, DNSW_IXFR)
 * with this id for zone origin (wire form); have: the IXFR's serial. Returns 0, or
 * ISR_ENOMEM. pull_in_free releases it.
 */
int pull_in_init(struct pull_in *x, const uint8_t *origin, size_t origin_len, uint16_t id,
		 uint16_t qtype, uint32_t have);
void pull_in_free(struct pull_in *x);

/*
 * Read the next message msg[0..len) of the answer at time now (unix seconds, for the
 * TSIG). Returns 0 (more messages to come), 1 (complete: x->outcome), or a negative
 * ISR code with err saying what and where ("message M, record R: ..."): a response that
 * is not ours, an rcode other than NOERROR, a TSIG that does not verify (the server's
 * own TSIG error named), a record outside the zone or of another class, records after
 * the final SOA, a broken IXFR chain, more than max_records records (ISR_ELIMIT), a
 * malformed message (ISR_EFORMAT). After an error x reads nothing more.
 */
int pull_in_msg(struct pull_in *x, const uint8_t *msg, size_t len, uint64_t now,
		struct isp_err *err);

/*
 * Set up x (and tc) for the answer to the query q[0..n) as it was sent, for replaying a
 * recorded conversation (unit tests, the fuzz target): its ID, type and zone, an IXFR's
 * serial (its authority SOA), and when q carries a TSIG, the chain from its MAC with key
 * k (x->tsig = tc). Returns 0, or -1 (not a query, or out of memory: x is not set up).
 */
int pull_in_replay(struct pull_in *x, struct rpz_tsig_client *tc, const struct rpz_key *k,
		   const uint8_t *q, size_t n);

/*
 * The record of msg at rr (a record dnsw_walk_response gave) as a record line in
 * out[0..size) (size >= PULL_LINE_MAX). Returns the length, or -1 (malformed rdata of a
 * type written as text).
 */
int pull_rec_line(const uint8_t *msg, size_t len, const struct dnsw_rr *rr, char *out, size_t size);

/* ---- pull_copy.c ---- */

/* A set of record lines: one arena of NUL-terminated lines and their offsets. */
struct pull_lines {
	char *arena;
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
};

/* Append line[0..len). 0 or ISR_ENOMEM. */
int pull_lines_add(struct pull_lines *s, const char *line, size_t len);
/* Sort s and drop repeated lines. */
void pull_lines_sort(struct pull_lines *s);
void pull_lines_free(struct pull_lines *s);
/* Line i of s. */
static inline const char *pull_line(const struct pull_lines *s, size_t i)
{
	return s->arena + s->off[i];
}

/*
 * Apply one difference to the zone z (sorted): the lines of del (sorted here) removed,
 * those of add (sorted here) added. Returns 0, ISR_ENOMEM, or ISR_ECORRUPT when a line
 * to delete is not in z (the copy and the server disagree: the caller does an AXFR);
 * *missing then holds the first such line. z is left sorted and distinct either way.
 */
int pull_lines_apply(struct pull_lines *z, struct pull_lines *del, struct pull_lines *add,
		     const char **missing);

/*
 * Write the zone copy: a comment naming zone and serial, $ORIGIN, the SOA line, then
 * the lines of z, into path (atomically, private mode). 0 or ISR_EIO.
 */
int pull_copy_write(const char *path, const char *zone, uint32_t serial, const char *soa,
		    const struct pull_lines *z, struct isp_err *err);

/*
 * Read the zone copy at path back into z (sorted), if it is the copy of zone at serial:
 * 1 read, 0 (missing, another zone or serial, malformed: an AXFR is needed), or
 * ISR_ENOMEM / ISR_ELIMIT (more than max lines).
 */
int pull_copy_read(const char *path, const char *zone, uint32_t serial, long max,
		   struct pull_lines *z, char *soa, size_t soa_size, struct isp_err *err);

#endif
