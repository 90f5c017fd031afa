/*
 * proxy_int.h -- what the parts of the proxy share (see proxy.h). Internal header.
 *
 * Sharing rules, as in the DNS service: struct served (snapshot, opt-out set) is
 * written only by the main thread and read by workers through one atomic pointer load
 * per batch of events; a worker owns its connections, its store handle and its resolver
 * result queue's consumer side; counters are relaxed atomics read by the metrics thread.
 */
#ifndef ISP_PROXY_INT_H
#define ISP_PROXY_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/service/config.h"
#include "core/service/evring.h"
#include "core/net/prefixset.h"
#include "core/service/served.h"
#include "core/lists/snapshot.h"
#include "core/net/url.h"
#include "core/store/store.h"
#include "core/net/dest.h"
#include "proxy/http.h"

#define PX_MAX_LISTEN  16
#define PX_MAX_THREADS 64
#define PX_BUF	       ((size_t)32 * 1024) /* body relay buffers, each direction */
#define PX_MAX_ADDRS   8		   /* addresses of a name tried, in the order resolved */

enum px_counter {
	P_REQUESTS,
	P_CONNECTS,
	P_HITS,
	P_HITS_CONNECT,
	P_WALLED,
	P_CONTINUES,
	P_TOKENS_REFUSED,
	P_UPSTREAM_ERRORS,
	P_UPSTREAM_TIMEOUTS,
	P_BAD_REQUESTS,
	P_TOO_LARGE,
	P_CLIENT_TIMEOUTS,
	P_REFUSED_ACL,
	P_OPTOUT,
	P_EVENTS_DROPPED,
	P_CONN_REFUSED_FULL,
	P_DEST_REFUSED,
	P_PORT_REFUSED,
	P_HITS_DOMAIN,
	P_LOGGED,
	P_COUNT
};

#define PX_LAT_BUCKETS 12
extern const double px_lat_bounds[PX_LAT_BUCKETS]; /* milliseconds */

struct px_buf {
	char *d;
	size_t off, len, cap; /* data at d[off .. off+len) */
};

enum px_state {
	S_FREE = 0,
	S_HEAD,	   /* reading a request head */
	S_RESOLVE, /* waiting for the resolver */
	S_CONNECT, /* TCP connect to the upstream in progress */
	S_FORWARD, /* request and response being relayed */
	S_TUNNEL,  /* CONNECT: bytes both ways */
	S_RESPOND, /* our own response being written; then S_HEAD or close */
	S_META,	   /* a warning page waiting for its list metadata (meta.c) */
};

enum px_resp { RS_HEAD, RS_BODY, RS_DONE };
enum px_body { B_NONE, B_LENGTH, B_CHUNKED, B_CLOSE };

struct px_conn {
	enum px_state state;
	int cfd, ufd;
	uint32_t gen;
	struct sockaddr_storage peer;
	char peer_text[64];
	struct px_buf cin, cout, uin, uout;
	size_t cscan, uscan;
	int head_started; /* bytes of a request head have arrived */
	int close_after;  /* close the client after the current response */
	int client_eof;	  /* tunnel: the client shut its side */
	int upstream_eof; /* tunnel: the upstream shut its side */
	/* current request */
	int is_head, is_connect;
	enum px_body req_body;
	int64_t req_remain;
	struct http_chunked req_ch;
	int req_done;
	/* current response */
	enum px_resp resp;
	enum px_body resp_body;
	int64_t resp_remain;
	struct http_chunked resp_ch;
	int resp_sent;	  /* bytes of the response reached the client buffer */
	int up_keep;	  /* the upstream connection may serve the next request */
	char up_key[300]; /* "host:port" of ufd */
	char host[256];
	uint16_t port;
	struct sockaddr_storage upaddr;
	socklen_t upaddrlen;
	uint64_t deadline;
	uint64_t t_start; /* request head parsed (latency) */
	uint32_t cmask, umask;
	struct px_hit *hit; /* S_META: the page waiting for its metadata */
	uint32_t hit_seq;   /* counts warning pages on this connection */
};

struct px_server;

/* What the store says about a listed entry, for the warning page (meta.c). */
struct px_meta {
	char source[128], reference[512], category[128];
	int64_t first_seen;
	int found;
};

/* A warning page being made: what the request gave, kept on the connection while the
 * metadata is read (owned by the connection; freed when the page is sent or the
 * connection closes). */
struct px_hit {
	char list[64];
	char *tpl;   /* the list's page template (a copy), or NULL: the built-in page */
	char *canon; /* canonical URL, NUL-terminated */
	char *href;  /* the "continue anyway" link, or NULL */
	int ja, token_problem;
};

/*
 * A job handed between threads: the first member of px_metajob and px_lookup, so that one
 * queue (struct px_jobq, to the thread pool) and one hand-back (px_job_post, to the
 * worker that asked) serve both kinds.
 */
struct px_job {
	struct px_job *next;
};

/* A FIFO of jobs for a pool of threads: mu guards head and tail, cv signals a push (or
 * the stop). */
struct px_jobq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct px_job *head, *tail;
};

/* A metadata read handed to the meta thread, and its answer. */
struct px_metajob {
	struct px_job job; /* first */
	int worker, conn;
	uint32_t gen, seq;
	char list[64];
	struct px_meta m;
	char value[]; /* allocated with the job */
};

/* A name lookup handed to the resolver pool, and its answer. */
struct px_lookup {
	struct px_job job; /* first */
	int worker;
	int conn;
	uint32_t gen;
	char host[256];
	uint16_t port;
	int n; /* addresses found (0: none, the lookup failed) */
	struct sockaddr_storage addr[PX_MAX_ADDRS];
	socklen_t addrlen[PX_MAX_ADDRS];
};

/* worker.c: the size of a page (warning, walled garden, CONNECT refusal) */
#define PAGE_MAX ((size_t)24 * 1024)

/* A worker's scratch space for the request path (worker.c parse_head, request.c,
 * warn.c): used only by the worker's own thread, one request at a time. What a field
 * holds is valid until the next request (or page) on that worker: px_respond copies the
 * page out, and nothing keeps a pointer into it past the call that filled it. */
struct px_scratch {
	struct http_head head;	 /* the request head being handled (its pointers: into cin) */
	char list[64];		 /* the blocking list's name, for the event and the page */
	char canon[URL_MAX + 1]; /* the request's canonical URL */
	char page[PAGE_MAX];	 /* the response body being made */
};

struct px_worker {
	struct px_server *srv;
	int id;
	pthread_t thread;
	int epfd;
	int lfd[PX_MAX_LISTEN];
	int evfd; /* resolver answers are ready */
	struct px_conn *conns;
	int nconns_max;
	int *free_list;
	int nfree;
	pthread_mutex_t res_mu;
	struct px_job *res_head;  /* px_lookup answers from the resolver pool */
	struct px_job *meta_head; /* px_metajob answers from the meta thread (under res_mu) */
	struct evring ring;
	struct served_gate gate; /* quiescent after every batch, idle in epoll_wait */
	_Atomic uint64_t counters[P_COUNT];
	_Atomic uint64_t lat[PX_LAT_BUCKETS + 1];
	_Atomic uint64_t lat_sum_us;
	struct px_scratch scratch; /* the request path's buffers (above) */
	/* per list, by counter slot (struct served_names): blocks, and log-only hits */
	_Atomic uint64_t list_blocked[SERVED_LIST_SLOTS];
	_Atomic uint64_t list_logged[SERVED_LIST_SLOTS];
};

struct px_server {
	const struct isp_config *cfg;
	char snap_path[CONFIG_PATH_MAX];
	struct sockaddr_storage listen[PX_MAX_LISTEN];
	socklen_t listenlen[PX_MAX_LISTEN];
	int nlisten;
	struct prefixset *subscribers;
	uint8_t secret[256];
	size_t secretlen;
	int walled;
	struct dest_rules dest;		  /* where upstream connections may go (dest.h) */
	struct sockaddr_storage resolver; /* proxy.resolver; ss_family 0 = getaddrinfo */
	socklen_t resolverlen;
	struct served_slot slot; /* what the workers serve: slot.cur (core/service/served.h) */
	struct px_worker *workers;
	int nworkers;
	/* resolver pool */
	struct px_jobq rq; /* of px_lookup */
	pthread_t *resolvers;
	int nresolvers;
	/* the meta thread (meta.c) */
	struct px_jobq metaq; /* of px_metajob */
	pthread_t meta_thread;
	int meta_started;
	_Atomic int stop;
	struct evwriter *writer; /* block events; its counters go into the metrics */
};

/* worker.c: epoll tags (type, generation, connection index) */
#define TAG_LISTEN   1u
#define TAG_CLIENT   2u
#define TAG_UPSTREAM 3u
#define TAG_RESOLVER 4u

/* worker.c: the connection state machine and the epoll loop */
int px_worker_start(struct px_worker *w);
void px_count(struct px_worker *w, enum px_counter c);
uint64_t px_now_ms(void);
/* Wall-clock seconds. */
int64_t px_wall_s(void);
/* The epoll tag of connection idx (generation gen) for event source type (TAG_*). */
uint64_t px_tag(unsigned type, uint32_t gen, int idx);
/* Close the connection's upstream socket and forget its upstream state. */
void px_close_upstream(struct px_conn *c);
/* Our own response (page, error) to the client; keep: the connection stays open. */
void px_respond(struct px_worker *w, struct px_conn *c, int status, const char *reason,
		const char *ctype, const char *extra, const char *body, size_t blen, int keep);
/* A plain-text error response for status; the connection closes after it. */
void px_respond_error(struct px_worker *w, struct px_conn *c, int status);
/* Move everything connection idx can do until nothing moves, then set its epoll
 * interests. */
void px_conn_pump(struct px_worker *w, int idx, const struct served *sh);

/* buf.c: connection buffers and socket I/O */
int px_buf_init(struct px_buf *b, size_t cap);
size_t px_buf_space(struct px_buf *b);
char *px_buf_tail(struct px_buf *b);
void px_buf_consume(struct px_buf *b, size_t n);
/* Append; 0 or -1 (no room). */
int px_buf_put(struct px_buf *b, const void *p, size_t n);
/* Move up to n bytes from the start of from to the end of to: as many as to has room for.
 * Returns how many moved. */
size_t px_buf_move(struct px_buf *to, struct px_buf *from, size_t n);
int px_buf_printf(struct px_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Read fd into b / write b to fd, non-blocking. */
int px_do_read(int fd, struct px_buf *b);
int px_do_write(int fd, struct px_buf *b);

/* upstream.c: authority, destination check, resolving, connecting */
/* Parse host[:port] a[0..n) into the connection's upstream host and port. */
int px_parse_authority(struct px_conn *c, const char *a, size_t n, uint16_t defport);
/* Reuse, resolve or connect the upstream for the connection's current request. */
void px_start_upstream(struct px_worker *w, struct px_conn *c, int idx);
/* The upstream socket became writable while connecting. */
void px_upstream_connected(struct px_worker *w, int idx);
/* Take the resolver pool's and the meta thread's answers for this worker. */
void px_resolver_answers(struct px_worker *w, const struct served *sh);

/* request.c: acting on a parsed request head */
void px_handle_request(struct px_worker *w, struct px_conn *c, int idx, const struct http_head *h,
		       const struct served *sh);

/* warn.c: the warning page */
/* Find and cut the continue token at the end of target t[0..*n); see warn.c. */
const char *px_cut_token(const char *t, size_t *n, size_t *toklen);
/* Send the warning page of c->hit with the store's metadata m (NULL: not known). */
void px_render_hit(struct px_worker *w, struct px_conn *c, const struct px_meta *m);
/* Answer a blocked request with the warning page (see warn.c). */
void px_warn_page(struct px_worker *w, struct px_conn *c, int idx, const struct http_head *h,
		  const char *list, const char *tpl, const char *canon, size_t clen,
		  const char *target, size_t tlen, int token_problem);

/* relay.c: bodies and the response head */
void px_relay_request_body(struct px_conn *c);
void px_relay_response_body(struct px_conn *c);
/* Record the request's latency in the histogram. */
void px_latency(struct px_worker *w, struct px_conn *c);
/* Act on the upstream response head. */
void px_response_head(struct px_worker *w, struct px_conn *c);

/* resolver.c: the job queues, and the resolver pool */
void px_jobq_init(struct px_jobq *q);
void px_jobq_destroy(struct px_jobq *q);
/* Append j and wake one waiting thread. */
void px_jobq_push(struct px_jobq *q, struct px_job *j);
/* Wait until q holds a job or *stop is set: the oldest job (the caller's now), or NULL
 * when stopping with q empty. */
struct px_job *px_jobq_pop(struct px_jobq *q, _Atomic int *stop);
/* Wake every waiting thread (to see the stop). */
void px_jobq_wake(struct px_jobq *q);
/* Take every job left (after the pool stopped): a list linked by next. */
struct px_job *px_jobq_take(struct px_jobq *q);
/* Hand the answered job j back to worker w on its list (res_head or meta_head, under
 * res_mu) and wake the worker through its eventfd. */
void px_job_post(struct px_worker *w, struct px_job **list, struct px_job *j);

int px_resolver_start(struct px_server *srv, int n);
void px_resolver_stop(struct px_server *srv);
/* Queue a lookup (the pool answers into the worker's queue and signals its eventfd).
 * Returns 0 or -1 (out of memory). */
int px_resolve(struct px_server *srv, int worker, int conn, uint32_t gen, const char *host,
	       uint16_t port);

/* meta.c */
int px_meta_start(struct px_server *srv);
void px_meta_stop(struct px_server *srv);
/* Queue a metadata read of entry value[0..vlen) of list (the answer goes to the worker's
 * meta_head and wakes it). Returns 0 or -1 (out of memory). */
int px_meta_ask(struct px_server *srv, int worker, int conn, uint32_t gen, uint32_t seq,
		const char *list, const char *value, size_t vlen);
void px_metajob_free(struct px_metajob *j);

/* metrics.c */
size_t px_metrics_render(void *ud, char *buf, size_t size);

#endif
