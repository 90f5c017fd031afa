/*
 * dnstap.h -- the DNS service's block events as dnstap (dns.dnstap = unix:PATH |
 * tcp:ADDR:PORT): one CLIENT_RESPONSE message per recorded event, its `policy` filled
 * (type "ispshield", rule = the list entry that matched, value = the list, action, match
 * QNAME or RESPONSE_IP), carried in Frame Streams (libfstrm) to a collector such as
 * fstrm_capture, dnstap-read's input, Vector, dnscollector or a SIEM's dnstap input.
 *
 * Only what the service records anyway goes out: blocks, and hits of log-only lists
 * (action PASS, no response). An allowed query is never sent, and neither is anything
 * from a list with `events = off`: the same secrecy-of-communications rule as the store.
 *
 * Never blocking a worker: each worker has its own single-producer queue of libfstrm's
 * I/O thread (fstrm_iothr, the design BIND and Knot use: a lock-free ring per producer,
 * one writer thread that batches frames into the socket and reopens it, every second,
 * while the collector is away). A worker encodes the message (protobuf-c, one malloc of
 * a few hundred bytes, freed by the I/O thread once written) and submits it; a full queue
 * or an absent collector drops the event, counted (dnstap_dropped_total). The store's
 * copy of the event does not depend on this one.
 */
#ifndef ISP_DNS_DNSTAP_H
#define ISP_DNS_DNSTAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/base/err.h"
#include "core/net/dnswire.h"

struct dns_tap;

#define DNS_TAP_QUEUE 4096 /* frames each worker's queue holds (libfstrm's maximum: 16384) */

/*
 * Start the I/O thread for spec ("unix:/run/dnstap.sock" or "tcp:192.0.2.1:6000",
 * "tcp:[2001:db8::1]:6000") with nqueues producer queues (one per worker). The collector
 * need not be there yet: the writer connects (and reconnects) in the background. Returns
 * 0 with *out, or ISR_EINVAL (err names dns.dnstap and what is wrong with spec) or
 * ISR_ENOMEM.
 */
int dns_tap_open(const char *spec, unsigned nqueues, struct dns_tap **out, struct isp_err *err);

/* Stop the I/O thread (it writes what is queued first) and free t; NULL is a no-op. Call
 * once every producer has stopped. */
void dns_tap_close(struct dns_tap *t);

/* What the caller knows of the action when there is no response to read it from. */
enum dns_tap_action { DNS_TAP_FROM_RESPONSE = 0, DNS_TAP_PASS, DNS_TAP_DROP };

/* The transport a query came over (dnstap's SocketProtocol values). */
enum dns_tap_proto { DNS_TAP_UDP = 1, DNS_TAP_TCP = 2, DNS_TAP_DOT = 3, DNS_TAP_DOH = 4 };

/* One event. Pointers are only read during dns_tap_block. */
struct dns_tap_block {
	const struct sockaddr *client; /* the subscriber (after PROXY v2) */
	const struct sockaddr *server; /* the service address asked, or NULL */
	enum dns_tap_proto proto;      /* UDP, TCP, DoT, DoH */
	int64_t time_ns;	       /* wall clock, nanoseconds since 1970 */
	const struct dnsw_query *q;    /* the query (rebuilt as the message's query) */
	const uint8_t *resp;	       /* the answer sent, or NULL (log-only, drop) */
	size_t resp_len;
	enum dns_tap_action action; /* with resp NULL: PASS (log-only) or DROP */
	int response_ip;	    /* 1: an answer address matched, 0: a name (QNAME, CNAME) */
	const char *rule;	    /* the list entry */
	const char *list;	    /* the list's name */
};

/* Encode b and queue it on queue `queue` (< nqueues, that worker's own). Never waits.
 * Returns 0, or -1 when the event was dropped (queue full, no memory): the caller
 * counts it. */
int dns_tap_block(struct dns_tap *t, unsigned queue, const struct dns_tap_block *b);

/* The dnstap action of a response: TRUNCATE (TC set), NXDOMAIN, NODATA (NOERROR without
 * answers), LOCAL_DATA (NOERROR with answers), or 0 for another rcode (REFUSED has no
 * dnstap action: the field is then left out). Values are dnstap's Policy.Action. */
int dns_tap_action_of(const uint8_t *resp, size_t len);

#endif
