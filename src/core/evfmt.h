/*
 * evfmt.h -- readers of partner lists of hosts seen doing something: (IP, time, what).
 *
 * Formats (all CSV with a header; columns are found by name, never by position, so a
 * report with extra, missing-optional or reordered columns still reads):
 *   csv       generic: `ip` (also src_ip, address), `timestamp` (also time, date;
 *             ISO 8601 or unix seconds), optional `port` (also src_port), `family` (also
 *             infection, malware), `reference` (also ref, url, id), `cause` (a cause.h
 *             name; else the import's default cause).
 *   scan_dns  Shadowserver "Open DNS Resolvers" report: timestamp, severity, ip,
 *             protocol, port, hostname, tag, asn, geo, ..., dns_version,
 *             min_amplification. Cause open-resolver; detail keeps dns_version and
 *             min_amplification.
 *   sinkhole  Shadowserver event4_sinkhole and event4_sinkhole_http: timestamp,
 *             protocol, src_ip, src_port, src_asn, ..., infection, family, tag, ...
 *             (http adds http_url/http_host/http_agent...). Cause cc; family from
 *             `infection` (else `family`), detail keeps tag, dst ip/port, http host.
 *   auto      by the header: dns_version/min_amplification -> scan_dns; src_ip with
 *             infection -> sinkhole; else csv.
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

#include "core/cause.h"
#include "core/err.h"
#include "core/ip.h"

enum ev_format { EVFMT_AUTO = 0, EVFMT_CSV, EVFMT_SCAN_DNS, EVFMT_SINKHOLE };

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
typedef void (*evfmt_reject_fn)(void *ud, const struct isp_err *err);

struct evfmt_opts {
	enum ev_format format; /* EVFMT_AUTO to detect from the header */
	const char *filename;  /* for messages */
};

struct evfmt_stats {
	long lines;    /* lines read (header included) */
	long records;  /* rows passed to the callback */
	long rejected; /* rows rejected */
	long skipped;  /* blank lines, comment lines */
	enum ev_format detected;
};

/* Same contract as listfmt_read / sessfmt_read. */
int evfmt_read(FILE *f, const struct evfmt_opts *opts, evfmt_record_fn on_record,
	       evfmt_reject_fn on_reject, void *ud, struct evfmt_stats *stats, struct isp_err *err);

/* "csv", "scan_dns", "sinkhole", "auto" -> enum; -1 if unknown. */
int evfmt_parse_name(const char *name);
const char *evfmt_name(enum ev_format f);

#endif
