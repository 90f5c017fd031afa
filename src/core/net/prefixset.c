/*
 * prefixset.c -- see prefixset.h. Prefixes are kept masked and sorted by (family,
 * length, address); a lookup masks the address to each length present (from a bitmap)
 * and binary-searches that length's run, longest first.
 */
#include "core/net/prefixset.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/binwrite.h"

struct prefixset {
	struct ip_prefix *p;
	size_t n, cap;
	uint64_t v4_lens, v6_lens[3];
	/* start[family-index][len]: first index of that (family, len) run; computed after
	 * sorting. family-index 0 = IPv4, 1 = IPv6. */
	uint32_t start[2][130], end[2][130];
};

static int cmp_prefix(const void *a, const void *b)
{
	const struct ip_prefix *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static int add(struct prefixset *s, const struct ip_prefix *p)
{
	if (mem_grow_from((void **)&s->p, &s->cap, s->n + 1, sizeof(*s->p), 16))
		return ISR_ENOMEM;
	s->p[s->n++] = *p;
	if (p->family == 4)
		s->v4_lens |= 1ULL << p->len;
	else
		s->v6_lens[p->len / 64] |= 1ULL << (p->len % 64);
	return 0;
}

static void finish(struct prefixset *s)
{
	size_t i;

	if (s->n)
		qsort(s->p, s->n, sizeof(*s->p), cmp_prefix);
	for (i = 0; i < s->n; i++) {
		int f = s->p[i].family == 4 ? 0 : 1;
		unsigned l = s->p[i].len;

		if (i == 0 || s->p[i - 1].family != s->p[i].family || s->p[i - 1].len != l)
			s->start[f][l] = (uint32_t)i;
		s->end[f][l] = (uint32_t)i + 1;
	}
}

static struct prefixset *new_set(void)
{
	return calloc(1, sizeof(struct prefixset));
}

int prefixset_parse(const char *list, struct prefixset **out, struct isp_err *err)
{
	struct prefixset *s = new_set();
	const char *p = list;

	*out = NULL;
	if (!s)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	while (*p) {
		struct ip_prefix pf;
		size_t n;
		int rc;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		rc = ip_parse_prefix(p, n, &pf, NULL, err);
		if (rc == 0)
			rc = add(s, &pf);
		if (rc) {
			if (err)
				isp_err_set(err, rc, "'%.*s': %s", (int)n, p,
					    rc == ISR_ENOMEM ? "out of memory" : err->msg);
			prefixset_free(s);
			return rc;
		}
		p += n;
	}
	finish(s);
	*out = s;
	return 0;
}

int prefixset_next_word(FILE *f, const char *path, char *line, size_t size, long *lineno,
			char **word, size_t *n, struct isp_err *err)
{
	while (fgets(line, (int)size, f)) {
		char *h = strchr(line, '#'), *b = line;

		++*lineno;
		if (!strchr(line, '\n') && !feof(f))
			return isp_err_at(err, ISR_EINVAL, path, *lineno, -1, "line too long");
		if (h)
			*h = '\0';
		b += strspn(b, " \t\r\n");
		*n = strcspn(b, " \t\r\n");
		if (*n == 0)
			continue;
		*word = b;
		return 1;
	}
	return 0;
}

int prefixset_parse_word(const char *word, size_t n, struct ip_prefix *pf, const char *path,
			 long lineno, struct isp_err *err)
{
	int rc = ip_parse_prefix(word, n, pf, NULL, err);
	char why[ISP_ERR_MSG];

	if (rc == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", err ? err->msg : "bad prefix");
	return isp_err_at(err, rc, path, lineno, -1, "'%.*s': %s", (int)n, word, why);
}

int prefixset_load(const char *path, struct prefixset **out, struct isp_err *err)
{
	struct prefixset *s;
	char line[512], *b = NULL;
	long lineno = 0;
	size_t n = 0;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	s = new_set();
	if (!s) {
		fclose(f);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	while ((rc = prefixset_next_word(f, path, line, sizeof(line), &lineno, &b, &n, err)) == 1) {
		struct ip_prefix pf;

		rc = prefixset_parse_word(b, n, &pf, path, lineno, err);
		if (rc)
			break;
		rc = add(s, &pf);
		if (rc) {
			isp_err_set(err, rc, "out of memory");
			break;
		}
	}
	fclose(f);
	if (rc) {
		prefixset_free(s);
		return rc;
	}
	finish(s);
	*out = s;
	return 0;
}

void prefixset_free(struct prefixset *s)
{
	if (!s)
		return;
	free(s->p);
	free(s);
}

static int has_len(const struct prefixset *s, int family, unsigned l)
{
	if (family == 4)
		return (s->v4_lens >> l) & 1;
	return (s->v6_lens[l / 64] >> (l % 64)) & 1;
}

int prefixset_contains(const struct prefixset *s, int family, const uint8_t *addr)
{
	unsigned bits = family == 4 ? 32 : 128, l;
	int f = family == 4 ? 0 : 1;

	if (!s || s->n == 0 || (family != 4 && family != 6))
		return 0;
	for (l = bits + 1; l-- > 0;) {
		struct ip_prefix key;
		size_t lo, hi;

		if (!has_len(s, family, l))
			continue;
		memset(&key, 0, sizeof(key));
		key.family = (uint8_t)family;
		key.len = (uint8_t)l;
		memcpy(key.addr, addr, family == 4 ? 4 : 16);
		ip_mask(&key);
		lo = s->start[f][l];
		hi = s->end[f][l];
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = memcmp(s->p[mid].addr, key.addr, 16);

			if (c == 0)
				return 1;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return 0;
}

int prefixset_contains_sa(const struct prefixset *s, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return prefixset_contains(s, 4, (const uint8_t *)&in->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *a = in6->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0)
			return prefixset_contains(s, 4, a + 12);
		return prefixset_contains(s, 6, a);
	}
	return 0;
}

size_t prefixset_count(const struct prefixset *s)
{
	return s ? s->n : 0;
}
