/*
 * sessfmt_lease.c -- the DHCP lease readers: ISC dhcpd `dhcpd.leases` and Kea memfile
 * lease CSV (leases4 and leases6). See sessfmt.h for the formats.
 *
 * dhcpd: a small tokeniser (words, quoted strings with octal escapes, ';', '{', '}', '#'
 * comments) feeds statements, copied into one fixed buffer since a statement may span
 * lines; blocks are tracked by depth only, so skipped blocks cost nothing. Choices: only
 * IPv4 `lease` blocks are read; dhcpd6 ia-na/ia-ta/ia-pd blocks, host, failover,
 * class/subclass blocks and top-level statements (server-duid, authoring-byte-order,
 * db-time-format) are skipped and counted in stats.skipped, as are lease blocks in
 * binding state abandoned or backup and leases that name no client (no circuit-id, uid
 * or hardware address: pool entries). A `lease` block opened before the previous block
 * was closed (a cut file with leases appended) rejects the cut block. Binary identifiers
 * (quoted strings with unprintable bytes, "1:0:16" hex) are given as "01:00:16".
 *
 * kea: header-named columns; rows in state 1 (declined) are skipped; the circuit-id is
 * found by a small scan of user_context's JSON (after Kea's "&#xHH" escapes are undone)
 * for a "circuit-id" key with a string value at any depth.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/sessions/sessfmt_int.h"

/* ---- dhcpd ---- */

/* Bytes s[0..n) as "aa:bb:.." into out (3 * n bytes at most). */
static void hex_bytes(const unsigned char *s, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;
	size_t k = 0;

	for (i = 0; i < n; i++) {
		if (i > 0)
			out[k++] = ':';
		out[k++] = hx[s[i] >> 4];
		out[k++] = hx[s[i] & 15];
	}
	out[k] = '\0';
}

#define DH_MAXTOK 16
#define DH_SBUF	  ((size_t)2 * SESSFMT_LINE_MAX)

enum dh_kind { DH_NONE, DH_LEASE, DH_OTHER };

struct dh {
	struct sf_ctx *c;
	/* the statement being read: its tokens, copied (a statement may span lines) */
	char *sbuf; /* DH_SBUF bytes */
	size_t sused;
	const char *tok[DH_MAXTOK];
	size_t tlen[DH_MAXTOK];
	int tstr[DH_MAXTOK]; /* 1 for a quoted string */
	int ntok;
	const char *sbad; /* why the statement is unusable, NULL if it is fine */
	long sline;
	long long soff;
	/* the top-level block being read */
	long depth;
	enum dh_kind kind;
	long bline;
	long long boff;
	long nstmt;
	struct sf_why why; /* the first reason the record is refused */
	/* the lease */
	struct sess_record r;
	int has_starts;
	int has_ends;
	int skip_state;
	char *hw, *uid, *circuit; /* SF_SLOT each */
};

static int dh_is(const struct dh *h, int k, const char *w)
{
	return k < h->ntok && !h->tstr[k] && str_eq_nocase(h->tok[k], h->tlen[k], w);
}

static void dh_stmt_clear(struct dh *h)
{
	h->ntok = 0;
	h->sused = 0;
	h->sbad = NULL;
}

/* Room for a token of up to n bytes (and its NUL); else the statement is marked bad. */
static char *dh_room(struct dh *h, size_t n, const struct lr_line *ln)
{
	if (h->ntok == 0) {
		h->sline = ln->lineno;
		h->soff = ln->offset;
	}
	if (h->ntok >= DH_MAXTOK)
		return NULL; /* tokens past the 16th are never needed */
	if (h->sused + n + 1 > DH_SBUF) {
		h->sbad = "statement too long";
		return NULL;
	}
	return h->sbuf + h->sused;
}

static void dh_push(struct dh *h, size_t n, int str)
{
	h->tok[h->ntok] = h->sbuf + h->sused;
	h->tlen[h->ntok] = n;
	h->tstr[h->ntok] = str;
	h->sbuf[h->sused + n] = '\0';
	h->sused += n + 1;
	h->ntok++;
}

/* "W YYYY/MM/DD HH:MM:SS", "YYYY/MM/DD HH:MM:SS", "epoch N" or "never" from token k. */
static int dh_time(const struct dh *h, int k, int64_t *out, int *never)
{
	const char *d;
	const char *s1;
	const char *s2;
	size_t dl;
	int64_t y, mo, dd, hh, mi, ss, wd;

	*never = 0;
	if (h->ntok - k == 1 && dh_is(h, k, "never")) {
		*never = 1;
		return 0;
	}
	if (h->ntok - k == 2 && dh_is(h, k, "epoch"))
		return sf_parse_uint(h->tok[k + 1], h->tlen[k + 1], SF_TIME_MAX, out);
	if (h->ntok - k == 3) {
		if (sf_parse_uint(h->tok[k], h->tlen[k], 6, &wd) < 0)
			return -1;
		k++;
	}
	if (h->ntok - k != 2)
		return -1;
	d = h->tok[k];
	dl = h->tlen[k];
	s1 = memchr(d, '/', dl);
	s2 = s1 ? memchr(s1 + 1, '/', dl - (size_t)(s1 + 1 - d)) : NULL;
	if (!s2 || sf_parse_uint(d, (size_t)(s1 - d), 9999, &y) < 0 ||
	    sf_parse_uint(s1 + 1, (size_t)(s2 - s1 - 1), 12, &mo) < 0 ||
	    sf_parse_uint(s2 + 1, dl - (size_t)(s2 + 1 - d), 31, &dd) < 0 ||
	    sf_parse_hms(h->tok[k + 1], h->tlen[k + 1], &hh, &mi, &ss) < 0)
		return -1;
	return sf_civil(y, mo, dd, hh, mi, ss, out);
}

/* 1 when s[0..n) is hex bytes "1:0:16:3e" (one or two digits each, as dhcpd prints). */
static int is_hexlist(const unsigned char *s, size_t n)
{
	size_t part = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == ':') {
			if (part == 0)
				return 0;
			part = 0;
		} else if (hex_value((char)s[i]) < 0 || ++part > 2) {
			return 0;
		}
	}
	return part > 0;
}

/* A client identifier from token k: printable string as is, else "aa:bb:..". */
static void dh_ident(const struct dh *h, int k, char *out)
{
	const unsigned char *s = (const unsigned char *)h->tok[k];
	size_t n = h->tlen[k];
	size_t i;
	size_t o = 0;

	if (3 * n + 1 > SF_SLOT)
		n = (SF_SLOT - 1) / 3;
	if (!h->tstr[k] && is_hexlist(s, n)) {
		for (i = 0; i < n; i++) {
			if (s[i] == ':') {
				out[o++] = ':';
				continue;
			}
			if ((i == 0 || s[i - 1] == ':') && (i + 1 >= n || s[i + 1] == ':'))
				out[o++] = '0'; /* a one-digit byte */
			out[o++] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
		}
		out[o] = '\0';
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] >= 0x7f)
			break;
	}
	if (i == n && n > 0) {
		memcpy(out, s, n);
		out[n] = '\0';
	} else {
		hex_bytes(s, n, out);
	}
}

/* One statement inside a lease block. */
static void dh_lease_stmt(struct dh *h)
{
	int64_t v = 0;
	int never = 0;
	size_t i;
	char ch;
	int st;

	if (dh_is(h, 0, "starts") || dh_is(h, 0, "ends")) {
		st = dh_is(h, 0, "starts");
		if (dh_time(h, 1, &v, &never) < 0 || (st && never)) {
			sf_bad(&h->why, "line %ld: '%s' time not understood", h->sline, h->tok[0]);
			return;
		}
		if (st && !h->has_starts) {
			h->r.time = v;
			h->has_starts = 1;
		} else if (!st && !h->has_ends) {
			h->r.end = never ? 0 : v;
			h->has_ends = 1;
		}
	} else if (dh_is(h, 0, "binding") && dh_is(h, 1, "state") && h->ntok >= 3) {
		h->skip_state = dh_is(h, 2, "abandoned") || dh_is(h, 2, "backup");
	} else if (dh_is(h, 0, "hardware") && h->ntok >= 3) {
		for (i = 0; i < h->tlen[2]; i++) {
			ch = h->tok[2][i];
			h->hw[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
		}
		h->hw[i] = '\0';
	} else if (dh_is(h, 0, "uid") && h->ntok >= 2) {
		dh_ident(h, 1, h->uid);
	} else if (dh_is(h, 0, "option") && dh_is(h, 1, "agent.circuit-id") && h->ntok >= 3) {
		dh_ident(h, 2, h->circuit);
	}
}

static void dh_open_lease(struct dh *h)
{
	struct ip_prefix *a = &h->r.addr[0];
	char shown[64];

	h->kind = DH_LEASE;
	h->depth = 1;
	h->bline = h->sline;
	h->boff = h->soff;
	h->nstmt = 0;
	h->why.bad = 0;
	h->has_starts = h->has_ends = h->skip_state = 0;
	h->hw[0] = h->uid[0] = h->circuit[0] = '\0';
	sf_rec_init(&h->r, h->sline);
	h->r.op = SESS_LEASE;
	if (h->sbad)
		sf_bad(&h->why, "line %ld: %s", h->sline, h->sbad);
	if (h->ntok != 2 || h->tstr[1] ||
	    ip_parse_prefix(h->tok[1], h->tlen[1], a, NULL, NULL) < 0 ||
	    a->len != (a->family == 4 ? 32 : 128))
		sf_bad(&h->why, "expected 'lease ADDRESS {', got 'lease %s'",
		       h->ntok > 1 ? str_show(shown, sizeof(shown), h->tok[1], h->tlen[1]) : "");
	else
		h->r.naddr = 1;
}

/* The lease block is closed: deliver, skip or reject it. */
static int dh_finish(struct dh *h)
{
	struct sess_record *r = &h->r;
	struct sf_ctx *c = h->c;

	h->kind = DH_NONE;
	if (h->why.bad) {
		sf_reject(c, h->bline, h->boff, "%s", h->why.text);
		return 0;
	}
	if (!h->has_starts) {
		sf_reject(c, h->bline, h->boff, "lease has no 'starts' time");
		return 0;
	}
	if (h->skip_state || (!h->circuit[0] && !h->uid[0] && !h->hw[0])) {
		c->st->skipped++; /* abandoned, backup, or a pool entry that names no client */
		return 0;
	}
	if (r->end != 0 && r->end < r->time) {
		sf_reject(c, h->bline, h->boff, "lease ends before it starts");
		return 0;
	}
	r->user = h->circuit[0] ? h->circuit : (h->uid[0] ? h->uid : h->hw);
	r->session_id = h->hw[0] ? h->hw : h->uid;
	return sf_emit(c, r);
}

/* Reject the top-level block that is still open (cut short) as `why`. */
static void dh_cut(struct dh *h, const char *why)
{
	if (h->kind == DH_LEASE && h->why.bad)
		sf_reject(h->c, h->bline, h->boff, "%s (and %s)", h->why.text, why);
	else
		sf_reject(h->c, h->bline, h->boff, "%s", why);
	h->kind = DH_NONE;
	h->depth = 0;
}

/* A statement ended with ';' (or with the '}' that closes its block). */
static void dh_stmt(struct dh *h)
{
	if (h->ntok == 0 && !h->sbad)
		return;
	if (h->depth == 0) {
		if (h->sbad)
			sf_reject(h->c, h->sline, h->soff, "%s", h->sbad);
		else
			h->c->st->skipped++; /* server-duid, authoring-byte-order, ... */
	} else if (h->kind == DH_LEASE) {
		if (++h->nstmt > SESSFMT_RECORD_MAX)
			sf_bad(&h->why, "lease block longer than %d statements",
			       SESSFMT_RECORD_MAX);
		if (h->sbad)
			sf_bad(&h->why, "line %ld: %s", h->sline, h->sbad);
		if (h->depth == 1 && !h->why.bad)
			dh_lease_stmt(h);
	}
	dh_stmt_clear(h);
}

static int dh_punct(struct dh *h, char ch, const struct lr_line *ln)
{
	char buf[64];
	int rc = 0;

	if (ch == ';') {
		dh_stmt(h);
		return 0;
	}
	if (ch == '{') {
		if (h->ntok == 0) {
			h->sline = ln->lineno;
			h->soff = ln->offset;
		}
		if (dh_is(h, 0, "lease")) {
			if (h->depth > 0) {
				snprintf(buf, sizeof(buf), "block not closed before line %ld",
					 h->sline);
				dh_cut(h, buf);
			}
			dh_open_lease(h);
		} else if (h->depth == 0) {
			h->kind = DH_OTHER;
			h->depth = 1;
			h->bline = h->sline;
			h->boff = h->soff;
		} else {
			h->depth++;
			if (h->kind == DH_LEASE && ++h->nstmt > SESSFMT_RECORD_MAX)
				sf_bad(&h->why, "lease block longer than %d statements",
				       SESSFMT_RECORD_MAX);
		}
		dh_stmt_clear(h);
		return 0;
	}
	dh_stmt(h); /* '}' */
	if (h->depth == 0) {
		sf_reject(h->c, ln->lineno, ln->offset, "'}' without a block to close");
		return 0;
	}
	if (--h->depth > 0)
		return 0;
	if (h->kind == DH_LEASE)
		rc = dh_finish(h);
	else
		h->c->st->skipped++; /* host, failover peer, ia-na, ... */
	h->kind = DH_NONE;
	return rc;
}

static int dh_is_delim(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f' || ch == ';' ||
	       ch == '{' || ch == '}' || ch == '"' || ch == '#';
}

/* Quoted string at s[*i] == '"' with \ooo, \t, \n, \r escapes; stored when there is room. */
static void dh_string(struct dh *h, const char *s, size_t n, size_t *i, const struct lr_line *ln)
{
	char *out = dh_room(h, n - *i, ln);
	size_t k = 0;
	size_t p = *i + 1;
	int v;

	for (;;) {
		if (p >= n) {
			h->sbad = "unterminated quoted string";
			*i = n;
			return;
		}
		v = (unsigned char)s[p++];
		if (v == '"')
			break;
		if (v == '\\' && p < n)
			v = sf_unescape(s, n, &p, 0);
		if (out)
			out[k++] = (char)v;
	}
	*i = p;
	if (out)
		dh_push(h, k, 1);
}

static int dh_line(struct dh *h, const struct lr_line *ln)
{
	const char *s = ln->text;
	size_t n = ln->len;
	size_t i = 0;
	size_t st;
	char *out;
	int rc;

	while (i < n) {
		if (dh_is_delim(s[i]) && s[i] != ';' && s[i] != '{' && s[i] != '}' && s[i] != '"') {
			if (s[i] == '#')
				break;
			i++;
		} else if (s[i] == ';' || s[i] == '{' || s[i] == '}') {
			rc = dh_punct(h, s[i], ln);
			if (rc != 0)
				return rc;
			i++;
		} else if (s[i] == '"') {
			dh_string(h, s, n, &i, ln);
		} else {
			st = i;
			while (i < n && !dh_is_delim(s[i]))
				i++;
			out = dh_room(h, i - st, ln);
			if (out) {
				memcpy(out, s + st, i - st);
				dh_push(h, i - st, 0);
			}
		}
	}
	return 0;
}

int sf_read_dhcpd(struct sf_ctx *c)
{
	struct dh h;
	struct lr_line ln;
	int rc;

	memset(&h, 0, sizeof(h));
	h.c = c;
	h.sbuf = c->slot[0];
	h.hw = c->slot[1];
	h.uid = c->slot[2];
	h.circuit = c->slot[3];
	for (rc = sf_line(c, &ln); rc > 0; rc = sf_line(c, &ln)) {
		if (ln.too_long || ln.has_nul) {
			if (h.depth > 0 && h.kind == DH_LEASE)
				sf_bad(&h.why, "line %ld %s", ln.lineno,
				       ln.too_long ? "is too long" : "contains a NUL byte");
			else if (h.depth == 0)
				sf_reject(c, ln.lineno, ln.offset, "line %s",
					  ln.too_long ? "too long" : "contains a NUL byte");
			continue;
		}
		rc = dh_line(&h, &ln);
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (h.depth > 0)
		dh_cut(&h, "the file ends inside this block");
	else if (h.ntok > 0 || h.sbad)
		sf_reject(c, h.sline, h.soff, "the file ends inside this statement");
	return 0;
}

/* ---- kea ---- */

enum kea_col { K_ADDR, K_HW, K_CID, K_DUID, K_VALID, K_EXPIRE, K_STATE, K_UCTX, K_PLEN, K_N };

static const struct csv_col kea_cols[K_N] = {
	[K_ADDR] = SF_COL("address"),	     [K_HW] = SF_COL("hwaddr"),
	[K_CID] = SF_COL("clientid"),	     [K_DUID] = SF_COL("duid"),
	[K_VALID] = SF_COL("validlifetime"), [K_EXPIRE] = SF_COL("expire"),
	[K_STATE] = SF_COL("state"),	     [K_UCTX] = SF_COL("usercontext"),
	[K_PLEN] = SF_COL("prefixlen"),
};

/* Index of the quote that ends the JSON string opening at j[i], or n. */
static size_t json_str_end(const char *j, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (j[i] == '\\')
			i++;
		else if (j[i] == '"')
			return i;
	}
	return n;
}

static size_t utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int json_u4(const char *j, size_t b, size_t a, unsigned long *cp)
{
	size_t i;
	int v;

	if (a + 4 > b)
		return -1;
	*cp = 0;
	for (i = a; i < a + 4; i++) {
		v = hex_value(j[i]);
		if (v < 0)
			return -1;
		*cp = *cp * 16 + (unsigned long)v;
	}
	return 0;
}

/* Decode the JSON string body j[a..b) into out (b - a + 1 bytes suffice); 0 or -1. */
static int json_decode(const char *j, size_t a, size_t b, char *out)
{
	unsigned long cp;
	unsigned long lo;
	size_t k = 0;
	char e;

	while (a < b) {
		if (j[a] != '\\') {
			out[k++] = j[a++];
			continue;
		}
		if (a + 1 >= b)
			return -1;
		e = j[a + 1];
		a += 2;
		switch (e) {
		case '"':
		case '\\':
		case '/': out[k++] = e; break;
		case 'b': out[k++] = '\b'; break;
		case 'f': out[k++] = '\f'; break;
		case 'n': out[k++] = '\n'; break;
		case 'r': out[k++] = '\r'; break;
		case 't': out[k++] = '\t'; break;
		case 'u':
			if (json_u4(j, b, a, &cp) < 0 || cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
				return -1;
			a += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (a + 6 > b || j[a] != '\\' || j[a + 1] != 'u' ||
				    json_u4(j, b, a + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				a += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			k += utf8_put(out + k, cp);
			break;
		default: return -1;
		}
	}
	out[k] = '\0';
	return 0;
}

/* The string value of "key" at any depth of the JSON text j[0..n) into out; 1 if found. */
static int json_find_string(const char *j, size_t n, const char *key, char *out)
{
	size_t kl = strlen(key);
	size_t i = 0;
	size_t e;
	size_t v;
	int is_key;

	while (i < n) {
		if (j[i] != '"') {
			i++;
			continue;
		}
		e = json_str_end(j, n, i);
		if (e >= n)
			return 0;
		is_key = e - i - 1 == kl && memcmp(j + i + 1, key, kl) == 0;
		i = e + 1;
		if (!is_key)
			continue;
		for (v = i; v < n && (sf_is_blank(j[v]) || j[v] == '\n' || j[v] == '\r'); v++)
			;
		if (v >= n || j[v] != ':')
			continue;
		for (v++; v < n && sf_is_blank(j[v]); v++)
			;
		if (v >= n || j[v] != '"')
			continue;
		e = json_str_end(j, n, v);
		if (e >= n)
			return 0;
		if (json_decode(j, v + 1, e, out) == 0 && out[0])
			return 1;
		i = e + 1;
	}
	return 0;
}

/* user_context's "circuit-id" (Kea writes ',' as "&#x2c") into out; NULL if none. */
static const char *kea_circuit(const char *uc, char *tmp, char *out)
{
	size_t n = strlen(uc);
	size_t i = 0;
	size_t k = 0;
	int hi;
	int lo;

	while (i < n) {
		if (i + 5 <= n && memcmp(uc + i, "&#x", 3) == 0) {
			hi = hex_value(uc[i + 3]);
			lo = hex_value(uc[i + 4]);
			if (hi >= 0 && lo >= 0 && (hi || lo)) {
				tmp[k++] = (char)(hi * 16 + lo);
				i += 5;
				continue;
			}
		}
		tmp[k++] = uc[i++];
	}
	tmp[k] = '\0';
	return json_find_string(tmp, k, "circuit-id", out) ? out : NULL;
}

static int kea_record(struct sf_ctx *c, const int *idx, struct csv_field *f, size_t nf,
		      const struct lr_line *ln)
{
	struct sess_record r;
	char shown[64];
	const char *s;
	const char *hw;
	const char *cid;
	const char *uc;
	int64_t valid;
	int64_t expire;
	int64_t plen;

	sf_rec_init(&r, ln->lineno);
	s = sf_fld(f, nf, idx[K_ADDR]);
	if (!s || ip_parse_prefix(s, strlen(s), &r.addr[0], NULL, NULL) < 0 ||
	    r.addr[0].len != (r.addr[0].family == 4 ? 32 : 128)) {
		sf_reject(c, ln->lineno, ln->offset, "address '%s' is not an IP address",
			  s ? str_show(shown, sizeof(shown), s, strlen(s)) : "");
		return 0;
	}
	r.naddr = 1;
	s = sf_fld(f, nf, idx[K_PLEN]);
	if (s && r.addr[0].family == 6) {
		if (sf_parse_uint(s, strlen(s), 128, &plen) < 0) {
			sf_reject(c, ln->lineno, ln->offset, "prefix_len '%.40s' is not 0..128", s);
			return 0;
		}
		r.addr[0].len = (uint8_t)plen;
		ip_mask(&r.addr[0]);
	}
	s = sf_fld(f, nf, idx[K_VALID]);
	if (!s || sf_parse_uint(s, strlen(s), SF_TIME_MAX, &valid) < 0) {
		sf_reject(c, ln->lineno, ln->offset, "valid_lifetime '%.40s' is not a number",
			  s ? s : "");
		return 0;
	}
	s = sf_fld(f, nf, idx[K_EXPIRE]);
	if (!s || sf_parse_uint(s, strlen(s), SF_TIME_MAX, &expire) < 0 || expire < valid) {
		sf_reject(c, ln->lineno, ln->offset,
			  "expire '%.40s' is not a time at least valid_lifetime", s ? s : "");
		return 0;
	}
	s = sf_fld(f, nf, idx[K_STATE]);
	if (s && strcmp(s, "1") == 0) {
		c->st->skipped++; /* declined: no client holds it */
		return 0;
	}
	if (valid == 0) {
		r.op = SESS_RELEASE;
		r.time = expire;
	} else {
		r.op = SESS_LEASE;
		r.time = expire - valid;
		r.end = expire;
	}
	hw = sf_fld(f, nf, idx[K_HW]);
	cid = sf_fld(f, nf, idx[K_CID]);
	if (!cid)
		cid = sf_fld(f, nf, idx[K_DUID]);
	uc = sf_fld(f, nf, idx[K_UCTX]);
	s = uc ? kea_circuit(uc, c->slot[0], c->slot[1]) : NULL;
	r.session_id = hw ? hw : (cid ? cid : "");
	r.user = s ? s : r.session_id;
	return sf_emit(c, &r);
}

static const char *kea_header_bad(const int *idx)
{
	if (idx[K_ADDR] < 0 || idx[K_EXPIRE] < 0)
		return "Kea header names no address or expire column";
	return NULL;
}

int sf_read_kea(struct sf_ctx *c)
{
	static const char *const hdr[] = { "validlifetime", NULL };
	static const struct sf_csv_format kea = {
		.marks = hdr,
		.cols = kea_cols,
		.ncols = K_N,
		.header_bad = kea_header_bad,
		.no_header = "no usable Kea header (address,...,valid_lifetime,expire,...) before "
			     "this row",
		.bad_header = "no usable Kea header (address,...,valid_lifetime,expire,...) before "
			      "this row",
		.row = kea_record,
	};

	return sf_read_csv(c, &kea);
}
