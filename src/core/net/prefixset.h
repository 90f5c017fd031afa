/*
 * prefixset.h -- an immutable set of IPv4/IPv6 prefixes with longest-match lookup, for
 * the access lists of the DNS and proxy services: the subscriber prefixes they serve,
 * the opt-out list (never filtered), the DNS rate-limit exemptions.
 *
 * Built once (from a comma-separated string or a file, one prefix a line, '#' comments),
 * then only read: lookups are a binary search per prefix length present, so a set is
 * shared by all worker threads without locks and replaced whole when its file changes.
 */
#ifndef ISP_CORE_PREFIXSET_H
#define ISP_CORE_PREFIXSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "core/base/err.h"
#include "core/net/ip.h"

struct prefixset;

/* Parse "192.0.2.0/24, 2001:db8::/32" (commas or spaces). Returns 0 and *out, or an ISR
 * code naming the bad item. An empty string gives an empty set. */
int prefixset_parse(const char *list, struct prefixset **out, struct isp_err *err);

/* Read a file of prefixes, one a line ('#' comments, blank lines). A bad line is
 * reported through err as FILE:LINE and fails the load (fail closed: a half-read opt-out
 * list would filter subscribers who opted out). Returns 0 and *out, or an ISR code. */
int prefixset_load(const char *path, struct prefixset **out, struct isp_err *err);

/*
 * The lines of a prefix file, for prefixset_load and the files that add to a prefix a
 * line (the opt-out file, core/service/served.c): read f into line[size] up to the next
 * line with a word ('#' comments cut, blanks skipped); *lineno counts the lines read.
 * Returns 1 with *word (*n bytes) the line's first word, 0 at the end of the file, or
 * ISR_EINVAL for a line longer than size (FILE:LINE in err).
 */
int prefixset_next_word(FILE *f, const char *path, char *line, size_t size, long *lineno,
			char **word, size_t *n, struct isp_err *err);
/* Parse word (n bytes) as a prefix; a bad one is ISR_EINVAL with "FILE:LINE: 'word': why". */
int prefixset_parse_word(const char *word, size_t n, struct ip_prefix *pf, const char *path,
			 long lineno, struct isp_err *err);

void prefixset_free(struct prefixset *s);

/* 1 if addr (family 4 or 6, network order) is inside a prefix of the set, else 0. */
int prefixset_contains(const struct prefixset *s, int family, const uint8_t *addr);

/* Same for a socket address (AF_INET, AF_INET6; IPv4-mapped IPv6 is looked up as IPv4). */
int prefixset_contains_sa(const struct prefixset *s, const struct sockaddr *sa);

size_t prefixset_count(const struct prefixset *s);

#endif
