/*
 * proxyv2.h -- the PROXY protocol version 2 header (HAProxy's proxy-protocol.txt, section
 * 2.2), as dnsdist, HAProxy and other TLS terminators put it in front of what they relay:
 * once at the start of a TCP (or TLS) stream, and at the start of every UDP datagram.
 *
 * A pure parser: bytes in, the client's and the server's addresses and the header's
 * length out; it keeps nothing, allocates nothing and never reads past len. Whether a
 * header is to be believed is the caller's decision (dns.proxy-protocol-from: only from
 * trusted terminators); the parser only says what the bytes are. One function serves
 * every transport: a datagram is complete (PP2_MORE means malformed there), a stream
 * calls again with more bytes after PP2_MORE.
 *
 * Bounds: the header is 16 bytes plus its own length field; this parser accepts at most
 * PP2_MAX_LEN bytes in all (addresses, then TLVs, each TLV checked to fit the header
 * exactly). Version must be 2, command LOCAL or PROXY, family UNSPEC, INET or INET6
 * (UNIX is refused: a subscriber is never a local socket), transport UNSPEC, STREAM or
 * DGRAM. A LOCAL header (a terminator's own health check) carries no address the caller
 * may use: the connection's own peer stands.
 */
#ifndef ISP_DNS_PROXYV2_H
#define ISP_DNS_PROXYV2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/base/err.h"

#define PP2_SIG_LEN 12	 /* the signature "\r\n\r\n\0\r\nQUIT\n" */
#define PP2_FIXED   16	 /* signature, version/command, family/transport, length */
#define PP2_MAX_LEN 1024 /* the largest header accepted, TLVs included */
#define PP2_MORE    1	 /* pp2_parse: a valid start, more bytes needed */

enum pp2_command { PP2_LOCAL = 0, PP2_PROXY = 1 };
enum pp2_transport { PP2_UNSPEC = 0, PP2_STREAM = 1, PP2_DGRAM = 2 };

struct pp2_header {
	size_t len;		  /* bytes of the header: the payload starts there */
	enum pp2_command command; /* LOCAL: src/dst are AF_UNSPEC, use the real peer */
	enum pp2_transport transport;
	struct sockaddr_storage src; /* the client (ss_family AF_UNSPEC when not given) */
	struct sockaddr_storage dst; /* the address the client connected to */
	socklen_t srclen, dstlen;    /* 0 when not given */
	unsigned ntlv;		     /* TLVs that followed the addresses (checked, skipped) */
};

/* 1 when buf starts with the PROXY v2 signature (len >= PP2_SIG_LEN), else 0. */
int pp2_has_signature(const uint8_t *buf, size_t len);

/*
 * Parse the header at the start of buf[0..len). Returns 0 with *h filled (h->len is the
 * header's length), PP2_MORE when buf is a valid but incomplete start (a stream: read
 * more, at most PP2_MAX_LEN in all), or ISR_EFORMAT with err (offset = the bad byte's
 * offset) naming what is wrong: no signature, version not 2, unknown command, family or
 * transport, a length too short for the family's addresses or over PP2_MAX_LEN, a TLV
 * that overruns the header. On error *h is left zeroed.
 */
int pp2_parse(const uint8_t *buf, size_t len, struct pp2_header *h, struct isp_err *err);

#endif
