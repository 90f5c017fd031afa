/*
 * scan.c -- the DNS scan: one sender thread, one receiver thread, no per-target state
 * on the wire path. See survey.h.
 *
 * The sender walks the cyclic-group permutation, checks every address against the
 * scope once more, builds IPv4+UDP+DNS in a batch of SEND_BATCH buffers (the UDP source
 * port is the target's keyed port, so a raw IPPROTO_RAW socket is needed), and hands the
 * batch to sendmmsg once the token bucket allows (`rate` packets per second, bucket of
 * one batch). The receiver reads every UDP datagram addressed to us from a raw UDP
 * socket with recvmmsg and validates it with survey_dns_check; a bitmap over the target
 * indexes (the only per-target memory: one bit) drops duplicates and tells the retry
 * passes which targets still owe an answer. Validation never depends on that bitmap.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/base/siphash.h"
#include "core/base/fsutil.h"
#include "core/base/timefmt.h"
#include "survey/survey.h"

#define SEND_BATCH 64
#define RECV_BATCH 64
#define RECV_BUF   4160
#define PKT_MAX	   (28 + SURVEY_DNS_MAX_QUERY)

struct scan {
	const struct survey_scan_opts *o;
	uint32_t source;
	uint64_t *answered; /* bitmap over target indexes */
	int sfd, rfd;
	volatile int sender_done, recv_done;
	struct survey_perm pm;
	int pass;
	struct survey_scan_stats st;
	struct isp_err err;
	int rc;
	uint8_t sbuf[SEND_BATCH][PKT_MAX];  /* the sender's batch */
	uint8_t rbuf[RECV_BATCH][RECV_BUF]; /* the receiver's batch */
};

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static int64_t target_index(const struct survey_targets *t, uint32_t a)
{
	uint64_t base = 0;
	size_t k;

	for (k = 0; k < t->nr; k++) {
		if (a - t->r[k].first < t->r[k].n)
			return (int64_t)(base + (a - t->r[k].first));
		base += t->r[k].n;
	}
	return -1;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* IPv4 + UDP + the DNS probe for addr into pkt; its length, or < 0 when refused. */
static int build_packet(struct scan *sc, uint32_t addr, uint8_t *pkt)
{
	struct survey_token t;
	int ql = survey_dns_query(sc->o->dns, addr, pkt + 28, SURVEY_DNS_MAX_QUERY, NULL);
	size_t tot, ulen;
	uint32_t s;

	if (ql < 0)
		return ql;
	survey_token(&sc->o->dns->key, addr, &t);
	ulen = 8 + (size_t)ql;
	tot = 20 + ulen;
	pkt[0] = 0x45;
	pkt[1] = 0;
	pkt[2] = (uint8_t)(tot >> 8);
	pkt[3] = (uint8_t)tot;
	pkt[4] = (uint8_t)(t.id >> 8); /* IP ID: anything; the DNS ID is handy */
	pkt[5] = (uint8_t)t.id;
	pkt[6] = 0x40; /* DF */
	pkt[7] = 0;
	pkt[8] = 64;
	pkt[9] = 17;
	pkt[10] = pkt[11] = 0;
	put32(pkt + 12, sc->source);
	put32(pkt + 16, addr);
	s = csum_add(0, pkt, 20);
	pkt[10] = (uint8_t)(csum_fold(s) >> 8);
	pkt[11] = (uint8_t)csum_fold(s);
	pkt[20] = (uint8_t)(t.sport >> 8);
	pkt[21] = (uint8_t)t.sport;
	pkt[22] = 0;
	pkt[23] = 53;
	pkt[24] = (uint8_t)(ulen >> 8);
	pkt[25] = (uint8_t)ulen;
	pkt[26] = pkt[27] = 0;
	s = csum_add(0, pkt + 12, 8); /* pseudo header: addresses, protocol, length */
	s += 17 + (uint32_t)ulen;
	s = csum_add(s, pkt + 20, ulen);
	s = csum_fold(s);
	if (s == 0)
		s = 0xffff;
	pkt[26] = (uint8_t)(s >> 8);
	pkt[27] = (uint8_t)s;
	return (int)tot;
}

static void save_state(struct scan *sc)
{
	if (sc->o->state_file)
		survey_state_save(sc->o->state_file, &sc->o->dns->key, sc->o->targets->total,
				  &sc->pm, sc->pass, NULL);
}

static void *sender(void *arg)
{
	struct scan *sc = arg;
	const struct survey_scan_opts *o = sc->o;
	uint8_t(*bufs)[PKT_MAX] = sc->sbuf;
	struct mmsghdr msgs[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	struct sockaddr_in sin[SEND_BATCH];
	double t0 = time_mono_s(), tb = t0, tokens = SEND_BATCH;
	uint64_t burst = SEND_BATCH;
	int pass;

	if (o->rate && o->rate < 64000)
		burst = o->rate / 1000 ? o->rate / 1000 : 1;
	for (pass = o->resume ? o->pass : 0; pass <= o->retries; pass++) {
		uint64_t idx;
		int more = 1;

		sc->pass = pass;
		if (o->resume && pass == o->pass) {
			if (survey_perm_resume(&sc->pm, o->targets->total, o->g, o->first,
					       o->pos) != 0) {
				sc->rc = isp_err_set(&sc->err, ISR_EINVAL, "bad resume state");
				break;
			}
		} else if (survey_perm_init(&sc->pm, o->targets->total, o->seed + (uint64_t)pass) !=
			   0) {
			sc->rc = isp_err_set(&sc->err, ISR_EINVAL, "no targets");
			break;
		}
		while (more) {
			unsigned n = 0;
			int k, sent;

			while (n < burst && (more = survey_perm_next(&sc->pm, &idx))) {
				uint32_t a = survey_targets_at(o->targets, idx);
				int len;

				if (pass > 0 &&
				    (__atomic_load_n(&sc->answered[idx / 64], __ATOMIC_RELAXED) >>
				     (idx % 64)) &
					    1)
					continue;
				len = build_packet(sc, a, bufs[n]);
				if (len < 0) { /* outside the scope or excluded: nothing sent */
					sc->st.refused++;
					continue;
				}
				memset(&sin[n], 0, sizeof(sin[n]));
				sin[n].sin_family = AF_INET;
				sin[n].sin_addr.s_addr = htonl(a);
				iov[n].iov_base = bufs[n];
				iov[n].iov_len = (size_t)len;
				memset(&msgs[n], 0, sizeof(msgs[n]));
				msgs[n].msg_hdr.msg_name = &sin[n];
				msgs[n].msg_hdr.msg_namelen = sizeof(sin[n]);
				msgs[n].msg_hdr.msg_iov = &iov[n];
				msgs[n].msg_hdr.msg_iovlen = 1;
				n++;
			}
			if (o->rate) { /* token bucket: rate per second, one burst deep */
				double t = time_mono_s();

				tokens += (t - tb) * (double)o->rate;
				tb = t;
				if (tokens > (double)burst)
					tokens = (double)burst;
				if (tokens < n) {
					sleep_s(((double)n - tokens) / (double)o->rate);
					t = time_mono_s();
					tokens += (t - tb) * (double)o->rate;
					tb = t;
				}
				tokens -= n;
			}
			for (k = 0; k < (int)n;) {
				sent = sendmmsg(sc->sfd, msgs + k, n - (unsigned)k, 0);
				if (sent < 0) {
					if (errno == EINTR)
						continue;
					if (errno == ENOBUFS || errno == EAGAIN) {
						sleep_s(0.0001);
						continue;
					}
					sc->st.send_errors++;
					k++; /* skip the packet that failed */
					continue;
				}
				k += sent;
				__atomic_add_fetch(&sc->st.sent, (uint64_t)sent, __ATOMIC_RELAXED);
			}
			if (o->stop && *o->stop) {
				sc->st.stopped = 1;
				save_state(sc);
				goto out;
			}
		}
		sc->st.send_seconds = time_mono_s() - t0;
		if (pass < o->retries)
			sleep_s(o->cooldown_ms / 1000.0);
	}
out:
	if (!sc->st.stopped && sc->rc == 0)
		save_state(sc);
	sc->sender_done = 1;
	return NULL;
}

static void *receiver(void *arg)
{
	struct scan *sc = arg;
	const struct survey_scan_opts *o = sc->o;
	uint8_t(*bufs)[RECV_BUF] = sc->rbuf;
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	int i, n;

	for (i = 0; i < RECV_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = RECV_BUF;
	}
	while (!sc->recv_done) {
		for (i = 0; i < RECV_BATCH; i++) {
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(sc->rfd, msgs, RECV_BATCH, MSG_WAITFORONE, NULL);
		for (i = 0; i < n; i++) {
			uint32_t src, dst;
			uint16_t sp, dp;
			const uint8_t *pl;
			size_t plen;
			struct survey_dns_result r;
			enum survey_reject why;
			int64_t idx;
			uint64_t bit, old;

			if (survey_ip_udp(bufs[i], msgs[i].msg_len, &src, &dst, &sp, &dp, &pl,
					  &plen) != 0 ||
			    dst != sc->source || sp != 53)
				continue; /* not DNS to us: someone else's traffic */
			sc->st.received++;
			why = survey_dns_check(o->dns, src, sp, dp, pl, plen, &r);
			idx = why == SR_OK ? target_index(o->targets, src) : -1;
			if (why == SR_OK && idx < 0)
				why = SR_SCOPE;
			if (why != SR_OK) {
				sc->st.rejected[why]++;
				continue;
			}
			bit = (uint64_t)1 << (idx % 64);
			old = __atomic_fetch_or(&sc->answered[idx / 64], bit, __ATOMIC_RELAXED);
			if (old & bit) {
				sc->st.duplicate++;
				continue;
			}
			sc->st.valid++;
			if (o->on_reply)
				o->on_reply(o->ud, &r);
		}
	}
	return NULL;
}

static int route_source(uint32_t to, uint32_t *src)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(53);
	a.sin_addr.s_addr = htonl(to);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0) {
		*src = ntohl(a.sin_addr.s_addr);
		rc = 0;
	}
	close(fd);
	return rc;
}

int survey_scan_dns(const struct survey_scan_opts *o, struct survey_scan_stats *st,
		    struct isp_err *err)
{
	struct scan *sc;
	pthread_t ts, tr;
	struct timeval tv = { 0, 50000 };
	int big = 64 << 20, rc = 0;
	double t0 = time_mono_s(), last = t0;
	uint64_t words;

	memset(st, 0, sizeof(*st));
	if (o->targets->total == 0)
		return isp_err_set(err, ISR_EINVAL, "no targets");
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	words = (o->targets->total + 63) / 64;
	sc->answered = calloc(words, 8);
	sc->o = o;
	sc->sfd = sc->rfd = -1;
	sc->source = o->source;
	if (!sc->answered) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	if (!sc->source && route_source(survey_targets_at(o->targets, 0), &sc->source) != 0) {
		rc = isp_err_set(err, ISR_EIO, "no route to the targets: %s", strerror(errno));
		goto out;
	}
	sc->sfd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	sc->rfd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	if (sc->sfd < 0 || sc->rfd < 0) {
		rc = isp_err_set(err, ISR_EIO, "raw socket: %s (the DNS scan needs CAP_NET_RAW)",
				 strerror(errno));
		goto out;
	}
	if (setsockopt(sc->rfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		setsockopt(sc->rfd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(sc->sfd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sc->rfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (pthread_create(&tr, NULL, receiver, sc) != 0) {
		rc = isp_err_set(err, ISR_EIO, "cannot start the receiver thread");
		goto out;
	}
	if (pthread_create(&ts, NULL, sender, sc) != 0) {
		sc->recv_done = 1;
		pthread_join(tr, NULL);
		rc = isp_err_set(err, ISR_EIO, "cannot start the sender thread");
		goto out;
	}
	while (!sc->sender_done) {
		sleep_s(0.05);
		if (o->progress && time_mono_s() - last >= 1) {
			uint64_t s = __atomic_load_n(&sc->st.sent, __ATOMIC_RELAXED);
			double el = time_mono_s() - t0, r = el > 0 ? (double)s / el : 0;
			uint64_t todo = o->targets->total;
			double eta = r > 0 && s < todo ? (double)(todo - s) / r : 0;

			fprintf(o->progress,
				"\r%.0fs  sent %llu (%.0f p/s)  valid %llu  pass %d  ETA %.0fs   ",
				el, (unsigned long long)s, r, (unsigned long long)sc->st.valid,
				sc->pass, eta);
			fflush(o->progress);
			last = time_mono_s();
		}
	}
	pthread_join(ts, NULL);
	if (!sc->st.stopped)
		sleep_s(o->cooldown_ms / 1000.0);
	sc->recv_done = 1;
	pthread_join(tr, NULL);
	if (o->progress)
		fputc('\n', o->progress);
	if (sc->rc) {
		rc = sc->rc;
		if (err)
			*err = sc->err;
	}
	*st = sc->st;
	st->seconds = time_mono_s() - t0;
out:
	if (sc->sfd >= 0)
		close(sc->sfd);
	if (sc->rfd >= 0)
		close(sc->rfd);
	free(sc->answered);
	free(sc);
	return rc;
}

int survey_state_save(const char *path, const struct survey_key *k, uint64_t n,
		      const struct survey_perm *pm, int pass, struct isp_err *err)
{
	struct fs_atomic at;
	int rc;

	rc = fs_atomic_open(&at, path, 0600, err); /* it holds the probe key: private */
	if (rc)
		return rc;
	fprintf(at.f,
		"# ispshield survey state: resume with --resume (the key is secret)\n"
		"key %016llx %016llx\nn %llu\ng %llu\nfirst %llu\npos %llu\npass %d\n",
		(unsigned long long)k->k0, (unsigned long long)k->k1, (unsigned long long)n,
		(unsigned long long)pm->g, (unsigned long long)pm->first,
		(unsigned long long)pm->pos, pass);
	return fs_atomic_commit(&at, err);
}

int survey_state_load(const char *path, struct survey_key *k, uint64_t *n, uint64_t *g,
		      uint64_t *first, uint64_t *pos, int *pass, struct isp_err *err)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int got = 0;
	unsigned long long a, b;

	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "key %llx %llx", &a, &b) == 2) {
			k->k0 = a;
			k->k1 = b;
			got |= 1;
		} else if (sscanf(line, "n %llu", &a) == 1) {
			*n = a;
			got |= 2;
		} else if (sscanf(line, "g %llu", &a) == 1) {
			*g = a;
			got |= 4;
		} else if (sscanf(line, "first %llu", &a) == 1) {
			*first = a;
			got |= 8;
		} else if (sscanf(line, "pos %llu", &a) == 1) {
			*pos = a;
			got |= 16;
		} else if (sscanf(line, "pass %d", pass) == 1) {
			got |= 32;
		}
	}
	fclose(f);
	if (got != 63)
		return isp_err_set(err, ISR_EFORMAT, "%s: not a survey state file", path);
	return 0;
}
