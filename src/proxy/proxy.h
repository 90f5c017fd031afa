/*
 * proxy.h -- `ispshield proxy`, the malware-site warning proxy (the "proxy method" of the
 * ACTIVE programme): an HTTP/1.1 forward proxy for subscribers who consented. A request
 * whose canonical URL is in a `url` list gets a warning page (Japanese or English) with
 * a signed, time-limited "continue anyway" link instead of the site; a CONNECT to a host
 * in a `domain` list gets 403 with a short text (the proxy cannot see an HTTPS path).
 * In walled-garden mode a plain request for a C&C name that `ispshield dns` pointed here
 * gets a page on how to clean the PC, and so does a plain request through the proxy to
 * such a name. Upstream addresses are checked after the name lookup (dest.h). Only hits
 * are recorded; requests that were not blocked are never logged or stored.
 *
 * Threads: N workers, each with its own listen sockets (SO_REUSEPORT) and epoll loop,
 * owning its connections; a small pool of resolver threads (getaddrinfo, or the stub
 * of dnsstub.h with proxy.resolver) so that a slow name lookup never blocks a loop; one
 * thread reading the warning page's list metadata from the store (meta.c), so that a
 * slow store never blocks one either; one writer thread for block events (core/service/evring.h);
 * one metrics thread (core/service/metricsd.h); the main thread reloads the snapshot and opt-out
 * list by pointer swap and quiescence, as the DNS service does.
 */
#ifndef ISP_PROXY_H
#define ISP_PROXY_H

#include "core/service/config.h"
#include "core/base/err.h"

/*
 * Run the proxy with cfg (the [proxy] keys, core.store, the snapshot path) until
 * SIGTERM or SIGINT. Returns 0 after a clean stop, or an ISR code with err set when it
 * cannot start (bad address, port in use, no snapshot, bad prefix list, unreadable or
 * short secret file): it never starts half-configured.
 */
int proxy_run(const struct isp_config *cfg, struct isp_err *err);

#endif
