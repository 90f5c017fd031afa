/*
 * dnsstub.h -- the proxy's own stub resolver, used instead of getaddrinfo(3) when
 * proxy.resolver names a DNS server (ADDR:PORT): typically `ispshield dns` or the ISP's
 * Unbound, so that the proxy sees the names the way subscribers' resolvers do.
 *
 * One lookup asks for A and AAAA (recursion desired) over UDP from a fresh socket (so a
 * fresh random source port) with a random ID from getrandom(2); an answer must come
 * from the server asked, carry the ID and the question asked; a truncated answer is asked
 * again over TCP. The addresses returned are those of the answer section reached from
 * the name through its CNAME chain, in the order given. Blocking, with a deadline: it is
 * called from the resolver threads only.
 */
#ifndef ISP_PROXY_DNSSTUB_H
#define ISP_PROXY_DNSSTUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Resolve host (a DNS name, not an address literal) at server, waiting at most
 * timeout_ms in all. Fills out[0..max) with AF_INET/AF_INET6 addresses carrying port
 * and lens with their lengths. Returns how many (0: the name has no address, or the
 * server failed, refused or did not answer in time), or -1 when host is not a valid
 * DNS name.
 */
int pxdns_lookup(const struct sockaddr *server, socklen_t slen, const char *host, uint16_t port,
		 int timeout_ms, struct sockaddr_storage *out, socklen_t *lens, int max);

/*
 * The wire parts, for the unit tests and the fuzz target. pxdns_query writes a query
 * for host/qtype with id into buf (at least 512 bytes); returns its length or -1 (bad
 * name). pxdns_answer reads response pkt[0..len) to that query: the addresses of type
 * qtype reached from host (through CNAMEs) go to out (with port), at most max. Returns
 * how many, -1 for a malformed or mismatched packet, -2 when truncated (TC set).
 */
int pxdns_query(const char *host, uint16_t qtype, uint16_t id, uint8_t *buf, size_t size);
int pxdns_answer(const uint8_t *pkt, size_t len, const char *host, uint16_t qtype, uint16_t id,
		 uint16_t port, struct sockaddr_storage *out, socklen_t *lens, int max);

#endif
