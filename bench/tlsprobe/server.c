/* tlsprobe: per-idle-connection memory of a TLS 1.3 server.
 * Compiled three times: -DLIB_OPENSSL / -DLIB_GNUTLS / -DLIB_WOLFSSL.
 * Usage: server PORT N TICKETS(0|1) BUFMODE(keep|free|release) TRIM(0|1)
 * Blocking accept loop on 127.0.0.1: for each connection: handshake,
 * read small request, write small response, optionally release buffers,
 * keep the connection open. WARM warm-up connections are made and fully
 * freed first, so lazy one-time library init is not charged per connection.
 * After N kept connections: sleep 1 s, print RSS/RssAnon/mallinfo2,
 * optionally malloc_trim(0), print again, exit (connections never freed,
 * so heaptrack "leaked" == live per-connection state). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <netinet/tcp.h>

#define WARM 20

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = atol(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}
struct snap {
	long rss, anon;
	size_t heap_used, heap_arena, mmapped;
};
static struct snap snap(void)
{
	struct snap s;
	struct mallinfo2 m = mallinfo2();
	s.rss = status_kb("VmRSS") * 1024;
	s.anon = status_kb("RssAnon") * 1024;
	s.heap_used = m.uordblks + m.hblkhd;
	s.heap_arena = m.arena;
	s.mmapped = m.hblkhd;
	return s;
}

static int tickets;
static const char *bufmode;

#if defined(LIB_OPENSSL)
#include <openssl/ssl.h>
#include <openssl/err.h>
static SSL_CTX *ctx;
static const char *libname(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
static void lib_init(void)
{
	ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (SSL_CTX_use_certificate_file(ctx, "cert.pem", SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, "key.pem", SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	if (!tickets)
		SSL_CTX_set_num_tickets(
			ctx, 0); /* no tickets at all (SSL_OP_NO_TICKET would switch to stateful) */
	if (!strcmp(bufmode, "release"))
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}
static void *conn(int fd, char *buf, int *n)
{
	SSL *s = SSL_new(ctx);
	SSL_set_fd(s, fd);
	if (SSL_accept(s) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	*n = SSL_read(s, buf, 64);
	if (*n <= 0) {
		fprintf(stderr, "read\n");
		exit(1);
	}
	if (SSL_write(s, "pong\n", 5) != 5)
		exit(1);
	if (!strcmp(bufmode, "free") && SSL_free_buffers(s) != 1)
		fprintf(stderr, "SSL_free_buffers failed\n");
	return s;
}
static void conn_free(void *c)
{
	SSL_shutdown(c);
	SSL_free(c);
}

#elif defined(LIB_GNUTLS)
#include <gnutls/gnutls.h>
static gnutls_certificate_credentials_t cred;
static gnutls_datum_t tkey;
static gnutls_priority_t prio;
static const char *libname(void)
{
	static char b[64];
	snprintf(b, sizeof b, "GnuTLS %s", gnutls_check_version(NULL));
	return b;
}
static void lib_init(void)
{
	gnutls_global_init();
	gnutls_certificate_allocate_credentials(&cred);
	if (gnutls_certificate_set_x509_key_file(cred, "cert.pem", "key.pem", GNUTLS_X509_FMT_PEM) <
	    0)
		exit(1);
	if (gnutls_priority_init(&prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL) < 0)
		exit(1);
	if (tickets)
		gnutls_session_ticket_key_generate(&tkey);
}
static void *conn(int fd, char *buf, int *n)
{
	gnutls_session_t s;
	int r;
	gnutls_init(&s, GNUTLS_SERVER | (tickets ? 0 : GNUTLS_NO_TICKETS));
	gnutls_priority_set(s, prio);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	if (tickets)
		gnutls_session_ticket_enable_server(s, &tkey);
	gnutls_transport_set_int(s, fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		fprintf(stderr, "hs %s\n", gnutls_strerror(r));
		exit(1);
	}
	do
		*n = gnutls_record_recv(s, buf, 64);
	while (*n == GNUTLS_E_AGAIN || *n == GNUTLS_E_INTERRUPTED);
	if (*n <= 0) {
		fprintf(stderr, "recv %s\n", gnutls_strerror(*n));
		exit(1);
	}
	if (gnutls_record_send(s, "pong\n", 5) != 5)
		exit(1);
	return s;
}
static void conn_free(void *c)
{
	gnutls_bye(c, GNUTLS_SHUT_WR);
	gnutls_deinit(c);
}

#elif defined(LIB_WOLFSSL)
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
static WOLFSSL_CTX *ctx;
static const char *libname(void)
{
	static char b[64];
	snprintf(b, sizeof b, "wolfSSL %s", wolfSSL_lib_version());
	return b;
}
static void lib_init(void)
{
	wolfSSL_Init();
	ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
	if (wolfSSL_CTX_use_certificate_file(ctx, "cert.pem", WOLFSSL_FILETYPE_PEM) !=
		    WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(ctx, "key.pem", WOLFSSL_FILETYPE_PEM) !=
		    WOLFSSL_SUCCESS)
		exit(1);
	if (!tickets)
		wolfSSL_CTX_no_ticket_TLSv13(ctx);
}
static void *conn(int fd, char *buf, int *n)
{
	WOLFSSL *s = wolfSSL_new(ctx);
	wolfSSL_set_fd(s, fd);
	if (wolfSSL_accept(s) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "accept %d\n", wolfSSL_get_error(s, 0));
		exit(1);
	}
	*n = wolfSSL_read(s, buf, 64);
	if (*n <= 0) {
		fprintf(stderr, "read\n");
		exit(1);
	}
	if (wolfSSL_write(s, "pong\n", 5) != 5)
		exit(1);
	if (!strcmp(bufmode, "free") && wolfSSL_FreeHandshakeResources(s) != 0)
		fprintf(stderr, "FreeHandshakeResources failed\n");
	return s;
}
static void conn_free(void *c)
{
	wolfSSL_shutdown(c);
	wolfSSL_free(c);
}
#endif

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage\n");
		return 2;
	}
	int port = atoi(argv[1]), N = atoi(argv[2]);
	tickets = atoi(argv[3]);
	bufmode = argv[4];
	int trim = atoi(argv[5]);
	struct snap cold = snap();
	lib_init();
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (void *)&a, sizeof a) || listen(ls, 4096)) {
		perror("bind");
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	void **keep = calloc(N, sizeof *keep); /* allocated up front: not charged */
	int *fds = calloc(N, sizeof *fds);
	struct snap base = cold;
	char buf[64];
	int n;
	for (int i = 0; i < WARM + N; i++) {
		if (i == WARM)
			base = snap();
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		void *c = conn(fd, buf, &n);
		if (i < WARM) {
			conn_free(c);
			close(fd);
		} else {
			keep[i - WARM] = c;
			fds[i - WARM] = fd;
		}
	}
	sleep(1);
	struct snap after = snap();
	printf("lib=%s tickets=%d buf=%s N=%d cold_rss=%ld base_rss=%ld base_anon=%ld "
	       "per_conn_rss=%.0f per_conn_anon=%.0f per_conn_heap=%.0f",
	       libname(), tickets, bufmode, N, cold.rss, base.rss, base.anon,
	       (double)(after.rss - base.rss) / N, (double)(after.anon - base.anon) / N,
	       ((double)after.heap_used - base.heap_used) / N);
	if (trim) {
		malloc_trim(0);
		struct snap t = snap();
		printf(" trim_per_conn_rss=%.0f trim_per_conn_anon=%.0f",
		       (double)(t.rss - base.rss) / N, (double)(t.anon - base.anon) / N);
	}
	printf("\n");
	fflush(stdout);
	exit(0); /* connections deliberately not freed */
}
