/*
 * subfmt.h -- the reader of the subscriber directory: a CSV export whose header names
 * the columns (any order, any case; other columns ignored):
 *   id                 the subscriber as sessions name it (required, <= 127 bytes)
 *   email              where notices go; empty = none
 *   language           ja or en; empty = ja
 *   consent, opt_out_filtering, opt_out_notices
 *                      dates (time_parse: ISO 8601 or unix seconds) or empty
 *   profile            which lists apply ([profile.NAME]); empty = every list; "none" =
 *                      nothing filtered (as opt_out_filtering); letters, digits, - _ .
 * Blank lines and lines starting with '#' before or after the header are skipped. A row
 * with no id, an address that cannot be an e-mail address (no '@', spaces, '<', '>',
 * ',', control characters: anything that could break a mail header), another language,
 * or a date that does not parse is rejected as FILE:LINE: reason; the rest is read.
 */
#ifndef ISP_CORE_SUBFMT_H
#define ISP_CORE_SUBFMT_H

#include <stdio.h>

#include "core/base/err.h"
#include "core/store/store_notify.h"

#define SUBFMT_LINE_MAX 16384

typedef int (*subfmt_fn)(void *ud, const struct store_subscriber *s);
typedef isp_reject_fn subfmt_reject_fn;

struct subfmt_stats {
	long lines, rows, rejected;
};

/*
 * Read f to the end. Returns 0 (rejections counted in stats), the callback's non-zero
 * value when it stopped, ISR_EFORMAT when there is no header naming an `id` column
 * (err names the file and line), or another negative ISR code for an I/O error.
 */
int subfmt_read(FILE *f, const char *filename, subfmt_fn fn, subfmt_reject_fn on_reject, void *ud,
		struct subfmt_stats *stats, struct isp_err *err);

/*
 * The directory import: read f as above and put every row into st
 * (store_subscriber_put), all in one transaction. on_reject(ud, ...) hears each rejected
 * row. Returns 0 (committed; stats counts rows and rejects), or the error of reading or
 * of the store with err set, having rolled back: nothing imported.
 */
int subfmt_import(struct store *st, FILE *f, const char *filename, subfmt_reject_fn on_reject,
		  void *ud, struct subfmt_stats *stats, struct isp_err *err);

#endif
