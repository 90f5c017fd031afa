/*
 * ssschema.h -- Shadowserver's report schema: which column of which report is what.
 *
 * Shadowserver adds report types and renames, adds and drops columns often enough that a
 * reader with the columns written into its code falls behind (AbuseIO's did, by dozens of
 * report types). It publishes the mapping as data instead: a JSON object with one member
 * per report type (the name its files carry, e.g. "scan_dns", "event4_sinkhole_http"),
 * each holding
 *   "constant_fields": {"classification.taxonomy": T, "classification.type": Y,
 *                       "classification.identifier": I},
 *   "required_fields" / "optional_fields": [[FIELD, COLUMN, CONVERTER?, ...], ...],
 * FIELD being IntelMQ's name for what the column holds ("source.ip", "time.source",
 * "malware.name", "extra." for a column kept under its own name, ...). IntelMQ reads the
 * same file. ispshield ships its own copy in that shape (data/shadowserver/schema.json)
 * and reads a newer one from `events.shadowserver-schema`.
 *
 * What ispshield takes from a report (ss_report):
 *   the address   source.ip (required: a report without one is no event of a host)
 *   the time      time.source (required)
 *   the port      source.port; the protocol protocol.transport
 *   the family    malware.name, else the column named "family", else the one named "tag"
 *   the reference the column named "event_id" (Shadowserver's id of the row)
 *   the detail    destination.ip / destination.port ("dst=ADDR:PORT"), destination.fqdn
 *                 or source.fqdn ("host="), the tag when the family came from
 *                 malware.name, and the report's other "extra." columns except the ones
 *                 every report carries (SS_COMMON: severity, naics, sector, ...)
 *   the cause     from the classification (ss_cause: vulnerable / exposed services ->
 *                 vulnerable-router, an open DNS resolver -> open-resolver, an open proxy
 *                 -> open-proxy, an infected or compromised host, a brute-force or DDoS
 *                 source -> cc, a compromised account -> credential-abuse)
 *
 * A report without a source.ip column (compromised accounts, network blocklists) is
 * skipped: it names no host to notify. A report whose entry is malformed (no time.source,
 * a field list that is not a list of [string, string, ...]) is rejected through the reject callback as
 * "FILE: report NAME: reason" and left out; the others load. Memory: the file is read
 * whole (at most SS_FILE_MAX bytes: the published schema is about 600 KB).
 */
#ifndef ISP_CORE_SSSCHEMA_H
#define ISP_CORE_SSSCHEMA_H

#include <stddef.h>

#include "core/base/csv.h"
#include "core/base/err.h"
#include "core/events/cause.h"

#define SS_FILE_MAX    (16L * 1024 * 1024)
#define SS_NAME_MAX    64
#define SS_COLUMNS_MAX 256

/* The columns a report maps (SS_C_*: index into ss_report.col). */
enum ss_col {
	SS_C_IP,
	SS_C_TIME,
	SS_C_PORT,
	SS_C_PROTO,
	SS_C_FAMILY,
	SS_C_FAMILY2, /* a column named "family" (the sinkhole reports carry both) */
	SS_C_TAG,
	SS_C_REF,
	SS_C_DST_IP,
	SS_C_DST_PORT,
	SS_C_HOST,
	SS_C_N
};

struct ss_report {
	char name[SS_NAME_MAX]; /* the report type ("scan_dns") */
	enum cause cause;
	char type[SS_NAME_MAX];		   /* classification.type, for messages */
	const char *col[SS_C_N];	   /* column name of each, NULL = the report has none */
	const char *extra[SS_COLUMNS_MAX]; /* detail columns, in the schema's order */
	size_t nextra;
	const char *all[SS_COLUMNS_MAX]; /* every column the schema names (header match) */
	size_t nall;
};

struct ss_schema {
	struct ss_report *r;
	size_t n;
	size_t skipped;	 /* reports without a source.ip column (accounts, networks) */
	size_t rejected; /* malformed reports, passed to the reject callback */
	char *strings;	 /* one allocation holding every column name */
};

/*
 * Load the schema at path. Malformed reports go to on_reject (may be NULL) and are left
 * out. Returns the schema (ss_schema_free it), or NULL with err set: the file cannot be
 * read, is larger than SS_FILE_MAX, is not JSON (FILE:LINE), or holds no usable report.
 */
struct ss_schema *ss_schema_load(const char *path, isp_reject_fn on_reject, void *ud,
				 struct isp_err *err);
void ss_schema_free(struct ss_schema *s);

/* The report named name (exact), or NULL. */
const struct ss_report *ss_schema_find(const struct ss_schema *s, const char *name);

/*
 * The report a Shadowserver file name names: its base name holds the report type between
 * '-' (as "2026-11-22-scan_dns-asn64496-geo.csv"); the longest such name wins
 * (event4_sinkhole_http over event4_sinkhole). NULL when none.
 */
const struct ss_report *ss_schema_by_filename(const struct ss_schema *s, const char *path);

/*
 * The report whose columns a header f[0..nf) holds best: every required column present
 * and at least SS_MATCH_PERCENT of the report's columns, the most columns in common
 * winning (then the fewest columns the header lacks). NULL when none qualifies: the file
 * is then no Shadowserver report (a generic CSV).
 */
#define SS_MATCH_PERCENT 60
const struct ss_report *ss_schema_by_header(const struct ss_schema *s, const struct csv_field *f,
					    size_t nf);

/* The cause of a classification (type, identifier); CAUSE_NONE when ispshield has no
 * notice for it (the report is then refused: nothing to tell a subscriber). */
enum cause ss_cause(const char *type, const char *identifier);

#endif
