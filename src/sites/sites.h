/*
 * sites.h -- `ispshield sites`: find the domestic sites on the url and domain lists, find
 * who runs them, and tell them (issue 19; the seed system's "③悪性サイト管理者へ注意喚起").
 *
 * The pieces, each its own file:
 *   delegated.c  RIR delegated-extended statistics (registry|cc|type|start|value|...):
 *                the address ranges of one country, looked up by binary search
 *   sectxt.c     security.txt (RFC 9116): Contact: mailto: lines and Expires
 *   rdap.c       RDAP answers (RFC 9083): entities with role "abuse", their vCard email;
 *                IANA bootstrap files (RFC 9224): which RDAP server for a TLD or address
 *   whoisjp.c    JPRS WHOIS answers ("[Email]  x@y", "m. [登録担当者]  XX000JP")
 *   contact.c    what every contact source shares: e-mail checks, registry placeholders
 *                and privacy proxies skipped
 *   fetch.c      the network: HTTP GET and WHOIS over TCP, each to an address first
 *                resolved and then checked by the caller's destination rule
 *   find.c       sites find: listed hosts -> registrable domains -> verdict + contacts
 *   notice.c     sites notify: one notice per contact per day, crash-safe; follow-ups
 *                while `lists recheck` finds a site online, none once it is offline
 *   crawlev.c    crawl evidence: how `ispshield crawl` reached a listed URL (chain,
 *                User-Agent, Referer, SHA-256, YARA rules), read from its output folder
 *   dsn.c        bounces: the failed recipients of a delivery status notification
 *   report.c     sites report: per list, found / domestic / contact / notified / handled
 *   returned.c   sites returned: bounces in a Maildir mark their contact, so the next
 *                notice goes to the next contact
 *
 * Every parser takes the whole answer as bytes, reports each thing it rejects through an
 * isp_reject_fn as FILE:LINE (or FILE: offset N) and goes on with the rest.
 *
 * This component depends on core only. What it needs from other components -- the
 * destination rule (core/net/dest.h), the stub resolver (proxy/dnsstub.h), rendering and
 * delivery of mail (notify/render.h, notify/deliver.h) -- reaches it through struct
 * sites_env, which src/cli/cmd_sites.c fills.
 */
#ifndef ISP_SITES_SITES_H
#define ISP_SITES_SITES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "core/base/err.h"
#include "core/service/config.h"
#include "core/store/store.h"

#define SITES_EMAIL_MAX	   254 /* RFC 5321 path limit */
#define SITES_MAX_EMAILS   8   /* addresses kept from one answer */
#define SITES_MAX_HANDLES  4   /* contact handles kept from one JPRS answer */
#define SITES_HANDLE_MAX   32
#define SITES_MAX_CONTACTS 8			/* contacts kept per site */
#define SITES_ANSWER_MAX   ((size_t)256 * 1024) /* largest answer read from a server */

/* ---- contacts ---- */

enum sites_scope { SITES_OPERATOR, SITES_HOSTING, SITES_REGISTRAR };
enum sites_source {
	SITES_SRC_SECURITY_TXT,
	SITES_SRC_WHOIS_JP,
	SITES_SRC_RDAP_DOMAIN,
	SITES_SRC_RDAP_IP,
	SITES_SRC_RFC2142,
};
const char *sites_scope_name(enum sites_scope s);
const char *sites_source_name(enum sites_source s);

struct sites_contact {
	char email[SITES_EMAIL_MAX + 1];
	enum sites_scope scope;
	enum sites_source source;
};

/* E-mail addresses found in one answer, in the order found, each once. */
struct sites_emails {
	char v[SITES_MAX_EMAILS][SITES_EMAIL_MAX + 1];
	int n;
};

/*
 * Add s[0..n) (surrounding blanks and one "mailto:" cut, lower-cased domain) to e when it
 * is a plain address (local@domain, printable ASCII, no blanks, quotes, brackets or
 * control characters: it goes into a To: header) and not a placeholder (sites_placeholder).
 * Returns 1 when added, 0 when already there or the list is full, -1 when refused.
 */
int sites_emails_add(struct sites_emails *e, const char *s, size_t n);
/* 1 when email is a registry placeholder ("Please query the RDAP service...", redacted)
 * or a privacy-proxy address (whoisprivacy, domainsbyproxy, ...): never worth a notice. */
int sites_placeholder(const char *email);

/* ---- RIR delegated-extended statistics (delegated.c) ---- */

struct sites_delegated;
/*
 * Read text[0..len) (file names it in rejections) and keep its ipv4/ipv6 records, every
 * country's; cc ("JP", case-insensitive) is the country sites_delegated_contains asks about. Version, summary and comment lines are skipped; a bad
 * record goes to rej as FILE:LINE and the rest is read. Returns 0 and *out, ISR_ENOMEM.
 */
int sites_delegated_parse(const char *text, size_t len, const char *file, const char *cc,
			  isp_reject_fn rej, void *ud, struct sites_delegated **out,
			  struct isp_err *err);
/* The same from a file (ISR_EIO when it cannot be read). */
int sites_delegated_load(const char *path, const char *cc, isp_reject_fn rej, void *ud,
			 struct sites_delegated **out, struct isp_err *err);
/* 1 when sa (AF_INET, AF_INET6; v4-mapped as IPv4) is in a range of the country cc. */
int sites_delegated_contains(const struct sites_delegated *d, const struct sockaddr *sa);
/* 1 when sa is in a range of any country (the file has an answer for it). */
int sites_delegated_covers(const struct sites_delegated *d, const struct sockaddr *sa);
/* The ranges kept (every country's). */
size_t sites_delegated_count(const struct sites_delegated *d);
void sites_delegated_free(struct sites_delegated *d);

/* ---- security.txt (sectxt.c) ---- */

/*
 * The mailto: Contact fields of a security.txt (RFC 9116) into e, and its Expires into
 * *expires (unix seconds, 0 when absent or unreadable). A PGP-signed file is read inside
 * its signed part. A line that is not "Field: value" or a comment goes to rej as
 * FILE:LINE. Returns the number of addresses added.
 */
int sites_sectxt_parse(const char *text, size_t len, const char *file, isp_reject_fn rej, void *ud,
		       struct sites_emails *e, int64_t *expires);

/* ---- RDAP (rdap.c) ---- */

/*
 * The e-mail addresses (vCard "email") of every entity with role "abuse" in an RDAP
 * answer, at any depth of "entities", into e. Malformed JSON, or vCards that are not
 * jCard arrays, go to rej (FILE: offset N / FILE: entities[i]). Returns how many added.
 */
int sites_rdap_abuse(const char *json, size_t len, const char *file, isp_reject_fn rej, void *ud,
		     struct sites_emails *e);

/* The IANA RDAP bootstrap files of a folder: dns.json, ipv4.json, ipv6.json. */
struct sites_bootstrap;
/* Read one bootstrap file's text into b (kind: "dns", "ipv4" or "ipv6"); bad services go
 * to rej. Returns the number of entries kept, or an ISR code (ENOMEM). */
int sites_bootstrap_add(struct sites_bootstrap *b, const char *kind, const char *json, size_t len,
			const char *file, isp_reject_fn rej, void *ud, struct isp_err *err);
struct sites_bootstrap *sites_bootstrap_new(void);
/* Load the three files of dir (a missing one is no entries). */
int sites_bootstrap_load(struct sites_bootstrap *b, const char *dir, isp_reject_fn rej, void *ud,
			 struct isp_err *err);
/* The base URL (ending in '/') of the RDAP server for domain (longest matching
 * suffix) or address; NULL when none. Valid while b lives. */
const char *sites_bootstrap_domain(const struct sites_bootstrap *b, const char *domain);
const char *sites_bootstrap_addr(const struct sites_bootstrap *b, const struct sockaddr *sa);
void sites_bootstrap_free(struct sites_bootstrap *b);

/* ---- JPRS WHOIS (whoisjp.c) ---- */

struct sites_whoisjp {
	struct sites_emails emails; /* [Email] / [電子メイル] */
	char handles[SITES_MAX_HANDLES][SITES_HANDLE_MAX];
	int nhandles; /* [登録担当者] / [技術連絡担当者] (Administrative / Technical Contact) */
	int found; /* the answer described a domain or a contact (not "No match!!") */
};
/*
 * Read a JPRS WHOIS answer (Japanese or "/e" English form; "[Key]  value" lines, the
 * organisational form with "a. " prefixes) into out. A line inside the record that is
 * not of that form goes to rej as FILE:LINE. Returns 0.
 */
int sites_whoisjp_parse(const char *text, size_t len, const char *file, isp_reject_fn rej, void *ud,
			struct sites_whoisjp *out);

/*
 * Per source list (report.c): sites found, domestic, with a contact, notified, handled
 * (offline after a notice), and the median time from the first notice to offline; a
 * table, or with json one JSON array. Returns 0 or the store's error.
 */
int sites_report(struct store *st, int json, FILE *out, struct isp_err *err);

/* ---- crawl evidence (crawlev.c) ---- */

/* URL -> how `ispshield crawl` reached it: one compact JSON object per URL (start,
 * referer, profile, user_agent, time, cloaked, hops [{url, kind, status}] up to the URL,
 * role, sha256, file_type, yara [names]); the record of a later run wins. */
struct sites_crawl;
struct sites_crawl *sites_crawl_new(void);
/*
 * Read the text of a chains.jsonl (file names it in rejections) into c: the records of
 * its distribution and attack hops without an error, of chains not of the "bare"
 * profile (what found.txt lists). dir: the run folder, whose HAR files give the
 * User-Agent sent (NULL: not read). A line that is not a chain record goes to rej as
 * FILE:LINE. Call sites_crawl_index before sites_crawl_get. Returns 0 or ISR_ENOMEM.
 */
int sites_crawl_add(struct sites_crawl *c, const char *text, size_t len, const char *file,
		    const char *dir, isp_reject_fn rej, void *ud, struct isp_err *err);
/* Sort c by URL and keep the latest record of each. */
void sites_crawl_index(struct sites_crawl *c);
/*
 * Read dir: a crawl's --out folder (it has chains.jsonl), or a folder of them (each
 * subfolder's chains.jsonl, in name order), then index. Returns 0, ISR_EIO (dir cannot be
 * read), ISR_ENOMEM.
 */
int sites_crawl_load(struct sites_crawl *c, const char *dir, isp_reject_fn rej, void *ud,
		     struct isp_err *err);
/* The record of url (valid while c lives), NULL none. */
const char *sites_crawl_get(const struct sites_crawl *c, const char *url);
size_t sites_crawl_count(const struct sites_crawl *c);
/* The URL of record i (after sites_crawl_index: in URL order), NULL when i >= count. */
const char *sites_crawl_url(const struct sites_crawl *c, size_t i);
void sites_crawl_free(struct sites_crawl *c);

/* ---- bounces (dsn.c) ---- */

/*
 * The recipients a delivery status notification (RFC 3464) reports with Action: failed,
 * into failed. A Final-Recipient that is not "rfc822; ADDRESS", or a message without a
 * message/delivery-status part, goes to rej as FILE:LINE. Returns how many added.
 */
int sites_dsn_parse(const char *text, size_t len, const char *file, isp_reject_fn rej, void *ud,
		    struct sites_emails *failed);

/* ---- the environment the command wires (cli) ---- */

struct sites_env {
	void *ud;
	/* Resolve host to at most max addresses (port set to port); how many (0 none). */
	int (*resolve)(void *ud, const char *host, uint16_t port, struct sockaddr_storage *out,
		       int max);
	/* NULL when a connection to sa may be made on a listed site's behalf, else why not
	 * ("a loopback address"). */
	const char *(*refuse)(void *ud, const struct sockaddr *sa);
	/* Render template NAME.LANG.txt with vars (name, value pairs: vars[2i], vars[2i+1],
	 * nvars pairs) as a message to rcpt; key and store_id make its Message-ID. *out
	 * malloc'd (notify/render.h, render_mail). */
	int (*render)(void *ud, const char *name, const char *lang, const char *const *vars,
		      size_t nvars, const char *rcpt, const char *key, const char *store_id,
		      int64_t date, char **out, size_t *len, struct isp_err *err);
	/* Deliver (notify/deliver.h's contract: 0, ISR_EIO retry, ISR_EINVAL final). */
	int (*send)(void *ud, const char *key, const char *rcpt, const char *msg, size_t len,
		    struct isp_err *err);
	FILE *log; /* one line per lookup problem (may be NULL) */
};

/* ---- network (fetch.c) ---- */

/* A resolver of host names: at most max addresses of host (port set), how many. */
typedef int (*sites_resolve_fn)(void *ud, const char *host, uint16_t port,
				struct sockaddr_storage *out, int max);
/* The addresses of host: itself when it is an address literal, else from stub (a DNS
 * server of sites.resolver) when given, else from the system's resolver. */
int sites_resolve(const char *host, uint16_t port, struct sockaddr_storage *out, int max,
		  sites_resolve_fn stub, void *stub_ud);

/*
 * GET url (http or https) into a malloc'd buffer (*body, *len; at most SITES_ANSWER_MAX):
 * the host is resolved through env, every address checked with env->refuse, and curl
 * pinned to the checked address (no second lookup, no redirects). *status: the HTTP
 * status. Returns 0, ISR_EIO (no connection, refused destination: err says which), ...
 */
int sites_http_get(const struct sites_env *env, const struct isp_config *cfg, const char *url,
		   char **body, size_t *len, long *status, struct isp_err *err);
/* Ask the WHOIS server at hostport (HOST:PORT or ADDR:PORT) query + CRLF; read the
 * answer to the close (at most SITES_ANSWER_MAX). Same checks as sites_http_get. */
int sites_whois(const struct sites_env *env, const struct isp_config *cfg, const char *hostport,
		const char *query, char **body, size_t *len, struct isp_err *err);

/* ---- find and notify (find.c, notice.c) ---- */

struct sites_find_opts {
	const char *const *lists; /* list names; NULL or none: every url and domain list */
	size_t nlists;
	int64_t now;
	FILE *json; /* one JSON array of the sites to this (may be NULL) */
};
struct sites_find_stats {
	long hosts, sites, domestic, with_contact, lookups_failed, lookups_cached;
};
int sites_find(struct store *st, const struct isp_config *cfg, const struct sites_env *env,
	       const struct sites_find_opts *o, struct sites_find_stats *s, struct isp_err *err);

struct sites_notify_stats {
	long notices, delivered, failed, given_up;
	long followups;		   /* notices made with a follow-up in them */
	long handled, back_online; /* sites marked handled, unmarked (online again) */
	long unchecked;		   /* notified sites no recheck covers (store_sites_unchecked) */
};
int sites_notify(struct store *st, const struct isp_config *cfg, const struct sites_env *env,
		 int64_t now, struct sites_notify_stats *s, struct isp_err *err);

struct sites_returned_stats {
	long messages, not_dsn, failed_recipients, contacts_marked;
};
/*
 * Read every message in new/ and cur/ of the Maildir dir as a DSN and mark each failed
 * recipient's contact rows bounced (at now; a mark stays). Messages are left where they
 * are: reading them again marks nothing new. log: one line per message that is not a DSN.
 */
int sites_returned(struct store *st, const char *dir, int64_t now, FILE *log,
		   struct sites_returned_stats *s, struct isp_err *err);

#endif
