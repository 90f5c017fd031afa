/*
 * netaddr.h -- socket addresses as operators write them in the configuration and on
 * the command line ("192.0.2.1:53", "[2001:db8::1]:3128", "::1"), and file change
 * stamps: the small pieces every long-running service (dns, proxy) needs alike.
 *
 * Only numeric addresses are accepted: a listen or upstream address that needs a name
 * lookup at start-up would make start-up depend on the resolver it may be replacing.
 */
#ifndef ISP_CORE_NETADDR_H
#define ISP_CORE_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "core/base/err.h"

/*
 * Parse s[0..n) as "ADDR:PORT", "[ADDR]:PORT", "ADDR" or a bare IPv6 address (the port
 * is then defport). Surrounding blanks are ignored. Returns 0 with *out and *len set,
 * or ISR_EINVAL.
 */
int net_parse_addr(const char *s, size_t n, uint16_t defport, struct sockaddr_storage *out,
		   socklen_t *len);

/*
 * Parse a comma-separated list of addresses for configuration key `key` ("dns.listen")
 * into arr/lens (at most max). Returns 0 with *n >= 1, or ISR_EINVAL with err naming
 * the key and the bad item (an empty list is an error).
 */
int net_parse_addr_list(const char *key, const char *list, uint16_t defport,
			struct sockaddr_storage *arr, socklen_t *lens, int max, int *n,
			struct isp_err *err);

/* host, a numeric IPv4 or IPv6 address as it is (no brackets, no blanks), with port as a
 * socket address: 0 with *out and *len set, or ISR_EINVAL (a name, or not an address). */
int net_addr_literal(const char *host, uint16_t port, struct sockaddr_storage *out, socklen_t *len);

/* Print sa as "ADDR" (no port) into buf. Returns buf. */
/* Whether a and b are the same IP address (ports aside; an IPv4-mapped IPv6 address is
 * not the IPv4 address). */
int net_addr_same_ip(const struct sockaddr *a, const struct sockaddr *b);
const char *net_addr_text(const struct sockaddr *sa, char *buf, size_t size);
/* Append to out (size bytes, NUL-terminated) "WHAT ADDR:PORT, [ADDR6]:PORT" for the n
 * addresses a, each with its port (a listen line names the ports a configuration left
 * implied), after "; " when out is not empty; nothing when n is 0. */
void net_addrs_text(char *out, size_t size, const char *what, const struct sockaddr_storage *a,
		    int n);

/* A listening TCP socket on sa (non-blocking, close-on-exec, SO_REUSEADDR and
 * SO_REUSEPORT so that each worker thread has its own, IPv6-only for an IPv6 address)
 * with the given backlog: the fd, or -1 with errno set (nothing left open). */
int net_listen_tcp(const struct sockaddr_storage *sa, socklen_t len, int backlog);

/* Wait until fd is ready for the poll(2) events ev, or until deadline_ms on
 * time_mono_ms()'s clock (EINTR is retried): 1 ready, 0 timed out, -1 poll failed. */
int net_wait_fd(int fd, short ev, int64_t deadline_ms);

/* Identity of a file's current version (device, inode, size, mtime), for "has it
 * changed?" polling of snapshot and opt-out files. A missing file has exists = 0. */
struct filestamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Stamp of path now (exists = 0 when path is NULL, empty or missing). */
struct filestamp filestamp_of(const char *path);
/* 1 when a and b are the same version of the file. */
int filestamp_eq(const struct filestamp *a, const struct filestamp *b);

#endif
