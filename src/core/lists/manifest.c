/*
 * manifest.c -- see manifest.h. A line splitter over a bounded buffer and one parser
 * per keyword; every rejection is reported with its line and counted, and any count
 * fails the whole manifest.
 */
#include "core/lists/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"

#define LINE_MAX_LEN 512
#define MAX_WORDS    8

struct pctx {
	const char *file;
	listfmt_reject_fn on_reject;
	void *ud;
	long rejected;
	int seen_feed, seen_seq, seen_created;
};

static void reject(struct pctx *p, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct pctx *p, long line, const char *fmt, ...)
{
	struct isp_err e;
	char msg[ISP_ERR_MSG];
	va_list ap;

	p->rejected++;
	if (!p->on_reject)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	isp_err_clear(&e);
	isp_err_at(&e, ISR_EFORMAT, p->file, line, -1, "%s", msg);
	p->on_reject(p->ud, &e);
}

int manifest_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= MANIFEST_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int parse_sha(const char *s, uint8_t out[SHA256_LEN])
{
	size_t i;

	/* lower-case hex only, as manifests are written */
	if (strlen(s) != (size_t)2 * SHA256_LEN || strspn(s, "0123456789abcdef") != strlen(s))
		return -1;
	for (i = 0; i < SHA256_LEN; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

_Static_assert(offsetof(struct manifest_list, name) == 0, "str_find_named: name first");

const struct manifest_list *manifest_find(const struct manifest *m, const char *name)
{
	return str_find_named(m->lists, m->nlists, sizeof(m->lists[0]), name);
}

/* Split buf in place at spaces/tabs; returns the word count (MAX_WORDS + 1 = too many). */
static size_t split_words(char *buf, char *w[MAX_WORDS])
{
	size_t n = 0;
	char *p = buf;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			return n;
		if (n == MAX_WORDS)
			return MAX_WORDS + 1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
}

static void parse_list(struct pctx *p, struct manifest *m, long line, char **w, size_t n)
{
	struct manifest_list l;
	size_t i;
	int fmt;

	memset(&l, 0, sizeof(l));
	if (n != 7) {
		reject(p, line, "%s: expected: list NAME KIND FORMAT FILE SIZE SHA256", "list");
		return;
	}
	if (!manifest_name_ok(w[1])) {
		reject(p, line, "list name '%.64s': 1-63 of [A-Za-z0-9._-], not starting with '.'",
		       w[1]);
		return;
	}
	memcpy(l.name, w[1], strlen(w[1]) + 1);
	l.kind = list_kind_parse(w[2]);
	if (l.kind == LIST_KIND_NONE) {
		reject(p, line, "kind '%.32s': expected domain, url or ip", w[2]);
		return;
	}
	fmt = listfmt_parse_name(w[3]);
	if (fmt <= (int)LISTFMT_AUTO) {
		reject(p, line,
		       "format '%.32s': expected plain, hosts, rpz, urlhaus, feodo, csv, stix or "
		       "misp",
		       w[3]);
		return;
	}
	l.format = (enum list_format)fmt;
	if (!manifest_name_ok(w[4])) {
		reject(p, line, "file name '%.64s': 1-63 of [A-Za-z0-9._-], not starting with '.'",
		       w[4]);
		return;
	}
	memcpy(l.file, w[4], strlen(w[4]) + 1);
	if (parse_u64(w[5], &l.size) != 0) {
		reject(p, line, "size '%.32s': not a number of bytes", w[5]);
		return;
	}
	if (parse_sha(w[6], l.sha256) != 0) {
		reject(p, line, "sha256 '%.70s': expected 64 lowercase hex digits", w[6]);
		return;
	}
	for (i = 0; i < m->nlists; i++) {
		if (strcmp(m->lists[i].name, l.name) == 0) {
			reject(p, line, "list %s listed twice", l.name);
			return;
		}
		if (strcmp(m->lists[i].file, l.file) == 0) {
			reject(p, line, "file %s listed twice", l.file);
			return;
		}
	}
	if (m->nlists == MANIFEST_MAX_LISTS) {
		reject(p, line, "%s: more than 64 lists", "list");
		return;
	}
	m->lists[m->nlists++] = l;
}

static void parse_line(struct pctx *p, struct manifest *m, long line, char *buf)
{
	char *w[MAX_WORDS];
	size_t n = split_words(buf, w);
	uint64_t v;

	if (n == 0 || w[0][0] == '#')
		return;
	if (n > MAX_WORDS) {
		reject(p, line, "%s: too many fields", "line");
		return;
	}
	if (strcmp(w[0], "list") == 0) {
		parse_list(p, m, line, w, n);
	} else if (strcmp(w[0], "feed") == 0) {
		if (n != 2 || !manifest_name_ok(w[1]) || p->seen_feed) {
			reject(p, line, "%s: expected one 'feed NAME' (NAME: [A-Za-z0-9._-])",
			       "feed");
			return;
		}
		memcpy(m->feed, w[1], strlen(w[1]) + 1);
		p->seen_feed = 1;
	} else if (strcmp(w[0], "sequence") == 0) {
		if (n != 2 || parse_u64(w[1], &v) != 0 || p->seen_seq) {
			reject(p, line, "%s: expected one 'sequence N'", "sequence");
			return;
		}
		m->sequence = v;
		p->seen_seq = 1;
	} else if (strcmp(w[0], "created") == 0) {
		if (n != 2 || parse_u64(w[1], &v) != 0 || v > INT64_MAX || p->seen_created) {
			reject(p, line, "%s: expected one 'created UNIX-SECONDS'", "created");
			return;
		}
		m->created = (int64_t)v;
		p->seen_created = 1;
	} else {
		reject(p, line, "unknown keyword '%.32s'", w[0]);
	}
}

int manifest_parse(const char *data, size_t len, const char *filename, struct manifest *m,
		   listfmt_reject_fn on_reject, void *ud, struct isp_err *err)
{
	static const char magic[] = "ispshield-manifest 1";
	struct pctx p;
	char buf[LINE_MAX_LEN + 1];
	size_t pos = 0;
	long line = 0;

	memset(m, 0, sizeof(*m));
	memset(&p, 0, sizeof(p));
	p.file = filename;
	p.on_reject = on_reject;
	p.ud = ud;
	if (len > MANIFEST_MAX_BYTES)
		return isp_err_at(err, ISR_ELIMIT, filename, 0, (long long)MANIFEST_MAX_BYTES,
				  "manifest larger than %d bytes", MANIFEST_MAX_BYTES);
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;

		line++;
		if (n && data[pos + n - 1] == '\r')
			n--;
		if (line == 1) {
			if (n != sizeof(magic) - 1 || memcmp(data, magic, n) != 0)
				return isp_err_at(err, ISR_EFORMAT, filename, 1, 0,
						  "not an ispshield manifest (first line must be "
						  "'%s')",
						  magic);
		} else if (n > LINE_MAX_LEN || memchr(data + pos, '\0', n)) {
			reject(&p, line, "%s: line too long or holds a NUL byte", "line");
		} else {
			memcpy(buf, data + pos, n);
			buf[n] = '\0';
			parse_line(&p, m, line, buf);
		}
		pos += (nl ? (size_t)(nl - (data + pos)) + 1 : len - pos);
	}
	if (line == 0)
		return isp_err_at(err, ISR_EFORMAT, filename, 1, 0, "empty manifest");
	if (p.rejected)
		return isp_err_at(err, ISR_EFORMAT, filename, 0, -1,
				  "%ld line(s) rejected: the manifest is not used", p.rejected);
	if (!p.seen_feed || !p.seen_seq)
		return isp_err_at(err, ISR_EFORMAT, filename, 0, -1,
				  "the manifest lacks its 'feed' or 'sequence' line");
	return 0;
}

int manifest_write(const struct manifest *m, FILE *f, struct isp_err *err)
{
	char hex[2 * SHA256_LEN + 1];
	size_t i;

	fprintf(f, "ispshield-manifest 1\nfeed %s\nsequence %" PRIu64 "\ncreated %" PRId64 "\n",
		m->feed, m->sequence, m->created);
	for (i = 0; i < m->nlists; i++) {
		const struct manifest_list *l = &m->lists[i];

		sha256_hex(l->sha256, hex);
		fprintf(f, "list %s %s %s %s %" PRIu64 " %s\n", l->name, list_kind_name(l->kind),
			listfmt_name(l->format), l->file, l->size, hex);
	}
	if (fflush(f) != 0 || ferror(f))
		return isp_err_set(err, ISR_EIO, "writing the manifest: %s", strerror(errno));
	return 0;
}
