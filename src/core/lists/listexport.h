/*
 * listexport.h -- a list written for other tools (`lists export`): an RPZ zone for BIND 9
 * and Unbound, a plain list of values, a hosts file, or CSV that `lists import --format
 * csv` reads back. The allowlist applies as at compile: in rpz every active allow of the
 * list's kind, and each entry an allow covers, is written as CNAME rpz-passthru.; domains
 * and hosts leave covered entries out; csv writes the list as stored.
 */
#ifndef ISP_CORE_LISTEXPORT_H
#define ISP_CORE_LISTEXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/store/store.h"
#include "core/store/store_lists.h"

enum listexport_fmt {
	LISTEXPORT_RPZ,
	LISTEXPORT_DOMAINS,
	LISTEXPORT_HOSTS,
	LISTEXPORT_CSV,
	LISTEXPORT_STIX,
};

/*
 * stix: a STIX 2.1 bundle (what an ISAC's members read, and `lists import --format stix`
 * reads back): one indicator per entry, pattern "[domain-name:value = 'V']" (url:value,
 * ipv4-addr:value, ipv6-addr:value by kind), name = the category, valid_from = first seen
 * (else now), valid_until = the expiry, external reference = the entry's reference. The
 * id is name-based (SHA-256 of list and value, UUID version and variant bits set), so
 * the same entry keeps its id from one export to the next and consumers update rather
 * than duplicate. Wildcards (*.name), allow and local-data entries cannot be written as
 * an equality of a block list and are left out; so are entries the allowlist covers.
 * Written object by object (never a whole-document tree).
 */

/* "rpz", "domains", "hosts", "csv", "stix" -> the format; -1 when name is none of them. */
int listexport_format(const char *name);
const char *listexport_format_name(enum listexport_fmt fmt);

/* Whether fmt can express the entries of a list of kind (rpz: domain and ip lists; hosts:
 * domain lists; domains, csv and stix: any). */
int listexport_fits(enum listexport_fmt fmt, enum list_kind kind);

struct listexport_opts {
	enum listexport_fmt fmt;
	const char *zone; /* rpz: the origin, normalised (domain_normalise) */
	int64_t ttl;	  /* rpz: the zone's TTL and SOA minimum */
	int64_t now;	  /* live entries and active allows at this time; rpz: the serial */
};

struct listexport_stats {
	long written; /* values written */
	long skipped; /* not expressible in the format */
	long toolong; /* rpz: longer than a name may be under the zone */
	long allowed; /* rpz: written as passthru for the allowlist; else left out by it */
};

/*
 * Write the live entries of list l of st (one per distinct value) to out in o->fmt, with
 * the format's header. *stats counts what was written and left out. Returns 0, or the
 * store's error or ISR_EIO (a write to out failed) with err set.
 */
int listexport_write(struct store *st, const struct store_list *l, const struct listexport_opts *o,
		     FILE *out, struct listexport_stats *stats, struct isp_err *err);

/* The rpz-ip owner (relative to the origin) of prefix p: "LEN.B4.B3.B2.B1.rpz-ip" or
 * "LEN.G8....G1.rpz-ip" with "zz" for the longest run of zero groups (draft-vixie-dns-rpz
 * 4.1.1), into out[size] (96 bytes are enough). */
struct ip_prefix;
void listexport_rpz_ip_owner(const struct ip_prefix *p, char *out, size_t size);

/* Print the summary line of an export to out: "list NAME: N entries written as FMT[, zone
 * Z]", then what was left out and why. */
void listexport_summary(FILE *out, const struct store_list *l, const struct listexport_opts *o,
			const struct listexport_stats *stats);

#endif
