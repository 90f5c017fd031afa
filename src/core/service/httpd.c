/*
 * httpd.c -- the libmicrohttpd pieces `status` and `urlcheck` share (httpd.h).
 */
#include "core/service/httpd.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/net/netaddr.h"

int httpd_start(struct MHD_Daemon **out, const char *key, const char *listen, int dport,
		const char *cert, const char *pkey, unsigned limit, int log_errors,
		MHD_AccessHandlerCallback cb, void *cls, struct isp_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	*out = NULL;
	if (net_parse_addr(listen, strlen(listen), dport, &ss, &sl) != 0)
		return isp_err_set(err, ISR_EINVAL, "%s: '%s' is not ADDR:PORT", key, listen);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (log_errors)
		flags |= MHD_USE_ERROR_LOG;
	if (cert && pkey) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return isp_err_set(err, ISR_EINVAL, "%s: this libmicrohttpd has no TLS",
					   key);
		*out = MHD_start_daemon(
			flags | MHD_USE_TLS, 0, NULL, NULL, cb, cls, MHD_OPTION_SOCK_ADDR,
			(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_HTTPS_MEM_CERT, cert,
			MHD_OPTION_HTTPS_MEM_KEY, pkey, MHD_OPTION_END);
	} else {
		*out = MHD_start_daemon(flags, 0, NULL, NULL, cb, cls, MHD_OPTION_SOCK_ADDR,
					(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
					(unsigned)10, MHD_OPTION_CONNECTION_LIMIT, limit,
					MHD_OPTION_END);
	}
	if (!*out)
		return isp_err_set(err, ISR_EIO, "%s %s: cannot serve there (in use%s?)", key,
				   listen, cert ? ", or a bad certificate or key" : "");
	return 0;
}

int httpd_not_yet(void *cls, void **req_cls, size_t *upload_size)
{
	if (!*req_cls) { /* first call: headers only */
		*req_cls = cls;
		return 1;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is ignored */
		return 1;
	}
	return 0;
}

struct MHD_Response *httpd_response(const char *type, void *body, size_t len,
				    enum MHD_ResponseMemoryMode mode, const char *csp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (csp)
		MHD_add_response_header(r, "Content-Security-Policy", csp);
	return r;
}

enum MHD_Result httpd_queue(struct MHD_Connection *conn, unsigned code, struct MHD_Response *r)
{
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}
