/*
 * zone.c -- the probe zone's authoritative server, run by the survey itself so that it
 * can tell forwarders from resolvers: a home router that "answers" DNS usually forwards
 * the query to the ISP's resolver, and the query then reaches the probe zone from that
 * resolver's address, not the router's. The first label of the name carries the target
 * (see dnsprobe.c), so no table of sent probes is needed: every query that decodes is
 * logged as (target, address it came from) in a fixed-size open-addressing table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/net/netaddr.h"
#include "survey/survey.h"

#define ZONE_SLOTS (1u << 20) /* targets remembered (8 MiB) */

struct zslot {
	uint32_t target; /* 0 = empty */
	uint32_t via;	 /* a source address other than the target, 0 = only the target */
};

struct survey_zone {
	const struct survey_dns *d;
	int fd;
	volatile int stop;
	pthread_t th;
	pthread_mutex_t mu;
	uint64_t queries;
	struct zslot *slot;
};

static uint32_t slot_of(uint32_t a)
{
	return (uint32_t)((a * 0x9e3779b1u) >> 12) & (ZONE_SLOTS - 1);
}

static void zone_log(struct survey_zone *z, uint32_t target, uint32_t from)
{
	uint32_t i = slot_of(target), k;

	pthread_mutex_lock(&z->mu);
	for (k = 0; k < ZONE_SLOTS; k++, i = (i + 1) & (ZONE_SLOTS - 1)) {
		if (z->slot[i].target == 0)
			z->slot[i].target = target;
		if (z->slot[i].target == target) {
			if (from != target)
				z->slot[i].via = from;
			break;
		}
	}
	pthread_mutex_unlock(&z->mu);
}

static void *zone_thread(void *arg)
{
	struct survey_zone *z = arg;
	uint8_t q[4096], out[1232];

	while (!z->stop) {
		struct pollfd pf = { z->fd, POLLIN, 0 };
		struct sockaddr_in from = { 0 };
		socklen_t fl = sizeof(from);
		ssize_t n;
		uint32_t target;
		int m;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = recvfrom(z->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sin_family != AF_INET)
			continue;
		m = survey_zone_answer(z->d, q, (size_t)n, out, sizeof(out), &target);
		if (m <= 0)
			continue;
		__atomic_add_fetch(&z->queries, 1, __ATOMIC_RELAXED);
		if (target)
			zone_log(z, target, ntohl(from.sin_addr.s_addr));
		sendto(z->fd, out, (size_t)m, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

int survey_zone_start(const struct survey_dns *d, const char *listen, struct survey_zone **out,
		      struct isp_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct survey_zone *z;
	int one = 1;

	if (net_parse_addr(listen, strlen(listen), 53, &ss, &sl) != 0)
		return isp_err_set(err, ISR_EINVAL, "%s: not an address", listen);
	if (ss.ss_family != AF_INET)
		return isp_err_set(err, ISR_EINVAL, "%s: the probe zone is served on IPv4", listen);
	z = calloc(1, sizeof(*z));
	if (!z)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	z->slot = calloc(ZONE_SLOTS, sizeof(*z->slot));
	z->d = d;
	z->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!z->slot || z->fd < 0) {
		isp_err_set(err, ISR_EIO, "probe zone: %s", strerror(errno));
		goto fail;
	}
	setsockopt(z->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(z->fd, (struct sockaddr *)&ss, sl) != 0) {
		isp_err_set(err, ISR_EIO, "probe zone: bind %s: %s", listen, strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&z->mu, NULL);
	if (pthread_create(&z->th, NULL, zone_thread, z) != 0) {
		pthread_mutex_destroy(&z->mu);
		isp_err_set(err, ISR_EIO, "probe zone: cannot start its thread");
		goto fail;
	}
	*out = z;
	return 0;
fail:
	if (z->fd >= 0)
		close(z->fd);
	free(z->slot);
	free(z);
	return ISR_EIO;
}

int survey_zone_forwarded(const struct survey_zone *z, uint32_t target, uint32_t *via)
{
	uint32_t i = slot_of(target), k;
	int r = 0;

	pthread_mutex_lock((pthread_mutex_t *)&z->mu);
	for (k = 0; k < ZONE_SLOTS && z->slot[i].target; k++, i = (i + 1) & (ZONE_SLOTS - 1)) {
		if (z->slot[i].target == target) {
			if (z->slot[i].via) {
				*via = z->slot[i].via;
				r = 1;
			}
			break;
		}
	}
	pthread_mutex_unlock((pthread_mutex_t *)&z->mu);
	return r;
}

uint64_t survey_zone_queries(const struct survey_zone *z)
{
	return __atomic_load_n(&z->queries, __ATOMIC_RELAXED);
}

void survey_zone_stop(struct survey_zone *z)
{
	if (!z)
		return;
	z->stop = 1;
	pthread_join(z->th, NULL);
	pthread_mutex_destroy(&z->mu);
	close(z->fd);
	free(z->slot);
	free(z);
}
