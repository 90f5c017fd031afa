/*
 * evfmt.h -- readers of partner lists of hosts seen doing something: (IP, time, what).
 *
 * Formats (all CSV with a header; columns are found by name, never by position, so a
 * report with extra, missing-optional or reordered columns still reads):
 *   csv       generic: `ip` (also src_ip, address), `timestamp` (also time, date;
 *             ISO 8601 or unix seconds), optional `port` (also src_port), `family` (also
 *             infection, malware), `reference` (also ref, url, id), `cause` (a cause.h
 *             name, any case; empty = the import's default cause; an unknown name
 *             rejects the row), `detail` (also description; passed as the detail).
 *   shadowserver  any Shadowserver report, its columns taken from the report schema
 *             (core/events/ssschema.h; opts.schema): the report type is the one named
 *             (opts.report), else the one whose columns the header holds best, else the
 *             one the file name names ("2026-11-22-scan_dns-asn64496.csv"). The cause is
 *             the report type's classification's; the family its malware.name column,
 *             else its tag; the reference its event_id; the detail the destination
 *             ("dst=ADDR:PORT"), or for a scan the port ("port=53/udp"), the host, the
 *             tag when the family is the malware name, and the report's own "extra."
 *             columns ("dns_version=...; min_amplification=..."). A report type whose
 *             classification ispshield has no notice for is refused at its header.
 *   auto      by the header: a Shadowserver report type of the schema (when one is
 *             given) whose columns the header holds (ssschema.h, SS_MATCH_PERCENT) ->
 *             shadowserver; else csv. Decided again at every repeated header.
 * evfmt_parse_name also takes the names of the hand-written readers this one replaced
 * (scan_dns, sinkhole, event4_sinkhole, event4_sinkhole_http) for shadowserver.
 *
 * The first line that is neither blank nor a '#' comment is the header; it must name an
 * address column and a time column (shadowserver: the report's source.ip and
 * time.source columns). When it does not -- or it is binary, over-long or has a stray quote --
 * the input is not in the format: evfmt_read returns ISR_EFORMAT with err set to
 * FILE:LINE of that line and passes no rows. A UTF-8 byte-order mark before it is
 * dropped. A header repeated later (reports concatenated) is recognised -- a row whose
 * address cell is not an address but which names the columns -- and re-maps them.
 * Every row must have as many columns as its header; the address must be one host
 * (IPv4 or IPv6, not a prefix); the time is required; an empty port is 0.
 * Shadowserver detail: empty parts left out; control characters in text fields become
 * '?'; cut at 1023 bytes.
 * Shadowserver writes times as "2026-11-22 10:41:24" UTC (or with "Z"); time_parse reads
 * them all.
 *
 * A row with a bad address, an impossible time, or the wrong number of columns (stray
 * quotes included) is reported through the reject callback as FILE:LINE: reason and the
 * rest is read. A line longer than EVFMT_LINE_MAX is rejected without being stored.
 */
#ifndef ISP_CORE_EVFMT_H
#define ISP_CORE_EVFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/events/cause.h"
#include "core/events/ssschema.h"
#include "core/base/err.h"
#include "core/net/ip.h"

enum ev_format { EVFMT_AUTO = 0, EVFMT_CSV, EVFMT_SHADOWSERVER };

#define EVFMT_LINE_MAX 65536

/* One event row. Pointers are valid only during the callback. */
struct ev_record {
	int64_t time;	       /* unix seconds */
	struct ip_prefix ip;   /* the host (len 32 or 128) */
	uint16_t port;	       /* source port, 0 = unknown */
	enum cause cause;      /* from the format or the row; CAUSE_NONE = import default */
	const char *family;    /* malware family / tag, "" when none */
	const char *reference; /* the sender's id or URL for the row, "" when none */
	const char *detail;    /* short "key=value; ..." evidence for the notice, "" */
	const char *header;    /* the header line as read (for writing rows back) */
	const char *raw;       /* the row as read, without line end (for writing it back) */
	long line;	       /* 1-based line */
};

typedef int (*evfmt_record_fn)(void *ud, const struct ev_record *r);
typedef isp_reject_fn evfmt_reject_fn;

struct evfmt_opts {
	enum ev_format format;		/* EVFMT_AUTO to detect from the header */
	const char *filename;		/* for messages, and a Shadowserver report's type */
	const struct ss_schema *schema; /* Shadowserver report types; NULL = none (auto
					    then reads only csv) */
	const char *report;		/* the Shadowserver report type; NULL = detect */
};

struct evfmt_stats {
	long lines;		 /* lines read (header included) */
	long records;		 /* rows passed to the callback */
	long rejected;		 /* rows rejected */
	long skipped;		 /* blank lines, comment lines, header lines */
	enum ev_format detected; /* the format of the first header; the format asked for
				    when not auto; EVFMT_AUTO when auto found no header */
	const char *report;	 /* shadowserver: the report type of the first header
				    (the schema's string), else NULL */
};

/*
 * Read f to the end with the given options, calling on_record / on_reject (either may be
 * NULL). Same contract as listfmt_read / sessfmt_read: returns 0 when the whole stream was
 * read (even if rows were rejected: see stats->rejected), the record callback's non-zero
 * value if it stopped the reader, ISR_EFORMAT when the input has no usable header (see
 * above), ISR_EINVAL for bad arguments, ISR_ENOMEM, or ISR_EIO. stats may be NULL. f is
 * not closed. Memory: about 2 * EVFMT_LINE_MAX for the copies of header and row plus the
 * line reader's buffer, whatever the input.
 */
int evfmt_read(FILE *f, const struct evfmt_opts *opts, evfmt_record_fn on_record,
	       evfmt_reject_fn on_reject, void *ud, struct evfmt_stats *stats, struct isp_err *err);

/* "csv", "shadowserver", "auto" (and the old scan_dns, sinkhole) -> enum; -1 if unknown. */
int evfmt_parse_name(const char *name);
const char *evfmt_name(enum ev_format f);

#endif
