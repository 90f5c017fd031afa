/*
 * jsonout.c -- JSON output through jansson (see jsonout.h): bytes made valid UTF-8,
 * rounded reals, one dump function, and arrays streamed one element at a time.
 *
 * The streamed array writes only punctuation of its own ("[", ",", "]", "}" and the
 * member name through jansson's string encoder); every value in it, and the members of
 * the object before it, are dumped by jansson.
 */
#include "core/base/jsonout.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"

#define REAL_FLAGS JSON_REAL_PRECISION(JSONOUT_REAL_DIGITS)

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0; /* a continuation byte, an overlong lead (c0, c1) or f5..ff */
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int jsonout_utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

json_t *jsonout_strn(const char *s, size_t n)
{
	static const char repl[3] = { '\xef', '\xbf', '\xbd' }; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, k;
	json_t *v;
	char *b;

	if (!s)
		return json_string("");
	if (jsonout_utf8_ok(s, n))
		return json_stringn(s, n);
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	b = malloc(n * 3 + 1); /* at worst every byte becomes three */
	if (!b)
		return NULL;
	while (i < n) {
		k = utf8_seq(p + i, n - i);
		if (k) {
			memcpy(b + o, p + i, k);
			o += k;
			i += k;
		} else {
			b[o++] = repl[0];
			b[o++] = repl[1];
			b[o++] = repl[2];
			i++;
		}
	}
	v = json_stringn(b, o);
	free(b);
	return v;
}

json_t *jsonout_str(const char *s)
{
	return jsonout_strn(s ? s : "", s ? strlen(s) : 0);
}

json_t *jsonout_real(double v, int places)
{
	double m = 1;
	int i;

	if (!isfinite(v))
		return json_null();
	for (i = 0; i < places && i < 9; i++)
		m *= 10;
	return json_real(round(v * m) / m);
}

int jsonout_dumpf(json_t *v, FILE *f, size_t flags)
{
	int rc = 0;

	if (!v)
		return ISR_ENOMEM;
	if (json_dumpf(v, f, flags | REAL_FLAGS | JSON_ENCODE_ANY) != 0 || fputc('\n', f) == EOF)
		rc = ISR_EIO;
	json_decref(v);
	return rc;
}

static void put(struct jsonout_seq *q, const char *s, size_t n)
{
	if (!q->err && n && fwrite(s, 1, n, q->f) != n)
		q->err = ISR_EIO;
}

static void put_str(struct jsonout_seq *q, const char *s)
{
	put(q, s, strlen(s));
}

/* A newline and the indentation of level (nothing in a compact document). */
static void newline(struct jsonout_seq *q, int level)
{
	static const char sp[] = "                                ";
	int n = q->indent * level;

	if (!q->indent)
		return;
	put(q, "\n", 1);
	while (n > 0) {
		int k = n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1;

		put(q, sp, (size_t)k);
		n -= k;
	}
}

/* Dump v (any value) with flags and write it; releases v. */
static void put_value(struct jsonout_seq *q, json_t *v, size_t flags)
{
	char *t;

	if (!v) {
		if (!q->err)
			q->err = ISR_ENOMEM;
		return;
	}
	t = json_dumps(v, flags | REAL_FLAGS | JSON_ENCODE_ANY);
	json_decref(v);
	if (!t) {
		if (!q->err)
			q->err = ISR_ENOMEM;
		return;
	}
	put_str(q, t);
	free(t);
}

void jsonout_seq_open(struct jsonout_seq *q, FILE *f, json_t *head, const char *key, size_t flags)
{
	memset(q, 0, sizeof(*q));
	q->f = f;
	q->flags = flags;
	q->indent = (int)(flags & JSON_MAX_INDENT);
	if (head) {
		char *t = json_is_object(head) ? json_dumps(head, flags | REAL_FLAGS) : NULL;
		size_t n = t ? strlen(t) : 0;
		int members = json_object_size(head) > 0;

		json_decref(head);
		if (!t || n < 2 || t[n - 1] != '}') {
			free(t);
			q->err = ISR_ENOMEM;
			return;
		}
		/* the members without the closing brace (and the newline before it) */
		n--;
		while (n > 1 && (t[n - 1] == '\n' || t[n - 1] == ' '))
			n--;
		put(q, t, n);
		free(t);
		if (members)
			put(q, ",", 1);
		newline(q, 1);
		put_value(q, json_string(key), 0);
		put_str(q, (flags & JSON_COMPACT) ? ":[" : ": [");
		q->in_object = 1;
	} else {
		put(q, "[", 1);
	}
}

int jsonout_seq_add(struct jsonout_seq *q, json_t *item)
{
	if (q->err) {
		json_decref(item);
		return q->err;
	}
	if (q->n++)
		put(q, ",", 1);
	newline(q, q->in_object ? 2 : 1);
	/* one element on one line: jansson's separators without newlines */
	put_value(q, item, q->indent ? 0 : (q->flags & JSON_COMPACT));
	return q->err;
}

int jsonout_seq_close(struct jsonout_seq *q)
{
	if (q->n)
		newline(q, q->in_object ? 1 : 0);
	put(q, "]", 1);
	if (q->in_object) {
		newline(q, 0);
		put(q, "}", 1);
	}
	put(q, "\n", 1);
	return q->err;
}
