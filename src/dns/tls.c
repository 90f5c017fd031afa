/*
 * tls.c -- the TLS of DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484) for the DNS
 * service, with OpenSSL (already linked through libcurl; see docs/architecture.md).
 *
 * A DoT or DoH connection is a TCP connection of the worker (tcp.c: the same slots,
 * access list at accept, idle and message timers, output bound) with an SSL on its
 * socket: tcp.c reads and writes through dns_tls_recv/dns_tls_send instead of
 * recv/send, so DoT is the TCP path (length-prefixed, pipelined, answers in any order)
 * over TLS, and DoH (doh.c) reads HTTP from the same place. The answer path is the one
 * of UDP and TCP (worker.c): same access list, opt-out, profiles and blocking.
 *
 * One SSL_CTX serves every worker (OpenSSL's contexts are thread-safe once built): TLS
 * 1.2 and 1.3 only, ALPN "dot" on DoT listeners and "h2" then "http/1.1" on DoH ones,
 * session resumption through the server-side cache and tickets (the ticket keys are the
 * context's, so one client resumes on any worker). SIGHUP builds a new context from
 * dns.tls-cert and dns.tls-key and swaps it in: new connections take it, open ones keep
 * the one they started with (an SSL holds a reference to its context), so a certificate
 * renewal drops no connection. A certificate or key that does not load, or do not match,
 * stops the start (fail closed) or, on SIGHUP, leaves the old one serving.
 *
 * Behind a trusted terminator (dns.proxy-protocol-from) the PROXY v2 header comes either
 * on the TCP connection before the TLS handshake (HAProxy's send-proxy-v2, a TCP load
 * balancer that passes TLS through) or, over DoT, as the first bytes inside TLS (dnsdist
 * with a DoT backend and useProxyProtocol); the first byte tells which (a TLS record
 * starts with 0x16, the header with '\r'). Before TLS, dns_tls_preface reads it raw,
 * exactly its own bytes (the fixed 16, then the length they give, so no byte of the
 * ClientHello is taken), at most PP2_MAX_LEN, within DNS_TCP_MSG_MS of the accept (the
 * sweep closes it otherwise), and only then starts TLS; inside TLS, the TCP path takes
 * it from the decrypted stream (tcp.c: stream_start). A DoH connection from a terminator
 * must bring it before TLS (HTTP has no place for it). From anyone else a stream that
 * starts like a PROXY header is refused and counted before any TLS state is made (one
 * peek of the first bytes tells).
 *
 * Records: after a TLS 1.3 handshake (every modern client's) OpenSSL's part is done:
 * the connection takes its traffic secrets and sequence numbers (tlsrec.h), frees the
 * SSL and seals and opens its records itself (dns_tls.rec), so an idle connection keeps
 * a few hundred bytes instead of OpenSSL's 14 KB. A TLS 1.2 connection, or one whose
 * hand-over is not certain (OpenSSL holding a record), stays with OpenSSL throughout.
 * Records are read into the connection's own buffer (one record at most, DNS_TLS_IN) and
 * opened in place; answers are sealed into the worker's tls_out, several records at once,
 * and only what the socket did not take is copied into a buffer of the connection.
 *
 * Memory: a connection that has been idle DNS_TCP_SHRINK_MS gives its buffers back (the
 * sweep: dns_tls_idle): its read buffer and cipher contexts, or under OpenSSL its read
 * and write buffers (SSL_free_buffers, about 34 KB; OpenSSL makes them again at the next
 * record; it keeps its SSL object, keys and session, about 14 KB: bench/dns/idle.sh).
 * Not SSL_MODE_RELEASE_BUFFERS: it frees and allocates them again at every record a busy
 * connection reads, and they are above the worker's mmap threshold (server.c).
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <sys/socket.h>

#include "core/net/netaddr.h"
#include "dns/dns_int.h"
#include "dns/proxyv2.h"
#include "dns/tlsrec.h"

#define DNS_TLS_IN  TLSREC_MAX_RECORD /* a connection's read buffer: one whole record */
#define DNS_TLS_OUT ((size_t)4 * (TLSREC_MAX_PLAIN + TLSREC_OVERHEAD + TLSREC_KU_RECORD))

/* A DoT or DoH connection's TLS (dns_tcp_conn.tls): slot ci of its worker's tls_slots,
 * an array, so that what stays of thousands of idle connections lies together and not
 * between the holes their handshakes' OpenSSL state left in the heap. */
struct dns_tls {
	SSL *ssl;	   /* OpenSSL's: the handshake, and all of a TLS 1.2 connection */
	struct tlsrec rec; /* after the hand-over (ssl NULL): the records' own state */
	/* read and not yet handed on: [ptoff, ptoff + ptlen) an opened record's plaintext,
	 * [rawoff, inlen) bytes of records not opened yet; NULL while empty and idle */
	uint8_t *in;
	size_t inlen, rawoff, ptoff, ptlen;
	/* sealed and not all sent: [outoff, outlen), carrying the caller's first outpt bytes */
	uint8_t *out;
	size_t outlen, outoff, outpt;
	uint8_t done;  /* close_notify or a refused record: reads say the end from now on */
	uint8_t fatal; /* a refused record: nothing more is sealed (writes fail) */
	char alpn[16]; /* what OpenSSL agreed (dns_tls_alpn), kept when its handshake ends */
};

/* Why OpenSSL refused: its first queued error as text (the queue is then cleared). */
static const char *ssl_why(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, size, "unknown error");
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

/* ALPN: a DoT connection takes "dot", a DoH one "h2" else "http/1.1"; a client that
 * offers none of them gets no ALPN (RFC 7301 allows it; DoT clients need not send any). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char dot[] = "\3dot", doh[] = "\2h2\10http/1.1";
	const struct dns_tcp_conn *c = SSL_get_app_data(ssl);
	unsigned char *sel = NULL;
	int rc;

	(void)arg;
	if (c && c->kind == DNS_CONN_DOT)
		rc = SSL_select_next_proto(&sel, outlen, dot, sizeof(dot) - 1, in, inlen);
	else
		rc = SSL_select_next_proto(&sel, outlen, doh, sizeof(doh) - 1, in, inlen);
	if (rc != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* A context from the certificate and key files: NULL with err set. */
static SSL_CTX *ctx_new(const struct isp_config *cfg, struct isp_err *err)
{
	static const unsigned char sid[] = "ispshield-dns";
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];

	if (!ctx) {
		isp_err_set(err, ISR_ENOMEM, "TLS: %s", ssl_why(why, sizeof(why)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* records are ours after the handshake: never the kernel's (openssl.cnf may ask) */
	SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_KTLS);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	if (strcmp(cfg->dns_tls_records, "openssl") != 0 && tlsrec_setup_ctx(ctx) != 0) {
		isp_err_set(err, ISR_ENOMEM, "TLS: %s", ssl_why(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->dns_tls_cert) != 1) {
		isp_err_set(err, ISR_EINVAL, "dns.tls-cert: %s: %s", cfg->dns_tls_cert,
			    ssl_why(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->dns_tls_key, SSL_FILETYPE_PEM) != 1) {
		isp_err_set(err, ISR_EINVAL, "dns.tls-key: %s: %s", cfg->dns_tls_key,
			    ssl_why(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		isp_err_set(err, ISR_EINVAL, "dns.tls-key: %s does not match dns.tls-cert %s",
			    cfg->dns_tls_key, cfg->dns_tls_cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int dns_tls_configure(struct dns_server *srv, struct isp_err *err)
{
	const struct isp_config *cfg = srv->cfg;
	SSL_CTX *ctx;
	int rc;

	srv->ntls = srv->nhttps = 0; /* empty: off */
	rc = cfg->dns_tls_listen[0] ? net_parse_addr_list("dns.tls-listen", cfg->dns_tls_listen,
							  853, srv->tls_listen, srv->tls_listenlen,
							  DNS_MAX_LISTEN, &srv->ntls, err)
				    : 0;
	if (rc)
		return rc;
	rc = cfg->dns_https_listen[0]
		     ? net_parse_addr_list("dns.https-listen", cfg->dns_https_listen, 443,
					   srv->https_listen, srv->https_listenlen, DNS_MAX_LISTEN,
					   &srv->nhttps, err)
		     : 0;
	if (rc)
		return rc;
	if (srv->nhttps > 0 && cfg->dns_https_path[0] != '/')
		return isp_err_set(err, ISR_EINVAL, "dns.https-path: '%s' does not start with /",
				   cfg->dns_https_path);
	if (srv->ntls == 0 && srv->nhttps == 0)
		return 0;
	if (!cfg->dns_tls_cert[0] || !cfg->dns_tls_key[0])
		return isp_err_set(err, ISR_EINVAL,
				   "dns.tls-listen and dns.https-listen need dns.tls-cert and "
				   "dns.tls-key");
	ctx = ctx_new(cfg, err);
	if (!ctx)
		return err ? err->code : ISR_EINVAL;
	atomic_store(&srv->tls_ctx, ctx);
	return 0;
}

void dns_tls_reload(void *ud)
{
	struct dns_server *srv = ud;
	struct isp_err err;
	char buf[ISP_ERR_MSG + 64];
	SSL_CTX *ctx, *old;

	if (!atomic_load(&srv->tls_ctx))
		return;
	isp_err_clear(&err);
	ctx = ctx_new(srv->cfg, &err);
	if (!ctx) {
		fprintf(stderr,
			"ispshield dns: TLS certificate reload failed, still serving the old one: "
			"%s\n",
			isp_err_str(&err, buf, sizeof(buf)));
		return;
	}
	old = atomic_exchange(&srv->tls_ctx, ctx);
	/* a worker may have loaded the old pointer and not yet taken its reference */
	served_quiesce(srv->nworkers, srv->slot.gate, srv->slot.ud);
	SSL_CTX_free(old); /* connections that use it hold their own reference */
	fprintf(stderr, "ispshield dns: TLS certificate reloaded from %s\n",
		srv->cfg->dns_tls_cert);
}

void dns_tls_free_ctx(struct dns_server *srv)
{
	SSL_CTX_free(atomic_exchange(&srv->tls_ctx, NULL));
}

int dns_tls_listen(struct dns_worker *w)
{
	struct dns_server *srv = w->srv;
	int i;

	for (i = 0; i < srv->ntls; i++) {
		w->tls_fd[i] = dns_stream_listen(w, &srv->tls_listen[i], srv->tls_listenlen[i],
						 DNS_TAG_TCPL + DNS_LI_TLS + i);
		if (w->tls_fd[i] < 0)
			return -1;
	}
	for (i = 0; i < srv->nhttps; i++) {
		w->https_fd[i] =
			dns_stream_listen(w, &srv->https_listen[i], srv->https_listenlen[i],
					  DNS_TAG_TCPL + DNS_LI_HTTPS + i);
		if (w->https_fd[i] < 0)
			return -1;
	}
	if (srv->ntls + srv->nhttps > 0) {
		/* the slots' pages are untouched, so not resident, until connections use them */
		w->tls_out = malloc(DNS_TLS_OUT);
		w->tls_slots = calloc((size_t)w->nconns, sizeof(*w->tls_slots));
		if (!w->tls_out || !w->tls_slots)
			return -1;
	}
	return 0;
}

void dns_tls_unlisten(struct dns_worker *w)
{
	free(w->tls_out);
	free(w->tls_slots);
	w->tls_out = NULL;
	w->tls_slots = NULL;
}

int dns_tls_start(struct dns_worker *w, int ci)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	struct dns_tls *t = &w->tls_slots[ci];

	memset(t, 0, sizeof(*t));
	t->ssl = SSL_new(atomic_load(&w->srv->tls_ctx));
	if (!t->ssl || SSL_set_fd(t->ssl, c->fd) != 1) {
		SSL_free(t->ssl);
		t->ssl = NULL;
		return -1;
	}
	SSL_set_accept_state(t->ssl);
	SSL_set_app_data(t->ssl, c);
	if (w->srv->own_records)		     /* dns.tls-records */
		(void)tlsrec_watch(t->ssl, &t->rec); /* refused: it stays with OpenSSL */
	c->tls = t;
	return 0;
}

int dns_tls_preface(struct dns_worker *w, int ci)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	int hl;

	if (!c->proxy) {
		uint8_t b[PP2_SIG_LEN];
		ssize_t n = recv(c->fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			dns_tcp_close(w, ci);
			return -1;
		}
		hl = dns_proxy_stream(w, 0, b, (size_t)n, &c->addr, &c->addrlen);
		if (hl == DNS_PROXY_MORE) /* the signature's start: not TLS, not allowed */
			dns_count(w, C_PROXY_UNTRUSTED);
		if (hl != 0) {
			dns_tcp_close(w, ci);
			return -1;
		}
		/* DoT: nor inside TLS (stream_start checks); DoH: HTTP/2 or HTTP/1.1 would
		 * refuse the signature as a malformed request anyway */
		c->started = c->kind != DNS_CONN_DOT;
		goto tls;
	} else if (c->rlen == 0) {
		uint8_t b;
		ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			dns_tcp_close(w, ci);
			return -1;
		}
		if (b == 0x16 && c->kind == DNS_CONN_DOT)
			goto tls; /* a TLS handshake: the header comes inside (stream_start) */
		if (b == 0x16) {  /* DoH: a terminator's stream without a header */
			dns_count(w, C_PROXY_MISSING);
			dns_tcp_close(w, ci);
			return -1;
		}
	}
	if (c->proxy) {
		for (;;) { /* the fixed part, then the rest it announces: never a byte beyond */
			size_t want = c->rlen < PP2_FIXED ? PP2_FIXED
							  : PP2_FIXED + dnsw_get16(c->rbuf + 14);
			ssize_t n;

			if (want > PP2_MAX_LEN)
				want = PP2_MAX_LEN; /* pp2_parse refuses it */
			if (want <= c->rlen) { /* cannot be: pp2_parse decides at this length */
				dns_tcp_close(w, ci);
				return -1;
			}
			n = recv(c->fd, c->rbuf + c->rlen, want - c->rlen, MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
			if (n <= 0) {
				dns_tcp_close(w, ci);
				return -1;
			}
			c->rlen += (size_t)n;
			hl = dns_proxy_stream(w, 1, c->rbuf, c->rlen, &c->addr, &c->addrlen);
			if (hl == DNS_PROXY_MORE)
				continue;
			if (hl < 0) {
				dns_tcp_close(w, ci);
				return -1;
			}
			break;
		}
		c->rlen = 0; /* the header, all of it and nothing more */
	}
	c->started = 1; /* the TLS stream itself carries no header */
tls:
	if (dns_tls_start(w, ci) != 0) {
		dns_tcp_close(w, ci);
		return -1;
	}
	return 1;
}

int dns_tls_ready(const struct dns_tcp_conn *c)
{
	return c->tls && (!c->tls->ssl || SSL_is_init_finished(c->tls->ssl));
}

/* The result of an SSL call that did not move data, as recv/send would say it. */
static ssize_t ssl_fail(struct dns_worker *w, int ci, SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ: errno = EAGAIN; return -1;
	case SSL_ERROR_WANT_WRITE:
		dns_tcp_want_write(w, ci, 1); /* the handshake has something to send */
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN: return 0;
	default: /* a failed handshake, a bad record, a reset */
		ERR_clear_error();
		errno = EPIPE;
		return -1;
	}
}

/* The handshake is done: take the records over from OpenSSL when it can be (TLS 1.3) */
static void handover(struct dns_worker *w, struct dns_tls *t)
{
	const unsigned char *p = NULL;
	unsigned int n = 0;

	SSL_get0_alpn_selected(t->ssl, &p, &n);
	if (p && n < sizeof(t->alpn)) {
		memcpy(t->alpn, p, n);
		t->alpn[n] = 0;
	}
	if (tlsrec_take(t->ssl, &t->rec) != 0)
		return;
	/* a clean end to OpenSSL: its session stays in the cache for resumption */
	SSL_set_shutdown(t->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(t->ssl);
	t->ssl = NULL;
	dns_count(w, C_TLS_OWN);
}

/* A record refused (tlsrec_open's error r): the alert RFC 8446 section 6.2 asks for,
 * sealed and sent once if the socket takes it now, unless a record is half sent. */
static void refuse(struct dns_worker *w, struct dns_tcp_conn *c, int r)
{
	struct dns_tls *t = c->tls;
	uint8_t alert[2] = { 2, r == TLSREC_EMAC	? 20 /* bad_record_mac */
				: r == TLSREC_EOVERFLOW ? 22 /* record_overflow */
				: r == TLSREC_EPROTO	? 10 /* unexpected_message */
							: 80 /* internal_error */ };
	long len;

	dns_count(w, C_TLS_REFUSED);
	t->fatal = 1;
	if (t->out)
		return;
	len = tlsrec_seal_record(&t->rec, 21, alert, sizeof(alert), 0, w->tls_out);
	if (len > 0)
		(void)!send(c->fd, w->tls_out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Reading after the hand-over: the plaintext of the records, opened in place. */
static ssize_t rec_recv(struct dns_worker *w, int ci, uint8_t *buf, size_t n)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	struct dns_tls *t = c->tls;

	while (!t->done) {
		uint8_t *pt;
		size_t used, ptlen;
		ssize_t k;
		int r;

		if (t->ptlen > 0) {
			size_t m = t->ptlen < n ? t->ptlen : n;

			memcpy(buf, t->in + t->ptoff, m);
			t->ptoff += m;
			t->ptlen -= m;
			return (ssize_t)m;
		}
		r = !t->in ? TLSREC_MORE /* nothing read since the connection went idle */
			   : tlsrec_open(&t->rec, t->in + t->rawoff, t->inlen - t->rawoff, &used,
					 &pt, &ptlen);
		if (r == TLSREC_DATA) {
			t->rawoff += used;
			t->ptoff = (size_t)(pt - t->in);
			t->ptlen = ptlen;
			continue;
		}
		if (r != TLSREC_MORE) { /* close_notify, or a record we refuse */
			if (r < 0)
				refuse(w, c, r);
			t->done = 1;
			break;
		}
		if (t->rawoff > 0) { /* the start of the next record moves to the front */
			memmove(t->in, t->in + t->rawoff, t->inlen - t->rawoff);
			t->inlen -= t->rawoff;
			t->rawoff = 0;
		}
		if (!t->in) {
			t->in = malloc(DNS_TLS_IN);
			if (!t->in)
				break;
		}
		k = recv(c->fd, t->in + t->inlen, DNS_TLS_IN - t->inlen, MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			errno = EAGAIN;
			return -1;
		}
		if (k <= 0)
			break;
		t->inlen += (size_t)k;
	}
	errno = EPIPE;
	return 0;
}

/* Writing after the hand-over: records sealed in the worker's buffer, sent from there;
 * what the socket does not take waits in the connection's own (see dns_tls_send). */
static ssize_t rec_send(struct dns_worker *w, int ci, const uint8_t *buf, size_t n)
{
	struct dns_tcp_conn *c = &w->conns[ci];
	struct dns_tls *t = c->tls;
	const uint8_t *from = t->out ? t->out + t->outoff : w->tls_out;
	size_t len, taken;
	ssize_t k;

	if (t->fatal || (t->out && n < t->outpt)) { /* refused, or not the same bytes */
		errno = EPIPE;
		return -1;
	}
	if (t->out) { /* the rest of an earlier call's records, for the same bytes */
		len = t->outlen - t->outoff;
		taken = t->outpt;
	} else {
		long r = tlsrec_seal(&t->rec, buf, n, w->tls_out, DNS_TLS_OUT, &taken);

		if (r <= 0 || taken == 0) {
			errno = EPIPE;
			return -1;
		}
		len = (size_t)r;
	}
	k = send(c->fd, from, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		errno = EPIPE;
		return -1;
	}
	if (k == (ssize_t)len) {
		free(t->out);
		t->out = NULL;
		t->outlen = t->outoff = t->outpt = 0;
		return (ssize_t)taken;
	}
	if (k < 0)
		k = 0;
	if (t->out) {
		t->outoff += (size_t)k;
	} else {
		t->out = malloc(len - (size_t)k);
		if (!t->out) {
			errno = EPIPE;
			return -1;
		}
		memcpy(t->out, w->tls_out + k, len - (size_t)k);
		t->outoff = 0;
		t->outlen = len - (size_t)k;
		t->outpt = taken;
	}
	dns_tcp_want_write(w, ci, 1);
	errno = EAGAIN;
	return -1;
}

ssize_t dns_tls_recv(struct dns_worker *w, int ci, void *buf, size_t n)
{
	struct dns_tls *t = w->conns[ci].tls;
	int r;

	if (n == 0)
		return 0;
	if (t->ssl && !SSL_is_init_finished(t->ssl)) {
		/* the handshake alone: SSL_read would read on into the first records */
		r = SSL_do_handshake(t->ssl);
		if (r != 1) {
			r = (int)ssl_fail(w, ci, t->ssl, r);
			return r == 0 ? 0 : (errno == EAGAIN ? -1 : 0);
		}
		handover(w, t);
	}
	if (!t->ssl)
		return rec_recv(w, ci, buf, n);
	r = SSL_read(t->ssl, buf, n > 0x7fffffff ? 0x7fffffff : (int)n);
	if (r > 0)
		return r;
	r = (int)ssl_fail(w, ci, t->ssl, r);
	return r == 0 ? 0 : (errno == EAGAIN ? -1 : 0); /* failed: read as the end */
}

ssize_t dns_tls_send(struct dns_worker *w, int ci, const void *buf, size_t n)
{
	struct dns_tls *t = w->conns[ci].tls;
	int r;

	if (!t->ssl)
		return rec_send(w, ci, buf, n);
	r = SSL_write(t->ssl, buf, n > 0x7fffffff ? 0x7fffffff : (int)n);
	if (r > 0)
		return r;
	if (ssl_fail(w, ci, t->ssl, r) == 0)
		errno = EPIPE;
	return -1;
}

void dns_tls_idle(struct dns_tcp_conn *c)
{
	struct dns_tls *t = c->tls;

	if (t && t->ssl) {
		(void)SSL_free_buffers(t->ssl); /* refused (kept) while a record is half read */
	} else if (t) {
		tlsrec_idle(&t->rec);
		if (t->ptlen == 0 && t->rawoff == t->inlen) { /* no record begun */
			free(t->in);
			t->in = NULL;
			t->inlen = t->rawoff = t->ptoff = 0;
		}
	}
	dns_doh_idle(c); /* and HTTP/2's frame buffer (doh.c) */
}

void dns_tls_free(struct dns_tcp_conn *c)
{
	struct dns_tls *t = c->tls;

	if (!t)
		return;
	SSL_free(t->ssl); /* no close_notify: the socket closes right after */
	tlsrec_clear(&t->rec);
	free(t->in);
	free(t->out);
	memset(t, 0, sizeof(*t));
	c->tls = NULL;
}

const char *dns_tls_alpn(struct dns_tcp_conn *c, char *buf, size_t size)
{
	/* kept at the end of the handshake (handover), whoever holds the records after it */
	snprintf(buf, size, "%s", c->tls ? c->tls->alpn : "");
	return buf;
}
