/*
 * store_sites.h -- the books of `ispshield sites` (store_sites.c, schema version 9): the
 * listed sites with their domestic verdict and its evidence, their URLs, their contacts
 * in the order they are tried, and the notices sent to those contacts.
 *
 *   sites              one row per registrable domain: the list it came from, the host
 *                      and address looked at, domestic (0/1), evidence ("tld .jp",
 *                      "delegated 203.0.113.0: JP"), found/updated times, handled (the
 *                      time it was seen offline after a notice; NULL while online)
 *   site_urls          (site, url) with first/last seen from the list
 *   site_contacts      (site, rank): email, scope, source; bounced (time, NULL if not)
 *   site_notices       one message: key (unique), email, day (YYYY-MM-DD, JST) unique
 *                      with email, state new|sending|sent|failed|refused, attempts, error
 *   site_notice_sites  which sites a notice covers
 *
 * A notice is made (state new, with its sites) in one transaction before it is
 * delivered, and the (email, day) unique key makes a second run of the same day a no-op:
 * at most one notice per contact per day, whatever crashes in between.
 */
#ifndef ISP_CORE_STORE_SITES_H
#define ISP_CORE_STORE_SITES_H

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
/* Record url of site (first/last seen: now when 0). */
int store_site_url(struct store *st, int64_t site, const char *url, int64_t first, int64_t last,
		   struct isp_err *err);

/* A domestic site with a contact not bounced and no notice yet to a contact that did not
 * bounce, with that first contact. */
struct store_site_due {
	int64_t site;
	const char *domain, *email, *scope, *source;
};
typedef int (*store_site_due_fn)(void *ud, const struct store_site_due *d);
int store_sites_due(struct store *st, store_site_due_fn fn, void *ud, struct isp_err *err);

/*
 * Make the notice key for email on day covering sites[0..n), in one transaction. When
 * email already has a notice for day, nothing is made (*made = 0).
 */
int store_site_notice_make(struct store *st, const char *key, const char *email, const char *day,
			   const int64_t *sites, size_t n, int64_t now, int *made,
			   struct isp_err *err);

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
 * address was found for that site (its contact row: scope, source). */
struct store_site_url_row {
	const char *domain, *url, *evidence, *scope, *source;
	int64_t first_seen, last_seen;
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

/* Per source list: sites, domestic, with a contact, notified (in a sent notice), handled
 * (offline after a notice). */
struct store_sites_report_row {
	const char *list;
	int64_t sites, domestic, with_contact, notified, handled;
};
typedef int (*store_sites_report_fn)(void *ud, const struct store_sites_report_row *r);
int store_sites_report(struct store *st, store_sites_report_fn fn, void *ud, struct isp_err *err);
/* Per handled site: its list and the seconds from its first sent notice to handled,
 * ordered by list then seconds (for medians). */
typedef int (*store_sites_handled_fn)(void *ud, const char *list, int64_t seconds);
int store_sites_handled(struct store *st, store_sites_handled_fn fn, void *ud, struct isp_err *err);

#endif
