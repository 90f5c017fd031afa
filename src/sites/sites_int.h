/*
 * sites_int.h -- what the files of src/sites share (not for callers of sites.h).
 */
#ifndef ISP_SITES_INT_H
#define ISP_SITES_INT_H

#include "core/base/err.h"

/* Report one rejected line (line > 0) or offset (off >= 0) of file through rej (nothing
 * when rej is NULL): the one reject helper of the parsers (contact.c). */
void sites_reject(isp_reject_fn rej, void *ud, const char *file, long line, long long off,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
