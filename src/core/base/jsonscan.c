/*
 * jsonscan.c -- see jsonscan.h.
 *
 * A recursive walk over bytes taken from the line reader in chunks (lr_take). Every
 * byte goes through next(), which counts lines and, while a wanted value is being read,
 * appends the byte to the copy buffer (allocated once, value_max bytes; past that the
 * value is only marked too long). Walking a wanted value is the same walk with want()
 * not asked, so there is one walker for both; a wanted value that lies whole in the
 * current chunk is first tried by quick_extent, a tight loop over the same rules that
 * takes it in one run (a 1 M-indicator STIX bundle is 345 MB, nearly all of it wanted
 * values), and only what that loop does not take is walked byte by byte. A reader's raw
 * hook (the STIX fast path) is offered the chunk itself first, so a value it takes is
 * neither walked here nor copied.
 */
#include "core/base/jsonscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct js {
	struct lr *lr;
	const char *p, *e; /* the current chunk */
	long line;
	long long off;
	struct js_path path;
	js_want_fn want;
	js_raw_fn raw;
	js_value_fn on_value;
	void *ud;
	struct isp_err *err;
	int eof;
	int last; /* the last byte taken */
	/* the wanted value being read */
	int copying;
	char *buf;
	size_t len, max;
	int over;
};

/* Make the next byte available: 1, 0 at end of input, or ISR_EIO. */
static int more(struct js *j)
{
	size_t n = 0;
	int rc;

	if (j->p < j->e)
		return 1;
	if (j->eof)
		return 0;
	rc = lr_take(j->lr, &j->p, &n, j->err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		j->eof = 1;
		return 0;
	}
	j->e = j->p + n;
	return 1;
}

/* The next byte without taking it, -1 at end of input, or ISR_EIO (< -1 never: EIO=-3). */
static int peek(struct js *j)
{
	int rc = more(j);

	if (rc <= 0)
		return rc == 0 ? -1 : rc;
	return (unsigned char)*j->p;
}

static int next(struct js *j)
{
	int ch = peek(j);

	if (ch < 0)
		return ch;
	j->p++;
	j->off++;
	j->last = ch;
	if (ch == '\n')
		j->line++;
	if (j->copying) {
		if (j->len < j->max)
			j->buf[j->len++] = (char)ch;
		else
			j->over = 1;
	}
	return ch;
}

static int fail(struct js *j, int ch, const char *what)
{
	if (ch == ISR_EIO)
		return ISR_EIO;
	if (ch == -1)
		return isp_err_at(j->err, ISR_EFORMAT, NULL, j->line, j->off,
				  "JSON ends early: expected %s", what);
	return isp_err_at(j->err, ISR_EFORMAT, NULL, j->line, j->off,
			  "JSON: expected %s, found '%c'", what,
			  ch >= 0x20 && ch < 0x7f ? ch : '?');
}

/* Take the next n bytes of the current chunk (n <= e - p): counted, and copied while a
 * wanted value is read. The walk's fast paths go through here, a run at a time. */
static void advance(struct js *j, size_t n)
{
	const char *q = j->p;
	const char *end = j->p + n;
	size_t room;

	if (n == 0)
		return;
	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		j->line++;
		q++;
	}
	if (j->copying) {
		room = j->max - j->len;
		memcpy(j->buf + j->len, j->p, n < room ? n : room);
		j->len += n < room ? n : room;
		if (n > room)
			j->over = 1;
	}
	j->off += (long long)n;
	j->last = (unsigned char)end[-1];
	j->p = end;
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void skip_ws(struct js *j)
{
	const char *q;

	while (more(j) > 0) {
		q = j->p;
		while (q < j->e && is_ws(*q))
			q++;
		advance(j, (size_t)(q - j->p));
		if (q < j->e)
			return;
	}
}

static void key_byte(struct js_step *key, size_t *n, char ch)
{
	if (!key)
		return;
	if (*n < JS_KEY_MAX)
		key->key[(*n)++] = ch;
	else
		key->key_cut = 1;
}

/* After the opening quote: up to and including the closing one; the first bytes into
 * key when key is not NULL. */
static int string(struct js *j, struct js_step *key)
{
	const char *q;
	size_t n = 0;
	size_t run;
	int ch;

	for (;;) {
		ch = more(j);
		if (ch <= 0)
			return fail(j, ch == 0 ? -1 : ch, "the end of a string");
		q = j->p;
		while (q < j->e && *q != '"' && *q != '\\')
			q++;
		run = (size_t)(q - j->p);
		if (key && run > 0) {
			if (n + run > JS_KEY_MAX) {
				key->key_cut = 1;
				run = JS_KEY_MAX - n;
			}
			memcpy(key->key + n, j->p, run);
			n += run;
		}
		advance(j, (size_t)(q - j->p));
		if (q == j->e)
			continue;
		ch = next(j);
		if (ch == '"')
			break;
		/* a backslash: the escaped byte is taken whatever it is */
		key_byte(key, &n, (char)ch);
		ch = next(j);
		if (ch < 0)
			return fail(j, ch, "the end of a string");
		key_byte(key, &n, (char)ch);
	}
	if (key)
		key->key[n] = '\0';
	return 0;
}

static int is_scalar_byte(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '+' || ch == '-' || ch == '.';
}

static int value(struct js *j);

static int push(struct js *j)
{
	struct js_step *s;

	if (j->path.depth >= JS_DEPTH_MAX)
		return isp_err_at(j->err, ISR_EFORMAT, NULL, j->line, j->off,
				  "JSON nested deeper than %d levels", JS_DEPTH_MAX);
	s = &j->path.step[j->path.depth++];
	memset(s, 0, sizeof(*s));
	return 0;
}

/* An object (close '}') or an array (close ']'): its members or elements, each a step of
 * the path while it is walked. */
static int container(struct js *j, int close)
{
	struct js_step *s;
	int ch;
	int rc;

	next(j); /* '{' or '[' */
	skip_ws(j);
	if (peek(j) == close) {
		next(j);
		return 0;
	}
	rc = push(j);
	if (rc < 0)
		return rc;
	s = &j->path.step[j->path.depth - 1];
	s->is_index = close == ']';
	for (s->index = 0;; s->index++) {
		if (close == '}') {
			skip_ws(j);
			ch = next(j);
			if (ch != '"')
				return fail(j, ch, "a member name in quotes");
			s->key_cut = 0;
			rc = string(j, s);
			if (rc < 0)
				return rc;
			skip_ws(j);
			ch = next(j);
			if (ch != ':')
				return fail(j, ch, "':' after a member name");
		}
		rc = value(j);
		if (rc != 0)
			return rc;
		skip_ws(j);
		ch = next(j);
		if (ch == close)
			break;
		if (ch != ',')
			return fail(j, ch,
				    close == '}' ? "',' or '}' in an object"
						 : "',' or ']' in an array");
	}
	j->path.depth--;
	return 0;
}

/* One value, not asking want(). */
static int walk(struct js *j)
{
	int ch;
	int n = 0;

	skip_ws(j);
	ch = peek(j);
	if (ch == '{')
		return container(j, '}');
	if (ch == '[')
		return container(j, ']');
	if (ch == '"') {
		next(j);
		return string(j, NULL);
	}
	while (is_scalar_byte(ch)) {
		next(j);
		n++;
		ch = peek(j);
	}
	return n > 0 ? 0 : fail(j, ch, "a value");
}

/*
 * The quick walk of a wanted value (most of an import's bytes go through here): the same
 * rules as walk() -- strings, scalar runs, ':' and ',' in their places, balanced
 * brackets, the depth bound -- over the current chunk in one tight loop, without taking
 * a byte. Returns the value's length when it ends inside the chunk and walk() would have
 * taken it whole; 0 when it runs past the chunk, nests deeper than QUICK_DEPTH, or
 * anything in it would make walk() stop: walk() then reads it byte by byte and says why,
 * so results and messages are the same either way.
 */
#define QUICK_DEPTH 32

static const char *quick_ws(const char *q, const char *e)
{
	while (q < e && is_ws(*q))
		q++;
	return q;
}

#define W_ONES 0x0101010101010101ULL
#define W_HIGH 0x8080808080808080ULL

/* The high bit of each byte of w that is zero; the lowest one set is exactly the first
 * zero byte (borrows only reach bytes above it). */
static uint64_t zero_bytes(uint64_t w)
{
	return (w - W_ONES) & ~w & W_HIGH;
}

static int text_byte(unsigned char ch, int any_text)
{
	if (ch == '"' || ch == '\\')
		return 0;
	return any_text || (ch >= 0x20 && ch <= 0x7e);
}

size_t js_text_run(const char *p, size_t n, int any_text)
{
	size_t i = 0;
	uint64_t w, stop;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (n - i >= 8) {
		memcpy(&w, p + i, 8);
		stop = zero_bytes(w ^ (W_ONES * '"')) | zero_bytes(w ^ (W_ONES * '\\'));
		if (!any_text) /* bytes >= 0x80, < 0x20 (exact lowest, as zero_bytes), 0x7f */
			stop |= (w & W_HIGH) | ((w - W_ONES * 0x20) & ~w & W_HIGH) |
				zero_bytes(w ^ (W_ONES * 0x7f));
		if (stop)
			return i + (size_t)(__builtin_ctzll(stop) >> 3);
		i += 8;
	}
#endif
	while (i < n && text_byte((unsigned char)p[i], any_text))
		i++;
	return i;
}

/* After an opening quote at q: past the closing one, or NULL when not in [q, e). */
static const char *quick_string(const char *q, const char *e)
{
	for (;;) {
		q += js_text_run(q, (size_t)(e - q), 1);
		if (q == e)
			return NULL;
		if (*q == '"')
			return q + 1;
		if (e - q < 2) /* a backslash takes the next byte, whatever it is */
			return NULL;
		q += 2;
	}
}

static size_t quick_extent(const struct js *j)
{
	const char *q = j->p, *e = j->e;
	char close[QUICK_DEPTH]; /* '}' or ']' of each open container */
	int d = 0;
	int room = JS_DEPTH_MAX - j->path.depth; /* push() allows this many */

	if (room > QUICK_DEPTH)
		room = QUICK_DEPTH;
value:
	q = quick_ws(q, e);
	if (q == e)
		return 0;
	if (*q == '{' || *q == '[') {
		char c = *q == '{' ? '}' : ']';

		q = quick_ws(q + 1, e);
		if (q == e)
			return 0;
		if (*q == c) {
			q++;
			goto after;
		}
		if (d >= room)
			return 0;
		close[d++] = c;
		if (c == ']')
			goto value;
		goto member;
	}
	if (*q == '"') {
		q = quick_string(q + 1, e);
		if (!q)
			return 0;
		goto after;
	}
	if (!is_scalar_byte((unsigned char)*q))
		return 0;
	while (q < e && is_scalar_byte((unsigned char)*q))
		q++;
	if (q == e) /* the scalar may go on in the next chunk */
		return 0;
after:
	if (d == 0)
		return (size_t)(q - j->p);
	q = quick_ws(q, e);
	if (q == e)
		return 0;
	if (*q == close[d - 1]) {
		q++;
		d--;
		goto after;
	}
	if (*q != ',')
		return 0;
	q++;
	if (close[d - 1] == ']')
		goto value;
member:
	q = quick_ws(q, e);
	if (q == e || *q != '"')
		return 0;
	q = quick_string(q + 1, e);
	if (!q)
		return 0;
	q = quick_ws(q, e);
	if (q == e || *q != ':')
		return 0;
	q++;
	goto value;
}

/* A wanted value: copied while walked, then parsed and handed over. */
static int wanted(struct js *j)
{
	json_error_t jerr;
	json_t *v = NULL;
	const char *bad = NULL;
	long line = j->line;
	long long off = j->off;
	char why[JSON_ERROR_TEXT_LENGTH + 32];
	size_t n;
	int rc;

	if (j->raw && more(j) > 0) { /* the hook on the chunk itself: no copy, no walk */
		size_t avail = (size_t)(j->e - j->p), used = 0;

		if (avail > j->max)
			avail = j->max;
		rc = j->raw(j->ud, &j->path, j->p, avail, line, off, &used);
		if (rc != 0)
			return rc;
		if (used > 0 && used <= avail) {
			advance(j, used);
			return 0;
		}
	}
	j->copying = 1;
	j->len = 0;
	j->over = 0;
	n = more(j) > 0 ? quick_extent(j) : 0;
	if (n > 0) {
		advance(j, n);
		rc = 0;
	} else {
		rc = walk(j);
	}
	j->copying = 0;
	if (rc != 0)
		return rc;
	if (!j->over && j->raw) {
		size_t used = 0;

		rc = j->raw(j->ud, &j->path, j->buf, j->len, line, off, &used);
		if (rc != 0 || used > 0)
			return rc;
	}
	if (j->over) {
		snprintf(why, sizeof(why), "value longer than %zu bytes", j->max);
		bad = why;
	} else {
		v = json_loadb(j->buf, j->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
		if (!v) {
			snprintf(why, sizeof(why), "invalid JSON: %s", jerr.text);
			bad = why;
		}
	}
	rc = j->on_value(j->ud, &j->path, v, bad, line, off);
	json_decref(v);
	return rc;
}

static int value(struct js *j)
{
	skip_ws(j);
	if (!j->copying && j->want && j->want(j->ud, &j->path))
		return wanted(j);
	return walk(j);
}

int js_path_key(const struct js_path *p, int i, const char *key)
{
	return i >= 0 && i < p->depth && !p->step[i].is_index && !p->step[i].key_cut &&
	       strcmp(p->step[i].key, key) == 0;
}

int js_scan(struct lr *lr, size_t value_max, js_want_fn want, js_value_fn on_value, void *ud,
	    struct js_stats *st, struct isp_err *err)
{
	return js_scan_ex(lr, value_max, want, NULL, on_value, ud, st, err);
}

int js_scan_ex(struct lr *lr, size_t value_max, js_want_fn want, js_raw_fn raw,
	       js_value_fn on_value, void *ud, struct js_stats *st, struct isp_err *err)
{
	struct js *j;
	struct js_stats local;
	int ch;
	int rc = 0;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (!lr || !on_value || value_max < 64)
		return isp_err_set(err, ISR_EINVAL, "js_scan: bad arguments");
	j = calloc(1, sizeof(*j));
	if (j)
		j->buf = malloc(value_max);
	if (!j || !j->buf) {
		if (j)
			free(j);
		return isp_err_set(err, ISR_ENOMEM, "out of memory for the JSON reader");
	}
	j->lr = lr;
	j->line = 1;
	j->want = want;
	j->raw = raw;
	j->on_value = on_value;
	j->ud = ud;
	j->err = err;
	j->max = value_max;
	if (peek(j) == 0xef) { /* a byte-order mark */
		next(j);
		if (next(j) != 0xbb || next(j) != 0xbf) {
			rc = fail(j, '?', "a byte-order mark or a JSON value");
			goto out;
		}
	}
	for (;;) {
		skip_ws(j);
		ch = peek(j);
		if (ch < 0) {
			if (ch != -1)
				rc = ch;
			break;
		}
		j->path.depth = 0;
		st->documents++;
		rc = value(j);
		if (rc != 0)
			break;
	}
out:
	st->lines = j->off == 0 ? 0 : j->last == '\n' ? j->line - 1 : j->line;
	st->bytes = j->off;
	free(j->buf);
	free(j);
	return rc;
}
