/*
 * whoisjp.c -- JPRS WHOIS answers (whois.jprs.jp, port 43), sites.h.
 *
 * .jp has no RDAP; JPRS answers WHOIS in two layouts, Japanese by default and English
 * with the "/e" suffix on the query:
 *   general-use names (EXAMPLE.JP):   "[Domain Name]                   EXAMPLE.JP"
 *                                     ... "Contact Information: [公開連絡窓口]" and its
 *                                     "[Email]" right in the answer;
 *   organisational names (.co.jp ...): "a. [ドメイン名]                 EXAMPLE.CO.JP"
 *                                     "m. [登録担当者]  XX000JP", "n. [技術連絡担当者]
 *                                     XX000JP": contact handles that a second query
 *                                     ("XX000JP") turns into "d. [電子メイル]  ...".
 * So a line is an optional "x. " item letter, "[Key]", blanks and the value; the banner
 * ("[ JPRS database provides ... ]") has a blank after the '[' and is skipped, as are
 * headings ("Domain Information: [ドメイン情報]") and continuation lines. A line that opens
 * a key ('[' after the item letter) without closing it is rejected as FILE:LINE.
 */
#include <string.h>

#include "sites/sites.h"
#include "sites/sites_int.h"

#define WHOIS_LINE_MAX 1024

static int key_is(const char *k, size_t kn, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == kn && memcmp(k, *names, kn) == 0)
			return 1;
	return 0;
}

static const char *const email_keys[] = { "Email", "E-Mail", "電子メイル", "電子メール", NULL };
static const char *const handle_keys[] = { "登録担当者", "技術連絡担当者", "Administrative Contact",
					   "Technical Contact", NULL };
static const char *const record_keys[] = { "Domain Name", "ドメイン名", "JPNICハンドル",
					   "JPNIC Handle", NULL };

int sites_whoisjp_parse(const char *text, size_t len, const char *file, isp_reject_fn rej, void *ud,
			struct sites_whoisjp *out)
{
	struct sites_lines l = { text, file, len, 0, 0 };
	const char *line, *close, *v;
	size_t n, kn, vn;

	memset(out, 0, sizeof(*out));
	while (sites_line(&l, WHOIS_LINE_MAX, rej, ud, &line, &n)) {
		if (n >= 9 && memcmp(line, "No match!", 9) == 0)
			continue;
		/* "m. [" item letter */
		if (n >= 4 && line[0] >= 'a' && line[0] <= 'z' && line[1] == '.' && line[2] == ' ')
			line += 3, n -= 3;
		if (n == 0 || line[0] != '[' || (n >= 2 && line[1] == ' '))
			continue; /* heading, banner, free text, continuation */
		close = memchr(line, ']', n);
		if (!close) {
			sites_reject(rej, ud, file, l.lineno, -1, "'[' without ']'");
			continue;
		}
		kn = (size_t)(close - line - 1);
		v = close + 1;
		vn = n - kn - 2;
		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		if (key_is(line + 1, kn, record_keys)) {
			out->found = 1;
		} else if (key_is(line + 1, kn, email_keys)) {
			if (vn && sites_emails_add(&out->emails, v, vn) < 0)
				sites_reject(rej, ud, file, l.lineno, -1,
					     "[Email] is not a usable address");
		} else if (key_is(line + 1, kn, handle_keys) && vn) {
			int ok = vn < SITES_HANDLE_MAX, dup = 0;

			for (size_t i = 0; ok && i < vn; i++)
				ok = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
				     (v[i] >= 'a' && v[i] <= 'z') || v[i] == '-';
			if (!ok) {
				sites_reject(rej, ud, file, l.lineno, -1,
					     "contact handle is not [A-Za-z0-9-]");
				continue;
			}
			for (int i = 0; i < out->nhandles; i++)
				dup |= strlen(out->handles[i]) == vn &&
				       memcmp(out->handles[i], v, vn) == 0;
			if (!dup && out->nhandles < SITES_MAX_HANDLES) {
				memcpy(out->handles[out->nhandles], v, vn);
				out->handles[out->nhandles++][vn] = '\0';
			}
		}
	}
	return 0;
}
