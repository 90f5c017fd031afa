/*
 * relay.h -- the ISAC relay: the role between a partner (a CERT, the police) and the
 * member ISPs. A partner list is split by member address ranges, each member gets its
 * rows, and what members send back as not theirs / not handled is counted, giving the
 * table an ISAC publishes: received, sent per member, returned, handled rate.
 *
 * `ispshield relay` (src/cli/cmd_relay.c) parses the arguments and calls these.
 */
#ifndef ISP_RELAY_RELAY_H
#define ISP_RELAY_RELAY_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/events/evfmt.h"
#include "core/events/xarf.h"
#include "core/net/ip.h"
#include "core/store/store.h"

/* Limits of the member table: members are few (tens) with few prefixes each. */
#define RELAY_MAX_MEMBERS  1024
#define RELAY_MAX_PREFIXES 65536

struct relay_split;

/*
 * Read the member table from f (a CSV named path in messages; the caller opens and
 * closes it): a header naming the columns `member` (or `name`) and `prefix` (or
 * `prefixes`), then rows with one prefix or several separated by spaces, ';' or tabs.
 * Any error stops (a wrong split is worse than none): returns an ISR code with
 * PATH:LINE and the reason in err, else 0 and *out (free with relay_split_free). Output
 * goes under dir (relay_split_mkdir creates it).
 */
int relay_split_new(FILE *f, const char *path, const char *dir, struct relay_split **out,
		    struct isp_err *err);

void relay_split_free(struct relay_split *s);

/*
 * Also write each member's rows as X-ARF v4 mails (core/events/xarf.h), one per row, to
 * DIR/MEMBER.mbox, from me (kept, as is source), dated now, to the member's address (the
 * table's optional column `email`; none: undisclosed recipients). Rows of no member get
 * none. Call before relay_split_file.
 */
void relay_split_xarf(struct relay_split *s, const struct xarf_party *me, const char *source,
		      int64_t now);

/* Create the output folder if missing. Returns 0 or ISR_EIO with the reason. */
int relay_split_mkdir(const struct relay_split *s, struct isp_err *err);

/*
 * The member index an address belongs to: the member of the longest prefix holding it,
 * or relay_split_members(s) when it belongs to no member ("unassigned").
 */
int relay_member_of(const struct relay_split *s, const struct ip_prefix *ip);

/* Number of members; name of member i (i == members gives "" = unassigned). */
int relay_split_members(const struct relay_split *s);
const char *relay_split_name(const struct relay_split *s, int i);

/* Rows written for member i so far (i == members: unassigned), and in all. */
long relay_split_sent(const struct relay_split *s, int i);
long relay_split_rows(const struct relay_split *s);

/*
 * Split one partner list read from f (formats of `events import`, fo as for evfmt_read):
 * each row goes to DIR/MEMBER.csv (unassigned rows to DIR/unassigned.csv), each file
 * starting with the list's header. Rejected rows go to reject(ud, ...) and are counted
 * in *stats. Returns 0, or an ISR code with err set (err.code may be 0 when the reader
 * stopped without a reason of its own).
 */
int relay_split_file(struct relay_split *s, FILE *f, const struct evfmt_opts *fo,
		     evfmt_reject_fn reject, void *ud, struct evfmt_stats *stats,
		     struct isp_err *err);

/* Close the member files, reporting a failed write. Returns 0 or ISR_EIO. */
int relay_split_close(struct relay_split *s, struct isp_err *err);

/*
 * Record the split as one batch in one transaction (rolled back on failure): the
 * source, the files read (space separated), rows and rejected rows, and the rows sent
 * to each member. Sets *batch. Returns 0 or an ISR code with err set.
 */
int relay_split_record(const struct relay_split *s, struct store *st, const char *source,
		       const char *files, long rejected, int64_t *batch, struct isp_err *err);

/* The operator's summary of a recorded split: batch, rows, rows per member. */
void relay_split_summary(const struct relay_split *s, FILE *out, int64_t batch, const char *source,
			 long rejected);

/*
 * Count the rows of a returned list read from f and book them against batch (0: the
 * latest batch member was sent). Sets *rows, *used (the batch counted against) and
 * *stats. Returns 0, ISR_ENOTFOUND (no such member or batch) or another ISR code.
 */
int relay_returns(struct store *st, FILE *f, const char *filename, const char *member,
		  int64_t batch, evfmt_reject_fn reject, void *ud, long *rows, int64_t *used,
		  struct evfmt_stats *stats, struct isp_err *err);

/* Formats unix time t for people into buf (RELAY_WHEN_MAX bytes); returns buf. */
#define RELAY_WHEN_MAX 32
typedef const char *(*relay_when_fn)(long long t, char buf[RELAY_WHEN_MAX]);

/*
 * Write the relay report to out: per batch the source, received rows (time by when),
 * and per member sent, returned, handled, then the totals and the handled rate (share
 * of received rows); as a JSON array when json is set, else as text ("no relay
 * batches" when empty). Returns 0 or an ISR code with err set.
 */
int relay_report(struct store *st, FILE *out, int json, relay_when_fn when, struct isp_err *err);

#endif
