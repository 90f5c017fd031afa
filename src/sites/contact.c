/*
 * contact.c -- what the contact sources share (sites.h): the one check every address
 * passes before it is kept (it ends up in a To: header and an SMTP RCPT), and the list of
 * addresses that are never worth a notice: registry placeholders (RDAP servers of gTLD
 * registries answer "Please query the RDAP service of the Registrar of Record", JPRS
 * and others publish redacted forms) and privacy proxies, whose mailbox forwards to
 * nobody who can clean a site.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "sites/sites.h"
#include "sites/sites_int.h"

void sites_reject(isp_reject_fn rej, void *ud, const char *file, long line, long long off,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	isp_vreject(rej, ud, file, line, off, fmt, ap);
	va_end(ap);
}

int sites_line(struct sites_lines *l, size_t max, isp_reject_fn rej, void *ud, const char **line,
	       size_t *n)
{
	while (l->at < l->len) {
		const char *p = l->text + l->at, *nl = memchr(p, '\n', l->len - l->at);
		size_t k = nl ? (size_t)(nl - p) : l->len - l->at;

		l->at += k + (nl ? 1 : 0);
		l->lineno++;
		if (k && p[k - 1] == '\r')
			k--;
		if (k > max) {
			sites_reject(rej, ud, l->file, l->lineno, -1, "line longer than %zu bytes",
				     max);
			continue;
		}
		*line = p;
		*n = k;
		return 1;
	}
	return 0;
}

const char *sites_scope_name(enum sites_scope s)
{
	switch (s) {
	case SITES_OPERATOR: return "operator";
	case SITES_HOSTING: return "hosting";
	case SITES_REGISTRAR: return "registrar";
	}
	return "?";
}

const char *sites_source_name(enum sites_source s)
{
	switch (s) {
	case SITES_SRC_SECURITY_TXT: return "security.txt";
	case SITES_SRC_WHOIS_JP: return "whois-jp";
	case SITES_SRC_RDAP_DOMAIN: return "rdap-domain";
	case SITES_SRC_RDAP_IP: return "rdap-ip";
	case SITES_SRC_RFC2142: return "rfc2142";
	}
	return "?";
}

/* Substrings of the lower-cased address that mark a registry placeholder (anywhere)
 * or a privacy-proxy service (its domain names: "privacy" alone would also hit a shop
 * called privacy-shop.jp). */
static const char *const placeholder_parts[] = {
	"redacted",	   "please query",     "not.disclosed",	     "noreply",
	"no-reply",	   "@nic.invalid",     "whoisprivacy",	     "privacyprotect",
	"contactprivacy",  "domainsbyproxy",   "withheldforprivacy", "whoisguard",
	"privacyguardian", "identity-protect", "whoisprotection",    "dataprotected",
	"anonymised",	   "anonymized",       "protecteddomains",   "proxy.dreamhost",
};

int sites_placeholder(const char *email)
{
	char low[SITES_EMAIL_MAX + 1];
	size_t i, n = strlen(email);

	if (n > SITES_EMAIL_MAX)
		return 1;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)email[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(placeholder_parts) / sizeof(placeholder_parts[0]); i++)
		if (strstr(low, placeholder_parts[i]))
			return 1;
	return 0;
}

int sites_emails_add(struct sites_emails *e, const char *s, size_t n)
{
	char v[SITES_EMAIL_MAX + 1];
	const char *at = NULL;
	size_t i;
	int k;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n >= 7 && strncasecmp(s, "mailto:", 7) == 0)
		s += 7, n -= 7;
	if (n == 0 || n > SITES_EMAIL_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || strchr("\"<>()[],;:\\", c))
			return -1;
		if (c == '@') {
			if (at)
				return -1;
			at = s + i;
		}
	}
	if (!at || at == s || at == s + n - 1 || !memchr(at, '.', (size_t)(s + n - at)))
		return -1;
	memcpy(v, s, n);
	v[n] = '\0';
	for (i = (size_t)(at - s); i < n; i++)
		v[i] = (char)tolower((unsigned char)v[i]);
	if (sites_placeholder(v))
		return -1;
	for (k = 0; k < e->n; k++)
		if (strcasecmp(e->v[k], v) == 0)
			return 0;
	if (e->n >= SITES_MAX_EMAILS)
		return 0;
	memcpy(e->v[e->n++], v, n + 1);
	return 1;
}
