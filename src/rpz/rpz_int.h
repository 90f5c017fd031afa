/*
 * rpz_int.h -- the parts of the RPZ service (rpz.h), internal to src/rpz:
 *
 *   zone.c    a zone built from the snapshot: its records in one arena, sorted (by a
 *             hash, then bytes), so that two zones' difference is one merge walk; the
 *             journal of differences.
 *   tsig.c    TSIG (RFC 8945): keys, the check of a request, the signing of responses
 *             (each message of a transfer signed, chained by the prior MAC). The HMACs
 *             are libsodium's.
 *   xfr.c     a request answered: SOA, AXFR, IXFR, errors; a transfer as a generator of
 *             messages (no whole-zone buffer).
 *   member.c  the members (the ACL's entries): who a request is, its rate of transfers.
 *   rebuild.c the zones brought up to a new snapshot: a difference by one walk of it.
 *   notify.c  NOTIFY to the secondaries, resent until answered.
 *   server.c  sockets, the poll loop, limits, reloads.
 *   tsig_client.c  TSIG of the exchanges we start (`lists pull`): a request signed, each
 *             response verified, multi-message transfers by the chain of MACs.
 *   pull*.c   `lists pull` (pull.h): the transfer read, the zone copy, the import.
 *
 * Record layout in an arena (struct rpz_zone, struct rpz_diff): u8 owner length, the
 * owner's labels relative to the origin (wire form, no root label; length 0 = the apex),
 * u16 type, u16 rdlength, rdata (uncompressed). Records sort by a hash of these bytes,
 * then the bytes (rpz_zone_order): not DNS order, but a total order, which is all a
 * difference needs.
 */
#ifndef ISP_RPZ_INT_H
#define ISP_RPZ_INT_H

#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/base/err.h"
#include "core/lists/snapshot.h"
#include "core/net/dnswire.h"
#include "core/net/prefixset.h"
#include "core/service/config.h"

#define RPZ_MAX_ZONES	16
#define RPZ_ZONE_LISTS	32 /* lists in one zone */
#define RPZ_MAX_KEYS	64
#define RPZ_MAX_MEMBERS 64    /* entries of the ACL (rpz.allow) */
#define RPZ_MSG_MAX	16384 /* bytes of a transfer message before its TSIG */
#define RPZ_MSG_CAP	17000 /* room of a message buffer: RPZ_MSG_MAX + a TSIG */
#define RPZ_FUDGE	300   /* seconds of clock difference a TSIG may have */
#define RPZ_REFRESH	3600  /* the SOA's timers */
#define RPZ_RETRY	600
#define RPZ_EXPIRE	604800

/* ---- zone.c ---- */

struct rpz_zone {
	char name[256];		       /* normalised, no trailing dot */
	uint8_t origin[DNSW_MAX_NAME]; /* wire form */
	size_t origin_len;
	uint32_t serial, ttl;
	uint8_t *arena;
	size_t arena_len;
	uint32_t *recs; /* offsets of the records in the arena, sorted, distinct */
	size_t n;
	long toolong; /* names left out: too long under the origin */
	int refs;     /* owners: the server and each transfer of it */
};

/* The difference from serial `from` to serial `to`: records deleted and added. */
struct rpz_diff {
	uint32_t from, to;
	uint8_t *arena;
	size_t arena_len;
	uint32_t *del, *add;
	size_t ndel, nadd;
	int refs;
};

/*
 * What a "block" entry (an entry with no RPZ action of its own: a plain list, CNAME .) is
 * served as: its list's [list.NAME] action, else dns.block-action, as `ispshield dns`
 * answers it. nxdomain CNAME .; walled-garden CNAME rpz.walled-garden, or A/AAAA records
 * of dns.walled-garden-a/-aaaa; refused has no RPZ form: CNAME . (NXDOMAIN); log-only
 * CNAME rpz-passthru. (the resolver answers, and logs the hit, as BIND logs passthru),
 * unless another list of the zone blocks the name. An entry's own action (nodata, drop,
 * tcp-only, local data, nxdomain) is kept whatever the list's policy, as in `dns`.
 */
struct rpz_policy {
	const struct isp_config *cfg; /* [list.NAME] look-ups; NULL = every list default */
	int walled;		      /* dns.block-action is walled-garden */
	uint8_t cname[DNSW_MAX_NAME]; /* rpz.walled-garden, wire form; cname_len 0 = none */
	size_t cname_len;
	uint8_t a[4], aaaa[16];
	int have_a, have_aaaa;
};

/* The policy of cfg (cfg kept). Returns 0, or ISR_EINVAL with err (a bad
 * rpz.walled-garden or walled-garden address; a walled-garden list with nowhere to send
 * it). */
int rpz_policy_init(struct rpz_policy *p, const struct isp_config *cfg, struct isp_err *err);

/* Size in bytes of the record at r. */
size_t rpz_rec_size(const uint8_t *r);

/*
 * Build zone `name` (normalised) from the entries of the snapshot lists lists[0..nlists)
 * (by name; a list the snapshot does not have adds nothing) with records of TTL ttl:
 * names as QNAME triggers, "*.name" for wildcard entries, prefixes as rpz-ip triggers;
 * each entry's action as its policy record (block and nxdomain CNAME ., nodata CNAME *.,
 * drop CNAME rpz-drop., tcp-only CNAME rpz-tcp-only., local data its records; block as
 * its list's policy says, see struct rpz_policy; pol NULL = CNAME .); entries
 * the allowlist covers, and the allowlist's own entries of the zone's kinds, as CNAME
 * rpz-passthru.; the apex NS localhost. The records are in the order the snapshot gave
 * them, maybe twice: rpz_zone_order sorts them. The serial is 0 (the caller sets it).
 * Returns 0 and *out (refs 1), or ISR_ENOMEM / ISR_EINVAL (name) with err set.
 */
int rpz_zone_build(const struct snap *s, const char *name, const char *const *lists, int nlists,
		   uint32_t ttl, const struct rpz_policy *pol, struct rpz_zone **out,
		   struct isp_err *err);
/* The records rpz_zone_build would make, each given to visit (rec: the layout above) and
 * not kept; visit returns non-zero only when out of memory. Returns 0, or ISR_ENOMEM /
 * ISR_EINVAL (name) with err set. */
int rpz_zone_walk(const struct snap *s, const char *name, const char *const *lists, int nlists,
		  const struct rpz_policy *pol, int (*visit)(void *ud, const uint8_t *rec),
		  void *ud, struct isp_err *err);
void rpz_zone_unref(struct rpz_zone *z);

/* The keyed 64-bit hash of record r (the zone order's first key; see zone.c). */
uint64_t rpz_rec_hash(const uint8_t *r);
/* Sort v[0..n) ascending (radix, in place; shift 56 to start). */
void rpz_u64_sort(uint64_t *v, size_t n, int shift);

/* Sort z's records in the order differences are made in (a hash of the bytes, then the
 * bytes: the same in every zone), drop duplicates, and rewrite the arena in that order.
 * 0 or ISR_ENOMEM (z unchanged). */
int rpz_zone_order(struct rpz_zone *z);
/* Sort the records at recs[0..n) of arena so (v: room for n words) and drop duplicates;
 * returns how many are left. */
size_t rpz_recs_order(const uint8_t *arena, uint32_t *recs, size_t n, uint64_t *v);

/* The difference from a to b (from = a's serial, to = b's). Returns 0 and *out (refs 1;
 * ndel + nadd == 0 when equal), or ISR_ENOMEM. */
int rpz_diff_make(const struct rpz_zone *a, const struct rpz_zone *b, struct rpz_diff **out);
void rpz_diff_unref(struct rpz_diff *d);

/* The journal of a zone: successive differences, oldest first, at most max records in
 * all (the oldest dropped first; one larger than max alone is not kept). */
struct rpz_journal {
	struct rpz_diff **d;
	size_t n, cap;
	size_t recs, max;
};

/* Append d (the journal takes the reference) and trim. Returns 0 or ISR_ENOMEM (d is
 * then dropped, and the journal emptied: IXFR falls back to AXFR). */
int rpz_journal_add(struct rpz_journal *j, struct rpz_diff *d);
/* The index of the first difference of the chain from serial `from` to the newest, or -1
 * when the journal does not reach back to it. */
long rpz_journal_find(const struct rpz_journal *j, uint32_t from);
void rpz_journal_free(struct rpz_journal *j);

/* ---- tsig.c ---- */

enum rpz_alg { RPZ_HMAC_SHA256, RPZ_HMAC_SHA512 };

/* TSIG errors (RFC 8945 section 5.3.2), in the TSIG record's error field. */
#define RPZ_BADSIG   16
#define RPZ_BADKEY   17
#define RPZ_BADTIME  18
#define RPZ_BADTRUNC 22

struct rpz_key {
	char name[256]; /* presentation form, lower-cased, no trailing dot */
	uint8_t wire[DNSW_MAX_NAME];
	size_t wire_len;
	enum rpz_alg alg;
	uint8_t secret[128];
	size_t secret_len;
};

/*
 * Parse "NAME:ALG:SECRETFILE" (ALG hmac-sha256 or hmac-sha512; the file holds the secret
 * in base64, alone or as a BIND key file's `secret "...";`, and may be read by its owner
 * only) into *k. Returns 0, or ISR_EINVAL / ISR_EIO with err naming `what` and the reason.
 */
int rpz_key_parse(const char *spec, const char *what, struct rpz_key *k, struct isp_err *err);

/* Parse the base64 secret (or BIND key file) text[0..len) into k. 0 or -1. */
int rpz_key_secret(struct rpz_key *k, const char *text, size_t len);

/* The HMAC of one of the two algorithms, being computed (libsodium's). */
struct rpz_hmac {
	enum rpz_alg alg;
	crypto_auth_hmacsha256_state s256;
	crypto_auth_hmacsha512_state s512;
};

void rpz_hmac_init(struct rpz_hmac *h, const struct rpz_key *k);
void rpz_hmac_update(struct rpz_hmac *h, const void *p, size_t n);
void rpz_hmac_u16(struct rpz_hmac *h, unsigned v);
/* mac gets rpz_tsig_mac_size(alg) bytes. */
void rpz_hmac_final(struct rpz_hmac *h, uint8_t *mac);
/* The TSIG variables of a first (or only) message: key name and algorithm in canonical
 * wire form, class ANY, TTL 0, timers (time signed 48 bits, fudge 16), error, other. */
void rpz_hmac_vars(struct rpz_hmac *h, const uint8_t *kname, size_t klen, const uint8_t *alg,
		   size_t alen, const uint8_t *timers, unsigned error, const uint8_t *other,
		   size_t olen);
size_t rpz_tsig_mac_size(enum rpz_alg a);
/* "hmac-sha256" or "hmac-sha512" */
const char *rpz_alg_name(enum rpz_alg a);
void rpz_put48(uint8_t *p, uint64_t v);
uint64_t rpz_get48(const uint8_t *p);

/* A TSIG record as rpz_tsig_find read it; the pointers point into the message. */
struct rpz_tsig_rr {
	size_t off;	 /* of the record (its owner) in the message */
	char owner[256]; /* presentation form, lower-cased */
	uint8_t kname[DNSW_MAX_NAME], alg[DNSW_MAX_NAME]; /* canonical wire forms */
	size_t kname_len, alg_len;
	char alg_name[256];
	const uint8_t *timers; /* time signed (48 bits) and fudge (16) */
	uint64_t time;
	uint16_t fudge;
	const uint8_t *mac;
	size_t mac_len; /* at most 64 */
	uint16_t orig_id, error, other_len;
	const uint8_t *other;
};

/* Find the TSIG of pkt[0..len): 1 (r filled in), 0 (none), or -1 (malformed: the packet,
 * a TSIG not the last record or more than one, its RDATA, a MAC over 64 bytes). */
int rpz_tsig_find(const uint8_t *pkt, size_t len, struct rpz_tsig_rr *r);
/* Add to h the message pkt as it was before its TSIG r was added: the original ID,
 * ARCOUNT one less, the bytes up to the TSIG record. */
void rpz_hmac_message(struct rpz_hmac *h, const uint8_t *pkt, const struct rpz_tsig_rr *r);

/* The TSIG of a request, as rpz_tsig_check found it. */
struct rpz_tsig_req {
	const struct rpz_key *key; /* the key that verified it; NULL */
	int error;		   /* 0, or RPZ_BAD* to answer with (rcode NOTAUTH) */
	uint8_t mac[64];
	size_t mac_len;
	uint8_t kname[DNSW_MAX_NAME], alg[DNSW_MAX_NAME]; /* canonical wire forms */
	size_t kname_len, alg_len;
	uint64_t time;
	uint16_t orig_id;
};

/*
 * Check the TSIG of the request pkt[0..len) against keys[0..nkeys) at time now (unix
 * seconds). Returns 0 (no TSIG), 1 (verified: t->key set), 2 (t->error set: answer
 * NOTAUTH with it; BADKEY for an unknown key or algorithm, BADSIG for a wrong MAC, BADTIME
 * for a time outside the fudge), or -1 (malformed: FORMERR; a TSIG not the last record,
 * more than one, a MAC too short or too long).
 */
int rpz_tsig_check(const uint8_t *pkt, size_t len, const struct rpz_key *keys, int nkeys,
		   uint64_t now, struct rpz_tsig_req *t);

/* The signing of the responses to one request (or of a request of ours). */
struct rpz_tsig_sign {
	const struct rpz_tsig_req *req;
	uint8_t prior[64]; /* the MAC the next digest starts with */
	size_t prior_len;
	int nsigned; /* messages signed so far */
	uint64_t now;
};

void rpz_tsig_sign_init(struct rpz_tsig_sign *s, const struct rpz_tsig_req *req, uint64_t now);

/*
 * Append the TSIG record to the message msg[0..len) (room cap) and count it in ARCOUNT.
 * The first message's MAC covers the request's MAC, the message and every TSIG variable;
 * each later one the prior MAC, the message and the timers (RFC 8945 5.3.1). A request
 * error (req->error) gets its TSIG as 5.3.2 says: unsigned for BADKEY and BADSIG, signed
 * with the server's time as other data for BADTIME. Returns the new length, or -1 if cap
 * is too small. A req without a MAC (mac_len 0, error 0, key set) signs a request of
 * ours: the digest is then the message and the variables, no prior MAC.
 */
int rpz_tsig_append(struct rpz_tsig_sign *s, uint8_t *msg, size_t len, size_t cap);

/* ---- tsig_client.c ---- */

/* RFC 8945 5.3.1: at most 99 unsigned messages between two signed ones. */
#define RPZ_TSIG_MAX_UNSIGNED 99

/* Why a response failed its TSIG check (rpz_tsig_verify). */
enum rpz_tsig_fail {
	RPZ_TV_OK = 0,
	RPZ_TV_UNSIGNED = -1, /* the first or last message, or 100 in a row, not signed */
	RPZ_TV_MALFORMED = -2,
	RPZ_TV_OTHERKEY = -3, /* signed with another key name or algorithm */
	RPZ_TV_BADSIG = -4,   /* the MAC is wrong (another secret) */
	RPZ_TV_BADTIME = -5,  /* signed outside the fudge of our clock */
	RPZ_TV_ERROR = -6,    /* the server's TSIG error field is set: see error */
};

/* The TSIG of one exchange we start: the request signed with key, then the responses
 * verified in order, each by the chain of MACs (the request's, then the last one
 * verified). */
struct rpz_tsig_client {
	const struct rpz_key *key; /* not owned */
	struct rpz_tsig_req req;   /* what the request was signed with */
	uint8_t prior[64];	   /* the MAC the next digest starts with */
	size_t prior_len;
	struct rpz_hmac h; /* the digest of the unsigned messages since the last signed */
	int open;	   /* h holds one */
	int verified;	   /* signed responses verified so far */
	int unsigned_run;  /* unsigned messages since the last signed one */
	uint16_t error;	   /* RPZ_TV_ERROR: the server's TSIG error (RPZ_BAD*) */
};

/*
 * Sign the request msg[0..len) (room cap) with key k at time now: the TSIG record
 * appended, ARCOUNT counted, c set up to verify the responses. Returns the new length,
 * or -1 if cap is too small.
 */
int rpz_tsig_sign_request(struct rpz_tsig_client *c, const struct rpz_key *k, uint64_t now,
			  uint8_t *msg, size_t len, size_t cap);

/*
 * Verify the next response msg[0..len) at time now; last: it ends the exchange (it must
 * then be signed). An unsigned message is accepted (and digested) only between two
 * signed ones, at most RPZ_TSIG_MAX_UNSIGNED in a row. Returns RPZ_TV_OK or an
 * enum rpz_tsig_fail; c is then not usable for further messages.
 */
int rpz_tsig_verify(struct rpz_tsig_client *c, const uint8_t *msg, size_t len, uint64_t now,
		    int last);

/* A sentence for r (an enum rpz_tsig_fail) and c's key, for an error message. */
const char *rpz_tsig_fail_text(const struct rpz_tsig_client *c, int r, char *buf, size_t size);

/* ---- xfr.c ---- */

/*
 * A member: one entry of the ACL, "key:NAME" (requests verified with that key, from
 * anywhere) or a CIDR (requests from there, signed or not). A request belongs to the
 * member of its verified key when that key is in the ACL, else to the first CIDR that
 * holds its source. Its counters are written by the service's thread and read by the
 * metrics thread (relaxed atomics; name, key and net do not change once served).
 */
struct rpz_member {
	char name[64];		    /* the key's name, or the CIDR as written */
	int key;		    /* index in rpz_ctx.keys, or -1 */
	struct prefixset *net;	    /* the CIDR; NULL for a key */
	_Atomic uint64_t transfers; /* AXFR/IXFR sent whole */
	_Atomic uint64_t failures;  /* transfers cut off (idle, closed, write error) */
	_Atomic uint64_t refused;   /* requests refused by a limit (transfers, rate) */
	_Atomic uint32_t serial;    /* the last serial it was sent (0: none yet) */
	int active;		    /* its transfers in progress (the service's thread only) */
	double tokens;		    /* rate: transfers it may start now (rpz.member-rate) */
	uint64_t tokens_at;	    /* when tokens was last topped up (unix seconds) */
};

/* What the request handler knows: the zones, their journals, the keys and the ACL. */
struct rpz_zstate {
	char name[256];
	const char *lists[RPZ_ZONE_LISTS];
	int nlists;
	char listbuf[1024];
	struct rpz_zone *cur; /* NULL until the first build */
	struct rpz_journal journal;
	long long walk_ms, build_ms; /* the last rebuild: with the snapshot, after it */
};

struct rpz_ctx {
	struct rpz_zstate zones[RPZ_MAX_ZONES];
	int nzones;
	struct rpz_key keys[RPZ_MAX_KEYS];
	int nkeys;
	struct rpz_member members[RPZ_MAX_MEMBERS]; /* the ACL */
	int nmembers;
	int member_rate; /* transfers a member may start a minute; 0 = no limit */
	int member_max;	 /* transfers one member may have at once; 0 = no limit */
	struct rpz_policy policy;
};

/* A transfer in progress: a sequence of segments (an SOA, or records of an arena). */
struct rpz_seg {
	uint32_t soa; /* is_soa: this serial's SOA */
	int is_soa;
	const uint8_t *arena;
	const uint32_t *recs;
	size_t n;
};

struct rpz_xfr {
	struct rpz_zone *zone;	 /* held */
	struct rpz_diff **diffs; /* held */
	size_t ndiffs;
	struct rpz_seg *seg;
	size_t nseg, si, ri;
	uint8_t question[DNSW_MAX_NAME + 4];
	size_t qlen;
	uint16_t id, flags;
	int ixfr; /* 1 incremental, 0 a full zone */
	struct rpz_tsig_req treq;
	int tsig;
	struct rpz_tsig_sign sign;
	long msgs, rrs;
};

/* The outcome of one request, for the log and the counters. */
struct rpz_outcome {
	int rcode;		/* of the (first) response */
	uint16_t qtype;		/* 0 if not parsed */
	const char *zone;	/* the zone asked for, or NULL */
	const char *key;	/* the verified key, or NULL */
	int tsig_error;		/* RPZ_BAD*, or 0 */
	uint32_t client_serial; /* IXFR */
	int member;		/* index in rpz_ctx.members, or -1 (not allowed) */
	uint32_t current;	/* an IXFR over TCP from the current serial: that serial */
	const char *limit;	/* refused by a limit: "transfers", "member transfers", "rate" */
};

/*
 * Answer the request pkt[0..len) from `from` (tcp: over TCP) at time now. Writes the
 * response (or the first message of a transfer) in out[0..cap) (cap >= RPZ_MSG_CAP) and
 * returns its length, or 0 to send nothing (not a query). An AXFR or IXFR over TCP that
 * is allowed, when may_xfr, sets *xfr (the caller sends the rest with rpz_xfr_next and
 * frees it); when !may_xfr (the transfer limit) it is REFUSED. *o tells what happened.
 */
size_t rpz_handle(struct rpz_ctx *c, const uint8_t *pkt, size_t len, const struct sockaddr *from,
		  int tcp, int may_xfr, uint64_t now, uint8_t *out, size_t cap,
		  struct rpz_xfr **xfr, struct rpz_outcome *o);

/* The next message of x in out[0..cap) (cap >= RPZ_MSG_CAP). Returns its length, or 0
 * when the transfer is complete. */
size_t rpz_xfr_next(struct rpz_xfr *x, uint8_t *out, size_t cap);
void rpz_xfr_free(struct rpz_xfr *x);

/* Write the SOA record of zone z with serial (owner: pointer to offset 12) at out[off];
 * returns the new offset, or 0 if cap is too small. */
size_t rpz_put_soa(const struct rpz_zone *z, uint32_t serial, uint8_t *out, size_t off, size_t cap);

/* Parse "ZONE:LIST[+LIST...]" into zs. 0 or ISR_EINVAL with err. */
int rpz_zone_spec(const char *spec, struct rpz_zstate *zs, struct isp_err *err);

/* Parse the ACL list ("CIDR, key:NAME, ...") into c's members (keys must be parsed
 * first). An empty list: every configured key, or 127.0.0.0/8 and ::1 when there is none.
 * 0 or ISR_EINVAL with err. */
int rpz_acl_parse(struct rpz_ctx *c, const char *list, struct isp_err *err);

/* ---- member.c ---- */

/* The member a request belongs to: key's (the verified key, or NULL) when the ACL names
 * it, else the first CIDR that holds from. Its index, or -1 (not allowed). */
int rpz_member_of(const struct rpz_ctx *c, const struct rpz_key *key, const struct sockaddr *from);
/* Member mi starts a transfer at time now (unix seconds): 1 when its rate allows it (a
 * token taken), 0 when not. */
int rpz_member_take(struct rpz_ctx *c, int mi, uint64_t now);
/* Free the members' prefix sets. */
void rpz_members_free(struct rpz_ctx *c);

/* ---- notify.c ---- */

#define RPZ_MAX_NOTIFY 32 /* rpz.notify addresses */

/* A NOTIFY of one zone to one address, resent until answered. */
struct rpz_notify {
	int zone;
	struct sockaddr_storage to;
	socklen_t tolen;
	int key; /* the key it is signed with (index in ctx.keys), or -1 */
	/* the TSIG of the last one sent (tsig_client.c): its answer's MAC covers ours */
	struct rpz_tsig_client tc;
	uint16_t id;
	uint32_t serial;
	int pending, interval_ms;
	int64_t due_ms;
};

struct rpz_notifier {
	struct rpz_notify notes[RPZ_MAX_NOTIFY * RPZ_MAX_ZONES];
	int nnotes;
	struct sockaddr_storage targets[RPZ_MAX_NOTIFY];
	socklen_t tlens[RPZ_MAX_NOTIFY];
	int tkeys[RPZ_MAX_NOTIFY]; /* the key each target's NOTIFY is signed with, or -1 */
	int ntargets;
	int sock[2]; /* the sockets they go from: IPv4, IPv6 (-1: none) */
	uint8_t buf[RPZ_MSG_CAP];
	_Atomic uint64_t sent, acked; /* read by the metrics thread */
};

/* Parse rpz.notify (list: "ADDR:PORT" or "key:NAME@ADDR:PORT", signed with c's key NAME,
 * comma-separated) into s's targets. 0 or ISR_EINVAL with err. */
int rpz_notify_parse(struct rpz_notifier *s, const struct rpz_ctx *c, const char *list,
		     struct isp_err *err);
/* Zone zi of c changed: notify every target of its new serial (due at now, ms). */
void rpz_notify_zone(struct rpz_notifier *s, const struct rpz_ctx *c, int zi, int64_t now);
/* Send the NOTIFYs due at now (ms), and schedule their resending. */
void rpz_notify_due(struct rpz_notifier *s, const struct rpz_ctx *c, int64_t now);
/* Read the answers waiting on socket fd (one of s->sock): each that acknowledges a
 * pending NOTIFY ends it. */
void rpz_notify_read(struct rpz_notifier *s, const struct rpz_ctx *c, int fd);

/* ---- rebuild.c ---- */

/* The difference from zs's zone (zs->cur, not NULL) to the one snapshot s makes of it
 * (d->from set, d->to not), by one walk of s (see rebuild.c); *ohash gets the hashes of
 * the old zone's records, for rpz_zone_apply (the caller frees it). 0 and *out (refs 1),
 * or an error with err set. */
int rpz_zone_delta(const struct snap *s, const struct rpz_zstate *zs, const struct rpz_policy *pol,
		   struct rpz_diff **out, uint64_t **ohash, struct isp_err *err);
/* old with the difference d (made from it) applied, records of TTL ttl, in the zone
 * order; ohash: old's records' hashes (rpz_zone_delta's), or NULL to compute them.
 * 0 and *out (refs 1, serial 0), or ISR_ENOMEM. */
int rpz_zone_apply(const struct rpz_zone *old, const uint64_t *ohash, const struct rpz_diff *d,
		   uint32_t ttl, struct rpz_zone **out);

/* Bring every zone of c up to snapshot s, and close s (before the new zones are
 * assembled, so that it and two zones are not in memory at once). A zone that changed
 * gets a serial of at least `created` and above its previous one, and its difference in
 * the journal; changed[i] is set for it. Returns 0, or the first error with err set
 * (then every zone is kept as it was). */
int rpz_ctx_load(struct rpz_ctx *c, struct snap *s, uint32_t created, uint32_t ttl,
		 size_t journal_max, int *changed, struct isp_err *err);
void rpz_ctx_free(struct rpz_ctx *c);

#endif
