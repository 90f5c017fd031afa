/*
 * extract.c -- what a hostile page points at, see crawl.h (crawl_extract).
 *
 * The markup is parsed by libgumbo, a conforming HTML5 parser (the tree a browser would
 * build from the same bytes, broken markup included), and walked with an explicit stack
 * (no recursion: the nesting depth is the page's choice). Inline scripts are not run;
 * their text is read for the redirect forms kits use, by pattern:
 *   location = '...'          location.href = "..."      window.location = `...`
 *   location.replace('...')   location.assign("...")     window.open('...')
 *   document.write('<iframe src=...>')   a form submitted by script (.submit())
 * A string built at run time (concatenation, atob) is not seen here: that is the second,
 * script-running tier's job (script.c), whose input, the text of the inline scripts, is
 * collected here too.
 *
 * Every block gumbo allocates for a page is on a list of the page's (a 16-byte header
 * each) and the list is freed with the page: libgumbo 0.10.1 (Debian's) itself leaks the
 * attributes of some repeated tags on hostile markup (fuzz.crawl found it), and a crawl
 * of a million pages must not keep them.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/err.h"
#include "core/base/strbuf.h"
#include "crawl/crawl.h"

int crawl_kind_navigates(enum crawl_kind k)
{
	return k == CRAWL_HTTP || k == CRAWL_REFRESH || k == CRAWL_META_REFRESH || k == CRAWL_JS ||
	       k == CRAWL_FORM || k == CRAWL_JS_RUN;
}

const char *crawl_kind_name(enum crawl_kind k)
{
	switch (k) {
	case CRAWL_START: return "start";
	case CRAWL_HTTP: return "http-3xx";
	case CRAWL_REFRESH: return "refresh-header";
	case CRAWL_META_REFRESH: return "meta-refresh";
	case CRAWL_JS: return "js-location";
	case CRAWL_FRAME: return "frame";
	case CRAWL_SCRIPT: return "script";
	case CRAWL_EMBED: return "embed";
	case CRAWL_FORM: return "form-submit";
	case CRAWL_JS_RUN: return "js-run";
	}
	return "?";
}

struct links {
	struct crawl_link *out;
	int n, max;
	int forms_submitted; /* a script calls .submit() */
	char form_action[CRAWL_MAX_URL];
	char *base;
	size_t basesz;
	struct strbuf *scripts; /* inline scripts' text, framed (crawl.h); NULL = not kept */
};

static void add(struct links *l, enum crawl_kind kind, const char *u, size_t n)
{
	while (n && isspace((unsigned char)*u)) {
		u++;
		n--;
	}
	while (n && isspace((unsigned char)u[n - 1]))
		n--;
	if (!n || n >= CRAWL_MAX_URL || l->n >= l->max)
		return;
	l->out[l->n].kind = kind;
	memcpy(l->out[l->n].url, u, n);
	l->out[l->n].url[n] = '\0';
	l->n++;
}

int crawl_parse_refresh(const char *c, size_t len, char *out, size_t outsz)
{
	size_t i = 0, j, k;
	char q = 0;

	while (i < len &&
	       (isspace((unsigned char)c[i]) || isdigit((unsigned char)c[i]) || c[i] == '.'))
		i++;
	if (i < len && (c[i] == ';' || c[i] == ','))
		i++;
	while (i < len && isspace((unsigned char)c[i]))
		i++;
	if (len - i >= 3 && strncasecmp(c + i, "url", 3) == 0) {
		j = i + 3;
		while (j < len && isspace((unsigned char)c[j]))
			j++;
		if (j < len && c[j] == '=') {
			i = j + 1;
			while (i < len && isspace((unsigned char)c[i]))
				i++;
		}
	}
	if (i < len && (c[i] == '\'' || c[i] == '"'))
		q = c[i++];
	j = i;
	while (j < len && (q ? c[j] != q : 1))
		j++;
	while (j > i && isspace((unsigned char)c[j - 1]))
		j--;
	if (j == i || j - i >= outsz)
		return 0;
	for (k = i; k < j; k++)
		if ((unsigned char)c[k] < 0x20 || c[k] == 0x7f)
			return 0; /* NUL, CR, LF ...: not a URL (found by fuzz.crawl) */
	memcpy(out, c + i, j - i);
	out[j - i] = '\0';
	return 1;
}

/* The string literal starting at s[0] (after blanks) of s[0..n): its body and length. */
static int literal(const char *s, size_t n, const char **body, size_t *blen)
{
	size_t i = 0, j;
	char q;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i >= n || (s[i] != '\'' && s[i] != '"' && s[i] != '`'))
		return 0;
	q = s[i++];
	for (j = i; j < n && s[j] != q; j++)
		if (s[j] == '\\')
			j++;
	if (j >= n)
		return 0;
	*body = s + i;
	*blen = j - i;
	/* the whole value, not the first part of an expression ('/a/' + x, 'x'.concat(..),
	 * 'abc'[0]): that is for the script tier to compute */
	for (j++; j < n && isspace((unsigned char)s[j]); j++)
		;
	return j >= n || !(s[j] == '+' || s[j] == '.' || s[j] == '[' || s[j] == '?' ||
			   s[j] == '|' || s[j] == '&');
}

static void html_links(struct links *l, const char *body, size_t len, int from_script);

/* Redirect forms in one inline script's text. */
static void script_links(struct links *l, const char *s, size_t n, int nested)
{
	static const char *const calls[] = { "location.replace(", "location.assign(",
					     "window.open(", "document.write(",
					     "document.writeln(" };
	size_t i, k;

	for (i = 0; i < n; i++) {
		const char *b;
		size_t bl;

		if (n - i >= 9 && memcmp(s + i, ".submit()", 9) == 0)
			l->forms_submitted = 1;
		for (k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
			size_t cl = strlen(calls[k]);

			if (n - i < cl || memcmp(s + i, calls[k], cl) != 0 ||
			    !literal(s + i + cl, n - i - cl, &b, &bl))
				continue;
			if (calls[k][0] != 'd')
				add(l, CRAWL_JS, b, bl);
			else if (!nested)
				html_links(l, b, bl, 1);
		}
		/* location = '...', location.href = '...' (not ==) */
		if (n - i >= 8 && memcmp(s + i, "location", 8) == 0 &&
		    (i == 0 || !(isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))) {
			size_t j = i + 8;

			if (n - j >= 5 && memcmp(s + j, ".href", 5) == 0)
				j += 5;
			while (j < n && isspace((unsigned char)s[j]))
				j++;
			if (j < n && s[j] == '=' && (j + 1 >= n || s[j + 1] != '=') &&
			    literal(s + j + 1, n - j - 1, &b, &bl))
				add(l, CRAWL_JS, b, bl);
		}
	}
}

static const char *attr(const GumboElement *e, const char *name)
{
	const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);

	return a ? a->value : NULL;
}

/* An inline script's text into l->scripts (crawl.h framing) when its type is a
 * JavaScript one (none, text/javascript, application/javascript, ...; not module). */
static void keep_script(struct links *l, const GumboElement *e, const char *text)
{
	const char *t = attr(e, "type");
	uint32_t n = (uint32_t)strlen(text);

	if (!l->scripts || !n)
		return;
	if (t && t[0] && strcasecmp(t, "text/javascript") != 0 &&
	    strcasecmp(t, "application/javascript") != 0 &&
	    strcasecmp(t, "application/x-javascript") != 0 &&
	    strcasecmp(t, "text/ecmascript") != 0 && strcasecmp(t, "text/jscript") != 0)
		return;
	if (l->scripts->len + 4 + n > CRAWL_SCRIPT_INPUT)
		return;
	strbuf_add(l->scripts, (const char *)&n, 4);
	strbuf_add(l->scripts, text, n);
}

/* The link of e's attribute name, of kind k, when e has one; returns the attribute's
 * value (NULL: none). */
static const char *add_attr(struct links *l, const GumboElement *e, const char *name,
			    enum crawl_kind k)
{
	const char *v = attr(e, name);

	if (v)
		add(l, k, v, strlen(v));
	return v;
}

static void element(struct links *l, const GumboElement *e, int from_script)
{
	const char *v;

	switch (e->tag) {
	case GUMBO_TAG_META:
		v = attr(e, "http-equiv");
		if (v && strcasecmp(v, "refresh") == 0) {
			char u[CRAWL_MAX_URL];
			const char *c = attr(e, "content");

			if (c && crawl_parse_refresh(c, strlen(c), u, sizeof(u)))
				add(l, CRAWL_META_REFRESH, u, strlen(u));
		}
		break;
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_FRAME: add_attr(l, e, "src", CRAWL_FRAME); break;
	case GUMBO_TAG_SCRIPT:
		v = add_attr(l, e, "src", CRAWL_SCRIPT);
		if (e->children.length == 1) {
			const GumboNode *t = e->children.data[0];

			if (t->type == GUMBO_NODE_TEXT || t->type == GUMBO_NODE_CDATA) {
				script_links(l, t->v.text.text, strlen(t->v.text.text),
					     from_script);
				if (!v)
					keep_script(l, e, t->v.text.text);
			}
		}
		break;
	case GUMBO_TAG_EMBED: add_attr(l, e, "src", CRAWL_EMBED); break;
	case GUMBO_TAG_OBJECT: add_attr(l, e, "data", CRAWL_EMBED); break;
	case GUMBO_TAG_BASE:
		v = attr(e, "href");
		if (v && l->base && !l->base[0] && strlen(v) < l->basesz)
			memcpy(l->base, v, strlen(v) + 1);
		break;
	case GUMBO_TAG_FORM:
		v = attr(e, "action");
		if (v && !l->form_action[0] && strlen(v) < sizeof(l->form_action))
			memcpy(l->form_action, v, strlen(v) + 1);
		break;
	default: break;
	}
}

/* 1 when the tag name at s[0..n) is one that does not stay open on the parser's stack
 * (void elements) or is usually closed implicitly. */
static int not_nesting(const char *s, size_t n)
{
	static const char *const names[] = {
		"area",	 "base",    "br",     "col",	  "embed", "hr",       "img", "input",
		"link",	 "meta",    "source", "track",	  "wbr",   "param",    "p",   "li",
		"dt",	 "dd",	    "option", "optgroup", "tr",	   "td",       "th",  "tbody",
		"thead", "tfoot",   "html",   "head",	  "body",  "colgroup", "rb",  "rt",
		"rp",	 "caption", "frame",  "keygen"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0)
			return 1;
	return 0;
}

/* The length of the prefix of body[0..len) that is parsed (crawl.h: CRAWL_MAX_HTML,
 * CRAWL_MAX_DEPTH). */
static size_t parse_bound(const char *b, size_t len)
{
	long depth = 0;
	size_t i;

	if (len > CRAWL_MAX_HTML)
		len = CRAWL_MAX_HTML;
	for (i = 0; i + 1 < len; i++) {
		size_t j;

		if (b[i] != '<')
			continue;
		if (b[i + 1] == '/') {
			if (depth > 0)
				depth--;
			continue;
		}
		if (!isalpha((unsigned char)b[i + 1]))
			continue;
		for (j = i + 1; j < len && isalnum((unsigned char)b[j]); j++)
			;
		if (not_nesting(b + i + 1, j - i - 1))
			continue;
		while (j < len && b[j] != '>' && b[j] != '<')
			j++;
		if (j < len && b[j] == '>' && b[j - 1] == '/')
			continue; /* <x/> */
		if (++depth > CRAWL_MAX_DEPTH)
			return i;
	}
	return len;
}

struct frame {
	const GumboNode *node;
};

/* gumbo's blocks for one page: a circular list through a header before each block */
union gblock {
	struct {
		union gblock *prev, *next;
	} l;
	max_align_t align; /* the block after the header stays aligned for any type */
};

static void *gblock_alloc(void *ud, size_t n)
{
	union gblock *head = ud, *b = malloc(sizeof(*b) + n);

	if (!b)
		return NULL;
	b->l.prev = head;
	b->l.next = head->l.next;
	head->l.next->l.prev = b;
	head->l.next = b;
	return b + 1;
}

static void gblock_free(void *ud, void *p)
{
	union gblock *b = p ? (union gblock *)p - 1 : NULL;

	(void)ud;
	if (!b)
		return;
	b->l.prev->l.next = b->l.next;
	b->l.next->l.prev = b->l.prev;
	free(b);
}

/* what gumbo did not free itself */
static void gblock_free_all(union gblock *head)
{
	union gblock *b = head->l.next;

	while (b != head) {
		union gblock *next = b->l.next;

		free(b);
		b = next;
	}
	head->l.prev = head->l.next = head;
}

/* Walk the tree of body[0..len) in document order with an explicit stack. */
static void html_links(struct links *l, const char *body, size_t len, int from_script)
{
	union gblock blocks = { .l = { &blocks, &blocks } };
	GumboOptions opt = kGumboDefaultOptions;
	GumboOutput *g;
	struct frame *stack = NULL;
	size_t top = 0, cap = 0;

	opt.allocator = gblock_alloc;
	opt.deallocator = gblock_free;
	opt.userdata = &blocks;
	g = gumbo_parse_with_options(&opt, body, parse_bound(body, len));
	if (!g) {
		gblock_free_all(&blocks);
		return;
	}
	cap = 256;
	stack = malloc(cap * sizeof(*stack));
	if (!stack)
		goto out;
	stack[top++].node = g->root;
	while (top) {
		const GumboNode *nd = stack[--top].node;
		unsigned i;

		if (nd->type != GUMBO_NODE_ELEMENT && nd->type != GUMBO_NODE_TEMPLATE)
			continue;
		element(l, &nd->v.element, from_script);
		if (top + nd->v.element.children.length > cap) {
			size_t nc = (top + nd->v.element.children.length) * 2;
			struct frame *ns = realloc(stack, nc * sizeof(*stack));

			if (!ns)
				break;
			stack = ns;
			cap = nc;
		}
		/* pushed last child first: popped in document order */
		for (i = nd->v.element.children.length; i > 0; i--)
			stack[top++].node = nd->v.element.children.data[i - 1];
	}
out:
	free(stack);
	gumbo_destroy_output(&opt, g);
	gblock_free_all(&blocks);
}

int crawl_extract(const char *body, size_t len, struct crawl_link *out, int max, char *base,
		  size_t basesz, struct strbuf *scripts)
{
	struct links l = {
		.out = out, .max = max, .base = base, .basesz = basesz, .scripts = scripts
	};

	if (base && basesz)
		base[0] = '\0';
	html_links(&l, body, len, 0);
	if (l.forms_submitted && l.form_action[0])
		add(&l, CRAWL_FORM, l.form_action, strlen(l.form_action));
	return l.n;
}
