/*
 * scope.c -- what the survey may touch: the authorised prefixes minus the exclusions,
 * and the target ranges (CIDRs that must lie wholly inside the authorised prefixes).
 * See survey.h. The check is made twice: when a target CIDR is added (refused whole if
 * any of its addresses is outside), and again for every address before a packet or a
 * connection is made for it.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/net/ip.h"
#include "survey/survey.h"

int survey_scope_init(struct survey_scope *s, const char *authorised, const char *exclude_file,
		      struct isp_err *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = prefixset_parse(authorised ? authorised : "", &s->authorised, err);
	if (rc != 0)
		return rc;
	if (prefixset_count(s->authorised) == 0) {
		survey_scope_free(s);
		return isp_err_set(err, ISR_EINVAL,
				   "no authorised prefixes: nothing may be scanned (set "
				   "survey.authorised or --authorised)");
	}
	if (exclude_file && *exclude_file) {
		rc = prefixset_load(exclude_file, &s->exclude, err);
		if (rc != 0) {
			survey_scope_free(s);
			return rc;
		}
	}
	return 0;
}

void survey_scope_free(struct survey_scope *s)
{
	prefixset_free(s->authorised);
	prefixset_free(s->exclude);
	s->authorised = s->exclude = NULL;
}

int survey_scope_allows(const struct survey_scope *s, uint32_t addr)
{
	uint8_t a[4];

	if (!s || !s->authorised)
		return 0;
	a[0] = (uint8_t)(addr >> 24);
	a[1] = (uint8_t)(addr >> 16);
	a[2] = (uint8_t)(addr >> 8);
	a[3] = (uint8_t)addr;
	if (!prefixset_contains(s->authorised, 4, a))
		return 0;
	if (s->exclude && prefixset_contains(s->exclude, 4, a))
		return 0;
	return 1;
}

/* Every address of first..first+n-1 inside the authorised prefixes? (Exclusions are
 * not checked here: excluded addresses are skipped when visited.) */
static uint64_t outside_authorised(const struct survey_scope *s, uint32_t first, uint64_t n)
{
	uint64_t i, out = 0;

	for (i = 0; i < n; i++) {
		uint32_t a = first + (uint32_t)i;
		uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
				 (uint8_t)a };

		if (!prefixset_contains(s->authorised, 4, b))
			out++;
	}
	return out;
}

int survey_targets_add(struct survey_targets *t, const struct survey_scope *s, const char *cidr,
		       struct isp_err *err)
{
	struct ip_prefix p;
	char txt[IP_PREFIX_STRLEN];
	uint32_t first;
	uint64_t n, out;
	int rc;

	rc = ip_parse_prefix(cidr, strlen(cidr), &p, NULL, err);
	if (rc != 0)
		return rc;
	ip_format_prefix(&p, txt);
	if (p.family != 4)
		return isp_err_set(err, ISR_EINVAL, "refused: %s: only IPv4 ranges are surveyed",
				   txt);
	if (p.len < 8)
		return isp_err_set(err, ISR_ELIMIT, "refused: %s: larger than a /8", txt);
	if (t->nr >= SURVEY_MAX_RANGES)
		return isp_err_set(err, ISR_ELIMIT, "refused: %s: more than %d target ranges", txt,
				   SURVEY_MAX_RANGES);
	first = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 | (uint32_t)p.addr[2] << 8 |
		p.addr[3];
	n = (uint64_t)1 << (32 - p.len);
	out = outside_authorised(s, first, n);
	if (out)
		return isp_err_set(err, ISR_EINVAL,
				   "refused: target %s is outside the authorised prefixes "
				   "(%llu of %llu addresses); nothing is sent to it",
				   txt, (unsigned long long)out, (unsigned long long)n);
	if (t->total + n > ((uint64_t)1 << 32))
		return isp_err_set(err, ISR_ELIMIT, "refused: %s: more than 2^32 targets", txt);
	t->r[t->nr].first = first;
	t->r[t->nr].n = n;
	t->nr++;
	t->total += n;
	return 0;
}

uint32_t survey_targets_at(const struct survey_targets *t, uint64_t i)
{
	size_t k;

	for (k = 0; k < t->nr; k++) {
		if (i < t->r[k].n)
			return t->r[k].first + (uint32_t)i;
		i -= t->r[k].n;
	}
	return 0;
}
