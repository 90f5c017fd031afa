/*
 * pull.h -- `ispshield lists pull`: an RPZ zone fetched from a primary by zone transfer
 * (IXFR from the serial pulled last, AXFR the first time or when the server or the copy
 * needs it), every message's TSIG checked, and applied to a list through the same import
 * path as a file (core/lists/listimport.h: the RPZ reader, history, rejected records,
 * the shrink guard), then compiled, in one store transaction.
 *
 * The exchange is one TCP connection: a SOA query first (nothing more when the serial
 * has not moved), then the transfer. The zone's records are kept between pulls as a zone
 * copy, pull/LIST.zone beside the snapshot (one record a line, sorted): an IXFR's
 * differences are applied to it and the result imported as source "pull:ZONE", so
 * rejected records are reported as that file's LINE (the record stays there to read).
 * The serial and zone pulled are kept in the store's meta table ("pull LIST"), committed
 * with the entries; a copy that does not match it (lost, or a crash between the two) is
 * not trusted and the next pull is an AXFR.
 *
 * The server is the one the operator configured, so no destination check applies; what
 * it sends is still read as hostile: bounded messages, records and bytes (pull_int.h),
 * an idle timeout on every step and a deadline for the whole transfer.
 */
#ifndef ISP_RPZ_PULL_H
#define ISP_RPZ_PULL_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/base/err.h"
#include "core/net/domain.h"
#include "core/lists/listimport.h"
#include "core/lists/snapshot.h"
#include "core/store/store.h"

#define RPZ_PULL_DEADLINE 900 /* seconds one pull may take in all */

struct rpz_pull_opts {
	const char *list;     /* the list the zone goes to */
	enum list_kind kind;  /* create the list with this kind; LIST_KIND_NONE: it exists */
	const char *server;   /* HOST[:PORT] (port 53 by default) */
	const char *zone;     /* the zone's name */
	const char *tsig;     /* "NAME:ALG:SECRETFILE", or NULL: unsigned */
	const char *snapshot; /* the snapshot path; its folder holds pull/ */
	int timeout;	      /* seconds each step may wait for the server */
	int full;	      /* AXFR even when an IXFR could do */
	struct listimport_opts import; /* expires, max_shrink, allow_shrink (the rest set
					  here), the progress callback */
	isp_reject_fn on_reject;       /* each rejected record (FILE:LINE); may be NULL */
	void *ud;
};

enum rpz_pull_kind { RPZ_PULL_CURRENT, RPZ_PULL_AXFR, RPZ_PULL_IXFR };

struct rpz_pull_result {
	enum rpz_pull_kind kind;       /* CURRENT: the serial had not moved, nothing changed */
	uint32_t from, serial;	       /* our serial before (0 when none), the server's */
	int had_copy;		       /* an IXFR could be asked */
	int ixfr_fell_back;	       /* an IXFR was asked and a whole zone came (or had to) */
	uint32_t refresh, retry;       /* the SOA's timers: when to pull again */
	long messages, records, diffs; /* of the transfer */
	long zone_records;	       /* in the copy after it */
	char copy[4200];	       /* the zone copy's path */
	struct listimport_result imp;  /* the import (kind != CURRENT) */
	struct snap_build_stats bs;    /* the compile */
};

/*
 * Pull o->zone from o->server into list o->list of st and compile the snapshot. Returns
 * 0 (r says what happened; r->kind CURRENT: nothing to do), or an ISR code with err
 * saying why; nothing in the store or the snapshot has then changed. ISR_EINVAL: bad
 * options (the key file, the server, the zone); ISR_EIO: the server could not be
 * reached, timed out or answered with an error; ISR_ECORRUPT: a TSIG did not verify (the
 * server's own TSIG error is named: a wrong secret reads "BADSIG"); ISR_EFORMAT /
 * ISR_ELIMIT: a hostile or broken answer; an import refused by the guard (r->imp.refused).
 */
int rpz_pull(struct store *st, const struct rpz_pull_opts *o, struct rpz_pull_result *r,
	     struct isp_err *err);

/* ---- pull_watch.c: `lists pull --watch` ---- */

#define RPZ_PULL_MIN_WAIT 30	/* seconds: the shortest SOA refresh or retry obeyed */
#define RPZ_PULL_MAX_WAIT 86400 /* seconds: the longest */
#define RPZ_PULL_RETRY	  60	/* seconds before a retry when no SOA was read */

#define RPZ_PULL_PRIMARIES 8 /* addresses of a primary a NOTIFY is taken from */

/* The addresses of server (HOST[:PORT], as in rpz_pull_opts; a name is resolved by the
 * system's resolver) into out[0..max): how many (0 when it does not resolve). They are
 * the only senders a NOTIFY for its zone is taken from (RFC 1996 3.10). */
int rpz_pull_primaries(const char *server, struct sockaddr_storage *out, int max);

/* One configured pull for rpz_pull_watch. */
struct rpz_pull_job {
	struct rpz_pull_opts o;
	int64_t due;  /* ms (time_mono_ms): its next pull */
	int notified; /* a NOTIFY made it due */
	/* what a NOTIFY is checked against, worked out before the job's pulls (never per
	 * packet: a NOTIFY is unauthenticated UDP): the zone normalised, the primary's
	 * addresses */
	char zone[DOMAIN_BUFSZ];
	struct sockaddr_storage prim[RPZ_PULL_PRIMARIES];
	int nprim;
};

/* One pull of j into r (the caller opens the store, calls rpz_pull and logs): rpz_pull's
 * return. */
typedef int (*rpz_pull_run_fn)(void *ud, struct rpz_pull_job *j, struct rpz_pull_result *r,
			       struct isp_err *err);

/*
 * Pull each of jobs[0..n) when it is due (all at once at the start) until *stop is set:
 * after a pull, again after the zone's SOA refresh, after a failure its SOA retry
 * (RPZ_PULL_RETRY when no SOA was read), both held within RPZ_PULL_MIN_WAIT ..
 * RPZ_PULL_MAX_WAIT. notify: "" or an ADDR:PORT where NOTIFY messages (RFC 1996) are
 * taken over UDP: one for a job's zone is answered and makes that job due at once (from
 * anyone: a NOTIFY only brings the SOA query forward, which decides); any other zone is
 * answered REFUSED, other messages are dropped. Returns 0 when stopped, or ISR_EINVAL /
 * ISR_EIO (the notify address) with err set.
 */
int rpz_pull_watch(struct rpz_pull_job *jobs, int n, const char *notify, volatile int *stop,
		   rpz_pull_run_fn run, void *ud, struct isp_err *err);

#endif
