/*
 * dns_int.h -- what the parts of the DNS service share (see dns.h): the server, its
 * workers, the block-event rings and the counters. Internal header.
 *
 * Sharing rules: struct served is written only by the main thread (reload) and read
 * by workers through atomic pointer loads; a worker owns everything in struct dns_worker
 * except `quiescent`/`idle` (read by the main thread) and the counters (read by the
 * metrics thread: relaxed atomics, monotonic). A ring has one producer (its worker) and
 * one consumer (the writer thread).
 */
#ifndef ISP_DNS_INT_H
#define ISP_DNS_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/service/config.h"
#include "core/service/evring.h"
#include "core/service/metricsd.h"
#include "core/service/served.h"
#include "core/lists/snapshot.h"
#include "dns/cache.h"
#include "core/net/prefixset.h"
#include "dns/ratelimit.h"
#include "core/net/dnswire.h"
#include "dns/policy.h"
#include "dns/dnstap.h"

#define DNS_MAX_LISTEN	 16
#define DNS_MAX_UPSTREAM 8
#define DNS_MAX_THREADS	 64
#define DNS_BATCH	 32   /* packets per recvmmsg */
#define DNS_MAX_INFLIGHT 4096 /* pending upstream queries per worker */
/* Largest query forwarded: queries are small (name, type, OPT with a cookie); a larger
 * one is answered FORMERR. Keeps the pending table at ~5 MB per worker. */
#define DNS_MAX_QUERY 1024
/* Upstream UDP sockets per worker: each upstream query gets a socket of its own, opened
 * for it (a fresh random source port, chosen by the kernel among the ephemeral ports)
 * and closed when the query is done. When this many are open, a new query shares one of
 * them (picked at random, same upstream) rather than wait. Tags DNS_TAG_UP + index. */
#define DNS_UP_SOCKS 512
/* The EDNS UDP size we advertise upstream (the DNS flag day 2020 value: no
 * fragmentation); larger answers come back truncated and are fetched over TCP. */
#define DNS_UP_EDNS 1232

/* Counters (one set per worker, summed by the metrics endpoint). */
enum dns_counter {
	C_QUERIES,
	C_ANSWERED,
	C_BLOCKED,
	C_BLOCKED_CNAME,
	C_BLOCKED_ADDR,
	C_ALLOWED_OPTOUT,
	C_REFUSED_ACL,
	C_RATE_LIMITED,
	C_RRL_DROPPED,
	C_RRL_SLIPPED,
	C_WT_REFUSED,
	C_CACHE_HITS,
	C_CACHE_MISSES,
	C_FORMERR,
	C_NOTIMP,
	C_DROPPED_MALFORMED,
	C_SERVFAIL,
	C_UPSTREAM_SENT,
	C_UPSTREAM_TIMEOUTS,
	C_UPSTREAM_BAD,
	C_INFLIGHT_FULL,
	C_EVENTS_DROPPED,
	C_TRUNCATED,
	C_REFUSED_CLASS,
	C_UPSTREAM_CASE,
	C_UPSTREAM_SOCKET,
	C_UPSTREAM_OVERSIZE,
	C_WT_CLIENT_REFUSED,
	C_LOGGED,
	C_CANARY,
	C_PROXY_UNTRUSTED, /* a PROXY v2 header from outside dns.proxy-protocol-from */
	C_PROXY_MISSING,   /* no PROXY v2 header from a terminator in that list */
	C_PROXY_BAD,	   /* a malformed PROXY v2 header from such a terminator */
	C_DDR,		   /* queries for resolver.arpa answered here (ddr.c) */
	C_DNSTAP_DROPPED,  /* block events not sent as dnstap (queue full, no memory) */
	C_CONN_IDLE,	   /* connections gone idle, their buffers given back (tcp.c sweep) */
	C_TLS_OWN,	   /* TLS 1.3 connections whose records tls.c seals itself (tlsrec.h) */
	C_TLS_REFUSED,	   /* such connections ended by a record that may not come (tlsrec.h) */
	C_COUNT
};

/* Upstream latency histogram buckets (milliseconds, upper bounds). */
#define DNS_LAT_BUCKETS 10
extern const double dns_lat_bounds[DNS_LAT_BUCKETS];

/* Read-only data swapped on reload. */
struct dns_upstream {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char name[64];
};

/* Where an answer goes: a UDP peer through the listen socket it came in on, or a TCP
 * connection of the worker (identified by slot and generation, so that an answer for a
 * connection that closed is not sent on a new one in the same slot). addr is the
 * subscriber (what ACL, opt-out, profiles, limits and events use); peer is where a UDP
 * answer is sent: the same, except behind a trusted terminator (proxied.c), where addr
 * comes from its PROXY v2 header and peer is the terminator. */
struct dns_client {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct sockaddr_storage peer; /* UDP: the datagram's source */
	socklen_t peerlen;
	int fd;		/* UDP: the listen socket; TCP: -1 */
	int conn;	/* TCP: connection slot; UDP: -1 */
	uint32_t gen;	/* TCP: the slot's generation */
	int32_t stream; /* DoH: the HTTP/2 stream (0 over HTTP/1.1); else 0 */
};

/* Client connections per worker: dns.max-connections (slots allocated at start, ~200
 * bytes each; a connection's buffers only while it has something in them). Idle
 * connections are closed after dns.idle-timeout (RFC 7766 section 6.2.3). */
#define DNS_MAX_CONNS 1000000
/* A connection idle this long gives back its output buffer (tcp.c: dns_tcp_sweep); the
 * read buffer is the worker's own while nothing is left in it (see dns_worker.rscratch). */
#define DNS_TCP_SHRINK_MS 1000
/* A message must arrive whole within this long of its first byte, however it trickles
 * in (bytes do not refresh any timer), else the connection is closed: a client cannot
 * hold a slot by sending a byte now and then. */
#define DNS_TCP_MSG_MS 5000
#define DNS_TCP_WBUF   ((size_t)256 * 1024)

struct doh_conn;
struct dns_tls;

struct dns_tcp_conn {
	int fd; /* -1 = free slot */
	uint32_t gen;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	/* What was read and not yet taken: inside an event, always the worker's rscratch;
	 * between events NULL when rlen is 0, else a copy of just those rlen bytes (tcp.c) */
	uint8_t *rbuf;
	size_t rlen;
	uint8_t *wbuf; /* pending output (wcap bytes, grown up to DNS_TCP_WBUF), or NULL */
	size_t wlen, wcap;
	uint32_t inflight;	  /* queries of this connection still upstream */
	uint64_t last_ms;	  /* accept, or the last complete message: the idle timer */
	uint64_t msg_deadline_ms; /* the partial message in rbuf must be whole by then */
	/* 1: a PROXY v2 header must come first (proxied.c); DoT and DoH: before the TLS
	 * handshake or, DoT only, as the first bytes inside it (tls.c: dns_tls_preface) */
	uint8_t proxy;
	uint8_t started; /* a message or the header was taken: no signature check */
	uint8_t shrunk;	 /* idle, its buffers given back (dns_tcp_sweep) */
	/* the client ended its side while answers were due: no more reading (level-triggered
	 * EPOLLIN would report the end again at once, for ever), only writing (tcp.c) */
	uint8_t rd_closed;
	uint64_t wprog_ms; /* output last moved (or began to wait): none for dns.idle-timeout
			    * while some waits is a client that does not read (dns_tcp_sweep) */
	/* index of the dns.listen address it came in on (plain TCP); DNS_LISTEN_NONE for
	 * DoT and DoH */
	uint8_t listen;
	/* DoT and DoH (tls.c, doh.c): the same slots, over TLS; NULL/0 for plain TCP */
	int kind;	      /* DNS_CONN_TCP, DNS_CONN_DOT, DNS_CONN_DOH */
	struct dns_tls *tls;  /* its TLS: OpenSSL's, then its records' own (tls.c) */
	int batch;	      /* DoT, inside its read: answers queued, written after it */
	struct doh_conn *doh; /* DoH: HTTP/2 session or HTTP/1.1 state (doh.c) */
};

enum { DNS_CONN_TCP = 0, DNS_CONN_DOT = 1, DNS_CONN_DOH = 2 };

/* A TCP exchange with an upstream, for an answer that came back truncated over UDP. */
struct dns_uptcp {
	int fd;	     /* -1 = free */
	int pending; /* index of the pending query */
	uint8_t buf[2 + 65535];
	size_t len, want; /* bytes sent (while sending) or received */
	int sending;
	uint64_t start_ms;
};

#define DNS_MAX_UPTCP 64

/* One upstream UDP socket: connected to upstream `upstream`, bound by the kernel to a
 * random ephemeral port, used by `refs` pending queries (closed when that falls to 0). */
struct dns_upsock {
	int fd; /* -1 = free */
	uint32_t refs;
	uint8_t upstream;
};

struct dns_pending {
	int used;
	uint16_t up_id; /* ID sent upstream */
	uint16_t client_id;
	struct dns_client client;
	uint8_t query[DNS_MAX_QUERY]; /* the query as forwarded (our ID) */
	uint16_t query_len;
	uint16_t udp_size; /* the client's EDNS size */
	uint64_t sent_ms;
	uint8_t tries;
	uint8_t upstream; /* index of the upstream last asked */
	uint8_t optout;	  /* client opted out: do not check the answer */
	int8_t profile;	  /* the client's profile (served_client_profile), -1 = every list */
	int sock;	  /* index of its upstream UDP socket (dns_worker.upsock), -1 = none */
	int uptcp;	  /* index of the upstream TCP exchange, -1 = none */
	struct dnsw_query q;
};

struct dns_server;

/* Bytes of the DDR answer's records (ddr.c): a few SVCB records of ~60 bytes each. */
#define DNS_DDR_MAX 1024

/* Answers to the datagrams of one recvmmsg batch are collected here and sent with one
 * sendmmsg when the batch is done: one system call instead of one per answer. A worker's
 * own (~100 KB), allocated at start. */
struct dns_outq {
	int fd; /* the listen socket of the batch being handled, -1 = not collecting */
	unsigned n;
	struct mmsghdr m[DNS_BATCH];
	struct iovec iov[DNS_BATCH];
	struct sockaddr_storage to[DNS_BATCH];
	uint8_t buf[DNS_BATCH][DNSW_MAX_UDP];
};

struct dns_worker {
	struct dns_server *srv;
	int id;
	pthread_t thread;
	int epfd;
	int udp_fd[DNS_MAX_LISTEN];
	int tcp_fd[DNS_MAX_LISTEN];   /* listening TCP sockets */
	int tls_fd[DNS_MAX_LISTEN];   /* listening DoT sockets (dns.tls-listen) */
	int https_fd[DNS_MAX_LISTEN]; /* listening DoH sockets (dns.https-listen) */
	struct dns_tcp_conn *conns;   /* nconns slots */
	int nconns;		      /* dns.max-connections */
	int conn_hi;		      /* slots [0, conn_hi) have ever been used (the sweep) */
	int *conn_free;		      /* stack of free slots (nconn_free of them) */
	int nconn_free;
	uint8_t *rscratch; /* 2 + 65535: where every connection reads (see dns_tcp_conn.rbuf) */
	uint8_t *tls_out;  /* DNS_TLS_OUT: where TLS records are sealed (tls.c), or NULL */
	struct dns_tls *tls_slots;	/* nconns: each connection's TLS state (tls.c), or NULL */
	struct dns_outq *outq;		/* the answers of the UDP batch being handled */
	uint8_t (*rxbuf)[DNSW_MAX_UDP]; /* DNS_BATCH datagrams: what recvmmsg reads into */
	uint32_t freed_since_trim; /* connections closed or shrunk since the last malloc_trim */
	uint64_t last_trim_ms;
	struct dns_uptcp *uptcp;   /* DNS_MAX_UPTCP */
	struct dns_upsock *upsock; /* DNS_UP_SOCKS */
	uint16_t *upsock_free;	   /* stack of free upsock indexes */
	int nupsock_free;
	struct dns_pending *pending; /* DNS_MAX_INFLIGHT entries */
	uint16_t *by_id;	     /* 65536: up_id -> pending index + 1 */
	uint32_t inflight;
	struct dcache *cache;
	struct drl *rl;
	struct evring ring;
	uint8_t rnd[512]; /* randombytes_buf output not used yet (IDs, 0x20 bits) */
	size_t rnd_pos;
	struct served_gate gate; /* quiescent after every batch, idle in epoll_wait */
	_Atomic uint64_t counters[C_COUNT];
	_Atomic uint64_t lat[DNS_LAT_BUCKETS + 1];
	_Atomic uint64_t lat_sum_us;
	/* per list, by counter slot (struct served_names): blocks, and log-only hits */
	_Atomic uint64_t list_blocked[SERVED_LIST_SLOTS];
	_Atomic uint64_t list_logged[SERVED_LIST_SLOTS];
};

struct dns_server {
	const struct isp_config *cfg;
	char snap_path[CONFIG_PATH_MAX];
	struct sockaddr_storage listen[DNS_MAX_LISTEN];
	socklen_t listenlen[DNS_MAX_LISTEN];
	int nlisten;
	struct dns_upstream up[DNS_MAX_UPSTREAM];
	int nup;
	_Atomic(int) up_down[DNS_MAX_UPSTREAM];		 /* consecutive timeouts */
	_Atomic(uint64_t) up_retry_ms[DNS_MAX_UPSTREAM]; /* next probe of a down upstream */
	struct prefixset *subscribers;
	struct prefixset *exempt;
	struct prefixset *proxy_from; /* dns.proxy-protocol-from; NULL = no PROXY v2 */
	uint8_t ddr_rrs[DNS_DDR_MAX]; /* the SVCB records of _dns.resolver.arpa (ddr.c) */
	size_t ddr_len;		      /* 0 = no DDR */
	struct dns_tap *tap;	      /* dns.dnstap: block events as dnstap; NULL = off */
	struct served_slot slot;      /* what the workers serve: slot.cur (core/service/served.h) */
	int walled;		      /* block-action walled-garden */
	int qname_0x20; /* dns.upstream-0x20: mixed-case names upstream, case checked */
	uint8_t wg_a[4], wg_aaaa[16];
	struct dnsw_soa soa; /* of negative block answers (dns.soa-*, dns.block-ttl) */
	int canary;	     /* dns.canary */
	int own_records;     /* dns.tls-records = own: TLS 1.3 records sealed here (tls.c) */
	int have_wg_a, have_wg_aaaa;
	struct dns_worker *workers;
	int nworkers;
	_Atomic int stop;	 /* workers and metrics stop */
	struct evwriter *writer; /* block events; its counters go into the metrics */
	/* DoT and DoH (tls.c): their listen addresses, and the TLS context every worker's
	 * new connections take (an SSL_CTX, swapped on SIGHUP; connections keep theirs) */
	struct sockaddr_storage tls_listen[DNS_MAX_LISTEN], https_listen[DNS_MAX_LISTEN];
	socklen_t tls_listenlen[DNS_MAX_LISTEN], https_listenlen[DNS_MAX_LISTEN];
	int ntls, nhttps;
	_Atomic(void *) tls_ctx;
	uint64_t idle_ms; /* dns.idle-timeout */
};

/* worker.c */
int dns_worker_start(struct dns_worker *w);
/* Handle one query from client c (UDP datagram or TCP message). */
void dns_handle_query(struct dns_worker *w, const struct served *sh, const uint8_t *pkt, size_t len,
		      const struct dns_client *c);
/* Handle one upstream response that came in on upstream socket `sock` (an index of
 * w->upsock), or over TCP (sock -1); truncated: the datagram did not fit the buffer
 * (MSG_TRUNC), so pkt holds only its start. */
void dns_handle_upstream(struct dns_worker *w, const struct served *sh, int sock, uint8_t *pkt,
			 size_t len, int truncated);
void dns_count(struct dns_worker *w, enum dns_counter c);
/* Answer q from client c with an empty response of rcode (and an EDE code with its
 * text when ede >= 0); exempt: the client is not rate-limited (dns.exempt). */
void dns_answer_rcode(struct dns_worker *w, const struct dns_client *c, const struct dnsw_query *q,
		      int rcode, int ede, const char *text, int exempt);

/* upstream.c: the path to the upstream servers (pending table, sockets, IDs, retries). */
/* Forward q from client upstream: 0, or -1 when it could not be sent (too many pending;
 * counted), and the caller answers SERVFAIL. */
int dns_forward(struct dns_worker *w, const struct dns_client *client, const struct dnsw_query *q,
		int optout, int profile);
/* The pending query the upstream answer pkt belongs to, or NULL (counted as bad). */
struct dns_pending *dns_upstream_match(struct dns_worker *w, int sock, const uint8_t *pkt,
				       size_t len, uint64_t now);
/* Done with p: its socket or TCP exchange released, its client connection told. */
void dns_pending_free(struct dns_worker *w, struct dns_pending *p);
/* Retry or fail (SERVFAIL) the queries pending longer than dns.timeout-ms. */
void dns_upstream_timeouts(struct dns_worker *w, uint64_t now);

/* rpzact.c: an entry's own RPZ action (see there). */
enum { DNS_RPZ_LIST = 0, DNS_RPZ_ANSWER = 1, DNS_RPZ_DROP = 2 };
/* 1 when hit does not block the query: an allow (passthru), or tcp-only over TCP. */
int dns_rpz_passes(const struct snap_hit *hit, int tcp);
/*
 * Apply hit's action to q. DNS_RPZ_LIST: the entry is a plain block, the caller applies
 * the list's policy; DNS_RPZ_DROP: send nothing; DNS_RPZ_ANSWER: send out[0..*len)
 * (nothing when *len < 0: it did not fit). text: the EDE extra text; ttl for local data;
 * soa: the authority record of NXDOMAIN and NODATA answers (RFC 2308).
 */
int dns_rpz_answer(const struct snap *snap, const struct snap_hit *hit, const struct dnsw_query *q,
		   int tcp, uint32_t ttl, const struct dnsw_soa *soa, const char *text,
		   uint8_t *out, size_t outsz, int *len);

/* proxied.c: PROXY protocol v2 from trusted terminators (dns.proxy-protocol-from).
 * dns_proxy_trusted: whether sa is a trusted terminator (0 when the key is empty). */
int dns_proxy_trusted(const struct dns_server *srv, const struct sockaddr *sa);
/* A datagram pkt[0..len) from c->peer: returns the offset of the DNS message in it, with
 * c->addr set to the subscriber (the header's source; the peer itself when the peer is
 * not a terminator or the header is LOCAL), or -1 to drop it unanswered (counted: a
 * header from an untrusted peer, none or a malformed one from a terminator). */
int dns_proxy_udp(struct dns_worker *w, const uint8_t *pkt, size_t len, struct dns_client *c);
/*
 * The first bytes buf[0..len) of a TCP stream (for DoT: the raw bytes before the TLS
 * handshake, which is where terminators put the header)
 * from a peer that is a terminator (trusted = 1) or not (0). Returns the length of the
 * PROXY v2 header with *addr and *addrlen set to the subscriber (left as they are for a
 * LOCAL header); 0 when an untrusted peer's stream does not start with a header (go on
 * without one: the normal case); DNS_PROXY_MORE when more bytes are needed to tell (a
 * DNS message over a stream is never shorter than the 16 bytes that decide); or -1 to
 * close the connection (counted: a header from an untrusted peer, a stream from a
 * terminator that does not start with one, a malformed one).
 */
#define DNS_PROXY_MORE (-2)
int dns_proxy_stream(struct dns_worker *w, int trusted, const uint8_t *buf, size_t len,
		     struct sockaddr_storage *addr, socklen_t *addrlen);

/* ddr.c: Discovery of Designated Resolvers (RFC 9462). */
/* Build srv's SVCB records from the dns.ddr-* keys (see ddr.c). Returns 0 or an ISR code
 * with err naming the key. */
int dns_ddr_configure(struct dns_server *srv, const struct isp_config *cfg, struct isp_err *err);
/* The answer to q when its name is resolver.arpa or under it (built into out: its
 * length, or -1 when it does not fit), else DNS_DDR_NOT: q is not DDR's. */
#define DNS_DDR_NOT (-2)
int dns_ddr_build(const struct dns_server *srv, const struct dnsw_query *q, uint8_t *out,
		  size_t outsz);

/* tcp.c: epoll tags are DNS_TAG_* + index. */
#define DNS_TAG_UDP   0
#define DNS_TAG_UP    1000
#define DNS_TAG_TCPL  2000
#define DNS_TAG_UPTCP 9000
#define DNS_TAG_CONN  10000 /* the last: up to DNS_MAX_CONNS of them */
_Static_assert(DNS_TAG_UP + DNS_UP_SOCKS <= DNS_TAG_TCPL, "upstream socket tags overlap");
_Static_assert(DNS_TAG_UPTCP + DNS_MAX_UPTCP <= DNS_TAG_CONN, "upstream TCP tags overlap");
int dns_tcp_listen(struct dns_worker *w);
void dns_tcp_accept(struct dns_worker *w, int li);
void dns_tcp_event(struct dns_worker *w, const struct served *sh, int ci, uint32_t events);
/* Queue msg on connection c->conn (if it is still the same connection). */
void dns_tcp_send(struct dns_worker *w, const struct dns_client *c, const uint8_t *msg, size_t len);
/* A query of connection c finished (answered or failed). */
void dns_tcp_done(struct dns_worker *w, const struct dns_client *c);
void dns_tcp_sweep(struct dns_worker *w, uint64_t now);
void dns_tcp_close_all(struct dns_worker *w);
/* Ask the upstream of pending query pi again over TCP. Returns 0 or -1. */
int dns_uptcp_start(struct dns_worker *w, int pi);
void dns_uptcp_event(struct dns_worker *w, const struct served *sh, int ui, uint32_t events);
/* Abort the TCP exchange of a pending query that timed out. */
void dns_uptcp_abort(struct dns_worker *w, int ui);
/* Listen on ss (SO_REUSEPORT, one socket per worker), epoll tag `tag`: the fd or -1. */
int dns_stream_listen(struct dns_worker *w, const struct sockaddr_storage *ss, socklen_t len,
		      int tag);
/* Queue p[0..n) on connection ci after what is pending (at most DNS_TCP_WBUF in all):
 * 0, or -1 when it does not fit (the caller closes the connection). */
int dns_conn_queue(struct dns_worker *w, int ci, const uint8_t *p, size_t n);
/* Send what is queued on ci: 0, or -1 when the connection failed. */
int dns_tcp_flush(struct dns_worker *w, int ci);
void dns_tcp_close(struct dns_worker *w, int ci);
/* Wait for connection ci to be writable too (on) or only readable. */
void dns_tcp_want_write(struct dns_worker *w, int ci, int on);

/* tls.c: DoT and DoH connections' TLS (OpenSSL). Listen tags: DNS_TAG_TCPL + DNS_LI_TLS
 * + i (DoT) and DNS_TAG_TCPL + DNS_LI_HTTPS + i (DoH). */
#define DNS_LISTEN_NONE 255
#define DNS_LI_TLS	100
#define DNS_LI_HTTPS	200
_Static_assert(DNS_TAG_TCPL + DNS_LI_HTTPS + DNS_MAX_LISTEN <= DNS_TAG_UPTCP,
	       "listen tags overlap");
/* Check the DoT/DoH keys of srv->cfg and load the certificate: 0, or err set. */
int dns_tls_configure(struct dns_server *srv, struct isp_err *err);
/* SIGHUP: load the certificate and key again; a failure keeps the old ones (logged). */
void dns_tls_reload(void *srv);
void dns_tls_free_ctx(struct dns_server *srv);
/* Open worker w's DoT and DoH listen sockets and make its sealing buffer: 0 or -1. */
int dns_tls_listen(struct dns_worker *w);
/* Free what dns_tls_listen made for worker w (its connections are closed by then; the
 * listen sockets are tcp.c's to close). */
void dns_tls_unlisten(struct dns_worker *w);
/* Start TLS on the accepted connection ci: 0 or -1. */
int dns_tls_start(struct dns_worker *w, int ci);
/* What comes before the TLS of DoT/DoH connection ci (its first events, c->tls NULL):
 * from a trusted terminator (c->proxy) its PROXY v2 header, read without a byte more,
 * the subscriber taken from it; from anyone else, a check that no header comes. Then TLS
 * starts. Returns 1 (TLS started: read on), 0 (wait for more bytes) or -1 (closed:
 * refused, malformed, or the peer went away). Uses c->rbuf for the header's bytes. */
int dns_tls_preface(struct dns_worker *w, int ci);
/* 1 once connection ci's TLS handshake is done. */
int dns_tls_ready(const struct dns_tcp_conn *c);
/* recv(2) and send(2) through the connection's TLS: bytes, 0 at the end, or -1 with
 * errno EAGAIN (wait for epoll) or EPIPE (failed). As with SSL_write, a send that
 * returned -1/EAGAIN is called again with the same bytes at the start of buf (its
 * records are sealed and partly sent; the count comes once they are all sent). */
ssize_t dns_tls_recv(struct dns_worker *w, int ci, void *buf, size_t n);
ssize_t dns_tls_send(struct dns_worker *w, int ci, const void *buf, size_t n);
/* Connection c is idle: give back its TLS read and write buffers and cipher contexts
 * (made again when needed). */
void dns_tls_idle(struct dns_tcp_conn *c);
void dns_tls_free(struct dns_tcp_conn *c);
/* The ALPN protocol the client and we agreed on ("h2", "dot"...), or "". */
const char *dns_tls_alpn(struct dns_tcp_conn *c, char *buf, size_t size);

/* doh.c: DNS over HTTPS (RFC 8484) on a DNS_CONN_DOH connection. */
void dns_doh_event(struct dns_worker *w, int ci, uint32_t events);
/* Send answer msg to the request of client c (its connection, generation and stream). */
void dns_doh_send(struct dns_worker *w, const struct dns_client *c, const uint8_t *msg, size_t len);
/* Connection c (DoH) is idle: give back the pages of nghttp2's that hold nothing needed
 * (its frame buffer once nothing is half sent; pages that are all zeros). */
void dns_doh_idle(struct dns_tcp_conn *c);
void dns_doh_free(struct dns_tcp_conn *c);

/* metrics.c: the metricsd render callback (ud: the struct dns_server). */
size_t dns_metrics_render(void *ud, char *buf, size_t size);

uint64_t dns_now_ms(void);

#endif
