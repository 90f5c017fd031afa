/*
 * domain.c -- domain-name normalisation (see domain.h).
 *
 * Most list entries and nearly all DNS queries are plain ASCII, so ASCII input takes a
 * fast path that lower-cases and validates in one pass with no allocation. Input with
 * bytes >= 0x80 goes through libidn2 (UTS#46 mapping, IDNA2008 non-transitional, then
 * transitional as browsers do for names that fail the first) and is validated again.
 * Existing A-labels ("xn--...") are kept as they are, lower-cased.
 */
#include "core/net/domain.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

static int is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Lower-case and validate ASCII name in[0..len) into out. */
static int ascii_normalise(const char *in, size_t len, char *out, struct isp_err *err)
{
	size_t i, label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return isp_err_set(err, ISR_EINVAL, "empty domain name");
	if (len > DOMAIN_MAX)
		return isp_err_set(err, ISR_EINVAL, "domain name longer than %d octets",
				   DOMAIN_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return isp_err_set(err, ISR_EINVAL, "empty label in domain name");
			label = 0;
		} else if (is_name_char(c)) {
			if (++label > 63)
				return isp_err_set(err, ISR_EINVAL,
						   "label longer than 63 octets in domain name");
		} else if (c == '*') {
			return isp_err_set(err, ISR_EINVAL,
					   "'*' is only allowed as the first label ('*.name')");
		} else if (c < 0x20 || c == 0x7f) {
			return isp_err_set(err, ISR_EINVAL, "control character in domain name");
		} else {
			return isp_err_set(err, ISR_EINVAL,
					   "character '%c' not allowed in domain name", c);
		}
		out[i] = (char)c;
	}
	if (label == 0)
		return isp_err_set(err, ISR_EINVAL, "empty label in domain name");
	out[len] = '\0';
	return (int)len;
}

int domain_normalise(const char *in, size_t len, char out[DOMAIN_BUFSZ], struct isp_err *err)
{
	char buf[4 * DOMAIN_BUFSZ];
	char *ace = NULL;
	size_t i;
	int rc;

	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			break;
	if (i == len)
		return ascii_normalise(in, len, out, err);

	/* Non-ASCII: libidn2 wants a NUL-terminated UTF-8 string. A U-label name can be up
	 * to four times the A-label limit in UTF-8 bytes. */
	if (len >= sizeof(buf))
		return isp_err_set(err, ISR_EINVAL, "domain name too long");
	memcpy(buf, in, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return isp_err_set(err, ISR_EINVAL, "NUL byte in domain name");
	rc = idn2_to_ascii_8z(buf, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_to_ascii_8z(buf, &ace, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	if (rc != IDN2_OK)
		return isp_err_set(err, ISR_EINVAL, "not a valid internationalised name: %s",
				   idn2_strerror(rc));
	rc = ascii_normalise(ace, strlen(ace), out, err);
	idn2_free(ace);
	return rc;
}
