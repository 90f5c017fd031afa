/*
 * subfmt.c -- the subscriber directory reader (subfmt.h). Records come from the shared
 * CSV record reader (core/base/csv.h: byte-order mark, CRLF, quoted line breaks).
 */
#include <stdio.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/base/csv.h"
#include "core/base/linereader.h"
#include "core/sessions/subfmt.h"
#include "core/base/timefmt.h"
#include "core/store/store_notify.h"

#define MAX_FIELDS 64

enum col { C_ID, C_EMAIL, C_LANG, C_CONSENT, C_OOF, C_OON, C_PROFILE, C_N };
static const struct csv_col cols[C_N] = {
	[C_ID] = { (const char *const[]){ "id", NULL }, 1 },
	[C_EMAIL] = { (const char *const[]){ "email", NULL }, 0 },
	[C_LANG] = { (const char *const[]){ "language", NULL }, 0 },
	[C_CONSENT] = { (const char *const[]){ "consent", NULL }, 0 },
	[C_OOF] = { (const char *const[]){ "opt_out_filtering", NULL }, 0 },
	[C_OON] = { (const char *const[]){ "opt_out_notices", NULL }, 0 },
	[C_PROFILE] = { (const char *const[]){ "profile", NULL }, 0 },
};

/* A profile name: letters, digits, - _ . (as [profile.NAME] takes), at most 63 bytes. */
static int valid_profile(const char *s, size_t n)
{
	return n == 0 || str_is_name(s, n, STORE_PROFILE_MAX);
}

static int valid_email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t i;

	if (!at || at == s || at == s + n - 1 || memchr(at + 1, '@', (size_t)(s + n - at - 1)) ||
	    n > 254)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' || s[i] == ',' ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

static int field_time(const struct csv_field *f, int64_t *out)
{
	*out = 0;
	if (!f || !f->len)
		return 0;
	return time_parse(f->s, f->len, out);
}

/* Why row fv cannot be a subscriber, or NULL; fills s when it can. */
static const char *row(const struct csv_field *const fv[C_N], struct store_subscriber *s)
{
	const struct csv_field *id = fv[C_ID], *em = fv[C_EMAIL], *lang = fv[C_LANG];

	memset(s, 0, sizeof(*s));
	if (!id || !id->len)
		return "no id";
	if (id->len >= sizeof(s->id) || strlen(id->s) != id->len)
		return "id longer than 127 bytes or with a NUL byte";
	if (em && em->len && !valid_email(em->s, em->len))
		return "not an e-mail address";
	if (lang && lang->len && strcmp(lang->s, "ja") != 0 && strcmp(lang->s, "en") != 0)
		return "language must be ja or en";
	if (fv[C_PROFILE] && fv[C_PROFILE]->len &&
	    !valid_profile(fv[C_PROFILE]->s, fv[C_PROFILE]->len))
		return "profile must be letters, digits, - _ . (at most 63)";
	if (field_time(fv[C_CONSENT], &s->consent) ||
	    field_time(fv[C_OOF], &s->opt_out_filtering) ||
	    field_time(fv[C_OON], &s->opt_out_notices))
		return "a date that is not ISO 8601 or unix seconds";
	memcpy(s->id, id->s, id->len + 1);
	if (em && em->len)
		memcpy(s->email, em->s, em->len + 1);
	snprintf(s->language, sizeof(s->language), "%s", lang && lang->len ? lang->s : "ja");
	if (fv[C_PROFILE] && fv[C_PROFILE]->len)
		memcpy(s->profile, fv[C_PROFILE]->s, fv[C_PROFILE]->len + 1);
	return NULL;
}

int subfmt_read(FILE *f, const char *filename, subfmt_fn fn, subfmt_reject_fn on_reject, void *ud,
		struct subfmt_stats *stats, struct isp_err *err)
{
	struct csv_field fields[MAX_FIELDS];
	struct subfmt_stats st = { 0, 0, 0 };
	struct lr *r = lr_new(f, SUBFMT_LINE_MAX);
	struct csv_reader *cr = r ? csv_reader_new(r, SUBFMT_LINE_MAX) : NULL;
	struct isp_err rej;
	struct lr_line ln;
	int map[C_N], have_header = 0, rc, i;
	size_t nf;

	if (!cr) {
		lr_free(r);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	while ((rc = csv_next(cr, &ln, err)) > 0) {
		const struct csv_field *fv[C_N];
		struct store_subscriber s;
		const char *why;

		st.lines++;
		isp_err_clear(&rej);
		if (ln.too_long) {
			if (!have_header)
				break;
			isp_err_at(&rej, ISR_ELIMIT, filename, ln.lineno, ln.offset,
				   "line longer than %d bytes", SUBFMT_LINE_MAX);
			goto reject;
		}
		if (ln.len == 0 || ln.text[0] == '#')
			continue;
		if (csv_split(ln.text, ln.len, fields, MAX_FIELDS, &nf, &rej) != 0) {
			if (!have_header)
				break;
			isp_err_at(&rej, rej.code, filename, ln.lineno, ln.offset, "%s", rej.msg);
			goto reject;
		}
		if (!have_header) {
			if (csv_map_header(cols, C_N, fields, nf, 0, map, NULL) != 0)
				break;
			have_header = 1;
			continue;
		}
		for (i = 0; i < C_N; i++)
			fv[i] = map[i] >= 0 && (size_t)map[i] < nf ? &fields[map[i]] : NULL;
		why = row(fv, &s);
		if (why) {
			isp_err_at(&rej, ISR_EINVAL, filename, ln.lineno, ln.offset, "%s", why);
			goto reject;
		}
		st.rows++;
		rc = fn(ud, &s);
		if (rc)
			break;
		continue;
	reject:
		st.rejected++;
		if (on_reject)
			on_reject(ud, &rej);
	}
	csv_reader_free(cr);
	lr_free(r);
	if (stats)
		*stats = st;
	if (rc > 0 && !have_header)
		return isp_err_at(err, ISR_EFORMAT, filename, ln.lineno, ln.offset,
				  "the header names no 'id' column (expected id, email, language, "
				  "...)");
	if (rc < 0)
		return rc;
	if (rc > 0)
		return rc;
	if (!have_header)
		return isp_err_at(err, ISR_EFORMAT, filename, 0, -1, "no header line");
	return 0;
}

struct import_ctx {
	struct store *st;
	struct isp_err *err;
	subfmt_reject_fn on_reject;
	void *ud;
};

static int import_put(void *ud, const struct store_subscriber *s)
{
	struct import_ctx *x = ud;

	return store_subscriber_put(x->st, s, x->err);
}

static void import_reject(void *ud, const struct isp_err *e)
{
	struct import_ctx *x = ud;

	if (x->on_reject)
		x->on_reject(x->ud, e);
}

int subfmt_import(struct store *st, FILE *f, const char *filename, subfmt_reject_fn on_reject,
		  void *ud, struct subfmt_stats *stats, struct isp_err *err)
{
	struct import_ctx x = { st, err, on_reject, ud };
	int rc = store_begin(st, err);

	if (rc == 0)
		rc = subfmt_read(f, filename, import_put, import_reject, &x, stats, err);
	if (rc == 0)
		rc = store_commit(st, err);
	if (rc)
		store_rollback(st);
	return rc;
}
