/*
 * sectxt.c -- the contacts of a security.txt file (RFC 9116, sites.h).
 *
 * The file is lines of "Field: value" and "#" comments. Only Contact (mailto: URIs;
 * https: and tel: contacts cannot receive a notice and are passed over) and Expires
 * (RFC 3339) matter here. A signed file (RFC 4880 cleartext signature) is read between
 * its "Hash:" header block and "-----BEGIN PGP SIGNATURE-----", dash-escaped lines
 * ("- text") unescaped; the signature is not checked (the file came over HTTPS from
 * the site itself, which is what the notice goes to). Bounds: lines of at most
 * SECTXT_LINE_MAX bytes, the answer at most SITES_ANSWER_MAX (fetch.c).
 */
#include <string.h>
#include <strings.h>

#include "core/base/timefmt.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

#define SECTXT_LINE_MAX 2048

int sites_sectxt_parse(const char *text, size_t len, const char *file, isp_reject_fn rej, void *ud,
		       struct sites_emails *e, int64_t *expires)
{
	enum { PLAIN, PGP_HEAD, PGP_BODY, PGP_SIG } state = PLAIN;
	struct sites_lines l = { text, file, len, 0, 0 };
	const char *line, *colon, *v;
	size_t n, vn, fn;
	int added = 0;

	*expires = 0;
	while (sites_line(&l, SECTXT_LINE_MAX, rej, ud, &line, &n)) {
		if (l.lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
			line += 3, n -= 3; /* a BOM */
		if (n == 34 && memcmp(line, "-----BEGIN PGP SIGNED MESSAGE-----", 34) == 0) {
			state = PGP_HEAD;
			continue;
		}
		if (state == PGP_HEAD) {
			if (n == 0)
				state = PGP_BODY;
			continue;
		}
		if (state == PGP_SIG)
			continue;
		if (state == PGP_BODY) {
			if (n == 29 && memcmp(line, "-----BEGIN PGP SIGNATURE-----", 29) == 0) {
				state = PGP_SIG;
				continue;
			}
			if (n >= 2 && line[0] == '-' && line[1] == ' ')
				line += 2, n -= 2;
		}
		if (n == 0 || line[0] == '#')
			continue;
		colon = memchr(line, ':', n);
		fn = colon ? (size_t)(colon - line) : 0;
		if (!colon || fn == 0 || memchr(line, ' ', fn) || memchr(line, '\0', n)) {
			sites_reject(rej, ud, file, l.lineno, -1, "not 'Field: value'");
			continue;
		}
		v = colon + 1;
		vn = n - fn - 1;
		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		if (fn == 7 && strncasecmp(line, "Contact", 7) == 0) {
			if (vn >= 7 && strncasecmp(v, "mailto:", 7) == 0) {
				size_t q = 0;

				while (q < vn && v[q] != '?') /* mailto:x@y?subject=... */
					q++;
				if (sites_emails_add(e, v, q) == 1)
					added++;
				else if (sites_emails_add(e, v, q) < 0)
					sites_reject(rej, ud, file, l.lineno, -1,
						     "Contact is not a usable mailto: address");
			}
		} else if (fn == 7 && strncasecmp(line, "Expires", 7) == 0) {
			int64_t t;

			if (time_parse(v, vn, &t) == 0)
				*expires = t;
			else
				sites_reject(rej, ud, file, l.lineno, -1,
					     "Expires is not an RFC 3339 time");
		}
	}
	return added;
}
