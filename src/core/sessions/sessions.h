/*
 * sessions.h -- the address-assignment index: who held an address at a time.
 *
 * Records from sessfmt readers are paired into intervals by a builder, merged with the
 * intervals already known, and written as one immutable, checksummed file that readers
 * mmap (the way the list snapshot works): `sessions import` rewrites it atomically
 * (temporary file, fsync, rename), and `sessions who` and `notify` open it in
 * milliseconds whatever its size.
 *
 * Pairing (the builder):
 *   - RADIUS records pair by Acct-Session-Id and whatever of NAS-IP-Address,
 *     NAS-Identifier, User-Name and the IPv4 address both carry: an attribute only one
 *     of them has does not keep them apart (behind a RADIUS proxy the Interim and Stop
 *     often lack the Start's NAS-IP-Address), one both have with different values does
 *     (two NASes counting session ids from 1). Not Acct-Unique-Session-Id, which
 *     FreeRADIUS changes between Start and Stop. Start opens; Interim-Update keeps the
 *     session alive (its last_seen); Stop closes it. An Interim or Stop whose Start was
 *     lost opens the session at time - Acct-Session-Time (or at its own time).
 *   - Records may come in any order, in several files and several imports: a session
 *     left open by one import is closed by a Stop in a later one. The same record read
 *     twice changes nothing (an import of the same file again is a no-op).
 *   - Leases (SESS_LEASE) are intervals already; the same (address, client, start) seen
 *     again keeps the latest end (a known end beats an open lease). A closed lease whose
 *     start lies inside the same client's closed lease on that address is a renewal: it
 *     extends that interval instead of adding one (dhcpd and Kea write one per renewal). A SESS_RELEASE ends the client's lease on that address at
 *     the release time when that is after the lease's start; Kea does not record when a
 *     lease was released (it writes the lease's cltt), so otherwise the lease keeps its
 *     expiry.
 *   - A session with several addresses (IPv4 + delegated IPv6 prefix) is one interval per
 *     address, all naming the same subscriber and session.
 *
 * Effective end (what lookups use): a session without a Stop stays open until the
 * address is given to someone else (the next interval on that address starts) or until
 * open_max seconds after its last sign of life (Start / Interim), whichever is first. A
 * closed interval that overlaps the next holder's is cut at the next holder's start.
 *
 * Times are stored in 32 bits: records must lie in 1970..2106 (sess_builder_add refuses
 * others with ISR_EINVAL). IPv4 is indexed by host address (/32); an IPv4 prefix of
 * another length in a record is skipped. IPv6 is indexed by prefix, any length.
 *
 * Lookups: IPv4 addresses match the interval of that address (and, for a CGNAT port
 * block, the block holding the port; port 0 = any); IPv6 addresses match by prefix (the
 * longest delegated or framed prefix that contains the address).
 */
#ifndef ISP_CORE_SESSIONS_H
#define ISP_CORE_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/net/ip.h"
#include "core/sessions/sessfmt.h"

struct sessdb;
struct sess_builder;

struct sess_opts {
	int64_t open_max; /* seconds an open session lasts after its last sign of life;
			     0 = no maximum (only the next holder ends it) */
};

struct sess_build_stats {
	long records;	 /* records given to the builder */
	long intervals;	 /* intervals in the written index */
	long added;	 /* intervals that were not in the base index */
	long closed;	 /* open intervals of the base index that this build closed */
	long duplicates; /* records that changed nothing (seen before) */
	long orphans;	 /* Stop/Interim/Release without a known session or address */
	long open;	 /* intervals still open after the build */
};

/* A lookup's answer. Pointers point into the mmap'd index: valid until sessdb_close. */
struct sess_hit {
	struct ip_prefix addr;	   /* the interval's address or prefix */
	uint16_t port_lo, port_hi; /* CGNAT block, 0/0 = whole address */
	int64_t start;		   /* unix seconds */
	int64_t end;		   /* effective end (exclusive); 0 = open and not yet cut
				      (only with open_max 0) */
	int64_t last_seen;	   /* latest Start/Interim/Stop/lease time seen */
	int open;		   /* 1 when no Stop / lease end is known */
	const char *user;	   /* subscriber id */
	const char *session_id;
	const char *nas;
	int64_t distance; /* 0 when t is inside; else seconds outside (<= skew): start - t
			     before it, t - (end - 1) after it */
};

enum sess_who_result {
	SESS_NONE = 0,	    /* nobody held the address at t (within skew) */
	SESS_FOUND = 1,	    /* *out is the holder */
	SESS_AMBIGUOUS = 2, /* no interval contains t and intervals of two different
			       subscribers lie within skew, or intervals of two different
			       subscribers contain t (a CGNAT address asked without its port):
			       not attributable */
};

/* Builder: start from base (NULL = empty), add records, write the new index. The builder
 * copies what it needs from base (base may be closed once sess_builder_new returns).
 * opts NULL = base's options, or open_max 86400 without a base. Memory: about 44 bytes
 * per interval + the strings + 8 bytes per table slot (two tables, load <= 0.7). */
int sess_builder_new(const struct sessdb *base, const struct sess_opts *opts,
		     struct sess_builder **out, struct isp_err *err);
/* Add one record (its strings are copied). ISR_EINVAL for a time outside 1970..2106 or a
 * malformed record (nothing is changed then; the caller may go on with the next). */
int sess_builder_add(struct sess_builder *b, const struct sess_record *r, struct isp_err *err);
/* Write the index to path atomically (path.tmp.PID, fsync, rename). stats may be NULL.
 * After it the builder can only be freed (its pairing tables are released first, to make
 * room for the sort). */
int sess_builder_write(struct sess_builder *b, const char *path, struct sess_build_stats *stats,
		       struct isp_err *err);
void sess_builder_free(struct sess_builder *b);

/* Open the index at path (ISR_ENOTFOUND when missing, ISR_ECORRUPT when damaged). Reads
 * the whole file once to verify it: its checksum and every structure lookups rely on
 * (about 0.35 s for 20 M intervals). Close with sessdb_close; thread-safe to query. */
int sessdb_open(const char *path, struct sessdb **out, struct isp_err *err);
void sessdb_close(struct sessdb *db);
/* Number of intervals; the options the index was built with. */
size_t sessdb_count(const struct sessdb *db);
const struct sess_opts *sessdb_opts(const struct sessdb *db);

/*
 * Who held addr (a host address: family 4 or 6, len ignored) at unix time t? port is the
 * event's source port for CGNAT blocks, 0 = unknown. An interval containing t wins;
 * otherwise the nearest one within skew seconds (see SESS_AMBIGUOUS).
 */
enum sess_who_result sessdb_who(const struct sessdb *db, const struct ip_prefix *addr,
				uint16_t port, int64_t t, int64_t skew, struct sess_hit *out);

/* Many questions at once, answered faster than one by one (sorted and merged against
 * the index). res[i] and hits[i] answer q[i]. Allocates 32 bytes per question for the
 * sort (ISR_ENOMEM); IPv6 questions are answered one by one (by hash). */
struct sess_query {
	struct ip_prefix addr;
	uint16_t port;
	int64_t t;
};
int sessdb_who_batch(const struct sessdb *db, const struct sess_query *q, size_t n, int64_t skew,
		     enum sess_who_result *res, struct sess_hit *hits, struct isp_err *err);

/* Call fn for each interval (for `sessions export` and tests); non-zero stops. */
typedef int (*sess_interval_fn)(void *ud, const struct sess_hit *iv);
int sessdb_each(const struct sessdb *db, sess_interval_fn fn, void *ud);

#endif
