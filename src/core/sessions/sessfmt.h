/*
 * sessfmt.h -- readers of address-assignment logs: who was given which address when.
 *
 * Formats:
 *   detail   FreeRADIUS `detail` accounting files: records of "\tAttribute = value" lines
 *            after a date line ("Sun Nov 22 10:41:24 2026"), separated by blank lines.
 *            Used: Acct-Status-Type (Start, Interim-Update, Alive, Stop; Accounting-On/Off
 *            are skipped), Acct-Session-Id, User-Name, Framed-IP-Address,
 *            Framed-IPv6-Prefix, Delegated-IPv6-Prefix, NAS-IP-Address / NAS-Identifier,
 *            Event-Timestamp ("Nov 22 2026 10:41:24 UTC" or unix seconds), Timestamp
 *            (unix seconds the server received it), Acct-Delay-Time, Acct-Session-Time.
 *            See ../shared/formats/freeradius for what FreeRADIUS 3.2 really writes.
 *   radcsv   RADIUS accounting as CSV with a header. Column names are matched after
 *            lower-casing and dropping '-' and '_', so "Acct-Status-Type",
 *            "acct_status_type" and radacct's "acctstatustype" are one column. Two shapes:
 *            event rows (acctstatustype + eventtimestamp/timestamp/time) give
 *            Start/Interim/Stop records; radacct rows (acctstarttime, acctstoptime) give
 *            SESS_LEASE intervals (empty stop time = still open). Optional CGNAT port
 *            block columns: portstart/portend (also portrangestart/portrangeend).
 *   dhcpd    ISC dhcpd `dhcpd.leases`: "lease ADDR { starts ...; ends ...; ... }" blocks
 *            (times as "W YYYY/MM/DD HH:MM:SS" UTC, "epoch N", or "never"); the subscriber
 *            is `option agent.circuit-id`, else `uid`, else `hardware ethernet`. Other
 *            blocks (host, failover, server-duid, ...) are skipped, and so are dhcpd6's
 *            ia-na/ia-ta/ia-pd blocks, leases in binding state abandoned or backup, and
 *            pool entries that name no client. Each lease block is a SESS_LEASE;
 *            binding state released/free/expired ends it at `ends`.
 *   kea      Kea memfile lease CSV (leases4/leases6): header names the columns; start =
 *            expire - valid_lifetime; a row with valid_lifetime 0 is a release
 *            (SESS_RELEASE: the file is a journal, the last row for an address wins);
 *            subscriber = user_context's "circuit-id" (Kea escapes ',' as "&#x2c"),
 *            else hwaddr, else client_id / duid. leases6 rows have address + prefix_len.
 *   auto     sniffs the first bytes: "lease " / "authoring-byte-order" -> dhcpd; a header
 *            with "valid_lifetime" -> kea; a header with a known RADIUS column -> radcsv;
 *            a date line followed by "\tName = value" -> detail. Only the first line
 *            that is not blank or a '#' comment decides; the bytes are looked at through
 *            the line reader (lr_peek), so pipes and standard input work.
 *
 * Every reader reports a record it cannot use (cut mid-way, impossible time, address
 * that does not parse, wrong column count) through the reject callback with file and
 * line, and goes on with the rest. Memory is bounded by SESSFMT_LINE_MAX per line and
 * SESSFMT_RECORD_MAX lines per record, whatever the input.
 */
#ifndef ISP_CORE_SESSFMT_H
#define ISP_CORE_SESSFMT_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/net/ip.h"

enum sess_format { SESSFMT_AUTO = 0, SESSFMT_DETAIL, SESSFMT_RADCSV, SESSFMT_DHCPD, SESSFMT_KEA };

enum sess_op {
	SESS_START = 1, /* a session began at `time` */
	SESS_INTERIM,	/* still alive at `time` (Interim-Update, Alive) */
	SESS_STOP,	/* ended at `time` */
	SESS_LEASE,	/* a whole interval: [time, end); end 0 = open (no end known yet) */
	SESS_RELEASE,	/* the address was given back at or before `time` (Kea journal) */
};

#define SESSFMT_LINE_MAX   8192
#define SESSFMT_RECORD_MAX 256
#define SESS_MAX_ADDRS	   3

/* One record. All pointers are valid only during the callback. */
struct sess_record {
	enum sess_op op;
	int64_t time;		/* unix seconds when it happened (see sessfmt_opts.max_skew) */
	int64_t end;		/* SESS_LEASE: end of the interval, 0 = open */
	int64_t duration;	/* Acct-Session-Time in seconds; -1 when absent */
	const char *user;	/* subscriber id; never NULL, "" when the record names none */
	const char *session_id; /* Acct-Session-Id; leases: the client's hwaddr/uid; "" */
	const char *nas;	/* NAS-IP-Address, else NAS-Identifier; "" */
	/* The two NAS attributes apart, for pairing (a proxy may forward one and not the
	 * other): "" when absent. Both NULL or "" with nas set: the builder tells from nas
	 * itself (an IP address is taken for NAS-IP-Address). */
	const char *nas_ip, *nas_id;
	struct ip_prefix addr[SESS_MAX_ADDRS]; /* IPv4 as /32; IPv6 prefixes as given */
	int naddr;			       /* 0 only for SESS_STOP/INTERIM without address */
	uint16_t port_lo, port_hi;	       /* CGNAT port block; 0, 0 = the whole address */
	long line;			       /* 1-based first line of the record */
};

typedef int (*sessfmt_record_fn)(void *ud, const struct sess_record *r);
/* Called for each rejected record; err->file/line are set, err->msg says why. */
typedef isp_reject_fn sessfmt_reject_fn;

struct sessfmt_opts {
	enum sess_format format; /* SESSFMT_AUTO to detect */
	const char *filename;	 /* for messages */
	int64_t max_skew;	 /* detail: Event-Timestamp is trusted when within max_skew
				    seconds of the receive time (Timestamp - Acct-Delay-Time);
				    otherwise the receive time is used (the NAS clock is off).
				    0 = always trust Event-Timestamp. */
};

struct sessfmt_stats {
	long lines;		   /* lines read */
	long records;		   /* records passed to the callback */
	long rejected;		   /* records rejected */
	long skipped;		   /* records that are not sessions (Accounting-On, host blocks) */
	long skewed;		   /* detail: records whose Event-Timestamp was not trusted */
	enum sess_format detected; /* the format actually read */
};

/*
 * Read f to the end, calling on_record / on_reject. Returns 0 when the whole stream was
 * read (rejections are counted in stats), the callback's non-zero value when it stopped
 * the reader, or a negative ISR code for an I/O error. stats may be NULL.
 * With SESSFMT_AUTO: input holding only blank and '#' comment lines reads nothing and
 * returns 0 with stats.detected SESSFMT_AUTO; input in none of the formats returns
 * ISR_EFORMAT with err's file/line at its first content line, before any callback.
 * ISR_EINVAL for a NULL f/opts or an unknown format, ISR_ENOMEM when the reader's
 * buffers (about 130 KiB, allocated once per call) cannot be had. f is not closed.
 */
int sessfmt_read(FILE *f, const struct sessfmt_opts *opts, sessfmt_record_fn on_record,
		 sessfmt_reject_fn on_reject, void *ud, struct sessfmt_stats *stats,
		 struct isp_err *err);

/* "detail", "radcsv", "dhcpd", "kea", "auto" -> enum; -1 if unknown. */
int sessfmt_parse_name(const char *name);
const char *sessfmt_name(enum sess_format f);

#endif
