/*
 * listfmt.h -- readers for the threat-list file formats ispshield imports.
 *
 * A reader turns a byte stream into raw entries: the value as the file spells it (RPZ
 * owner names made relative to the zone apex, since RPZ triggers are relative) and
 * the metadata the format carries (first/last seen, category or malware family,
 * reference). It does NOT normalise values: the importer (listimport.h) runs every raw
 * value through domain_normalise / url_canonicalise / ip_parse_prefix, so that all
 * formats share one normaliser, and reports what that rejects with the entry's line.
 *
 * Formats:
 *   plain    one entry a line; '#' starts a comment (whole line, or after whitespace);
 *            surrounding whitespace ignored; empty lines skipped.
 *   hosts    hosts(5): "0.0.0.0 name [name...]" / "127.0.0.1 name"; every name after
 *            the address is an entry, except localhost names ("localhost",
 *            "localhost.localdomain", "local", "broadcasthost", "ip6-*"); '#' comments.
 *   rpz      RPZ zone file (RFC 1035 master-file syntax): $ORIGIN, $TTL, $INCLUDE is
 *            rejected (not followed, reported), '@', relative and absolute owner names,
 *            blank owner = previous owner, optional TTL and class, ';' comments,
 *            parentheses spanning lines, quoted strings. Owner names are made relative to
 *            the zone origin (the first SOA owner, else $ORIGIN, else the --origin given).
 *            The record data is the entry's action (listkind.h), kept:
 *              name CNAME .              -> domain "name", block (the list's policy:
 *                                           NXDOMAIN unless dns.block-action or the
 *                                           list says otherwise; RPZ's own "block")
 *              *.name CNAME .            -> domain "*.name", block
 *              name CNAME *.             -> nodata
 *              name CNAME rpz-passthru.  -> allow (also the old form: name CNAME name.)
 *              name CNAME rpz-drop.      -> drop
 *              name CNAME rpz-tcp-only.  -> tcp-only
 *              name CNAME other.name.    -> local data "CNAME other.name." (a walled
 *                                           garden; a relative target gets the origin)
 *              name A/AAAA/TXT rdata     -> local data; all the records of one owner
 *                                           (adjacent, as zone files are written) make
 *                                           one entry, e.g. "A 192.0.2.1\nTXT \"x\""
 *              32.1.2.0.192.rpz-ip CNAME .  -> ip "192.0.2.1/32", block (an answer
 *                                           address in it triggers the action)
 *              48.zz.0.db8.2001.rpz-ip  -> ip "2001:db8::/48" ("zz" = the "::")
 *              rpz-client-ip, rpz-nsdname, rpz-nsip triggers -> rejected as unsupported
 *            Rejected with the line: local data of other types (MX, SRV, ...), a CNAME
 *            with other records at one owner, two policies at one owner, a wildcard
 *            CNAME target ("CNAME *.garden.example."), local data over 4096 bytes.
 *            SOA and NS records at the apex are skipped, not entries.
 *   urlhaus  abuse.ch URLhaus CSV: '#' comment lines (the header is a comment too),
 *            rows "id","dateadded","url","url_status","last_online","threat","tags",
 *            "urlhaus_link","reporter"; value=url, first_seen=dateadded,
 *            last_seen=last_online, category=threat (tags appended after a space if any),
 *            reference=urlhaus_link.
 *   feodo    abuse.ch Feodo Tracker CSV: '#' comments, header line
 *            "first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware" (may be
 *            quoted); value=dst_ip, first_seen, last_seen=last_online, category=malware,
 *            reference="feodotracker:<dst_ip>:<dst_port>".
 *   csv      generic CSV (RFC 4180: quoted fields, "" escapes, CRLF) whose first
 *            non-comment line is a header naming the columns. The value column is the
 *            first of: value, domain, host, hostname, fqdn, url, ip, address, ip_address,
 *            dst_ip, indicator. Optional: first_seen, last_seen, category (or threat,
 *            malware, family), reference (or ref, link), expires, action
 *            ("block"/"allow"). Unknown columns are ignored.
 *   stix     STIX 2.1 bundle (or TAXII 2.1 envelope): the "indicator" objects of the
 *            top-level "objects" array whose pattern is one or more equalities on
 *            domain-name:value, url:value, ipv4-addr:value or ipv6-addr:value joined by
 *            OR; each equality is an entry of that kind. value=the quoted string,
 *            first_seen=valid_from, expires=valid_until, category=name (else
 *            indicator_types and labels), reference=the object id. Revoked indicators
 *            and other object types are skipped; any other pattern (AND, FOLLOWEDBY,
 *            qualifiers, other paths or operators) rejects the indicator as
 *            "FILE:LINE: indicator--ID: pattern REASON" (listfmt_stix.c).
 *   misp     MISP event JSON ({"Event": {...}}, a list of them, or the REST API's
 *            {"response": [{"Event": ...}]}): attributes (also those inside the
 *            event's objects) of type domain, hostname, url, ip-dst, ip-src,
 *            domain|ip (both), hostname|port, ip-dst|port, ip-src|port (the part
 *            before '|') with to_ids true; deleted and decayed attributes and other
 *            types are skipped. first_seen/last_seen as given, category=the event's
 *            and the attribute's tags (tlp: markings left out) else the attribute's
 *            category, reference=the event's info (listfmt_misp.c).
 *            The JSON formats are read as a stream (core/base/jsonscan.h): memory is
 *            one object or attribute (LF_JSON_VALUE_MAX), never the whole document.
 *   auto     looks at the first 64 KiB: a JSON document naming "Event" -> misp,
 *            naming "objects" -> stix; "$ORIGIN"/"$TTL"/"SOA"/" CNAME " -> rpz;
 *            "# abuse.ch URLhaus" or a urlhaus header -> urlhaus; a header containing
 *            first_seen_utc and dst_ip -> feodo; a line starting with an IP address
 *            followed by a name -> hosts; a first line with commas and a known column name
 *            -> csv; else plain. Reading standard input works: the sniffed bytes are kept.
 *
 * Times in the files ("2024-03-01 12:00:00", "2024-03-01T12:00:00Z", "2024-03-01",
 * unix seconds) are UTC and become unix seconds; an unparsable time is reported as a
 * rejected line only when it is the value column; otherwise it is left 0 (unknown).
 *
 * Robustness: lines are read through a bounded buffer (LISTFMT_LINE_MAX); a longer line
 * is reported and skipped without being stored; NUL bytes, invalid UTF-8 in a value and
 * binary garbage are reported per line; nothing in the input can make a reader allocate
 * more than O(LISTFMT_LINE_MAX) memory. Reading continues after every rejected line.
 */
#ifndef ISP_CORE_LISTFMT_H
#define ISP_CORE_LISTFMT_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/store/listkind.h"

enum list_format {
	LISTFMT_AUTO = 0,
	LISTFMT_PLAIN,
	LISTFMT_HOSTS,
	LISTFMT_RPZ,
	LISTFMT_URLHAUS,
	LISTFMT_FEODO,
	LISTFMT_CSV,
	LISTFMT_STIX,
	LISTFMT_MISP,
};

#define LISTFMT_LINE_MAX 65536

/* One raw entry. All pointers are valid only during the callback. */
struct listfmt_entry {
	enum list_kind kind; /* what the value is, LIST_KIND_NONE when the format cannot
				    tell (plain, csv): the importer then uses the list's kind */
	const char *value;   /* raw value, NUL-terminated, e.g. "*.Example.COM", "http://x/",
				    "192.0.2.0/24" */
	enum list_action action;
	const char *data;      /* LIST_LOCAL: the records, text form (core/lists/rpzdata.h),
			     already checked; else NULL */
	int64_t first_seen;    /* unix seconds, 0 = unknown */
	int64_t last_seen;     /* unix seconds, 0 = unknown */
	int64_t expires;       /* unix seconds, 0 = never */
	const char *category;  /* threat / malware family / tags, or NULL */
	const char *reference; /* URL or id for the analyst, or NULL */
	long line;	       /* 1-based line of the entry (first line for multi-line) */
};

/* Called for each entry; a non-zero return stops the reader, which returns that value. */
typedef int (*listfmt_entry_fn)(void *ud, const struct listfmt_entry *e);
/* Called for each rejected line; err->file/line are set, err->msg says why. */
typedef isp_reject_fn listfmt_reject_fn;

struct listfmt_opts {
	enum list_format format; /* LISTFMT_AUTO to detect */
	const char *filename;	 /* for messages ("-" shown as "<stdin>") */
	const char *origin;	 /* RPZ: origin to strip when the file has no SOA/$ORIGIN;
				     NULL = none */
};

struct listfmt_stats {
	long lines;		   /* lines read */
	long entries;		   /* entries passed to the callback */
	long rejected;		   /* lines rejected (reject callback called) */
	long skipped;		   /* records that are not entries (SOA, NS, comments, localhost) */
	enum list_format detected; /* the format actually used */
};

/*
 * Read f to the end with the given options, calling on_entry / on_reject.
 * Returns 0 when the whole stream was read (even if lines were rejected: see
 * stats->rejected), the callback's non-zero value if it stopped the reader, or a
 * negative ISR code for an I/O error. stats may be NULL.
 */
int listfmt_read(FILE *f, const struct listfmt_opts *opts, listfmt_entry_fn on_entry,
		 listfmt_reject_fn on_reject, void *ud, struct listfmt_stats *stats,
		 struct isp_err *err);

/* Called with the path of each event file of a MISP feed and the manifest's timestamp
 * of the event (0 when it has none); a non-zero return stops the walk. */
typedef int (*listfmt_event_fn)(void *ud, const char *path, int64_t timestamp);

/*
 * The events of a MISP feed directory dir: reads dir/manifest.json (an object whose
 * member names are the event UUIDs) as a stream and calls fn with "dir/UUID.json" for
 * each event, in the manifest's order. A member name that is not a UUID (it would name
 * a file outside dir) or whose value is not an object is passed to on_reject with the
 * manifest's line and skipped. Returns 0, fn's non-zero value, or ISR_EIO / ISR_EFORMAT
 * (no manifest, a break in its JSON: err says where).
 */
int listfmt_misp_feed(const char *dir, listfmt_event_fn fn, listfmt_reject_fn on_reject, void *ud,
		      struct isp_err *err);

/* "plain", "hosts", ... -> enum; returns -1 for an unknown name. */
int listfmt_parse_name(const char *name);
const char *listfmt_name(enum list_format f);

#endif
