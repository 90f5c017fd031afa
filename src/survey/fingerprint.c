/*
 * fingerprint.c -- router fingerprints are data, not code: a file of sections, one per
 * model, each naming the vendor, model, firmware, whether it is vulnerable and the advice
 * key for the notice, and the conditions a response must meet (title, Server header,
 * WWW-Authenticate realm, status, body strings: case-insensitive substrings, all must
 * hold). Example (data/survey/fingerprints.txt):
 *
 *	[examplenet-br500]
 *	vendor = ExampleNet
 *	model = BR-500
 *	firmware = 1.0.x
 *	vulnerable = yes
 *	advice = update-firmware
 *	title = BR-500 Setup
 *	body = PPPoE
 *
 * A file with any error is refused whole, with FILE:LINE: reason (fail closed).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "survey/survey.h"

#define FP_MAX	   4096
#define FP_LINEMAX 1024
#define FP_FILEMAX (4 << 20)

static int ferr(struct isp_err *err, const char *name, long line, const char *msg, const char *k)
{
	return isp_err_at(err, ISR_EFORMAT, name, line, -1, "%s%s%s", msg, k ? ": " : "",
			  k ? k : "");
}

static int copy(char *dst, size_t dsz, const char *v, size_t vl)
{
	if (vl >= dsz)
		return -1;
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return 0;
}

static int finish(const struct survey_fp *fp, const char *name, long line, struct isp_err *err)
{
	if (!fp)
		return 0;
	if (!fp->vendor[0])
		return ferr(err, name, line, "fingerprint has no vendor", fp->id);
	if (!fp->title[0] && !fp->server[0] && !fp->realm[0] && fp->nbody == 0)
		return ferr(err, name, line,
			    "fingerprint has no condition (title, server, realm, body)", fp->id);
	return 0;
}

static const char *trim(const char *s, const char *e, const char **end)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*end = e;
	return s;
}

static int set_key(struct survey_fp *fp, const char *k, size_t kl, const char *v, size_t vl)
{
#define KEY(n) (kl == sizeof(n) - 1 && memcmp(k, n, kl) == 0)
	if (KEY("vendor"))
		return copy(fp->vendor, sizeof(fp->vendor), v, vl);
	if (KEY("model"))
		return copy(fp->model, sizeof(fp->model), v, vl);
	if (KEY("firmware"))
		return copy(fp->firmware, sizeof(fp->firmware), v, vl);
	if (KEY("advice"))
		return copy(fp->advice, sizeof(fp->advice), v, vl);
	if (KEY("title"))
		return vl ? copy(fp->title, sizeof(fp->title), v, vl) : -1;
	if (KEY("server"))
		return vl ? copy(fp->server, sizeof(fp->server), v, vl) : -1;
	if (KEY("realm"))
		return vl ? copy(fp->realm, sizeof(fp->realm), v, vl) : -1;
	if (KEY("body")) {
		if (fp->nbody >= SURVEY_FP_MAX_MATCH || !vl)
			return -1;
		return copy(fp->body[fp->nbody++], SURVEY_FP_STR, v, vl);
	}
	if (KEY("vulnerable")) {
		if (vl == 3 && memcmp(v, "yes", 3) == 0)
			fp->vulnerable = 1;
		else if (vl == 2 && memcmp(v, "no", 2) == 0)
			fp->vulnerable = 0;
		else
			return -1;
		return 0;
	}
	if (KEY("status")) {
		char num[8];
		char *e;
		long s;

		if (copy(num, sizeof(num), v, vl) != 0)
			return -1;
		s = strtol(num, &e, 10);
		if (*e || s < 100 || s > 599)
			return -1;
		fp->status = (int)s;
		return 0;
	}
#undef KEY
	return -2;
}

int survey_fps_parse(struct survey_fps *f, const char *name, const char *buf, size_t len,
		     struct isp_err *err)
{
	const char *p = buf, *end = buf + len;
	struct survey_fp *cur = NULL;
	long line = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s, *e;

		line++;
		if (le - p > FP_LINEMAX) {
			rc = ferr(err, name, line, "line too long", NULL);
			goto fail;
		}
		if (memchr(p, '\0', (size_t)(le - p))) {
			rc = ferr(err, name, line, "NUL byte", NULL);
			goto fail;
		}
		s = trim(p, le, &e);
		p = nl ? nl + 1 : end;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *ie;

			if (e[-1] != ']' || e - s < 3) {
				rc = ferr(err, name, line, "bad section header", NULL);
				goto fail;
			}
			rc = finish(cur, name, line - 1, err);
			if (rc)
				goto fail;
			if (f->n >= FP_MAX) {
				rc = ferr(err, name, line, "too many fingerprints", NULL);
				goto fail;
			}
			if (mem_grow_from((void **)&f->fp, &f->cap, f->n + 1, sizeof(*f->fp), 16)) {
				rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
				goto fail;
			}
			cur = &f->fp[f->n++];
			memset(cur, 0, sizeof(*cur));
			s = trim(s + 1, e - 1, &ie);
			if (s == ie || copy(cur->id, sizeof(cur->id), s, (size_t)(ie - s)) != 0) {
				rc = ferr(err, name, line, "bad fingerprint name", NULL);
				goto fail;
			}
			continue;
		}
		{
			const char *eq = memchr(s, '=', (size_t)(e - s)), *ke, *v, *ve;
			char key[32];

			if (!eq) {
				rc = ferr(err, name, line, "expected KEY = VALUE", NULL);
				goto fail;
			}
			if (!cur) {
				rc = ferr(err, name, line, "key before the first [fingerprint]",
					  NULL);
				goto fail;
			}
			s = trim(s, eq, &ke);
			v = trim(eq + 1, e, &ve);
			rc = set_key(cur, s, (size_t)(ke - s), v, (size_t)(ve - v));
			if (rc) {
				snprintf(key, sizeof(key), "%.*s", (int)(ke - s), s);
				rc = ferr(err, name, line,
					  rc == -2 ? "unknown key" : "bad or too long value", key);
				goto fail;
			}
		}
	}
	rc = finish(cur, name, line, err);
	if (rc)
		goto fail;
	return 0;
fail:
	survey_fps_free(f);
	return rc;
}

int survey_fps_load(struct survey_fps *f, const char *path, struct isp_err *err)
{
	char *buf;
	size_t n;
	int rc;

	memset(f, 0, sizeof(*f));
	rc = fs_read_file(path, FP_FILEMAX, &buf, &n, err);
	if (rc)
		return rc;
	rc = survey_fps_parse(f, path, buf, n, err);
	free(buf);
	return rc;
}

void survey_fps_free(struct survey_fps *f)
{
	free(f->fp);
	memset(f, 0, sizeof(*f));
}

/* Case-insensitive substring. */
static int contains(const char *h, size_t hl, const char *n)
{
	size_t nl = strlen(n), i;

	if (nl == 0)
		return 1;
	for (i = 0; i + nl <= hl; i++)
		if (strncasecmp(h + i, n, nl) == 0)
			return 1;
	return 0;
}

const struct survey_fp *survey_fps_match(const struct survey_fps *f,
					 const struct survey_http_resp *r)
{
	size_t i;
	int k;

	if (r->status == 0)
		return NULL;
	for (i = 0; i < f->n; i++) {
		const struct survey_fp *fp = &f->fp[i];

		if (fp->status && fp->status != r->status)
			continue;
		if (fp->title[0] && !contains(r->title, strlen(r->title), fp->title))
			continue;
		if (fp->server[0] && !contains(r->server, strlen(r->server), fp->server))
			continue;
		if (fp->realm[0] && !contains(r->realm, strlen(r->realm), fp->realm))
			continue;
		for (k = 0; k < fp->nbody; k++)
			if (!contains(r->body, r->body_len, fp->body[k]))
				break;
		if (k < fp->nbody)
			continue;
		return fp;
	}
	return NULL;
}
