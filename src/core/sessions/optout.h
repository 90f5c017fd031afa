/*
 * optout.h -- the DNS opt-out file: the prefixes that subscribers who opted out of
 * filtering, or who have a profile, hold now (their open or current sessions in the
 * sessions index), one a line, written atomically for the DNS service and the proxy to
 * read (dns.opt-out, proxy.opt-out; core/service/served.h reads it).
 *
 * Format (version 2, its first line "# ispshield opt-out v2 ..."): "PREFIX\t# ID" for a
 * subscriber who opted out of filtering (or has the profile "none"), as in version 1;
 * "profile=NAME\tPREFIX\t# ID" for a subscriber of profile NAME. A version-1 reader
 * fails on a profile line (not a prefix) and keeps its old data, never mistaking a
 * profile for an opt-out.
 *
 * Also what the subscribers' commands print of that state: one subscriber, and the
 * consent and opt-out history.
 */
#ifndef ISP_CORE_SESSIONS_OPTOUT_H
#define ISP_CORE_SESSIONS_OPTOUT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/store/store.h"
#include "core/store/store_notify.h"

/* One subscriber the file names: its id and profile ("none" = opted out). */
struct optout_sub {
	char *id;
	char *profile;
};

/* The subscribers who opted out of filtering or have a profile, sorted by id
 * (optout_collect). n counts them all, nopt those who opted out. */
struct optout_ids {
	struct optout_sub *v;
	size_t n, cap, nopt;
	int oom;
};

/*
 * Fill *ids (zeroed by the caller) with the subscribers of st who opted out of filtering
 * or have a profile, sorted by id. Returns 0, the store's error, or ISR_ENOMEM ("out of memory" in err). Free
 * *ids with optout_ids_free in every case.
 */
int optout_collect(struct store *st, struct optout_ids *ids, struct isp_err *err);

/* Free what optout_collect allocated in *ids. */
void optout_ids_free(struct optout_ids *ids);

/*
 * Write to out (replaced atomically) the version line, then a line (format above) for
 * every interval of the sessions index at sessions_path (none yet: no lines) that holds
 * at now and belongs to one of ids. *written: the lines of prefixes. Returns 0 or the error of
 * opening the index or writing the file.
 */
int optout_write(const struct optout_ids *ids, const char *sessions_path, const char *out,
		 int64_t now, long *written, struct isp_err *err);

/* What optout_refresh wrote: the prefix lines, the subscribers who opted out of filtering
 * and those with a profile. */
struct optout_counts {
	long written;
	size_t opted_out, profiled;
};

/*
 * The whole refresh: optout_collect from st, then optout_write to out. Returns 0 or the
 * error of either (err set); *n is filled in every case.
 */
int optout_refresh(struct store *st, const char *sessions_path, const char *out, int64_t now,
		   struct optout_counts *n, struct isp_err *err);

/*
 * Print subscriber s to f (`subscribers show`): one line for people (times in
 * core.timezone), or with json one object {id, email, language, consent,
 * opt_out_filtering, opt_out_notices, profile}. 0, or ISR_ENOMEM / ISR_EIO.
 */
int optout_subscriber_print(FILE *f, const struct store_subscriber *s, int json);
/* Every subscriber of st, by id, to f: a line each as above, or one JSON array. Returns
 * 0, the store's error, or ISR_EIO / ISR_ENOMEM. */
int optout_subscribers_write(FILE *f, struct store *st, int json, struct isp_err *err);

/*
 * The consent and opt-out history of st (store_each_subscriber_change: one subscriber's
 * or, id NULL, everyone's, at or after since), oldest first, to f: as CSV with the header
 * subscriber,time,change,via (time in UTC) when csv, else one line per change (local
 * time, core.timezone). Returns 0, the store's error, or ISR_EIO when f fails.
 */
int optout_history_write(FILE *f, struct store *st, const char *id, int64_t since, int csv,
			 struct isp_err *err);

#endif
