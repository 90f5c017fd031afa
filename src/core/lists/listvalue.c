/*
 * listvalue.c -- see listvalue.h.
 */
#include "core/lists/listvalue.h"

#include <stdio.h>
#include <string.h>

#include "core/net/domain.h"
#include "core/net/ip.h"
#include "core/net/url.h"

static int normalise_domain(const char *raw, char *out, size_t outsz, struct isp_err *err)
{
	char name[DOMAIN_BUFSZ];
	size_t len = strlen(raw);
	int wild = 0, n;

	if (len >= 2 && raw[0] == '*' && raw[1] == '.') {
		wild = 1;
		raw += 2;
		len -= 2;
	}
	n = domain_normalise(raw, len, name, err);
	if (n < 0)
		return n;
	if ((size_t)n + 3 > outsz)
		return isp_err_set(err, ISR_ELIMIT, "output buffer too small");
	return snprintf(out, outsz, "%s%s", wild ? "*." : "", name);
}

int list_value_normalise(enum list_kind kind, const char *raw, char *out, size_t outsz,
			 const char **note, struct isp_err *err)
{
	struct ip_prefix p;
	char buf[IP_PREFIX_STRLEN];
	int masked = 0, rc;

	if (note)
		*note = NULL;
	switch (kind) {
	case LIST_DOMAIN: return normalise_domain(raw, out, outsz, err);
	case LIST_URL:
		rc = url_canonicalise(raw, strlen(raw), out, outsz, err);
		if (rc > 0 && url_host_check(out, (size_t)rc, err) != 0) {
			out[0] = '\0';
			return ISR_EINVAL;
		}
		return rc;
	case LIST_IP:
		rc = ip_parse_prefix(raw, strlen(raw), &p, &masked, err);
		if (rc)
			return rc;
		if (p.len == 0)
			return isp_err_set(err, ISR_EINVAL,
					   "prefix length 0 would match every address");
		ip_format_prefix(&p, buf);
		if (strlen(buf) + 1 > outsz)
			return isp_err_set(err, ISR_ELIMIT, "output buffer too small");
		if (masked && note)
			*note = "host bits set under the prefix length were cleared";
		return snprintf(out, outsz, "%s", buf);
	case LIST_KIND_NONE: break;
	}
	return isp_err_set(err, ISR_EINVAL, "unknown list kind");
}

enum list_kind list_value_guess_kind(const char *raw)
{
	struct ip_prefix p;

	if (ip_parse_prefix(raw, strlen(raw), &p, NULL, NULL) == 0)
		return LIST_IP;
	if (strstr(raw, "://") || strchr(raw, '/'))
		return LIST_URL;
	return LIST_DOMAIN;
}
