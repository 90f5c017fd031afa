/*
 * status.h -- the operator's status page: `ispshield status` serves, on one loopback
 * address by default, an HTML page and a JSON API (GET /api/status) with the same
 * figures:
 *   traffic   current DNS QPS and block rate, proxy requests/s and block rate, and their
 *             history, sampled from the services' Prometheus endpoints every interval;
 *   blocks    top blocked names and lists, and blocks per list over time (store);
 *   funnel    per notification source: received -> matched -> notified -> returned,
 *             handled rate (store_each_batch_report);
 *   sites     `sites report`'s figures per source list: listed sites found, domestic,
 *             with a contact, notified, handled, median time from notice to offline;
 *   notices   the most recent notices: subscriber id, causes, state; never a body or an
 *             e-mail address (secrecy of communications);
 *   darknet   the figures of a `darknet --json` report, when one is configured;
 *   lists     the store's lists, the snapshot's serial, creation time, keys per list, and
 *             the state of list sync (sync-state.json beside the snapshot).
 *
 * Design. One thread (status_run's caller) samples, queries the store and builds the
 * figures as one JSON object once per interval; libmicrohttpd's thread answers requests
 * from that object (reference counted, swapped under a mutex), so the page and the API
 * show the same numbers, and the store sees one round of queries per interval however
 * many people reload the page. Everything shown is bounded: the sample ring, every store
 * query (LIMIT), the scraped text and the files read. A metrics endpoint that is down or
 * slow is shown "unreachable" after a short timeout; it never holds the page.
 *
 * Input from elsewhere (the scraped Prometheus text, sync-state.json, the darknet report)
 * is untrusted: the parsers below report what they reject with the source and line, keep
 * going, and are fuzzed (fuzz/fuzz_statusin.c).
 */
#ifndef ISP_STATUS_STATUS_H
#define ISP_STATUS_STATUS_H

#include <jansson.h>
#include <stddef.h>

#include "core/service/config.h"
#include "core/base/err.h"

/* Called with each rejected piece of input (err names source and line). */
typedef void (*status_reject_fn)(void *ud, const struct isp_err *err);

/* One sample of the Prometheus text format: name (not NUL-terminated), whether it had
 * labels, its value. A non-zero return stops the parse. */
typedef int (*status_prom_fn)(void *ud, const char *name, size_t namelen, int labelled,
			      double value);

/*
 * Parse text[0..len) as the Prometheus text exposition format (version 0.0.4): comment
 * and blank lines skipped, every sample line passed to fn. A malformed line is passed to
 * rej (may be NULL) as "src:LINE: reason" and skipped. No allocation. Returns the number
 * of lines rejected.
 */
long status_prom_parse(const char *text, size_t len, const char *src, status_prom_fn fn,
		       status_reject_fn rej, void *ud);

/*
 * Parse text[0..len) as the sync state `lists sync` writes ({"syncs":[...]}, see
 * README): returns a new JSON object {"syncs":[...]} holding only the known fields with
 * the expected types (strings cut at 512 bytes, at most STATUS_SYNC_MAX syncs of at most
 * STATUS_SYNC_LISTS lists each). A syntax error returns NULL with err set (src, line,
 * offset); a bad field or entry is reported to rej and left out. The caller owns the
 * result (json_decref).
 */
#define STATUS_SYNC_MAX	  32
#define STATUS_SYNC_LISTS 64
json_t *status_sync_parse(const char *text, size_t len, const char *src, status_reject_fn rej,
			  void *ud, struct isp_err *err);

/*
 * Parse text[0..len) as a `darknet --json` report: returns a new JSON object with its
 * totals (records, packets, sources, outside_sensors, estimated), the last
 * STATUS_DARKNET_DAYS days and the first STATUS_DARKNET_PORTS top ports. NULL with err
 * set when it is not JSON or not an object; bad fields go to rej. Caller owns it.
 */
#define STATUS_DARKNET_DAYS  14
#define STATUS_DARKNET_PORTS 10
json_t *status_darknet_parse(const char *text, size_t len, const char *src, status_reject_fn rej,
			     void *ud, struct isp_err *err);

/*
 * Serve the status page with configuration cfg until SIGTERM or SIGINT. SIGHUP calls
 * reload (when not NULL) and applies the new [status] keys (a new listen address
 * restarts the HTTP server; a bad new configuration is refused and the old one kept).
 * Prints one line on stderr when serving ("status: serving http://ADDR/"). Returns 0 on
 * a clean stop, or an ISR code with err set when it cannot start (bad [status] keys,
 * address in use, password file unreadable).
 */
int status_run(const struct isp_config *cfg, config_reload_fn reload, void *reload_ud,
	       struct isp_err *err);

#endif
