/*
 * rpzdata.c -- the local data of an RPZ entry, text form to wire form (see rpzdata.h).
 *
 * One pass over the text, one record a line, written through a bounded cursor that
 * only counts once out is full or NULL: the same function checks text at import and
 * encodes it when the snapshot is built.
 */
#include "core/lists/rpzdata.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/base/strbuf.h"

#define T_A	1
#define T_CNAME 5
#define T_TXT	16
#define T_AAAA	28

struct wcur {
	uint8_t *out;
	size_t size, len;
};

static void put(struct wcur *w, const void *p, size_t n)
{
	if (w->out && w->len + n <= w->size)
		memcpy(w->out + w->len, p, n);
	w->len += n;
}

static void put16(struct wcur *w, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static int fail(char *msg, size_t msgsz, const char *why, const char *rec, size_t n)
{
	if (msg && msgsz)
		snprintf(msg, msgsz, "local data '%.*s': %s", (int)(n > 60 ? 60 : n), rec, why);
	return -1;
}

/* A host name with its final dot: letters, digits, '-', '_', labels 1..63. Writes the
 * wire form. 0 or -1. */
static int put_name(struct wcur *w, const char *s, size_t n)
{
	size_t i, st = 0, wire = 1;

	if (n < 2 || s[n - 1] != '.')
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == st || i - st > 63)
				return -1;
			wire += 1 + (i - st);
			st = i + 1;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			return -1;
		}
	}
	if (wire > 255)
		return -1;
	put16(w, (unsigned)wire);
	st = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			uint8_t l = (uint8_t)(i - st);

			put(w, &l, 1);
			put(w, s + st, i - st);
			st = i + 1;
		}
	}
	put(w, "", 1);
	return 0;
}

/* The quoted strings of a TXT record; writes rdlength and the character-strings. */
static int put_txt(struct wcur *w, const char *s, size_t n, const char **why)
{
	uint8_t str[256];
	size_t i = 0, total = 0, lenpos, k;
	unsigned v;

	lenpos = w->len;
	put16(w, 0); /* patched below */
	while (i < n) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		if (s[i] != '"') {
			*why = "TXT data must be quoted strings";
			return -1;
		}
		i++;
		k = 0;
		while (i < n && s[i] != '"') {
			unsigned char c = (unsigned char)s[i];

			if (c == '\\' && i + 1 < n) {
				if (s[i + 1] >= '0' && s[i + 1] <= '9') {
					if (i + 3 >= n || s[i + 2] < '0' || s[i + 2] > '9' ||
					    s[i + 3] < '0' || s[i + 3] > '9') {
						*why = "bad \\DDD escape";
						return -1;
					}
					v = (unsigned)((s[i + 1] - '0') * 100 +
						       (s[i + 2] - '0') * 10 + (s[i + 3] - '0'));
					if (v > 255) {
						*why = "bad \\DDD escape";
						return -1;
					}
					c = (unsigned char)v;
					i += 4;
				} else {
					c = (unsigned char)s[i + 1];
					i += 2;
				}
			} else if (c < 0x20 || c == 0x7f) {
				*why = "control character in a TXT string";
				return -1;
			} else {
				i++;
			}
			if (k == 255) {
				*why = "TXT string longer than 255 bytes";
				return -1;
			}
			str[k++] = c;
		}
		if (i >= n) {
			*why = "unterminated TXT string";
			return -1;
		}
		i++;
		if (i < n && s[i] != ' ') {
			*why = "TXT strings must be separated by a blank";
			return -1;
		}
		{
			uint8_t l = (uint8_t)k;

			put(w, &l, 1);
			put(w, str, k);
		}
		total += 1 + k;
	}
	if (total == 0) {
		*why = "TXT record without a string";
		return -1;
	}
	if (total > 65535) {
		*why = "TXT record too long";
		return -1;
	}
	if (w->out && lenpos + 2 <= w->size) {
		w->out[lenpos] = (uint8_t)(total >> 8);
		w->out[lenpos + 1] = (uint8_t)total;
	}
	return 0;
}

int rpzdata_encode(const char *text, size_t len, uint8_t *out, size_t size, char *msg, size_t msgsz)
{
	struct wcur w = { out, size, 0 };
	size_t i = 0;

	if (len == 0)
		return fail(msg, msgsz, "empty", "", 0);
	if (len > RPZDATA_MAX)
		return fail(msg, msgsz, "longer than 4096 bytes", text, len);
	while (i < len) {
		const char *rec = text + i, *sp, *eol = memchr(text + i, '\n', len - i);
		size_t rl = eol ? (size_t)(eol - rec) : len - i, tl, dl;
		const char *d, *why = NULL;
		char addr[64];
		uint8_t bin[16];

		i += rl + (eol ? 1 : 0);
		sp = memchr(rec, ' ', rl);
		if (!sp || sp == rec || (size_t)(sp - rec) + 1 >= rl)
			return fail(msg, msgsz, "expected TYPE DATA", rec, rl);
		tl = (size_t)(sp - rec);
		d = sp + 1;
		dl = rl - tl - 1;
		if (str_eq_nocase(rec, tl, "A") || str_eq_nocase(rec, tl, "AAAA")) {
			int v6 = tl == 4;

			if (dl >= sizeof(addr))
				return fail(msg, msgsz, "bad address", rec, rl);
			memcpy(addr, d, dl);
			addr[dl] = '\0';
			if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
				return fail(msg, msgsz,
					    v6 ? "bad IPv6 address" : "bad IPv4 address", rec, rl);
			put16(&w, v6 ? T_AAAA : T_A);
			put16(&w, v6 ? 16 : 4);
			put(&w, bin, v6 ? 16 : 4);
		} else if (str_eq_nocase(rec, tl, "CNAME")) {
			put16(&w, T_CNAME);
			if (put_name(&w, d, dl) < 0)
				return fail(msg, msgsz,
					    "CNAME target must be an absolute host name (a.b.)",
					    rec, rl);
		} else if (str_eq_nocase(rec, tl, "TXT")) {
			put16(&w, T_TXT);
			if (put_txt(&w, d, dl, &why) < 0)
				return fail(msg, msgsz, why, rec, rl);
		} else {
			return fail(msg, msgsz, "type not supported (A, AAAA, TXT, CNAME)", rec,
				    rl);
		}
	}
	if (w.len > RPZDATA_WIRE_MAX)
		return fail(msg, msgsz, "longer than 4096 bytes on the wire", text, len);
	if (out && w.len > size)
		return fail(msg, msgsz, "output buffer too small", text, len);
	return (int)w.len;
}
