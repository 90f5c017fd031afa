/*
 * dns.h -- `ispshield dns`, the C&C-blocking DNS service (the "DNS method" of the ACTIVE
 * programme): subscribers use it as their resolver; it answers from its cache or
 * forwards to the ISP's recursive resolvers, and blocks names in the snapshot's domain
 * lists (and answers whose CNAME target or address is listed) for subscribers that did
 * not opt out. It inspects only the name asked for and records only what it blocked.
 *
 * Threads: N workers, each with its own UDP sockets on every listen address
 * (SO_REUSEPORT spreads clients over them), its own upstream sockets, cache and
 * rate-limit tables -- nothing on the query path is shared but read-only data (the
 * snapshot, the prefix sets). The main thread reloads that read-only data (SIGHUP, or a
 * changed file noticed within a second) by swapping a pointer and freeing the old copy
 * once every worker has passed a quiescent point, so a reload stalls no query and at
 * most two snapshots are mapped at once. One writer thread moves block events from the
 * workers' rings to the store. SIGTERM/SIGINT stop the workers and drain the rings.
 */
#ifndef ISP_DNS_H
#define ISP_DNS_H

#include "core/service/config.h"
#include "core/base/err.h"

/*
 * Run the service with the configuration in cfg (the [dns] keys, core.store and the
 * snapshot path) until SIGTERM or SIGINT. Returns 0 after a clean stop, or an ISR code
 * with err set when it cannot start (bad address, port in use, no snapshot, bad
 * prefix list): it never starts half-configured.
 */
int dns_run(const struct isp_config *cfg, struct isp_err *err);

#endif
