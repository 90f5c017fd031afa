/*
 * httpsig.h -- the signals of a service whose main thread polls (`status`, `urlcheck`):
 * SIGTERM and SIGINT ask it to stop, SIGHUP to reload; SIGPIPE is ignored (a client that
 * goes away must not kill the server). The handlers only set flags the loop reads.
 */
#ifndef ISP_CORE_HTTPSIG_H
#define ISP_CORE_HTTPSIG_H

#include <signal.h>

/* Set by the handlers httpsig_install installs; the loop clears httpsig_hup. */
extern volatile sig_atomic_t httpsig_stop, httpsig_hup;

/* Install the handlers (SIGTERM, SIGINT, SIGHUP) and ignore SIGPIPE. */
void httpsig_install(void);

#endif
