/*
 * run.h -- `ispshield run`: every service of one machine in one process tree.
 *
 * The supervisor starts each service as a child process of the same binary
 * (/proc/self/exe) with one configuration: the effective configuration (file, -o
 * overrides and all) is written to ispshield-run.conf in the run folder and every child
 * reads that file, so that what the children run with is what `ispshield config` would
 * print. Two kinds of service:
 *
 *   kept running   dns, proxy, status. A child that dies is started again after a delay
 *                  that doubles from 1 s to 60 s while it keeps dying, and drops back to
 *                  1 s once it has run for a minute. A child that exits with status 2
 *                  (configuration or usage error) on its first start stops everything:
 *                  a typo must not leave a half-started service behind.
 *   periodic       notify (`notify run`) every run.notify-interval, sync (`lists sync`)
 *                  every run.sync-interval when sync.url is set, the first at start;
 *                  prune (`store prune`: retention and masking) every
 *                  run.prune-interval, the first run.prune-delay after start; never
 *                  two runs of one kind at once.
 *
 * Signals: SIGHUP reads the configuration again; if it is bad, the old one stays and
 * the error is logged. A kept-running service whose section or [core] changed is
 * restarted; the others get SIGHUP (they reload the snapshot and opt-out file).
 * SIGTERM or SIGINT sends SIGTERM to every child, waits run.stop-timeout for them, kills
 * what is left and returns. Every child has PR_SET_PDEATHSIG, so a supervisor killed
 * with SIGKILL takes its children with it.
 */
#ifndef ISP_RUN_H
#define ISP_RUN_H

#include "core/service/config.h"
#include "core/base/err.h"

/*
 * Run until SIGTERM/SIGINT. cfg is the configuration read at start; reload reads it
 * again. Returns 0 after a clean stop, ISR_EINVAL when a service refused its
 * configuration on its first start (or run.services names an unknown service), or
 * another ISR code with err set when the supervisor itself could not start.
 */
int run_main(const struct isp_config *cfg, config_reload_fn reload, void *ud, struct isp_err *err);

#endif
