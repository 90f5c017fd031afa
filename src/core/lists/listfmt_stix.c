/*
 * listfmt_stix.c -- the STIX 2.1 reader: indicator objects of a bundle (or of a TAXII
 * 2.1 envelope, which holds its objects under the same "objects" member) become
 * entries.
 *
 * The document is walked by core/base/jsonscan.h: only the elements of the top-level
 * "objects" array are parsed, one at a time, so a bundle of a million indicators is
 * read in the memory of one object (LF_JSON_VALUE_MAX). Each indicator's pattern is
 * read by a small parser of exactly the patterns a block list can hold: one or more
 * observation expressions joined by OR, each a bracket of one or more comparisons
 * joined by OR, each comparison `domain-name:value`, `url:value`, `ipv4-addr:value` or
 * `ipv6-addr:value` `=` a quoted string. Grouping parentheses are allowed. Anything
 * else -- AND, FOLLOWEDBY, qualifiers (WITHIN, START/STOP, REPEATS), other operators or
 * object paths, non-string constants -- rejects the whole indicator with the reason and
 * the object's id: there is no partial pattern engine, and a pattern read half-way
 * would block more (or less) than its author meant.
 *
 * Objects that are not indicators (identity, malware, relationship, marking-definition,
 * ...) and revoked indicators are skipped, not entries: an import replaces what the
 * source listed, so a revoked indicator is removed by not being listed. valid_from is
 * the entry's first_seen and valid_until its expiry; category is the indicator's name,
 * else its indicator_types and labels; reference is the object's id.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonscan.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/lists/listfmt_int.h"

#define STIX_TERMS_MAX 256 /* comparisons in one pattern */
/* The fast path's copies of an object's members: the object's bytes and their NULs. */
#define STIX_TEXT_MAX (LF_JSON_VALUE_MAX + 16)

struct term {
	enum list_kind kind;
	size_t at, len; /* the unescaped value in the scratch buffer */
};

struct pat {
	const char *s; /* the pattern */
	size_t i, n;
	char *out; /* unescaped values, NUL-separated */
	size_t used, cap;
	struct term t[STIX_TERMS_MAX];
	int nt;
	char why[160];
	char shown[48];
};

static void pws(struct pat *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
			       p->s[p->i] == '\r'))
		p->i++;
}

/* The word (letters, digits, '-', '_', ':', '.', '[', ']', '*') at p->i. */
static size_t pword(const struct pat *p)
{
	size_t k = p->i;
	char ch;

	while (k < p->n) {
		ch = p->s[k];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == ':' ||
		      ch == '.' || ch == '*'))
			break;
		k++;
	}
	return k - p->i;
}

/* s[0..n) shown for a message (one at a time). */
static const char *show(struct pat *p, const char *s, size_t n)
{
	return str_show(p->shown, sizeof(p->shown), s, n);
}

/* What is at p->i (one byte, or the word there), quoted, or "the end". */
static const char *found(struct pat *p, size_t n)
{
	size_t k;

	if (p->i >= p->n)
		return "the end";
	k = n ? n : 1;
	p->shown[0] = '\'';
	str_show(p->shown + 1, sizeof(p->shown) - 2, p->s + p->i, k);
	k = strlen(p->shown);
	p->shown[k] = '\'';
	p->shown[k + 1] = '\0';
	return p->shown;
}

static int pfail(struct pat *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int pfail(struct pat *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int is_word(const struct pat *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p->s + p->i, w, n) == 0;
}

/* A word that is not OR where OR or the end was expected: say what it is. */
static int unsupported_word(struct pat *p, size_t n)
{
	static const char *const quals[] = { "WITHIN", "START", "STOP", "REPEATS", NULL };
	int k;

	if (is_word(p, n, "AND"))
		return pfail(p, "'AND' is not supported (only equality and OR)");
	if (is_word(p, n, "FOLLOWEDBY"))
		return pfail(p, "'FOLLOWEDBY' is not supported (only equality and OR)");
	for (k = 0; quals[k]; k++) {
		if (is_word(p, n, quals[k]))
			return pfail(p, "qualifier '%s' is not supported",
				     show(p, quals[k], strlen(quals[k])));
	}
	return pfail(p, "unexpected '%s'", show(p, p->s + p->i, n ? n : 1));
}

static int comparison(struct pat *p)
{
	static const struct {
		const char *path;
		enum list_kind kind;
	} paths[] = { { "domain-name:value", LIST_DOMAIN },
		      { "url:value", LIST_URL },
		      { "ipv4-addr:value", LIST_IP },
		      { "ipv6-addr:value", LIST_IP } };
	enum list_kind kind = LIST_KIND_NONE;
	size_t n, k;
	char ch;

	pws(p);
	n = pword(p);
	if (n == 0)
		return pfail(p, "expected an object path, found %s", found(p, 1));
	for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		if (is_word(p, n, paths[k].path))
			kind = paths[k].kind;
	}
	if (kind == LIST_KIND_NONE) {
		n = strcspn(p->s + p->i, " \t\r\n=!<>]");
		return pfail(p,
			     "object path '%s' is not supported (only domain-name, url, "
			     "ipv4-addr and ipv6-addr :value)",
			     show(p, p->s + p->i, n));
	}
	p->i += n;
	pws(p);
	if (p->i < p->n && p->s[p->i] == '=') {
		p->i++;
	} else {
		n = pword(p);
		if (n == 0)
			n = strspn(p->s + p->i, "!<>=");
		return pfail(p, "operator '%s' is not supported (only =)",
			     show(p, p->s + p->i, n ? n : (p->i < p->n)));
	}
	pws(p);
	if (p->i >= p->n || p->s[p->i] != '\'')
		return pfail(p, "the value must be a quoted string, found %s", found(p, pword(p)));
	if (p->nt >= STIX_TERMS_MAX)
		return pfail(p, "more than %d comparisons", STIX_TERMS_MAX);
	p->i++;
	p->t[p->nt].kind = kind;
	p->t[p->nt].at = p->used;
	for (;;) {
		if (p->i >= p->n)
			return pfail(p, "unterminated string");
		ch = p->s[p->i++];
		if (ch == '\'')
			break;
		if (ch == '\\') {
			if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '\\'))
				return pfail(p, "bad escape in a string");
			ch = p->s[p->i++];
		}
		if (p->used + 2 >= p->cap)
			return pfail(p, "pattern too long");
		p->out[p->used++] = ch;
	}
	p->t[p->nt].len = p->used - p->t[p->nt].at;
	p->out[p->used++] = '\0';
	p->nt++;
	return 0;
}

/* Skip '(' and ')' around expressions; depth counts them. */
static void parens(struct pat *p, int *depth)
{
	for (;;) {
		pws(p);
		if (p->i < p->n && p->s[p->i] == '(') {
			(*depth)++;
			p->i++;
		} else if (p->i < p->n && p->s[p->i] == ')' && *depth > 0) {
			(*depth)--;
			p->i++;
		} else {
			return;
		}
	}
}

/* An OR-separated list: of comparisons inside a bracket (inner), else of brackets. */
static int or_list(struct pat *p, int inner)
{
	int depth = 0;
	size_t n;
	int rc;

	for (;;) {
		parens(p, &depth);
		if (inner) {
			rc = comparison(p);
		} else {
			if (p->i >= p->n || p->s[p->i] != '[')
				return pfail(p, "expected '[', found %s", found(p, 1));
			p->i++;
			rc = or_list(p, 1);
			if (rc == 0 && (p->i >= p->n || p->s[p->i] != ']'))
				return pfail(p, "expected ']', found %s", found(p, 1));
			p->i++;
		}
		if (rc < 0)
			return rc;
		parens(p, &depth);
		n = pword(p);
		if (n == 0)
			break;
		if (!is_word(p, n, "OR"))
			return unsupported_word(p, n);
		p->i += n;
	}
	if (depth != 0)
		return pfail(p, "unbalanced '('");
	pws(p);
	return 0;
}

/* Parse p->s into p->t; 0, or -1 with p->why. */
static int pattern_parse(struct pat *p)
{
	if (or_list(p, 0) < 0)
		return -1;
	if (p->i < p->n)
		return pfail(p, "unexpected '%s' after the pattern",
			     show(p, p->s + p->i, p->n - p->i > 20 ? 20 : p->n - p->i));
	if (p->nt == 0)
		return pfail(p, "empty pattern");
	return 0;
}

/* ---- objects ---- */

struct stix {
	struct lf_ctx *c;
	char cat[1024];
	char *text; /* the fast path's copies of the members it uses (STIX_TEXT_MAX bytes) */
};

static const char *str_member(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The members of an indicator the reader uses, from a jansson tree or from the fast
 * path's own scan of the bytes (fast_object); NULL when absent or not a string. */
struct ind {
	const char *type, *id, *ptype, *pattern, *valid_from, *valid_until;
	const char *category; /* name, else indicator_types and labels (x->cat) */
	int revoked;	      /* "revoked": true */
};

static int64_t time_of(const char *s)
{
	int64_t t = 0;

	if (!s || time_parse(s, strlen(s), &t) < 0)
		return 0;
	return t;
}

/* Append one of indicator_types / labels to x->cat (used bytes so far in *used). */
static void cat_add_n(struct stix *x, size_t *used, const char *s, size_t n)
{
	if (!s || n == 0 || *used + n + 2 >= sizeof(x->cat))
		return;
	if (*used)
		x->cat[(*used)++] = ' ';
	memcpy(x->cat + *used, s, n);
	*used += n;
	x->cat[*used] = '\0';
}

static void cat_add(struct stix *x, size_t *used, const char *s)
{
	if (s)
		cat_add_n(x, used, s, strlen(s));
}

/* name, else indicator_types and labels joined with spaces; NULL when none. */
static const char *category(struct stix *x, json_t *o)
{
	static const char *const lists[] = { "indicator_types", "labels" };
	const char *name = str_member(o, "name");
	size_t used = 0;
	size_t k, i;
	json_t *a;

	if (name && *name)
		return name;
	x->cat[0] = '\0';
	for (k = 0; k < 2; k++) {
		a = json_object_get(o, lists[k]);
		for (i = 0; i < json_array_size(a); i++)
			cat_add(x, &used, json_string_value(json_array_get(a, i)));
	}
	return used ? x->cat : NULL;
}

static int indicator(struct stix *x, const struct ind *in, long line, long long off)
{
	struct lf_ctx *c = x->c;
	struct listfmt_entry e;
	struct pat p;
	const char *id = in->id ? in->id : "(no id)";
	char shown[64];
	char shown2[32];
	int64_t first_seen, expires;
	int k, rc;

	if (!in->type)
		return lf_reject(c, line, off, "STIX object without a type"), 0;
	if (strcmp(in->type, "indicator") != 0 || in->revoked) {
		c->st->skipped++;
		return 0;
	}
	if (in->ptype && strcmp(in->ptype, "stix") != 0)
		return lf_reject(c, line, off, "%s: pattern_type '%s' is not supported (only stix)",
				 str_show(shown, sizeof(shown), id, strlen(id)),
				 str_show(shown2, sizeof(shown2), in->ptype, strlen(in->ptype))),
		       0;
	if (!in->pattern)
		return lf_reject(c, line, off, "%s: indicator without a pattern",
				 str_show(shown, sizeof(shown), id, strlen(id))),
		       0;
	/* not memset: t[] is STIX_TERMS_MAX terms, written only as far as they are used */
	p.s = in->pattern;
	p.i = 0;
	p.n = strlen(in->pattern);
	p.out = c->scratch;
	p.used = 0;
	p.cap = LF_SCRATCH / 2;
	p.nt = 0;
	p.why[0] = '\0';
	p.shown[0] = '\0';
	if (pattern_parse(&p) < 0)
		return lf_reject(c, line, off, "%s: pattern %s",
				 str_show(shown, sizeof(shown), id, strlen(id)), p.why),
		       0;
	first_seen = time_of(in->valid_from);
	expires = time_of(in->valid_until);
	for (k = 0; k < p.nt; k++) {
		memset(&e, 0, sizeof(e));
		e.kind = p.t[k].kind;
		e.value = p.out + p.t[k].at;
		e.first_seen = first_seen;
		e.expires = expires;
		e.category = in->category;
		e.reference = id;
		e.line = line;
		if (p.t[k].len != strlen(e.value)) {
			lf_reject(c, line, off, "%s: value contains a NUL byte",
				  str_show(shown, sizeof(shown), id, strlen(id)));
			continue;
		}
		rc = lf_emit(c, &e, off);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int object(struct stix *x, json_t *o, long line, long long off)
{
	struct ind in;

	if (!json_is_object(o))
		return lf_reject(x->c, line, off, "objects[] element is not an object"), 0;
	in.type = str_member(o, "type");
	in.id = str_member(o, "id");
	in.ptype = str_member(o, "pattern_type");
	in.pattern = str_member(o, "pattern");
	in.valid_from = str_member(o, "valid_from");
	in.valid_until = str_member(o, "valid_until");
	in.revoked = json_is_true(json_object_get(o, "revoked"));
	in.category = in.type && strcmp(in.type, "indicator") == 0 ? category(x, o) : NULL;
	return indicator(x, &in, line, off);
}

/*
 * The fast path (js_raw_fn): most bundles are a million flat indicators of printable
 * ASCII, and building a jansson tree for each was a third of an import's time. This scan
 * takes an object only when jansson would read it the same way and nothing in it needs
 * decoding: members whose keys and string values are printable ASCII without escapes,
 * values that are such strings, true, false, null, or arrays of such strings; no key
 * twice; at most FAST_MEMBERS members. Anything else (an escape, UTF-8, a number, a
 * nested object, a duplicate key, any syntax error) leaves *used 0 and jansson reads
 * it, with its own messages. The scanner offers the object in its own buffer first
 * (the rest of its chunk, read only): the members used are copied, NUL-terminated, to
 * x->text, so an indicator is read in one pass over its bytes, without a copy of it.
 */
#define FAST_MEMBERS 64

/*
 * The scan is tight loops over a local index (b, *i, n: the bytes, where the scan is,
 * their length): at a million indicators it reads 345 MB, and the cost of each byte is
 * most of what a STIX import costs more than a plain one.
 */

static size_t fast_ws(const char *b, size_t i, size_t n)
{
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i;
}

/* A string at b[*i]: its text (*len bytes up to the closing quote; *i moves past that),
 * or NULL. */
static const char *fast_str(const char *b, size_t *i, size_t n, size_t *len)
{
	size_t k = *i, start;

	if (k >= n || b[k] != '"')
		return NULL;
	start = ++k;
	k += js_text_run(b + k, n - k, 0);
	if (k >= n || b[k] != '"')
		return NULL;
	*len = k - start;
	*i = k + 1;
	return b + start;
}

/* The literal w (wn bytes) at b[*i]: 1 and *i past it, else 0. */
static int fast_lit(const char *b, size_t *i, size_t n, const char *w, size_t wn)
{
	if (n - *i < wn || memcmp(b + *i, w, wn) != 0)
		return 0;
	*i += wn;
	return 1;
}

/* An array of strings at b[*i] ('['); with add (once the object is taken), each one's
 * text goes to the category, else the array is only checked. 0 or -1. */
static int fast_array(struct stix *x, const char *b, size_t *i, size_t n, size_t *used, int add)
{
	size_t k = fast_ws(b, *i + 1, n), sn;
	const char *s;

	if (k < n && b[k] == ']') {
		*i = k + 1;
		return 0;
	}
	for (;;) {
		s = fast_str(b, &k, n, &sn);
		if (!s)
			return -1;
		if (add)
			cat_add_n(x, used, s, sn);
		k = fast_ws(b, k, n);
		if (k < n && b[k] == ',') {
			k = fast_ws(b, k + 1, n);
			continue;
		}
		if (k < n && b[k] == ']') {
			*i = k + 1;
			return 0;
		}
		return -1;
	}
}

/* The members the reader uses, in the order of struct ind's strings, then name. */
#define FAST_KEY(s)                                                                                \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
static const struct {
	const char *s;
	size_t n;
} fast_keys[] = { FAST_KEY("type"),    FAST_KEY("id"),	       FAST_KEY("pattern_type"),
		  FAST_KEY("pattern"), FAST_KEY("valid_from"), FAST_KEY("valid_until"),
		  FAST_KEY("name") };
#undef FAST_KEY
#define FAST_NKEYS (sizeof(fast_keys) / sizeof(fast_keys[0]))

/* The index in fast_keys of key[0..kn), or -1. */
static int fast_key(const char *key, size_t kn)
{
	size_t k;

	for (k = 0; k < FAST_NKEYS; k++)
		if (fast_keys[k].n == kn && memcmp(fast_keys[k].s, key, kn) == 0)
			return (int)k;
	return -1;
}

static int fast_object(void *ud, const struct js_path *path, const char *buf, size_t len, long line,
		       long long off, size_t *taken)
{
	struct stix *x = ud;
	const char *b = buf;
	size_t n = len, i;
	struct {
		const char *p;
		size_t n;
	} keys[FAST_MEMBERS], vals[FAST_NKEYS];
	char *t = x->text;
	size_t nk = 0, used = 0, k, at_types = 0, at_labels = 0;
	const char **field[FAST_NKEYS];
	const char *name = NULL;
	struct ind in;

	(void)path;
	memset(&in, 0, sizeof(in));
	memset(vals, 0, sizeof(vals));
	i = fast_ws(b, 0, n);
	if (i >= n || b[i] != '{')
		return 0;
	i = fast_ws(b, i + 1, n);
	if (i < n && b[i] == '}')
		i++;
	else
		for (;;) {
			size_t kn = 0, vn = 0;
			const char *key, *val;
			int kx;

			key = fast_str(b, &i, n, &kn);
			if (!key || nk == FAST_MEMBERS)
				return 0;
			for (k = 0; k < nk; k++)
				if (keys[k].n == kn && memcmp(keys[k].p, key, kn) == 0)
					return 0; /* jansson names the duplicate */
			keys[nk].p = key;
			keys[nk++].n = kn;
			i = fast_ws(b, i, n);
			if (i >= n || b[i] != ':')
				return 0;
			i = fast_ws(b, i + 1, n);
			if (i >= n)
				return 0;
			if (b[i] == '"') {
				val = fast_str(b, &i, n, &vn);
				if (!val)
					return 0;
				kx = fast_key(key, kn);
				if (kx >= 0) {
					vals[kx].p = val;
					vals[kx].n = vn;
				}
			} else if (b[i] == '[') {
				size_t mark = i;

				if (fast_array(x, b, &i, n, &used, 0) != 0)
					return 0;
				if (kn == 15 && memcmp(key, "indicator_types", 15) == 0)
					at_types = mark + 1;
				else if (kn == 6 && memcmp(key, "labels", 6) == 0)
					at_labels = mark + 1;
			} else if (fast_lit(b, &i, n, "true", 4)) {
				if (kn == 7 && memcmp(key, "revoked", 7) == 0)
					in.revoked = 1;
			} else if (!fast_lit(b, &i, n, "false", 5) &&
				   !fast_lit(b, &i, n, "null", 4)) {
				return 0; /* numbers, objects: jansson's */
			}
			i = fast_ws(b, i, n);
			if (i < n && b[i] == ',') {
				i = fast_ws(b, i + 1, n);
				continue;
			}
			if (i < n && b[i] == '}') {
				i++;
				break;
			}
			return 0;
		}
	/* taken: the object is b[0..i); what follows is the scanner's */
	*taken = i;
	field[0] = &in.type;
	field[1] = &in.id;
	field[2] = &in.ptype;
	field[3] = &in.pattern;
	field[4] = &in.valid_from;
	field[5] = &in.valid_until;
	field[6] = &name;
	for (k = 0; k < FAST_NKEYS; k++) /* at most i + FAST_NKEYS bytes */
		if (vals[k].p) {
			memcpy(t, vals[k].p, vals[k].n);
			t[vals[k].n] = '\0';
			*field[k] = t;
			t += vals[k].n + 1;
		}
	if (name && *name) {
		in.category = name;
	} else if (in.type && strcmp(in.type, "indicator") == 0) {
		x->cat[0] = '\0';
		if (at_types) {
			i = at_types - 1;
			fast_array(x, b, &i, n, &used, 1);
		}
		if (at_labels) {
			i = at_labels - 1;
			fast_array(x, b, &i, n, &used, 1);
		}
		in.category = used ? x->cat : NULL;
	}
	return indicator(x, &in, line, off);
}

/* The elements of the root's "objects" array. */
static int want(void *ud, const struct js_path *p)
{
	(void)ud;
	return p->depth == 2 && js_path_key(p, 0, "objects") && p->step[1].is_index;
}

static int on_value(void *ud, const struct js_path *p, json_t *v, const char *bad, long line,
		    long long off)
{
	struct stix *x = ud;

	(void)p;
	if (!v) {
		lf_reject(x->c, line, off, "objects[%ld]: %s", p->step[1].index, bad);
		return 0;
	}
	return object(x, v, line, off);
}

int lf_read_stix(struct lf_ctx *c)
{
	struct stix x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.text = malloc(STIX_TEXT_MAX);
	if (!x.text)
		return isp_err_set(c->err, ISR_ENOMEM, "out of memory for the STIX reader");
	rc = lf_read_json_ex(c, want, fast_object, on_value, &x);
	free(x.text);
	return rc;
}
