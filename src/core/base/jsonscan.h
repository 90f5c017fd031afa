/*
 * jsonscan.h -- a streaming pass over a JSON document that hands chosen values to the
 * caller one at a time, each parsed by jansson, each with its line and offset.
 *
 * Threat-intel exchange files are JSON documents whose interesting part is one long
 * array: a STIX 2.1 bundle's "objects", a MISP event's "Attribute". Loading the whole
 * document as one jansson tree costs memory in proportion to the file (a 1 M-indicator
 * bundle is hundreds of megabytes) and loses where each element was. This scanner walks
 * the document's structure byte by byte instead -- strings, brackets, separators, keys
 * -- keeping only the path from the root to where it is (keys and array indexes). At the
 * start of every value it asks the caller, through want(), whether that value is one it
 * wants; a wanted value's bytes are copied (at most value_max of them) and parsed with
 * json_loadb on their own, so memory is O(value_max + depth) whatever the document. A
 * reader's raw hook (js_scan_ex) may take the usual shape of a value itself, straight
 * from the scanner's buffer, before any of that.
 *
 * The structure outside wanted values is checked only as far as walking it needs
 * (balanced brackets, terminated strings, ':' and ',' in their places); a wanted value
 * is checked fully by jansson. A wanted value that jansson rejects or that is longer
 * than value_max is handed to on_value with json NULL and the reason, and the scan goes
 * on after it: one bad element of a million does not lose the others. A break in the
 * structure itself (a missing bracket, the document cut short) ends the scan with
 * ISR_EFORMAT and the line and offset of the byte where it broke.
 *
 * Several documents one after the other (JSON lines, concatenated exports) are read in
 * turn; each starts again at the root path. A UTF-8 byte-order mark at the start is
 * skipped.
 *
 * Bounds: nesting deeper than JS_DEPTH_MAX is a structural error (the walk recurses, one
 * frame per level); keys are kept up to JS_KEY_MAX bytes (longer keys are kept cut and
 * marked, and match no name the caller looks for).
 */
#ifndef ISP_CORE_JSONSCAN_H
#define ISP_CORE_JSONSCAN_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/base/linereader.h"

#define JS_DEPTH_MAX 128
#define JS_KEY_MAX   63

/* One step of the path: a member of an object (key) or an element of an array. */
struct js_step {
	int is_index;		  /* 1: array element `index`; 0: object member `key` */
	long index;		  /* 0-based */
	char key[JS_KEY_MAX + 1]; /* raw bytes between the quotes (escapes not decoded) */
	int key_cut;		  /* 1 when the key was longer than JS_KEY_MAX */
};

/* Where the scan is: step[0] is the root value's member or element, ... */
struct js_path {
	int depth; /* steps in use; 0 = a top-level value */
	struct js_step step[JS_DEPTH_MAX];
};

/* 1 when step i of p is the object member named key (exact, case-sensitive). */
int js_path_key(const struct js_path *p, int i, const char *key);

/* Called at the start of each value (path p): 1 to have it copied and parsed, else 0.
 * Values inside a wanted value are not asked about. */
typedef int (*js_want_fn)(void *ud, const struct js_path *p);

/*
 * Called with each wanted value: json (owned by the scanner, freed after the call;
 * json_incref to keep it) or NULL with bad saying why (too long, invalid JSON); line
 * (1-based) and off (bytes) of its first byte. A non-zero return stops the scan, which
 * returns that value.
 */
typedef int (*js_value_fn)(void *ud, const struct js_path *p, json_t *json, const char *bad,
			   long line, long long off);

struct js_stats {
	long lines;	 /* lines in the bytes read */
	long documents;	 /* top-level values read */
	long long bytes; /* bytes read */
};

/*
 * Scan the rest of lr (which must not have been read with lr_next) to its end. value_max
 * (>= 64) bounds a wanted value's size. Returns 0 at the end of the input, the
 * callback's non-zero value, ISR_EFORMAT with err->line/offset at a structural error,
 * ISR_ENOMEM or ISR_EIO. st may be NULL; it is filled in whatever the result.
 */
int js_scan(struct lr *lr, size_t value_max, js_want_fn want, js_value_fn on_value, void *ud,
	    struct js_stats *st, struct isp_err *err);

/*
 * A reader's own parse of a wanted value, tried before jansson's, for a fast path over
 * the common shape of an element that leaves everything else to jansson. buf[0..len)
 * starts with the value and may go on past its end: the scanner first offers, without a
 * copy, the bytes it holds from the value's start on (the rest of its chunk, at most
 * value_max); when the hook does not take the value there, the scanner reads the value
 * whole as usual (copied) and offers exactly that. buf is read only. Set *used to the
 * value's length when the hook took it (on_value is then not called); leave it 0 to have
 * it read as usual. A hook takes only a value that the scan would walk the same way: a
 * valid JSON value of *used bytes. A non-zero return stops the scan, which returns it.
 */
typedef int (*js_raw_fn)(void *ud, const struct js_path *p, const char *buf, size_t len, long line,
			 long long off, size_t *used);

/*
 * The length of the run at p[0..n) of bytes that a JSON string holds as they are when
 * printable (0x20..0x7e, not '"' or '\'); with any_text, of bytes other than '"' and
 * '\' (where a string's walk must look). Eight bytes at a time: the readers' fast paths
 * spend most of their time in strings.
 */
size_t js_text_run(const char *p, size_t n, int any_text);

/* js_scan with a raw hook (NULL: js_scan). */
int js_scan_ex(struct lr *lr, size_t value_max, js_want_fn want, js_raw_fn raw,
	       js_value_fn on_value, void *ud, struct js_stats *st, struct isp_err *err);

#endif
