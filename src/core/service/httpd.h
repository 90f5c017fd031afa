/*
 * httpd.h -- what the services served by libmicrohttpd share (`status`, `urlcheck`): the
 * daemon started on one ADDR:PORT (optionally HTTPS), the access handler's first calls,
 * and an answer with the headers every one of our answers carries.
 *
 * libmicrohttpd runs one internal polling thread per daemon; these services answer from
 * data built elsewhere (under their own lock), so one thread is enough and a request never
 * waits for a build. Connections time out after 10 s; bodies are never read.
 */
#ifndef ISP_CORE_HTTPD_H
#define ISP_CORE_HTTPD_H

#include <microhttpd.h>
#include <stddef.h>

#include "core/base/err.h"

/*
 * Start a daemon on listen ("ADDR:PORT"; default port dport) calling cb(cls, ...) for
 * every request, at most `limit` connections at once; log_errors: libmicrohttpd's own
 * error messages on stderr (off where even they must not name a client: urlcheck). With cert and key (PEM text, kept
 * by the caller while the daemon runs) it serves HTTPS. key names the configuration key
 * in errors. Returns 0 and *out, or ISR_EINVAL (not ADDR:PORT, no TLS in this
 * libmicrohttpd) / ISR_EIO (cannot serve there: in use, a bad certificate) with err set.
 */
int httpd_start(struct MHD_Daemon **out, const char *key, const char *listen, int dport,
		const char *cert, const char *pkey, unsigned limit, int log_errors,
		MHD_AccessHandlerCallback cb, void *cls, struct isp_err *err);

/*
 * An access handler's first lines: 1 when the handler is to return MHD_YES now (the first
 * call, with the headers only, which sets *req_cls; a piece of a request body, which is
 * dropped); 0 when the request is whole and is to be answered.
 */
int httpd_not_yet(void *cls, void **req_cls, size_t *upload_size);

/*
 * An answer: body[0..len) (with MHD_RESPMEM_MUST_FREE freed by libmicrohttpd, and here on
 * failure), Content-Type type, Cache-Control no-store, X-Content-Type-Options nosniff
 * and, when not NULL, csp as Content-Security-Policy. The caller may add headers, then
 * queues it with httpd_queue. NULL when out of memory.
 */
struct MHD_Response *httpd_response(const char *type, void *body, size_t len,
				    enum MHD_ResponseMemoryMode mode, const char *csp);
/* Queue r (NULL: MHD_NO) with status code on conn and release it. */
enum MHD_Result httpd_queue(struct MHD_Connection *conn, unsigned code, struct MHD_Response *r);

#endif
