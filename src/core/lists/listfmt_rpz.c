/*
 * listfmt_rpz.c -- the RPZ zone-file reader (RFC 1035 master-file syntax, as BIND and
 * Unbound load it).
 *
 * Two layers. The tokenizer turns physical lines into one logical record: it splits on
 * blanks, drops ';' comments, follows '(' ... ')' across lines, keeps "quoted strings"
 * (with ';' inside) as one token and leaves backslash escapes for the name decoder. The
 * record's tokens are copied into one fixed buffer (LISTFMT_LINE_MAX bytes, 512 tokens,
 * 64 lines at most), so a record that never closes its '(' costs bounded memory and is
 * reported, not swallowed with the rest of the file.
 *
 * The record layer applies zone-file rules: $ORIGIN / $TTL / $INCLUDE directives, '@',
 * relative and absolute owners, a blank owner repeating the previous one, optional TTL
 * and class in either order, then turns the owner into an RPZ trigger relative to the
 * zone apex (first SOA owner, else first $ORIGIN, else opts->origin) and the record
 * data into an action, as listed in listfmt.h. A relative name is completed with the
 * current $ORIGIN and then made relative to the apex, so with the usual single $ORIGIN
 * a relative owner is the entry as written; after "$ORIGIN sub.<apex>" the owner "x"
 * is the entry "x.sub". Without any origin, names are taken as written.
 *
 * Names are decoded here: \DDD and \X become the byte; an escaped '.' is rejected
 * (a dot inside a label cannot be carried by the dotted text the importer works on).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/lists/listfmt_int.h"
#include "core/lists/rpzdata.h"

#define RPZ_NAME_MAX   1024
#define RPZ_MAX_TOKENS 512
#define RPZ_MAX_LINES  64
#define RPZ_MSG	       256
#define IPTEXT	       80 /* prefix text buffer: 64 bytes of address, "/128", NUL */

enum apex_src { APEX_NONE, APEX_OPTS, APEX_ORIGIN, APEX_SOA };

struct tok {
	uint32_t off; /* into rec */
	uint32_t len;
	int quoted;
};

struct rpz {
	struct lf_ctx *c;

	/* the record being assembled (its text in rec, below) */
	size_t rec_len;
	struct tok toks[RPZ_MAX_TOKENS];
	size_t ntok;
	long rec_line; /* first line of the record */
	long long rec_off;
	int depth; /* open parentheses */
	int rec_lines;
	int blank_owner; /* the record's first line starts with a blank */
	int overflow;	 /* tokens did not fit */
	int had_comment;

	/* zone state; names are decoded, without the trailing dot, "" = root */
	int have_origin;
	enum apex_src apex_src;
	int prev_anchored; /* prev is absolute (an origin or a final '.') */
	int have_prev;

	/* the entry being collected: the records of one owner make one entry (A + AAAA
	 * of a local-data policy, or a repeated CNAME), emitted when the owner changes */
	enum list_action last_action;
	int have_last;
	int last_ip;
	int last_cname; /* local data holds a CNAME: no other record may join it */
	long last_line;
	long long last_off;
	size_t data_len;

	/* the character arrays last, so that the scalars above pack */
	char rec[LISTFMT_LINE_MAX + 2];
	char origin[RPZ_NAME_MAX + 1];
	char apex[RPZ_NAME_MAX + 1];
	char prev[RPZ_NAME_MAX + 1]; /* previous owner, completed */
	char last[RPZ_NAME_MAX + 1];
	char data[RPZDATA_MAX + 1];  /* the local data collected (text form) */
	char line[RPZDATA_MAX + 1];  /* scratch: this record's local data */
	char name[RPZ_NAME_MAX + 1]; /* scratch: decoded owner / target */
	char rel[RPZ_NAME_MAX + 1];  /* trigger relative to the apex */
	char msg[RPZ_MSG];
};

/* ---- tokenizer ---- */

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void add_token(struct rpz *z, const char *s, size_t n, int quoted)
{
	if (z->ntok >= RPZ_MAX_TOKENS || z->rec_len + n + 1 > sizeof(z->rec)) {
		z->overflow = 1;
		return;
	}
	memcpy(z->rec + z->rec_len, s, n);
	z->rec[z->rec_len + n] = '\0';
	z->toks[z->ntok].off = (uint32_t)z->rec_len;
	z->toks[z->ntok].len = (uint32_t)n;
	z->toks[z->ntok].quoted = quoted;
	z->ntok++;
	z->rec_len += n + 1;
}

/* Append the tokens of one line to the record. 0, or -1 with z->msg set. */
static int tokenize(struct rpz *z, const char *s, size_t n)
{
	size_t i = 0;
	size_t st;

	while (i < n) {
		if (is_blank(s[i])) {
			i++;
		} else if (s[i] == ';') {
			z->had_comment = 1;
			return 0;
		} else if (s[i] == '(') {
			z->depth++;
			i++;
		} else if (s[i] == ')') {
			if (z->depth == 0) {
				snprintf(z->msg, sizeof(z->msg), "')' without '('");
				return -1;
			}
			z->depth--;
			i++;
		} else if (s[i] == '"') {
			st = ++i;
			while (i < n && s[i] != '"')
				i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
			if (i >= n) {
				snprintf(z->msg, sizeof(z->msg),
					 "unterminated quoted string (strings cannot span lines)");
				return -1;
			}
			add_token(z, s + st, i - st, 1);
			i++;
		} else {
			st = i;
			while (i < n && !is_blank(s[i]) && s[i] != ';' && s[i] != '(' &&
			       s[i] != ')' && s[i] != '"')
				i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
			add_token(z, s + st, i - st, 0);
		}
	}
	return 0;
}

static const char *tok_s(const struct rpz *z, size_t i)
{
	return z->rec + z->toks[i].off;
}

/* ---- names ---- */

/*
 * Decode the name s[0..n) into out[RPZ_NAME_MAX + 1] without its final dot; *absolute
 * says whether it had one. 0, or -1 with z->msg set.
 */
static int decode_name(struct rpz *z, const char *s, size_t n, char *out, int *absolute)
{
	size_t i = 0;
	size_t o = 0;
	size_t label = 0;
	unsigned v;
	char ch;

	*absolute = 0;
	if (n == 1 && s[0] == '.') {
		*absolute = 1;
		out[0] = '\0';
		return 0;
	}
	while (i < n) {
		ch = s[i];
		if (ch == '\\') {
			if (i + 1 >= n) {
				snprintf(z->msg, sizeof(z->msg), "name ends in a lone backslash");
				return -1;
			}
			if (s[i + 1] >= '0' && s[i + 1] <= '9') {
				if (i + 3 >= n || s[i + 2] < '0' || s[i + 2] > '9' ||
				    s[i + 3] < '0' || s[i + 3] > '9') {
					snprintf(z->msg, sizeof(z->msg),
						 "bad escape in name (\\DDD needs three digits)");
					return -1;
				}
				v = (unsigned)((s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 +
					       (s[i + 3] - '0'));
				if (v > 255 || v == 0) {
					snprintf(z->msg, sizeof(z->msg),
						 "bad escape \\%03u in name (must be 1..255)", v);
					return -1;
				}
				ch = (char)v;
				i += 4;
			} else {
				ch = s[i + 1];
				i += 2;
			}
			if (ch == '.') {
				snprintf(z->msg, sizeof(z->msg),
					 "escaped '.' inside a label is not supported");
				return -1;
			}
		} else if (ch == '.') {
			if (label == 0) {
				snprintf(z->msg, sizeof(z->msg), "empty label in name");
				return -1;
			}
			i++;
			if (i == n) {
				*absolute = 1;
				break;
			}
		} else {
			i++;
		}
		if (o >= RPZ_NAME_MAX) {
			snprintf(z->msg, sizeof(z->msg), "name longer than %d bytes", RPZ_NAME_MAX);
			return -1;
		}
		out[o++] = ch;
		label = ch == '.' ? 0 : label + 1; /* escaped dots were rejected above */
	}
	out[o] = '\0';
	return 0;
}

/*
 * Complete the owner or origin token i into out: '@' is the origin, a relative name
 * gets the origin appended. *anchored is 1 when the result is absolute. 0 or -1 (msg).
 */
static int complete_name(struct rpz *z, size_t i, char *out, int *anchored)
{
	const char *s = tok_s(z, i);
	size_t n = z->toks[i].len;
	size_t len;
	size_t ol;
	int absolute;

	if (z->toks[i].quoted) {
		snprintf(z->msg, sizeof(z->msg), "a name must not be quoted");
		return -1;
	}
	if (n == 1 && s[0] == '@') {
		snprintf(out, RPZ_NAME_MAX + 1, "%s", z->have_origin ? z->origin : "");
		*anchored = z->have_origin;
		return 0;
	}
	if (decode_name(z, s, n, out, &absolute) < 0)
		return -1;
	*anchored = absolute;
	if (absolute || !z->have_origin)
		return 0;
	*anchored = 1;
	ol = strlen(z->origin);
	if (ol == 0)
		return 0;
	len = strlen(out);
	if (len + 1 + ol > RPZ_NAME_MAX) {
		snprintf(z->msg, sizeof(z->msg), "name longer than %d bytes with the origin",
			 RPZ_NAME_MAX);
		return -1;
	}
	out[len] = '.';
	memcpy(out + len + 1, z->origin, ol + 1);
	return 0;
}

static int eq_nocase(const char *a, const char *b)
{
	return str_eq_nocase(a, strlen(a), b);
}

/* Make the completed name full relative to the apex in z->rel. 0, or -1 outside. */
static int to_relative(struct rpz *z, const char *full, int anchored)
{
	size_t fl = strlen(full);
	size_t al = strlen(z->apex);

	if (!anchored || z->apex_src == APEX_NONE || al == 0) {
		memcpy(z->rel, full, fl + 1);
		return 0;
	}
	if (eq_nocase(full, z->apex)) {
		z->rel[0] = '\0';
		return 0;
	}
	if (fl > al + 1 && full[fl - al - 1] == '.' && eq_nocase(full + fl - al, z->apex)) {
		memcpy(z->rel, full, fl - al - 1);
		z->rel[fl - al - 1] = '\0';
		return 0;
	}
	return -1;
}

/* ---- small syntax checks ---- */

static int is_ttl(const char *s, size_t n)
{
	size_t i = 0;
	int unit_ok = 0;

	if (n == 0 || n > 24 || s[0] < '0' || s[0] > '9')
		return 0;
	while (i < n) {
		if (s[i] >= '0' && s[i] <= '9') {
			unit_ok = 1;
			i++;
		} else if (unit_ok && s[i] != '\0' && strchr("smhdwSMHDW", s[i])) {
			unit_ok = 0;
			i++;
		} else {
			return 0;
		}
	}
	return 1;
}

static int is_class(const char *s, size_t n)
{
	if (str_eq_nocase(s, n, "IN") || str_eq_nocase(s, n, "CH") || str_eq_nocase(s, n, "HS") ||
	    str_eq_nocase(s, n, "CS"))
		return 1;
	return n > 5 && str_eq_nocase(s, 5, "CLASS") && strspn(s + 5, "0123456789") == n - 5;
}

static int is_type_word(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	for (i = 1; i < n; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

static int is_dnssec_type(const char *s, size_t n)
{
	static const char *const t[] = { "RRSIG", "NSEC", "NSEC3",   "NSEC3PARAM", "DNSKEY",
					 "DS",	  "CDS",  "CDNSKEY", "ZONEMD" };
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (str_eq_nocase(s, n, t[i]))
			return 1;
	}
	return 0;
}

/* ---- rpz-ip triggers ---- */

/*
 * Turn the labels before ".rpz-ip" (rel[0..n)) into prefix text in out[IPTEXT]:
 * "32.1.2.0.192" -> "192.0.2.1/32", "48.zz.0.db8.2001" -> "2001:db8::/48". 0 or -1 (msg).
 */
static int ip_trigger(struct rpz *z, const char *rel, size_t n, char *out)
{
	const char *lab[10];
	size_t ll[10];
	size_t nl = 0;
	size_t i;
	size_t st = 0;
	unsigned plen = 0;
	unsigned v;
	int zz = 0;
	int v4 = 1;
	char text[64];
	size_t tl = 0;
	unsigned char bin[16];

	for (i = 0; i <= n; i++) {
		if (i < n && rel[i] != '.')
			continue;
		if (nl == 10 || i == st)
			goto bad;
		lab[nl] = rel + st;
		ll[nl++] = i - st;
		st = i + 1;
	}
	if (nl < 2 || ll[0] > 3 || strspn(lab[0], "0123456789") < ll[0])
		goto bad;
	for (i = 0; i < ll[0]; i++)
		plen = plen * 10 + (unsigned)(lab[0][i] - '0');
	for (i = 1; i < nl; i++) {
		if (ll[i] > 3 || strspn(lab[i], "0123456789") < ll[i])
			v4 = 0;
	}
	if (v4 && nl == 5) {
		for (i = nl - 1; i >= 1; i--) {
			v = (unsigned)strtoul(lab[i], NULL, 10);
			if (v > 255)
				goto bad;
			tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "%u%s", v,
					       i > 1 ? "." : "");
		}
		if (plen < 1 || plen > 32) {
			snprintf(z->msg, sizeof(z->msg),
				 "rpz-ip prefix length %u out of range 1..32", plen);
			return -1;
		}
		snprintf(out, IPTEXT, "%s/%u", text, plen);
		return 0;
	}
	if (nl - 1 > 8)
		goto bad;
	for (i = nl - 1; i >= 1; i--) {
		if (str_eq_nocase(lab[i], ll[i], "zz")) {
			if (zz)
				goto bad;
			zz = 1;
			if (i == nl - 1)
				text[tl++] = ':';
			if (i == 1)
				text[tl++] = ':';
		} else {
			if (ll[i] > 4 || strspn(lab[i], "0123456789abcdefABCDEF") < ll[i])
				goto bad;
			memcpy(text + tl, lab[i], ll[i]);
			tl += ll[i];
		}
		if (i > 1)
			text[tl++] = ':';
	}
	text[tl] = '\0';
	if ((!zz && nl - 1 != 8) || inet_pton(AF_INET6, text, bin) != 1)
		goto bad;
	if (plen < 1 || plen > 128) {
		snprintf(z->msg, sizeof(z->msg), "rpz-ip prefix length %u out of range 1..128",
			 plen);
		return -1;
	}
	if (!inet_ntop(AF_INET6, bin, text, sizeof(text)))
		goto bad;
	snprintf(out, IPTEXT, "%s/%u", text, plen);
	return 0;
bad:
	snprintf(z->msg, sizeof(z->msg),
		 "bad rpz-ip trigger (expected PREFIXLEN.reversed-address.rpz-ip)");
	return -1;
}

/* ---- records ---- */

static void reject(struct rpz *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reject(struct rpz *z, const char *fmt, ...)
{
	char buf[RPZ_MSG + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lf_reject(z->c, z->rec_line, z->rec_off, "%s", buf);
}

static void directive(struct rpz *z)
{
	const char *d = tok_s(z, 0);
	size_t dl = z->toks[0].len;
	char shown[48];
	int anchored;

	z->c->st->skipped++;
	if (str_eq_nocase(d, dl, "$ORIGIN")) {
		if (z->ntok != 2) {
			z->c->st->skipped--;
			reject(z, "$ORIGIN needs one name");
			return;
		}
		if (complete_name(z, 1, z->name, &anchored) < 0) {
			z->c->st->skipped--;
			reject(z, "$ORIGIN: %s", z->msg);
			return;
		}
		memcpy(z->origin, z->name, strlen(z->name) + 1);
		z->have_origin = 1;
		if (z->apex_src < APEX_ORIGIN) {
			memcpy(z->apex, z->origin, strlen(z->origin) + 1);
			z->apex_src = APEX_ORIGIN;
		}
		return;
	}
	z->c->st->skipped--;
	if (str_eq_nocase(d, dl, "$TTL")) {
		if (z->ntok != 2 || !is_ttl(tok_s(z, 1), z->toks[1].len)) {
			reject(z, "$TTL needs one TTL (e.g. 300 or 1h)");
			return;
		}
		z->c->st->skipped++;
	} else if (str_eq_nocase(d, dl, "$INCLUDE")) {
		reject(z, "$INCLUDE is not followed (put the included records in this file)");
	} else if (str_eq_nocase(d, dl, "$GENERATE")) {
		reject(z, "$GENERATE is not supported");
	} else {
		reject(z, "unknown directive '%s'", lf_show(shown, sizeof(shown), d, dl));
	}
}

/*
 * The policy of the record data (tokens [i, ntok)) of type ty: *act, and for local data
 * the record in text form in z->line. 0 or -1 (msg).
 */
static int record_action(struct rpz *z, const char *ty, size_t tl, size_t i, int ip,
			 enum list_action *act)
{
	const char *t;
	size_t n, k, o = 0;
	int absolute;

	*act = LIST_BLOCK;
	z->line[0] = '\0';
	if (i >= z->ntok) {
		snprintf(z->msg, sizeof(z->msg), "%.*s record without data",
			 (int)(tl > 16 ? 16 : tl), ty);
		return -1;
	}
	if (str_eq_nocase(ty, tl, "A") || str_eq_nocase(ty, tl, "AAAA") ||
	    str_eq_nocase(ty, tl, "TXT")) {
		int txt = tl == 3;

		if (!txt && (z->ntok - i != 1 || z->toks[i].quoted)) {
			snprintf(z->msg, sizeof(z->msg), "%.*s takes one address", (int)tl, ty);
			return -1;
		}
		o = (size_t)snprintf(z->line, sizeof(z->line), "%s",
				     txt       ? "TXT"
				     : tl == 1 ? "A"
					       : "AAAA");
		for (k = i; k < z->ntok; k++) {
			n = z->toks[k].len;
			if (o + n + 4 >= sizeof(z->line)) {
				snprintf(z->msg, sizeof(z->msg), "local data longer than %d bytes",
					 RPZDATA_MAX);
				return -1;
			}
			z->line[o++] = ' ';
			if (txt)
				z->line[o++] = '"';
			memcpy(z->line + o, tok_s(z, k), n);
			o += n;
			if (txt)
				z->line[o++] = '"';
			z->line[o] = '\0';
		}
		*act = LIST_LOCAL;
		if (rpzdata_encode(z->line, o, NULL, 0, z->msg, sizeof(z->msg)) < 0)
			return -1;
		return 0;
	}
	if (!str_eq_nocase(ty, tl, "CNAME")) {
		snprintf(z->msg, sizeof(z->msg),
			 "local data of type %.*s is not supported (A, AAAA, TXT, CNAME)",
			 (int)(tl > 16 ? 16 : tl), ty);
		return -1;
	}
	if (z->ntok - i != 1 || z->toks[i].quoted) {
		snprintf(z->msg, sizeof(z->msg), "CNAME takes one target name");
		return -1;
	}
	t = tok_s(z, i);
	n = z->toks[i].len;
	if (str_eq_nocase(t, n, "."))
		return 0; /* block: the list's policy (NXDOMAIN by default) */
	if (str_eq_nocase(t, n, "*."))
		*act = LIST_NODATA;
	else if (str_eq_nocase(t, n, "rpz-drop."))
		*act = LIST_DROP;
	else if (str_eq_nocase(t, n, "rpz-passthru."))
		*act = LIST_ALLOW;
	else if (str_eq_nocase(t, n, "rpz-tcp-only."))
		*act = LIST_TCP_ONLY;
	if (*act != LIST_BLOCK)
		return 0;
	if (n >= 2 && t[0] == '*' && t[1] == '.') {
		snprintf(z->msg, sizeof(z->msg),
			 "wildcard CNAME target (the query name under another zone) is not "
			 "supported");
		return -1;
	}
	if (decode_name(z, t, n, z->name, &absolute) < 0)
		return -1;
	/* the old passthru form: a name CNAME to itself */
	if (!ip && absolute && eq_nocase(z->name, z->rel)) {
		*act = LIST_ALLOW;
		return 0;
	}
	/* local data: a CNAME to another name (a walled garden), completed like an owner */
	if (!absolute && z->have_origin && z->origin[0]) {
		size_t nl = strlen(z->name), ol = strlen(z->origin);

		if (nl + 1 + ol > RPZ_NAME_MAX) {
			snprintf(z->msg, sizeof(z->msg), "CNAME target too long");
			return -1;
		}
		z->name[nl] = '.';
		memcpy(z->name + nl + 1, z->origin, ol + 1);
	}
	o = (size_t)snprintf(z->line, sizeof(z->line), "CNAME %s.", z->name);
	*act = LIST_LOCAL;
	if (o >= sizeof(z->line) ||
	    rpzdata_encode(z->line, o, NULL, 0, z->msg, sizeof(z->msg)) < 0) {
		if (o >= sizeof(z->line))
			snprintf(z->msg, sizeof(z->msg), "CNAME target too long");
		return -1;
	}
	return 0;
}

/* Emit the entry being collected, if any. Returns lf_emit's value. */
static int flush_entry(struct rpz *z)
{
	struct listfmt_entry e;

	if (!z->have_last)
		return 0;
	z->have_last = 0;
	memset(&e, 0, sizeof(e));
	e.kind = z->last_ip ? LIST_IP : LIST_DOMAIN;
	e.value = z->last; /* the trigger, or the rpz-ip prefix text */
	e.action = z->last_action;
	e.data = z->last_action == LIST_LOCAL ? z->data : NULL;
	e.line = z->last_line;
	return lf_emit(z->c, &e, z->last_off);
}

static int record(struct rpz *z)
{
	enum list_action act;
	const char *value;
	char ipbuf[IPTEXT];
	char shown[48];
	char shown2[48];
	const char *ty;
	const char *last;
	size_t tl;
	size_t i = 0;
	size_t k;
	int anchored;
	int ip = 0;
	int rc;

	if (!z->blank_owner) {
		z->have_prev = 0;
		if (complete_name(z, 0, z->prev, &z->prev_anchored) < 0) {
			reject(z, "owner name: %s", z->msg);
			return 0;
		}
		z->have_prev = 1;
		i = 1;
	} else if (!z->have_prev) {
		reject(z, "record without an owner name and no previous owner");
		return 0;
	}
	for (k = 0; k < 2 && i < z->ntok && !z->toks[i].quoted; k++) {
		if (!is_ttl(tok_s(z, i), z->toks[i].len) && !is_class(tok_s(z, i), z->toks[i].len))
			break;
		i++;
	}
	if (i >= z->ntok || z->toks[i].quoted || !is_type_word(tok_s(z, i), z->toks[i].len)) {
		if (i >= z->ntok)
			reject(z, "expected a record type after the owner name");
		else
			reject(z, "expected a record type, got '%s'",
			       lf_show(shown, sizeof(shown), tok_s(z, i), z->toks[i].len));
		return 0;
	}
	ty = tok_s(z, i);
	tl = z->toks[i].len;
	i++;
	anchored = z->prev_anchored;
	if (str_eq_nocase(ty, tl, "SOA") && z->apex_src < APEX_SOA) {
		memcpy(z->apex, z->prev, strlen(z->prev) + 1);
		z->apex_src = APEX_SOA;
	}
	if (to_relative(z, z->prev, anchored) < 0) {
		reject(z, "name '%s' is outside the zone '%s'",
		       lf_show(shown, sizeof(shown), z->prev, strlen(z->prev)),
		       lf_show(shown2, sizeof(shown2), z->apex, strlen(z->apex)));
		return 0;
	}
	if (z->rel[0] != '\0' && str_eq_nocase(ty, tl, "SOA")) {
		reject(z, "SOA record below the zone apex");
		return 0;
	}
	if (z->rel[0] == '\0' || is_dnssec_type(ty, tl)) {
		z->c->st->skipped++; /* SOA, NS, ... at the apex; signatures */
		return 0;
	}
	if (str_eq_nocase(ty, tl, "NS")) {
		reject(z, "NS record below the zone apex (delegations are not RPZ policy)");
		return 0;
	}
	last = strrchr(z->rel, '.');
	last = last ? last + 1 : z->rel;
	if (eq_nocase(last, "rpz-nsdname") || eq_nocase(last, "rpz-nsip") ||
	    eq_nocase(last, "rpz-client-ip")) {
		reject(z, "RPZ trigger %s is not supported", last);
		return 0;
	}
	if (eq_nocase(last, "rpz-ip")) {
		ip = 1;
		if (last == z->rel ||
		    ip_trigger(z, z->rel, (size_t)(last - z->rel - 1), ipbuf) < 0) {
			if (last == z->rel)
				snprintf(z->msg, sizeof(z->msg),
					 "rpz-ip trigger without an address");
			reject(z, "%s", z->msg);
			return 0;
		}
	}
	if (record_action(z, ty, tl, i, ip, &act) < 0) {
		reject(z, "%s", z->msg);
		return 0;
	}
	value = ip ? ipbuf : z->rel;
	if (z->have_last && z->last_ip == ip && eq_nocase(z->last, value)) {
		/* another record of the same trigger */
		int cname = act == LIST_LOCAL && strncmp(z->line, "CNAME ", 6) == 0;
		size_t ll = strlen(z->line);

		if (act != z->last_action) {
			reject(z, "'%s' already has the policy %s: one policy per owner",
			       lf_show(shown, sizeof(shown), value, strlen(value)),
			       list_action_name(z->last_action));
			return 0;
		}
		if (act != LIST_LOCAL) {
			z->c->st->skipped++;
			return 0;
		}
		if (cname || z->last_cname) {
			reject(z, "'%s': a CNAME and other local data at one owner",
			       lf_show(shown, sizeof(shown), value, strlen(value)));
			return 0;
		}
		if (z->data_len + 1 + ll > RPZDATA_MAX) {
			reject(z, "'%s': local data longer than %d bytes",
			       lf_show(shown, sizeof(shown), value, strlen(value)), RPZDATA_MAX);
			return 0;
		}
		z->data[z->data_len++] = '\n';
		memcpy(z->data + z->data_len, z->line, ll + 1);
		z->data_len += ll;
		z->c->st->skipped++;
		return 0;
	}
	rc = flush_entry(z);
	if (rc)
		return rc;
	memcpy(z->last, value, strlen(value) + 1);
	z->last_action = act;
	z->last_ip = ip;
	z->last_cname = act == LIST_LOCAL && strncmp(z->line, "CNAME ", 6) == 0;
	z->last_line = z->rec_line;
	z->last_off = z->rec_off;
	z->data_len = act == LIST_LOCAL ? strlen(z->line) : 0;
	memcpy(z->data, z->line, z->data_len + 1);
	z->have_last = 1;
	return 0;
}

static int finish_record(struct rpz *z)
{
	if (z->overflow) {
		reject(z, "record longer than %d bytes or %d tokens", LISTFMT_LINE_MAX,
		       RPZ_MAX_TOKENS);
		return 0;
	}
	if (z->ntok == 0) {
		if (z->had_comment)
			z->c->st->skipped++;
		return 0;
	}
	if (!z->blank_owner && !z->toks[0].quoted && tok_s(z, 0)[0] == '$') {
		directive(z);
		return 0;
	}
	return record(z);
}

static void init_origin(struct rpz *z, const char *origin)
{
	size_t n;

	if (!origin)
		return;
	n = strlen(origin);
	if (n > 0 && origin[n - 1] == '.')
		n--;
	if (n > RPZ_NAME_MAX)
		return;
	memcpy(z->origin, origin, n);
	z->origin[n] = '\0';
	z->have_origin = 1;
	memcpy(z->apex, z->origin, n + 1);
	z->apex_src = APEX_OPTS;
}

int lf_read_rpz(struct lf_ctx *c)
{
	struct lr_line ln;
	struct rpz *z;
	int rc;

	z = calloc(1, sizeof(*z));
	if (!z)
		return isp_err_set(c->err, ISR_ENOMEM, "out of memory for the RPZ reader");
	z->c = c;
	init_origin(z, c->opts->origin);
	for (;;) {
		rc = lf_next_line(c, &ln);
		if (rc <= 0)
			break;
		if (z->depth == 0) {
			z->ntok = 0;
			z->rec_len = 0;
			z->rec_line = ln.lineno;
			z->rec_off = ln.offset;
			z->rec_lines = 0;
			z->overflow = 0;
			z->had_comment = 0;
			z->blank_owner = ln.len > 0 && is_blank(ln.text[0]);
		}
		z->rec_lines++;
		if (tokenize(z, ln.text, ln.len) < 0) {
			lf_reject(c, ln.lineno, ln.offset, "%s", z->msg);
			z->depth = 0;
			continue;
		}
		if (z->depth > 0) {
			if (z->rec_lines < RPZ_MAX_LINES)
				continue;
			reject(z, "'(' not closed within %d lines", RPZ_MAX_LINES);
			z->depth = 0;
			continue;
		}
		rc = finish_record(z);
		if (rc != 0)
			break;
	}
	if (rc == 0 && z->depth > 0)
		reject(z, "'(' not closed at the end of the file");
	if (rc == 0)
		rc = flush_entry(z);
	free(z);
	return rc;
}
