/*
 * crawl.h -- `ispshield crawl`: a low-interaction honeyclient that follows what a
 * browser would from each start URL and records the chain (issue 18).
 *
 * Design:
 *  - Fetching is libcurl's multi interface, many chains side by side in one thread.
 *    libcurl's own redirect following is off: every hop -- an HTTP 3xx Location, a
 *    Refresh header, a <meta http-equiv=refresh>, an inline-script location change -- is
 *    followed by the crawler, recorded, and checked again, at most max_hops hops.
 *  - Crawled URLs are hostile input. Only http and https are fetched (a Location to
 *    file:, gopher: ... ends the chain, recorded as refused). The address libcurl is
 *    about to connect to is checked in its open-socket callback against the rules of
 *    core/net/dest.h (loopback, private, link-local, the host's own addresses and
 *    crawl.deny-destinations refused unless crawl.allow-destinations names them), so a
 *    name that resolves to 127.0.0.1 is refused like the literal.
 *  - Limits per chain: a wall-clock budget shared by its hops, a low-speed limit
 *    (slow-trickle servers), and a cap on the bytes of each body after decompression
 *    (the write callback stops the transfer past it); the cookie jar (one easy handle
 *    per chain keeps it) and the Referer go along the chain.
 *  - What a page holds is read by crawl_extract (extract.c): a real HTML5 parser
 *    (libgumbo) for the markup, and a small pattern reader for inline scripts.
 *  - Each hop gets a role in the seed system's terms: entry (the start URL), relay (a
 *    hop that moves navigation to another registrable domain, libpsl), distribution (a
 *    payload: libmagic says executable/archive/script, or the body contradicts a
 *    text/html Content-Type), attack (a YARA rule of crawl.rules matches the body: the
 *    rule names are its evidence), hop / landing (anything else).
 *
 * Profiles: a chain is fetched as one visitor profile (struct crawl_profile: User-Agent,
 * Accept-Language, the Referer of the start URL, an egress proxy). Cloaking: with
 * o->cloaking every start URL is fetched a second time as o->bare, a visitor that is no
 * browser; hops only the browser-like visit reached are marked "cloaked" (the records are
 * then held and written when the run ends).
 *
 * With an egress proxy every connection goes to the proxy the operator named, so the
 * open-socket check does not apply; a URL whose host is an address literal is still
 * checked before its transfer, and names are resolved in the proxy's network
 * (socks5h://, http://): its own egress filter is what guards that network.
 *
 * Output under out (created 0700): chains.jsonl, one JSON object per chain with its
 * hops (and "id", the chain's number); hops.jsonl, one JSON object per hop (its chain's
 * id, start URL and profile added); har/NNNNNN.har (NNNNNN the id), the chain as a HAR
 * 1.2 file (Lookyloo and browsers' devtools read it); bodies/<sha256>, each body stored
 * once; found.txt, the distribution and attack URLs, one a line; found.csv, the same with
 * the role and the chain's HAR file as reference, and relays.csv, the hosts of the relay
 * hops (what `crawl --import` imports); visits.log, the visit log (visits.c).
 *
 * Runs are resumable: each chain's record is flushed as it ends, so a killed run leaves
 * whole records; with o->resume the completed ones are kept (and what they queued is
 * queued again when it did not complete), the rest is crawled.
 */
#ifndef ISP_CRAWL_H
#define ISP_CRAWL_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

/* Named limits of the extractor (extract.c): links read from one page, and the length
 * of one link kept. */
#define CRAWL_BARE_AGENT   "ispshield-crawl/1 (cloaking check)"
#define CRAWL_MAX_LINKS	   64
#define CRAWL_MAX_URL	   2048
#define CRAWL_MAX_HOPS_CAP 64 /* crawl.max-hops may not go above this */
/* What of a page is parsed: its first CRAWL_MAX_HTML bytes, cut where the markup opens
 * more than CRAWL_MAX_DEPTH elements that are not closed (counted roughly, before
 * parsing: start tags minus end tags, leaving out void and self-closing elements and
 * those HTML closes implicitly, p, li, td ...). libgumbo's time grows with tags times
 * nesting depth (8000 nested <div> take over a second), so a hostile page could
 * otherwise stall the crawler's one thread; Chromium's parser caps depth at 512 too. */
#define CRAWL_MAX_HTML	(2 << 20)
#define CRAWL_MAX_DEPTH 512

/* How a link was found; the navigation kinds make the next hop of a chain. */
enum crawl_kind {
	CRAWL_START = 0,
	CRAWL_HTTP,	    /* 3xx Location */
	CRAWL_REFRESH,	    /* Refresh header */
	CRAWL_META_REFRESH, /* <meta http-equiv=refresh content="N; url=..."> */
	CRAWL_JS,	    /* location = / location.href = / .replace( / .assign( / window.open( */
	CRAWL_FRAME,	    /* <iframe src>, <frame src> */
	CRAWL_SCRIPT,	    /* <script src> */
	CRAWL_EMBED,	    /* <embed src>, <object data> */
	CRAWL_FORM,	    /* <form action> of a form a script submits */
	CRAWL_JS_RUN,	    /* a navigation an inline script made when run (script.c) */
};

struct crawl_link {
	enum crawl_kind kind;
	char url[CRAWL_MAX_URL]; /* as written in the page (relative or absolute) */
};

struct strbuf;

/* 1 for the kinds that navigate the page (the chain's next hop). */
int crawl_kind_navigates(enum crawl_kind k);
/* "http-3xx", "meta-refresh", ... */
const char *crawl_kind_name(enum crawl_kind k);

/*
 * Read the links of one HTML page body[0..len) (any bytes: not NUL-terminated, may be
 * hostile) into out[0..max). *base receives the <base href> when the page has one
 * ("" otherwise; basesz bytes at most). Only a bounded prefix is parsed (CRAWL_MAX_HTML,
 * CRAWL_MAX_DEPTH). Returns the number of links (at most max; links
 * longer than CRAWL_MAX_URL - 1 are skipped). Navigations come first in document order.
 * With scripts not NULL, the text of each inline script (no src, a JavaScript type) is
 * appended to it, framed as [u32 length, host order][text], CRAWL_SCRIPT_INPUT bytes at
 * most in all: the input of crawl_script_run.
 */
int crawl_extract(const char *body, size_t len, struct crawl_link *out, int max, char *base,
		  size_t basesz, struct strbuf *scripts);

/* ---- the script-running tier (script.c) ----
 *
 * A page's inline scripts run in duktape against a stub DOM (the header of script.c says
 * what it covers), in a forked child with named limits: the engine's heap
 * (CRAWL_SCRIPT_MEM), CPU seconds (RLIMIT_CPU), the address space (RLIMIT_AS), a wall
 * clock the parent keeps (then SIGKILL); at most CRAWL_SCRIPT_TIMERS timers and load
 * handlers run, each once; at most CRAWL_SCRIPT_OUTPUT bytes of reports are read back. */
#define CRAWL_SCRIPT_INPUT   (512 << 10)
#define CRAWL_SCRIPT_MEM     (64 << 20)
#define CRAWL_SCRIPT_CPU_S   1
#define CRAWL_SCRIPT_WALL_MS 2000
#define CRAWL_SCRIPT_TIMERS  32
#define CRAWL_SCRIPT_OUTPUT  (64 << 10)

struct crawl_script_env {
	const char *url;	/* the page's (absolute): location, document.URL */
	const char *referer;	/* document.referrer; may be NULL */
	const char *user_agent; /* navigator.userAgent; may be NULL */
};

/*
 * The script tier's process (a "zygote": the engine's heap made and its stub DOM compiled
 * once; a worker forked from it per page, with the limits above). crawl_script_new
 * starts it (0, or ISR_EIO with err: socketpair, fork); start it before the process
 * grows (each fork copies the zygote, not the crawler). While a run waits for the
 * worker, it calls wait(ud, fd, ms) when given: wait up to ms for fd to be readable (1
 * when it is, 0 when not), doing other work meanwhile (the crawler keeps its transfers
 * going, so a page's scripts do not stall the other chains); NULL: poll(2).
 * crawl_script_free ends it.
 * crawl_script_start starts it again after it was ended (a run that broke the protocol
 * ends it; the next run starts a new one).
 */
struct crawl_script;
int crawl_script_new(struct crawl_script **out, int (*wait)(void *ud, int fd, int ms), void *ud,
		     struct isp_err *err);
int crawl_script_start(struct crawl_script *z, struct isp_err *err);
void crawl_script_free(struct crawl_script *z);

/*
 * Run scripts[0..len) (crawl_extract's framing) as the page env->url would, in a worker
 * of z. The navigations, frames, scripts, embeds and form submissions the scripts made,
 * in order, go to out[0..max) (URLs as the script wrote them: resolve against the page);
 * returns their number. why receives how the run ended: "ran", "time-limit",
 * "memory-limit" or "failed: ..." (what was reported before it ended is kept).
 */
int crawl_script_run(struct crawl_script *z, const struct crawl_script_env *env,
		     const char *scripts, size_t len, struct crawl_link *out, int max, char *why,
		     size_t whysz);

/*
 * The child's reports rec[0..n) -- "KIND URL\n" lines, hostile bytes -- into out[0..max):
 * a line with another kind, a control byte, no end or an over-long URL is skipped.
 * Returns the number of links.
 */
int crawl_script_records(const char *rec, size_t n, struct crawl_link *out, int max);

/*
 * The URL of a Refresh header or meta refresh content ("5; url=/next", "0;URL='x'") into
 * out; returns 1 when it names one, 0 otherwise ("5" alone: a reload, not followed; a
 * URL holding a control character such as NUL or a line break).
 */
int crawl_parse_refresh(const char *content, size_t len, char *out, size_t outsz);

/*
 * Resolve ref against base (absolute http/https URL) into out. Returns 0, or ISR_EINVAL
 * when the result is not a URL.
 */
int crawl_resolve(const char *base, const char *ref, char *out, size_t outsz);

/* A visitor profile; NULL or "" fields send nothing (proxy: direct). */
struct crawl_profile {
	const char *name; /* in each chain's record ("browser", "bare", a configured one) */
	const char *user_agent;
	const char *accept_language;
	const char *referer; /* of the start URL; later hops send the previous hop */
	const char *proxy;   /* libcurl proxy URL: socks5h://H:P, http://H:P, ... */
};

struct crawl_opts {
	const char *out;	      /* output folder (created) */
	int max_hops;		      /* navigation hops per chain after the start URL */
	int depth;		      /* frames/scripts followed as chains of their own: levels */
	int concurrency;	      /* chains fetched at once */
	int64_t chain_timeout_ms;     /* wall clock per chain, all hops */
	int64_t low_speed_bytes;      /* below this many bytes/s ... */
	int64_t low_speed_seconds;    /* ... for this long: the hop is abandoned */
	int64_t max_body;	      /* bytes kept of one body (decompressed); more ends it */
	struct crawl_profile profile; /* the visitor every start URL is fetched as */
	struct crawl_profile bare;    /* with cloaking: the second, non-browser visit */
	int scripts;	   /* run inline scripts (script.c) when the patterns find no navigation */
	const char *allow; /* crawl.allow-destinations: prefixes allowed though special */
	const char *deny;  /* crawl.deny-destinations: the ISP's own infrastructure */
	const char *rules; /* crawl.rules: YARA rule files, comma-separated; "" = none */
	int cloaking;	   /* each start URL once more as `bare`; hops only the browser
			      * got: "cloaked" */
	int quiet;
	int progress; /* a status line on stderr once a second (stderr is a terminal) */
	/* politeness (crawl.c): at most host_concurrency fetches under way to one host
	 * (0 = no limit), the starts of two at least host_interval_ms apart (0 = none); a
	 * hop that must wait keeps its chain's place among o->concurrency */
	int host_concurrency;
	int64_t host_interval_ms;
	/* the visit log (visits.c): a URL fetched from the same exit by another run less
	 * than revisit_after seconds ago is not fetched again (0 = no log); the log is
	 * visit_log, or out/visits.log when NULL or "" */
	const char *visit_log;
	int64_t revisit_after;
	int resume; /* go on with the run in out (queue.c): completed chains are kept */
	/* Called with each problem that does not stop the run (a bad start URL); may be
	 * NULL. */
	void (*report)(void *ud, const struct isp_err *e);
	void *ud;
	volatile int *stop; /* set by a signal handler: finish now; may be NULL */
};

struct crawl_stats {
	long chains;	   /* chains finished */
	long hops;	   /* hops fetched or refused */
	long refused;	   /* hops refused (destination or scheme) */
	long failed;	   /* hops that failed (connection, timeout, cap) */
	long distribution; /* distribution and attack URLs found (lines of found.txt) */
	long bad_start;	   /* start values that are not http/https URLs */
	long scripts;	   /* pages whose inline scripts the second tier ran */
	long relays;	   /* relay hosts written to relays.csv */
	long resumed;	   /* chains completed by the run resumed (kept, not crawled) */
	long visited;	   /* hops not fetched: visited from the same exit (visit log) */
	long host_waits;   /* hops that waited for their host (politeness) */
	long host_peak;	   /* the most fetches under way to one host at once */
};

/*
 * Crawl the start URLs urls[0..n) (a value that names a readable file is read as a list
 * of URLs, one a line, '#' comments). Writes the output folder as described above.
 * Returns 0 when the run completed (refused or failed hops are results, counted in
 * *st), or an ISR code with err set (output folder, libcurl or libmagic set-up).
 */
int crawl_run(const struct crawl_opts *o, char **urls, int n, struct crawl_stats *st,
	      struct isp_err *err);

/* ---- `lists recheck` (recheck.c) ----
 *
 * Each due URL of a url list is fetched again without scripts or redirects: a GET of
 * its first CRAWL_RECHECK_RANGE bytes (Range), through the same destination check. One
 * fetch gives a signal:
 *   online   2xx and the same SHA-256 of those bytes as when last online (or none yet);
 *   offline  the name does not resolve, the connection is refused, 404 or 410, or the
 *            payload changed (another hash: the file is gone);
 *   unknown  anything else: 5xx, other 4xx (403 is often cloaking), timeouts, a
 *            destination this host refuses to reach.
 * The stored status (core/store/store_urlstatus.h) becomes online on an online signal,
 * offline after offline_after consecutive offline signals, and unknown while neither
 * holds. A URL is due again after 1 h when online, then backs off 1 h -> 6 h -> 24 h with
 * consecutive offline signals (and after an unknown, as for its count so far). With
 * offline_expiry, a URL offline for that long has its entries expire (store_url_expire).
 */
#define CRAWL_RECHECK_RANGE 65536

struct store;
struct store_list;

struct crawl_recheck_opts {
	int concurrency;
	int64_t timeout_ms;	  /* per URL */
	int offline_after;	  /* consecutive offline signals before offline */
	int64_t offline_expiry;	  /* seconds offline after which its entries expire; 0 = never */
	int all;		  /* every URL of the list, due or not */
	int64_t host_interval_ms; /* least time between two fetches from one host (one at
				   * a time each); 0 = no pause */
	const char *user_agent, *allow, *deny;
	volatile int *stop; /* may be NULL */
};

struct crawl_recheck_stats {
	long checked, online, offline, unknown; /* statuses after this run */
	long expired;				/* entries expired by lists.offline-expiry */
};

/*
 * Re-check the URLs of list l in st that are due at now (all with o->all) and store each
 * status. Returns 0, or an ISR code with err set (the store, libcurl, a bad
 * allow/deny prefix); statuses stored before a failure stay.
 */
int crawl_recheck_list(struct store *st, const struct store_list *l,
		       const struct crawl_recheck_opts *o, int64_t now,
		       struct crawl_recheck_stats *out, struct isp_err *err);

#endif
