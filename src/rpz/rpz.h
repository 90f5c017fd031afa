/*
 * rpz.h -- `ispshield rpz`: the lists served as RPZ zones to the resolvers an ISP (or an
 * ISAC's members) already runs, by zone transfer: AXFR (RFC 5936) and IXFR (RFC 1995)
 * over TCP, SOA over UDP and TCP, TSIG (RFC 8945) and NOTIFY (RFC 1996).
 *
 * One zone per [rpz] zone entry, built from the compiled snapshot (never from the store:
 * what is served is what `dns` blocks). The service watches the snapshot; when a new one
 * changes a zone, the zone's serial goes up, the difference is kept in a bounded journal
 * for IXFR, and the configured secondaries are sent a NOTIFY until they acknowledge it.
 * Everything else (other types, other zones, AXFR over UDP) is REFUSED.
 */
#ifndef ISP_RPZ_H
#define ISP_RPZ_H

#include "core/base/err.h"
#include "core/service/config.h"

/*
 * Serve cfg's [rpz] zones until SIGTERM or SIGINT (SIGHUP, or a new snapshot, rebuilds the
 * zones). Returns 0, or ISR_EINVAL (a bad [rpz] key: err names it), ISR_ENOTFOUND (no
 * snapshot yet) or ISR_EIO (a socket) with err set; nothing is served then.
 */
int rpz_run(const struct isp_config *cfg, struct isp_err *err);

#endif
