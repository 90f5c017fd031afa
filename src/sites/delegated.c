/*
 * delegated.c -- the ranges of one country in an RIR delegated-extended statistics file
 * (sites.h). Records are registry|cc|type|start|value|date|status[|opaque-id...]: for
 * ipv4 value is a count of addresses (not always a power of two), for ipv6 a prefix
 * length. The first line without a comment is the version line (2|apnic|...), summary
 * lines have cc "*"; asn records are skipped.
 *
 * Every country's ranges are kept, so that an address in another country's range is known
 * to be foreign (GeoIP then does not decide: find.c). A range is kept as [lo, hi] of 16 bytes (IPv4 as ::ffff:a.b.c.d, so one array serves
 * both families), sorted by lo; records of a file do not overlap, so a lookup is one
 * binary search for the last lo <= address and a comparison with its hi. Bounds: a line
 * longer than DELEG_LINE_MAX is rejected; the file is read whole by the caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

#define DELEG_LINE_MAX	1024
#define DELEG_FILE_MAX	((size_t)512 * 1024 * 1024)
#define DELEG_MAX_FIELD 8

struct range {
	uint8_t lo[16], hi[16];
	char cc[3]; /* upper case */
};

struct sites_delegated {
	struct range *r; /* every country's ranges */
	size_t n, cap;
	char cc[8]; /* the country asked about */
};

static int cmp_range(const void *a, const void *b)
{
	return memcmp(((const struct range *)a)->lo, ((const struct range *)b)->lo, 16);
}

/* Split line[0..n) at '|' into f (pointers into a copy in buf). */
static int split(const char *line, size_t n, char *buf, char **f)
{
	int k = 0;
	size_t i;

	memcpy(buf, line, n);
	buf[n] = '\0';
	f[k++] = buf;
	for (i = 0; i < n; i++) {
		if (buf[i] == '|') {
			buf[i] = '\0';
			if (k == DELEG_MAX_FIELD)
				break;
			f[k++] = buf + i + 1;
		}
	}
	return k;
}

/* A record's range, or a reason. */
static const char *record_range(char **f, struct range *r)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(f[4], &end, 10);
	if (end == f[4] || *end || errno)
		return "value is not a number";
	memset(r, 0, sizeof(*r));
	if (strcmp(f[2], "ipv4") == 0) {
		struct in_addr a;
		uint64_t lo, hi;

		if (inet_pton(AF_INET, f[3], &a) != 1)
			return "start is not an IPv4 address";
		lo = ntohl(a.s_addr);
		if (v == 0 || lo + v - 1 > 0xffffffffULL)
			return "the count runs past 255.255.255.255 (or is 0)";
		hi = lo + v - 1;
		r->lo[10] = r->lo[11] = r->hi[10] = r->hi[11] = 0xff;
		for (int i = 0; i < 4; i++) {
			r->lo[12 + i] = (uint8_t)(lo >> (24 - 8 * i));
			r->hi[12 + i] = (uint8_t)(hi >> (24 - 8 * i));
		}
		return NULL;
	}
	if (inet_pton(AF_INET6, f[3], r->lo) != 1)
		return "start is not an IPv6 address";
	if (v > 128)
		return "prefix length over 128";
	memcpy(r->hi, r->lo, 16);
	for (unsigned bit = (unsigned)v; bit < 128; bit++) {
		if (r->lo[bit / 8] & (0x80 >> (bit % 8)))
			return "host bits set under the prefix length";
		r->hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	}
	return NULL;
}

int sites_delegated_parse(const char *text, size_t len, const char *file, const char *cc,
			  isp_reject_fn rej, void *ud, struct sites_delegated **out,
			  struct isp_err *err)
{
	struct sites_delegated *d = calloc(1, sizeof(*d));
	char buf[DELEG_LINE_MAX + 1], *f[DELEG_MAX_FIELD];
	struct sites_lines l = { text, file, len, 0, 0 };
	const char *line;
	size_t n;
	int seen_version = 0;

	*out = NULL;
	if (!d)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	snprintf(d->cc, sizeof(d->cc), "%s", cc);
	while (sites_line(&l, DELEG_LINE_MAX, rej, ud, &line, &n)) {
		struct range r;
		const char *why;
		int k;

		if (n == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', n)) {
			sites_reject(rej, ud, file, l.lineno, -1, "NUL byte in the line");
			continue;
		}
		k = split(line, n, buf, f);
		if (!seen_version) {
			seen_version = 1;
			if (k >= 2 && strspn(f[0], "0123456789.") == strlen(f[0]) && *f[0])
				continue; /* 2|apnic|20261201|... */
		}
		if (k >= 6 && strcmp(f[1], "*") == 0 && strcmp(f[5], "summary") == 0)
			continue;
		if (k < 7) {
			sites_reject(rej, ud, file, l.lineno, -1,
				     "%d fields, expected registry|cc|type|start|value|date|status",
				     k);
			continue;
		}
		if (strcmp(f[2], "asn") == 0)
			continue;
		if (strcmp(f[2], "ipv4") != 0 && strcmp(f[2], "ipv6") != 0) {
			sites_reject(rej, ud, file, l.lineno, -1,
				     "type '%.16s' is not asn, ipv4 or ipv6", f[2]);
			continue;
		}
		if (strlen(f[1]) != 2) {
			sites_reject(rej, ud, file, l.lineno, -1, "cc '%.8s' is not two letters",
				     f[1]);
			continue;
		}
		why = record_range(f, &r);
		if (why) {
			sites_reject(rej, ud, file, l.lineno, -1, "%s", why);
			continue;
		}
		r.cc[0] = (char)(f[1][0] & ~0x20);
		r.cc[1] = (char)(f[1][1] & ~0x20);
		r.cc[2] = '\0';
		if (mem_grow_from((void **)&d->r, &d->cap, d->n + 1, sizeof(*d->r), 256)) {
			sites_delegated_free(d);
			return isp_err_set(err, ISR_ENOMEM, "out of memory");
		}
		d->r[d->n++] = r;
	}
	if (d->n)
		qsort(d->r, d->n, sizeof(*d->r), cmp_range);
	*out = d;
	return 0;
}

int sites_delegated_load(const char *path, const char *cc, isp_reject_fn rej, void *ud,
			 struct sites_delegated **out, struct isp_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = fs_read_file(path, DELEG_FILE_MAX, &text, &len, err);
	if (rc)
		return rc;
	rc = sites_delegated_parse(text, len, path, cc, rej, ud, out, err);
	free(text);
	return rc;
}

/* The range holding sa, or NULL. */
static const struct range *find_range(const struct sites_delegated *d, const struct sockaddr *sa)
{
	uint8_t a[16] = { 0 };
	size_t lo = 0, hi;

	if (!d || d->n == 0)
		return NULL;
	if (sa->sa_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	} else {
		return NULL;
	}
	hi = d->n;
	while (lo < hi) { /* first range with lo > a */
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(d->r[mid].lo, a, 16) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && memcmp(a, d->r[lo - 1].hi, 16) <= 0 ? &d->r[lo - 1] : NULL;
}

int sites_delegated_contains(const struct sites_delegated *d, const struct sockaddr *sa)
{
	const struct range *r = find_range(d, sa);

	return r && strcasecmp(r->cc, d->cc) == 0;
}

int sites_delegated_covers(const struct sites_delegated *d, const struct sockaddr *sa)
{
	return find_range(d, sa) != NULL;
}

size_t sites_delegated_count(const struct sites_delegated *d)
{
	return d ? d->n : 0;
}

void sites_delegated_free(struct sites_delegated *d)
{
	if (!d)
		return;
	free(d->r);
	free(d);
}
