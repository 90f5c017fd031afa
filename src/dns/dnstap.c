/*
 * dnstap.c -- block events as dnstap messages over Frame Streams (see dnstap.h).
 *
 * Encoding follows the schema in third_party/dnstap/dnstap.proto (compiled by protoc-c
 * at build time); the Frame Streams content type is "protobuf:dnstap.Dnstap", which
 * fstrm_capture, dnstap-read and every dnstap collector expect.
 */
#include "dns/dnstap.h"

#include <arpa/inet.h>
#include <fstrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/net/netaddr.h"
#include "dnstap.pb-c.h"

#define CONTENT_TYPE "protobuf:dnstap.Dnstap"

_Static_assert((int)DNS_TAP_UDP == (int)DNSTAP__SOCKET_PROTOCOL__UDP &&
		       (int)DNS_TAP_TCP == (int)DNSTAP__SOCKET_PROTOCOL__TCP &&
		       (int)DNS_TAP_DOT == (int)DNSTAP__SOCKET_PROTOCOL__DOT &&
		       (int)DNS_TAP_DOH == (int)DNSTAP__SOCKET_PROTOCOL__DOH,
	       "enum dns_tap_proto is dnstap's SocketProtocol");

/* One worker's input queue of the I/O thread. */
struct tap_queue {
	struct fstrm_iothr_queue *q;
};

struct dns_tap {
	struct fstrm_iothr *iothr;
	struct tap_queue *queues;
	unsigned nqueues;
	char identity[256]; /* the host name */
};

static const char version[] = "ispshield " ISP_VERSION;

/* The writer for spec (unix:PATH or tcp:ADDR:PORT), or NULL with err set. */
static struct fstrm_writer *writer_for(const char *spec, struct isp_err *err)
{
	struct fstrm_writer_options *wopt = fstrm_writer_options_init();
	struct fstrm_writer *w = NULL;

	if (!wopt)
		return NULL;
	fstrm_writer_options_add_content_type(wopt, CONTENT_TYPE, strlen(CONTENT_TYPE));
	if (strncmp(spec, "unix:", 5) == 0 &&
	    strlen(spec + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		isp_err_set(err, ISR_EINVAL, "dns.dnstap: the socket path of '%s' is too long",
			    spec);
	else if (strncmp(spec, "unix:", 5) == 0 && spec[5]) {
		struct fstrm_unix_writer_options *u = fstrm_unix_writer_options_init();

		if (u) {
			fstrm_unix_writer_options_set_socket_path(u, spec + 5);
			w = fstrm_unix_writer_init(u, wopt);
			fstrm_unix_writer_options_destroy(&u);
		}
	} else if (strncmp(spec, "tcp:", 4) == 0) {
		struct sockaddr_storage ss;
		socklen_t sl;
		char addr[INET6_ADDRSTRLEN], port[8];
		struct fstrm_tcp_writer_options *t;

		if (net_parse_addr(spec + 4, strlen(spec + 4), 0, &ss, &sl) != 0) {
			isp_err_set(err, ISR_EINVAL, "dns.dnstap: '%s' is not tcp:ADDR:PORT", spec);
			fstrm_writer_options_destroy(&wopt);
			return NULL;
		}
		net_addr_text((const struct sockaddr *)&ss, addr, sizeof(addr));
		snprintf(port, sizeof(port), "%u",
			 ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						       : ((struct sockaddr_in6 *)&ss)->sin6_port));
		t = fstrm_tcp_writer_options_init();
		if (t && strcmp(port, "0") != 0) {
			fstrm_tcp_writer_options_set_socket_address(t, addr);
			fstrm_tcp_writer_options_set_socket_port(t, port);
			w = fstrm_tcp_writer_init(t, wopt);
		}
		if (t)
			fstrm_tcp_writer_options_destroy(&t);
		if (strcmp(port, "0") == 0)
			isp_err_set(err, ISR_EINVAL, "dns.dnstap: '%s' has no port", spec);
	} else
		isp_err_set(err, ISR_EINVAL,
			    "dns.dnstap: '%s' is neither unix:PATH nor tcp:ADDR:PORT", spec);
	fstrm_writer_options_destroy(&wopt);
	return w;
}

int dns_tap_open(const char *spec, unsigned nqueues, struct dns_tap **out, struct isp_err *err)
{
	struct fstrm_iothr_options *opt;
	struct fstrm_writer *w;
	struct dns_tap *t;
	unsigned i;

	*out = NULL;
	isp_err_clear(err);
	w = writer_for(spec, err);
	if (!w)
		return err && err->code ? err->code
					: isp_err_set(err, ISR_ENOMEM, "dns.dnstap: out of memory");
	t = calloc(1, sizeof(*t));
	opt = fstrm_iothr_options_init();
	if (t)
		t->queues = calloc(nqueues, sizeof(*t->queues));
	if (!t || !t->queues || !opt) {
		fstrm_writer_destroy(&w);
		fstrm_iothr_options_destroy(&opt);
		if (t)
			free(t->queues);
		free(t);
		return isp_err_set(err, ISR_ENOMEM, "dns.dnstap: out of memory");
	}
	fstrm_iothr_options_set_num_input_queues(opt, nqueues);
	fstrm_iothr_options_set_input_queue_size(opt, DNS_TAP_QUEUE);
	fstrm_iothr_options_set_queue_model(opt, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
	fstrm_iothr_options_set_reopen_interval(opt, 1);
	t->iothr = fstrm_iothr_init(opt, &w); /* takes the writer */
	fstrm_iothr_options_destroy(&opt);
	if (!t->iothr) {
		if (w)
			fstrm_writer_destroy(&w);
		free(t->queues);
		free(t);
		return isp_err_set(err, ISR_ENOMEM, "dns.dnstap: cannot start the writer thread");
	}
	for (i = 0; i < nqueues; i++)
		t->queues[i].q = fstrm_iothr_get_input_queue_idx(t->iothr, i);
	t->nqueues = nqueues;
	if (gethostname(t->identity, sizeof(t->identity) - 1) != 0)
		t->identity[0] = '\0';
	*out = t;
	return 0;
}

void dns_tap_close(struct dns_tap *t)
{
	if (!t)
		return;
	fstrm_iothr_destroy(&t->iothr);
	free(t->queues);
	free(t);
}

int dns_tap_action_of(const uint8_t *resp, size_t len)
{
	uint16_t flags;

	if (!resp || len < DNSW_HEADER)
		return 0;
	flags = dnsw_get16(resp + 2);
	if (flags & DNSW_TC)
		return DNSTAP__POLICY__ACTION__TRUNCATE;
	if (DNSW_RCODE(flags) == DNSW_NXDOMAIN)
		return DNSTAP__POLICY__ACTION__NXDOMAIN;
	if (DNSW_RCODE(flags) != DNSW_NOERROR)
		return 0;
	return dnsw_get16(resp + 6) == 0 ? DNSTAP__POLICY__ACTION__NODATA
					 : DNSTAP__POLICY__ACTION__LOCAL_DATA;
}

/* The address bytes and port of sa into *data and *port; 0, or -1 for another family. */
static int sa_parts(const struct sockaddr *sa, ProtobufCBinaryData *data, uint32_t *port,
		    int *family)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		data->data = (uint8_t *)&in->sin_addr;
		data->len = 4;
		*port = ntohs(in->sin_port);
		*family = DNSTAP__SOCKET_FAMILY__INET;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		data->data = (uint8_t *)&in6->sin6_addr;
		data->len = 16;
		*port = ntohs(in6->sin6_port);
		*family = DNSTAP__SOCKET_FAMILY__INET6;
		return 0;
	}
	return -1;
}

int dns_tap_block(struct dns_tap *t, unsigned queue, const struct dns_tap_block *b)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	Dnstap__Policy p = DNSTAP__POLICY__INIT;
	uint8_t query[DNSW_HEADER + DNSW_MAX_NAME + 4];
	int family, n, action;
	uint8_t *buf;
	size_t len;

	if (!t || queue >= t->nqueues)
		return -1;
	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.has_identity = t->identity[0] != '\0';
	d.identity.data = (uint8_t *)t->identity;
	d.identity.len = strlen(t->identity);
	d.has_version = 1;
	d.version.data = (uint8_t *)version;
	d.version.len = sizeof(version) - 1;
	d.message = &m;
	m.type = DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE;
	if (sa_parts(b->client, &m.query_address, &m.query_port, &family) == 0) {
		m.has_query_address = m.has_query_port = 1;
		m.has_socket_family = 1;
		m.socket_family = (Dnstap__SocketFamily)family;
	}
	if (b->server && b->server->sa_family == b->client->sa_family &&
	    sa_parts(b->server, &m.response_address, &m.response_port, &family) == 0)
		m.has_response_address = m.has_response_port = 1;
	m.has_socket_protocol = 1;
	m.socket_protocol = (Dnstap__SocketProtocol)b->proto;
	m.has_query_time_sec = m.has_query_time_nsec = 1;
	m.query_time_sec = (uint64_t)(b->time_ns / 1000000000);
	m.query_time_nsec = (uint32_t)(b->time_ns % 1000000000);
	/* the query as the client asked it: header and question (its OPT is not kept) */
	n = dnsw_build_query(b->q->id, b->q->flags, b->q->qname, b->q->qname_len, b->q->qtype,
			     b->q->qclass, 0, 0, query, sizeof(query));
	if (n > 0) {
		m.has_query_message = 1;
		m.query_message.data = query;
		m.query_message.len = (size_t)n;
	}
	if (b->resp) {
		m.has_response_message = 1;
		m.response_message.data = (uint8_t *)b->resp;
		m.response_message.len = b->resp_len;
		m.has_response_time_sec = m.has_response_time_nsec = 1;
		m.response_time_sec = m.query_time_sec;
		m.response_time_nsec = m.query_time_nsec;
	}
	m.policy = &p;
	p.type = (char *)"ispshield";
	p.has_rule = 1;
	p.rule.data = (uint8_t *)b->rule;
	p.rule.len = strlen(b->rule);
	p.has_value = 1;
	p.value.data = (uint8_t *)b->list;
	p.value.len = strlen(b->list);
	p.has_match = 1;
	p.match =
		b->response_ip ? DNSTAP__POLICY__MATCH__RESPONSE_IP : DNSTAP__POLICY__MATCH__QNAME;
	action = b->resp		     ? dns_tap_action_of(b->resp, b->resp_len)
		 : b->action == DNS_TAP_DROP ? DNSTAP__POLICY__ACTION__DROP
					     : DNSTAP__POLICY__ACTION__PASS;
	if (action) {
		p.has_action = 1;
		p.action = (Dnstap__Policy__Action)action;
	}
	len = dnstap__dnstap__get_packed_size(&d);
	buf = malloc(len);
	if (!buf)
		return -1;
	dnstap__dnstap__pack(&d, buf);
	if (fstrm_iothr_submit(t->iothr, t->queues[queue].q, buf, len, fstrm_free_wrapper, NULL) !=
	    fstrm_res_success) {
		free(buf);
		return -1;
	}
	return 0;
}
