/*
 * jsonout.h -- the one way JSON output is written: built as jansson values, dumped here.
 *
 * Every JSON document or record the tool writes is a jansson value dumped by these
 * functions, so escaping is jansson's and the layout is decided in one place. Three
 * things jansson leaves to its callers are done here once:
 *
 *  - Strings from outside (file names, banners, log fields, country codes) may be any
 *    bytes, and jansson refuses invalid UTF-8 (json_string returns NULL, and a member set
 *    from it silently vanishes). jsonout_str() makes valid UTF-8 of any bytes: each byte
 *    that does not start a well-formed sequence becomes U+FFFD.
 *  - Reals are dumped with JSONOUT_REAL_DIGITS significant digits, so a figure rounded
 *    with jsonout_real(v, places) prints as that decimal (0.0163, not
 *    0.016299999999999999).
 *  - Many records are written one at a time (struct jsonout_seq): a JSON array, alone or
 *    as the last member of an object, whose elements are dumped as they come, so nothing
 *    but the element being written is held in memory.
 *
 * Output is not sorted by key: members appear in the order they were set.
 */
#ifndef ISP_CORE_JSONOUT_H
#define ISP_CORE_JSONOUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* significant digits of reals in the output (JSON_REAL_PRECISION) */
#define JSONOUT_REAL_DIGITS 15

/* A JSON string of the NUL-terminated bytes s (NULL: ""), invalid UTF-8 replaced by
 * U+FFFD. New reference; NULL only when out of memory. */
json_t *jsonout_str(const char *s);
/* The same for s[0..n), which may hold NUL bytes (written as \u0000). */
json_t *jsonout_strn(const char *s, size_t n);
/* A JSON real of v rounded to places decimals (0..9); null when v is not finite. New
 * reference. */
json_t *jsonout_real(double v, int places);
/* 1 when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF). */
int jsonout_utf8_ok(const char *s, size_t n);

/* Dump v to f with jansson's flags (JSON_INDENT(n), JSON_COMPACT, JSON_SORT_KEYS ...;
 * the real precision is added) and a newline. Takes the reference to v (it is released,
 * also on error; NULL v is an allocation that failed). 0, ISR_ENOMEM or ISR_EIO. */
int jsonout_dumpf(json_t *v, FILE *f, size_t flags);

/* A JSON array written one element at a time. flags is the layout of the document:
 * JSON_INDENT(n) puts each element on its own line, indented as jansson would (n
 * spaces per level), and dumps each on one line ({"a": 1, "b": 2}); otherwise the whole
 * array is compact. An
 * error is remembered and returned by jsonout_seq_close; later calls then write
 * nothing. */
struct jsonout_seq {
	FILE *f;
	size_t flags;  /* the document's dump flags (with the real precision) */
	size_t n;      /* elements written */
	int indent;    /* spaces per level (JSON_INDENT) */
	int in_object; /* the array is the last member of an object: close it too */
	int err;       /* the first error (ISR_...), 0 while none */
};

/* Start the array. head NULL: the array is the document. head an object: its members
 * are written first, and the array is the value of member key after them, the last one
 * of the object. Takes the reference to head. */
void jsonout_seq_open(struct jsonout_seq *q, FILE *f, json_t *head, const char *key, size_t flags);
/* Write one element (takes the reference; NULL: an allocation failed). 0 or the error. */
int jsonout_seq_add(struct jsonout_seq *q, json_t *item);
/* End the array (and the object it closes) and a newline. 0, or the first error. */
int jsonout_seq_close(struct jsonout_seq *q);

#endif
