/*
 * dsn.c -- bounces of site notices: the recipients a delivery status notification
 * (RFC 3464, multipart/report; report-type=delivery-status) reports as failed (sites.h).
 *
 * Only the message/delivery-status part is read: its part headers, a blank line, the
 * per-message fields (Reporting-MTA, ...), then per-recipient field groups separated by
 * blank lines, up to the next MIME boundary ("--..."). A group with
 * "Final-Recipient: rfc822; ADDR" and "Action: failed" gives ADDR; "delayed", "relayed"
 * and "delivered" give nothing. Folded lines (starting with a blank) continue the field
 * before and are not needed here. A Final-Recipient of another address type, or a
 * message without a delivery-status part, is rejected as FILE:LINE.
 */
#include <string.h>
#include <strings.h>

#include "sites/sites.h"
#include "sites/sites_int.h"

#define DSN_LINE_MAX 998 /* RFC 5322 */

/* s[0..n) is "Name:" + value (case-insensitive name); *v, *vn the trimmed value. */
static int field(const char *s, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t k = strlen(name);

	if (n <= k || s[k] != ':' || strncasecmp(s, name, k) != 0)
		return 0;
	s += k + 1;
	n -= k + 1;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*v = s;
	*vn = n;
	return 1;
}

int sites_dsn_parse(const char *text, size_t len, const char *file, isp_reject_fn rej, void *ud,
		    struct sites_emails *failed)
{
	enum { BEFORE, PART_HEAD, FIELDS, AFTER } state = BEFORE;
	char rcpt[SITES_EMAIL_MAX + 1] = "";
	struct sites_lines l = { text, file, len, 0, 0 };
	const char *line = "";
	size_t n;
	int is_failed = 0, added = 0, more = 1;

	while (state != AFTER && more) {
		const char *v;
		size_t vn;

		/* the end of the text ends a group too: read as one more empty line */
		more = sites_line(&l, DSN_LINE_MAX, rej, ud, &line, &n);
		if (!more)
			n = 0;
		if (state == BEFORE) {
			if (field(line, n, "Content-Type", &v, &vn) && vn >= 23 &&
			    strncasecmp(v, "message/delivery-status", 23) == 0)
				state = PART_HEAD;
			continue;
		}
		if (state == PART_HEAD) {
			if (n == 0)
				state = FIELDS;
			continue;
		}
		if (n == 0 || (n >= 2 && line[0] == '-' && line[1] == '-')) {
			if (rcpt[0] && is_failed &&
			    sites_emails_add(failed, rcpt, strlen(rcpt)) == 1)
				added++;
			rcpt[0] = '\0';
			is_failed = 0;
			if (n >= 2 && line[0] == '-')
				state = AFTER;
			continue;
		}
		if (field(line, n, "Final-Recipient", &v, &vn)) {
			const char *semi = memchr(v, ';', vn);

			rcpt[0] = '\0';
			if (!semi || (size_t)(semi - v) != 6 || strncasecmp(v, "rfc822", 6) != 0) {
				sites_reject(rej, ud, file, l.lineno, -1,
					     "Final-Recipient is not 'rfc822; ADDRESS'");
				continue;
			}
			semi++;
			vn -= (size_t)(semi - v);
			while (vn && (*semi == ' ' || *semi == '\t'))
				semi++, vn--;
			if (vn == 0 || vn > SITES_EMAIL_MAX) {
				sites_reject(rej, ud, file, l.lineno, -1,
					     "Final-Recipient without an address");
				continue;
			}
			memcpy(rcpt, semi, vn);
			rcpt[vn] = '\0';
		} else if (field(line, n, "Action", &v, &vn)) {
			is_failed = vn == 6 && strncasecmp(v, "failed", 6) == 0;
		}
	}
	if (state == BEFORE)
		sites_reject(rej, ud, file, 0, -1, "no message/delivery-status part: not a DSN");
	return added;
}
