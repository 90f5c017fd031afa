/*
 * store_sites.h -- the books of `ispshield sites` (store_sites.c, schema versions 9, 11 and 12): the
 * listed sites with their domestic verdict and its evidence, their URLs, their contacts
 * in the order they are tried, and the notices sent to those contacts.
 *
 *   sites              one row per registrable domain: the list of its last find, the host
 *                      and address looked at, domestic (0/1), evidence ("tld .jp",
 *                      "delegated 203.0.113.0: JP"), found/updated times, handled (the
 *                      time it was seen offline after a notice; NULL while online)
 *   site_lists         (site, list): every list the site was found on (kept)
 *   site_urls          (site, url) with first/last seen from the list, and crawl: how
 *                      `ispshield crawl` reached the URL (JSON, schema 12; NULL none)
 *   site_contacts      (site, rank): email, scope, source; bounced (time, NULL if not)
 *   site_notices       one message: key (unique), email, day (YYYY-MM-DD, JST) unique
 *                      with email, state new|sending|sent|failed|refused, attempts, error
 *   site_notice_sites  which sites a notice covers, and round: 1 for the site's first
 *                      notice, 2.. for a follow-up
 *
 * A notice is made (state new, with its sites) in one transaction before it is
 * delivered, and the (email, day) unique key makes a second run of the same day a no-op:
 * at most one notice per contact per day, whatever crashes in between.
 *
 * Follow-up reads `lists recheck`'s url_status (store_urlstatus.h) by URL: a site is
 * offline when every URL of it has an offline verdict that no later online verdict (of
 * any list) contradicts; it is then handled, from the time its URLs went offline.
 */
#ifndef ISP_CORE_STORE_SITES_H
#define ISP_CORE_STORE_SITES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"

struct store_site {
	const char *domain;   /* registrable domain (or the address of an address-only URL) */
	const char *list;     /* the list it came from */
	const char *host;     /* the host looked at */
	const char *addr;     /* its address used for the verdict, "" = none */
	int domestic;	      /* 1 domestic */
	const char *evidence; /* what decided */
};

struct store_site_contact {
	const char *email, *scope, *source;
};

/*
 * Insert or update the site of s->domain (its verdict, evidence, host, address; found
 * stays the first time) and replace its contacts by c[0..n) (rank = index), keeping the
 * bounced mark of an address that stays. *id: the site's id. One transaction.
 */
int store_site_put(struct store *st, const struct store_site *s, const struct store_site_contact *c,
		   size_t n, int64_t now, int64_t *id, struct isp_err *err);
/* Record that site was found on list (kept; a second time is a no-op). */
int store_site_list(struct store *st, int64_t site, const char *list, struct isp_err *err);
/* Record the URLs u[0..n) of site (first/last seen: now when 0; a URL already recorded
 * gets the new last seen, and the new crawl evidence when there is one). */
struct store_site_url_in {
	const char *url;
	int64_t first, last;
	const char *crawl; /* the crawl evidence of the URL (JSON), NULL none: kept then */
};
int store_site_urls(struct store *st, int64_t site, const struct store_site_url_in *u, size_t n,
		    struct isp_err *err);

/* A domestic site not handled with a contact not bounced and no notice yet to a contact
 * that did not bounce, with that first contact (round 1). */
struct store_site_due {
	int64_t site;
	const char *domain, *email, *scope, *source;
	int64_t round; /* 1 the first notice, n the (n-1)th follow-up */
};
typedef int (*store_site_due_fn)(void *ud, const struct store_site_due *d);
int store_sites_due(struct store *st, store_site_due_fn fn, void *ud, struct isp_err *err);
/*
 * The follow-ups due at now: a domestic site not handled whose last delivered notice (to
 * a contact that did not bounce) is at least renotify seconds old, that `lists recheck`
 * found online at least renotify seconds after that notice, that had fewer than max such
 * notices and has none waiting for delivery. Each with the contact told next: a hosting
 * contact first, then one not told yet, then in rank order (never a bounced one);
 * round = notices so far + 1. Sorted by email.
 */
int store_sites_followups(struct store *st, int64_t now, int64_t renotify, int64_t max,
			  store_site_due_fn fn, void *ud, struct isp_err *err);
/*
 * From url_status: mark handled (at the time their URLs went offline) the sites not
 * handled whose every URL is offline, and unmark the handled sites a later check found
 * online again. *handled, *back (may be NULL): sites marked, unmarked.
 */
int store_sites_mark_handled(struct store *st, long *handled, long *back, struct isp_err *err);

/*
 * Make the notice key for email on day covering sites[0..n) (rounds[i]: site i's round,
 * NULL = all 1), in one transaction. When email already has a notice for day, nothing is
 * made (*made = 0).
 */
int store_site_notice_make(struct store *st, const char *key, const char *email, const char *day,
			   const int64_t *sites, const int64_t *rounds, size_t n, int64_t now,
			   int *made, struct isp_err *err);

/* A notice not delivered yet (state new, sending, or failed). */
struct store_site_notice {
	int64_t id, created;
	const char *key, *email, *state;
	int64_t attempts;
};
typedef int (*store_site_notice_fn)(void *ud, const struct store_site_notice *n);
int store_site_notices_open(struct store *st, store_site_notice_fn fn, void *ud,
			    struct isp_err *err);

/* The URLs of the sites a notice covers, by domain then URL, with how the notice's
 * address was found for that site (its contact row: scope, source), the site's round in
 * this notice and when its first notice was delivered (0 = none yet). */
struct store_site_url_row {
	const char *domain, *url, *evidence, *scope, *source;
	int64_t first_seen, last_seen;
	int64_t round, first_sent;
	const char *crawl; /* how the crawler reached the URL (sites/crawlev.c JSON), NULL none */
};
typedef int (*store_site_url_fn)(void *ud, const struct store_site_url_row *r);
int store_site_notice_urls(struct store *st, int64_t notice, store_site_url_fn fn, void *ud,
			   struct isp_err *err);

/* Mark every contact row of email bounced at now (rows already marked keep their time);
 * *changed: rows marked. */
int store_site_bounced(struct store *st, const char *email, int64_t now, long *changed,
		       struct isp_err *err);

/* Set a notice's state (attempts + 1 for "sending"), error may be NULL. Committed. */
int store_site_notice_state(struct store *st, int64_t notice, const char *state, const char *error,
			    int64_t now, struct isp_err *err);

/*
 * The cache of contact look-ups: key (the URL, or "whois SERVER QUERY") -> status and
 * answer. store_site_lookup_get: 1 and a malloc'd copy of the body (*body, *len; NUL
 * added) when a row fetched at or after since exists, else 0. store_site_lookup_put:
 * insert or replace.
 */
int store_site_lookup_get(struct store *st, const char *key, int64_t since, long *status,
			  char **body, size_t *len, struct isp_err *err);
int store_site_lookup_put(struct store *st, const char *key, long status, const char *body,
			  size_t len, int64_t now, struct isp_err *err);

/* Per source list (a site counts in every list it was found on), ordered by list: sites,
 * domestic, with a contact, notified (in a delivered notice), handled (offline at or after
 * its first delivered notice), unchecked (notified, not handled, and no `lists recheck`
 * verdict on any of its URLs since its first delivered notice: whether it went offline is
 * not known, so it is neither handled nor followed up) and the median seconds from that
 * notice to offline over the handled ones (-1 when none). `sites report` and the status
 * page both read this. */
struct store_sites_report_row {
	const char *list;
	int64_t sites, domestic, with_contact, notified, handled, unchecked;
	int64_t median_secs;
};
typedef int (*store_sites_report_fn)(void *ud, const struct store_sites_report_row *r);
int store_sites_report(struct store *st, store_sites_report_fn fn, void *ud, struct isp_err *err);
/* The same rows as a new JSON array of {list, sites, domestic, with_contact, notified,
 * handled, unchecked, median_seconds_to_offline (null when none)}; NULL with err set on a
 * store error. The caller owns it (json_decref). */
json_t *store_sites_report_json(struct store *st, struct isp_err *err);
/* The notified sites no recheck covers (as the report's unchecked, each site once). */
int store_sites_unchecked(struct store *st, int64_t *n, struct isp_err *err);

#endif
